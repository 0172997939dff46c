"""The portal for inspectors and supervisors (Flask): ``create_app`` builds it.

Blueprints per area (auth, dashboard, institutions, graph, alerts, sweeps,
settings, users, exports); all data is read through :mod:`monitor.access`.
Every page except the login form and static files needs a signed-in user:
:func:`create_app` enforces that once, for every route.
"""

from __future__ import annotations

import os
import secrets
import time
from datetime import timedelta
from pathlib import Path

from flask import Flask, g, redirect, render_template, request, session, url_for
from flask_babel import Babel, lazy_gettext as _l
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFProtect
from werkzeug.exceptions import HTTPException, NotFound

from monitor import TEMPLATES_DIR
from monitor.access import OutOfScope
from monitor.config import Config, load_config

TEMPLATES = TEMPLATES_DIR
TRANSLATIONS = Path(__file__).resolve().parents[1] / "translations"  # zh_CN is filed as zh_Hans_CN (Babel's name)
LOCALES = ("zh_CN", "en")
PUBLIC_ENDPOINTS = {"auth.login", "static", "auth.set_language"}

CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; frame-src 'self'; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'self'")
RAW_CSP = "sandbox; default-src 'none'"
ERROR_MESSAGES = {
    400: _l("The request could not be read. If you sent a form, reload the page and try again."),
    403: _l("Your role does not allow this page."),
    404: _l("This page does not exist, or it lies outside your jurisdictions."),
    405: _l("This page does not accept that kind of request."),
    413: _l("The request is too large."),
    429: _l("Too many requests; wait a few minutes and try again."),
    500: _l("Something went wrong on the server; it has been logged."),
}

csrf = CSRFProtect()
login_manager = LoginManager()


def secret_key(config: Config) -> str:
    """The configured secret key, else one generated once and kept in ``<instance_dir>/secret_key``."""
    if config.secret_key:
        return config.secret_key
    path = config.instance_path / "secret_key"
    if path.is_file():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def create_app(config: Config | None = None, test_config: dict | None = None) -> Flask:
    """Build the portal for ``config`` (default: :func:`monitor.config.load_config`)."""
    config = config or load_config()
    app = Flask(__name__, template_folder=str(TEMPLATES), static_folder="static")
    app.extensions["monitor_config"] = config
    app.config.update(
        SECRET_KEY=secret_key(config),
        SESSION_COOKIE_SECURE=config.portal_secure_cookies, SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=config.portal_secure_cookies, REMEMBER_COOKIE_HTTPONLY=True,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=config.portal_session_hours),
        MONITOR_IDLE_SECONDS=config.portal_idle_minutes * 60, MONITOR_CLOCK=time.time,
        LOGIN_RATE_LIMIT=config.portal_login_rate_limit, RATELIMIT_STORAGE_URI=config.portal_rate_limit_storage,
        RATELIMIT_HEADERS_ENABLED=False,
        BABEL_DEFAULT_LOCALE=config.locale if config.locale in LOCALES else "zh_CN",
        BABEL_DEFAULT_TIMEZONE=config.timezone,
        BABEL_TRANSLATION_DIRECTORIES=str(TRANSLATIONS),
        LOGIN_MAX_FAILURES=5, LOGIN_WINDOW_SECONDS=900,
        MAX_CONTENT_LENGTH=1_000_000,
    )
    if test_config:
        app.config.update(test_config)

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    Babel(app, locale_selector=_locale, timezone_selector=lambda: config.timezone)

    from monitor.portal import (alerts, auth, briefings, dashboard, exports, graph, institutions, settings,
                                sweeps, users)
    from monitor.portal.common import install_filters

    for module in (auth, dashboard, institutions, graph, alerts, sweeps, settings, users, exports, briefings):
        app.register_blueprint(module.bp)
    app.register_blueprint(__import__("monitor.portal.coverage", fromlist=["bp"]).bp)  # disclosure coverage
    app.register_blueprint(__import__("monitor.portal.handover", fromlist=["bp"]).bp)  # FtM hand-over
    install_filters(app)
    _limit_sign_ins(app)

    @app.before_request
    def _require_login():
        # One gate for every route, so no view can forget it.
        if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None:
            return None
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path if request.method == "GET" else None))
        return None

    @app.errorhandler(OutOfScope)
    def _out_of_scope(_exc):
        # Outside the user's jurisdictions looks exactly like missing.
        return app.handle_http_exception(NotFound())

    @app.errorhandler(HTTPException)
    def _http_error(exc):
        # The portal's own page in the user's language instead of Werkzeug's English one; same status.
        if exc.code is None or exc.code < 400:
            return exc
        return render_template("portal/error.html", code=exc.code, message=ERROR_MESSAGES.get(exc.code)), exc.code

    # After the login gate, so an anonymous POST is sent to the login page rather than refused for its token.
    csrf.init_app(app)

    @app.teardown_appcontext
    def _close_db(_exc):
        session_ = g.pop("db", None)
        if session_ is not None:
            session_.close()

    @app.after_request
    def _journal_unmasked(response):
        # Every view that showed personal numbers in full is journaled (who, which page, how many).
        shown = g.get("masker")
        if shown is not None and shown.revealed and current_user.is_authenticated:
            from monitor.audit import record
            from monitor.portal.common import db

            ids = [v for v in (request.view_args or {}).values() if isinstance(v, int)]
            record(db(), current_user.username, "personal_data", ids[0] if ids else None, "view_unmasked",
                   field=(request.endpoint or "")[:64], new=f"{request.full_path} ({shown.revealed})")
            db().commit()
        return response

    @app.after_request
    def _headers(response):
        h = response.headers
        h.setdefault("Content-Security-Policy", CSP)
        h["X-Content-Type-Options"] = "nosniff"
        h.setdefault("X-Frame-Options", "SAMEORIGIN")
        h["Referrer-Policy"] = "same-origin"
        h["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        h["Cross-Origin-Opener-Policy"] = "same-origin"
        if request.endpoint != "static":
            h["Cache-Control"] = "no-store"
        return response

    @app.context_processor
    def _globals():
        from flask_babel import get_locale

        from monitor.access import has_role

        current = "zh_CN" if str(get_locale()).startswith("zh") else "en"
        return {"city": config.city, "locales": LOCALES, "current_locale": current,
                "has_role": lambda role: current_user.is_authenticated and has_role(current_user.role, role)}

    return app


def _limit_sign_ins(app: Flask) -> None:
    """Failed sign-ins per network address (Flask-Limiter), on top of the per-account lockout."""
    from flask_limiter import Limiter
    from flask_limiter.util import get_remote_address

    limiter = Limiter(get_remote_address, app=app)
    app.extensions["monitor_limiter"] = limiter
    app.view_functions["auth.login"] = limiter.limit(
        lambda: app.config["LOGIN_RATE_LIMIT"], methods=["POST"],
        deduct_when=lambda response: response.status_code == 401)(app.view_functions["auth.login"])


def _locale() -> str:
    chosen = session.get("lang")
    if chosen in LOCALES:
        return chosen
    if current_user and current_user.is_authenticated and current_user.locale in LOCALES:
        return current_user.locale
    from flask import current_app

    return current_app.config["BABEL_DEFAULT_LOCALE"]
