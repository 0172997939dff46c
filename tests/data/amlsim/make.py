"""Writes the small AMLSim files of this folder (run once; the files are committed).

Formats follow IBM/AMLSim as written, not as documented elsewhere:

* ``transactions.csv``: columns of ``paramFiles/10K/schema.json`` "transaction" (commit 96d1fd3):
  ``tran_id,orig_acct,bene_acct,tx_type,base_amt,tran_timestamp,is_sar,alert_id``; values as
  ``scripts/convert_logs.py`` (commit 008d2d1) writes them: ``tran_timestamp`` is
  ``(base_date + step days).isoformat() + "Z"``, ``is_sar`` Python's ``True``/``False``, ``alert_id``
  ``-1`` outside alerts; cash rows go to ``cash_tx.csv``, not here.
* ``tx_log.csv``: the simulator's raw log, header of ``AMLSim.java`` ``initTxLogBufWriter`` and rows of
  ``TransactionRepository.flushLog`` (commit 3369c7e / 0d73d45): ``step`` is the day number,
  ``isSAR`` ``1``/``0``, ``alertID`` ``-1`` outside alerts; CASH-IN/CASH-OUT rows have the bank
  branch as counterparty, whose id is ``-`` (``Account()`` in ``Account.java``).

Background: 60 accounts, each paying three fixed partners every 7 days (routine pairs, AMLSim's
default ``transaction_interval``), over 240 days from 2017-01-01 (``conf.json`` ``base_date``).
Planted: a fan-in (8 payers), a fan-out (8 payees), a 4-account cycle on successive days and a
scatter-gather through 5 intermediaries.
"""

import csv
import random
from datetime import date, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
BASE = date(2017, 1, 1)


def rows():
    rnd = random.Random(24)
    out = []  # (step, type, amount, orig, dest, is_sar, alert_id)
    accounts = [str(i) for i in range(60)]
    for i, a in enumerate(accounts):
        partners = [accounts[(i + k) % 60] for k in (1, 7, 19)]
        offset = rnd.randrange(7)
        for step in range(offset, 240, 7):
            for b in partners:
                out.append((step, "TRANSFER", round(rnd.uniform(100, 1000), 2), a, b, False, -1))
        for step in range(rnd.randrange(30), 240, 30):  # cash: deposits and withdrawals at a branch
            out.append((step, "CASH-IN", round(rnd.uniform(50, 100), 2), a, "-", False, -1))
            out.append((step + 3, "CASH-OUT", round(rnd.uniform(10, 100), 2), a, "-", False, -1))
    # fan-in: 100..107 pay 200 once each (alert 1)
    for k in range(8):
        out.append((100 + k % 3, "TRANSFER", round(rnd.uniform(4000, 6000), 2), str(100 + k), "200", True, 1))
    # fan-out: 300 pays 301..308 (alert 2)
    for k in range(8):
        out.append((130 + k % 2, "TRANSFER", round(rnd.uniform(4000, 6000), 2), "300", str(301 + k), True, 2))
    # cycle 400 -> 401 -> 402 -> 403 -> 400 on successive days, each hop keeping 95 % (alert 3)
    amount = 20000.0
    for k in range(4):
        out.append((150 + k, "TRANSFER", round(amount, 2), str(400 + k), str(400 + (k + 1) % 4), True, 3))
        amount *= 0.95
    # scatter-gather 500 -> 501..505 -> 506 (alert 4)
    for k in range(5):
        sent = round(rnd.uniform(8000, 9000), 2)
        out.append((170, "TRANSFER", sent, "500", str(501 + k), True, 4))
        out.append((173, "TRANSFER", round(sent * 0.97, 2), str(501 + k), "506", True, 4))
    out.sort(key=lambda r: r[0])
    return out


def main():
    data = rows()
    with open(HERE / "transactions.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["tran_id", "orig_acct", "bene_acct", "tx_type", "base_amt", "tran_timestamp", "is_sar", "alert_id"])
        tx_id = 1
        for step, kind, amount, orig, dest, sar, alert in data:
            if kind not in ("CASH-IN", "CASH-OUT"):
                when = datetime.combine(BASE + timedelta(days=step), datetime.min.time()).isoformat() + "Z"
                w.writerow([tx_id, orig, dest, kind, amount, when, sar, alert])
            tx_id += 1  # convert_logs.py counts cash rows too
    balance = {}
    with open(HERE / "tx_log.csv", "w", newline="") as fh:
        fh.write("step,type,amount,nameOrig,oldbalanceOrig,newbalanceOrig,nameDest,oldbalanceDest,"
                 "newbalanceDest,isSAR,alertID\n")
        for step, kind, amount, orig, dest, sar, alert in data:
            ob = balance.get(orig, 50000.0)
            db = balance.get(dest, 0.0)
            balance[orig], balance[dest] = max(0.0, ob - amount), db + amount
            fh.write(f"{step},{kind},{amount},{orig},{ob:.2f},{balance[orig]:.2f},{dest},{db:.2f},"
                     f"{balance[dest]:.2f},{1 if sar else 0},{alert}\n")


if __name__ == "__main__":
    main()
