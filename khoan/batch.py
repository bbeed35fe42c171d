"""Many scenarios at once: in process, on local cores, or on a Dask cluster.

``run_batch(model, scenarios, out=...)`` runs every scenario through
:func:`khoan.scenarios.simulate` and collects one summary row per scenario in a
:class:`BatchResult`. With an output folder it also writes, for each scenario, its tables as
Parquet and its provenance in ``manifest.json``, so that a rerun into the same folder only
computes what is missing or has changed::

    out/
      manifest.json                  provenance of every scenario (inputs, status, timings, errors)
      summary.csv                    one row per scenario (byte-identical for the same inputs)
      summary.xlsx                   the same table as a workbook
      scenarios/<safe name>/         by_year.parquet, by_commune.parquet, leavers.parquet

Guarantees
----------
- **Atomic files.** Every file is written to a temporary file in the same folder (suffix
  ``.khoan-tmp``), flushed with ``fsync`` and moved into place with ``os.replace``. A Ctrl-C or a
  SIGKILL can leave a temporary file behind, never a truncated result; temporary files are never
  read and are removed by the next run.
- **Reproducible bytes.** The same inputs give byte-identical Parquet and CSV files whatever the
  executor: Parquet carries no timestamp, columns and rows come in a fixed order, and timings
  live only in the manifest.
- **Resume.** A scenario is skipped when its manifest entry is ``ok``, its files are present
  with the recorded SHA-256, and its inputs are unchanged: khoan version, model digest
  (:meth:`khoan.Model.digest`), parameter digest, scenario digest (SHA-256 of its canonical
  JSON) and the function that ran it. Anything else is computed again.
- **Isolation.** A scenario that raises is recorded as ``failed`` with its error and traceback;
  the others finish.
- **Safe file names.** Scenario names become folder names only through :func:`safe_name`.

Executors
---------
``None``
    In this process, one scenario after the other.
``"processes"``
    A :class:`concurrent.futures.ProcessPoolExecutor` of ``jobs`` workers (default
    ``os.cpu_count()``); the model is sent once per worker through the pool's initializer.
``dask.distributed.Client`` or a scheduler address (``"tcp://host:8786"``)
    The model is scattered once to every worker (``broadcast=True``), scenarios are mapped with
    ``client.map`` and collected with ``as_completed``. Workers return the encoded Parquet bytes,
    so the output folder only has to exist on the client's machine.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as _dt
import enum
import hashlib
import io
import itertools
import json
import math
import multiprocessing
import os
import pickle
import re
import signal
import socket
import sys
import time
import traceback
import unicodedata
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path, PurePath
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ._files import TMP_SUFFIX, atomic_write_bytes, fsync_dir
from .errors import KhoanError, ScenarioError

__all__ = [
    "BatchResult",
    "StoredResult",
    "atomic_write_bytes",
    "grid",
    "load_batch_scenarios",
    "run_batch",
    "run_cli",
    "safe_name",
    "scenario_digest",
]

#: Tables of a scenario result written as Parquet, in this order.
TABLES = ("by_year", "by_commune", "leavers")
MANIFEST = "manifest.json"
MANIFEST_FORMAT = "khoan-batch/1"
SCENARIO_DIR = "scenarios"
LOCK_FILE = ".khoan-batch.lock"

_PARQUET_OPTIONS = {
    "compression": "snappy",
    "use_dictionary": True,
    "write_statistics": True,
    "version": "2.6",
    "data_page_version": "1.0",
    "store_schema": True,
}


# --------------------------------------------------------------------------- file names


_WINDOWS_RESERVED = frozenset(
    ["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$", "CLOCK$"]
    + [f"{p}{d}" for p in ("COM", "LPT") for d in [*"0123456789", "¹", "²", "³"]]
)
_FORBIDDEN = set('<>:"/\\|?*')
_NAME_LIMIT = 100
_BYTE_LIMIT = 150  # UTF-8 bytes of the stem (file systems allow 255 bytes per name)


def _short_hash(text: str, n: int = 8) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:n]


def safe_name(name: str, *, max_length: int = _NAME_LIMIT) -> str:
    """A file-system-safe folder name for a scenario name.

    The name is normalised to NFC; path separators, characters Windows forbids (``<>:"/\\|?*``),
    control characters and whitespace become ``_``; leading and trailing dots, spaces and
    underscores are dropped (so ``..`` cannot climb a folder); a reserved Windows device name
    (``CON``, ``NUL``, ``COM1``, ...) gets a leading ``_``. When anything other than Unicode
    normalisation changed the name, or it is longer than ``max_length`` characters (or 150 UTF-8
    bytes), it is cut and gets ``~`` and 8 hex digits of the SHA-256 of the original name, so
    that two different names stay different.

    Parameters
    ----------
    name : str
        Scenario name as the user wrote it.
    max_length : int
        Characters kept before the hash suffix.

    Returns
    -------
    str
        A name of at most ``max_length + 9`` characters, never empty, never ``.`` or ``..``.

    Examples
    --------
    >>> safe_name("giảm 10% — nghỉ hưu sớm")
    'giảm_10%_—_nghỉ_hưu_sớm~...'  # doctest: +SKIP
    >>> safe_name("../../etc/x").startswith("etc_x~")
    True
    >>> safe_name("CON").startswith("_CON~")
    True
    """
    original = unicodedata.normalize("NFC", str(name))
    chars = []
    for ch in original:
        if ch in _FORBIDDEN or ch.isspace() or unicodedata.category(ch)[0] == "C":
            chars.append("_")
        else:
            chars.append(ch)
    s = re.sub(r"_{2,}", "_", "".join(chars)).strip(" ._")
    if not s:
        s = "scenario"
    if s.split(".")[0].rstrip(" ").upper() in _WINDOWS_RESERVED:
        s = "_" + s
    too_long = len(s) > max_length or len(s.encode("utf-8")) > _BYTE_LIMIT
    if s == original and not too_long:
        return s
    s = s[:max_length]
    while len(s.encode("utf-8")) > _BYTE_LIMIT:
        s = s[:-1]
    s = s.rstrip(" .") or "scenario"
    return f"{s}~{_short_hash(original)}"


def _assign_stems(names: Sequence[str]) -> list[str]:
    """Safe, unique (case-insensitively) folder names, in the order of ``names``."""
    taken: set[str] = set()
    stems = []
    for name in names:
        stem = safe_name(name)
        if stem.casefold() in taken:
            base = safe_name(name, max_length=_NAME_LIMIT).split("~")[0]
            stem = f"{base}~{_short_hash(unicodedata.normalize('NFC', name))}"
            k = 2
            while stem.casefold() in taken:  # pragma: no cover - a SHA-256 prefix collision
                stem = f"{base}~{_short_hash(name)}-{k}"
                k += 1
        taken.add(stem.casefold())
        stems.append(stem)
    return stems


# --------------------------------------------------------------------------- canonical JSON


def _jsonable(v: Any) -> Any:
    """Plain JSON data for provenance and digests (deterministic: no ``id()`` or addresses)."""
    if v is None or isinstance(v, bool | str):
        return v
    if isinstance(v, int | np.integer):
        return int(v)
    if isinstance(v, float | np.floating):
        f = float(v)
        return f if math.isfinite(f) else str(f)
    if isinstance(v, np.bool_):
        return bool(v)
    if isinstance(v, pd.Timestamp | _dt.datetime | _dt.date | _dt.time):
        return v.isoformat()
    if isinstance(v, np.datetime64):
        return str(v)
    if isinstance(v, PurePath):
        return v.as_posix()
    if isinstance(v, enum.Enum):
        return _jsonable(v.value)
    if isinstance(v, np.ndarray):
        return [_jsonable(x) for x in v.tolist()]
    if isinstance(v, pd.DataFrame | pd.Series):
        return f"<{type(v).__name__} {v.shape}>"
    if isinstance(v, Mapping):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, set | frozenset):
        items = [_jsonable(x) for x in v]
        return sorted(items, key=lambda x: json.dumps(x, sort_keys=True, ensure_ascii=False))
    if isinstance(v, list | tuple):
        return [_jsonable(x) for x in v]
    if hasattr(v, "to_dict") and callable(v.to_dict):
        return _jsonable(v.to_dict())
    if dataclasses.is_dataclass(v) and not isinstance(v, type):
        return {f.name: _jsonable(getattr(v, f.name)) for f in dataclasses.fields(v)}
    if isinstance(v, type) or callable(v):
        return f"{getattr(v, '__module__', '?')}.{getattr(v, '__qualname__', repr(v))}"
    return str(v)


def _canonical_json(v: Any) -> str:
    return json.dumps(
        _jsonable(v), sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False
    )


def _scenario_dict(scenario: Any) -> dict[str, Any]:
    d = _jsonable(scenario)
    if not isinstance(d, dict):
        raise ScenarioError(f"not a scenario: {scenario!r}")
    return d


def scenario_digest(scenario: Any) -> str:
    """SHA-256 of a scenario's canonical JSON (sorted keys, NFC text, no whitespace).

    Two scenarios with equal digests ask for the same computation.
    """
    return hashlib.sha256(_canonical_json(_scenario_dict(scenario)).encode("utf-8")).hexdigest()


def _scenario_name(scenario: Any) -> str:
    name = (
        scenario.get("name") if isinstance(scenario, Mapping) else getattr(scenario, "name", None)
    )
    if not isinstance(name, str) or not name.strip():
        raise ScenarioError(f"a scenario has no name: {scenario!r}")
    return unicodedata.normalize("NFC", name)


def _runner_name(fn: Callable) -> str:
    return f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', repr(fn))}"


# --------------------------------------------------------------------------- grids


def _ident(text: str) -> str:
    """Letters, digits, ``_`` and ``-`` only (what :class:`khoan.Scenario` accepts in a name)."""
    return re.sub(r"[^\w\-]+", "_", unicodedata.normalize("NFC", text)).strip("_") or "x"


def _value_label(v: Any) -> str:
    """Short readable label of a grid value, for generated scenario names."""
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, int | float | np.integer | np.floating | str):
        return str(v)
    if isinstance(v, _dt.date):
        return v.isoformat()
    if isinstance(v, enum.Enum):
        return _value_label(v.value)
    for attr in ("label", "name"):
        x = getattr(v, attr, None)
        if isinstance(x, str) and x:
            return x
    kind, value = getattr(v, "kind", None), getattr(v, "value", None)
    if isinstance(kind, str) and kind and isinstance(value, int | float | str):
        return f"{kind}_{value}"  # a Target: share_0.1
    if isinstance(v, list | tuple) and all(isinstance(x, str | int | float) for x in v):
        return "+".join(str(x) for x in v) or "none"
    if isinstance(v, list | tuple) and all(hasattr(x, "name") for x in v):
        return "+".join(str(x.name) for x in v) or "none"
    if isinstance(v, Mapping) and all(isinstance(x, str | int | float) for x in v.values()):
        return "_".join(f"{k}_{x}" for k, x in v.items())
    return _short_hash(_canonical_json(v))


def _replace(scenario: Any, **changes: Any) -> Any:
    if hasattr(scenario, "replace") and callable(scenario.replace):
        return scenario.replace(**changes)
    if dataclasses.is_dataclass(scenario) and not isinstance(scenario, type):
        return dataclasses.replace(scenario, **changes)
    if isinstance(scenario, Mapping):
        return {**scenario, **changes}
    raise ScenarioError(f"cannot vary {type(scenario).__name__}: not a dataclass or mapping")


def grid(base: Any, /, *, name: str | None = None, **fields: Iterable[Any]) -> list[Any]:
    """Cartesian product of scenario fields around a base scenario.

    Parameters
    ----------
    base : Scenario
        Scenario whose other fields every generated scenario keeps.
    name : str, optional
        Format string of the generated names, with the field names (and ``base``) as
        placeholders, e.g. ``"{base}-{policy}-{target}"``. Default:
        ``"<base name>-<field>_<value>-..."``, fields in the order given. Values appear as a
        short label made of letters, digits, ``_`` and ``-`` (``0.05`` -> ``0_05``, a target
        ``{share = 0.1}`` -> ``share_0_1``, objects by their ``label`` or ``name``, otherwise 8
        hex digits of their canonical JSON), so the names are valid scenario names.
    **fields : iterable
        Values of each field to vary, e.g. ``target=[0.05, 0.1]``,
        ``policy=["attrition", "early_retirement"]``, ``regime=["nd108", "nd178"]``.

    Returns
    -------
    list of Scenario
        ``prod(len(values))`` scenarios; the last field varies fastest. Names are
        deterministic.

    Raises
    ------
    ScenarioError
        A field has no values, or two generated names are equal.
    """
    keys = list(fields)
    values = []
    for k in keys:
        v = fields[k]
        vals = [v] if isinstance(v, str | bytes) or not isinstance(v, Iterable) else list(v)
        if not vals:
            raise ScenarioError(f"grid field {k!r} has no values")
        values.append(vals)
    base_name = _scenario_name(base)
    out = []
    for combo in itertools.product(*values):
        changes = dict(zip(keys, combo, strict=True))
        labels = {k: _ident(_value_label(v)) for k, v in changes.items()}
        if name is not None:
            try:
                n = name.format(base=base_name, **labels)
            except (KeyError, IndexError, ValueError) as exc:
                raise ScenarioError(f"grid name format {name!r}: {exc}") from None
        else:
            n = "-".join([base_name, *(f"{k}_{labels[k]}" for k in keys)])
        out.append(_replace(base, name=n, **changes))
    names = [_scenario_name(s) for s in out]
    if len(set(names)) != len(names):
        dup = sorted({n for n in names if names.count(n) > 1})
        raise ScenarioError(f"grid generates the same name twice: {', '.join(dup[:5])}")
    return out


def _to_scenario(obj: Any) -> Any:
    """A Scenario from a Scenario or a mapping of its fields (as read from TOML)."""
    if not isinstance(obj, Mapping):
        return obj
    from .scenarios import Scenario

    try:
        return Scenario(**dict(obj))
    except TypeError as exc:  # an unknown field
        raise ScenarioError(f"scenario {obj.get('name')!r}: {exc}") from None


_BATCH_KEYS = {"name", "title", "description", "defaults", "overrides", "base", "grid", "scenarios"}


def _resolve_overrides(value: Any, named: Mapping[str, Any], where: str) -> list[Any]:
    """Override names of a batch file -> ``{"name", "changes", "description"}`` mappings."""
    items = [value] if isinstance(value, str | Mapping) else list(value)
    out = []
    for o in items:
        if isinstance(o, str):
            body = named.get(o)
            if not isinstance(body, Mapping) or "changes" not in body:
                known = ", ".join(named) or "none"
                raise ScenarioError(
                    f"{where}, field 'overrides': no [overrides.{o}] table with 'changes' "
                    f"(known: {known})"
                )
            out.append({"name": o, **dict(body)})
        else:
            out.append(o)
    return out


def _expand(scenarios: Any) -> list[Any]:
    """A list of scenarios from a list, a single scenario, or a batch mapping.

    The mapping form (a batch TOML file, see :func:`load_batch_scenarios`) has ``base`` (a
    Scenario or a table of its fields) and ``grid`` (field -> list of values), optional
    ``name`` (format of the generated names), ``defaults`` (fields shared by every scenario),
    ``overrides`` (named override tables) and ``scenarios`` (further scenarios: a list, or a
    table name -> fields).
    """
    if not isinstance(scenarios, Mapping):
        if isinstance(scenarios, str | bytes) or not isinstance(scenarios, Iterable):
            return [scenarios]
        return [_to_scenario(s) for s in scenarios]
    unknown = sorted(set(scenarios) - _BATCH_KEYS)
    if unknown or not ("grid" in scenarios or "scenarios" in scenarios):
        raise ScenarioError(
            "a batch of scenarios is [base] + [grid] and/or [scenarios.NAME] tables"
            + (f"; unknown key(s): {', '.join(unknown)}" if unknown else "")
        )
    named = scenarios.get("overrides", {}) or {}
    defaults = dict(scenarios.get("defaults", {}) or {})

    def build(body: Any, name: str | None) -> Any:
        if not isinstance(body, Mapping):
            return body
        body = {**defaults, **body}
        if name is not None:
            body["name"] = name
        body.setdefault("name", "base")
        if "overrides" in body:
            body["overrides"] = _resolve_overrides(
                body["overrides"], named, f"scenario {body['name']!r}"
            )
        return _to_scenario(body)

    listed = scenarios.get("scenarios", [])
    if isinstance(listed, Mapping):
        out = [build(body, str(n)) for n, body in listed.items()]
    else:
        out = [build(body, None) for body in listed]
    if "grid" in scenarios:
        g = dict(scenarios["grid"])
        if "overrides" in g:
            g["overrides"] = [tuple(_resolve_overrides(v, named, "grid")) for v in g["overrides"]]
        base = build(scenarios.get("base", {}), None)
        out += grid(base, name=scenarios.get("name"), **g)
    return out


def load_batch_scenarios(path: str | Path) -> list[Any]:
    """Scenarios of a batch file (a grid) or of a ``scenarios.toml``.

    A TOML file with a ``[grid]`` table is a batch file; it uses the tables of
    ``scenarios.toml`` (``[defaults]``, ``[overrides.NAME]``, ``[scenarios.NAME]``) plus::

        name = "{base}-{policy}-{regime}-{target}"   # optional format of generated names

        [base]                         # the fields every grid scenario starts from
        name = "nq39"
        years = [2016, 2020]
        overrides = ["base_salary_2020"]

        [grid]                         # the cartesian product of these values
        policy = ["attrition", "early_retirement"]
        regime = ["nd108", "nd178"]
        target = [{ share = 0.05 }, { share = 0.10 }]

    Any other file (or a model folder) is read by :func:`khoan.scenarios.load_scenarios`.

    Returns
    -------
    list of Scenario
    """
    import tomllib

    p = Path(path)
    if p.is_file() and p.suffix.lower() == ".toml":
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ScenarioError(f"{p}: not valid TOML: {exc}") from None
        if "grid" in data:
            try:
                return _expand(data)
            except ScenarioError as exc:
                raise ScenarioError(f"{p}: {exc}") from None
    from .scenarios import load_scenarios

    loaded = load_scenarios(p)
    return _expand(list(loaded.values()) if isinstance(loaded, Mapping) else loaded)


# --------------------------------------------------------------------------- encoding


def _parquet_bytes(df: pd.DataFrame) -> bytes:
    """Deterministic Parquet bytes of a table (no timestamps; fixed writer options)."""
    if not isinstance(df, pd.DataFrame):
        df = pd.DataFrame(df)
    table = pa.Table.from_pandas(df, preserve_index=None)
    buf = io.BytesIO()
    pq.write_table(table, buf, **_PARQUET_OPTIONS)
    return buf.getvalue()


def _read_parquet(src: bytes | Path) -> pd.DataFrame:
    return pq.read_table(pa.BufferReader(src) if isinstance(src, bytes) else str(src)).to_pandas()


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _default_fn() -> Callable:
    try:
        from .scenarios import simulate
    except ImportError as exc:  # pragma: no cover - until the scenario module lands
        raise KhoanError(f"khoan.scenarios.simulate is not available: {exc}") from None
    return simulate


def _execute(fn: Callable, model: Any, index: int, scenario: Any) -> dict[str, Any]:
    """Run one scenario and encode its tables; never raises for an error of the scenario."""
    t0 = time.perf_counter()
    c0 = time.process_time()
    name = _scenario_name(scenario)
    payload: dict[str, Any] = {
        "index": index,
        "name": name,
        "worker": f"{socket.gethostname()}:{os.getpid()}",
        "tables": {},
        "summary": {},
        "provenance": {},
        "error": None,
        "traceback": None,
    }
    try:
        res = fn(model, scenario)
        t1 = time.perf_counter()
        summary = res.summary() if callable(getattr(res, "summary", None)) else {}
        payload["summary"] = _jsonable(dict(summary))
        payload["provenance"] = _jsonable(getattr(res, "provenance", {}) or {})
        for t in TABLES:
            df = getattr(res, t, None)
            if df is not None:
                payload["tables"][t] = _parquet_bytes(df)
        payload["status"] = "ok"
    except Exception as exc:
        t1 = time.perf_counter()
        payload["tables"] = {}
        payload["status"] = "failed"
        payload["error"] = f"{type(exc).__name__}: {exc}"
        payload["traceback"] = traceback.format_exc()
    t2 = time.perf_counter()
    payload["timings"] = {
        "run_s": round(t1 - t0, 6),
        "encode_s": round(t2 - t1, 6),
        "cpu_s": round(time.process_time() - c0, 6),
    }
    return payload


# worker-process state of the "processes" executor: the model is sent once per worker
_WORKER: dict[str, Any] = {}


def _init_worker(model: Any, fn: Callable) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    _WORKER["model"] = model
    _WORKER["fn"] = fn


def _pool_task(index: int, scenario: Any) -> dict[str, Any]:
    return _execute(_WORKER["fn"], _WORKER["model"], index, scenario)


def _dask_task(item: tuple[int, Any], model: Any, fn: Callable) -> dict[str, Any]:
    index, scenario = item
    return _execute(fn, model, index, scenario)


def _failed_payload(index: int, scenario: Any, exc: BaseException) -> dict[str, Any]:
    return {
        "index": index,
        "name": scenario if isinstance(scenario, str) else _scenario_name(scenario),
        "worker": None,
        "tables": {},
        "summary": {},
        "provenance": {},
        "status": "failed",
        "error": f"{type(exc).__name__}: {exc}",
        "traceback": "".join(traceback.format_exception(exc)),
        "timings": {},
    }


# --------------------------------------------------------------------------- atomic files
# atomic_write_bytes, TMP_SUFFIX: khoan._files (shared with workbooks, charts and CSV exports)


class _Committer:
    """Commits finished scenarios (Parquet files, then the manifest) on a background thread.

    Writing is mostly waiting for ``fsync``; on its own thread it overlaps the computation of
    the next scenarios. Scenarios are committed in the order they are handed over. Signals
    are delivered to the main thread only, so a Ctrl-C never interrupts a commit half-way;
    :meth:`close` waits for every handed-over scenario to be committed and re-raises an error
    of the writer (a full disk, say).
    """

    def __init__(self, commit: Callable[[dict[str, Any]], None], maxsize: int = 64):
        import queue
        import threading

        self._commit = commit
        self._queue: queue.Queue = queue.Queue(maxsize)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._loop, name="khoan-batch-writer", daemon=True)
        self._thread.start()

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
        self._queue.put(None)
        self._thread.join()
        if self._error is not None:
            raise self._error


def _clean_temp_files(out: Path) -> int:
    n = 0
    found = itertools.chain(
        out.glob(f"*{TMP_SUFFIX}"), (out / SCENARIO_DIR).glob(f"**/*{TMP_SUFFIX}")
    )
    for p in found:
        with contextlib.suppress(OSError):
            p.unlink()
            n += 1
    return n


@contextlib.contextmanager
def _folder_lock(out: Path) -> Iterator[None]:
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

_FIRST = ("name", "status")


def _summary_table(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per scenario: name, status, every summary figure, error (fixed dtypes)."""
    keys: list[str] = []
    for r in rows:
        for k in r.get("summary", {}):
            if k not in keys and k not in (*_FIRST, "error", "scenario"):
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
                    None if v is None else (v if isinstance(v, str) else _canonical_json(v))
                    for v in vals
                ],
                dtype=object,
            )
    cols["error"] = pd.Series([r.get("error") for r in rows], dtype=object)
    return pd.DataFrame(cols)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _escape_text(v: Any) -> Any:
    """Neutralise spreadsheet formulas: text starting with ``= + - @`` gets a leading quote."""
    if isinstance(v, str) and v.startswith(_FORMULA_START):
        return "'" + v
    return v


