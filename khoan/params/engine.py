"""Dated legal parameters, OpenFisca-style.

A parameter is a timeline of values, each in force from an effective date until the next one,
each with its legal reference and a confidence tag. Parameters live in YAML files: one file per
parameter or small family, the folder tree is the namespace (``law/salary/base.yaml`` is the
key ``salary.base``). See ``docs/architecture.md`` for the file format.

The tree is immutable: :meth:`ParameterTree.overlay` (a provincial overlay) and
:meth:`ParameterTree.with_overrides` (scenario overrides) return new trees that share every
unchanged parameter with the original (no deep copy), and append what they changed to ``log``.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from ..errors import ParameterError
from ..periods import Segment, cut_segments

__all__ = [
    "CONFIDENCE",
    "UNITS",
    "Override",
    "Parameter",
    "ParameterTree",
    "ParameterValue",
    "Snapshot",
    "load_dir",
    "load_law",
    "to_date",
]

#: Units a parameter may declare.
UNITS = frozenset(
    {
        "VND",
        "VND/month",
        "VND/year",
        "VND/person/year",
        "coefficient",
        "coefficient/month",
        "rate",
        "percent",
        "persons",
        "posts",
        "years",
        "months",
        "months/year",
        "points",
        "date",
        "bool",
        "text",
    }
)
#: Confidence tags; ``override`` marks a value set by a scenario override.
CONFIDENCE = frozenset({"confirmed", "unconfirmed", "illustrative", "override"})
_META_KEYS = frozenset({"description", "documentation", "unit", "values", "reference", "metadata"})
_BEGINNING = _dt.date(1900, 1, 1)


def to_date(d: Any) -> _dt.date:
    """Convert an ISO string, ``datetime.date``, ``datetime`` or ``numpy.datetime64`` to a date."""
    if isinstance(d, _dt.datetime):
        return d.date()
    if isinstance(d, _dt.date):
        return d
    if isinstance(d, np.datetime64):
        return pd.Timestamp(d).date()
    if isinstance(d, pd.Timestamp):
        return d.date()
    if isinstance(d, str):
        try:
            return _dt.date.fromisoformat(d.strip())
        except ValueError as exc:
            raise ParameterError(f"{d!r} is not a date (expected YYYY-MM-DD)") from exc
    if isinstance(d, int) and 1900 <= d <= 2200:
        return _dt.date(d, 1, 1)
    raise ParameterError(f"{d!r} is not a date (expected YYYY-MM-DD)")


def _nfc(obj: Any) -> Any:
    if isinstance(obj, str):
        return unicodedata.normalize("NFC", obj)
    if isinstance(obj, dict):
        return {_nfc(k): _nfc(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_nfc(v) for v in obj]
    return obj


def _valid_date(text: str) -> bool:
    try:
        _dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


# ---------------------------------------------------------------------------------------------
# YAML loading that refuses duplicate keys (yaml.safe_load silently keeps the last one)


class _StrictLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False):
    loader.flatten_mapping(node)
    out: dict = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in out:
            raise ParameterError(
                f"{loader.name}: line {key_node.start_mark.line + 1}: duplicate key {key!r}"
            )
        out[key] = loader.construct_object(value_node, deep=deep)
    return out


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ParameterError(f"{path}: not UTF-8 text ({exc})") from exc
    loader = _StrictLoader(text)
    loader.name = str(path)
    try:
        return _nfc(loader.get_single_data())
    except yaml.YAMLError as exc:
        raise ParameterError(f"{path}: not valid YAML: {exc}") from exc
    except ValueError as exc:  # e.g. 2011-13-01: YAML reads it as a date, which fails
        import re

        lines = [
            i + 1
            for i, ln in enumerate(text.splitlines())
            for m in re.finditer(r"\b(\d{4})-(\d{2})-(\d{2})\b", ln)
            if not _valid_date(m.group(0))
        ]
        at = f" line {lines[0]}:" if lines else ""
        raise ParameterError(
            f"{path}:{at} a date is not a date ({exc}); write dates as YYYY-MM-DD"
        ) from None
    finally:
        loader.dispose()


# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParameterValue:
    """One dated value of a parameter, with its provenance.

    Attributes
    ----------
    key : str
        Dotted parameter key.
    start : datetime.date
        First day in force.
    end : datetime.date or None
        Last day in force (``None``: still in force).
    value : Any
        Number, string, bool, ``None`` (not in force), list, or nested mapping (a lookup).
    reference : str
        Legal reference (document, article).
    confidence : str
        ``confirmed``, ``unconfirmed``, ``illustrative`` or ``override``.
    unit : str
        Unit of the value.
    note : str
        Free comment.
    source : str
        File the value came from (or ``override:<name>``).
    """

    key: str
    start: _dt.date
    end: _dt.date | None
    value: Any
    reference: str
    confidence: str
    unit: str
    note: str = ""
    source: str = ""


@dataclass(frozen=True)
class Parameter:
    """A parameter: metadata and a timeline of dated entries (sorted by date)."""

    key: str
    unit: str
    description: Mapping[str, str]
    source: str
    dates: tuple[_dt.date, ...]
    entries: tuple[Mapping[str, Any], ...]  # each: value, reference, confidence, note, source
    #: ``min``/``max`` of every number of the value (default: the unit's plausible range,
    #: ``khoan/data/schemas/parameter_units.csv``), ``text_fields`` (keys of a lookup whose
    #: values are words, e.g. an indicator's ``direction``) and ``ranges`` (plausible range of
    #: each input indicator, for ``allocation.indicators``), from the YAML file.
    limits: Mapping[str, Any] = field(default_factory=dict)

    def index_at(self, date: _dt.date) -> int:
        """Index of the entry in force on ``date``; raises when the date precedes the first."""
        import bisect

        i = bisect.bisect_right(self.dates, date) - 1
        if i < 0:
            raise ParameterError(
                f"parameter {self.key!r} ({self.source}) has no value in force on {date}: "
                f"its first value starts on {self.dates[0]}"
            )
        return i

    def entry(self, date: _dt.date) -> ParameterValue:
        i = self.index_at(date)
        e = self.entries[i]
        end = self.dates[i + 1] - _dt.timedelta(days=1) if i + 1 < len(self.dates) else None
        return ParameterValue(
            key=self.key,
            start=self.dates[i],
            end=end,
            value=e["value"],
            reference=e["reference"],
            confidence=e["confidence"],
            unit=self.unit,
            note=e.get("note", ""),
            source=e.get("source", self.source),
        )

    def merged(self, dated: Mapping[_dt.date, Mapping[str, Any]]) -> Parameter:
        """A copy with ``dated`` entries added (replacing entries at the same dates)."""
        table = dict(zip(self.dates, self.entries, strict=True))
        table.update(dated)
        dates = tuple(sorted(table))
        return Parameter(
            self.key,
            self.unit,
            self.description,
            self.source,
            dates,
            tuple(table[d] for d in dates),
            self.limits,
        )


def _parse_parameter(key: str, node: Mapping[str, Any], source: str) -> Parameter:
    unit = node.get("unit")
    if unit not in UNITS:
        raise ParameterError(
            f"{source}: parameter {key!r}: unknown unit {unit!r} (allowed: {', '.join(sorted(UNITS))})"
        )
    desc = node.get("description") or {}
    if isinstance(desc, str):
        desc = {"en": desc, "vi": desc}
    if not isinstance(desc, Mapping) or not (desc.get("vi") or desc.get("en")):
        raise ParameterError(f"{source}: parameter {key!r}: a description (vi and en) is required")
    values = node.get("values")
    if not isinstance(values, Mapping) or not values:
        raise ParameterError(f"{source}: parameter {key!r}: 'values' must map dates to values")
    table: dict[_dt.date, dict[str, Any]] = {}
    for raw_date, entry in values.items():
        if isinstance(raw_date, _dt.date):
            d = raw_date
        else:
            try:
                d = _dt.date.fromisoformat(str(raw_date))
            except ValueError:
                raise ParameterError(
                    f"{source}: parameter {key!r}: {raw_date!r} is not a date (YYYY-MM-DD)"
                ) from None
        if d in table:
            raise ParameterError(f"{source}: parameter {key!r}: date {d} appears twice")
        if not isinstance(entry, Mapping) or "value" not in entry:
            raise ParameterError(
                f"{source}: parameter {key!r}, {d}: each date needs a mapping with 'value', "
                "'reference' and 'confidence'"
            )
        ref = entry.get("reference")
        if not ref or not str(ref).strip():
            raise ParameterError(f"{source}: parameter {key!r}, {d}: the value has no reference")
        conf = entry.get("confidence")
        if conf not in CONFIDENCE - {"override"}:
            raise ParameterError(
                f"{source}: parameter {key!r}, {d}: confidence {conf!r} is not one of "
                "confirmed, unconfirmed, illustrative"
            )
        table[d] = {
            "value": entry["value"],
            "reference": str(ref),
            "confidence": conf,
            "note": str(entry.get("note", "") or ""),
            "source": source,
        }
    dates = tuple(sorted(table))
    limits = _parse_limits(key, node, source)
    return Parameter(key, unit, dict(desc), source, dates, tuple(table[d] for d in dates), limits)


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _parse_limits(key: str, node: Mapping[str, Any], source: str) -> dict[str, Any]:
    """``min``, ``max``, ``text_fields`` and ``ranges`` of a parameter node, checked."""
    out: dict[str, Any] = {}
    for b in ("min", "max"):
        if b in node:
            if not _is_number(node[b]):
                raise ParameterError(f"{source}: parameter {key!r}: {b} must be a number")
            out[b] = node[b]
    if "text_fields" in node:
        tf = node["text_fields"]
        if not isinstance(tf, list) or not all(isinstance(x, str) for x in tf):
            raise ParameterError(f"{source}: parameter {key!r}: text_fields must list names")
        out["text_fields"] = tuple(tf)
    if "ranges" in node:
        r = node["ranges"]
        ok = isinstance(r, Mapping) and all(
            isinstance(v, list) and len(v) == 2 and all(_is_number(x) for x in v) and v[0] <= v[1]
            for v in r.values()
        )
        if not ok:
            raise ParameterError(
                f"{source}: parameter {key!r}: ranges must map names to [min, max]"
            )
        out["ranges"] = {str(k): (float(v[0]), float(v[1])) for k, v in r.items()}
    return out


_NUMERIC_UNITS = UNITS - {"date", "bool", "text"}


def _unit_bounds() -> dict[str, tuple[float, float, str]]:
    """Plausible range of each unit (``khoan/data/schemas/parameter_units.csv``)."""
    if not _UNIT_BOUNDS:
        import csv
        from io import StringIO

        text = (
            resources.files("khoan.data")
            .joinpath("schemas", "parameter_units.csv")
            .read_text("utf-8")
        )
        for r in csv.DictReader(StringIO(text)):
            _UNIT_BOUNDS[r["unit"]] = (float(r["min"]), float(r["max"]), r["why"])
    return _UNIT_BOUNDS


_UNIT_BOUNDS: dict[str, tuple[float, float, str]] = {}


def _fmt_num(v: float) -> str:
    return f"{int(v):,}" if float(v).is_integer() else f"{v:g}"


def value_problems(p: Parameter, value: Any, where: str) -> list[str]:
    """What is wrong with ``value`` as a value of parameter ``p`` (empty list: nothing).

    Every number of a parameter whose unit is a quantity (VND, rate, coefficient, …) must be a
    finite number within the parameter's ``min``/``max`` (default: the unit's plausible range,
    ``khoan/data/schemas/parameter_units.csv``, which also keeps every money total far from
    int64 overflow); text is allowed only under the keys the parameter lists as
    ``text_fields``; ``None`` means "not in force". Lists and lookups are checked leaf by leaf.

    Parameters
    ----------
    p : Parameter
    value : Any
        One dated value.
    where : str
        Where the value comes from (file, parameter key and date), for the messages.
    """
    if p.unit not in _NUMERIC_UNITS:
        return []
    lo_u, hi_u, why = _unit_bounds().get(p.unit, (-np.inf, np.inf, ""))
    lo = p.limits.get("min", lo_u)
    hi = p.limits.get("max", hi_u)
    text_ok = set(p.limits.get("text_fields", ()))
    out: list[str] = []

    def walk(v: Any, path: tuple) -> None:
        at = "".join(f"[{k!r}]" for k in path)
        if isinstance(v, Mapping):
            for k, x in v.items():
                walk(x, (*path, k))
        elif isinstance(v, list | tuple):
            for i, x in enumerate(v):
                walk(x, (*path, i))
        elif v is None:
            return
        elif isinstance(v, str):
            if not (path and path[-1] in text_ok):
                out.append(f"{where}{at}: value {v!r} is not a number (unit {p.unit})")
        elif isinstance(v, bool) or not _is_number(v):
            out.append(f"{where}{at}: value {v!r} is not a number (unit {p.unit})")
        elif not np.isfinite(v):
            out.append(f"{where}{at}: value {v!r} is not a finite number (unit {p.unit})")
        elif v < lo or v > hi:
            sign, b = ("≥", lo) if v < lo else ("≤", hi)
            if sign == "≥" and b == 0:
                reason = "an amount, rate or count is never negative"
            elif sign == "≤" and "max" not in p.limits:
                reason = f"plausible range of the unit: {why}"
            else:
                reason = "the parameter's range (min/max in its YAML file)"
            out.append(
                f"{where}{at}: value {_fmt_num(v)} must be {sign} {_fmt_num(b)} {p.unit} ({reason})"
            )

    walk(value, ())
    return out


def check_parameter(p: Parameter, sources: set[str] | None = None) -> list[str]:
    """Problems of every dated value of ``p`` (only those from ``sources`` when given)."""
    out: list[str] = []
    for d, e in zip(p.dates, p.entries, strict=True):
        src = e.get("source", p.source)
        if sources is not None and src not in sources:
            continue
        shown = d if d != _BEGINNING else "all dates"
        label = src[len("override:") :] if src.startswith("override:") else src
        prefix = f"override {label!r}" if src.startswith("override:") else label
        out += value_problems(p, e["value"], f"{prefix}: parameter {p.key!r}, {shown}")
    return out


def _raise_if(problems: list[str], title: str) -> None:
    if problems:
        shown = problems[:50]
        more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
        raise ParameterError(
            f"{title}: {len(problems)} problem(s)\n" + "\n".join(f"  - {t}" for t in shown) + more
        )


def _walk(node: Any, prefix: str, source: str, out: dict[str, Parameter]) -> None:
    if not isinstance(node, Mapping):
        raise ParameterError(f"{source}: {prefix or 'file'} must be a mapping")
    if "values" in node:
        if prefix in out:
            raise ParameterError(f"{source}: parameter {prefix!r} is defined twice")
        out[prefix] = _parse_parameter(prefix, node, source)
        return
    for k, child in node.items():
        if k in _META_KEYS:
            continue
        if not isinstance(k, str) or not k.replace("_", "").isalnum():
            raise ParameterError(f"{source}: {k!r} is not a valid parameter name")
        _walk(child, f"{prefix}.{k}" if prefix else k, source, out)


def load_dir(path: str | Path, prefix: str = "") -> dict[str, Parameter]:
    """Read every ``*.yaml`` under ``path`` into ``{key: Parameter}``.

    ``index.yaml`` files document a folder and define no parameter.
    """
    root = Path(path)
    if not root.is_dir():
        raise ParameterError(f"{root}: parameter folder not found")
    out: dict[str, Parameter] = {}
    for file in sorted(root.rglob("*.yaml")) + sorted(root.rglob("*.yml")):
        if file.stem == "index":
            continue
        rel = file.relative_to(root).with_suffix("")
        key = ".".join(([prefix] if prefix else []) + list(rel.parts))
        data = _read_yaml(file)
        if data is None:
            raise ParameterError(f"{file}: empty parameter file")
        _walk(data, key, str(file), out)
    return out


def law_path() -> Path:
    """Folder of the national law parameter files shipped with khoan."""
    return Path(str(resources.files("khoan.params").joinpath("law")))


_LAW_CACHE: dict[str, ParameterTree] = {}


def load_law(path: str | Path | None = None) -> ParameterTree:
    """Load the national law parameters (cached: the tree is immutable)."""
    p = Path(path) if path is not None else law_path()
    k = str(p.resolve())
    if k not in _LAW_CACHE:
        params = load_dir(p)
        _raise_if(
            [t for q in params.values() for t in check_parameter(q)],
            f"Parameter values in {p} are not valid",
        )
        _LAW_CACHE[k] = ParameterTree(params, name="law")
    return _LAW_CACHE[k]


def _is_dated_mapping(v: Any) -> bool:
    if not isinstance(v, Mapping) or not v:
        return False
    for k in v:
        try:
            to_date(k)
        except ParameterError:
            return False
    return True


@dataclass(frozen=True)
class Override:
    """A named set of parameter changes (Calliope-style).

    Parameters
    ----------
    name : str
        Name shown in logs and provenance.
    changes : mapping
        ``{key: value}`` replaces the whole timeline of ``key`` with ``value``;
        ``{key: {date: value, ...}}`` adds (or replaces) dated values.
    description : str
        Why the override exists.
    """

    name: str
    changes: Mapping[str, Any] = field(default_factory=dict)
    description: str = ""


class Snapshot:
    """The parameter tree in force on one date; ``snap["salary.base"]`` or ``snap.salary.base``."""

    def __init__(self, tree: ParameterTree, date: _dt.date, prefix: str = ""):
        self._tree, self._date, self._prefix = tree, date, prefix

    def __getitem__(self, key: str) -> Any:
        full = f"{self._prefix}.{key}" if self._prefix else key
        if full in self._tree:
            return self._tree.value(full, self._date)
        if any(k.startswith(full + ".") for k in self._tree.keys()):
            return Snapshot(self._tree, self._date, full)
        raise ParameterError(f"no parameter {full!r}")

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self[name]
        except ParameterError as exc:
            raise AttributeError(str(exc)) from None

    @property
    def date(self) -> _dt.date:
        return self._date

    def __repr__(self) -> str:
        return f"<Snapshot {self._prefix or 'parameters'} on {self._date}>"


class ParameterTree:
    """An immutable set of dated parameters with overlays, overrides and a change log."""

    def __init__(
        self,
        params: Mapping[str, Parameter],
        name: str = "law",
        log: Sequence[Mapping[str, Any]] = (),
    ):
        self._params = dict(params)
        self.name = name
        self.log: list[dict[str, Any]] = [dict(x) for x in log]

    # -- access -------------------------------------------------------------------------------
    def __contains__(self, key: str) -> bool:
        return key in self._params

    def keys(self) -> list[str]:
        """Every parameter key, sorted."""
        return sorted(self._params)

    def parameter(self, key: str) -> Parameter:
        try:
            return self._params[key]
        except KeyError:
            near = [k for k in self._params if k.split(".")[-1] == key.split(".")[-1]]
            hint = f" (did you mean {', '.join(near[:3])}?)" if near else ""
            raise ParameterError(f"no parameter {key!r}{hint}") from None

    def meta(self, key: str) -> dict[str, Any]:
        p = self.parameter(key)
        return {"key": key, "unit": p.unit, "description": dict(p.description), "file": p.source}

    def entry(self, key: str, date: Any) -> ParameterValue:
        """The dated value in force on ``date`` with its reference and confidence."""
        return self.parameter(key).entry(to_date(date))

    def value(self, key: str, date: Any) -> Any:
        """The value of ``key`` in force on ``date``."""
        p = self.parameter(key)
        return p.entries[p.index_at(to_date(date))]["value"]

    def number(self, key: str, date: Any) -> float:
        """Like :meth:`value` but insists on a number (``None`` is refused)."""
        v = self.value(key, date)
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise ParameterError(
                f"parameter {key!r} on {to_date(date)} is {v!r}, not a number "
                f"({self.parameter(key).source})"
            )
        return v

    def at(self, date: Any) -> Snapshot:
        """The tree as in force on ``date``."""
        return Snapshot(self, to_date(date))

    def history(self, key: str) -> list[ParameterValue]:
        """Every dated value of ``key``, oldest first."""
        p = self.parameter(key)
        return [p.entry(d) for d in p.dates]

    def in_force(self, keys: Iterable[str], start: Any, end: Any) -> pd.DataFrame:
        """Every dated value of ``keys`` in force at some day of ``start``..``end`` (inclusive).

        The "parameters used" of a result: one row per value (``key``, ``from``, ``to``,
        ``value`` — JSON for mappings and lists —, ``unit``, ``reference``, ``confidence``,
        ``source``), keys in the order given, each once; keys not in the tree are skipped.
        """
        lo, hi = to_date(start), to_date(end)
        rows = []
        seen: set[str] = set()
        for key in keys:
            if key in seen or key not in self:
                continue
            seen.add(key)
            for e in self.history(key):
                if e.start > hi or (e.end is not None and e.end < lo):
                    continue
                v = e.value
                rows.append(
                    {
                        "key": key,
                        "from": e.start,
                        "to": e.end,
                        "value": json.dumps(v, ensure_ascii=False)
                        if isinstance(v, dict | list)
                        else v,
                        "unit": e.unit,
                        "reference": e.reference,
                        "confidence": e.confidence,
                        "source": e.source,
                    }
                )
        return pd.DataFrame(
            rows,
            columns=["key", "from", "to", "value", "unit", "reference", "confidence", "source"],
        )

    def segments(self, keys: Sequence[str], year: int) -> list[Segment]:
        """The sub-periods of ``year`` in which one value of each of ``keys`` is in force.

        Each :class:`~khoan.periods.Segment` carries the values (in the order of ``keys``),
        their start dates (to look categorical values up on) and the share of each month's
        days (:func:`khoan.periods.cut_segments`). A formula that combines monthly parameters
        (e.g. a coefficient × the base salary) sums ``weights × f(values)`` over the segments.

        Raises
        ------
        ParameterError
            A key is unknown or has no value in force on 1 January of ``year``.
        """
        ps = [self.parameter(k) for k in keys]
        out = []
        for idx, w in cut_segments(ps, year):
            out.append(
                Segment(
                    values=tuple(p.entries[i]["value"] for p, i in zip(ps, idx, strict=True)),
                    starts=tuple(p.dates[i] for p, i in zip(ps, idx, strict=True)),
                    weights=w,
                )
            )
        return out

    # -- vectorised lookups ------------------------------------------------------------------
    @staticmethod
    def _as_keys(arr: Any) -> np.ndarray:
        s = pd.Series(np.asarray(arr, dtype=object) if np.ndim(arr) else [arr])
        num = pd.to_numeric(s, errors="coerce")
        integral = num.notna() & (num == np.round(num))
        out = s.astype(str)
        out[integral] = num[integral].astype("int64").astype(str)
        return out.to_numpy(dtype=object)

    def _lookup_value(self, key: str, value: Any, date: _dt.date, arrays: Sequence[Any]):
        if not arrays:
            return value
        if not isinstance(value, Mapping):
            raise ParameterError(
                f"parameter {key!r} on {date} is {value!r}: not a lookup table, "
                f"cannot index it by {len(arrays)} column(s)"
            )
        keys = [self._as_keys(a) for a in arrays]
        n = max(len(k) for k in keys)
        keys = [np.resize(k, n) if len(k) != n else k for k in keys]
        flat: dict[tuple, Any] = {}

        def rec(node: Any, path: tuple, depth: int) -> None:
            if depth == len(keys):
                flat[path] = node
                return
            if not isinstance(node, Mapping):
                raise ParameterError(
                    f"parameter {key!r} on {date}: lookup has {depth} level(s), "
                    f"{len(keys)} column(s) given"
                )
            for k, v in node.items():
                rec(v, (*path, str(k)), depth + 1)

        rec(value, (), 0)
        combo = pd.MultiIndex.from_arrays(keys) if len(keys) > 1 else pd.Index(keys[0])
        codes, uniques = pd.factorize(combo)
        out_u = np.empty(len(uniques), dtype=object)
        missing = []
        for j, u in enumerate(uniques):
            t = u if isinstance(u, tuple) else (u,)
            if t in flat:
                out_u[j] = flat[t]
            else:
                missing.append("/".join(t))
        if missing:
            known = sorted({"/".join(t) for t in flat})
            raise ParameterError(
                f"parameter {key!r} on {date} has no value for {', '.join(missing[:10])} "
                f"(known: {', '.join(known[:20])}) — {self.parameter(key).source}"
            )
        res = out_u[codes]
        try:
            return res.astype(float)
        except (TypeError, ValueError):
            return res

    def lookup(self, key: str, date: Any, *arrays: Any) -> np.ndarray:
        """Vectorised lookup of a categorical parameter.

        Parameters
        ----------
        key : str
            Parameter key whose value is a (possibly nested) mapping.
        date : date-like
            Date the value is taken on.
        *arrays : array-like
            One array of categories per level of the mapping (e.g. commune type, then class).

        Returns
        -------
        numpy.ndarray
            One value per row (float when all values are numeric). Unknown categories raise
            :class:`ParameterError` naming them.
        """
        d = to_date(date)
        return self._lookup_value(key, self.value(key, d), d, arrays)

    @staticmethod
    def _month_bounds(year: int) -> list[_dt.date]:
        return [_dt.date(year, m, 1) for m in range(1, 13)] + [_dt.date(year + 1, 1, 1)]

    def month_weights(self, key: str, year: int) -> tuple[list[int], np.ndarray]:
        """Entries overlapping ``year`` and their share of each month's days.

        Returns
        -------
        (indices, weights) : list of entry indices, array (n_entries, 12) of day fractions
        """
        p = self.parameter(key)
        bounds = self._month_bounds(year)
        first = p.index_at(bounds[0])
        idx = [i for i in range(first, len(p.dates)) if p.dates[i] < bounds[-1]]
        w = np.zeros((len(idx), 12))
        for m in range(12):
            a, b = bounds[m], bounds[m + 1]
            days = (b - a).days
            for r, i in enumerate(idx):
                s = max(p.dates[i], a)
                e = min(p.dates[i + 1] if i + 1 < len(p.dates) else b, b)
                if e > s:
                    w[r, m] = (e - s).days / days
        return idx, w

    def monthly(self, key: str, year: int) -> np.ndarray:
        """Twelve monthly values of a numeric parameter in ``year``.

        A month's value is the one in force on each of its days, averaged by days when a new
        value takes effect inside the month (NĐ 34/2019 took effect on 2019-06-25). An annual
        amount is the sum of the twelve monthly amounts.
        """
        idx, w = self.month_weights(key, year)
        p = self.parameter(key)
        vals = []
        for i in idx:
            v = p.entries[i]["value"]
            if v is None:
                v = 0.0
            if isinstance(v, bool) or not isinstance(v, int | float):
                raise ParameterError(
                    f"parameter {key!r} is not numeric in {year} ({v!r}); use monthly_lookup"
                )
            vals.append(float(v))
        return np.asarray(vals) @ w

    def monthly_lookup(self, key: str, year: int, *arrays: Any) -> np.ndarray:
        """Monthly values of a categorical parameter for each row: array (n, 12)."""
        idx, w = self.month_weights(key, year)
        p = self.parameter(key)
        n = len(np.atleast_1d(arrays[0])) if arrays else 1
        out = np.zeros((n, 12))
        for r, i in enumerate(idx):
            v = p.entries[i]["value"]
            if v is None:
                continue
            vec = np.asarray(self._lookup_value(key, v, p.dates[i], arrays), dtype=float)
            out += np.outer(np.broadcast_to(vec, (n,)), w[r])
        return out

    # -- composition ---------------------------------------------------------------------------
    def overlay(self, other: ParameterTree | str | Path, name: str | None = None) -> ParameterTree:
        """A new tree: ``other`` (e.g. a province's ``params/`` folder) laid over this one.

        New keys are added; for an existing key the overlay's dated values are merged into the
        timeline, replacing values at the same dates. Units must agree. Every change is logged.
        """
        if not isinstance(other, ParameterTree):
            other = ParameterTree(load_dir(other), name=name or Path(other).name)
        label = name or other.name
        params = dict(self._params)
        log = list(self.log)
        for key, p in other._params.items():
            if key in params:
                base = params[key]
                if base.unit != p.unit:
                    raise ParameterError(
                        f"{p.source}: parameter {key!r} has unit {p.unit!r} but the law "
                        f"({base.source}) uses {base.unit!r}"
                    )
                params[key] = base.merged(dict(zip(p.dates, p.entries, strict=True)))
                for d, e in zip(p.dates, p.entries, strict=True):
                    old = (
                        base.entries[base.dates.index(d)]["value"] if d in base.dates else "(none)"
                    )
                    log.append(
                        {"source": label, "key": key, "date": d, "old": old, "new": e["value"]}
                    )
            else:
                params[key] = p
                log.append(
                    {
                        "source": label,
                        "key": key,
                        "date": p.dates[0],
                        "old": "(new key)",
                        "new": p.entries[0]["value"],
                    }
                )
        sources = {e.get("source", p.source) for p in other._params.values() for e in p.entries}
        _raise_if(
            [t for key in other._params for t in check_parameter(params[key], sources)],
            f"Parameter values of {label} are not valid",
        )
        return ParameterTree(params, name=f"{self.name}+{label}", log=log)

    def with_overrides(self, overrides: Iterable[Override]) -> ParameterTree:
        """A new tree with the overrides applied.

        Two overrides setting the same key is an error (naming both); a key that does not
        exist is an error (a typo would otherwise change nothing). Every change is logged.
        """
        overrides = list(overrides)
        owner: dict[str, str] = {}
        for o in overrides:
            for key in o.changes:
                if key in owner:
                    raise ParameterError(
                        f"overrides {owner[key]!r} and {o.name!r} both set {key!r}: "
                        "combine them into one override or drop one"
                    )
                owner[key] = o.name
        params = dict(self._params)
        log = list(self.log)
        for o in overrides:
            for key, new in o.changes.items():
                base = self.parameter(key)
                src = f"override:{o.name}"
                if _is_dated_mapping(new):
                    dated = {
                        to_date(d): {
                            "value": v,
                            "reference": f"override {o.name}",
                            "confidence": "override",
                            "note": o.description,
                            "source": src,
                        }
                        for d, v in new.items()
                    }
                    params[key] = base.merged(dated)
                    for d, v in dated.items():
                        old = self.value(key, d) if d >= base.dates[0] else "(none)"
                        log.append(
                            {"source": src, "key": key, "date": d, "old": old, "new": v["value"]}
                        )
                else:
                    entry = {
                        "value": _nfc(new),
                        "reference": f"override {o.name}",
                        "confidence": "override",
                        "note": o.description,
                        "source": src,
                    }
                    params[key] = Parameter(
                        key,
                        base.unit,
                        base.description,
                        base.source,
                        (_BEGINNING,),
                        (entry,),
                        base.limits,
                    )
                    log.append(
                        {
                            "source": src,
                            "key": key,
                            "date": "all dates",
                            "old": "timeline",
                            "new": new,
                        }
                    )
        srcs = {f"override:{o.name}" for o in overrides}
        _raise_if(
            [t for key in owner for t in check_parameter(params[key], srcs)],
            "Overrides are not valid",
        )
        names = "+".join(o.name for o in overrides)
        return ParameterTree(params, name=f"{self.name}+{names}" if names else self.name, log=log)

    # -- provenance --------------------------------------------------------------------------
    def table(self, date: Any, keys: Iterable[str] | None = None) -> pd.DataFrame:
        """Values in force on ``date`` with unit, start date, reference and confidence."""
        d = to_date(date)
        rows = []
        for key in keys if keys is not None else self.keys():
            p = self.parameter(key)
            if d < p.dates[0]:
                continue
            e = p.entry(d)
            rows.append(
                {
                    "key": key,
                    "value": json.dumps(e.value, ensure_ascii=False, default=str)
                    if isinstance(e.value, dict | list)
                    else e.value,
                    "unit": e.unit,
                    "from": e.start,
                    "reference": e.reference,
                    "confidence": e.confidence,
                    "description_vi": p.description.get("vi", ""),
                    "description_en": p.description.get("en", ""),
                }
            )
        return pd.DataFrame(rows)

    def digest(self) -> str:
        """SHA-256 of every value, date and reference: two trees with equal digests agree."""
        h = hashlib.sha256()
        for key in self.keys():
            p = self._params[key]
            blob = json.dumps(
                [
                    key,
                    p.unit,
                    [str(d) for d in p.dates],
                    # where a value came from (file path) is not part of what it is
                    [{k: v for k, v in e.items() if k != "source"} for e in p.entries],
                ],
                sort_keys=True,
                default=str,
                ensure_ascii=False,
            )
            h.update(blob.encode())
        return h.hexdigest()

    def __repr__(self) -> str:
        return f"<ParameterTree {self.name}: {len(self._params)} parameters>"
