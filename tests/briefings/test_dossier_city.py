"""Dossiers of a crawled, ingested and swept simulated city read as Chinese: no code name left.

Slow: crawls and sweeps the session's small city. The fast checks of the label table are in
test_evidence_labels.py; this one checks what a supervisor actually gets on paper.
"""

from __future__ import annotations

import calendar
import json
import re
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone

import pytest

from monitor.vocab import EVIDENCE_METRICS
from tests.briefings.conftest import pdf_text

pytestmark = pytest.mark.slow
SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
NODE_KEY = re.compile(r"\b(?:institution|company|person):\w+")


def _replay_day(truth: dict) -> datetime:
    """Five days after the city's last month, as scripts/demo.sh replays it."""
    y, m = map(int, truth["start"].split("-")[:2])
    y, m = divmod(y * 12 + m - 1 + int(truth["months"]) - 1, 12)
    last = date(y, m + 1, calendar.monthrange(y, m + 1)[1])
    return datetime.combine(last + timedelta(days=5), datetime.min.time(), tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def swept_city(small_city, tmp_path_factory):
    from monitor.db import dispose_engines
    from monitor.evaluate import build_store_from_city
    from monitor.sweep import run_sweep
    from tests.conftest import make_config

    cfg = make_config(tmp_path_factory.mktemp("dossier-city"))
    build_store_from_city(cfg, small_city, crawl=True)
    truth = json.loads((small_city / "truth.json").read_text(encoding="utf-8"))
    run = run_sweep(cfg, as_of=_replay_day(truth))
    assert run.status in ("succeeded", "partial"), run.stages
    yield cfg
    dispose_engines()


def _covering_institutions(cfg, most: int = 3) -> tuple[list[int], set[str]]:
    """A few institutions whose findings cover as many finding kinds as possible (greedy)."""
    from sqlmodel import select

    from monitor.db import session_scope
    from monitor.models import Finding

    kinds: dict[int, set[str]] = defaultdict(set)
    with session_scope(cfg) as s:
        for inst_id, kind in s.exec(select(Finding.institution_id, Finding.kind)):
            kinds[inst_id].add(kind)
    left, chosen = set().union(*kinds.values()), []
    while left and len(chosen) < most:
        best = max(sorted(kinds), key=lambda i: len(kinds[i] & left))
        chosen.append(best)
        left -= kinds[best]
    return chosen, set().union(*(kinds[i] for i in chosen))


def test_dossiers_name_every_evidence_number_in_chinese(swept_city, poppler, tmp_path):
    from monitor.briefings import render_institution

    chosen, kinds = _covering_institutions(swept_city)
    assert len(kinds) >= 8, kinds  # flows, registry and disclosure findings are all on paper
    labels = {zh for zh, _en in EVIDENCE_METRICS.values()}
    for inst_id in chosen:
        out = tmp_path / f"dossier-{inst_id}.pdf"
        render_institution(swept_city, inst_id, out_path=out)
        text = pdf_text(out)
        # URLs and file names of the crawled pages are evidence as they are; everything else is for people
        words = " ".join(w for w in text.split() if "/" not in w and ".html" not in w)
        assert not SNAKE.findall(words), (inst_id, sorted(set(SNAKE.findall(words))))
        assert not NODE_KEY.findall(words), (inst_id, sorted(set(NODE_KEY.findall(words))))
        assert sum(label in text for label in labels) >= 3, inst_id
