"""User accounts (administrators): the same functions serve the portal and ``monitor users ...``.

In the portal an admin lists, creates, edits and deactivates only the users of their own jurisdictions
and those below, with roles at or below their own; each refusal is journaled. ``monitor users add`` is an
operator action and may create any user.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from sqlmodel import select

from monitor.access import OutOfScope, refuse, roles_up_to
from monitor.audit import record
from monitor.errors import InputError
from monitor.jurisdictions import tree as jurisdiction_tree
from monitor.models import Jurisdiction, Role, User, UserJurisdiction
from monitor.portal.common import db, error_text, requires, scope

bp = Blueprint("users", __name__)
MIN_PASSWORD = 10


def add_user(session, username: str, password: str, role: str, jurisdiction_code: str, actor: str,
             display_name: str | None = None, locale: str | None = None) -> User:
    """Create a user with an argon2 hash, bound to one jurisdiction; journaled."""
    from monitor.portal.auth import hash_password

    username = (username or "").strip()
    if not username or len(username) > 64:
        raise InputError("user name must be 1 to 64 characters", code="user_name_length")
    if session.exec(select(User).where(User.username == username)).first() is not None:
        raise InputError(f"user {username!r} already exists", code="user_exists", username=username)
    if len(password or "") < MIN_PASSWORD:
        raise InputError(f"password must have at least {MIN_PASSWORD} characters", code="password_short",
                         count=MIN_PASSWORD)
    jurisdiction = session.exec(select(Jurisdiction).where(Jurisdiction.code == jurisdiction_code)).first()
    if jurisdiction is None:
        known = ", ".join(session.exec(select(Jurisdiction.code)).all()) or "none yet"
        raise InputError(f"jurisdiction {jurisdiction_code!r} does not exist (known: {known})",
                         code="jurisdiction_unknown", code_given=jurisdiction_code)
    user = User(username=username, password_hash=hash_password(password), role=role,
                display_name=display_name or None, locale=locale or None)
    session.add(user)
    session.flush()
    session.add(UserJurisdiction(user_id=user.id, jurisdiction_id=jurisdiction.id))
    record(session, actor, "user", user.id, "create", field="role", new=role)
    return user


def _refused(object_type: str, object_id: int | None, what: str, status: int = 404):
    """Journal the refusal and answer it (404: the object's existence is not disclosed)."""
    refuse(db(), current_user.username, object_type, object_id, what)
    abort(status)


def _jurisdiction_in_scope(sc, code: str, what: str):
    try:
        return sc.jurisdiction(code)
    except OutOfScope:
        _refused("jurisdiction", None, f"{what}: jurisdiction {code!r} outside scope")


def _role_allowed(role: str, what: str, object_id: int | None = None) -> None:
    if role not in roles_up_to(current_user.role):
        _refused("user", object_id, f"{what}: role {role!r} above own", status=403)


@bp.route("/users")
@requires(Role.ADMIN.value)
def index():
    s = db()
    sc = scope()
    users = s.exec(sc.users().order_by(User.username)).all()
    links = {}
    for uj, code in s.exec(select(UserJurisdiction, Jurisdiction.code).join(
            Jurisdiction, Jurisdiction.id == UserJurisdiction.jurisdiction_id)
            .where(UserJurisdiction.user_id.in_([u.id for u in users]))):
        links.setdefault(uj.user_id, []).append(code)
    nodes = jurisdiction_tree(s, roots=sorted(sc.roots))
    return render_template("portal/users.html", users=users, links=links, nodes=nodes,
                           roles=roles_up_to(current_user.role), me=current_user.record.id,
                           may_add_jurisdictions=sc.top_level)


@bp.route("/users", methods=["POST"])
@requires(Role.ADMIN.value)
def create():
    s = db()
    sc = scope()
    f = request.form
    role = f.get("role", "")
    _role_allowed(role, "create user")
    _jurisdiction_in_scope(sc, f.get("jurisdiction", ""), "create user")
    try:
        add_user(s, f.get("username", ""), f.get("password", ""), role, f.get("jurisdiction", ""),
                 actor=current_user.username, display_name=f.get("display_name"))
        s.commit()
        flash(_("User created."), "ok")
    except InputError as exc:
        s.rollback()
        flash(error_text(exc), "error")
    return redirect(url_for("users.index"))


@bp.route("/users/<int:user_id>", methods=["POST"])
@requires(Role.ADMIN.value)
def update(user_id: int):
    """Change a user's role, name or jurisdiction (all inside the admin's scope)."""
    s = db()
    sc = scope()
    try:
        user = sc.managed_user(user_id)
    except OutOfScope:
        _refused("user", user_id, "edit user: outside scope")
    f = request.form
    role = f.get("role") or user.role
    _role_allowed(role, "edit user", user_id)
    code = f.get("jurisdiction") or None
    target = _jurisdiction_in_scope(sc, code, "edit user") if code else None
    if role != user.role:
        if user.id == current_user.record.id:
            flash(_("You cannot change your own role."), "error")
            return redirect(url_for("users.index"))
        record(s, current_user.username, "user", user.id, "update", field="role", old=user.role, new=role)
        user.role = role
    name = (f.get("display_name") or "").strip() or None
    if "display_name" in f and name != user.display_name:
        record(s, current_user.username, "user", user.id, "update", field="display_name", old=user.display_name,
               new=name)
        user.display_name = name
    if target is not None:
        links = s.exec(select(UserJurisdiction).where(UserJurisdiction.user_id == user.id)).all()
        old = [s.get(Jurisdiction, uj.jurisdiction_id).code for uj in links]
        if old != [target.code]:
            for uj in links:
                s.delete(uj)
            s.flush()
            s.add(UserJurisdiction(user_id=user.id, jurisdiction_id=target.id))
            record(s, current_user.username, "user", user.id, "update", field="jurisdiction", old=",".join(old),
                   new=target.code)
    s.add(user)
    s.commit()
    flash(_("User saved."), "ok")
    return redirect(url_for("users.index"))


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@requires(Role.ADMIN.value)
def set_active(user_id: int):
    """Deactivate (or reactivate) a user of the admin's scope."""
    s = db()
    try:
        user = scope().managed_user(user_id)
    except OutOfScope:
        _refused("user", user_id, "deactivate user: outside scope")
    active = request.form.get("active") == "1"
    if user.id == current_user.record.id and not active:
        flash(_("You cannot deactivate yourself."), "error")
        return redirect(url_for("users.index"))
    if user.active != active:
        record(s, current_user.username, "user", user.id, "update", field="active", old=user.active, new=active)
        user.active = active
        s.add(user)
        s.commit()
    flash(_("User saved."), "ok")
    return redirect(url_for("users.index"))


# Texts of the jurisdiction errors (the core's messages are English: they serve the CLI).
JURISDICTION_ERRORS = {
    "jurisdiction_code": _l("Give a 6-digit GB/T 2260 code (e.g. 440305), or letters, digits and hyphens."),
    "jurisdiction_name": _l("Give the Chinese name of the jurisdiction."),
    "jurisdiction_level": _l("The level does not match the code, or is not below the parent's level."),
    "jurisdiction_exists": _l("A jurisdiction with this code already exists."),
    "jurisdiction_prefix": _l("A GB/T 2260 code must start with its parent's prefix (4403 under 440300)."),
}


@bp.route("/jurisdictions", methods=["POST"])
@requires(Role.ADMIN.value)
def create_jurisdiction():
    """Add a jurisdiction below one of the admin's (admins of a root jurisdiction only)."""
    from monitor import jurisdictions

    s = db()
    sc = scope()
    if not sc.top_level:
        _refused("jurisdiction", None, "create jurisdiction: not a top-level admin", status=403)
    f = request.form
    parent = _jurisdiction_in_scope(sc, f.get("parent", ""), "create jurisdiction")
    try:
        jurisdictions.add(s, f.get("code", ""), f.get("name", ""), parent_code=parent.code,
                          level=f.get("level") or None, actor=current_user.username)
        s.commit()
        flash(_("Jurisdiction created."), "ok")
    except InputError as exc:
        s.rollback()
        text = JURISDICTION_ERRORS.get(exc.code)
        flash(str(text) if text is not None else error_text(exc), "error")
    return redirect(url_for("users.index"))


# --------------------------------------------------------------------------- operator actions (monitor users ...)
def list_users(session) -> list[tuple[User, list[str]]]:
    """Every user, by name, with the codes of the jurisdictions it is bound to."""
    codes = {j.id: j.code for j in session.exec(select(Jurisdiction))}
    return [(u, [codes[j] for j in session.exec(select(UserJurisdiction.jurisdiction_id)
                                                .where(UserJurisdiction.user_id == u.id))])
            for u in session.exec(select(User).order_by(User.username))]


def user_named(session, username: str) -> User:
    """The user called ``username``; :class:`InputError` when there is none."""
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None:
        raise InputError(f"user {username!r} does not exist", code="user_unknown", username=username)
    return user


# -- the personal-data permission (see docs/portal.md, "Personal data")
def set_personal(session, user: User, allowed: bool, actor: str) -> None:
    """Let ``user`` see personal numbers in full, or masked; a change is journaled."""
    if bool(user.can_view_personal) != allowed:
        record(session, actor, "user", user.id, "update", field="can_view_personal", old=user.can_view_personal,
               new=allowed)
        user.can_view_personal = allowed
        session.add(user)
