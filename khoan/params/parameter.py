"""One dated parameter: its YAML file, its timeline and the checks of its values.

A parameter is a timeline of values, each in force from an effective date until the next one,
each with its legal reference and a confidence tag (``confirmed`` | ``unconfirmed`` |
``illustrative``). This module reads the YAML files (one file per parameter or small family,
the folder tree is the namespace: ``law/salary/base.yaml`` is the key ``salary.base``) into
:class:`Parameter` objects and checks their values against their unit and limits. The dated
query API over many parameters is :class:`khoan.params.engine.ParameterTree`. The file format
is in ``docs/architecture.md``.
"""

from __future__ import annotations

import datetime as _dt
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from ..errors import ParameterError

__all__ = [
    "BEGINNING",
    "CONFIDENCE",
    "UNITS",
    "Parameter",
    "ParameterValue",
    "check_parameter",
    "is_dated_mapping",
    "law_path",
    "load_dir",
    "nfc",
    "raise_problems",
    "to_date",
    "value_problems",
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
BEGINNING = _dt.date(1900, 1, 1)


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


def nfc(obj: Any) -> Any:
    if isinstance(obj, str):
        return unicodedata.normalize("NFC", obj)
    if isinstance(obj, dict):
        return {nfc(k): nfc(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [nfc(v) for v in obj]
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
        return nfc(loader.get_single_data())
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
        shown = d if d != BEGINNING else "all dates"
        label = src[len("override:") :] if src.startswith("override:") else src
        prefix = f"override {label!r}" if src.startswith("override:") else label
        out += value_problems(p, e["value"], f"{prefix}: parameter {p.key!r}, {shown}")
    return out


def raise_problems(problems: list[str], title: str) -> None:
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


def is_dated_mapping(v: Any) -> bool:
    if not isinstance(v, Mapping) or not v:
        return False
    for k in v:
        try:
            to_date(k)
        except ParameterError:
            return False
    return True
