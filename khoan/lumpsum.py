"""The lump-sum core: commune arrays in, components out — every lump-sum rule once.

:func:`khoan.budget.budget` (one year, the model's roster) and the scenario projection
(:mod:`khoan.scenarios.simulate`, many rosters and approved staffings a year) both call it:

1. :func:`year_rates` reads the parameters of a year once: the cost of a vacant post and its
   contribution rate by month, the provincial norms, and the amounts per commune that depend
   on neither the roster nor the approved posts (NHĐKCT and village funds, amount per
   commune, purchases and repairs, special tasks);
2. :func:`components` turns the approved posts, the person-days of the cadres and civil
   servants present and their pay into the components (VND/year, int64).

The rules (NĐ 130/2005/NĐ-CP amended by NĐ 117/2013/NĐ-CP; TTLT 71/2014/TTLT-BTC-BNV Điều 3;
DOMAIN §2) are documented on :mod:`khoan.budget`; the TNTT cap (TTLT 71/2014 Điều 6, NQ
54/2017/QH14 for Hồ Chí Minh City) is :func:`tntt_cap_ratio` and :func:`tntt_cap`.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .errors import ParameterError
from .notes import Note
from .payroll import CATEGORIES, CONTRIBUTIONS, PAY_COMPONENTS, contribution_rates
from .periods import checked_total, month_bounds, msum, round_vnd

__all__ = [
    "COMPONENTS",
    "KEYS",
    "NORM_KEYS",
    "SALARY_FUND_PARTS",
    "CommuneArrays",
    "LumpSum",
    "YearRates",
    "components",
    "nhdkct_monthly",
    "operating_norm",
    "quota",
    "tntt_cap",
    "tntt_cap_ratio",
    "vacancy_rates",
    "village_monthly",
    "year_rates",
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
#: Provincial norms; only ``per_post`` is required (the others are 0 when the province's
#: ``params/`` do not set them — :attr:`YearRates.notes` says so).
NORM_KEYS = {
    "per_post": "norms.provincial.per_post",
    "per_commune": "norms.provincial.per_commune",
    "purchases_repairs": "norms.provincial.purchases_repairs",
}
#: Payroll components that make up ``salary_fund`` (the NHĐKCT allowance has its own fund).
SALARY_FUND_PARTS = tuple(c for c in PAY_COMPONENTS if c != "nhdkct_allowance")
#: Parameters the lump sum reads beyond the payroll's (for "parameters used").
KEYS: tuple[str, ...] = (
    "salary.vacancy_coefficient",
    "staffing.nhdkct_fund",
    "staffing.quota.nhdkct",
    "staffing.nhdkct_fund_extra_per_worker",
    "staffing.village_fund",
    *NORM_KEYS.values(),
)


def _int_col(df: pd.DataFrame, name: str) -> np.ndarray:
    if name not in df.columns:
        return np.zeros(len(df), dtype=np.int64)
    return pd.to_numeric(df[name], errors="coerce").fillna(0).to_numpy().astype(np.int64)


@dataclass(frozen=True)
class CommuneArrays:
    """The communes table as the lump sum reads it (one entry per commune).

    ``cls`` commune class (1–3); ``approved`` approved posts of cadres and civil servants;
    ``approved_nhdkct`` approved NHĐKCT workers; ``villages_large`` / ``villages_other``
    villages and residential groups; ``special_tasks`` VND/year.
    """

    cls: np.ndarray
    approved: np.ndarray
    approved_nhdkct: np.ndarray
    villages_large: np.ndarray
    villages_other: np.ndarray
    special_tasks: np.ndarray

    @classmethod
    def from_table(cls, c: pd.DataFrame) -> CommuneArrays:
        """From a model's communes table (missing count columns are 0)."""
        return cls(
            cls=c["class"].to_numpy(),
            approved=_int_col(c, "approved_posts"),
            approved_nhdkct=_int_col(c, "approved_nhdkct"),
            villages_large=_int_col(c, "villages_large"),
            villages_other=_int_col(c, "villages_other"),
            special_tasks=_int_col(c, "special_tasks"),
        )


# ---------------------------------------------------------------------------------------------
# monthly commune-level parameter series


