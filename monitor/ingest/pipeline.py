"""The ingest of many files: one run's shared state, each file all-or-nothing, the commit.

:func:`ingest_paths` reads each file (:mod:`monitor.ingest.reading`), finds
its institution, and under the institution's lock
(:func:`monitor.transfers.institution_lock`) drops the rows already stored,
writes one Parquet file per month (:mod:`monitor.transfers.write`), registers
the organisation-held accounts (:mod:`monitor.accounts`) and commits. A file
is all-or-nothing: its ``IngestFile`` row with status ``ok`` is the commit
record, written after the Parquet files are in place, synced to disk and
checked; any failure leaves the dataset and the accounts unchanged and records
the file as ``failed`` with an error naming file, line and column.

Concurrent ingests: the de-duplication, the writing and the commit of an
institution's files run under a lock file per institution (``fcntl.flock``;
the store is a local folder, so this serialises processes on SQLite and
PostgreSQL alike). Every file a run creates carries its run id, so it only
ever deletes its own files; the run's owner file lets
:func:`monitor.transfers.collect_garbage` tell a live ingest from a dead one.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Callable, Iterable, Sequence

from sqlmodel import Session

from monitor.accounts import accounts_document, upsert_accounts
from monitor.config import Config
from monitor.db import get_engine
from monitor.errors import InputError, MonitorError
from monitor.ingest.fast import Facts
from monitor.ingest.recognition import institution_from_path, parse_mapping
from monitor.ingest.reading import (check_dates, engine_error_line, load_clean, scan_file, sql_str,
                                    unterminated)
from monitor.transfers import (BusyError, TransferStore, _arrow, collect_garbage, fsync, institution_lock,
                               is_committed, journal_path, month_dir, month_parts, run_tmp, store_file, store_pattern,
                               verify, write_journal, write_owner, write_parquet)
from monitor.transfers.write import one_line

SUFFIXES = (".csv", ".txt", ".xlsx", ".tsv", ".xls")
PROGRESS_MIN_BYTES = 20_000_000  # below this a progress bar only flickers
ACCOUNTS_IN_THREAD = 20_000  # from this many new rows the accounts are registered beside the Parquet writing
HASH_FIRST_BYTES = 4 << 20  # below this a file is hashed before it is parsed (duplicates cost no parse)


@dataclass
class IngestResult:
    """What happened to one file."""

    path: str
    status: str  # ok / duplicate / failed
    rows: int = 0
    rows_new: int = 0
    error: str | None = None
    institution: str | None = None  # USCC
    period_start: date | None = None
    period_end: date | None = None
    seconds: float = 0.0
    sha256: str | None = None
    store_path: str | None = None
    accounts_new: int = 0
    started_at: datetime | None = None  # when reading began (UTC); recorded as ``ingested_at``
    warnings: list[str] = field(default_factory=list)  # e.g. no newline at the end: the last row may be cut
    busy: bool = False  # failed because another process held the institution's lock

    def to_dict(self) -> dict:
        d = dict(self.__dict__)
        for key in ("period_start", "period_end", "started_at"):
            d[key] = d[key].isoformat() if d[key] else None
        return d


def expand_paths(paths: Iterable[str | os.PathLike]) -> list[Path]:
    """Files named, and files under folders named (recursively), in a stable order."""
    out: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            out.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES
                              and not p.name.startswith((".", "~$"))))
        elif path.is_file():
            out.append(path)
        else:
            raise InputError(f"{path}: no such file or folder")
    return out


# --------------------------------------------------------------------------- one call, many files
def _record_columns():
    from monitor.models import IngestFile

    return (IngestFile.path, IngestFile.ingested_at, IngestFile.rows, IngestFile.sha256, IngestFile.period_start,
            IngestFile.period_end, IngestFile.store_path)


class IngestRun:
    """What one :func:`ingest_paths` call shares between its files.

    One DuckDB connection, opened when a file first needs it (a new one costs
    ~30-50 ms; well-formed CSV files never do), one SQL session (one
    transaction per file: the accounts and the commit record), the commit
    records read once, and worker threads started once. Per-file costs are
    what limits sweeps over thousands of small statements.
    """

    def __init__(self, config: Config, store: TransferStore, paths: Sequence[Path]):
        self.config, self.store, self._con = config, store, None
        self.session = Session(get_engine(config), expire_on_commit=False)
        self.workers = ThreadPoolExecutor(max_workers=2, thread_name_prefix="ingest")
        self.accounts_worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-accounts")
        # fsync waits on the disk: its own threads, so that the writers go on encoding meanwhile.
        self.syncer = ThreadPoolExecutor(max_workers=4, thread_name_prefix="ingest-sync")
        self._committed: dict[str, str | None] | None = None
        self.by_path = self._committed_by_path(paths)
        # Every file this run creates is named after it (only the run's own files are ever deleted by it).
        self.run_id = uuid.uuid4().hex
        self.owner_path = write_owner(store.root, self.run_id)
        self.institution_ids: dict[str, int | None] = {}
        self.cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        self.threads = self.cores  # of DuckDB and the fast path's parser, for the current file

    @property
    def con(self):
        """The run's DuckDB connection (opened on first use)."""
        if self._con is None:
            import duckdb

            self._con = duckdb.connect()
            self._con.execute(f"SET threads = {self.threads}")
        return self._con

    def unregister(self) -> None:
        """Drop the current file's ``clean`` view, if a connection was opened."""
        if self._con is not None:
            self._con.unregister("clean")

    def _committed_by_path(self, paths: Sequence[Path]) -> dict[str, object]:
        """Latest ``ok`` record of each path to ingest (the drop-folder shortcut), in a few queries."""
        from sqlmodel import select

        from monitor.models import IngestFile

        found: dict[str, object] = {}
        names = [str(p.resolve()) for p in paths]
        try:
            for chunk in _chunks(names, 500):
                for row in self.session.exec(select(*_record_columns()).where(IngestFile.path.in_(chunk),
                                                                            IngestFile.status == "ok")):
                    if row.path not in found or row.ingested_at > found[row.path].ingested_at:
                        found[row.path] = row
        finally:
            self.session.rollback()  # end the read transaction: writers of other processes are not held
        return found

    def committed_record(self, sha: str):
        """The ``ok`` record of a file with this sha256, or ``None`` (asked per file: another process may ingest)."""
        from sqlmodel import select

        from monitor.models import IngestFile

        try:
            return self.session.exec(select(*_record_columns()).where(IngestFile.sha256 == sha,
                                                                    IngestFile.status == "ok")).first()
        finally:
            self.session.rollback()

    def existing_files(self, uscc: str, months: Sequence[str]) -> list[Path]:
        """Committed Parquet files of the institution in these months (the anti-join's other side)."""
        folders = [month_dir(self.store.root, uscc, m) for m in months]
        candidates = [p for folder in folders if folder.is_dir() for p in folder.glob("*.parquet")]
        if not candidates:
            return []
        shas = {p.name[:64] for p in candidates}
        if self._committed is None or not shas <= self._committed.keys():
            self._committed = self.store.committed_runs()  # another process may have committed meanwhile
        return sorted(p for p in candidates if is_committed(p.name, self._committed))

    def committed(self, sha: str) -> None:
        if self._committed is not None:
            self._committed[sha] = self.run_id

    def threads_for(self, size: int) -> None:
        """One thread for a small file (waking the others costs more than they give: ~8%)."""
        wanted = 1 if size < HASH_FIRST_BYTES else self.cores
        if wanted != self.threads:
            if self._con is not None:
                self._con.execute(f"SET threads = {wanted}")
            self.threads = wanted

    def institution_id(self, uscc: str) -> int | None:
        if uscc not in self.institution_ids:
            self.institution_ids[uscc] = _institution_id(self.session, uscc)
        return self.institution_ids[uscc]

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
        self.session.close()
        self.workers.shutdown()
        self.accounts_worker.shutdown()
        self.syncer.shutdown()
        self.owner_path.unlink(missing_ok=True)


