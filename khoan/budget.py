"""Lump sum per commune by component, and the settlement of savings and income increase.

``budget(model, year)`` computes the administrative lump sum (khoán kinh phí quản lý hành
chính) of every commune for a year, as the sum of (NĐ 130/2005/NĐ-CP amended by NĐ
117/2013/NĐ-CP; TTLT 71/2014/TTLT-BTC-BNV Điều 3 — DOMAIN §2):

``salary_fund``
    Salary and allowances of the cadres and civil servants on the roster (filled posts):
    salary, position allowance, TNVK, commune-class, public-service and regional allowances,
    bảo lưu — from :func:`khoan.payroll.payroll`, month by month, pro rata of the days present.
    Contract staff (``hop_dong``) are not on the approved staffing: they are paid from
    operating spending and are left out. NHĐKCT are costed by their fund (below).
``vacancy_fund``
    Approved posts not filled, month by month: ``max(approved_posts × days − person-days of
    cadres and civil servants, 0) / days`` posts, each costed at ``salary.vacancy_coefficient``
    (2.34, A1 step 1) × base salary per month (annual budget circulars). No allowance is added
    (DOMAIN: "coefficient 2.34 × base salary + contributions").
``contributions``
    Employer BHXH, BHYT, KPCĐ, BHTN of the filled posts (payroll) plus those of the vacant posts
    (rates in force each month for a civil servant, ``contributions.covered_categories``; BHTN
    only if ``contributions.bhtn_default`` covers civil servants).
``nhdkct_fund``
    Allowance fund of the non-professional workers by commune class, ``staffing.nhdkct_fund`` ×
    base salary per month (NĐ 92/2009 + NĐ 29/2013 to 2019-06-24; NĐ 34/2019 from 2019-06-25;
    NĐ 33/2023 from 2023-08-01), plus ``staffing.nhdkct_fund_extra_per_worker`` × base salary
    for every approved worker above the class quota ``staffing.quota.nhdkct`` (NĐ 33/2023
    Điều 33); 0 where the fund is abolished (from 2025-07-01).
``village_fund``
    ``staffing.village_fund`` (large / other villages and residential groups) × counts × base
    salary per month (NĐ 34/2019, NĐ 33/2023).
``operating``
    ``approved_posts × norms.provincial.per_post`` (VND/post/year, provincial HĐND norm) +
    ``norms.provincial.per_commune`` (VND/year, a fixed amount per commune, where the province
    sets one). A norm that changes inside the year is weighted by month (each month 1/12,
    day-weighted inside a month).
``purchases_repairs``
    ``norms.provincial.purchases_repairs`` (VND/year per commune): routine purchases and repairs
    not under an approved scheme (TTLT 71/2014 Điều 3).
``special_tasks``
    The communes table's ``special_tasks`` (VND/year, routine special tasks).
``total``
    The exact integer sum of the components.

Each monthly parameter is combined with the base salary over the sub-periods in which both
are in force (``khoan.payroll.segments``): in June 2019 the NHĐKCT fund is 24/30 of a month at
the NĐ 92/2009 level and 6/30 at the NĐ 34/2019 level. Rounding: each component is rounded
once per commune and year to the đồng (half up); payroll components are the sums of the
per-person rounded amounts; ``total`` is an exact integer sum.

``settle(model, year, actual)`` then counts the savings and their uses (see :func:`settle`).
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .data.checked import checked_total
from .errors import ParameterError, Problem, ValidationError
from .payroll import (
    CATEGORIES,
    CONTRIBUTIONS,
    PAY_COMPONENTS,
    annual_frame,
    category_column,
    contribution_rates,
    msum,
    round_vnd,
    run,
    segments,
    staffing_mask,
)

__all__ = [
    "COMPONENTS",
    "BudgetResult",
    "SettlementResult",
    "budget",
    "settle",
]

#: Lump-sum components (VND/year), in the column order of ``BudgetResult.table``.
COMPONENTS: tuple[str, ...] = (
    "salary_fund",
    "vacancy_fund",
    "contributions",
    "nhdkct_fund",
    "village_fund",
    "operating",
    "purchases_repairs",
    "special_tasks",
)
#: Provincial norms read by :func:`budget`; only ``per_post`` is required (the others are 0
#: when the province's ``params/`` do not set them — the result's ``notes`` say so).
NORM_KEYS = {
    "per_post": "norms.provincial.per_post",
    "per_commune": "norms.provincial.per_commune",
    "purchases_repairs": "norms.provincial.purchases_repairs",
}
#: Payroll components that make up ``salary_fund`` (the NHĐKCT allowance has its own fund).
SALARY_FUND_PARTS = tuple(c for c in PAY_COMPONENTS if c != "nhdkct_allowance")

_LABELS_VI = {
    "code": "Mã ĐVHC",
    "name": "Tên đơn vị",
    "salary_fund": "Quỹ lương, phụ cấp",
    "vacancy_fund": "Quỹ lương biên chế chưa tuyển",
    "contributions": "Các khoản đóng góp",
    "nhdkct_fund": "Quỹ phụ cấp NHĐKCT",
    "village_fund": "Kinh phí thôn, tổ dân phố",
    "operating": "Chi hoạt động (định mức)",
    "purchases_repairs": "Mua sắm, sửa chữa thường xuyên",
    "special_tasks": "Nhiệm vụ đặc thù",
    "total": "Tổng cộng",
}


_LABELS_EN = {"purchases_repairs": "Routine purchases and repairs"}


def _label(name: str, lang: str = "vi") -> str:
    try:
        from .report.labels import label

        out = label(name, lang)
    except ImportError:  # pragma: no cover - report module ships with the package
        out = name
    if out == name:
        out = (_LABELS_VI if lang == "vi" else _LABELS_EN).get(name, name)
    return out


def _escape(v: Any) -> Any:
    """Escape text that a spreadsheet would read as a formula (=, +, -, @)."""
    if isinstance(v, str) and v[:1] in ("=", "+", "-", "@"):
        return "'" + v
    return v


def _group_sum(idx: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Exact int64 sum of integer ``values`` by group ``idx`` (0..n-1).

    ``np.bincount`` adds in float64, which is exact while every partial sum stays below 2⁵³
    (9 × 10¹⁵ đồng); otherwise the slower integer ``np.add.at`` is used.
    """
    v = np.asarray(values, dtype=np.int64)
    if len(v) == 0 or int(np.abs(v).sum(dtype=np.float64)) < 2**52:
        return np.rint(np.bincount(idx, weights=v, minlength=n)).astype(np.int64)
    out = np.zeros(n, dtype=np.int64)
    np.add.at(out, idx, v)
    return out


