"""Run a crawl: load sources, start Scrapy in a child process, collect the summary.

Why a child process: Scrapy runs on the Twisted reactor, which can start only
once per process. :func:`crawl` therefore writes a job file and runs
``python -m crawlers.run JOB`` — the caller (CLI, sweep, tests) can crawl any
number of times, and a crash of the crawl cannot take the caller down. The
child prints ``PROGRESS {...}`` lines on stdout (fed to ``on_progress``) and
writes the summary to ``JOB.summary.json``. With the ``processes`` knob > 1
the source kinds are split over several children running side by side (one
Scrapy process is bound to one core).

Children die with their parent: each leads its own process group (the parent
ends the group when it leaves the crawl early), asks Linux for SIGTERM when
the parent dies (``PR_SET_PDEATHSIG``) and polls its parent pid besides (for
other systems, and because Linux sends that signal when the *thread* that
started the child ends). The job folder ``monitor-crawl-*`` names its owner
(pid and start time); a crawl removes the folders of owners that are gone.
"""

from __future__ import annotations

import csv
import difflib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Iterable
from urllib.parse import urljoin

from sqlmodel import select

from monitor.accounts import link_accounts
from monitor.config import SETTINGS, Config
from monitor.db import require_schema, session_scope
from monitor.errors import InputError, MonitorError
from monitor.jurisdictions import registered_in
from monitor.models import Document, Institution, Jurisdiction, Source, SourceKind, validate_uscc
from monitor.text import normalize_name

from crawlers.settings import FAST_OVERRIDES, KNOBS

_SETTING_NAMES = {s.name for s in SETTINGS}


def split_overrides(config: Config, overrides: dict | None) -> tuple[Config, dict]:
    """Apply configuration overrides; return (config, crawler knobs). Unknown keys raise InputError."""
    overrides = dict(overrides or {})
    knobs = dict(KNOBS)
    for key in list(overrides):
        if key in KNOBS:
            knobs[key] = int(overrides.pop(key))
        elif key not in _SETTING_NAMES:
            raise InputError(f"unknown crawl override {key!r} (settings: crawl_*; knobs: {', '.join(KNOBS)})")
    return (config.replace(**overrides) if overrides else config), knobs


# --------------------------------------------------------------------------- sources
def _city_jurisdiction(session, config: Config) -> Jurisdiction:
    j = session.exec(select(Jurisdiction).where(Jurisdiction.name == config.city)).first()
    if j is None:
        j = Jurisdiction(code=config.city[:32], name=config.city, level="city")
        session.add(j)
        session.flush()
    return j


def read_sources_csv(path: str | os.PathLike) -> list[dict]:
    """Rows of a sources file (``institution_name,uscc,kind,url``), validated; errors name file and line."""
    path = Path(path)
    try:
        fh = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise InputError(f"{path}: cannot read sources file: {exc.strerror}") from None
    rows = []
    with fh:
        reader = csv.DictReader(fh)
        missing = {"kind", "url"} - set(reader.fieldnames or [])
        if missing:
            raise InputError(f"{path}:1: sources file lacks column(s) {', '.join(sorted(missing))}")
        for line, row in enumerate(reader, start=2):
            kind = (row.get("kind") or "").strip()
            url = (row.get("url") or "").strip()
            if kind not in {k.value for k in SourceKind}:
                raise InputError(f"{path}:{line}: kind {kind!r} is not one of "
                                 f"{', '.join(k.value for k in SourceKind)}")
            if not url:
                raise InputError(f"{path}:{line}: empty url")
            uscc = (row.get("uscc") or "").strip()
            if uscc:
                try:
                    uscc = validate_uscc(uscc)
                except InputError as exc:
                    raise InputError(f"{path}:{line}: {exc}") from None
            rows.append({"name": (row.get("institution_name") or "").strip(), "uscc": uscc or None,
                         "kind": kind, "url": url})
    return rows


