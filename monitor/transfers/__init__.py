"""The columnar transfer store: a Parquet dataset beside the SQL store (``docs/architecture.md``, *Transfers*).

::

    <transfer_store>/institution=<USCC>/month=YYYY-MM/<file-sha256>_<run>_<n>.parquet

A Parquet file counts only once its source file has an ``IngestFile`` row with
status ``ok`` (the commit record) whose ``store_path`` names that run; anything
else is an interrupted or concurrent writer and is never read.

* :mod:`~monitor.transfers.layout`: where each file goes and what its name says
  (``.tmp``, ``.locks``, journals, owner files, run ids).
* :mod:`~monitor.transfers.read`: :class:`TransferStore`, the schema, filters and aggregation.
* :mod:`~monitor.transfers.write`: Parquet writing, month parts, journals, fsync, verification,
  owner records and the institution lock (used by the ingest and the compaction).
* :mod:`~monitor.transfers.gc`: :func:`collect_garbage`, removing what dead writers left.
"""

from monitor.transfers.gc import GcReport, collect_garbage
from monitor.transfers.layout import (JOURNAL_SUFFIX, LOCK_DIR, OWNER_SUFFIX, STORE_GLOB, TMP_DIR, institution_dir,
                                      is_committed, journal_path, month_dir, name_parts, owner_path, run_of_record,
                                      run_tmp, store_file, store_pattern, tmp_dir)
from monitor.transfers.read import (ALL_COLUMNS, COLUMNS, CST, FREQS, PARTITION_COLUMNS, READ_ATTEMPTS, SCHEMA,
                                    TransferStore, month_of, to_cst, utc)
from monitor.transfers.read import _arrow  # noqa: F401  (a DuckDB relation as Arrow: monitor.scan uses it)
from monitor.transfers.write import (PARQUET_OPTIONS, BusyError, fsync, institution_lock, month_parts,
                                     owner_alive, owner_record, process_identity, verify, write_journal,
                                     write_owner, write_parquet)

__all__ = [
    "ALL_COLUMNS", "COLUMNS", "CST", "FREQS", "JOURNAL_SUFFIX", "LOCK_DIR", "OWNER_SUFFIX", "PARQUET_OPTIONS",
    "PARTITION_COLUMNS", "READ_ATTEMPTS", "SCHEMA", "STORE_GLOB", "TMP_DIR", "BusyError", "GcReport",
    "TransferStore", "collect_garbage", "fsync", "institution_dir", "institution_lock", "is_committed",
    "journal_path", "month_dir", "month_of", "month_parts", "name_parts", "owner_alive", "owner_path",
    "owner_record", "process_identity", "run_of_record", "run_tmp", "store_file", "store_pattern", "tmp_dir",
    "to_cst", "utc", "verify", "write_journal", "write_owner", "write_parquet",
]
