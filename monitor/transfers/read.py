"""The transfer store's read side: committed files, filters, T+1 availability, aggregation.

All reads go through DuckDB over ``read_parquet(..., hive_partitioning=true)``
with the filters pushed down, and aggregate before anything becomes a graph
edge. Only files a commit record covers are read
(:func:`monitor.transfers.layout.is_committed`).

Times in the store are naive China Standard Time, as in the bank files;
``as_of`` arguments are aware datetimes (UTC in the SQL store) and are
converted to CST before comparing with ``available_at``.
"""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Iterable, Sequence
from zoneinfo import ZoneInfo

import pyarrow as pa

from monitor.config import Config
from monitor.errors import InputError
from monitor.transfers.layout import STORE_GLOB, file_parts, institution_dir, is_committed, run_of_record

CST = ZoneInfo("Asia/Shanghai")

# The canonical columns of a Parquet file (partition columns come from the path).
SCHEMA = pa.schema([
    ("txn_id", pa.string()),
    ("txn_time", pa.timestamp("us")),  # naive CST
    ("amount", pa.float64()),  # 元
    ("payer_account", pa.string()),
    ("payer_name", pa.string()),
    ("payer_id", pa.string()),
    ("payee_account", pa.string()),
    ("payee_name", pa.string()),
    ("payee_id", pa.string()),
    ("purpose", pa.string()),
    ("currency", pa.string()),
    ("available_at", pa.timestamp("us")),  # naive CST: transaction date + 1 day, 00:00
    ("source_sha256", pa.string()),
    ("source_line", pa.int32()),
])
COLUMNS: tuple[str, ...] = tuple(SCHEMA.names)
PARTITION_COLUMNS: tuple[str, ...] = ("institution", "month")
ALL_COLUMNS: tuple[str, ...] = COLUMNS + PARTITION_COLUMNS
FREQS = ("day", "week", "month", "quarter", "year", "all")
READ_ATTEMPTS = 3  # listings of the committed files per read (see TransferStore._read)

