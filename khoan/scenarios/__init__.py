"""Staff-reduction scenarios: Scenario, target, policies, and the multi-year projection.

``khoan.Scenario(...)`` describes a plan; ``khoan.simulate(model, scenario)`` projects it
against a baseline and returns a :class:`ScenarioResult`; ``load_scenarios(path)`` reads a
model's ``scenarios.toml``.
"""

from .result import ScenarioResult
from .roster import advance_roster, make_hires, reduced_age
from .scenario import POLICIES, REGIMES, Scenario, ScenarioSource, Target, load_scenarios
from .simulate import check, clear_cache, run_scenario_cli, simulate

__all__ = [
    "POLICIES",
    "REGIMES",
    "Scenario",
    "ScenarioResult",
    "ScenarioSource",
    "Target",
    "advance_roster",
    "check",
    "clear_cache",
    "load_scenarios",
    "make_hires",
    "reduced_age",
    "run_scenario_cli",
    "simulate",
]
