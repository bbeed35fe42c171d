"""Monthly salary history of leavers, for benefits paid on an average salary.

The NĐ 108 family pays its staff-reduction lump sums on the average monthly salary of the last
60 months before leaving (NĐ 108/2014 Điều 12 khoản 2; NĐ 29/2023 Điều 10 khoản 2; parameters
``benefits.<regime>.salary_basis``). A roster describes each person on one date only; this
module rebuilds the months before (and after) that date, vectorised over people × months.

How a month is built
--------------------
For person *i* and calendar month *m* (the 60 months before the month of leaving):

``pay[i, m] = Σ components, each at the base salary in force on the first day of m``
(``salary.base``; a month = the value in force that month), with

- ``salary`` = coefficient × base (``nhdkct_allowance`` instead for NHĐKCT, whose
  coefficient is their allowance coefficient);
- ``position_allowance`` = position coefficient × base;
- ``tnvk`` = TNVK % × (the ``allowances.tnvk_base`` terms: coefficient + position coefficient)
  × base (TT 04/2005/TT-BNV);
- ``bao_luu`` = kept-difference coefficient × base.

The coefficient of month *m* is **back-cast** (or forward-cast) from the roster:

- grades with a legal scale (``salary.scales``: A0, A1 every 3 years, B every 2 years): the
  regular step rises fall on ``next_step_date`` ± whole multiples of the scale's
  ``years_per_step``; a rise applies from the month it falls on when dated on the 1st, from the
  next month otherwise. The step of month *m* is the roster step plus the rises between the
  roster date and *m* (minus those between *m* and the roster date), kept within 1 … the top
  step, and the coefficient moves by the scale's ``increment`` per step (so a coefficient off
  the scale, e.g. with a kept difference, keeps its offset);
- no ``next_step_date``, or no legal scale (untrained commune cadres, NHĐKCT, contract staff):
  the roster coefficient throughout;
- position coefficient, TNVK % and bảo lưu: as on the roster throughout (TNVK is not
  back-cast; a person who reached the top step within the window is paid their current TNVK
  for all of it — a small overstatement);
- a supplied ``salary_history`` table (model table, schema ``khoan/data/schemas/
  salary_history.csv``: ``id``, ``from_date``, ``coefficient``, ``position_coef``,
  ``tnvk_pct``, optional ``bao_luu``) overrides all of this from the month its first row applies
  (same first-day rule): each row holds until the person's next row.

Months before the person's start of service (``start_date``, else ``insured_since``) are not
averaged: the average is then over the whole period worked (the law's rule for periods shorter
than 60 months), and ``basis_note`` says so. A back-cast that would fall below step 1 keeps
step 1 and says so too.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import pandas as pd

from .errors import ScenarioError
from .params import ParameterTree, load_law, to_date

__all__ = [
    "SUPPORTED_COMPONENTS",
    "StaffArrays",
    "average_salary",
    "averages_on",
    "monthly_salaries",
    "staff_arrays",
]

#: Pay components a salary history can rebuild (names of ``khoan.payroll.COMPONENTS``).
SUPPORTED_COMPONENTS = ("salary", "position_allowance", "tnvk", "bao_luu", "nhdkct_allowance")

_NHDKCT = "nhdkct"
_NEVER = np.iinfo(np.int64).max // 4  # month index of a missing date
#: People rebuilt at a time by :func:`average_salary` (bounds the people × months arrays:
#: 32,768 × 60 months × 8 bytes = 15 MiB each; a national roster at once took over 1 GiB).
_CHUNK = 32_768


def _month_index(d: Any) -> np.ndarray:
    """Months since year 0 of each date (``year * 12 + month - 1``)."""
    di = pd.DatetimeIndex(pd.to_datetime(np.atleast_1d(np.asarray(d))))
    return di.year.to_numpy(np.int64) * 12 + di.month.to_numpy(np.int64) - 1


def _effective_month(d: Any) -> np.ndarray:
    """First month in force of something dated ``d``: its month when dated on the 1st, else the
    next month (NaT -> a very large month)."""
    di = pd.DatetimeIndex(pd.to_datetime(np.atleast_1d(np.asarray(d))))
    ok = ~np.asarray(di.isna())
    out = np.full(len(di), _NEVER, dtype=np.int64)
    good = di[ok]
    out[ok] = (
        good.year.to_numpy(np.int64) * 12
        + good.month.to_numpy(np.int64)
        - 1
        + (good.day.to_numpy(np.int64) > 1)
    )
    return out


def _leave_dates(leave_date: Any, n: int) -> pd.DatetimeIndex:
    """One leave date per person (a scalar is repeated)."""
    if np.ndim(leave_date) == 0:
        return pd.DatetimeIndex(np.full(n, pd.Timestamp(leave_date).to_datetime64(), "M8[ns]"))
    if isinstance(leave_date, pd.DatetimeIndex) and len(leave_date) == n:
        if not leave_date.hasnans:  # already dates (no conversion through objects)
            return leave_date
    d = pd.DatetimeIndex(pd.to_datetime(pd.Series(np.asarray(leave_date, dtype=object))))
    if len(d) != n or d.isna().any():
        raise ScenarioError(f"salary history: {n} leave dates expected, all given")
    return d


def _month_text(m: int) -> str:
    return f"{m // 12:04d}-{m % 12 + 1:02d}"


def _base_by_month(params: ParameterTree, months: np.ndarray) -> np.ndarray:
    """Base salary (VND/month) in force on the first day of each month index."""
    hist = params.history("salary.base")
    starts = _effective_month([np.datetime64(h.start, "D") for h in hist])
    values = np.array([float(h.value) for h in hist])
    months = np.asarray(months, dtype=np.int64)
    if not months.size:
        return np.zeros(months.shape)
    # the months span a few years: look each calendar month up once, then index
    lo = int(months.min())
    span = np.arange(lo, int(months.max()) + 1, dtype=np.int64)
    pos = np.searchsorted(starts, span, side="right") - 1
    if (pos < 0).any():
        first = _month_text(int(span[pos < 0].min()))
        raise ScenarioError(
            f"salary history: no base salary (salary.base) before {hist[0].start}; the "
            f"history reaches back to {first}"
        )
    return values[pos][months - lo]


def _text(col: pd.Series) -> np.ndarray:
    """``col.astype(str).to_numpy()``, without the round trip when it holds ``str`` already."""
    if col.dtype == object and pd.api.types.infer_dtype(col, skipna=False) == "string":
        return col.to_numpy(dtype=object, copy=True)
    return col.astype(str).to_numpy()


def _num(staff: pd.DataFrame, col: str) -> np.ndarray:
    if col not in staff.columns:
        return np.zeros(len(staff))
    return np.nan_to_num(pd.to_numeric(staff[col], errors="coerce").to_numpy(dtype=float))


@dataclass(frozen=True)
class StaffArrays:
    """What :func:`monthly_salaries` reads from a staff table, one array per column, read once.

    Everything here holds for every month and leave date: a caller averaging the same people
    on several leave dates (the scenarios' benefit tables) builds it once with
    :func:`staff_arrays`. ``inc``, ``per`` and ``top`` are the person's scale (``salary.scales``
    on ``scale_day``: increment, months per step, top step; 0 months: no back-cast).
    """

    ids: np.ndarray  # str, for a supplied history
    nhdkct: np.ndarray  # bool: paid the NHĐKCT allowance instead of a salary
    step: np.ndarray
    coef: np.ndarray
    pos: np.ndarray
    tnvk: np.ndarray
    bao_luu: np.ndarray
    inc: np.ndarray
    per: np.ndarray  # int64 months
    top: np.ndarray
    next_step: np.ndarray  # int64 effective month of the next step rise (_NEVER: none)
    start: np.ndarray  # int64 first month worked (very small: unknown)
    scale_day: _dt.date

    def take(self, rows: Any) -> StaffArrays:
        """The same arrays for the people ``rows`` (a slice or indices)."""
        return StaffArrays(
            **{
                f.name: getattr(self, f.name)[rows] if f.name != "scale_day" else self.scale_day
                for f in fields(self)
            }
        )


def staff_arrays(staff: pd.DataFrame, params: ParameterTree, scale_day: Any) -> StaffArrays:
    """Read the per-person inputs of :func:`monthly_salaries` from ``staff`` (see
    :class:`StaffArrays`); the scales are those in force on ``scale_day``."""
    n = len(staff)
    scale_day = to_date(scale_day)
    cat = _text(staff["category"]) if "category" in staff else np.full(n, "")
    grade = (
        staff["grade"].astype(object).where(staff["grade"].notna(), "").to_numpy()
        if "grade" in staff
        else np.full(n, "", dtype=object)
    )
    scales = params.value("salary.scales", scale_day) or {}
    inc = np.zeros(n)
    per = np.zeros(n, dtype=np.int64)
    top = np.zeros(n)
    for g, sc in scales.items():
        m = grade == g
        inc[m] = float(sc["increment"])
        per[m] = int(round(float(sc["years_per_step"]) * 12))
        top[m] = float(sc["steps"])
    nxt = (
        _effective_month(staff["next_step_date"])
        if "next_step_date" in staff
        else np.full(n, _NEVER, dtype=np.int64)
    )
    start = pd.Series(pd.NaT, index=staff.index, dtype="datetime64[ns]")
    if "start_date" in staff:
        start = pd.to_datetime(staff["start_date"], errors="coerce")
    if "insured_since" in staff:
        start = start.fillna(pd.to_datetime(staff["insured_since"], errors="coerce"))
    start_m = _effective_month(start.to_numpy())
    start_m[start.isna().to_numpy()] = np.iinfo(np.int64).min // 4
    ids = _text(staff["id"]) if "id" in staff else np.full(n, "", dtype=object)
    return StaffArrays(
        ids=ids,
        nhdkct=cat == _NHDKCT,
        step=_num(staff, "step"),
        coef=_num(staff, "coefficient"),
        pos=_num(staff, "position_coef"),
        tnvk=_num(staff, "tnvk_pct"),
        bao_luu=_num(staff, "bao_luu"),
        inc=inc,
        per=per,
        top=top,
        next_step=nxt,
        start=start_m,
        scale_day=scale_day,
    )


def _check_components(components: Any) -> None:
    bad = sorted(set(components) - set(SUPPORTED_COMPONENTS))
    if bad:
        raise ScenarioError(
            f"salary history: cannot rebuild component(s) {', '.join(bad)} month by month "
            f"(supported: {', '.join(SUPPORTED_COMPONENTS)})"
        )


def monthly_salaries(
    staff: pd.DataFrame,
    leave_date: Any,
    components: list[str] | tuple[str, ...],
    months: int = 60,
    params: ParameterTree | None = None,
    *,
    as_of: Any = None,
    history: pd.DataFrame | None = None,
) -> dict[str, np.ndarray]:
    """Each person's monthly salary over the ``months`` calendar months before leaving.

    Parameters
    ----------
    staff : DataFrame
        Staff schema (``id``, ``category``, ``grade``, ``step``, ``coefficient``,
        ``position_coef``, ``tnvk_pct``, ``bao_luu``, ``next_step_date``, ``insured_since``,
        ``start_date``), describing each person on ``as_of``.
    leave_date : date-like or array-like of dates (one per person)
        The months are those before the month of leaving.
    components : list of str
        Pay components counted (:data:`SUPPORTED_COMPONENTS`).
    months : int
        Length of the window (60 for the NĐ 108 family).
    params : ParameterTree, optional
        ``salary.base``, ``salary.scales`` and ``allowances.tnvk_base`` (default: the law).
    as_of : date-like, optional
        Date the roster describes (default: each leave date).
    history : DataFrame, optional
        Supplied history rows (``id``, ``from_date``, ``coefficient``, ``position_coef``,
        ``tnvk_pct``, optional ``bao_luu``) that override the back-cast.

    Returns
    -------
    dict of numpy arrays
        ``month`` (n, months) month index (``year * 12 + month - 1``), ``pay`` (n, months)
        VND/month, ``worked`` (n, months) bool (on or after the start of service),
        ``floored`` (n, months) bool (back-cast held at step 1), ``supplied`` (n, months) bool.
    """
    tree = load_law() if params is None else params
    _check_components(components)
    n = len(staff)
    leave = _leave_dates(leave_date, n)
    leave_m = _month_index(leave) if n else np.zeros(0, np.int64)
    if as_of is None:
        as_of_m = leave_m - 1
        scale_day = to_date(pd.Timestamp(leave[0]).date()) if n else _dt.date.today()
    else:
        as_of_m = np.full(n, _effective_month([pd.Timestamp(as_of)])[0], dtype=np.int64)
        scale_day = to_date(as_of)
    month = leave_m[:, None] - months + np.arange(months, dtype=np.int64)[None, :]
    sa = staff_arrays(staff, tree, scale_day)
    return _monthly(sa, month, as_of_m, components, tree, history)


def _monthly(
    sa: StaffArrays,
    month: np.ndarray,
    as_of_m: np.ndarray,
    components: Any,
    tree: ParameterTree,
    history: pd.DataFrame | None,
) -> dict[str, np.ndarray]:
    """:func:`monthly_salaries` of the people ``sa`` over the months ``month`` (n, months),
    the roster describing month ``as_of_m`` (n,)."""
    n = len(sa.step)
    step = sa.step
    rises = (sa.per > 0) & (sa.next_step < _NEVER) & (step >= 1)
    safe = np.where(sa.per > 0, sa.per, 1)
    nxt = sa.next_step

    def offset(mm: np.ndarray) -> np.ndarray:  # rises up to month mm, relative to rise 0
        return np.floor_divide(mm - nxt[:, None], safe[:, None]) + 1

    rel = np.where(rises[:, None], offset(month) - offset(as_of_m[:, None]), 0)
    raw_step = step[:, None] + rel
    new_step = np.clip(raw_step, 1, np.maximum(sa.top, step)[:, None])
    coef = sa.coef[:, None] + sa.inc[:, None] * (new_step - step[:, None])
    floored = rises[:, None] & (raw_step < 1)
    # constant over the months unless a supplied history overrides them (read-only views)
    pos = np.broadcast_to(sa.pos[:, None], month.shape)
    tnvk = np.broadcast_to(sa.tnvk[:, None], month.shape)
    bl = np.broadcast_to(sa.bao_luu[:, None], month.shape)
    supplied = np.zeros(month.shape, dtype=bool)

    if history is not None and len(history) and n:
        pos, tnvk, bl = pos.copy(), tnvk.copy(), bl.copy()
        h = history.copy()
        pidx = pd.Index(sa.ids).get_indexer(h["id"].astype(str))
        h = h.loc[pidx >= 0]
        pidx = pidx[pidx >= 0]
        if len(h):
            eff = _effective_month(h["from_date"])
            order = np.lexsort((eff, pidx))
            key = pidx[order] * (1 << 32) + eff[order]
            q = np.arange(n, dtype=np.int64)[:, None] * (1 << 32) + month
            j = np.searchsorted(key, q, side="right") - 1
            hit = (j >= 0) & (pidx[order][np.maximum(j, 0)] == np.arange(n)[:, None])
            jj = order[np.maximum(j, 0)]
            for col, arr in (
                ("coefficient", coef),
                ("position_coef", pos),
                ("tnvk_pct", tnvk),
                ("bao_luu", bl),
            ):
                if col in h.columns:
                    v = np.nan_to_num(pd.to_numeric(h[col], errors="coerce").to_numpy(float))
                    arr[hit] = v[jj[hit]]
            supplied = hit
            floored &= ~hit

    base = _base_by_month(tree, month.ravel()).reshape(month.shape) if n else np.zeros((0, 0))
    nh = sa.nhdkct[:, None]
    tnvk_terms = set(tree.value("allowances.tnvk_base", sa.scale_day) or ())
    tnvk_on = np.zeros(month.shape)
    if "coefficient" in tnvk_terms:
        tnvk_on = tnvk_on + coef
    if "position_coef" in tnvk_terms:
        tnvk_on = tnvk_on + pos
    parts = {
        "salary": lambda: np.where(nh, 0.0, coef),
        "nhdkct_allowance": lambda: np.where(nh, coef, 0.0),
        "position_allowance": lambda: pos,
        "tnvk": lambda: tnvk / 100.0 * tnvk_on,
        "bao_luu": lambda: bl,
    }
    total = np.zeros(month.shape)
    for c in components:
        total = total + parts[c]()
    worked = month >= sa.start[:, None]
    return {
        "month": month,
        "pay": total * base,
        "worked": worked,
        "floored": floored & worked,
        "supplied": supplied,
    }


def _note_text(k: int, first: int, last_floored: int, supplied: int) -> str:
    """One ``basis_note`` (a part is left out where its number is -1)."""
    parts = []
    if k >= 0:
        parts.append(f"average over {k} months (service from {_month_text(first)})")
    if last_floored >= 0:
        parts.append(f"back-cast below step 1 up to {_month_text(last_floored)}: step 1 assumed")
    if supplied >= 0:
        parts.append(f"{supplied} month(s) from the salary_history table")
    return "; ".join(parts)


def _notes(h: dict[str, np.ndarray], worked: np.ndarray, k: np.ndarray, window: int) -> np.ndarray:
    """``basis_note`` of each person: short service, a step held at 1, months from a supplied
    history. Many people share a note: each distinct one is written once."""
    out = np.full(len(k), "", dtype=object)
    fl = h["floored"]
    sup = (h["supplied"] & worked).sum(axis=1)
    short, low, given = k < window, fl.any(axis=1), sup > 0
    rows = np.flatnonzero(short | low | given)
    if not len(rows):
        return out
    first = h["month"][rows, worked[rows].argmax(axis=1)]
    last_fl = h["month"][rows, window - 1 - fl[rows, ::-1].argmax(axis=1)]
    parts = np.column_stack(
        [
            np.where(short[rows], k[rows], -1),
            np.where(short[rows], first, -1),
            np.where(low[rows], last_fl, -1),
            np.where(given[rows], sup[rows], -1),
        ]
    ).astype(np.int64)
    # one integer per distinct note (fields shifted by one: -1 -> 0), unpacked once per note
    lo, width = parts.min(axis=0) + 1, parts.max(axis=0) + 2
    if np.prod(width.astype(float) - lo) < 2.0**62:
        key = np.ravel_multi_index(tuple((parts + 1 - lo).T), tuple(width - lo))
        uniq_key, inv = np.unique(key, return_inverse=True)
        uniq = np.column_stack(np.unravel_index(uniq_key, tuple(width - lo))) + lo - 1
    else:  # pragma: no cover - months beyond any calendar
        uniq, inv = np.unique(parts, axis=0, return_inverse=True)
    texts = np.empty(len(uniq), dtype=object)
    texts[:] = [_note_text(*row) for row in uniq.tolist()]
    out[rows] = texts[inv.ravel()]
    return out


def _average(h: dict[str, np.ndarray], window: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Average pay over the months worked of ``h`` (n, window): (average, months, note)."""
    worked = h["worked"].copy()
    none = ~worked.any(axis=1)
    worked[none, -1] = True  # started in the leave month: the month before is all
    k = worked.sum(axis=1)
    avg = np.where(worked, h["pay"], 0.0).sum(axis=1) / k
    return avg, k, _notes(h, worked, k, window)


