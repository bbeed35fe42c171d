"""Periods and money: the bottom layer every costing module shares.

One of each idea, no legal rule:

- **days and months** — :func:`day_number` (days since 1970-01-01), :data:`FAR_PAST` /
  :data:`FAR_FUTURE` (open dates), :func:`month_bounds` (13 day numbers of a year);
- **segments** — :func:`cut_segments`: the sub-periods of a year in which one dated entry of
  each of several parameters is in force, with each sub-period's share of every month's days
  (the law's "pro rata of the days": NĐ 34/2019 took effect on 2019-06-25, so June 2019 is 24/30
  at the old level and 6/30 at the new). :meth:`khoan.params.ParameterTree.segments` returns
  them with the values, so that no module reads raw parameter entries;
- **đồng** — :func:`round_vnd` (half up to the đồng), :func:`msum` (months added in calendar
  order), :func:`largest_remainder` (split whole đồng exactly by weight), :func:`group_sum`
  (exact int64 sums by commune), :func:`distinct_ints`
  (distinct values of a narrow integer range without a sort).

Money is int64 VND; a total is the exact sum of its parts.
"""

from __future__ import annotations

import datetime as _dt
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from .errors import KhoanError

__all__ = [
    "FAR_FUTURE",
    "FAR_PAST",
    "LIMIT",
    "ROUND_TOL",
    "Segment",
    "checked_total",
    "cut_segments",
    "day_number",
    "distinct_ints",
    "group_sum",
    "group_sum_2d",
    "largest_remainder",
    "month_bounds",
    "msum",
    "round_vnd",
]

#: Open start / end dates as day numbers (about ±27,000 years: far outside any horizon).
FAR_PAST = -(10**7)
FAR_FUTURE = 10**7
#: Tolerance of :func:`round_vnd` (đồng): float sums of exact amounts may land a hair below .5.
ROUND_TOL = 1e-6


def round_vnd(x: Any) -> Any:
    """Round VND amounts to the đồng, half up (tolerance 10⁻⁶ đồng); returns int64.

    Parameters
    ----------
    x : float or array of float
        Amounts in VND (non-negative in practice).
    """
    return np.floor(np.asarray(x, dtype=float) + (0.5 + ROUND_TOL)).astype(np.int64)


def day_number(d: _dt.date) -> int:
    """Days since 1970-01-01 of a date."""
    return int(np.datetime64(d, "D").astype(np.int64))


def month_bounds(year: int) -> np.ndarray:
    """The 13 month boundaries of ``year`` as day numbers (days since 1970-01-01)."""
    d = [np.datetime64(_dt.date(year, m, 1), "D") for m in range(1, 13)]
    d.append(np.datetime64(_dt.date(year + 1, 1, 1), "D"))
    return np.asarray(d).astype(np.int64)


def msum(a: np.ndarray) -> np.ndarray:
    """Sum a (12, k) array over months in calendar order (deterministic order of additions)."""
    acc = a[0].copy()
    for m in range(1, a.shape[0]):
        acc += a[m]
    return acc


class _Dated(Protocol):
    dates: tuple[_dt.date, ...]

    def index_at(self, date: _dt.date) -> int: ...


def cut_segments(
    timelines: Sequence[_Dated], year: int
) -> list[tuple[tuple[int, ...], np.ndarray]]:
    """Sub-periods of ``year`` in which one dated entry of each timeline is in force.

    Parameters
    ----------
    timelines : sequence of objects with ``dates`` (sorted start dates) and ``index_at(date)``
        (e.g. :class:`khoan.params.Parameter`).
    year : int

    Returns
    -------
    list of (entry indices, weights)
        ``entry indices`` gives, per timeline, the index of its entry in force; ``weights``
        (12,) the share of each month's days in that combination. The weights of all
        combinations add up to 1 in every month. A combination that recurs (A, B, A) is one
        item whose weights add up.

    Raises
    ------
    ParameterError
        (from ``index_at``) a timeline has no entry in force on 1 January of ``year``.
    """
    jan1, nxt = _dt.date(year, 1, 1), _dt.date(year + 1, 1, 1)
    for p in timelines:
        p.index_at(jan1)
    cuts = sorted({jan1, nxt} | {d for p in timelines for d in p.dates if jan1 < d < nxt})
    months = [_dt.date(year, m, 1) for m in range(1, 13)] + [nxt]
    out: dict[tuple[int, ...], np.ndarray] = {}
    for a, b in itertools.pairwise(cuts):
        idx = tuple(p.index_at(a) for p in timelines)
        w = out.setdefault(idx, np.zeros(12))
        for m in range(12):
            lo, hi = max(a, months[m]), min(b, months[m + 1])
            if hi > lo:
                w[m] += (hi - lo).days / (months[m + 1] - months[m]).days
    return list(out.items())


@dataclass(frozen=True)
class Segment:
    """Values of several parameters over the part of a year in which they are all in force.

    Attributes
    ----------
    values : tuple
        One value per key, in the order asked (``None`` where the parameter is not in force).
    starts : tuple of datetime.date
        The first day in force of each value (the date to look a categorical value up on).
    weights : ndarray (12,)
        Share of each month's days (0..1).
    """

    values: tuple[Any, ...]
    starts: tuple[_dt.date, ...]
    weights: np.ndarray

    def number(self, j: int) -> float:
        """Value ``j`` as a float, ``None`` (not in force) as 0."""
        v = self.values[j]
        return float(v or 0.0)


