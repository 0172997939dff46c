"""Jurisdictions: the tree of province → city → district the bureau's users and institutions belong to.

Codes follow GB/T 2260 administrative division codes where they are numeric:
six digits, ``440000`` a province, ``440300`` a city, ``440305`` a district,
and a child's code lies under its parent's prefix (the province's first two
digits, the city's first four). Other codes (letters, digits, hyphens) are
local codes and are not checked against their parent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import func
from sqlmodel import Session, select

from monitor.audit import record
from monitor.errors import InputError
from monitor.models import Institution, Jurisdiction, UserJurisdiction, validate_uscc

LEVELS = ("province", "city", "district")
LEVEL_RANK = {level: rank for rank, level in enumerate(LEVELS)}
_DIVISION = re.compile(r"\d{6}")
_LOCAL = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,31}")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def division_level(code: str) -> str | None:
    """The level a GB/T 2260 code names (``440000`` province, ``440300`` city, else district); None if not one."""
    if not _DIVISION.fullmatch(code):
        return None
    if code[2:] == "0000":
        return "province"
    if code[4:] == "00":
        return "city"
    return "district"


def _check_code(code: str) -> str:
    code = (code or "").strip()
    if code.isdigit() and not _DIVISION.fullmatch(code):
        raise InputError(f"jurisdiction code {code!r}: a numeric code has 6 digits (GB/T 2260, e.g. 440305)",
                         code="jurisdiction_code", code_given=code)
    if _DIVISION.fullmatch(code):
        if code[:2] == "00":
            raise InputError(f"jurisdiction code {code!r}: GB/T 2260 province digits cannot be 00",
                             code="jurisdiction_code", code_given=code)
        return code
    if not _LOCAL.fullmatch(code):
        raise InputError(f"jurisdiction code {code!r}: use a 6-digit GB/T 2260 code or 1-32 letters, digits "
                         "and hyphens", code="jurisdiction_code", code_given=code)
    return code


def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > 100 or not _CJK.search(name):
        raise InputError(f"jurisdiction name {name!r}: give the Chinese name (1-100 characters, e.g. 南山区)",
                         code="jurisdiction_name")
    return name


def _under_parent(code: str, parent: Jurisdiction) -> bool:
    """Whether a GB/T 2260 child code lies under its GB/T 2260 parent's prefix."""
    plevel = division_level(parent.code)
    if plevel is None or division_level(code) is None:
        return True  # a local code: nothing to check
    prefix = {"province": 2, "city": 4, "district": 6}[plevel]
    return code[:prefix] == parent.code[:prefix] and code != parent.code


def get(session: Session, code: str) -> Jurisdiction:
    """The jurisdiction with this code, else :class:`InputError` naming the known codes."""
    row = session.exec(select(Jurisdiction).where(Jurisdiction.code == (code or "").strip())).first()
    if row is None:
        known = ", ".join(session.exec(select(Jurisdiction.code).order_by(Jurisdiction.code)).all()) or "none yet"
        raise InputError(f"jurisdiction {code!r} does not exist (known: {known})", code="jurisdiction_unknown",
                         code_given=code)
    return row


def add(session: Session, code: str, name: str, parent_code: str | None = None, level: str | None = None,
        actor: str = "system") -> Jurisdiction:
    """Create a jurisdiction (checked code, Chinese name, level below its parent's); journaled."""
    code = _check_code(code)
    name = _check_name(name)
    if level is not None and level not in LEVEL_RANK:
        raise InputError(f"level {level!r} is not one of: {', '.join(LEVELS)}", code="jurisdiction_level")
    implied = division_level(code)
    if level is None:
        level = implied or ("city" if parent_code is None else None)
    if implied is not None and level != implied:
        raise InputError(f"jurisdiction code {code!r} is a {implied} code (GB/T 2260), not a {level}",
                         code="jurisdiction_level")
    if session.exec(select(Jurisdiction.id).where(Jurisdiction.code == code)).first() is not None:
        raise InputError(f"jurisdiction {code!r} already exists", code="jurisdiction_exists", code_given=code)
    parent = get(session, parent_code) if parent_code else None
    if parent is not None:
        if level is None:
            level = LEVELS[min(LEVEL_RANK.get(parent.level, 1) + 1, len(LEVELS) - 1)]
        if LEVEL_RANK[level] <= LEVEL_RANK.get(parent.level, -1):
            raise InputError(f"a {level} cannot be under the {parent.level} {parent.code}",
                             code="jurisdiction_level")
        if not _under_parent(code, parent):
            raise InputError(f"jurisdiction code {code!r} does not lie under its parent {parent.code!r} "
                             f"(GB/T 2260: it starts with {parent.code[:2 if parent.level == 'province' else 4]})",
                             code="jurisdiction_prefix", code_given=code)
    row = Jurisdiction(code=code, name=name, level=level, parent_id=parent.id if parent else None)
    session.add(row)
    session.flush()
    record(session, actor, "jurisdiction", row.id, "create", field="code", new=code)
    return row


