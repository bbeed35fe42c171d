"""The pay of every year of a scenario's horizon: the shared work's costing of the years.

For a :class:`~khoan.scenarios.universe.Universe` (everyone who may be on the roster), the
payroll engine pays each year of the horizon twice: the people whose presence is the same in
every run ("fixed", with their actual first and last days) summed per commune, and the others
("movable", present all year) month by month (:class:`YearCost`).

Two paths give the same floats (``tests/scenarios/test_pay_paths.py``):

- on arrays (:func:`_array_runs`, the usual one): the universe's roster checked and factorised
  once (:func:`khoan.payroll_inputs.prepare`), aged year by year on arrays
  (:func:`~khoan.scenarios.roster.age`), each year's arrays paid by
  :func:`khoan.payroll.run_inputs`;
- through the tables (:func:`_table_runs`, the reference and the fallback): each year's rows
  aged by :func:`~khoan.scenarios.roster.advance_roster` and paid by :func:`khoan.payroll.run`
  with its checks — taken whenever the arrays could be paid differently (a roster problem, an
  unusual schema), so that errors read as before.

Dates are day numbers (days since 1970-01-01, :mod:`khoan.periods`). Money is VND.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .. import payroll_inputs as _payroll_inputs
from ..errors import KhoanError, ParameterError, ValidationError
from ..lumpsum import KEYS as LUMPSUM_KEYS
from ..lumpsum import SALARY_FUND_PARTS, CommuneArrays, YearRates, tntt_cap_ratio, year_rates
from ..payroll_rates import Rates
from ..periods import FAR_FUTURE, FAR_PAST, group_sum, month_bounds
from .monthly_pay import MonthlyPay, RateMonths
from .roster import Steps, advance_roster, age, steps_of
from .scenario import Scenario, check_components, scenario_error

if TYPE_CHECKING:  # pragma: no cover
    from .universe import Universe

# the module, not the function khoan.payroll that the package exposes under the same name
_payroll = importlib.import_module("khoan.payroll")

__all__ = ["YearCost", "cost_years"]

INF = np.int64(FAR_FUTURE)  # open dates as day numbers (khoan.periods, as the payroll)
NEG = np.int64(FAR_PAST)


@dataclass
class YearCost:
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
    monthly: MonthlyPay  # (K, 12, nd) float VND/month, compact
    gterm_idx: np.ndarray  # component indices of the salary fund by grade
    # commune-level parameters of the lump sum (khoan.lumpsum)
    lump: YearRates
    cap_ratio: float
    # the twelve months of ``monthly`` added in calendar order (K, nd): the annual pay of a
    # movable person present all year (bit for bit what adding the months gives)
    full: np.ndarray | None = None


def _fixed_rows(u: Universe) -> np.ndarray:
    return np.flatnonzero(~u.movable)


class _Fallback(Exception):
    """The roster's arrays cannot be paid exactly as :func:`khoan.payroll.run` would pay its
    tables (a check fails, or an unusual schema): the years are costed through the tables."""


def _pay_dates(u: Universe, fixed: np.ndarray) -> tuple[pd.DatetimeIndex, pd.DatetimeIndex]:
    """``start_date`` / ``end_date`` of the fixed people as the runs pay them: their actual
    presence (hires: from the hire start; affected people: until their exit)."""
    fstart = u.start[fixed]
    fend = np.where(u.affected[fixed] & (u.exit[fixed] < INF), u.exit[fixed], INF)
    return (
        pd.DatetimeIndex(
            np.where(fstart <= NEG, np.datetime64("NaT"), fstart.astype("datetime64[D]"))
        ),
        pd.DatetimeIndex(
            np.where(fend >= INF, np.datetime64("NaT"), (fend - 1).astype("datetime64[D]"))
        ),
    )


def _table_runs(u: Universe) -> Iterator[tuple[int, Callable[[], tuple[Any, Any]]]]:
    """The payroll runs of each year through the tables (the reference path): the fixed and the
    movable people's rows aged by :func:`advance_roster`, each paid by :func:`khoan.payroll.run`.
    """
    fixed = _fixed_rows(u)
    frows = u.rows.iloc[fixed].copy()
    frows["start_date"], frows["end_date"] = _pay_dates(u, fixed)
    mrows = u.rows.iloc[u.midx].copy()
    mrows["start_date"] = pd.NaT
    mrows["end_date"] = pd.NaT
    fage, mage = frows, mrows
    for y in range(u.y0, u.y_last + 1):
        jan1 = _dt.date(y, 1, 1)
        fage = advance_roster(fage, jan1, u.params)
        mage = advance_roster(mage, jan1, u.params)

        def pay(y: int = y, fa: pd.DataFrame = fage, ma: pd.DataFrame = mage) -> tuple[Any, Any]:
            return (
                _payroll.run(u.model, y, fa),
                _payroll.run(u.model, y, ma, keep_monthly=True).monthly,
            )

        yield y, pay


#: errors of the arrays' path that send the costing to the tables (which raise them as before)
_FAST_ERRORS = (KhoanError, KeyError, ValueError, TypeError, IndexError)


def _array_runs(u: Universe) -> Iterator[tuple[int, Callable[[], tuple[Any, Any]]]]:
    """The payroll runs of each year on arrays: the universe's roster checked and factorised once
    (:func:`khoan.payroll_inputs.prepare`), aged on arrays (:func:`~.roster.age`), and each
    year's arrays paid by :func:`khoan.payroll.run_inputs` — the same engine on the same numbers
    as :func:`_table_runs`, without rebuilding and re-checking the tables every year.

    Raises :class:`_Fallback` whenever the tables' path could behave differently: a roster
    problem (the first year's checks on the whole universe, and each year the checks that
    ageing or the year's parameters can change), a missing column, any error.
    """
    rows = u.rows
    if rows.empty or not {"next_step_date", "step", "position"} <= set(rows.columns):
        raise _Fallback
    fixed = _fixed_rows(u)
    n = len(rows)
    start = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    end = start.copy()
    fs, fe = _pay_dates(u, fixed)
    start[fixed] = fs.to_numpy(dtype="datetime64[D]")
    end[fixed] = fe.to_numpy(dtype="datetime64[D]")
    table = rows.assign(start_date=pd.DatetimeIndex(start), end_date=pd.DatetimeIndex(end))
    try:
        # every check that no year changes (ids, communes, categories, dates, ...): on the
        # whole universe once (a problem of the fixed or the movable rows is one here)
        # ids that are all text and distinct as text are distinct values: the check of
        # duplicates is then the ids' text ranks, which the candidates' priority needs anyway
        ranks = u.id_rank()
        ids_distinct = (
            n > 0
            and int(ranks.max()) == n - 1
            and pd.api.types.infer_dtype(rows["id"], skipna=False) == "string"
        )
        inp, keys = _payroll.prepare(u.model, u.y0, table, ids_distinct=ids_distinct)
        steps = steps_of(table)
        f0 = _payroll.bhtn_covered(table, np.zeros(n, dtype=bool))
        f1 = _payroll.bhtn_covered(table, np.ones(n, dtype=bool))
    except _FAST_ERRORS:
        raise _Fallback from None
    del table
    grades = [str(g) for g in steps.grades]
    positions = [str(q) for q in steps.positions]
    pos_coef = inp.pos
    # the arrays that no year changes, of the fixed and of the movable people
    inp_f = _payroll_inputs.take(inp, fixed)
    inp_m = _payroll_inputs.take(inp, u.midx)
    # the fixed people's annual amounts, written into the same block every year (each year's
    # are read before the next year is paid)
    block = np.empty((len(_payroll.COMPONENTS) + 2, len(fixed)), dtype=np.int64)
    for y in range(u.y0, u.y_last + 1):
        try:
            steps = age(steps, _dt.date(y, 1, 1), u.params)
        except _FAST_ERRORS:
            raise _Fallback from None

        def pay(y: int = y, st: Steps = steps) -> tuple[Any, Any]:
            try:
                scales, untrained, tnvk, bhtn_default = _payroll_inputs.year_params(u.model, y)
            except _FAST_ERRORS:
                raise _Fallback from None
            # the checks of the year's roster that the first year's could not make: grades and
            # untrained cadres' positions against this year's parameters, the aged coefficients
            known = [*scales, "cadre_untrained"]
            gmap = np.array([known.index(g) if g in known else -1 for g in grades] + [-2])
            gcode = gmap[st.grade]
            ut = gcode == len(scales)
            pmap = np.array([list(untrained).index(q) if q in untrained else -1 for q in positions])
            pcode = np.where(ut, np.append(pmap, -2)[st.position], -2)
            if (
                (gcode == -1).any()
                or (ut & (pcode < 0)).any()
                or (ut & (pos_coef > 0)).any()
                or (~np.isfinite(st.coef) | (st.coef < 0)).any()
                or (st.tnvk < 0).any()
            ):
                raise _Fallback
            nd = st.nxt.astype("datetime64[D]")
            nday = nd.astype(np.int64)
            nday[np.isnat(nd)] = NEG
            coef1, tnvk1, rise = _payroll_inputs.rises(
                y, scales, untrained, tnvk, gcode, pcode, st.coef, st.tnvk, st.step, nday
            )
            dflt = np.array([bool(bhtn_default.get(c, False)) for c in _payroll.CATEGORIES])
            year = {
                "coef0": st.coef,
                "coef1": coef1,
                "tnvk0": st.tnvk,
                "tnvk1": tnvk1,
                "rise_month": rise,
                "bhtn_flag": np.where(dflt[inp.catcode], f1, f0),
            }
            rates = _payroll.monthly_rates(u.model, y)
            return (
                _payroll.run_inputs(
                    u.model,
                    y,
                    dataclasses.replace(inp_f, **{k: v[fixed] for k, v in year.items()}),
                    keys,
                    details=False,
                    rates=rates,
                    block=block,
                ),
                _movable_months(
                    u.model,
                    y,
                    dataclasses.replace(inp_m, **{k: v[u.midx] for k, v in year.items()}),
                    keys,
                    rates,
                ),
            )

        yield y, pay


def _rate_months(rates: Rates) -> np.ndarray:
    """For each month, the first month of its run of months with the same rates (12,)."""
    arrays = [
        rates.base,
        rates.class_eff,
        rates.ps_eff,
        rates.supp_eff,
        *rates.contrib_eff.values(),
    ]
    same = np.ones(11, dtype=bool)
    for a in arrays:
        same &= (a[1:] == a[:-1]).reshape(11, -1).all(axis=1)
    first = np.where(np.concatenate([[False], same]), 0, np.arange(12))
    return np.maximum.accumulate(first)


def _movable_months(
    model: Any, y: int, inp: _payroll_inputs.Inputs, keys: list[str], rates: Rates
) -> RateMonths:
    """The monthly amounts of each component of the movable people (all present the whole
    year), the floats :func:`khoan.payroll.run_inputs` with ``keep_monthly`` computes — bit for
    bit — computed only for the months whose rates differ from the month before, before and
    from the step rise (:class:`RateMonths`).

    Each monthly amount of :func:`khoan.payroll.month_amounts` is computed element by element from
    that month's rates and whether the rise applies, so two months with the same rates and on
    the same side of the rise have the same floats."""
    b = rates.bounds
    if inp.n == 0 or not ((inp.start <= b[0]) & (inp.end >= b[12])).all():
        mon = _payroll.run_inputs(
            model, y, inp, keys, keep_monthly=True, details=False, rates=rates
        ).monthly
        assert mon is not None
        return RateMonths.from_months([mon[c] for c in _payroll.COMPONENTS])
    g, group = np.unique(_rate_months(rates), return_inverse=True)
    sub = dataclasses.replace(
        rates,
        base=rates.base[g],
        class_eff=rates.class_eff[g],
        ps_eff=rates.ps_eff[g],
        supp_eff=rates.supp_eff[g],
        contrib_eff={c: v[g] for c, v in rates.contrib_eff.items()},
    )
    ng = len(g)
    rise = np.flatnonzero(inp.rise_month < 12)
    # the monthly amounts only (not their sums over the J months)
    v0 = _payroll.month_amounts(
        inp, sub, slice(0, inp.n), True, np.zeros((ng, 1), dtype=bool), sums=False
    )
    v1 = _payroll.month_amounts(inp, sub, rise, True, np.ones((ng, 1), dtype=bool), sums=False)
    return RateMonths(
        before=[v0["_monthly"][c] for c in _payroll.COMPONENTS],
        after=[v1["_monthly"][c] for c in _payroll.COMPONENTS],
        group=group.reshape(12),
        rise=rise,
        rise_month=inp.rise_month[rise],
    )


def cost_years(u: Universe, scenario: Scenario) -> None:
    """Pay of fixed and movable people for every year of the horizon (payroll engine): on the
    universe's arrays (:func:`_array_runs`), or through the tables (:func:`_table_runs`) when
    the arrays' path cannot pay the roster exactly as they would (``u.pay_path``)."""
    try:
        _cost(u, scenario, _array_runs(u))
        u.pay_path = "arrays"
    except _Fallback:
        u.years.clear()
        _cost(u, scenario, _table_runs(u))
        u.pay_path = "tables"


def _running_sum(csum: np.ndarray, row: int, months: np.ndarray) -> int:
    """Continue the running sum ``csum`` (rows 0..``row`` written) with the (J, nd) ``months``;
    the next row to write. Row by row, the additions of ``np.cumsum`` along the months (the
    first month is taken as it is), without its slow strided pass over a (months, nd) array."""
    for t in months:
        if row == 0:
            csum[1] = t
        else:
            np.add(csum[row], t, out=csum[row + 1])
        row += 1
    return row


def _cost(
    u: Universe, scenario: Scenario, runs: Iterator[tuple[int, Callable[[], tuple[Any, Any]]]]
) -> None:
    comps = list(_payroll.COMPONENTS)
    sf_idx = np.array([comps.index(c) for c in SALARY_FUND_PARTS])
    co_idx = np.array([comps.index(c) for c in _payroll.CONTRIBUTIONS])
    fixed = _fixed_rows(u)
    p = u.params
    communes = CommuneArrays.from_table(u.model.communes)
    # month-by-month total pay of movable people over the horizon, as its running sum from the
    # horizon's first month (pay saved by a leaver between two months): (months + 1, nd)
    csum = np.zeros((12 * (u.y_last - u.y0 + 1) + 1, len(u.midx)))
    row = 0
    for y, pay in runs:
        try:
            fr, mr = pay()
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
        tot = a["total"]  # the exact sum of the rounded components
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
        if not isinstance(mr, RateMonths):  # the tables' path: dense (12, nd) months
            mr = RateMonths.from_months([mr[k] for k in comps])
        # the months added in calendar order per component, and the components added in
        # order per month (the same additions as on a (K, 12, nd) stack)
        full = mr.annual()
        row = _running_sum(csum, row, mr.totals())
        mon = mr.compact()
        del mr
        u.years[y] = YearCost(
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
    u.sf_idx, u.co_idx = sf_idx, co_idx
    cs = list(p.value("scenarios.current_salary", _dt.date(u.y0, 1, 1)))
    check_components(scenario, "scenarios.current_salary", cs, comps)
    u.csum = csum
