"""The append-only audit journal: one helper writes entries, nothing updates or deletes them.

The database rejects UPDATE and DELETE on ``audit_entry`` (triggers, see the
initial migration), and the entries form a hash chain: each carries
``prev_hash`` (the previous entry's hash) and ``hash``, the sha256 of its
content and ``prev_hash`` (:func:`entry_hash`). Whoever drops the triggers
and edits or deletes an entry breaks the chain at that entry (or at the one
after a deleted entry), which :func:`verify_chain` finds. Appends are
serialised so that concurrent writers cannot fork the chain: a transaction
advisory lock on PostgreSQL; on SQLite the writer lock, taken before the
last hash is read.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from monitor.clock import as_utc
from monitor.models import AuditEntry, User, utcnow

GENESIS = "0" * 64  # prev_hash of the first entry
PG_AUDIT_LOCK_KEY = 0x61756469745F6A  # "audit_j": one advisory lock for appends
CONTENT_FIELDS = ("at", "actor_id", "actor", "object_type", "object_id", "action", "field", "old", "new")


def _canonical_time(value: datetime) -> str:
    return as_utc(value).isoformat(timespec="microseconds")


def entry_content(entry: Any) -> dict[str, Any]:
    """The hashed content of an entry, as plain JSON values."""
    get = entry.get if isinstance(entry, dict) else lambda name: getattr(entry, name)
    content = {name: get(name) for name in CONTENT_FIELDS}
    content["at"] = _canonical_time(content["at"])
    return content


def entry_hash(prev_hash: str, content: dict[str, Any]) -> str:
    """sha256 (hex) over the canonical JSON of ``[prev_hash, content]`` (sorted keys, no spaces, UTF-8)."""
    data = json.dumps([prev_hash, content], ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def _lock_chain(session) -> None:
    """Serialise appends until the caller's transaction ends."""
    from sqlalchemy import text

    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PG_AUDIT_LOCK_KEY})
    elif dialect == "sqlite":
        # A write that touches no row takes SQLite's writer lock (pysqlite opens the transaction before it),
        # so no other writer can append between reading the last hash and inserting after it.
        session.execute(text("DELETE FROM audit_entry WHERE 0"))


def _last_hash(session) -> str:
    from sqlmodel import select

    last = session.exec(select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)).first()
    return last or GENESIS


def record(session, actor: str, object_type: str, object_id: int | None, action: str,
           field: str | None = None, old: Any = None, new: Any = None) -> AuditEntry:
    """Append one entry (who, when, what, old → new) in the caller's transaction, chained to the last one."""
    from sqlmodel import select

    user_id = None
    if actor and actor != "system":
        user_id = session.exec(select(User.id).where(User.username == actor)).first()
    entry = AuditEntry(at=utcnow(), actor_id=user_id, actor=actor or "system", object_type=object_type,
                       object_id=object_id, action=action, field=field,
                       old=None if old is None else str(old), new=None if new is None else str(new))
    session.flush()  # the caller's pending entries first: the last hash must include them
    _lock_chain(session)
    entry.prev_hash = _last_hash(session)
    entry.hash = entry_hash(entry.prev_hash, entry_content(entry))
    session.add(entry)
    session.flush()
    return entry


def history(session, object_type: str, object_id: int) -> list[AuditEntry]:
    """Entries about one object, oldest first."""
    from sqlmodel import select

    return list(session.exec(select(AuditEntry).where(AuditEntry.object_type == object_type,
                                                      AuditEntry.object_id == object_id)
                             .order_by(AuditEntry.at, AuditEntry.id)))


@dataclass
class ChainBreak:
    """The first entry where the chain does not hold."""

    entry_id: int
    at: datetime
    problem: str

    def __str__(self) -> str:
        return f"audit entry #{self.entry_id} ({_canonical_time(self.at)}): {self.problem}"


@dataclass
class ChainReport:
    entries: int
    broken: ChainBreak | None

    @property
    def intact(self) -> bool:
        return self.broken is None


def verify_chain(session, batch: int = 5000) -> ChainReport:
    """Recompute the chain in id order; report the first entry whose link or content does not hold."""
    from sqlmodel import select

    prev_id, prev_hash, n = None, GENESIS, 0
    last_id = 0
    while True:
        rows = list(session.exec(select(AuditEntry).where(AuditEntry.id > last_id)
                                 .order_by(AuditEntry.id).limit(batch)))
        if not rows:
            return ChainReport(n, None)
        for entry in rows:
            n += 1
            where = f"entry #{prev_id}" if prev_id is not None else "the start of the journal"
            if entry.prev_hash != prev_hash:
                gap = (f"; ids {prev_id + 1}–{entry.id - 1} are missing" if prev_id is not None and entry.id > prev_id + 1
                       else "")
                return ChainReport(n, ChainBreak(entry.id, entry.at, (
                    f"prev_hash {entry.prev_hash or 'missing'} does not match the hash {prev_hash} of {where}: "
                    f"an entry before it was deleted, inserted or rehashed{gap}")))
            expected = entry_hash(prev_hash, entry_content(entry))
            if entry.hash != expected:
                return ChainReport(n, ChainBreak(entry.id, entry.at, (
                    f"content altered: stored hash {entry.hash or 'missing'}, recomputed {expected} "
                    f"(now: {json.dumps(_shown(entry), ensure_ascii=False)})")))
            prev_id, prev_hash = entry.id, entry.hash
        last_id = rows[-1].id


def _shown(entry: AuditEntry) -> dict[str, Any]:
    return {k: v for k, v in entry_content(entry).items() if k in ("object_type", "object_id", "action", "field",
                                                                     "old", "new")}
