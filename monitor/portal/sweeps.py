"""Sweep runs: history, and a request for a new sweep (queued; the scheduler runs it).

A user sees the sweeps whose coverage lies in their jurisdictions (whole-store sweeps: users of a root
jurisdiction only). A sweep covers the whole store, so only those users request one here.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from monitor.access import refuse
from monitor.errors import MonitorError
from monitor.models import Role, SweepRun
from monitor.portal.common import db, error_text, monitor_config, requires, scope

bp = Blueprint("sweeps", __name__)


@bp.route("/sweeps")
def index():
    sc = scope()
    runs = db().exec(sc.sweeps().order_by(SweepRun.requested_at.desc(), SweepRun.id.desc()).limit(100)).all()
    return render_template("portal/sweeps.html", runs=runs, may_queue=sc.top_level)


@bp.route("/sweeps", methods=["POST"])
@requires(Role.SUPERVISOR.value)
def queue():
    from monitor.sweep import queue_sweep

    if not scope().top_level:
        refuse(db(), current_user.username, "sweep", None, "queue sweep: whole store outside scope")
        abort(403)
    kind = request.form.get("kind", "full")
    try:
        run = queue_sweep(monitor_config(), kind, trigger="portal", requested_by=current_user.username)
        flash(_("Sweep #%(id)d queued; the scheduler will run it.", id=run.id), "ok")
    except MonitorError as exc:
        flash(error_text(exc), "error")
    return redirect(url_for("sweeps.index"))
