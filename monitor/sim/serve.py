"""Serve a simulated city's ``www`` folder over real HTTP, with optional injected faults.

``start_server`` runs a threaded server in a daemon thread (for tests and the
demo); ``monitor serve-sim`` runs it in the foreground until Ctrl-C/SIGTERM.
Content types carry the page's own charset (from ``_manifest.json``, else
sniffed from its ``<meta>``); a page that declares none is sent as plain
``text/html`` so that clients must detect the encoding themselves.
"""

from __future__ import annotations

import fnmatch
import json
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urljoin, urlsplit

from monitor.errors import InputError

_META = re.compile(rb"""<meta[^>]+charset=["']?([A-Za-z0-9_\-]+)""", re.I)
_TYPES = {".html": "text/html", ".htm": "text/html", ".txt": "text/plain", ".csv": "text/csv",
          ".json": "application/json", ".css": "text/css", ".js": "application/javascript"}
HIDDEN = ("/_manifest.json",)


@dataclass
class Faults:
    """Faults to inject, by glob pattern on the URL path (``fnmatch``, e.g. ``/p/*/xxpl/*``).

    slow_paths: pattern -> seconds to wait before answering.
    error_paths: pattern -> HTTP status to answer instead of the page.
    truncate_paths: patterns whose body is cut in half (Content-Length announces the whole).
    redirect_loop_paths: patterns answered with 302 redirects that never end.
    huge_paths: patterns answered with a body of ``huge_bytes`` bytes.
    """

    slow_paths: dict[str, float] = field(default_factory=dict)
    error_paths: dict[str, int] = field(default_factory=dict)
    truncate_paths: tuple[str, ...] = ()
    redirect_loop_paths: tuple[str, ...] = ()
    huge_paths: tuple[str, ...] = ()
    huge_bytes: int = 50 * 1024 * 1024

    @staticmethod
    def match(path: str, patterns) -> str | None:
        for pat in patterns:
            if fnmatch.fnmatchcase(path, pat):
                return pat
        return None


class Server:
    """A running simulated web: ``base_url``, ``port``, ``stop()``."""

    def __init__(self, httpd: ThreadingHTTPServer, thread: threading.Thread):
        self._httpd = httpd
        self._thread = thread
        self.host, self.port = httpd.server_address[:2]
        self.base_url = f"http://{self.host}:{self.port}"

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> "Server":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def _load_manifest(root: Path) -> dict:
    path = root / "_manifest.json"
    if not path.is_file():
        return {"pages": {}, "sites": {}}
    return json.loads(path.read_text(encoding="utf-8"))


