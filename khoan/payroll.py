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
year; :mod:`khoan.payroll_inputs` checks the roster and builds the per-person arrays; this
module is the engine (:func:`run`, :func:`payroll`) and re-exports their public names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ._callable import make_callable
from .errors import ParameterError
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
#: Tolerance of the comparison of a salary coefficient with the NĐ 17/2015 threshold (2.34).
_COEF_TOL = 5e-4
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
    inp: Inputs, rates: Rates, sl: Any, keep: bool, after: Any = None
) -> dict[str, Any]:
    """Monthly amounts (12, k) of people ``sl`` (slice or positions); their annual float sums.
    ``after``: (J, 1) bool, rise in force in each of the J months of ``rates`` (people present
    all year only; each month's floats are computed element by element, alone)."""
    return _month_amounts(inp, rates, sl, keep, after)


def _month_amounts(
    inp: Inputs, rates: Rates, sl: Any, keep: bool, after: Any = None, sums: bool = True
) -> dict[str, Any]:
    """:func:`month_amounts`; ``sums=False``: without the annual sums (the monthly amounts
    only, with ``keep``)."""
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


def _prefix(u: np.ndarray) -> np.ndarray:
    """Prefix sums over the month axis: ``out[r] = Σ_{m<r} u[m]``, shape (13, ...)."""
    out = np.zeros((13, *u.shape[1:]))
    np.cumsum(u, axis=0, out=out[1:])
    return out


def _coef_sum(terms: dict[str, np.ndarray], names: tuple[str, ...], n: int) -> np.ndarray:
    """Sum of the named coefficient terms, in order (0 when none)."""
    if not names:
        return np.zeros(n)
    acc = terms[names[0]]
    for t in names[1:]:
        acc = acc + terms[t]
    return acc


