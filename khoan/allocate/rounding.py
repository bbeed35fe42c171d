"""Rounding a continuous allocation to whole đồng with the total kept exact.

Two roundings: `round_proportional` for the quadratic objective without groups, staffing or
extra rules (a divisor method on the targets, monotone in the envelope), and
`round_to_envelope` for everything else, described here.

The solver's allocation is continuous and carries its tolerances (HiGHS leaves allocations
up to ~1,000 VND off). `round_to_envelope` turns it into int64 VND such that

* Σ allocation == envelope exactly;
* every allocation lies within its integer bounds ``ceil(lo) .. floor(hi)``;
* an allocation on a bound (to floating-point noise, `snap_masks`) is set exactly on that
  bound ("snapped"), so a binding floor reads as the floor to the đồng;
* the others are rounded by the *Webster / Sainte-Laguë divisor method*:
  ``y_i = clip(round(λ x_i), ceil(lo_i), floor(hi_i))`` with one common λ ≈ 1 chosen so that
  the total is the envelope; ties at the same λ go to the lower commune rank first.

Why a divisor method and not largest remainder: largest remainder (Hamilton) shows the
Alabama paradox — raising the envelope by 1 VND can take 1 VND away from a commune, which
breaks the documented property that every allocation is non-decreasing in the envelope.
When the unrounded allocations of free communes are proportional to their targets (the
quadratic objective), a divisor method is house-monotone, and it still keeps every allocation
within about one đồng of the continuous value (|y − x| < 1 + |λ − 1|·x, and |λ − 1| is of the
order of (number of communes) / envelope).
"""

from __future__ import annotations

import heapq

import numpy as np

__all__ = [
    "BIND_ATOL",
    "BIND_RTOL",
    "SNAP_ATOL",
    "SNAP_RTOL",
    "binding_tolerance",
    "repair_groups",
    "round_proportional",
    "round_to_envelope",
    "snap_masks",
]

#: Absolute tolerance (VND) under which an allocation is taken to sit on a bound.
BIND_ATOL = 1.0
#: Relative tolerance (of the commune's target) under which an allocation sits on a bound.
BIND_RTOL = 1e-7


#: Relative tolerance under which a continuous allocation is *on* its bound for rounding.
SNAP_RTOL = 1e-12
#: Absolute tolerance (VND) of the same.
SNAP_ATOL = 1e-6


