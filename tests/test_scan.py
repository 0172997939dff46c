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
    r = run(["scan", str(f)], tmp_path)
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
