"""Allocation-core benchmarks (pytest-benchmark).

Run:  ``PYTHONPATH=. pytest benchmarks/bench_allocation.py --benchmark-enable``
(the project's pytest configuration disables benchmarks by default; then each runs once).

Every problem is synthetic, generated here with a fixed seed: targets 2–8 billion VND per
commune, floors 60–90 % of the target, last year's allocation within ±10 % of the target and a
±10 % stability corridor around it, the envelope 5 % short of the targets. Each Pyomo model is
compared, in the same run, with the same problem passed to ``highspy`` directly as arrays (the
limit for any modelling layer); objectives are asserted equal. Results: benchmarks/README.md,
section "Allocation".
"""

from __future__ import annotations

import time

import highspy
import numpy as np
import pytest

from khoan.allocate import (
    AllocationModel,
    AllocationProblem,
    solve_allocation,
    solve_many,
)
from khoan.allocate.build import MONEY_SCALE

S = MONEY_SCALE


def synthetic(n: int, seed: int = 2016, shortfall: float = 0.05) -> AllocationProblem:
    """A synthetic province of ``n`` communes (see the module docstring)."""
    rng = np.random.default_rng(seed)
    t = rng.uniform(2e9, 8e9, n).round()
    fl = (t * rng.uniform(0.6, 0.9, n)).round()
    last = t * rng.uniform(0.9, 1.1, n)
    return AllocationProblem(
        ids=[f"{seed:04d}{k:05d}" for k in range(n)],
        target=t,
        floor=fl,
        envelope=int(t.sum() * (1 - shortfall)),
        lower=(last * 0.9).round(),
        upper=(last * 1.1).round(),
    )


def staffing(n: int, seed: int = 2016) -> AllocationProblem:
    """``synthetic`` with a staffing block: 12–24 posts per commune at 150 million VND/year,
    at least 60 % kept, 10 % fewer posts province-wide."""
    rng = np.random.default_rng(seed + 1)
    p = synthetic(n, seed)
    posts_max = rng.integers(12, 25, n)
    posts_min = (posts_max * 0.6).astype(int)
    return p.replace(
        floor=(p.target * rng.uniform(0.15, 0.25, n)).round(),
        lower=None,
        upper=None,
        posts_min=posts_min,
        posts_max=posts_max,
        post_cost=150e6,
        posts_total_max=int(posts_max.sum() * 0.9),
    )


def national(total: int = 10_051, provinces: int = 63, seed: int = 63) -> list[AllocationProblem]:
    """63 provinces whose sizes sum to 10,051 communes (pre-2025 structure), each with its own
    envelope."""
    rng = np.random.default_rng(seed)
    w = rng.lognormal(0.0, 0.5, provinces)
    sizes = np.clip(np.floor(w / w.sum() * total).astype(int), 30, 580)
    while sizes.sum() != total:  # fix the rounding on the largest / smallest province
        i = int(np.argmax(sizes)) if sizes.sum() > total else int(np.argmin(sizes))
        sizes[i] += 1 if sizes.sum() < total else -1
    return [synthetic(int(n), seed=1000 + j) for j, n in enumerate(sizes)]


# ---------------------------------------------------------------- raw highspy, same problems
def _highs() -> highspy.Highs:
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("presolve", "off")
    h.setOptionValue("qp_regularization_value", 0.0)
    return h


