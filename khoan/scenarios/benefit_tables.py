"""Benefits every candidate leaver would get on a leave date, cached on the shared work.

:func:`benefit_table` calls :func:`khoan.benefits.compute` for the scenario's regime and kind of
leaving with the regime's salary basis (``benefits.<regime>.salary_basis``): the current salary
from the pay of the month before leaving (the universe's monthly pay) and, for a regime with an
averaging window (the NĐ 108 family), the average of :func:`khoan.salary_history.average_salary`.
The table is computed once per regime, kind, leave date and decision date, for all candidates,
and reused by every scenario of the model (the policy ranks on it, the leavers' table reads it).
"""

from __future__ import annotations

import importlib

import numpy as np
import pandas as pd

from .. import benefits as _benefits
from .. import salary_history as _salary_history
from ..errors import ParameterError, ScenarioError
from .scenario import Scenario, check_components, scenario_error
from .universe import Universe, to_date

# the module, not the function khoan.payroll that the package exposes under the same name
_payroll = importlib.import_module("khoan.payroll")

__all__ = ["BenefitTable", "benefit_table"]


# ---------------------------------------------------------------------------------------------
# benefits of candidates


class BenefitTable(dict):
    """Benefits of every candidate on one leave date: column name -> numpy array, rows in
    universe order (``universe`` holds the universe index of each row). ``ranks`` keeps the
    candidates' priority for each order of leaving, computed once (it depends only on the
    table)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.ranks: dict = {}

    def rows(self, who: np.ndarray) -> np.ndarray:
        return np.searchsorted(self["universe"], who)


def benefit_table(u: Universe, scenario: Scenario, kind: str, leave_day: np.int64) -> BenefitTable:
    """Benefits every candidate would get on ``leave_day`` (cached per regime, kind, dates)."""
    dec = scenario.decision
    key = (scenario.regime, kind, int(leave_day), dec)
    tab = u.benefit_cache.get(key)
    if tab is not None:
        return tab
    cand = np.flatnonzero(u.candidate)
    leave = to_date(leave_day)
    # the regime's salary basis (benefits.<regime>.salary_basis): the current salary from the
    # pay of the month before leaving (the first month of the horizon when that lies before
    # it), the average from the salary history of the months before leaving
    basis = f"benefits.{scenario.regime}.salary_basis"
    try:
        comps = list(u.params.value(f"{basis}.components", leave))
        window = int(u.params.number(f"{basis}.average_months", leave))
    except ParameterError as exc:
        raise scenario_error(scenario.name, "regime", str(exc), scenario.source) from None
    names = list(_payroll.COMPONENTS)
    check_components(scenario, f"{basis}.components", comps, names)
    mi = int(np.searchsorted(u.month_starts, leave_day, side="right") - 1) - 1
    mi = max(mi, 0)
    yc = u.years[u.y0 + mi // 12]
    idx = np.array([names.index(k) for k in comps], dtype=np.int64)
    salary = yc.monthly.month(mi % 12)[idx].sum(axis=0)[u.mpos[cand]]
    r = u.rows.iloc[cand]
    average = np.full(len(cand), np.nan)
    note = np.full(len(cand), "", dtype=object)
    if window > 0 and len(cand):
        # the same for every kind of leaving on this date: rebuilt once (people × 60 months)
        akey = ("average_salary", scenario.regime, int(leave_day))
        cached = u.benefit_cache.get(akey)
        if cached is None:
            try:
                avg = _salary_history.average_salary(
                    r,
                    leave,
                    scenario.regime,
                    u.params,
                    as_of=to_date(u.roster_day),
                    history=getattr(u.model, "salary_history", None),
                )
            except (ScenarioError, ParameterError) as exc:
                raise scenario_error(scenario.name, "regime", str(exc), scenario.source) from None
            cached = (
                avg["average_salary"].to_numpy(dtype=float),
                avg["basis_note"].to_numpy(dtype=object),
            )
            u.benefit_cache[akey] = cached
        average, note = cached
    # unemployment insurance (BHTN) coverage: the roster's flag, else the category's default
    # (contributions.bhtn_default); the covered get it instead of NĐ 178's job-search pay
    default = u.params.value("contributions.bhtn_default", to_date(leave_day)) or {}
    by_category = r["category"].astype(str).isin([c for c, v in default.items() if v]).to_numpy()
    covered = _payroll.bhtn_covered(r, by_category)
    people = pd.DataFrame(
        {
            "id": u.ids[cand],
            "sex": r["sex"].astype(str).to_numpy(),
            "birth_date": pd.DatetimeIndex(r["birth_date"]),
            "insured_since": pd.DatetimeIndex(r["insured_since"]),
            "current_salary": salary,
            "average_salary": average,
            "basis_note": note,
            "leave_date": pd.Timestamp(leave),
            "decision_date": pd.Timestamp(dec),
            "unemployment_insured": covered,
            "reduced_age": u.reduced[cand],
        }
    )
    try:
        df = _benefits.compute(scenario.regime, kind, people, to_date(leave_day), params=u.params)
    except ScenarioError as exc:
        raise scenario_error(scenario.name, "regime", str(exc), scenario.source) from None
    tab = BenefitTable({c: df[c].to_numpy() for c in df.columns})
    tab["eligible"] = tab["eligible"].astype(bool)
    tab["total"] = tab["total"].astype(np.int64)
    tab["monthly_salary"] = tab["current_salary"].astype(np.int64)
    tab["universe"] = cand
    u.benefit_cache[key] = tab
    u.keys_used.add(f"benefits.{scenario.regime}")
    if window > 0:
        u.keys_used |= {"salary.base", "salary.scales", "allowances.tnvk_base"}
    return tab
