"""Compaction of the transfer store: an institution's many small files rewritten as one per month.

Each ingested source file adds one Parquet file per month it covers, so a
busy institution gathers thousands of small files, and every reader (DuckDB,
Spark) pays per file. :func:`compact_institution` rewrites all committed
files of one institution into ``<sha>_<run>_<n>.parquet``, one per month,
under the store's write rules (see :mod:`monitor.transfers.write`), as the ingest does:

* it holds the institution's ingest lock (:func:`monitor.transfers.institution_lock`),
  so no ingest of that institution reads or writes meanwhile;
* its files are named after its own run id and listed in an owner journal
  until the commit, so garbage collection removes them if it dies first;
* they are fsynced and verified before the commit record names them;
* one SQL transaction inserts the compaction's commit record (an
  ``IngestFile`` row, path ``compaction:institution=<USCC>``, sha256 of the
  names of the files it replaces) and points the replaced sources' records at
  it: readers see either the old files or the new ones, never both or neither;
* the old files are removed only after that commit (a DuckDB reader that
  listed them just before lists the committed files again:
  :meth:`monitor.transfers.TransferStore._read`).

The sources' records keep their sha256 and status, so a source file dropped
again is still a duplicate. The rows, their columns (``source_sha256``
included) and so every aggregate are unchanged.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from monitor.config import Config
from monitor.transfers import (PARQUET_OPTIONS, SCHEMA, TransferStore, fsync, institution_lock, journal_path,
                               name_parts, run_tmp, store_file, store_pattern, write_journal, write_owner)

log = logging.getLogger(__name__)

RECORD_PREFIX = "compaction:"


@dataclass
class CompactionResult:
    institution: str
    files_before: int
    files_after: int
    rows: int = 0
    seconds: float = 0.0
    skipped: str | None = None  # why nothing was done


def _read(path: Path):
    import pyarrow.parquet as pq

    # ParquetFile, not read_table: the hive folders must not add partition columns.
    return pq.ParquetFile(path).read().cast(SCHEMA)


def compact_institution(config: Config, uscc: str, wait: float | None = None) -> CompactionResult:
    """Rewrite the committed files of institution ``uscc`` as one file per month (see module docstring).

    Raises :class:`monitor.transfers.BusyError` (exit 3) when its ingest lock stays held ``wait``
    seconds (default the ``ingest_lock_wait`` setting).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq
    from sqlmodel import select

    from monitor.db import session_scope
    from monitor.models import IngestFile, Institution

    started = time.perf_counter()
    store = TransferStore(config)
    wait = config.ingest_lock_wait if wait is None else wait
    with institution_lock(store.root, uscc, wait, f"compaction of {uscc}"):
        files = store.files([uscc])
        by_month: dict[str, list[Path]] = defaultdict(list)
        for path in files:
            by_month[path.parent.name.split("=", 1)[1]].append(path)
        if not files or all(len(v) == 1 for v in by_month.values()):
            return CompactionResult(uscc, len(files), len(files), skipped="one file per month already")
        shas = sorted({name_parts(p.name)[0] for p in files})
        digest = hashlib.sha256("\n".join(sorted(p.relative_to(store.root).as_posix() for p in files))
                                .encode("utf-8")).hexdigest()
        run = uuid.uuid4().hex
        owner = write_owner(store.root, run)
        written = [(run_tmp(store.root, run, f"{month}.parquet"), store_file(store.root, uscc, month, digest, run, n))
                   for n, month in enumerate(sorted(by_month))]
        journal = write_journal(journal_path(store.root, run), store.root, digest,
                                 [dest for _tmp, dest in written], owner=True)
        moved: list[Path] = []
        committed = False
        rows = 0
        period = [None, None]
        try:
            for (tmp, dest), month in zip(written, sorted(by_month)):
                table = pa.concat_tables([_read(p) for p in by_month[month]])
                table = table.sort_by([("txn_time", "ascending"), ("txn_id", "ascending")])
                pq.write_table(table, tmp, store_schema=False, **PARQUET_OPTIONS)
                fsync(tmp)
                if pq.read_metadata(tmp).num_rows != table.num_rows:
                    raise OSError(f"{tmp}: written file does not read back whole")
                rows += table.num_rows
                if table.num_rows:
                    first, last = table.column("txn_time")[0].as_py(), table.column("txn_time")[-1].as_py()
                    period[0] = min(filter(None, (period[0], first.date())))
                    period[1] = max(filter(None, (period[1], last.date())))
            for tmp, dest in written:
                os.replace(tmp, dest)  # the name holds this run's id: never over another file
                moved.append(dest)
            for folder in {dest.parent for dest in moved}:
                fsync(folder)
            pattern = store_pattern(uscc, digest, run)
            with session_scope(config) as session:
                inst = session.exec(select(Institution.id).where(Institution.uscc == uscc)).first()
                replaced = list(session.exec(select(IngestFile).where(IngestFile.status == "ok",
                                                                      IngestFile.sha256.in_(shas))))
                for record in replaced:
                    # Its transfers now live in the compacted files: its own files stop counting.
                    record.store_path = pattern
                    session.add(record)
                session.add(IngestFile(path=f"{RECORD_PREFIX}institution={uscc}", sha256=digest, status="ok",
                                       rows=rows, rows_new=0, institution_id=inst, period_start=period[0],
                                       period_end=period[1], store_path=pattern,
                                       seconds=time.perf_counter() - started))
            committed = True
            for path in files:
                path.unlink(missing_ok=True)
            for folder in {p.parent for p in files}:
                fsync(folder)
        finally:
            if not committed and moved:
                try:  # an error while committing may come after the database committed: ask it
                    committed = store.committed_runs(among=[digest]).get(digest) == run
                except Exception:  # noqa: BLE001 - then the commit is taken as not done
                    pass
            if not committed:
                for dest in moved:
                    dest.unlink(missing_ok=True)
                for tmp, _dest in written:
                    tmp.unlink(missing_ok=True)
            journal.unlink(missing_ok=True)
            owner.unlink(missing_ok=True)
    result = CompactionResult(uscc, len(files), len(written), rows, time.perf_counter() - started)
    log.info("compacted %s: %d files into %d (%d rows)", uscc, result.files_before, result.files_after, rows)
    return result


def compact_store(config: Config, institutions: list[str] | None = None) -> list[CompactionResult]:
    """Compact every institution (or those given) with a month held in two or more committed files."""
    store = TransferStore(config)
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for path in store.files(institutions):
        counts[(path.parent.parent.name.split("=", 1)[1], path.parent.name)] += 1
    due = sorted({inst for (inst, _month), n in counts.items() if n > 1})
    return [compact_institution(config, uscc) for uscc in due]
