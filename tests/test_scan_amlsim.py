"""`monitor scan` on IBM AMLSim's own output, read as AMLSim writes it (no option needed).

The files in ``tests/data/amlsim/`` follow AMLSim's writers (``tests/data/amlsim/make.py`` names the
source files and commits): the converted ``transactions.csv`` of ``scripts/convert_logs.py`` and the
simulator's raw ``tx_log.csv``. Both hold the same transfers: a fan-in into 200, a fan-out from 300,
the cycle 400 → 401 → 402 → 403 → 400 and a scatter-gather 500 → 501..505 → 506.
"""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pytest

from monitor.scan import amlsim_layout, run_scan
from tests.test_scan import run

DATA = Path(__file__).parent / "data" / "amlsim"


def planted(result) -> dict[str, set]:
    found: dict[str, set] = {}
    for f in result.findings:
        found.setdefault(f.detector, set()).add(frozenset(a.account_no for a in f.evidence.accounts))
    return found


@pytest.mark.parametrize("name", ["transactions.csv", "tx_log.csv"])
def test_scan_finds_fans_cycle_and_scatter_gather_in_amlsim_files(name):
    result = run_scan(DATA / name)
    found = planted(result)
    assert result.custody is None
    assert {200, *range(100, 108)} <= {int(a) for g in found["fan_in"] for a in g}
    assert {300, *range(301, 309)} <= {int(a) for g in found["fan_out"] for a in g}
    assert frozenset({"400", "401", "402", "403"}) in found["temporal_cycle"]
    assert any({"500", "506", "501", "505"} <= g for g in found["scatter_gather_relay"])
    # the routine background (three partners every 7 days) is never named
    named = {a for groups in found.values() for g in groups for a in g}
    assert not {str(i) for i in range(60)} & named
    # the truth columns are not read, and said so
    assert any("not read" in line and "alert" in line.lower() for line in result.assumptions)


def test_amlsim_log_steps_are_days_from_the_base_date_and_cash_rows_are_counted():
    with open(DATA / "tx_log.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    cash = sum(r["type"] in ("CASH-IN", "CASH-OUT") for r in rows)
    assert cash > 0
    result = run_scan(DATA / "tx_log.csv")
    assert result.summary["transfers"] == len(rows) - cash
    assert result.summary["first"][:10] == "2017-01-01"  # step 0 is AMLSim's default base_date
    last_step = max(int(r["step"]) for r in rows if r["type"] == "TRANSFER")
    assert result.summary["last"][:10] == date.fromordinal(date(2017, 1, 1).toordinal() + last_step).isoformat()
    assert any(f"{cash:,} of {len(rows):,} rows of type CASH-IN/CASH-OUT" in line for line in result.assumptions)
    shifted = run_scan(DATA / "tx_log.csv", base_date=date(2020, 3, 1))
    assert shifted.summary["first"][:10] == "2020-03-01"
    assert any("2020-03-01" in line for line in shifted.assumptions)


def test_converted_timestamps_are_read_not_shifted():
    with open(DATA / "transactions.csv", newline="") as fh:
        stamps = sorted(r["tran_timestamp"] for r in csv.DictReader(fh))
    result = run_scan(DATA / "transactions.csv", base_date=date(2020, 3, 1))  # ISO times need no base date
    assert result.summary["first"][:10] == stamps[0][:10]
    assert result.summary["last"][:10] == stamps[-1][:10]


def test_other_headers_are_not_taken_for_amlsim(tmp_path):
    f = tmp_path / "x.csv"
    f.write_text("txn_id,txn_time,amount,payer_account,payee_account,type\n")
    assert amlsim_layout(f) is None
    assert amlsim_layout(DATA / "tx_log.csv")[1]["txn_time"] == "step"


def test_scan_command_prints_its_assumptions_for_an_amlsim_log(tmp_path):
    r = run(["scan", str(DATA / "tx_log.csv"), "--base-date", "2018-01-01", "--lang", "en"], tmp_path)
    assert r.returncode == 0, r.stderr
    assert "assumed format: AMLSim tx_log.csv" in r.stdout
    assert "days after 2018-01-01 (given with --base-date" in r.stdout
    assert "no custody account: generic typologies only" in r.stdout
    r = run(["scan", str(DATA / "transactions.csv"), "--json"], tmp_path)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["assumptions"][0].startswith("format: AMLSim converted transactions")
    kinds = {f["kind"] for f in out["findings"]}
    assert {"fan_in", "fan_out", "temporal_cycle", "scatter_gather_relay"} <= kinds