# --------------------------------------------------------------------------- one file
def _ingest_one(run: IngestRun, path: Path, mapping: dict[str, str] | None, institution: str | None,
                progress=None, statement_options: dict | None = None) -> IngestResult:
    import duckdb
    from polars.exceptions import PolarsError

    started = time.perf_counter()
    result = IngestResult(path=str(path.resolve()), status="failed", started_at=datetime.now(timezone.utc))
    step = progress or (lambda _msg: None)
    scratch = run_tmp(run.store.root, run.run_id, uuid.uuid4().hex)
    try:
        # A drop folder is walked by every sweep: a file committed from this path after its last
        # change is not read (nor hashed) again.
        modified = datetime.fromtimestamp(path.stat().st_mtime, timezone.utc)
        done = run.by_path.get(result.path)
        if done is not None and done.ingested_at > modified:
            return _as_duplicate(result, done)

        def duplicate(sha: str) -> bool:
            result.sha256 = sha
            done = run.committed_record(sha)
            if done is not None:
                _as_duplicate(result, done)
            return done is not None

        step("reading")
        size = path.stat().st_size
        run.threads_for(size)
        if size < HASH_FIRST_BYTES:
            # Small file: hashing costs less than the parse a duplicate would waste.
            scan = scan_file(path)
            sha = scan.sha256
            if duplicate(sha):
                return result
            layout, table, facts = load_clean(lambda: run.con, path, mapping, scan, scratch, run.threads,
                                               statement_options=statement_options)
        else:
            # Hashing (hashlib releases the GIL) runs beside the parse, which needs its newline
            # count only at the end; a file found to be a duplicate has then been parsed for nothing.
            # It starts once polars has read the text: the reader keeps both cores busy, the typing
            # and checks after it mostly one.
            scanned = []

            def start_scan():
                if not scanned:
                    scanned.append(run.workers.submit(scan_file, path, count=False))
                return scanned[0]
            try:
                layout, table, facts = load_clean(lambda: run.con, path, mapping, lambda: start_scan().result(),
                                                   scratch, run.threads, on_read=start_scan,
                                                   statement_options=statement_options)
            except (MonitorError, duckdb.Error, PolarsError):
                # A file already committed (under another mapping, say) stays a duplicate, not an error.
                if duplicate(start_scan().result().sha256):
                    return result
                raise
            finally:
                if scanned:
                    scanned[0].exception()  # never leave the hash running past this file
            sha = start_scan().result().sha256
            if duplicate(sha):
                return result
        result.rows = table.num_rows
        result.warnings.extend(layout.warnings)
        step("checking")
        if (warning := check_dates(run.config, path, layout, table, facts)) is not None:
            result.warnings.append(warning)
        if (warning := unterminated(path, table)) is not None:
            result.warnings.append(warning)
        uscc = resolve_institution(run.config, path, institution, lambda: run.con, table, layout.statement)
        result.institution = uscc
        with institution_lock(run.store.root, uscc, run.config.ingest_lock_wait, path):
            # Under the lock: another process may have committed this file while it was parsed here.
            if duplicate(sha):
                return result
            _write(run, path, sha, table, facts, uscc, result, step, started)
    except MonitorError as exc:
        result.status, result.error, result.busy = "failed", str(exc), isinstance(exc, BusyError)
    except (OSError, duckdb.Error, PolarsError) as exc:
        # The disk or a data engine, not the file's content: still this file's failure only.
        first_line = one_line(str(exc)) or type(exc).__name__
        where = engine_error_line(path, exc)
        result.status, result.error = "failed", f"{path}: {where}{type(exc).__name__}: {first_line}"
    finally:
        run.unregister()
        if scratch.exists():
            shutil.rmtree(scratch, ignore_errors=True)
        result.seconds = time.perf_counter() - started
    if result.status == "failed":
        _record(run.config, result, institution_uscc=result.institution)
    return result