def _csv_bytes(df: pd.DataFrame) -> bytes:
    safe = df.copy()
    for c in safe.columns:
        if safe[c].dtype == object:
            safe[c] = safe[c].map(_escape_text)
    return safe.to_csv(index=False, lineterminator="\n").encode("utf-8")


# --------------------------------------------------------------------------- results


class StoredResult:
    """A finished scenario as stored by a batch: tables read from Parquet on first use.

    Attributes
    ----------
    name : str
        Scenario name.
    status : str
        ``"ok"``.
    provenance : dict
        The scenario's manifest entry (inputs, provenance of the run, timings).
    """

    def __init__(self, name: str, entry: dict[str, Any], sources: Mapping[str, bytes | Path]):
        self.name = name
        self.status = entry.get("status", "ok")
        self.provenance = entry
        self._sources = dict(sources)
        self._cache: dict[str, pd.DataFrame] = {}

    def _table(self, key: str) -> pd.DataFrame | None:
        if key not in self._cache:
            src = self._sources.get(key)
            if src is None:
                return None
            self._cache[key] = _read_parquet(src)
        return self._cache[key]

    @property
    def by_year(self) -> pd.DataFrame | None:
        """Province totals, one row per year."""
        return self._table("by_year")

    @property
    def by_commune(self) -> pd.DataFrame | None:
        """Commune × year table."""
        return self._table("by_commune")

    @property
    def leavers(self) -> pd.DataFrame | None:
        """One row per leaver with benefit components."""
        return self._table("leavers")

    @property
    def table(self) -> pd.DataFrame | None:
        """The main table (``by_year``)."""
        return self.by_year

    def summary(self) -> dict[str, Any]:
        """Headline figures of the scenario (as in the batch summary row)."""
        return dict(self.provenance.get("summary", {}))

    def __repr__(self) -> str:
        return f"<khoan StoredResult {self.name!r}: {', '.join(self._sources)}>"