def vacancy_rates(params, year: int) -> tuple[np.ndarray, np.ndarray]:
    """Cost of one vacant post per month (VND) and its contribution rate per month.

    Returns
    -------
    (cost, rate) : arrays (12,)
        ``cost[m]`` = Σ over sub-periods of ``salary.vacancy_coefficient`` × base salary ×
        day share; ``rate[m]`` = employer contribution rate of a civil servant (BHXH + BHYT +
        KPCĐ, + BHTN where ``contributions.bhtn_default`` covers civil servants).
    """
    cost = np.zeros(12)
    for seg in params.segments(["salary.vacancy_coefficient", "salary.base"], year):
        cost += seg.weights * (seg.number(0) * seg.number(1))
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
    for seg in params.segments([kf, kq, ke, kb], year):
        if seg.values[0] is None:
            fund = np.zeros(len(cls))
        else:
            fund = np.asarray(params.lookup(kf, seg.starts[0], cls), dtype=float)
        extra = seg.number(2)
        base = seg.number(3)
        if extra:
            if seg.values[1] is None:
                q = np.zeros(len(cls))
            else:
                q = np.asarray(params.lookup(kq, seg.starts[1], cls), dtype=float)
            fund = fund + extra * np.maximum(approved - q, 0.0)
        out += seg.weights[:, None] * (fund * base)[None, :]
    return out


def village_monthly(params, year: int, large: np.ndarray, other: np.ndarray) -> np.ndarray:
    """Village / residential-group allowance fund per commune and month, VND: (12, n)."""
    out = np.zeros((12, len(large)))
    for seg in params.segments(["staffing.village_fund", "salary.base"], year):
        v = seg.values[0]
        if not v:
            continue
        base = seg.number(1)
        amount = (float(v.get("large", 0.0)) * large + float(v.get("other", 0.0)) * other) * base
        out += seg.weights[:, None] * amount[None, :]
    return out


