"""Staff-reduction scenarios on khanh_hoa_2016 (pytest-benchmark).

Run with timings::

    pytest benchmarks/bench_scenarios.py --benchmark-enable -s

Goals (issue 5): simulate 2016–2020 in ≤ 0.1 s per scenario (the batch goal of 1,000
scenarios in 60 s on 2 cores rests on it) and the ``optimal`` policy's MILP in ≤ 10 s.

``simulate`` caches the work shared by the scenarios of a model (roster aged year by year, the
monthly pay of everyone who may leave or be hired, the baseline, each candidate's benefits on
each leave date): ``warm`` timings are scenarios after the first of their model, ``cold`` the
first one (cache cleared). Figures are recorded in ``benchmarks/README.md`` ("Scenarios").
"""

from __future__ import annotations

import time

import pytest

from khoan import examples
from khoan.scenarios import clear_cache, load_scenarios, simulate

GOAL_PER_SCENARIO_S = 0.1
GOAL_OPTIMAL_S = 10.0


@pytest.fixture(scope="module")
def model():
    return examples.load("khanh_hoa_2016")


@pytest.fixture(scope="module")
def scenarios(model):
    return load_scenarios(model.path)


GREEDY = [
    "nq39_10pct",
    "nq39_10pct_kept",
    "ct02_2pct",
    "attrition_only",
    "early_retirement_nd108",
    "resignation_10pct",
    "one_post_per_commune",
]


@pytest.mark.parametrize("name", GREEDY)
def test_simulate_warm(benchmark, model, scenarios, name):
    s = scenarios[name]
    simulate(model, s)  # fills the per-model cache
    r = benchmark(simulate, model, s)
    assert r.provenance["timings"]["shared_work_cached"]
    t = min(_times(lambda: simulate(model, s), 5))
    benchmark.extra_info.update(seconds=t)
    print(f"\n{name}: {t * 1000:.1f} ms (warm)")
    assert t <= GOAL_PER_SCENARIO_S


def test_simulate_cold(benchmark, model, scenarios):
    """Plain benchmark (no goal is set for the cold start): it times the first scenario of a
    model and asserts only that the timed runs really started from an empty cache and
    produced the same result as a warm run."""
    s = scenarios["nq39_10pct"]

    def cold():
        clear_cache()
        return simulate(model, s)

    r = benchmark.pedantic(cold, rounds=3, iterations=1)
    assert not r.provenance["timings"]["shared_work_cached"]
    warm = simulate(model, s)
    assert warm.provenance["timings"]["shared_work_cached"]
    assert warm.by_year.equals(r.by_year)
    t = min(_times(cold, 3))
    benchmark.extra_info.update(seconds=t)
    print(f"\nnq39_10pct: {t:.2f} s (cold: shared work of the model included)")


def test_optimal_milp(benchmark, model, scenarios):
    s = scenarios["nq39_optimal"]
    simulate(model, s)  # shared work and benefit tables cached: time the MILP and the rest
    r = benchmark.pedantic(simulate, args=(model, s), rounds=3, iterations=1)
    opt = r.provenance["optimal"]
    assert opt["status"] == "optimal"
    t = min(_times(lambda: simulate(model, s), 3))
    benchmark.extra_info.update(seconds=t, **opt["seconds"], variables=opt["variables"])
    print(
        f"\nnq39_optimal: {t:.2f} s (build {opt['seconds']['build']:.2f} s, solve "
        f"{opt['seconds']['solve']:.2f} s; {opt['variables']} binaries, "
        f"{opt['constraints']} constraints)"
    )
    assert t <= GOAL_OPTIMAL_S


def _times(fn, n: int) -> list[float]:
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out
