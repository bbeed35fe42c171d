"""The roster a payroll year pays: its checks and the per-person arrays.

:func:`prepare` checks what the payroll needs of the staff table (every problem with its row and
column, :class:`~khoan.errors.ValidationError`) and builds :class:`Inputs`: commune and category
codes, coefficients before and after the regular step rise of the year (NĐ 204/2004 Điều 7;
TT 08/2013/TT-BNV; seniority beyond the top step, TT 04/2005/TT-BNV; untrained commune cadres,
NĐ 92/2009 Điều 5), first and last days, and unemployment-insurance coverage.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from .errors import ParameterError, Problem, ValidationError
from .payroll_rates import CATEGORIES, STAFFING_CATEGORIES, param_error
from .periods import FAR_FUTURE as _FAR_FUTURE
from .periods import FAR_PAST as _FAR_PAST
from .periods import day_number as _days_of

__all__ = [
    "KEYS",
    "Inputs",
    "bhtn_covered",
    "category_column",
    "day_numbers",
    "prepare",
    "rises",
    "staffing_mask",
    "take",
    "year_params",
]


def day_numbers(col: pd.Series | None, n: int, fill: int) -> np.ndarray:
    """Dates as int64 day numbers; missing -> ``fill``."""
    if col is None:
        return np.full(n, fill, dtype=np.int64)
    v = pd.to_datetime(col, errors="coerce").to_numpy(dtype="datetime64[D]")
    out = v.astype(np.int64)
    out[np.isnat(v)] = fill
    return out


def _num(s: pd.DataFrame, name: str, default: float = 0.0) -> np.ndarray:
    if name not in s.columns:
        return np.full(len(s), default)
    return pd.to_numeric(s[name], errors="coerce").astype(float).fillna(default).to_numpy()


@dataclass
class Inputs:
    """Per-person arrays prepared once (public for the benchmark baseline and budget).

    Every array has one entry per person in roster order; money is not stored here.
    """

    n: int
    ids: pd.Series  # as given (any dtype)
    commune: pd.Series
    cidx: np.ndarray  # position of the person's commune in model.communes
    category: np.ndarray  # object array of codes
    catcode: np.ndarray  # index into CATEGORIES
    coef0: np.ndarray  # coefficient before the step rise
    coef1: np.ndarray  # coefficient from the rise month on
    tnvk0: np.ndarray  # percent
    tnvk1: np.ndarray
    rise_month: np.ndarray  # 0..11, or 12 when no rise inside the year
    pos: np.ndarray
    bao_luu: np.ndarray
    region: np.ndarray
    start: np.ndarray  # first day (day number)
    end: np.ndarray  # day after the last day (exclusive)
    bhtn_flag: np.ndarray  # bool


def _codes(col: pd.Series, allowed: tuple[str, ...] | list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Positions of ``col``'s values in ``allowed`` (-1: unknown, -2: missing) and the values.

    Factorises first, so only the distinct values are compared (fast on any string dtype).
    """
    codes, uniques = pd.factorize(col, use_na_sentinel=True)
    uniq = [str(u) for u in uniques]
    pos = pd.Index(list(allowed), dtype=object).get_indexer(pd.Index(uniq, dtype=object))
    out = np.where(codes < 0, -2, pos[np.maximum(codes, 0)] if len(pos) else -1)
    return out.astype(np.int64), np.asarray(uniq, dtype=object)


