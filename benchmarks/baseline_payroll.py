"""A straightforward per-person Python loop of the payroll and budget rules (the baseline).

Same rules as :mod:`khoan.payroll` and :mod:`khoan.budget`, written the way a spreadsheet
formula would be translated: one row at a time, one month at a time, with Python floats. The
parameters are read once with the engine's own helpers (they are not per-person work), so the
two implementations see the same monthly rates; every per-person and per-commune step is plain
Python here. The floating-point operations are done in the same order as in the vectorised
engine, so both agree to the đồng (``benchmarks/bench_payroll.py`` asserts it).
"""

from __future__ import annotations

import datetime as _dt
import math

import pandas as pd

from khoan.lumpsum import COMPONENTS as BUDGET_COMPONENTS
from khoan.lumpsum import operating_norm, vacancy_rates
from khoan.payroll import (
    CATEGORIES,
    COMPONENTS,
    CONTRIBUTIONS,
    STAFFING_CATEGORIES,
    monthly_rates,
)
from khoan.periods import cut_segments

__all__ = ["baseline"]

_TOL = 0.5 + 1e-6
_EPOCH = _dt.date(1970, 1, 1)


def segments(p, keys, year):
    """(entry indices, month weights) of ``keys`` in ``year`` (the reference reads raw entries)."""
    return cut_segments([p.parameter(k) for k in keys], year)


def _round(x: float) -> int:
    return math.floor(x + _TOL)


def _day(v) -> int | None:
    if v is None or pd.isna(v):
        return None
    return (pd.Timestamp(v).date() - _EPOCH).days


def _num(v, default=0.0) -> float:
    if v is None or pd.isna(v):
        return default
    return float(v)


