"""Statutory retirement age, the pension start date and the year rounding of benefits.

Vectorised over people; the only Python loops run over the two sexes and the few calendar
years of the retirement-age schedule. Every age comes from the dated parameters
(``khoan/params/law/retirement/``); none is written here. The staff-reduction benefits that
count months early and insured years with these rules are in :mod:`khoan.benefits`.

Rules and their legal basis
---------------------------
Retirement age (:func:`retirement_date`, :func:`retirement_age`)
    Before 2021 men retire at 60 and women at 55 (Bộ luật Lao động 1994 Điều 145; Luật BHXH
    2014 Điều 54). From 2021 the age rises by calendar year (Bộ luật Lao động 2019 Điều 169;
    NĐ 135/2020/NĐ-CP Điều 4 and Phụ lục I): men 60y3m in 2021, +3 months a year, to 62 in
    2028; women 55y4m in 2021, +4 months a year, to 60 in 2035. The age that applies is the one
    of the calendar year in which the person reaches it — the first year ``Y`` such that the
    person reaches the age of year ``Y`` during ``Y`` (someone reaching the 2021 age in
    December 2021 keeps it even though they would also reach the 2022 age in 2022). The age is
    reached in the month of the birthday + the months of the age; the pension starts on the
    first day of the following month (NĐ 135/2020 Phụ lục II; Luật BHXH 2014 Điều 59). Only
    the birth month matters, not the day.
Reduced retirement age (``reduced=True``)
    Up to 5 years lower for people with 15 years in arduous or hazardous jobs or in areas of
    special difficulty (Bộ luật Lao động 2019 Điều 169 khoản 3; NĐ 135/2020 Điều 5 and Phụ lục
    II): men 55y3m in 2021 rising 3 months a year to 57 in 2028, women 50y4m rising 4 months a
    year to 55 in 2035; 55 / 50 before 2021 (Luật BHXH 2014 Điều 54 khoản 1 điểm b). Same rule
    of the calendar year in which the age is reached. Who qualifies:
    :func:`khoan.scenarios.roster.reduced_age`; :func:`khoan.benefits.compute` counts months early from it
    for people flagged ``reduced_age`` (NĐ 29/2023 Điều 5 khoản 1; NĐ 178/2024 Điều 7).
Year rounding (:func:`round_years`)
    Insured (or worked) years and years retired early are whole years plus odd months: 1–6 odd
    months count as half a year, 7–11 as a whole year (NĐ 108/2014/NĐ-CP; NĐ 178/2024/NĐ-CP;
    parameter ``retirement.year_rounding``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .errors import ParameterError, ScenarioError
from .params import ParameterTree, load_law
from .periods import distinct_ints

__all__ = [
    "SEXES",
    "as_flags",
    "first_of_month",
    "law_tree",
    "months_between",
    "pension_start_month",
    "retirement_age",
    "retirement_date",
    "round_years",
    "sex_codes",
]

#: Codes of the staff table's ``sex`` column.
SEXES = ("M", "F")


# ---------------------------------------------------------------------------------------------
# small helpers


def law_tree(params: ParameterTree | None) -> ParameterTree:
    """The parameters given, else the national law (:func:`khoan.params.load_law`)."""
    return load_law() if params is None else params


def _latest(tree: ParameterTree, key: str) -> Any:
    """The last dated value of ``key`` (the law as now written)."""
    return tree.history(key)[-1].value


def _month_index(dates: pd.DatetimeIndex) -> np.ndarray:
    """Months since year 0: ``year * 12 + month - 1``."""
    v = np.asarray(dates.values)
    if getattr(dates, "tz", None) is None and v.dtype.kind == "M" and not np.isnat(v).any():
        # the month of each date as a count since 1970-01 (no field extraction)
        return v.astype("datetime64[M]").astype(np.int64) + 1970 * 12
    return dates.year.to_numpy(dtype=np.int64) * 12 + dates.month.to_numpy(dtype=np.int64) - 1


def _first_of_month(month_index: np.ndarray) -> np.ndarray:
    """``datetime64[D]`` of the first day of each month index."""
    return (
        (np.asarray(month_index, dtype=np.int64) - 1970 * 12)
        .astype("datetime64[M]")
        .astype("datetime64[D]")
    )


def months_between(start: Any, end: Any) -> np.ndarray:
    """Whole months from ``start`` to ``end`` (negative when ``end`` is earlier).

    Calendar months, minus one when the day of ``end`` is before the day of ``start``:
    2025-03-01 → 2028-10-01 is 43 months, 2025-03-15 → 2028-10-01 is 42.

    Parameters
    ----------
    start, end : date-like or array-like of dates (broadcast together)

    Returns
    -------
    numpy.ndarray of int64
    """
    s_raw, e_raw = np.atleast_1d(np.asarray(start)), np.atleast_1d(np.asarray(end))
    if s_raw.dtype.kind == "M" and e_raw.dtype.kind == "M":
        if not (np.isnat(s_raw).any() or np.isnat(e_raw).any()):
            # plain dates: months and days of the month from datetime64 alone (no fields)
            s_m, e_m = s_raw.astype("datetime64[M]"), e_raw.astype("datetime64[M]")
            months = (e_m - s_m).astype(np.int64)
            return months - (_day_of_month(e_raw, e_m) < _day_of_month(s_raw, s_m))
    s = pd.DatetimeIndex(pd.to_datetime(s_raw))
    e = pd.DatetimeIndex(pd.to_datetime(e_raw))
    months = _month_index(e) - _month_index(s)
    earlier_day = e.day.to_numpy() < s.day.to_numpy()
    return months - earlier_day.astype(np.int64)


def _day_of_month(d: np.ndarray, month: np.ndarray) -> np.ndarray:
    """Day of the month (1–31) of ``datetime64`` values ``d`` whose months are ``month``."""
    return (d.astype("datetime64[D]") - month.astype("datetime64[D]")).astype(np.int64) + 1


def _shape_info(*args: Any) -> tuple[bool, pd.Index | None]:
    """(all scalar?, index of the first Series argument)."""
    index = next((a.index for a in args if isinstance(a, pd.Series)), None)
    scalar = all(np.ndim(a) == 0 for a in args)
    return scalar, index


def sex_codes(values: Any) -> np.ndarray:
    """Sex codes as written, normalised (``str``, stripped, upper case: ``" m"`` -> ``"M"``) once
    per distinct value (a roster has two or three); an object array, not checked against
    :data:`SEXES`."""
    norm, codes = _sex_factorized(values)
    return norm[codes]


def _sex_factorized(values: Any) -> tuple[np.ndarray, np.ndarray]:
    """The distinct sex codes normalised (object array) and each value's position among them."""
    s = np.atleast_1d(np.asarray(values, dtype=object))
    codes, uniq = pd.factorize(pd.Series(s, dtype=object), use_na_sentinel=False)
    norm = np.empty(len(uniq), dtype=object)
    norm[:] = [str(v).strip().upper() for v in uniq]
    return norm, codes