def _problems_staff(
    model, s: pd.DataFrame, scales: dict, untrained: dict, ids_distinct: bool = False
) -> tuple[list[Problem], dict[str, np.ndarray]]:
    """Checks the payroll needs (the loader checks more); every problem with its row.

    Returns the problems and the category codes computed on the way (commune, category,
    grade, position positions), so that :func:`prepare` does not compute them twice.
    ``ids_distinct``: the caller knows the ids are distinct (no duplicate to look for).
    """
    problems: list[Problem] = []
    rows = np.arange(len(s)) + 2

    def add(mask, column, rule, values=None):
        """A Problem per row of ``mask``; values default to the column's own cells."""
        if not mask.any():
            return
        if values is None:
            values = (
                s[column].to_numpy(dtype=object)[mask].tolist()
                if column in s.columns
                else [None] * int(mask.sum())
            )
        for r, v in zip(rows[mask], values, strict=True):
            problems.append(Problem("staff", None, int(r), column, v, rule))

    for col in ("id", "commune", "category", "coefficient"):
        if col not in s.columns:
            problems.append(Problem("staff", None, 1, col, None, "required column is missing"))
    if problems:
        return problems, {}
    codes = model.communes["code"].astype(str).tolist()
    cidx, _u = _codes(s["commune"], codes)
    add(cidx < 0, "commune", "commune is not in the communes table")
    cat, _u = _codes(s["category"], CATEGORIES)
    add(cat < 0, "category", f"unknown category (allowed: {', '.join(CATEGORIES)})")
    coef = pd.to_numeric(s["coefficient"], errors="coerce").to_numpy(dtype=float)
    add(~np.isfinite(coef) | (coef < 0), "coefficient", "salary coefficient is missing or negative")
    if not ids_distinct:
        add(s["id"].duplicated(keep="first").to_numpy(), "id", "duplicate staff id")
    known = [*scales, "cadre_untrained"]
    if "grade" in s.columns:
        grade, _u = _codes(s["grade"], known)
    else:
        grade = np.full(len(s), -2, dtype=np.int64)
    add(
        grade == -1,
        "grade",
        f"grade missing from the salary scales (salary.scales: {', '.join(known)})",
    )
    staffing = np.isin(cat, [CATEGORIES.index(c) for c in STAFFING_CATEGORIES])
    nograde = staffing & (grade == -2)
    add(
        nograde,
        "grade",
        "cadres and civil servants need a grade on the salary scales",
        [None] * int(nograde.sum()),
    )
    positions = list(untrained)
    # positions matter only for untrained cadres (their fixed coefficients)
    ut = grade == len(scales)
    pos = np.full(len(s), -2, dtype=np.int64)
    if "position" in s.columns and ut.any():
        pos[ut], _u = _codes(s["position"][ut], positions)
    add(
        ut & (pos < 0),
        "position",
        "untrained cadre coefficients exist only for elected cadre positions "
        "(salary.cadre_untrained)",
    )
    for col in ("position_coef", "tnvk_pct", "bao_luu"):
        if col in s.columns:
            v = pd.to_numeric(s[col], errors="coerce").to_numpy(dtype=float)
            add(v < 0, col, "must not be negative", v[v < 0].tolist())
    if "position_coef" in s.columns and ut.any():
        v = pd.to_numeric(s["position_coef"], errors="coerce").to_numpy(dtype=float)
        bad = ut & (v > 0)
        add(
            bad,
            "position_coef",
            "an untrained commune cadre is paid the fixed position salary of salary."
            "cadre_untrained, which includes the position: no position allowance (NĐ 92/2009 "
            "Điều 5 khoản 1); set position_coef to 0",
            v[bad].tolist(),
        )
    if "start_date" in s.columns and "end_date" in s.columns:
        st = pd.to_datetime(s["start_date"], errors="coerce")
        en = pd.to_datetime(s["end_date"], errors="coerce")
        bad = (st.notna() & en.notna() & (en < st)).to_numpy()
        add(bad, "end_date", "end date is before start date", en[bad].astype(str).tolist())
    return problems, {"cidx": cidx, "cat": cat, "grade": grade, "position": pos}


def bhtn_covered(staff: pd.DataFrame, default: np.ndarray) -> np.ndarray:
    """Unemployment-insurance (BHTN) coverage per person: the roster's ``bhtn_covered`` where
    given, else ``default`` (the category's ``contributions.bhtn_default``, per person)."""
    if "bhtn_covered" not in staff.columns:
        return np.asarray(default, dtype=bool)
    flag = staff["bhtn_covered"].astype("boolean")
    given = flag.notna().to_numpy()
    return np.where(given, flag.fillna(False).to_numpy(dtype=bool), default)


