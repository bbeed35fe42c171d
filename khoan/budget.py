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
``bonus_fund`` (from 2024-07-01; after ``total``, not part of it)
    The bonus fund of NĐ 73/2024/NĐ-CP Điều 4, outside the lump sum (``lump_sum.outside``):
    ``bonus_fund.rate`` (10 %) × the salary fund without allowances (``bonus_fund.base``:
    salary coefficient × base salary) of the cadres and civil servants on the roster, month by
    month — in 2024 July to December only (the rate is 0 before 2024-07-01). Rounded once per
    commune and year. The column is absent for years before 2024.

Each monthly parameter is combined with the base salary over the sub-periods in which both
are in force (:meth:`khoan.params.ParameterTree.segments`): in June 2019 the NHĐKCT fund is 24/30 of a month at
the NĐ 92/2009 level and 6/30 at the NĐ 34/2019 level. Rounding: each component is rounded
once per commune and year to the đồng (half up); payroll components are the sums of the
per-person rounded amounts; ``total`` is an exact integer sum.

The rules are coded once, in :mod:`khoan.lumpsum` (also used by the scenario projection).
``khoan.settlement.settle(model, year, actual)`` then counts the savings and their uses.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._callable import make_callable
from .errors import ParameterError
from .lumpsum import (
    COMPONENTS,
    KEYS,
    NORM_KEYS,
    SALARY_FUND_PARTS,
    CommuneArrays,
    components,
    quota,
    year_rates,
)
from .notes import Note, vi_number
from .payroll import CATEGORIES, CONTRIBUTIONS, annual_frame, run, staffing_mask
from .periods import group_sum, msum, round_vnd
from .report.labels import label as _report_label
from .report.result import Result, provenance

__all__ = [
    "COMPONENTS",
    "NORM_KEYS",
    "SALARY_FUND_PARTS",
    "BudgetResult",
    "budget",
    "budget_of_run",
]


def __getattr__(name: str) -> Any:
    # the settlement has its own module (khoan.settlement); these names stay importable from
    # khoan.budget for existing code (a deferred alias, not a dependency of this module)
    if name in ("settle", "SettlementResult"):
        from . import settlement

        return getattr(settlement, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
    out = _report_label(name, lang)
    if out == name:
        out = (_LABELS_VI if lang == "vi" else _LABELS_EN).get(name, name)
    return out


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

        t = self._r.table
        parts = [c for c in COMPONENTS if c in t.columns and t[c].any()]
        return plots.top_communes(
            t,
            parts,
            by="total",
            top=top,
            title=text(
                f"Kinh phí khoán {self._r.year} theo thành phần",
                f"Lump sum {self._r.year} by component",
                lang,
            ),
            detail=text("kinh phí lớn nhất", "largest first", lang),
            lang=lang,
            ax=ax,
        )


@dataclass
class BudgetResult(Result):
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
        """:data:`~khoan.report.result.PROVENANCE_KEYS`, then ``year`` and ``notes``."""
        return {**provenance(self._model), "year": self.year, "notes": list(self.notes)}

    def summary(self) -> dict[str, Any]:
        """Headline figures: ``year``, ``communes`` and the province total of each component
        and of ``total`` (VND/year)."""
        prov = self.province.iloc[0]
        return {
            "year": int(self.year),
            "communes": len(self.table),
            **{c: int(prov[c]) for c in (*COMPONENTS, "total")},
        }

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
        from .report.labels import describe_params, text

        s = self.summary()
        summary = {c: s[c] for c in (*COMPONENTS, "total")}
        params = self.params_used.drop(columns=["source"], errors="ignore")
        model = self._model
        params = describe_params(params, getattr(model, "params", None))
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
            communes=getattr(model, "communes", None),
            subtotals={"by_commune": ["district_name", "type"]},
        )

    def _html_title(self, lang: str = "vi") -> str:
        from .report.labels import text

        return text(
            f"Kinh phí khoán {self.year} — {self.model_name}",
            f"Lump sums {self.year} — {self.model_name}",
            lang,
        )

    def __repr__(self) -> str:
        return (
            f"<BudgetResult {self.year}: {len(self.table)} communes, "
            f"total {int(self.table['total'].sum()):,} VND>"
        )


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
    return budget_of_run(model, r)