def _fullyear(inp: Inputs, rates: Rates, idx: np.ndarray | None) -> dict[str, np.ndarray]:
    """Annual amounts of people present the whole year (no month-by-month matrix).

    For them every monthly amount is a per-person coefficient ``K`` (``K0`` before the step
    rise, ``K1`` from its month on) times a monthly rate that depends only on the month, the
    category and the commune (``u[m]``, base salary included), so the annual amount is
    ``K0 × Σ_{m<r} u[m] + K1 × Σ_{m≥r} u[m]`` — the same sum as month by month, read from
    prefix sums of ``u``.

    Without a rise inside the year (``r = 12``, most people) the second term is ``K1 × 0``:
    they take ``K0 × Σ u`` (the same float), and only the risers are computed with both terms.
    A rate that is zero in every month for a category (the commune-class allowance outside its
    categories) gives zero: only the people of the other categories are computed.
    ``_terms1`` holds the risers' terms only (positions ``_rise`` in ``idx``). ``idx`` None:
    everyone, in roster order (the arrays read as they are).
    """
    sel: Any = slice(None) if idx is None else idx
    n = inp.n if idx is None else len(idx)
    base = rates.base
    r = inp.rise_month[sel]
    k = inp.catcode[sel]
    ci = inp.cidx[sel]
    c0 = inp.coef0[sel]
    pos, bl = inp.pos[sel], inp.bao_luu[sel]
    ris = np.flatnonzero(r < 12)  # the people whose step rise falls inside the year (few)
    nr = len(ris)
    idr = ris if idx is None else idx[ris]
    terms0 = {"coefficient": c0, "position_coef": pos, "bao_luu": bl}
    terms1 = {"coefficient": inp.coef1[idr], "position_coef": pos[ris], "bao_luu": bl[ris]}
    tb = rates.bases["tnvk"]
    terms0["tnvk"] = (inp.tnvk0[sel] / 100.0) * _coef_sum(terms0, tb, n)
    terms1["tnvk"] = (inp.tnvk1[idr] / 100.0) * _coef_sum(terms1, tb, nr)
    sums: dict[Any, tuple[np.ndarray, np.ndarray]] = {}

    def coefs(names: tuple[str, ...] | str) -> tuple[np.ndarray, np.ndarray]:
        """K0 of everyone and K1 of the risers."""
        if names not in sums:
            if isinstance(names, str):
                return terms0[names], terms1[names]
            sums[names] = _coef_sum(terms0, names, n), _coef_sum(terms1, names, nr)
        return sums[names]

    rr, kr = r[ris].astype(np.int64), k[ris].astype(np.int64)

    def seg(names: tuple[str, ...] | str, p: np.ndarray, at_t: Any, at_f: Any) -> np.ndarray:
        """``K0 × P[r] + K1 × (P[12] − P[r])`` of everyone from the prefix sums ``p``
        (``at_t(p)``: P[12] of everyone, ``at_f(p)``: P[r] of the risers)."""
        k0, k1 = coefs(names)
        pt = at_t(p)
        out = k0 * pt
        if nr:
            pb = at_f(p)
            ptr = pt[ris] if isinstance(pt, np.ndarray) else pt
            out[ris] = k0[ris] * pb + k1 * (ptr - pb)
        return out

    # flat positions in the (13, 4) prefix sums by category: [12, k] and the risers' [r, k]
    nk = rates.ps_eff.shape[1]
    t2, f2 = 12 * nk + k.astype(np.int64), rr * nk + kr

    def at2t(p: np.ndarray) -> np.ndarray:
        return np.take(p.ravel(), t2)

    def at2f(p: np.ndarray) -> np.ndarray:
        return np.take(p.ravel(), f2)

    pb_base = _prefix(base)
    total = pb_base[12]
    cb = seg("coefficient", pb_base, lambda p: p[12], lambda p: p[rr])
    is_nh = k == _NHDKCT
    out = {
        "salary": np.where(is_nh, 0.0, cb),
        "nhdkct_allowance": np.where(is_nh, cb, 0.0),
        "position_allowance": pos * total,
        "tnvk": seg("tnvk", pb_base, lambda p: p[12], lambda p: p[rr]),
        "bao_luu": bl * total,
        "regional_allowance": inp.region[sel] * total,
    }
    # the commune-class allowance: its categories only (zero elsewhere), by (commune, category)
    ccat = np.flatnonzero(rates.class_eff.any(axis=(0, 1))) if rates.class_any else []
    cls_names = rates.bases["commune_class_allowance"]
    if len(ccat):
        ce = rates.class_eff[:, :, ccat]
        nc, ncc = ce.shape[1], len(ccat)
        kk = np.full(nk, -1, dtype=np.int64)
        kk[ccat] = np.arange(ncc)
        csel = np.flatnonzero(kk[k] >= 0)  # the people of those categories
        rsel = np.flatnonzero(r[csel] < 12)  # their risers, among them
        pos3 = ci[csel].astype(np.int64) * ncc + kk[k[csel]]
        t3, f3 = 12 * nc * ncc + pos3, r[csel][rsel].astype(np.int64) * nc * ncc + pos3[rsel]
        k0c, _ = coefs(cls_names)
        k0c = k0c[csel]
        # K1 of the selected risers: their rank among all the risers
        k1c = coefs(cls_names)[1][np.searchsorted(ris, csel[rsel])]

        def cls_seg(p: np.ndarray) -> np.ndarray:
            pf = p.ravel()
            pt = np.take(pf, t3)
            o = k0c * pt
            if len(rsel):
                pb = np.take(pf, f3)
                o[rsel] = k0c[rsel] * pb + k1c * (pt[rsel] - pb)
            return o

        cls = np.zeros(n)
        cls[csel] = cls_seg(_prefix(ce * base[:, None, None]))
        out["commune_class_allowance"] = cls
    else:
        out["commune_class_allowance"] = np.zeros(n)
    pp = _prefix(rates.ps_eff * base[:, None])
    out["public_service_allowance"] = seg(rates.bases["public_service_allowance"], pp, at2t, at2f)
    if rates.supp_any:
        mx = rates.supp_max + _COEF_TOL
        k0 = np.where(c0 <= mx, c0, 0.0)
        c1r = terms1["coefficient"]
        sums["_supp"] = k0, np.where(c1r <= mx, c1r, 0.0)
        out["low_pay_supplement"] = seg("_supp", _prefix(rates.supp_eff), at2t, at2f)
    else:
        out["low_pay_supplement"] = np.zeros(n)
    cnames = rates.bases["contributions"]
    coef_names = tuple(t for t in cnames if t in BASE_TERMS)
    with_class = "commune_class_allowance" in cnames and len(ccat) > 0
    for c in CONTRIBUTIONS:
        pcon = _prefix(rates.contrib_eff[c] * base[:, None])
        out[c] = seg(coef_names, pcon, at2t, at2f)
        if with_class:
            # the commune-class allowance in the base: rate × class rate × its own base terms
            pcc = _prefix(rates.contrib_eff[c][:, None, ccat] * ce * base[:, None, None])
            out[c][csel] = out[c][csel] + cls_seg(pcc)
    out["bhtn"] = np.where(inp.bhtn_flag[sel], out["bhtn"], 0.0)
    out["_terms0"] = terms0  # type: ignore[assignment]
    out["_terms1"] = terms1  # type: ignore[assignment]
    out["_rise"] = ris
    return out


def run(model, year: int, staff: pd.DataFrame | None = None, *, keep_monthly: bool = False) -> Run:
    """Compute the payroll of ``year`` (the engine behind :func:`payroll` and the budget).

    People present the whole year are paid through :func:`_fullyear` (prefix sums over the
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
) -> Run:
    """The engine of :func:`run` on a roster already checked and prepared (:func:`prepare`),
    for callers that pay one roster year after year (the scenarios' shared work).

    ``details=False``: only the components (monthly too with ``keep_monthly``) and the
    person-days of staffing — no presence/base/coefficient/TNVK months, no commune funds
    (``grade_fund_monthly``, ``bonus_base_monthly`` None). ``rates``: the year's
    :func:`monthly_rates` when the caller has them.
    """
    return _run_inputs(
        model, year, inp, keys, keep_monthly=keep_monthly, details=details, rates=rates
    )


def _run_inputs(
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
    """:func:`run_inputs`; ``block``: a (components + 2, n) int64 array to write the annual
    amounts into (a caller paying year after year reuses one: no fresh pages each year)."""
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
            every = 4 * len(pidx) <= n
            fidx = None if every else np.flatnonzero(whole)
            f = _fullyear(inp, rates, fidx)
            for i, c in enumerate(COMPONENTS):
                if every:
                    _round_into(block[i], f[c], f[c])  # f[c]: this call's own array
                else:
                    block[i, fidx] = round_vnd(f[c])
            st = staffing & whole if every else staffing[fidx]  # over _fullyear's people
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
