"""Benefits every candidate leaver would get on a leave date, cached on the shared work.

:func:`benefit_table` computes the benefits of the scenario's regime and kind of leaving
(:func:`khoan.benefits.compute_people`, the rules of :func:`khoan.benefits.compute`) with the
regime's salary basis (``benefits.<regime>.salary_basis``): the current salary from the pay of
the month before leaving (the universe's monthly pay) and, for a regime with an averaging
window (the NĐ 108 family), the average of the salary history
(:func:`khoan.salary_history.averages_on`: the same numbers as
:func:`khoan.salary_history.average_salary`, every leave date of the scenario's years from one
history). The table is computed once per regime, kind, leave date and decision date, for all
candidates, and reused by every scenario of the model (the policy ranks on it, the leavers'
table reads it). What does not depend on the leave date or the kind — the candidates' dates,
sex, categories, the salary history's per-person arrays — is read from the universe and checked
once (:class:`_Candidates`); when a check would fail, the table goes through
:func:`khoan.benefits.compute` on a DataFrame, whose error names the people concerned.
"""

from __future__ import annotations

import datetime as _dt
import importlib

import numpy as np
import pandas as pd

from .. import benefits as _benefits
from .. import retirement as _retirement
from .. import salary_history as _salary_history
from ..errors import ParameterError, ScenarioError
from .scenario import Scenario, check_components, scenario_error
from .universe import Universe, as_text, to_date, to_day

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
    """Benefits every candidate would get on ``leave_day`` (cached per regime, kind, dates).

    The candidates' inputs are read and checked once per universe (:class:`_Candidates`) and
    go to :func:`khoan.benefits.compute_people`; when one of them would fail
    :func:`khoan.benefits.compute`'s checks, the table goes through ``compute`` itself, which
    says why.
    """
    dec = scenario.decision
    key = (scenario.regime, kind, int(leave_day), dec)
    tab = u.benefit_cache.get(key)
    if tab is not None:
        return tab
    c = _candidates(u)
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
    salary = _current_salary(u, c, leave_day, [names.index(k) for k in comps])
    average = np.full(len(c.cand), np.nan)
    note = np.full(len(c.cand), "", dtype=object)
    if window > 0 and len(c.cand):
        average, note = _average(u, c, scenario, leave)
    # unemployment insurance (BHTN) coverage: the roster's flag, else the category's default
    # (contributions.bhtn_default); the covered get it instead of NĐ 178's job-search pay
    default = u.params.value("contributions.bhtn_default", leave) or {}
    covered = c.covered(tuple(sorted(cat for cat, v in default.items() if v)))
    fast = (
        c.checked
        and dec <= leave
        and not (np.isnan(salary).any() or (salary < 0).any() or (average < 0).any())
    )
    try:
        if fast:
            people = _benefits.People(
                id=c.ids,
                sex=c.sex,
                birth_date=c.birth,
                insured_since=c.insured,
                decision_date=np.array([dec], dtype="datetime64[ns]"),
                current_salary=salary,
                average_salary=average,
                basis_note=note,
                unemployment_insured=covered,
                reduced_age=c.reduced,
            )
            cols = _benefits.compute_people(scenario.regime, kind, people, leave, u.params)
        else:
            cols = _by_compute(u, c, scenario, kind, leave, salary, average, note, covered)
    except ScenarioError as exc:
        raise scenario_error(scenario.name, "regime", str(exc), scenario.source) from None
    tab = BenefitTable(cols)
    tab["eligible"] = tab["eligible"].astype(bool)
    tab["total"] = tab["total"].astype(np.int64)
    tab["monthly_salary"] = tab["current_salary"].astype(np.int64)
    tab["universe"] = c.cand
    u.benefit_cache[key] = tab
    u.keys_used.add(f"benefits.{scenario.regime}")
    if window > 0:
        u.keys_used |= {"salary.base", "salary.scales", "allowances.tnvk_base"}
    return tab


def _by_compute(
    u: Universe,
    c: _Candidates,
    scenario: Scenario,
    kind: str,
    leave: _dt.date,
    salary: np.ndarray,
    average: np.ndarray,
    note: np.ndarray,
    covered: np.ndarray,
) -> dict[str, np.ndarray]:
    """The table through :func:`khoan.benefits.compute`, with its checks of every input."""
    r = c.rows
    people = pd.DataFrame(
        {
            "id": c.ids,
            "sex": r["sex"].astype(str).to_numpy(),
            "birth_date": pd.DatetimeIndex(r["birth_date"]),
            "insured_since": pd.DatetimeIndex(r["insured_since"]),
            "current_salary": salary,
            "average_salary": average,
            "basis_note": note,
            "leave_date": pd.Timestamp(leave),
            "decision_date": pd.Timestamp(scenario.decision),
            "unemployment_insured": covered,
            "reduced_age": u.reduced[c.cand],
        }
    )
    df = _benefits.compute(scenario.regime, kind, people, leave, params=u.params)
    return {col: df[col].to_numpy() for col in df.columns}