def _int_col(df: pd.DataFrame, name: str) -> np.ndarray:
    if name not in df.columns:
        return np.zeros(len(df), dtype=np.int64)
    return pd.to_numeric(df[name], errors="coerce").fillna(0).to_numpy().astype(np.int64)


def _used(params, keys: list[str], year: int) -> pd.DataFrame:
    """Every dated value of ``keys`` in force during ``year``, with its reference."""
    jan1, dec31 = _dt.date(year, 1, 1), _dt.date(year, 12, 31)
    rows = []
    seen = set()
    for key in keys:
        if key in seen or key not in params:
            continue
        seen.add(key)
        for e in params.history(key):
            if e.start > dec31 or (e.end is not None and e.end < jan1):
                continue
            v = e.value
            rows.append(
                {
                    "key": key,
                    "from": e.start,
                    "to": e.end,
                    "value": json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else v,
                    "unit": e.unit,
                    "reference": e.reference,
                    "confidence": e.confidence,
                    "source": e.source,
                }
            )
    return pd.DataFrame(
        rows, columns=["key", "from", "to", "value", "unit", "reference", "confidence", "source"]
    )


# ---------------------------------------------------------------------------------------------
# monthly commune-level parameter series


def _seg_values(params, key: str, i: int) -> Any:
    return params.parameter(key).entries[i]["value"]


def _lookup_entry(params, key: str, i: int, *arrays) -> np.ndarray:
    v = _seg_values(params, key, i)
    n = len(arrays[0]) if arrays else 1
    if v is None:
        return np.zeros(n)
    return np.asarray(params.lookup(key, params.parameter(key).dates[i], *arrays), dtype=float)


def vacancy_rates(params, year: int) -> tuple[np.ndarray, np.ndarray]:
    """Cost of one vacant post per month (VND) and its contribution rate per month.

    Returns
    -------
    (cost, rate) : arrays (12,)
        ``cost[m]`` = Σ over sub-periods of ``salary.vacancy_coefficient`` × base salary ×
        day share; ``rate[m]`` = employer contribution rate of a civil servant (BHXH + BHYT +
        KPCĐ, + BHTN where ``contributions.bhtn_default`` covers civil servants).
    """
    kc, kb = "salary.vacancy_coefficient", "salary.base"
    cost = np.zeros(12)
    for (ic, ib), w in segments(params, [kc, kb], year):
        coef = _seg_values(params, kc, ic) or 0.0
        base = _seg_values(params, kb, ib) or 0.0
        cost += w * (float(coef) * float(base))
    rates = contribution_rates(params, year)
    cc = CATEGORIES.index("cong_chuc")
    bhtn_cc = bool(
        params.value("contributions.bhtn_default", _dt.date(year, 1, 1)).get("cong_chuc", False)
    )
    rate = np.zeros(12)
    for c in CONTRIBUTIONS:
        if c == "bhtn" and not bhtn_cc:
            continue
        rate = rate + rates[c][:, cc]
    return cost, rate


def nhdkct_monthly(params, year: int, cls: np.ndarray, approved: np.ndarray) -> np.ndarray:
    """NHĐKCT allowance fund per commune and month, VND: array (12, n_communes)."""
    kf, kq, ke, kb = (
        "staffing.nhdkct_fund",
        "staffing.quota.nhdkct",
        "staffing.nhdkct_fund_extra_per_worker",
        "salary.base",
    )
    out = np.zeros((12, len(cls)))
    for (i_f, i_q, i_e, i_b), w in segments(params, [kf, kq, ke, kb], year):
        fund = _lookup_entry(params, kf, i_f, cls)
        extra = float(_seg_values(params, ke, i_e) or 0.0)
        base = float(_seg_values(params, kb, i_b) or 0.0)
        if extra:
            quota = _lookup_entry(params, kq, i_q, cls)
            fund = fund + extra * np.maximum(approved - quota, 0.0)
        out += w[:, None] * (fund * base)[None, :]
    return out


def village_monthly(params, year: int, large: np.ndarray, other: np.ndarray) -> np.ndarray:
    """Village / residential-group allowance fund per commune and month, VND: (12, n)."""
    kv, kb = "staffing.village_fund", "salary.base"
    out = np.zeros((12, len(large)))
    for (iv, ib), w in segments(params, [kv, kb], year):
        v = _seg_values(params, kv, iv)
        if not v:
            continue
        base = float(_seg_values(params, kb, ib) or 0.0)
        amount = (float(v.get("large", 0.0)) * large + float(v.get("other", 0.0)) * other) * base
        out += w[:, None] * amount[None, :]
    return out


