"""Multi-year projection of a staff-reduction scenario against its baseline.

``simulate(model, scenario)`` runs two projections of the roster, year by year, from the
model's roster date to the scenario's last year:

baseline
    No reduction: statutory retirees (and people whose ``end_date`` falls in the period) are
    replaced by new hires (``scenarios.hire.*``: grade A1 step 1, the post's position allowance),
    so the headcount is stable (``Scenario.replace_retirees=False``: not replaced).
scenario
    From the scenario's first year, retirees are not replaced — except in must-fill posts
    (elected cadres, ``scenarios.min_staffing.must_fill_categories``) and where a commune would
    fall below its minimum staffing — and the policy chooses leavers, paid under the scenario's
    benefit regime, so that the headcount follows the target path
    (:mod:`khoan.scenarios.policies`). Before the first year it is the baseline.

Each year, for the province (``by_year``) and each commune (``by_commune``):

- headcount of the scenario's categories: ``headcount_start`` (in post on 31 December of the
  year before), ``retirements`` (statutory, NĐ 135/2020 ages, ``khoan.benefits.retirement_date``;
  the reduced age of Phụ lục II for those :func:`~khoan.scenarios.roster.reduced_age` names),
  ``exits`` (end dates in the staff table), ``leavers`` (the policy's), ``hires``, and
  ``headcount_end`` = start − retirements − exits − leavers + hires (checked every year);
- ``payroll_total``: pay and employer contributions of everyone on the roster
  (``khoan.payroll``; ageing and regular step rises between years by
  :func:`~khoan.scenarios.roster.advance_roster`, base-salary changes by the parameters);
  ``recurring_savings`` = baseline − scenario;
- ``lump_sum`` (``khoan.budget`` rules) with the approved staffing falling with the headcount
  (``approved_falls``) or kept; ``state_savings`` = baseline lump sum − scenario lump sum;
- ``one_off_cost``: the leavers' benefits (``khoan.benefits.compute`` on the regime's salary
  basis, ``benefits.<regime>.salary_basis``: the current salary of the month before leaving
  and, for the NĐ 108 family, the 60-month average of ``khoan.salary_history``); outside the
  lump sum;
- ``net_savings`` = recurring savings − one-off cost (the public sector's view) and
  ``state_net_savings`` = State savings − one-off cost (the State budget's view), each with its
  cumulative sum; ``payback_year`` in :meth:`ScenarioResult.summary` (first year from which
  the cumulative stays positive, not before the first one-off payment);
- ``commune_kept`` (lump sum of vacant posts that the commune keeps, ``khoan.budget.settle``
  rules), ``tntt`` (income increase paid: ``min(savings, tntt.cap_ratio × salary fund by grade)``)
  and ``tntt_per_person`` (per full-time person in post).

Everything is vectorised over people. Work that does not depend on the scenario's policy —
the roster aged year by year, the monthly pay of everyone who might leave or be hired, the
baseline, the benefits each candidate would get on each leave date — is cached per model,
parameter overrides, categories and horizon, so scenarios of the same model share it.

Money is int64 VND. The pay of people whose presence differs between the two runs is summed
from the payroll engine's monthly amounts exactly as :func:`khoan.payroll.payroll` sums them
(calendar order, rounded once per person and component), so that ``payroll_total`` equals
``payroll(model, year, staff=result.roster(year)).total.sum()`` to the đồng, and
``lump_sum`` equals ``budget(...)`` on the same roster.
"""

from __future__ import annotations

import collections
import datetime as _dt
import importlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import benefits as _benefits
from .. import salary_history as _salary_history
from ..errors import KhoanError, ParameterError, ScenarioError, SolverError, ValidationError
from ..lumpsum import KEYS as LUMPSUM_KEYS
from ..lumpsum import (
    SALARY_FUND_PARTS,
    CommuneArrays,
    YearRates,
    components,
    tntt_cap,
    tntt_cap_ratio,
    year_rates,
)
from ..params import ParameterTree
from ..periods import (
    FAR_FUTURE,
    FAR_PAST,
    group_sum,
    group_sum_2d,
    month_bounds,
    round_vnd,
)
from ..report.result import digest_of, provenance
from .policies import (
    greedy_select,
    named_by_rating,
    named_first,
    optimal_select,
    priority,
    staffing_floor,
    target_path,
)
from .result import ScenarioResult
from .roster import advance_roster, first_of_next_month, make_hires, reduced_age
from .scenario import Scenario, resolve_param, scenario_error

# the module, not the function khoan.payroll that the package exposes under the same name
_payroll = importlib.import_module("khoan.payroll")

__all__ = ["advance_roster", "check", "clear_cache", "run_scenario_cli", "simulate"]

_INF = np.int64(FAR_FUTURE)  # open dates as day numbers (khoan.periods, as the payroll)
_NEG = np.int64(FAR_PAST)
_CACHE_SIZE = 8
_CACHE: collections.OrderedDict[tuple, _Universe] = collections.OrderedDict()


def _day(d: Any) -> np.int64:
    return np.int64(np.datetime64(pd.Timestamp(d).date(), "D").astype(np.int64))


def _days(values: Any, fill: np.int64) -> np.ndarray:
    s = pd.to_datetime(pd.Series(values), errors="coerce")
    out = s.to_numpy(dtype="datetime64[D]").astype(np.int64)
    out[s.isna().to_numpy()] = fill
    return out


def _date(day: int) -> _dt.date:
    return pd.Timestamp(np.datetime64(int(day), "D")).date()


def clear_cache() -> None:
    """Forget the per-model work cached across scenarios."""
    _CACHE.clear()


# ---------------------------------------------------------------------------------------------
# per-model work, shared by the scenarios of a model


@dataclass
class _YearCost:
    """Pay of one year: fixed people aggregated per commune, others month by month."""

    year: int
    bounds: np.ndarray  # 13 day numbers
    # fixed people (same presence in every run)
    fixed_total: np.ndarray  # (nc,) int64 payroll total
    fixed_sf: np.ndarray  # (nc,) int64 salary fund parts of staffing
    fixed_contrib: np.ndarray  # (nc,) int64 contributions of staffing
    fixed_grade: np.ndarray  # (nc,) int64 salary fund by grade of staffing
    fixed_days: np.ndarray  # (nc, 12) int64 person-days of staffing
    # movable people (full presence, month by month)
    monthly: np.ndarray  # (K, 12, nd) float VND/month
    gterm_idx: np.ndarray  # component indices of the salary fund by grade
    # commune-level parameters of the lump sum (khoan.lumpsum)
    lump: YearRates
    cap_ratio: float
    # the twelve months of ``monthly`` added in calendar order (K, nd): the annual pay of a
    # movable person present all year (bit for bit what adding the months gives)
    full: np.ndarray | None = None


@dataclass
class _Universe:
    """Everyone who may be on the roster during the horizon, and their pay."""

    key: tuple
    source: Any  # the model given (kept alive so that its id stays unique)
    model: Any  # the model with the scenario's parameters
    params: ParameterTree
    categories: tuple[str, ...]
    y0: int
    y_last: int
    roster_day: np.int64
    codes: np.ndarray
    nc: int
    rows: pd.DataFrame  # staff schema, roster then hires (state on the roster date / hire start)
    n_roster: int
    cidx: np.ndarray
    affected: np.ndarray
    must_fill: np.ndarray
    is_hire: np.ndarray
    hire_of: np.ndarray  # roster index -> universe index of its hire (-1)
    replaces: np.ndarray  # hire -> roster index replaced (-1)
    start: np.ndarray  # first day (day number)
    exit: np.ndarray  # natural exit day (exclusive)
    exit_kind: np.ndarray  # 0 none, 1 retirement, 2 end date in the staff table
    retire: np.ndarray  # statutory pension start (day number; _INF if not computed)
    reduced: np.ndarray  # bool: retires at the reduced age (NĐ 135/2020 Phụ lục II)
    birth: np.ndarray
    candidate: np.ndarray
    floor_pop: np.ndarray  # people counted against the minimum staffing
    movable: np.ndarray  # presence may differ between runs
    mpos: np.ndarray  # universe index -> position among movable (-1)
    midx: np.ndarray  # movable position -> universe index
    staffing: np.ndarray  # category in the approved staffing (cadres, civil servants)
    approved: np.ndarray  # (nc,) int64
    floor: np.ndarray  # (nc,) int64
    month_starts: np.ndarray  # day numbers of every month start of the horizon (+ end)
    ids: np.ndarray  # person ids (str objects)
    cats: np.ndarray
    positions: np.ndarray
    years: dict[int, _YearCost] = field(default_factory=dict)
    benefit_cache: dict[tuple, pd.DataFrame] = field(default_factory=dict)
    baseline_cache: dict[bool, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    digests: dict[str, str] = field(default_factory=dict)
    keys_used: set[str] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)

    @property
    def horizon_end(self) -> np.int64:
        return _day(_dt.date(self.y_last + 1, 1, 1))


