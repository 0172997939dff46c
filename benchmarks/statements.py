"""Statement ingest throughput: a bank statement against the canonical transfer CSV, in the same run.

Generates (seeded) a single-account statement of ``--rows`` transactions (default 1,000,000) as a bank
exports it: a preamble (户名, 账号, 开户行, 币种, 起止日期), a header, debit and credit columns with
thousands separators in part of the amounts, a running balance the reader checks row by row, fee rows
without a counterparty, and footer lines (本页合计, 合计, 共 N 笔) the reader checks against the rows. It
also generates the canonical CSV of ``benchmarks/ingest.py`` with the same number of rows. Each file is
ingested with :func:`monitor.ingest.ingest_paths` into a fresh store, ``--repeat`` times, each run in a
fresh process after a small warm-up file of the same kind; the medians are printed with their ratio
(target: the statement at >= 50 % of the canonical file's rows/s); the same per CPU-second is printed
too, as it depends less on other work on the machine. Rows are the rows stored (the statement's fee rows,
which have no counterparty account, are not).

    .venv/bin/python benchmarks/statements.py [--rows N] [--repeat N] [--seed N]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

OWNER = "6222020200012345678"
OWNER_NAME = "深圳市恒信网络科技有限公司"
HEADER = ["交易日期", "交易时间", "交易流水号", "摘要", "借方发生额", "贷方发生额", "余额", "对方账号", "对方户名", "备注"]
UNIT = 100  # cents


def generate_statement(path: Path, rows: int, seed: int = 8) -> dict:
    """Write the statement; returns its stated totals (cents) for the caller's checks."""
    import numpy as np
    import polars as pl

    rng = np.random.default_rng(seed)
    n = rows
    fee = rng.random(n) < 0.01  # 手续费: no counterparty
    credit = (rng.random(n) < 0.5) & ~fee
    cents = rng.integers(100, 5_000_000, n) * np.where(fee, 0, 1) + np.where(fee, rng.integers(100, 2_000, n), 0)
    signed = np.where(credit, cents, -cents)
    opening = 5_000_000_000_00
    balance = opening + np.cumsum(signed)
    seconds = np.sort(rng.integers(0, 365 * 86400, n))
    stamps = pl.select(pl.lit(pl.Series(seconds * 1_000_000)).cast(pl.Duration("us")) + pl.datetime(2017, 1, 1)
                       ).to_series()
    names = np.array(["张伟", "王芳", "李娜", "刘洋", "陈静", "广州市鼎盛贸易有限公司", "深圳市华融资产管理有限公司"])
    summaries = np.array(["转账", "代发工资", "网银转账", "还款", "出借", "兑付"])

    def money(values: "np.ndarray", separators: bool) -> "pl.Series":
        whole = pl.Series(values // UNIT)
        plain = whole.cast(pl.String) + "." + pl.Series(values % UNIT).cast(pl.String).str.zfill(2)
        if not separators:
            return plain
        # thousands separators in a third of the amounts, as exports write them
        grouped = pl.Series([f"{v // UNIT:,}.{v % UNIT:02d}" for v in values[::3].tolist()])
        out = plain.to_numpy().astype(object)
        out[::3] = grouped.to_numpy()
        return pl.Series(out, dtype=pl.String)

    frame = pl.DataFrame({
        "date": stamps.dt.strftime("%Y-%m-%d"),
        "time": stamps.dt.strftime("%H:%M:%S"),
        "id": "ICBC" + pl.Series(np.arange(n)).cast(pl.String).str.zfill(12),
        "summary": np.where(fee, "手续费", summaries[rng.integers(0, len(summaries), n)]),
        "debit": money(np.where(credit, 0, cents), True),
        "credit": money(np.where(credit, cents, 0), True),
        "balance": money(balance, False),
        "account": "622" + pl.Series(rng.integers(10**15, 10**16, n)).cast(pl.String),
        "name": names[rng.integers(0, len(names), n)],
        "remark": np.where(rng.random(n) < 0.3, "货款", ""),
    })
    frame = frame.with_columns(
        pl.when(pl.Series(credit)).then(pl.lit("")).otherwise(pl.col("debit")).alias("debit"),
        pl.when(pl.Series(credit)).then(pl.col("credit")).otherwise(pl.lit("")).alias("credit"),
        pl.when(pl.Series(fee)).then(pl.lit("")).otherwise(pl.col("account")).alias("account"),
        pl.when(pl.Series(fee)).then(pl.lit("")).otherwise(pl.col("name")).alias("name"),
    )
    debit_total, credit_total = int(cents[~credit].sum()), int(cents[credit].sum())

    def yuan(value: int) -> str:
        return f"{value // UNIT:,}.{value % UNIT:02d}"

    head = (f"中国工商银行 账户历史明细\n户名：{OWNER_NAME}\n账号：{OWNER}\n开户行：中国工商银行深圳分行营业部\n"
            f"币种：人民币\n起止日期：2017-01-01 至 2017-12-31\n\n" + ",".join(HEADER) + "\n")
    footer = (f"本页合计,,,,\"{yuan(debit_total)}\",\"{yuan(credit_total)}\",,,,\n"
              f"合计,,,,\"{yuan(debit_total)}\",\"{yuan(credit_total)}\",,,,\n"
              f"共 {n} 笔\n打印时间：2018-01-02 09:00:00\n")
    with path.open("wb") as fh:
        fh.write(head.encode("utf-8"))
        frame.write_csv(fh, include_header=False, quote_style="necessary")
        fh.write(footer.encode("utf-8"))
    return {"rows": n, "fees": int(fee.sum()), "debit_total": debit_total, "credit_total": credit_total,
            "closing_balance": int(balance[-1])}


def _cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_one(path: Path, warm: Path, workdir: Path) -> tuple[float, int, float]:
    """One ingest of ``path`` into a fresh store, after ``warm`` into a store of its own."""
    from monitor.config import load_config
    from monitor.db import dispose_engines, init_db
    from monitor.ingest import ingest_paths

    import duckdb  # noqa: F401  (imports are a once-per-process cost, not throughput)
    import polars  # noqa: F401
    import pyarrow.parquet  # noqa: F401

    uscc = "91440300MA5F000007"
    warm_config = load_config(env={"MONITOR_INSTANCE_DIR": str(workdir / "warmup")})
    init_db(warm_config)
    [done] = ingest_paths(warm_config, [warm], institution=uscc)
    if done.status != "ok":
        raise SystemExit(f"warm-up ingest failed: {done.error}")
    config = load_config(env={"MONITOR_INSTANCE_DIR": str(workdir / "instance")})
    init_db(config)
    started, cpu0 = time.perf_counter(), _cpu()
    [result] = ingest_paths(config, [path], institution=uscc)
    seconds, cpu = time.perf_counter() - started, _cpu() - cpu0
    dispose_engines()
    if result.status != "ok":
        raise SystemExit(f"ingest failed: {result.error}")
    return seconds, result.rows_new, cpu


def run_process(path: Path, warm: Path, workdir: Path) -> tuple[float, int, float]:
    """:func:`run_one` in a fresh Python process."""
    command = [sys.executable, __file__, "--one-run", str(path), str(warm), str(workdir)]
    done = subprocess.run(command, stdout=subprocess.PIPE, text=True)
    if done.returncode:
        raise SystemExit(f"the ingest run failed (exit {done.returncode})")
    return tuple(json.loads(done.stdout.rstrip("\n").split("\n")[-1]))


def median_run(label: str, path: Path, warm: Path, workdir: Path, repeat: int) -> tuple[float, float]:
    """``(rows/s, rows per CPU-second)`` of the median run."""
    runs = []
    for i in range(1, repeat + 1):
        seconds, rows, cpu = run_process(path, warm, workdir / f"{label}-{i}")
        runs.append((seconds, rows, cpu))
        print(f"  {label}, run {i} of {repeat}: {rows:,} rows in {seconds:.2f} s = {rows / seconds:,.0f} rows/s "
              f"(CPU {cpu:.1f} s)")
    seconds, rows, cpu = sorted(runs)[len(runs) // 2]
    print(f"{label}: {rows:,} rows in {seconds:.2f} s = {rows / seconds:,.0f} rows/s (CPU {cpu:.1f} s; "
          f"median of {repeat})")
    return rows / seconds, rows / cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--one-run", nargs=3, metavar=("FILE", "WARM", "WORKDIR"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one_run:
        path, warm, workdir = map(Path, args.one_run)
        workdir.mkdir(parents=True)
        print(json.dumps(run_one(path, warm, workdir)))
        return 0
    if args.rows < 1 or args.repeat < 1:
        parser.error("--rows and --repeat must be at least 1")
    from benchmarks.ingest import generate

    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory(prefix="bench-statements-") as tmp:
        workdir = Path(tmp)
        statement, canonical = workdir / "icbc_statement.csv", workdir / "transfers.csv"
        t0 = time.perf_counter()
        generate_statement(statement, args.rows, args.seed)
        generate_statement(workdir / "warm_statement.csv", 20, args.seed)
        generate(canonical, args.rows)
        generate(workdir / "warm_transfers.csv", 20)
        print(f"generated {args.rows:,} rows each: statement {statement.stat().st_size / 1e6:,.0f} MB, canonical "
              f"{canonical.stat().st_size / 1e6:,.0f} MB in {time.perf_counter() - t0:.1f} s")
        fast = median_run("canonical CSV", canonical, workdir / "warm_transfers.csv", workdir, args.repeat)
        slow = median_run("bank statement", statement, workdir / "warm_statement.csv", workdir, args.repeat)
        print(f"the statement at {slow[0] / fast[0]:.0%} of the canonical file's rows/s (target >= 50 %), "
              f"{slow[1] / fast[1]:.0%} per CPU-second; load average at the end {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
