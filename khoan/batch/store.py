"""The files of a batch: Arrow encoding of tables, atomic writes, the folder lock, summary.

Every file is written through :func:`khoan._files.atomic_write_bytes` (temporary file, fsync,
``os.replace``). Parquet bytes are deterministic: fixed writer options, no timestamp. How the
tables of many scenarios are grouped into files is :mod:`khoan.batch.chunks`.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import queue
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .._canonical import canonical_json
from .._files import TMP_SUFFIX
from .._frames import column_arrays
from ..errors import KhoanError

__all__ = [
    "LOCK_FILE",
    "PARQUET_OPTIONS",
    "TABLES",
    "Committer",
    "arrow_table",
    "clean_temp_files",
    "encode_later",
    "folder_lock",
    "parquet_bytes",
    "range_free",
    "read_parquet",
    "summary_table",
]

#: Tables of a scenario result written as Parquet, in this order.
TABLES = ("by_year", "by_commune", "leavers")
LOCK_FILE = ".khoan-batch.lock"

#: Parquet writer options of every batch file (fixed: the bytes depend only on the tables).
PARQUET_OPTIONS = {
    "compression": "snappy",
    "use_dictionary": True,
    "write_statistics": True,
    "version": "2.6",
    "data_page_version": "1.0",
    "store_schema": True,
}
_PARQUET_OPTIONS = PARQUET_OPTIONS


#: dtypes whose Arrow type and pandas metadata do not depend on the values (``object`` does:
#: pyarrow infers its type from the contents, so such tables always go through ``from_pandas``)
_FAST_KINDS = frozenset("iufbM")


def _signature(df: pd.DataFrame, arrays: list[Any]) -> tuple:
    """What the Arrow schema and pandas metadata of ``df`` depend on (a cache key)."""
    idx = df.index
    index = (
        ("range", idx.start, idx.step, idx.name)
        if isinstance(idx, pd.RangeIndex)
        else (type(idx), idx.nlevels, idx.dtype, idx.name)
    )
    cols = df.columns
    return (tuple(cols.tolist()), cols.dtype, tuple(a.dtype for a in arrays), index)


def _fast_eligible(df: pd.DataFrame, arrays: list[Any]) -> bool:
    """Whether the fast path may be tried for tables like ``df`` (checked once per signature)."""
    cols = df.columns
    if df.attrs or cols.nlevels != 1 or not cols.is_unique or not arrays:
        return False
    for a in arrays:
        d = a.dtype
        if not (
            (isinstance(d, np.dtype) and d.kind in _FAST_KINDS)
            or (isinstance(d, pd.StringDtype) and d.storage == "pyarrow")
        ):
            return False
    idx = df.index
    if isinstance(idx, pd.RangeIndex):
        return idx.start == 0 and idx.step == 1
    return (
        type(idx) is pd.Index
        and idx.nlevels == 1
        and isinstance(idx.dtype, np.dtype)
        and idx.dtype.kind in "iu"
    )


def range_free(meta: bytes | None) -> bytes:
    """The pandas metadata with the stop of every ``RangeIndex`` left out: what the tables
    stored one after the other in a chunk's file must share (the stop depends only on the
    number of rows)."""
    if not meta:
        return b""
    key = _RANGE_FREE.get(meta)
    if key is None:
        d = json.loads(meta)
        for ix in d.get("index_columns") or []:
            if isinstance(ix, dict) and ix.get("kind") == "range":
                ix["stop"] = None
        key = json.dumps(d, sort_keys=True).encode("utf8")
        if len(_RANGE_FREE) >= 1024:
            _RANGE_FREE.clear()
        _RANGE_FREE[meta] = key
    return key


#: pandas metadata -> the same without a ``RangeIndex`` stop (a few shapes per batch)
_RANGE_FREE: dict[bytes, bytes] = {}


class _Encoding:
    """A cached Arrow schema and pandas metadata for tables of one signature."""

    __slots__ = ("by_rows", "key", "meta", "range_index", "schema")

    def __init__(self, table: pa.Table, range_index: bool):
        self.schema = table.schema.remove_metadata()
        self.meta = json.loads(table.schema.metadata[b"pandas"])
        self.range_index = range_index
        self.by_rows: dict[int, pa.Schema] = {}  # row count -> schema with its metadata
        self.key = range_free(self.metadata(0))

    def metadata(self, nrows: int) -> bytes:
        meta = self.meta
        if self.range_index:  # the only part that depends on the rows: the RangeIndex's stop
            meta = {**meta, "index_columns": [{**meta["index_columns"][0], "stop": nrows}]}
        return json.dumps(meta).encode("utf8")  # as pyarrow.pandas_compat writes it

    def schema_for(self, nrows: int) -> pa.Schema:
        """The schema with the pandas metadata of a table of ``nrows`` rows (kept per count)."""
        key = nrows if self.range_index else -1
        schema = self.by_rows.get(key)
        if schema is None:
            schema = self.schema.with_metadata({b"pandas": self.metadata(nrows)})
            if len(self.by_rows) >= 256:
                self.by_rows.clear()
            self.by_rows[key] = schema
        return schema

    def values(self, df: pd.DataFrame, columns: list[Any]) -> list[Any]:
        """The arrays that become the table's Arrow columns: the columns' own arrays (numpy
        or pyarrow-backed strings, not copied), then the index's values unless it is a
        ``RangeIndex`` (which lives in the metadata)."""
        # dates (pandas' DatetimeArray) as their numpy datetime64 values: pyarrow converts
        # those ten times faster, to the same Arrow array (NaT: null)
        values = [
            a if isinstance(a, np.ndarray) or not isinstance(a.dtype, np.dtype) else np.asarray(a)
            for a in columns
        ]
        if not self.range_index:
            values.append(np.asarray(df.index))
        return values

    def table(self, df: pd.DataFrame, columns: list[Any]) -> pa.Table:
        arrays = [_to_arrow(a) for a in self.values(df, columns)]
        return pa.Table.from_arrays(arrays, schema=self.schema_for(len(df)))

    def concat(self, pieces: list[list[Any]], schema: pa.Schema) -> pa.Table:
        """One Arrow table of several tables' :meth:`values`, rows one after the other, with
        ``schema`` (this encoding's, with the metadata given): each column converted once
        (numpy columns concatenated first), instead of once per table."""
        if len(pieces) == 1:
            return pa.Table.from_arrays([_to_arrow(a) for a in pieces[0]], schema=schema)
        arrays: list[Any] = []
        for k in range(len(pieces[0])):
            parts = [p[k] for p in pieces]
            if isinstance(parts[0], np.ndarray):
                arrays.append(_to_arrow(np.concatenate(parts)))
            else:  # pyarrow-backed strings: their Arrow arrays, chained without a copy
                arrays.append(
                    pa.chunked_array([_to_arrow(a) for a in parts], type=schema.field(k).type)
                )
        return pa.Table.from_arrays(arrays, schema=schema)


def _to_arrow(a: Any) -> Any:
    """A column's Arrow array as ``from_pandas`` makes it (NaN and NaT are nulls)."""
    return pa.array(a, from_pandas=True) if isinstance(a, np.ndarray) else pa.array(a)


#: signature -> encoding (``None``: the fast path was checked and does not reproduce
#: ``from_pandas`` for it). Small: a batch has three tables and a few dtype variants.
_ENCODINGS: dict[tuple, _Encoding | None] = {}


def _lookup(df: pd.DataFrame) -> tuple[tuple | None, _Encoding | None, list[Any]]:
    """``df``'s signature (``None``: not hashable), its cached encoding, its column arrays."""
    try:
        columns = column_arrays(df)
    except AttributeError:  # pragma: no cover - another pandas: always from_pandas
        return None, None, []
    try:
        sig = _signature(df, columns)
        return sig, _ENCODINGS.get(sig), columns
    except TypeError:  # an unhashable column name or dtype
        return None, None, columns


#: (signature, column level names) -> the Arrow table of an empty table with a ``RangeIndex``
#: (its ``object`` columns are typed ``null`` whatever they would hold: nothing to infer from)
_EMPTY: dict[tuple, pa.Table] = {}


def _from_pandas(df: pd.DataFrame, sig: tuple | None, columns: list[Any]) -> pa.Table:
    """``from_pandas``; the first table of a signature also checks and caches its encoding.

    A table without rows and attributes, with a ``RangeIndex`` (a scenario where nobody
    leaves: its ``object`` columns have no value to infer a type from) is converted once per
    signature: ``from_pandas`` took 1.4 ms for the 23 columns of an empty ``leavers``.
    """
    empty_key = None
    if sig is not None and len(df) == 0 and not df.attrs and sig[3][0] == "range":
        empty_key = (sig, tuple(df.columns.names))
        with contextlib.suppress(TypeError):  # unhashable level names: no cache
            cached = _EMPTY.get(empty_key)
            if cached is not None:
                return cached
    table = pa.Table.from_pandas(df, preserve_index=None)
    if empty_key is not None:
        with contextlib.suppress(TypeError):
            if len(_EMPTY) >= 256:
                _EMPTY.clear()
            _EMPTY[empty_key] = table
    if sig is not None and sig not in _ENCODINGS:
        if len(_ENCODINGS) >= 256:  # tables of many shapes (a custom fn): keep it small
            _ENCODINGS.clear()
        _ENCODINGS[sig] = None
        if not _fast_eligible(df, columns):
            return table
        with contextlib.suppress(Exception):  # any surprise: keep the slow path for it
            cand = _Encoding(table, range_index=sig[3][0] == "range")
            if cand.table(df, columns).equals(table, check_metadata=True):
                _ENCODINGS[sig] = cand
    return table


def arrow_table(df: pd.DataFrame) -> pa.Table:
    """``pa.Table.from_pandas(df)``, from the column arrays with a cached schema when possible.

    ``from_pandas`` spends most of its time on per-column pandas access, type inference and
    building the pandas metadata again for every table; for tables with the same columns and
    dtypes the schema and metadata are the same but for the row count of a ``RangeIndex``. The
    first table of a signature goes through ``from_pandas`` and the cached encoding is checked
    against it (schema, metadata and values); a signature where they differ, or a table with
    ``object`` columns, always takes ``from_pandas``.
    """
    sig, enc, columns = _lookup(df)
    if enc is not None:
        return enc.table(df, columns)
    return _from_pandas(df, sig, columns)


def encode_later(df: pd.DataFrame) -> tuple[_Encoding, list[Any]] | tuple[None, pa.Table]:
    """What a chunk keeps of a table until it encodes its rows with others'.

    ``(encoding, values)`` when the table's signature has a checked encoding (the values are
    converted to Arrow later, with the next tables' of the same encoding:
    :meth:`_Encoding.concat`); else ``(None, arrow_table(df))``.
    """
    sig, enc, columns = _lookup(df)
    if enc is not None:
        return enc, enc.values(df, columns)
    return None, _from_pandas(df, sig, columns)


def parquet_bytes(df: pd.DataFrame) -> bytes:
    """Deterministic Parquet bytes of a table (no timestamps; fixed writer options)."""
    if not isinstance(df, pd.DataFrame):
        df = pd.DataFrame(df)
    buf = pa.BufferOutputStream()  # in Arrow memory: no Python call per write of the writer
    pq.write_table(arrow_table(df), buf, **_PARQUET_OPTIONS)
    return buf.getvalue().to_pybytes()


def read_parquet(src: bytes | Path) -> pd.DataFrame:
    """A table from Parquet bytes or a Parquet file."""
    return pq.read_table(pa.BufferReader(src) if isinstance(src, bytes) else str(src)).to_pandas()


class Committer:
    """Commits finished chunks (Parquet files, then the manifest) on background threads.

    Writing is mostly waiting for ``fsync``; on their own threads the writes overlap the
    computation of the next scenarios, and several threads waiting at once let the file
    system commit their syncs together (one journal commit for several files) instead of one
    after the other. Each chunk is committed by one thread, files first, then its manifest
    entries; chunks are taken in the order they are handed over. Signals are delivered to the
    main thread only, so a Ctrl-C never interrupts a commit half-way; :meth:`close` waits for
    every handed-over chunk to be committed and re-raises an error of a writer (a full
    disk, say).
    """

    def __init__(
        self, commit: Callable[[dict[str, Any]], None], maxsize: int = 64, threads: int = 4
    ):
        self._commit = commit
        self._queue: queue.Queue = queue.Queue(maxsize)
        self._error: BaseException | None = None
        self._threads = [
            threading.Thread(target=self._loop, name=f"khoan-batch-writer-{k}", daemon=True)
            for k in range(max(1, threads))
        ]
        for t in self._threads:
            t.start()

    def _loop(self) -> None:
        while True:
            p = self._queue.get()
            if p is None:
                return
            if self._error is None:
                try:
                    self._commit(p)
                except BaseException as exc:  # reported to the main thread
                    self._error = exc

    def __call__(self, p: dict[str, Any]) -> None:
        if self._error is not None:
            raise self._error
        self._queue.put(p)

    def close(self) -> None:
        for _ in self._threads:
            self._queue.put(None)
        for t in self._threads:
            t.join()
        if self._error is not None:
            raise self._error


def clean_temp_files(out: Path) -> int:
    """Remove the temporary files an interrupted run left in ``out``; return how many."""
    n = 0
    found = itertools.chain(out.glob(f"*{TMP_SUFFIX}"), (out / "chunks").glob(f"*{TMP_SUFFIX}"))
    for p in found:
        with contextlib.suppress(OSError):
            p.unlink()
            n += 1
    return n


@contextlib.contextmanager
def folder_lock(out: Path) -> Iterator[None]:
    """Refuse to run two batches into one folder at the same time (POSIX ``flock``)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no lock
        yield
        return
    f = open(out / LOCK_FILE, "a+b")
    try:
        try:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise KhoanError(f"another khoan batch is writing into {out}") from None
        yield
    finally:
        f.close()


# --------------------------------------------------------------------------- summary table

FIRST = ("name", "status")


def summary_table(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per scenario: name, status, every summary figure, error (fixed dtypes)."""
    keys: list[str] = []
    for r in rows:
        for k in r.get("summary", {}):
            if k not in keys and k not in (*FIRST, "error", "scenario"):
                keys.append(k)
    cols: dict[str, Any] = {
        "name": pd.Series([r["name"] for r in rows], dtype=object),
        "status": pd.Series([r["status"] for r in rows], dtype=object),
    }
    for k in keys:
        vals = [r.get("summary", {}).get(k) for r in rows]
        present = [v for v in vals if v is not None]
        if present and all(isinstance(v, bool) for v in present):
            cols[k] = pd.Series(vals, dtype="boolean")
        elif present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
            cols[k] = pd.Series(vals, dtype="Int64")
        elif present and all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in present
        ):
            cols[k] = pd.Series([np.nan if v is None else float(v) for v in vals], dtype=float)
        else:
            cols[k] = pd.Series(
                [
                    None if v is None else (v if isinstance(v, str) else canonical_json(v))
                    for v in vals
                ],
                dtype=object,
            )
    cols["error"] = pd.Series([r.get("error") for r in rows], dtype=object)
    return pd.DataFrame(cols)