def _as_sex(sex: Any, n: int) -> np.ndarray:
    s = np.atleast_1d(np.asarray(sex, dtype=object))
    if len(s) == 1 and n > 1:
        s = np.repeat(s, n)
    norm, codes = _sex_factorized(s)
    out = norm[codes]
    bad = ~np.isin(norm, SEXES)[codes]  # checked once per distinct value
    if bad.any():
        raise ScenarioError(
            f"sex must be 'M' or 'F'; got {sorted(set(map(str, s[bad])))[:5]} "
            f"({int(bad.sum())} value(s))"
        )
    return out


def _as_dates(values: Any, what: str) -> pd.DatetimeIndex:
    arr = np.atleast_1d(np.asarray(values, dtype=object) if np.ndim(values) == 0 else values)
    d = pd.DatetimeIndex(pd.to_datetime(pd.Series(np.asarray(arr)), errors="coerce"))
    if d.isna().any():
        raise ScenarioError(f"{what} is missing or not a date in {int(d.isna().sum())} value(s)")
    return d


# ---------------------------------------------------------------------------------------------
# retirement age


def _age_tables(
    tree: ParameterTree, on: Any, reduced: bool = False
) -> dict[str, tuple[int, np.ndarray, np.ndarray]]:
    """Per sex: (age before the schedule in months, schedule years, schedule ages in months).

    The schedule is expanded to consecutive years; it is empty when not in force on ``on``.
    ``reduced``: the reduced ages (``retirement.reduced.*``, NĐ 135/2020 Phụ lục II) instead of
    the normal ones (``retirement.age.*``, Phụ lục I).
    """
    node = "retirement.reduced" if reduced else "retirement.age"
    pre_key, sched_key = f"{node}.pre_2021", f"{node}.schedule"
    if on is None:
        pre, sched = _latest(tree, pre_key), _latest(tree, sched_key)
    else:
        pre = tree.value(pre_key, on)
        try:
            sched = tree.value(sched_key, on)
        except ParameterError:  # the schedule was not yet law on that date
            sched = None
    out = {}
    for sex in SEXES:
        try:
            y, m = pre[sex]
            pre_months = int(y) * 12 + int(m)
        except (KeyError, TypeError, ValueError) as exc:
            raise ParameterError(f"{pre_key}: needs [years, months] for sex {sex!r}") from exc
        years: list[int] = []
        ages: list[int] = []
        table = (sched or {}).get(sex) or {}
        if table:
            listed = {int(k): int(v[0]) * 12 + int(v[1]) for k, v in table.items()}
            first, last = min(listed), max(listed)
            current = listed[first]
            for year in range(first, last + 1):
                current = listed.get(year, current)
                years.append(year)
                ages.append(current)
            steps = np.diff([pre_months, *ages])
            if (steps < 0).any() or (steps > 12).any():
                raise ParameterError(
                    f"{sched_key}: the age for sex {sex!r} must rise by 0 to 12 months a year"
                )
        out[sex] = (pre_months, np.asarray(years, dtype=np.int64), np.asarray(ages, np.int64))
    return out


