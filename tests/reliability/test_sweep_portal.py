"""The portal shows a partial sweep as one whose stages met errors, not as one that stopped."""

from __future__ import annotations

from datetime import datetime, timezone

from monitor.models import SweepRun
from tests.portal.conftest import compiled_catalogues, login, portal, seeded_store  # noqa: F401 - fixtures


def test_a_partial_sweep_names_its_stages_with_errors(portal):  # noqa: F811 - the fixture
    from sqlmodel import Session

    from monitor.db import get_engine

    app, _ = portal
    now = datetime.now(timezone.utc)
    with Session(get_engine(app.extensions["monitor_config"])) as s:
        s.add(SweepRun(kind="full", status="partial", requested_at=now, started_at=now, finished_at=now,
                       stages={"crawl": {"status": "partial", "error": "251 page error(s)",
                                         "counts": {"errors": 251}},
                               "scores": {"status": "ok"}},
                       error="partial stages: crawl"))
        s.commit()
    client = app.test_client()
    login(client, "supervisor")
    page = client.get("/sweeps").get_data(as_text=True)
    assert "出错环节：抓取" in page and "stage-partial" in page
    assert "监测未完成即中止" not in page  # not reported as a sweep that stopped