def load_sources(config: Config, rows: Iterable[dict]) -> int:
    """Add sources (and their institutions, by USCC) that the store lacks; return how many were added."""
    added = 0
    with session_scope(config) as s:
        jurisdiction = None
        institutions = {i.uscc: i for i in s.exec(select(Institution))}
        existing = {(k, u) for k, u in s.exec(select(Source.kind, Source.url))}
        for row in rows:
            inst = None
            if row["uscc"]:
                inst = institutions.get(row["uscc"])
                if inst is None:
                    jurisdiction = jurisdiction or _city_jurisdiction(s, config)
                    name = row["name"] or row["uscc"]
                    # the district of its registered address when the store has it, else the city
                    home = registered_in(s, row["uscc"], jurisdiction)
                    inst = Institution(name=name, name_norm=normalize_name(name), uscc=row["uscc"], kind="p2p",
                                       jurisdiction_id=home.id,
                                       website=row["url"] if row["kind"] == "disclosure" else None)
                    s.add(inst)
                    s.flush()
                    institutions[row["uscc"]] = inst
            if (row["kind"], row["url"]) in existing:
                continue
            s.add(Source(kind=row["kind"], url=row["url"], institution_id=inst.id if inst else None))
            existing.add((row["kind"], row["url"]))
            added += 1
    return added


def _resolve(url: str, base_url: str | None, source_id: int) -> str:
    if url.startswith(("http://", "https://")):
        return url
    if not base_url:
        raise InputError(f"source {source_id} has the relative URL {url!r}: give --base-url")
    return urljoin(base_url.rstrip("/") + "/", url.lstrip("/"))


def _job_sources(config: Config, base_url: str | None, kinds: list[str] | None) -> list[dict]:
    with session_scope(config) as s:
        q = select(Source, Institution).join(Institution, Source.institution_id == Institution.id, isouter=True)
        rows = s.exec(q.where(Source.active == True)).all()  # noqa: E712 - SQL expression
        out = []
        for src, inst in rows:
            if kinds and src.kind not in kinds:
                continue
            out.append({"source_id": src.id, "kind": src.kind, "url": src.url,
                        "abs_url": _resolve(src.url, base_url, src.id),
                        "institution_id": inst.id if inst else None, "institution": inst.name if inst else None})
    return sorted(out, key=lambda r: r["source_id"])


# --------------------------------------------------------------------------- the crawl
def crawl(config: Config, sources_csv: str | os.PathLike | None = None, base_url: str | None = None,
          kinds: list[str] | None = None, overrides: dict | None = None, progress: bool = False,
          on_progress: Callable[[dict], None] | None = None, fast: bool = False,
          clock: datetime | None = None) -> dict[str, Any]:
    """Crawl the known sources (plus those of ``sources_csv``) and return a JSON-able summary.

    ``overrides``: configuration settings (``crawl_delay`` ...) and crawler knobs
    (:data:`crawlers.settings.KNOBS`); ``fast`` applies :data:`FAST_OVERRIDES`
    first (localhost). ``on_progress`` receives ``{"progress": totals, "seconds"}``
    about twice a second. ``clock``: the moment the crawl starts as recorded in the store (fetch times run
    on from it; a replay crawling a city served as of a past date), default now.
    """
    merged = {**(FAST_OVERRIDES if fast else {}), **(overrides or {})}
    config, knobs = split_overrides(config, merged)
    for kind in kinds or []:
        if kind not in {k.value for k in SourceKind}:
            raise InputError(f"unknown source kind {kind!r}")
    require_schema(config)
    remove_stale_job_dirs()  # of crawls whose process died
    loaded = load_sources(config, read_sources_csv(sources_csv)) if sources_csv else 0
    sources = _job_sources(config, base_url, kinds)
    started = datetime.now(timezone.utc)
    offset = (clock - started).total_seconds() if clock is not None else 0.0
    started = clock or started
    if not sources:
        return {"started_at": started.isoformat(), "sources_loaded": loaded, "seconds": 0.0,
                "totals": {}, "sources": [], "note": "no active sources to crawl"}
    groups = partition_by_kind(sources, int(knobs.get("processes", 1)))
    with _JobDir() as tmp:
        latest: dict[int, dict] = {}
        lock = threading.Lock()

        def report(index: int, line: dict) -> None:
            # Several children: the caller sees the sum of their latest totals.
            with lock:
                latest[index] = line
                totals: dict[str, int] = {}
                for entry in latest.values():
                    for k, v in entry["progress"].items():
                        totals[k] = totals.get(k, 0) + v
                seconds = max(e["seconds"] for e in latest.values())
            on_progress({"progress": totals, "seconds": seconds})

        children = []
        try:
            for i, group in enumerate(groups):
                children.append(_start_child(Path(tmp), i, config, group, knobs, bool(progress or on_progress),
                                             offset))
            readers = [threading.Thread(target=_read_progress, args=(i, proc, report if on_progress else None),
                                        daemon=True) for i, (proc, _job, _log) in enumerate(children)]
            for t in readers:
                t.start()
            for t in readers:
                t.join()
            parts = []
            for proc, job, log_path in children:
                proc.wait()
                summary_path = job.with_suffix(".summary.json")
                if proc.returncode != 0 or not summary_path.exists():
                    tail = log_path.read_text(errors="replace").strip().splitlines()[-5:]
                    raise MonitorError(f"crawl process failed (exit {proc.returncode}): {' | '.join(tail)[-500:]}")
                parts.append(json.loads(summary_path.read_text()))
        finally:
            _end_children([proc for proc, _job, _log in children])
    summary = _merge(parts)
    from crawlers.pipelines import relink_events, store_about

    # Controllers the platforms' pages state, now that the registry process has stored the firms.
    summary["controllers_stored"] = store_about(config, [a for part in parts for a in part.get("about", [])])
    summary.update(started_at=started.isoformat(), sources_loaded=loaded, lost_pages=lost_pages(summary))
    _record_sources(config, summary, datetime.now(timezone.utc) + timedelta(seconds=offset))
    # Firms the crawl (or the sources file) made known: accounts ingested before them get linked.
    summary["accounts_linked"] = link_accounts(config)
    # Brands the platforms' pages stated in this crawl (another process): complaints and news named by them.
    summary["events_linked"] = relink_events(config, since=started)
    return summary


