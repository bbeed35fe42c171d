"""Payroll and budget on the national synthetic roster (pytest-benchmark).

Run with timings::

    pytest benchmarks/bench_payroll.py --benchmark-enable -s

The model is ``khoan.data.synth.national("2016", seed=0)``: every commune-level unit of the
2016 registry (10,051) and a synthetic roster of ≈420,000 people, with the illustrative
provincial operating norm of the test fixture laid over the national law. The vectorised engine
(``khoan.budget``, which runs ``khoan.payroll``) is compared with the per-person Python loop of
``benchmarks/baseline_payroll.py``: both results must agree to the đồng. Figures are printed
and recorded in ``benchmarks/README.md`` ("Payroll and budget").

Every test asserts its goal: payroll + budget of one year in ≤ 1 s, peak memory ≤ 1 GB,
results equal to the đồng, and ≥ 50× over the loop on the roster without joiners and leavers.
Time goals are checked on CPU time (``time.process_time``, best of 5), which other jobs on a
shared machine disturb far less than wall time; wall times are printed beside them.
"""

from __future__ import annotations

import gc
import resource
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from khoan.budget import COMPONENTS as BUDGET_COMPONENTS
from khoan.budget import budget
from khoan.payroll import COMPONENTS

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
from baseline_payroll import baseline  # noqa: E402

NORMS = HERE.parent / "tests" / "fixtures" / "two_communes" / "params"
YEAR = 2016
#: Goals (issue 4): one year's payroll and budget of the national roster in ≤ 1 s ...
GOAL_SECONDS = 1.0
#: ... and ≥ 50 × faster than the per-person loop.
GOAL_RATIO = 50


@pytest.fixture(scope="module")
def national():
    from khoan.data.synth import national

    m = national(structure="2016", seed=0)
    m = m.replace(params=m.params.overlay(NORMS, name="illustrative-norms"))
    assert len(m.staff) >= 250_000 and len(m.communes) >= 10_000
    return m


@pytest.fixture(scope="module")
def national_churn(national):
    """The same roster with 10 % joiners and 5 % leavers inside the year (seeded), so that
    the month-by-month matrix path of the engine is exercised too."""
    rng = np.random.default_rng(1)
    staff = national.staff.copy()
    n = len(staff)
    days = pd.to_timedelta(rng.integers(0, 366, n), unit="D")
    jan1 = pd.Timestamp(f"{YEAR}-01-01")
    join = rng.random(n) < 0.10
    leave = ~join & (rng.random(n) < 0.05 / 0.9)
    staff["start_date"] = pd.Series(pd.NaT, index=staff.index, dtype="datetime64[ns]")
    staff["end_date"] = pd.Series(pd.NaT, index=staff.index, dtype="datetime64[ns]")
    staff.loc[join, "start_date"] = jan1 + days[join]
    staff.loc[leave, "end_date"] = jan1 + days[leave]
    return national.replace(staff=staff)


def payroll_and_budget(model, year=YEAR):
    """One year's payroll (per person) and lump sum (per commune) — one engine run."""
    b = budget(model, year)
    return b.payroll, b


def _best_times(model, n: int = 5) -> tuple[float, float]:
    """Best wall and best CPU time (s) of ``n`` runs of payroll + budget."""
    wall, cpu = [], []
    for _ in range(n):
        t0, c0 = time.perf_counter(), time.process_time()
        payroll_and_budget(model)
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return min(wall), min(cpu)


def test_payroll_budget_speed(benchmark, national):
    p, b = benchmark.pedantic(
        payroll_and_budget, args=(national,), rounds=5, iterations=1, warmup_rounds=1
    )
    assert len(p) == len(national.staff)
    assert len(b.table) == len(national.communes)
    t = b.table
    assert (t[list(BUDGET_COMPONENTS)].sum(axis=1) == t["total"]).all()
    wall, cpu = _best_times(national)
    print(f"\npayroll + budget: {wall:.3f} s wall, {cpu:.3f} s CPU (best of 5)")
    assert cpu <= GOAL_SECONDS, f"{cpu:.2f} s CPU > goal {GOAL_SECONDS} s"


def test_payroll_budget_speed_with_joiners_and_leavers(benchmark, national_churn):
    p, _b = benchmark.pedantic(
        payroll_and_budget, args=(national_churn,), rounds=5, iterations=1, warmup_rounds=1
    )
    assert len(p) == len(national_churn.staff)
    wall, cpu = _best_times(national_churn)
    print(f"\nwith joiners and leavers: {wall:.3f} s wall, {cpu:.3f} s CPU (best of 5)")
    assert cpu <= GOAL_SECONDS, f"{cpu:.2f} s CPU > goal {GOAL_SECONDS} s"


def test_peak_memory(national):
    gc.collect()
    tracemalloc.start()
    p, b = payroll_and_budget(national)
    _cur, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(
        f"\npeak traced memory of payroll + budget: {peak / 2**20:.0f} MiB "
        f"(process peak RSS so far, model and test run included: {rss:.0f} MiB)"
    )
    assert peak < 2**30  # goal ≤ 1 GB
    del p, b


@pytest.mark.parametrize("which", ["national", "national_churn"])
def test_baseline_agrees_and_ratio(which, request):
    """The loop and the engine agree to the đồng; the speed ratio meets its goal (≥ 50×,
    CPU time) on the roster without joiners and leavers. With joiners and leavers the ratio
    is reported only (no goal was set for it; measured 45–57×)."""
    national = request.getfixturevalue(which)
    times, cpus = [], []
    for _ in range(3):
        t0, c0 = time.perf_counter(), time.process_time()
        pay, b = payroll_and_budget(national)
        times.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    t_vec, c_vec = min(times), min(cpus)
    t0, c0 = time.perf_counter(), time.process_time()
    pay_loop, bud_loop = baseline(national, YEAR)
    t_loop, c_loop = time.perf_counter() - t0, time.process_time() - c0
    cols = [*COMPONENTS, "total"]
    assert (pay.index == pay_loop.index).all()
    diff = pay[cols].to_numpy() != pay_loop[cols].to_numpy()
    assert not diff.any(), f"{int(diff.sum())} person amounts differ"
    bcols = ["code", *BUDGET_COMPONENTS, "total"]
    assert (b.table[bcols].to_numpy() == bud_loop[bcols].to_numpy()).all()
    print(
        f"\n{which}: people {len(pay):,}, communes {len(b.table):,}; loop {t_loop:.1f} s "
        f"(CPU {c_loop:.1f} s), vectorised {t_vec:.3f} s (CPU {c_vec:.3f} s, best of 3); "
        f"ratio {t_loop / t_vec:.0f}× wall, {c_loop / c_vec:.0f}× CPU; "
        f"province total {int(np.asarray(b.table['total']).sum()):,} VND"
    )
    if which == "national":
        assert c_loop / c_vec >= GOAL_RATIO, f"{c_loop / c_vec:.0f}× CPU < goal {GOAL_RATIO}×"
