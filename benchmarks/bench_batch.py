"""Batch throughput: a 1,000-scenario grid on khanh_hoa_2016, serial and on 2 processes.

Goals (issue 6): the 1,000-scenario grid in ≤ 60 s with 2 processes, and ≥ 1.6× the
throughput of the serial run measured in the same session. The serial run is measured on a
100-scenario subset (every 10th scenario of the grid, so that it has the same mix) and
extrapolated to 1,000.

Run with::

    pytest benchmarks/bench_batch.py --benchmark-enable -s

Issue 15 raised the speed-up goal to ≥ 1.8× when both cores are free; beside it the test
measures a CPU-bound control pair (the same pure-Python work twice in a row, then in two
processes at once), which shows how much of two cores the machine gave during the run.

Issue 15 also asks ``run_batch``'s overhead per scenario beyond ``simulate`` to be ≤ 25 % of
``simulate``'s own time: ``test_batch_overhead`` runs the serial subset through ``simulate``
alone and through ``run_batch`` (into a fresh folder), alternating, ``KHOAN_BENCH_ROUNDS``
times each (default 5: on a shared machine the CPU time of the same work varies by ±20 %
from one round to the next), and compares the best CPU times (``time.process_time``: every
thread of the process, the writer threads included) and the best wall times. ``test_batch_processes_small`` runs the serial subset
(100 scenarios) on 2 processes, to compare with the serial run of the same scenarios.

``KHOAN_BENCH_BATCH_N`` (default 1000) and ``KHOAN_BENCH_BATCH_SERIAL_N`` (default 100) change
the sizes for a quick look.
"""

from __future__ import annotations

import os
import time

import pytest

from khoan import examples
from khoan.batch import grid, run_batch

N = int(os.environ.get("KHOAN_BENCH_BATCH_N", "1000"))
SERIAL_N = int(os.environ.get("KHOAN_BENCH_BATCH_SERIAL_N", "100"))
ROUNDS = int(os.environ.get("KHOAN_BENCH_ROUNDS", "5"))
JOBS = 2
GOAL_SECONDS = 60.0
GOAL_SPEEDUP = 1.6
#: Issue 15's goal, reported beside the control pair.
GOAL_SPEEDUP_FREE = 1.8
#: Issue 15: run_batch's time per scenario beyond simulate, as a share of simulate's.
GOAL_OVERHEAD = 0.25

_TIMES: dict[str, float] = {}


def make_grid(n: int = 1000) -> list:
    """``n`` scenarios (1,000 at most): target share × policy × approved staffing × leave month.

    khanh_hoa_2016 runs 2016–2020, when only the NĐ 108 regime was in force, so the regime
    does not vary; shares go up to 3 % (what early retirement alone can reach in this model).
    """
    from khoan.scenarios import Scenario, Target

    shares = [round(0.00024 * k, 5) for k in range(1, 126)]
    base = Scenario("bench", years=(2016, 2020), regime="nd108")
    scs = grid(
        base,
        target=[Target(share=s) for s in shares],
        policy=["early_retirement", "resignation"],
        approved_falls=[True, False],
        leave_month=[1, 7],
    )
    if n >= len(scs):
        return scs
    step = len(scs) / n
    return [scs[int(i * step)] for i in range(n)]


@pytest.fixture(scope="module")
def model():
    return examples.load("khanh_hoa_2016")


def _spin(n: int = 1_000_000) -> int:
    """Pure-Python CPU work (≈ 0.1–0.2 s on a free core): the control pair's unit."""
    x = 0
    for i in range(n):
        x = (x + i * i) % 1_000_003
    return x


def control_pair() -> float:
    """Speed-up of two CPU-bound processes over the same work done twice serially."""
    import concurrent.futures as cf
    import multiprocessing as mp

    t0 = time.perf_counter()
    _spin()
    _spin()
    serial = time.perf_counter() - t0
    with cf.ProcessPoolExecutor(2, mp_context=mp.get_context("fork")) as ex:
        list(ex.map(_spin, [10, 10]))  # start both workers first
        t0 = time.perf_counter()
        list(ex.map(_spin, [1_000_000, 1_000_000]))
        parallel = time.perf_counter() - t0
    return serial / parallel


def _load() -> float:
    """1-minute load average (other jobs on a shared machine slow the parallel run most)."""
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0


