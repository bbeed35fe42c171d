"""A grid axis that does not change the scenarios is an error naming the axis, file and line."""

from __future__ import annotations

import dataclasses
import re
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from khoan.errors import ScenarioError
from khoan.params import Override
from khoan.scenarios import Scenario, Target, load_scenarios, simulate
from khoan.scenarios.grid import effective, grid

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "user-guide.md"

#: The user guide's grid before the fix: `policy` varies while `kinds` is set.
OLD_GUIDE_GRID = """\
[base]
name = "nq39"
years = [2016, 2020]
policy = "early_retirement"
kinds = ["early_retirement", "resignation"]   # leavers may take either benefit

[grid]
policy = ["early_retirement", "resignation"]
regime = ["nd108"]
target = [{ share = 0.05 }, { share = 0.10 }]
"""


def _write(tmp_path: Path, text: str) -> Path:
    f = tmp_path / "luoi_kich_ban.toml"
    f.write_text(textwrap.dedent(text), encoding="utf-8")
    return f


def test_policy_axis_with_kinds_is_refused_with_file_line_and_fix(tmp_path):
    f = _write(tmp_path, OLD_GUIDE_GRID)
    with pytest.raises(ScenarioError) as e:
        load_scenarios(f)
    msg = str(e.value)
    assert "luoi_kich_ban.toml, line 8" in msg  # the line of [grid] policy
    assert "field 'policy' has no effect" in msg
    assert "'early_retirement' and 'resignation'" in msg
    assert "vary 'kinds' instead" in msg
    assert e.value.field == "policy"


def test_the_policies_it_refuses_do_give_the_same_figures(three):
    """The premise of the rule: with kinds set, early_retirement and resignation are one
    scenario (same leavers, same money, year by year)."""
    base = Scenario(
        "x",
        years=(2016, 2017),
        target=Target(count=1),
        policy="early_retirement",
        kinds=("early_retirement", "resignation"),
        # the three-person commune may fall to one person (as in test_hand_computed.py)
        overrides=(Override("floor", {"scenarios.min_staffing.share_of_approved": 0.3}),),
    )
    a = simulate(three, dataclasses.replace(base, policy="early_retirement"))
    b = simulate(three, dataclasses.replace(base, policy="resignation"))
    assert int(a.by_year["leavers"].sum()) == 1
    pd.testing.assert_frame_equal(a.by_year, b.by_year)
    pd.testing.assert_frame_equal(
        a.leavers.reset_index(drop=True), b.leavers.reset_index(drop=True)
    )
    assert effective(a.scenario) == effective(b.scenario)


def test_user_guide_grid_runs_four_different_scenarios(tmp_path):
    text = GUIDE.read_text(encoding="utf-8")
    m = re.search(r"```toml\n(\[base\].*?\[grid\].*?)```", text, re.S)
    assert m is not None
    found = load_scenarios(_write(tmp_path, m.group(1)))
    assert len(found) == 4
    assert len({effective(s) for s in found.values()}) == 4
    assert "policy" not in m.group(1).split("[grid]")[1]


@pytest.mark.parametrize(
    "field,values", [("regime", ["nd108", "nd178"]), ("order", ["cost", "youngest"])]
)
def test_leaver_fields_under_attrition_are_refused(field, values):
    base = Scenario("a", years=(2016, 2020), policy="attrition", target=Target(share=0.05))
    with pytest.raises(ScenarioError) as e:
        grid(base, **{field: values})
    assert f"field {field!r} has no effect" in str(e.value)
    assert "policy 'attrition' has no leavers" in str(e.value)
    assert e.value.field == field


def test_solver_only_matters_to_optimal():
    base = Scenario("s", years=(2016, 2020), policy="resignation", target=Target(share=0.05))
    with pytest.raises(ScenarioError, match="only policy 'optimal' uses a solver"):
        grid(base, solver=["highs", "glpk"])
    assert len(grid(dataclasses.replace(base, policy="optimal"), solver=["highs", "glpk"])) == 2


def test_two_equal_values_among_three_are_named():
    base = Scenario(
        "p",
        years=(2016, 2020),
        target=Target(share=0.05),
        policy="resignation",
        kinds=("resignation",),
    )
    with pytest.raises(ScenarioError) as e:
        grid(base, policy=["early_retirement", "optimal", "resignation"])
    assert "(values 1 and 3 of 3)" in str(e.value)


def test_axes_that_change_the_scenarios_pass():
    base = Scenario("k", years=(2016, 2020), target=Target(share=0.05))
    # without kinds each policy uses its own kind
    assert len(grid(base, policy=["attrition", "early_retirement", "resignation"])) == 3
    # an axis with effect in one combination of the others is kept: regime matters to the
    # leavers of early_retirement even though attrition has none
    out = grid(base, policy=["attrition", "early_retirement"], regime=["nd108", "nd178"])
    assert len(out) == 4
