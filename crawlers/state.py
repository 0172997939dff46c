"""What one crawl process knows and counts: per-source statistics, latest document versions, progress."""

from __future__ import annotations

import json
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

MAX_LISTED = 50  # errors/unreadable pages listed per source in the summary (all are counted)


@dataclass
class KnownDoc:
    """The latest stored content version of a URL."""

    doc_id: int
    sha256: str
    version: int
    etag: str | None = None
    last_modified: str | None = None


@dataclass
class SourceStats:
    source_id: int
    kind: str
    url: str
    institution: str | None = None
    institution_id: int | None = None
    pages: int = 0
    unchanged: int = 0
    items: int = 0
    facts: int = 0
    relations: int = 0
    companies: int = 0
    events: int = 0
    errors: int = 0
    unreadable: int = 0
    error_list: list[dict] = field(default_factory=list)
    unreadable_list: list[dict] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    last: float = field(default_factory=time.monotonic)
    stopped: str | None = None

    def summary(self) -> dict[str, Any]:
        d = asdict(self)
        d["seconds"] = round(self.last - self.started, 3)
        d["errors_detail"] = d.pop("error_list")
        d["unreadable_detail"] = d.pop("unreadable_list")
        del d["started"], d["last"]
        return d


class CrawlState:
    """Shared by the spiders, the middleware and the pipeline of one crawl process."""

    def __init__(self, sources: list[dict], known: dict[str, KnownDoc], knobs: dict, max_errors: int,
                 progress: bool = False):
        self.sources = {s["source_id"]: SourceStats(s["source_id"], s["kind"], s["url"], s.get("institution"),
                                                    s.get("institution_id"))
                        for s in sources}
        self.known = known
        self.knobs = knobs
        self.max_errors = max_errors
        self.abandoned: dict[int, str] = {}
        self.related: dict[int, int] = {}  # registry pages of related firms followed, per source
        self.progress = progress
        self._last_progress = 0.0
        self.started = time.monotonic()
        self.clock_offset = 0.0  # seconds added to the wall clock for fetch times (a replay crawling "as of" a date)
        self.config = None  # the monitor Config (set by the runner; not a Scrapy setting: it is not copyable)
        self.about: list[dict] = []  # controllers read off platforms' own pages, stored by the parent

    def now(self) -> datetime:
        """The fetch time recorded for a page: aware UTC now, shifted by ``clock_offset``."""
        return datetime.now(timezone.utc) + timedelta(seconds=self.clock_offset)

    def stats(self, source_id: int) -> SourceStats:
        return self.sources[source_id]

    def error(self, source_id: int, url: str, reason: str) -> None:
        s = self.sources[source_id]
        s.errors += 1
        s.last = time.monotonic()
        if len(s.error_list) < MAX_LISTED:
            s.error_list.append({"url": url, "reason": reason[:300]})
        if s.errors >= self.max_errors and source_id not in self.abandoned:
            reason = f"stopped after {s.errors} errors"
            self.abandoned[source_id] = reason
            s.stopped = reason
        self.tick()

    def unreadable(self, source_id: int, url: str, reason: str) -> None:
        s = self.sources[source_id]
        s.unreadable += 1
        if len(s.unreadable_list) < MAX_LISTED:
            s.unreadable_list.append({"institution": s.institution, "url": url, "reason": reason[:300]})

    def page(self, source_id: int, unchanged: bool = False) -> None:
        s = self.sources[source_id]
        s.pages += 1
        s.unchanged += int(unchanged)
        s.last = time.monotonic()
        self.tick()

    def totals(self) -> dict[str, int]:
        keys = ("pages", "unchanged", "items", "facts", "relations", "companies", "events", "errors", "unreadable")
        return {k: sum(getattr(s, k) for s in self.sources.values()) for k in keys}

    def tick(self, force: bool = False) -> None:
        """Emit a progress line on stdout (read by the parent process) at most twice a second."""
        if not self.progress:
            return
        now = time.monotonic()
        if force or now - self._last_progress >= 0.5:
            self._last_progress = now
            line = {"progress": self.totals(), "seconds": round(now - self.started, 1)}
            sys.stdout.write("PROGRESS " + json.dumps(line) + "\n")
            sys.stdout.flush()

    def summary(self) -> dict[str, Any]:
        return {"seconds": round(time.monotonic() - self.started, 3), "totals": self.totals(),
                "sources": [s.summary() for s in self.sources.values()], "about": self.about}