def _override_key(scenario: Scenario) -> tuple:
    return tuple(
        (o.name, repr(sorted((k, repr(v)) for k, v in o.changes.items())))
        for o in scenario.overrides
    )


def _roster_date(model) -> _dt.date:
    rd = model.meta.get("roster_date") if isinstance(model.meta, dict) else None
    if rd:
        return pd.Timestamp(rd).date()
    return _dt.date(model.years[0], 1, 1)


def _universe(model, scenario: Scenario) -> tuple[_Universe, bool]:
    """The shared work for this model, overrides, categories and horizon; (universe, cached).

    The cache knows a model by identity (the objects of its tables and parameters): build a new
    model (``model.replace(staff=...)``) rather than editing a table in place, or call
    :func:`clear_cache`.
    """
    key = (
        id(model),
        id(model.staff),
        id(model.communes),
        id(model.params),
        _override_key(scenario),
        scenario.categories,
        scenario.years[1],
    )
    u = _CACHE.get(key)
    if u is not None and u.source is model:
        _CACHE.move_to_end(key)
        return u, True
    u = _build_universe(model, scenario, key)
    _CACHE[key] = u
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return u, False


def _check_people(scenario: Scenario, staff: pd.DataFrame, affected: np.ndarray) -> None:
    for col, what in (("birth_date", "birth date"), ("sex", "sex")):
        if col not in staff.columns:
            raise scenario_error(
                scenario.name,
                f"staff.{col}",
                f"the staff table has no {col!r} column: the statutory retirement date "
                "(NĐ 135/2020) cannot be computed",
                scenario.source,
            )
        v = staff[col]
        bad = v.isna().to_numpy().copy()
        if col == "sex":
            bad |= ~v.astype(str).str.upper().isin(["M", "F"]).to_numpy()
        bad = bad & affected
        if bad.any():
            ids = staff["id"].astype(str).to_numpy()[bad]
            shown = ", ".join(ids[:10]) + (f" and {len(ids) - 10} more" if len(ids) > 10 else "")
            raise scenario_error(
                scenario.name,
                f"staff.{col}",
                f"{len(ids)} person(s) in the scenario's categories have no {what} ({shown}): "
                "their statutory retirement date (NĐ 135/2020) and benefits cannot be computed",
                scenario.source,
            )


def _build_universe(model, scenario: Scenario, key: tuple) -> _Universe:
    t0 = time.perf_counter()
    params = scenario.params(model.params)
    m = model.replace(params=params)
    y0, yl = int(model.years[0]), int(scenario.years[1])
    rdate = _roster_date(model)
    rday = _day(rdate)
    staff = model.staff.reset_index(drop=True)
    n0 = len(staff)
    codes = model.communes["code"].astype(str).to_numpy()
    nc = len(codes)
    cidx0 = pd.Index(codes).get_indexer(staff["commune"].astype(str).to_numpy())
    cat = staff["category"].astype(str).to_numpy()
    affected0 = np.isin(cat, scenario.categories)
    _check_people(scenario, staff, affected0)
    jan0 = _dt.date(y0, 1, 1)
    try:
        must_cats = list(params.value("scenarios.min_staffing.must_fill_categories", jan0))
        share = float(params.number("scenarios.min_staffing.share_of_approved", jan0))
    except ParameterError as exc:
        raise scenario_error(scenario.name, "overrides", str(exc), scenario.source) from None
    must0 = affected0 & np.isin(cat, must_cats)
    retire0 = np.full(n0, _INF, dtype=np.int64)
    reduced0 = np.zeros(n0, dtype=bool)
    notes: list[str] = []
    if affected0.any():
        # statutory pension start: the normal age (Phụ lục I), or the reduced age (Phụ lục II)
        # for people with 15 years in areas of special difficulty (roster.reduced_age)
        red = reduced_age(staff.loc[affected0], model.communes, params, rdate)
        retire0[affected0] = red["retirement_date"].to_numpy(dtype="datetime64[D]").astype(np.int64)
        reduced0[affected0] = red["reduced"].to_numpy(dtype=bool)
        if reduced0.any():
            derived = int((red["reduced"] & red["derived"]).sum())
            within = int((reduced0 & (retire0 < _day(_dt.date(yl + 1, 1, 1)))).sum())
            notes.append(
                f"{int(reduced0.sum())} person(s) have the reduced retirement age (Bộ luật Lao "
                "động 2019 Điều 169 khoản 3; NĐ 135/2020 Điều 5, Phụ lục II), "
                f"{within} of them reach it by the end of {yl}"
                + (
                    f"; for {derived} of them the qualifying years are derived: service since "
                    "start_date (or insured_since) in a commune with region_coef ≥ "
                    "retirement.reduced.region_coef_min, as the roster has no "
                    "reduced_age_years for them"
                    if derived
                    else ""
                )
            )
    start0 = _days(staff.get("start_date"), _NEG)
    end0 = _days(staff.get("end_date"), _INF - 1) + 1
    end0[end0 >= _INF] = _INF
    exit0 = np.where(affected0, np.minimum(retire0, end0), end0)
    exit0 = np.where(affected0 & (exit0 < rday), rday, exit0)
    kind0 = np.where(~affected0 | (exit0 >= _INF), 0, np.where(retire0 <= end0, 1, 2))
    hend = _day(_dt.date(yl + 1, 1, 1))
    need_hire = affected0 & (exit0 < hend) & (exit0 > start0)
    hidx = np.flatnonzero(need_hire)
    hstart = (
        np.array([_day(first_of_next_month(_date(d))) for d in exit0[hidx]], dtype=np.int64)
        if len(hidx)
        else np.zeros(0, dtype=np.int64)
    )
    hires = make_hires(staff.iloc[hidx], hstart.astype("datetime64[D]"), params)
    nh = len(hires)
    rows = pd.concat([staff, hires], ignore_index=True) if nh else staff.copy()
    n = n0 + nh
    is_hire = np.r_[np.zeros(n0, bool), np.ones(nh, bool)]
    replaces = np.r_[np.full(n0, -1), hidx].astype(np.int64)
    hire_of = np.full(n0, -1, dtype=np.int64)
    hire_of[hidx] = n0 + np.arange(nh)
    cidx = np.r_[cidx0, cidx0[hidx]].astype(np.int64)
    affected = np.r_[affected0, np.ones(nh, bool)]
    must = np.r_[must0, must0[hidx]]
    if nh:
        hret = _benefits.retirement_date(
            hires["sex"].astype(str).to_numpy(), pd.DatetimeIndex(hires["birth_date"]), params
        )
        hret = np.asarray(hret, dtype="datetime64[D]").astype(np.int64)
        if (hret < hend).any():
            raise scenario_error(
                scenario.name,
                "years",
                "a hire replacing a retiree would retire within the period "
                "(parameter scenarios.hire.age too high for so long a period)",
                scenario.source,
            )
    else:
        hret = np.zeros(0, dtype=np.int64)
    start = np.r_[start0, hstart]
    exit_ = np.r_[exit0, np.full(nh, _INF)]
    exit_kind = np.r_[kind0, np.zeros(nh, dtype=np.int64)]
    retire = np.r_[retire0, hret]
    reduced = np.r_[reduced0, np.zeros(nh, dtype=bool)]
    birth = _days(rows["birth_date"], _NEG)
    candidate = np.zeros(n, bool)
    candidate[:n0] = affected0 & ~must0 & (start0 <= rday) & (end0 >= _INF) & (exit0 > rday)
    movable = candidate | (is_hire & ~must)
    midx = np.flatnonzero(movable)
    mpos = np.full(n, -1, dtype=np.int64)
    mpos[midx] = np.arange(len(midx))
    staffing = np.isin(rows["category"].astype(str).to_numpy(), _payroll.STAFFING_CATEGORIES)
    approved = pd.to_numeric(model.communes["approved_posts"], errors="coerce").fillna(0)
    approved = approved.to_numpy().astype(np.int64)
    # the floor counts the approved staffing (cadres and civil servants) whatever the
    # scenario's categories, plus those categories
    staffing0 = np.isin(cat, _payroll.STAFFING_CATEGORIES)
    floor_pop0 = staffing0 | affected0
    nmust = np.bincount(cidx0[floor_pop0 & np.isin(cat, must_cats)], minlength=nc)
    floor = staffing_floor(approved, nmust, share)
    ms = np.array(
        [_day(_dt.date(y, mo, 1)) for y in range(y0, yl + 1) for mo in range(1, 13)] + [hend],
        dtype=np.int64,
    )
    u = _Universe(
        key=key,
        source=model,
        model=m,
        params=params,
        categories=scenario.categories,
        y0=y0,
        y_last=yl,
        roster_day=rday,
        codes=codes,
        nc=nc,
        rows=rows,
        n_roster=n0,
        cidx=cidx,
        affected=affected,
        must_fill=must,
        is_hire=is_hire,
        hire_of=hire_of,
        replaces=replaces,
        start=start,
        exit=exit_,
        exit_kind=exit_kind,
        retire=retire,
        reduced=reduced,
        birth=birth,
        candidate=candidate,
        floor_pop=np.r_[floor_pop0, np.ones(nh, bool)],
        movable=movable,
        mpos=mpos,
        midx=midx,
        staffing=staffing,
        approved=approved,
        floor=floor,
        month_starts=ms,
        ids=rows["id"].astype(str).to_numpy(dtype=object),
        cats=rows["category"].astype(str).to_numpy(dtype=object),
        positions=rows["position"].astype(str).to_numpy(dtype=object),
        notes=notes,
    )
    u.keys_used |= {
        "scenarios.min_staffing.must_fill_categories",
        "scenarios.min_staffing.share_of_approved",
        "scenarios.hire.grade",
        "scenarios.hire.age",
        "scenarios.current_salary",
        "retirement.age.pre_2021",
        "retirement.age.schedule",
        "retirement.reduced",
    }
    t1 = time.perf_counter()
    _cost_years(u, scenario)
    u.timings = {"roster": t1 - t0, "pay": time.perf_counter() - t1}
    return u


