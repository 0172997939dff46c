"""Disclosure coverage for operators: per institution in scope and period, the items found and their
pages, the items missing, suspect values, labels not understood, and drops against the previous period."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from monitor.coverage import OFFICIAL, coverage
from monitor.portal.common import db, scope

bp = Blueprint("coverage", __name__)


@bp.route("/coverage")
def index():
    sc = scope()
    ids = list(db().exec(sc.institution_ids()).all())
    wanted = request.args.get("institution", type=int)
    if wanted is not None:
        sc.institution(wanted)  # out of scope: 404 like every institution page
        ids = [wanted]
    reports = coverage(db(), ids)
    return render_template("portal/coverage.html", reports=reports, total=len(OFFICIAL))
