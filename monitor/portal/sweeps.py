"""Sweep runs: history, and a request for a new sweep (queued; the scheduler runs it)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlmodel import select

from monitor.errors import MonitorError
from monitor.models import Role, SweepRun
from monitor.portal.common import db, error_text, monitor_config, requires

bp = Blueprint("sweeps", __name__)


@bp.route("/sweeps")
def index():
    runs = db().exec(select(SweepRun).order_by(SweepRun.requested_at.desc(), SweepRun.id.desc()).limit(100)).all()
    return render_template("portal/sweeps.html", runs=runs)


@bp.route("/sweeps", methods=["POST"])
@requires(Role.SUPERVISOR.value)
def queue():
    from monitor.sweep import queue_sweep

    kind = request.form.get("kind", "full")
    try:
        run = queue_sweep(monitor_config(), kind, trigger="portal", requested_by=current_user.username)
        flash(_("Sweep #%(id)d queued; the scheduler will run it.", id=run.id), "ok")
    except MonitorError as exc:
        flash(error_text(exc), "error")
    return redirect(url_for("sweeps.index"))