def _fixed_rows(u: _Universe) -> np.ndarray:
    return np.flatnonzero(~u.movable)


def _cost_years(u: _Universe, scenario: Scenario) -> None:
    """Pay of fixed and movable people for every year of the horizon (payroll engine)."""
    comps = list(_payroll.COMPONENTS)
    sf_idx = np.array([comps.index(c) for c in SALARY_FUND_PARTS])
    co_idx = np.array([comps.index(c) for c in _payroll.CONTRIBUTIONS])
    fixed = _fixed_rows(u)
    rows = u.rows
    # fixed rows keep their actual presence: start as given (hires: hire start), end = exit
    frows = rows.iloc[fixed].copy()
    fstart = u.start[fixed]
    fend = np.where(u.affected[fixed] & (u.exit[fixed] < _INF), u.exit[fixed], _INF)
    # fixed hires replace must-fill people: always active
    frows["start_date"] = pd.DatetimeIndex(
        np.where(fstart <= _NEG, np.datetime64("NaT"), fstart.astype("datetime64[D]"))
    )
    frows["end_date"] = pd.DatetimeIndex(
        np.where(fend >= _INF, np.datetime64("NaT"), (fend - 1).astype("datetime64[D]"))
    )
    mrows = rows.iloc[u.midx].copy()
    mrows["start_date"] = pd.NaT
    mrows["end_date"] = pd.NaT
    fage, mage = frows, mrows
    p = u.params
    communes = CommuneArrays.from_table(u.model.communes)
    for y in range(u.y0, u.y_last + 1):
        jan1 = _dt.date(y, 1, 1)
        fage = advance_roster(fage, jan1, p)
        mage = advance_roster(mage, jan1, p)
        try:
            fr = _payroll.run(u.model, y, fage)
            mr = _payroll.run(u.model, y, mage, keep_monthly=True)
            lump = year_rates(p, y, communes)
            cap_ratio, cap_key = tntt_cap_ratio(u.model, p, _dt.date(y, 12, 31))
            u.keys_used.add(cap_key)
            gterms = _payroll.grade_terms(p, y)
        except ParameterError as exc:
            raise scenario_error(
                scenario.name,
                "years",
                f"{y} is outside the parameters' coverage: {exc}",
                scenario.source,
            ) from None
        except ValidationError as exc:
            raise scenario_error(
                scenario.name,
                "staff",
                f"the roster of {y} cannot be paid: {exc}",
                scenario.source,
            ) from None
        u.keys_used |= set(fr.keys) | set(LUMPSUM_KEYS) | {"tntt.cap_ratio", "tntt.base"}
        st = u.staffing[fixed]
        ci = u.cidx[fixed]
        a = fr.annual
        tot = np.zeros(len(fixed), dtype=np.int64)
        for k in comps:
            tot += a[k]
        sf = np.zeros(len(fixed), dtype=np.int64)
        for k in SALARY_FUND_PARTS:
            sf += a[k]
        co = np.zeros(len(fixed), dtype=np.int64)
        for k in _payroll.CONTRIBUTIONS:
            co += a[k]
        gidx = np.array(
            sorted({comps.index(cc) for t in gterms for cc in _payroll.TERM_COMPONENTS[t]})
        )
        gf = np.zeros(len(fixed), dtype=np.int64)
        for k in gidx:
            gf += a[comps[k]]
        mon = np.stack([mr.monthly[k] for k in comps])  # (K, 12, nd)
        del mr
        full = mon[:, 0, :].copy()
        for mth in range(1, 12):
            full += mon[:, mth, :]
        u.years[y] = _YearCost(
            year=y,
            bounds=month_bounds(y),
            fixed_total=group_sum(ci, tot, u.nc),
            fixed_sf=group_sum(ci[st], sf[st], u.nc),
            fixed_contrib=group_sum(ci[st], co[st], u.nc),
            fixed_grade=group_sum(ci[st], gf[st], u.nc),
            fixed_days=fr.staffing_days.astype(np.int64),
            monthly=mon,
            gterm_idx=gidx,
            lump=lump,
            cap_ratio=cap_ratio,
            full=full,
        )
    u.sf_idx, u.co_idx = sf_idx, co_idx  # type: ignore[attr-defined]
    cs = list(p.value("scenarios.current_salary", _dt.date(u.y0, 1, 1)))
    bad = [k for k in cs if k not in comps]
    if bad:
        raise scenario_error(
            scenario.name,
            "overrides",
            f"parameter scenarios.current_salary names {bad}, not payroll components "
            f"({', '.join(comps)})",
            scenario.source,
        )
    u.cs_idx = np.array([comps.index(k) for k in cs])  # type: ignore[attr-defined]
    # month-by-month total pay of movable people over the horizon: (months, nd)
    u.mtotal = np.concatenate(  # type: ignore[attr-defined]
        [u.years[y].monthly.sum(axis=0) for y in range(u.y0, u.y_last + 1)], axis=0
    )
    u.csum = np.vstack(  # type: ignore[attr-defined]
        [np.zeros((1, u.mtotal.shape[1])), np.cumsum(u.mtotal, axis=0)]
    )


# ---------------------------------------------------------------------------------------------
# benefits of candidates


class _BTab(dict):
    """Benefits of every candidate on one leave date: column name -> numpy array, rows in
    universe order (``universe`` holds the universe index of each row)."""

    def rows(self, who: np.ndarray) -> np.ndarray:
        return np.searchsorted(self["universe"], who)


