"""Ingest of custody-bank transfer files and bank statements into the columnar transfer store.

* :mod:`~monitor.ingest.recognition`: header spellings (:data:`FIELDS`, ``--map``), encodings,
  time formats, the period in a file name, the institution in a folder name.
* :mod:`~monitor.ingest.reading`: one file into a checked table: hashing scan, transcoding, XLSX,
  the DuckDB reference path, row checks and their file/line/column errors, the hand-over of
  statements to :mod:`monitor.statements`; :func:`load_validated` for callers that only read.
* :mod:`~monitor.ingest.fast`: the polars fast path for well-formed CSV.
* :mod:`~monitor.ingest.pipeline`: :func:`ingest_paths`, a run over many files, each all-or-nothing.

The store's write side (Parquet files, journals, the institution lock, garbage collection) is
:mod:`monitor.transfers`; the accounts register is :mod:`monitor.accounts`.
"""

from monitor.ingest.pipeline import IngestResult, expand_paths, ingest_paths
from monitor.ingest.reading import load_clean, load_statement, load_validated, scan_file
from monitor.ingest.recognition import (FIELDS, OPTIONAL, REQUIRED, TIME_FORMATS, Layout, detect_encoding,
                                        institution_from_path, match_header, parse_mapping, period_of_name,
                                        pick_time_format)
from monitor.transfers import BusyError, GcReport, collect_garbage, institution_lock

__all__ = [
    "FIELDS", "OPTIONAL", "REQUIRED", "TIME_FORMATS", "BusyError", "GcReport", "IngestResult", "Layout",
    "collect_garbage", "detect_encoding", "expand_paths", "ingest_paths", "institution_from_path",
    "institution_lock", "load_clean", "load_statement", "load_validated", "match_header", "parse_mapping",
    "period_of_name", "pick_time_format", "scan_file",
]
