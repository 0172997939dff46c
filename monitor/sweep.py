"""Sweeps: the whole chain, one run at a time, recorded in :class:`~monitor.models.SweepRun`.

``run_sweep`` runs crawl → ingest (drop folder) → coverage (a platform's
disclosure coverage dropping raises an alert) → detect → indicators →
scores → alerts. Each stage's status, counts, error and seconds go to
``SweepRun.stages``; a failing stage is recorded and the others run (status
``partial``). Other stages are imported lazily inside their stage, so a stage
whose module is missing fails recorded instead of breaking the sweep.

One sweep at a time, across processes: on PostgreSQL a session-level
advisory lock (``pg_try_advisory_lock``) held on a dedicated connection; on
SQLite an exclusive ``fcntl.flock`` on a lock file beside the database. Both
are released by the operating system or the server when the process dies, so
whoever gets the lock knows that any run still marked ``running`` lost its
process: it is marked failed (with its pid, host and last heartbeat) before
the new run starts. A second sweep while one runs raises
:class:`SweepBusyError` naming the running one (the CLI exits 3).

A light sweep skips the crawl and the detectors and carries over the
detector findings of the latest sweep that has them; replays (``as_of``
given) skip crawl and ingest, which would fetch the present.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import traceback
from dataclasses import dataclass, field
from datetime import date, datetime, time as dtime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable
from zoneinfo import ZoneInfo

from monitor.errors import InputError, MonitorError
from monitor.models import SweepRun, SweepStatus, utcnow

log = logging.getLogger(__name__)
MAX_STAGE_ERRORS = 20  # error lines kept per stage in SweepRun.stages

HEARTBEAT_SECONDS = 15.0
PG_LOCK_KEY = 0x6D6F6E69746F72  # "monitor": one advisory lock for sweeps
KINDS = ("full", "light")


class SweepBusyError(MonitorError):
    """Another sweep holds the lock."""

    exit_code = 3


class StageSkipped(Exception):
    """Raised by a stage that has nothing to do (recorded as skipped, with the reason)."""


class StagePartial(Exception):
    """Raised by a stage that ran but met errors (recorded as partial, with its counts)."""

    def __init__(self, message: str, counts: dict):
        super().__init__(message)
        self.counts = counts


@dataclass
class SweepContext:
    config: Any
    run_id: int
    kind: str
    as_of: datetime  # effective: the replay date or the start time
    replay: bool
    collect: bool = False  # a replay that still crawls and ingests first (see run_sweep)
    results: dict[str, Any] = field(default_factory=dict)


Stage = tuple[str, Callable[[SweepContext], dict | None]]


# --------------------------------------------------------------------------- the lock
class SweepLock:
    """Cross-process lock: PostgreSQL advisory lock, or flock on a file beside the SQLite database."""

    def __init__(self, config):
        from sqlalchemy.engine import make_url

        self.config = config
        self.url = make_url(config.db_url)
        self._conn = None
        self._fh = None

    @property
    def lock_path(self) -> Path:
        database = self.url.database
        if database and database != ":memory:":
            return Path(database).with_name(Path(database).name + ".sweep-lock")
        return self.config.instance_path / "sweep.lock"

    def acquire(self) -> bool:
        if self.url.get_backend_name() == "postgresql":
            from sqlalchemy import text

            from monitor.db import get_engine

            conn = get_engine(self.config).connect()
            got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": PG_LOCK_KEY}).scalar()
            conn.commit()
            if not got and self._take_over_stale(conn):
                got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": PG_LOCK_KEY}).scalar()
                conn.commit()
            if not got:
                conn.close()
                return False
            self._conn = conn
            return True
        import fcntl

        path = self.lock_path
        path.parent.mkdir(parents=True, exist_ok=True)
        fh = open(path, "a+")
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.close()
            return False
        fh.seek(0)
        fh.truncate()
        fh.write(f"{os.getpid()}@{socket.gethostname()}\n")
        fh.flush()
        self._fh = fh
        return True

    def _take_over_stale(self, conn) -> bool:
        """PostgreSQL keeps a vanished client's session (and its lock) until TCP gives up: when the
        running sweep's heartbeat is older than ``sweep_stale_minutes``, end the holder's backend."""
        from sqlalchemy import text

        limit = utcnow() - timedelta(minutes=self.config.sweep_stale_minutes)
        beat = conn.execute(text("SELECT max(heartbeat_at) FROM sweeprun WHERE status = 'running'")).scalar()
        conn.commit()
        if beat is None or _aware(beat) >= limit:
            return False
        holders = conn.execute(text(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND classid = :hi AND objid = :lo AND objsubid = 1"),
            {"hi": PG_LOCK_KEY >> 32, "lo": PG_LOCK_KEY & 0xFFFFFFFF}).scalars().all()
        for pid in holders:
            log.warning("sweep lock held by backend %s with a stale heartbeat (%s): terminating it", pid, beat)
            conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
        conn.commit()
        deadline = time.monotonic() + 5
        while holders and time.monotonic() < deadline:  # termination is asynchronous
            still = conn.execute(text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                "AND classid = :hi AND objid = :lo"), {"hi": PG_LOCK_KEY >> 32, "lo": PG_LOCK_KEY & 0xFFFFFFFF}).scalar()
            conn.commit()
            if not still:
                break
            time.sleep(0.1)
        return bool(holders)

    def release(self) -> None:
        if self._conn is not None:
            from sqlalchemy import text

            try:
                self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": PG_LOCK_KEY})
                self._conn.commit()
            finally:
                self._conn.close()
                self._conn = None
        if self._fh is not None:
            import fcntl

            fcntl.flock(self._fh.fileno(), fcntl.LOCK_UN)
            self._fh.close()
            self._fh = None


def _pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _aware(value: datetime | None) -> datetime | None:
    return None if value is None else (value if value.tzinfo else value.replace(tzinfo=timezone.utc))


def describe_running(config) -> str:
    """One line about the sweep that holds the lock (for the busy error)."""
    from sqlmodel import select

    from monitor.db import session_scope

    deadline = time.monotonic() + 5
    while True:  # the holder records its run right after taking the lock: give it a moment
        with session_scope(config) as session:
            run = session.exec(select(SweepRun).where(SweepRun.status == SweepStatus.RUNNING.value)
                               .order_by(SweepRun.id.desc())).first()
        if run is not None or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    if run is None:
        return "another sweep is starting (lock held)"
    hb = _aware(run.heartbeat_at)
    stale = hb is not None and utcnow() - hb > timedelta(minutes=config.sweep_stale_minutes)
    return (f"sweep #{run.id} ({run.kind}, {run.trigger}) is already running: started "
            f"{_aware(run.started_at).isoformat(timespec='seconds') if run.started_at else '?'}, "
            f"pid {run.pid} on {run.host}, last heartbeat "
            f"{hb.isoformat(timespec='seconds') if hb else '?'}" + (" (stale: process hung?)" if stale else ""))


def _fail_orphans(session, current_id: int | None) -> list[int]:
    """Runs still marked running while we hold the lock lost their process: mark them failed."""
    from sqlmodel import select

    ids = []
    for run in session.exec(select(SweepRun).where(SweepRun.status == SweepStatus.RUNNING.value)):
        if run.id == current_id:
            continue
        here = run.host == socket.gethostname()
        why = ("process gone" if here and not _pid_alive(run.pid) else "lock released (process died)")
        run.status = SweepStatus.FAILED.value
        run.finished_at = utcnow()
        run.error = (f"{why}: pid {run.pid} on {run.host}, last heartbeat "
                     f"{_aware(run.heartbeat_at).isoformat(timespec='seconds') if run.heartbeat_at else 'never'}; "
                     f"marked failed by the next sweep")
        session.add(run)
        ids.append(run.id)
    return ids


# --------------------------------------------------------------------------- heartbeat
class _Heartbeat(threading.Thread):
    def __init__(self, config, run_id: int, seconds: float):
        super().__init__(name=f"sweep-{run_id}-heartbeat", daemon=True)
        self.config, self.run_id, self.seconds = config, run_id, seconds
        self.stop_event = threading.Event()

    def run(self) -> None:
        while not self.stop_event.wait(self.seconds):
            try:
                _touch(self.config, self.run_id)
            except Exception:  # noqa: BLE001 - a missed beat is not worth killing the sweep
                log.warning("sweep %s: heartbeat failed", self.run_id, exc_info=True)


def _touch(config, run_id: int, **changes) -> None:
    from monitor.db import session_scope

    with session_scope(config) as session:
        run = session.get(SweepRun, run_id)
        run.heartbeat_at = utcnow()
        for key, value in changes.items():
            setattr(run, key, value)
        session.add(run)


# --------------------------------------------------------------------------- stages
def _numeric_totals(summary: Any) -> dict[str, float]:
    """Sum numeric leaves by key name (a crawl summary is nested per source)."""
    totals: dict[str, float] = {}

    def walk(value, depth):
        if isinstance(value, dict) and depth < 4:
            for k, v in value.items():
                if isinstance(v, (int, float)) and not isinstance(v, bool):
                    totals[k] = totals.get(k, 0) + v
                else:
                    walk(v, depth + 1)
        elif isinstance(value, list) and depth < 4:
            for v in value:
                walk(v, depth + 1)

    walk(summary, 0)
    return {k: round(v, 3) for k, v in totals.items()}


def _crawl_counts(summary: dict) -> dict:
    totals = summary.get("totals") if isinstance(summary, dict) else None
    counts = dict(totals) if isinstance(totals, dict) and totals else _numeric_totals(summary)
    if isinstance(summary, dict):
        counts["sources"] = len(summary.get("sources") or [])
        if isinstance(summary.get("seconds"), (int, float)):
            counts["crawl_seconds"] = summary["seconds"]
        for key in ("accounts_linked", "events_linked", "controllers_stored"):  # done after the pages
            if isinstance(summary.get(key), int):
                counts[key] = summary[key]
        # The reasons, not only the totals: which source failed how (the first pages of each).
        errors = []
        for src in summary.get("sources") or []:
            if not isinstance(src, dict):
                continue
            for item in (src.get("errors_detail") or [])[:3] + (src.get("unreadable_detail") or [])[:3]:
                errors.append(f"source #{src.get('source_id')} {item.get('url')}: {item.get('reason')}")
            if src.get("stopped"):
                errors.append(f"source #{src.get('source_id')} {src.get('url')}: {src['stopped']}")
        if errors:
            counts["error_detail"] = errors[:MAX_STAGE_ERRORS]  # "errors" is the crawl's count
    return counts


def stage_crawl(ctx: SweepContext) -> dict:
    if ctx.replay and not ctx.collect:
        raise StageSkipped("replay: the crawl would fetch the present")
    if ctx.kind == "light":
        raise StageSkipped("light sweep: no crawl")
    from crawlers.run import crawl, crawl_failures

    summary = crawl(ctx.config, base_url=ctx.config.crawl_base_url or None)
    counts = _crawl_counts(summary)
    failures = crawl_failures(summary)
    if failures:
        raise StagePartial(failures, counts)
    return counts


def stage_ingest(ctx: SweepContext) -> dict:
    if ctx.replay and not ctx.collect:
        raise StageSkipped("replay: new files are not ingested")
    drop = ctx.config.drop_path
    if not drop.is_dir():
        raise StageSkipped(f"no drop folder {drop}")
    paths = sorted(p for p in drop.rglob("*") if p.is_file() and not p.name.startswith("."))
    if not paths:
        return {"files": 0}
    from monitor.ingest import ingest_paths

    results = ingest_paths(ctx.config, [drop])  # the folder: ingest walks it (and skips known files by sha256)
    counts: dict[str, Any] = {"files": len(paths)}
    for r in results:
        counts[f"status_{r.status}"] = counts.get(f"status_{r.status}", 0) + 1
        counts["rows_new"] = counts.get("rows_new", 0) + (r.rows_new or 0)
    errors = [f"{r.path}: {r.error}" for r in results if getattr(r, "error", None)]
    if errors:
        counts["errors"] = errors[:MAX_STAGE_ERRORS]
    failed = counts.get("status_failed", 0)
    if failed:
        raise StagePartial(f"{failed} of {len(results)} file(s) failed", counts)
    return counts


def store_findings(config, run_id: int, as_of: datetime, results: list) -> dict:
    """Store :class:`~monitor.findings.FindingResult` values as Finding rows of this sweep."""
    from sqlmodel import select

    from monitor.db import session_scope
    from monitor.models import Finding, Institution

    with session_scope(config) as session:
        ids = {i.uscc: i.id for i in session.exec(select(Institution))}
        unmatched = 0
        for r in results:
            inst_id = ids.get(r.institution_uscc) if r.institution_uscc else None
            unmatched += inst_id is None
            session.add(Finding(sweep_id=run_id, detector=r.detector[:64], kind=r.kind[:64], institution_id=inst_id,
                                severity=r.severity, score=float(r.score), title=r.title[:500],
                                evidence=r.evidence.to_dict(), window_start=r.window_start,
                                window_end=r.window_end, as_of=as_of, fingerprint=r.fingerprint))
    return {"findings": len(results), "unmatched_institution": unmatched}


def stage_detect(ctx: SweepContext) -> dict:
    if ctx.kind == "light":
        return _carry_over_detector_findings(ctx)
    from graphs.run import detect

    counts: dict[str, Any] = {"engine": ctx.config.get("engine", "local")}
    if ctx.config.get("sweep_compact") and not ctx.replay:
        from monitor.compaction import compact_store

        # Fewer, larger files before the graph stage reads them (see monitor compact).
        counts["compacted_files"] = sum(r.files_before - r.files_after for r in compact_store(ctx.config))
    try:
        results = list(detect(ctx.config, ctx.as_of))
    except Exception:
        # The stage is recorded as failed, but the sweep keeps the last known detector findings:
        # without them every score would drop and alerts would reopen on the next good sweep.
        try:
            carried = _carry_over_detector_findings(ctx)
            log.warning("sweep %s: detectors failed; %s detector findings of sweep #%s carried over",
                        ctx.run_id, carried["carried_over"], carried["from_sweep"])
        except StageSkipped:
            pass
        raise
    return {**counts, **store_findings(ctx.config, ctx.run_id, ctx.as_of, results)}


def _carry_over_detector_findings(ctx: SweepContext) -> dict:
    """Copy the detector findings of the latest earlier sweep whose detect stage succeeded.

    That sweep may have found nothing: then nothing is carried (older findings are not revived).
    """
    from sqlmodel import select

    from monitor.db import session_scope
    from monitor.models import Finding

    not_indicator = ~Finding.detector.startswith("indicator.")
    with session_scope(ctx.config) as session:
        source = None
        earlier = session.exec(select(SweepRun).where(SweepRun.id < ctx.run_id, SweepRun.finished_at.is_not(None))
                               .order_by(SweepRun.id.desc()))
        for run in earlier:
            if ((run.stages or {}).get("detect") or {}).get("status") == "ok":
                source = run.id
                break
        if source is None:
            raise StageSkipped("light sweep: no earlier sweep with detector findings to carry over")
        rows = list(session.exec(select(Finding).where(not_indicator, Finding.sweep_id == source)))
        for f in rows:
            session.add(Finding(sweep_id=ctx.run_id, detector=f.detector, kind=f.kind, institution_id=f.institution_id,
                                severity=f.severity, score=f.score, title=f.title, evidence=f.evidence,
                                window_start=f.window_start, window_end=f.window_end, as_of=f.as_of,
                                fingerprint=f.fingerprint))
    return {"carried_over": len(rows), "from_sweep": source}


def stage_indicators(ctx: SweepContext) -> dict:
    from monitor.indicators import run_indicators

    return store_findings(ctx.config, ctx.run_id, ctx.as_of, run_indicators(ctx.config, ctx.as_of))


def stage_scores(ctx: SweepContext) -> dict:
    from sqlmodel import select

    from monitor.db import session_scope
    from monitor.models import Finding
    from monitor.scoring import active_rules, store_scores

    with session_scope(ctx.config) as session:
        rules = active_rules(session)
        findings = list(session.exec(select(Finding).where(Finding.sweep_id == ctx.run_id)))
        scores = store_scores(session, findings, rules, ctx.as_of, ctx.run_id)
        bands: dict[str, int] = {}
        for s in scores:
            bands[s.band] = bands.get(s.band, 0) + 1
    return {"scores": len(scores), "rule_version": rules.version, **{f"band_{k}": v for k, v in sorted(bands.items())}}


def stage_alerts(ctx: SweepContext) -> dict:
    from monitor.alerts import raise_sweep_alerts
    from monitor.db import session_scope
    from monitor.scoring import active_rules

    with session_scope(ctx.config) as session:
        rules = active_rules(session)
        counts = raise_sweep_alerts(session, ctx.run_id, ctx.as_of, rules.thresholds.get("alert_severity", "high"))
        if not counts:
            raise StageSkipped("no scores in this sweep")
    return counts


def stage_coverage(ctx: SweepContext) -> dict:
    """A ``coverage_drop`` alert for each platform whose latest period covers fewer items than the one
    before (:mod:`monitor.coverage`); a drop already alerted is only seen again."""
    if ctx.replay:
        raise StageSkipped("replay: coverage is of the latest crawl, not of the replay date")
    from monitor.coverage import coverage, coverage_alerts
    from monitor.db import session_scope

    with session_scope(ctx.config) as session:
        reports = coverage(session)
        counts = coverage_alerts(session, reports, ctx.as_of)
    return {"institutions": len(reports), **counts}


DEFAULT_STAGES: tuple[Stage, ...] = (
    ("crawl", stage_crawl), ("ingest", stage_ingest), ("coverage", stage_coverage), ("detect", stage_detect),
    ("indicators", stage_indicators), ("scores", stage_scores), ("alerts", stage_alerts),
)


# --------------------------------------------------------------------------- the run
def queue_sweep(config, kind: str = "full", as_of: datetime | None = None, trigger: str = "cli",
                requested_by: str | None = None) -> SweepRun:
    """Record a queued request; the scheduler's poll job runs it."""
    from monitor.db import session_scope

    if kind not in KINDS:
        raise InputError(f"sweep kind {kind!r} is not one of: {', '.join(KINDS)}")
    with session_scope(config) as session:
        run = SweepRun(kind=kind, trigger=trigger, status=SweepStatus.QUEUED.value, as_of=as_of,
                       requested_by=requested_by, requested_at=utcnow())
        session.add(run)
        session.flush()
        return run


