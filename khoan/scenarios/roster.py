"""Roster ageing between years: regular step rises, seniority beyond the top step, new hires.

Everything here is a pure function of a staff table (schema ``khoan/data/schemas/staff.csv``)
and the dated parameters; nothing is written in code but the rules themselves.

Rules (NĐ 204/2004/NĐ-CP Điều 7; TT 08/2013/TT-BNV; TT 04/2005/TT-BNV; NĐ 92/2009/NĐ-CP Điều 5)
------------------------------------------------------------------------------------------------
A person's ``next_step_date`` is the date of the next regular rise. On that date:

- below the top step of grade ``g`` (``salary.scales[g]``): one step up, coefficient
  ``first + (step − 1) × increment``; the next rise is ``years_per_step`` years later (3 for
  A0/A1, 2 for B) — or, on reaching the top step, ``years_at_top[g]`` years later
  (``allowances.tnvk``), when the seniority allowance beyond the top step (TNVK) starts;
- at the top step: TNVK starts at ``start_pct`` % (or rises by ``increment_pct`` points);
  the next rise is one year later;
- an untrained commune cadre (``cadre_untrained``) at step 1 moves to the step-2 coefficient of
  his position (``salary.cadre_untrained``) and has no further rise.

This is the rule :func:`khoan.payroll.payroll` applies within a year (rises dated before the
year are taken as already in the roster), so that ``payroll(model, y, staff=advance_roster(s,
date(y, 1, 1), params))`` pays year ``y`` of a roster ``s`` described on an earlier date.
A person without ``next_step_date`` gets no rise (the roster says none is due).

Reduced retirement age (:func:`reduced_age`; Bộ luật Lao động 2019 Điều 169 khoản 3, NĐ
135/2020 Điều 5 and Phụ lục II) — who retires up to 5 years early: see the function.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import ScenarioError
from ..params import ParameterTree

__all__ = [
    "Steps",
    "add_years",
    "advance_roster",
    "age",
    "first_of_next_months",
    "make_hires",
    "reduced_age",
    "steps_of",
]

_MAX_ROUNDS = 200


def add_years(dates: pd.Series | pd.DatetimeIndex, years: np.ndarray | int) -> pd.DatetimeIndex:
    """Add whole years to each date (29 February → 28 February), vectorised; NaT stays NaT."""
    d = pd.DatetimeIndex(dates)
    yrs = np.broadcast_to(np.asarray(years, dtype=np.int64), (len(d),))
    arr = d.to_numpy(copy=True)
    ok = ~d.isna()
    if d.tz is None and arr.dtype == "datetime64[ns]":
        fast = _add_years_ns(arr[ok], yrs[ok])
        if fast is not None:
            arr[ok] = fast
            return pd.DatetimeIndex(arr)
    for k in np.unique(yrs[ok]):
        m = ok & (yrs == k)
        arr[m] = (d[m] + pd.DateOffset(years=int(k))).to_numpy()
    return pd.DatetimeIndex(arr)


def _add_years_ns(v: np.ndarray, years: np.ndarray) -> np.ndarray | None:
    """``v + pd.DateOffset(years=k)`` for ``datetime64[ns]`` values (no NaT) on arrays: the
    same month ``12 k`` months on, the day kept or, past the month's end (29 February),
    its last day; the time of day kept. None when a result would leave pandas' range."""
    if not len(v):
        return v.copy()
    day = v.astype("datetime64[D]")
    month = day.astype("datetime64[M]")
    dom = (day - month.astype("datetime64[D]")).astype(np.int64)  # 0-based day of the month
    to = month + years * 12
    y = to.astype(np.int64) // 12 + 1970
    if y.min() < 1678 or y.max() > 2261:
        return None
    first = to.astype("datetime64[D]")
    length = ((to + 1).astype("datetime64[D]") - first).astype(np.int64)
    out = first + np.minimum(dom, length - 1)
    return out.astype("datetime64[ns]") + (v - day.astype("datetime64[ns]"))


