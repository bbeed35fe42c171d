"""Year-by-year money and counts of a run, and the tables of a scenario result.

- :func:`tally` — headcount flows per commune and year, the payroll total (fixed people's
  precomputed sums + movable people's months, added in calendar order as
  :func:`khoan.payroll.payroll` does), the lump sum through :func:`khoan.lumpsum.components`
  (the one copy of the lump-sum rules), the vacancy share the commune keeps and the TNTT paid
  (:func:`khoan.lumpsum.tntt_cap`);
- :func:`baseline_run` — the baseline projected and tallied once per shared work;
- :func:`assemble` — ``by_year``, ``by_commune``, the leavers' table (benefits from
  :mod:`khoan.scenarios.benefit_tables`) and the provenance of a :class:`ScenarioResult`.

Money is int64 VND; province totals are sums of the communes' figures.
"""

from __future__ import annotations

import collections
import datetime as _dt
from typing import Any

import numpy as np
import pandas as pd

from .. import benefits as _benefits
from ..errors import KhoanError
from ..lumpsum import components, tntt_cap
from ..periods import group_sum, group_sum_2d, round_vnd
from ..report.result import digest_of, provenance
from .benefit_tables import benefit_table
from .plan import Plan, Run, project
from .result import ScenarioResult
from .scenario import Scenario
from .universe import INF, Universe, text_ranks, to_date, to_day

__all__ = ["assemble", "baseline_run", "tally"]


# ---------------------------------------------------------------------------------------------
# money and counts of a run


def _year_sums(u: Universe, yc: Any) -> dict[str, np.ndarray]:
    """Per movable person, the year's pay when present all twelve months, rounded per
    component as :func:`khoan.payroll.payroll` rounds it (``round_vnd`` of the year's sum) and
    added over the components: total, salary fund, contributions, salary fund by grade (int64
    VND); computed once per shared work and year."""
    key = ("year_sums", yc.year)
    out = u.derived.get(key)
    if out is None:
        ints = round_vnd(yc.full)  # (K, nd)
        out = {
            "tot": ints.sum(axis=0),
            "sf": ints[u.sf_idx].sum(axis=0),
            "co": ints[u.co_idx].sum(axis=0),
            "gf": ints[yc.gterm_idx].sum(axis=0)
            if len(yc.gterm_idx)
            else np.zeros(ints.shape[1], dtype=np.int64),
        }
        u.derived[key] = out
    return out


