"""The hand-over download of one institution: FollowTheMoney entities (JSON lines), see docs/handover.md."""

from __future__ import annotations

from flask import Blueprint, Response
from flask_login import current_user

from monitor.audit import record
from monitor.models import Jurisdiction, utcnow
from monitor.portal.common import db, monitor_config, scope

bp = Blueprint("handover", __name__)


@bp.route("/institutions/<int:inst_id>/export.ftm.json")
def institution_ftm(inst_id: int):
    """The institution's case as known now; out of scope is 404, personal numbers masked unless permitted."""
    from monitor.handover import build_handover, dataset_name  # followthemoney loads its model: ~1 s, on first use

    inst = scope().institution(inst_id)
    jur = db().get(Jurisdiction, inst.jurisdiction_id) if inst.jurisdiction_id else None
    full = bool(current_user.can_view_personal)
    now = utcnow()
    handover = build_handover(db(), monitor_config(), [inst], dataset_name(jur.code if jur else "store"), now,
                              personal_data=full)
    body = b"".join(handover.lines())
    record(db(), current_user.username, "institution", inst.id, "export", field="ftm",
           new=f"{handover.dataset} as of {now.isoformat(timespec='seconds')}: {len(handover.entities)} entities, "
               f"flows aggregated, personal data {'in full' if full else 'masked'}")
    db().commit()
    return Response(body, content_type="application/x-ndjson; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename=institution-{inst.uscc}.ftm.json"})
