"""Fixtures of the briefing tests: a seeded store, a request-counting local HTTP server, rendered PDFs."""

from __future__ import annotations

import shutil
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.conftest import make_config

TOOLS = ("pdftotext", "pdffonts", "pdftoppm", "pdfinfo")


def pdf_text(path: Path, layout: bool = True) -> str:
    args = ["pdftotext", *(["-layout"] if layout else []), str(path), "-"]
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def pdf_pages(path: Path) -> int:
    out = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    return int(next(line.split()[-1] for line in out.splitlines() if line.startswith("Pages:")))


class CountingServer:
    """A local HTTP server that counts every request it gets (the renderer must send none)."""

    def __init__(self):
        hits = self.hits = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's naming
                hits.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.end_headers()

            def log_message(self, *_args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="session")
def poppler():
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        pytest.fail(f"poppler-utils missing ({', '.join(missing)}): run scripts/install-system-packages.sh")


@pytest.fixture(scope="module")
def counting_server():
    server = CountingServer()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def seeded(tmp_path_factory, counting_server, poppler):
    """A SQLite store with six hand-built institutions (one carries hostile HTML) and its config."""
    from monitor.db import dispose_engines, init_db
    from tests.briefings.seed import seed_store

    tmp = tmp_path_factory.mktemp("briefings")
    config = make_config(tmp)
    init_db(config)
    info = seed_store(config, institutions=6, hostile_port=counting_server.port)
    yield config, info, tmp
    dispose_engines()


@pytest.fixture(scope="module")
def rendered(seeded, counting_server):
    """The week's city briefing, the red institution's dossier and the hostile institution's dossier."""
    from monitor.briefings import render_city, render_institution
    from tests.briefings.seed import WEEK_END, WEEK_START

    config, info, tmp = seeded
    out = {}
    out["city"] = (tmp / "city.pdf",) + render_city(config, WEEK_START, WEEK_END, out_path=tmp / "city.pdf")
    out["red"] = (tmp / "red.pdf",) + render_institution(config, info.red_id, out_path=tmp / "red.pdf")
    out["hostile"] = (tmp / "hostile.pdf",) + render_institution(config, info.hostile_id,
                                                                 out_path=tmp / "hostile.pdf")
    return out