def operating_norm(
    params, year: int, key: str = "norms.provincial.per_post", required: bool = True
) -> float:
    """Provincial norm for ``year`` (VND per post or per commune per year, day-weighted).

    A norm that is not in the parameters is 0 unless ``required``.
    """
    if key not in params and not required:
        return 0.0
    if key not in params:
        raise ParameterError(
            f"no parameter {key!r}: the provincial operating norm per approved post "
            "(VND/person/year, set by the provincial People's Council) belongs in the model's "
            "params/ folder, e.g. params/norms/provincial/per_post.yaml"
        )
    norm = 0.0
    for (i,), w in segments(params, [key], year):
        v = _seg_values(params, key, i)
        norm += float(v or 0.0) * (w.sum() / 12.0)
    return norm


# ---------------------------------------------------------------------------------------------


class BudgetPlot:
    """Plots of a :class:`BudgetResult` (matplotlib; works with the Agg backend)."""

    def __init__(self, result: BudgetResult):
        self._r = result

    def components(self, ax=None, *, top: int | None = 40, lang: str = "vi"):
        """Stacked bar of the lump-sum components by commune (largest totals first).

        Parameters
        ----------
        ax : matplotlib Axes, optional
        top : int or None
            Show the ``top`` communes with the largest lump sums (None: all).
        lang : {"vi", "en"}

        Returns
        -------
        matplotlib.axes.Axes
        """
        from .report import plots
        from .report.labels import text

        t = self._r.table.sort_values("total", ascending=False)
        n_all = len(t)
        if top is not None:
            t = t.head(top)
        parts = [c for c in COMPONENTS if c in t.columns and t[c].any()]
        df = t.set_index("name")[parts]
        some = len(t) < n_all
        ax = plots.bar_stacked(
            df,
            parts,
            title=text(
                f"Kinh phí khoán {self._r.year} theo thành phần"
                + (f" ({len(t)}/{n_all} xã có kinh phí lớn nhất)" if some else ""),
                f"Lump sum {self._r.year} by component"
                + (f" ({len(t)} of {n_all} communes, largest first)" if some else ""),
                lang,
            ),
            xlabel=text("Đơn vị cấp xã", "Commune", lang),
            lang=lang,
            horizontal=True,
            ax=ax,
        )
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.07), ncol=2, frameon=False)
        return ax


@dataclass
class BudgetResult:
    """Lump sum of every commune for one year.

    Attributes
    ----------
    year : int
    table : DataFrame
        One row per commune: ``code``, ``name``, the components :data:`COMPONENTS` and
        ``total`` (VND/year, int64; ``total`` is their exact sum).
    details : DataFrame
        Per commune: ``approved_posts``, ``filled_posts`` and ``vacant_posts`` (average over
        the year, posts), ``quota_posts`` (legal quota on 31 December, NaN when none),
        ``salary_fund_grade`` (VND/year, base of the TNTT cap), ``vacancy_contributions``
        (VND/year, included in ``contributions``), ``roster_nhdkct`` and ``roster_hop_dong``
        (VND/year paid to the NHĐKCT and contract staff on the roster — for information,
        not part of the lump sum).
    params_used : DataFrame
        Every parameter value read (key, dates, value, unit, reference, confidence).
    notes : list of str
        Assumptions worth showing (e.g. an optional provincial norm not set, counted as 0).
    """

    year: int
    table: pd.DataFrame
    details: pd.DataFrame
    params_used: pd.DataFrame
    model_name: str = ""
    notes: list[str] = field(default_factory=list)
    _run: Any = field(default=None, repr=False)
    _model: Any = field(default=None, repr=False)

    @property
    def provenance(self) -> dict[str, Any]:
        """khoan version, model and parameter digests, overrides applied, notes."""
        return _provenance(self._model, self.year, self.notes)

    @property
    def province(self) -> pd.DataFrame:
        """One-row table of the province totals by component (VND/year, int64)."""
        sums = {c: int(self.table[c].sum()) for c in (*COMPONENTS, "total")}
        return pd.DataFrame([sums], index=pd.Index([self.model_name or "province"], name="model"))

    def by_component(self) -> pd.DataFrame:
        """Long table: ``code``, ``name``, ``component``, ``label`` (Vietnamese), ``amount``."""
        long = self.table.melt(
            id_vars=["code", "name"],
            value_vars=list(COMPONENTS),
            var_name="component",
            value_name="amount",
        )
        long["label"] = long["component"].map(lambda c: _label(c, "vi"))
        long["amount"] = long["amount"].astype(np.int64)
        return long[["code", "name", "component", "label", "amount"]]

    @property
    def payroll(self) -> pd.DataFrame:
        """The per-person payroll the salary fund was built from (see :func:`khoan.payroll`)."""
        return annual_frame(self._run)

    @property
    def plot(self) -> BudgetPlot:
        return BudgetPlot(self)

    def to_excel(self, path: str | Path, lang: str = "vi") -> Path:
        """Write a workbook: summary, one row per commune with a totals row, the parameters used
        with their legal references, and provenance (:func:`khoan.report.excel.write_workbook`).

        Returns the path written. Text that a spreadsheet would read as a formula is escaped.
        """
        from .report.excel import write_workbook
        from .report.labels import text

        prov = self.province.iloc[0]
        summary = {c: int(prov[c]) for c in (*COMPONENTS, "total")}
        params = self.params_used.drop(columns=["source"], errors="ignore")
        return write_workbook(
            path,
            title=text(
                f"Dự toán kinh phí khoán năm {self.year} — {self.model_name}",
                f"Lump sums {self.year} — {self.model_name}",
                lang,
            ),
            summary=summary,
            sheets={"by_commune": self.table, "details": self.details},
            params=params,
            provenance=self.provenance,
            lang=lang,
            totals={"by_commune": True, "details": False},
        )

    def _repr_html_(self) -> str:
        prov = self.province.iloc[0]
        rows = "".join(
            f"<tr><td>{_label(c)}</td><td style='text-align:right'>{int(prov[c]):,}</td></tr>"
            for c in (*COMPONENTS, "total")
        )
        return (
            f"<b>Kinh phí khoán {self.year}</b> — {len(self.table)} đơn vị cấp xã"
            f" ({self.model_name}), đồng<table>{rows}</table>"
        )

    def __repr__(self) -> str:
        return (
            f"<BudgetResult {self.year}: {len(self.table)} communes, "
            f"total {int(self.table['total'].sum()):,} VND>"
        )