@dataclass
class Steps:
    """The columns of a roster that ageing reads and changes, as arrays (one entry a person).

    Grades and positions are factorised (codes into ``grades`` / ``positions``, -1 when
    missing), so that ageing compares integers, not strings.
    """

    nxt: np.ndarray  # datetime64[ns] next_step_date (NaT: no rise due)
    step: np.ndarray  # float (NaN: derived from the coefficient)
    coef: np.ndarray  # float salary coefficient
    tnvk: np.ndarray  # float TNVK percent
    grade: np.ndarray  # int codes into ``grades``
    grades: np.ndarray  # object: the distinct grades
    position: np.ndarray  # int codes into ``positions``
    positions: np.ndarray  # object: the distinct positions

    def replace(self, **changes: np.ndarray) -> Steps:
        return dataclasses.replace(self, **changes)


def _factorize(col: pd.Series | None, n: int) -> tuple[np.ndarray, np.ndarray]:
    if col is None:
        return np.full(n, -1, dtype=np.int64), np.zeros(0, dtype=object)
    codes, uniques = pd.factorize(col, use_na_sentinel=True)
    return codes.astype(np.int64), np.asarray(uniques, dtype=object)


def steps_of(staff: pd.DataFrame) -> Steps:
    """The ageing columns of a roster (``next_step_date``, ``step``, ``coefficient``,
    ``tnvk_pct``, ``grade``, ``position``) as :class:`Steps`."""
    n = len(staff)
    tnvk = pd.to_numeric(staff.get("tnvk_pct", 0.0), errors="coerce")
    grade, grades = _factorize(staff["grade"] if "grade" in staff else None, n)
    position, positions = _factorize(staff["position"], n)
    return Steps(
        nxt=pd.to_datetime(staff["next_step_date"]).to_numpy(copy=True).astype("datetime64[ns]"),
        step=pd.to_numeric(staff["step"], errors="coerce").to_numpy(dtype=float, copy=True),
        coef=pd.to_numeric(staff["coefficient"], errors="coerce").to_numpy(dtype=float, copy=True),
        tnvk=np.broadcast_to(np.nan_to_num(np.asarray(tnvk, dtype=float)), (n,)).copy(),
        grade=grade,
        grades=grades,
        position=position,
        positions=positions,
    )


def _code_of(names: np.ndarray, name: str) -> int:
    """Code of ``name`` among factorised ``names`` (-2 when absent: matches nobody)."""
    hit = np.flatnonzero(names == name) if len(names) else np.zeros(0, dtype=np.int64)
    return int(hit[0]) if len(hit) else -2


def age(steps: Steps, to_date: object, params: ParameterTree) -> Steps:
    """:class:`Steps` on ``to_date``: every rise dated before it applied (the rule of
    :func:`advance_roster`, on arrays; new arrays, ``step`` rounded to whole steps as the
    staff table stores it)."""
    to = pd.Timestamp(to_date)
    nxt = steps.nxt.copy()
    step, coef, tnvk = steps.step.copy(), steps.coef.copy(), steps.tnvk.copy()
    grade = steps.grade
    # the rules change only on the parameters' dates: group rises by the rule period they fall in
    keys = ("salary.scales", "allowances.tnvk", "salary.cadre_untrained")
    change = np.unique(
        np.concatenate(
            [np.asarray(params.parameter(k).dates, dtype="datetime64[ns]") for k in keys]
        )
    )
    untrained_code = _code_of(steps.grades, "cadre_untrained")
    due = ~np.isnat(nxt) & (nxt < to.to_datetime64())
    rounds = 0
    while due.any():
        rounds += 1
        if rounds > _MAX_ROUNDS:  # pragma: no cover - guards against a zero-year step
            raise ScenarioError(
                "advance_roster: rises do not converge (a scale with 0 years per step?)"
            )
        # one rise for each due person: the earliest one (others come in the next round)
        period = np.searchsorted(change, nxt, side="right")
        for per in np.unique(period[due]):
            # the due people of this rule period, by position (``ix``; masks within them)
            mi = np.flatnonzero(due & (period == per))
            gm = grade[mi]
            day = pd.Timestamp(nxt[mi].min()).date()
            scales = params.value("salary.scales", day)
            tn = params.value("allowances.tnvk", day)
            years_next = np.zeros(len(mi), dtype=np.int64)
            stop = np.zeros(len(mi), dtype=bool)
            known = np.zeros(len(steps.grades) + 1, dtype=bool)  # last: no grade (code -1)
            for g, sc in scales.items():
                gc = _code_of(steps.grades, g)
                if gc < 0:
                    continue
                known[gc] = True
                sel = np.flatnonzero(gm == gc)
                if not len(sel):
                    continue
                ix = mi[sel]
                first, inc, top = float(sc["first"]), float(sc["increment"]), int(sc["steps"])
                st = np.where(np.isnan(step[ix]), np.round((coef[ix] - first) / inc) + 1, step[ix])
                below = st < top
                new_st = np.where(below, st + 1, st)
                step[ix] = new_st
                coef[ix] = np.where(below, np.round(first + (new_st - 1) * inc, 6), coef[ix])
                at_top_now = below & (new_st == top)
                t0 = tnvk[ix]
                tnvk[ix] = np.where(
                    below,
                    t0,
                    np.where(t0 > 0, t0 + float(tn["increment_pct"]), float(tn["start_pct"])),
                )
                ytop = int(tn["years_at_top"].get(g, sc["years_per_step"]))
                years_next[sel] = np.where(
                    at_top_now, ytop, np.where(below, int(sc["years_per_step"]), 1)
                )
            su = np.flatnonzero(gm == untrained_code) if untrained_code >= 0 else mi[:0]
            if len(su):
                untrained = params.value("salary.cadre_untrained", day)
                mu = mi[su]
                pc = steps.position[mu]
                names = np.append(steps.positions, None)  # code -1: no position
                s2 = np.array([float(untrained[p][1]) for p in names[pc]])
                coef[mu] = s2
                step[mu] = 2
                stop[su] = True
            if untrained_code >= 0:
                known[untrained_code] = True
            stop |= ~known[gm]
            adv = ~stop
            new = np.full(len(mi), np.datetime64("NaT"), dtype="datetime64[ns]")
            if adv.any():
                new[adv] = add_years(pd.DatetimeIndex(nxt[mi[adv]]), years_next[adv]).to_numpy()
            nxt[mi] = new
        due = ~np.isnat(nxt) & (nxt < to.to_datetime64())
    return steps.replace(nxt=nxt, step=np.round(step), coef=coef, tnvk=tnvk)