def budget_of_run(model, r) -> BudgetResult:
    """The lump sum of a payroll run (:func:`khoan.payroll.run`) of ``model``.

    :func:`budget` is ``budget_of_run(model, run(model, year, staff))``; the settlement uses it
    to cost another approved staffing on the same roster.
    """
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
    grade = group_sum(ci, r.annual["salary_fund_grade"][staffing], nc)
    arrays = CommuneArrays.from_table(c)
    approved = arrays.approved
    keys = [*r.keys, *KEYS]
    try:
        rates = year_rates(p, year, arrays)
        ls = components(
            rates,
            approved,
            r.staffing_days,
            group_sum(ci, sf_person[staffing], nc),
            group_sum(ci, co_person[staffing], nc),
        )
        notes = list(rates.notes)
        years = getattr(model, "years", None) or []
        if getattr(model, "meta", {}).get("years") and year not in years:
            notes.insert(
                0,
                Note(
                    f"{year} is outside the model's years {years[0]}–{years[-1]} (model.toml): "
                    "the communes, approved posts and roster are those of the model, only the "
                    "law is that of the year",
                    f"Năm {year} nằm ngoài các năm của mô hình {years[0]}–{years[-1]} "
                    "(model.toml): đơn vị cấp xã, biên chế được giao và danh sách cán bộ là của "
                    "mô hình, chỉ có quy định pháp luật là của năm đó",
                ),
            )
        if getattr(model, "registry_note", None):
            notes.append(model.registry_note)
        pnote = _position_note(model, p, year)
        if pnote:
            notes.append(pnote)
        q = quota(p, year, c["type"].to_numpy(), c["class"].to_numpy())
        keys.append("staffing.quota.cadres_civil_servants")
        over = np.isfinite(q) & (approved > q)
        if over.any():
            # not capped here: a commune may be in a transition to a lower quota (e.g. after
            # NĐ 34/2019), which is the staffing decision's business, not the costing's
            excess = int((approved - np.where(over, q, approved)).sum())
            notes.append(
                Note(
                    f"{int(over.sum())} of {nc} communes have more approved posts than the legal "
                    f"quota on {year}-12-31 (staffing.quota.cadres_civil_servants; {excess:,} "
                    "posts above in all): their vacant posts and operating spending are costed "
                    "on the approved number; see details['quota_posts']",
                    f"{vi_number(int(over.sum()))} trong {vi_number(nc)} đơn vị cấp xã có biên "
                    "chế được giao nhiều hơn số lượng cán bộ, công chức theo quy định tại ngày "
                    f"31/12/{year} (staffing.quota.cadres_civil_servants; tổng cộng vượt "
                    f"{vi_number(excess)} biên chế): biên chế chưa tuyển và chi hoạt động của "
                    "các đơn vị này được tính theo số biên chế được giao; xem "
                    "details['quota_posts']",
                )
            )
    except ParameterError as exc:
        raise _cover_year(year, "budget", exc) from None
    table = pd.DataFrame(
        {"code": c["code"].astype(str).to_numpy(), "name": c["name"].astype(str).to_numpy()}
    )
    for k in COMPONENTS:
        table[k] = ls.parts[k]
    table["total"] = ls.total
    bonus = bonus_fund(p, r)
    if bonus is not None:
        # outside the lump sum (NĐ 73/2024 Điều 4): reported beside ``total``, not in it
        table["bonus_fund"] = bonus
        keys += ["bonus_fund.rate", "bonus_fund.base"]
        notes.append(
            Note(
                f"bonus_fund {int(bonus.sum()):,} VND: NĐ 73/2024 bonus fund (bonus_fund.rate × "
                "salary fund without allowances of the cadres and civil servants on the roster), "
                "outside the lump sum and not in total",
                f"Quỹ khen thưởng (bonus_fund) {vi_number(int(bonus.sum()))} đồng: quỹ khen "
                "thưởng theo NĐ 73/2024 (bonus_fund.rate × quỹ lương không kể phụ cấp của cán "
                "bộ, công chức trong danh sách), ngoài kinh phí khoán và không cộng vào tổng",
            )
        )
    is_nh = inp.catcode == CATEGORIES.index("nhdkct")
    is_hd = inp.catcode == CATEGORIES.index("hop_dong")
    person_total = sf_person + co_person + r.annual["nhdkct_allowance"]
    ydays = int(rates.mdays.sum())
    details = pd.DataFrame(
        {
            "code": table["code"],
            "approved_posts": approved,
            "filled_posts": r.staffing_days.sum(axis=1) / ydays,
            "vacant_posts": ls.vacant_days.sum(axis=1) / ydays,
            "quota_posts": q,
            "salary_fund_grade": grade,
            "vacancy_contributions": ls.vacancy_contributions,
            "roster_nhdkct": group_sum(inp.cidx[is_nh], person_total[is_nh], nc),
            "roster_hop_dong": group_sum(inp.cidx[is_hd], person_total[is_hd], nc),
        }
    )
    return BudgetResult(
        year=year,
        table=table,
        details=details,
        params_used=p.in_force(keys, _dt.date(year, 1, 1), _dt.date(year, 12, 31)),
        model_name=getattr(model, "name", ""),
        _model=model,
        notes=notes,
        _run=r,
    )