def _movable_groups(u: Universe) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Commune index of every movable person, whether they are in the approved staffing, and
    the commune index of those who are (computed once per shared work)."""
    got = u.derived.get("movable_groups")
    if got is None:
        mci = u.cidx[u.midx]
        st = u.staffing[u.midx]
        got = (mci, st, mci[st])
        u.derived["movable_groups"] = got
    return got


def tally(u: Universe, r: Run, years: list[int], approved: dict[int, np.ndarray]) -> None:
    """Headcount flows and money of every year of ``years`` (stored on the run).

    Counts are taken over the people of the scenario's categories with a non-empty presence.
    Pay: a movable person present all year gets the year's sums prepared once
    (:func:`_year_sums`); one present part of the year gets the months present added in
    calendar order and rounded per component, as :func:`khoan.payroll.payroll` does; person-days
    of the staffing are each month's days for those present all year, counted per commune.
    """
    nc = u.nc
    sub = np.flatnonzero(u.affected & (r.start < r.stop))
    s_start, s_stop, s_left = r.start[sub], r.stop[sub], r.left[sub]
    s_ci, s_kind = u.cidx[sub], u.exit_kind[sub]
    ms_start = r.start[u.midx]
    ms_stop = r.stop[u.midx]
    mci, st, mci_st = _movable_groups(u)
    for y in years:
        d0, d1 = to_day(_dt.date(y, 1, 1)), to_day(_dt.date(y + 1, 1, 1))
        pres0 = (s_start <= d0 - 1) & (s_stop > d0 - 1)
        pres1 = (s_start <= d1 - 1) & (s_stop > d1 - 1)
        stops = (s_stop >= d0) & (s_stop < d1)
        leav = stops & (s_left == s_stop)
        ret = stops & ~leav & (s_kind == 1)
        oth = stops & ~leav & ~ret
        starts = (s_start >= d0) & (s_start < d1)
        cnt = {
            "headcount_start": np.bincount(s_ci[pres0], minlength=nc),
            "retirements": np.bincount(s_ci[ret], minlength=nc),
            "exits": np.bincount(s_ci[oth], minlength=nc),
            "leavers": np.bincount(s_ci[leav], minlength=nc),
            "hires": np.bincount(s_ci[starts], minlength=nc),
            "headcount_end": np.bincount(s_ci[pres1], minlength=nc),
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
        # present all year: the year's sums prepared once; absent: 0; present part of the
        # year: the months present added in calendar order, rounded per component
        whole = (ms_start <= b[0]) & (ms_stop > b[11])
        some = (ms_start <= b[11]) & (ms_stop > b[0])
        part = np.flatnonzero(some & ~whole)
        ys = _year_sums(u, yc)
        tot = np.where(whole, ys["tot"], 0)
        sf = np.where(whole, ys["sf"], 0)
        co = np.where(whole, ys["co"], 0)
        gf = np.where(whole, ys["gf"], 0)
        mdays = np.diff(b)
        st_whole = whole[st]
        days = yc.fixed_days + np.outer(
            np.bincount(mci_st[st_whole], minlength=nc).astype(np.int64), mdays
        )
        if len(part):
            pm = (ms_start[part][None, :] <= b[:12, None]) & (ms_stop[part][None, :] > b[:12, None])
            mon = np.where(pm[None, :, :], yc.monthly.take(part), 0.0)  # (K, 12, n_part)
            acc = mon[:, 0, :].copy()
            for mth in range(1, 12):
                acc += mon[:, mth, :]
            ints = round_vnd(acc)  # (K, n_part)
            tot[part] = ints.sum(axis=0)
            sf[part] = ints[u.sf_idx].sum(axis=0)
            co[part] = ints[u.co_idx].sum(axis=0)
            if len(yc.gterm_idx):
                gf[part] = ints[yc.gterm_idx].sum(axis=0)
            pst = st[part]
            days = days + group_sum_2d(mci[part][pst], (pm[:, pst] * mdays[:, None]).T, nc)
        payroll_total = yc.fixed_total + group_sum(mci, tot, nc)
        salary_fund = yc.fixed_sf + group_sum(mci_st, sf[st], nc)
        contrib = yc.fixed_contrib + group_sum(mci_st, co[st], nc)
        grade = yc.fixed_grade + group_sum(mci_st, gf[st], nc)
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


def baseline_run(u: Universe, scenario: Scenario) -> Run:
    key = scenario.replace_retirees
    b = u.baseline_cache.get(key)
    if b is not None:
        return b
    b = project(u, scenario, policy_active=False)
    years = list(range(u.y0, u.y_last + 1))
    tally(u, b, years, {y: u.approved for y in years})
    u.baseline_cache[key] = b
    return b


_COUNT_COLS = ("headcount_start", "retirements", "exits", "leavers", "hires", "headcount_end")


def assemble(
    u: Universe, scenario: Scenario, base: Run, scen: Run, plan: Plan | None
) -> ScenarioResult:
    years = scenario.year_list
    ny, nc = len(years), u.nc
    lv, lv_commune, lv_year = _leavers(u, scenario, scen)
    one_off = np.zeros((ny, nc), dtype=np.int64)
    if len(lv_year):
        np.add.at(one_off, (lv_year - years[0], lv_commune), lv["total"].to_numpy(np.int64))

    def st(run: Run, part: str, k: str) -> np.ndarray:  # (ny, nc)
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
    if plan is not None:  # the base headcount first, the other targets' columns last
        first = {"base_headcount": prov.pop("base_headcount")}
        tot = {**first, **tot}
    by = pd.DataFrame(
        {**tot, **prov},
        index=pd.Index(np.asarray(years, dtype=np.int64), name="year"),
    )
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
    u: Universe, scenario: Scenario, r: Run
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The leavers' table, and each leaver's commune index and year (for aggregation)."""
    who = np.flatnonzero(r.left < INF)
    money_cols: list[str] = []
    for k in scenario.leave_kinds:
        for c in _benefits.COMPONENTS[k]:
            if c not in money_cols:
                money_cols.append(c)
    parts: dict[str, list] = collections.defaultdict(list)
    order: list[np.ndarray] = []
    for y in sorted(set(r.leave_year[who].tolist())):
        d = to_day(scenario.leave_date(y))
        for k, kind in enumerate(scenario.leave_kinds):
            sel = who[(r.leave_year[who] == y) & (r.leave_kind[who] == k)]
            if not len(sel):
                continue
            tab = benefit_table(u, scenario, kind, d)
            j = tab.rows(sel)
            order.append(sel)
            parts["year"].append(np.full(len(sel), y, dtype=np.int64))
            parts["leave_date"].append(np.full(len(sel), np.datetime64(to_date(d), "ns")))
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
    year = np.concatenate(parts["year"])
    # rows by year, commune code and id (as text), from ranks computed once per shared work
    o = np.lexsort((u.id_rank()[sel], _commune_rank(u)[u.cidx[sel]], year))
    sel = sel[o]
    data: dict[str, Any] = {
        "id": _text_of(u, "ids", sel),
        "commune": _text_of(u, "codes", u.cidx[sel]),
        "category": _text_of(u, "cats", sel),
        "position": _text_of(u, "positions", sel),
        "year": year[o],
    }
    for c in cols[5:]:
        v = np.concatenate(parts[c])[o]
        data[c] = _text_column(v) if v.dtype == object else v
    data["retirement_date"] = data["retirement_date"].astype("datetime64[ns]")
    return pd.DataFrame(data), u.cidx[sel], data["year"]


