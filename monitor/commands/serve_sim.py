"""``monitor serve-sim``: serve a simulated city's web over HTTP until Ctrl-C or SIGTERM."""

from __future__ import annotations

import signal
import threading
from datetime import date
from pathlib import Path

import click

from monitor.errors import InputError
from monitor.sim.serve import Faults, start_server


def _pairs(values: tuple[str, ...], option: str, conv) -> dict:
    out = {}
    for v in values:
        pattern, sep, num = v.rpartition("=")
        if not sep or not pattern:
            raise InputError(f"{option} {v!r}: expected PATTERN=VALUE")
        try:
            out[pattern] = conv(num)
        except ValueError:
            raise InputError(f"{option} {v!r}: {num!r} is not a number") from None
    return out


@click.command("serve-sim")
@click.argument("city_dir", type=click.Path())
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8000, show_default=True, help="Port (0 = any free port).")
@click.option("--slow", multiple=True, metavar="PATTERN=SECONDS", help="Answer matching paths slowly.")
@click.option("--error", multiple=True, metavar="PATTERN=STATUS", help="Answer matching paths with this status.")
@click.option("--truncate", multiple=True, metavar="PATTERN", help="Cut matching bodies in half.")
@click.option("--redirect-loop", multiple=True, metavar="PATTERN", help="Redirect matching paths forever.")
@click.option("--huge", multiple=True, metavar="PATTERN", help="Answer matching paths with a 50 MB body.")
@click.option("--as-of", "as_of", default=None, help="Serve the web as it was on this day (YYYY-MM-DD).")
def serve_sim(city_dir, host, port, slow, error, truncate, redirect_loop, huge, as_of) -> None:
    """Serve a simulated city (its folder or its www folder) over HTTP until Ctrl-C."""
    root = Path(city_dir)
    if (root / "www").is_dir():
        root = root / "www"
    if not root.is_dir():
        raise InputError(f"{city_dir}: no such folder (run 'monitor simulate --out {city_dir}' first)")
    day = None
    if as_of:
        try:
            day = date.fromisoformat(as_of)
        except ValueError:
            raise InputError(f"--as-of {as_of!r}: expected YYYY-MM-DD") from None
    faults = Faults(_pairs(slow, "--slow", float), _pairs(error, "--error", int), tuple(truncate),
                    tuple(redirect_loop), tuple(huge))
    server = start_server(root, host=host, port=port, faults=faults, as_of=day)
    click.echo(f"serving {root} at {server.base_url}/ (Ctrl-C to stop)", err=False)
    stop = threading.Event()

    def _stop(*_):
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
