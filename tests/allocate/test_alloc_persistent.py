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


@pytest.mark.parametrize("objective", ["absolute", "minimax"])
def test_persistent_lp_hands_changes_to_highs_directly(objective):
    # the persistent HiGHS model takes envelope, stage weights and "keep the optimum" rows as
    # arrays; nothing re-reads the Pyomo parameters, so a change not pushed would be missed
    # and the second solve would differ from rebuilding
    p = random_problem(40, 3, groups=True)
    am = AllocationModel(p, objective)
    assert am.engine.runner.direct
    assert am.engine.path == "arrays"
    for e in (int(p.target.sum() * 0.95), int(p.target.sum() * 0.97), int(p.target.sum() * 0.95)):
        _same(
            am.update(envelope=e).solve(),
            solve_allocation(p.replace(envelope=e), objective=objective),
        )


def test_persistent_model_with_an_analysts_parameter_rereads_it():
    # an analyst's rule may hold a mutable Param of its own: Pyomo keeps re-reading parameters
    import pyomo.environ as pyo

    def cap_first(model, problem):
        model.extra.cap = pyo.Param(initialize=95.0, mutable=True)
        first = next(iter(model.I))
        model.extra.c = pyo.Constraint(expr=model.x[first] <= model.extra.cap)

    am = AllocationModel(three(600, floor=(0, 0, 0)), extra_constraints=cap_first)
    assert not am.engine.runner.direct
    assert am.solve().allocation[0] == 95 * M
    am.model.extra.cap.set_value(90.0)
    assert am.solve().allocation[0] == 90 * M


def test_refresh_rows_keeps_the_constant_of_the_body():
    # a row x + 5 <= b: Pyomo passes 'x <= b − 5' to HiGHS; a refreshed bound must too
    import pyomo.environ as pyo

    from khoan.allocate._solvers import make_runner

    m = pyo.ConcreteModel()
    m.b = pyo.Param(initialize=20.0, mutable=True)
    m.x = pyo.Var(bounds=(0, 100))
    m.c = pyo.Constraint(expr=m.x + 5 <= m.b)
    m.o = pyo.Objective(expr=-m.x)
    r = make_runner("highs")
    r.set_instance(m)
    assert r.direct
    assert r.solve(m).optimal and m.x.value == pytest.approx(15.0)
    m.b.set_value(30.0)
    r.refresh_rows([m.c])
    assert r.solve(m).optimal and m.x.value == pytest.approx(25.0)


def test_an_answer_far_from_the_envelope_is_an_error_not_a_long_rounding(monkeypatch):
    # rounding moves one đồng a step: a solver answer billions of đồng off the envelope (a
    # change not handed to the solver, a broken solver) must be refused, not rounded for hours
    from khoan.allocate import core
    from khoan.errors import SolverError

    real = core.Engine._allocation
    monkeypatch.setattr(core.Engine, "_allocation", lambda self: real(self) + 1e9)
    with pytest.raises(SolverError, match="not the envelope") as err:
        solve_allocation(three(600, floor=(0, 0, 0)))
    assert err.value.status == "envelope_not_met"
