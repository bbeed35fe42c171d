"""Properties of every allocation (hypothesis)."""

from __future__ import annotations

import numpy as np
from alloc_helpers import DERANDOMIZE, examples
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from test_alloc_oracle import problems

from khoan.allocate import AllocationProblem, solve_allocation
from khoan.errors import InfeasibleError

SETTINGS = settings(
    max_examples=examples(40),
    deadline=None,
    derandomize=DERANDOMIZE,
    suppress_health_check=[HealthCheck.too_slow],
)


def _solve(p, **kw):
    try:
        return solve_allocation(p, **kw)
    except InfeasibleError:
        assume(False)


def _check_bounds(p, r):
    assert r.allocation.dtype == np.int64
    assert int(r.allocation.sum()) == p.envelope  # exactly, after rounding
    assert np.all(r.allocation >= np.ceil(p.floor - 1e-6))  # floors held
    assert np.all(r.allocation >= np.ceil(p.lower - 1e-6))  # corridor held
    assert np.all(r.allocation <= np.floor(p.upper + 1e-6))


@SETTINGS
@given(problems(), st.sampled_from(["kkt", "highs"]))
def test_total_exact_and_bounds_held(p, solver):
    _check_bounds(p, _solve(p, solver=solver))


@SETTINGS
@given(problems(max_n=8), st.sampled_from(["absolute", "minimax"]))
def test_lp_objectives_total_exact_and_bounds_held(p, objective):
    _check_bounds(p, _solve(p, objective=objective))


@SETTINGS
@given(problems(), st.lists(st.integers(0, 10**9), min_size=1, max_size=5))
def test_allocation_non_decreasing_in_the_envelope(p, steps):
    # exact (KKT) continuous solution + divisor rounding: every commune's whole-đồng
    # allocation is non-decreasing as the envelope grows, including 1-VND steps
    top = int(np.floor(np.minimum(p.hi, 1e13)).sum())
    envs = sorted({min(p.envelope + s, top) for s in [0, 1, 2, *steps]})
    prev = None
    for e in envs:
        r = _solve(p.replace(envelope=e), solver="kkt")
        if prev is not None:
            assert np.all(r.allocation >= prev.allocation), (e, r.allocation - prev.allocation)
        prev = r


@settings(
    max_examples=examples(15),
    deadline=None,
    derandomize=DERANDOMIZE,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(problems(), st.lists(st.floats(0.001, 0.2), min_size=1, max_size=3))
def test_highs_allocation_non_decreasing_in_the_envelope(p, shares):
    # HiGHS: the same, for envelope steps well above its tolerance (0.1 % of the envelope)
    top = int(np.floor(np.minimum(p.hi, 1e13)).sum())
    envs = sorted({min(int(p.envelope * (1 + s)), top) for s in [0.0, *shares]})
    prev = None
    for e in envs:
        r = _solve(p.replace(envelope=e))
        if prev is not None:
            assert np.all(r.allocation >= prev.allocation - 1)
        prev = r


@SETTINGS
@given(problems(), st.sampled_from(["quadratic", "absolute", "minimax"]))
def test_reruns_identical(p, objective):
    a = _solve(p, objective=objective)
    b = _solve(p, objective=objective)
    assert a.allocation.tolist() == b.allocation.tolist()
    assert a.objective == b.objective
    assert a.binding == b.binding


def test_monotone_when_a_commune_leaves_its_floor():
    # Found by hypothesis: at E + 1 four communes leave their lower bounds (332,031.25 each)
    # and one of them gets the extra đồng; at E + 2 the large commune leaves its bound too.
    # Rounding the continuous values gave that đồng to the large commune and took it back
    # from the small one; rounding on the targets does not.
    t = np.array([1e6] * 9 + [35e6])
    lo = np.array([664062.0] * 5 + [332031.0] * 4 + [11621094.0])
    hi = np.array([1335938.0] * 5 + [667969.0] * 4 + [23378906.0])
    p = AllocationProblem(
        ids=[f"c{k:03d}" for k in range(10)],
        target=t,
        floor=np.zeros(10),
        envelope=16_269_528,
        lower=lo,
        upper=hi,
    )
    for solver in ("kkt", "highs"):
        prev = None
        for e in range(16_269_528, 16_269_540):
            r = solve_allocation(p.replace(envelope=e), solver=solver)
            assert r.total == e
            if prev is not None:
                assert np.all(r.allocation >= prev.allocation)
            prev = r