def advance_roster(staff: pd.DataFrame, to_date: object, params: ParameterTree) -> pd.DataFrame:
    """The roster as it stands on ``to_date``: every rise dated before it applied.

    Parameters
    ----------
    staff : DataFrame
        Roster (staff schema) described on some earlier date.
    to_date : date-like
        Rises with ``next_step_date < to_date`` are applied, repeatedly (a person may rise
        several times); ``next_step_date`` then holds the first rise on or after ``to_date``.
    params : ParameterTree
        Scales and TNVK rules are read on each rise's date (``salary.scales``,
        ``allowances.tnvk``, ``salary.cadre_untrained``).

    Returns
    -------
    DataFrame
        A copy with ``step``, ``coefficient``, ``tnvk_pct`` and ``next_step_date`` updated.
        Birth dates, hence ages, need no update.
    """
    s = staff.copy()
    if "next_step_date" not in s.columns or s.empty:
        return s
    a = age(steps_of(s), to_date, params)
    s["step"] = (
        pd.array(np.where(np.isnan(a.step), pd.NA, a.step), dtype="Float64").round().astype("Int64")
    )
    s["coefficient"] = a.coef
    s["tnvk_pct"] = a.tnvk
    s["next_step_date"] = pd.DatetimeIndex(a.nxt)
    return s