def _age_months(
    sex: np.ndarray,
    born: np.ndarray,
    tree: ParameterTree,
    on: Any,
    reduced: np.ndarray | None = None,
) -> np.ndarray:
    """Retirement age in months for each person born in month index ``born`` (the age of the
    year in which it is reached); the reduced age where ``reduced`` is True."""
    out = np.zeros(len(born), dtype=np.int64)
    red = np.zeros(len(born), dtype=bool) if reduced is None else reduced
    for flag in (False, True):
        sel = red == flag
        if sel.any():
            out[sel] = _age_months_of(sex[sel], born[sel], _age_tables(tree, on, flag))
    return out


def _age_months_of(
    sex: np.ndarray, born: np.ndarray, tables: dict[str, tuple[int, np.ndarray, np.ndarray]]
) -> np.ndarray:
    """Retirement age in months from one family of age tables (see :func:`_age_tables`)."""
    out = np.zeros(len(born), dtype=np.int64)
    for code, (pre, years, ages) in tables.items():
        mask = sex == code
        if not mask.any():
            continue
        if len(years) == 0:
            out[mask] = pre
            continue
        b = born[mask]
        # the age depends on the birth month alone: computed once per distinct birth month
        # (a roster's births span a few hundred months)
        months, where = distinct_ints(b)
        out[mask] = _scheduled_age(months, pre, years, ages)[where]
    return out


