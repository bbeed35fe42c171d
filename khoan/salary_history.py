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
from typing import Any

import numpy as np
import pandas as pd

from .errors import ScenarioError
from .params import ParameterTree, load_law, to_date

__all__ = ["SUPPORTED_COMPONENTS", "average_salary", "monthly_salaries"]

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


def _num(staff: pd.DataFrame, col: str) -> np.ndarray:
    if col not in staff.columns:
        return np.zeros(len(staff))
    return np.nan_to_num(pd.to_numeric(staff[col], errors="coerce").to_numpy(dtype=float))


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
    bad = sorted(set(components) - set(SUPPORTED_COMPONENTS))
    if bad:
        raise ScenarioError(
            f"salary history: cannot rebuild component(s) {', '.join(bad)} month by month "
            f"(supported: {', '.join(SUPPORTED_COMPONENTS)})"
        )
    n = len(staff)
    leave = _leave_dates(leave_date, n)
    leave_m = _month_index(leave) if n else np.zeros(0, np.int64)
    month = leave_m[:, None] - months + np.arange(months, dtype=np.int64)[None, :]
    if as_of is None:
        as_of_m = leave_m - 1
        scale_day = to_date(pd.Timestamp(leave[0]).date()) if n else _dt.date.today()
    else:
        as_of_m = np.full(n, _effective_month([pd.Timestamp(as_of)])[0], dtype=np.int64)
        scale_day = to_date(as_of)

    cat = staff["category"].astype(str).to_numpy() if "category" in staff else np.full(n, "")
    grade = (
        staff["grade"].astype(object).where(staff["grade"].notna(), "").to_numpy()
        if "grade" in staff
        else np.full(n, "", dtype=object)
    )
    step = _num(staff, "step")
    coef0 = _num(staff, "coefficient")
    # scale of each person: increment, months per step, top step (0 months: no back-cast)
    scales = tree.value("salary.scales", scale_day) or {}
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
    rises = (per > 0) & (nxt < _NEVER) & (step >= 1)
    safe = np.where(per > 0, per, 1)

    def offset(mm: np.ndarray) -> np.ndarray:  # rises up to month mm, relative to rise 0
        return np.floor_divide(mm - nxt[:, None], safe[:, None]) + 1

    rel = np.where(rises[:, None], offset(month) - offset(as_of_m[:, None]), 0)
    raw_step = step[:, None] + rel
    new_step = np.clip(raw_step, 1, np.maximum(top, step)[:, None])
    coef = coef0[:, None] + inc[:, None] * (new_step - step[:, None])
    floored = rises[:, None] & (raw_step < 1)
    # constant over the months unless a supplied history overrides them (read-only views)
    pos = np.broadcast_to(_num(staff, "position_coef")[:, None], month.shape)
    tnvk = np.broadcast_to(_num(staff, "tnvk_pct")[:, None], month.shape)
    bl = np.broadcast_to(_num(staff, "bao_luu")[:, None], month.shape)
    supplied = np.zeros(month.shape, dtype=bool)

    if history is not None and len(history) and n:
        pos, tnvk, bl = pos.copy(), tnvk.copy(), bl.copy()
        h = history.copy()
        pidx = pd.Index(staff["id"].astype(str)).get_indexer(h["id"].astype(str))
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
    nh = (cat == _NHDKCT)[:, None]
    tnvk_terms = set(tree.value("allowances.tnvk_base", scale_day) or ())
    tnvk_on = np.zeros(month.shape)
    if "coefficient" in tnvk_terms:
        tnvk_on = tnvk_on + coef
    if "position_coef" in tnvk_terms:
        tnvk_on = tnvk_on + pos
    parts = {
        "salary": np.where(nh, 0.0, coef),
        "nhdkct_allowance": np.where(nh, coef, 0.0),
        "position_allowance": pos,
        "tnvk": tnvk / 100.0 * tnvk_on,
        "bao_luu": bl,
    }
    total = np.zeros(month.shape)
    for c in components:
        total = total + parts[c]
    start = pd.Series(pd.NaT, index=staff.index, dtype="datetime64[ns]")
    if "start_date" in staff:
        start = pd.to_datetime(staff["start_date"], errors="coerce")
    if "insured_since" in staff:
        start = start.fillna(pd.to_datetime(staff["insured_since"], errors="coerce"))
    start_m = _effective_month(start.to_numpy())
    start_m[start.isna().to_numpy()] = np.iinfo(np.int64).min // 4
    worked = month >= start_m[:, None]
    return {
        "month": month,
        "pay": total * base,
        "worked": worked,
        "floored": floored & worked,
        "supplied": supplied,
    }