def _text_column(values: np.ndarray) -> Any:
    """A column of text (object array) as pandas would make it in a DataFrame, built from its
    distinct values (one conversion per value instead of per row)."""
    if len(values) < 512:  # small: the plain conversion is faster
        return values
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    return pd.Series(uniques, copy=False).array.take(codes)


def _text_of(u: Universe, name: str, rows: np.ndarray) -> Any:
    """Rows ``rows`` of ``u.<name>`` (object array of ``str`` or missing values) as a pandas
    column, the same as :func:`_text_column` of the rows: taken from the array's distinct values
    and codes prepared once per shared work (``ids``, all distinct, converted whole once) — from
    the second use on; the first (a cold run, a tenth of the people leaving) converts its rows
    only, the same way."""
    key = ("text", name)
    got = u.derived.get(key)
    if got is None and len(rows) and ("text once", name) not in u.derived:
        u.derived[("text once", name)] = True
        values = np.asarray(getattr(u, name))[rows]
        if name == "ids":
            codes, arr = None, pd.Series(values, copy=False).array
        else:
            codes, uniques = pd.factorize(values, use_na_sentinel=False)
            arr = pd.Series(uniques, copy=False).array
        if arr.dtype != object:
            out = arr if codes is None else arr.take(codes)
            if not out.isna().all():  # else pandas would infer object: below
                return out
        return _text_column(values)
    if got is None:
        values = getattr(u, name)
        if name == "ids":
            got = (None, pd.Series(values, copy=False).array)
        else:
            codes, uniques = pd.factorize(values, use_na_sentinel=False)
            got = (codes.astype(np.int32), pd.Series(uniques, copy=False).array)
        u.derived[key] = got
    codes, arr = got
    if arr.dtype != object:
        out = arr.take(rows if codes is None else codes[rows])
        if not (len(out) and out.isna().all()):  # else pandas would infer object: below
            return out
    return _text_column(np.asarray(getattr(u, name))[rows])


def _commune_rank(u: Universe) -> np.ndarray:
    """Rank of each commune code in text order (computed once per shared work)."""
    got = u.derived.get("commune_rank")
    if got is None:
        got = text_ranks(u.codes)
        u.derived["commune_rank"] = got
    return got


def _digest(u: Universe, what: str) -> str:
    """SHA-256 of the model's tables and parameters, or of the parameters with the scenario's
    overrides (computed once per shared work)."""
    if what not in u.digests:
        u.digests[what] = u.source.digest() if what == "model" else u.params.digest()
    return u.digests[what]


def _provenance(u: Universe, scenario: Scenario, plan: Plan | None) -> dict[str, Any]:
    prov: dict[str, Any] = {
        **provenance(
            u.model,
            params=u.params,
            inputs={"scenario": digest_of(scenario)},
            model_digest=_digest(u, "model"),
            parameters_digest=_digest(u, "params"),
        ),
        "scenario": scenario.to_dict(),
        "regime": scenario.regime,
        "policy": scenario.policy,
        "parameters": [dict(e) for e in _references(u)],
        "roster_date": str(to_date(u.roster_day)),
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


def _references(u: Universe) -> list[dict[str, str]]:
    """Every parameter entry in force over the horizon under the keys the runs used: key, first
    day, legal reference, confidence (computed once per shared work and set of keys used)."""
    cache_key = ("references", frozenset(u.keys_used))
    got = u.derived.get(cache_key)
    if got is not None:
        return got
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
    u.derived[cache_key] = refs
    return refs