def make_hires(
    leaving: pd.DataFrame, start: pd.Series | np.ndarray, params: ParameterTree, suffix: str = "+h"
) -> pd.DataFrame:
    """New hires replacing ``leaving`` people, one each, starting on ``start``.

    Each hire takes the place (commune, category, position) of the person replaced, at step 1 of
    grade ``scenarios.hire.grade`` (A1: coefficient 2.34, the coefficient vacant posts are costed
    at), with the position allowance of the post (``allowances.position.commune``), no TNVK, an
    age of ``scenarios.hire.age`` years on the start date, the replaced person's sex, social
    insurance from the start date, and a first regular rise ``years_per_step`` years later.

    Parameters
    ----------
    leaving : DataFrame
        Rows of the staff table being replaced (``id``, ``commune``, ``category``, ``position``,
        ``sex``).
    start : array of datetime64
        First day of each hire (the day after the replaced person's last day).
    params : ParameterTree
    suffix : str
        Appended to the replaced person's id to form the hire's id.

    Returns
    -------
    DataFrame
        Rows in the staff schema.
    """
    n = len(leaving)
    start = pd.DatetimeIndex(np.asarray(start, dtype="datetime64[ns]"))
    cols = [
        "id",
        "commune",
        "category",
        "position",
        "grade",
        "step",
        "coefficient",
        "position_coef",
        "tnvk_pct",
        "bao_luu",
        "birth_date",
        "sex",
        "insured_since",
        "next_step_date",
        "bhtn_covered",
        "start_date",
        "end_date",
    ]
    if n == 0:
        out = pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
        for c in ("birth_date", "insured_since", "next_step_date", "start_date", "end_date"):
            out[c] = pd.Series(dtype="datetime64[ns]")
        return out
    coef = np.zeros(n)
    pos = np.zeros(n)
    ypstep = np.zeros(n, dtype=np.int64)
    age = np.zeros(n, dtype=np.int64)
    grade = np.empty(n, dtype=object)
    position = leaving["position"].astype(object).to_numpy()
    # the parameters change only on their own dates: one lookup per period, not per hire date
    keys = (
        "scenarios.hire.grade",
        "salary.scales",
        "scenarios.hire.age",
        "allowances.position.commune",
    )
    change = np.unique(
        np.concatenate(
            [np.asarray(params.parameter(k).dates, dtype="datetime64[ns]") for k in keys]
        )
    )
    sd = start.to_numpy()
    period = np.searchsorted(change, sd, side="right")
    for per in np.unique(period):
        m = period == per
        day = pd.Timestamp(sd[m].min()).date()
        g = str(params.value("scenarios.hire.grade", day))
        sc = params.value("salary.scales", day)
        if g not in sc:
            raise ScenarioError(
                f"parameter scenarios.hire.grade is {g!r}, not a grade of salary.scales "
                f"({', '.join(sc)})"
            )
        grade[m] = g
        coef[m] = float(sc[g]["first"])
        ypstep[m] = int(sc[g]["years_per_step"])
        age[m] = int(params.number("scenarios.hire.age", day))
        pos[m] = params.lookup("allowances.position.commune", day, position[m])
    out = pd.DataFrame(
        {
            "id": leaving["id"].astype(str).to_numpy() + suffix,
            "commune": leaving["commune"].astype(str).to_numpy(),
            "category": leaving["category"].astype(object).to_numpy(),
            "position": position,
            "grade": grade,
            "step": pd.array(np.ones(n, dtype=np.int64), dtype="Int64"),
            "coefficient": coef,
            "position_coef": pos,
            "tnvk_pct": np.zeros(n),
            "bao_luu": np.zeros(n),
            "birth_date": add_years(start, -age),
            "sex": leaving["sex"].astype(object).to_numpy(),
            "insured_since": start,
            "next_step_date": add_years(start, ypstep),
            "bhtn_covered": pd.array([pd.NA] * n, dtype="boolean"),
            "start_date": start,
            "end_date": pd.DatetimeIndex([pd.NaT] * n),
        }
    )
    return out


def first_of_next_months(days: np.ndarray) -> np.ndarray:
    """The first day of the month after each day (the day itself when it is a first of month);
    day numbers (days since 1970-01-01) in and out."""
    d = np.asarray(days, dtype=np.int64).astype("datetime64[D]")
    m = d.astype("datetime64[M]")
    first = m.astype("datetime64[D]")
    return np.where(first == d, d, (m + 1).astype("datetime64[D]")).astype(np.int64)