def _as_duplicate(result: IngestResult, done) -> IngestResult:
    result.status, result.rows, result.sha256 = "duplicate", done.rows, done.sha256
    result.period_start, result.period_end = done.period_start, done.period_end
    result.store_path = done.store_path
    return result


def resolve_institution(config: Config, path: Path, given: str | None, connect: Callable[[], object],
                         table, statement=None) -> str:
    """USCC of a file's institution: ``given``, else the statement's bank profile, else a
    ``transfers/<USCC>/`` folder, else the institution of a statement's owner account or of the
    file's custody accounts; :class:`InputError` when none or several."""
    from monitor.models import validate_uscc

    if given:
        return validate_uscc(given)
    if statement is not None and statement.institution:  # the bank profile names it
        return validate_uscc(statement.institution)
    from_path = institution_from_path(path)
    if from_path:
        return from_path
    if statement is not None and statement.owner_account:
        # A single-account statement: the institution whose account it is.
        from sqlmodel import select

        from monitor.db import session_scope
        from monitor.models import Account, Institution

        with session_scope(config) as session:
            owners = set(session.exec(select(Institution.uscc).join(Account, Account.institution_id == Institution.id)
                                      .where(Account.account_no == statement.owner_account)).all())
        if len(owners) == 1:
            return owners.pop()
    # Last resort: a custody account already known to belong to an institution.
    from sqlmodel import select

    from monitor.db import session_scope
    from monitor.models import Account, Institution

    con = connect()
    con.register("clean", table)
    accounts = [r[0] for r in con.execute(
        "SELECT DISTINCT a FROM (SELECT payer_account a FROM clean UNION ALL "
        "SELECT payee_account FROM clean) WHERE a <> ''").fetchall()]
    found: set[str] = set()
    with session_scope(config) as session:
        for chunk in _chunks(accounts, 5000):
            rows = session.exec(select(Institution.uscc).join(Account, Account.institution_id == Institution.id)
                                .where(Account.is_custody, Account.account_no.in_(chunk))).all()
            found.update(rows)
    if len(found) == 1:
        return found.pop()
    if len(found) > 1:
        raise InputError(f"{path}: custody accounts of several institutions ({', '.join(sorted(found))}); "
                         f"use --institution")
    raise InputError(f"{path}: cannot tell the institution (no --institution, no transfers/<USCC>/ folder, "
                     f"no known custody account)")


