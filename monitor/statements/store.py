"""A read statement as rows of the transfer store (what ``monitor ingest`` writes)."""

from __future__ import annotations

import hashlib

from monitor.statements.reader import Row, Statement

STORE_COLUMNS = ("txn_id", "txn_time", "amount", "payer_account", "payer_name", "payer_id", "payee_account",
                 "payee_name", "payee_id", "purpose", "currency", "source_line")


def row_id(statement: Statement, row: Row) -> str:
    """A stable id for a row the bank gave none: the same row of a re-exported statement gets the same id.

    The running balance (when there is one) tells apart two equal payments on the same day.
    """
    parts = (statement.owner_account or "", row.txn_time.isoformat(), f"{row.amount:.2f}", row.direction or "",
             "" if row.balance_after is None else f"{row.balance_after:.2f}", row.payer_account or "",
             row.payee_account or "", row.purpose or "")
    return "S" + hashlib.sha256("|".join(parts).encode("utf-8")).hexdigest()[:24]


def store_table(statement: Statement):
    """``(pyarrow table with the store's columns, warnings)``.

    Rows without a bank reference get :func:`row_id`. Rows with no account on one side (fees,
    interest, cash, exports without counterparty columns) are not transfers between two accounts:
    they are left out, and a warning counts them.
    """
    import pyarrow as pa

    kept: list[tuple[str, Row]] = []
    seen: dict[str, int] = {}
    skipped = 0
    for row in statement.rows:
        if not row.payer_account or not row.payee_account:
            skipped += 1
            continue
        txn_id = row.txn_id or row_id(statement, row)
        if not row.txn_id:
            seen[txn_id] = seen.get(txn_id, 0) + 1
            if seen[txn_id] > 1:  # the same row twice without balance or id: keep both, in file order
                txn_id = f"{txn_id}-{seen[txn_id]}"
        kept.append((txn_id, row))
    warnings = []
    if skipped:
        warnings.append(f"{statement.path}: {skipped} row(s) without an account on both sides (fees, interest, "
                        "cash, or no counterparty column) not stored")
    warnings += [f"{statement.path}: {w}" for w in statement.warnings]
    schema = pa.schema([
        ("txn_id", pa.string()), ("txn_time", pa.timestamp("us")), ("amount", pa.float64()),
        ("payer_account", pa.string()), ("payer_name", pa.string()), ("payer_id", pa.string()),
        ("payee_account", pa.string()), ("payee_name", pa.string()), ("payee_id", pa.string()),
        ("purpose", pa.string()), ("currency", pa.string()), ("source_line", pa.int32()),
    ])
    table = pa.table({
        "txn_id": [i for i, _ in kept], "txn_time": [r.txn_time for _, r in kept],
        "amount": [float(r.amount) for _, r in kept],
        "payer_account": [r.payer_account for _, r in kept], "payer_name": [r.payer_name for _, r in kept],
        "payer_id": [None] * len(kept),
        "payee_account": [r.payee_account for _, r in kept], "payee_name": [r.payee_name for _, r in kept],
        "payee_id": [None] * len(kept), "purpose": [r.purpose for _, r in kept],
        "currency": [r.currency for _, r in kept], "source_line": [r.source_line for _, r in kept],
    }, schema=schema)
    return table, warnings
