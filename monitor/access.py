"""The scoped data-access layer: every read of supervised data by the portal and the briefings goes through it.

A user sees the institutions of their jurisdictions (and of the districts
below them), and through them alerts, findings, documents, scores and graphs.
An object outside the scope raises :class:`OutOfScope`, which the portal
answers as missing (HTTP 404), so its existence is not disclosed. All roles,
admins included, are bound to their jurisdictions: an admin manages only the
users of their subtree, with roles at or below their own; sweeps and rule
sets are seen by the users whose subtree holds what they cover.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from sqlalchemy import false, func, or_
from sqlalchemy.orm import defer
from sqlmodel import Session, select

from monitor.errors import MonitorError
from monitor.models import (Alert, Document, Finding, Institution, Jurisdiction, Role, Score, SweepRun, User,
                            UserJurisdiction)

class OutOfScope(MonitorError, LookupError):
    """The object does not exist or lies outside the user's jurisdictions (deliberately indistinguishable)."""


ROLE_RANK = {Role.INSPECTOR.value: 0, Role.SUPERVISOR.value: 1, Role.ADMIN.value: 2}


def has_role(user_role: str, needed: str) -> bool:
    """Roles are nested: admin ⊇ supervisor ⊇ inspector."""
    return ROLE_RANK.get(user_role, -1) >= ROLE_RANK[needed]


def roles_up_to(role: str) -> list[str]:
    """The roles at or below ``role``, lowest first (what a user may give others)."""
    return [r for r, rank in sorted(ROLE_RANK.items(), key=lambda kv: kv[1]) if rank <= ROLE_RANK.get(role, -1)]


def refuse(session, actor: str, object_type: str, object_id: int | None, what: str) -> None:
    """Journal a refused request (in its own commit, since the request itself changes nothing)."""
    from monitor.audit import record

    session.rollback()
    record(session, actor, object_type, object_id, "refused", field="request", new=what)
    session.commit()


def jurisdiction_closure(session: Session, roots: Iterable[int]) -> set[int]:
    """The given jurisdiction ids and every jurisdiction below them."""
    children: dict[int | None, list[int]] = {}
    for jid, parent in session.exec(select(Jurisdiction.id, Jurisdiction.parent_id)):
        children.setdefault(parent, []).append(jid)
    seen: set[int] = set()
    stack = list(roots)
    while stack:
        jid = stack.pop()
        if jid in seen:
            continue
        seen.add(jid)
        stack.extend(children.get(jid, ()))
    return seen


def jurisdiction_ancestors(session: Session, jurisdiction_id: int) -> set[int]:
    """The jurisdiction and every jurisdiction above it: the roots whose closure contains it."""
    parents = dict(session.exec(select(Jurisdiction.id, Jurisdiction.parent_id)).all())
    seen: set[int] = set()
    jid = jurisdiction_id
    while jid is not None and jid not in seen:
        seen.add(jid)
        jid = parents.get(jid)
    return seen


def users_seeing(session: Session, jurisdiction_id: int, active_only: bool = True) -> list[User]:
    """The users whose scope covers ``jurisdiction_id``, by username (one query, not one scope per user)."""
    q = select(User).where(User.id.in_(select(UserJurisdiction.user_id).where(
        UserJurisdiction.jurisdiction_id.in_(sorted(jurisdiction_ancestors(session, jurisdiction_id))))))
    if active_only:
        q = q.where(User.active == True)  # noqa: E712
    return list(session.exec(q.order_by(User.username)))


