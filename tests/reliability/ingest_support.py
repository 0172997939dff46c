"""Helpers of the ingest reliability tests: statements, subprocess ingests, and what the store holds.

Subprocess ingests run ``monitor ingest`` through ``monitor.cli.main`` in a
fresh interpreter. ``T_HOOK=<function>:<n>:<action>`` patches one function
as :mod:`monitor.ingest.pipeline` calls it (its own, and those of the store's
write side and the accounts register it imports; ``replace`` is
:func:`os.replace`, ``committed`` the method of ``IngestRun``) so that at its
``n``-th call the process signals (``T_MARK`` file written) and goes on
(``mark``) or ``wait``s (until the ``T_GO`` file exists or a SIGINT), or
``kill``s itself with SIGKILL before (``kill``) or after (``kill-after``) the
call.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import uscc_for

INST = uscc_for(77)
HEADER = ["交易流水号", "交易时间", "交易金额", "付款账号", "付款户名", "付款方证件号",
          "收款账号", "收款户名", "收款方证件号", "摘要"]
DEADLINE = 60.0  # seconds any wait of these tests may take at most

_RUNNER = r"""
import os, signal, sys, time
from pathlib import Path
import monitor.ingest.pipeline as pipeline

hook = os.environ.get("T_HOOK")
if hook:
    name, nth, action = hook.split(":")
    nth, calls = int(nth), [0]
    owner = os if name == "replace" else (pipeline.IngestRun if name == "committed" else pipeline)
    real = getattr(owner, name)

    def patched(*args, **kwargs):
        calls[0] += 1
        if calls[0] != nth:
            return real(*args, **kwargs)
        if action == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        if action in ("wait", "mark"):
            Path(os.environ["T_MARK"]).write_text(str(os.getpid()))
        if action == "wait":
            deadline = time.monotonic() + 60
            while not Path(os.environ["T_GO"]).exists() and time.monotonic() < deadline:
                time.sleep(0.01)
        out = real(*args, **kwargs)
        if action == "kill-after":
            os.kill(os.getpid(), signal.SIGKILL)
        return out
    setattr(owner, name, patched)

from monitor.cli import main
sys.exit(main(sys.argv[1:]))
"""


def rows(n: int, start: int = 0, months: int = 2) -> list[list[str]]:
    """``n`` transfers over ``months`` months of 2018 (ids TX<start>..)."""
    out = []
    for i in range(start, start + n):
        month = 1 + i % months
        out.append([f"TX{i:07d}", f"2018-{month:02d}-{i % 28 + 1:02d} 10:{i % 60:02d}:00", f"{100 + i}.25",
                    f"62220000{i % 13:08d}", "张三", "110101199001011234",
                    "6228000000000001", "某某网络科技有限公司", INST, "出借"])
    return out


def write_statement(path: Path, data: list[list[str]], final_newline: bool = True) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = ",".join(HEADER) + "\n" + "\n".join(",".join(r) for r in data) + ("\n" if final_newline else "")
    path.write_text(text, encoding="utf-8")
    return path


def env_of(config, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MONITOR_", "T_"))}
    env["MONITOR_INSTANCE_DIR"] = str(config.instance_dir)
    if config.database_url:
        env["MONITOR_DATABASE_URL"] = config.database_url
    env.update({k: str(v) for k, v in extra.items()})
    return env


def start_ingest(config, path: Path, **extra) -> subprocess.Popen:
    """``monitor ingest PATH --institution INST`` in a new process (``extra``: environment)."""
    return subprocess.Popen([sys.executable, "-c", _RUNNER, "ingest", str(path), "--institution", INST],
                            env=env_of(config, **extra), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, cwd=Path(__file__).resolve().parents[2])


def finish(proc: subprocess.Popen, timeout: float = DEADLINE) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err


def wait_for(predicate, what: str, timeout: float = DEADLINE, procs=()) -> None:
    """Poll ``predicate`` until true; fail after ``timeout`` or when one of ``procs`` exited early."""
    deadline = time.monotonic() + timeout
    while not predicate():
        for proc in procs:
            if proc.poll() is not None:
                out, err = proc.communicate()
                raise AssertionError(f"process exited ({proc.returncode}) before {what}: {out} {err}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def interrupt(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGINT)


def ingest_records(config) -> list:
    """Every IngestFile row, oldest first."""
    from sqlmodel import select

    from monitor.db import session_scope
    from monitor.models import IngestFile

    with session_scope(config) as session:
        return [r.model_copy() for r in session.exec(select(IngestFile).order_by(IngestFile.id)).all()]


def ok_records(config) -> list:
    return [r for r in ingest_records(config) if r.status == "ok"]


def stored_ids(config) -> list[str]:
    """Every stored (committed) transaction id, repeats included."""
    from monitor.transfers import TransferStore

    return TransferStore(config).frame([INST], columns=["txn_id"]).column("txn_id").to_pylist()


def stray_files(config) -> list[Path]:
    """Parquet files in the store that no commit covers, and anything left under .tmp."""
    from monitor.transfers import TransferStore

    store = TransferStore(config)
    committed = set(store.files())
    every = set(store.root.glob("institution=*/month=*/*.parquet"))
    tmp = store.root / ".tmp"
    return sorted(every - committed) + (sorted(tmp.iterdir()) if tmp.is_dir() else [])
