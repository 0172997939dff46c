"""`monitor scan FILE`: flow detectors on a hand-made bank statement, nothing stored."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys

from tests.graphs.builders import converging_platform, Platform


def write_statement(path, platform, header=("交易流水号", "交易时间", "交易金额", "付款账号", "付款户名", "付款方证件号",
                                            "收款账号", "收款户名", "收款方证件号", "摘要"), encoding="utf-8"):
    with open(path, "w", newline="", encoding=encoding) as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for n, e in enumerate(platform.edges):
            payer, payee = platform.accounts.get(e["src"], {}), platform.accounts.get(e["dst"], {})
            w.writerow([f"T{n:07d}", e["first"].replace("T", " "), f"{e['amount']:,.2f}", e["src"],
                        payer.get("holder_name", ""), payer.get("holder_id") or "", e["dst"],
                        payee.get("holder_name", ""), payee.get("holder_id") or "",
                        (e["purposes"] or [""])[0]])
    return path


def run(args, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env["MONITOR_INSTANCE_DIR"] = str(tmp_path / "instance")
    return subprocess.run([sys.executable, "-m", "monitor", *args], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=120)


def test_scan_finds_scatter_gather_with_evidence_and_stores_nothing(tmp_path):
    p = converging_platform(holder=("某贸易公司", None))
    f = write_statement(tmp_path / "statement.csv", p)
    r = run(["scan", str(f), "--json"], tmp_path)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    kinds = {x["kind"]: x for x in out["findings"]}
    sg = kinds["scatter_gather"]
    assert sg["key"] == "X" and sg["evidence"]["metrics"]["borrowers"] == 18
    collector = [a for a in sg["evidence"]["accounts"] if a["role"] == "collector"][0]
    assert collector["holder_name"] == "某贸易公司"
    assert any(e["dst"] == "X" and e["amount"] == 140_000 for e in sg["evidence"]["edges"])
    # nothing was stored: no database, no transfer store
    assert not (tmp_path / "instance" / "transfers").exists()
    assert not (tmp_path / "instance" / "monitor.db").exists()


def test_scan_of_a_healthy_statement_in_gb18030_with_english_header(tmp_path):
    header = ("txn_id", "txn_time", "amount", "payer_account", "payer_name", "payer_id", "payee_account",
              "payee_name", "payee_id", "purpose")
    f = write_statement(tmp_path / "ok.csv", Platform(), header=header, encoding="gb18030")
    r = run(["scan", str(f), "--lang", "en"], tmp_path)
    assert r.returncode == 0, r.stderr
    assert "no findings" in r.stdout


def test_scan_bad_row_names_file_line_and_column(tmp_path):
    f = write_statement(tmp_path / "bad.csv", Platform())
    lines = f.read_text(encoding="utf-8").splitlines()
    cells = next(csv.reader([lines[5]]))
    cells[1] = "not a time"
    lines[5] = ",".join(f'"{c}"' for c in cells)
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    r = run(["scan", str(f)], tmp_path)
    assert r.returncode == 1  # the file failed (usage errors are 2)
    err = r.stderr.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and "Traceback" not in r.stderr
    assert "bad.csv" in err[0] and "line 6" in err[0] and "交易时间" in err[0]


def test_scan_unknown_custody_account_is_an_input_error(tmp_path):
    f = write_statement(tmp_path / "s.csv", Platform())
    r = run(["scan", str(f), "--custody", "NOPE"], tmp_path)
    assert r.returncode == 2 and "NOPE" in r.stderr


def scan_inproc(args, tmp_path, monkeypatch, capsys):
    """``monitor scan`` in this process (as fast as a function call): (exit code, stdout, stderr)."""
    from monitor.cli import main

    for key in [k for k in os.environ if k.startswith("MONITOR_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("MONITOR_INSTANCE_DIR", str(tmp_path / "instance"))
    capsys.readouterr()
    code = main(["scan", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


# ---------------------------------------------------------------- generic typologies, roles, --param ---

def card(n: int) -> str:
    return f"6222{n:015d}"  # 19 digits, a personal card number's shape


def write_transfers(path, rows, ids=None):
    """rows: (day, payer, payee, amount, purpose) with day counted from 2025-01-01; ids: account → holder ID."""
    from datetime import datetime, timedelta

    ids = ids or {}
    start = datetime(2025, 1, 1, 9)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(("txn_id", "txn_time", "amount", "payer_account", "payer_name", "payer_id", "payee_account",
                    "payee_name", "payee_id", "purpose"))
        for n, (day, payer, payee, amount, purpose) in enumerate(sorted(rows)):
            when = (start + timedelta(days=day)).strftime("%Y-%m-%d %H:%M:%S")
            w.writerow((f"T{n:07d}", when, f"{amount:.2f}", payer, f"户名{payer[-4:]}", ids.get(payer, ""), payee,
                        f"户名{payee[-4:]}", ids.get(payee, ""), purpose))
    return path


def routine_rows(months=6):
    rows = []
    for m in range(months):
        for e in range(10):
            rows.append((30 * m + 10 + e / 1000, card(900), card(100 + e), 8000 + 50 * e, "工资"))
            rows.append((30 * m + 1 + e / 1000, card(200 + e), card(901), 2500 + 10 * e, "房租"))
    return rows


def fan_rows(size=8, day=100):
    return [(day + i / 10, card(300 + i), card(999), 20_000 + 500 * i, "转账") for i in range(size)]


def test_scan_states_no_custody_account_thresholds_and_finds_a_fan(tmp_path, monkeypatch, capsys):
    f = write_transfers(tmp_path / "s.csv", routine_rows() + fan_rows(30))
    code, out, err = scan_inproc([str(f), "--lang", "en"], tmp_path, monkeypatch, capsys)
    assert code == 0, err
    assert "no custody account: generic typologies only" in out
    assert "fan-in (fan_in, generic typology): 1 finding(s); window_days=30, min_count=5, amount floor" in out
    assert "(ponzi, custody detector): 0 finding(s); skipped: no custody account" in out
    assert "temporal cycle (temporal_cycle, generic typology)" in out and "length 3–10" in out
    assert "fan-in: counterparties 30" in out and "(sink)" in out and "… 23 more (--json lists all)" in out
    assert card(999) not in out and card(300) not in out  # personal numbers stay masked
    # JSON: everything, evidence not truncated
    code, out, err = scan_inproc([str(f), "--json"], tmp_path, monkeypatch, capsys)
    assert code == 0, err
    data = json.loads(out)
    assert data["custody"]["account"] is None and "generic typologies only" in data["custody"]["reason"]
    fan = [x for x in data["findings"] if x["kind"] == "fan_in"]
    assert len(fan) == 1 and len(fan[0]["evidence"]["accounts"]) == 31 and len(fan[0]["evidence"]["edges"]) == 30
    assert data["detectors"]["fan_in"]["params"]["min_count"] == 5
    assert data["detectors"]["fan_in"]["report"]["amount_floor"] > 0
    assert data["detectors"]["round_tripping"]["report"] == {"skipped": "no custody account"}
    assert card(999) not in out


def test_scan_param_changes_a_threshold_and_without_findings_says_what_came_closest(tmp_path, monkeypatch, capsys):
    f = write_transfers(tmp_path / "s.csv", routine_rows() + fan_rows(8))
    code, out, err = scan_inproc([str(f), "--lang", "en", "--param", "fan_in.min_count=9",
                                  "--param", "fan_in.window_days=10"], tmp_path, monkeypatch, capsys)
    assert code == 0, err
    assert "fan-in (fan_in, generic typology): 0 finding(s); window_days=10, min_count=9" in out
    assert "no findings" in out and "closest to a finding: account 6222***" in out and "counterparties 8" in out
    code, out, err = scan_inproc([str(f), "--json", "--param", "fan_in.min_count=9"], tmp_path, monkeypatch, capsys)
    data = json.loads(out)
    assert data["findings"] == [] and data["detectors"]["fan_in"]["params"]["min_count"] == 9
    assert data["detectors"]["fan_in"]["report"]["closest"]["counterparties"] == 8


def test_scan_infers_the_custody_account_from_its_labels(tmp_path):
    f = write_statement(tmp_path / "p.csv", Platform())
    r = run(["scan", str(f), "--lang", "en"], tmp_path)
    assert r.returncode == 0, r.stderr
    assert "custody account: C (custody operation labels on" in r.stdout
    assert "(ponzi, custody detector): 0 finding(s); the last 2 months of the file; " in r.stdout


def test_scan_param_errors_are_usage_errors(tmp_path, monkeypatch, capsys):
    f = write_transfers(tmp_path / "s.csv", routine_rows(2))
    code, _, err = scan_inproc([str(f), "--param", "nosuch.min_count=3"], tmp_path, monkeypatch, capsys)
    assert code == 2 and "unknown detector 'nosuch'" in err
    assert "fan_in" in err and "temporal_cycle" in err and "ponzi" in err
    code, _, err = scan_inproc([str(f), "--param", "fan_in.min_cnt=3"], tmp_path, monkeypatch, capsys)
    assert code == 2 and "unknown parameter 'min_cnt' of fan_in" in err and "min_count" in err
    code, _, err = scan_inproc([str(f), "--param", "fan_in.min_count=many"], tmp_path, monkeypatch, capsys)
    assert code == 2 and "'many' is not a int" in err
    code, _, err = scan_inproc([str(f), "--param", "fan_in"], tmp_path, monkeypatch, capsys)
    assert code == 2 and "expected detector.name=value" in err
    # and through the real command line once: one line, no traceback
    r = run(["scan", str(f), "--param", "fan_in.min_cnt=3"], tmp_path)
    assert r.returncode == 2 and "min_count" in r.stderr and "Traceback" not in r.stderr


def test_parse_params_types_values_like_their_defaults():
    import click
    import pytest

    from monitor.commands.scan import parse_params

    got = parse_params(["fan_in.min_count=7", "temporal_cycle.keep_min=0.85", "round_tripping.window=6",
                        "fan_in.window_days=14"])
    assert got == {"fan_in": {"min_count": 7, "window_days": 14.0}, "temporal_cycle": {"keep_min": 0.85},
                   "round_tripping": {"window": 6}}
    assert isinstance(got["fan_in"]["window_days"], float) and isinstance(got["fan_in"]["min_count"], int)
    with pytest.raises(click.UsageError, match="known: .*min_count"):
        parse_params(["fan_out.nope=1"])


def test_scan_keeps_an_organisations_account_in_full_and_masks_persons(tmp_path, monkeypatch, capsys):
    from tests.graphs.builders import uscc

    firm = "1001200300400500600"  # a company's account, held under a USCC in the file
    rows = routine_rows() + [(d, c, firm, a, p) for d, c, _, a, p in fan_rows(8)]
    f = write_transfers(tmp_path / "s.csv", rows, ids={firm: uscc(5)})
    for args in ([str(f)], [str(f), "--json"]):
        code, out, err = scan_inproc(args, tmp_path, monkeypatch, capsys)
        assert code == 0, err
        assert "fan_in" in out and firm in out
        assert card(300) not in out and card(300)[:4] + "*" * 11 + card(300)[-4:] in out