@dataclass
class Scope:
    """What one user may see, bound to one database session."""

    session: Session
    user: User
    jurisdiction_ids: frozenset[int]
    roots: frozenset[int] = frozenset()  # the user's own jurisdictions

    @classmethod
    def for_user(cls, session: Session, user: User) -> "Scope":
        roots = session.exec(select(UserJurisdiction.jurisdiction_id)
                             .where(UserJurisdiction.user_id == user.id)).all()
        return cls(session, user, frozenset(jurisdiction_closure(session, roots)), frozenset(roots))

    # ---------------------------------------------------------------- jurisdictions
    @property
    def top_level(self) -> bool:
        """Whether one of the user's jurisdictions is a root of the tree (a province, or a city without one)."""
        if not self.roots:
            return False
        parents = self.session.exec(select(Jurisdiction.parent_id).where(Jurisdiction.id.in_(sorted(self.roots))))
        return any(p is None for p in parents)

    def jurisdictions(self):
        """A select of the jurisdictions in scope (the user's and those below them)."""
        return select(Jurisdiction).where(Jurisdiction.id.in_(sorted(self.jurisdiction_ids)))

    def jurisdiction(self, code: str) -> Jurisdiction:
        """The jurisdiction ``code`` if in scope, else :class:`OutOfScope`."""
        row = self.session.exec(select(Jurisdiction).where(Jurisdiction.code == (code or "").strip())).first()
        if row is None or row.id not in self.jurisdiction_ids:
            raise OutOfScope()
        return row

    # ---------------------------------------------------------------- users (administrators)
    def users(self):
        """A select of the users every one of whose jurisdictions lies in scope (those an admin manages)."""
        ids = sorted(self.jurisdiction_ids)
        inside = select(UserJurisdiction.user_id).where(UserJurisdiction.jurisdiction_id.in_(ids))
        outside = select(UserJurisdiction.user_id).where(UserJurisdiction.jurisdiction_id.not_in(ids))
        return select(User).where(User.id.in_(inside), User.id.not_in(outside))

    def managed_user(self, user_id: int) -> User:
        """A user this scope's admin may edit: in scope and with a role at or below theirs, else :class:`OutOfScope`."""
        user = self.session.exec(self.users().where(User.id == user_id)).first()
        if user is None or ROLE_RANK.get(user.role, 99) > ROLE_RANK.get(self.user.role, -1):
            raise OutOfScope()
        return user

    # ---------------------------------------------------------------- sweeps
    def sweeps(self):
        """A select of the sweeps whose coverage lies in scope (whole-store sweeps: top-level users only)."""
        covered = SweepRun.jurisdiction_id.in_(sorted(self.jurisdiction_ids))
        whole = SweepRun.jurisdiction_id.is_(None) if self.top_level else false()
        return select(SweepRun).where(or_(covered, whole))

    # ---------------------------------------------------------------- institutions
    def institutions(self):
        """A select of the institutions in scope (callers add filters and order)."""
        return select(Institution).where(Institution.jurisdiction_id.in_(self.jurisdiction_ids))

    def institution_ids(self):
        """A subquery of the ids of the institutions in scope."""
        return select(Institution.id).where(Institution.jurisdiction_id.in_(self.jurisdiction_ids))

    def institution(self, institution_id: int) -> Institution:
        inst = self.session.get(Institution, institution_id)
        if inst is None or inst.jurisdiction_id not in self.jurisdiction_ids:
            raise OutOfScope()
        return inst

    def institution_by_uscc(self, uscc: str) -> Institution | None:
        inst = self.session.exec(select(Institution).where(Institution.uscc == uscc)).first()
        if inst is None or inst.jurisdiction_id not in self.jurisdiction_ids:
            return None
        return inst

    def in_scope(self, institution_id: int | None) -> bool:
        if institution_id is None:
            return False
        inst = self.session.get(Institution, institution_id)
        return inst is not None and inst.jurisdiction_id in self.jurisdiction_ids

    def _owned(self, model, row_id: int):
        """The ``model`` row ``row_id`` if its institution is in scope, else :class:`OutOfScope`."""
        row = self.session.get(model, row_id)
        if row is None or not self.in_scope(row.institution_id):
            raise OutOfScope()
        return row

    # ---------------------------------------------------------------- alerts, findings, documents, scores
    def alerts(self):
        return select(Alert).where(Alert.institution_id.in_(self.institution_ids()))

    def alert(self, alert_id: int) -> Alert:
        return self._owned(Alert, alert_id)

    def findings(self):
        return select(Finding).where(Finding.institution_id.in_(self.institution_ids()))

    def finding(self, finding_id: int) -> Finding:
        return self._owned(Finding, finding_id)

    def documents(self):
        return select(Document).where(Document.institution_id.in_(self.institution_ids()))

    def document(self, document_id: int) -> Document:
        return self._owned(Document, document_id)

    def latest_scores(self, before=None, *, contributions: bool = True) -> dict[int, Score]:
        """The newest score of each institution in scope (as of ``before`` when given).

        ``contributions=False`` leaves the contributions unread until used (lists need only the
        score and band; the JSON is most of a row).
        """
        newest = select(Score.institution_id, func.max(Score.as_of).label("as_of")) \
            .where(Score.institution_id.in_(self.institution_ids()))
        if before is not None:
            newest = newest.where(Score.as_of <= before)
        newest = newest.group_by(Score.institution_id).subquery()
        q = select(Score).join(
            newest, (Score.institution_id == newest.c.institution_id) & (Score.as_of == newest.c.as_of))
        if not contributions:
            q = q.options(defer(Score.contributions))
        rows = self.session.exec(q.order_by(Score.id)).all()
        return {s.institution_id: s for s in rows}

    def scores(self, institution_id: int) -> list[Score]:
        self.institution(institution_id)
        return list(self.session.exec(select(Score).where(Score.institution_id == institution_id)
                                      .order_by(Score.as_of, Score.id)))