def test_batch_serial_subset(benchmark, model, tmp_path):
    scs = make_grid(N)[:: max(1, N // SERIAL_N)][:SERIAL_N]
    _TIMES["load_before"] = _load()

    def run():
        t0 = time.perf_counter()
        res = run_batch(model, scs, tmp_path / "serial", progress=False, resume=False)
        _TIMES["serial"] = time.perf_counter() - t0
        return res

    res = benchmark.pedantic(run, rounds=1, iterations=1)
    assert res.ok, res.failed[:5]
    per = _TIMES["serial"] / len(scs)
    _TIMES["serial_per_scenario"] = per
    benchmark.extra_info.update(
        scenarios=len(scs), seconds=_TIMES["serial"], per_scenario_s=per, extrapolated_s=per * N
    )
    print(
        f"\nserial: {len(scs)} scenarios in {_TIMES['serial']:.1f} s ({per * 1000:.0f} ms each, "
        f"load {_TIMES['load_before']:.1f})"
    )


def _subset() -> list:
    return make_grid(N)[:: max(1, N // SERIAL_N)][:SERIAL_N]


def test_batch_overhead(model, tmp_path):
    """run_batch (serial, into a folder) vs simulate alone on the same warm scenarios."""
    from khoan.scenarios import simulate

    scs = _subset()
    load = _load()
    for s in scs:  # warm: both sides then find simulate's shared work cached
        simulate(model, s)
    best: dict[str, tuple[float, float]] = {}

    def measure(key, f):
        c0, t0 = time.process_time(), time.perf_counter()
        f()
        c, t = time.process_time() - c0, time.perf_counter() - t0
        b = best.get(key, (float("inf"), float("inf")))
        best[key] = (min(b[0], c), min(b[1], t))

    for k in range(ROUNDS):
        measure("simulate", lambda: [simulate(model, s) for s in scs])
        out = tmp_path / f"run{k}"
        measure("run_batch", lambda o=out: run_batch(model, scs, o, progress=False, resume=False))
    n = len(scs)
    (sc, sw), (bc, bw) = best["simulate"], best["run_batch"]
    cpu, wall = (bc - sc) / sc, (bw - sw) / sw
    print(
        f"\noverhead: simulate {sc / n * 1000:.1f} ms CPU ({sw / n * 1000:.1f} wall) per scenario,"
        f" run_batch {bc / n * 1000:.1f} ms CPU ({bw / n * 1000:.1f} wall): overhead "
        f"{cpu:.0%} CPU, {wall:.0%} wall (goal ≤ {GOAL_OVERHEAD:.0%}; load {load:.1f} before, "
        f"{_load():.1f} after)"
    )
    if cpu > GOAL_OVERHEAD:
        if load >= 1.0:
            pytest.xfail(f"overhead {cpu:.0%} CPU > {GOAL_OVERHEAD:.0%} at load {load:.1f}")
        raise AssertionError(f"overhead {cpu:.0%} CPU > {GOAL_OVERHEAD:.0%}")


def test_batch_processes_small(model, tmp_path):
    """The serial subset on 2 processes: faster than serial despite the workers' start?"""
    scs = _subset()
    t0 = time.perf_counter()
    res = run_batch(model, scs, tmp_path / "small", "processes", progress=False, jobs=JOBS)
    seconds = time.perf_counter() - t0
    assert res.ok, res.failed[:5]
    line = f"\n{JOBS} processes: {len(scs)} scenarios in {seconds:.2f} s (load {_load():.1f})"
    if "serial" in _TIMES:
        line += f", {_TIMES['serial'] / seconds:.2f}× the serial run ({_TIMES['serial']:.2f} s)"
        _TIMES["small_speedup"] = _TIMES["serial"] / seconds
    print(line)
    if _TIMES.get("small_speedup", 1.0) <= 1.0:
        busy = _TIMES.get("load_before", _load())
        if busy >= 1.0:
            pytest.xfail(f"2 processes not faster than serial at load {busy:.1f}")
        raise AssertionError("100 scenarios on 2 processes are not faster than serial")


def test_batch_processes(benchmark, model, tmp_path):
    scs = make_grid(N)

    def run():
        t0 = time.perf_counter()
        res = run_batch(
            model, scs, tmp_path / "procs", "processes", progress=False, jobs=JOBS, resume=False
        )
        _TIMES["processes"] = time.perf_counter() - t0
        return res

    res = benchmark.pedantic(run, rounds=1, iterations=1)
    assert res.ok, res.failed[:5]
    control = control_pair()
    seconds = _TIMES["processes"]
    load = _load()
    info = {
        "scenarios": len(scs),
        "jobs": JOBS,
        "seconds": seconds,
        "load_after": load,
        "control_pair_speedup": control,
    }
    line = f"\n{JOBS} processes: {len(scs)} scenarios in {seconds:.1f} s (load {load:.1f})"
    if "serial_per_scenario" in _TIMES:
        speedup = _TIMES["serial_per_scenario"] * len(scs) / seconds
        info["speedup_vs_serial"] = speedup
        line += f", {speedup:.2f}× the serial throughput"
    line += f"; CPU-bound control pair {control:.2f}× (goal {GOAL_SPEEDUP_FREE}× when it is ≈ 2×)"
    benchmark.extra_info.update(info)
    print(line)
    busy = _TIMES.get("load_before", _load())  # measured before this session's runs
    missed = []
    if seconds > GOAL_SECONDS * len(scs) / 1000:
        missed.append(f"{seconds:.0f} s > {GOAL_SECONDS * len(scs) / 1000:.0f} s")
    speedup = info.get("speedup_vs_serial")
    if speedup is not None and speedup < GOAL_SPEEDUP:
        missed.append(f"speedup {speedup:.2f}× < {GOAL_SPEEDUP}×")
    if speedup is not None and control >= 1.9 and speedup < GOAL_SPEEDUP_FREE:
        # both cores were free (the control pair says so): issue 15's goal applies
        missed.append(f"speedup {speedup:.2f}× < {GOAL_SPEEDUP_FREE}× with both cores free")
    if missed:
        if busy >= 1.0:  # other jobs hold the cores the second worker needs
            pytest.xfail(
                f"{'; '.join(missed)} on a busy machine (1-min load average {busy:.1f} before "
                f"this session's runs; control pair {control:.2f}×)"
            )
        raise AssertionError("; ".join(missed))