def _provenance(model, year: int, notes) -> dict[str, Any]:
    from . import __version__

    out: dict[str, Any] = {"khoan": __version__, "year": year, "notes": list(notes)}
    if model is not None:
        out.update(
            {
                "model": model.name,
                "synthetic": model.synthetic,
                "model_digest": model.digest(),
                "parameters_digest": model.params.digest(),
                "overrides": [dict(x) for x in model.params.log],
            }
        )
    return out


def _cover_year(year: int, what: str, exc: ParameterError) -> ParameterError:
    msg = str(exc)
    if msg.startswith(f"{what} for {year}"):
        return exc
    return ParameterError(f"{what} for {year}: {msg}")


def budget(model, year: int, *, staff: pd.DataFrame | None = None) -> BudgetResult:
    """Lump sum of every commune for ``year``, by component.

    Parameters
    ----------
    model : khoan.Model
    year : int
    staff : DataFrame, optional
        Roster to use instead of ``model.staff`` (e.g. a scenario's).

    Returns
    -------
    BudgetResult

    Raises
    ------
    ParameterError
        ``year`` outside the parameters' coverage, or no provincial operating norm.
    ValidationError
        The roster cannot be paid (unknown commune, category or grade...).

    Notes
    -----
    The components, their legal references and the rounding follow (the module's
    documentation).
    """
    r = run(model, year, staff)
    return _from_run(model, r)


def _from_run(model, r) -> BudgetResult:
    year = r.year
    p = model.params
    c = model.communes
    nc = len(c)
    inp = r.inputs
    staffing = staffing_mask(inp)
    ci = inp.cidx[staffing]
    sf_person = np.zeros(inp.n, dtype=np.int64)
    for comp in SALARY_FUND_PARTS:
        sf_person += r.annual[comp]
    co_person = np.zeros(inp.n, dtype=np.int64)
    for comp in CONTRIBUTIONS:
        co_person += r.annual[comp]
    salary_fund = _group_sum(ci, sf_person[staffing], nc)
    contrib_staff = _group_sum(ci, co_person[staffing], nc)
    grade = _group_sum(ci, r.annual["salary_fund_grade"][staffing], nc)
    approved = _int_col(c, "approved_posts")
    mdays = np.diff(r.rates.bounds)
    keys = list(r.keys)
    try:
        vac_days = np.maximum(approved[:, None] * mdays[None, :] - r.staffing_days, 0)
        vac_posts = (vac_days / mdays[None, :]).T  # (12, nc)
        cost, rate = vacancy_rates(p, year)
        keys += ["salary.vacancy_coefficient"]
        vac_amount = cost[:, None] * vac_posts
        vacancy = round_vnd(msum(vac_amount))
        vac_contrib = round_vnd(msum(rate[:, None] * vac_amount))
        cls = c["class"].to_numpy()
        nh = nhdkct_monthly(p, year, cls, _int_col(c, "approved_nhdkct").astype(float))
        keys += [
            "staffing.nhdkct_fund",
            "staffing.quota.nhdkct",
            "staffing.nhdkct_fund_extra_per_worker",
        ]
        nhdkct = round_vnd(msum(nh))
        vil = village_monthly(
            p,
            year,
            _int_col(c, "villages_large").astype(float),
            _int_col(c, "villages_other").astype(float),
        )
        keys.append("staffing.village_fund")
        village = round_vnd(msum(vil))
        norm = operating_norm(p, year)
        per_commune = operating_norm(p, year, NORM_KEYS["per_commune"], required=False)
        purchases = operating_norm(p, year, NORM_KEYS["purchases_repairs"], required=False)
        keys += list(NORM_KEYS.values())
        operating = round_vnd(approved * norm) + round_vnd(per_commune)
        purchases_repairs = np.full(nc, round_vnd(purchases), dtype=np.int64)
        notes = [
            f"{k} is not set in the parameters: counted as 0"
            for k in list(NORM_KEYS.values())[1:]
            if k not in p
        ]
        years = getattr(model, "years", None) or []
        if getattr(model, "meta", {}).get("years") and year not in years:
            notes.insert(
                0,
                f"{year} is outside the model's years {years[0]}–{years[-1]} (model.toml): "
                "the communes, approved posts and roster are those of the model, only the law "
                "is that of the year",
            )
        pnote = _position_note(model, p, year)
        if pnote:
            notes.append(pnote)
        quota = _quota(p, year, c)
        keys.append("staffing.quota.cadres_civil_servants")
        over = np.isfinite(quota) & (approved > quota)
        if over.any():
            # not capped here: a commune may be in a transition to a lower quota (e.g. after
            # NĐ 34/2019), which is the staffing decision's business, not the costing's
            excess = int((approved - np.where(over, quota, approved)).sum())
            notes.append(
                f"{int(over.sum())} of {nc} communes have more approved posts than the legal "
                f"quota on {year}-12-31 (staffing.quota.cadres_civil_servants; {excess:,} posts "
                "above in all): their vacant posts and operating spending are costed on the "
                "approved number; see details['quota_posts']"
            )
    except ParameterError as exc:
        raise _cover_year(year, "budget", exc) from None
    special = _int_col(c, "special_tasks")
    table = pd.DataFrame(
        {"code": c["code"].astype(str).to_numpy(), "name": c["name"].astype(str).to_numpy()}
    )
    parts = {
        "salary_fund": salary_fund,
        "vacancy_fund": vacancy,
        "contributions": contrib_staff + vac_contrib,
        "nhdkct_fund": nhdkct,
        "village_fund": village,
        "operating": operating,
        "purchases_repairs": purchases_repairs,
        "special_tasks": special,
    }
    total = checked_total({k: parts[k] for k in COMPONENTS}, "lump sum")
    for k in COMPONENTS:
        table[k] = parts[k].astype(np.int64)
    table["total"] = total
    is_nh = inp.catcode == CATEGORIES.index("nhdkct")
    is_hd = inp.catcode == CATEGORIES.index("hop_dong")
    person_total = sf_person + co_person + r.annual["nhdkct_allowance"]
    ydays = int(mdays.sum())
    details = pd.DataFrame(
        {
            "code": table["code"],
            "approved_posts": approved,
            "filled_posts": r.staffing_days.sum(axis=1) / ydays,
            "vacant_posts": vac_days.sum(axis=1) / ydays,
            "quota_posts": quota,
            "salary_fund_grade": grade,
            "vacancy_contributions": vac_contrib,
            "roster_nhdkct": _group_sum(inp.cidx[is_nh], person_total[is_nh], nc),
            "roster_hop_dong": _group_sum(inp.cidx[is_hd], person_total[is_hd], nc),
        }
    )
    return BudgetResult(
        year=year,
        table=table,
        details=details,
        params_used=_used(p, keys, year),
        model_name=getattr(model, "name", ""),
        _model=model,
        notes=notes,
        _run=r,
    )


