"""City briefing render time: a ~20-page briefing for a 200-institution store.

Seeds a fresh SQLite store with ``--institutions`` hand-built institutions
(``tests/briefings/seed.py``: registry, disclosures, two sweeps of findings and
scores, alerts), then renders the week's city briefing with
:func:`monitor.briefings.render_city` (data, HTML, PDF, archive) ``--repeat``
times and prints the best time and the page count. A naive baseline is
measured in the same run: the same HTML rendered with automatic table layout
(WeasyPrint measures every cell's content to size the columns), which is what
the templates avoid with ``table-layout: fixed`` and explicit column widths.

Target (issue 9): < 5 s for the 200-institution briefing.

    .venv/bin/python benchmarks/briefing.py [--institutions 200] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

NAIVE_CSS = "<style>table { table-layout: auto !important; }</style></head>"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--institutions", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-baseline", action="store_true", help="Skip the naive baseline (slow).")
    args = parser.parse_args()

    from monitor.briefings import render_city
    from monitor.briefings.api import city_charts
    from monitor.briefings.data import city_data
    from monitor.briefings.render import html_to_pdf, render_html
    from monitor.config import load_config
    from monitor.db import init_db, session_scope
    from tests.briefings.seed import WEEK_END, WEEK_START, seed_store

    with tempfile.TemporaryDirectory() as tmp:
        config = load_config(env={"MONITOR_INSTANCE_DIR": str(Path(tmp) / "instance")})
        init_db(config)
        t0 = time.perf_counter()
        seed_store(config, institutions=args.institutions)
        print(f"seeded {args.institutions} institutions in {time.perf_counter() - t0:.2f} s")

        times, cpu = [], []
        for _ in range(args.repeat):
            t0, c0 = time.perf_counter(), time.process_time()
            pdf, row_id = render_city(config, WEEK_START, WEEK_END)
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        with session_scope(config) as session:
            from monitor.models import Briefing

            pages = session.get(Briefing, row_id).pages
            data = city_data(session, config, WEEK_START, WEEK_END)
        best = min(times)
        print(f"city briefing: {pages} pages, {len(pdf):,} bytes, best {best:.2f} s of {args.repeat} "
              f"({', '.join(f'{t:.2f}' for t in times)}; CPU {min(cpu):.2f} s), "
              f"target < 5 s: {'OK' if best < 5 else 'MISSED'} (CPU time: {'OK' if min(cpu) < 5 else 'MISSED'})")

        if not args.no_baseline:
            html = render_html("city.html", data, city_charts(data))
            t0 = time.perf_counter()
            _pdf, naive_pages, _ = html_to_pdf(html.replace("</head>", NAIVE_CSS, 1))
            naive = time.perf_counter() - t0
            t0 = time.perf_counter()
            html_to_pdf(html)
            fixed = time.perf_counter() - t0
            print(f"PDF step alone: fixed table layout {fixed:.2f} s ({pages} pages) vs naive automatic layout "
                  f"{naive:.2f} s ({naive_pages} pages): {naive / fixed:.1f}x")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"cpus {os.cpu_count()}, load average {load:.2f} (other work on the machine slows the figures)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
