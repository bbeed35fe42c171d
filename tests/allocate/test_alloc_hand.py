"""Three-commune instances solved by hand (amounts in millions of VND unless stated).

Communes a, b, c with targets t = (100, 200, 300) and floors (50, 100, 150); Σ t = 600.
Quadratic objective F = Σ (x − t)² / t in VND; KKT: x_i = clip(t_i (1 + μ), lo_i, hi_i) and the
envelope dual is ∂F/∂E = 2μ.
"""

from __future__ import annotations

import numpy as np
import pytest
from alloc_helpers import M, three

from khoan.allocate import solve_allocation

SOLVERS = ["highs", "kkt"]


@pytest.mark.parametrize("solver", SOLVERS)
def test_targets_feasible_give_the_targets(solver):
    # E = 600 = Σ t and every target lies within its bounds: x = t, F = 0, μ = 0.
    r = solve_allocation(three(600), solver=solver)
    assert r.allocation.tolist() == [100 * M, 200 * M, 300 * M]
    assert r.objective == pytest.approx(0.0, abs=1e-6)
    assert r.duals["envelope"] == pytest.approx(0.0, abs=1e-9)
    assert r.status == "optimal"
    assert r.binding == [(), (), ()]


@pytest.mark.parametrize("solver", SOLVERS)
def test_gap_shared_in_proportion_to_targets(solver):
    # E = 540: every commune gets t × 540/600 = 0.9 t -> (90, 180, 270); μ = −0.1.
    # F = Σ (0.1 t)² / t = 0.01 × 600 M = 6,000,000 VND; dual = 2μ = −0.2 VND per VND.
    r = solve_allocation(three(540), solver=solver)
    assert r.allocation.tolist() == [90 * M, 180 * M, 270 * M]
    assert r.objective == pytest.approx(6_000_000, rel=1e-9)
    assert r.duals["envelope"] == pytest.approx(-0.2, rel=1e-9)


@pytest.mark.parametrize("solver", SOLVERS)
def test_binding_floor(solver):
    # floors (95, 100, 150), E = 540. Proportional 0.9 t would give a 90 < 95, so a sits on
    # its floor: 95. The rest, 445, goes to b and c in proportion to 200 : 300, factor
    # 445/500 = 0.89 -> (178, 267); μ = −0.11, dual = −0.22.
    # F = 5²/100 + 22²/200 + 33²/300 = 0.25 + 2.42 + 3.63 = 6.3 M VND.
    r = solve_allocation(three(540, floor=(95, 100, 150)), solver=solver)
    assert r.allocation.tolist() == [95 * M, 178 * M, 267 * M]
    assert r.binding == [("floor",), (), ()]
    assert r.objective == pytest.approx(6_300_000, rel=1e-9)
    assert r.duals["envelope"] == pytest.approx(-0.22, rel=1e-9)


@pytest.mark.parametrize("solver", SOLVERS)
def test_binding_corridor(solver):
    # last year (100, 150, 300) with a ±10 % corridor: b ≤ 165. E = 600: b capped at 165,
    # the other 435 go to a and c in proportion 100 : 300, factor 435/400 = 1.0875 ->
    # (108.75, 326.25), inside their corridors [90, 110] and [270, 330]. μ = 0.0875, dual 0.175.
    # F = 8.75²/100 + 35²/200 + 26.25²/300 = 0.765625 + 6.125 + 2.296875 = 9.1875 M VND.
    last = np.array([100, 150, 300])
    r = solve_allocation(three(600, lower=last * 0.9, upper=last * 1.1), solver=solver)
    assert r.allocation.tolist() == [108_750_000, 165 * M, 326_250_000]
    assert r.binding == [(), ("upper",), ()]
    assert r.objective == pytest.approx(9_187_500, rel=1e-9)
    assert r.duals["envelope"] == pytest.approx(0.175, rel=1e-9)


def test_absolute_puts_the_gap_on_the_largest_target():
    # Σ |x − t| / t: one đồng taken from c costs 1/300 M, from a 1/100 M: the whole shortfall
    # of 60 goes to c -> (100, 200, 240); objective 60/300 = 0.2; dual −1/(300 M) per VND.
    r = solve_allocation(three(540), objective="absolute")
    assert r.allocation.tolist() == [100 * M, 200 * M, 240 * M]
    assert r.objective == pytest.approx(0.2, rel=1e-9)
    assert r.duals["envelope"] == pytest.approx(-1 / (300 * M), rel=1e-6)
    assert r.stages == ["absolute", "tiebreak"]


def test_absolute_tie_break_by_commune_code():
    # Equal targets 100, floors 80, E = 270: every split of the 30 shortfall is L1-optimal
    # (objective 0.3). Tie-break weights 1 + r/n favour cutting the smallest code first:
    # a down to its floor 80 (−20), then b by the remaining 10 -> (80, 90, 100).
    r = solve_allocation(
        three(270, target=(100, 100, 100), floor=(80, 80, 80)), objective="absolute"
    )
    assert r.allocation.tolist() == [80 * M, 90 * M, 100 * M]
    assert r.objective == pytest.approx(0.3, rel=1e-9)
    assert r.binding[0] == ("floor",)


