"""Dated legal parameters, OpenFisca-style: the tree of every parameter and its dated queries.

A parameter is a timeline of values, each in force from an effective date until the next one,
each with its legal reference and a confidence tag; reading and checking one parameter's YAML
file is :mod:`khoan.params.parameter` (its public names are importable from here too). This
module holds the dated query API over all of them: :class:`ParameterTree` (values, lookups,
monthly values, segments of a year, values in force over a period, the ``params show`` table).

The tree is immutable: :meth:`ParameterTree.overlay` (a provincial overlay) and
:meth:`ParameterTree.with_overrides` (scenario overrides) return new trees that share every
unchanged parameter with the original (no deep copy), and append what they changed to ``log``.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ParameterError
from ..periods import Segment, cut_segments
from .keys import as_keys, combos, key_codes
from .parameter import (
    BEGINNING,
    CONFIDENCE,
    UNITS,
    Parameter,
    ParameterValue,
    check_parameter,
    is_dated_mapping,
    law_path,
    load_dir,
    nfc,
    raise_problems,
    to_date,
    value_problems,
)

__all__ = [
    "CONFIDENCE",
    "UNITS",
    "Override",
    "Parameter",
    "ParameterTree",
    "ParameterValue",
    "Snapshot",
    "check_parameter",
    "law_path",
    "load_dir",
    "load_law",
    "to_date",
    "value_problems",
]

_LAW_CACHE: dict[str, ParameterTree] = {}


def load_law(path: str | Path | None = None) -> ParameterTree:
    """Load the national law parameters (cached: the tree is immutable)."""
    p = Path(path) if path is not None else law_path()
    k = str(p.resolve())
    if k not in _LAW_CACHE:
        params = load_dir(p)
        raise_problems(
            [t for q in params.values() for t in check_parameter(q)],
            f"Parameter values in {p} are not valid",
        )
        _LAW_CACHE[k] = ParameterTree(params, name="law")
    return _LAW_CACHE[k]


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
        return as_keys(arr)

    def _lookup_value(self, key: str, value: Any, date: _dt.date, arrays: Sequence[Any]):
        if not arrays:
            return value
        if not isinstance(value, Mapping):
            raise ParameterError(
                f"parameter {key!r} on {date} is {value!r}: not a lookup table, "
                f"cannot index it by {len(arrays)} column(s)"
            )
        levels = [key_codes(a) for a in arrays]
        joined = combos(levels)
        if joined is None:  # lengths neither n nor 1, or missing keys: row by row as before
            keys = [as_keys(a) for a in arrays]
            n = max(len(k) for k in keys)
            keys = [np.resize(k, n) if len(k) != n else k for k in keys]
            blank = np.logical_or.reduce([pd.isna(k) for k in keys]) if n else np.zeros(0, bool)
            if blank.any():  # a missing category has no key: never guess one
                rows = np.flatnonzero(blank)
                shown = ", ".join(str(int(r)) for r in rows[:10])
                raise ParameterError(
                    f"parameter {key!r} on {date}: {len(rows)} row(s) have no category "
                    f"(missing value at position(s) {shown}{', …' if len(rows) > 10 else ''}); "
                    f"fill the column before looking the parameter up — "
                    f"{self.parameter(key).source}"
                )
            combo = pd.MultiIndex.from_arrays(keys) if len(keys) > 1 else pd.Index(keys[0])
            codes, found = pd.factorize(combo)
            uniques = [u if isinstance(u, tuple) else (u,) for u in found]
        else:
            codes, uniques = joined
        flat: dict[tuple, Any] = {}

        def rec(node: Any, path: tuple, depth: int) -> None:
            if depth == len(arrays):
                flat[path] = node
                return
            if not isinstance(node, Mapping):
                raise ParameterError(
                    f"parameter {key!r} on {date}: lookup has {depth} level(s), "
                    f"{len(arrays)} column(s) given"
                )
            for k, v in node.items():
                rec(v, (*path, str(k)), depth + 1)

        rec(value, (), 0)
        out_u = np.empty(len(uniques), dtype=object)
        missing = []
        for j, t in enumerate(uniques):
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
        try:  # per distinct combination, then one value per row
            return out_u.astype(float)[codes]
        except (TypeError, ValueError):
            return out_u[codes]

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
        raise_problems(
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
                if is_dated_mapping(new):
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
                        "value": nfc(new),
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
                        (BEGINNING,),
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
        raise_problems(
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