class _Results(Mapping):
    """Scenario name -> :class:`StoredResult`, for the scenarios that finished ``ok``."""

    def __init__(self, items: dict[str, tuple[dict[str, Any], dict[str, bytes | Path]]]):
        self._items = items
        self._loaded: dict[str, StoredResult] = {}

    def __getitem__(self, name: str) -> StoredResult:
        if name not in self._loaded:
            entry, sources = self._items[name]
            self._loaded[name] = StoredResult(name, entry, sources)
        return self._loaded[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"<khoan batch results: {len(self)} scenarios>"


def _label(col: str, lang: str) -> str:
    from .report.labels import label

    return label(col, lang)


class _PlotAccessor:
    def __init__(self, result: BatchResult):
        self._r = result

    def compare(self, metric: str | None = None, ax=None, *, lang: str = "vi"):
        """Same as :meth:`BatchResult.compare`."""
        return self._r.compare(metric=metric, ax=ax, lang=lang)

    __call__ = compare


@dataclasses.dataclass
class BatchResult:
    """Outcome of :func:`run_batch`.

    Attributes
    ----------
    table : DataFrame
        One row per scenario, in the order given: ``name``, ``status`` (``ok`` / ``failed``),
        the scenario's headline figures (money in VND as int64: totals, one-off cost,
        cumulative net savings, payback year, ...) and ``error`` (empty when ok).
    provenance : dict
        khoan version, model name and digest, parameter digest, executor, counts
        (computed, reused, failed) and timings.
    out : Path or None
        Output folder.
    """

    table: pd.DataFrame
    provenance: dict[str, Any]
    out: Path | None = None
    _items: dict[str, tuple[dict[str, Any], dict[str, bytes | Path]]] = dataclasses.field(
        default_factory=dict, repr=False
    )
    _entries: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict, repr=False)

    @property
    def results(self) -> Mapping[str, StoredResult]:
        """Scenario name -> result, for the scenarios that finished; tables load lazily."""
        return _Results(self._items)

    @property
    def failed(self) -> list[str]:
        """Names of the scenarios that failed, in the order given."""
        return self.table.loc[self.table["status"] != "ok", "name"].tolist()

    @property
    def ok(self) -> bool:
        """True when every scenario finished."""
        return not self.failed

    @property
    def errors(self) -> dict[str, str]:
        """Scenario name -> error message and traceback, for the failed scenarios."""
        return {
            n: (e.get("error") or "") + "\n" + (e.get("traceback") or "")
            for n, e in self._entries.items()
            if e.get("status") != "ok"
        }

    @property
    def plot(self) -> _PlotAccessor:
        """Plots: ``.plot.compare(metric)``."""
        return _PlotAccessor(self)

    def _default_metric(self) -> str:
        numeric = [
            c
            for c in self.table.columns
            if c not in (*_FIRST, "error") and pd.api.types.is_numeric_dtype(self.table[c])
        ]
        for pref in ("cumulative_net_savings", "net_savings", "total_net_savings"):
            for c in numeric:
                if c == pref or c.startswith(pref):
                    return c
        for c in numeric:
            if "saving" in c:
                return c
        if not numeric:
            raise KhoanError("the batch table has no numeric column to compare")
        return numeric[0]

    def compare(self, metric: str | None = None, ax=None, *, lang: str = "vi"):
        """Plot scenarios side by side.

        Parameters
        ----------
        metric : str, optional
            A column of :attr:`table` (one bar per scenario), or a column of the scenarios'
            ``by_year`` tables (one line per scenario over the years). Default: cumulative net
            savings.
        ax : matplotlib Axes, optional
            Where to draw; a new figure by default.
        lang : {"vi", "en"}
            Language of the labels.

        Returns
        -------
        matplotlib.axes.Axes
            Labelled axes (money in millions or billions of đồng).
        """
        from .report import plots
        from .report.labels import is_money, text

        metric = metric or self._default_metric()
        ok = self.table[self.table["status"] == "ok"]
        title = f"{text('So sánh kịch bản', 'Scenarios compared', lang)}: {_label(metric, lang)}"
        if metric in self.table.columns:
            df = pd.DataFrame({"scenario": ok["name"].astype(str), metric: ok[metric]})
            return plots.bar_compare(
                df,
                [metric],
                x="scenario",
                horizontal=True,
                money=is_money(df, metric),
                lang=lang,
                ax=ax,
                title=title,
            )
        series = {}
        money = False
        for name in ok["name"]:
            by_year = self.results[name].by_year
            if by_year is None:
                continue
            df = by_year if "year" not in by_year.columns else by_year.set_index("year")
            if metric in df.columns:
                series[name] = df[metric]
                money = money or is_money(df, metric)
        if not series:
            raise KhoanError(
                f"no column {metric!r} in the batch table or in the scenarios' by_year tables"
            )
        wide = pd.DataFrame(series)
        wide.index.name = "year"
        ax = plots.line(
            wide,
            list(series),
            money=money,
            lang=lang,
            ax=ax,
            title=title,
        )
        if len(series) == 1:
            ax.legend(title=text("Kịch bản", "Scenario", lang))
        return ax

    def _headline(self) -> dict[str, Any]:
        c = self.provenance.get("counts", {})
        return {
            "model": self.provenance.get("model", {}).get("name"),
            "scenarios": c.get("scenarios", len(self.table)),
            "ok": c.get("ok"),
            "failed": c.get("failed"),
            "reused": c.get("reused"),
            "executor": self.provenance.get("executor"),
        }

    def to_excel(self, path: str | Path, lang: str = "vi") -> Path:
        """Write the summary table, the failures and the provenance to a workbook.

        Through :func:`khoan.report.excel.write_workbook`: labelled headers, money as numbers,
        text that starts with ``= + - @`` escaped, written atomically and deterministically.
        """
        from .report.excel import write_workbook
        from .report.labels import text

        sheets = {"scenarios": self.table.drop(columns=["error"])}
        errors = self.table.loc[self.table["status"] != "ok", ["name", "error"]]
        if len(errors):
            sheets["errors"] = errors.reset_index(drop=True)
        prov = {k: v for k, v in self.provenance.items() if k != "timings"}
        return write_workbook(
            path,
            title=text("Kết quả chạy nhiều kịch bản", "Batch of scenarios", lang),
            summary=self._headline(),
            sheets=sheets,
            provenance=prov,
            lang=lang,
            totals=False,
        )

    def _repr_html_(self) -> str:
        from .report.html import html_repr

        title = f"khoan.BatchResult — {len(self.table)} kịch bản / scenarios"
        if self.out is not None:
            title += f" → {self.out}"
        return html_repr(title, self._headline(), self.table, n=20)

    def __repr__(self) -> str:
        c = self.provenance.get("counts", {})
        return (
            f"<khoan.BatchResult: {len(self.table)} scenarios, {c.get('ok', 0)} ok, "
            f"{c.get('failed', 0)} failed>"
        )