def baseline(model, year: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Payroll (one row per person) and lump sum (one row per commune), by a Python loop.

    Returns
    -------
    (payroll, budget) : DataFrames
        ``payroll`` indexed by ``id`` with the payroll components and ``total``;
        ``budget`` with ``code`` and the lump-sum components and ``total`` (int VND).
    """
    p = model.params
    jan1 = _dt.date(year, 1, 1)
    scales = p.value("salary.scales", jan1)
    untrained = p.value("salary.cadre_untrained", jan1)
    tnvk_p = p.value("allowances.tnvk", jan1)
    bhtn_default = p.value("contributions.bhtn_default", jan1)
    rates = monthly_rates(model, year)
    base = [float(x) for x in rates.base]
    bounds = [int(x) for x in rates.bounds]
    mdays = [bounds[m + 1] - bounds[m] for m in range(12)]
    terms_of = rates.bases
    codes = model.communes["code"].astype(str).tolist()
    cpos = {c: i for i, c in enumerate(codes)}
    region_c = [_num(v) for v in model.communes["region_coef"]]
    k_of = {c: i for i, c in enumerate(CATEGORIES)}
    class_eff = rates.class_eff.tolist()  # [m][commune][k]
    class_any = rates.class_any
    ps_eff = rates.ps_eff.tolist()
    con_eff = {c: rates.contrib_eff[c].tolist() for c in CONTRIBUTIONS}
    supp_eff = rates.supp_eff.tolist()  # [m][k] NĐ 17/2015, VND per coefficient point
    supp_any, supp_max = rates.supp_any, rates.supp_max + 5e-4
    cterms = tuple(t for t in terms_of["contributions"] if t != "commune_class_allowance")
    class_in_cb = "commune_class_allowance" in terms_of["contributions"]
    staffing = set(STAFFING_CATEGORIES)
    nc = len(codes)

    out_rows = []
    ids = []
    staff_days = [[0] * 12 for _ in range(nc)]
    sf = [0] * nc
    contrib = [0] * nc
    for row in model.staff.itertuples(index=False):
        cat = row.category
        k = k_of[cat]
        ci = cpos[str(row.commune)]
        coef0 = float(row.coefficient)
        pos = _num(getattr(row, "position_coef", 0.0))
        tn0 = _num(getattr(row, "tnvk_pct", 0.0))
        bl = _num(getattr(row, "bao_luu", 0.0))
        step = _num(getattr(row, "step", None), float("nan"))
        grade = getattr(row, "grade", None)
        grade = None if grade is None or pd.isna(grade) else grade
        # step rise inside the year
        coef1, tn1, rise = coef0, tn0, 12
        nd = getattr(row, "next_step_date", None)
        if nd is not None and not pd.isna(nd):
            d = pd.Timestamp(nd).date()
            if d.year == year:
                rise = d.month - 1
                if grade in scales:
                    sc = scales[grade]
                    first, inc, top = float(sc["first"]), float(sc["increment"]), int(sc["steps"])
                    s = step if not math.isnan(step) else round((coef0 - first) / inc) + 1
                    if s < top:
                        coef1 = coef0 + inc
                    elif tn0 > 0:
                        tn1 = tn0 + float(tnvk_p["increment_pct"])
                    else:
                        tn1 = float(tnvk_p["start_pct"])
                elif grade == "cadre_untrained":
                    s1, s2 = untrained[row.position]
                    at1 = (
                        abs(coef0 - float(s1)) <= 5e-4 + 1e-8 * abs(float(s1))
                        if math.isnan(step)
                        else step == 1
                    )
                    if at1:
                        coef1 = float(s2)
        start = _day(getattr(row, "start_date", None))
        end = _day(getattr(row, "end_date", None))
        end = None if end is None else end + 1
        flag = getattr(row, "bhtn_covered", None)
        if flag is None or pd.isna(flag):
            flag = bool(bhtn_default.get(cat, False))
        sums = dict.fromkeys(COMPONENTS, 0.0)
        for m in range(12):
            lo = bounds[m] if start is None else max(start, bounds[m])
            hi = bounds[m + 1] if end is None else min(end, bounds[m + 1])
            days = max(hi - lo, 0)
            pres = days / mdays[m]
            bp = base[m] * pres
            after = m >= rise
            coef = coef1 if after else coef0
            tn = tn1 if after else tn0
            cbp = coef * bp
            sal = 0.0 if cat == "nhdkct" else cbp
            nh = cbp if cat == "nhdkct" else 0.0
            posa = pos * bp
            bla = bl * bp
            terms = {"coefficient": cbp, "position_coef": posa, "bao_luu": bla}

            def add(names, terms=terms):
                acc = terms[names[0]]
                for t in names[1:]:
                    acc = acc + terms[t]
                return acc

            tnv = (tn / 100.0) * add(terms_of["tnvk"])
            terms["tnvk"] = tnv
            cls = (
                class_eff[m][ci][k] * add(terms_of["commune_class_allowance"]) if class_any else 0.0
            )
            # ps_eff is 0 for categories without the allowance (as in the engine)
            ps = ps_eff[m][k] * add(terms_of["public_service_allowance"])
            reg = region_c[ci] * bp
            cb = add(cterms)
            if class_in_cb:
                cb = cb + cls
            supp = coef * supp_eff[m][k] * pres if supp_any and coef <= supp_max else 0.0
            month = {
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
                month[c] = con_eff[c][m][k] * cb
            if not flag:
                month["bhtn"] = 0.0
            for c in COMPONENTS:
                sums[c] = month[c] if m == 0 else sums[c] + month[c]
            if cat in staffing:
                staff_days[ci][m] += days
        rounded = {c: _round(sums[c]) for c in COMPONENTS}
        rounded["total"] = sum(rounded[c] for c in COMPONENTS)
        out_rows.append(rounded)
        ids.append(row.id)
        if cat in staffing:
            sf[ci] += sum(
                rounded[c] for c in COMPONENTS if c not in CONTRIBUTIONS and c != "nhdkct_allowance"
            )
            contrib[ci] += sum(rounded[c] for c in CONTRIBUTIONS)
    pay = pd.DataFrame(out_rows, index=pd.Index(ids, name="id"))

    # communes
    cost, rate = vacancy_rates(p, year)
    cost, rate = cost.tolist(), rate.tolist()
    norm = operating_norm(p, year)
    per_commune = operating_norm(p, year, "norms.provincial.per_commune", required=False)
    purchases = operating_norm(p, year, "norms.provincial.purchases_repairs", required=False)
    seg_nh = segments(
        p,
        [
            "staffing.nhdkct_fund",
            "staffing.quota.nhdkct",
            "staffing.nhdkct_fund_extra_per_worker",
            "salary.base",
        ],
        year,
    )
    seg_v = segments(p, ["staffing.village_fund", "salary.base"], year)

    def ent(key, i):
        return p.parameter(key).entries[i]["value"]

    rows = []
    for ci, c in enumerate(model.communes.itertuples(index=False)):
        approved = int(_num(c.approved_posts))
        cls = str(int(c[model.communes.columns.get_loc("class")]))
        nh_appr = float(_num(c.approved_nhdkct))
        vac_sum = vac_c = 0.0
        nh_m = [0.0] * 12
        vil_m = [0.0] * 12
        for m in range(12):
            vd = max(approved * mdays[m] - staff_days[ci][m], 0)
            posts = vd / mdays[m]
            amount = cost[m] * posts
            vac_sum = amount if m == 0 else vac_sum + amount
            vac_c = rate[m] * amount if m == 0 else vac_c + rate[m] * amount
        for (i_f, i_q, i_e, i_b), w in seg_nh:
            fund_t = ent("staffing.nhdkct_fund", i_f)
            fund = float(fund_t[cls]) if fund_t is not None else 0.0
            extra = float(ent("staffing.nhdkct_fund_extra_per_worker", i_e) or 0.0)
            b = float(ent("salary.base", i_b) or 0.0)
            if extra:
                q = ent("staffing.quota.nhdkct", i_q)
                quota = float(q[cls]) if q is not None else 0.0
                fund = fund + extra * max(nh_appr - quota, 0.0)
            for m in range(12):
                nh_m[m] += float(w[m]) * (fund * b)
        for (iv, ib), w in seg_v:
            v = ent("staffing.village_fund", iv)
            if not v:
                continue
            b = float(ent("salary.base", ib) or 0.0)
            amount = (
                float(v.get("large", 0.0)) * float(_num(c.villages_large))
                + float(v.get("other", 0.0)) * float(_num(c.villages_other))
            ) * b
            for m in range(12):
                vil_m[m] += float(w[m]) * amount
        nh_sum = nh_m[0]
        vil_sum = vil_m[0]
        for m in range(1, 12):
            nh_sum += nh_m[m]
            vil_sum += vil_m[m]
        parts = {
            "salary_fund": sf[ci],
            "vacancy_fund": _round(vac_sum),
            "contributions": contrib[ci] + _round(vac_c),
            "nhdkct_fund": _round(nh_sum),
            "village_fund": _round(vil_sum),
            "operating": _round(approved * norm) + _round(per_commune),
            "purchases_repairs": _round(purchases),
            "special_tasks": int(_num(c.special_tasks)),
        }
        parts["total"] = sum(parts[k] for k in BUDGET_COMPONENTS)
        rows.append({"code": codes[ci], **parts})
    return pay, pd.DataFrame(rows)
