"""Infeasibility named in money (or posts), found before solving."""

from __future__ import annotations

import numpy as np
import pytest
from alloc_helpers import M, three

from khoan.allocate import AllocationProblem, find_conflicts, solve_allocation
from khoan.allocate.diagnose import format_vnd_en, format_vnd_vi
from khoan.errors import InfeasibleError, ValidationError


def test_money_formats():
    assert format_vnd_vi(31_200_000_000) == "31,2 tỷ đồng"
    assert format_vnd_vi(1_234_000_000) == "1,23 tỷ đồng"
    assert format_vnd_vi(450_000_000) == "450 triệu đồng"
    assert format_vnd_vi(12_500) == "12.500 đồng"
    assert format_vnd_en(31_200_000_000) == "31,200,000,000 VND"


def test_floors_exceed_envelope_by_31_2_billion():
    # floors 20.4 + 30.5 + 40.3 = 91.2 billion against an envelope of 60 billion: 31.2 short
    p = AllocationProblem(
        ids=["x1", "x2", "x3"],
        target=np.array([25e9, 35e9, 45e9]),
        floor=np.array([20.4e9, 30.5e9, 40.3e9]),
        envelope=60_000_000_000,
    )
    with pytest.raises(InfeasibleError) as err:
        solve_allocation(p)
    msg = str(err.value)
    assert "Tổng mức sàn vượt tổng kinh phí 31,2 tỷ đồng" in msg
    assert "floors exceed the envelope by 31,200,000,000 VND" in msg
    assert "x3 (40,300,000,000 VND), x2 (30,500,000,000 VND), x1 (20,400,000,000 VND)" in msg
    assert err.value.shortfall == pytest.approx(31.2e9)
    assert err.value.communes == ["x3", "x2", "x1"]


@pytest.mark.parametrize("solver", ["highs", "kkt"])
def test_diagnosis_runs_before_any_solver(solver):
    with pytest.raises(InfeasibleError, match="floors exceed the envelope by 100,000,000 VND"):
        solve_allocation(three(200), solver=solver)  # floors 50 + 100 + 150 = 300 > 200


def test_corridor_lower_side_cannot_fit():
    # floors (50, 100, 150) = 300 fit in 500, but last year (120, 240, 300) −10 % gives lower
    # bounds (108, 216, 270) = 594 > 500: 94 M short; c is furthest above its floor (270 − 150
    # = 120, against b 216 − 100 = 116 and a 108 − 50 = 58).
    last = np.array([120, 240, 300])
    p = three(500, lower=last * 0.9, upper=last * 1.1)
    with pytest.raises(InfeasibleError) as err:
        solve_allocation(p)
    assert "exceed the envelope by 94,000,000 VND" in str(err.value)
    assert "cận dưới hành lang" in str(err.value)
    assert err.value.communes == ["c", "b", "a"]


def test_corridor_upper_side_cannot_reach():
    # upper bounds (110, 220, 330) = 660 < 700: 40 M cannot be placed
    last = np.array([100, 200, 300])
    p = three(700, lower=last * 0.9, upper=last * 1.1)
    with pytest.raises(InfeasibleError) as err:
        solve_allocation(p)
    assert "fall short of the envelope by 40,000,000 VND" in str(err.value)
    assert err.value.shortfall == pytest.approx(40 * M)


def test_floor_above_its_corridor():
    # c's floor 150 is above its upper bound 130 (last year 130, corridor +0 %)
    p = three(600, lower=[0, 0, 0], upper=[1000, 1000, 130])
    with pytest.raises(InfeasibleError) as err:
        solve_allocation(p)
    msg = str(err.value)
    assert "floor of 1 commune(s) is above the upper bound of its stability corridor" in msg
    assert "by 20,000,000 VND" in msg
    assert "c (floor 150,000,000 VND > upper 130,000,000 VND)" in msg
    assert err.value.communes == ["c"]


