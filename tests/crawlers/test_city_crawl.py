"""Spiders against the simulated city served over HTTP on localhost, checked against its ground truth."""

from __future__ import annotations

import json

import pytest
from sqlmodel import func, select

from monitor.db import session_scope
from monitor.models import Company, DisclosureFact, Document, Event, Institution
from monitor.text import district_of

from crawlers.run import crawl
from tests.crawlers.truthcheck import compare

pytestmark = pytest.mark.slow


def test_city_crawl_matches_truth_and_recrawl_is_incremental(sqlite_store, small_city, served_small_city):
    config = sqlite_store
    # Moderate concurrency: the test server's listen backlog is small and the machine is shared.
    polite_enough = {"crawl_concurrency_per_host": 4, "crawl_retries": 2}
    first = crawl(config, sources_csv=small_city / "sources.csv", base_url=served_small_city.base_url, fast=True,
                  overrides=polite_enough)
    t = first["totals"]
    assert t["errors"] == 0 and t["unreadable"] == 0, [s["errors_detail"][:3] + s["unreadable_detail"][:3] for s in first["sources"] if s["errors"] or s["unreadable"]]
    report = compare(config, small_city)
    d = report["disclosures"]
    # The city writes with its own spellings and layouts (monitor/sim/vocab.py), not the reader's: 2242 of
    # 2285 values read exactly (98.1 %), 43 missed (spellings the reader does not know, e.g. 逾期90日以上金额,
    # 待偿还借款笔数), none wrong. Asserted at the level reached: a drop is a finding.
    assert d["exact"] / d["total"] >= 0.98, d["examples"]
    assert d["wrong"] == 0 and d["extra"] == 0, d["examples"]
    assert d["published_at_mismatch"] == 0
    assert report["relations"]["recall"] == 1.0, report["relations"]["missing_examples"]
    assert report["events"]["found"] == report["events"]["total"], report["events"]["missing_examples"]
    with session_scope(config) as s:
        n_facts = s.exec(select(func.count()).select_from(DisclosureFact)).one()
        n_events = s.exec(select(func.count()).select_from(Event)).one()
        n_docs = s.exec(select(func.count()).select_from(Document)).one()
        # Institutions are linked to their registry company by USCC.
        inst_usccs = set(s.exec(select(Institution.uscc)))
        company_usccs = set(s.exec(select(Company.uscc)))
        assert inst_usccs <= company_usccs
        # and placed in the district their registered address names
        truth = json.loads((small_city / "truth.json").read_text(encoding="utf-8"))
        expected = {u: district_of(r.get("address")) for u, r in truth["registry"].items() if u in inst_usccs}
        districts = dict(s.exec(select(Institution.uscc, Institution.district)).all())
        assert all(expected.values()) and districts == expected
        # Events name their institution when the source names a known platform.
        linked = s.exec(select(func.count()).select_from(Event).where(Event.institution_id.is_not(None))).one()
        assert linked >= report["events"]["total"] * 0.9

    second = crawl(config, base_url=served_small_city.base_url, fast=True, overrides=polite_enough)
    t2 = second["totals"]
    assert t2["pages"] == t["pages"] and t2["unchanged"] == t["pages"]
    assert t2["facts"] == t2["relations"] == t2["events"] == 0
    with session_scope(config) as s:
        assert s.exec(select(func.count()).select_from(DisclosureFact)).one() == n_facts
        assert s.exec(select(func.count()).select_from(Event)).one() == n_events
        statuses = dict(s.exec(select(Document.parse_status, func.count()).where(Document.id > n_docs)
                               .group_by(Document.parse_status)).all())
        assert statuses == {"unchanged": t["pages"]}


def test_faulty_city_server_does_not_stop_the_crawl(sqlite_store, small_city):
    """Injected faults (A's server): 500, endless redirects, a huge body, a cut-off body, a slow page."""
    import json

    from monitor.sim.serve import Faults, start_server

    truth = json.loads((small_city / "truth.json").read_text(encoding="utf-8"))
    # One monthly report of five different platforms.
    urls = [next(iter(months.values()))["url"] for months in list(truth["published_disclosures"].values())[:5]]
    # The slow page answers long after the crawl's timeout, which is generous for every other page
    # even on a loaded machine (the server's threads are daemons: stopping it does not wait for them).
    faults = Faults(error_paths={urls[0]: 500}, redirect_loop_paths=(urls[1],), huge_paths=(urls[2],),
                    huge_bytes=3_000_000, truncate_paths=(urls[3],), slow_paths={urls[4]: 120.0})
    server = start_server(small_city / "www", port=0, faults=faults)
    try:
        summary = crawl(sqlite_store, sources_csv=small_city / "sources.csv", base_url=server.base_url, fast=True,
                        kinds=["disclosure"], overrides={"crawl_concurrency_per_host": 4, "crawl_retries": 0,
                                                         "crawl_timeout": 8.0, "crawl_max_page_bytes": 1_000_000})
    finally:
        server.stop()
    errors = {e["url"].replace(server.base_url, "").split("?")[0]: e["reason"]
              for s in summary["sources"] for e in s["errors_detail"]}
    assert errors[urls[0]] == "HTTP 500"
    assert "redirect loop" in errors[urls[1]]
    assert "larger than" in errors[urls[2]]
    assert "cut off" in errors[urls[3]]
    assert "took longer than" in errors[urls[4]]
    report = compare(sqlite_store, small_city)["disclosures"]
    assert report["wrong"] == 0 and report["extra"] == 0
    # Only the faulty pages are lost whole (the reader misses some of the city's spellings elsewhere).
    with session_scope(sqlite_store) as s:
        have = {(uscc, period.strftime("%Y-%m"), metric) for uscc, period, metric in s.exec(
            select(Institution.uscc, DisclosureFact.period, DisclosureFact.metric)
            .join(Institution, DisclosureFact.institution_id == Institution.id))}
    lost_at = {entry["url"] for uscc, months in truth["published_disclosures"].items()
               for month, entry in months.items()
               if not any((uscc, month, metric) in have for metric in entry["values"])}
    assert report["missing"] > 0 and lost_at <= set(urls), sorted(lost_at - set(urls))[:10]