def claim_queued(config, run_id: int) -> bool:
    """Claim a queued run exactly once (conditional UPDATE ... WHERE status='queued')."""
    from sqlalchemy import update

    from monitor.db import session_scope

    now = utcnow()
    with session_scope(config) as session:
        result = session.execute(update(SweepRun).where(SweepRun.id == run_id,
                                                        SweepRun.status == SweepStatus.QUEUED.value)
                                 .values(status=SweepStatus.RUNNING.value, started_at=now, heartbeat_at=now,
                                         host=socket.gethostname(), pid=os.getpid()))
        return result.rowcount == 1


def next_queued(config) -> int | None:
    from sqlmodel import select

    from monitor.db import session_scope

    with session_scope(config) as session:
        return session.exec(select(SweepRun.id).where(SweepRun.status == SweepStatus.QUEUED.value)
                            .order_by(SweepRun.requested_at, SweepRun.id)).first()


def run_sweep(config, kind: str = "full", as_of: datetime | None = None, trigger: str = "cli", *,
              queued_id: int | None = None, stages: tuple[Stage, ...] | None = None,
              requested_by: str | None = None, heartbeat_seconds: float = HEARTBEAT_SECONDS,
              collect: bool = False) -> SweepRun | None:
    """Run one sweep and return its finished :class:`SweepRun`.

    A replay (``as_of``) skips crawl and ingest unless ``collect``: then it
    fetches and ingests the present first and still judges only what was
    available at ``as_of`` (every analysis filters ``available_at``), as a
    bureau does when it starts monitoring sources that have a past.

    Raises :class:`SweepBusyError` when another sweep runs. With
    ``queued_id``, runs that queued request (kind and as_of from the row)
    and returns ``None`` if someone else claimed it first. ``stages``
    replaces the default chain (tests use it to make a stage sleep).
    """
    from monitor.db import session_scope

    if kind not in KINDS:
        raise InputError(f"sweep kind {kind!r} is not one of: {', '.join(KINDS)}")
    lock = SweepLock(config)
    if not lock.acquire():
        raise SweepBusyError(describe_running(config))
    try:
        with session_scope(config) as session:
            orphans = _fail_orphans(session, None)
        for oid in orphans:
            log.warning("sweep #%s had lost its process: marked failed", oid)
        if queued_id is not None:
            if not claim_queued(config, queued_id):
                return None
            with session_scope(config) as session:
                run = session.get(SweepRun, queued_id)
                kind, as_of = run.kind, _aware(run.as_of)
        else:
            now = utcnow()
            with session_scope(config) as session:
                run = SweepRun(kind=kind, trigger=trigger, status=SweepStatus.RUNNING.value, as_of=_aware(as_of),
                               requested_at=now, requested_by=requested_by, started_at=now, heartbeat_at=now,
                               host=socket.gethostname(), pid=os.getpid())
                session.add(run)
                session.flush()
                queued_id = run.id
        return _execute(config, queued_id, kind, _aware(as_of), stages or DEFAULT_STAGES, heartbeat_seconds,
                        collect=collect)
    finally:
        lock.release()


