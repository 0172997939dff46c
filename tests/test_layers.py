"""The layers of docs/architecture.md ("Layers"), checked on the source with ``ast``.

* ``crawlers/`` and ``graphs/`` import from ``monitor/`` only its core modules;
* core modules import no stage, nor ``graphs/`` or ``crawlers/``;
* nothing imports ``monitor.cli`` but ``monitor/__main__.py``;
* only the command layer (``monitor/cli.py``, ``monitor/commands/``) imports click, and every command
  loads from it.

Imports inside functions count: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("monitor", "graphs", "crawlers")

# The core: what the others build on. Top-level modules and packages of monitor/.
CORE = frozenset({
    "monitor",  # the package itself: version, template folder
    "monitor.access", "monitor.accounts", "monitor.audit", "monitor.clock", "monitor.config", "monitor.db",
    "monitor.errors", "monitor.findings", "monitor.formatting", "monitor.jurisdictions", "monitor.labels",
    "monitor.migrations", "monitor.models", "monitor.privacy", "monitor.statements", "monitor.status",
    "monitor.text", "monitor.transfers", "monitor.vocab",
})
# The stages: they orchestrate the core (and graphs/, crawlers/) for one job each.
STAGES = frozenset({
    "monitor.__main__", "monitor.alerts", "monitor.briefings", "monitor.cli", "monitor.commands",
    "monitor.compaction", "monitor.coverage", "monitor.evaluate", "monitor.handover", "monitor.indicators",
    "monitor.ingest", "monitor.portal", "monitor.replay_crawled", "monitor.scan", "monitor.scheduler",
    "monitor.scoring", "monitor.sim", "monitor.sweep",
})

# Known crossings, each with why it stays: (importing module, imported layer) → reason.
EXCEPTIONS: dict[tuple[str, str], str] = {
    ("monitor.findings", "monitor.scoring"):
        "default_points: a finding's points are those of the rule set's default weights",
    ("monitor.vocab", "monitor.indicators"):
        "pattern names are read from the indicators' records, declared with the indicators",
    ("monitor.vocab", "graphs"):
        "pattern names are read from the detectors' records, declared with the detectors",
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_module(dotted: str) -> bool:
    base = ROOT.joinpath(*dotted.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def _imported(path: Path) -> set[str]:
    """Dotted names of the modules ``path`` imports (``from m import sub`` names ``m.sub`` when a module)."""
    return imports_of(path.read_text(encoding="utf-8"), _module_name(path), path.name == "__init__.py")


def imports_of(source: str, name: str, is_package: bool = False) -> set[str]:
    """The modules of monitor/, graphs/ and crawlers/ that module ``name`` (of text ``source``) imports."""
    package = name if is_package else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            out.add(module)
            out.update(f"{module}.{alias.name}" for alias in node.names if _is_module(f"{module}.{alias.name}"))
    return {m for m in out if m.split(".")[0] in PACKAGES}


@cache
def _sources() -> dict[str, set[str]]:
    """Module → the modules of monitor/, graphs/ and crawlers/ it imports, for every source file."""
    out = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "versions" in path.relative_to(ROOT).parts:  # migration scripts: frozen history of the schema
                continue
            out[_module_name(path)] = _imported(path)
    return out


def layer(module: str) -> str:
    """``monitor.x`` for a module of monitor/ (its top-level module or package), else the package."""
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "monitor" else parts[0]


def _crossings(importers, allowed) -> set[tuple[str, str]]:
    return {(module, layer(target)) for module, targets in _sources().items() if importers(module)
            for target in targets if not allowed(module, target)}


def test_every_module_of_monitor_has_a_layer():
    unknown = {layer(m) for m in _sources() if m.startswith("monitor.")} - CORE - STAGES
    assert not unknown, f"add {sorted(unknown)} to CORE or STAGES in {__file__} and to docs/architecture.md"
    assert not CORE & STAGES


def test_crawlers_and_graphs_import_only_the_core_of_monitor():
    found = _crossings(lambda m: layer(m) in ("crawlers", "graphs"),
                       lambda m, t: layer(t) in CORE or not t.startswith("monitor"))
    assert found - set(EXCEPTIONS) == set()


def test_the_core_imports_no_stage_nor_graphs_nor_crawlers():
    found = _crossings(lambda m: layer(m) in CORE, lambda m, t: layer(t) in CORE)
    assert found - set(EXCEPTIONS) == set()


def test_only_the_entry_point_imports_monitor_cli():
    found = {(m, "monitor.cli") for m, targets in _sources().items()
             if "monitor.cli" in targets and m != "monitor.__main__"}
    assert found - set(EXCEPTIONS) == set()


def test_graphs_and_crawlers_do_not_import_each_other():
    found = _crossings(lambda m: layer(m) in ("crawlers", "graphs"),
                       lambda m, t: layer(t) == layer(m) or t.startswith("monitor"))
    assert found - set(EXCEPTIONS) == set()


def test_every_exception_is_still_needed():
    """A crossing that went away leaves the list, so that it cannot come back unnoticed."""
    found = {(m, layer(t)) for m, targets in _sources().items() for t in targets}
    assert set(EXCEPTIONS) - found == set()


def test_the_check_sees_every_form_of_import():
    source = """
import monitor.sweep
from monitor import scoring, nothing_such
from . import flows
from .detectors import _common


def lazy():
    from monitor.portal.graph import bp
"""
    found = imports_of(source, "graphs.loading")
    assert {"monitor.sweep", "monitor.scoring", "graphs.flows", "graphs.detectors._common",
            "monitor.portal.graph"} <= found
    assert "monitor.nothing_such" not in found  # a name, not a module: the import is of monitor itself
    assert {layer(m) for m in found} == {"monitor", "monitor.sweep", "monitor.scoring", "monitor.portal", "graphs"}


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
