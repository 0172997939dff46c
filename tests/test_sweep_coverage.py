"""The sweep's coverage stage: a platform whose disclosure coverage dropped gets one coverage_drop alert,
counted in the stage; a second sweep raises nothing new for the same drop."""

from __future__ import annotations

from datetime import date, datetime, timezone

from sqlmodel import select

from monitor.coverage import OFFICIAL
from monitor.db import session_scope
from monitor.models import Alert, DisclosureFact, Institution
from monitor.sweep import DEFAULT_STAGES, parse_as_of, run_sweep
from tests.conftest import uscc_for

AT = datetime(2019, 1, 10, tzinfo=timezone.utc)
STAGES = tuple(s for s in DEFAULT_STAGES if s[0] == "coverage")


def _seed(config) -> tuple[int, int]:
    """甲: June every item, July five fewer (a drop); 乙: ten items both months (no drop)."""
    with session_scope(config) as s:
        a = Institution(name="甲网络科技有限公司", name_norm="甲网络科技", uscc=uscc_for(11))
        b = Institution(name="乙网络科技有限公司", name_norm="乙网络科技", uscc=uscc_for(12))
        s.add_all([a, b])
        s.flush()
        for period, items in ((date(2018, 6, 1), OFFICIAL), (date(2018, 7, 1), OFFICIAL[:-5])):
            for metric in items:
                s.add(DisclosureFact(institution_id=a.id, period=period, metric=metric, value=1.0, unit="元",
                                     available_at=AT))
        for period in (date(2018, 6, 1), date(2018, 7, 1)):
            for metric in OFFICIAL[:10]:
                s.add(DisclosureFact(institution_id=b.id, period=period, metric=metric, value=1.0, unit="元",
                                     available_at=AT))
        return a.id, b.id


def test_sweep_raises_a_coverage_drop_once(store):
    a_id, _ = _seed(store)
    first = run_sweep(store, stages=STAGES)
    assert first.status == "succeeded", first.stages
    assert first.stages["coverage"]["counts"] == {"institutions": 2, "drops": 1, "created": 1, "seen": 0}
    with session_scope(store) as s:
        [alert] = s.exec(select(Alert)).all()
        assert (alert.kind, alert.institution_id) == ("coverage_drop", a_id) and "2018-07" in alert.title
        first_seen = alert.last_seen_at
    second = run_sweep(store, stages=STAGES)
    assert second.stages["coverage"]["counts"] == {"institutions": 2, "drops": 1, "created": 0, "seen": 1}
    with session_scope(store) as s:
        [alert] = s.exec(select(Alert)).all()
        assert alert.last_seen_at >= first_seen


def test_a_replay_raises_no_coverage_alert(store):
    _seed(store)
    run = run_sweep(store, as_of=parse_as_of("2018-08-31", "Asia/Shanghai"), stages=STAGES)
    assert run.stages["coverage"]["status"] == "skipped" and "replay" in run.stages["coverage"]["reason"]
    with session_scope(store) as s:
        assert s.exec(select(Alert)).all() == []