def _benefit_table(u: _Universe, scenario: Scenario, kind: str, leave_day: np.int64) -> _BTab:
    """Benefits every candidate would get on ``leave_day`` (cached per regime, kind, dates)."""
    dec = scenario.decision
    key = (scenario.regime, kind, int(leave_day), dec)
    tab = u.benefit_cache.get(key)
    if tab is not None:
        return tab
    cand = np.flatnonzero(u.candidate)
    leave = _date(leave_day)
    # the regime's salary basis (benefits.<regime>.salary_basis): the current salary from the
    # pay of the month before leaving (the first month of the horizon when that lies before
    # it), the average from the salary history of the months before leaving
    basis = f"benefits.{scenario.regime}.salary_basis"
    try:
        comps = list(u.params.value(f"{basis}.components", leave))
        window = int(u.params.number(f"{basis}.average_months", leave))
    except ParameterError as exc:
        raise scenario_error(scenario.name, "regime", str(exc), scenario.source) from None
    names = list(_payroll.COMPONENTS)
    bad = [k for k in comps if k not in names]
    if bad:
        raise scenario_error(
            scenario.name,
            "overrides",
            f"parameter {basis}.components names {bad}, not payroll components "
            f"({', '.join(names)})",
            scenario.source,
        )
    mi = int(np.searchsorted(u.month_starts, leave_day, side="right") - 1) - 1
    mi = max(mi, 0)
    yc = u.years[u.y0 + mi // 12]
    idx = np.array([names.index(k) for k in comps], dtype=np.int64)
    salary = yc.monthly[idx][:, mi % 12, :].sum(axis=0)[u.mpos[cand]]
    r = u.rows.iloc[cand]
    average = np.full(len(cand), np.nan)
    note = np.full(len(cand), "", dtype=object)
    if window > 0 and len(cand):
        # the same for every kind of leaving on this date: rebuilt once (people × 60 months)
        akey = ("average_salary", scenario.regime, int(leave_day))
        cached = u.benefit_cache.get(akey)
        if cached is None:
            try:
                avg = _salary_history.average_salary(
                    r,
                    leave,
                    scenario.regime,
                    u.params,
                    as_of=_date(u.roster_day),
                    history=getattr(u.model, "salary_history", None),
                )
            except (ScenarioError, ParameterError) as exc:
                raise scenario_error(scenario.name, "regime", str(exc), scenario.source) from None
            cached = (
                avg["average_salary"].to_numpy(dtype=float),
                avg["basis_note"].to_numpy(dtype=object),
            )
            u.benefit_cache[akey] = cached
        average, note = cached
    # unemployment insurance (BHTN) coverage: the roster's flag, else the category's default
    # (contributions.bhtn_default); the covered get it instead of NĐ 178's job-search pay
    default = u.params.value("contributions.bhtn_default", _date(leave_day)) or {}
    by_category = r["category"].astype(str).isin([c for c, v in default.items() if v]).to_numpy()
    covered = _payroll.bhtn_covered(r, by_category)
    people = pd.DataFrame(
        {
            "id": u.ids[cand],
            "sex": r["sex"].astype(str).to_numpy(),
            "birth_date": pd.DatetimeIndex(r["birth_date"]),
            "insured_since": pd.DatetimeIndex(r["insured_since"]),
            "current_salary": salary,
            "average_salary": average,
            "basis_note": note,
            "leave_date": pd.Timestamp(leave),
            "decision_date": pd.Timestamp(dec),
            "unemployment_insured": covered,
            "reduced_age": u.reduced[cand],
        }
    )
    try:
        df = _benefits.compute(scenario.regime, kind, people, _date(leave_day), params=u.params)
    except ScenarioError as exc:
        raise scenario_error(scenario.name, "regime", str(exc), scenario.source) from None
    tab = _BTab({c: df[c].to_numpy() for c in df.columns})
    tab["eligible"] = tab["eligible"].astype(bool)
    tab["total"] = tab["total"].astype(np.int64)
    tab["monthly_salary"] = tab["current_salary"].astype(np.int64)
    tab["universe"] = cand
    u.benefit_cache[key] = tab
    u.keys_used.add(f"benefits.{scenario.regime}")
    if window > 0:
        u.keys_used |= {"salary.base", "salary.scales", "allowances.tnvk_base"}
    return tab


# ---------------------------------------------------------------------------------------------
# validation that needs the model


def check(model, scenario: Scenario) -> ParameterTree:
    """Check a scenario against a model's years and parameters; return its parameter tree.

    Raises
    ------
    ScenarioError
        Naming scenario, field, reason (and file line): years outside the model's years or the
        parameters' coverage; a decision or leave date outside the regime's validity
        (``benefits.<regime>.in_force``); a target parameter that does not exist; a base year
        before the roster; override conflicts (from the parameter engine).
    """
    err = scenario._error
    my = model.years
    first, last = scenario.years
    if first < my[0] or last > my[-1]:
        raise err(
            "years",
            f"{first}–{last} is outside the model's years {my[0]}–{my[-1]} (model.toml)",
        )
    params = scenario.params(model.params)
    key = f"benefits.{scenario.regime}.in_force"
    if scenario.leave_kinds:
        try:
            hist = params.history(key)
        except ParameterError as exc:
            raise err("regime", str(exc)) from None
        valid = (
            "; ".join(f"{h.start} to {h.end or 'open'}" for h in hist if h.value is True) or "never"
        )

        def in_force(d: _dt.date) -> bool:
            try:
                return params.value(key, d) is True
            except ParameterError:
                return False

        dec = scenario.decision
        if not in_force(dec):
            raise err(
                "decision_date",
                f"{dec} is outside the validity of regime {scenario.regime} ({valid}; "
                f"parameter {key})",
            )
        for y in scenario.year_list:
            d = scenario.leave_date(y)
            if not in_force(d):
                raise err(
                    "years",
                    f"leavers of {y} would leave on {d}, outside the validity of regime "
                    f"{scenario.regime} ({valid}; parameter {key}): shorten the years or "
                    "change the regime",
                )
    for k in ("salary.base",):
        for d in (_dt.date(first, 1, 1), _dt.date(last, 12, 31)):
            try:
                params.value(k, d)
            except ParameterError as exc:
                raise err("years", f"outside the parameters' coverage: {exc}") from None
    t = scenario.target
    if t is not None:
        _resolve_target(model, scenario, params)
    return params


def _resolve_target(
    model, scenario: Scenario, params: ParameterTree
) -> tuple[str, Any, int | None]:
    """(kind, value or per-commune values, base_year) with parameter keys read."""
    t = scenario.target
    assert t is not None
    on = scenario.decision
    val: Any = t.value
    if isinstance(val, str):
        try:
            val = resolve_param(params, val, on)
        except ParameterError as exc:
            raise scenario._error(f"target.{t.kind}", str(exc)) from None
        if not isinstance(val, int | float) or isinstance(val, bool):
            raise scenario._error(
                f"target.{t.kind}",
                f"parameter {t.value!r} on {on} is {val!r}, not a number (pick an item: "
                f"'{t.value}.<item>')",
            )
    by = t.base_year
    if isinstance(by, str):
        try:
            by = resolve_param(params, by, on)
        except ParameterError as exc:
            raise scenario._error("target.base_year", str(exc)) from None
        if not isinstance(by, int):
            raise scenario._error("target.base_year", f"parameter value {by!r} is not a year")
    if by is not None:
        rd = _roster_date(model)
        if _dt.date(by + 1, 1, 1) < rd:
            raise scenario._error(
                "target.base_year",
                f"{by} ends before the model's roster date {rd}: the headcount of {by} is not "
                f"known; use {rd.year - 1} or later, or a count",
            )
        if by > scenario.years[1]:
            raise scenario._error("target.base_year", f"{by} is after the scenario's last year")
    if t.communes:
        codes = set(model.communes["code"].astype(str))
        bad = [c for c, _ in t.communes if c not in codes]
        if bad:
            raise scenario._error("target.communes", f"unknown commune code(s) {bad[:5]}")
    return t.kind, val, by


# ---------------------------------------------------------------------------------------------
# one run of the projection


@dataclass
class _Run:
    """Presence of everyone in one run, and the leavers."""

    start: np.ndarray  # day numbers (inactive hires: _INF)
    stop: np.ndarray
    left: np.ndarray  # leave day (_INF if not a leaver)
    leave_kind: np.ndarray  # index into KINDS (-1)
    leave_year: np.ndarray
    hire_active: np.ndarray  # bool per universe row (hires only)
    counts: dict[int, dict[str, np.ndarray]] = field(default_factory=dict)
    money: dict[int, dict[str, np.ndarray]] = field(default_factory=dict)
    approved: dict[int, np.ndarray] = field(default_factory=dict)


def _count_at(
    u: _Universe, r: _Run, t: np.int64, floor: bool = False, pop: np.ndarray | None = None
) -> np.ndarray:
    """Per-commune headcount present on day ``t``: of the scenario's categories, or (``floor``)
    of the people counted against the minimum staffing, or of ``pop``."""
    if pop is None:
        pop = u.floor_pop if floor else u.affected
    pres = pop & (r.start <= t) & (r.stop > t)
    return np.bincount(u.cidx[pres], minlength=u.nc)


def _activate(u: _Universe, r: _Run, persons: np.ndarray) -> None:
    h = u.hire_of[persons]
    h = h[h >= 0]
    r.hire_active[h] = True
    r.start[h] = u.start[h]


def _new_run(u: _Universe) -> _Run:
    n = len(u.rows)
    start = u.start.copy()
    start[u.is_hire] = _INF
    r = _Run(
        start=start,
        stop=u.exit.copy(),
        left=np.full(n, _INF, dtype=np.int64),
        leave_kind=np.full(n, -1, dtype=np.int64),
        leave_year=np.zeros(n, dtype=np.int64),
        hire_active=np.zeros(n, dtype=bool),
    )
    # must-fill posts are always refilled
    mf = np.flatnonzero(u.must_fill[: u.n_roster] & (u.hire_of >= 0))
    _activate(u, r, mf)
    return r


def _natural_exits(u: _Universe, r: _Run, d0: np.int64, d1: np.int64) -> np.ndarray:
    n0 = u.n_roster
    ex = (
        u.affected[:n0]
        & ~u.must_fill[:n0]
        & (r.left[:n0] >= _INF)
        & (u.exit[:n0] >= d0)
        & (u.exit[:n0] < d1)
        & (u.exit_kind[:n0] > 0)
    )
    return np.flatnonzero(ex)


def _replace_at_floor(u: _Universe, r: _Run, exits: np.ndarray, d0: np.int64, d1: np.int64) -> None:
    """Replace the exits that would take a commune below its minimum staffing."""
    if not len(exits):
        return
    end = _count_at(u, r, d1 - 1, floor=True)
    low = np.flatnonzero(end < u.floor)
    low = np.intersect1d(low, u.cidx[exits])
    for c in low:
        h = int(_count_at(u, r, d0 - 1, floor=True)[c])
        inc = u.floor_pop & (u.cidx == c)
        starts = np.flatnonzero(inc & (r.start >= d0) & (r.start < d1))
        lv = np.flatnonzero(inc & (r.left >= d0) & (r.left < d1))
        ex = exits[u.cidx[exits] == c]
        ev = (
            [(int(r.start[i]), 0, i) for i in starts]
            + [(int(r.left[i]), 1, i) for i in lv]
            + [(int(u.exit[i]), 2, i) for i in ex]
            + [
                (int(r.stop[i]), 3, i)
                for i in np.flatnonzero(inc & ~u.affected & (r.stop >= d0) & (r.stop < d1))
            ]
        )
        for _when, typ, i in sorted(ev):
            if typ == 0:
                h += 1
            elif typ in (1, 3):
                h -= 1
            elif h - 1 < u.floor[c]:
                _activate(u, r, np.array([i]))
            else:
                h -= 1


def _project(
    u: _Universe,
    scenario: Scenario,
    policy_active: bool,
    plan: _Plan | None = None,
) -> _Run:
    """Run the projection from the roster date to the last year."""
    r = _new_run(u)
    for y in range(u.y0, u.y_last + 1):
        d0, d1 = _day(_dt.date(y, 1, 1)), _day(_dt.date(y + 1, 1, 1))
        active = policy_active and y >= scenario.years[0]
        if active and plan is not None:
            plan.apply(u, r, y)
        exits = _natural_exits(u, r, d0, d1)
        if not active and scenario.replace_retirees:
            _activate(u, r, exits)
        else:
            _replace_at_floor(u, r, exits, d0, d1)
    return r


# ---------------------------------------------------------------------------------------------
# leaver selection


def _named(u: _Universe, idx: np.ndarray, y: int, sc: Scenario) -> np.ndarray:
    """Candidates ``idx`` the law names by their ratings of ``y - 1`` and ``y - 2``."""
    r = getattr(u.source, "ratings", None)
    if r is None or not len(r):
        raise scenario_error(
            sc.name,
            "rating_first",
            "the model has no ratings table (ratings.csv: id, year, rating): nobody can be "
            "taken first by rating",
            sc.source,
        )
    ids = pd.Index(np.asarray(u.ids[idx], dtype=str))
    ry = pd.to_numeric(r["year"], errors="coerce").to_numpy()
    out = []
    for year in (y - 1, y - 2):
        sub = r.loc[ry == year].drop_duplicates("id", keep="last")
        by_id = pd.Series(sub["rating"].to_numpy(dtype=object), index=sub["id"].astype(str))
        out.append(by_id.reindex(ids).to_numpy(dtype=object))
    return named_by_rating(out[0], out[1])


@dataclass
class _Plan:
    """The policy: chooses and applies leavers year by year."""

    scenario: Scenario
    base: np.ndarray  # (nc,) base headcount
    path: np.ndarray  # (ny, nc) or (ny, 1) cumulative cut required
    per_commune: bool
    fixed: dict[int, list[tuple[np.ndarray, int]]] = field(default_factory=dict)
    solved: Any = None

    def apply(self, u: _Universe, r: _Run, y: int) -> None:
        sc = self.scenario
        if not sc.leave_kinds:
            return
        if sc.policy == "optimal":
            if self.solved is None:
                self.solve(u, r)
            for who, k in self.fixed.get(y, []):
                self._leave(u, r, who, y, k)
            return
        self._greedy(u, r, y)

    # -- shared state -----------------------------------------------------------------------
    def _state(self, u: _Universe, r: _Run, y: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For the years from ``y`` with no more leavers: effective end-of-year headcount of the
        scenario's categories (exits that breach a floor are refilled), and each commune's room
        above its floor at the end of each year — arrays (n_years, n_communes)."""
        ends = [_day(_dt.date(t + 1, 1, 1)) - 1 for t in range(y, u.y_last + 1)]
        aff = np.stack([_count_at(u, r, e) for e in ends])
        flo = np.stack([_count_at(u, r, e, floor=True) for e in ends])
        h0 = _count_at(u, r, _day(_dt.date(y, 1, 1)) - 1, floor=True)
        refill = np.maximum(0, np.minimum(u.floor, h0)[None, :] - flo)
        heff = aff + refill
        room = np.maximum(0, flo - u.floor[None, :])
        return heff, room, flo

    def _need(self, y: int, heff: np.ndarray) -> np.ndarray:
        k = y - self.scenario.years[0]
        if self.per_commune:
            return np.maximum(0, self.path[k] - (self.base - heff))
        return np.array([max(0, int(self.path[k, 0] - (self.base.sum() - heff.sum())))])

    def _leave(self, u: _Universe, r: _Run, who: np.ndarray, y: int, k: int) -> None:
        d = _day(self.scenario.leave_date(y))
        r.left[who] = d
        r.stop[who] = d
        r.leave_kind[who] = k
        r.leave_year[who] = y

    def _candidates(self, u: _Universe, r: _Run, y: int) -> np.ndarray:
        d = _day(self.scenario.leave_date(y))
        end = _day(_dt.date(y + 1, 1, 1)) - 1
        return u.candidate & (r.left >= _INF) & (r.start <= d) & (r.stop > end)

    def _rank(
        self, u: _Universe, kind: str, tab: _BTab, ok: np.ndarray, y: int, named_only: bool = False
    ) -> np.ndarray:
        sc = self.scenario
        order = sc.order
        if order == "default":
            order = "closest_to_retirement" if kind == "early_retirement" else "cost"
        idx = tab["universe"]
        rank = priority(
            order,
            ids=u.ids[idx],
            retire_day=u.retire[idx],
            birth_day=u.birth[idx],
            cost=tab["total"].astype(float),
        )
        rank = np.where(ok, rank, -1)
        if sc.rating_first:
            named = _named(u, idx, y, sc)
            rank = named_first(np.where(named | (not named_only), rank, -1), named)
        return rank

    # -- greedy -------------------------------------------------------------------------------
    def _greedy(self, u: _Universe, r: _Run, y: int) -> None:
        sc = self.scenario
        heff, room_y, _flo = self._state(u, r, y)
        need = self._need(y, heff[0])
        room = room_y.min(axis=0)
        if need.sum() <= 0:
            return
        avail = self._candidates(u, r, y)
        d = _day(sc.leave_date(y))
        room = room.copy()
        found = 0
        eligible = np.zeros(len(u.rows), dtype=bool)
        # rating_first: the people the law names, under any kind they are eligible for, first
        kinds = list(enumerate(sc.leave_kinds))
        passes = [(True, k, kind) for k, kind in kinds] if sc.rating_first else []
        passes += [(False, k, kind) for k, kind in kinds]
        for named_only, k, kind in passes:
            tab = _benefit_table(u, sc, kind, d)
            idx = tab["universe"]
            ok = avail[idx] & tab["eligible"]
            eligible[idx[ok]] = True
            rank = self._rank(u, kind, tab, ok, y, named_only)
            sel = greedy_select(
                rank,
                u.cidx[idx],
                room,
                need if self.per_commune else int(need.sum()),
                per_commune=self.per_commune,
            )
            who = idx[sel]
            if len(who):
                self._leave(u, r, who, y, k)
                avail[who] = False
                got = np.bincount(u.cidx[who], minlength=u.nc)
                room = room - got
                if self.per_commune:
                    need = np.maximum(0, need - got)
                else:
                    need = need - len(who)
                found += len(who)
            if need.sum() <= 0:
                return
        short = u.codes[np.flatnonzero(need > 0)] if self.per_commune else None
        self._unreachable(u, y, int(need.sum()), found, int(eligible.sum()), short)

    def _unreachable(
        self, u: _Universe, y: int, short: int, found: int, eligible: int, communes=None
    ) -> None:
        sc = self.scenario
        kinds = " or ".join(sc.leave_kinds)
        hint = (
            "; allow resignation too (kinds = ['early_retirement', 'resignation'])"
            if sc.leave_kinds == ("early_retirement",)
            else ""
        )
        where = ""
        if communes is not None and len(communes):
            more = f" and {len(communes) - 8} more" if len(communes) > 8 else ""
            where = f" (communes {', '.join(map(str, communes[:8]))}{more})"
        raise scenario_error(
            sc.name,
            "target",
            f"the target cannot be met in {y}: {short} more leaver(s) needed{where} after "
            f"{found} found; {eligible} person(s) are eligible for {kinds} under {sc.regime} "
            f"on {sc.leave_date(y)} and the rest are in communes at their minimum staffing "
            f"(scenarios.min_staffing) or in must-fill posts{hint}",
            sc.source,
        )

    # -- optimal -------------------------------------------------------------------------------
    def solve(self, u: _Universe, r: _Run) -> None:
        sc = self.scenario
        y1 = sc.years[0]
        years = sc.year_list
        ny = len(years)
        heff, room_y, _flo = self._state(u, r, y1)
        cand = np.flatnonzero(u.candidate & (r.left >= _INF))
        ncand = len(cand)
        kinds = sc.leave_kinds
        nk = len(kinds)
        cost = np.zeros((ncand, ny, nk))
        allowed = np.zeros((ncand, ny, nk), dtype=bool)
        pos = pd.Index(cand)
        ends = np.array([_day(_dt.date(t + 1, 1, 1)) - 1 for t in years])
        still = r.stop[cand][:, None] > ends[None, :]
        hend = u.horizon_end
        csum = u.csum  # (months + 1, nd) cumulative pay of movable people
        ms = u.month_starts
        stop_m = np.searchsorted(ms, np.minimum(r.stop[cand], hend), side="left")
        mp = u.mpos[cand]
        for t, y in enumerate(years):
            d = _day(sc.leave_date(y))
            present = (r.start[cand] <= d) & still[:, t]
            lm = int(np.searchsorted(ms, d, side="left"))
            saved = np.where(stop_m > lm, csum[np.maximum(stop_m, lm), mp] - csum[lm, mp], 0.0)
            for k, kind in enumerate(kinds):
                tab = _benefit_table(u, sc, kind, d)
                j = pos.get_indexer(tab["universe"])
                okj = j >= 0
                ben = np.zeros(ncand)
                el = np.zeros(ncand, dtype=bool)
                ben[j[okj]] = tab["total"].astype(float)[okj]
                el[j[okj]] = tab["eligible"][okj]
                if not isinstance(sc.order, str):
                    rank = self._rank(u, kind, tab, np.ones(len(tab["universe"]), bool))
                    lst = np.zeros(ncand, dtype=bool)
                    lst[j[okj]] = rank[okj] >= 0
                    el &= lst
                cost[:, t, k] = ben - saved
                allowed[:, t, k] = present & el
        # need and room per year, from the no-policy state at the start
        room = room_y.T  # (nc, ny)
        if self.per_commune:
            need_c = np.maximum(0, self.path - (self.base[None, :] - heff)).T  # (nc, ny)
            need = need_c.sum(axis=0)
        else:
            need_c = None
            need = np.maximum(0, self.path[:, 0] - (self.base.sum() - heff.sum(axis=1)))
        try:
            res = optimal_select(
                cost, allowed, still, u.cidx[cand], room, need, need_c, solver=sc.solver
            )
        except SolverError as exc:
            if exc.status == "infeasible":
                cap = int(allowed.any(axis=(1, 2)).sum())
                raise scenario_error(
                    sc.name,
                    "target",
                    f"the target path cannot be met: {int(need.max())} leaver(s) are needed in "
                    f"some year, among {cap} candidate(s) eligible for "
                    f"{' or '.join(kinds)} under {sc.regime}, within each commune's minimum "
                    "staffing (scenarios.min_staffing) — the optimal-policy MILP is infeasible",
                    sc.source,
                ) from None
            raise
        for t, y in enumerate(years):
            sel = res.year == t
            for k in range(nk):
                who = cand[res.person[sel & (res.kind == k)]]
                if len(who):
                    self.fixed.setdefault(y, []).append((who, k))
        self.solved = res


def _make_plan(u: _Universe, scenario: Scenario, baseline: _Run) -> _Plan | None:
    ny = len(scenario.year_list)
    t = scenario.target
    if t is None:
        if scenario.leave_kinds:
            raise scenario._error(
                "target", f"policy {scenario.policy!r} needs a target (share, count or rate)"
            )
        return None
    kind, val, base_year = _resolve_target(u.model, scenario, u.params)
    y1 = scenario.years[0]
    if base_year is None:
        tday = _day(_dt.date(y1, 1, 1)) - 1
    else:
        tday = _day(_dt.date(base_year + 1, 1, 1)) - 1
    base = _count_at(u, baseline, np.int64(max(tday, u.roster_day - 1)))
    k_by = (t.by - y1 + 1) if t.by is not None else ny
    per_commune = t.scope == "commune"
    if per_commune:
        vals = np.full(u.nc, float(val) if not t.communes else 0.0)
        if t.communes:
            pos = pd.Index(u.codes).get_indexer([c for c, _ in t.communes])
            vals[pos] = [float(v) for _, v in t.communes]
        path = target_path(kind, vals, base, ny, k_by, t.path)
    else:
        path = target_path(kind, float(val), np.array([base.sum()]), ny, k_by, t.path)
    return _Plan(scenario=scenario, base=base, path=path, per_commune=per_commune)


# ---------------------------------------------------------------------------------------------
# money and counts of a run


def _tally(u: _Universe, r: _Run, years: list[int], approved: dict[int, np.ndarray]) -> None:
    """Headcount flows and money of every year of ``years`` (stored on the run)."""
    aff = u.affected
    valid = r.start < r.stop
    mpos_rows = u.midx
    ms_start = r.start[mpos_rows]
    ms_stop = r.stop[mpos_rows]
    for y in years:
        d0, d1 = _day(_dt.date(y, 1, 1)), _day(_dt.date(y + 1, 1, 1))
        nc = u.nc
        pres0 = aff & valid & (r.start <= d0 - 1) & (r.stop > d0 - 1)
        pres1 = aff & valid & (r.start <= d1 - 1) & (r.stop > d1 - 1)
        stops = aff & valid & (r.stop >= d0) & (r.stop < d1)
        leav = stops & (r.left == r.stop)
        ret = stops & ~leav & (u.exit_kind == 1)
        oth = stops & ~leav & ~ret
        starts = aff & valid & (r.start >= d0) & (r.start < d1)
        ci = u.cidx
        cnt = {
            "headcount_start": np.bincount(ci[pres0], minlength=nc),
            "retirements": np.bincount(ci[ret], minlength=nc),
            "exits": np.bincount(ci[oth], minlength=nc),
            "leavers": np.bincount(ci[leav], minlength=nc),
            "hires": np.bincount(ci[starts], minlength=nc),
            "headcount_end": np.bincount(ci[pres1], minlength=nc),
        }
        bal = (
            cnt["headcount_start"]
            - cnt["retirements"]
            - cnt["exits"]
            - cnt["leavers"]
            + cnt["hires"]
            - cnt["headcount_end"]
        )
        if bal.any():  # pragma: no cover - an invariant of the projection
            raise KhoanError(f"headcount does not balance in {y} (internal error)")
        r.counts[y] = cnt
        # money
        yc = u.years[y]
        b = yc.bounds
        pm = (ms_start[None, :] <= b[:12, None]) & (ms_stop[None, :] > b[:12, None])  # (12, nd)
        # months added in calendar order, as khoan.payroll does: present all year -> the
        # year's precomputed sum; absent -> 0; only people present part of the year month by
        # month
        whole = pm.all(axis=0)
        acc = np.where(whole[None, :], yc.full, 0.0)
        part = np.flatnonzero(~whole & pm.any(axis=0))
        if len(part):
            mon = np.where(pm[None, :, part], yc.monthly[:, :, part], 0.0)
            sub = mon[:, 0, :].copy()
            for mth in range(1, 12):
                sub += mon[:, mth, :]
            acc[:, part] = sub
        ints = round_vnd(acc)  # (K, nd)
        mci = u.cidx[mpos_rows]
        st = u.staffing[mpos_rows]
        tot = ints.sum(axis=0)
        sf = ints[u.sf_idx].sum(axis=0)
        co = ints[u.co_idx].sum(axis=0)
        gf = ints[yc.gterm_idx].sum(axis=0) if len(yc.gterm_idx) else np.zeros_like(tot)
        mdays = np.diff(b)
        days = yc.fixed_days + group_sum_2d(mci[st], (pm[:, st] * mdays[:, None]).T, nc)
        payroll_total = yc.fixed_total + group_sum(mci, tot, nc)
        salary_fund = yc.fixed_sf + group_sum(mci[st], sf[st], nc)
        contrib = yc.fixed_contrib + group_sum(mci[st], co[st], nc)
        grade = yc.fixed_grade + group_sum(mci[st], gf[st], nc)
        appr = approved[y]
        # the lump sum of this roster and approved staffing (khoan.lumpsum, as khoan.budget)
        ls = components(yc.lump, appr, days, salary_fund, contrib)
        lump = ls.total
        # settlement (khoan.settlement.settle, actual spending = the roster paid): the commune
        # keeps the vacant posts' share; TNTT ≤ tntt.cap_ratio × salary fund by grade
        kept = ls.vacancy_saving
        cap = tntt_cap(yc.cap_ratio, grade)
        anyone = days.sum(axis=1) > 0
        tntt = np.where(anyone, np.minimum(kept, cap), 0)
        fte = days.sum(axis=1) / mdays.sum()
        r.money[y] = {
            "payroll_total": payroll_total,
            "lump_sum": lump,
            "commune_kept": kept,
            "tntt": tntt,
            "fte": fte,
            "approved_posts": appr,
        }


def _baseline(u: _Universe, scenario: Scenario) -> _Run:
    key = scenario.replace_retirees
    b = u.baseline_cache.get(key)
    if b is not None:
        return b
    b = _project(u, scenario, policy_active=False)
    years = list(range(u.y0, u.y_last + 1))
    _tally(u, b, years, {y: u.approved for y in years})
    u.baseline_cache[key] = b
    return b


# ---------------------------------------------------------------------------------------------
# simulate


def simulate(model, scenario: Scenario, *, progress: bool = False) -> ScenarioResult:
    """Project a staff-reduction scenario and its baseline year by year.

    Parameters
    ----------
    model : khoan.Model
    scenario : Scenario
    progress : bool
        Show a progress bar over the steps (tqdm).

    Returns
    -------
    ScenarioResult
        ``.by_year`` (province), ``.by_commune``, ``.leavers``, ``.summary()``, plots, Excel
        and provenance. See :mod:`khoan.scenarios.simulate` for every column.

    Raises
    ------
    ScenarioError
        A field that does not fit the model (years, decision date outside the regime's
        validity, target parameters), a target that cannot be met within the people available
        and the communes' minimum staffing, people without birth date or sex — naming the
        scenario, field, reason and the scenario file's line.
    SolverError
        The ``optimal`` policy's solver failed.
    """
    if not isinstance(scenario, Scenario):
        raise ScenarioError(f"simulate() needs a khoan.Scenario, not {type(scenario).__name__}")
    t0 = time.perf_counter()
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=4, desc=f"scenario {scenario.name}", leave=False)

    def step(label: str) -> None:
        if bar is not None:
            bar.set_postfix_str(label)
            bar.update(1)

    check(model, scenario)
    u, cached = _universe(model, scenario)
    step("roster and pay")
    t1 = time.perf_counter()
    base = _baseline(u, scenario)
    step("baseline")
    plan = _make_plan(u, scenario, base)
    scen = _project(u, scenario, policy_active=True, plan=plan)
    years = scenario.year_list
    approved: dict[int, np.ndarray] = {}
    for y in years:
        if scenario.approved_falls:
            # the approved staffing (cadres and civil servants) falls by the scenario's cut of
            # those categories at the end of the year, against the baseline
            end = _day(_dt.date(y + 1, 1, 1)) - 1
            posts = u.affected & u.staffing
            cut = np.maximum(
                0, _count_at(u, base, end, pop=posts) - _count_at(u, scen, end, pop=posts)
            )
            approved[y] = np.maximum(0, u.approved - cut)
        else:
            approved[y] = u.approved
    _tally(u, scen, years, approved)
    step("scenario")
    result = _assemble(u, scenario, base, scen, plan)
    step("tables")
    if bar is not None:
        bar.close()
    result.provenance["timings"] = {
        "total_s": time.perf_counter() - t0,
        "shared_work_s": t1 - t0,
        "shared_work_cached": cached,
        "optimal_s": dict(plan.solved.seconds) if plan is not None and plan.solved else None,
    }
    return result


_COUNT_COLS = ("headcount_start", "retirements", "exits", "leavers", "hires", "headcount_end")


def _assemble(
    u: _Universe, scenario: Scenario, base: _Run, scen: _Run, plan: _Plan | None
) -> ScenarioResult:
    years = scenario.year_list
    ny, nc = len(years), u.nc
    lv, lv_commune, lv_year = _leavers(u, scenario, scen)
    one_off = np.zeros((ny, nc), dtype=np.int64)
    if len(lv_year):
        np.add.at(one_off, (lv_year - years[0], lv_commune), lv["total"].to_numpy(np.int64))

    def st(run: _Run, part: str, k: str) -> np.ndarray:  # (ny, nc)
        src = run.counts if part == "c" else run.money
        return np.stack([np.asarray(src[y][k]) for y in years])

    cols: dict[str, np.ndarray] = {}
    for k in _COUNT_COLS:
        cols[k] = st(scen, "c", k).astype(np.int64)
    cols["baseline_headcount_end"] = st(base, "c", "headcount_end").astype(np.int64)
    cols["approved_posts"] = st(scen, "m", "approved_posts").astype(np.int64)
    cols["baseline_approved_posts"] = st(base, "m", "approved_posts").astype(np.int64)
    cols["payroll_total"] = st(scen, "m", "payroll_total")
    cols["baseline_payroll_total"] = st(base, "m", "payroll_total")
    cols["recurring_savings"] = cols["baseline_payroll_total"] - cols["payroll_total"]
    cols["lump_sum"] = st(scen, "m", "lump_sum")
    cols["baseline_lump_sum"] = st(base, "m", "lump_sum")
    cols["state_savings"] = cols["baseline_lump_sum"] - cols["lump_sum"]
    cols["one_off_cost"] = one_off
    cols["net_savings"] = cols["recurring_savings"] - one_off
    cols["state_net_savings"] = cols["state_savings"] - one_off
    cols["cumulative_net_savings"] = np.cumsum(cols["net_savings"], axis=0)
    cols["cumulative_state_net_savings"] = np.cumsum(cols["state_net_savings"], axis=0)
    cols["commune_kept"] = st(scen, "m", "commune_kept")
    cols["baseline_commune_kept"] = st(base, "m", "commune_kept")
    cols["tntt"] = st(scen, "m", "tntt")
    cols["baseline_tntt"] = st(base, "m", "tntt")
    fte, bfte = st(scen, "m", "fte"), st(base, "m", "fte")
    cols["tntt_per_person"] = _per(cols["tntt"], fte)
    cols["baseline_tntt_per_person"] = _per(cols["baseline_tntt"], bfte)
    bal = (
        cols["headcount_start"]
        - cols["retirements"]
        - cols["exits"]
        - cols["leavers"]
        + cols["hires"]
        - cols["headcount_end"]
    )
    if bal.any():  # pragma: no cover - an invariant of the projection
        raise KhoanError("headcount conservation fails (internal error)")
    # by commune: commune-major, years inside
    bc = pd.DataFrame(
        {
            "commune": np.repeat(u.codes, ny),
            "year": np.tile(np.asarray(years, dtype=np.int64), nc),
            **{k: v.T.ravel() for k, v in cols.items()},
        }
    )
    # province
    tot = {k: v.sum(axis=1) for k, v in cols.items()}
    tot["cumulative_net_savings"] = np.cumsum(tot["net_savings"])
    tot["cumulative_state_net_savings"] = np.cumsum(tot["state_net_savings"])
    tot["tntt_per_person"] = _per(tot["tntt"], fte.sum(axis=1))
    tot["baseline_tntt_per_person"] = _per(tot["baseline_tntt"], bfte.sum(axis=1))
    prov: dict[str, np.ndarray] = {}
    if plan is not None:
        base_total = int(plan.base.sum())
        req = plan.path.sum(axis=1) if plan.per_commune else plan.path[:, 0]
        red = base_total - tot["headcount_end"]
        if plan.per_commune:
            gap = np.maximum(0, plan.path - (plan.base[None, :] - cols["headcount_end"]))
            gap = gap.sum(axis=1)
        else:
            gap = np.maximum(0, req - red)
        prov = {
            "base_headcount": np.full(ny, base_total, dtype=np.int64),
            "target_reduction": req.astype(np.int64),
            "reduction": red.astype(np.int64),
            "target_gap": gap.astype(np.int64),
        }
    by = pd.DataFrame(
        {**tot, **prov},
        index=pd.Index(np.asarray(years, dtype=np.int64), name="year"),
    )
    if plan is not None:
        by = by[["base_headcount", *[c for c in by.columns if c != "base_headcount"]]]
    prov = _provenance(u, scenario, plan)
    prov["notes"] = list(u.notes)
    if getattr(u.model, "registry_note", None):
        prov["registry"] = u.model.registry_note
        prov["notes"].append(u.model.registry_note)
    return ScenarioResult(
        scenario=scenario,
        model_name=getattr(u.model, "name", ""),
        by_year=by,
        by_commune=bc,
        leavers=lv,
        provenance=prov,
        _universe=u,
        _runs={"baseline": base, "scenario": scen},
    )


def _per(amount: np.ndarray, fte: np.ndarray) -> np.ndarray:
    """Amount per full-time person (VND, rounded half up; 0 where nobody is in post)."""
    a = np.asarray(amount, dtype=float)
    f = np.asarray(fte, dtype=float)
    out = np.divide(a, f, out=np.zeros_like(a), where=f > 0)
    return np.floor(out + 0.5).astype(np.int64)


_LEAVER_INFO = (
    "band",
    "retirement_date",
    "months_early",
    "years_early",
    "insured_years",
    "months_after_decision",
    "monthly_salary",
    "average_salary",
    "benefit_months",
    "basis_note",
)


def _leavers(
    u: _Universe, scenario: Scenario, r: _Run
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The leavers' table, and each leaver's commune index and year (for aggregation)."""
    who = np.flatnonzero(r.left < _INF)
    money_cols: list[str] = []
    for k in scenario.leave_kinds:
        for c in _benefits.COMPONENTS[k]:
            if c not in money_cols:
                money_cols.append(c)
    parts: dict[str, list] = collections.defaultdict(list)
    order: list[np.ndarray] = []
    for y in sorted(set(r.leave_year[who].tolist())):
        d = _day(scenario.leave_date(y))
        for k, kind in enumerate(scenario.leave_kinds):
            sel = who[(r.leave_year[who] == y) & (r.leave_kind[who] == k)]
            if not len(sel):
                continue
            tab = _benefit_table(u, scenario, kind, d)
            j = tab.rows(sel)
            order.append(sel)
            parts["year"].append(np.full(len(sel), y, dtype=np.int64))
            parts["leave_date"].append(np.full(len(sel), np.datetime64(_date(d), "ns")))
            parts["kind"].append(np.full(len(sel), kind, dtype=object))
            for c in _LEAVER_INFO:
                parts[c].append(tab[c][j])
            for c in money_cols:
                parts[c].append(
                    tab[c][j].astype(np.int64) if c in tab else np.zeros(len(sel), np.int64)
                )
            parts["total"].append(tab["total"][j])
            # pay with contributions the leaver would have had to the horizon's end
            lm = int(np.searchsorted(u.month_starts, d, side="left"))
            sm = np.searchsorted(
                u.month_starts, np.minimum(u.exit[sel], u.horizon_end), side="left"
            )
            mp = u.mpos[sel]
            saved = u.csum[np.maximum(sm, lm), mp] - u.csum[lm, mp]
            parts["salary_saved_to_horizon"].append(np.floor(saved + 0.5).astype(np.int64))
    cols = [
        "id",
        "commune",
        "category",
        "position",
        "year",
        "leave_date",
        "kind",
        *_LEAVER_INFO,
        *money_cols,
        "total",
        "salary_saved_to_horizon",
    ]
    if not order:
        empty = pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
        return empty, np.zeros(0, np.int64), np.zeros(0, np.int64)
    sel = np.concatenate(order)
    data = {
        "id": u.ids[sel],
        "commune": u.codes[u.cidx[sel]],
        "category": u.cats[sel],
        "position": u.positions[sel],
    }
    for c in cols[4:]:
        data[c] = np.concatenate(parts[c])
    data["retirement_date"] = data["retirement_date"].astype("datetime64[ns]")
    df = pd.DataFrame(data)
    o = np.lexsort((data["id"].astype(str), data["commune"].astype(str), data["year"]))
    df = df.iloc[o].reset_index(drop=True)
    return df, u.cidx[sel][o], data["year"][o]


def _digest(u: _Universe, what: str) -> str:
    """SHA-256 of the model's tables and parameters, or of the parameters with the scenario's
    overrides (computed once per shared work)."""
    if what not in u.digests:
        u.digests[what] = u.source.digest() if what == "model" else u.params.digest()
    return u.digests[what]


def _provenance(u: _Universe, scenario: Scenario, plan: _Plan | None) -> dict[str, Any]:
    p = u.params
    refs = []
    for key in sorted(u.keys_used):
        keys = [k for k in p.keys() if k == key or k.startswith(key + ".")]
        for k in keys:
            for e in p.history(k):
                if e.end is not None and e.end < _dt.date(u.y0, 1, 1):
                    continue
                if e.start > _dt.date(u.y_last, 12, 31):
                    continue
                refs.append(
                    {
                        "key": k,
                        "from": str(e.start),
                        "reference": e.reference,
                        "confidence": e.confidence,
                    }
                )
    prov: dict[str, Any] = {
        **provenance(
            u.model,
            params=p,
            inputs={"scenario": digest_of(scenario)},
            model_digest=_digest(u, "model"),
            parameters_digest=_digest(u, "params"),
        ),
        "scenario": scenario.to_dict(),
        "regime": scenario.regime,
        "policy": scenario.policy,
        "parameters": refs,
        "roster_date": str(_date(u.roster_day)),
        "horizon": [u.y0, u.y_last],
    }
    if plan is not None and plan.solved is not None:
        s = plan.solved
        prov["optimal"] = {
            "solver": scenario.solver,
            "status": s.status,
            "objective_vnd": s.objective,
            "variables": s.n_variables,
            "constraints": s.n_constraints,
            "seconds": s.seconds,
        }
    return prov


# ---------------------------------------------------------------------------------------------
# command line


def run_scenario_cli(model, name: str, out: str | Path | None = None) -> ScenarioResult:
    """Simulate the scenario ``name`` of a model's ``scenarios.toml`` (``khoan simulate``).

    Parameters
    ----------
    model : khoan.Model or str or Path
        A loaded model, a model folder, or the name of a bundled example.
    name : str
        Scenario name in the model's ``scenarios.toml``.
    out : str or Path, optional
        Write the result as an Excel workbook there.

    Returns
    -------
    ScenarioResult

    Raises
    ------
    ScenarioError
        No ``scenarios.toml`` in the model folder, no such scenario, or any scenario error.
    """
    from ..model import Model
    from .files import load_scenarios

    if not isinstance(model, Model):
        from .. import examples
        from ..model import load

        p = Path(str(model))
        model = load(p) if p.exists() else examples.load(str(model))
    if model.path is None or not (Path(model.path) / "scenarios.toml").is_file():
        raise ScenarioError(
            f"model {model.name!r} has no scenarios.toml (folder {model.path}): write one, "
            "see docs or khoan/models/khanh_hoa_2016/scenarios.toml"
        )
    found = load_scenarios(Path(model.path) / "scenarios.toml")
    if name not in found:
        from .scenario import ScenarioSource, suggest

        raise scenario_error(
            name,
            None,
            f"no such scenario{suggest(name, list(found))}",
            ScenarioSource(str(Path(model.path) / "scenarios.toml")),
        )
    res = simulate(model, found[name])
    if out is not None:
        res.to_excel(out)
    return res