def make_handler(root: Path, faults: Faults | None, as_of: date | None):
    manifest = _load_manifest(root)
    pages = manifest.get("pages", {})
    down = [(info["prefix"], date.fromisoformat(info["down_from"]))
            for info in manifest.get("sites", {}).values() if info.get("down_from")]
    # As of a day, lists and home pages link only what was published by then.
    later = {p for p, info in pages.items() if as_of is not None and date.fromisoformat(info["published"]) > as_of}
    faults = faults or Faults()
    root = root.resolve()

    class Handler(BaseHTTPRequestHandler):
        server_version = "SimCity/1.0"
        protocol_version = "HTTP/1.1"
        # Keep-alive responses written in pieces otherwise wait ~40 ms for a delayed ACK (Nagle).
        disable_nagle_algorithm = True

        def log_message(self, fmt, *args):  # quiet: tests and the demo do not want access logs
            pass

        def do_HEAD(self):
            self._serve(head=True)

        def do_GET(self):
            self._serve(head=False)

        def _send(self, status: int, body: bytes, ctype: str = "text/html; charset=utf-8", head=False,
                  extra: dict | None = None, declared_length: int | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(declared_length if declared_length is not None else len(body)))
            for k, v in (extra or {}).items():
                self.send_header(k, v)
            self.end_headers()
            if not head:
                self.wfile.write(body)

        def _error(self, status: int, head: bool) -> None:
            text = {404: "Not Found", 500: "Internal Server Error", 503: "Service Unavailable"}.get(status, "Error")
            body = (f"<html><head><meta charset=\"utf-8\"><title>{status}</title></head>"
                    f"<body><h1>{status} {text}</h1></body></html>")
            self._send(status, body.encode(), head=head)

        def _serve(self, head: bool) -> None:
            parts = urlsplit(self.path)
            path = unquote(parts.path) or "/"
            pat = faults.match(path, faults.slow_paths)
            if pat:
                time.sleep(float(faults.slow_paths[pat]))
            pat = faults.match(path, faults.error_paths)
            if pat:
                return self._error(int(faults.error_paths[pat]), head)
            if faults.match(path, faults.redirect_loop_paths):
                n = int(parse_qs(parts.query).get("loop", ["0"])[0]) + 1
                target = f"{parts.path}?loop={n % 2}"  # A -> A?loop=1 -> A?loop=0 -> ...
                return self._send(302, b"", head=head, extra={"Location": target})
            if faults.match(path, faults.huge_paths):
                return self._huge(head)
            if path in HIDDEN:
                return self._error(404, head)
            file = (root / path.lstrip("/")).resolve()
            if file != root and root not in file.parents:
                return self._error(404, head)
            if file.is_dir():
                if not path.endswith("/"):
                    return self._send(301, b"", head=head, extra={"Location": path + "/"})
                file = file / "index.html"
                path = path + "index.html"
            if not file.is_file():
                return self._error(404, head)
            if as_of is not None:
                info = pages.get(path)
                if info and date.fromisoformat(info["published"]) > as_of:
                    return self._error(404, head)
                if any(path.startswith(prefix) and as_of >= d for prefix, d in down):
                    return self._error(503, head)
            body = file.read_bytes()
            ctype = _TYPES.get(file.suffix.lower(), "application/octet-stream")
            if ctype.startswith("text/") or ctype == "application/json":
                charset = _charset(pages.get(path), body, ctype)
                if charset:
                    ctype = f"{ctype}; charset={charset}"
            if later and ctype.startswith("text/html"):
                body = _hide_links(body, path, later)
            if faults.match(path, faults.truncate_paths):
                cut = body[: max(1, len(body) // 2)]
                self._send(200, cut, ctype, head, declared_length=len(body))
                self.close_connection = True
                return
            self._send(200, body, ctype, head)

        def _huge(self, head: bool) -> None:
            total = faults.huge_bytes
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(total))
            self.end_headers()
            if head:
                return
            block = (b"<p>" + b"x" * 1017 + b"</p>\n") * 64  # 64 KiB
            sent = 0
            try:
                while sent < total:
                    n = min(len(block), total - sent)
                    self.wfile.write(block[:n])
                    sent += n
            except (BrokenPipeError, ConnectionResetError):
                pass

    return Handler


_ANCHOR = re.compile(rb"""<a\s[^>]*?href=["']([^"']+)["'][^>]*>.*?</a>""", re.I | re.S)


def _hide_links(body: bytes, path: str, hidden: set[str]) -> bytes:
    """``body`` without the anchors that point at a page of ``hidden`` (server paths)."""
    def keep(m: re.Match) -> bytes:
        target = unquote(urlsplit(urljoin(path, m.group(1).decode("latin-1"))).path)
        if target.endswith("/"):
            target += "index.html"
        return b"" if target in hidden else m.group(0)

    return _ANCHOR.sub(keep, body)


def _charset(info: dict | None, body: bytes, ctype: str) -> str | None:
    if info is not None:
        return info.get("charset")
    if ctype == "text/html":
        m = _META.search(body[:2048])
        return m.group(1).decode("ascii").lower() if m else None
    return "utf-8"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # crawlers open many connections at once; the default backlog of 5 drops them


def start_server(www_dir, *, host: str = "127.0.0.1", port: int = 0, faults: Faults | None = None,
                 as_of: date | None = None) -> Server:
    """Serve ``www_dir`` in a daemon thread; return the running :class:`Server`."""
    root = Path(www_dir)
    if not root.is_dir():
        raise InputError(f"{root}: not a folder (expected a simulated city's www folder)")
    try:
        httpd = _Server((host, port), make_handler(root, faults, as_of))
    except OSError as exc:
        raise InputError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    thread = threading.Thread(target=httpd.serve_forever, name="sim-web", daemon=True)
    thread.start()
    return Server(httpd, thread)
