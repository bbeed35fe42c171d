"""Staff-reduction scenarios on khanh_hoa_2016 (pytest-benchmark).

Run with timings::

    pytest benchmarks/bench_scenarios.py --benchmark-enable -s

Goals (issue 5): simulate 2016–2020 in ≤ 0.1 s per scenario (the batch goal of 1,000
scenarios in 60 s on 2 cores rests on it) and the ``optimal`` policy's MILP in ≤ 10 s.

``simulate`` caches the work shared by the scenarios of a model (roster aged year by year, the
monthly pay of everyone who may leave or be hired, the baseline, each candidate's benefits on
each leave date): ``warm`` timings are scenarios after the first of their model, ``cold`` the
first one (cache cleared). Figures are recorded in ``benchmarks/README.md`` ("Scenarios").

National scale (issue 15): ``test_national_scenario`` runs NQ 39 10 % on
``khoan.data.synth.national("2016", seed=0)`` (421,428 people, 10,051 communes, 2016–2020) in a
fresh interpreter — cold, then warm, and the process's peak RSS — and checks the result's
digest; ``python benchmarks/bench_scenarios.py national`` prints the same figures. The test
xfails while any of the three goals is missed (all three met as of 2026-12-07 08:10: cold
3.1–3.4 s, warm 0.21–0.24 s, peak RSS 1.03 GiB, quiet machine) and fails if the money changes.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from khoan import examples
from khoan.scenarios import clear_cache, load_scenarios, simulate

GOAL_PER_SCENARIO_S = 0.1
GOAL_OPTIMAL_S = 10.0
#: Issue 15, one NQ 39 10 % scenario on the national synthetic model.
GOAL_NATIONAL = {"cold_s": 5.0, "warm_s": 0.5, "peak_rss_gib": 1.5}
#: SHA-256 (first 16 hex digits) of that scenario's ``by_year`` and ``by_commune`` tables
#: (``pd.util.hash_pandas_object``): the money must stay the same to the đồng.
NATIONAL_DIGEST = "4151d1c65044a5c3"
HERE = Path(__file__).resolve().parent
NORMS = HERE.parent / "tests" / "fixtures" / "two_communes" / "params"


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


def result_digest(r) -> str:
    """Digest of a result's ``by_year`` and ``by_commune`` (values, index and column names)."""
    import pandas as pd

    h = hashlib.sha256()
    for name in ("by_year", "by_commune"):
        df = getattr(r, name)
        h.update(pd.util.hash_pandas_object(df.reset_index(), index=False).to_numpy().tobytes())
        h.update(repr(list(df.columns)).encode())
    return h.hexdigest()[:16]


def national_run(warm_runs: int = 3) -> dict:
    """NQ 39 10 % on the national synthetic model: cold and warm times, peak RSS, digest."""
    import resource

    from khoan.data.synth import national
    from khoan.scenarios import Scenario, Target

    m = national(structure="2016", seed=0)
    m = m.replace(params=m.params.overlay(NORMS, name="illustrative-norms"))
    rss_model = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    s = Scenario(
        "nq39_10pct",
        years=(2016, 2020),
        policy="early_retirement",
        kinds=("early_retirement", "resignation"),
        target=Target(
            share="reduction.targets.nq39.rate",
            base_year="reduction.targets.nq39.base_year",
            by=2020,
        ),
    )
    clear_cache()
    w0, c0 = time.perf_counter(), time.process_time()
    r = simulate(m, s)
    cold = (time.perf_counter() - w0, time.process_time() - c0)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB -> GiB
    warm = []
    for _ in range(warm_runs):
        w0, c0 = time.perf_counter(), time.process_time()
        r2 = simulate(m, s)
        warm.append((time.perf_counter() - w0, time.process_time() - c0))
    return {
        "people": len(m.staff),
        "cold_s": cold[0],
        "cold_cpu_s": cold[1],
        "warm_s": min(w for w, _ in warm),
        "warm_cpu_s": min(c for _, c in warm),
        "peak_rss_gib": rss,
        "model_rss_gib": rss_model,
        "digest": result_digest(r),
        "warm_digest": result_digest(r2),
        "load": os.getloadavg()[0],
    }


def test_national_scenario():
    """One scenario at national scale in a fresh interpreter (peak RSS is per process)."""
    env = dict(os.environ, PYTHONPATH=str(HERE.parent))
    out = subprocess.run(
        [sys.executable, str(Path(__file__)), "national"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    res = json.loads(out.stdout.strip().splitlines()[-1])
    print(
        f"\nnational NQ 39 10 % ({res['people']:,} people): cold {res['cold_s']:.1f} s "
        f"({res['cold_cpu_s']:.1f} s CPU), warm {res['warm_s']:.2f} s "
        f"({res['warm_cpu_s']:.2f} s CPU), peak RSS {res['peak_rss_gib']:.2f} GiB "
        f"(model alone {res['model_rss_gib']:.2f}), load {res['load']:.1f}"
    )
    assert res["digest"] == res["warm_digest"] == NATIONAL_DIGEST
    missed = [k for k, goal in GOAL_NATIONAL.items() if res[k] > goal]
    if missed:
        pytest.xfail(f"national scenario over its goal for {missed} (see benchmarks/README.md)")


if __name__ == "__main__" and sys.argv[1:] == ["national"]:
    print(json.dumps(national_run()))
