"""Cross-check with GLPK (glpsol, Debian glpk-utils): same objective and allocations.

CI installs glpk-utils (``.ci/run``) and sets ``CI=true``: there a missing ``glpsol`` fails
every test of this module instead of skipping it, so that the cross-checks cannot silently
stop running. Outside CI, without ``glpsol``, they are skipped.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from alloc_helpers import HAS_GLPK, M, random_problem, three

from khoan.allocate import solve_allocation

#: CI services set CI=true (and .ci/run does).
IN_CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}

pytestmark = pytest.mark.skipif(
    not HAS_GLPK and not IN_CI, reason="glpsol (Debian glpk-utils) not installed"
)


@pytest.fixture(autouse=True)
def _glpsol_in_ci():
    if not HAS_GLPK:  # only reached in CI (skipped otherwise)
        pytest.fail("CI=true but glpsol is not on PATH: .ci/run must install glpk-utils")


def _same(a, b, p):
    assert a.status == b.status == "optimal"
    assert a.objective == pytest.approx(b.objective, rel=1e-7, abs=1e-9)
    # allocations: equal to the đồng up to the solvers' tolerances (0.0001 % of a target)
    assert np.all(np.abs(a.allocation - b.allocation) <= np.maximum(2, 1e-6 * p.target))
    assert a.total == b.total == p.envelope


@pytest.mark.parametrize("objective", ["absolute", "minimax"])
@pytest.mark.parametrize("seed,groups", [(11, False), (12, True), (13, True)])
def test_lp_objectives_agree(objective, seed, groups):
    p = random_problem(40, seed, groups=groups)
    a = solve_allocation(p, objective=objective)
    b = solve_allocation(p, objective=objective, solver="glpk")
    _same(a, b, p)
    assert b.solver == "glpk"
    # duals agree too
    assert a.duals.keys() == b.duals.keys()
    for key in a.duals:
        assert a.duals[key] == pytest.approx(b.duals[key], rel=1e-6, abs=1e-15)


@pytest.mark.parametrize("objective", ["absolute", "minimax"])
def test_lp_hand_cases_agree(objective):
    p = three(270, target=(100, 100, 100), floor=(80, 80, 80))
    _same(
        solve_allocation(p, objective=objective),
        solve_allocation(p, objective=objective, solver="glpk"),
        p,
    )


def _staffing(n, seed, envelope_share=0.97):
    rng = np.random.default_rng(seed)
    p = random_problem(n, seed, shortfall=1 - envelope_share, corridor=None, floor_share=(0.1, 0.2))
    posts_max = rng.integers(12, 25, n)
    posts_min = (posts_max * 0.6).astype(int)
    return p.replace(
        posts_min=posts_min,
        posts_max=posts_max,
        post_cost=150 * M,
        posts_total_max=int(posts_max.sum() * 0.9),
    )


@pytest.mark.parametrize("seed", [21, 22])
def test_staffing_milp_agrees(seed):
    p = _staffing(30, seed)
    a = solve_allocation(p, objective="absolute")
    b = solve_allocation(p, objective="absolute", solver="glpk")
    _same(a, b, p)
    assert a.posts.tolist() == b.posts.tolist()
    assert int(a.posts.sum()) <= p.posts_total_max
    assert np.all(p.floor + p.post_cost * a.posts <= a.allocation)
