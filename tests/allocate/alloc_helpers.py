"""Shared builders for the allocation-core tests (money in VND)."""

from __future__ import annotations

import os
import shutil

import numpy as np
import pytest

from khoan.allocate import AllocationProblem

M = 1_000_000  # one million VND

#: hypothesis: fixed examples by default (reproducible CI); set KHOAN_HYPOTHESIS_EXAMPLES=500
#: to search harder with fresh random examples.
HYPOTHESIS_EXAMPLES = int(os.environ.get("KHOAN_HYPOTHESIS_EXAMPLES", "0"))
DERANDOMIZE = HYPOTHESIS_EXAMPLES == 0


def examples(default: int) -> int:
    """Number of hypothesis examples for a test (``default`` unless overridden)."""
    return HYPOTHESIS_EXAMPLES or default


HAS_GLPK = shutil.which("glpsol") is not None
needs_glpk = pytest.mark.skipif(not HAS_GLPK, reason="glpsol (Debian glpk-utils) not installed")


def three(
    envelope: float,
    target=(100, 200, 300),
    floor=(50, 100, 150),
    **kw,
) -> AllocationProblem:
    """Three communes a, b, c; amounts given in millions of VND."""
    for key in ("lower", "upper"):
        if key in kw and kw[key] is not None:
            kw[key] = np.asarray(kw[key], dtype=float) * M
    return AllocationProblem(
        ids=["a", "b", "c"],
        target=np.asarray(target, dtype=float) * M,
        floor=np.asarray(floor, dtype=float) * M,
        envelope=round(envelope * M),
        **kw,
    )


def random_problem(
    n: int,
    seed: int,
    *,
    shortfall: float = 0.05,
    corridor: float | None = 0.1,
    floor_share=(0.6, 0.9),
    groups: bool = False,
) -> AllocationProblem:
    """A synthetic province: targets 2–8 billion VND, floors a share of them, last year's
    allocation within ±10 % of the target and a corridor of ±``corridor`` around it."""
    rng = np.random.default_rng(seed)
    t = rng.uniform(2e9, 8e9, n).round()
    fl = (t * rng.uniform(*floor_share, n)).round()
    kw: dict = {}
    if corridor is not None:
        last = t * rng.uniform(0.9, 1.1, n)
        kw["lower"] = (last * (1 - corridor)).round()
        kw["upper"] = (last * (1 + corridor)).round()
    if groups:
        district = np.array([f"d{k % 4}" for k in range(n)])
        kw["group_labels"] = {"district": district}
        d0 = t[district == "d0"].sum()
        d1 = t[district == "d1"].sum()
        kw["group_floor"] = {("district", "d0"): float(round(d0 * 0.99))}
        lo = np.maximum(fl, kw.get("lower", 0.0))
        d1_lo = lo[district == "d1"].sum()
        kw["group_cap"] = {("district", "d1"): float(round(max(d1 * 0.94, d1_lo * 1.01)))}
    env = int(t.sum() * (1 - shortfall))
    return AllocationProblem(
        ids=[f"{56000 + k:05d}" for k in range(n)], target=t, floor=fl, envelope=env, **kw
    )
