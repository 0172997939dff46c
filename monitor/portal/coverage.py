"""Disclosure coverage for operators: per institution in scope and period, the items found and their
pages, the items missing, suspect values, labels not understood, and drops against the previous period."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from monitor.coverage import NOT_UNDERSTOOD, OFFICIAL, coverage
from monitor.portal.common import db, scope

bp = Blueprint("coverage", __name__)
PERIODS_SHOWN = 6  # per institution on the list; ?institution=ID shows them all


def unreadable_reason(why: str | None) -> dict:
    """A page's parse error for people: the labels the reader did not understand (quoted from the page),
    else the error as recorded."""
    if why and why.startswith(NOT_UNDERSTOOD):
        return {"labels": [x for x in why[len(NOT_UNDERSTOOD):].split("、") if x], "text": None}
    return {"labels": [], "text": why}


@bp.route("/coverage")
def index():
    sc = scope()
    ids = list(db().exec(sc.institution_ids()).all())
    wanted = request.args.get("institution", type=int)
    if wanted is not None:
        sc.institution(wanted)  # out of scope: 404 like every institution page
        ids = [wanted]
    reports = coverage(db(), ids)
    return render_template("portal/coverage.html", reports=reports, total=len(OFFICIAL),
                           shown=None if wanted is not None else PERIODS_SHOWN, reason=unreadable_reason)
