"""The payroll of the people present the whole year, from prefix sums of the monthly rates.

For a person present all twelve months every monthly amount of :mod:`khoan.payroll` (rules and
legal references there) is a per-person coefficient times a rate of the month, the category and
the commune, so the year's float sum is read from prefix sums of the rates instead of a
months × people matrix (:func:`full_year`); the engine (:func:`khoan.payroll.run_inputs`)
rounds it as it rounds the matrix's sums. Money is VND (float, unrounded here).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .payroll_inputs import Inputs
from .payroll_rates import BASE_TERMS, CATEGORIES, CONTRIBUTIONS, Rates

__all__ = ["COEF_TOL", "coef_sum", "full_year", "prefix"]

#: Tolerance of the comparison of a salary coefficient with the NĐ 17/2015 threshold (2.34).
COEF_TOL = 5e-4
_NHDKCT = CATEGORIES.index("nhdkct")


def prefix(u: np.ndarray) -> np.ndarray:
    """Prefix sums over the month axis: ``out[r] = Σ_{m<r} u[m]``, shape (13, ...)."""
    out = np.zeros((13, *u.shape[1:]))
    np.cumsum(u, axis=0, out=out[1:])
    return out


def coef_sum(terms: dict[str, np.ndarray], names: tuple[str, ...], n: int) -> np.ndarray:
    """Sum of the named coefficient terms, in order (0 when none)."""
    if not names:
        return np.zeros(n)
    acc = terms[names[0]]
    for t in names[1:]:
        acc = acc + terms[t]
    return acc


def full_year(inp: Inputs, rates: Rates, idx: np.ndarray | None) -> dict[str, np.ndarray]:
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
    terms0["tnvk"] = (inp.tnvk0[sel] / 100.0) * coef_sum(terms0, tb, n)
    terms1["tnvk"] = (inp.tnvk1[idr] / 100.0) * coef_sum(terms1, tb, nr)
    sums: dict[Any, tuple[np.ndarray, np.ndarray]] = {}

    def coefs(names: tuple[str, ...] | str) -> tuple[np.ndarray, np.ndarray]:
        """K0 of everyone and K1 of the risers."""
        if names not in sums:
            if isinstance(names, str):
                return terms0[names], terms1[names]
            sums[names] = coef_sum(terms0, names, n), coef_sum(terms1, names, nr)
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

    pb_base = prefix(base)
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
        cls[csel] = cls_seg(prefix(ce * base[:, None, None]))
        out["commune_class_allowance"] = cls
    else:
        out["commune_class_allowance"] = np.zeros(n)
    pp = prefix(rates.ps_eff * base[:, None])
    out["public_service_allowance"] = seg(rates.bases["public_service_allowance"], pp, at2t, at2f)
    if rates.supp_any:
        mx = rates.supp_max + COEF_TOL
        k0 = np.where(c0 <= mx, c0, 0.0)
        c1r = terms1["coefficient"]
        sums["_supp"] = k0, np.where(c1r <= mx, c1r, 0.0)
        out["low_pay_supplement"] = seg("_supp", prefix(rates.supp_eff), at2t, at2f)
    else:
        out["low_pay_supplement"] = np.zeros(n)
    cnames = rates.bases["contributions"]
    coef_names = tuple(t for t in cnames if t in BASE_TERMS)
    with_class = "commune_class_allowance" in cnames and len(ccat) > 0
    for c in CONTRIBUTIONS:
        pcon = prefix(rates.contrib_eff[c] * base[:, None])
        out[c] = seg(coef_names, pcon, at2t, at2f)
        if with_class:
            # the commune-class allowance in the base: rate × class rate × its own base terms
            pcc = prefix(rates.contrib_eff[c][:, None, ccat] * ce * base[:, None, None])
            out[c][csel] = out[c][csel] + cls_seg(pcc)
    out["bhtn"] = np.where(inp.bhtn_flag[sel], out["bhtn"], 0.0)
    out["_terms0"] = terms0  # type: ignore[assignment]
    out["_terms1"] = terms1  # type: ignore[assignment]
    out["_rise"] = ris
    return out
