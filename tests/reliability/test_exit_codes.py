"""Every command's failure reaches the process: 0 success, 1 a file or stage failed, 2 usage or environment, 3 busy."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import click
import pytest

from monitor.cli import LAZY_COMMANDS, main
from monitor.db import session_scope
from monitor.models import SweepRun, SweepStatus, utcnow

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def env(store, monkeypatch):
    """``monitor`` in this process reads the store's configuration from the environment."""
    for key in [k for k in os.environ if k.startswith("MONITOR_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("MONITOR_INSTANCE_DIR", str(store.instance_path))
    if store.database_url:
        monkeypatch.setenv("MONITOR_DATABASE_URL", store.database_url)
    return store


# --------------------------------------------------------------------------- main() itself
@click.command("toy")
@click.argument("how")
@click.pass_context
def toy(ctx, how):
    """Ends the way a command may end."""
    if how == "ctx-exit":
        ctx.exit(1)
    if how == "system-exit":
        raise SystemExit(1)
    if how == "system-exit-3":
        raise SystemExit(3)
    if how == "click-exit":
        raise click.exceptions.Exit(1)
    if how == "return":
        return 1
    if how == "return-object":
        return {"not": "a code"}


@pytest.mark.parametrize("how,code", [("ctx-exit", 1), ("system-exit", 1), ("system-exit-3", 3),
                                      ("click-exit", 1), ("return", 1), ("return-object", 0), ("ok", 0)])
def test_a_commands_exit_code_reaches_main(monkeypatch, how, code):
    monkeypatch.setitem(LAZY_COMMANDS, "toy", f"{__name__}:toy")
    assert main(["toy", how]) == code


def test_usage_errors_exit_2(capsys):
    assert main(["no-such-command"]) == 2
    assert main(["sweep", "--no-such-option"]) == 2
    assert main(["toy"]) == 2  # not registered here
    capsys.readouterr()


# --------------------------------------------------------------------------- sweep
def _stage(status):
    def stage(ctx):
        if status == "failed":
            raise RuntimeError("source unreachable")
        return {"n": 1}
    return stage


@pytest.mark.parametrize("stages,code,status", [
    ((("a", "ok"),), 0, "succeeded"),
    ((("a", "failed"), ("b", "ok")), 1, "partial"),
    ((("a", "failed"),), 1, "failed"),
])
def test_sweep_exit_code_follows_its_status(env, monkeypatch, capsys, stages, code, status):
    monkeypatch.setattr("monitor.sweep.DEFAULT_STAGES", tuple((name, _stage(st)) for name, st in stages))
    assert main(["sweep"]) == code
    out, err = capsys.readouterr()
    assert f") {status}" in out
    if code:
        assert err.startswith(f"error: sweep #") and "a failed" in err and status in err


def test_sweep_partial_stage_exits_1(env, monkeypatch, capsys):
    from monitor.sweep import StagePartial

    def crawl_with_errors(ctx):
        raise StagePartial("3 page error(s)", {"pages": 10, "errors": 3})

    monkeypatch.setattr("monitor.sweep.DEFAULT_STAGES", (("crawl", crawl_with_errors), ("b", _stage("ok"))))
    assert main(["sweep"]) == 1
    out, err = capsys.readouterr()
    assert "partial" in out and "crawl partial" in err


def test_sweep_busy_exits_3(env, capsys):
    from monitor.sweep import SweepLock

    lock = SweepLock(env)
    assert lock.acquire()
    try:
        with session_scope(env) as s:
            s.add(SweepRun(status=SweepStatus.RUNNING.value, started_at=utcnow(), heartbeat_at=utcnow(),
                           host=socket.gethostname(), pid=os.getpid()))
        assert main(["sweep", "--light"]) == 3
        assert "already running" in capsys.readouterr().err
    finally:
        lock.release()


def test_sweep_with_a_failed_drop_file_exits_1_in_a_real_process(store, tmp_path):
    """The installed ``monitor`` script: a sweep whose ingest stage meets a broken file exits 1."""
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "broken.csv").write_bytes(b"\x00\x01 not a transfer file\n")
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    environ.update(MONITOR_INSTANCE_DIR=str(store.instance_path), MONITOR_DROP_DIR=str(drop))
    if store.database_url:
        environ["MONITOR_DATABASE_URL"] = store.database_url
    result = subprocess.run([str(ROOT / ".venv" / "bin" / "monitor"), "sweep", "--light"], capture_output=True,
                            text=True, env=environ, cwd=tmp_path, timeout=300)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "ingest partial" in result.stderr and "Traceback" not in result.stderr


# --------------------------------------------------------------------------- the other commands
def test_alerts_failures(env, capsys):
    assert main(["alerts", "close", "999", "--reason", "false_positive"]) == 2  # no such alert
    assert main(["alerts", "triage", "1", "nonsense"]) == 2
    assert main(["alerts", "show", "999"]) == 2
    assert main(["alerts", "list"]) == 0
    capsys.readouterr()


def test_rules_users_brief_failures(env, tmp_path, capsys):
    assert main(["rules", "set", "--weight", "nonsense"]) == 2
    assert main(["rules", "show", "--version", "999"]) == 2
    assert main(["users", "add", "li", "--role", "nonsense", "--jurisdiction", "x"]) == 2
    assert main(["users", "add", "li", "--role", "inspector", "--jurisdiction", "no-such-code"]) == 2
    out = tmp_path / "brief.pdf"
    out.write_bytes(b"%PDF-")
    assert main(["brief", "city", "--week", "2018-W30", "--out", str(out)]) == 2  # exists, no --force
    assert main(["brief", "institution", "no-such-institution", "--out", str(tmp_path / "x.pdf")]) == 2
    capsys.readouterr()


def test_evaluate_scan_simulate_failures(env, tmp_path, capsys):
    assert main(["evaluate"]) == 2
    bad = tmp_path / "truth.json"
    bad.write_text("{not json", encoding="utf-8")
    assert main(["evaluate", "--truth", str(bad)]) == 2
    assert "line 1 column 2" in capsys.readouterr().err
    assert main(["scan", str(tmp_path / "missing.csv")]) == 2
    city = tmp_path / "city"
    city.mkdir()
    (city / "something").write_text("x")
    assert main(["simulate", "--out", str(city), "--platforms", "8", "--months", "6"]) == 2  # not empty, no --force
    capsys.readouterr()


def test_environment_error_exits_2(tmp_path, monkeypatch, capsys):
    for key in [k for k in os.environ if k.startswith("MONITOR_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("MONITOR_INSTANCE_DIR", str(tmp_path / "instance"))
    for args in (["sweep"], ["audit", "verify"], ["alerts", "list"]):  # no store yet
        assert main(args) == 2
        assert capsys.readouterr().err.startswith("error: ")


def test_ingest_of_a_broken_file_exits_1(env, tmp_path, capsys):
    """monitor ingest ends with SystemExit(1) on a failed file; main() hands the code on."""
    broken = tmp_path / "broken.csv"
    broken.write_bytes(b"\x00\x01 not a transfer file\n")
    assert main(["ingest", str(broken)]) == 1
    assert "broken.csv" in capsys.readouterr().err
