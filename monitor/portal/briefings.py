"""PDF briefings (made by :mod:`monitor.briefings`): city briefing, institution dossier, the archive."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from sqlalchemy import func, or_
from sqlmodel import select

from monitor.errors import MonitorError
from monitor.models import Briefing, Institution
from monitor.portal.common import db, error_text, monitor_config, scope

bp = Blueprint("briefings", __name__)


def covers_store(sc) -> bool:
    """Whether the user's jurisdictions cover every institution of the store (one city's store and its
    inspectors, typically): a store-wide briefing shows them nothing they cannot see."""
    outside = sc.session.exec(select(func.count()).select_from(Institution)
                              .where(or_(Institution.jurisdiction_id.is_(None),
                                         Institution.jurisdiction_id.not_in(sorted(sc.jurisdiction_ids))))).one()
    return outside == 0


def scoped_briefings(sc):
    """Archived briefings of the user's jurisdictions or institutions; store-wide city briefings (made on
    the command line) only for users whose jurisdictions cover the whole store."""
    visible = [Briefing.institution_id.in_(sc.institution_ids()), Briefing.jurisdiction_id.in_(sc.jurisdiction_ids)]
    if covers_store(sc):
        visible.append(Briefing.institution_id.is_(None) & Briefing.jurisdiction_id.is_(None))
    return select(Briefing).where(or_(*visible))


def _pdf(data: bytes, name: str) -> Response:
    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": f"attachment; filename={name}.pdf"})


@bp.route("/briefings")
def index():
    rows = db().exec(scoped_briefings(scope()).order_by(Briefing.created_at.desc()).limit(200)).all()
    ids = sorted({b.institution_id for b in rows if b.institution_id})
    names = dict(db().exec(select(Institution.id, Institution.name).where(Institution.id.in_(ids))).all()) if ids else {}
    return render_template("portal/briefings.html", rows=rows, names=names)


@bp.route("/briefings/<int:briefing_id>.pdf")
def download(briefing_id: int):
    row = db().exec(scoped_briefings(scope()).where(Briefing.id == briefing_id)).first()
    if row is None:
        abort(404)
    path = Path(row.path)
    folder = monitor_config().briefing_path.resolve()
    if folder not in path.resolve().parents or not path.is_file():
        abort(404)
    return send_file(path, mimetype="application/pdf", as_attachment=True, download_name=path.name)


@bp.route("/briefings/city", methods=["POST"])
def city():
    from monitor.briefings.api import parse_period, render_city

    config = monitor_config()
    try:
        if request.form.get("week"):
            start, end = parse_period(week=request.form["week"])
        else:
            # the 7 days up to the newest score the user can see (a replayed city lives in the past)
            latest = scope().latest_scores()
            ref = max((s.as_of for s in latest.values()), default=None)
            if ref is None:
                raise MonitorError("no score yet: run a sweep first", code="no_score")
            end = ref.astimezone(ZoneInfo(config.timezone)).date()
            start = end - timedelta(days=6)
        pdf, _ = render_city(config, start, end, user=current_user.username)
    except MonitorError as exc:
        flash(error_text(exc), "error")
        return redirect(url_for("briefings.index"))
    return _pdf(pdf, f"city-{start}_{end}")


@bp.route("/institutions/<int:inst_id>/dossier", methods=["POST"])
def dossier(inst_id: int):
    from monitor.briefings.api import render_institution

    inst = scope().institution(inst_id)  # 404 outside the scope, before anything is rendered
    try:
        pdf, _ = render_institution(monitor_config(), inst.id, user=current_user.username)
    except MonitorError as exc:
        flash(error_text(exc), "error")
        return redirect(url_for("institutions.show", inst_id=inst_id))
    return _pdf(pdf, f"dossier-{inst.uscc}")