def tntt_cap_ratio(model, p, day: _dt.date) -> tuple[float, str]:
    """Cap of the income increase (TNTT) as a multiple of the salary fund by grade, on ``day``.

    ``tntt.cap_ratio`` (1.0, TTLT 71/2014); in Hồ Chí Minh City (``province_code = "79"`` in
    ``model.toml``) ``tntt.cap_ratio_hcmc`` where it has a value (1.8, NQ 54/2017/QH14). Returns
    the ratio and the parameter key used.
    """
    if str(getattr(model, "meta", {}).get("province_code", "")) == "79":
        try:
            v = p.value("tntt.cap_ratio_hcmc", day) if "tntt.cap_ratio_hcmc" in p else None
        except ParameterError:
            v = None
        if v is not None:
            return float(v), "tntt.cap_ratio_hcmc"
    return float(p.number("tntt.cap_ratio", day)), "tntt.cap_ratio"


def _position_note(model, p, year: int) -> str | None:
    """A note when roster position allowances differ from the law in force on 31 December.

    The roster's ``position_coef`` is paid as given; the law's table by position
    (``allowances.position.commune``, or ``…commune_special_city`` for Hà Nội and TP HCM) may
    have changed since the roster was made (NĐ 07/2026 from 2026-01-01). Untrained cadres
    (fixed position salary) and positions the table does not list are not compared.
    """
    s = getattr(model, "staff", None)
    if s is None or not {"position", "position_coef", "grade"} <= set(s.columns):
        return None
    special = str(getattr(model, "meta", {}).get("province_code", "")) in ("01", "79")
    key = "allowances.position.commune" + ("_special_city" if special else "")
    day = _dt.date(year, 12, 31)
    try:
        table = p.value(key, day) or {} if key in p else {}
    except ParameterError:
        return None
    law = s["position"].astype(str).map(table).astype(float)
    have = law.notna() & (s["grade"].astype(str) != "cadre_untrained")
    coef = pd.to_numeric(s["position_coef"], errors="coerce").astype(float)
    diff = (have & ~np.isclose(coef.fillna(-1.0), law.fillna(-1.0), atol=5e-4)).to_numpy()
    if not diff.any():
        return None
    k = int(np.flatnonzero(diff)[0])
    return (
        f"{int(diff.sum())} people's position allowance in the roster differs from {key} in "
        f"force on {day} (e.g. {s['id'].iloc[k]}, {s['position'].iloc[k]}: "
        f"{coef.iloc[k]:g} in the roster, {law.iloc[k]:g} in the law): the roster's values are "
        "paid; update position_coef if the law changed since the roster was made"
    )


def _quota(p, year: int, c: pd.DataFrame) -> np.ndarray:
    key = "staffing.quota.cadres_civil_servants"
    dec31 = _dt.date(year, 12, 31)
    if key not in p:
        return np.full(len(c), np.nan)
    v = p.value(key, dec31)
    if v is None:
        return np.full(len(c), np.nan)
    return np.asarray(
        p.lookup(key, dec31, c["type"].to_numpy(), c["class"].to_numpy()), dtype=float
    )


# ---------------------------------------------------------------------------------------------
# settlement: savings, income increase (TNTT) and their uses


SAVINGS_COLUMNS = ("tntt", "rewards", "welfare", "reserve")


