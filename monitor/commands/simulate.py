"""``monitor simulate``: write a simulated city to a folder."""

from __future__ import annotations

import click


@click.command("simulate")
@click.option("--seed", type=int, default=7, show_default=True, help="Random seed (same seed, same city).")
@click.option("--platforms", type=int, default=60, show_default=True, help="Number of platforms (8-5000).")
@click.option("--months", type=int, default=24, show_default=True, help="Simulated months (6-120).")
@click.option("--transfers-per-month", type=int, default=None,
              help="Rows per platform-month (default: natural volume, a few hundred to a few thousand).")
@click.option("--start", default="2017-01", show_default=True, help="First simulated month, YYYY-MM.")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Output folder.")
@click.option("--force", is_flag=True, help="Overwrite the city in an existing, non-empty folder.")
def simulate(seed, platforms, months, transfers_per_month, start, out_dir, force) -> None:
    """Generate a simulated city: www/, transfers/, sources.csv, truth.json."""
    from monitor.sim import generate_city

    summary = generate_city(out_dir, seed=seed, platforms=platforms, months=months,
                            transfers_per_month=transfers_per_month, force=force, start=start)
    click.echo(f"city written to {summary['out']}: {summary['platforms']} platforms "
               f"({summary['fraud']} fraudulent, {summary['lookalike']} look-alikes), {summary['months']} months, "
               f"{summary['transfer_rows']:,} transfer rows, {summary['pages']:,} pages, "
               f"{summary['events']:,} events in {summary['seconds']} s")
