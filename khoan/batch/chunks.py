"""Chunks of a batch: the tables of several scenarios in one Parquet file per table.

A chunk is a few scenarios computed one after the other (serially, up to 50 consecutive
scenarios or 5 s of computation; on worker processes, one task of up to 10). Its tables are written as one Parquet file per table and per
schema, **the scenarios' rows one after the other** (each manifest entry records the file,
the offset of its first row and its number of rows), and a chunk record (``<chunk>.json``:
the manifest entries of its finished scenarios)::

    chunks/<chunk>.by_year.parquet       rows offset … offset + rows - 1: one scenario's
    chunks/<chunk>.by_commune.parquet    table (a table whose columns or dtypes differ from
    chunks/<chunk>.leavers.parquet       the chunk's first goes to <chunk>.<table>-1 ...)
    chunks/<chunk>.json                  the chunk's entries, for adoption after a kill

Each file is written to a temporary name, synced and renamed; the folder is synced once per
chunk, after the record. A run killed mid-chunk loses that chunk, never part of a file. The
chunk's name is a hash of the names and inputs of its scenarios (the same batch, run the same
way, writes the same files).

Reading a scenario's table back slices its rows from the chunk's table; the pandas metadata
Arrow stores with a file is the one of the first table added to it, so a ``RangeIndex``'s
stop is set again from the scenario's own number of rows.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .._canonical import canonical_json, sha256
from .._files import atomic_write_bytes, fsync_dir
from ..errors import KhoanError
from .store import PARQUET_OPTIONS, encode_later, range_free, read_parquet

__all__ = [
    "CHUNK_DIR",
    "CHUNK_SECONDS",
    "CHUNK_SIZE",
    "TASK_SIZE",
    "ChunkEncoder",
    "TableRef",
    "chunk_id",
    "part_records",
    "read_chunk_records",
    "read_table",
    "remove_unreferenced",
    "write_chunk",
    "write_parts",
    "write_record",
]

#: Folder of the chunk files inside a batch's output folder.
CHUNK_DIR = "chunks"
#: Scenarios per chunk of a serial run, at most; a chunk also closes after
#: :data:`CHUNK_SECONDS` of computation (a kill loses at most the chunk in flight). The
#: Parquet writer's cost is mostly per column chunk: 50 scenarios of ``khanh_hoa_2016`` per
#: file encode in 0.8 ms CPU per scenario against 1.05–1.2 ms with 20 (benchmarks/README.md,
#: "Batch, fifth round").
CHUNK_SIZE = 50
CHUNK_SECONDS = 5.0
#: Scenarios per task of worker processes, at most (a task is one chunk).
TASK_SIZE = 10


@dataclasses.dataclass(frozen=True)
class TableRef:
    """Where a scenario's table is stored: a chunk file (or its bytes), its first row there
    and its number of rows."""

    src: bytes | Path
    offset: int
    rows: int


def _with_rows(meta: dict[bytes, bytes] | None, rows: int) -> dict[bytes, bytes] | None:
    """A file's schema metadata with each ``RangeIndex`` stop set for ``rows`` rows."""
    if not meta or b"pandas" not in meta:
        return meta
    d = json.loads(meta[b"pandas"])
    changed = False
    for ix in d.get("index_columns") or []:
        if isinstance(ix, dict) and ix.get("kind") == "range":
            ix["stop"] = ix.get("start", 0) + rows * ix.get("step", 1)
            changed = True
    if not changed:
        return meta
    return {**meta, b"pandas": json.dumps(d).encode("utf8")}


class _Part:
    """One Parquet file of a chunk being encoded: the tables of one schema, in order.

    A table is kept either as an Arrow table (its own metadata replaced by the part's) or,
    when its signature has a checked encoding (:func:`~khoan.batch.store.encode_later`), as
    its column arrays, converted to Arrow at :meth:`table` together with the following tables
    of the same encoding.
    """

    __slots__ = ("key", "meta", "name", "pieces", "rows", "schema")

    def __init__(self, name: str, schema: pa.Schema, meta: dict[bytes, bytes] | None, key: bytes):
        self.name = name
        self.schema = schema
        self.meta = meta
        self.key = key
        self.pieces: list[tuple[Any, Any]] = []  # (encoding or None, values or table)
        self.rows = 0

    def table(self) -> pa.Table:
        """The part's tables as one Arrow table, rows one after the other."""
        schema = self.schema.with_metadata(self.meta) if self.meta else self.schema
        tables: list[pa.Table] = []
        k = 0
        while k < len(self.pieces):
            enc, piece = self.pieces[k]
            if enc is None:
                tables.append(piece)
                k += 1
                continue
            run = [piece]
            k += 1
            while k < len(self.pieces) and self.pieces[k][0] is enc:
                run.append(self.pieces[k][1])
                k += 1
            tables.append(enc.concat(run, schema))
        return tables[0] if len(tables) == 1 else pa.concat_tables(tables)


