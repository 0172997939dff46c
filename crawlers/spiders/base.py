"""The walking, evidence and incremental logic every spider shares.

A spider starts from its sources' URLs and follows links that stay under the
start URL's folder on the same host (a platform's ``/p/<slug>/``, the
registry's ``/registry/``...), bounded in depth and pages per source. Every
response becomes a ``page`` item (the pipeline stores it as a ``Document``);
unchanged bodies (same sha256 as the URL's latest version, or HTTP 304 on a
conditional GET) are not parsed again, but their links are still followed so
new pages beneath them are found.
"""

from __future__ import annotations

import hashlib
import logging
import re
from urllib.parse import urlsplit

import scrapy

from crawlers import PARSER_VERSION
from crawlers.extract.encoding import decode_body
from crawlers.extract.html import clean, links, parse_html
from crawlers.settings import HANDLED_STATUSES

log = logging.getLogger(__name__)


def folder_prefix(url: str) -> str:
    """``http://h/p/slug/index.html`` → ``http://h/p/slug/``; the registry and boards use their top folder."""
    parts = urlsplit(url)
    path = parts.path or "/"
    folder = path if path.endswith("/") else path.rsplit("/", 1)[0] + "/"
    return f"{parts.scheme}://{parts.netloc}{folder}"


_PAGER_TEXT = re.compile(r"^(?:\d{1,4}|下一页|上一页|下页|上页|首页|末页|尾页|更多|next|prev|previous|»|«|>|<|>>|<<)$", re.I)
_PAGER_URL = re.compile(r"(?:[?&](?:page|p|pn|pageno)=\d+|(?:list|index|page)[_-]\d+\.html?$)", re.I)


def is_pagination(url: str, text: str) -> bool:
    """A link to another page of the same list (by its text or its URL)."""
    return bool(_PAGER_TEXT.match(text.strip())) or bool(_PAGER_URL.search(url))


def page_links(tree, base_url: str) -> list[tuple[str, str]]:
    """Links of a parsed page (scripts removed first; navigation kept: it leads to the archive)."""
    return links(clean(tree, chrome=False), base_url)