@dataclass
class Node:
    """A jurisdiction in the tree, with its depth."""

    jurisdiction: Jurisdiction
    depth: int
    children: list["Node"] = field(default_factory=list)


def tree(session: Session, roots: list[int] | None = None) -> list[Node]:
    """The jurisdictions in tree order (depth first, by code); under ``roots`` only when given."""
    rows = list(session.exec(select(Jurisdiction).order_by(Jurisdiction.code)))
    by_parent: dict[int | None, list[Jurisdiction]] = {}
    ids = {j.id for j in rows}
    for j in rows:
        by_parent.setdefault(j.parent_id if j.parent_id in ids else None, []).append(j)
    out: list[Node] = []

    def walk(j: Jurisdiction, depth: int, seen: set[int]) -> None:
        if j.id in seen:
            return  # a cycle made by hand in the database: show each jurisdiction once
        seen.add(j.id)
        out.append(Node(j, depth))
        for child in by_parent.get(j.id, []):
            walk(child, depth + 1, seen)

    seen: set[int] = set()
    starts = [j for j in rows if j.id in set(roots)] if roots is not None else by_parent.get(None, [])
    for j in starts:
        walk(j, 0, seen)
    return out


def path(session: Session, row: Jurisdiction) -> list[Jurisdiction]:
    """The jurisdictions from the root down to ``row``."""
    out, seen = [], set()
    while row is not None and row.id not in seen:
        seen.add(row.id)
        out.append(row)
        row = session.get(Jurisdiction, row.parent_id) if row.parent_id is not None else None
    return out[::-1]


def is_root(row: Jurisdiction) -> bool:
    """A jurisdiction with no parent: a province, or a city the store holds without its province."""
    return row.parent_id is None


def show(session: Session, code: str) -> dict:
    """Path, children, and the institutions and users of a jurisdiction (own, and with its subtree)."""
    from monitor.access import jurisdiction_closure

    row = get(session, code)
    subtree = jurisdiction_closure(session, [row.id])
    children = list(session.exec(select(Jurisdiction).where(Jurisdiction.parent_id == row.id)
                                 .order_by(Jurisdiction.code)))

    def count(model, column, ids) -> int:
        return session.exec(select(func.count()).select_from(model).where(column.in_(sorted(ids)))).one()

    return {"jurisdiction": row, "path": path(session, row), "children": children,
            "institutions": count(Institution, Institution.jurisdiction_id, {row.id}),
            "institutions_in_subtree": count(Institution, Institution.jurisdiction_id, subtree),
            "users": count(UserJurisdiction, UserJurisdiction.jurisdiction_id, {row.id}),
            "users_in_subtree": count(UserJurisdiction, UserJurisdiction.jurisdiction_id, subtree)}


def find_institution(session: Session, key: str) -> Institution:
    """An institution by id or USCC, else :class:`InputError`."""
    key = (key or "").strip()
    inst = None
    if key.isdigit() and len(key) < 18:
        inst = session.get(Institution, int(key))
    else:
        try:
            uscc = validate_uscc(key)
        except InputError:
            raise InputError(f"{key!r} is neither an institution id nor a valid USCC") from None
        inst = session.exec(select(Institution).where(Institution.uscc == uscc)).first()
    if inst is None:
        raise InputError(f"institution {key!r} does not exist")
    return inst


def assign(session: Session, key: str, code: str, actor: str = "system") -> tuple[Institution, str | None]:
    """Put an institution (id or USCC) in a jurisdiction; journaled. Returns it and its previous code."""
    inst = find_institution(session, key)
    target = get(session, code)
    old = session.get(Jurisdiction, inst.jurisdiction_id) if inst.jurisdiction_id is not None else None
    old_code = old.code if old else None
    if inst.jurisdiction_id != target.id:
        inst.jurisdiction_id = target.id
        session.add(inst)
        session.flush()
        record(session, actor, "institution", inst.id, "assign_jurisdiction", field="jurisdiction",
               old=old_code, new=target.code)
    return inst, old_code


def registered_in(session: Session, uscc: str | None, within: Jurisdiction) -> Jurisdiction:
    """Where an institution new to the store belongs: the jurisdiction whose code is its USCC's registration
    division (characters 3-8, a GB/T 2260 code: the district of its registered address) when the store holds
    it under ``within``, else ``within``."""
    from monitor.access import jurisdiction_closure

    if not uscc or len(uscc) != 18:
        return within
    row = session.exec(select(Jurisdiction).where(Jurisdiction.code == uscc[2:8])).first()
    if row is None or row.id not in jurisdiction_closure(session, [within.id]):
        return within
    return row