def snap_masks(
    x: np.ndarray, lo: np.ndarray, hi: np.ndarray, target: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Communes whose continuous allocation sits on its lower / upper bound (to float noise).

    The tolerance, ``SNAP_ATOL + SNAP_RTOL × max(|target|, |bound|)`` VND, only absorbs
    floating-point noise (the QP solver and the KKT formula put clamped allocations exactly on
    their bounds); a commune a fraction of a đồng above its floor is free and is rounded with
    the others, which keeps rounding monotone in the envelope.
    """
    x = np.asarray(x, dtype=float)
    scale = np.maximum(np.abs(target), np.abs(lo))
    on_lo = np.abs(x - lo) <= SNAP_ATOL + SNAP_RTOL * scale
    fin = np.isfinite(hi)
    hi_f = np.where(fin, hi, 0.0)
    on_hi = fin & (np.abs(x - hi_f) <= SNAP_ATOL + SNAP_RTOL * np.maximum(scale, np.abs(hi_f)))
    return on_lo, on_hi


def binding_tolerance(target: np.ndarray) -> np.ndarray:
    """Per-commune tolerance (VND) for "at its bound": max(BIND_ATOL, BIND_RTOL × target)."""
    return np.maximum(BIND_ATOL, BIND_RTOL * np.abs(np.asarray(target, dtype=float)))


def round_to_envelope(
    x: np.ndarray,
    envelope: int,
    lo_int: np.ndarray,
    hi_int: np.ndarray,
    rank: np.ndarray,
    snap_lo: np.ndarray | None = None,
    snap_hi: np.ndarray | None = None,
) -> np.ndarray:
    """Round allocations to whole VND keeping Σ == envelope and the integer bounds.

    Parameters
    ----------
    x : array of float
        Continuous allocation (VND).
    envelope : int
        Required total (VND).
    lo_int, hi_int : array of int64
        Integer bounds per commune (VND); Σ lo_int ≤ envelope ≤ Σ hi_int is required.
    rank : array of int
        Tie-break order (commune-code rank).
    snap_lo, snap_hi : array of bool, optional
        Communes to put exactly on ``lo_int`` / ``hi_int`` (binding bounds). They are only
        moved if the others cannot absorb the difference.

    Returns
    -------
    array of int64
        Whole-đồng allocation (VND).

    Raises
    ------
    ValueError
        When the integer bounds cannot sum to the envelope.
    """
    x = np.asarray(x, dtype=float)
    lo_int = np.asarray(lo_int, dtype=np.int64)
    hi_int = np.asarray(hi_int, dtype=np.int64)
    n = x.shape[0]
    envelope = int(envelope)
    if int(lo_int.sum()) > envelope or int(hi_int.sum()) < envelope or np.any(lo_int > hi_int):
        raise ValueError("integer bounds cannot sum to the envelope")
    y = np.clip(np.floor(x + 0.5), lo_int, hi_int).astype(np.int64)
    snapped = np.zeros(n, dtype=bool)
    if snap_lo is not None:
        y[snap_lo] = lo_int[snap_lo]
        snapped |= snap_lo
    if snap_hi is not None:
        only_hi = snap_hi & ~snapped
        y[only_hi] = hi_int[only_hi]
        snapped |= only_hi
    residual = envelope - int(y.sum())
    if residual != 0:
        residual = _divisor_steps(x, y, lo_int, hi_int, rank, ~snapped, residual)
    if residual != 0:  # the free communes could not absorb it: release the snapped ones
        residual = _divisor_steps(x, y, lo_int, hi_int, rank, snapped, residual)
    if residual != 0:  # pragma: no cover - excluded by the bound check above
        raise ValueError("rounding could not reach the envelope")
    return y


def round_proportional(
    target: np.ndarray,
    theta: float,
    envelope: int,
    lo_int: np.ndarray,
    hi_int: np.ndarray,
    rank: np.ndarray,
) -> np.ndarray:
    """Whole-đồng allocation ``clip(round(θ t_i), ceil(lo_i), floor(hi_i))`` summing to E.

    For the quadratic objective without groups, staffing or extra rules the optimum is
    x_i = clip(t_i (1 + μ), lo_i, hi_i); rounding it as a divisor method on the *targets*
    (one θ for all communes, found from ``theta`` ≈ 1 + μ by stepping through the thresholds
    (y_i ± 0.5) / t_i, ties to the lower commune rank) makes every whole-đồng allocation a
    non-decreasing function of the envelope — also when a commune leaves its floor or reaches
    its cap as the envelope grows, where rounding the continuous values can take a đồng back
    from another commune. Allocations on a bound are exactly on it; the others are within
    about one đồng of t_i (1 + μ).

    Parameters
    ----------
    target : array of float
        t_i > 0 (VND).
    theta : float
        Starting θ, e.g. 1 + μ from the KKT solution or the envelope dual.
    envelope, lo_int, hi_int, rank
        As for `round_to_envelope`.
    """
    t = np.asarray(target, dtype=float)
    lo_int = np.asarray(lo_int, dtype=np.int64)
    hi_int = np.asarray(hi_int, dtype=np.int64)
    envelope = int(envelope)
    if int(lo_int.sum()) > envelope or int(hi_int.sum()) < envelope or np.any(lo_int > hi_int):
        raise ValueError("integer bounds cannot sum to the envelope")
    y = np.clip(np.floor(t * theta + 0.5), lo_int, hi_int).astype(np.int64)
    residual = envelope - int(y.sum())
    if residual != 0:
        residual = _divisor_steps(t, y, lo_int, hi_int, rank, np.ones(t.size, bool), residual)
    if residual != 0:  # pragma: no cover - excluded by the bound check above
        raise ValueError("rounding could not reach the envelope")
    return y


def _q(value: float) -> float:
    """A divisor threshold to 12 significant digits, so that thresholds equal in exact
    arithmetic (equal targets, proportional quotas) tie and the commune rank decides them the
    same way at every envelope, instead of floating-point noise."""
    return float(f"{value:.12g}")


def _divisor_steps(
    x: np.ndarray,
    y: np.ndarray,
    lo_int: np.ndarray,
    hi_int: np.ndarray,
    rank: np.ndarray,
    allowed: np.ndarray,
    residual: int,
) -> int:
    """Move ``y`` by whole đồng along the divisor method; returns the residual left."""
    base = np.maximum(x, 1e-9)  # a zero allocation is the last to receive
    idx = np.flatnonzero(allowed)
    if residual > 0:
        ok = idx[y[idx] < hi_int[idx]]
        heap = [(_q((y[i] + 0.5) / base[i]), int(rank[i]), int(i)) for i in ok]
        heapq.heapify(heap)
        while residual > 0 and heap:
            _, r, i = heapq.heappop(heap)
            y[i] += 1
            residual -= 1
            if y[i] < hi_int[i]:
                heapq.heappush(heap, (_q((y[i] + 0.5) / base[i]), r, i))
    else:
        ok = idx[y[idx] > lo_int[idx]]
        heap = [(-_q((y[i] - 0.5) / base[i]), -int(rank[i]), int(i)) for i in ok]
        heapq.heapify(heap)
        while residual < 0 and heap:
            _, r, i = heapq.heappop(heap)
            y[i] -= 1
            residual += 1
            if y[i] > lo_int[i]:
                heapq.heappush(heap, (-_q((y[i] - 0.5) / base[i]), r, i))
    return residual


def repair_groups(
    y: np.ndarray,
    x: np.ndarray,
    lo_int: np.ndarray,
    hi_int: np.ndarray,
    rank: np.ndarray,
    groups: list[tuple[np.ndarray, float, float]],
    max_moves: int | None = None,
) -> bool:
    """Move single đồng so that rounded group totals respect their floors and caps.

    Rounding can leave a binding group total a few đồng off its bound; this moves one đồng
    at a time from a commune inside an over-cap (or outside an under-floor) group to one on
    the other side, preferring the communes whose rounded value is furthest from the
    continuous one, without breaking the commune bounds or another group's limits.

    Parameters
    ----------
    y : array of int64
        Rounded allocation, modified in place (VND).
    x : array of float
        Continuous allocation (VND).
    lo_int, hi_int, rank : arrays
        Integer bounds (VND) and tie-break order.
    groups : list of (members, floor, cap)
        Member indices and the group's floor and cap (VND; 0 / inf when absent).
    max_moves : int, optional
        Give up after this many moves (default 10 × n + 100).

    Returns
    -------
    bool
        True when every group limit holds afterwards.
    """
    n = y.shape[0]
    limit = 10 * n + 100 if max_moves is None else max_moves
    masks = []
    for members, gfloor, gcap in groups:
        mask = np.zeros(n, dtype=bool)
        mask[members] = True
        masks.append((mask, int(np.ceil(gfloor - 1e-6)), gcap))
    moves = 0

    def violations() -> list[tuple[int, int]]:
        out = []
        for k, (mask, gfl, gcap) in enumerate(masks):
            tot = int(y[mask].sum())
            if np.isfinite(gcap) and tot > int(np.floor(gcap + 1e-6)):
                out.append((k, -1))
            elif tot < gfl:
                out.append((k, +1))
        return out

    def slack_ok(i: int, delta: int) -> bool:
        for mask, gfl, gcap in masks:
            if not mask[i]:
                continue
            tot = int(y[mask].sum()) + delta
            if delta > 0 and np.isfinite(gcap) and tot > int(np.floor(gcap + 1e-6)):
                return False
            if delta < 0 and tot < gfl:
                return False
        return True

    while moves < limit:
        viol = violations()
        if not viol:
            return True
        k, direction = viol[0]
        mask = masks[k][0]
        # direction -1: take from a member, give to a non-member; +1: the reverse
        src_mask = mask if direction < 0 else ~mask
        dst_mask = ~mask if direction < 0 else mask
        diff = y - x  # positive: rounded above the continuous value
        src = [i for i in np.flatnonzero(src_mask & (y > lo_int))]
        dst = [i for i in np.flatnonzero(dst_mask & (y < hi_int))]
        src.sort(key=lambda i: (-diff[i], rank[i]))
        dst.sort(key=lambda i: (diff[i], rank[i]))
        done = False
        for i in src:
            if not slack_ok(i, -1):
                continue
            for j in dst:
                if slack_ok(j, +1):
                    y[i] -= 1
                    y[j] += 1
                    done = True
                    break
            if done:
                break
        if not done:
            return False
        moves += 1
    return not violations()