class SourceSpider(scrapy.Spider):
    """Base spider: subclasses set ``name`` and implement :meth:`extract`."""

    name = "base"
    handle_httpstatus_list = HANDLED_STATUSES
    parser_name = "base"
    # Scope of the walk: None = the start URL's folder; N = the first N path segments of the start URL
    # (the registry's company pages start deep, /registry/company/X.html, but link across /registry/).
    scope_segments: int | None = None

    def __init__(self, sources: list[dict], state, loader=None, **kwargs):
        super().__init__(**kwargs)
        self.sources = sources
        self.state = state
        self.loader = loader  # callable(KnownDoc) -> bytes | None: stored body for 304 replies

    async def start(self):
        for src in self.sources:
            yield self.request(src["abs_url"], src, depth=0, prefix=self.scope(src["abs_url"]))

    # Scrapy < 2.13 compatibility.
    def start_requests(self):
        for src in self.sources:
            yield self.request(src["abs_url"], src, depth=0, prefix=self.scope(src["abs_url"]))

    def scope(self, url: str) -> str:
        prefix = folder_prefix(url)
        if self.scope_segments is not None:
            parts = urlsplit(prefix)
            segments = [p for p in parts.path.split("/") if p][: self.scope_segments]
            prefix = f"{parts.scheme}://{parts.netloc}/" + "".join(f"{p}/" for p in segments)
        return prefix

    def request(self, url: str, src: dict, depth: int, prefix: str, **meta) -> scrapy.Request:
        headers = {}
        known = self.state.known.get(url)
        if known is not None:
            if known.etag:
                headers["If-None-Match"] = known.etag
            if known.last_modified:
                headers["If-Modified-Since"] = known.last_modified
        return scrapy.Request(url, callback=self.parse, errback=self.failed, headers=headers,
                              meta={"source": src, "source_id": src["source_id"], "depth_": depth,
                                    "prefix": prefix, **meta})

    # ------------------------------------------------------------------ responses
    def parse(self, response, **kwargs):
        src = response.meta["source"]
        sid = src["source_id"]
        if sid in self.state.abandoned:
            return
        url = (response.meta.get("redirect_urls") or [response.url])[0]
        headers = response.headers
        content_type = (headers.get(b"Content-Type") or b"").decode("latin-1") or None
        page = {
            "type": "page", "source_id": sid, "institution_id": src.get("institution_id"), "kind": self.name,
            "url": url, "final_url": response.url, "http_status": response.status,
            "fetched_at": self.state.now(), "content_type": content_type,
            "etag": (headers.get(b"ETag") or b"").decode("latin-1") or None,
            "last_modified": (headers.get(b"Last-Modified") or b"").decode("latin-1") or None,
            "truncated": "dataloss" in (response.flags or []), "parser": self.parser_name,
            "parser_version": PARSER_VERSION, "records": {},
        }
        known = self.state.known.get(url)
        body = response.body
        if response.status == 304 and known is not None:
            page.update(sha256=known.sha256, body=None, size=0, parse_status="unchanged", known=known)
            self.state.page(sid, unchanged=True)
            yield page
            stored = self.loader(known) if self.loader else None
            if stored:
                text, _enc, _ok = decode_body(stored, content_type)
                yield from self.follow(response, src, page_links(parse_html(text), response.url))
            return
        if response.status >= 400:
            reason = f"HTTP {response.status}"
            page.update(sha256=hashlib.sha256(body).hexdigest(), body=body, size=len(body),
                        parse_status="error", parse_error=reason)
            self.state.page(sid)
            self.state.error(sid, url, reason)
            yield page
            return
        sha = hashlib.sha256(body).hexdigest()
        text, encoding, clean_decode = decode_body(body, content_type)
        page.update(sha256=sha, body=body, size=len(body), encoding=encoding)
        tree = parse_html(text)
        found = page_links(tree, response.url)  # before extraction, which may prune the tree
        if known is not None and known.sha256 == sha:
            page.update(body=None, parse_status="unchanged", known=known)
            self.state.page(sid, unchanged=True)
            yield page
            yield from self.follow(response, src, found)
            return
        page["known"] = known
        self.state.page(sid)
        try:
            outcome = self.extract(response, text, src, tree)
        except Exception as exc:  # noqa: BLE001 - a parser bug must not stop the crawl; it is recorded
            log.exception("parser %s failed on %s", self.parser_name, url)
            outcome = {"status": "error", "error": f"{type(exc).__name__}: {exc}"}
        status = outcome.get("status", "ok")
        if page["truncated"]:
            # A figure cut in the middle ("2,29") would be wrong, not missing: keep nothing from the page.
            status, outcome["error"], outcome["records"] = "error", "body cut off (data loss); nothing kept", {}
        if not clean_decode and status == "ok":
            outcome["error"] = f"invalid bytes for {encoding} were replaced"
        page.update(parse_status=status, parse_error=outcome.get("error"),
                    published_at=outcome.get("published_at"), records=outcome.get("records", {}))
        if status == "unreadable":
            self.state.unreadable(sid, url, outcome.get("error") or "unreadable")
        elif status == "error":
            self.state.error(sid, url, outcome.get("error") or "parse error")
        yield page
        yield from self.follow(response, src, found)

    def follow(self, response, src: dict, found: list[tuple[str, str]]):
        """Requests for the links ``found`` on a page that stay in scope and within the bounds."""
        depth = response.meta["depth_"] + 1
        stats = self.state.stats(src["source_id"])
        prefix = response.meta["prefix"]
        for url, text in found:
            if not url.startswith(prefix) or not self.wanted(url):
                continue
            # Pagination (下一页, 2, list_3.html) walks an archive sideways: it does not count as depth.
            link_depth = depth - 1 if is_pagination(url, text) else depth
            if link_depth > self.state.knobs["max_depth"]:
                continue
            if stats.pages >= self.state.knobs["max_pages_per_source"]:
                if src["source_id"] not in self.state.abandoned:
                    stats.stopped = f"page budget of {self.state.knobs['max_pages_per_source']} reached"
                    self.state.abandoned[src["source_id"]] = stats.stopped
                return
            yield self.request(url, src, link_depth, prefix)

    def wanted(self, url: str) -> bool:
        """Whether a same-site link is worth fetching (subclasses skip images, downloads...)."""
        path = urlsplit(url).path.lower()
        return not path.endswith((".png", ".jpg", ".jpeg", ".gif", ".css", ".js", ".pdf", ".zip", ".ico",
                                  ".svg", ".woff", ".woff2", ".xls", ".xlsx", ".doc", ".docx"))

    def failed(self, failure):
        request = failure.request
        src = request.meta["source"]
        sid = src["source_id"]
        response = getattr(failure.value, "response", None)
        reason = failure.getErrorMessage() or type(failure.value).__name__
        name = type(failure.value).__name__
        if sid in self.state.abandoned:
            return  # the source was stopped: what was already queued is not counted or kept
        if "maxsize" in reason.lower() or "larger than download max size" in reason.lower():
            reason = f"body larger than {self.settings.getint('DOWNLOAD_MAXSIZE')} bytes: {reason}"
        reason = f"{name}: {reason}"
        self.state.page(sid)
        self.state.error(sid, request.url, reason)
        yield {"type": "page", "source_id": sid, "institution_id": src.get("institution_id"), "kind": self.name,
               "url": request.url, "final_url": response.url if response is not None else None,
               "http_status": response.status if response is not None else None,
               "fetched_at": self.state.now(), "content_type": None, "etag": None,
               "last_modified": None, "truncated": "larger than" in reason, "parser": self.parser_name,
               "parser_version": PARSER_VERSION, "sha256": hashlib.sha256(b"").hexdigest(), "body": None,
               "size": 0, "parse_status": "error", "parse_error": reason[:1000], "records": {}, "known": None}

    def extract(self, response, text: str, src: dict, tree=None) -> dict:
        """Parse one page (``tree``: the parsed ``text``, scripts removed; extractors may prune it): ``{"status": ok|unreadable|error|skipped, "error", "published_at", "records"}``."""
        raise NotImplementedError
