"""The manifest of a batch folder: provenance of every scenario, and what a rerun may reuse."""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
import threading
import time
from pathlib import Path
from typing import Any

from .._canonical import canonical_json, sha256
from .._files import atomic_write_bytes
from ..errors import KhoanError
from .chunks import CHUNK_DIR

__all__ = [
    "MANIFEST",
    "MANIFEST_FORMAT",
    "ManifestWriter",
    "adopt",
    "entry_reusable",
    "read_manifest",
]

MANIFEST = "manifest.json"
MANIFEST_FORMAT = "khoan-batch/2"
#: The layout of khoan 0.x before chunks: one folder per scenario (``scenarios/<name>/``).
_FOLDER_PER_SCENARIO = "khoan-batch/1"


#: Seconds between two writes of the manifest during a run, at least.
MIN_INTERVAL_S = 1.0


def _old_layout(out: Path) -> KhoanError:
    return KhoanError(
        f"{out} holds a batch written by an earlier version of khoan (one folder per "
        f"scenario, format {_FOLDER_PER_SCENARIO}), which this version neither reads nor "
        "extends: give another output folder (--out), or delete this one to compute its "
        "scenarios again into it"
    )


def read_manifest(out: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """Scenario entries and shared parameter references of an earlier run (empty if none).

    Raises
    ------
    KhoanError
        The folder holds a batch of the earlier layout (one folder per scenario), or a
        ``manifest.json`` that is not a khoan batch's.
    """
    p = out / MANIFEST
    if not p.is_file():
        if next((out / "scenarios").glob("*/entry.json"), None) is not None:
            raise _old_layout(out)  # killed before its first manifest
        return {}, {}
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        # damaged (our writes are atomic, so not by us): keep a copy, recompute everything
        with contextlib.suppress(OSError):
            os.replace(p, out / f"{MANIFEST}.damaged")
        return {}, {}
    if isinstance(data, dict) and data.get("format") == _FOLDER_PER_SCENARIO:
        raise _old_layout(out)
    if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT:
        raise KhoanError(f"{p} is not the manifest of a khoan batch: choose another output folder")
    sc = data.get("scenarios")
    refs = data.get("parameter_references")
    return (sc if isinstance(sc, dict) else {}), (refs if isinstance(refs, dict) else {})


class ManifestWriter:
    """Keeps the manifest and writes it atomically as chunks are committed.

    The list of legal references a result's provenance cites (``provenance.parameters``,
    the same for every scenario on the same parameters) is stored once under
    ``parameter_references`` and pointed to by its hash; the provenance's ``scenario`` and
    ``overrides``, equal to the entry's own, point to them (``#/scenarios/<name>/scenario``,
    ``#/scenarios/<name>/overrides``). Each scenario's entry is encoded to
    JSON once, when it is recorded, and written on a line of its own: a rewrite of the
    manifest joins the encoded lines (its cost grows with the file's size, not with the work
    of encoding it again). Writing is skipped while the time since the last write is less
    than ten times what the last write took (so a large manifest costs at most ~10 % of the
    run) or than :data:`MIN_INTERVAL_S`; the final write always happens. A run killed in
    between loses nothing by it: the chunk records list what the manifest does not yet.

    :meth:`update` and :meth:`flush` may be called from several writer threads: entries are
    recorded under a lock, and a thread that finds another one writing the manifest leaves
    its entry to the next write.
    """

    def __init__(
        self,
        out: Path,
        header: dict[str, Any],
        entries: dict[str, dict[str, Any]],
        refs: dict[str, Any],
    ):
        self.out = out
        self.header = header
        self.entries = entries
        self.refs = dict(refs)
        self._encoded: dict[str, str] = {}
        self._last_params: tuple[Any, str] | None = None
        self._last_end = 0.0
        self._last_cost = 0.0
        self._lock = threading.Lock()  # entries, refs and the encoded lines
        self._writing = threading.Lock()  # one manifest write at a time
        self._version = 0  # updates recorded
        self._written = 0  # the version the manifest file holds

    @property
    def dirty(self) -> bool:
        """Whether an update is not in the manifest file yet."""
        return self._written != self._version

    def _params_ref(self, params: list[Any]) -> str:
        """The hash under which a list of references is stored (computed once per list)."""
        last = self._last_params
        if last is not None and (
            last[0] is params or last[0] == params
        ):  # the same list for every scenario
            return last[1]
        h = sha256(canonical_json(params).encode("utf-8"))[:16]
        self.refs.setdefault(h, params)
        self._last_params = (params, h)
        return h

    def compact(self, entry: dict[str, Any]) -> dict[str, Any]:
        """The entry as the manifest stores it: the list of legal references replaced by a
        pointer into ``parameter_references`` (see :meth:`references`)."""
        prov = entry.get("provenance")
        if not isinstance(prov, dict):
            return entry
        prov = dict(prov)
        params = prov.get("parameters")
        if isinstance(params, list) and params:
            with self._lock:  # several writer threads
                ref = self._params_ref(params)
            prov["parameters"] = f"#/parameter_references/{ref}"
        if prov.get("scenario") == entry.get("scenario"):
            prov["scenario"] = "#/scenarios/<name>/scenario"
        if prov.get("overrides") and prov.get("overrides") == entry.get("overrides"):
            # the model's parameter overrides, a quarter of an entry: stored once per entry
            prov["overrides"] = "#/scenarios/<name>/overrides"
        return {**entry, "provenance": prov}

    def references(self, entries: list[dict[str, Any]]) -> dict[str, Any]:
        """The shared references compacted ``entries`` point to (for a chunk's record)."""
        used = {
            str(e.get("provenance", {}).get("parameters", "")).rpartition("/")[2]
            for e in entries
            if isinstance(e.get("provenance"), dict)
        }
        with self._lock:
            return {h: v for h, v in self.refs.items() if h in used}

    @staticmethod
    def lines(entries: dict[str, dict[str, Any]]) -> dict[str, str]:
        """Each compacted entry's manifest line (``"name": {...}``), encoded once: a chunk's
        record (:meth:`record_text`) and the manifest (:meth:`update_compacted`) share it."""
        return {name: _dumps(name) + ": " + _dumps(e) for name, e in entries.items()}

    @staticmethod
    def record_text(chunk: str, lines: list[str], refs: dict[str, Any]) -> str:
        """A chunk's record from its entries' :meth:`lines`: the text of ``json.dumps`` of
        ``{"format", "chunk", "scenarios": {name: entry}, "parameter_references"}``."""
        return "".join(
            (
                '{"format": ',
                _dumps(MANIFEST_FORMAT),
                ', "chunk": ',
                _dumps(chunk),
                ', "scenarios": {',
                ", ".join(lines),
                '}, "parameter_references": ',
                _dumps(refs),
                "}",
            )
        )

    def update(self, name: str, entry: dict[str, Any]) -> None:
        """Record a scenario's entry (compacted here) and write the manifest if it is time."""
        self.update_compacted({name: self.compact(entry)})

    def update_compacted(
        self, entries: dict[str, dict[str, Any]], lines: dict[str, str] | None = None
    ) -> None:
        """Record entries already compacted (:meth:`compact`), e.g. a chunk's, with their
        :meth:`lines` if they were encoded already."""
        with self._lock:
            for name, entry in entries.items():
                self.entries[name] = entry
                if lines is not None and name in lines:
                    self._encoded[name] = lines[name]
                else:
                    self._encoded.pop(name, None)
            self._version += 1
        if time.perf_counter() - self._last_end >= max(10 * self._last_cost, MIN_INTERVAL_S):
            if self._writing.acquire(blocking=False):  # else another thread is writing
                try:
                    self._flush()
                finally:
                    self._writing.release()

    def _line(self, name: str) -> str:
        text = self._encoded.get(name)
        if text is None:
            text = _dumps(name) + ": " + _dumps(self.entries[name])
            self._encoded[name] = text
        return text

    def flush(self) -> None:
        """Write the manifest now (waits for a write another thread has begun)."""
        with self._writing:
            self._flush()

    def _flush(self) -> None:
        t0 = time.perf_counter()
        with self._lock:
            version = self._version
            names = sorted(self.entries, key=lambda n: (self.entries[n].get("index", 1 << 60), n))
            lines = [self._line(n) for n in names]
            used = {
                str(e.get("provenance", {}).get("parameters", "")).rpartition("/")[2]
                for e in self.entries.values()
                if isinstance(e.get("provenance"), dict)
            }
            refs = {h: v for h, v in self.refs.items() if h in used}
        head = {**self.header, "updated": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")}
        text = "".join(
            (
                _dumps(head)[:-1],
                ',\n"scenarios": {\n' if names else ',\n"scenarios": {',
                ",\n".join(lines),
                "\n},\n" if names else "},\n",
                f'"parameter_references": {_dumps(refs)}\n}}\n',
            )
        )
        atomic_write_bytes(self.out / MANIFEST, text.encode("utf-8"))
        self._last_end = time.perf_counter()
        self._last_cost = self._last_end - t0
        self._written = version


def _dumps(data: Any) -> str:
    """Compact JSON (the C encoder: ``indent`` would switch to the pure-Python one)."""
    return json.dumps(data, ensure_ascii=False, allow_nan=False)


def _file_digest(out: Path, rel: Any, verified: dict[str, tuple[int, str]]) -> tuple[int, str]:
    """Size and SHA-256 of a chunk file (read once per run: a chunk serves several entries)."""
    if not isinstance(rel, str):
        return (-1, "")
    got = verified.get(rel)
    if got is None:
        parts = Path(rel).parts
        got = (-1, "")
        if len(parts) == 2 and parts[0] == CHUNK_DIR and not parts[1].startswith("."):
            with contextlib.suppress(OSError):
                data = (out / rel).read_bytes()
                got = (len(data), sha256(data))
        verified[rel] = got
    return got


def entry_reusable(
    entry: dict[str, Any] | None,
    inputs: dict[str, str],
    out: Path,
    verified: dict[str, tuple[int, str]] | None = None,
) -> bool:
    """Whether an earlier run's entry is ``ok``, has these inputs and its files verify.

    ``verified`` caches the size and SHA-256 of the files already read (by path).
    """
    if not entry or entry.get("status") != "ok" or entry.get("inputs") != inputs:
        return False
    files = entry.get("files")
    if not isinstance(files, dict):
        return False
    verified = {} if verified is None else verified
    for f in files.values():
        try:
            if not isinstance(f["offset"], int) or not isinstance(f["rows"], int):
                return False
            if _file_digest(out, f["path"], verified) != (f["bytes"], f["sha256"]):
                return False
        except (KeyError, TypeError):
            return False
    return True


def adopt(
    candidates: list[dict[str, Any]] | None,
    name: str,
    inputs: dict[str, str],
    out: Path,
    verified: dict[str, tuple[int, str]],
) -> dict[str, Any] | None:
    """The entry of a scenario whose chunk is complete but not (yet) in the manifest.

    A run writes each chunk's tables, then the chunk's record (the entries of its scenarios,
    :func:`khoan.batch.chunks.read_chunk_records`), and the manifest itself less often; a
    run killed in between leaves finished scenarios the manifest does not list. Such a
    scenario is adopted when a record's entry for it is ``ok``, has the same inputs, and the
    size and SHA-256 of every file it lists match; otherwise ``None`` (it is computed again).
    """
    for entry in reversed(candidates or []):
        if entry.get("name") == name and entry_reusable(entry, inputs, out, verified):
            return entry
    return None