def distinct_ints(v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values of the integer array ``v`` (ascending) and each element's position
    among them: ``np.unique(v, return_inverse=True)``, by a table over the values' range when
    it is narrow (no sort; birth months, day numbers of a roster's dates)."""
    v = np.asarray(v)
    if not len(v):
        return v[:0], np.zeros(0, dtype=np.int64)
    lo, hi = int(v.min()), int(v.max())
    if hi - lo > 4 * len(v) + 4096:
        return np.unique(v, return_inverse=True)
    seen = np.zeros(hi - lo + 1, dtype=bool)
    seen[v - lo] = True
    pos = np.cumsum(seen) - 1
    return np.flatnonzero(seen) + lo, pos[v - lo]


def group_sum(idx: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Exact int64 sum of integer ``values`` by group ``idx`` (0..n-1).

    ``np.bincount`` adds in float64, which is exact while every partial sum stays below 2⁵²
    (4.5 × 10¹⁵ đồng); otherwise the slower integer ``np.add.at`` is used.
    """
    v = np.asarray(values, dtype=np.int64)
    if len(v) == 0 or int(np.abs(v).sum(dtype=np.float64)) < 2**52:
        return np.rint(np.bincount(idx, weights=v, minlength=n)).astype(np.int64)
    out = np.zeros(n, dtype=np.int64)
    np.add.at(out, idx, v)
    return out


def group_sum_2d(idx: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Exact int64 sums of the rows of integer ``values`` (k, m) by group ``idx``: (n, m)."""
    out = np.zeros((n, values.shape[1]), dtype=np.int64)
    if len(idx):
        v = np.asarray(values, dtype=np.int64)
        for j in range(v.shape[1]):  # column by column: bincount, exact (see group_sum)
            out[:, j] = group_sum(idx, v[:, j], n)
    return out


def largest_remainder(
    group: np.ndarray, weight: np.ndarray, pool: np.ndarray, n_groups: int
) -> np.ndarray:
    """Split ``pool[g]`` (int VND) among the members of each group by ``weight``, exactly.

    Each member gets the floor of its share; the đồng left in a group go one each to the
    members with the largest fractional parts (ties: the earlier row). Groups whose weights sum
    to 0 get nothing. Vectorised; returns int64 with ``Σ out[group == g] = pool[g]``.
    """
    wsum = np.bincount(group, weights=weight, minlength=n_groups)
    share = np.divide(
        pool[group] * weight, wsum[group], out=np.zeros(len(group)), where=wsum[group] > 0
    )
    base = np.floor(share).astype(np.int64)
    frac = share - base
    paid = np.zeros(n_groups, dtype=np.int64)
    np.add.at(paid, group, base)
    left = np.where(wsum > 0, pool - paid, 0)
    order = np.lexsort((np.arange(len(group)), -frac, group))
    g_sorted = group[order]
    first = np.searchsorted(g_sorted, g_sorted, side="left")
    rank = np.arange(len(group)) - first
    extra = np.zeros(len(group), dtype=np.int64)
    extra[order] = (rank < left[g_sorted]).astype(np.int64)
    return base + extra


# -- overflow-checked money totals --------------------------------------------------------
#: Largest magnitude accepted for an amount or a total (2**62 ≈ 4.6e18 VND): half the int64
#: range, so that the float64 shadow sums used for the check cannot mis-judge a wrap.
LIMIT = float(2**62)


def checked_total(parts: Mapping[str, np.ndarray], what: str = "total") -> np.ndarray:
    """Row-wise sum of int64 components, with the components and the column sums checked.

    Parameters
    ----------
    parts : mapping of str to array
        Components (VND), one value per row; float arrays are checked before conversion.
    what : str
        Name of the total, for the message.

    Returns
    -------
    ndarray of int64
        The exact row totals.

    Raises
    ------
    KhoanError
        A component, a row total or a column sum would exceed :data:`LIMIT` (int64 would wrap).
    """
    shadow = None
    ints = {}
    for name, p in parts.items():
        f = np.asarray(p, dtype=np.float64)
        if f.size and (
            not np.isfinite(f).all() or np.abs(f).max() >= LIMIT or abs(f.sum()) >= LIMIT
        ):
            raise KhoanError(
                f"{what}: component {name!r} exceeds {LIMIT:.3g} VND (int64 would overflow); "
                "check the magnitude of the inputs (run `khoan validate`)"
            )
        ints[name] = np.asarray(p).astype(np.int64)
        shadow = f if shadow is None else shadow + f
    if shadow is None:
        return np.zeros(0, dtype=np.int64)
    if shadow.size and (np.abs(shadow).max() >= LIMIT or abs(shadow.sum()) >= LIMIT):
        raise KhoanError(
            f"{what} exceeds {LIMIT:.3g} VND (int64 would overflow); check the magnitude of "
            "the inputs (run `khoan validate`)"
        )
    total = np.zeros(shadow.shape, dtype=np.int64)
    for v in ints.values():
        total += v
    return total
