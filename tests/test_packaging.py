"""The wheel is the product: built from a copy of the tree, installed into a fresh virtualenv outside
the repository, it renders the portal's login page (templates, static files, catalogues) and a PDF
briefing (briefing templates, migrations) without the repository."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
VENDOR = "monitor/portal/static/vendor"


def _run(cmd, **kw) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, capture_output=True, text=True, **kw)
    assert proc.returncode == 0, f"{cmd} exited {proc.returncode}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


def _tree_packages() -> set[str]:
    """Every package of the source tree (a folder with __init__.py under monitor, crawlers, graphs)."""
    return {str(p.parent.relative_to(REPO)).replace(os.sep, ".")
            for top in ("monitor", "crawlers", "graphs") for p in (REPO / top).rglob("__init__.py")
            if "__pycache__" not in p.parts}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """Build the wheel from a copy of the working tree (tracked and new files, plus the vendored
    front-end libraries) with catalogues compiled as `make portal-assets` does."""
    src = tmp_path_factory.mktemp("src")
    listed = _run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO).stdout
    for rel in filter(None, listed.split("\0")):
        if (REPO / rel).is_file():
            (src / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / rel, src / rel)
    vendored = sorted((REPO / VENDOR).glob("*.js"))
    assert vendored, f"{VENDOR} holds no libraries: run `make portal-assets`"
    shutil.copytree(REPO / VENDOR, src / VENDOR)
    _run([sys.executable, "-m", "babel.messages.frontend", "compile", "-f", "-d", str(src / "monitor/translations")])
    out = tmp_path_factory.mktemp("dist")
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(src)],
         cwd=out)
    (built,) = out.glob("city_risk_monitor-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> tuple[Path, dict]:
    """A virtualenv outside the repository with only the wheel installed; the dependencies come from
    this environment's site-packages through a .pth file (which does not process the editable install's
    own .pth, so the repository stays out of sys.path)."""
    venv = tmp_path_factory.mktemp("venv")
    _run([getattr(sys, "_base_executable", sys.executable), "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    purelib = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    (purelib / "zz_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    _run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--force-reinstall", str(wheel)])
    work = tmp_path_factory.mktemp("work")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "MONITOR_"))}
    env.update(MONITOR_INSTANCE_DIR=str(work / "instance"), PATH=f"{venv / 'bin'}:{env.get('PATH', '')}")
    return venv, dict(env=env, cwd=work)


def test_wheel_carries_every_package_and_data_file(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = sorted(p for p in _tree_packages() if f"{p.replace('.', '/')}/__init__.py" not in names)
    assert not missing, f"packages missing from the wheel (list them in pyproject's [tool.setuptools]): {missing}"
    expected = [f"monitor/templates/{p.relative_to(REPO / 'templates')}" for p in (REPO / "templates").rglob("*")
                if p.is_file()]
    expected += [f"monitor/migrations/versions/{p.name}" for p in (REPO / "monitor/migrations/versions").glob("*.py")]
    expected += [f"monitor/portal/static/{p.relative_to(REPO / 'monitor/portal/static')}"
                 for p in (REPO / "monitor/portal/static").rglob("*") if p.is_file() and not p.name.startswith(".")]
    expected += [f"monitor/translations/{lang}/LC_MESSAGES/messages.mo" for lang in ("zh_Hans_CN", "en")]
    assert expected and not [n for n in expected if n not in names]


def test_installed_wheel_renders_the_portal_and_a_briefing(installed):
    venv, run = installed
    _run([str(venv / "bin/monitor"), "init-db"], **run)  # the migrations
    probe = _run([str(venv / "bin/python"), "-c", """
import json, monitor, monitor.portal
from monitor.config import load_config
from monitor.portal import create_app
client = create_app(load_config()).test_client()
pages = {}
for lang in ("zh_CN", "en"):
    with client.session_transaction() as session:
        session["lang"] = lang
    pages[lang] = client.get("/login").get_data(as_text=True)
zh, en = pages["zh_CN"], pages["en"]
js = client.get("/static/vendor/echarts.min.js")
print(json.dumps({"module": monitor.__file__, "templates": str(monitor.portal.TEMPLATES),
                  "zh": zh, "en": en, "js": [js.status_code, len(js.data)]}))
"""], **run)
    import json

    seen = json.loads(probe.stdout.strip().splitlines()[-1])
    assert Path(seen["module"]).is_relative_to(venv), seen["module"]
    assert Path(seen["templates"]) == Path(seen["module"]).parent / "templates"
    assert "<form" in seen["en"] and 'name="password"' in seen["en"]
    assert "<h1>登录</h1>" in seen["zh"] and "<h1>Sign in</h1>" in seen["en"]  # the compiled catalogues
    assert seen["js"][0] == 200 and seen["js"][1] > 100_000

    pdf = run["cwd"] / "city.pdf"
    _run([str(venv / "bin/monitor"), "brief", "city", "--period", "2018-01-01..2018-01-07", "--out", str(pdf)], **run)
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 5_000
