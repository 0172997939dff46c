"""The `monitor` command as an operator runs it: real processes, exit codes, one-line errors."""

import json
import os
import subprocess
import sys

import pytest


def run(args, tmp_path, **env):
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    environ["MONITOR_INSTANCE_DIR"] = str(tmp_path / "instance")
    environ.update(env)
    return subprocess.run([sys.executable, "-m", "monitor", *args], capture_output=True, text=True,
                          env=environ, cwd=tmp_path, timeout=120)


def assert_one_line_error(result, *fragments):
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def test_init_db_then_status(tmp_path):
    r = run(["init-db"], tmp_path)
    assert r.returncode == 0, r.stderr
    assert "schema revision" in r.stdout
    r = run(["status", "--json"], tmp_path)
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    assert info["revision"] == info["head"]
    assert info["tables"]["institution"] == 0


def test_status_before_init_db_says_what_to_do(tmp_path):
    assert_one_line_error(run(["status"], tmp_path), "monitor init-db")


def test_config_show_lists_every_setting_with_origin(tmp_path):
    r = run(["config", "show", "--json"], tmp_path, MONITOR_CRAWL_DELAY="0.1")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["crawl_delay"] == {"value": 0.1, "origin": "environment"}
    assert data["city"]["origin"] == "default"


def test_bad_config_key_is_one_line(tmp_path):
    (tmp_path / "bad.toml").write_text("no_such_key = 1\n")
    assert_one_line_error(run(["--config", "bad.toml", "config", "show"], tmp_path), "no_such_key")
    assert_one_line_error(run(["status"], tmp_path, MONITOR_DATABSE_URL="x"), "MONITOR_DATABSE_URL")


def test_unreachable_database_is_one_line(tmp_path):
    r = run(["init-db"], tmp_path, MONITOR_DATABASE_URL="postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert_one_line_error(r, "cannot reach database", "127.0.0.1:1")


def test_nonsense_database_url_is_one_line(tmp_path):
    assert_one_line_error(run(["init-db"], tmp_path, MONITOR_DATABASE_URL="not a url"), "not a valid")


@pytest.mark.postgres
def test_init_db_on_postgresql(tmp_path, pg_url):
    r = run(["init-db"], tmp_path, MONITOR_DATABASE_URL=pg_url)
    assert r.returncode == 0, r.stderr
    assert "postgresql" in r.stdout
    r = run(["status", "--json"], tmp_path, MONITOR_DATABASE_URL=pg_url)
    status = json.loads(r.stdout)
    assert status["revision"] == status["head"] and status["revision"] is not None
