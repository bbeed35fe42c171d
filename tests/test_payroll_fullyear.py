"""The full-year people's shortcut of the payroll engine (``payroll_fullyear.full_year``)
computes the plain prefix-sum formula bit for bit.

The reference below is the formula written once for everyone, ``K0 × P[r] + K1 × (P[12] − P[r])``
with every prefix sum over all categories; the engine takes ``K0 × P[12]`` for the people without
a rise inside the year (``K1 × 0`` vanishes), computes the risers alone and the commune-class
allowance only for its categories. Floats are compared with ``array_equal`` (no tolerance), and
the commune funds of :func:`khoan.payroll.run_inputs` (``details``) against the same reference.
"""

from __future__ import annotations

import dataclasses
import importlib

import numpy as np
import pytest

import khoan.examples
from khoan.payroll_fullyear import COEF_TOL, full_year
from khoan.payroll_fullyear import coef_sum as _coef_sum
from khoan.payroll_inputs import take
from khoan.payroll_rates import BASE_TERMS, CONTRIBUTIONS, bonus_terms, grade_terms

P = importlib.import_module("khoan.payroll")


def _reference(inp, rates, idx):
    """The formula for everyone, as it was written before the shortcut."""
    n = len(idx)
    base = rates.base
    r, k, ci = inp.rise_month[idx], inp.catcode[idx], inp.cidx[idx]
    c0, c1 = inp.coef0[idx], inp.coef1[idx]
    pos, bl = inp.pos[idx], inp.bao_luu[idx]
    t0 = {"coefficient": c0, "position_coef": pos, "bao_luu": bl}
    t1 = {"coefficient": c1, "position_coef": pos, "bao_luu": bl}
    tb = rates.bases["tnvk"]
    t0["tnvk"] = (inp.tnvk0[idx] / 100.0) * _coef_sum(t0, tb, n)
    t1["tnvk"] = (inp.tnvk1[idx] / 100.0) * _coef_sum(t1, tb, n)

    def seg(names, pb, pt):
        if isinstance(names, str):
            k0, k1 = t0[names], t1[names]
        else:
            k0, k1 = _coef_sum(t0, names, n), _coef_sum(t1, names, n)
        return k0 * pb + k1 * (pt - pb)

    def prefix(u):
        out = np.zeros((13, *u.shape[1:]))
        np.cumsum(u, axis=0, out=out[1:])
        return out

    nk, nc = rates.ps_eff.shape[1], rates.class_eff.shape[1]
    r64, k64 = r.astype(np.int64), k.astype(np.int64)
    f2, t2 = r64 * nk + k64, 12 * nk + k64
    f3, t3 = (r64 * nc + ci) * nk + k64, (12 * nc + ci) * nk + k64

    def at(a, flat):
        return np.take(a.ravel(), flat)

    pbb = prefix(base)
    before, total = pbb[r], pbb[12]
    cb = seg("coefficient", before, total)
    is_nh = k == P.CATEGORIES.index("nhdkct")
    out = {
        "salary": np.where(is_nh, 0.0, cb),
        "nhdkct_allowance": np.where(is_nh, cb, 0.0),
        "position_allowance": pos * total,
        "tnvk": seg("tnvk", before, total),
        "bao_luu": bl * total,
        "regional_allowance": inp.region[idx] * total,
    }
    pc = prefix(rates.class_eff * base[:, None, None])
    out["commune_class_allowance"] = seg(
        rates.bases["commune_class_allowance"], at(pc, f3), at(pc, t3)
    )
    pp = prefix(rates.ps_eff * base[:, None])
    out["public_service_allowance"] = seg(
        rates.bases["public_service_allowance"], at(pp, f2), at(pp, t2)
    )
    mx = rates.supp_max + COEF_TOL
    k0, k1 = np.where(c0 <= mx, c0, 0.0), np.where(c1 <= mx, c1, 0.0)
    ps = prefix(rates.supp_eff)
    sb = at(ps, f2)
    out["low_pay_supplement"] = k0 * sb + k1 * (at(ps, t2) - sb)
    cn = rates.bases["contributions"]
    names = tuple(t for t in cn if t in BASE_TERMS)
    for c in CONTRIBUTIONS:
        pcon = prefix(rates.contrib_eff[c] * base[:, None])
        out[c] = seg(names, at(pcon, f2), at(pcon, t2))
        if "commune_class_allowance" in cn:
            pcc = prefix(rates.contrib_eff[c][:, None, :] * rates.class_eff * base[:, None, None])
            out[c] = out[c] + seg(rates.bases["commune_class_allowance"], at(pcc, f3), at(pcc, t3))
    out["bhtn"] = np.where(inp.bhtn_flag[idx], out["bhtn"], 0.0)
    return out, t0, t1


def _funds(inp, rates, idx, t0, t1, names, ncomm):
    """The commune funds of the full-year staffing, as computed before the shortcut."""
    st = P.staffing_mask(inp)[idx]
    ci = inp.cidx[idx][st]
    r = inp.rise_month[idx][st]
    g0 = _coef_sum({k: v[st] for k, v in t0.items()}, names, len(ci))
    g1 = _coef_sum({k: v[st] for k, v in t1.items()}, names, len(ci))
    first = np.bincount(ci, weights=g0, minlength=ncomm)
    step = np.bincount(ci * 13 + r, weights=g1 - g0, minlength=ncomm * 13)
    cum = np.cumsum(step.reshape(ncomm, 13), axis=1)[:, :12]
    return rates.base[None, :] * (first[:, None] + cum)


