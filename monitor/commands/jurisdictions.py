"""``monitor jurisdictions ...``: create and inspect the jurisdiction tree, assign institutions (operator actions)."""

from __future__ import annotations

import getpass

import click

from monitor.commands.context import pass_ctx


@click.group("jurisdictions")
def jurisdictions_group() -> None:
    """The jurisdiction tree (province → city → district, GB/T 2260 codes) and its institutions."""


@jurisdictions_group.command("add")
@click.argument("code")
@click.option("--name", required=True, help="Chinese name, e.g. 南山区.")
@click.option("--parent", "parent", default=None, metavar="CODE", help="The jurisdiction above it.")
@click.option("--level", type=click.Choice(["province", "city", "district"]), default=None,
              help="Default: from a GB/T 2260 code, else one below the parent (city without parent).")
@pass_ctx
def add_command(ctx, code, name, parent, level) -> None:
    """Create a jurisdiction."""
    from monitor import jurisdictions
    from monitor.db import require_schema, session_scope

    require_schema(ctx.config)
    with session_scope(ctx.config) as s:
        row = jurisdictions.add(s, code, name, parent_code=parent, level=level, actor=getpass.getuser())
        click.echo(f"jurisdiction {row.code} {row.name} ({row.level}) created"
                   + (f" under {parent}" if parent else ""))


@jurisdictions_group.command("list")
@pass_ctx
def list_command(ctx) -> None:
    """Print the jurisdiction tree."""
    from monitor import jurisdictions
    from monitor.db import require_schema, session_scope

    require_schema(ctx.config)
    with session_scope(ctx.config) as s:
        nodes = jurisdictions.tree(s)
        if not nodes:
            click.echo("no jurisdiction yet: add one with `monitor jurisdictions add CODE --name NAME`")
        for node in nodes:
            j = node.jurisdiction
            click.echo(f"{'  ' * node.depth}{j.code}  {j.name}  ({j.level})")


@jurisdictions_group.command("show")
@click.argument("code")
@pass_ctx
def show_command(ctx, code) -> None:
    """Print a jurisdiction's path, children, institutions and users."""
    from monitor import jurisdictions
    from monitor.db import require_schema, session_scope

    require_schema(ctx.config)
    with session_scope(ctx.config) as s:
        info = jurisdictions.show(s, code)
        j = info["jurisdiction"]
        click.echo(f"{j.code}  {j.name}  ({j.level})")
        click.echo("path: " + " > ".join(f"{p.name} ({p.code})" for p in info["path"]))
        click.echo("children: " + (", ".join(f"{c.name} ({c.code})" for c in info["children"]) or "none"))
        click.echo(f"institutions: {info['institutions']} (with sub-jurisdictions: {info['institutions_in_subtree']})")
        click.echo(f"users: {info['users']} (with sub-jurisdictions: {info['users_in_subtree']})")


@jurisdictions_group.command("assign")
@click.argument("institution")
@click.argument("code")
@pass_ctx
def assign_command(ctx, institution, code) -> None:
    """Put an institution (id or USCC) in a jurisdiction (that of its registered address); journaled."""
    from monitor import jurisdictions
    from monitor.db import require_schema, session_scope

    require_schema(ctx.config)
    with session_scope(ctx.config) as s:
        inst, old = jurisdictions.assign(s, institution, code, actor=getpass.getuser())
        click.echo(f"institution {inst.id} {inst.name}: jurisdiction {old or 'none'} -> {code}")
