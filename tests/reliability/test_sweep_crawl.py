"""A sweep's crawl: its child processes die with it, its folder is cleaned up, its errors make it partial."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlmodel import select

from crawlers.run import JOB_DIR_PREFIX, OWNER_FILE, load_sources, remove_stale_job_dirs
from monitor.cli import main
from monitor.db import session_scope
from monitor.models import Source
from tests.conftest import uscc_for
from tests.test_sweep import _env

ROOT = Path(__file__).resolve().parents[2]
FAST_ENV = {"MONITOR_CRAWL_DELAY": "0", "MONITOR_CRAWL_OBEY_ROBOTS": "false", "MONITOR_CRAWL_RETRIES": "0",
            "MONITOR_CRAWL_TIMEOUT": "5"}

# A sweep of the crawl stage alone, in its own process.
CRAWL_SWEEP = r"""
from monitor.config import load_config
from monitor.sweep import DEFAULT_STAGES, run_sweep

run = run_sweep(load_config(), stages=tuple(s for s in DEFAULT_STAGES if s[0] == "crawl"))
print("done", run.id, run.status, flush=True)
"""


class _Site(BaseHTTPRequestHandler):
    """A disclosure index of many slow pages (a crawl of minutes), and a page that fails."""

    requests = 0

    def log_message(self, *args):
        pass

    def do_GET(self):
        type(self).requests += 1
        if self.path.startswith("/slow/index"):
            body = "".join(f'<a href="/slow/{n}.html">{n}</a>' for n in range(500))
        elif self.path.startswith("/slow/"):
            time.sleep(0.3)
            body = "<p>2018年6月 借贷余额：1亿元</p>"
        elif self.path.startswith("/ok/index"):
            body = '<a href="/ok/2018-06.html">6月</a><a href="/ok/e500.html">x</a>'
        elif self.path.startswith("/ok/2018-06"):
            body = "<p>2018年6月 借贷余额：1亿元</p>"
        else:
            self.send_error(500, "boom")
            return
        data = body.encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def site():
    handler = type("Site", (_Site,), {"requests": 0})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield handler, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _children_of(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` and that run the crawl (a /proc scan)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid and b"crawlers.run" in cmdline:
            found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")  # a zombie has ended; only its exit status waits for a reaper


def _wait(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out after {timeout} s waiting for {what}"
        time.sleep(0.05)


def _settled(read, quiet: float, timeout: float, what: str):
    """``read()`` once it has not changed for ``quiet`` seconds (requests sent before a kill may still be
    in the server's queue); fails if it keeps changing for ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    value, since = read(), time.monotonic()
    while time.monotonic() - since < quiet:
        assert time.monotonic() < deadline, f"{what} still changing after {timeout} s"
        time.sleep(0.05)
        if (now := read()) != value:
            value, since = now, time.monotonic()
    return value


def _job_dirs_of(pid: int, root: Path) -> list[Path]:
    dirs = []
    for path in root.glob(JOB_DIR_PREFIX + "*"):
        try:
            if (path / OWNER_FILE).read_text().split()[0] == str(pid):
                dirs.append(path)
        except (OSError, IndexError):
            pass
    return dirs


@pytest.mark.slow
def test_killed_sweep_takes_its_crawler_along(store, site, tmp_path, monkeypatch):
    handler, base = site
    load_sources(store, [{"name": "慢站", "uscc": uscc_for(7), "kind": "disclosure", "url": f"{base}/slow/index.html"}])
    # A temporary folder of the test's own: other crawls on this machine clean up dead owners' folders too.
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    sweep = subprocess.Popen([sys.executable, "-c", CRAWL_SWEEP], env={**_env(store), **FAST_ENV, "TMPDIR": str(tmp)},
                             cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    children: list[int] = []
    try:
        children = _wait(lambda: _children_of(sweep.pid), 60, "the crawl's child process")
        _wait(lambda: handler.requests >= 5, 60, "the crawler to fetch pages")
        job_dirs = _job_dirs_of(sweep.pid, tmp)
        assert len(job_dirs) == 1
        os.kill(sweep.pid, signal.SIGKILL)
        sweep.wait(timeout=10)
        _wait(lambda: not any(_alive(pid) for pid in children), 5, f"crawler processes {children} to end")
        # A crawler still fetching would keep the count rising (500 slow pages): this fails then.
        seen = _settled(lambda: handler.requests, 2.0, 30, "requests to the slow site")
        assert job_dirs[0].exists()  # nobody removed it: its owner died
    finally:
        if sweep.poll() is None:
            sweep.kill()
            sweep.wait()
        for pid in children:  # a crawler that outlived the test's assertions
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
    # The next crawl removes the dead sweep's folder (here a crawl with nothing to fetch).
    with session_scope(store) as s:
        for src in s.exec(select(Source)):
            src.active = False
            s.add(src)
    assert main_with_env(store, ["crawl", "--json"]) == 0
    assert not job_dirs[0].exists()
    assert handler.requests == seen  # nothing fetched the slow site after its crawler ended


def main_with_env(config, args: list[str]) -> int:
    saved = {k: v for k, v in os.environ.items() if k.startswith("MONITOR_")}
    try:
        for key in saved:
            del os.environ[key]
        os.environ["MONITOR_INSTANCE_DIR"] = str(config.instance_path)
        if config.database_url:
            os.environ["MONITOR_DATABASE_URL"] = config.database_url
        os.environ.update(FAST_ENV)
        return main(args)
    finally:
        for key in [k for k in os.environ if k.startswith("MONITOR_")]:
            del os.environ[key]
        os.environ.update(saved)


def test_stale_job_folders_are_removed_only_when_their_owner_is_gone(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True).stdout.strip()
    gone, mine, ownerless = (tmp_path / f"{JOB_DIR_PREFIX}{n}" for n in ("gone", "mine", "new"))
    for path in (gone, mine, ownerless):
        path.mkdir()
    (gone / OWNER_FILE).write_text(f"{dead} 1\n")
    (mine / OWNER_FILE).write_text(f"{os.getpid()} {Path(f'/proc/{os.getpid()}/stat').read_text().rsplit(')', 1)[1].split()[19]}\n")
    assert remove_stale_job_dirs(str(tmp_path)) == [str(gone)]
    assert mine.exists() and ownerless.exists() and not gone.exists()


@pytest.mark.slow
def test_crawl_with_errors_is_a_partial_stage_and_the_sweep_exits_1(store, site, capsys):
    _handler, base = site
    load_sources(store, [{"name": "站", "uscc": uscc_for(8), "kind": "disclosure", "url": f"{base}/ok/index.html"}])
    code = main_with_env(store, ["sweep"])
    out, err = capsys.readouterr()
    assert code == 1, out + err
    assert "crawl partial" in err and "partial" in out
    from monitor.models import SweepRun

    with session_scope(store) as s:
        run = s.exec(select(SweepRun)).one()
    crawl = run.stages["crawl"]
    assert run.status == "partial" and crawl["status"] == "partial"
    assert crawl["counts"]["errors"] >= 1 and "page error" in crawl["error"]
    assert "partial stages: crawl" in run.error
    # monitor crawl alone: the same failure is exit 1
    assert main_with_env(store, ["crawl", "--json"]) == 1


@pytest.mark.slow
def test_interrupted_crawl_ends_its_children_and_folder(sqlite_store, site, tmp_path):
    """Children lead their own process group (the terminal's Ctrl-C does not reach them): the interrupted
    parent ends them itself and removes its folder."""
    handler, base = site
    load_sources(sqlite_store, [{"name": "慢站", "uscc": uscc_for(9), "kind": "disclosure",
                                 "url": f"{base}/slow/index.html"}])
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    environ = {**_env(sqlite_store), **FAST_ENV, "TMPDIR": str(tmp)}
    crawl = subprocess.Popen([str(ROOT / ".venv" / "bin" / "monitor"), "crawl", "--json"], env=environ, cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    children: list[int] = []
    try:
        children = _wait(lambda: _children_of(crawl.pid), 60, "the crawl's child process")
        _wait(lambda: handler.requests >= 5, 60, "the crawler to fetch pages")
        assert all(os.getpgid(pid) == pid for pid in children)  # each leads its own group
        crawl.send_signal(signal.SIGINT)
        _out, err = crawl.communicate(timeout=30)
        assert crawl.returncode == 130, err
        assert not any(_alive(pid) for pid in children)
        assert list(tmp.glob(JOB_DIR_PREFIX + "*")) == []
    finally:
        if crawl.poll() is None:
            crawl.kill()
            crawl.wait()
        for pid in children:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
