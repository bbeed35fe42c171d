"""Staff-reduction scenarios: Scenario, target, policies, and the multi-year projection.

``khoan.Scenario(...)`` describes a plan; ``khoan.simulate(model, scenario)`` projects it
against a baseline and returns a :class:`ScenarioResult`; ``load_scenarios(path)`` reads a
scenario file (a list of scenarios and/or a grid); ``grid(base, field=[...])`` builds one in
code.
"""

from .files import load_scenario, load_scenarios
from .grid import grid
from .result import ScenarioResult
from .roster import advance_roster, make_hires, reduced_age
from .scenario import POLICIES, REGIMES, Scenario, ScenarioSource, Target
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
    "grid",
    "load_scenario",
    "load_scenarios",
    "make_hires",
    "reduced_age",
    "run_scenario_cli",
    "simulate",
]
