"""Sign-in and sign-out: argon2 password hashes, failed attempts counted in the audit journal.

A sign-in lives in the signed cookie but is checked against the store on every
request: it carries the user's ``session_epoch`` (raised by sign-out, password
change and deactivation, so a copied cookie stops working), the moment of
sign-in (absolute lifetime) and of the last request (idle timeout).
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import UserMixin, current_user, login_user, logout_user
from sqlalchemy import event, func
from sqlalchemy.orm import attributes
from sqlmodel import select

from monitor.audit import record
from monitor.models import AuditEntry, User, utcnow
from monitor.portal import LOCALES, login_manager
from monitor.portal.common import db

bp = Blueprint("auth", __name__)
_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


class PortalUser(UserMixin):
    """The signed-in user as Flask-Login sees it (wraps the store's :class:`User`)."""

    def __init__(self, record_: User):
        self.record = record_
        self.id = str(record_.id)
        self.username = record_.username
        self.role = record_.role
        self.locale = record_.locale
        self.can_view_personal = bool(record_.can_view_personal)


# Keys of the sign-in in the cookie: the user's epoch, when it began and when it was last used.
EPOCH, SIGNED_IN_AT, SEEN_AT = "_epoch", "_signed_in_at", "_seen_at"


def _now() -> float:
    """Seconds since the epoch from the app's clock (``MONITOR_CLOCK``; tests set their own)."""
    return current_app.config["MONITOR_CLOCK"]()


@login_manager.user_loader
def _load_user(user_id: str):
    user = db().get(User, int(user_id)) if user_id.isdigit() else None
    if user is None or not user.active or session.get(EPOCH) != user.session_epoch:
        return _ended()
    now, cfg = _now(), current_app.config
    if now - session.get(SIGNED_IN_AT, 0) > current_app.permanent_session_lifetime.total_seconds() \
            or now - session.get(SEEN_AT, 0) > cfg["MONITOR_IDLE_SECONDS"]:
        return _ended()
    session[SEEN_AT] = now
    return PortalUser(user)


def _ended():
    # The cookie names a sign-in the store no longer honours: drop it (the language choice stays).
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    return None


def end_sign_ins(user: User) -> None:
    """End every sign-in of ``user`` on every device (sign-out, password change, deactivation)."""
    user.session_epoch = (user.session_epoch or 0) + 1


@event.listens_for(User.password_hash, "set", active_history=True)
@event.listens_for(User.active, "set", active_history=True)
def _credentials_changed(target: User, value, old, _initiator):
    # Whatever changes a password or deactivates a user (portal, CLI), the sign-ins made before end;
    # active_history loads the old value of an expired user so the comparison is real.
    if old not in (attributes.NO_VALUE, attributes.NEVER_SET) and value != old and target.id is not None:
        end_sign_ins(target)


def recent_failures(session, username: str, window_seconds: int) -> int:
    """Failed sign-ins for ``username`` within the window (journaled, so all workers see them)."""
    since = utcnow() - timedelta(seconds=window_seconds)
    return session.exec(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.object_type == "login", AuditEntry.action == "login_failed",
        AuditEntry.field == username[:64], AuditEntry.at >= since)).one()


def _safe_next(target: str | None) -> str:
    if target and not urlsplit(target).netloc and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("dashboard.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated and request.method == "GET":
        return redirect(url_for("dashboard.index"))
    if request.method == "POST":
        s = db()
        username = (request.form.get("username") or "").strip()[:64]
        password = request.form.get("password") or ""
        cfg = current_app.config
        if recent_failures(s, username, cfg["LOGIN_WINDOW_SECONDS"]) >= cfg["LOGIN_MAX_FAILURES"]:
            flash(_("Too many failed sign-ins. Try again in %(minutes)d minutes.",
                    minutes=cfg["LOGIN_WINDOW_SECONDS"] // 60), "error")
            return render_template("portal/login.html"), 429
        user = s.exec(select(User).where(User.username == username)).first()
        if user is None or not user.active or not check_password(user.password_hash, password):
            record(s, "system", "login", None, "login_failed", field=username, new=request.remote_addr)
            s.commit()
            flash(_("Unknown user name or wrong password."), "error")
            return render_template("portal/login.html"), 401
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        user.last_login_at = utcnow()
        s.add(user)
        record(s, user.username, "login", user.id, "login", new=request.remote_addr)
        s.commit()
        session.clear()
        login_user(PortalUser(user))
        session.permanent = True
        now = _now()
        session.update({EPOCH: user.session_epoch, SIGNED_IN_AT: now, SEEN_AT: now})
        return redirect(_safe_next(request.args.get("next")))
    return render_template("portal/login.html")


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        s = db()
        user = s.get(User, current_user.record.id)
        end_sign_ins(user)
        s.add(user)
        record(s, user.username, "login", user.id, "logout", new=request.remote_addr)
        s.commit()
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))


@bp.route("/language", methods=["POST"])
def set_language():
    lang = request.form.get("lang")
    if lang not in LOCALES:
        abort(400)
    session["lang"] = lang
    return redirect(_safe_next(request.form.get("next")))
