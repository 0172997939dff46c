"""The default install and the demo's path need neither PySpark nor a Java runtime."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_the_default_install_lists_neither_pyspark_nor_java():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = [re.split(r"[<>=!~;\[ ]", d, maxsplit=1)[0].lower() for d in project["dependencies"]]
    assert names and not {"pyspark", "py4j"} & set(names)
    assert any(d.startswith("pyspark") for d in project["optional-dependencies"]["spark"])
    # scripts/install-system-packages.sh without an argument installs the lines before the first section.
    default = (ROOT / "scripts" / "system-packages.txt").read_text().split("\n[", 1)[0]
    packages = [line.split()[0] for line in default.splitlines() if line.strip() and not line.startswith("#")]
    assert packages and not [p for p in packages if "jre" in p or "jdk" in p or "java" in p]
    # make demo depends on setup only; make spark is the one that installs the extra and the JRE.
    targets = dict(re.findall(r"^([\w-]+):(.*)$", (ROOT / "Makefile").read_text(), re.M))
    assert "spark" not in targets["demo"].split() and "spark" not in targets["setup"].split()


# Run in a child: an import hook that refuses PySpark and Py4J (as when the extra is not installed) and
# records any attempt; a ``java`` on PATH that records being run; JAVA_HOME and SPARK_HOME unset.
DEMO_SWEEP = textwrap.dedent("""
    import json, sys
    from importlib.abc import MetaPathFinder

    tried = []

    class NoSpark(MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in ("pyspark", "py4j"):
                tried.append(name)
                raise ImportError(f"No module named {name!r} (not installed)")
            return None

    sys.meta_path.insert(0, NoSpark())
    from monitor.cli import main
    from monitor.sim.serve import start_server

    city, as_of, out = sys.argv[1:4]
    server = start_server(city + "/www", port=0)
    import os
    os.environ["MONITOR_CRAWL_BASE_URL"] = server.base_url
    try:
        codes = [main(["init-db"]), main(["sweep", "--as-of", as_of, "--collect"])]
    finally:
        server.stop()
    from sqlmodel import select
    from monitor.config import load_config
    from monitor.db import session_scope
    from monitor.models import Finding, SweepRun
    with session_scope(load_config()) as s:
        run = s.exec(select(SweepRun).order_by(SweepRun.id.desc())).first()
        detect = dict(run.stages["detect"])
        findings = len(s.exec(select(Finding)).all())
    json.dump({"codes": codes, "tried": tried, "detect": detect, "findings": findings,
               "loaded": sorted(m for m in sys.modules if m.split(".")[0] in ("pyspark", "py4j"))},
              open(out, "w"), default=str)
""")


@pytest.mark.slow
def test_the_demos_sweep_runs_without_pyspark_or_java(small_city, tmp_path):
    """``make demo``'s first sweep (crawl, ingest, both graph phases) with the default engine."""
    truth = json.loads((small_city / "truth.json").read_text())
    year, month = map(int, truth["start"].split("-")[:2])
    year, month = divmod(year * 12 + month - 1 + int(truth["months"]), 12)
    as_of = f"{year:04d}-{month + 1:02d}-05"  # five days after the city's last month, as demo.sh sweeps
    shims = tmp_path / "bin"
    shims.mkdir()
    ran = tmp_path / "java-ran"
    (shims / "java").write_text(f"#!/bin/sh\necho \"$@\" >> {ran}\nexit 127\n")
    (shims / "java").chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k not in ("JAVA_HOME", "SPARK_HOME", "PYSPARK_SUBMIT_ARGS")}
    env.update(PATH=f"{shims}{os.pathsep}{env.get('PATH', '')}", MONITOR_INSTANCE_DIR=str(tmp_path / "instance"),
               MONITOR_DROP_DIR=str(small_city / "transfers"), MONITOR_CRAWL_DELAY="0",
               MONITOR_CRAWL_AUTOTHROTTLE="false", MONITOR_CRAWL_CONCURRENCY_PER_HOST="16",
               MONITOR_ENGINE="local", PYTHONPATH=str(ROOT))
    out = tmp_path / "out.json"
    done = subprocess.run([sys.executable, "-c", DEMO_SWEEP, str(small_city), as_of, str(out)], env=env,
                          cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(out.read_text())
    assert result["codes"] == [0, 0], done.stdout[-3000:]
    assert result["detect"]["status"] == "ok" and result["detect"]["counts"]["engine"] == "local"
    assert result["findings"] > 0
    assert result["tried"] == [] and result["loaded"] == []
    assert not ran.exists(), ran.read_text()