def _scheduled_age(b: np.ndarray, pre: int, years: np.ndarray, ages: np.ndarray) -> np.ndarray:
    """Retirement age in months of the birth months ``b`` from one sex's schedule."""
    # candidate 0: the pre-schedule age, if reached before the first schedule year;
    # candidate k: the age of schedule year k, if reached during that year (the last
    # year's age also applies to every later year). The first candidate that holds wins.
    reach = b[:, None] + ages[None, :]
    holds = (reach // 12) == years[None, :]
    holds[:, -1] = (reach[:, -1] // 12) >= years[-1]
    pre_holds = ((b + pre) // 12) < years[0]
    cand = np.column_stack([pre_holds, holds])
    if not cand.any(axis=1).all():  # pragma: no cover - excluded by _age_tables checks
        raise ParameterError("retirement.age.schedule: no age applies to some birth months")
    choice = cand.argmax(axis=1)
    return np.concatenate([[pre], ages])[choice]


def retirement_age(
    sex: Any,
    birth_date: Any,
    params: ParameterTree | None = None,
    on: Any = None,
    reduced: Any = False,
) -> tuple[Any, Any]:
    """Statutory retirement age that applies to each person, as (years, months).

    Parameters
    ----------
    sex : "M" / "F", or array-like / Series of them
    birth_date : date-like, or array-like / Series of dates
    params : ParameterTree, optional
        Defaults to the national law (:func:`khoan.params.load_law`).
    on : date-like, optional
        Date the law is read on. ``None`` (default): the law as now written, for every cohort.
        Before 2021-01-01 the schedule was not law, so everyone gets 60 / 55 (reduced: 55 / 50).
    reduced : bool, or array-like / Series of bool
        The reduced age of Bộ luật Lao động 2019 Điều 169 khoản 3 (NĐ 135/2020 Điều 5, Phụ lục
        II: men 55y3m in 2021 rising to 57 in 2028, women 50y4m rising to 55 in 2035; 55 / 50
        before 2021) for people with at least 15 years in arduous or hazardous jobs or in areas
        of special difficulty (``retirement.reduced.*``). Whether someone qualifies is the
        caller's: see :func:`khoan.scenarios.roster.reduced_age`.

    Returns
    -------
    (years, months)
        ints for scalar input, int arrays (or Series, for Series input) otherwise.

    Notes
    -----
    Bộ luật Lao động 2019 Điều 169; NĐ 135/2020/NĐ-CP Điều 4, Phụ lục I (from 2021);
    Bộ luật Lao động 1994 Điều 145, Luật BHXH 2014 Điều 54 (60 / 55 before 2021). The age of
    the calendar year in which the person reaches it applies.
    """
    scalar, index, _birth, age = _retirement_inputs(sex, birth_date, params, on, reduced)
    years, months = age // 12, age % 12
    if scalar:
        return int(years[0]), int(months[0])
    if index is not None:
        return pd.Series(years, index=index), pd.Series(months, index=index)
    return years, months


def _retirement_inputs(sex: Any, birth_date: Any, params, on, reduced: Any = False) -> tuple:
    """Shape of the input, birth dates and the retirement age in months, for both
    :func:`retirement_age` and :func:`retirement_date`."""
    scalar, index = _shape_info(sex, birth_date)
    birth = _as_dates(birth_date, "birth_date")
    sx = _as_sex(sex, len(birth))
    if len(birth) == 1 and len(sx) > 1:
        birth = pd.DatetimeIndex(np.repeat(birth.to_numpy(), len(sx)))
    red = as_flags(reduced, len(birth))
    if len(red) > len(birth) == 1:
        birth = pd.DatetimeIndex(np.repeat(birth.to_numpy(), len(red)))
        sx = np.repeat(sx, len(red))
    return scalar, index, birth, _age_months(sx, _month_index(birth), law_tree(params), on, red)


def as_flags(values: Any, n: int) -> np.ndarray:
    """``reduced`` as a bool array of length ``n`` (a scalar is broadcast; missing = False)."""
    if isinstance(values, np.ndarray) and values.dtype == bool and values.ndim == 1:
        flags = values.copy()
        if len(flags) == 1 and n > 1:
            flags = np.repeat(flags, n)
        if len(flags) != n and n != 1:
            raise ScenarioError(f"reduced has {len(flags)} value(s) for {n} person(s)")
        return flags
    raw = pd.Series(np.atleast_1d(np.asarray(values, dtype=object)))
    if raw.isna().all() and len(raw) == 1:
        raw = pd.Series([False])
    try:
        flags = raw.astype("boolean").fillna(False).to_numpy(dtype=bool)
    except (TypeError, ValueError) as exc:
        raise ScenarioError(f"reduced must be True/False; got {raw.unique()[:5].tolist()}") from exc
    if len(flags) == 1 and n > 1:
        flags = np.repeat(flags, n)
    if len(flags) != n and n != 1:
        raise ScenarioError(f"reduced has {len(flags)} value(s) for {n} person(s)")
    return flags


def retirement_date(
    sex: Any,
    birth_date: Any,
    params: ParameterTree | None = None,
    on: Any = None,
    reduced: Any = False,
) -> Any:
    """First day of the month the statutory pension starts.

    The person reaches the retirement age (see :func:`retirement_age`) in the month of the
    birthday + the months of the age; the pension starts on the first day of the next month
    (NĐ 135/2020/NĐ-CP Phụ lục II; Luật BHXH 2014 Điều 59). A man born in 1961-01 reaches
    60y3m in 2021-04 and draws a pension from 2021-05-01; with the reduced age
    (``reduced=True``, Phụ lục II) a man born in 1966-01 reaches 55y3m in 2021-04 and draws it
    from 2021-05-01.

    Parameters
    ----------
    sex, birth_date, params, on, reduced
        As in :func:`retirement_age`.

    Returns
    -------
    datetime.date for scalar input; ``numpy.ndarray`` of ``datetime64[D]`` for arrays;
    ``pandas.Series`` (datetime64, same index) for Series input.
    """
    scalar, index, birth, age = _retirement_inputs(sex, birth_date, params, on, reduced)
    start = _first_of_month(_month_index(birth) + age + 1)
    if scalar:
        return pd.Timestamp(start[0]).date()
    if index is not None:
        return pd.Series(pd.to_datetime(start).astype("datetime64[ns]"), index=index)
    return start


def pension_start_month(
    sex: np.ndarray, birth: np.ndarray, tree: ParameterTree, on: Any, reduced: np.ndarray
) -> np.ndarray:
    """Month index (``year * 12 + month - 1``) of :func:`retirement_date` for checked arrays:
    the same dates, without the conversions.

    For callers that have checked their people already (:func:`khoan.benefits.compute`, the
    scenarios' benefit tables): ``sex`` holds the codes of :data:`SEXES` (an object or text
    array), ``birth`` is ``datetime64`` without NaT, ``reduced`` a bool array of the same
    length, ``on`` the date the law is read on. The pension starts on the first day of that
    month, the month after the retirement age is reached (NĐ 135/2020 Phụ lục II; Luật BHXH
    2014 Điều 59).
    """
    born = np.asarray(birth).astype("datetime64[M]").astype(np.int64) + 1970 * 12
    return born + _age_months(np.asarray(sex), born, tree, on, reduced) + 1


def first_of_month(month_index: np.ndarray) -> np.ndarray:
    """``datetime64[D]`` of the first day of each month index (``year * 12 + month - 1``)."""
    return _first_of_month(month_index)


def round_years(months: Any, params: ParameterTree | None = None, on: Any = None) -> Any:
    """Whole months → years counted for benefits, with the odd-month rule.

    1–6 odd months count as half a year, 7–11 as a whole year (thresholds from
    ``retirement.year_rounding``; NĐ 108/2014/NĐ-CP, NĐ 178/2024/NĐ-CP): 43 months = 3y7m →
    4.0; 42 months = 3y6m → 3.5; 36 → 3.0; 0 → 0.0.

    Parameters
    ----------
    months : int or array-like / Series of non-negative whole months
    params : ParameterTree, optional
    on : date-like, optional
        Date the rule is read on (default: the rule as now written).

    Returns
    -------
    float, or float array / Series of the same shape.
    """
    tree = law_tree(params)
    key = "retirement.year_rounding"
    rule = _latest(tree, key) if on is None else tree.value(key, on)
    half, full = int(rule["half_year_from"]), int(rule["full_year_from"])
    scalar, index = _shape_info(months)
    m = np.atleast_1d(np.asarray(months, dtype=float))
    if np.isnan(m).any() or (m < 0).any() or (m != np.floor(m)).any():
        raise ScenarioError("round_years: months must be non-negative whole numbers")
    m = m.astype(np.int64)
    odd = m % 12
    years = (m // 12).astype(float) + np.where(odd >= full, 1.0, np.where(odd >= half, 0.5, 0.0))
    if scalar:
        return float(years[0])
    if index is not None:
        return pd.Series(years, index=index)
    return years