#: Parameter keys :func:`prepare` reads (with :func:`year_params`).
KEYS = (
    "salary.scales",
    "salary.cadre_untrained",
    "salary.cadre_untrained_step2_years",
    "allowances.tnvk",
    "contributions.bhtn_default",
)


def year_params(model, year: int) -> tuple[dict, dict, dict, dict]:
    """The parameters of the roster's arrays in force on 1 January of ``year``: salary scales,
    untrained cadres' coefficients, TNVK rules, default BHTN coverage by category.

    Raises
    ------
    ParameterError
        A parameter is not in force on that day (the message names the year and the payroll).
    """
    jan1 = _dt.date(year, 1, 1)
    try:
        return (
            model.params.value("salary.scales", jan1),
            model.params.value("salary.cadre_untrained", jan1),
            model.params.value("allowances.tnvk", jan1),
            model.params.value("contributions.bhtn_default", jan1),
        )
    except ParameterError as exc:
        raise param_error(year, "payroll", exc) from None


def rises(
    year: int,
    scales: dict,
    untrained: dict,
    tnvk: dict,
    gcode: np.ndarray,
    pcode: np.ndarray,
    coef0: np.ndarray,
    tnvk0: np.ndarray,
    step: np.ndarray,
    nd: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The regular step rise inside ``year``: coefficient and TNVK from the rise month on.

    NĐ 204/2004 Điều 7 and TT 08/2013/TT-BNV (one step up below the top step), TT 04/2005/TT-BNV
    (seniority beyond the top step: ``start_pct``, then ``increment_pct`` more), NĐ 92/2009
    Điều 5 (an untrained commune cadre at step 1 moves to the step-2 coefficient).

    Parameters
    ----------
    gcode : int array
        Position of each person's grade in ``scales`` (``len(scales)``: untrained cadre).
    pcode : int array
        Position of an untrained cadre's position in ``untrained`` (read only for them).
    coef0, tnvk0, step : float arrays
        Coefficient, TNVK (percent) and step before the rise (step NaN: derived from the
        coefficient).
    nd : int array
        ``next_step_date`` as a day number (:data:`~khoan.periods.FAR_PAST` when none).

    Returns
    -------
    (coef1, tnvk1, rise_month)
        Coefficient and TNVK from the rise month on; the rise month 0–11, 12 when none.
    """
    inside = (nd >= _days_of(_dt.date(year, 1, 1))) & (nd < _days_of(_dt.date(year + 1, 1, 1)))
    idx = np.flatnonzero(inside)  # people with a rise inside the year (few)
    rise_month = np.full(len(nd), 12, dtype=np.int64)
    month = nd[idx].astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    rise_month[idx] = month - (year - 1970) * 12
    coef1 = coef0.copy()
    tnvk1 = tnvk0.copy()
    start_pct, inc_pct = float(tnvk["start_pct"]), float(tnvk["increment_pct"])
    g = gcode[idx]
    for gi, (_g, sc) in enumerate(scales.items()):
        m = idx[g == gi]
        if not len(m):
            continue
        first, inc, top = float(sc["first"]), float(sc["increment"]), int(sc["steps"])
        st = step[m]
        st = np.where(np.isnan(st), np.round((coef0[m] - first) / inc) + 1, st)
        below = st < top
        coef1[m] = np.where(below, coef0[m] + inc, coef0[m])
        t0 = tnvk0[m]
        tnvk1[m] = np.where(below, t0, np.where(t0 > 0, t0 + inc_pct, start_pct))
    m = idx[g == len(scales)]
    if len(m):
        pc = pcode[m]
        s1 = np.array([float(untrained[q][0]) for q in untrained])[pc]
        s2 = np.array([float(untrained[q][1]) for q in untrained])[pc]
        st = step[m]
        at1 = np.where(np.isnan(st), np.isclose(coef0[m], s1, atol=5e-4), st == 1)
        coef1[m] = np.where(at1, s2, coef0[m])
    return coef1, tnvk1, rise_month


def take(inp: Inputs, idx: np.ndarray) -> Inputs:
    """The arrays of the people ``idx`` (positions, in that order)."""
    out = {}
    for f in fields(Inputs):
        v = getattr(inp, f.name)
        if f.name == "n":
            v = len(idx)
        elif isinstance(v, pd.Series):
            v = v.iloc[idx]
        else:
            v = v[idx]
        out[f.name] = v
    return Inputs(**out)


def prepare(
    model, year: int, staff: pd.DataFrame | None = None, *, ids_distinct: bool = False
) -> tuple[Inputs, list[str]]:
    """Validate the roster and build the per-person arrays for ``year``.

    ``ids_distinct``: the caller has found the ids distinct values (the scenarios' shared work,
    from the ids' text ranks it needs anyway); they are not hashed again to look for duplicates.

    Returns
    -------
    (Inputs, keys)
        The arrays and the parameter keys read.

    Raises
    ------
    ValidationError
        Unknown commune, category or grade (a grade missing from ``salary.scales``), a missing
        coefficient, a duplicate id — every problem with its row (header = row 1).
    ParameterError
        A parameter is not in force on 1 January of ``year``.
    """
    s = model.staff if staff is None else staff
    keys = list(KEYS)
    scales, untrained, tnvk, bhtn_default = year_params(model, year)
    problems, cc = _problems_staff(model, s, scales, untrained, ids_distinct)
    if problems:
        raise ValidationError(problems, title=f"Staff roster cannot be paid for {year}")
    n = len(s)
    cidx = cc["cidx"]
    catcode = cc["cat"]
    gcode = cc["grade"]
    category = np.asarray(CATEGORIES, dtype=object)[catcode]
    coef0 = pd.to_numeric(s["coefficient"], errors="coerce").to_numpy(dtype=float)
    pos = _num(s, "position_coef")
    tnvk0 = _num(s, "tnvk_pct")
    bl = _num(s, "bao_luu")
    region = pd.to_numeric(model.communes["region_coef"], errors="coerce").fillna(0.0)
    region = region.to_numpy(dtype=float)[cidx]
    step = _num(s, "step", np.nan) if "step" in s.columns else np.full(n, np.nan)

    nd = day_numbers(s.get("next_step_date"), n, _FAR_PAST)
    coef1, tnvk1, rise_month = rises(
        year, scales, untrained, tnvk, gcode, cc["position"], coef0, tnvk0, step, nd
    )
    start = day_numbers(s.get("start_date"), n, _FAR_PAST)
    end = day_numbers(s.get("end_date"), n, _FAR_FUTURE - 1) + 1
    dflt = np.array([bool(bhtn_default.get(c, False)) for c in CATEGORIES])
    bhtn_flag = bhtn_covered(s, dflt[catcode])
    return (
        Inputs(
            n=n,
            ids=s["id"],
            commune=s["commune"],
            cidx=cidx,
            category=category,
            catcode=catcode,
            coef0=coef0,
            coef1=coef1,
            tnvk0=tnvk0,
            tnvk1=tnvk1,
            rise_month=rise_month,
            pos=pos,
            bao_luu=bl,
            region=region,
            start=start,
            end=end,
            bhtn_flag=bhtn_flag,
        ),
        keys,
    )


def staffing_mask(inp: Inputs) -> np.ndarray:
    """People on the approved staffing (cadres and civil servants)."""
    return np.isin(inp.catcode, [CATEGORIES.index(c) for c in STAFFING_CATEGORIES])


def category_column(inp: Inputs) -> pd.Categorical:
    """The staff category as a categorical column (codes of :data:`CATEGORIES`)."""
    return pd.Categorical.from_codes(inp.catcode, CATEGORIES)
