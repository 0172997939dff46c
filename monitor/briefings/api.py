"""The briefings' entry points for the CLI, the portal and the scheduler."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from monitor.errors import InputError

from . import charts as ch
from .labels import BAND_COLOURS, BANDS, band_zh, metric_zh, pattern_zh

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- charts from data (pure)
def city_charts(data: dict) -> dict:
    s = data["summary"]
    groups = [f"{band_zh(b)}色" for b in BANDS]
    before = "上期简报" if data["baseline"]["kind"] == "briefing" else "期初"
    bands = ch.grouped_bars(groups, [(before, "#9e9e9e", [s["previous_bands"][b] for b in BANDS]),
                                     ("本期", "#1f4e79", [s["bands"][b] for b in BANDS])],
                            title="各风险等级机构数", colours_by_group=[BAND_COLOURS[b] for b in BANDS])
    thresholds = (data["rule_sets"][-1]["thresholds"] if data["rule_sets"] else {})
    trend = ch.line_chart([(f"{t['name']}（+{t['rise']:g}）", t["points"]) for t in data["trends"]],
                          title="评分上升最快机构的指数走势",
                          thresholds={b: thresholds[b] for b in ("red", "orange", "yellow") if b in thresholds},
                          threshold_colours=BAND_COLOURS)
    weeks = data["alert_weeks"]
    alerts = ch.grouped_bars([w["label"] for w in weeks], [("新预警", "#1f4e79", [w["count"] for w in weeks])],
                             title=f"近 {len(weeks)} 周新增预警数", height=2.1)
    return {"bands": bands, "trend": trend, "alerts": alerts}


def institution_charts(data: dict) -> dict:
    score = data["score"]
    thresholds = (data["rule_set"] or {}).get("thresholds", {})
    history = ch.line_chart([("风险指数", data["score_history"])], title="风险指数历史",
                            thresholds={b: thresholds[b] for b in ("red", "orange", "yellow") if b in thresholds},
                            threshold_colours=BAND_COLOURS)
    contrib = ch.hbars([(pattern_zh(c.get("key")), float(c.get("points") or 0),
                         "#9e9e9e" if (c.get("points") or 0) < 0 else "#1f4e79")
                        for c in (score["contributions"] if score else [])], title="各项贡献（分）")
    disc = data["disclosures"]
    series = [(metric_zh("outstanding_balance") + "（万元）", [(p, v / 10_000) for p, v in disc["balance"]]),
              (metric_zh("overdue_amount") + "（万元）", [(p, v / 10_000) for p, v in disc["overdue"]])]
    disclosures = ch.line_chart([s for s in series if s[1]], title="披露的借贷余额与逾期金额", y_max=None)
    own = data["ownership"]
    return {"history": history, "contributions": contrib, "disclosures": disclosures,
            "ownership": ch.ownership_chart(own["nodes"], own["edges"])}


# --------------------------------------------------------------------------- periods
def parse_period(period: str | None = None, week: str | None = None) -> tuple[date, date]:
    """``YYYY-MM-DD..YYYY-MM-DD`` or an ISO week ``YYYY-Www`` → (start, end), both inclusive."""
    if bool(period) == bool(week):
        raise InputError("give either --period YYYY-MM-DD..YYYY-MM-DD or --week YYYY-Www", code="period")
    if week:
        try:
            year, num = week.upper().split("-W")
            start = date.fromisocalendar(int(year), int(num), 1)
        except ValueError:
            raise InputError(f"--week {week!r}: expected YYYY-Www, e.g. 2018-W27", code="period") from None
        return start, start + timedelta(days=6)
    first, sep, last = period.partition("..")
    try:
        start, end = date.fromisoformat(first.strip()), date.fromisoformat(last.strip())
    except ValueError:
        raise InputError(f"--period {period!r}: expected YYYY-MM-DD..YYYY-MM-DD", code="period") from None
    if not sep or end < start:
        raise InputError(f"--period {period!r}: expected START..END with END not before START", code="period")
    return start, end


def last_full_week(now: datetime, tz: str) -> tuple[date, date]:
    """Monday–Sunday of the last complete week before ``now`` (local time)."""
    today = now.astimezone(ZoneInfo(tz)).date()
    monday = today - timedelta(days=today.weekday()) - timedelta(weeks=1)
    return monday, monday + timedelta(days=6)


# --------------------------------------------------------------------------- render + archive
def _username(session, user) -> str | None:
    if user is None or isinstance(user, str):
        return user
    from monitor.models import User

    row = session.get(User, user) if isinstance(user, int) else user
    return row.username if row else None


def render_city(config, start: date, end: date, out_path=None, user=None, *, created_by: str | None = None,
                force: bool = True) -> tuple[bytes, int]:
    """Render the city briefing (城市金融风险周报) for ``start``..``end`` and archive it.

    ``user`` (username, id or User) limits the briefing to that user's
    jurisdictions; ``None`` means the whole store. Returns (PDF bytes, Briefing row id).
    """
    from monitor.db import require_schema, session_scope

    from .data import city_data
    from .render import archive, html_to_pdf, render_html, write_out

    require_schema(config)
    with session_scope(config) as session:
        data = city_data(session, config, start, end, user=user)
        who = created_by or _username(session, user)
        jurisdiction_id = _single_jurisdiction(session, user)
    pdf, pages, refused = html_to_pdf(render_html("city.html", data, city_charts(data), _masker(config, data)))
    if refused:
        log.warning("city briefing: %d external resource(s) refused", len(refused))
    row_id = archive(config, pdf, pages, kind="city", name=f"city-{start}_{end}", jurisdiction_id=jurisdiction_id,
                     period_start=start, period_end=end, created_by=who)
    if out_path is not None:
        write_out(out_path, pdf, force=force)
    return pdf, row_id


def render_institution(config, institution_id, out_path=None, user=None, *, created_by: str | None = None,
                       force: bool = True) -> tuple[bytes, int]:
    """Render an institution's dossier (机构风险档案) by id or USCC and archive it.

    Raises :class:`monitor.briefings.data.AccessDenied` when ``user`` may not see it.
    Returns (PDF bytes, Briefing row id).
    """
    from monitor.db import require_schema, session_scope

    from .data import institution_data
    from .render import archive, html_to_pdf, render_html, write_out

    require_schema(config)
    with session_scope(config) as session:
        data = institution_data(session, config, institution_id, user=user)
        who = created_by or _username(session, user)
    pdf, pages, refused = html_to_pdf(render_html("institution.html", data, institution_charts(data),
                                                  _masker(config, data)))
    if refused:
        log.warning("dossier %s: %d external resource(s) refused", data["institution"]["id"], len(refused))
    inst = data["institution"]
    row_id = archive(config, pdf, pages, kind="institution", name=f"institution-{inst['id']}",
                     institution_id=inst["id"], jurisdiction_id=inst["jurisdiction_id"], created_by=who)
    if out_path is not None:
        write_out(out_path, pdf, force=force)
    return pdf, row_id


def _masker(config, data):
    """Personal numbers masked; organisations' accounts (known to the store, or held under a USCC in the
    evidence shown) in full."""
    from monitor.db import get_engine
    from monitor.privacy import Masker, account_keeper

    masker = Masker(keep=account_keeper(get_engine(config)))
    masker.keep_evidence(data)
    return masker


def _single_jurisdiction(session, user) -> int | None:
    from .data import visible_jurisdictions

    allowed = visible_jurisdictions(session, user)
    return next(iter(allowed)) if allowed is not None and len(allowed) == 1 else None


def weekly_briefing_job(config, now: datetime | None = None) -> int | None:
    """Scheduler job: the city briefing of the last complete week, once (skipped when already archived).

    Returns the new Briefing row id, or ``None`` when that week is already in the archive.
    """
    from sqlmodel import select

    from monitor.db import session_scope
    from monitor.models import Briefing

    start, end = last_full_week(now or datetime.now(timezone.utc), config.timezone)
    with session_scope(config) as session:
        done = session.exec(select(Briefing.id).where(Briefing.kind == "city", Briefing.period_start == start,
                                                      Briefing.period_end == end,
                                                      Briefing.created_by == "scheduler")).first()
    if done is not None:
        log.info("weekly briefing %s..%s already archived (#%s)", start, end, done)
        return None
    _pdf, row_id = render_city(config, start, end, created_by="scheduler")
    log.info("weekly briefing %s..%s archived as #%s", start, end, row_id)
    return row_id