def lost_pages(summary: dict) -> list[dict]:
    """Pages the crawl could not read after its retries (not those the site answered 404/410: gone), by URL.
    They are fetched again by the next crawl (a failed page is never recorded as known)."""
    return [{"url": e["url"], "reason": e["reason"]} for src in summary.get("sources") or []
            for e in src.get("errors_detail") or [] if not str(e.get("reason", "")).startswith(("HTTP 404", "HTTP 410"))]


def crawl_failures(summary: dict) -> str | None:
    """What failed in a crawl (page errors, sources stopped, the first lost pages by URL), as one line;
    ``None`` when nothing did."""
    errors = int((summary.get("totals") or {}).get("errors") or 0)
    stopped = [src for src in summary.get("sources") or [] if src.get("stopped")]
    if not errors and not stopped:
        return None
    lost = summary.get("lost_pages") if "lost_pages" in summary else lost_pages(summary)
    parts = [f"{errors} page error(s)"] if errors else []
    parts += [f"{len(stopped)} source(s) stopped"] if stopped else []
    parts += [f"lost: {' '.join(p['url'] for p in lost[:5])}{' …' if len(lost) > 5 else ''}"] if lost else []
    return ", ".join(parts)


# --------------------------------------------------------------------------- child processes and their folders
JOB_DIR_PREFIX = "monitor-crawl-"
OWNER_FILE = "owner"
OWNERLESS_DIR_HOURS = 6  # a folder without an owner file (being created, or older code) is left alone this long