def test_inverted_corridor():
    p = three(600, lower=[0, 0, 400], upper=[1000, 1000, 350])
    conflicts = find_conflicts(p)
    kinds = [c.kind for c in conflicts]
    assert "commune_bounds" in kinds
    assert any("inverted" in c.message and "50,000,000 VND" in c.message for c in conflicts)


def _grouped(envelope, floor=None, cap=None, upper=None):
    kw = {"group_labels": {"district": np.array(["d1", "d1", "d2"])}}
    if floor is not None:
        kw["group_floor"] = {("district", "d1"): floor * M}
    if cap is not None:
        kw["group_cap"] = {("district", "d1"): cap * M}
    if upper is not None:
        kw["lower"] = [0, 0, 0]
        kw["upper"] = upper
    return three(envelope, **kw)


def test_group_floor_above_cap():
    with pytest.raises(InfeasibleError, match="exceeds its cap .* by 20,000,000 VND"):
        solve_allocation(_grouped(600, floor=320, cap=300))


def test_group_cap_below_its_floors():
    # district d1 = {a, b}, floors 50 + 100 = 150 > cap 120
    with pytest.raises(InfeasibleError) as err:
        solve_allocation(_grouped(600, cap=120))
    assert "below its communes' floors (150,000,000 VND) by 30,000,000 VND" in str(err.value)
    assert err.value.communes == ["b", "a"]


def test_group_floor_above_upper_bounds():
    # d1's upper bounds 120 + 130 = 250 < group floor 260
    with pytest.raises(InfeasibleError, match="by 10,000,000 VND"):
        solve_allocation(_grouped(600, floor=260, upper=[120, 130, 1000]))


def test_group_floors_together_exceed_envelope():
    # d1 floor 450 plus d2's commune floor 150 = 600 > envelope 550
    with pytest.raises(InfeasibleError, match="group floors .* exceed the envelope by 50,000,000"):
        solve_allocation(_grouped(550, floor=450))


def test_posts_cannot_meet_the_reduction_target():
    # minimum posts 6 + 9 + 12 = 27 against a province-wide total of 25: 2 posts over
    p = three(
        900,
        floor=(10, 10, 10),
        posts_min=[6, 9, 12],
        posts_max=[10, 12, 15],
        post_cost=10 * M,
        posts_total_max=25,
    )
    with pytest.raises(InfeasibleError) as err:
        solve_allocation(p)
    msg = str(err.value)
    assert "vượt chỉ tiêu tinh giản 2 biên chế" in msg
    assert "by 2 posts" in msg
    assert err.value.shortfall == 2
    assert err.value.communes[0] == "c"


def test_minimum_posts_above_quota():
    p = three(900, floor=(10, 10, 10), posts_min=[6, 9, 12], posts_max=[5, 12, 15], post_cost=M)
    with pytest.raises(InfeasibleError, match="exceed the maximum in 1 commune.* by 1 posts"):
        solve_allocation(p)


def test_salary_of_minimum_posts_counts_in_the_floor():
    # floors 10 + 10 + 10 plus posts (6 + 9 + 12) × 10 = 300; envelope 250: 50 short
    p = three(
        250, floor=(10, 10, 10), posts_min=[6, 9, 12], posts_max=[9, 12, 15], post_cost=10 * M
    )
    with pytest.raises(InfeasibleError, match="with the salary of the minimum posts"):
        solve_allocation(p)


def test_every_conflict_is_listed():
    p = three(200, lower=[0, 0, 0], upper=[1000, 1000, 130])
    kinds = [c.kind for c in find_conflicts(p)]
    assert kinds == ["commune_bounds", "floors"]


def test_validation_lists_every_problem():
    with pytest.raises(ValidationError) as err:
        AllocationProblem(
            ids=["a", "a"], target=[0, 1], floor=[-1, 0], envelope=1.5, upper=[np.nan, 1]
        )
    msg = str(err.value)
    for text in ("unique", "target", "floor", "envelope", "upper"):
        assert text in msg