def _months_text(months: np.ndarray) -> pd.Series:
    m = pd.Series(months, dtype=np.int64)
    return (m // 12).astype(str).str.zfill(4) + "-" + (m % 12 + 1).astype(str).str.zfill(2)


def _notes(h: dict[str, np.ndarray], worked: np.ndarray, k: np.ndarray, window: int) -> np.ndarray:
    """``basis_note`` of each person (vectorised over the people who need one): short service,
    a step held at 1, months from a supplied history."""
    n = len(k)
    out = np.full(n, "", dtype=object)
    fl = h["floored"]
    sup = (h["supplied"] & worked).sum(axis=1)
    short, low, given = k < window, fl.any(axis=1), sup > 0
    rows = np.flatnonzero(short | low | given)
    if not len(rows):
        return out
    first = h["month"][rows, worked[rows].argmax(axis=1)]
    last_fl = h["month"][rows, window - 1 - fl[rows, ::-1].argmax(axis=1)]
    empty = pd.Series("", index=range(len(rows)), dtype=object)
    texts = [
        (
            "average over "
            + pd.Series(k[rows]).astype(str)
            + " months (service from "
            + _months_text(first)
            + ")"
        ).where(short[rows], empty),
        ("back-cast below step 1 up to " + _months_text(last_fl) + ": step 1 assumed").where(
            low[rows], empty
        ),
        (pd.Series(sup[rows]).astype(str) + " month(s) from the salary_history table").where(
            given[rows], empty
        ),
    ]
    note = texts[0]
    for t in texts[1:]:
        sep = pd.Series(np.where((note != "") & (t != ""), "; ", ""), dtype=object)
        note = note + sep + t
    out[rows] = note.to_numpy(dtype=object)
    return out


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
    avg = np.full(n, np.nan)
    count = np.zeros(n, dtype=np.int64)
    note = np.full(n, "", dtype=object)
    days = leave.normalize()
    for day in np.unique(days):
        same = days == day
        sel = np.arange(n) if same.all() else np.flatnonzero(same)
        on = pd.Timestamp(day).date()
        key = f"benefits.{regime}.salary_basis"
        window = int(tree.number(f"{key}.average_months", on))
        if window <= 0:
            continue
        comps = list(tree.value(f"{key}.components", on))
        # people × months arrays a chunk of people at a time (each row is independent)
        for a in range(0, len(sel), _CHUNK):
            part = sel[a : a + _CHUNK]
            rows = slice(part[0], part[-1] + 1) if part[-1] - part[0] + 1 == len(part) else part
            h = monthly_salaries(
                staff.iloc[rows],
                leave[rows],
                comps,
                window,
                tree,
                as_of=as_of,
                history=history,
            )
            worked = h["worked"].copy()
            none = ~worked.any(axis=1)
            worked[none, -1] = True  # started in the leave month: the month before is all
            k = worked.sum(axis=1)
            avg[part] = np.where(worked, h["pay"], 0.0).sum(axis=1) / k
            count[part] = k
            note[part] = _notes(h, worked, k, window)
    return pd.DataFrame(
        {"average_salary": avg, "months_averaged": count, "basis_note": note}, index=staff.index
    )