def _start_time(pid: int) -> str:
    """The process's start time in clock ticks since boot ("" where /proc is missing): pid plus start
    time names a process even after its pid is reused."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    return stat.rsplit(")", 1)[1].split()[19]


def _owner_alive(owner: str) -> bool:
    parts = owner.split()
    if not parts or not parts[0].isdigit():
        return False
    pid = int(parts[0])
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return len(parts) < 2 or not parts[1] or _start_time(pid) in ("", parts[1])


class _JobDir:
    """A ``monitor-crawl-*`` temporary folder naming its owner; removed when the crawl ends."""

    def __enter__(self) -> str:
        self.path = tempfile.mkdtemp(prefix=JOB_DIR_PREFIX)
        Path(self.path, OWNER_FILE).write_text(f"{os.getpid()} {_start_time(os.getpid())}\n")
        return self.path

    def __exit__(self, *exc) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


def remove_stale_job_dirs(root: str | None = None) -> list[str]:
    """Remove the ``monitor-crawl-*`` folders whose owner process is gone; return their paths."""
    removed = []
    base = Path(root or tempfile.gettempdir())
    for path in base.glob(JOB_DIR_PREFIX + "*"):
        try:
            owner = (path / OWNER_FILE).read_text()
        except FileNotFoundError:
            try:
                if time.time() - path.stat().st_mtime < OWNERLESS_DIR_HOURS * 3600:
                    continue
            except OSError:
                continue
            owner = ""
        except OSError:
            continue
        if not _owner_alive(owner):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(str(path))
    return removed


def _end_children(procs: list, grace: float = 5.0) -> None:
    """End the process groups of children still running (the crawl is left early: error, interrupt)."""
    running = [p for p in procs if p.poll() is None]
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for p in running:
            try:
                os.killpg(p.pid, sig)
            except (ProcessLookupError, PermissionError):
                pass
        deadline = time.monotonic() + grace
        for p in running:
            try:
                p.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        running = [p for p in running if p.poll() is None]
        if not running:
            return


def _die_with_parent(parent_pid: int, poll_seconds: float = 0.5) -> None:
    """In the child: end when the parent ends (PR_SET_PDEATHSIG on Linux, and a parent-pid poll)."""
    if sys.platform.startswith("linux"):
        import ctypes

        PR_SET_PDEATHSIG = 1
        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
        except (OSError, AttributeError):
            pass

    def orphaned() -> bool:
        return os.getppid() != parent_pid

    if orphaned():  # the parent died before the signal was asked for
        os._exit(1)

    def watch() -> None:
        while not orphaned():
            time.sleep(poll_seconds)
        # Scrapy turns SIGTERM into a graceful stop that still writes: end now (with our group, if we lead it).
        if os.getpgrp() == os.getpid():
            os.killpg(os.getpid(), signal.SIGKILL)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def partition_by_kind(sources: list[dict], n: int) -> list[list[dict]]:
    """Split sources into at most ``n`` groups of whole source kinds (kinds write disjoint rows, so their
    processes never contend for the same facts, entities or events); the biggest kinds are spread first."""
    by_kind: dict[str, list[dict]] = {}
    for src in sources:
        by_kind.setdefault(src["kind"], []).append(src)
    weight = {"disclosure": 3, "registry": 2}  # pages per source, roughly
    groups: list[list[dict]] = [[] for _ in range(max(1, min(n, len(by_kind))))]
    load = [0] * len(groups)
    for kind, members in sorted(by_kind.items(), key=lambda kv: -len(kv[1]) * weight.get(kv[0], 1)):
        i = load.index(min(load))
        groups[i].extend(members)
        load[i] += len(members) * weight.get(kind, 1)
    return [g for g in groups if g]


def _start_child(tmp: Path, index: int, config: Config, sources: list[dict], knobs: dict, progress: bool,
                 clock_offset: float = 0.0):
    job = tmp / f"job{index}.json"
    job.write_text(json.dumps({"config": dict(config), "origins": {k: config.origin(k) for k in config},
                               "sources": sources, "knobs": knobs, "progress": progress,
                               "parent_pid": os.getpid(), "clock_offset": clock_offset}, ensure_ascii=False))
    log_path = tmp / f"crawl{index}.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "crawlers.run", str(job)], stdout=subprocess.PIPE,
                                stderr=log, text=True, cwd=os.getcwd(), process_group=0,
                                env={**os.environ, "PYTHONPATH": _pythonpath()})
    return proc, job, log_path


def _read_progress(index: int, proc, report) -> None:
    for line in proc.stdout:
        if line.startswith("PROGRESS ") and report is not None:
            try:
                report(index, json.loads(line[9:]))
            except ValueError:
                pass


def _merge(parts: list[dict]) -> dict:
    totals: dict[str, int] = {}
    for part in parts:
        for k, v in part["totals"].items():
            totals[k] = totals.get(k, 0) + v
    sources = sorted((src for part in parts for src in part["sources"]), key=lambda x: x["source_id"])
    return {"seconds": max(p["seconds"] for p in parts), "processes": len(parts), "totals": totals,
            "sources": sources}


def _pythonpath() -> str:
    root = str(Path(__file__).resolve().parent.parent)
    current = os.environ.get("PYTHONPATH")
    return root + (os.pathsep + current if current else "")


def _record_sources(config: Config, summary: dict, now: datetime) -> None:
    with session_scope(config) as s:
        for entry in summary["sources"]:
            src = s.get(Source, entry["source_id"])
            if src is None:
                continue
            src.last_crawled_at = now
            status = entry.get("stopped") or (f"{entry['errors']} errors" if entry["errors"] else "ok")
            src.last_status = f"{status}; {entry['pages']} pages, {entry['unreadable']} unreadable"[:200]


# --------------------------------------------------------------------------- evidence
def load_body(config: Config, doc: Document) -> bytes | None:
    """The stored body of a document (from the row or the evidence folder)."""
    if doc.body is not None:
        return bytes(doc.body)
    if doc.body_path:
        path = Path(config.evidence_path) / doc.body_path
        return path.read_bytes() if path.exists() else None
    return None


def document_diff(config: Config, document_id: int) -> str:
    """Unified diff of a document version's decoded text against its previous version ('' if none)."""
    from crawlers.extract.encoding import decode_body

    with session_scope(config) as s:
        doc = s.get(Document, document_id)
        if doc is None:
            raise InputError(f"no document {document_id}")
        prev = s.get(Document, doc.previous_id) if doc.previous_id else None
        while prev is not None and prev.parse_status == "unchanged" and prev.previous_id:
            prev = s.get(Document, prev.previous_id)
        new_body = load_body(config, doc) or b""
        old_body = load_body(config, prev) or b"" if prev is not None else b""
        new_text = decode_body(new_body, doc.content_type)[0]
        old_text = decode_body(old_body, prev.content_type if prev else None)[0] if old_body else ""
    return "".join(difflib.unified_diff(old_text.splitlines(keepends=True), new_text.splitlines(keepends=True),
                                        fromfile=f"{doc.url} v{prev.version if prev else 0}",
                                        tofile=f"{doc.url} v{doc.version}"))