def _execute(config, run_id: int, kind: str, as_of: datetime | None, stages, heartbeat_seconds: float,
             collect: bool = False) -> SweepRun:
    from monitor.db import session_scope

    with session_scope(config) as session:
        started = _aware(session.get(SweepRun, run_id).started_at)
    ctx = SweepContext(config=config, run_id=run_id, kind=kind, as_of=as_of or started, replay=as_of is not None,
                       collect=collect)
    beat = _Heartbeat(config, run_id, heartbeat_seconds)
    beat.start()
    record: dict[str, dict] = {}
    try:
        for name, fn in stages:
            t0 = time.monotonic()
            entry: dict[str, Any] = {"status": "running"}
            record[name] = entry
            _touch(config, run_id, stages=dict(record))
            try:
                counts = fn(ctx) or {}
                entry.update(status="ok", counts=counts)
            except StageSkipped as exc:
                entry.update(status="skipped", reason=str(exc))
            except StagePartial as exc:
                entry.update(status="partial", counts=exc.counts, error=str(exc)[:2000])
            except Exception as exc:  # noqa: BLE001 - a failing stage is recorded; the sweep goes on
                log.warning("sweep %s: stage %s failed: %s: %s", run_id, name, type(exc).__name__, exc)
                log.debug("sweep %s: stage %s", run_id, name, exc_info=True)
                entry.update(status="failed", error=f"{type(exc).__name__}: {exc}"[:2000],
                             traceback=traceback.format_exc(limit=5)[-4000:])
            entry["seconds"] = round(time.monotonic() - t0, 3)
            _touch(config, run_id, stages=dict(record))
        status = sweep_status([e["status"] for e in record.values()])
        failed = [n for n, e in record.items() if e["status"] == "failed"]
        partial = [n for n, e in record.items() if e["status"] == "partial"]
        error = "; ".join(([f"failed stages: {', '.join(failed)}"] if failed else [])
                          + ([f"partial stages: {', '.join(partial)}"] if partial else [])) or None
        _touch(config, run_id, stages=dict(record), status=status, finished_at=utcnow(), error=error)
    except BaseException as exc:
        _touch(config, run_id, stages=dict(record), status=SweepStatus.FAILED.value, finished_at=utcnow(),
               error=f"interrupted: {type(exc).__name__}: {exc}"[:2000])
        raise
    finally:
        beat.stop_event.set()
    with session_scope(config) as session:
        return session.get(SweepRun, run_id)


def sweep_status(stage_statuses: list[str]) -> str:
    """succeeded when no stage failed or was partial; failed when no stage got anywhere; else partial."""
    if "failed" not in stage_statuses and "partial" not in stage_statuses:
        return SweepStatus.SUCCEEDED.value
    if "ok" in stage_statuses or "partial" in stage_statuses:
        return SweepStatus.PARTIAL.value
    return SweepStatus.FAILED.value


# --------------------------------------------------------------------------- replay dates
def parse_as_of(value: str, tz: str) -> datetime:
    """``YYYY-MM-DD`` → the end of that day in the bureau's time zone, as aware UTC."""
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise InputError(f"--as-of {value!r}: expected a date YYYY-MM-DD") from None
    local = datetime.combine(day, dtime(23, 59, 59), tzinfo=ZoneInfo(tz))
    return local.astimezone(timezone.utc)
