"""The distributed engine: Spark SQL aggregates, ``applyInArrow`` maps the partitions.

Spark reads only the committed files of the transfer store (the list comes
from the SQL store's commit records, never from listing the folder), with
partition type inference off so ``institution`` and ``month`` stay text. The
aggregation is the one of :meth:`monitor.transfers.TransferStore.aggregate_edges`
per institution; each group of institutions sharing a controlling party
(:func:`graphs.run.partition_keys`) goes to one Python worker as one Arrow
table, where :func:`graphs.run.detect_partition` runs on each institution. The
city (registry graph, facts, accounts) is loaded once on the driver and
broadcast. Findings come back pickled and are stored by the driver.

PySpark is imported here only: ``pip install '.[spark]'`` and a Java runtime
are needed only when ``engine = "spark"``.
"""

from __future__ import annotations

import dataclasses
import os
import pickle
import sys
from datetime import datetime, timedelta
from typing import Any, Iterable, Mapping

import pyarrow as pa
import pyarrow.compute as pc

from monitor.config import ConfigError  # graphs/ imports only monitor's core modules
from monitor.findings import FindingResult

# Aggregated-edge columns as the local engine's DuckDB query gives them.
EDGE_SCHEMA = pa.schema([
    ("payer_account", pa.string()), ("payee_account", pa.string()), ("period", pa.date32()),
    ("amount", pa.float64()), ("count", pa.int64()), ("first_time", pa.timestamp("us")),
    ("last_time", pa.timestamp("us")), ("purposes", pa.list_(pa.string())),
    ("payer_name", pa.string()), ("payee_name", pa.string()), ("payer_id", pa.string()), ("payee_id", pa.string()),
])
RESULT_SCHEMA = "institution string, payload binary"


def spark_session(config):
    """The Spark session of ``config`` (an existing one is reused: its master stays)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise ConfigError("engine = spark needs PySpark: pip install '.[spark]' (and a Java runtime, "
                          "Debian package openjdk-17-jre-headless)") from exc
    if config.spark_master.startswith("local"):
        # Executors on this machine run the driver's interpreter (the virtualenv with the monitor); on a
        # cluster the deployment says which (docs/architecture.md, Growth).
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    builder = (SparkSession.builder.appName("city-risk-monitor")
               .master(config.spark_master)
               .config("spark.executor.memory", config.spark_executor_memory)
               .config("spark.sql.shuffle.partitions", str(config.spark_shuffle_partitions))
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false"))
    session = builder.getOrCreate()
    # Per query settings: the store's partition values are text (USCCs, YYYY-MM), never numbers.
    session.conf.set("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
    session.conf.set("spark.sql.shuffle.partitions", str(config.spark_shuffle_partitions))
    if config.spark_master.startswith("local"):
        # The file list is given, on a local disk: a Spark job to stat the files costs more than it saves.
        session.conf.set("spark.sql.sources.parallelPartitionDiscovery.threshold", "100000")
    return session


def _read_schema() -> str:
    """DDL schema of the store's files as Spark reads them (times naive CST: TIMESTAMP_NTZ)."""
    from monitor.transfers import SCHEMA

    types = {"string": "STRING", "double": "DOUBLE", "int32": "INT", "timestamp[us]": "TIMESTAMP_NTZ"}
    return ", ".join([f"{f.name} {types[str(f.type)]}" for f in SCHEMA]
                     + ["institution STRING", "month STRING"])


def read_transfers(spark, config, as_of: datetime, institutions: Iterable[str] | None = None):
    """Spark DataFrame of the committed transfers available at ``as_of`` (``None``: no file matches)."""
    from pyspark.sql import functions as F

    from monitor.transfers import TransferStore, month_of, to_cst

    store = TransferStore(config)
    as_of_cst = to_cst(as_of)
    files = store.files(institutions, last_month=month_of(as_of_cst - timedelta(days=1)))
    if not files:
        return None
    # The schema is given (no footer read per file for inference); the partition columns are text.
    frame = (spark.read.schema(_read_schema()).option("basePath", str(store.root))
             .parquet(*(str(f) for f in files)))
    stamp = as_of_cst.isoformat(sep=" ", timespec="microseconds")
    return frame.where(F.expr(f"CAST(available_at AS TIMESTAMP_NTZ) <= TIMESTAMP_NTZ '{stamp}'"))


def aggregate_edges(spark, config, as_of: datetime, institutions: Iterable[str] | None = None):
    """Spark DataFrame of the transfers summed per institution, account pair and month.

    Same rows as :meth:`~monitor.transfers.TransferStore.aggregate_edges` called per institution
    (no ordering: the map orders each partition). ``None`` when no committed file matches.
    """
    from pyspark.sql import functions as F

    frame = read_transfers(spark, config, as_of, institutions)
    if frame is None:
        return None
    period = F.trunc(F.to_date(F.col("txn_time")), "month").alias("period")
    # The amounts are added in file and row order, one after the other, as DuckDB's scan adds them:
    # a sum of doubles in another order can differ in the last bit, and a threshold then decide
    # otherwise.
    frame = frame.withColumn("_at", F.struct(F.col("_metadata.file_path").alias("f"),
                                             F.col("_metadata.row_index").alias("r"),
                                             F.col("amount").alias("a")))
    amount = F.aggregate(F.array_sort(F.collect_list("_at")), F.lit(0.0).cast("double"),  # never NULL (ingest)
                         lambda acc, x: acc + x["a"])
    return (frame.groupBy("institution", "payer_account", "payee_account", period)
            .agg(amount.alias("amount"), F.count(F.lit(1)).alias("count"),
                 F.min("txn_time").alias("first_time"), F.max("txn_time").alias("last_time"),
                 F.array_sort(F.collect_set("purpose")).alias("purposes"),
                 *(F.first(c, ignorenulls=True).alias(c) for c in ("payer_name", "payee_name",
                                                                   "payer_id", "payee_id"))))