# --------------------------------------------------------------------------- manifest


def _read_manifest(out: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """Scenario entries and shared parameter references of an earlier run (empty if none)."""
    p = out / MANIFEST
    if not p.is_file():
        return {}, {}
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        # damaged (our writes are atomic, so not by us): keep a copy, recompute everything
        with contextlib.suppress(OSError):
            os.replace(p, out / f"{MANIFEST}.damaged")
        return {}, {}
    if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT:
        raise KhoanError(f"{p} is not the manifest of a khoan batch: choose another output folder")
    sc = data.get("scenarios")
    refs = data.get("parameter_references")
    return (sc if isinstance(sc, dict) else {}), (refs if isinstance(refs, dict) else {})


class _ManifestWriter:
    """Keeps the manifest and writes it atomically after each scenario.

    The list of legal references a result's provenance cites (``provenance.parameters``,
    the same for every scenario on the same parameters) is stored once under
    ``parameter_references`` and pointed to by its hash. Writing is skipped while the time
    since the last write is less than ten times what the last write took (so a large manifest
    costs at most ~10 % of the run); the final write always happens.
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
        self._last_end = 0.0
        self._last_cost = 0.0
        self.dirty = False

    def _compact(self, entry: dict[str, Any]) -> dict[str, Any]:
        prov = entry.get("provenance")
        if not isinstance(prov, dict):
            return entry
        prov = dict(prov)
        params = prov.get("parameters")
        if isinstance(params, list) and params:
            h = _sha256(_canonical_json(params).encode("utf-8"))[:16]
            self.refs.setdefault(h, params)
            prov["parameters"] = f"#/parameter_references/{h}"
        if prov.get("scenario") == entry.get("scenario"):
            prov["scenario"] = "#/scenarios/<name>/scenario"
        return {**entry, "provenance": prov}

    def update(self, name: str, entry: dict[str, Any]) -> None:
        self.entries[name] = self._compact(entry)
        self.dirty = True
        if time.perf_counter() - self._last_end >= 10 * self._last_cost:
            self.flush()

    def flush(self) -> None:
        t0 = time.perf_counter()
        entries = dict(
            sorted(self.entries.items(), key=lambda kv: (kv[1].get("index", 1 << 60), kv[0]))
        )
        used = {
            str(e.get("provenance", {}).get("parameters", "")).rpartition("/")[2]
            for e in entries.values()
            if isinstance(e.get("provenance"), dict)
        }
        data = {
            **self.header,
            "updated": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
            "scenarios": entries,
            "parameter_references": {h: v for h, v in self.refs.items() if h in used},
        }
        text = json.dumps(data, ensure_ascii=False, indent=1, allow_nan=False)
        atomic_write_bytes(self.out / MANIFEST, text.encode("utf-8"))
        self._last_end = time.perf_counter()
        self._last_cost = self._last_end - t0
        self.dirty = False


def _entry_reusable(
    entry: dict[str, Any] | None, inputs: dict[str, str], folder: str, out: Path
) -> bool:
    if not entry or entry.get("status") != "ok" or entry.get("inputs") != inputs:
        return False
    if entry.get("folder") != folder:
        return False
    for t in entry.get("files", {}).values():
        p = out / t["path"]
        try:
            if p.stat().st_size != t["bytes"] or _sha256(p.read_bytes()) != t["sha256"]:
                return False
        except (OSError, KeyError, TypeError):
            return False
    return True


def _extract(prov: dict[str, Any], summary: dict[str, Any], *keys: str) -> Any:
    for k in keys:
        for d in (prov, prov.get("options") or {}, summary):
            if isinstance(d, dict) and d.get(k) is not None:
                return d[k]
    return None


# --------------------------------------------------------------------------- the run


def _is_dask_client(executor: Any) -> bool:
    return type(executor).__name__ == "Client" and hasattr(executor, "scatter")


def _progress_bar(progress: Any, total: int, initial: int):
    """A callable ``(payload) -> None`` updating the chosen progress display, and a closer."""
    if callable(progress):
        return progress, lambda: None
    if not progress:
        return (lambda p: None), lambda: None
    from tqdm import tqdm

    bar = tqdm(total=total, initial=initial, unit="scenario", file=sys.stderr, desc="khoan")

    def update(p: dict[str, Any]) -> None:
        bar.update(1)
        if p.get("status") != "ok":
            bar.set_postfix_str(f"failed: {p['name'][:40]}")

    return update, bar.close


def run_batch(
    model: Any,
    scenarios: Any,
    out: str | Path | None = None,
    executor: Any = None,
    *,
    progress: bool | Callable[[dict[str, Any]], None] = True,
    fn: Callable[[Any, Any], Any] | None = None,
    jobs: int | None = None,
    resume: bool = True,
) -> BatchResult:
    """Run many scenarios and collect one summary row per scenario.

    Parameters
    ----------
    model : khoan.Model
        The province model (sent once per worker process or scattered once to a cluster).
    scenarios : list of Scenario, or mapping
        Scenarios (e.g. from :func:`grid`), or the grid mapping read from TOML:
        ``{"base": {...}, "grid": {"policy": [...], "target": [...]}, "name": "{policy}"}``.
        Names must be unique.
    out : str or Path, optional
        Output folder: Parquet tables per scenario, ``manifest.json``, ``summary.csv``,
        ``summary.xlsx``. Without it, results stay in memory.
    executor : None, "processes", dask.distributed.Client or str
        ``None`` runs in this process; ``"processes"`` uses ``jobs`` local processes; a Dask
        ``Client`` (or a scheduler address, for which a client is opened and closed) runs on
        the cluster.
    progress : bool or callable
        Show a tqdm progress bar on stderr, or call ``progress(payload)`` after each scenario
        (``payload["name"]``, ``payload["status"]``).
    fn : callable, optional
        ``fn(model, scenario) -> result`` with ``.by_year``, ``.by_commune``, ``.leavers``,
        ``.summary()`` and ``.provenance``; default :func:`khoan.scenarios.simulate`. For
        ``"processes"`` it must be importable (a module-level function).
    jobs : int, optional
        Worker processes for ``"processes"`` (default ``os.cpu_count()``).
    resume : bool
        Reuse finished scenarios of an earlier run into ``out`` whose inputs are unchanged.

    Returns
    -------
    BatchResult

    Raises
    ------
    ScenarioError
        Two scenarios share a name, or a scenario has none.
    KhoanError
        Another batch is writing into ``out``, or the executor is unknown.

    Notes
    -----
    With ``"processes"`` the workers are started with ``forkserver`` (``spawn`` where it does
    not exist), as Python requires for a process that may hold threads: a script must then
    guard its entry point with ``if __name__ == "__main__":``.

    Finished scenarios are committed (files, then manifest entry) on a background thread
    while the next ones compute.

    A scenario that raises is recorded as ``failed`` (error and traceback in the manifest and
    in :attr:`BatchResult.errors`); the others finish. On ``KeyboardInterrupt`` pending work is
    cancelled, the manifest is written for what finished, and the interrupt is re-raised.
    """
    from . import __version__

    t_start = time.perf_counter()
    fn = fn or _default_fn()
    items = _expand(scenarios)
    names = [_scenario_name(s) for s in items]
    seen: set[str] = set()
    dups = sorted({n for n in names if n in seen or seen.add(n)})
    if dups:
        raise ScenarioError(f"scenario names must be unique; repeated: {', '.join(dups[:10])}")
    stems = _assign_stems(names)

    t0 = time.perf_counter()
    model_digest = model.digest()
    params_digest = model.params.digest()
    digest_s = time.perf_counter() - t0
    runner = _runner_name(fn)
    base_inputs = {
        "khoan_version": __version__,
        "model_digest": model_digest,
        "params_digest": params_digest,
        "runner": runner,
    }
    header = {
        "format": MANIFEST_FORMAT,
        "khoan_version": __version__,
        "model": {
            "name": getattr(model, "name", None),
            "digest": model_digest,
            "params_digest": params_digest,
        },
        "runner": runner,
    }
    sc_dicts = [_scenario_dict(s) for s in items]
    inputs = [
        {
            **base_inputs,
            "scenario_digest": hashlib.sha256(_canonical_json(d).encode("utf-8")).hexdigest(),
        }
        for d in sc_dicts
    ]

    out_path = Path(out) if out is not None else None
    lock = contextlib.nullcontext()
    previous: dict[str, dict[str, Any]] = {}
    previous_refs: dict[str, Any] = {}
    if out_path is not None:
        out_path.mkdir(parents=True, exist_ok=True)
        lock = _folder_lock(out_path)

    with lock:
        if out_path is not None:
            _clean_temp_files(out_path)
            previous, previous_refs = _read_manifest(out_path)
            if not resume:
                previous = {}
        entries: dict[str, dict[str, Any]] = {}
        stored: dict[str, tuple[dict[str, Any], dict[str, bytes | Path]]] = {}
        todo: list[int] = []
        for i, name in enumerate(names):
            folder = f"{SCENARIO_DIR}/{stems[i]}"
            prev = previous.get(name)
            if out_path is not None and _entry_reusable(prev, inputs[i], folder, out_path):
                e = {**prev, "index": i, "reused": True}
                entries[name] = e
                stored[name] = (e, {t: out_path / f["path"] for t, f in e["files"].items()})
            else:
                todo.append(i)
        reused = len(names) - len(todo)
        # entries of scenarios not in this batch are kept (their files stay valid)
        name_set = set(names)
        kept = {n: e for n, e in previous.items() if n not in name_set}
        for e in kept.values():
            e["index"] = 1 << 40
        writer = (
            _ManifestWriter(out_path, header, {**kept, **entries}, previous_refs)
            if out_path is not None
            else None
        )

        def _record(p: dict[str, Any]) -> None:
            i = p["index"]
            name = names[i]
            folder = f"{SCENARIO_DIR}/{stems[i]}"
            sc = sc_dicts[i]
            prov = p.get("provenance") or {}
            summary = p.get("summary") or {}
            entry: dict[str, Any] = {
                "index": i,
                "name": name,
                "folder": folder,
                "status": p["status"],
                "inputs": inputs[i],
                "scenario": sc,
                "overrides": prov.get("overrides", sc.get("overrides")),
                "solver": _extract(prov, summary, "solver"),
                "solver_status": _extract(
                    prov, summary, "solver_status", "status", "allocation_status"
                ),
                "summary": summary,
                "provenance": prov,
                "files": {},
                "worker": p.get("worker"),
                "timings": dict(p.get("timings") or {}),
                "error": p.get("error"),
                "traceback": p.get("traceback"),
            }
            sources: dict[str, bytes | Path] = {}
            t_w = time.perf_counter()
            if out_path is not None:
                sdir = out_path / folder
                if p["status"] == "ok":
                    for t in TABLES:
                        data = p["tables"].get(t)
                        target = sdir / f"{t}.parquet"
                        if data is None:
                            with contextlib.suppress(FileNotFoundError):
                                target.unlink()
                            continue
                        atomic_write_bytes(target, data, sync_dir=False)
                        rel = f"{folder}/{t}.parquet"
                        entry["files"][t] = {
                            "path": rel,
                            "bytes": len(data),
                            "sha256": _sha256(data),
                        }
                        sources[t] = target
                    if entry["files"]:
                        fsync_dir(sdir)
                else:  # stale files of an earlier run must not pass for this one's
                    for t in TABLES:
                        with contextlib.suppress(FileNotFoundError):
                            (sdir / f"{t}.parquet").unlink()
            else:
                sources = dict(p["tables"])
                for t, data in sources.items():
                    entry["files"][t] = {"path": None, "bytes": len(data), "sha256": _sha256(data)}
            entry["timings"]["write_s"] = round(time.perf_counter() - t_w, 6)
            entry["timings"]["finished_at"] = _dt.datetime.now(_dt.UTC).isoformat(
                timespec="milliseconds"
            )
            entries[name] = entry
            if p["status"] == "ok":
                stored[name] = (entry, sources)
            if writer is not None:
                writer.update(name, entry)

        update, close_bar = _progress_bar(progress, len(names), reused)
        kind = "serial"
        n_workers = 1
        committer = _Committer(_record) if out_path is not None and todo else None
        record = committer or _record
        try:
            if not todo:
                pass
            elif executor is None:
                for i in todo:
                    p = _execute(fn, model, i, items[i])
                    record(p)
                    update(p)
            elif executor == "processes":
                kind = "processes"
                n_workers = max(1, min(int(jobs or os.cpu_count() or 1), len(todo)))
                _run_processes(model, fn, items, todo, n_workers, record, update)
            elif _is_dask_client(executor) or isinstance(executor, str):
                kind = "dask"
                n_workers = _run_dask(executor, model, fn, items, todo, names, record, update)
            else:
                raise KhoanError(
                    f"unknown executor {executor!r}: use None, 'processes', a "
                    "dask.distributed.Client or a scheduler address"
                )
        finally:
            try:
                if committer is not None:
                    committer.close()
            finally:
                close_bar()
                if writer is not None and (writer.dirty or not (out_path / MANIFEST).exists()):
                    writer.flush()

        rows = [
            {
                "name": n,
                "status": entries[n]["status"],
                "summary": entries[n].get("summary") or {},
                "error": entries[n].get("error"),
            }
            for n in names
        ]
        table = _summary_table(rows)
        counts = {
            "scenarios": len(names),
            "ok": int((table["status"] == "ok").sum()),
            "failed": int((table["status"] != "ok").sum()),
            "reused": reused,
            "computed": len(todo),
        }
        result = BatchResult(
            table=table,
            provenance={
                **header,
                "executor": kind,
                "workers": n_workers,
                "counts": counts,
                "out": str(out_path) if out_path is not None else None,
                "timings": {
                    "digest_s": round(digest_s, 6),
                    "total_s": round(time.perf_counter() - t_start, 6),
                },
            },
            out=out_path,
            _items={n: stored[n] for n in names if n in stored},
            _entries={n: entries[n] for n in names},
        )
        if out_path is not None:
            atomic_write_bytes(out_path / "summary.csv", _csv_bytes(table))
            result.to_excel(out_path / "summary.xlsx")
            result.provenance["timings"]["total_s"] = round(time.perf_counter() - t_start, 6)
    return result


def _mp_context(fn: Callable):
    """forkserver (POSIX) or spawn: never fork a process that may hold threads (Dask, BLAS).

    The forkserver imports khoan (and the scenario function's module) once, so that each
    worker starts from a process with pandas, pyarrow and Pyomo already imported.
    """
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    mod = getattr(fn, "__module__", "") or ""
    ctx.set_forkserver_preload(sorted({"khoan.batch", *([mod] if mod.startswith("khoan") else [])}))
    return ctx


def _pool_round(model, fn, items, indices, workers, record, update) -> tuple[set[int], bool]:
    """Run ``indices`` in one process pool; return the finished ones and whether it broke."""
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=_mp_context(fn),
        initializer=_init_worker,
        initargs=(model, fn),
    )
    futures: dict[Any, int] = {}
    finished: set[int] = set()
    broken = False
    try:
        for i in indices:
            try:
                futures[pool.submit(_pool_task, i, items[i])] = i
            except BrokenProcessPool:  # a worker already died: collect, then start again
                broken = True
                break
        pending = set(futures)
        while pending:
            if broken:  # every other future is settled at once: collect what finished
                done, pending = wait(pending)
            else:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in sorted(done, key=futures.__getitem__):
                i = futures[fut]
                exc = fut.exception()
                if isinstance(exc, BrokenProcessPool):
                    if "initializer" in str(exc):
                        raise KhoanError(f"worker processes could not start: {exc}")
                    broken = True
                    continue
                p = fut.result() if exc is None else _failed_payload(i, items[i], exc)
                finished.add(i)
                record(p)
                update(p)
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    return finished, broken


def _run_processes(model, fn, items, todo, n_workers, record, update) -> None:
    """Run on a local process pool; a worker that dies takes only its own scenario down.

    When a worker process dies (a crash in native code, the out-of-memory killer), the pool
    breaks. The scenarios that were running are then rerun one at a time in a one-worker pool,
    which names the one that kills its worker: it is recorded as failed, the others go on.
    """
    try:
        pickle.dumps(fn)
    except Exception as exc:
        raise KhoanError(
            f"executor='processes' sends the scenario function to worker processes: "
            f"{_runner_name(fn)} cannot be pickled ({exc}); use a module-level function"
        ) from None
    queue = list(todo)
    while queue:
        finished, broken = _pool_round(model, fn, items, queue, n_workers, record, update)
        queue = [i for i in queue if i not in finished]
        if not broken:
            break
        suspects = queue[:n_workers]
        queue = queue[n_workers:]
        while suspects:
            fin, br = _pool_round(model, fn, items, suspects, 1, record, update)
            suspects = [i for i in suspects if i not in fin]
            if br and suspects:
                culprit = suspects.pop(0)
                p = _failed_payload(
                    culprit,
                    items[culprit],
                    KhoanError(
                        "the worker process died while running this scenario "
                        "(a crash in native code or out of memory)"
                    ),
                )
                record(p)
                update(p)


def _run_dask(executor, model, fn, items, todo, names, record, update) -> int:
    from distributed import Client, as_completed

    own = isinstance(executor, str)
    client = Client(executor) if own else executor
    futures = []
    try:
        model_f = client.scatter(model, broadcast=True, hash=False)
        futures = client.map(
            _dask_task,
            [(i, items[i]) for i in todo],
            model=model_f,
            fn=fn,
            key=[f"khoan-batch-{uuid.uuid4().hex[:12]}-{i}" for i in todo],
        )
        index_of = {f.key: i for f, i in zip(futures, todo, strict=True)}
        for fut in as_completed(futures):
            i = index_of[fut.key]
            if fut.status == "finished":
                p = fut.result()
            else:
                try:
                    exc = fut.exception()
                except BaseException as e:  # cancelled futures raise here
                    exc = e
                p = _failed_payload(i, names[i], exc)
            fut.release()
            record(p)
            update(p)
        n = len(client.scheduler_info(n_workers=-1).get("workers", {})) or 1
    except BaseException:
        with contextlib.suppress(Exception):
            client.cancel(futures)
        raise
    finally:
        if own:
            client.close()
    return n


# --------------------------------------------------------------------------- command line


def _resolve_model(model: Any) -> Any:
    if not isinstance(model, str | os.PathLike):
        return model
    from . import examples
    from .model import load

    p = Path(model)
    if p.exists():
        return load(p)
    if str(model) in examples.names():
        return examples.load(str(model))
    raise KhoanError(
        f"model {str(model)!r} not found: give a model folder or one of "
        f"{', '.join(examples.names())}"
    )


#: Headline columns of the summary table printed by ``khoan run`` (when present).
_CLI_COLUMNS = ("leavers", "one_off_cost", "cumulative_net_savings", "payback_year")
#: Rows of that table at most (failed scenarios first).
_CLI_ROWS = 40


def _fmt_cell(v: Any, column: str = "") -> str:
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, bool | np.bool_):
        return str(bool(v))
    if isinstance(v, int | np.integer):
        return str(int(v)) if "year" in column else f"{int(v):,}"
    if isinstance(v, float | np.floating) and "share" in column:
        return f"{float(v):.2%}"
    if isinstance(v, float | np.floating):
        return f"{float(v):,.4g}" if abs(v) < 1000 else f"{float(v):,.0f}"
    return str(v)


def run_cli(
    scenarios_path: str | Path,
    model: Any,
    out: str | Path,
    jobs: int | None = None,
    scheduler: str | None = None,
    *,
    console: Any = None,
    err_console: Any = None,
    fn: Callable | None = None,
) -> int:
    """``khoan run SCENARIOS.toml --model PATH --out DIR [--jobs N | --scheduler ADDRESS]``.

    Parameters
    ----------
    scenarios_path : str or Path
        Scenario file: a grid (``[base]`` + ``[grid]``, see :func:`load_batch_scenarios`) or a
        file :func:`khoan.scenarios.load_scenarios` reads.
    model : str, Path or Model
        Model folder, name of a bundled example, or a loaded model.
    out : str or Path
        Output folder (created; a rerun resumes).
    jobs : int, optional
        Local worker processes; ``None`` or 1 runs in this process.
    scheduler : str, optional
        Address of a Dask scheduler (``tcp://host:8786``); excludes ``jobs``.
    console, err_console : rich.console.Console, optional
        Where to print (default stdout / stderr).
    fn : callable, optional
        Replaces :func:`khoan.scenarios.simulate` (tests).

    Returns
    -------
    int
        0 when every scenario finished, 1 when any failed (they are named on stderr), 2 for
        conflicting options.

    Raises
    ------
    KhoanError
        The model or the scenario file cannot be read (the CLI prints it, exit 1).
    """
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from rich.table import Table

    console = console or Console()
    err_console = err_console or Console(stderr=True)
    if jobs is not None and scheduler is not None:
        err_console.print("give --jobs or --scheduler, not both")
        return 2
    if jobs is not None and jobs < 1:
        err_console.print("--jobs must be at least 1")
        return 2
    m = _resolve_model(model)
    scenarios = load_batch_scenarios(scenarios_path)
    executor: Any = scheduler if scheduler else ("processes" if jobs and jobs > 1 else None)

    columns = [
        TextColumn("[bold]khoan run"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        TextColumn("{task.fields[last]}"),
    ]
    failed_live: list[str] = []
    with Progress(*columns, console=err_console, transient=False) as bar:
        task = bar.add_task("run", total=len(scenarios), last="")

        def on_done(p: dict[str, Any]) -> None:
            if p["status"] != "ok":
                failed_live.append(p["name"])
            mark = "✓" if p["status"] == "ok" else "✗"
            bar.update(task, advance=1, last=f"{mark} {p['name'][:50]}")

        res = run_batch(m, scenarios, out, executor, progress=on_done, fn=fn, jobs=jobs)
        bar.update(task, completed=len(scenarios))

    t = res.table
    headline = [c for c in _CLI_COLUMNS if c in t.columns]
    if not headline:
        headline = [c for c in t.columns if c not in ("name", "status", "error")][:6]
    show = ["name", "status", *headline]
    table = Table(title=f"khoan run — {len(t)} scenarios → {out}")
    for c in show:
        if c == "name":
            longest = max((len(str(n)) for n in t["name"]), default=4)
            table.add_column(c, overflow="fold", min_width=min(longest, 40))
        else:
            table.add_column(c, no_wrap=True, justify="left" if c == "status" else "right")
    shown = t
    if len(t) > _CLI_ROWS:  # the failed ones, then the first ok ones
        shown = pd.concat([t[t["status"] != "ok"], t[t["status"] == "ok"]]).head(_CLI_ROWS)
        table.caption = f"{_CLI_ROWS} of {len(t)} rows; all in {Path(out) / 'summary.csv'}"
    for _, row in shown.iterrows():
        cells = [_fmt_cell(row[c], c) for c in show]
        if row["status"] != "ok":
            cells[1] = f"[red]{cells[1]}[/red]"
        table.add_row(*cells)
    console.print(table)
    c = res.provenance["counts"]
    console.print(
        f"{c['ok']} ok, {c['failed']} failed, {c['reused']} reused from an earlier run; "
        f"manifest: {Path(out) / MANIFEST}"
    )
    if res.failed:
        err_console.print(
            f"Lỗi / error: {len(res.failed)} scenario(s) failed: {', '.join(res.failed)}",
            style="red",
            highlight=False,
            markup=False,
        )
        for name in res.failed:
            err = t.loc[t["name"] == name, "error"].iloc[0]
            err_console.print(f"  - {name}: {err}", highlight=False, markup=False)
        return 1
    return 0
