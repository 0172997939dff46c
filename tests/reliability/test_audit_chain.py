"""The audit journal is a hash chain: edits and deletions behind the triggers' back are found by `monitor audit verify`."""

from __future__ import annotations

import os
import subprocess
import threading
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import select

from monitor.audit import GENESIS, entry_content, entry_hash, record, verify_chain
from monitor.cli import main
from monitor.db import _alembic_config, get_engine, session_scope
from monitor.models import AuditEntry

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def env(store, monkeypatch):
    """``monitor`` in this process and in subprocesses reads the store's configuration from the environment."""
    for key in [k for k in os.environ if k.startswith("MONITOR_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("MONITOR_INSTANCE_DIR", str(store.instance_path))
    if store.database_url:
        monkeypatch.setenv("MONITOR_DATABASE_URL", store.database_url)
    return store


def _journal(config, n: int = 5) -> list[int]:
    with session_scope(config) as s:
        ids = []
        for i in range(n):
            ids.append(record(s, "system", "alert", 1, "status", field="status", old=f"s{i}", new=f"s{i + 1}").id)
    return ids


def _tamper(config, sql: str, **params) -> None:
    """As the table owner: drop the append-only trigger, then change the journal."""
    engine = get_engine(config)
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(text("DROP TRIGGER audit_entry_no_update"))
            conn.execute(text("DROP TRIGGER audit_entry_no_delete"))
        else:
            conn.execute(text("DROP TRIGGER audit_entry_append_only ON audit_entry"))
        conn.execute(text(sql), params)


def test_intact_journal_verifies(env, capsys):
    ids = _journal(env)
    assert main(["audit", "verify"]) == 0
    assert f"intact: {len(ids)} entries" in capsys.readouterr().out
    with session_scope(env) as s:
        rows = list(s.exec(select(AuditEntry).order_by(AuditEntry.id)))
    assert rows[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in zip(rows, rows[1:]))


def test_updated_entry_is_named(env, capsys):
    ids = _journal(env)
    _tamper(env, "UPDATE audit_entry SET new = 'closed' WHERE id = :id", id=ids[2])
    assert main(["audit", "verify"]) == 1
    err = capsys.readouterr().err
    assert f"audit entry #{ids[2]} " in err and "content altered" in err and '"new": "closed"' in err


def test_deleted_middle_entry_is_found(env, capsys):
    ids = _journal(env)
    _tamper(env, "DELETE FROM audit_entry WHERE id = :id", id=ids[2])
    assert main(["audit", "verify"]) == 1
    err = capsys.readouterr().err
    assert f"audit entry #{ids[3]} " in err and f"ids {ids[2]}–{ids[2]} are missing" in err


def test_verify_in_a_real_process_exits_1(env):
    ids = _journal(env, 3)
    _tamper(env, "UPDATE audit_entry SET actor = 'someone' WHERE id = :id", id=ids[0])
    result = subprocess.run([str(ROOT / ".venv" / "bin" / "monitor"), "audit", "verify"], capture_output=True,
                            text=True, timeout=120, cwd=ROOT)
    assert result.returncode == 1, result.stderr
    assert result.stderr.startswith("error: audit journal broken at audit entry #%d " % ids[0])


def test_concurrent_writers_do_not_fork_the_chain(store):
    errors = []

    def writer(n):
        try:
            for i in range(15):
                with session_scope(store) as s:
                    record(s, "system", "alert", n, "note", field="note", new=f"{n}-{i}")
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors
    with session_scope(store) as s:
        report = verify_chain(s)
        hashes = list(s.exec(select(AuditEntry.prev_hash)))
    assert report.intact and report.entries == 60, report.broken
    assert len(set(hashes)) == 60  # no two entries chained to the same predecessor


def test_several_entries_in_one_transaction_chain(store):
    with session_scope(store) as s:
        a = record(s, "system", "alert", 1, "reopen", field="status", old="closed", new="new")
        b = record(s, "system", "alert", 1, "reopen", field="reopen_count", old=0, new=1)
        assert b.prev_hash == a.hash
    with session_scope(store) as s:
        assert verify_chain(s).intact


def test_migration_chains_existing_entries(any_config):
    """Entries written before revision 0002 get their hashes in the migration, in id order."""
    from alembic import command

    from monitor.db import init_db

    cfg = _alembic_config(any_config)
    command.upgrade(cfg, "0001")
    with get_engine(any_config).begin() as conn:
        for i in range(3):
            conn.execute(text("INSERT INTO audit_entry (at, actor, object_type, object_id, action, field, old, new) "
                              "VALUES (:at, 'system', 'alert', 1, 'status', 'status', :old, :new)"),
                         {"at": "2026-01-0%d 10:00:00.000000" % (i + 1), "old": f"s{i}", "new": f"s{i + 1}"})
    init_db(any_config)
    with session_scope(any_config) as s:
        report = verify_chain(s)
        rows = list(s.exec(select(AuditEntry).order_by(AuditEntry.id)))
    assert report.intact and report.entries == 3
    assert rows[1].hash == entry_hash(rows[0].hash, entry_content(rows[1]))
    command.downgrade(cfg, "0001")  # and back: the columns go, the journal stays append-only
    with pytest.raises(Exception, match="append-only"):
        with get_engine(any_config).begin() as conn:
            conn.execute(text("UPDATE audit_entry SET new = 'x'"))