def bonus_fund(params, r) -> np.ndarray | None:
    """Bonus fund of NĐ 73/2024/NĐ-CP Điều 4 per commune (VND/year, int64), or None.

    ``Σ_m bonus_fund.rate_m × B[c, m]`` rounded to the đồng once per commune, where ``B`` is
    the monthly salary fund without allowances (``bonus_fund.base`` terms × base salary, pro
    rata of the days present) of the cadres and civil servants of the payroll run ``r``; the
    rate is day-weighted by month (0 before 2024-07-01). None when the rate is 0 all year.
    """
    if r.bonus_base_monthly is None or "bonus_fund.rate" not in params:
        return None
    rate = np.asarray(params.monthly("bonus_fund.rate", r.year), dtype=float)
    if not (rate > 0).any():
        return None
    return round_vnd(msum((r.bonus_base_monthly * rate[None, :]).T))


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
    # a lookup per distinct position, not per person (421k people, a few dozen positions)
    codes, positions = pd.factorize(s["position"])
    vals = [table.get(str(x)) for x in positions]
    per_position = np.array([np.nan if v is None else float(v) for v in vals] + [np.nan])
    law = per_position[codes]  # code -1 (missing position) -> the trailing NaN
    untrained = np.asarray(s["grade"].to_numpy(dtype=object) == "cadre_untrained", dtype=bool)
    have = ~np.isnan(law) & ~untrained
    coef = pd.to_numeric(s["position_coef"], errors="coerce").to_numpy(dtype=float)
    diff = have & ~np.isclose(np.nan_to_num(coef, nan=-1.0), law, atol=5e-4)
    if not diff.any():
        return None
    k = int(np.flatnonzero(diff)[0])
    return Note(
        f"{int(diff.sum())} people's position allowance in the roster differs from {key} in "
        f"force on {day} (e.g. {s['id'].iloc[k]}, {s['position'].iloc[k]}: "
        f"{coef[k]:g} in the roster, {law[k]:g} in the law): the roster's values are "
        "paid; update position_coef if the law changed since the roster was made",
        f"{vi_number(int(diff.sum()))} người có hệ số phụ cấp chức vụ trong danh sách khác với "
        f"{key} có hiệu lực ngày {day:%d/%m/%Y} (ví dụ {s['id'].iloc[k]}, "
        f"{s['position'].iloc[k]}: {vi_number(float(coef[k]))} trong danh sách, "
        f"{vi_number(float(law[k]))} theo quy định): chi trả theo hệ số trong danh sách; cập "
        "nhật position_coef nếu quy định đã thay đổi sau khi lập danh sách",
    )


# ``khoan.budget`` is the function at the package level: carry the rules in its help.
budget.__doc__ = (budget.__doc__ or "") + "\n" + (__doc__ or "")


make_callable(__name__, f"{__name__}:budget")  # khoan.budget(model, year) is budget()
