"""The transfer store's write side: Parquet files, journals, owner records, the institution lock.

A writer (an ingest run, a compaction) names every file it creates after its
run id (:mod:`monitor.transfers.layout`), records its process in an owner file,
lists the files it moves into the store in a journal until its commit record
is written, fsyncs them and checks them before that commit
(:func:`verify`). :func:`monitor.transfers.gc.collect_garbage` removes what a
dead writer left.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

from monitor.errors import MonitorError
from monitor.transfers.layout import LOCK_DIR, lock_path, owner_path, tmp_dir

if TYPE_CHECKING:
    import pyarrow as pa

# pyarrow's writer: half the CPU of DuckDB's COPY and ~10% smaller files. zstd level 1, dictionaries
# only for the few-valued columns (ids and accounts would overflow them), row groups as DuckDB sizes
# them (readers parallelise over row groups), data pages v1 (what every Parquet reader knows),
# min/max statistics only where readers filter (times; min/max of account strings prune nothing).
PARQUET_OPTIONS = dict(compression="zstd", compression_level=1, row_group_size=122_880,
                       use_dictionary=["payer_name", "payee_name", "purpose", "currency", "source_sha256"],
                       write_statistics=["txn_time", "available_at", "amount", "source_line"],
                       data_page_version="1.0")
MESSAGE_MAX = 300  # characters of an engine's message quoted in an error


class BusyError(MonitorError):
    """Another process holds the institution's ingest lock for longer than ``ingest_lock_wait``."""

    exit_code = 3


def one_line(text: str, limit: int = MESSAGE_MAX) -> str:
    """One line of an engine's message, cut to ``limit`` characters."""
    text = text.strip().splitlines()[0] if text.strip() else ""
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text):,} characters)"


# --------------------------------------------------------------------------- ownership
def process_identity(pid: int) -> str | None:
    """What tells process ``pid`` from a later one with the same pid (boot id and start time), or
    ``None`` when no such process runs (a zombie counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return None
    except OSError:  # no /proc: the pid alone
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass
        return "pid"
    fields = stat.rsplit(")", 1)[1].split()
    if fields[0] in ("Z", "X"):
        return None
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        boot = ""
    return f"{boot}:{fields[19]}"  # field 22 of stat: start time in clock ticks after boot


def owner_record() -> dict:
    """This process as an owner record (pid, host, identity)."""
    return {"pid": os.getpid(), "host": socket.gethostname(), "identity": process_identity(os.getpid())}


def owner_alive(owner: dict | None) -> bool | None:
    """Whether the process of an owner record runs; ``None`` when it cannot be told (another host)."""
    if not isinstance(owner, dict) or owner.get("host") != socket.gethostname():
        return None
    try:
        pid = int(owner["pid"])
    except (KeyError, TypeError, ValueError):
        return None
    identity = process_identity(pid)
    return identity is not None and identity == owner.get("identity")


def write_owner(root: Path, run: str) -> Path:
    """Record this process as the owner of ``run`` (``.tmp/<run>.owner`` under the store ``root``)."""
    path = owner_path(root, run)
    tmp_dir(root).mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(owner_record()), encoding="utf-8")
    return path


def fsync(path: Path) -> None:
    """Flush a file or a folder to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def institution_lock(root: Path, uscc: str, wait: float, path: Path | str = ""):
    """Hold the institution's ingest lock (``<root>/.locks/<USCC>.lock``, ``fcntl.flock``).

    Waits up to ``wait`` seconds for another process's ingest of the same
    institution, then raises :class:`BusyError`. The kernel releases the lock
    when its holder dies, so a killed ingest never leaves it held.
    """
    (root / LOCK_DIR).mkdir(parents=True, exist_ok=True)
    lock = lock_path(root, uscc)
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait
        delay = 0.005
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise BusyError(f"{path}: busy: another process is ingesting institution {uscc} "
                                    f"(lock {lock} held for more than {wait:g} s, "
                                    f"setting ingest_lock_wait); try again later") from None
                time.sleep(min(delay, left))
                delay = min(delay * 2, 0.1)
        yield lock
    finally:
        os.close(fd)  # releases the lock