def _current_salary(u: Universe, c: _Candidates, leave_day: np.int64, idx: list[int]) -> np.ndarray:
    """The candidates' pay of the month before leaving (the horizon's first month when that
    lies before it), summed over the components ``idx`` (VND/month; cached per month)."""
    mi = int(np.searchsorted(u.month_starts, leave_day, side="right") - 1) - 1
    mi = max(mi, 0)
    key = (mi, tuple(idx))
    if key not in c.salaries:
        yc = u.years[u.y0 + mi // 12]
        c.salaries[key] = yc.monthly.month(mi % 12)[np.asarray(idx, dtype=np.int64)].sum(axis=0)[
            u.mpos[c.cand]
        ]
    return c.salaries[key]


def _average(
    u: Universe, c: _Candidates, scenario: Scenario, leave: _dt.date
) -> tuple[np.ndarray, np.ndarray]:
    """The candidates' average salary and its note on ``leave`` (the same for every kind of
    leaving). Rebuilt with the other leave dates of the scenario's years at once: their
    60-month windows share most of their months (``salary_history.averages_on``)."""
    akey = ("average_salary", scenario.regime, to_day(leave))
    cached = u.benefit_cache.get(akey)
    if cached is not None:
        return cached
    as_of = to_date(u.roster_day)
    history = getattr(u.model, "salary_history", None)
    days = [leave] + [
        d
        for d in _leave_dates(scenario)
        if d != leave
        and ("average_salary", scenario.regime, to_day(d)) not in u.benefit_cache
        and _has_basis(u, scenario.regime, d)
    ]
    try:
        staff = c.salary_staff(u.params, as_of)
        try:
            got = _salary_history.averages_on(
                staff, days, scenario.regime, u.params, as_of=as_of, history=history
            )
        except (ScenarioError, ParameterError):  # let the leave date alone say what is wrong
            got = _salary_history.averages_on(
                staff, [leave], scenario.regime, u.params, as_of=as_of, history=history
            )
    except (ScenarioError, ParameterError) as exc:
        raise scenario_error(scenario.name, "regime", str(exc), scenario.source) from None
    for d, (avg, _months, note) in got.items():
        u.benefit_cache[("average_salary", scenario.regime, to_day(d))] = (avg, note)
    return u.benefit_cache[akey]


def _leave_dates(scenario: Scenario) -> list[_dt.date]:
    """The leave dates of the scenario's years."""
    y0, y1 = scenario.years
    return sorted({scenario.leave_date(y) for y in range(int(y0), int(y1) + 1)})


def _has_basis(u: Universe, regime: str, day: _dt.date) -> bool:
    """The regime's salary basis and validity are in force on ``day`` with an average."""
    try:
        return bool(
            u.params.value(f"benefits.{regime}.in_force", day) is True
            and int(u.params.number(f"benefits.{regime}.salary_basis.average_months", day)) > 0
            and u.params.value(f"benefits.{regime}.salary_basis.components", day) is not None
        )
    except ParameterError:
        return False


class _Candidates:
    """The candidates' inputs to their benefits, read from the universe once (the same on every
    leave date and for every kind of leaving), and whether they pass
    :func:`khoan.benefits.compute`'s checks (``checked``)."""

    def __init__(self, u: Universe) -> None:
        self.cand = np.flatnonzero(u.candidate)
        r = self.rows = u.rows.iloc[self.cand]
        self.ids = u.ids[self.cand]
        self.reduced = np.asarray(u.reduced[self.cand], dtype=bool)
        self.category = as_text(r["category"])
        # sex codes normalised as compute does (retirement.sex_codes)
        self.sex = _retirement.sex_codes(r["sex"]) if len(r) else np.zeros(0, object)
        self.birth = self._dates(r["birth_date"])
        self.insured = self._dates(r["insured_since"])
        ids = pd.Index(self.ids)
        self.checked = bool(
            len(self.cand)
            and np.isin(self.sex, _retirement.SEXES).all()
            and not ids.hasnans
            and ids.is_unique
            and self.birth is not None
            and self.insured is not None
        )
        self.salaries: dict[tuple, np.ndarray] = {}
        self._covered: dict[tuple, np.ndarray] = {}
        self._staff: dict[_dt.date, _salary_history.StaffArrays] = {}

    @staticmethod
    def _dates(col: pd.Series) -> np.ndarray | None:
        """A date column as ``datetime64[ns]``; None when a date is missing."""
        if col.dtype.kind != "M" or getattr(col.dtype, "tz", None) is not None:
            return None
        d = col.to_numpy().astype("datetime64[ns]")
        return None if np.isnat(d).any() else d

    def covered(self, categories: tuple[str, ...]) -> np.ndarray:
        """BHTN coverage when ``categories`` are covered by default (cached per tuple)."""
        if categories not in self._covered:
            by_category = np.isin(self.category, list(categories))
            self._covered[categories] = np.asarray(
                _payroll.bhtn_covered(self.rows, by_category), dtype=bool
            )
        return self._covered[categories]

    def salary_staff(self, params, as_of: _dt.date) -> _salary_history.StaffArrays:
        """The candidates' salary-history arrays (scales of ``as_of``), read once."""
        if as_of not in self._staff:
            self._staff[as_of] = _salary_history.staff_arrays(self.rows, params, as_of)
        return self._staff[as_of]


def _candidates(u: Universe) -> _Candidates:
    c = u.benefit_cache.get(("candidates",))
    if c is None:
        c = u.benefit_cache[("candidates",)] = _Candidates(u)
    return c