@dataclass
class SettlementResult:
    """Savings of every commune for one year and their uses.

    Attributes
    ----------
    year : int
    table : DataFrame
        One row per commune (VND/year, int64): ``code``, ``name``, ``lump_sum``, ``actual``,
        ``savings`` (lump sum − actual, negative = overspend), ``overspend`` (≥ 0),
        ``savings_counted`` (≥ 0), ``salary_fund_grade``, ``tntt_cap``, ``tntt`` (paid),
        ``rewards``, ``welfare``, ``reserve`` (``savings_counted`` = tntt + rewards + welfare +
        reserve exactly), ``advance_cap_q1`` … ``advance_cap_q4`` (quarterly TNTT advance
        caps), ``vacancy_saving`` (lump sum of the vacant posts and their contributions),
        ``commune_kept`` (what the commune keeps because actual staff is below approved:
        ``min(vacancy_saving, savings_counted)``), ``state_saving`` (lump sum at
        ``previous_approved_posts`` − lump sum now; 0 when not given).
    per_person : DataFrame
        Index ``id``: ``commune``, ``category``, ``weight``, ``tntt`` (VND/year).
    budget : BudgetResult
    shares : dict
        Split of savings left after TNTT actually used.
    """

    year: int
    table: pd.DataFrame
    per_person: pd.DataFrame
    budget: BudgetResult
    shares: dict[str, float]
    notes: list[str] = field(default_factory=list)

    @property
    def province(self) -> pd.DataFrame:
        """One-row table of the province totals (VND/year)."""
        cols = [c for c in self.table.columns if c not in ("code", "name")]
        return pd.DataFrame(
            [{c: int(self.table[c].sum()) for c in cols}],
            index=pd.Index([self.budget.model_name or "province"], name="model"),
        )

    def to_excel(self, path: str | Path, lang: str = "vi") -> Path:
        """Workbook: summary, savings by commune, TNTT per person, parameters, provenance."""
        from .report.excel import write_workbook
        from .report.labels import text

        prov = self.province.iloc[0]
        return write_workbook(
            path,
            title=text(
                f"Quyết toán kinh phí khoán năm {self.year}: tiết kiệm và thu nhập tăng thêm",
                f"Lump-sum settlement {self.year}: savings and income increase",
                lang,
            ),
            summary={
                k: (int(v) if isinstance(v, int | np.integer) else v) for k, v in prov.items()
            },
            sheets={"by_commune": self.table, "per_person": self.per_person.reset_index()},
            params=self.budget.params_used.drop(columns=["source"], errors="ignore"),
            provenance={**self.budget.provenance, "shares": dict(self.shares)},
            lang=lang,
            totals={"by_commune": True, "per_person": True},
        )

    def _repr_html_(self) -> str:
        prov = self.province.iloc[0]
        show = (
            "lump_sum",
            "actual",
            "savings_counted",
            "overspend",
            "tntt",
            "rewards",
            "welfare",
            "reserve",
            "commune_kept",
            "state_saving",
        )
        rows = "".join(
            f"<tr><td>{c}</td><td style='text-align:right'>{int(prov[c]):,}</td></tr>" for c in show
        )
        return f"<b>Quyết toán tiết kiệm {self.year}</b> (đồng)<table>{rows}</table>"

    def __repr__(self) -> str:
        return (
            f"<SettlementResult {self.year}: savings "
            f"{int(self.table['savings_counted'].sum()):,} VND, TNTT "
            f"{int(self.table['tntt'].sum()):,} VND>"
        )


def _commune_values(
    model, values: Any, *, name: str, column: str, allow_missing: bool = False
) -> np.ndarray:
    """Align ``values`` (Series by code, mapping, or DataFrame commune/value) on the communes.

    Raises ValidationError naming every unknown commune, duplicate, missing, non-numeric or
    negative value (row = 1-based spreadsheet row of the table given, header = row 1).
    """
    codes = model.communes["code"].astype(str).to_numpy()
    if isinstance(values, pd.DataFrame):
        df = values
        if "commune" in df.columns:
            keys = df["commune"]
        else:
            keys = pd.Series(df.index, index=df.index)
        if column in df.columns:
            vals = df[column]
        elif df.shape[1] - ("commune" in df.columns) == 1:
            vals = df[next(c for c in df.columns if c != "commune")]
        else:
            raise ValidationError(
                [Problem(name, None, 1, column, None, f"a column {column!r} is required")]
            )
    elif isinstance(values, pd.Series):
        keys, vals = pd.Series(values.index, index=values.index), values
    elif isinstance(values, Mapping):
        keys, vals = pd.Series(list(values.keys())), pd.Series(list(values.values()))
    else:
        raise ValidationError(
            [
                Problem(
                    name,
                    None,
                    None,
                    None,
                    type(values).__name__,
                    "give a DataFrame (commune, value), a Series or a dict",
                )
            ]
        )
    keys = keys.astype(str).str.strip().to_numpy()
    raw = vals.to_numpy(dtype=object)
    num = pd.to_numeric(pd.Series(raw), errors="coerce").to_numpy(dtype=float)
    rows = np.arange(len(keys)) + 2
    problems: list[Problem] = []
    pos = pd.Index(codes).get_indexer(keys)
    for i in np.flatnonzero(pos < 0):
        problems.append(
            Problem(
                name,
                None,
                int(rows[i]),
                "commune",
                keys[i],
                "unknown commune (not in the model's communes table)",
            )
        )
    dup = pd.Series(keys).duplicated().to_numpy()
    for i in np.flatnonzero(dup):
        problems.append(
            Problem(name, None, int(rows[i]), "commune", keys[i], "commune appears more than once")
        )
    for i in np.flatnonzero(~np.isfinite(num)):
        problems.append(
            Problem(name, None, int(rows[i]), column, raw[i], "missing or not a number (VND)")
        )
    for i in np.flatnonzero(num < 0):
        problems.append(
            Problem(name, None, int(rows[i]), column, raw[i], "must not be negative (VND)")
        )
    if not allow_missing:
        given = set(keys)
        for code in codes:
            if code not in given:
                problems.append(
                    Problem(name, None, None, "commune", code, "no value given for this commune")
                )
    if problems:
        raise ValidationError(problems, title=f"{name} cannot be used")
    out = np.full(len(codes), np.nan)
    out[pos] = num
    return out