class ChunkEncoder:
    """Encodes the tables of a chunk's scenarios into one Parquet file per table and schema.

    :meth:`add` appends a scenario's table to the part whose schema (and pandas metadata but
    for a ``RangeIndex``'s stop) it has, starting a new part when none has; :meth:`finish`
    writes each part as one Parquet table, the scenarios' rows one after the other, and
    returns the bytes. Encoding the chunk's rows together costs about half as much CPU as a
    file, or a row group, per scenario: the writer's cost is mostly per column chunk; and a
    table whose dtypes have a checked encoding is converted to Arrow with the others, one
    conversion per column and chunk instead of per scenario. The bytes depend only on the
    tables added, in their order (fixed writer options, no timestamp), and are those of the
    ``from_pandas`` tables concatenated.
    """

    def __init__(self) -> None:
        self._parts: dict[str, list[_Part]] = {}

    def add(self, table: str, df: pd.DataFrame) -> dict[str, Any]:
        """Add a scenario's table; return its location ``{"part", "offset", "rows"}``."""
        if not isinstance(df, pd.DataFrame):
            df = pd.DataFrame(df)
        enc, piece = encode_later(df)
        parts = self._parts.setdefault(table, [])
        if enc is not None:
            schema, key, rows = enc.schema, enc.key, len(df)
            meta = None  # the metadata with this table's rows: only for a new part
        else:
            schema, rows = piece.schema, piece.num_rows
            meta = piece.schema.metadata
            key = range_free((meta or {}).get(b"pandas"))
            if any(pa.types.is_dictionary(f.type) for f in schema):
                # categories are the file's, not the table's: such a table keeps a part of
                # its own
                key += b"#%d" % sum(len(v) for v in self._parts.values())
        for part in parts:
            if part.key == key and (
                part.schema is schema or part.schema.equals(schema, check_metadata=False)
            ):
                break
        else:
            if enc is not None:
                meta = enc.schema_for(rows).metadata
            part = _Part(
                table if not parts else f"{table}-{len(parts)}",
                schema.remove_metadata() if enc is None else schema,
                meta,
                key,
            )
            parts.append(part)
        loc = {"part": part.name, "offset": part.rows, "rows": rows}
        if enc is None:
            piece = piece.replace_schema_metadata(part.meta)
        part.pieces.append((enc, piece))
        part.rows += rows
        return loc

    def finish(self) -> dict[str, bytes]:
        """Encode the parts; part name -> Parquet bytes."""
        out: dict[str, bytes] = {}
        for parts in self._parts.values():
            for part in parts:
                table = part.table()
                key = None
                if part.rows == 0 and table.num_columns:
                    # a part of empty tables: its bytes depend on its schema only
                    key = (table.schema.serialize().to_pybytes(), table.column(0).num_chunks)
                    data = _EMPTY_PARTS.get(key)
                    if data is not None:
                        out[part.name] = data
                        continue
                buf = pa.BufferOutputStream()  # in Arrow memory: no Python call per write
                pq.write_table(table, buf, row_group_size=ROW_GROUP_ROWS, **PARQUET_OPTIONS)
                out[part.name] = buf.getvalue().to_pybytes()
                if key is not None:
                    if len(_EMPTY_PARTS) >= 64:
                        _EMPTY_PARTS.clear()
                    _EMPTY_PARTS[key] = out[part.name]
        self._parts = {}
        return out


#: (serialized schema with its metadata, Arrow chunks) -> the Parquet bytes of a part whose
#: tables are all empty (a chunk where nobody leaves in some scenarios: 0.4 ms a file)
_EMPTY_PARTS: dict[tuple[bytes, int], bytes] = {}


#: Rows per row group of a chunk file (a chunk's rows are located by offset, not row group).
ROW_GROUP_ROWS = 1 << 20

#: The last chunk files read, decoded (a scenario's table is a slice of its chunk's table:
#: reading the scenarios of a chunk one after the other decodes the file once).
_READ: dict[Any, pa.Table] = {}
_READ_KEEP = 4
_READ_LOCK = threading.Lock()


def _chunk_table(src: bytes | Path) -> pa.Table:
    if isinstance(src, bytes):
        key: Any = src
    else:
        st = Path(src).stat()
        key = (str(src), st.st_mtime_ns, st.st_size)
    with _READ_LOCK:
        t = _READ.get(key)
    if t is None:
        t = pq.read_table(pa.BufferReader(src) if isinstance(src, bytes) else str(src))
        with _READ_LOCK:
            while len(_READ) >= _READ_KEEP:
                _READ.pop(next(iter(_READ)))
            _READ[key] = t
    return t


