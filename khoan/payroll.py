"""Salary, allowances and employer contributions per person, month by month (vectorised).

``payroll(model, year)`` returns one row per person with the annual amount of each pay
component in VND (int64). Every legal value is the one in force in each month, read from the
dated parameters (never written here), and an annual amount is the sum of its twelve monthly
amounts (DOMAIN §3). The engine is vectorised over people: joiners and leavers go through a
*months × people* matrix (12 × k float64 arrays, in chunks of people); people present the whole
year — most of a roster — need no matrix, since each of their monthly amounts is a per-person
coefficient (one before the step-rise month, one from it) times a monthly rate common to their
category and commune, and their annual sums are read from prefix sums of those rates.

Rules (per person ``p`` and month ``m``; ``L_m`` is the base salary of month ``m``)
-----------------------------------------------------------------------------------
``presence[p, m]``
    Share of the month's calendar days between ``start_date`` and ``end_date`` (both
    inclusive; empty = the whole year). A person who joins on 16 March is paid 16/31 of March.
    (Practice pays by working days; calendar days are used because they need no holiday
    calendar — a documented simplification.)
``bp = L_m × presence``
    ``L_m`` is ``params.monthly("salary.base", year)``: day-weighted when a new base salary
    takes effect inside a month (NĐ 66/2013, 47/2016, 47/2017, 72/2018, 38/2019, 24/2023,
    73/2024 all start on the 1st).
``coefficient`` (salary)
    The roster's coefficient; when ``next_step_date`` falls inside the year the regular step
    rise (NĐ 204/2004 Điều 7; TT 08/2013/TT-BNV) applies from the month of that date on:
    +``increment`` of the grade's scale (``salary.scales``) below the top step; at the top step
    the seniority allowance beyond the top step starts at ``start_pct`` or rises by
    ``increment_pct`` (``allowances.tnvk``, TT 04/2005/TT-BNV); an untrained commune cadre at
    step 1 moves to the step-2 coefficient of his position (``salary.cadre_untrained``, NĐ
    92/2009 Điều 5 — the roster's ``next_step_date`` is the day the
    ``salary.cadre_untrained_step2_years`` years are completed). Rises dated before the year
    are taken as already in the roster's coefficient; one rise per year at most (steps are
    2 or 3 years apart).
``salary = coefficient × bp`` (not for NHĐKCT, whose coefficient is an allowance)
``position_allowance = position_coef × bp`` (NĐ 92/2009 → NĐ 33/2023)
``tnvk = tnvk_pct / 100 × (coefficient + position_coef) × bp`` (TT 04/2005/TT-BNV)

The salary base of each allowance and of the contributions is itself a dated parameter listing
its terms (``allowances.tnvk_base``, ``allowances.commune_class.base``,
``allowances.public_service.base``, ``contributions.base``, ``tntt.base``); the bases in force
today are the ones written below.

``bao_luu = bao_luu × bp`` (kept difference, NĐ 204/2004)
``commune_class_allowance = rate(class) × (salary + position + tnvk + bao_luu)``
    categories ``allowances.commune_class.categories`` (cadres, ``can_bo``);
    ``allowances.commune_class.rate`` by commune class — 10 % / 5 % under NĐ 92/2009,
    abolished from 2019-06-25 by NĐ 34/2019 (June 2019 is day-weighted: 24/30 of the monthly
    allowance). Rate and categories are combined over the days each pair is in force.
``public_service_allowance = rate × (salary + position + tnvk)``
    cadres and civil servants (NĐ 34/2012/NĐ-CP; ``allowances.public_service.rate``).
``regional_allowance = region_coef × bp``
    every person, coefficient of the person's commune (TTLT 11/2005/TTLT-BNV-BLĐTBXH-BTC-UBDT).
``nhdkct_allowance = coefficient × bp``
    non-professional workers (NHĐKCT), whose roster coefficient is their allowance coefficient.
``low_pay_supplement = coefficient × [coefficient ≤ 2.34] × u_m × presence``
    NĐ 17/2015/NĐ-CP additional salary (``salary.low_pay``): for the categories
    ``salary.low_pay.categories`` whose salary coefficient (alone, position allowance not
    added) is at most ``max_coefficient``, ``u_m = rate × L_m`` (8 %, 2015-01-01 –
    2016-04-30); from 2016-05-01 the kept difference ``u_m = max(0, (1 + rate) ×
    frozen_base − L_m)`` = 1.08 × 1,150,000 − 1,210,000 = 32,000 VND per coefficient point
    (NĐ 47/2016; TT 103/2016/TT-BTC), zero from 2017-07-01 (base 1,300,000). A step rise above
    the threshold ends it from the month of the rise. Not a base of any allowance nor of the
    contributions.
Employer contributions ``rate_m × base_c × covered[p, m]``
    ``base_c = salary + position + tnvk + bao_luu + commune_class_allowance
    (+ nhdkct_allowance)`` (``contributions.base``; Luật BHXH 2014 Điều 89; NĐ 92/2009 and
    TTLT 03/2010 for the commune-class allowance; Luật BHYT; Luật Công đoàn 2012 Điều 26;
    Luật Việc làm 2013 Điều 57) — the regional allowance is not in it; rates
    ``contributions.employer.{bhxh,bhyt,kpcd,bhtn}`` (18 % → 17.5 % BHXH from 2017-06-01,
    NĐ 44/2017); only categories listed in ``contributions.covered_categories``; BHTN only where
    ``bhtn_covered`` (empty: ``contributions.bhtn_default`` of the category).

Rounding
--------
Each component is summed over the twelve months in float64 and rounded **once per person and
year** to the đồng, half up (``floor(x + 0.5)``, with a tolerance of 10⁻⁶ đồng so that binary
floating-point noise cannot turn an exact half down). ``total`` is the exact integer sum
of the rounded components, so totals reconcile to the đồng at every level of aggregation.
``salary_fund_grade`` (the salary fund by grade, step and position: the ``tntt.base`` terms,
salary + position allowance — the base of the TNTT cap, TTLT 71/2014) is the sum of those
rounded components and is not part of ``total``.

Modules
-------
:mod:`khoan.payroll_rates` holds the codes (components, categories) and reads the rates of a
year; :mod:`khoan.payroll_inputs` checks the roster and builds the per-person arrays;
:mod:`khoan.payroll_fullyear` pays the people present all year from prefix sums of the rates;
this module is the engine (:func:`run`, :func:`payroll`) and re-exports their public names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ._callable import make_callable
from .errors import ParameterError
from .payroll_fullyear import COEF_TOL as _COEF_TOL
from .payroll_fullyear import coef_sum as _coef_sum
from .payroll_fullyear import full_year
from .payroll_inputs import (
    Inputs,
    bhtn_covered,
    category_column,
    prepare,
    staffing_mask,
)
from .payroll_rates import (
    BASE_TERMS,
    CATEGORIES,
    COMPONENTS,
    CONTRIBUTION_EXTRA_TERMS,
    CONTRIBUTIONS,
    PAY_COMPONENTS,
    PUBLIC_SERVICE_CATEGORIES,
    STAFFING_CATEGORIES,
    TERM_COMPONENTS,
    Rates,
    bonus_terms,
    contribution_rates,
    grade_terms,
    low_pay_rates,
    monthly_rates,
)
from .periods import ROUND_TOL, msum, round_vnd

#: Names of :mod:`khoan.payroll_rates` and :mod:`khoan.payroll_inputs` are re-exported here (the
#: engine's public surface as before the split).
__all__ = [
    "BASE_TERMS",
    "CATEGORIES",
    "COMPONENTS",
    "CONTRIBUTIONS",
    "CONTRIBUTION_EXTRA_TERMS",
    "PAY_COMPONENTS",
    "PUBLIC_SERVICE_CATEGORIES",
    "STAFFING_CATEGORIES",
    "TERM_COMPONENTS",
    "Inputs",
    "Rates",
    "Run",
    "annual_frame",
    "bhtn_covered",
    "bonus_terms",
    "category_column",
    "contribution_rates",
    "grade_terms",
    "low_pay_rates",
    "month_amounts",
    "monthly_rates",
    "payroll",
    "prepare",
    "round_vnd",
    "run",
    "run_inputs",
    "staffing_mask",
]

_CHUNK = 32_768
#: Share of joiners and leavers up to which everyone goes through the prefix sums (no gathers
#: or scatters of the people present all year; the others' amounts replaced by the matrix's).
_FEW_PARTIAL = 0.1
_NHDKCT = CATEGORIES.index("nhdkct")


@dataclass
class Run:
    """Result of the engine for one year: annual integers per person and commune aggregates."""

    year: int
    inputs: Inputs
    rates: Rates
    annual: dict[str, np.ndarray]  # component -> int64 (n,)
    staffing_days: np.ndarray  # (n_communes, 12) int64: person-days of cadres + civil servants
    #: (n_communes, 12) float: tntt.base terms of staffing (None: not asked, ``run_inputs``)
    grade_fund_monthly: np.ndarray | None
    keys: list[str]
    monthly: dict[str, np.ndarray] | None = None  # component -> (12, n) float when asked
    #: (n_communes, 12) float: ``bonus_fund.base`` terms of staffing; None before NĐ 73/2024
    bonus_base_monthly: np.ndarray | None = None


def month_amounts(
    inp: Inputs, rates: Rates, sl: Any, keep: bool, after: Any = None, *, sums: bool = True
) -> dict[str, Any]:
    """Monthly amounts (12, k) of people ``sl`` (slice or positions); their annual float sums.
    ``after``: (J, 1) bool, rise in force in each of the J months of ``rates`` (people present
    all year only; each month's floats are computed element by element, alone).
    ``sums=False``: without the annual sums (the monthly amounts only, with ``keep``)."""
    b = rates.bounds
    start, end = inp.start[sl], inp.end[sl]
    mdays = (b[1:] - b[:12])[:, None]
    # people present all year (most) have presence 1; only the others need day counts
    part = np.flatnonzero((start > b[0]) | (end < b[12]))
    pres = np.ones((len(rates.base), len(start)))
    lo = np.maximum(start[part][None, :], b[:12, None])
    hi = np.minimum(end[part][None, :], b[1:, None])
    days = np.maximum(hi - lo, 0)
    pres[:, part] = days / mdays if len(part) else 1.0
    bp = rates.base[:, None] * pres
    if after is None:
        after = np.arange(12)[:, None] >= inp.rise_month[sl][None, :]
    coef = np.where(after, inp.coef1[sl][None, :], inp.coef0[sl][None, :])
    tn = np.where(after, inp.tnvk1[sl][None, :], inp.tnvk0[sl][None, :])
    cc = inp.catcode[sl]
    is_nh = (cc == _NHDKCT)[None, :]
    cbp = coef * bp
    sal = np.where(is_nh, 0.0, cbp)
    nh = np.where(is_nh, cbp, 0.0)
    posa = inp.pos[sl][None, :] * bp
    bla = inp.bao_luu[sl][None, :] * bp
    terms: dict[str, np.ndarray] = {"coefficient": cbp, "position_coef": posa, "bao_luu": bla}
    cache: dict[tuple[str, ...], np.ndarray] = {}

    def base_of(names: tuple[str, ...]) -> np.ndarray:
        if names not in cache:
            if not names:
                cache[names] = np.zeros_like(bp)
            else:
                acc = terms[names[0]]
                for t in names[1:]:
                    acc = acc + terms[t]
                cache[names] = acc
        return cache[names]

    tnv = (tn / 100.0) * base_of(rates.bases["tnvk"])
    terms["tnvk"] = tnv
    cache.clear()
    if rates.class_any:
        ce = rates.class_eff
        flat = inp.cidx[sl] * ce.shape[2] + cc  # (commune, category) of each person
        cls = np.take(ce.reshape(len(ce), -1), flat, axis=1) * base_of(
            rates.bases["commune_class_allowance"]
        )
    else:
        cls = np.zeros_like(bp)
    ps = np.take(rates.ps_eff, cc, axis=1) * base_of(rates.bases["public_service_allowance"])
    reg = inp.region[sl][None, :] * bp
    cnames = rates.bases["contributions"]
    cbase = base_of(tuple(t for t in cnames if t in BASE_TERMS))
    if "commune_class_allowance" in cnames:
        cbase = cbase + cls
    if rates.supp_any:
        paid = np.where(coef <= rates.supp_max + _COEF_TOL, coef, 0.0)
        supp = paid * np.take(rates.supp_eff, cc, axis=1) * pres
    else:
        supp = np.zeros_like(bp)
    out = {
        "salary": sal,
        "position_allowance": posa,
        "tnvk": tnv,
        "commune_class_allowance": cls,
        "public_service_allowance": ps,
        "regional_allowance": reg,
        "bao_luu": bla,
        "low_pay_supplement": supp,
        "nhdkct_allowance": nh,
    }
    for c in CONTRIBUTIONS:
        out[c] = np.take(rates.contrib_eff[c], cc, axis=1) * cbase
    out["bhtn"] = np.where(inp.bhtn_flag[sl][None, :], out["bhtn"], 0.0)
    res = {k: msum(v) for k, v in out.items()} if sums else {}
    res["_part"] = part
    res["_days"] = days
    res["_terms"] = terms
    if keep:
        res["_monthly"] = out
        res["_pres"] = pres
        res["_coef"] = coef
        res["_tnvk"] = tn
        res["_base"] = np.broadcast_to(rates.base[:, None], pres.shape)
    return res


def _round_into(dst: np.ndarray, x: np.ndarray, scratch: np.ndarray) -> None:
    """``dst[:] = round_vnd(x)`` through the float array ``scratch`` (may be ``x`` itself,
    which it then overwrites): the same additions, floor and cast, without temporaries."""
    np.add(x, 0.5 + ROUND_TOL, out=scratch)
    np.floor(scratch, out=scratch)
    np.copyto(dst, scratch, casting="unsafe")


def run(model, year: int, staff: pd.DataFrame | None = None, *, keep_monthly: bool = False) -> Run:
    """Compute the payroll of ``year`` (the engine behind :func:`payroll` and the budget).

    People present the whole year are paid through :func:`~khoan.payroll_fullyear.full_year` (prefix sums over the
    months); the others — joiners, leavers — through the month-by-month matrix of
    :func:`month_amounts`, in chunks of people. With ``keep_monthly`` everyone goes through the
    matrix and the monthly amounts are kept.
    """
    year = _check_year(year)
    inp, keys = prepare(model, year, staff)
    return run_inputs(model, year, inp, keys, keep_monthly=keep_monthly)


def run_inputs(
    model,
    year: int,
    inp: Inputs,
    keys: list[str],
    *,
    keep_monthly: bool = False,
    details: bool = True,
    rates: Rates | None = None,
    block: np.ndarray | None = None,
) -> Run:
    """The engine of :func:`run` on a roster already checked and prepared (:func:`prepare`),
    for callers that pay one roster year after year (the scenarios' shared work).

    ``details=False``: only the components (monthly too with ``keep_monthly``) and the
    person-days of staffing — no presence/base/coefficient/TNVK months, no commune funds
    (``grade_fund_monthly``, ``bonus_base_monthly`` None). ``rates``: the year's
    :func:`monthly_rates` when the caller has them. ``block``: a (components + 2, n) int64
    array the annual amounts are written into (``Run.annual`` are its rows), for a caller that
    reuses one year after year (no fresh memory each year).
    """
    if rates is None:
        rates = monthly_rates(model, year)
    gterms = grade_terms(model.params, year)
    bterms = bonus_terms(model.params, year)
    n = inp.n
    ncomm = len(model.communes)
    # one (components + 2, n) int64 block: each component rounded once per person and year
    # (round_vnd) as its group of people is paid; the annual table is built on it
    if block is None or block.shape != (len(COMPONENTS) + 2, n) or block.dtype != np.int64:
        block = np.empty((len(COMPONENTS) + 2, n), dtype=np.int64)
    sdays = np.zeros((ncomm, 12), dtype=np.int64)
    gfund = np.zeros((ncomm, 12))
    bfund = np.zeros((ncomm, 12)) if bterms else None
    funds = [(gterms, gfund)] + ([(bterms, bfund)] if bterms else []) if details else []
    aux = ("_pres", "_coef", "_tnvk", "_base") if details else ()
    monthly = {c: np.zeros((12, n)) for c in (*COMPONENTS, *aux)} if keep_monthly else None
    staffing = staffing_mask(inp)
    mdays = np.diff(rates.bounds)
    b = rates.bounds
    if keep_monthly:
        # everyone, in slices of people (views: no copies of their arrays or months)
        matrix_groups: list[Any] = [slice(a, min(a + _CHUNK, n)) for a in range(0, n, _CHUNK)]
    else:
        whole = (inp.start <= b[0]) & (inp.end >= b[12])
        pidx = np.flatnonzero(~whole)
        matrix_groups = [pidx[a : a + _CHUNK] for a in range(0, len(pidx), _CHUNK)]
        if len(pidx) < n:
            # the people present all year by prefix sums; when the others are few, everyone
            # (the arrays read as they are, no scatter), the others' amounts then replaced by
            # the matrix's below
            every = len(pidx) <= _FEW_PARTIAL * n
            fidx = None if every else np.flatnonzero(whole)
            f = full_year(inp, rates, fidx)
            for i, c in enumerate(COMPONENTS):
                if every:
                    _round_into(block[i], f[c], f[c])  # f[c]: this call's own array
                else:
                    block[i, fidx] = round_vnd(f[c])
            st = staffing & whole if every else staffing[fidx]  # over full_year's people
            if st.any():
                cif = inp.cidx if every else inp.cidx[fidx]
                ci = cif[st]
                sdays += np.bincount(ci, minlength=ncomm)[:, None] * mdays[None, :]
                if funds:
                    # the risers among the staffing (their terms after the rise: ``_terms1``)
                    ris = f["_rise"]
                    sr = st[ris]
                    t1 = {k: v[sr] for k, v in f["_terms1"].items()}
                    nsr = int(sr.sum())
                    rsr = ris[sr]
                    rm = inp.rise_month if every else inp.rise_month[fidx]
                    cir = cif[rsr] * 13 + rm[rsr]
                for names, acc in funds:
                    g0 = _coef_sum(f["_terms0"], names, len(st))
                    g1 = _coef_sum(t1, names, nsr)
                    first = np.bincount(ci, weights=g0[st], minlength=ncomm)
                    # the change at each riser's month (people without a rise inside the year
                    # would only add to a 13th column, which is dropped)
                    step = np.bincount(cir, weights=g1 - g0[rsr], minlength=ncomm * 13)
                    cum = np.cumsum(step.reshape(ncomm, 13), axis=1)[:, :12]
                    acc += rates.base[None, :] * (first[:, None] + cum)
    for sl in matrix_groups:
        if isinstance(sl, np.ndarray) and not len(sl):
            continue
        r = month_amounts(inp, rates, sl, keep_monthly)
        for i, c in enumerate(COMPONENTS):
            block[i, sl] = round_vnd(r[c])
        st = staffing[sl]
        if st.any():
            cis = inp.cidx[sl]
            ci = cis[st]
            # person-days: full months for people present all year, day counts for the others
            part = r["_part"]
            full = st.copy()
            full[part] = False
            sdays += np.bincount(cis[full], minlength=ncomm)[:, None] * mdays[None, :]
            pst = st[part]
            if pst.any():
                pflat = (cis[part][pst][None, :] + ncomm * np.arange(12)[:, None]).ravel()
                sdays += (
                    np.rint(
                        np.bincount(pflat, weights=r["_days"][:, pst].ravel(), minlength=12 * ncomm)
                    )
                    .astype(np.int64)
                    .reshape(12, ncomm)
                    .T
                )
            flat = (ci[None, :] + ncomm * np.arange(12)[:, None]).ravel()
            for names, acc in funds:
                g = r["_terms"][names[0]][:, st] if names else np.zeros((12, len(ci)))
                for term in names[1:]:
                    g = g + r["_terms"][term][:, st]
                acc += (
                    np.bincount(flat, weights=g.ravel(), minlength=12 * ncomm).reshape(12, ncomm).T
                )
        if monthly is not None:
            for c in COMPONENTS:
                monthly[c][:, sl] = r["_monthly"][c]
            for c in aux:
                monthly[c][:, sl] = r[c]
    annual = {c: block[i] for i, c in enumerate(COMPONENTS)}
    gf = block[len(COMPONENTS)]
    gc = [c for term in gterms for c in TERM_COMPONENTS[term]]
    if gc:
        gf[:] = annual[gc[0]]
        for c in gc[1:]:
            gf += annual[c]
    else:
        gf[:] = 0
    annual["salary_fund_grade"] = gf
    # integer sums: row by row (faster than a strided sum over the block's first axis)
    total = block[len(COMPONENTS) + 1]
    total[:] = block[0]
    for i in range(1, len(COMPONENTS)):
        total += block[i]
    annual["total"] = total
    keys = [*keys, *rates.keys, "tntt.base"]
    if not details:
        gfund, bfund = None, None
    return Run(year, inp, rates, annual, sdays, gfund, keys, monthly, bonus_base_monthly=bfund)


def _check_year(year: Any) -> int:
    try:
        y = int(year)
    except (TypeError, ValueError):
        raise ParameterError(f"year must be a whole number, not {year!r}") from None
    if y != year or not 1900 <= y <= 2200:
        raise ParameterError(f"year {year!r} is not a calendar year")
    return y


def payroll(
    model, year: int, *, staff: pd.DataFrame | None = None, monthly: bool = False
) -> pd.DataFrame:
    """Annual (or monthly) pay of every person on the roster, in VND.

    Parameters
    ----------
    model : khoan.Model
        The province model (communes give each person's class and regional coefficient).
    year : int
        Calendar year; every parameter is taken month by month as in force.
    staff : DataFrame, optional
        A roster to pay instead of ``model.staff`` (same schema), e.g. a scenario's.
    monthly : bool
        Return the long person × month table instead (see below).

    Returns
    -------
    DataFrame
        Annual (default): one row per person, index ``id``; columns ``commune``, ``category``,
        the components :data:`COMPONENTS` (VND/year, int64), ``salary_fund_grade`` (salary +
        position allowance, VND/year) and ``total`` (VND/year, the exact sum of the
        components). People not present in the year keep their row, with zeros.

        Monthly: one row per person and month (``id``, ``commune``, ``category``, ``month``
        1–12, ``presence`` share of the month, ``base_salary`` VND/month, ``coefficient``,
        ``tnvk_pct``), the components and ``total`` as unrounded float VND/month. The annual
        table is the per-person sum of these, rounded once per component.

    Raises
    ------
    ValidationError
        The roster has an unknown commune, category or grade (missing from the scales) or a
        missing coefficient — listing each row.
    ParameterError
        ``year`` lies outside the parameters' coverage.

    Notes
    -----
    The rules, their legal references and the rounding follow (the module's documentation).
    """
    r = run(model, year, staff, keep_monthly=monthly)
    inp = r.inputs
    if monthly:
        mon = r.monthly
        assert mon is not None
        n = inp.n
        data: dict[str, Any] = {
            "id": np.repeat(inp.ids.to_numpy(), 12),
            "commune": np.repeat(inp.commune.to_numpy(), 12),
            "category": pd.Categorical.from_codes(np.repeat(inp.catcode, 12), CATEGORIES),
            "month": np.tile(np.arange(1, 13), n),
            "presence": mon["_pres"].T.ravel(),
            "base_salary": mon["_base"].T.ravel(),
            "coefficient": mon["_coef"].T.ravel(),
            "tnvk_pct": mon["_tnvk"].T.ravel(),
        }
        total = np.zeros(12 * n)
        for c in COMPONENTS:
            v = mon[c].T.ravel()
            data[c] = v
            total = total + v
        data["total"] = total
        df = pd.DataFrame(data)
        df.attrs.update({"year": r.year, "unit": "VND/month (float, unrounded)"})
        return df
    return annual_frame(r)


def annual_frame(r: Run) -> pd.DataFrame:
    """The annual per-person table of :func:`payroll` from an engine run."""
    inp = r.inputs
    names = [*COMPONENTS, "salary_fund_grade", "total"]
    block = r.annual["salary"].base
    if block is None or block.shape != (len(names), inp.n):  # pragma: no cover - defensive
        block = np.vstack([r.annual[c] for c in names])
    df = pd.DataFrame(block.T, columns=names, index=pd.Index(inp.ids, name="id"), copy=False)
    df.insert(0, "category", category_column(inp))
    df.insert(0, "commune", inp.commune.array)
    df.attrs.update({"year": r.year, "unit": "VND/year"})
    return df


# ``khoan.payroll`` is this function at the package level: carry the rules in its help.
payroll.__doc__ = (payroll.__doc__ or "") + "\n" + (__doc__ or "")


make_callable(__name__, f"{__name__}:payroll")  # khoan.payroll(model, year) is payroll()
