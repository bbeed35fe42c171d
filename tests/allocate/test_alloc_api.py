"""The core's options: extra constraints, solver errors, solve_many, the KKT fast path."""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo
import pytest
from alloc_helpers import M, random_problem, three

from khoan.allocate import AllocationProblem, find_conflicts, solve_allocation, solve_many
from khoan.errors import SolverError


@pytest.mark.parametrize("objective", ["quadratic", "absolute", "minimax"])
def test_extra_constraint_hook(objective):
    # E = 540: unconstrained quadratic gives (90, 180, 270). Rule: a gets at least 100
    # (model money is in millions of VND). Then b and c share 440 as 200 : 300 -> (176, 264).
    def rule(model, problem):
        model.extra.a_min = pyo.Constraint(expr=model.x["a"] >= 100)

    r = solve_allocation(three(540), objective=objective, extra_constraints=rule)
    assert r.allocation[0] >= 100 * M - 1
    assert r.total == 540 * M
    if objective == "quadratic":
        assert r.allocation.tolist() == [100 * M, 176 * M, 264 * M]


def test_conflict_between_groupings_is_a_solver_error():
    # districts d1 = {a, b}, d2 = {c, d}; types t1 = {a, c}, t2 = {b, d}. d1 needs ≥ 350 M, but
    # t1 ≤ 200 M caps a and b's corridor stops at 100 M: a + b ≤ 300 M. Each grouping alone is
    # fine, so the pre-solve checks pass and the solver proves the combination infeasible.
    p = AllocationProblem(
        ids=["a", "b", "c", "d"],
        target=np.array([100, 200, 300, 400]) * M,
        floor=np.zeros(4),
        envelope=1000 * M,
        lower=np.zeros(4),
        upper=np.array([np.inf, 100 * M, np.inf, np.inf]),
        group_labels={
            "district": np.array(["d1", "d1", "d2", "d2"]),
            "type": np.array(["t1", "t2", "t1", "t2"]),
        },
        group_floor={("district", "d1"): 350 * M},
        group_cap={("type", "t1"): 200 * M},
    )
    assert find_conflicts(p) == []
    with pytest.raises(SolverError) as err:
        solve_allocation(p)
    assert err.value.status == "infeasible"
    assert "conflict in combination" in str(err.value)


def test_solve_many_keeps_each_envelope():
    problems = [random_problem(n, seed) for n, seed in [(10, 1), (25, 2), (40, 3)]]
    results = solve_many(problems)
    assert [r.total for r in results] == [p.envelope for p in problems]
    kkt = solve_many(problems, solver="kkt")
    for a, b in zip(results, kkt, strict=True):
        assert np.abs(a.allocation - b.allocation).max() <= 1


def test_kkt_refuses_what_it_cannot_solve():
    p = random_problem(10, 1, groups=True)
    with pytest.raises(ValueError, match="kkt"):
        solve_allocation(p, solver="kkt")
    with pytest.raises(ValueError, match="kkt"):
        solve_allocation(three(540), solver="kkt", objective="absolute")


def test_unknown_objective_and_solver():
    with pytest.raises(ValueError, match="objective"):
        solve_allocation(three(540), objective="squared")
    with pytest.raises(SolverError, match="not available"):
        solve_allocation(three(540), solver="no_such_solver")


def test_result_columns():
    r = solve_allocation(three(540, floor=(95, 100, 150)))
    cols = r.as_dict()
    assert list(cols) == ["commune", "allocation", "allocation_exact", "binding"]
    assert cols["binding"] == ["floor", "", ""]
    assert set(r.timings) >= {"build", "solve", "round", "total"}