def to_cst(moment: datetime) -> datetime:
    """Naive CST time of an aware moment (naive input is taken as already CST)."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(CST).replace(tzinfo=None)


def month_of(moment: date | datetime) -> str:
    return f"{moment.year:04d}-{moment.month:02d}"


def _as_start(value: date | datetime | None) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return to_cst(value)
    return datetime(value.year, value.month, value.day)


class TransferStore:
    """Read access to the transfer store of ``config``.

    Parameters
    ----------
    config : Config
        Gives the store folder (``transfer_store``) and the SQL store holding
        the commit records (``IngestFile``).

    Notes
    -----
    Filters shared by the readers: ``institution_ids`` (USCCs; ``None`` = all),
    ``start`` (inclusive) and ``end`` (exclusive) on ``txn_time`` — dates or
    naive CST datetimes (aware ones are converted) — and ``as_of`` (aware
    datetime) keeping rows with ``available_at <= as_of`` in CST.
    """

    def __init__(self, config: Config):
        self.config = config
        self.root = config.transfer_store_path
        self._duck = None
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ layout
    def committed_shas(self, among: Iterable[str] | None = None) -> set[str]:
        """sha256 of every source file whose ingest committed (only those ``among`` these, if given)."""
        from sqlmodel import select

        from monitor.db import session_scope
        from monitor.models import IngestFile

        query = select(IngestFile.sha256).where(IngestFile.status == "ok")
        if among is not None:
            among = sorted(set(among))
            if not among:
                return set()
            query = query.where(IngestFile.sha256.in_(among))
        with session_scope(self.config) as session:
            return set(session.exec(query).all())

    def committed_runs(self, among: Iterable[str] | None = None) -> dict[str, str | None]:
        """sha256 -> run id of every committed source file (only those ``among`` these, if given).

        Only the files of that run are the file's transfers: another run's
        files of the same source (a killed or concurrent ingest) are not.
        """
        from sqlmodel import select

        from monitor.db import session_scope
        from monitor.models import IngestFile

        query = select(IngestFile.sha256, IngestFile.store_path).where(IngestFile.status == "ok")
        if among is not None:
            among = sorted(set(among))
            if not among:
                return {}
            query = query.where(IngestFile.sha256.in_(among))
        with session_scope(self.config) as session:
            return {sha: run_of_record(store_path) for sha, store_path in session.exec(query).all()}

    def files(self, institution_ids: Iterable[str] | None = None, months: Sequence[str] | None = None,
              first_month: str | None = None, last_month: str | None = None) -> list[Path]:
        """Committed Parquet files, pruned by institution and month from their path."""
        if not self.root.is_dir():
            return []
        ids = _norm_ids(institution_ids)
        wanted = None if ids is None else set(ids)
        month_set = None if months is None else set(months)
        if wanted is None:
            candidates = self.root.glob(STORE_GLOB)
        else:
            # Only the wanted institutions' folders are listed (partition pruning before DuckDB).
            candidates = (p for inst in sorted(wanted)
                          for p in institution_dir(self.root, inst).glob("month=*/*.parquet"))
        paths = sorted(candidates)
        if not paths:
            return []
        committed = self.committed_runs()
        out = []
        for path in paths:
            parts = file_parts(path.relative_to(self.root).as_posix())
            if parts is None:
                continue
            inst, month, _sha = parts
            if not is_committed(path.name, committed):
                continue
            if wanted is not None and inst not in wanted:
                continue
            if month_set is not None and month not in month_set:
                continue
            if first_month is not None and month < first_month:
                continue
            if last_month is not None and month > last_month:
                continue
            out.append(path)
        return out

    # ------------------------------------------------------------------ querying
    def connect(self):
        """A DuckDB cursor for one query (use as a context manager).

        Cursors of one in-memory database cost ~0.2 ms against ~40 ms for a
        new database, which matters when a replay asks per institution and
        month; each cursor may be used from its own thread.
        """
        import duckdb

        with self._lock:
            if self._duck is None:
                self._duck = duckdb.connect()
            return self._duck.cursor()

    def _source(self, institution_ids, start, end, as_of) -> tuple[str | None, list]:
        """``(FROM clause, params)`` of the filtered rows, or ``(None, [])`` when nothing matches."""
        start_t, end_t = _as_start(start), _as_start(end)
        as_of_t = to_cst(as_of) if as_of is not None else None
        if as_of is not None and as_of.tzinfo is None:
            raise InputError("as_of must be an aware datetime (e.g. UTC)")
        first = month_of(start_t) if start_t else None
        last_candidates = []
        if end_t is not None:
            last_candidates.append(month_of(end_t - timedelta(microseconds=1)))
        if as_of_t is not None:
            # available_at = day after the transaction: nothing later than as_of - 1 day is visible.
            last_candidates.append(month_of(as_of_t - timedelta(days=1)))
        last = min(last_candidates) if last_candidates else None
        files = self.files(institution_ids, first_month=first, last_month=last)
        if not files:
            return None, []
        where, params = [], []
        if start_t is not None:
            where.append("txn_time >= ?")
            params.append(start_t)
        if end_t is not None:
            where.append("txn_time < ?")
            params.append(end_t)
        if as_of_t is not None:
            where.append("available_at <= ?")
            params.append(as_of_t)
        file_list = "[" + ", ".join("'" + str(f).replace("'", "''") + "'" for f in files) + "]"
        source = (f"(SELECT * FROM read_parquet({file_list}, hive_partitioning=true, "
                  f"hive_types={{'institution': VARCHAR, 'month': VARCHAR}})"
                  + (" WHERE " + " AND ".join(where) if where else "") + ")")
        return source, params

    def frame(self, institution_ids: Iterable[str] | None = None, start=None, end=None, as_of=None,
              columns: Sequence[str] | None = None) -> pa.Table:
        """Raw transfers (ordered by time, then txn_id) as an Arrow table.

        ``columns`` defaults to every column, partition columns included.
        """
        cols = list(columns) if columns else list(ALL_COLUMNS)
        unknown = [c for c in cols if c not in ALL_COLUMNS]
        if unknown:
            raise InputError(f"unknown transfer column(s): {', '.join(unknown)}")
        order = [c for c in ("txn_time", "txn_id") if c in cols]

        def run(con, source, params):
            sql = (f"SELECT {', '.join(cols)} FROM {source} t"
                   + (f" ORDER BY {', '.join(order)}" if order else ""))
            return _arrow(con.sql(sql, params=params))
        return self._read(_norm_ids(institution_ids), start, end, as_of, run, lambda: _empty(cols))

    def aggregate_edges(self, institution_ids: Iterable[str] | None = None, start=None, end=None,
                        as_of=None, freq: str = "month", per_institution: bool = False) -> pa.Table:
        """Transfers summed per (payer_account, payee_account, period).

        Columns: payer_account, payee_account, period (date: first day of the
        period; ``freq="all"`` gives NULL), amount (元), count, first_time,
        last_time, purposes (sorted distinct list), payer_name, payee_name,
        payer_id, payee_id (one seen value each). A transaction present in
        several institutions' files counts once; with ``per_institution``,
        once per institution, and a first column ``institution`` (the USCC of
        the files) leads the grouping and the order: what one query per
        institution would give.
        """
        if freq not in FREQS:
            raise InputError(f"freq {freq!r} is not one of: {', '.join(FREQS)}")
        period = "CAST(NULL AS DATE)" if freq == "all" else f"CAST(date_trunc('{freq}', txn_time) AS DATE)"

        def empty():
            edges = _empty_edges()
            return edges.add_column(0, "institution", pa.array([], pa.string())) if per_institution else edges
        institution_ids = _norm_ids(institution_ids)
        single = institution_ids is not None and len(set(institution_ids)) == 1
        # One transfer can sit in two institutions' files (platform to platform): count it once.
        dedupe = "" if single or per_institution else \
            "QUALIFY row_number() OVER (PARTITION BY txn_id ORDER BY institution) = 1"
        lead = "institution, " if per_institution else ""

        def run(con, source, params):
            return _arrow(con.sql(sql.format(source=source), params=params))
        sql = f"""
            WITH t AS (SELECT * FROM {{source}} s {dedupe})
            SELECT {lead}payer_account, payee_account, {period} AS period,
                   sum(amount) AS amount, count(*) AS count,
                   min(txn_time) AS first_time, max(txn_time) AS last_time,
                   list_sort(list_distinct(list(purpose))) AS purposes,
                   any_value(payer_name) AS payer_name, any_value(payee_name) AS payee_name,
                   any_value(payer_id) AS payer_id, any_value(payee_id) AS payee_id
            FROM t
            GROUP BY ALL
            ORDER BY {lead}period NULLS FIRST, payer_account, payee_account
        """
        return self._read(institution_ids, start, end, as_of, run, empty)

    def months(self, institution_ids: Iterable[str] | None = None) -> list[str]:
        """Months (YYYY-MM) holding committed transfers."""
        found = set()
        for path in self.files(institution_ids):
            found.add(path.parent.name.split("=", 1)[1])
        return sorted(found)

    def institutions(self) -> list[str]:
        """USCCs of the institutions holding committed transfers."""
        return sorted({p.parent.parent.name.split("=", 1)[1] for p in self.files()})

    def count(self, institution_ids: Iterable[str] | None = None, start=None, end=None, as_of=None) -> int:
        """Number of stored transfers matching the filters."""
        def run(con, source, params):
            return int(con.execute(f"SELECT count(*) FROM {source} s", params).fetchall()[0][0])
        return self._read(_norm_ids(institution_ids), start, end, as_of, run, lambda: 0)

    def _read(self, institution_ids, start, end, as_of, run, empty):
        """``run(cursor, source, params)`` over the committed files matching the filters, or ``empty()``.

        When a listed file is gone before DuckDB opens it (a compaction committed meanwhile and removed
        the files it replaced), the committed files are listed again: a reader sees the old files or
        the new ones, never a failure in between.
        """
        import duckdb

        for attempt in range(READ_ATTEMPTS):
            source, params = self._source(institution_ids, start, end, as_of)
            if source is None:
                return empty()
            try:
                with self.connect() as con:
                    return run(con, source, params)
            except duckdb.IOException:
                if attempt == READ_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")


def _arrow(result) -> pa.Table:
    """The whole relation as an Arrow table (DuckDB renamed the method in 2.0)."""
    fetch = getattr(result, "to_arrow_table", None) or result.fetch_arrow_table
    return fetch()


def _norm_ids(institution_ids) -> list[str] | None:
    if institution_ids is None:
        return None
    if isinstance(institution_ids, str):
        return [institution_ids]
    return list(institution_ids)


def _empty(cols: Sequence[str]) -> pa.Table:
    types = {f.name: f.type for f in SCHEMA}
    types.update({"institution": pa.string(), "month": pa.string()})
    return pa.table({c: pa.array([], type=types[c]) for c in cols})


def _empty_edges() -> pa.Table:
    return pa.table({
        "payer_account": pa.array([], pa.string()), "payee_account": pa.array([], pa.string()),
        "period": pa.array([], pa.date32()), "amount": pa.array([], pa.float64()),
        "count": pa.array([], pa.int64()), "first_time": pa.array([], pa.timestamp("us")),
        "last_time": pa.array([], pa.timestamp("us")), "purposes": pa.array([], pa.list_(pa.string())),
        "payer_name": pa.array([], pa.string()), "payee_name": pa.array([], pa.string()),
        "payer_id": pa.array([], pa.string()), "payee_id": pa.array([], pa.string()),
    })


def utc(moment: datetime) -> datetime:
    """Aware UTC copy (helper for callers building ``as_of``)."""
    return moment.astimezone(timezone.utc)
