"""The city dashboard: bands, band changes this week, top risers, open alerts, districts."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from flask import Blueprint, render_template
from sqlalchemy import func
from sqlmodel import select

from monitor.models import BAND_ORDER, Alert, AlertStatus
from monitor.portal.alerts import presented
from monitor.portal.common import db, locale_name, scope

bp = Blueprint("dashboard", __name__)


def band_changes(now: dict, before: dict) -> list[tuple[int, str, str]]:
    """(institution id, old band, new band) for institutions whose band differs between two score maps."""
    changes = []
    for inst_id, score in now.items():
        old = before.get(inst_id)
        old_band = old.band if old is not None else "green"
        if old_band != score.band:
            changes.append((inst_id, old_band, score.band))
    changes.sort(key=lambda c: (-(BAND_ORDER[c[2]] - BAND_ORDER[c[1]]), c[0]))
    return changes


def summary(sc) -> dict:
    """Everything the dashboard shows, for one scope."""
    s = sc.session
    institutions = {i.id: i for i in s.exec(sc.institutions())}
    latest = sc.latest_scores(contributions=False)
    reference = max((x.as_of for x in latest.values()), default=None)
    before = sc.latest_scores(before=reference - timedelta(days=7), contributions=False) if reference else {}
    bands = Counter(x.band for x in latest.values())
    bands["green"] += sum(1 for i in institutions if i not in latest)
    risers = sorted(((x.score - (before[i].score if i in before else 0.0), i) for i, x in latest.items()),
                    reverse=True)
    alerts_by_status = dict(s.exec(select(Alert.status, func.count()).where(
        Alert.institution_id.in_(sc.institution_ids())).group_by(Alert.status)).all())
    districts: dict[str, dict] = {}
    for inst in institutions.values():
        d = districts.setdefault(inst.district or "—", {"name": inst.district or "—", "total": 0,
                                                        "red": 0, "orange": 0, "yellow": 0})
        d["total"] += 1
        band = latest[inst.id].band if inst.id in latest else "green"
        if band in ("red", "orange", "yellow"):
            d[band] += 1
    return {
        "institutions": institutions, "latest": latest, "reference": reference,
        "bands": [(b, bands.get(b, 0)) for b in ("red", "orange", "yellow", "green")],
        "changes": band_changes(latest, before),
        "risers": [(delta, institutions[i], latest[i]) for delta, i in risers[:10] if delta > 0],
        "alerts_by_status": [(st.value, alerts_by_status.get(st.value, 0)) for st in AlertStatus],
        "districts": sorted(districts.values(), key=lambda d: (-d["red"], -d["orange"], -d["yellow"], d["name"])),
    }


@bp.route("/")
def index():
    data = summary(scope())
    open_alerts = db().exec(scope().alerts().where(Alert.status != AlertStatus.CLOSED.value)
                            .order_by(Alert.last_seen_at.desc(), Alert.id.desc()).limit(8)).all()
    names = {i.id: i.name for i in data["institutions"].values()}
    return render_template("portal/dashboard.html", open_alerts=open_alerts, names=names,
                           shown=presented(db(), open_alerts, locale_name()), **data)