# --------------------------------------------------------------------------- child process
def _known_docs(config: Config) -> dict:
    from crawlers.state import KnownDoc

    known: dict[str, KnownDoc] = {}
    with session_scope(config) as s:
        q = (select(Document.url, Document.id, Document.sha256, Document.version, Document.etag,
                    Document.last_modified)
             .where(Document.parse_status != "unchanged", Document.http_status < 400)
             .order_by(Document.id))
        for url, id_, sha, version, etag, lm in s.exec(q):
            known[url] = KnownDoc(id_, sha, version, etag, lm)
    return known


def _child(job_path: str) -> int:
    job = json.loads(Path(job_path).read_text())
    if job.get("parent_pid"):  # before Scrapy's imports: a parent that dies meanwhile is noticed at once
        _die_with_parent(int(job["parent_pid"]))

    import logging

    from scrapy.crawler import CrawlerProcess

    from crawlers.settings import scrapy_settings
    from crawlers.spiders import SPIDERS
    from crawlers.state import CrawlState

    config = Config(job["config"], job["origins"])
    state = CrawlState(job["sources"], _known_docs(config), job["knobs"], int(config.crawl_max_errors_per_source),
                       progress=job["progress"])

    def loader(known):
        with session_scope(config) as s:
            doc = s.get(Document, known.doc_id)
            return load_body(config, doc) if doc else None

    settings = scrapy_settings(config, job["knobs"])
    state.config = config
    state.clock_offset = float(job.get("clock_offset") or 0.0)
    process = CrawlerProcess(settings)
    logging.getLogger("scrapy").setLevel(logging.WARNING)
    by_kind: dict[str, list] = {}
    for src in job["sources"]:
        by_kind.setdefault(src["kind"], []).append(src)
    for kind, sources in by_kind.items():
        process.crawl(SPIDERS[kind], sources=sources, state=state, loader=loader)
    process.start()
    state.tick(force=True)
    Path(job_path).with_suffix(".summary.json").write_text(json.dumps(state.summary(), ensure_ascii=False,
                                                                      default=str))
    return 0


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1]))
