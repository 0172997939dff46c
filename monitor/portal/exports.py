"""CSV and Excel exports of institutions, alerts, findings and disclosed figures (the user's scope only)."""

from __future__ import annotations

import csv
import io
import json

from flask import Blueprint, Response, abort, current_app, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlmodel import select

from monitor import formatting
from monitor.audit import record
from monitor.models import DisclosureFact, Finding
from monitor.portal.common import db, locale_name, masker, monitor_config, scope

bp = Blueprint("exports", __name__)
WHAT = ("institutions", "alerts", "findings", "disclosures")
_MOMENTS = {"first_raised_at", "last_seen_at", "as_of", "available_at"}
FORMATS = {"csv": "text/csv; charset=utf-8", "json": "application/json",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def export_rows(sc, what: str, args=None, user_id: int | None = None, locale: str = "zh_CN",
                tz: str = "Asia/Shanghai") -> tuple[list[str], list[list]]:
    """(header, rows) of one export in a scope: institutions riskiest first; alerts with the list's filters
    (``args``) and their present titles; moments in the bureau's time zone with their offset."""
    from monitor.portal.alerts import filtered_alerts, finding_text, presented
    from monitor.portal.institutions import statuses

    s = sc.session
    names = {i.id: (i.name, i.uscc) for i in s.exec(sc.institutions())}
    at = lambda v: formatting.moment_iso(v, tz)  # noqa: E731
    if what == "institutions":
        latest = sc.latest_scores(contributions=False)
        insts = list(s.exec(sc.institutions()))
        status = statuses(s, [i.id for i in insts])
        insts.sort(key=lambda i: (-(latest[i.id].score if i.id in latest else 0.0), i.name))
        header = ["name", "uscc", "kind", "status", "district", "score", "band", "as_of"]
        rows = []
        for inst in insts:
            sc_ = latest.get(inst.id)
            rows.append([inst.name, inst.uscc, inst.kind, status[inst.id].code, inst.district or "",
                         round(sc_.score, 1) if sc_ else None, sc_.band if sc_ else "green",
                         at(sc_.as_of) if sc_ else ""])
        return header, rows
    if what == "alerts":
        alerts = s.exec(filtered_alerts(sc, args or {}, user_id)).all()
        shown = presented(s, alerts, locale)
        header = ["id", "institution", "uscc", "kind", "severity", "status", "close_reason", "title",
                  "first_raised_at", "last_seen_at", "reopen_count"]
        return header, [[a.id, *names.get(a.institution_id, ("", "")), a.kind, a.severity, a.status,
                         a.close_reason or "", shown[a.id]["title"], at(a.first_raised_at), at(a.last_seen_at),
                         a.reopen_count]
                        for a in alerts]
    if what == "disclosures":
        one = str((args or {}).get("institution") or "")  # ?institution=<id>: one institution of the scope
        return disclosure_rows(s, {k: v for k, v in names.items() if not one.isdigit() or k == int(one)}, at)
    header = ["id", "institution", "uscc", "detector", "kind", "severity", "score", "title", "summary",
              "window_start", "window_end", "as_of", "fingerprint"]
    rows = []
    for f in s.exec(sc.findings().order_by(Finding.id)):
        text = finding_text(f, locale)  # the detector's title is Chinese: other languages read the evidence
        rows.append([f.id, *names.get(f.institution_id, ("", "")), f.detector, f.kind, f.severity, f.score,
                     text["title"], text["summary"], str(f.window_start or ""), str(f.window_end or ""),
                     at(f.as_of), f.fingerprint])
    return header, rows


def disclosure_rows(session, names: dict[int, tuple[str, str]], at) -> tuple[list[str], list[list]]:
    """Every disclosed figure of the institutions in ``names``: when it became public (``available_at``),
    whether that date is estimated (the page stated none: the regulatory deadline) and why a figure is suspect."""
    if not names:
        return DISCLOSURE_HEADER, []
    facts = session.exec(select(DisclosureFact).where(DisclosureFact.institution_id.in_(list(names)))
                         .order_by(DisclosureFact.institution_id, DisclosureFact.period, DisclosureFact.metric,
                                   DisclosureFact.available_at, DisclosureFact.id))
    return DISCLOSURE_HEADER, [[*names[f.institution_id], f"{f.period:%Y-%m}", f.metric, f.value, f.unit,
                                at(f.available_at), bool(f.estimated), f.suspect or "", f.raw_label or "",
                                f.raw_value or ""] for f in facts]


DISCLOSURE_HEADER = ["institution", "uscc", "period", "metric", "value", "unit", "available_at", "estimated",
                     "suspect", "raw_label", "raw_value"]


# Column headings, and the label kind (``label`` filter) of coded columns: a spreadsheet for people,
# in their language; ids, USCCs, scores and ISO times stay as they are.
COLUMNS = {
    "id": (_l("No."), None), "name": (_l("Institution"), None), "institution": (_l("Institution"), None),
    "uscc": (_l("USCC"), None), "district": (_l("District"), None), "score": (_l("Score"), None),
    "band": (_l("Band"), "band"), "as_of": (_l("Scored as of"), None), "severity": (_l("Severity"), "severity"),
    "close_reason": (_l("Close reason"), "reason"), "title": (_l("Title"), None),
    "summary": (_l("Summary"), None),
    "first_raised_at": (_l("First raised"), None), "last_seen_at": (_l("Last seen"), None),
    "reopen_count": (_l("Times reopened"), None), "detector": (_l("Detector"), "pattern"),
    "window_start": (_l("Window start"), None), "window_end": (_l("Window end"), None),
    "fingerprint": (_l("Fingerprint"), None), "period": (_l("Period"), None), "metric": (_l("Metric"), "metric"),
    "value": (_l("Value"), None), "unit": (_l("Unit"), "unit"), "available_at": (_l("Public since"), None),
    # the legend of the mark, in the heading of the column that carries it
    "estimated": (_l("Date estimated (the page states none: the regulatory deadline, the fifth working day "
                     "after the period)"), "estimated"),
    "suspect": (_l("Suspect (why)"), None), "raw_label": (_l("Label on the page"), None),
    "raw_value": (_l("Value on the page"), None),
}
# The unit of a disclosed figure as stored (元, a count, a fraction), named in the user's language.
UNIT_LABELS = {"元": _l("yuan"), "yuan": _l("yuan"), "count": _l("count"), "ratio": _l("fraction (0–1)")}
# ``kind`` and ``status`` mean different things per export
PER_EXPORT = {
    "institutions": {"kind": (_l("Kind"), "kind"), "status": (_l("Operating status"), "inst_status")},
    "alerts": {"kind": (_l("Alert kind"), "alert_kind"), "status": (_l("Status"), "status")},
    "findings": {"kind": (_l("Pattern"), "pattern"), "as_of": (_l("Detected as of"), None)},
    "disclosures": {},
}


def localise(what: str, header: list[str], rows: list[list]) -> tuple[list[str], list[list]]:
    """Headings and coded values of an export in the user's language (see :data:`COLUMNS`)."""
    label = current_app.extensions["monitor_label"]
    columns = [PER_EXPORT[what].get(code) or COLUMNS[code] for code in header]
    tz = monitor_config().timezone
    # Moment columns name the zone their local times are in.
    mark = _("est.")
    return ([f"{name} ({tz})" if code in _MOMENTS else str(name) for code, (name, _k) in zip(header, columns)],
            [[(mark if v else "") if kind == "estimated" else str(UNIT_LABELS.get(v, v)) if kind == "unit"
              else label(v, kind) if kind and v not in (None, "") else v
              for v, (_k, kind) in zip(row, columns)] for row in rows])


def _safe_cell(value):
    # Spreadsheet formula injection: crawled text starting with = + - @ is shown, never evaluated.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def to_csv(header, rows) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header)
    writer.writerows([[_safe_cell(v) for v in row] for row in rows])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")  # BOM: Excel opens UTF-8 Chinese correctly


def to_json(header, rows) -> bytes:
    """One object per row, keyed by the column codes."""
    return json.dumps([dict(zip(header, row)) for row in rows], ensure_ascii=False, default=str).encode("utf-8")


def to_xlsx(header, rows, title: str) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title)
    ws.append(header)
    for row in rows:
        ws.append([_safe_cell(v) for v in row])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@bp.route("/exports/<what>.<fmt>")
def download(what: str, fmt: str):
    if what not in WHAT or fmt not in FORMATS:
        abort(404)
    sc = scope()
    header, rows = export_rows(sc, what, request.args, current_user.record.id, locale_name(),
                               monitor_config().timezone)
    if fmt != "json":  # JSON keeps the codes, for programs
        header, rows = localise(what, header, rows)
    rows = masker().data(rows)  # titles quote crawled text
    body = (to_json(header, rows) if fmt == "json" else to_csv(header, rows) if fmt == "csv"
            else to_xlsx(header, rows, what))
    record(db(), current_user.username, "export", None, "export", field=what, new=f"{fmt}:{len(rows)}")
    db().commit()
    # content_type, not mimetype: Flask would add a second charset to the one FORMATS names.
    return Response(body, content_type=FORMATS[fmt],
                    headers={"Content-Disposition": f"attachment; filename={what}.{fmt}"})
