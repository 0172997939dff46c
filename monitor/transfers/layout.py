"""The transfer store's layout on disk: where each file goes and what its name says.

::

    <transfer_store>/institution=<USCC>/month=YYYY-MM/<sha256>_<run>_<n>.parquet
    <transfer_store>/.tmp/<run>.owner            the process of a run (pid, host, start)
    <transfer_store>/.tmp/<run>[-<key>].moving   a journal: files moved in, not yet committed
    <transfer_store>/.tmp/<run>-...              temporary files and scratch folders of a run
    <transfer_store>/.locks/<USCC>.lock          one writer per institution at a time

``<sha256>`` is the source file's (or, for a compaction, of the names of the
files it replaced); ``<run>`` is the id of the run that wrote the file (32 hex
digits; files written before run ids are named ``<sha256>_<n>.parquet``).
"""

from __future__ import annotations

import re
from pathlib import Path

TMP_DIR = ".tmp"  # temporary files, journals and owner files of runs
LOCK_DIR = ".locks"  # one lock file per institution
JOURNAL_SUFFIX = ".moving"  # under TMP_DIR: the files a run moved into the store and has not committed
OWNER_SUFFIX = ".owner"  # under TMP_DIR: the process of a run (its files are named after the run)
STORE_GLOB = "institution=*/month=*/*.parquet"  # every Parquet file of the store, relative to its root

_FILE_RE = re.compile(r"^institution=([^/]+)/month=(\d{4}-\d{2})/([0-9a-f]{64})_[^/]*\.parquet$")
_NAME_RE = re.compile(r"([0-9a-f]{64})_(?:([0-9a-f]{32})_)?")
_RUN_OF_RECORD = re.compile(r"_([0-9a-f]{32})_\*\.parquet$")
_RUN_PREFIX = re.compile(r"^([0-9a-f]{32})[-.]")


def name_parts(name: str) -> tuple[str, str | None] | None:
    """``(sha256, run id)`` of a store file's name (run id ``None`` for the older names), or ``None``."""
    match = _NAME_RE.match(name)
    return (match.group(1), match.group(2)) if match else None


def run_of_record(store_path: str | None) -> str | None:
    """The run id a commit record's ``store_path`` names (``None``: a record from before run ids)."""
    match = _RUN_OF_RECORD.search(store_path or "")
    return match.group(1) if match else None


def is_committed(name: str, runs: dict[str, str | None]) -> bool:
    """Whether the store file ``name`` is one a commit record in ``runs`` (sha256 -> run id) covers."""
    parts = name_parts(name)
    return parts is not None and parts[0] in runs and runs[parts[0]] == parts[1]


def file_parts(relative: str) -> tuple[str, str, str] | None:
    """``(institution, month, sha256)`` of a store file's path relative to the root, or ``None``."""
    match = _FILE_RE.match(relative)
    return match.groups() if match else None


def run_of_tmp_entry(name: str) -> str | None:
    """The run id an entry of :data:`TMP_DIR` is named after, or ``None``."""
    match = _RUN_PREFIX.match(name)
    return match.group(1) if match else None


def institution_dir(root: Path, uscc: str) -> Path:
    return root / f"institution={uscc}"


def month_dir(root: Path, uscc: str, month: str) -> Path:
    return institution_dir(root, uscc) / f"month={month}"


def store_file(root: Path, uscc: str, month: str, sha: str, run: str, n: int) -> Path:
    """The ``n``-th file a run writes for source ``sha``."""
    return month_dir(root, uscc, month) / f"{sha}_{run}_{n}.parquet"


def store_pattern(uscc: str, sha: str, run: str) -> str:
    """A commit record's ``store_path``: every file of the run for source ``sha``."""
    return f"institution={uscc}/month=*/{sha}_{run}_*.parquet"


def tmp_dir(root: Path) -> Path:
    return root / TMP_DIR


def run_tmp(root: Path, run: str, name: str) -> Path:
    """An entry of :data:`TMP_DIR` belonging to ``run`` (a temporary file or scratch folder)."""
    return tmp_dir(root) / f"{run}-{name}"


def journal_path(root: Path, run: str, key: str | None = None) -> Path:
    """A journal of ``run`` (``key`` tells apart the journals of a run that moves files in more than once)."""
    return tmp_dir(root) / (f"{run}-{key}{JOURNAL_SUFFIX}" if key else f"{run}{JOURNAL_SUFFIX}")


def owner_path(root: Path, run: str) -> Path:
    return tmp_dir(root) / f"{run}{OWNER_SUFFIX}"


def lock_path(root: Path, uscc: str) -> Path:
    return root / LOCK_DIR / f"{uscc}.lock"
