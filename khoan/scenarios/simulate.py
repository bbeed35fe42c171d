"""Multi-year projection of a staff-reduction scenario against its baseline.

``simulate(model, scenario)`` runs two projections of the roster, year by year, from the
model's roster date to the scenario's last year:

baseline
    No reduction: statutory retirees (and people whose ``end_date`` falls in the period) are
    replaced by new hires (``scenarios.hire.*``: grade A1 step 1, the post's position allowance),
    so the headcount is stable (``Scenario.replace_retirees=False``: not replaced).
scenario
    From the scenario's first year, retirees are not replaced — except in must-fill posts
    (elected cadres, ``scenarios.min_staffing.must_fill_categories``) and where a commune would
    fall below its minimum staffing — and the policy chooses leavers, paid under the scenario's
    benefit regime, so that the headcount follows the target path
    (:mod:`khoan.scenarios.policies`). Before the first year it is the baseline.

Each year, for the province (``by_year``) and each commune (``by_commune``):

- headcount of the scenario's categories: ``headcount_start`` (in post on 31 December of the
  year before), ``retirements`` (statutory, NĐ 135/2020 ages, ``khoan.benefits.retirement_date``;
  the reduced age of Phụ lục II for those :func:`~khoan.scenarios.roster.reduced_age` names),
  ``exits`` (end dates in the staff table), ``leavers`` (the policy's), ``hires``, and
  ``headcount_end`` = start − retirements − exits − leavers + hires (checked every year);
- ``payroll_total``: pay and employer contributions of everyone on the roster
  (``khoan.payroll``; ageing and regular step rises between years by
  :func:`~khoan.scenarios.roster.advance_roster`, base-salary changes by the parameters);
  ``recurring_savings`` = baseline − scenario;
- ``lump_sum`` (``khoan.budget`` rules) with the approved staffing falling with the headcount
  (``approved_falls``) or kept; ``state_savings`` = baseline lump sum − scenario lump sum;
- ``one_off_cost``: the leavers' benefits (``khoan.benefits.compute`` on the regime's salary
  basis, ``benefits.<regime>.salary_basis``: the current salary of the month before leaving
  and, for the NĐ 108 family, the 60-month average of ``khoan.salary_history``); outside the
  lump sum;
- ``net_savings`` = recurring savings − one-off cost (the public sector's view) and
  ``state_net_savings`` = State savings − one-off cost (the State budget's view), each with its
  cumulative sum; ``payback_year`` in :meth:`ScenarioResult.summary` (first year from which
  the cumulative stays positive, not before the first one-off payment);
- ``commune_kept`` (lump sum of vacant posts that the commune keeps, ``khoan.budget.settle``
  rules), ``tntt`` (income increase paid: ``min(savings, tntt.cap_ratio × salary fund by grade)``)
  and ``tntt_per_person`` (per full-time person in post).

Everything is vectorised over people. Work that does not depend on the scenario's policy —
the roster aged year by year, the monthly pay of everyone who might leave or be hired, the
baseline, the benefits each candidate would get on each leave date — is cached per model,
parameter overrides, categories and horizon, so scenarios of the same model share it.

Money is int64 VND. The pay of people whose presence differs between the two runs is summed
from the payroll engine's monthly amounts exactly as :func:`khoan.payroll.payroll` sums them
(calendar order, rounded once per person and component), so that ``payroll_total`` equals
``payroll(model, year, staff=result.roster(year)).total.sum()`` to the đồng, and
``lump_sum`` equals ``budget(...)`` on the same roster.
"""

from __future__ import annotations

import datetime as _dt
import time
from pathlib import Path

import numpy as np

from ..errors import ScenarioError
from .plan import check, count_at, make_plan, project
from .projection import assemble, baseline_run, tally
from .result import ScenarioResult
from .roster import advance_roster
from .scenario import Scenario, scenario_error
from .universe import clear_cache, shared_work, to_day

__all__ = ["advance_roster", "check", "clear_cache", "run_scenario_cli", "simulate"]


# ---------------------------------------------------------------------------------------------
# simulate


