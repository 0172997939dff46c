"""The append-only audit journal: one helper writes entries, nothing updates or deletes them.

The database itself rejects UPDATE and DELETE on ``audit_entry`` (triggers,
see the initial migration); this module only ever inserts.
"""

from __future__ import annotations

from typing import Any

from monitor.models import AuditEntry, User, utcnow


def record(session, actor: str, object_type: str, object_id: int | None, action: str,
           field: str | None = None, old: Any = None, new: Any = None) -> AuditEntry:
    """Append one entry (who, when, what, old → new) in the caller's transaction."""
    from sqlmodel import select

    user_id = None
    if actor and actor != "system":
        user_id = session.exec(select(User.id).where(User.username == actor)).first()
    entry = AuditEntry(at=utcnow(), actor_id=user_id, actor=actor or "system", object_type=object_type,
                       object_id=object_id, action=action, field=field,
                       old=None if old is None else str(old), new=None if new is None else str(new))
    session.add(entry)
    return entry


def history(session, object_type: str, object_id: int) -> list[AuditEntry]:
    """Entries about one object, oldest first."""
    from sqlmodel import select

    return list(session.exec(select(AuditEntry).where(AuditEntry.object_type == object_type,
                                                      AuditEntry.object_id == object_id)
                             .order_by(AuditEntry.at, AuditEntry.id)))
