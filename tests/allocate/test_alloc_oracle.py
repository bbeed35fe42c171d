"""The Pyomo/HiGHS model against the exact KKT solution (no Pyomo) on random instances."""

from __future__ import annotations

import numpy as np
import pytest
from alloc_helpers import DERANDOMIZE, examples, random_problem
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from khoan.allocate import AllocationProblem, kkt_quadratic, solve_allocation
from khoan.errors import InfeasibleError


@pytest.mark.parametrize("n,seed", [(3, 0), (20, 1), (132, 2), (132, 3), (580, 4)])
@pytest.mark.parametrize("shortfall", [0.05, 0.0, -0.05])
def test_highs_matches_kkt(n, seed, shortfall):
    p = random_problem(n, seed, shortfall=shortfall)
    r = solve_allocation(p)
    x, mu = kkt_quadratic(p.target, p.lo, p.hi, p.envelope)
    # 0.0001 % per commune (the bar); in practice ~1e-15
    np.testing.assert_allclose(r.allocation_exact, x, rtol=1e-6)
    assert r.duals["envelope"] == pytest.approx(2 * mu, rel=1e-6, abs=1e-9)
    k = solve_allocation(p, solver="kkt")
    assert np.abs(r.allocation - k.allocation).max() <= 1
    assert r.objective == pytest.approx(k.objective, rel=1e-9, abs=1e-6)


@st.composite
def problems(draw, max_n: int = 12):
    n = draw(st.integers(1, max_n))
    t = np.array(draw(st.lists(st.integers(1, 10_000), min_size=n, max_size=n)), float) * 1e6
    floor_share = np.array(draw(st.lists(st.floats(0, 1.2), min_size=n, max_size=n)))
    last_share = np.array(draw(st.lists(st.floats(0.5, 1.5), min_size=n, max_size=n)))
    width = draw(st.floats(0.02, 0.5))
    corridor = draw(st.booleans())
    fl = np.round(t * floor_share)
    kw = {}
    if corridor:
        last = t * last_share
        kw = {"lower": np.round(last * (1 - width)), "upper": np.round(last * (1 + width))}
    lo = np.maximum(fl, kw.get("lower", 0))
    hi = kw.get("upper", np.full(n, np.inf))
    hi = np.maximum(hi, lo)  # keep every commune feasible on its own
    if corridor:
        kw["upper"] = hi
    lo_sum, top = float(np.ceil(lo).sum()), float(np.floor(np.minimum(hi, 1e13)).sum())
    u = draw(st.floats(0, 1))
    # realistic envelopes: at least 30 % of the targets (HiGHS's QP solver can report an
    # error when the envelope is ~1e-4 of the targets, e.g. 61 VND for 2 million of targets)
    bottom = max(lo_sum, min(0.3 * float(t.sum()), top))
    env = int(bottom + u * (min(top, lo_sum + 2 * t.sum()) - bottom))
    return AllocationProblem(
        ids=[f"c{k:03d}" for k in range(n)], target=t, floor=fl, envelope=env, **kw
    )


@settings(
    max_examples=examples(40),
    deadline=None,
    derandomize=DERANDOMIZE,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(problems())
def test_highs_matches_kkt_hypothesis(p):
    try:
        k = solve_allocation(p, solver="kkt")
    except InfeasibleError:
        return
    r = solve_allocation(p)
    assert r.total == k.total == p.envelope
    assert np.abs(r.allocation - k.allocation).max() <= 1
    if np.all((p.lo == 0) | (p.lo >= 1_000)):
        # (lower bounds under 1,000 VND go to the QP as 0; rounding restores them, above)
        scale = np.maximum(np.abs(k.allocation_exact), p.target)
        assert np.all(np.abs(r.allocation_exact - k.allocation_exact) <= 1e-6 * scale + 1e-3)


def test_highs_qp_cycling_is_retried_at_another_scale():
    # Found by hypothesis: targets 417 / 563 million, floors half of them, envelope 490.49
    # million. The proportional answer (x = 0.5005 t) lies 0.1 % above both floors; at the
    # default money scale HiGHS's QP active-set solver cycles on it. The core bounds its
    # iterations, rebuilds at 10⁸ VND per unit and gets the KKT answer.
    p = AllocationProblem(
        ids=["c000", "c001"],
        target=[4.17e8, 5.63e8],
        floor=[2.085e8, 2.815e8],
        envelope=490_490_000,
    )
    r = solve_allocation(p)
    k = solve_allocation(p, solver="kkt")
    assert r.allocation.tolist() == k.allocation.tolist() == [208_708_500, 281_781_500]
    assert r.status == "optimal"
    assert r.stages[-1] == "quadratic"
    assert r.duals["envelope"] == pytest.approx(k.duals["envelope"], rel=1e-9)
