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
    import polars as pl

    from monitor.statements.columnar import yuan

    frame = statement.frame if statement.frame is not None else _empty()
    both = pl.col("payer_account").is_not_null() & (pl.col("payer_account") != "") & \
        pl.col("payee_account").is_not_null() & (pl.col("payee_account") != "")
    kept = frame.lazy().filter(both).collect()
    skipped = frame.height - kept.height
    no_id = kept["txn_id"].is_null()
    if no_id.any():
        ids = _row_ids(statement, kept.filter(no_id))
        # the same row twice without balance or id: keep both, in file order (``id-2``, ``id-3``…)
        ids = pl.DataFrame({"id": ids}).select(
            pl.when(pl.int_range(pl.len()).over("id") > 0)
            .then(pl.col("id") + "-" + (pl.int_range(pl.len()).over("id") + 1).cast(pl.String))
            .otherwise(pl.col("id"))).to_series()
        kept = kept.with_columns(txn_id=kept["txn_id"].scatter(no_id.arg_true(), ids))
    warnings = []
    if skipped:
        warnings.append(f"{statement.path}: {skipped} row(s) without an account on both sides (fees, interest, "
                        "cash, or no counterparty column) not stored")
    warnings += [f"{statement.path}: {w}" for w in statement.warnings]
    table = kept.select(
        "txn_id", "txn_time", yuan("amount"), "payer_account", "payer_name",
        pl.lit(None, pl.String).alias("payer_id"), "payee_account", "payee_name",
        pl.lit(None, pl.String).alias("payee_id"), "purpose", "currency", pl.col("source_line").cast(pl.Int32),
    ).to_arrow(compat_level=pl.CompatLevel.oldest())  # plain strings: a cheap cast to pa.string
    return table.cast(_schema()), warnings


def _row_ids(statement: Statement, rows) -> list[str]:
    """:func:`row_id` of each row of a rows frame (the same text hashed the same way)."""
    import polars as pl

    def cents(column: str) -> pl.Expr:
        value = pl.col(column)
        magnitude = value.abs()
        text = (magnitude // 100).cast(pl.String) + "." + (magnitude % 100).cast(pl.String).str.zfill(2)
        return pl.when(value < 0).then("-" + text).otherwise(text)

    when = pl.col("txn_time")
    iso = pl.when(when.dt.microsecond() != 0).then(when.dt.strftime("%Y-%m-%dT%H:%M:%S%.6f")) \
        .otherwise(when.dt.strftime("%Y-%m-%dT%H:%M:%S"))
    text = pl.concat_str([
        pl.lit(statement.owner_account or ""), iso, cents("amount"), pl.col("direction").fill_null(""),
        pl.when(pl.col("balance").is_null()).then(pl.lit("")).otherwise(cents("balance")),
        pl.col("payer_account").fill_null(""), pl.col("payee_account").fill_null(""),
        pl.col("purpose").fill_null(""),
    ], separator="|")
    joined = rows.select(text.alias("text")).to_series().to_list()
    return ["S" + hashlib.sha256(t.encode("utf-8")).hexdigest()[:24] for t in joined]


def _schema():
    import pyarrow as pa

    return pa.schema([
        ("txn_id", pa.string()), ("txn_time", pa.timestamp("us")), ("amount", pa.float64()),
        ("payer_account", pa.string()), ("payer_name", pa.string()), ("payer_id", pa.string()),
        ("payee_account", pa.string()), ("payee_name", pa.string()), ("payee_id", pa.string()),
        ("purpose", pa.string()), ("currency", pa.string()), ("source_line", pa.int32()),
    ])


def _empty():
    from monitor.statements.reader import _frame_of

    return _frame_of([])


def repeated_id(table) -> tuple[str, int, int] | None:
    """The first row (in file order) whose ``txn_id`` an earlier row has: ``(txn_id, line, earlier line)``.

    ``None`` when every id is unique. Column-wise: a loop over a million ids costs half a second.
    """
    import polars as pl

    frame = pl.from_arrow(table.select(["txn_id", "source_line"]))
    again = frame.filter(~pl.col("txn_id").is_first_distinct())
    if not again.height:
        return None
    txn_id, line = again.row(0)
    earlier = frame.filter(pl.col("txn_id") == txn_id)["source_line"][0]
    return txn_id, line, earlier


def time_span(table) -> tuple[object, object, list[str]]:
    """``(first time, last time, months as YYYY-MM in order)`` of a store table's ``txn_time`` column."""
    import polars as pl

    times = pl.from_arrow(table.column("txn_time")).drop_nulls()
    if not times.len():
        return None, None, []
    months = times.dt.strftime("%Y-%m").unique().sort().to_list()
    return times.min(), times.max(), months