def raw_qp(p: AllocationProblem) -> float:
    """min Σ (x − t)²/t s.t. Σ x = E, lo ≤ x ≤ hi, as arrays; returns the objective (VND)."""
    n = p.n
    t = p.target / S
    lp = highspy.HighsLp()
    lp.num_col_ = n
    lp.num_row_ = 1
    lp.col_cost_ = np.full(n, -2.0)
    lp.col_lower_ = p.lo / S
    lp.col_upper_ = np.where(np.isfinite(p.hi), p.hi / S, highspy.kHighsInf)
    lp.row_lower_ = lp.row_upper_ = np.array([p.envelope / S])
    lp.offset_ = float(t.sum())
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.arange(n + 1, dtype=np.int32)
    lp.a_matrix_.index_ = np.zeros(n, dtype=np.int32)
    lp.a_matrix_.value_ = np.ones(n)
    model = highspy.HighsModel()
    model.lp_ = lp
    model.hessian_.dim_ = n
    model.hessian_.format_ = highspy.HessianFormat.kTriangular
    model.hessian_.start_ = np.arange(n + 1, dtype=np.int32)
    model.hessian_.index_ = np.arange(n, dtype=np.int32)
    model.hessian_.value_ = 2.0 / t
    h = _highs()
    h.passModel(model)
    h.run()
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    return h.getInfo().objective_function_value * S


def raw_lp_absolute(p: AllocationProblem) -> float:
    """The same two-stage LP as the Pyomo model (x = t + u − v; min k Σ (u + v)/t, then the
    rank-weighted tie-break with the first optimum kept), as arrays; returns Σ |x − t| / t."""
    n = p.n
    t = p.target / S
    lo, hi = p.lo / S, p.hi / S
    k = float(t.mean())
    inf = highspy.kHighsInf
    lp = highspy.HighsLp()
    lp.num_col_ = 2 * n
    lp.num_row_ = 1
    w = k / t
    lp.col_cost_ = np.concatenate([w, w])
    u_hi = np.maximum(0.0, hi - t)
    lp.col_lower_ = np.concatenate([np.maximum(0.0, lo - t), np.maximum(0.0, t - hi)])
    lp.col_upper_ = np.concatenate(
        [np.where(np.isfinite(u_hi), u_hi, inf), np.maximum(0.0, t - lo)]
    )
    rhs = p.envelope / S - float(t.sum())
    lp.row_lower_ = lp.row_upper_ = np.array([rhs])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.arange(2 * n + 1, dtype=np.int32)
    lp.a_matrix_.index_ = np.zeros(2 * n, dtype=np.int32)
    lp.a_matrix_.value_ = np.concatenate([np.ones(n), -np.ones(n)])
    h = _highs()
    h.passModel(lp)
    h.run()
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    z = h.getInfo().objective_function_value
    cost = np.concatenate([w, w])
    h.addRow(-inf, z + 1e-8 + 1e-12 * abs(z), 2 * n, np.arange(2 * n, dtype=np.int32), cost)
    tie = w * (1.0 + p.rank / n)
    h.changeColsCost(2 * n, np.arange(2 * n, dtype=np.int32), np.concatenate([tie, tie]))
    h.run()
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    sol = np.asarray(h.getSolution().col_value)
    x = t + sol[:n] - sol[n:]
    return float(np.sum(np.abs(x - t) / t))


# ---------------------------------------------------------------- quadratic, one province
QP_SIZES = [132, 580]


@pytest.mark.parametrize("n", QP_SIZES)
def test_qp_pyomo(benchmark, n):
    """Quadratic allocation through Pyomo + HiGHS; build, hand-off and solve in extra_info."""
    p = synthetic(n)
    result = benchmark.pedantic(solve_allocation, args=(p,), rounds=5, warmup_rounds=1)
    assert result.status == "optimal"
    assert result.total == p.envelope
    assert result.objective == pytest.approx(raw_qp(p), rel=1e-9)
    benchmark.group = f"qp-{n}"
    benchmark.extra_info.update({k: round(v, 5) for k, v in result.timings.items()})


@pytest.mark.parametrize("n", QP_SIZES)
def test_qp_highspy(benchmark, n):
    """The same QP handed to highspy as arrays (the limit)."""
    p = synthetic(n)
    obj = benchmark.pedantic(raw_qp, args=(p,), rounds=5, warmup_rounds=1)
    assert obj == pytest.approx(solve_allocation(p).objective, rel=1e-9)
    benchmark.group = f"qp-{n}"


