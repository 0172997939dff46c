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
    ).to_arrow(compat_level=pl.CompatLevel.newest())  # string views, as the canonical reader gives: no copy
    schema = _schema(views=True)
    return (table if table.schema == schema else table.cast(schema)), warnings


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


def _schema(views: bool = False):
    import pyarrow as pa

    text = pa.string_view() if views else pa.string()
    return pa.schema([
        ("txn_id", text), ("txn_time", pa.timestamp("us")), ("amount", pa.float64()),
        ("payer_account", text), ("payer_name", text), ("payer_id", text),
        ("payee_account", text), ("payee_name", text), ("payee_id", text),
        ("purpose", text), ("currency", text), ("source_line", pa.int32()),
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
    if frame.select(pl.col("txn_id").hash().n_unique()).item() == frame.height:
        return None  # distinct hashes: distinct ids (equal hashes get the exact test below)
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
    # the distinct months as numbers first: formatting a million times costs more than the rest
    months = (times.dt.year() * 100 + times.dt.month()).unique().sort().to_list()
    months = [f"{m // 100:04d}-{m % 100:02d}" for m in months]
    return times.min(), times.max(), months
