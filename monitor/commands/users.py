"""``monitor users ...``: portal accounts, created and changed by the operator."""

from __future__ import annotations

import click

from monitor.commands.context import pass_ctx
from monitor.models import Role
from monitor.portal.users import add_user, list_users, set_personal, user_named


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
            set_personal(s, user, True, getpass.getuser())
    click.echo(f"user {username} ({role}, {code}) created" + (f"; password: {password}" if shown else ""))


@users_group.command("list")
@pass_ctx
def users_list(ctx) -> None:
    """List portal users."""
    from monitor.db import require_schema, session_scope

    require_schema(ctx.config)
    with session_scope(ctx.config) as s:
        for u, js in list_users(s):
            click.echo(f"{u.username:<20} {u.role:<11} {'active' if u.active else 'disabled':<9} {','.join(js)}")


def _personal_command(name: str, allowed: bool, doc: str):
    @users_group.command(name, help=doc)
    @click.argument("username")
    @pass_ctx
    def command(ctx, username) -> None:
        import getpass

        from monitor.db import require_schema, session_scope

        require_schema(ctx.config)
        with session_scope(ctx.config) as s:
            set_personal(s, user_named(s, username), allowed, getpass.getuser())
        click.echo(f"user {username}: personal data {'shown in full' if allowed else 'masked'}")
    return command


_personal_command("grant-personal", True, "Let a user see ID numbers, phones and personal accounts in full.")
_personal_command("revoke-personal", False, "Show a user personal numbers masked again.")