def _chunks(items: Sequence, size: int):
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _write(run: IngestRun, path: Path, sha: str, table, facts: Facts, uscc: str, result: IngestResult, step,
           started: float) -> None:
    """Anti-join, write Parquet under temporary names, move into place, check, commit (under the
    institution's lock).

    Every file created is named after the run (``<sha>_<run>_<n>.parquet``), so
    the clean-up of a failure or an interrupt removes this run's files only.
    """
    from sqlalchemy.exc import IntegrityError

    store, session = run.store, run.session
    if facts.first is not None:
        result.period_start, result.period_end = facts.first.date(), facts.last.date()
    step("deduplicating")
    existing = run.existing_files(uscc, facts.months)
    if existing:
        file_list = "[" + ", ".join(f"'{sql_str(f)}'" for f in existing) + "]"
        con = run.con
        con.register("clean", table)
        table = _arrow(con.sql(f"SELECT * FROM clean WHERE txn_id NOT IN "
                               f"(SELECT txn_id FROM read_parquet({file_list}))"))
    result.rows_new = table.num_rows
    step("accounts")
    # The SQL side (accounts, then the commit record) runs in one transaction. For a large file the
    # accounts are gathered (polars) and inserted (one statement: the SQL engine runs with the GIL
    # released) in another thread, beside the Parquet writing.

    def register() -> int:
        return upsert_accounts(session, accounts_document(table))

    # The months first, and the two writers' first cuts: polars runs one query at a time on its
    # threads, and the writers would wait behind the accounts document for them.
    parts = month_parts(table) if result.rows_new else {}
    if len(parts) > 1:
        for month in list(parts)[:2]:
            part = parts[month]()
            parts[month] = lambda part=part: part
    pending = run.accounts_worker.submit(register) if result.rows_new >= ACCOUNTS_IN_THREAD else None
    moved: list[Path] = []
    written: list[tuple[Path, Path]] = []
    journal: Path | None = None
    committing = committed = False
    try:
        if result.rows_new:
            step("writing")
            # Flat temporary names: no folders to create and remove per file.
            key = uuid.uuid4().hex
            written = [(run_tmp(store.root, run.run_id, f"{key}-{month}.parquet"),
                        store_file(store.root, uscc, month, sha, run.run_id, n))
                       for n, month in enumerate(parts)]
            # Until the commit, a journal (with this process as owner) lists the files moved into the
            # store: collect_garbage() removes them once the owner is gone without a commit.
            journal = write_journal(journal_path(store.root, run.run_id, key), store.root, sha,
                                     [dest for _tmp, dest in written], owner=True)
            jobs = [(parts[month], tmp) for month, (tmp, _dest) in zip(parts, written)]

            def write(cut, tmp: Path):
                rows = write_parquet(cut(), sha, tmp)
                return rows, tmp.stat().st_size, run.syncer.submit(fsync, tmp)
            if len(jobs) == 1:
                done = [write(*jobs[0])]
            else:
                done = [job.result() for job in [run.workers.submit(write, *job) for job in jobs]]
            for _rows, _size, synced in done:
                synced.result()
            sizes = [(rows, size) for rows, size, _synced in done]
            folders = set()
            for tmp, dest in written:
                if not dest.parent.is_dir():
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    folders.update((dest.parent.parent, dest.parent.parent.parent))
                os.replace(tmp, dest)  # never over another run's file: the name holds this run's id
                moved.append(dest)
                folders.add(dest.parent)
            for synced in [run.syncer.submit(fsync, folder) for folder in folders]:
                synced.result()
            verify(path, [dest for _tmp, dest in written], sizes)
            result.store_path = store_pattern(uscc, sha, run.run_id)
        step("committing")
        result.accounts_new = pending.result() if pending else register()
        result.status = "ok"
        result.seconds = time.perf_counter() - started
        session.add(ingest_record(result, run.institution_id(uscc)))
        committing = True
        session.commit()
        committed = True
        run.committed(sha)
        if journal is not None:
            journal.unlink(missing_ok=True)
    except BaseException as exc:
        if not committed:
            # Let the account insert finish before rolling back: the session is not shared between threads.
            try:
                if pending:
                    pending.result()
            except Exception:  # noqa: BLE001 - the first error is the one reported
                pass
            try:
                session.rollback()
            except Exception:  # noqa: BLE001 - the connection may be gone; the files are still ours to remove
                pass
            # An interrupt during the commit may come after the database committed: ask it.
            committed = committing and not isinstance(exc, IntegrityError) and \
                run.store.committed_runs(among=[sha]).get(sha) == run.run_id
        if committed:
            result.status = "ok"
            if journal is not None:
                journal.unlink(missing_ok=True)
            raise
        for dest in moved:
            dest.unlink(missing_ok=True)
        for tmp, _dest in written:
            tmp.unlink(missing_ok=True)
        if journal is not None:
            journal.unlink(missing_ok=True)
        result.status = "failed"
        if isinstance(exc, IntegrityError) and (done := run.committed_record(sha)) is not None:
            # Another process committed the same file (under another institution's lock) first.
            _as_duplicate(result, done)
            result.rows_new = result.accounts_new = 0
            return
        raise