def simulate(model, scenario: Scenario, *, progress: bool = False) -> ScenarioResult:
    """Project a staff-reduction scenario and its baseline year by year.

    Parameters
    ----------
    model : khoan.Model
    scenario : Scenario
    progress : bool
        Show a progress bar over the steps (tqdm).

    Returns
    -------
    ScenarioResult
        ``.by_year`` (province), ``.by_commune``, ``.leavers``, ``.summary()``, plots, Excel
        and provenance. See :mod:`khoan.scenarios.simulate` for every column.

    Raises
    ------
    ScenarioError
        A field that does not fit the model (years, decision date outside the regime's
        validity, target parameters), a target that cannot be met within the people available
        and the communes' minimum staffing, people without birth date or sex — naming the
        scenario, field, reason and the scenario file's line.
    SolverError
        The ``optimal`` policy's solver failed.
    """
    if not isinstance(scenario, Scenario):
        raise ScenarioError(f"simulate() needs a khoan.Scenario, not {type(scenario).__name__}")
    t0 = time.perf_counter()
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=4, desc=f"scenario {scenario.name}", leave=False)

    def step(label: str) -> None:
        if bar is not None:
            bar.set_postfix_str(label)
            bar.update(1)

    check(model, scenario)
    u, cached = shared_work(model, scenario)
    step("roster and pay")
    t1 = time.perf_counter()
    base = baseline_run(u, scenario)
    step("baseline")
    plan = make_plan(u, scenario, base)
    scen = project(u, scenario, policy_active=True, plan=plan)
    years = scenario.year_list
    approved: dict[int, np.ndarray] = {}
    for y in years:
        if scenario.approved_falls:
            # the approved staffing (cadres and civil servants) falls by the scenario's cut of
            # those categories at the end of the year, against the baseline
            end = to_day(_dt.date(y + 1, 1, 1)) - 1
            posts = u.affected & u.staffing
            cut = np.maximum(
                0, count_at(u, base, end, pop=posts) - count_at(u, scen, end, pop=posts)
            )
            approved[y] = np.maximum(0, u.approved - cut)
        else:
            approved[y] = u.approved
    tally(u, scen, years, approved)
    step("scenario")
    result = assemble(u, scenario, base, scen, plan)
    step("tables")
    if bar is not None:
        bar.close()
    result.provenance["timings"] = {
        "total_s": time.perf_counter() - t0,
        "shared_work_s": t1 - t0,
        "shared_work_cached": cached,
        "optimal_s": dict(plan.solved.seconds) if plan is not None and plan.solved else None,
    }
    return result


# ---------------------------------------------------------------------------------------------
# command line


def run_scenario_cli(model, name: str, out: str | Path | None = None) -> ScenarioResult:
    """Simulate the scenario ``name`` of a model's ``scenarios.toml`` (``khoan simulate``).

    Parameters
    ----------
    model : khoan.Model or str or Path
        A loaded model, a model folder, or the name of a bundled example.
    name : str
        Scenario name in the model's ``scenarios.toml``.
    out : str or Path, optional
        Write the result as an Excel workbook there.

    Returns
    -------
    ScenarioResult

    Raises
    ------
    ScenarioError
        No ``scenarios.toml`` in the model folder, no such scenario, or any scenario error.
    """
    from ..model import Model
    from .files import load_scenarios

    if not isinstance(model, Model):
        from .. import examples
        from ..model import load

        p = Path(str(model))
        model = load(p) if p.exists() else examples.load(str(model))
    if model.path is None or not (Path(model.path) / "scenarios.toml").is_file():
        raise ScenarioError(
            f"model {model.name!r} has no scenarios.toml (folder {model.path}): write one, "
            "see docs or khoan/models/khanh_hoa_2016/scenarios.toml"
        )
    found = load_scenarios(Path(model.path) / "scenarios.toml")
    if name not in found:
        from .scenario import ScenarioSource, suggest

        raise scenario_error(
            name,
            None,
            f"no such scenario{suggest(name, list(found))}",
            ScenarioSource(str(Path(model.path) / "scenarios.toml")),
        )
    res = simulate(model, found[name])
    if out is not None:
        res.to_excel(out)
    return res