@pytest.mark.parametrize("n", QP_SIZES)
def test_qp_kkt(benchmark, n):
    """The exact KKT formula (no solver), for reference."""
    p = synthetic(n)
    r = benchmark.pedantic(solve_allocation, args=(p,), kwargs={"solver": "kkt"}, rounds=5)
    assert r.objective == pytest.approx(raw_qp(p), rel=1e-9)
    benchmark.group = f"qp-{n}"


# ---------------------------------------------------------------- LP on one national model
N_NATIONAL = 10_051


def test_lp_pyomo_10051(benchmark):
    p = synthetic(N_NATIONAL)
    r = benchmark.pedantic(
        solve_allocation, args=(p,), kwargs={"objective": "absolute"}, rounds=3, warmup_rounds=1
    )
    assert r.status == "optimal"
    assert r.objective == pytest.approx(raw_lp_absolute(p), rel=1e-9)
    benchmark.group = "lp-10051"
    benchmark.extra_info.update({k: round(v, 5) for k, v in r.timings.items()})


def test_lp_highspy_10051(benchmark):
    p = synthetic(N_NATIONAL)
    obj = benchmark.pedantic(raw_lp_absolute, args=(p,), rounds=3, warmup_rounds=1)
    assert obj == pytest.approx(solve_allocation(p, objective="absolute").objective, rel=1e-9)
    benchmark.group = "lp-10051"


def _best(f, rounds: int, clock=time.process_time) -> float:
    out = []
    for _ in range(rounds):
        t0 = clock()
        f()
        out.append(clock() - t0)
    return min(out)


def test_lp_ratio_10051():
    """End to end (build, hand-off, both stages, rounding) against raw highspy on the same
    arrays, interleaved in one run; CPU seconds (best of five) and wall (printed with ``-s``)."""
    p = synthetic(N_NATIONAL)
    r = solve_allocation(p, objective="absolute")
    assert r.path == "arrays"
    assert r.objective == pytest.approx(raw_lp_absolute(p), rel=1e-9)

    def pyomo():
        solve_allocation(p, objective="absolute")

    def raw():
        raw_lp_absolute(p)

    cpu = [(_best(pyomo, 1), _best(raw, 1)) for _ in range(5)]
    a, b = min(x for x, _ in cpu), min(y for _, y in cpu)
    wa, wb = _best(pyomo, 3, time.perf_counter), _best(raw, 3, time.perf_counter)
    print(
        f"\nLP absolute, {N_NATIONAL} communes: khoan {a * 1e3:.0f} ms CPU "
        f"({wa * 1e3:.0f} ms wall), raw highspy {b * 1e3:.0f} ms CPU ({wb * 1e3:.0f} ms wall): "
        f"{a / b:.2f}x CPU, {wa / wb:.2f}x wall; timings {r.timings}"
    )


# ---------------------------------------------------------------- 100-envelope sweep
def _envelopes(p: AllocationProblem) -> list[int]:
    return [int(e) for e in np.linspace(0.92, 1.0, 100) * p.target.sum()]


SWEEPS = [("quadratic", 132), ("absolute", 132), ("absolute", 580)]


@pytest.mark.parametrize("objective,n", SWEEPS)
def test_sweep_persistent(benchmark, objective, n):
    p = synthetic(n)
    envs = _envelopes(p)

    def run():
        am = AllocationModel(p, objective)
        return [am.update(envelope=e).solve() for e in envs]

    res = benchmark.pedantic(run, rounds=3, warmup_rounds=1)
    ref = solve_allocation(p.replace(envelope=envs[-1]), objective=objective)
    assert np.abs(res[-1].allocation - ref.allocation).max() <= 1
    benchmark.group = f"sweep-100-{objective}-{n}"


@pytest.mark.parametrize("objective,n", SWEEPS)
def test_sweep_rebuild(benchmark, objective, n):
    p = synthetic(n)
    envs = _envelopes(p)

    def run():
        return [solve_allocation(p.replace(envelope=e), objective=objective) for e in envs]

    benchmark.pedantic(run, rounds=3, warmup_rounds=1)
    benchmark.group = f"sweep-100-{objective}-{n}"