def _largest_remainder(
    group: np.ndarray, weight: np.ndarray, pool: np.ndarray, n_groups: int
) -> np.ndarray:
    """Split ``pool[g]`` (int VND) among members by ``weight``, exactly, largest remainder.

    Groups whose weights sum to 0 get nothing. Ties go to the earlier row. Vectorised.
    """
    wsum = np.bincount(group, weights=weight, minlength=n_groups)
    share = np.divide(
        pool[group] * weight, wsum[group], out=np.zeros(len(group)), where=wsum[group] > 0
    )
    base = np.floor(share).astype(np.int64)
    frac = share - base
    paid = np.zeros(n_groups, dtype=np.int64)
    np.add.at(paid, group, base)
    left = np.where(wsum > 0, pool - paid, 0)
    order = np.lexsort((np.arange(len(group)), -frac, group))
    g_sorted = group[order]
    first = np.searchsorted(g_sorted, g_sorted, side="left")
    rank = np.arange(len(group)) - first
    extra = np.zeros(len(group), dtype=np.int64)
    extra[order] = (rank < left[g_sorted]).astype(np.int64)
    return base + extra


def settle(
    model,
    year: int,
    actual: Any = None,
    *,
    shares: Mapping[str, float] | None = None,
    weights: Any = None,
    previous_approved_posts: Any = None,
) -> SettlementResult:
    """Savings of every commune at year end and their uses (NĐ 130/2005 Điều 12, amended by
    NĐ 117/2013; TTLT 71/2014/TTLT-BTC-BNV Điều 6).

    Parameters
    ----------
    model : khoan.Model
    year : int
    actual : DataFrame, Series or mapping, optional
        Actual spending per commune, VND/year (DataFrame with ``commune`` and ``actual``
        columns, or a Series/dict indexed by commune code). Every commune needs a value.
        Default: derived from the roster actually paid — the payroll and contributions of the
        cadres and civil servants present, plus the NHĐKCT and village funds, operating spending
        at the norm and the special tasks, as budgeted (so the savings are the vacant posts'
        share of the lump sum).
    shares : mapping, optional
        Split of the savings left after TNTT, ``{"rewards", "welfare", "reserve"}`` (rates);
        default ``savings.shares`` (illustrative: units set it in their internal spending
        rules). Must be non-negative and sum to at most 1; any share not given goes to the
        reserve, which also receives the rounding remainder.
    weights : Series or str, optional
        TNTT weight per person (Series indexed by staff id, or the name of a staff column).
        The law pays TNTT by work results, not equally; by default every cadre and civil
        servant present gets the same amount per day present (weight = share of the year
        present).
    previous_approved_posts : Series or mapping, optional
        Approved staffing before a reduction, by commune code: ``state_saving`` is the lump sum
        at that staffing minus the lump sum now.

    Returns
    -------
    SettlementResult

    Notes
    -----
    - ``savings = lump_sum − actual``; only positive savings are counted (``savings_counted``);
      an overspend is shown in ``overspend``.
    - TNTT pool = ``min(savings_counted, tntt_cap)``; ``tntt_cap`` = ``tntt.cap_ratio`` (in force
      on 31 December) × the salary fund by grade, step and position of the cadres and civil
      servants present (``tntt.base``: salary + position allowance; other allowances and
      contributions excluded).
    - TNTT per person splits the pool by weight, exactly (largest remainder); a commune with no
      eligible person pays no TNTT and its pool goes to the reserve.
    - Quarterly advance caps: ``tntt.quarterly_advance_cap`` × the quarter's salary fund by
      grade (the value in force at the quarter's end).
    - Rounding: each amount is rounded half up to the đồng; rewards and rewards + welfare are
      rounded (cumulatively, so they never exceed what is left), the reserve takes the
      remainder, so ``savings_counted = tntt + rewards + welfare + reserve`` exactly.

    Raises
    ------
    ValidationError
        Actual spending for an unknown commune, negative, missing or duplicated; weights for
        unknown people or negative.
    ParameterError
        Year outside the parameters' coverage; shares that are negative or exceed 1.
    """
    b = budget(model, year)
    r = b._run
    year = b.year
    p = model.params
    c = model.communes
    nc = len(c)
    t = b.table
    lump = t["total"].to_numpy(dtype=np.int64)
    vac_saving = t["vacancy_fund"].to_numpy(dtype=np.int64) + b.details[
        "vacancy_contributions"
    ].to_numpy(dtype=np.int64)
    notes: list[str] = []
    if actual is None:
        act = lump - vac_saving
        notes.append("actual spending derived from the roster actually paid")
    else:
        act = round_vnd(_commune_values(model, actual, name="actual spending", column="actual"))
    savings = lump - act
    counted = np.maximum(savings, 0)
    overspend = np.maximum(-savings, 0)
    dec31 = _dt.date(year, 12, 31)
    try:
        cap_ratio, cap_key = tntt_cap_ratio(model, p, dec31)
        if cap_key != "tntt.cap_ratio":
            notes.append(f"TNTT cap {cap_ratio:g} × salary fund by grade ({cap_key})")
        if shares is None:
            shares = dict(p.value("savings.shares", dec31))
        adv_key = "tntt.quarterly_advance_cap"
        # the value in force on the last day of each quarter
        q_end = [_dt.date(year, 3 * q + 4, 1) - _dt.timedelta(days=1) for q in range(3)]
        q_end.append(dec31)
        adv = [float(p.number(adv_key, d)) for d in q_end]
    except ParameterError as exc:
        raise _cover_year(year, "settlement", exc) from None
    shares = {k: float(v) for k, v in dict(shares).items()}
    bad = [k for k in shares if k not in ("rewards", "welfare", "reserve")]
    if bad or any(v < 0 for v in shares.values()) or sum(shares.values()) > 1 + 1e-9:
        raise ParameterError(
            f"savings shares {shares} are not valid: use rewards, welfare and reserve, each ≥ 0, "
            "summing to at most 1 (savings.shares)"
        )
    grade = b.details["salary_fund_grade"].to_numpy(dtype=np.int64)
    cap = round_vnd(cap_ratio * grade)
    pool = np.minimum(counted, cap)

    inp = r.inputs
    staffing = staffing_mask(inp)
    b_ = r.rates.bounds
    lo = np.maximum(inp.start, b_[0])
    hi = np.minimum(inp.end, b_[12])
    present = np.maximum(hi - lo, 0) / (b_[12] - b_[0])
    if weights is None:
        w = present.astype(float)
    else:
        w = _person_weights(model, inp, weights)
    w = np.where(staffing & (present > 0), w, 0.0)
    tntt_person = _largest_remainder(inp.cidx, w, pool, nc)
    paid = _group_sum(inp.cidx, tntt_person, nc)
    rest = counted - paid
    # cumulative rounding: rewards + welfare never exceed what is left (shares sum ≤ 1)
    s_r, s_w = shares.get("rewards", 0.0), shares.get("welfare", 0.0)
    rewards = round_vnd(rest * s_r)
    welfare = round_vnd(rest * min(s_r + s_w, 1.0)) - rewards
    reserve = rest - rewards - welfare
    if (reserve < 0).any():  # pragma: no cover - only with shares summing above 1
        raise ParameterError("savings shares exceed the savings after rounding")
    gm = r.grade_fund_monthly  # (nc, 12)
    table = pd.DataFrame({"code": t["code"], "name": t["name"]})
    table["lump_sum"] = lump
    table["actual"] = act.astype(np.int64)
    table["savings"] = savings
    table["overspend"] = overspend
    table["savings_counted"] = counted
    table["salary_fund_grade"] = grade
    table["tntt_cap"] = cap
    table["tntt"] = paid
    table["rewards"] = rewards
    table["welfare"] = welfare
    table["reserve"] = reserve
    for q in range(4):
        table[f"advance_cap_q{q + 1}"] = round_vnd(adv[q] * gm[:, 3 * q : 3 * q + 3].sum(axis=1))
    table["vacancy_saving"] = vac_saving
    table["commune_kept"] = np.minimum(vac_saving, counted)
    if previous_approved_posts is not None:
        prev = _commune_values(
            model,
            previous_approved_posts,
            name="previous_approved_posts",
            column="approved_posts",
            allow_missing=True,
        )
        comm = c.copy()
        now = _int_col(c, "approved_posts")
        comm["approved_posts"] = np.where(np.isnan(prev), now, prev).astype(np.int64)
        old = _from_run(model.replace(communes=comm), r).table["total"].to_numpy(dtype=np.int64)
        table["state_saving"] = old - lump
    else:
        table["state_saving"] = np.zeros(nc, dtype=np.int64)
        notes.append("state_saving is 0: previous_approved_posts not given")
    per_person = pd.DataFrame(
        {
            "commune": inp.commune.array,
            "category": category_column(inp),
            "weight": w,
            "tntt": tntt_person,
        },
        index=pd.Index(inp.ids, name="id"),
    )
    return SettlementResult(
        year=year, table=table, per_person=per_person, budget=b, shares=shares, notes=notes
    )


