"""The portal's WSGI entry for gunicorn: ``gunicorn 'monitor.portal.wsgi:wsgi_app()'``."""

from __future__ import annotations


def wsgi_app(insecure_cookies: bool = False):
    """The portal application, configured from the environment.

    ``insecure_cookies`` drops the session cookie's Secure flag (only for
    clients that refuse Secure cookies over plain HTTP, e.g. the benchmark).
    """
    from monitor.portal import create_app

    return create_app(test_config={"SESSION_COOKIE_SECURE": False} if insecure_cookies else None)