def test_minimax_then_sum():
    # max |x − t| / t: everyone −10 % is the only way to keep the largest cut at 0.1 with
    # Σ cuts = 60 = 10 + 20 + 30 -> (90, 180, 270).
    # (to within the few đồng of slack the lexicographic stages allow, see docs/allocation.md)
    r = solve_allocation(three(540), objective="minimax")
    assert np.abs(r.allocation - np.array([90, 180, 270]) * M).max() <= 5
    assert r.total == 540 * M
    assert r.objective == pytest.approx(0.1, rel=1e-7)
    assert r.stages == ["minimax", "absolute", "tiebreak"]


def test_rounding_keeps_the_total():
    # E = 400: 2/3 of each target -> 66,666,666.67 / 133,333,333.33 / 200,000,000; whole đồng
    # summing to 400,000,000: a rounds up, b down.
    r = solve_allocation(three(400, floor=(0, 0, 0)))
    assert r.allocation.tolist() == [66_666_667, 133_333_333, 200_000_000]
    assert r.total == 400 * M
    assert r.allocation.dtype == np.int64


STAFF = dict(
    floor=(20, 30, 40),  # non-salary floor
    posts_min=[2, 5, 8],
    posts_max=[10, 17, 20],
    post_cost=10 * M,  # VND per post per year
)


@pytest.mark.parametrize("objective", ["quadratic", "absolute"])
def test_milp_keeps_the_posts_each_allocation_funds(objective):
    # E = 600 = Σ t; floors with the minimum posts (20 + 20, 30 + 50, 40 + 80) = (40, 80, 120)
    # are below the targets, so x = t = (100, 200, 300). Posts funded: (x − f) / c =
    # (8, 17, 26), within the quotas (10, 17, 20) -> (8, 17, 20) = 45 ≤ the total 50.
    r = solve_allocation(three(600, **STAFF, posts_total_max=50), objective=objective)
    assert r.allocation.tolist() == [100 * M, 200 * M, 300 * M]
    assert r.posts.tolist() == [8, 17, 20]
    assert r.stages[-1] == "posts"


def test_milp_reduction_target_cuts_where_coverage_is_lowest():
    # As above with the province-wide total cut to 40: 5 of the 45 fundable posts go. The
    # share of its quota each allocation funds, (x − f)/(c × quota) = 80/100, 170/170, 260/200
    # = (0.8, 1.0, 1.3), orders the communes: c keeps 20, b keeps 17, a keeps 40 − 37 = 3
    # (≥ its minimum 2).
    r = solve_allocation(three(600, **STAFF, posts_total_max=40))
    assert r.posts.tolist() == [3, 17, 20]
    assert int(r.posts.sum()) == 40


def test_milp_posts_follow_a_smaller_envelope():
    # E = 400: x = 2/3 t = (66.67, 133.33, 200) M (all above the floors 40, 80, 120); posts
    # funded: floor(46.67/10) = 4, floor(103.33/10) = 10, floor(160/10) = 16 -> 30 ≤ 40.
    r = solve_allocation(three(400, **STAFF, posts_total_max=40))
    assert r.posts.tolist() == [4, 10, 16]
    f = np.array([20, 30, 40]) * M
    assert np.all(f + 10 * M * r.posts <= r.allocation)


def test_milp_minimum_posts_raise_the_floor():
    # E = 300: proportional would give a 50 but a must keep 2 posts: floor 20 + 2 × 10 = 40 ≤ 50,
    # fine; c must keep 8 posts: 40 + 80 = 120 ≤ 150, fine. With E = 250, c's share 125 ≥ 120
    # and a's 41.7 ≥ 40: still proportional. With posts_min of a raised to 4 (floor 60):
    # a sits on 60, b and c share 190 in proportion 200 : 300 -> (76, 114) — but c's floor
    # is 120, so c sits on 120 and b gets 70 ≥ its floor 80? No: 70 < 80, infeasible? Σ floors
    # = 60 + 80 + 120 = 260 > 250, so the diagnosis refuses it before solving.
    from khoan.errors import InfeasibleError

    kw = dict(STAFF, posts_min=[4, 5, 8])
    with pytest.raises(InfeasibleError, match="10,000,000 VND"):
        solve_allocation(three(250, **kw, posts_total_max=40))
    # E = 270: Σ floors 260 ≤ 270. Proportional (45, 90, 135) breaks a (60) and c (120)?
    # 135 ≥ 120 fine, 45 < 60: a = 60; b, c share 210 as 200 : 300 -> (84, 126) ≥ (80, 120).
    r = solve_allocation(three(270, **kw, posts_total_max=40))
    assert r.allocation.tolist() == [60 * M, 84 * M, 126 * M]
    assert r.binding[0] == ("floor",)
    # posts: a (60 − 20)/10 = 4, b (84 − 30)/10 = 5.4 -> 5, c (126 − 40)/10 = 8.6 -> 8
    assert r.posts.tolist() == [4, 5, 8]