def average_salary(
    staff: pd.DataFrame,
    leave_date: Any,
    regime: str,
    params: ParameterTree | None = None,
    *,
    as_of: Any = None,
    history: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The average monthly salary of a benefit regime, with how it was obtained.

    Reads ``benefits.<regime>.salary_basis.components`` and ``.average_months`` on each leave
    date and averages :func:`monthly_salaries` over the months worked in the window.

    Parameters
    ----------
    staff, leave_date, params, as_of, history
        As in :func:`monthly_salaries`.
    regime : {"nd108", "nd178", "nd154"}

    Returns
    -------
    DataFrame
        Same index as ``staff``: ``average_salary`` (float VND/month; NaN when the regime uses
        no average), ``months_averaged`` (int), ``basis_note`` (str: the months averaged when
        fewer than the window — the back-cast crossed the start of service —, a step held at 1,
        the months from a supplied history).
    """
    tree = load_law() if params is None else params
    n = len(staff)
    leave = _leave_dates(leave_date, n)
    avg, count, note = np.full(n, np.nan), np.zeros(n, np.int64), np.full(n, "", dtype=object)
    days = leave.normalize()
    leave_m = _month_index(leave) if n else np.zeros(0, np.int64)
    fixed: StaffArrays | None = None  # the roster's arrays when it describes one date (as_of)
    for day in np.unique(days):
        same = days == day
        sel = np.arange(n) if same.all() else np.flatnonzero(same)
        on = pd.Timestamp(day).date()
        key = f"benefits.{regime}.salary_basis"
        window = int(tree.number(f"{key}.average_months", on))
        if window <= 0:
            continue
        comps = list(tree.value(f"{key}.components", on))
        _check_components(comps)
        if as_of is None:  # the roster describes the month before leaving, scales of that day
            sa = staff_arrays(staff.iloc[sel], tree, on)
            rows_of = np.arange(len(sel))
            as_of_m = leave_m - 1
        else:
            if fixed is None:
                fixed = staff_arrays(staff, tree, as_of)
            sa, rows_of = fixed, sel
            as_of_m = np.full(n, _effective_month([pd.Timestamp(as_of)])[0], dtype=np.int64)
        # people × months arrays a chunk of people at a time (each row is independent)
        for a in range(0, len(sel), _CHUNK):
            part, mine = sel[a : a + _CHUNK], rows_of[a : a + _CHUNK]
            month = leave_m[part][:, None] - window + np.arange(window, dtype=np.int64)[None, :]
            h = _monthly(sa.take(mine), month, as_of_m[part], comps, tree, history)
            avg[part], count[part], note[part] = _average(h, window)
    return pd.DataFrame(
        {"average_salary": avg, "months_averaged": count, "basis_note": note}, index=staff.index
    )


def averages_on(
    sa: StaffArrays,
    leave_days: list[_dt.date],
    regime: str,
    params: ParameterTree,
    *,
    as_of: Any,
    history: pd.DataFrame | None = None,
) -> dict[_dt.date, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """:func:`average_salary` of the same people leaving on each of several dates, the months
    the windows share rebuilt once, and people with the same arrays rebuilt once.

    With the roster describing one date (``as_of``), a person's pay of a calendar month does
    not depend on the leave date: each chunk of people is rebuilt once over the months from the
    earliest window's first month to the last leave month, and each date's average is taken
    over its own window — the same numbers, added in the same order, as
    :func:`average_salary`. Without a supplied history a person's months depend on their arrays
    only (not the id): each distinct set (3,629 for the national roster's 108,847 candidates)
    is rebuilt once.

    Parameters
    ----------
    sa : StaffArrays
        The people (:func:`staff_arrays` with the scales of ``as_of``).
    leave_days : list of datetime.date
    regime, params, as_of, history
        As in :func:`average_salary` (``as_of`` is required).

    Returns
    -------
    dict
        Leave date -> (average salary float VND/month, NaN when the regime uses no average;
        months averaged; basis note), one value per person.
    """
    n = len(sa.step)
    key = f"benefits.{regime}.salary_basis"
    as_of_m = np.full(n, _effective_month([pd.Timestamp(as_of)])[0], dtype=np.int64)
    out: dict[_dt.date, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    groups: dict[tuple[str, ...], list[tuple[int, int, _dt.date]]] = {}
    for day in sorted(set(leave_days)):
        window = int(params.number(f"{key}.average_months", day))
        if window <= 0:
            out[day] = (np.full(n, np.nan), np.zeros(n, np.int64), np.full(n, "", dtype=object))
            continue
        comps = tuple(params.value(f"{key}.components", day))
        _check_components(comps)
        leave_m = int(_month_index([pd.Timestamp(day)])[0])
        groups.setdefault(comps, []).append((leave_m, window, day))
    if n > 1 and groups and (history is None or not len(history)):
        first = min(m - w for dates in groups.values() for m, w, _ in dates)
        rep, inverse = _distinct_people(sa, first)
        if len(rep) < n:  # each distinct set of arrays once
            got = averages_on(sa.take(rep), leave_days, regime, params, as_of=as_of)
            return {d: (avg[inverse], k[inverse], t[inverse]) for d, (avg, k, t) in got.items()}
    for comps, dates in groups.items():
        lo = min(m - w for m, w, _ in dates)
        hi = max(m for m, _, _ in dates)
        if hi - lo >= sum(w for _, w, _ in dates):  # windows too far apart to share much
            runs = [[d] for d in dates]
        else:
            runs = [dates]
        for run in runs:
            lo = min(m - w for m, w, _ in run)
            span = max(m for m, _, _ in run) - lo
            # as many months at a time as average_salary's chunks of one 60-month window
            chunk = max(1, _CHUNK * 60 // span)
            res = {d: (np.empty(n), np.empty(n, np.int64), np.empty(n, object)) for *_, d in run}
            for a in range(0, n, chunk):
                rows = slice(a, min(a + chunk, n))
                m = rows.stop - a
                month = np.broadcast_to(np.arange(lo, lo + span, dtype=np.int64), (m, span))
                h = _monthly(sa.take(rows), month, as_of_m[rows], comps, params, history)
                for leave_m, window, day in run:
                    s0 = leave_m - window - lo
                    hd = {k: v[:, s0 : s0 + window] for k, v in h.items()}
                    avg, k, note = _average(hd, window)
                    res[day][0][rows], res[day][1][rows], res[day][2][rows] = avg, k, note
            out.update(res)
    return out


def _distinct_people(sa: StaffArrays, first: int) -> tuple[np.ndarray, np.ndarray]:
    """``(rep, inverse)``: the first person of each distinct set of arrays (bit for bit) and
    each person's set. A start of service before ``first`` (the first month of every window)
    counts as ``first``: either way every month of the windows was worked."""
    n = len(sa.step)
    code = np.zeros(n, dtype=np.int64)
    for f in (f for f in fields(sa) if f.name not in ("ids", "scale_day")):
        col = np.asarray(getattr(sa, f.name))
        col = np.maximum(col, first) if f.name == "start" else col
        if col.dtype.kind not in "biufmM" or col.ndim != 1:  # no exact key: person by person
            return np.arange(n), np.arange(n, dtype=np.int64)
        # the values' bits as unsigned integers of their width: equal keys, equal values
        c, uniq = pd.factorize(np.ascontiguousarray(col).view(f"u{col.dtype.itemsize}"))
        code = pd.factorize(code * len(uniq) + c)[0]
    top = np.maximum.accumulate(code)  # codes number the sets in order of first appearance
    return np.flatnonzero(np.r_[True, top[1:] > top[:-1]]), code
