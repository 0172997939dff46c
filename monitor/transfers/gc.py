"""Garbage collection of the transfer store: files of writers that died before their commit."""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from monitor.transfers.layout import (JOURNAL_SUFFIX, OWNER_SUFFIX, STORE_GLOB, is_committed, journal_path,
                                      name_parts, owner_path, run_of_tmp_entry, tmp_dir)
from monitor.transfers.read import TransferStore
from monitor.transfers.write import owner_alive


@dataclass
class GcReport:
    """What :func:`collect_garbage` removed, and what it could not."""

    files: int = 0  # uncommitted Parquet files removed from the store
    tmp: int = 0  # entries removed from the store's .tmp (temporary files, scratch folders, journals, owner files)
    kept_live: int = 0  # files left because a live ingest owns them
    errors: list[str] = field(default_factory=list)

    def __int__(self) -> int:
        return self.files


def collect_garbage(store: TransferStore, min_age_seconds: float = 3600.0, full: bool = False) -> GcReport:
    """Remove Parquet files without a commit record (interrupted ingests) and leftovers of dead runs.

    An ingest run names every file it creates after its run id and records
    its process (pid, host, start time) in ``.tmp/<run>.owner`` and in the
    journal listing the files it moves into the store until its commit.
    Files of a run whose process still runs are never touched; those of a
    dead process are removed at once, unless their source file committed with
    that run. Files nothing tells the owner of (written before run ids, or by
    another host) are removed only once older than ``min_age_seconds``.
    ``full`` also walks every file of the store (for a store written before
    the journals, or one whose journal a machine crash lost): that costs time
    in proportion to the store, so it is ``monitor gc``'s, not every ingest's.
    Whether a file committed is asked again just before it is removed (after
    its owner was found dead), so a commit meanwhile is never undone.
    """
    report = GcReport()
    if not store.root.is_dir():
        return report
    now = time.time()
    tmp = tmp_dir(store.root)
    states: dict[str, bool | None] = {}

    def old(path: Path) -> bool:
        try:
            return now - path.stat().st_mtime >= min_age_seconds
        except FileNotFoundError:
            return False

    def run_state(run: str | None) -> bool | None:
        """True: a live run; False: a dead one; None: unknown (no owner file, or another host)."""
        if run is None:
            return None
        if run not in states:
            try:
                owner = json.loads(owner_path(store.root, run).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                owner = None
            alive = owner_alive(owner) if owner is not None else None
            states[run] = None if alive is None else alive
        return states[run]

    def removable(path: Path, alive: bool | None) -> bool:
        if alive:
            report.kept_live += 1
            return False
        return alive is False or old(path)

    def remove(path: Path, tree: bool = False) -> int:
        """Remove a file (with ``tree``, a folder too); 1 when done."""
        try:
            if tree and path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
        except FileNotFoundError:
            return 0
        except OSError as exc:
            report.errors.append(f"{path}: {exc.strerror or exc}")
            return 0
        return 1

    def remove_uncommitted(candidates: list[Path]) -> None:
        """Remove those of ``candidates`` (store files) that no commit record covers, asked now."""
        if not candidates:
            return
        committed = store.committed_runs(among=[p.name[:64] for p in candidates])
        for path in candidates:
            if not is_committed(path.name, committed):
                report.files += remove(path)

    # Journals: the files a run moved into the store and had not committed.
    journals = sorted(tmp.glob(f"*{JOURNAL_SUFFIX}")) if tmp.is_dir() else []
    for path in journals:
        try:
            journal = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            continue
        except (OSError, ValueError):
            journal = {}
        alive = owner_alive(journal.get("owner")) if "owner" in journal else None
        if not removable(path, alive):
            continue
        names = [store.root / name for name in journal.get("files", [])
                 if name_parts(Path(name).name) is not None]
        remove_uncommitted([p for p in names if p.exists()])
        report.tmp += remove(path)
    if full:
        committed = store.committed_runs()
        candidates = []
        for path in store.root.glob(STORE_GLOB):
            if is_committed(path.name, committed):
                continue
            parts = name_parts(path.name)
            if removable(path, run_state(parts[1] if parts else None)):
                candidates.append(path)
        remove_uncommitted(candidates)
    if tmp.is_dir():
        entries = sorted(tmp.iterdir(), key=lambda p: p.name.endswith(OWNER_SUFFIX))  # owner files last
        for entry in entries:
            if entry.name.endswith(JOURNAL_SUFFIX):
                continue  # handled above (a journal that appeared since belongs to a live run)
            run = run_of_tmp_entry(entry.name)
            if entry.name.endswith(OWNER_SUFFIX):
                # Kept while the run is alive, or while a journal of it remains.
                if run_state(run) is False and not any(tmp.glob(journal_path(store.root, run, "*").name)):
                    report.tmp += remove(entry)
                elif run_state(run) is None and old(entry):
                    report.tmp += remove(entry)
                continue
            if removable(entry, run_state(run)):
                report.tmp += remove(entry, tree=True)
    return report