def _person_weights(model, inp, weights: Any) -> np.ndarray:
    if isinstance(weights, str):
        if weights not in model.staff.columns:
            raise ValidationError(
                [
                    Problem(
                        "staff",
                        None,
                        1,
                        weights,
                        None,
                        "weight column not found in the staff table",
                    )
                ]
            )
        vals = pd.to_numeric(model.staff[weights], errors="coerce").to_numpy(dtype=float)
        src = pd.Series(vals, index=pd.Index(inp.ids))
    else:
        src = pd.Series(weights)
    problems: list[Problem] = []
    known = pd.Index(inp.ids)
    pos = known.get_indexer(src.index)
    v = pd.to_numeric(src, errors="coerce").to_numpy(dtype=float)
    for i in np.flatnonzero(pos < 0):
        problems.append(Problem("weights", None, i + 2, "id", src.index[i], "unknown staff id"))
    for i in np.flatnonzero(~np.isfinite(v) | (v < 0)):
        problems.append(
            Problem("weights", None, i + 2, "weight", src.iloc[i], "weight must be a number ≥ 0")
        )
    if problems:
        raise ValidationError(problems, title="TNTT weights cannot be used")
    out = np.zeros(inp.n)
    out[pos] = v
    return out


# ``khoan.budget`` is the function at the package level: carry the rules in its help.
budget.__doc__ = (budget.__doc__ or "") + "\n" + (__doc__ or "")
