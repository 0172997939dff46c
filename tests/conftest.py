"""Shared fixtures: configurations on SQLite (default) and on the local PostgreSQL; a Spark session.

PostgreSQL tests get a fresh database each (created on the server named by
``MONITOR_TEST_PG_URL``, default the local ``test`` database) and drop it
afterwards, so runs never collide. Outside CI an unreachable server skips
them with the reason; under ``CI=true`` it is a failure.
"""

from __future__ import annotations

import os
import uuid

import pytest

from monitor.config import load_config
from monitor.db import dispose_engines

PG_ADMIN_URL = os.environ.get("MONITOR_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def make_config(tmp_path, **overrides):
    """A configuration rooted in ``tmp_path`` (no environment or file involved)."""
    env = {"MONITOR_INSTANCE_DIR": str(tmp_path / "instance")}
    env.update({f"MONITOR_{k.upper()}": str(v) for k, v in overrides.items()})
    return load_config(env=env)


def _pg_admin():
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(PG_ADMIN_URL)
    try:
        conn = psycopg.connect(host=url.host, port=url.port or 5432, user=url.username,
                               password=url.password, dbname=url.database, autocommit=True,
                               connect_timeout=3)
    except psycopg.OperationalError as exc:
        reason = f"PostgreSQL at {url.host}:{url.port} unreachable: {str(exc).strip().splitlines()[0]}"
        if os.environ.get("CI") == "true":
            pytest.fail(reason + " (CI=true: PostgreSQL tests must run)")
        pytest.skip(reason)
    return conn, url


@pytest.fixture
def pg_url():
    """URL of a fresh, empty PostgreSQL database, dropped after the test."""
    conn, url = _pg_admin()
    name = f"monitor_test_{uuid.uuid4().hex[:12]}"
    conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        dispose_engines()
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.close()


def _spark_missing() -> str | None:
    """Why the Spark engine cannot start here, or ``None``."""
    import importlib.util
    import shutil

    if importlib.util.find_spec("pyspark") is None:
        return "PySpark missing: pip install '.[spark]' (make spark)"
    if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
        return "Java runtime missing: scripts/install-system-packages.sh spark (openjdk-17-jre-headless)"
    return None


def pytest_collection_modifyitems(config, items):
    """Under pytest-xdist (``make test``: ``-n 2 --dist loadgroup``) the Spark tests share one worker, so one
    JVM starts, not one per worker."""
    for item in items:
        if item.get_closest_marker("spark"):
            item.add_marker(pytest.mark.xdist_group("spark"))


@pytest.fixture(scope="session")
def spark(tmp_path_factory):
    """One Spark session (master local[2]) shared by the tests marked spark; stopped at the end.

    Outside CI a missing PySpark or Java skips them with the reason; under ``CI=true`` it is a failure.
    """
    reason = _spark_missing()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(reason + " (CI=true: Spark tests must run)")
        pytest.skip(reason)
    from graphs.engines.spark import spark_session

    # Two shuffle partitions: a small city needs no more, and each costs a Python worker.
    session = spark_session(make_config(tmp_path_factory.mktemp("spark"), spark_master="local[2]",
                                        spark_shuffle_partitions=2))
    yield session
    session.stop()


@pytest.fixture
def config(tmp_path):
    """Configuration on an embedded SQLite store in ``tmp_path``."""
    cfg = make_config(tmp_path)
    yield cfg
    dispose_engines()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def any_config(request, tmp_path):
    """The same test on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        cfg = make_config(tmp_path)
    else:
        cfg = make_config(tmp_path, database_url=request.getfixturevalue("pg_url"))
    yield cfg
    dispose_engines()


@pytest.fixture
def store(any_config):
    """An initialised store (schema at head) on SQLite and PostgreSQL."""
    from monitor.db import init_db

    init_db(any_config)
    return any_config


@pytest.fixture
def sqlite_store(config):
    """An initialised store on SQLite only (fast)."""
    from monitor.db import init_db

    init_db(config)
    return config


def uscc_for(n: int, region: str = "440300") -> str:
    """A valid USCC built from a number (for tests)."""
    from stdnum.cn import uscc

    body = f"91{region}{n:09d}"[:17]
    return body + uscc.calc_check_digit(body)


# --------------------------------------------------------------------------- the simulated city
# Generated once per test session; seeds here are the tests' own. Checks of
# generalisation use seeds the code never saw (see tests of evaluate).
SMALL_CITY = dict(seed=11, platforms=14, months=12)


@pytest.fixture(scope="session")
def small_city(tmp_path_factory):
    """A small simulated city (folder with www/, sources.csv, transfers/, truth.json)."""
    from monitor.sim import generate_city

    out = tmp_path_factory.mktemp("city") / "small"
    generate_city(out, **SMALL_CITY)
    return out


@pytest.fixture(scope="session")
def served_small_city(small_city):
    """``small_city`` served over real HTTP on 127.0.0.1 (a random free port)."""
    from monitor.sim.serve import start_server

    server = start_server(small_city / "www", port=0)
    yield server
    server.stop()
