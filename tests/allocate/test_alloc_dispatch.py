"""Which path solves an allocation, and that every path gives the same answer.

* ``AllocationModel`` solves a separable quadratic problem (no groups, staffing or extra rules)
  with the exact KKT formula: its allocations must equal HiGHS's to the đồng;
* the Pyomo model reaches HiGHS as arrays read by khoan's translator, or through Pyomo's own
  interface for anything the translator does not read: both must give the same answer.
"""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo
import pytest
from alloc_helpers import M, random_problem, three

from khoan.allocate import AllocationModel, _solvers, solve_allocation


def _envelopes(p, k: int = 25) -> list[int]:
    lo = max(float(p.lo.sum()), 0.9 * float(p.target.sum()))
    hi = min(float(p.hi.sum()), 1.02 * float(p.target.sum()))
    return [int(e) for e in np.linspace(lo * 1.0005, hi * 0.9995, k)]


@pytest.mark.parametrize("seed", [1, 7, 2016, 31337])
@pytest.mark.parametrize("n", [9, 132])
def test_exact_sweep_equals_highs_to_the_dong(seed, n):
    rng = np.random.default_rng(seed)
    corridor = [None, 0.05, 0.1][seed % 3]
    p = random_problem(n, seed, corridor=corridor, floor_share=(0.5, 0.95))
    envs = _envelopes(p)
    p = p.replace(envelope=envs[0])
    exact = AllocationModel(p)
    highs = AllocationModel(p, exact=False)
    assert exact.exact and not highs.exact
    rng.shuffle(envs)
    for e in envs:
        a = exact.update(envelope=e).solve()
        b = highs.update(envelope=e).solve()
        assert (a.solver, a.path, a.stages) == ("kkt", "exact", ["kkt"])
        assert (b.solver, b.path) == ("highs", "arrays")
        assert a.total == b.total == e
        np.testing.assert_array_equal(a.allocation, b.allocation)


def test_exact_model_follows_bound_and_target_updates():
    p = random_problem(40, 5)
    am = AllocationModel(p)
    lower = p.lower * 1.01
    t2 = p.target * np.linspace(0.95, 1.05, p.n)
    a = am.update(lower=lower).solve()
    ref = solve_allocation(p.replace(lower=lower))
    np.testing.assert_array_equal(a.allocation, ref.allocation)
    b = am.update(target=t2).solve()
    ref = solve_allocation(p.replace(lower=lower, target=t2))
    np.testing.assert_array_equal(b.allocation, ref.allocation)
    assert b.path == "exact"
    # the Pyomo model is still there for an analyst who asks for it
    assert isinstance(am.model, pyo.ConcreteModel)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"objective": "quadratic", "groups": True},
        {"objective": "absolute", "groups": False},
    ],
)
def test_not_separable_keeps_highs(kwargs):
    p = random_problem(30, 3, groups=kwargs["groups"])
    am = AllocationModel(p, kwargs["objective"])
    assert not am.exact
    r = am.solve()
    assert (r.solver, r.path) == ("highs", "arrays")


def test_extra_rules_keep_highs():
    def cap_first(model, problem):
        model.extra.c = pyo.Constraint(expr=model.x[next(iter(model.I))] <= 95.0)

    am = AllocationModel(three(600, floor=(0, 0, 0)), extra_constraints=cap_first)
    assert not am.exact
    r = am.solve()
    assert r.allocation[0] == 95 * M
    assert r.path == "pyomo-persistent"  # a persistent model with rules re-reads them


def _staffed(p):
    rng = np.random.default_rng(11)
    posts_max = rng.integers(12, 25, p.n)
    return p.replace(
        floor=(p.target * 0.2).round(),
        lower=None,
        upper=None,
        posts_min=(posts_max * 0.6).astype(int),
        posts_max=posts_max,
        post_cost=150e6,
        posts_total_max=int(posts_max.sum() * 0.9),
    )


CASES = [
    ("quadratic", False, False),
    ("quadratic", True, False),
    ("absolute", True, False),
    ("minimax", True, False),
    ("absolute", False, True),
    ("quadratic", False, True),
]


@pytest.mark.parametrize("objective,groups,staffing", CASES)
def test_translator_and_pyomo_interface_agree(objective, groups, staffing, monkeypatch):
    p = random_problem(36, 17, groups=groups)
    if staffing:
        p = _staffed(p)
    arrays = solve_allocation(p, objective=objective)
    assert arrays.path == "arrays"

    def refuse(model):
        raise _solvers.NotLinear("forced")

    monkeypatch.setattr(_solvers, "translate", refuse)
    pyomo = solve_allocation(p, objective=objective)
    assert pyomo.path == "pyomo-persistent"
    assert pyomo.stages == arrays.stages
    assert pyomo.objective == pytest.approx(arrays.objective, rel=1e-9, abs=1e-9)
    assert np.abs(pyomo.allocation - arrays.allocation).max() <= 1
    if staffing:
        np.testing.assert_array_equal(pyomo.posts, arrays.posts)
    assert pyomo.duals.keys() == arrays.duals.keys()
    for key, v in arrays.duals.items():
        assert pyomo.duals[key] == pytest.approx(v, rel=1e-6, abs=1e-9)


def test_translator_reads_a_quadratic_objective_and_constant_rows():
    m = pyo.ConcreteModel()
    m.x = pyo.Var([0, 1], bounds=(0, 10))
    m.c = pyo.Constraint(expr=m.x[0] + 2 * m.x[1] + 3 <= 7)  # x0 + 2 x1 <= 4
    m.o = pyo.Objective(expr=(m.x[0] - 4) ** 2 + 2 * m.x[1] ** 2 + m.x[0] * m.x[1] - 8 * m.x[1])
    d = _solvers.translate(m)
    assert d["row_upper"].tolist() == [4.0] and d["row_offset"].tolist() == [3.0]
    runner = _solvers.make_runner("highs", model=m)
    assert isinstance(runner, _solvers.ArrayHighsRunner)
    assert runner.solve(m).optimal
    # by hand: 2 (x0 − 4) + x1 + μ = 0, x0 + 4 x1 − 8 + 2μ = 0, x0 + 2 x1 = 4
    # → x = (3, 0.5), μ = 1.5; the dual is ∂objective/∂right-hand side = −μ
    assert pyo.value(m.x[0]) == pytest.approx(3.0, abs=1e-7)
    assert pyo.value(m.x[1]) == pytest.approx(0.5, abs=1e-7)
    assert runner.duals([m.c])[0] == pytest.approx(-1.5, abs=1e-7)
    assert runner.row_value(m.c) == pytest.approx(7.0, abs=1e-7)
    pyomo = _solvers.make_runner("highs", model=m, arrays=False)
    assert not isinstance(pyomo, _solvers.ArrayHighsRunner)
    assert pyomo.solve(m).optimal
    assert pyomo.duals([m.c])[0] == pytest.approx(-1.5, abs=1e-7)


def test_result_says_which_solver_ran():
    import khoan

    model = khoan.examples.load("khanh_hoa_2016")
    a = khoan.allocate(model, 2017, "norm")
    b = khoan.allocate(model, 2017, "norm", solver="kkt")
    assert (a.provenance["solver"], a.provenance["solver_path"]) == ("highs", "arrays")
    assert (a.diagnostics["solver"], a.diagnostics["solver_path"]) == ("highs", "arrays")
    assert (b.provenance["solver"], b.provenance["solver_path"]) == ("kkt", "exact")
    assert b.diagnostics["solver_path"] == "exact"
    assert (a.table["allocation"] - b.table["allocation"]).abs().max() <= 1
