"""AllocationModel: one model, mutable data, persistent solver — same answers as rebuilding."""

from __future__ import annotations

import numpy as np
import pytest
from alloc_helpers import M, random_problem, three

from khoan.allocate import AllocationModel, solve_allocation


def _same(a, b):
    # equal to the solvers' tolerance: a warm-started simplex may stop a few đồng away on the
    # tie-break stage (the lexicographic rows leave ~0.1 VND of slack per stage)
    assert np.all(np.abs(a.allocation - b.allocation) <= 2 + 1e-9 * np.abs(b.allocation))
    assert a.objective == pytest.approx(b.objective, rel=1e-9, abs=1e-9)
    assert a.duals.keys() == b.duals.keys()


@pytest.mark.parametrize("objective", ["quadratic", "absolute", "minimax"])
def test_envelope_sweep_equals_rebuilding(objective):
    p = random_problem(60, 5, groups=True)
    am = AllocationModel(p, objective)
    for share in np.linspace(0.93, 1.0, 6):
        e = int(p.target.sum() * share)
        _same(
            am.update(envelope=e).solve(),
            solve_allocation(p.replace(envelope=e), objective=objective),
        )


@pytest.mark.parametrize("objective", ["quadratic", "absolute"])
def test_target_and_bound_updates(objective):
    p = random_problem(30, 6)
    am = AllocationModel(p, objective)
    rng = np.random.default_rng(0)
    t2 = p.target * rng.uniform(0.95, 1.05, p.n)
    _same(am.update(target=t2).solve(), solve_allocation(p.replace(target=t2), objective=objective))
    up2 = p.upper * 0.99
    q = p.replace(target=t2, upper=up2)
    _same(am.update(upper=up2).solve(), solve_allocation(q, objective=objective))
    # and back
    _same(
        am.update(target=p.target, upper=p.upper).solve(), solve_allocation(p, objective=objective)
    )


def test_hand_case_sweep():
    # Σ t = 600: E = 540 -> 0.9 t; E = 600 -> t; E = 660 -> 1.1 t
    am = AllocationModel(three(540, floor=(0, 0, 0)))
    assert am.solve().allocation.tolist() == [90 * M, 180 * M, 270 * M]
    assert am.update(envelope=600 * M).solve().allocation.tolist() == [100 * M, 200 * M, 300 * M]
    assert am.update(envelope=660 * M).solve().allocation.tolist() == [110 * M, 220 * M, 330 * M]


def test_staffing_in_a_sweep():
    staff = dict(floor=(20, 30, 40), posts_min=[2, 5, 8], posts_max=[10, 17, 20], post_cost=10 * M)
    am = AllocationModel(three(600, **staff, posts_total_max=50))
    assert am.solve().posts.tolist() == [8, 17, 20]
    assert am.update(envelope=400 * M).solve().posts.tolist() == [4, 10, 16]
    assert am.update(envelope=600 * M).solve().posts.tolist() == [8, 17, 20]


def test_kkt_is_not_persistent():
    with pytest.raises(ValueError):
        AllocationModel(three(600), solver="kkt")