def write_journal(path: Path, root: Path, sha: str, files: Sequence[Path], owner: bool = False) -> Path:
    """A journal of the files a writer is about to move into the store (relative to ``root``); with
    ``owner``, it names this process, so that garbage collection can tell whether it still runs."""
    record = {"sha256": sha, "files": [f.relative_to(root).as_posix() for f in files]}
    if owner:
        record["owner"] = owner_record()
    path.write_text(json.dumps(record), encoding="utf-8")
    return path


# --------------------------------------------------------------------------- Parquet files
def month_parts(table) -> dict[str, Callable[[], "pa.Table"]]:
    """Per month of ``txn_time`` (``YYYY-MM``), a function giving that part of ``table`` in file order,
    with its ``available_at``.

    The parts are cut when asked, in the writer threads: the copy of the rows
    is spread over them rather than done up front.
    """
    import polars as pl

    frame = pl.from_arrow(table, rechunk=False)
    # Each row's day, then the day's month from a table of the file's span of days: a quarter of the
    # CPU of taking year and month of every row.
    days = frame.get_column("txn_time").dt.date()
    # T+1: custody banks report the day after (see docs/architecture.md, "Availability").
    frame = frame.with_columns(available_at=days.cast(pl.Datetime("us")) + timedelta(days=1))
    first = days.min()
    span = pl.date_range(first, days.max(), eager=True)
    by_day = span.dt.year().cast(pl.Int32) * 100 + span.dt.month().cast(pl.Int32)
    key = by_day.gather(days.cast(pl.Int32) - (first - date(1970, 1, 1)).days)
    low, high = key.min(), key.max()
    months = [low] if low == high else sorted(key.unique().to_list())

    def part(month: int):
        def cut() -> "pa.Table":
            chosen = frame if low == high else frame.filter(key == month)
            return chosen.to_arrow(compat_level=pl.CompatLevel.newest())
        return cut
    return {f"{k // 100:04d}-{k % 100:02d}": part(k) for k in months}


def write_parquet(part: "pa.Table", sha: str, out: Path) -> int:
    """One Parquet file of the store's schema from a part of ``clean`` with its ``available_at`` (pyarrow
    releases the GIL); returns its rows."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from monitor.transfers.read import SCHEMA

    columns = {name: part.column(name) for name in SCHEMA.names if name in part.column_names}
    # The file's hash once, as a dictionary of one value: a column of the 64 characters repeated on
    # every row would be written and then dictionary-encoded back to this.
    columns.update(source_sha256=pa.DictionaryArray.from_arrays(pa.repeat(pa.scalar(0, pa.int32()), part.num_rows),
                                                                pa.array([sha], pa.string())))
    # Strings as they come (polars' string views): the Parquet file is the same, and a cast would
    # copy every string. Without the Arrow schema in the file, readers see the store's SCHEMA.
    out_table = pa.Table.from_arrays([_as_type(columns[n], SCHEMA.field(n).type) for n in SCHEMA.names],
                                     names=SCHEMA.names)
    pq.write_table(out_table, out, store_schema=False, **PARQUET_OPTIONS)
    return out_table.num_rows


def _as_type(column, wanted):
    """``column`` cast to ``wanted``, except that a string view or a dictionary of strings stays as it is
    (the writer stores each as UTF-8)."""
    import pyarrow as pa

    if column.type == wanted or (pa.types.is_string(wanted) and (
            pa.types.is_string_view(column.type)
            or (pa.types.is_dictionary(column.type) and pa.types.is_string(column.type.value_type)))):
        return column
    return column.cast(wanted)


def verify(path: Path, files: Sequence[Path], expected: Sequence[tuple[int, int]]) -> None:
    """Check that each file is in place, whole and readable before the commit record names it.

    ``expected`` gives each file's ``(rows, bytes)``; ``path`` is the source the message names.
    """
    import pyarrow.parquet as pq

    for dest, (rows, size) in zip(files, expected):
        try:
            actual = dest.stat().st_size
            found = pq.read_metadata(dest).num_rows if actual == size else None
        except OSError as exc:
            raise MonitorError(f"{path}: store file {dest} vanished before the commit ({exc.strerror}); "
                               f"nothing was committed") from None
        except Exception as exc:  # noqa: BLE001 - any unreadable footer means the file is not whole
            raise MonitorError(f"{path}: store file {dest} is unreadable before the commit "
                               f"({one_line(str(exc))}); nothing was committed") from None
        if actual != size or found != rows:
            raise MonitorError(f"{path}: store file {dest} changed before the commit ({actual:,} bytes, "
                               f"expected {size:,}); nothing was committed")