def grouped(n: int, seed: int = 2016) -> AllocationProblem:
    """``synthetic`` with four districts: a floor on one (3 % above the sum of its communes'
    lower bounds), a cap on another (3 % short of its targets); feasible and binding over the
    whole sweep."""
    p = synthetic(n, seed)
    district = np.array([f"d{k % 4}" for k in range(n)])
    d0, d1 = district == "d0", district == "d1"
    return p.replace(
        group_labels={"district": district},
        group_floor={("district", "d0"): float(round(p.lo[d0].sum() * 1.03))},
        group_cap={("district", "d1"): float(round(p.target[d1].sum() * 0.97))},
    )


SPEEDUPS = [
    ("quadratic", 132, "separable"),
    ("quadratic", 132, "separable, exact=False"),
    ("quadratic", 132, "groups"),
    ("absolute", 132, "separable"),
    ("absolute", 580, "separable"),
]


@pytest.mark.parametrize("objective,n,kind", SPEEDUPS)
def test_sweep_speedup(objective, n, kind):
    """Persistent against rebuilding, best of three runs each (printed with ``-s``)."""
    p = grouped(n) if kind == "groups" else synthetic(n)
    envs = _envelopes(p)
    exact = kind != "separable, exact=False"

    def persistent():
        am = AllocationModel(p, objective, exact=exact)
        return [am.update(envelope=e).solve() for e in envs]

    def rebuild():
        return [solve_allocation(p.replace(envelope=e), objective=objective) for e in envs]

    fast, slow = persistent(), rebuild()
    diff = max(
        int(np.abs(a.allocation - b.allocation).max()) for a, b in zip(fast, slow, strict=True)
    )
    a, b = _best(persistent, 3, time.perf_counter), _best(rebuild, 3, time.perf_counter)
    print(
        f"\nsweep of 100 envelopes, {n} communes, {objective} ({kind}; {fast[0].solver}, "
        f"{fast[0].path}): persistent {a:.3f} s, rebuild {b:.3f} s, speed-up {b / a:.2f}x; "
        f"largest difference from rebuilding {diff} VND"
    )
    if kind == "separable" and objective == "quadratic":
        assert fast[0].solver == "kkt" and diff == 0


# ---------------------------------------------------------------- staffing MILP
def test_staffing_milp_132(benchmark):
    p = staffing(132)
    r = benchmark.pedantic(solve_allocation, args=(p,), rounds=3, warmup_rounds=1)
    assert r.stages[-1] == "posts"
    assert int(r.posts.sum()) <= p.posts_total_max
    assert np.all(p.floor + p.post_cost * r.posts <= r.allocation)
    benchmark.group = "staffing"
    benchmark.extra_info.update({k: round(v, 5) for k, v in r.timings.items()})


def test_staffing_milp_132_absolute(benchmark):
    p = staffing(132)
    r = benchmark.pedantic(
        solve_allocation, args=(p,), kwargs={"objective": "absolute"}, rounds=3, warmup_rounds=1
    )
    assert r.stages[-1] == "posts"
    benchmark.group = "staffing"


# ---------------------------------------------------------------- national run
def test_national_highs(benchmark):
    problems = national()
    assert sum(p.n for p in problems) == N_NATIONAL and len(problems) == 63
    res = benchmark.pedantic(solve_many, args=(problems,), rounds=2, warmup_rounds=0)
    assert all(r.total == p.envelope for r, p in zip(res, problems, strict=True))
    benchmark.group = "national"
    benchmark.extra_info["largest_province"] = max(p.n for p in problems)


def test_national_kkt(benchmark):
    problems = national()
    res = benchmark.pedantic(solve_many, args=(problems,), kwargs={"solver": "kkt"}, rounds=3)
    ref = solve_many(problems[:3])
    for a, b in zip(res[:3], ref, strict=True):
        assert np.abs(a.allocation - b.allocation).max() <= 1
    benchmark.group = "national"