def reduce_spark(spark, config, as_of: datetime, keys: Mapping[str, str], graph=None,
                 institutions: Iterable[str] | None = None):
    """``(nodes, edges)`` Arrow tables of phase 2's reduced graph by Spark SQL (``None``: no file).

    The SQL of :mod:`graphs.across`, as the local engine runs it in DuckDB; the small views
    (partitions, accounts register, known parties) are broadcast.
    """
    from pyspark.sql import functions as F

    from graphs.across import EDGES_SQL, HOLDERS_SQL, KEPT_SQL, NODES_SQL, ROWS_SQL, inputs_tables, visible_until

    frame = read_transfers(spark, config, as_of, institutions)
    if frame is None:
        return None
    _, current = visible_until(as_of)
    frame.where(F.col("month") < current).createOrReplaceTempView("transfers")
    for name, table in inputs_tables(config, keys, graph).items():
        F.broadcast(spark.createDataFrame(table)).createOrReplaceTempView(name)
    spark.sql(ROWS_SQL).createOrReplaceTempView("reduced_rows")
    holders = spark.sql(HOLDERS_SQL).cache()
    try:
        holders.createOrReplaceTempView("holders")
        kept = spark.sql(KEPT_SQL).cache()
        try:
            kept.createOrReplaceTempView("kept")
            return spark.sql(NODES_SQL).toArrow(), spark.sql(EDGES_SQL).toArrow()
        finally:
            kept.unpersist()
    finally:
        holders.unpersist()
        for name in ("transfers", "parts", "register", "known", "reduced_rows", "holders", "kept"):
            spark.catalog.dropTempView(name)


def _partition_mapper(data, cut, as_of, params, detectors):
    """The function ``applyInArrow`` runs on one partition's Arrow table (driver state in the closure)."""

    def run(table: pa.Table) -> pa.Table:
        from graphs.flows import accounts_from_edges, flow_edges
        from graphs.run import detect_partition

        usccs = sorted(set(table.column("institution").to_pylist()))
        table = table.filter(table.column("payer_account").is_valid())  # the marker row of each institution
        out_inst, out_payload = [], []
        for uscc in usccs:
            part = table.filter(pc.equal(table.column("institution"), uscc))
            part = part.select(EDGE_SCHEMA.names).cast(EDGE_SCHEMA).sort_by(
                [("period", "ascending"), ("payer_account", "ascending"), ("payee_account", "ascending")])
            edges, holders = list(flow_edges(part)), accounts_from_edges(part)
            view = dataclasses.replace(data, loader=lambda _u, e=edges, h=holders: (e, h))
            inst = data_index[uscc]
            found = detect_partition(view.partition(inst, cut), params, as_of, detectors)
            out_inst.append(uscc)
            out_payload.append(pickle.dumps(found, protocol=pickle.HIGHEST_PROTOCOL))
        return pa.table({"institution": pa.array(out_inst, pa.string()),
                         "payload": pa.array(out_payload, pa.binary())})

    data_index = {inst["uscc"]: inst for inst in data.institutions}
    return run


class SparkEngine:
    name = "spark"

    def __init__(self, session=None):
        self.session = session

    def detect(self, config, as_of, institutions: Iterable[str] | None,
               params: Mapping[str, Mapping[str, Any]] | None, detectors: tuple[str, ...],
               across: bool = True) -> list[FindingResult]:
        from graphs.across import detect_across, reduced_graph
        from graphs.loading import load_city
        from graphs.run import partition_keys

        spark = self.session or spark_session(config)
        data = load_city(config, as_of, institutions, lazy=True)
        cut = data.cut(as_of)  # registry graph, facts, peers, running month: read once on the driver
        if not data.institutions:
            return []
        keys = partition_keys(cut.graph, (i["uscc"] for i in data.institutions))
        # What the closure carries to the workers (pickled once per task): no store handles.
        shipped = dataclasses.replace(data, loader=None, running_reader=None, edges={})
        markers = spark.createDataFrame([(u, k) for u, k in sorted(keys.items())], "institution string, pkey string")
        edges = aggregate_edges(spark, config, as_of, [i["uscc"] for i in data.institutions]
                                if institutions is not None else None)
        if edges is None:
            rows = markers
        else:
            # Every institution gets a row (registry-only detectors run without transfers too).
            rows = markers.join(edges, "institution", "left")
        mapper = _partition_mapper(shipped, cut, as_of, params, detectors)
        result = rows.groupBy("pkey").applyInArrow(mapper, RESULT_SCHEMA)
        found: dict[str, list[FindingResult]] = {}
        for batch in result.toArrow().to_batches():
            for uscc, payload in zip(batch.column(0).to_pylist(), batch.column(1).to_pylist()):
                found[uscc] = pickle.loads(payload)
        out: list[FindingResult] = []
        for inst in data.institutions:  # the local engine's order
            out.extend(found.get(inst["uscc"], []))
        if across:
            reduced = reduce_spark(spark, config, as_of, keys, cut.graph, [i["uscc"] for i in data.institutions]
                                   if institutions is not None else None)
            if reduced is not None:
                out.extend(detect_across(reduced_graph(*reduced, keys), params, as_of))
        return out