def read_table(src: TableRef | bytes | Path) -> pd.DataFrame:
    """A scenario's table from its rows of a chunk file (or a whole Parquet file or bytes)."""
    if not isinstance(src, TableRef):
        return read_parquet(src)
    whole = _chunk_table(src.src)
    if src.offset < 0 or src.offset + src.rows > whole.num_rows:
        raise KhoanError(
            f"{'a chunk' if isinstance(src.src, bytes) else src.src} does not hold rows "
            f"{src.offset}–{src.offset + src.rows} that the manifest records; run the batch "
            "again into its folder to recompute them"
        )
    t = whole.slice(src.offset, src.rows)
    return t.replace_schema_metadata(_with_rows(t.schema.metadata, t.num_rows)).to_pandas()


def chunk_id(members: Iterable[tuple[str, Mapping[str, Any]]]) -> str:
    """The name of a chunk: a hash of its scenarios' names and inputs, in order."""
    return sha256(canonical_json([[n, dict(i)] for n, i in members]).encode("utf-8"))[:20]


def write_chunk(
    out: Path, cid: str, parts: Mapping[str, bytes], record: Mapping[str, Any] | str | None
) -> None:
    """Write a chunk's Parquet files (paths of :func:`part_records`), then its record (a
    mapping, or its JSON text); sync the folder once, after the record."""
    write_parts(out, cid, parts)
    if isinstance(record, Mapping):
        record = json.dumps(record, ensure_ascii=False, allow_nan=False)
    write_record(out, cid, record, synced=not parts)


def write_parts(out: Path, cid: str, parts: Mapping[str, bytes]) -> None:
    """A chunk's Parquet files, each written atomically (the folder is not synced yet:
    :func:`write_record` does it)."""
    cdir = out / CHUNK_DIR
    for part, data in parts.items():
        atomic_write_bytes(cdir / f"{cid}.{part}.parquet", data, sync_dir=False)


def write_record(out: Path, cid: str, text: str | None, synced: bool = False) -> None:
    """A chunk's record (JSON text; ``None``: no scenario of the chunk finished), then one
    sync of the folder for it and the chunk's files (none if nothing was written:
    ``synced``)."""
    cdir = out / CHUNK_DIR
    if text is not None:
        atomic_write_bytes(cdir / f"{cid}.json", text.encode("utf-8"), sync_dir=False)
    if text is not None or not synced:
        fsync_dir(cdir)


def part_records(cid: str, parts: Mapping[str, bytes]) -> dict[str, dict[str, Any]]:
    """Part name -> ``{"path", "bytes", "sha256"}`` of a chunk's files, before writing them."""
    return {
        part: {
            "path": f"{CHUNK_DIR}/{cid}.{part}.parquet",
            "bytes": len(data),
            "sha256": sha256(data),
        }
        for part, data in parts.items()
    }


def read_chunk_records(out: Path) -> tuple[dict[str, list[dict[str, Any]]], dict[str, Any]]:
    """Entries of the chunk records in ``out`` (name -> entries) and their shared references.

    A record that cannot be read (it never is half-written: records are renamed into place)
    is skipped: its scenarios are computed again.
    """
    found: dict[str, list[dict[str, Any]]] = {}
    refs: dict[str, Any] = {}
    for p in sorted((out / CHUNK_DIR).glob("*.json")):
        try:
            rec = json.loads(p.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if not isinstance(rec, dict) or not isinstance(rec.get("scenarios"), dict):
            continue
        if isinstance(rec.get("parameter_references"), dict):
            refs.update(rec["parameter_references"])
        for name, e in rec["scenarios"].items():
            if isinstance(e, dict):
                found.setdefault(name, []).append(e)
    return found, refs


def remove_unreferenced(out: Path, entries: Iterable[Mapping[str, Any]]) -> int:
    """Remove the chunk files no entry uses (chunks all of whose scenarios were recomputed
    or failed); return how many. A chunk's record stays while any of its files is used."""
    used: set[str] = set()
    for e in entries:
        files = e.get("files")
        if isinstance(files, dict):
            for f in files.values():
                if isinstance(f, dict) and isinstance(f.get("path"), str):
                    used.add(f["path"].rpartition("/")[2].split(".", 1)[0])
    n = 0
    cdir = out / CHUNK_DIR
    if not cdir.is_dir():
        return 0
    for p in cdir.iterdir():
        if p.is_file() and p.name.split(".", 1)[0] not in used:
            with contextlib.suppress(OSError):
                p.unlink()
                n += 1
    return n