def reduced_age(
    staff: pd.DataFrame,
    communes: pd.DataFrame,
    params: ParameterTree,
    roster_date: object,
) -> pd.DataFrame:
    """Who takes the reduced retirement age, and the years that qualify them.

    Bộ luật Lao động 2019 Điều 169 khoản 3 and NĐ 135/2020/NĐ-CP Điều 5: up to 5 years below
    the normal age (Phụ lục II, :func:`khoan.benefits.retirement_date` with ``reduced=True``)
    for people with at least ``retirement.reduced.min_years`` (15) years in arduous or
    hazardous jobs or in areas of special difficulty, which include places with a regional
    allowance coefficient of at least ``retirement.reduced.region_coef_min`` (0.7).

    Years that count, at the roster date:

    - the roster column ``reduced_age_years`` where it is filled (years in such jobs or areas,
      anywhere, up to the roster date);
    - otherwise (**derived**): if the person's commune has ``region_coef`` ≥ the minimum, the
      years since ``start_date`` (or ``insured_since`` when ``start_date`` is empty) — i.e.
      khoan assumes the person has worked in that commune since then; else 0.

    People in such a commune keep accruing years after the roster date. A person qualifies
    when the years counted at the reduced pension start reach the minimum, and takes the
    reduced age — unless that start is before the roster date: someone already past the
    reduced age on the roster date has chosen to keep working (the reduced age is a right, not
    an obligation) and retires at the normal age.

    Parameters
    ----------
    staff : DataFrame
        Roster (staff schema): ``commune``, ``sex``, ``birth_date``, ``insured_since``;
        optional ``start_date``, ``reduced_age_years`` (years).
    communes : DataFrame
        ``code``, ``region_coef``.
    params : ParameterTree
    roster_date : date-like

    Returns
    -------
    DataFrame, index of ``staff``: ``reduced_age_years`` (float, years at the roster date),
    ``derived`` (bool: from ``region_coef`` and service dates), ``in_area`` (bool: commune at or
    above the coefficient), ``reduced`` (bool: retires at the reduced age),
    ``retirement_date`` (datetime64: the pension start that applies).
    """
    from .. import benefits as _benefits
    from ..retirement import first_of_month, pension_start_month, sex_codes

    rd = pd.Timestamp(roster_date)
    n = len(staff)
    coef_min = float(params.number("retirement.reduced.region_coef_min", rd.date()))
    min_years = float(params.number("retirement.reduced.min_years", rd.date()))
    coef = pd.to_numeric(communes["region_coef"], errors="coerce").fillna(0.0)
    by_code = pd.Series(coef.to_numpy(), index=communes["code"].astype(str))
    # ``staff["commune"].astype(str).map(by_code)``, once per distinct commune; a column of
    # mixed objects (1, 1.0, True are equal values but different texts) is made text first
    commune = staff["commune"]
    if commune.dtype == object and pd.api.types.infer_dtype(commune, skipna=False) not in (
        "string",
        "integer",
    ):
        commune = commune.astype(str)
    where, uniq = pd.factorize(commune, use_na_sentinel=False)
    text = pd.Series(np.asarray(uniq, dtype=object), dtype=object).astype(str)
    cc = text.map(by_code).fillna(0.0).to_numpy(dtype=float)[where]
    in_area = cc >= coef_min - 1e-12
    given = (
        pd.to_numeric(staff["reduced_age_years"], errors="coerce")
        if "reduced_age_years" in staff.columns
        else pd.Series(np.nan, index=staff.index)
    ).to_numpy(dtype=float)
    since = pd.to_datetime(staff.get("insured_since"), errors="coerce")
    if "start_date" in staff.columns:
        since = pd.to_datetime(staff["start_date"], errors="coerce").fillna(since)
    months = _benefits.months_between(since.fillna(rd).to_numpy(), np.full(n, rd.to_datetime64()))
    served = np.maximum(months, 0) / 12.0
    derived = np.isnan(given)
    years = np.where(derived, np.where(in_area, served, 0.0), given)
    sex = sex_codes(staff["sex"])
    birth = pd.DatetimeIndex(pd.to_datetime(staff["birth_date"]))
    normal = np.asarray(_benefits.retirement_date(sex, birth, params), dtype="datetime64[D]")
    if birth.tz is None and n:
        # the same people, checked by the call above: the reduced age's pension start from
        # the arrays (retirement_date's months, without checking and converting them again)
        low = first_of_month(pension_start_month(sex, birth.values, params, None, np.ones(n, bool)))
    else:
        low = np.asarray(
            _benefits.retirement_date(sex, birth, params, reduced=True), dtype="datetime64[D]"
        )
    ahead = np.where(
        in_area, np.maximum(_benefits.months_between(np.full(n, rd.to_datetime64()), low), 0), 0
    )
    qualifies = years + ahead / 12.0 >= min_years - 1e-9
    reduced = qualifies & (low >= np.datetime64(rd.date(), "D"))
    return pd.DataFrame(
        {
            "reduced_age_years": years,
            "derived": derived,
            "in_area": in_area,
            "reduced": reduced,
            "retirement_date": pd.to_datetime(np.where(reduced, low, normal)).astype(
                "datetime64[ns]"
            ),
        },
        index=staff.index,
    )