def operating_norm(
    params, year: int, key: str = "norms.provincial.per_post", required: bool = True
) -> float:
    """Provincial norm for ``year`` (VND per post or per commune per year, day-weighted).

    A norm that changes inside the year is weighted by month (each month 1/12, day-weighted
    inside a month). A norm that is not in the parameters is 0 unless ``required``.
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
    for seg in params.segments([key], year):
        norm += seg.number(0) * (seg.weights.sum() / 12.0)
    return norm


def quota(params, year: int, types: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """Legal quota of cadres and civil servants per commune on 31 December (NaN when none).

    ``staffing.quota.cadres_civil_servants`` by commune type and class.
    """
    key = "staffing.quota.cadres_civil_servants"
    dec31 = _dt.date(year, 12, 31)
    if key not in params or params.value(key, dec31) is None:
        return np.full(len(types), np.nan)
    return np.asarray(params.lookup(key, dec31, types, classes), dtype=float)


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


def tntt_cap(ratio: float, grade_fund: np.ndarray) -> np.ndarray:
    """TNTT cap per commune, VND/year: ``ratio`` × salary fund by grade, rounded to the đồng."""
    return round_vnd(ratio * np.asarray(grade_fund))


# ---------------------------------------------------------------------------------------------
# the core


@dataclass
class YearRates:
    """Parameters of the lump sum for one year, read once (see :func:`year_rates`).

    ``vac_cost`` / ``vac_rate`` (12,): cost of a vacant post per month (VND) and its employer
    contribution rate; ``norm`` VND per approved post and year; ``fixed`` per commune, VND/year
    (int64): the components that depend on neither the roster nor the approved posts.
    """

    year: int
    mdays: np.ndarray  # (12,) days per month
    vac_cost: np.ndarray
    vac_rate: np.ndarray
    norm: float
    per_commune: int
    fixed: dict[str, np.ndarray]
    notes: list[str] = field(default_factory=list)


def year_rates(params, year: int, communes: CommuneArrays) -> YearRates:
    """Read the lump-sum parameters of ``year`` for ``communes``.

    Raises
    ------
    ParameterError
        A parameter has no value for part of the year, or there is no provincial norm per
        approved post.
    """
    vac_cost, vac_rate = vacancy_rates(params, year)
    nc = len(communes.cls)
    nh = nhdkct_monthly(params, year, communes.cls, communes.approved_nhdkct.astype(float))
    vil = village_monthly(
        params,
        year,
        communes.villages_large.astype(float),
        communes.villages_other.astype(float),
    )
    norm = operating_norm(params, year)
    per_commune = operating_norm(params, year, NORM_KEYS["per_commune"], required=False)
    purchases = operating_norm(params, year, NORM_KEYS["purchases_repairs"], required=False)
    notes = [
        Note(
            f"{k} is not set in the parameters: counted as 0",
            f"{k} không có trong các tham số: tính bằng 0",
        )
        for k in list(NORM_KEYS.values())[1:]
        if k not in params
    ]
    return YearRates(
        year=year,
        mdays=np.diff(month_bounds(year)),
        vac_cost=vac_cost,
        vac_rate=vac_rate,
        norm=norm,
        per_commune=int(round_vnd(per_commune)),
        fixed={
            "nhdkct_fund": round_vnd(msum(nh)),
            "village_fund": round_vnd(msum(vil)),
            "purchases_repairs": np.full(nc, round_vnd(purchases), dtype=np.int64),
            "special_tasks": communes.special_tasks.astype(np.int64),
        },
        notes=notes,
    )


@dataclass
class LumpSum:
    """Components of the lump sum per commune (VND/year, int64) and what they were built of.

    ``parts`` maps every name of :data:`COMPONENTS` to an array; ``total`` is their exact sum;
    ``vacancy_contributions`` (part of ``contributions``) and ``vacant_days`` (n, 12) are the
    vacant posts' share.
    """

    parts: dict[str, np.ndarray]
    total: np.ndarray
    vacancy_contributions: np.ndarray
    vacant_days: np.ndarray

    @property
    def vacancy_saving(self) -> np.ndarray:
        """Lump sum of the vacant posts and their contributions (VND/year)."""
        return self.parts["vacancy_fund"] + self.vacancy_contributions


def components(
    rates: YearRates,
    approved: np.ndarray,
    staffing_days: np.ndarray,
    salary_fund: np.ndarray,
    contributions: np.ndarray,
) -> LumpSum:
    """The lump sum of every commune for a year.

    Parameters
    ----------
    rates : YearRates
        From :func:`year_rates`.
    approved : array (n,)
        Approved posts of cadres and civil servants.
    staffing_days : array (n, 12)
        Person-days of the cadres and civil servants present, by month.
    salary_fund, contributions : array (n,) int64
        Their pay (salary and allowances, VND/year) and employer contributions (VND/year),
        the sums of the per-person rounded payroll amounts.

    Returns
    -------
    LumpSum

    Notes
    -----
    - Vacant posts, month by month: ``max(approved × days − person-days, 0) / days`` posts,
      each costed at ``salary.vacancy_coefficient`` × base salary, plus the employer
      contributions of a civil servant; each rounded once per commune and year.
    - Operating: ``approved × norms.provincial.per_post`` + ``norms.provincial.per_commune``,
      each rounded to the đồng.
    """
    mdays = rates.mdays
    approved = np.asarray(approved)
    vac_days = np.maximum(approved[:, None] * mdays[None, :] - staffing_days, 0)
    vac_posts = (vac_days / mdays[None, :]).T  # (12, n)
    vac_amount = rates.vac_cost[:, None] * vac_posts
    vacancy = round_vnd(msum(vac_amount))
    vac_contrib = round_vnd(msum(rates.vac_rate[:, None] * vac_amount))
    parts = {
        "salary_fund": np.asarray(salary_fund, dtype=np.int64),
        "vacancy_fund": vacancy,
        "contributions": np.asarray(contributions, dtype=np.int64) + vac_contrib,
        **rates.fixed,
        "operating": round_vnd(approved * rates.norm) + rates.per_commune,
    }
    parts = {k: parts[k] for k in COMPONENTS}
    total = checked_total(parts, "lump sum")
    parts = {k: np.asarray(v).astype(np.int64) for k, v in parts.items()}
    return LumpSum(
        parts=parts, total=total, vacancy_contributions=vac_contrib, vacant_days=vac_days
    )