def _record(config: Config, result: IngestResult, institution_uscc: str | None) -> None:
    from monitor.db import session_scope

    try:
        with session_scope(config) as session:
            institution_id = _institution_id(session, institution_uscc) if institution_uscc else None
            session.add(ingest_record(result, institution_id))
    except MonitorError:
        raise
    except Exception as exc:  # noqa: BLE001 - the file's own error stays the one reported
        result.error = f"{result.error} (and could not record it: {exc})"


def ingest_record(result: IngestResult, institution_id: int | None):
    """The ``IngestFile`` row of a file's result (with status ``ok``, its commit record)."""
    from monitor.models import IngestFile

    return IngestFile(path=result.path[:1000], sha256=result.sha256 or "", status=result.status,
                      rows=result.rows, rows_new=result.rows_new, institution_id=institution_id,
                      period_start=result.period_start, period_end=result.period_end,
                      store_path=result.store_path, seconds=result.seconds, error=result.error,
                      ingested_at=result.started_at or datetime.now(timezone.utc))


def _institution_id(session, uscc: str | None) -> int | None:
    from sqlmodel import select

    from monitor.models import Institution

    if not uscc:
        return None
    return session.exec(select(Institution.id).where(Institution.uscc == uscc)).first()


def ingest_paths(config: Config, paths: Iterable[str | os.PathLike], mapping: dict[str, str] | str | None = None,
                 institution: str | None = None, progress: Callable[[Path], object] | None = None,
                 statement_options: dict | None = None) -> list[IngestResult]:
    """Ingest files and folders; one :class:`IngestResult` per file, in path order.

    Each file succeeds or fails on its own (failed files are recorded with
    their error); an unknown path or a bad ``mapping`` raises
    :class:`InputError` before anything is read. ``statement_options``
    (``profile``, ``date_format``, ``account``, ``delimiter``) are for bank
    statements (:mod:`monitor.statements`); operator profiles are found in
    ``<instance_dir>/profiles``. ``progress(path)``, called for files of at
    least :data:`PROGRESS_MIN_BYTES`, returns a context manager whose value is
    a callback taking the name of each stage.
    """
    from monitor.db import require_schema

    if isinstance(mapping, str):
        mapping = parse_mapping(mapping)
    files = expand_paths(paths)
    require_schema(config)
    store = TransferStore(config)
    store.root.mkdir(parents=True, exist_ok=True)
    collect_garbage(store)

    results = []
    run = IngestRun(config, store, files)
    try:
        for path in files:
            show = progress and path.stat().st_size >= PROGRESS_MIN_BYTES
            with progress(path) if show else nullcontext(None) as step:
                results.append(_ingest_one(run, path, mapping, institution, step,
                                           {**(statement_options or {}), "instance_dir": config.instance_path}))
    finally:
        run.close()
    return results
