"""Exact solution of the separable quadratic allocation, without Pyomo.

Problem (money in VND)::

    minimise    Σ_i (x_i − t_i)² / t_i
    subject to  Σ_i x_i = E,    lo_i ≤ x_i ≤ hi_i

with lo_i = max(floor_i, lower_i) and hi_i = upper_i. The KKT conditions give
``x_i = clip(t_i (1 + μ), lo_i, hi_i)`` for one scalar μ: the gradient 2 (x_i − t_i) / t_i
equals the envelope multiplier λ = 2μ for every commune strictly inside its bounds. The sum
is continuous and non-decreasing in μ, so μ is found by bisection (to 1e-12), then made exact
on the communes left free: μ = (E − Σ_clamped x) / Σ_free t − 1.

Used as the test oracle for the Pyomo model and as the fast path ``solver="kkt"`` of
:func:`khoan.allocate.solve_allocation` when there are no groups, no staffing block and no
extra constraints. The envelope dual is ∂objective/∂E = λ = 2μ (VND per VND).
"""

from __future__ import annotations

import time

import numpy as np

from .problem import AllocationProblem, CoreResult
from .rounding import binding_tolerance, round_proportional

__all__ = ["kkt_quadratic", "solve_kkt"]


def kkt_quadratic(
    target: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    envelope: float,
    tol: float = 1e-12,
) -> tuple[np.ndarray, float]:
    """Solve min Σ (x − t)²/t s.t. Σ x = E, lo ≤ x ≤ hi exactly.

    Parameters
    ----------
    target : array of float
        Targets t_i > 0 (VND).
    lo, hi : array of float
        Bounds (VND); ``hi`` may be ``inf``.
    envelope : float
        E (VND), with Σ lo ≤ E ≤ Σ hi.
    tol : float
        Bisection tolerance on μ (dimensionless).

    Returns
    -------
    x : array of float
        Optimal allocation (VND).
    mu : float
        Common relative change of the free communes: x_i = t_i (1 + μ); the envelope's dual
        is 2μ (VND of objective per VND of envelope).

    Raises
    ------
    ValueError
        When Σ lo > E or Σ hi < E (no feasible allocation).
    """
    t = np.asarray(target, dtype=float)
    lo = np.asarray(lo, dtype=float)
    hi = np.asarray(hi, dtype=float)
    e = float(envelope)
    if lo.sum() > e * (1 + 1e-15) or np.any(lo > hi):
        raise ValueError("lower bounds exceed the envelope")
    hi_cap = np.minimum(hi, max(e, 0.0))
    if hi_cap.sum() < e * (1 - 1e-15):
        raise ValueError("upper bounds cannot reach the envelope")

    def total(mu: float) -> float:
        return float(np.clip(t * (1.0 + mu), lo, hi).sum())

    a = float(np.min(lo / t)) - 1.0  # every commune at its lower bound
    b = float(np.max(hi_cap / t)) - 1.0  # some commune alone reaches E
    b = max(b, a)
    while total(b) < e:  # pragma: no cover - guarded by the check above
        b = b + max(1.0, abs(b))
    for _ in range(200):
        if b - a <= tol:
            break
        mid = 0.5 * (a + b)
        if total(mid) < e:
            a = mid
        else:
            b = mid
    mu = 0.5 * (a + b)
    # exact μ on the free set
    raw = t * (1.0 + mu)
    free = (raw > lo) & (raw < hi)
    if free.any():
        clamped = np.clip(raw, lo, hi)
        rest = float(clamped[~free].sum())
        mu_exact = (e - rest) / float(t[free].sum()) - 1.0
        raw2 = t * (1.0 + mu_exact)
        if np.all(raw2[free] >= lo[free]) and np.all(raw2[free] <= hi[free]):
            mu = mu_exact
    x = np.clip(t * (1.0 + mu), lo, hi)
    return x, float(mu)


def commune_binding(problem: AllocationProblem, x: np.ndarray) -> list[tuple[str, ...]]:
    """Per commune, which of floor / lower / upper the allocation sits on (within tolerance)."""
    tol = binding_tolerance(problem.target)
    fl = problem.floor_total
    at_floor = np.abs(x - fl) <= tol
    at_lower = (np.abs(x - problem.lower) <= tol) & (problem.lower > 0)
    at_upper = np.isfinite(problem.upper) & (np.abs(x - problem.upper) <= tol)
    names = ("floor", "lower", "upper")
    table = [
        tuple(nm for b, nm in zip((c & 4, c & 2, c & 1), names, strict=True) if b) for c in range(8)
    ]
    code = 4 * at_floor.astype(np.int64) + 2 * at_lower + at_upper
    return [table[c] for c in code.tolist()]


def solve_kkt(problem: AllocationProblem) -> CoreResult:
    """Quadratic allocation of a problem without groups or staffing, by the KKT formula.

    Parameters
    ----------
    problem : AllocationProblem
        Must have no group floors/caps and no staffing block.

    Returns
    -------
    CoreResult
        ``status="optimal"``, ``duals={"envelope": 2μ}`` (VND per VND), ``solver="kkt"``.
    """
    from .diagnose import diagnose

    if problem.has_groups or problem.has_staffing:
        raise ValueError("the KKT fast path handles neither groups nor staffing")
    t0 = time.perf_counter()
    diagnose(problem)
    x, mu = kkt_quadratic(problem.target, problem.lo, problem.hi, problem.envelope)
    t1 = time.perf_counter()
    y = round_proportional(
        problem.target, 1.0 + mu, problem.envelope, problem.lo_int, problem.hi_int, problem.rank
    )
    t2 = time.perf_counter()
    t = problem.target
    return CoreResult(
        ids=problem.ids.copy(),
        allocation=y,
        allocation_exact=x,
        objective=float(np.sum((x - t) ** 2 / t)),
        objective_name="quadratic",
        status="optimal",
        duals={"envelope": 2.0 * mu},
        binding=commune_binding(problem, x),
        posts=None,
        timings={"build": 0.0, "solve": t1 - t0, "round": t2 - t1, "total": t2 - t0},
        solver="kkt",
        stages=["kkt"],
        path="exact",
    )
