"""User accounts (administrators): the same function serves the portal and ``monitor users add``."""

from __future__ import annotations

import click
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlmodel import select

from monitor.audit import record
from monitor.cli import pass_ctx
from monitor.errors import InputError
from monitor.models import Jurisdiction, Role, User, UserJurisdiction
from monitor.portal.common import db, error_text, requires

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


@bp.route("/users")
@requires(Role.ADMIN.value)
def index():
    s = db()
    users = s.exec(select(User).order_by(User.username)).all()
    links = {}
    for uj, code in s.exec(select(UserJurisdiction, Jurisdiction.code).join(
            Jurisdiction, Jurisdiction.id == UserJurisdiction.jurisdiction_id)):
        links.setdefault(uj.user_id, []).append(code)
    jurisdictions = s.exec(select(Jurisdiction).order_by(Jurisdiction.code)).all()
    return render_template("portal/users.html", users=users, links=links, jurisdictions=jurisdictions,
                           roles=[r.value for r in Role])


@bp.route("/users", methods=["POST"])
@requires(Role.ADMIN.value)
def create():
    s = db()
    f = request.form
    try:
        add_user(s, f.get("username", ""), f.get("password", ""), f.get("role", ""), f.get("jurisdiction", ""),
                 actor=current_user.username, display_name=f.get("display_name"))
        s.commit()
        flash(_("User created."), "ok")
    except InputError as exc:
        s.rollback()
        flash(error_text(exc), "error")
    return redirect(url_for("users.index"))


# --------------------------------------------------------------------------- CLI: monitor users ...
@click.group("users")
def users_group() -> None:
    """Portal accounts (argon2-hashed passwords, roles, jurisdictions)."""


@users_group.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--jurisdiction", "code", required=True, help="Jurisdiction code the user may see.")
@click.option("--password", default=None, help="Default: a random one, printed once.")
@click.option("--display-name", default=None)
@click.option("--personal-data/--no-personal-data", default=False, show_default=True,
              help="May see ID numbers, phones and personal accounts in full (each such view is journaled).")
@pass_ctx
def users_add(ctx, username, role, code, password, display_name, personal_data) -> None:
    """Create a portal user."""
    import getpass
    import secrets

    from monitor.db import require_schema, session_scope

    require_schema(ctx.config)
    shown = password is None
    password = password or secrets.token_urlsafe(12)
    with session_scope(ctx.config) as s:
        user = add_user(s, username, password, role, code, actor=getpass.getuser(), display_name=display_name)
        if personal_data:
            _set_personal(s, user, True, getpass.getuser())
    click.echo(f"user {username} ({role}, {code}) created" + (f"; password: {password}" if shown else ""))


@users_group.command("list")
@pass_ctx
def users_list(ctx) -> None:
    """List portal users."""
    from monitor.db import require_schema, session_scope

    require_schema(ctx.config)
    with session_scope(ctx.config) as s:
        codes = {j.id: j.code for j in s.exec(select(Jurisdiction))}
        for u in s.exec(select(User).order_by(User.username)):
            js = [codes[j] for j in s.exec(select(UserJurisdiction.jurisdiction_id)
                                           .where(UserJurisdiction.user_id == u.id))]
            click.echo(f"{u.username:<20} {u.role:<11} {'active' if u.active else 'disabled':<9} {','.join(js)}")


# -- the personal-data permission (see docs/portal.md, "Personal data")
def _set_personal(session, user: User, allowed: bool, actor: str) -> None:
    if bool(user.can_view_personal) != allowed:
        record(session, actor, "user", user.id, "update", field="can_view_personal", old=user.can_view_personal,
               new=allowed)
        user.can_view_personal = allowed
        session.add(user)


def _personal_command(name: str, allowed: bool, doc: str):
    @users_group.command(name, help=doc)
    @click.argument("username")
    @pass_ctx
    def command(ctx, username) -> None:
        import getpass

        from monitor.db import require_schema, session_scope

        require_schema(ctx.config)
        with session_scope(ctx.config) as s:
            user = s.exec(select(User).where(User.username == username)).first()
            if user is None:
                raise InputError(f"user {username!r} does not exist", code="user_unknown", username=username)
            _set_personal(s, user, allowed, getpass.getuser())
        click.echo(f"user {username}: personal data {'shown in full' if allowed else 'masked'}")
    return command


_personal_command("grant-personal", True, "Let a user see ID numbers, phones and personal accounts in full.")
_personal_command("revoke-personal", False, "Show a user personal numbers masked again.")
