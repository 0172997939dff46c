"""``monitor web``: the portal on the development server, or under gunicorn with ``--gunicorn``."""

from __future__ import annotations

import os

import click

from monitor.commands.context import pass_ctx

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@click.command("web")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--gunicorn", "use_gunicorn", is_flag=True, help="Serve with gunicorn (production) instead.")
@click.option("--workers", default=4, show_default=True, type=int, help="gunicorn workers.")
@pass_ctx
def web_command(ctx, host, port, use_gunicorn, workers) -> None:
    """Run the portal (development server by default)."""
    from monitor.db import require_schema

    config = ctx.config
    require_schema(config)
    if host in LOOPBACK and config.origin("portal_secure_cookies") == "default":
        # Only this machine can reach a loopback address, over plain HTTP: a Secure cookie would not come back.
        config = config.replace(portal_secure_cookies=False)
        os.environ["MONITOR_PORTAL_SECURE_COOKIES"] = "false"  # for gunicorn's workers
        click.echo("portal on a loopback address: sign-in cookie without Secure (portal_secure_cookies)")
    if use_gunicorn:
        import sys

        os.execvp(sys.executable, [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"{host}:{port}",
                                   "--access-logfile", "-", "monitor.portal.wsgi:wsgi_app()"])
    from monitor.portal import create_app

    app = create_app(config)
    click.echo(f"portal: http://{host}:{port}/")
    app.run(host=host, port=port, debug=False, use_reloader=False)