@pytest.fixture(scope="module")
def kh2016():
    return khoan.examples.load("khanh_hoa_2016")


# 2016: commune-class allowance and the NĐ 17/2015 supplement; 2019: the class allowance
# abolished on 25 June; 2023: none of them; 2025: the NĐ 73/2024 bonus fund
@pytest.mark.parametrize("year", [2016, 2019, 2023, 2025])
def test_fullyear_is_the_plain_formula(kh2016, year):
    inp, keys = P.prepare(kh2016, year)
    n = inp.n
    rng = np.random.default_rng(year)
    # risers in every month (and none), coefficients across the NĐ 17/2015 threshold
    rise = np.where(rng.random(n) < 0.4, rng.integers(0, 12, n), 12)
    coef1 = np.where(rise < 12, inp.coef0 + rng.choice([0.0, 0.2, 0.33], n), inp.coef0)
    tnvk1 = np.where(rise < 12, inp.tnvk0 + rng.choice([0.0, 1.0, 5.0], n), inp.tnvk0)
    rates = P.monthly_rates(kh2016, year)
    b = rates.bounds
    inp = dataclasses.replace(
        inp,
        rise_month=rise,
        coef1=coef1,
        tnvk1=tnvk1,
        start=np.full(n, b[0], dtype=inp.start.dtype),
        end=np.full(n, b[12], dtype=inp.end.dtype),
    )
    assert (rise < 12).any() and (rise == 12).any()
    if year == 2016:
        assert rates.class_any and rates.supp_any
    idx = np.flatnonzero(rng.random(n) < 0.8)  # a subset, in order
    got = full_year(inp, rates, idx)
    ref = _reference(inp, rates, idx)[0]
    for c in P.COMPONENTS:
        assert got[c].dtype == ref[c].dtype and np.array_equal(got[c], ref[c]), c
    # the engine's run: the annual amounts rounded from those floats, the funds as before
    run = P.run_inputs(kh2016, year, inp, keys, rates=rates)
    everyone, a0, a1 = _reference(inp, rates, np.arange(n))
    for c in P.COMPONENTS:
        assert np.array_equal(run.annual[c], P.round_vnd(everyone[c])), c
    ncomm = len(kh2016.communes)
    gt = grade_terms(kh2016.params, year)
    assert np.array_equal(
        run.grade_fund_monthly, _funds(inp, rates, np.arange(n), a0, a1, gt, ncomm)
    )
    bt = bonus_terms(kh2016.params, year)
    if year == 2025:
        assert bt
    if bt:
        ref_b = _funds(inp, rates, np.arange(n), a0, a1, bt, ncomm)
        assert np.array_equal(run.bonus_base_monthly, ref_b)


@pytest.mark.parametrize("share", [0.05, 0.6])
@pytest.mark.parametrize("year", [2016, 2025])
def test_run_inputs_mixed_presence_is_its_two_groups(kh2016, year, share):
    # joiners and leavers among people present all year: few of them (everyone goes through
    # the prefix sums, the others' amounts replaced by the matrix's) or many (the full-year
    # people gathered): each person's amounts, the person-days and the commune funds are those
    # of the two groups paid apart (the full-year group checked against the formula above)
    inp, keys = P.prepare(kh2016, year)
    n = inp.n
    rng = np.random.default_rng(7)
    rates = P.monthly_rates(kh2016, year)
    b = rates.bounds
    part = rng.random(n) < share
    start = np.where(part, b[0] + rng.integers(1, 300, n), b[0] - 5)
    end = np.where(part & (rng.random(n) < 0.5), b[12] - rng.integers(1, 60, n), b[12] + 3)
    rise = np.where(rng.random(n) < 0.3, rng.integers(0, 12, n), 12)
    inp = dataclasses.replace(
        inp,
        start=start.astype(inp.start.dtype),
        end=end.astype(inp.end.dtype),
        rise_month=rise,
        coef1=np.where(rise < 12, inp.coef0 + 0.33, inp.coef0),
    )
    whole = np.flatnonzero(~part)
    partial = np.flatnonzero(part)
    assert 0 < len(partial) < P._CHUNK
    mixed = P.run_inputs(kh2016, year, inp, keys, rates=rates)
    rw = P.run_inputs(kh2016, year, take(inp, whole), keys, rates=rates)
    rp = P.run_inputs(kh2016, year, take(inp, partial), keys, rates=rates)
    ref = _reference(inp, rates, whole)[0]
    for c in [*P.COMPONENTS, "salary_fund_grade", "total"]:
        assert np.array_equal(mixed.annual[c][whole], rw.annual[c]), c
        assert np.array_equal(mixed.annual[c][partial], rp.annual[c]), c
        if c in P.COMPONENTS:
            assert np.array_equal(rw.annual[c], P.round_vnd(ref[c])), c
    assert np.array_equal(mixed.staffing_days, rw.staffing_days + rp.staffing_days)
    assert np.array_equal(mixed.grade_fund_monthly, rw.grade_fund_monthly + rp.grade_fund_monthly)
    if year == 2025:
        assert np.array_equal(
            mixed.bonus_base_monthly, rw.bonus_base_monthly + rp.bonus_base_monthly
        )
