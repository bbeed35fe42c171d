"""Staff-reduction benefits (tinh giản biên chế), on the statutory retirement age.

Everything is vectorised over people (numpy/pandas); the only Python loops run over the
regimes' rules and the distinct leave dates.
Every amount comes from the dated parameters (``khoan/params/law/retirement/`` and
``khoan/params/law/benefits/``); none is written here.

Rules and their legal basis
---------------------------
Retirement age, reduced retirement age, year rounding
    :mod:`khoan.retirement` (:func:`retirement_date`, :func:`retirement_age`,
    :func:`round_years` and :func:`months_between` are re-exported here); months early
    count to the pension start it gives, insured years round by its rule.
Benefits (:func:`compute`)
    ``nd108`` — NĐ 108/2014 → 113/2018 → 143/2020 → NĐ 29/2023, leave dates 2015–2024.
    ``nd178`` — NĐ 178/2024 as amended by NĐ 67/2025 (guidance TT 01/2025/TT-BNV), from 2025.
    ``nd154`` — NĐ 154/2025 Điều 9: commune non-professional workers (NHĐKCT) leaving at the
    move to two-tier local government (2025-07-01 to 2026-05-30). See each ``_nd*`` function.
Salary basis (``benefits.<r>.salary_basis``)
    Which pay components make the monthly salary (``components``), over how many months before
    leaving it is averaged (``average_months``, 0: none) and which benefit components are paid
    on that average (``on_average``; the others on the current salary of the month before
    leaving). NĐ 108 family (NĐ 108/2014 Điều 12, NĐ 29/2023 Điều 10): grade/step or position
    salary + leadership allowance + TNVK + bảo lưu, the lump sums on the 60-month average, the
    job-search pay on the current salary. NĐ 178: the current salary, public-service allowance
    included. NĐ 154: the NHĐKCT monthly allowance. The salary history behind an average is
    built by :mod:`khoan.salary_history`.

Periods
-------
Whole months between two dates are counted as calendar months, minus one when the day of the
end date is before the day of the start date (2025-03-15 → 2028-10-01 is 42 months).
``months_early`` is the number of whole months from the leave date to the statutory pension
start; the insured period runs from ``insured_since`` to the leave date. Band limits and
minimum insured years use these exact whole months; amounts per year use rounded years.

Parameter keys read here
------------------------
(``docs/parameter-keys.md`` refers to this list.)

=================================================  ==========  ================================
key                                                unit        shape
=================================================  ==========  ================================
retirement.age.pre_2021                            years       {sex: [years, months]}
retirement.age.schedule                            years       {sex: {year: [years, months]}}
retirement.reduced.pre_2021                        years       {sex: [years, months]}
retirement.reduced.schedule                        years       {sex: {year: [years, months]}}
retirement.reduced.min_years                       years       number (15; roster.reduced_age)
retirement.reduced.region_coef_min                 coefficient number (0.7; roster.reduced_age)
retirement.year_rounding                           months      {half_year_from, full_year_from}
benefits.<r>.in_force                              bool        bool (r = nd108, nd178, nd154)
benefits.<r>.min_insured_years                     years       number (nd108, nd178)
benefits.nd178.decision_window_months              months      number (12)
benefits.<r>.early.band_max_months                 months      {band: max whole months early}
benefits.<r>.early.months_per_year_early           months/year {band: months}
benefits.<r>.early.insured_components              bool        {band: bool}
benefits.<r>.early.insured_first_years             years       number (20)
benefits.<r>.early.insured_first_months            months      number (5)
benefits.<r>.early.insured_further_months_per_year months/year number (0.5)
benefits.nd178.early.lump_factor_within / _after   rate        {band: factor}
benefits.nd178.early.lump_months_cap               months      number (60)
benefits.nd178.early.variant_first_years           years       number (15) or null
benefits.nd178.early.variant_first_months          months      number (4)
benefits.nd178.early.variant_further_months_per_year months/year number (0.5)
benefits.nd178.early.variant_below_years           years       number (20)
benefits.<r>.resignation.job_search_months         months      number (3)
benefits.<r>.resignation.months_per_insured_year   months/year number (1.5)
benefits.nd178.resignation.severance_factor_within / _after  rate  number (0.8 / 0.4)
benefits.nd178.resignation.severance_months_cap    months      number (60)
benefits.nd154.severance_factor                    rate        number (0.8)
benefits.nd154.short_service_years                 years       number (5)
benefits.nd154.severance_months_cap                months      number (60)
benefits.nd154.months_per_year_worked              months/year number (1.5)
benefits.nd154.job_search_months                   months      number (3)
benefits.nd154.at_retirement_age_months            months      number (15)
benefits.<r>.salary_basis.components               text        [payroll component]
benefits.<r>.salary_basis.average_months           months      number (60; 0 = none)
benefits.<r>.salary_basis.on_average               text        [benefit component]
=================================================  ==========  ================================
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from .benefit_inputs import DATES, People, check_in_force, people_of, periods, prepare
from .errors import ScenarioError
from .params import ParameterTree, to_date
from .retirement import (
    law_tree,
    months_between,
    retirement_age,
    retirement_date,
    round_years,
)

__all__ = [
    "COLUMNS",
    "COMPONENTS",
    "KINDS",
    "REGIMES",
    "People",
    "compute",
    "compute_people",
    "months_between",
    "retirement_age",
    "retirement_date",
    "round_years",
]

#: Benefit regimes accepted by :func:`compute`.
REGIMES = ("nd108", "nd178", "nd154")
#: Kinds of departure accepted by :func:`compute`.
KINDS = ("early_retirement", "resignation")

#: Money columns (int64 VND) returned by :func:`compute`, by kind.
COMPONENTS: dict[str, tuple[str, ...]] = {
    "early_retirement": (
        # factor × salary × min(months early, cap)                    (NĐ 178 only)
        "early_months_lump",
        # months per year early × years early (rounded) × salary
        "early_years",
        # fixed months for the first 20 (or 15) insured years × salary
        "insured_first",
        # months per further insured year × further years × salary
        "insured_further",
    ),
    "resignation": (
        # factor × salary × months of severance                   (NĐ 178, NĐ 154)
        "severance",
        # months per insured (worked) year × years (rounded) × salary
        "per_insured_year",
        # job-search allowance: months × salary
        "job_search",
        # NHĐKCT at or past the retirement age: months × allowance      (NĐ 154 only)
        "at_retirement_age",
    ),
}

#: Descriptive columns returned by :func:`compute` before the money columns.
COLUMNS = (
    "eligible",  # bool: False -> every money column is 0 and `reason` says why
    "reason",  # str: why not eligible ("" when eligible)
    "band",  # str: early-retirement band (under_2, 2_5, 5_10) or NĐ 154 group
    "retirement_date",  # datetime64: first day of the statutory pension
    "months_early",  # int: whole months from the leave date to retirement_date
    "years_early",  # float: months_early rounded (round_years), 0 when not positive
    "insured_years",  # float: insured (NĐ 154: worked) years, rounded
    "months_after_decision",  # int: whole months from the decision date to the leave date
    "current_salary",  # int64 VND/month: the current salary (month before leaving)
    "average_salary",  # int64 VND/month: the average salary (= current where none is used)
    "benefit_months",  # float: months of salary paid, summed over the components
    "basis_note",  # str: how the salary basis was obtained, when it is not plain
)

#: Note when a regime pays on an average salary and the caller gave none.
NO_AVERAGE_NOTE = "no salary history: average salary = current salary"


# ---------------------------------------------------------------------------------------------
# benefits


def _money(months_of_salary: np.ndarray, salary: np.ndarray, eligible: np.ndarray) -> np.ndarray:
    """Months of salary × salary, rounded half up to whole VND; 0 where not eligible."""
    amount = np.floor(np.asarray(months_of_salary, dtype=float) * salary + 0.5)
    return np.where(eligible, amount, 0).astype(np.int64)


class _Block:
    """People leaving on one date, with the periods every rule needs."""

    def __init__(self, p: People, leave: _dt.date, tree: ParameterTree, regime: str):
        self.people, self.leave, self.tree, self.regime = p, leave, tree, regime
        self.n = len(p.id)
        self.current = np.floor(np.asarray(p.current_salary, dtype=float) + 0.5)
        average = np.asarray(p.average_salary, dtype=float)
        uses_average = self.num("salary_basis.average_months") > 0
        missing = np.isnan(average)
        self.average = np.floor(np.where(missing, self.current, average) + 0.5)
        self.on_average = frozenset(self.value("salary_basis.on_average") or ())
        self.basis_note = np.asarray(p.basis_note, dtype=object).copy()
        if uses_average and missing.any():
            given = pd.Series(self.basis_note[missing], dtype=object)
            self.basis_note[missing] = np.where(
                given != "", given + "; " + NO_AVERAGE_NOTE, NO_AVERAGE_NOTE
            )
        self.months = np.zeros(self.n, dtype=float)
        self.unemployment_insured = np.asarray(p.unemployment_insured, dtype=bool)
        per = periods(p, leave, tree)  # retirement date, months early, insured years
        self.retire, self.months_early = per.retire, per.months_early
        self.years_early, self.months_after_decision = per.years_early, per.months_after_decision
        self.insured_months, self.insured_years = per.insured_months, per.insured_years
        self.eligible = np.ones(self.n, dtype=bool)
        self.reason = np.full(self.n, "", dtype=object)
        self.band = np.full(self.n, "", dtype=object)
        # set by assign_bands: the band names by limit and each person's (-1: none)
        self.band_names: list[str] = []
        self.band_code = np.full(self.n, -1, dtype=np.int64)

    def num(self, key: str) -> float:
        return self.tree.number(f"benefits.{self.regime}.{key}", self.leave)

    def money(self, name: str, months_of_salary: Any, eligible: np.ndarray) -> np.ndarray:
        """Component ``name``: months of salary × its basis (``salary_basis.on_average``: the
        average salary, else the current salary), whole VND; the months are added to
        ``benefit_months`` where eligible."""
        months = np.broadcast_to(np.asarray(months_of_salary, dtype=float), (self.n,))
        self.months += np.where(eligible, months, 0.0)
        basis = self.average if name in self.on_average else self.current
        return _money(months, basis, eligible)

    def value(self, key: str) -> Any:
        return self.tree.value(f"benefits.{self.regime}.{key}", self.leave)

    def by_band(self, key: str) -> np.ndarray:
        """Per-person value of a band lookup (ineligible people get the first band's value)."""
        table = self.value(key)
        # a few bands for many people: look each band up once, in the order they first appear
        labels = np.array([*self.band_names, next(iter(table))], dtype=object)
        code = np.where(self.band_code >= 0, self.band_code, len(labels) - 1)
        seen, first = np.unique(code, return_index=True)
        seen = seen[np.argsort(first)]
        values = self.tree.lookup(f"benefits.{self.regime}.{key}", self.leave, labels[seen])
        out = np.empty(len(labels), dtype=values.dtype)
        out[seen] = values
        return out[code]

    def refuse(self, mask: np.ndarray, reason: str) -> None:
        new = mask & self.eligible
        self.reason[new] = reason
        self.eligible &= ~mask

    def assign_bands(self) -> None:
        """Early-retirement band from whole months early; too far or too late → not eligible."""
        table = self.value("early.band_max_months")
        names = sorted(table, key=lambda k: table[k])
        limits = np.asarray([table[k] for k in names], dtype=np.int64)
        idx = np.searchsorted(limits, self.months_early, side="left")
        self.refuse(self.months_early <= 0, "at or past the statutory retirement age")
        self.refuse(
            idx >= len(names),
            f"more than {limits[-1]} months before the retirement age ({self.regime})",
        )
        self.band_names = names
        self.band_code = np.where(self.eligible, np.minimum(idx, len(names) - 1), -1)
        self.band = np.where(
            self.band_code >= 0, np.asarray(names, dtype=object)[self.band_code], ""
        )

    def columns(self, kind: str, money: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """The result's columns (:data:`COLUMNS`, the kind's components, ``total``)."""
        cols = {
            "eligible": self.eligible,
            "reason": self.reason,
            "band": self.band.astype(object),
            "retirement_date": self.retire.astype("datetime64[ns]"),
            "months_early": self.months_early.astype(np.int64),
            "years_early": np.asarray(self.years_early, dtype=float),
            "insured_years": np.asarray(self.insured_years, dtype=float),
            "months_after_decision": np.array(self.months_after_decision, dtype=np.int64),
            "current_salary": self.current.astype(np.int64),
            "average_salary": self.average.astype(np.int64),
            "benefit_months": self.months,
            "basis_note": self.basis_note,
        }
        total = np.zeros(self.n, dtype=np.int64)
        for name in COMPONENTS[kind]:
            v = money.get(name, np.zeros(self.n, dtype=np.int64)).astype(np.int64)
            cols[name] = v
            total += v
        cols["total"] = total
        return cols

    def frame(self, kind: str, money: dict[str, np.ndarray]) -> pd.DataFrame:
        return pd.DataFrame(
            self.columns(kind, money), index=pd.Index(np.asarray(self.people.id), name="id")
        )


def _insured_allowance(b: _Block, variant: bool) -> tuple[np.ndarray, np.ndarray]:
    """Months of salary for the first insured years and for the further years.

    ``first_months`` for the first ``first_years`` insured years, ``further_months_per_year``
    for each rounded year beyond. With ``variant`` (NĐ 67/2025), people whose rounded insured
    years are at least ``variant_first_years`` and below ``variant_below_years`` get
    ``variant_first_months`` for the first ``variant_first_years`` instead, and the same
    further months per year beyond them.
    """
    y = np.asarray(b.insured_years, dtype=float)
    first_years = np.full(b.n, b.num("early.insured_first_years"))
    first = np.full(b.n, b.num("early.insured_first_months"))
    per_year = np.full(b.n, b.num("early.insured_further_months_per_year"))
    if variant and b.value("early.variant_first_years") is not None:
        vy = b.num("early.variant_first_years")
        use = (y >= vy) & (y < b.num("early.variant_below_years"))
        first_years = np.where(use, vy, first_years)
        first = np.where(use, b.num("early.variant_first_months"), first)
        per_year = np.where(use, b.num("early.variant_further_months_per_year"), per_year)
    further = per_year * np.maximum(y - first_years, 0.0)
    return first, further


def _early_common(b: _Block) -> None:
    b.assign_bands()
    min_years = b.num("min_insured_years")
    b.refuse(
        b.insured_months < round(min_years * 12),
        f"fewer than {min_years:g} insured years (no pension yet)",
    )


def _nd108_early(b: _Block) -> dict[str, np.ndarray]:
    """Early retirement, NĐ 108/2014 Điều 8 (as amended by NĐ 113/2018, NĐ 143/2020; NĐ 29/2023).

    Eligible: at least ``min_insured_years`` (20) insured years and at most ``band 2_5`` (60)
    whole months before the retirement age. The pension is paid without the reduction for early
    retirement (not a lump sum, not computed here), plus:

    - ``early_years`` = ``months_per_year_early[band]`` (3 for 2–5 years) × years early ×
      average salary;
    - ``insured_first`` = 5 months' average salary for the first 20 insured years;
    - ``insured_further`` = 0.5 month's average salary per insured year from the 21st.

    The average salary is that of the last 60 months (NĐ 108/2014 Điều 12, NĐ 29/2023 Điều 10;
    ``salary_basis``): coefficient 3.00 from 2019-08 to 2024-07, leaving 2024-08-01 3 years early
    with 30 insured years → (47 × 1,490,000 + 12 × 1,800,000 + 2,340,000) × 3.00 / 60 = 4,698,500
    and 9 + 5 + 5 = 19 months = 89,271,500 đ.

    Under 2 years early (band ``under_2``, unconfirmed) no lump sum is paid.
    """
    _early_common(b)
    per_year = b.by_band("early.months_per_year_early")
    insured = b.by_band("early.insured_components").astype(bool)
    first, further = _insured_allowance(b, variant=False)
    ok = b.eligible
    return {
        "early_years": b.money("early_years", per_year * b.years_early, ok),
        "insured_first": b.money("insured_first", first, ok & insured),
        "insured_further": b.money("insured_further", further, ok & insured),
    }


def _within_window(b: _Block) -> np.ndarray:
    return b.months_after_decision < b.num("decision_window_months")


def _nd178_early(b: _Block) -> dict[str, np.ndarray]:
    """Early retirement, NĐ 178/2024 Điều 7 as amended by NĐ 67/2025 (TT 01/2025/TT-BNV).

    Eligible: enough insured years for a pension (``min_insured_years``: 20, 15 from
    2025-07-01 under Luật BHXH 2024 Điều 64) and at most 120 whole months before the retirement
    age. Bands by whole months early: ``under_2`` (< 24), ``2_5`` (24–60), ``5_10`` (61–120).

    - ``early_months_lump`` = factor × salary × min(months early, 60); factor 1.0 / 1.0 / 0.9
      when leaving within 12 months of the restructuring decision, 1.0 / 0.5 / 0.45 from the
      13th month (``lump_factor_within`` / ``lump_factor_after``). Under 2 years the decree
      does not halve the lump sum from the 13th month (the stronger source, the default);
      TT 01/2025/TT-BNV Điều 4 khoản 3 read as halving it is the override
      ``benefits.nd178.early.lump_factor_after.under_2 = 0.5`` (docs/DOMAIN.md);
    - ``early_years`` = 5 (2–5 years) or 4 (5–10 years) months' salary × years early (rounded);
      none under 2 years;
    - ``insured_first`` = 5 months' salary for the first 20 insured years and
      ``insured_further`` = 0.5 month per year from the 21st — or, NĐ 67/2025 variant, 4 months
      for the first 15 years + 0.5 per year from the 16th for people with 15 to under 20 years
      (``variant_below_years``, unconfirmed reading); none under 2 years.
    """
    _early_common(b)
    within = _within_window(b)
    factor = np.where(
        within, b.by_band("early.lump_factor_within"), b.by_band("early.lump_factor_after")
    )
    lump_months = np.minimum(b.months_early, b.num("early.lump_months_cap"))
    per_year = b.by_band("early.months_per_year_early")
    insured = b.by_band("early.insured_components").astype(bool)
    first, further = _insured_allowance(b, variant=True)
    ok = b.eligible
    return {
        "early_months_lump": b.money("early_months_lump", factor * lump_months, ok),
        "early_years": b.money("early_years", per_year * b.years_early, ok),
        "insured_first": b.money("insured_first", first, ok & insured),
        "insured_further": b.money("insured_further", further, ok & insured),
    }


def _below_age(b: _Block) -> None:
    b.refuse(b.months_early <= 0, "at or past the statutory retirement age")


def _nd108_resignation(b: _Block) -> dict[str, np.ndarray]:
    """Immediate resignation, NĐ 108/2014 Điều 10 (formula unconfirmed for NĐ 108).

    Eligible: below the retirement age.

    - ``job_search`` = 3 months' current salary;
    - ``per_insured_year`` = 1.5 months' average salary × insured years (rounded).
    """
    _below_age(b)
    ok = b.eligible
    return {
        "job_search": b.money("job_search", b.num("resignation.job_search_months"), ok),
        "per_insured_year": b.money(
            "per_insured_year", b.num("resignation.months_per_insured_year") * b.insured_years, ok
        ),
    }


def _nd178_resignation(b: _Block) -> dict[str, np.ndarray]:
    """Resignation, NĐ 178/2024 (chính sách thôi việc) as amended by NĐ 67/2025.

    Eligible: below the retirement age.

    - ``severance`` = 0.8 (within 12 months of the decision) or 0.4 (from the 13th month) ×
      salary × months of severance; months of severance = whole months to the statutory
      pension start, at most ``severance_months_cap`` (60, unconfirmed);
    - ``per_insured_year`` = 1.5 months' salary × insured years (rounded);
    - ``job_search`` = 3 months' salary, for those not covered by unemployment insurance
      (cadres and civil servants); people with ``unemployment_insured`` (public employees,
      contract staff) get unemployment insurance instead and no job-search pay.
    """
    _below_age(b)
    within = _within_window(b)
    factor = np.where(
        within,
        b.num("resignation.severance_factor_within"),
        b.num("resignation.severance_factor_after"),
    )
    months = np.minimum(b.months_early, b.num("resignation.severance_months_cap"))
    ok = b.eligible
    return {
        "severance": b.money("severance", factor * months, ok),
        "per_insured_year": b.money(
            "per_insured_year", b.num("resignation.months_per_insured_year") * b.insured_years, ok
        ),
        "job_search": b.money(
            "job_search", b.num("resignation.job_search_months"), ok & ~b.unemployment_insured
        ),
    }


def _nd154_resignation(b: _Block) -> dict[str, np.ndarray]:
    """NHĐKCT leaving at the two-tier reorganisation, NĐ 154/2025 Điều 9.

    ``monthly_salary`` is the monthly allowance (phụ cấp hằng tháng hiện hưởng); the period
    worked runs from ``service_since`` (``insured_since`` when absent) to the leave date.
    Everyone is eligible. Groups (column ``band``):

    - ``a`` — under 5 years worked (Điều 9 khoản 3 điểm a, confirmed): ``severance`` = 0.8 ×
      allowance × months worked; ``per_insured_year`` = 1.5 × allowance × years worked
      (rounded); ``job_search`` = 3 months' allowance;
    - ``b`` / ``c`` — 5 years worked or more, under / at least 5 years to the retirement age
      (Điều 9 khoản 3 điểm b, c, confirmed): ``severance`` = 0.8 × allowance × min(months to
      the retirement age, 60); same ``per_insured_year`` and ``job_search``;
    - ``at_retirement_age`` — at or past the retirement age (Điều 9, unconfirmed):
      ``at_retirement_age`` = 15 months' allowance, nothing else.
    """
    at_age = b.months_early <= 0
    short = b.insured_months < round(b.num("short_service_years") * 12)
    # 60 months is both the b/c boundary ("5 years to the retirement age") and the cap
    cap = b.num("severance_months_cap")
    b.band = np.select(
        [at_age, short, b.months_early < cap],
        ["at_retirement_age", "a", "b"],
        "c",
    ).astype(object)
    months = np.where(short, b.insured_months, np.minimum(b.months_early, cap))
    ok = b.eligible & ~at_age
    return {
        "severance": b.money("severance", b.num("severance_factor") * months, ok),
        "per_insured_year": b.money(
            "per_insured_year", b.num("months_per_year_worked") * b.insured_years, ok
        ),
        "job_search": b.money("job_search", b.num("job_search_months"), ok),
        "at_retirement_age": b.money(
            "at_retirement_age", b.num("at_retirement_age_months"), b.eligible & at_age
        ),
    }


_RULES: dict[tuple[str, str], Callable[[_Block], dict[str, np.ndarray]]] = {
    ("nd108", "early_retirement"): _nd108_early,
    ("nd108", "resignation"): _nd108_resignation,
    ("nd178", "early_retirement"): _nd178_early,
    ("nd178", "resignation"): _nd178_resignation,
    ("nd154", "resignation"): _nd154_resignation,
}


def _check_rule(regime: str, kind: str) -> None:
    if regime not in REGIMES:
        raise ScenarioError(
            f"benefits: unknown regime {regime!r}; expected one of {', '.join(REGIMES)}"
        )
    if kind not in KINDS:
        raise ScenarioError(f"benefits: unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
    if (regime, kind) not in _RULES:
        raise ScenarioError(
            f"benefits: regime {regime!r} has no {kind!r} rule (NĐ 154/2025 Điều 9 gives NHĐKCT "
            "a one-off allowance on leaving: use kind 'resignation')"
        )


def compute(
    regime: str,
    kind: str,
    people: pd.DataFrame,
    on: Any,
    params: ParameterTree | None = None,
) -> pd.DataFrame:
    """Staff-reduction benefits of each person, one column per component.

    Parameters
    ----------
    regime : {"nd108", "nd178", "nd154"}
        ``nd108``: NĐ 108/2014 family (leave dates 2015-01-01 to 2024-12-31); ``nd178``:
        NĐ 178/2024 + NĐ 67/2025 (from 2025-01-01); ``nd154``: NĐ 154/2025 Điều 9, NHĐKCT at
        the two-tier reorganisation (resignation only; 2025-07-01 to 2026-05-30).
    kind : {"early_retirement", "resignation"}
    people : pandas.DataFrame
        One row per person: ``id`` (unique), ``sex`` ("M"/"F"), ``birth_date``,
        ``insured_since`` (start of compulsory social insurance), ``current_salary`` (VND/month,
        the salary of the month before leaving counted as the regime's
        ``benefits.<regime>.salary_basis.components`` say; for NHĐKCT the monthly allowance;
        ``monthly_salary`` is accepted under its old name). Optional: ``average_salary``
        (VND/month, the average of the last ``salary_basis.average_months`` monthly salaries,
        e.g. from :func:`khoan.salary_history.average_salary`; empty or absent: the current
        salary, with a note in ``basis_note`` when the regime pays on an average),
        ``basis_note`` (text carried to the result), ``leave_date`` (default ``on``),
        ``decision_date`` of the
        restructuring decision (default the leave date, i.e. within 12 months),
        ``unemployment_insured`` (bool, default False: covered by unemployment insurance, so no
        NĐ 178 job-search pay), ``reduced_age`` (bool, default False: the person has the
        reduced retirement age of NĐ 135/2020 Phụ lục II, from which months early count —
        NĐ 29/2023 Điều 5 khoản 1, NĐ 178/2024 Điều 7), and for ``nd154`` ``service_since`` (start of work, default
        ``insured_since``).
    on : date-like
        Default leave date. Each person's parameters (and the retirement-age law) are read on
        their leave date.
    params : ParameterTree, optional
        Defaults to the national law.

    Returns
    -------
    pandas.DataFrame
        Index ``id`` in input order; columns :data:`COLUMNS`, then the int64 VND components of
        :data:`COMPONENTS` ``[kind]`` (every component of the kind, 0 where a regime has none),
        then ``total`` (int64, exactly their sum). Each component is months of salary × its
        basis — the average salary for the components listed in ``salary_basis.on_average``,
        the current salary for the others — rounded half up to whole VND before summing; the
        bases are the đồng-rounded ``current_salary`` and ``average_salary`` shown.
        ``benefit_months`` is the months of salary paid, summed over the components.

    Raises
    ------
    ScenarioError
        Unknown regime or kind; ``nd154`` with early retirement; a missing column; a person
        without id, sex, birth date, insured-since date or salary (naming the ids); a decision
        after the leave date; a leave or decision date outside the regime's validity.

    Notes
    -----
    People who do not qualify are **not** an error: ``eligible`` is False, ``reason`` says why
    (at or past the retirement age; too far from it for early retirement — more than 5 years
    for ``nd108``, more than 10 years for ``nd178``; fewer insured years than a pension needs)
    and every money column is 0. A scenario can then choose among the eligible.
    """
    _check_rule(regime, kind)
    tree = law_tree(params)
    df = prepare(people, on, regime, kind)
    if df.empty:
        cols = list(COLUMNS) + list(COMPONENTS[kind]) + ["total"]
        return pd.DataFrame(columns=cols, index=pd.Index([], name="id"))

    days = {c: df[c].to_numpy(dtype="datetime64[ns]").astype("datetime64[D]") for c in DATES}
    for col in DATES:
        check_in_force(tree, regime, kind, col, days[col], df["id"].to_numpy())

    rule = _RULES[(regime, kind)]
    frames = []
    for day in np.unique(days["leave_date"]):  # in date order, people in input order
        rows = np.flatnonzero(days["leave_date"] == day)
        b = _Block(people_of(df, rows), day.item(), tree, regime)
        frames.append(b.frame(kind, rule(b)))
    out = pd.concat(frames) if len(frames) > 1 else frames[0]
    return out.loc[df["id"].to_numpy()]


def compute_people(
    regime: str, kind: str, people: People, on: Any, params: ParameterTree | None = None
) -> dict[str, np.ndarray]:
    """:func:`compute` of people checked already, all leaving on ``on``: the same columns as
    arrays (no index; ``id`` is ``people.id``).

    For callers that build :class:`People` from data they have checked (the scenarios' benefit
    tables, which compute the same candidates on several dates); :func:`compute` checks a
    user's table and goes through the same rules. Raises :class:`ScenarioError` like
    :func:`compute` for an unknown regime or kind, or dates outside the regime's validity.
    """
    _check_rule(regime, kind)
    tree = law_tree(params)
    leave = to_date(on)
    ids = np.asarray(people.id)
    day = np.array([leave], dtype="datetime64[D]")
    check_in_force(tree, regime, kind, "leave_date", day, ids)
    decision = np.asarray(people.decision_date).astype("datetime64[D]")
    check_in_force(tree, regime, kind, "decision_date", decision, ids)
    b = _Block(people, leave, tree, regime)
    return b.columns(kind, _RULES[(regime, kind)](b))
