"""The as-crawled replay: the small city crawled date by date, served as of each date, into one store."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from urllib.parse import urlsplit

import pytest

from monitor.evaluate import load_truth


def _stored_paths(config) -> dict[str, list]:
    """Server path → fetch times of the documents stored for it with HTTP status < 400."""
    from sqlmodel import select

    from monitor.db import session_scope
    from monitor.models import Document

    out: dict[str, list] = {}
    with session_scope(config) as s:
        for url, status, fetched in s.exec(select(Document.url, Document.http_status, Document.fetched_at)):
            if status is not None and status < 400:
                path = urlsplit(url).path
                out.setdefault(path + "index.html" if path.endswith("/") else path, []).append(fetched)
    return out


def test_transfer_files_due_are_the_months_ended_before_the_day(tmp_path):
    from monitor.replay_crawled import transfer_files_due

    for name in ("2017-05", "2017-06", "2017-07", "notes"):
        (tmp_path / "X").mkdir(exist_ok=True)
        (tmp_path / "X" / f"{name}.csv").write_text("")
    at = lambda iso: datetime.fromisoformat(iso).replace(tzinfo=timezone.utc)  # noqa: E731
    assert [p.stem for p in transfer_files_due(tmp_path, at("2017-07-01"))] == ["2017-05", "2017-06"]
    assert [p.stem for p in transfer_files_due(tmp_path, at("2017-06-30"))] == ["2017-05"]


@pytest.mark.slow  # two crawls of the small city (25-60 s on 2 shared cores)
def test_each_date_s_crawl_holds_only_what_was_published_and_up(small_city, config):
    from monitor.db import init_db
    from monitor.indicators import run_indicators
    from monitor.replay_crawled import CRAWL_LEAD, _CityCollector, collect_step
    from monitor.transfers import TransferStore

    truth = load_truth(small_city / "truth.json")
    manifest = json.loads((small_city / "www" / "_manifest.json").read_text(encoding="utf-8"))
    published = {p: date.fromisoformat(i["published"]) for p, i in manifest["pages"].items()}
    sites = {s: (i["prefix"], date.fromisoformat(i["down_from"])) for s, i in manifest["sites"].items()
             if i.get("down_from")}
    d1, d2 = datetime(2017, 7, 1, tzinfo=timezone.utc), datetime(2017, 8, 1, tzinfo=timezone.utc)
    # pages of a site up at d2, published between the crawls; and of a site that went down between them
    up_at_d2 = [p for p, day in published.items() if d1.date() < day <= d2.date()
                and not any(p.startswith(prefix) and down <= d2.date() for prefix, down in sites.values())]
    lost = [p for p, day in published.items() if d1.date() < day
            and any(p.startswith(prefix) and d1.date() < down <= d2.date() for prefix, down in sites.values())]
    assert up_at_d2 and lost  # the small city has both (a platform down on 2017-07-31)

    init_db(config)
    collector = _CityCollector(config, small_city)
    first = collect_step(d1, crawl=collector.crawl, ingest=collector.ingest)
    at_d1 = _stored_paths(config)
    assert at_d1 and not [p for p in at_d1 if published.get(p, d1.date()) > d1.date()]  # nothing from later
    assert not set(up_at_d2) & set(at_d1)
    # fetch times run on the crawl's clock: the hour before the replay date, not today
    fetched = [t for times in at_d1.values() for t in times]
    assert all(d1 - CRAWL_LEAD <= t < d1 for t in fetched), (min(fetched), max(fetched))
    # the transfer files of the months ended before d1, and no transfer of d1's month
    assert first["ingest"]["files"] == sum(1 for p in (small_city / "transfers").glob("*/2017-0[1-6].csv"))
    transfers = TransferStore(config)
    assert transfers.count(end=date(2017, 7, 1)) > 0 and transfers.count(start=date(2017, 7, 1)) == 0

    collect_step(d2, crawl=collector.crawl, ingest=collector.ingest)
    at_d2 = _stored_paths(config)
    assert set(up_at_d2) <= set(at_d2)  # published since the first crawl, picked up by the second
    assert not set(lost) & set(at_d2)  # published after d1 on a site down by d2: never collected
    healthy = {i["uscc"] for i in truth["institutions"] if i["label"] == "healthy"}
    for as_of in (d1, d2):
        down = {f.institution_uscc for f in run_indicators(config, as_of) if f.kind == "site_down"}
        assert not down & healthy  # a later page missing from a list is no failed fetch


def test_as_crawled_options_need_a_city_and_a_crawl(tmp_path):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env["MONITOR_INSTANCE_DIR"] = str(tmp_path / "instance")
    city = str(tmp_path / "city")
    for args, fragment in ((["--truth", "t.json", "--as-crawled"], "need --city"),
                           (["--city", city, "--compare"], "goes with --as-crawled"),
                           (["--city", city, "--as-crawled", "--no-crawl"], "cannot go with --no-crawl")):
        r = subprocess.run([sys.executable, "-m", "monitor", "evaluate", *args], capture_output=True, text=True,
                           env=env, cwd=tmp_path, timeout=120)
        lines = r.stderr.strip().splitlines()
        assert r.returncode == 2 and len(lines) == 1 and fragment in lines[0], r.stderr
