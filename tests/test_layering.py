"""Layering rules: who may import what (read from the source with ``ast``), and where commands live."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("monitor", "graphs", "crawlers")

# The command layer: the only modules that may use click (Flask's CLI, flask.cli, is click too).
COMMAND_LAYER = ("monitor/cli.py", "monitor/commands/")
CLICK_MODULES = ("click", "flask.cli")


def _imports(tree: ast.AST) -> set[str]:
    """Dotted names a module imports, anywhere in it (a lazy import inside a function counts)."""
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            out.add(node.module)
            out.update(f"{node.module}.{alias.name}" for alias in node.names)
    return out


def _uses_click(names: set[str]) -> set[str]:
    return {n for n in names if any(n == m or n.startswith(m + ".") for m in CLICK_MODULES)}


def click_importers(root: Path = ROOT) -> dict[str, set[str]]:
    """Source files outside the command layer that import click, with what they import."""
    found = {}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            rel = path.relative_to(root).as_posix()
            if rel == COMMAND_LAYER[0] or rel.startswith(COMMAND_LAYER[1]):
                continue
            used = _uses_click(_imports(ast.parse(path.read_text(encoding="utf-8"), filename=rel)))
            if used:
                found[rel] = used
    return found


def test_only_the_command_layer_imports_click():
    found = click_importers()
    assert not found, ("click belongs to monitor/cli.py and monitor/commands/; move these commands there: "
                       + "; ".join(f"{path} ({', '.join(sorted(names))})" for path, names in found.items()))


def test_the_click_check_sees_every_form_of_import(tmp_path):
    """The check itself: plain, from-, dotted and lazy imports of click or flask.cli are found."""
    forms = {
        "monitor/a.py": "import click\n",
        "monitor/b.py": "from click import echo\n",
        "monitor/c.py": "def f():\n    import click.testing\n",
        "monitor/d.py": "from flask.cli import AppGroup\n",
        "monitor/e.py": "from flask import cli\n",
        "crawlers/f.py": "import click as c\n",
        "graphs/clean.py": "import clickhouse_driver\nfrom flask import Flask\n",
        "monitor/cli.py": "import click\n",
        "monitor/commands/x.py": "import click\n",
    }
    for rel, text in forms.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text, encoding="utf-8")
    assert set(click_importers(tmp_path)) == {"monitor/a.py", "monitor/b.py", "monitor/c.py", "monitor/d.py",
                                              "monitor/e.py", "crawlers/f.py"}


def test_every_command_loads_from_the_command_layer():
    """``monitor.cli`` registers no command itself; each one is a ``monitor.commands`` module's attribute."""
    import importlib

    import click

    from monitor.cli import LAZY_COMMANDS, cli

    assert cli.commands == {}
    outside = {name: target for name, target in LAZY_COMMANDS.items() if not target.startswith("monitor.commands.")}
    assert not outside
    for name, target in LAZY_COMMANDS.items():
        module, attr = target.split(":")
        command = getattr(importlib.import_module(module), attr)
        assert isinstance(command, click.Command) and command.name == name, target
