"""Reduction policies: the target path, minimum staffing, and who leaves.

Pure functions on numpy arrays and DataFrames; :mod:`khoan.scenarios.simulate` feeds them the
state of the roster each year. Nothing here reads a model or writes an amount.

Target path
    :func:`target_path` turns a :class:`~khoan.scenarios.Target` into the cumulative cut
    (persons) required by the end of each simulated year.
Minimum staffing (workload floor)
    :func:`staffing_floor`: a commune keeps at least ``ceil(share × approved posts)`` cadres and
    civil servants (``scenarios.min_staffing.share_of_approved``), and never fewer than the people
    in must-fill posts (elected cadres, ``scenarios.min_staffing.must_fill_categories``).
    The legal quotas (NĐ 92/2009 → NĐ 33/2023 maxima, ``staffing.quota.*``) are upper bounds:
    a reduction only lowers the headcount, so they cannot bind; the floor is what limits a cut.
Greedy policies (:func:`priority`, :func:`greedy_select`)
    ``early_retirement``: those closest to the statutory retirement age first (earliest pension
    start), among those eligible under the regime's band (``khoan.benefits.compute``:
    ``eligible``); ``resignation``: the lowest one-off benefit first (ties: youngest, then id);
    or a named order (``youngest``, ``cost``, ``closest_to_retirement``) or an explicit list of
    ids. Leavers are taken in that order, skipping communes that have reached their floor,
    until the year's need is met. With ``Scenario.rating_first`` the people the law names by
    their annual rating (:func:`named_by_rating`, NĐ 29/2023 Điều 2) come first
    (:func:`named_first`).
Optimal policy (:func:`optimal_select`)
    A MILP (Pyomo, HiGHS through ``pyomo.contrib.solver``) choosing who leaves, in which year
    and (when several kinds are allowed) how, to minimise the net cost over the horizon —
    one-off benefits minus the salary (with contributions) saved until the end of the horizon —
    subject to the target path and each commune's room above its floor. See its docstring.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import SolverError

__all__ = [
    "OptimalResult",
    "greedy_select",
    "named_by_rating",
    "named_first",
    "optimal_select",
    "priority",
    "staffing_floor",
    "target_path",
]

_EPS = 1e-9


def target_path(
    kind: str,
    value: float | np.ndarray,
    base: np.ndarray,
    n_years: int,
    k_by: int | None = None,
    path: str = "linear",
) -> np.ndarray:
    """Cumulative cut required by the end of each year (persons, int64).

    Parameters
    ----------
    kind : {"share", "count", "rate"}
        ``share``: ``value × base`` by year ``k_by``; ``count``: ``value`` persons by year
        ``k_by``; ``rate``: ``value × base`` more every year (not compounded).
    value : float or array (n,)
        The target (one value, or one per commune).
    base : array (n,)
        Base headcount (per commune, or one element for the province).
    n_years : int
        Number of simulated years.
    k_by : int, optional
        1-based index of the year by whose end the target is met (default ``n_years``).
    path : {"linear", "end"}
        Linear ramp ``ceil(k / k_by × total)``, or the whole cut in year ``k_by``.

    Returns
    -------
    ndarray (n_years, n) of int64
        Required cumulative cut at the end of each year, rounded up to whole persons.
    """
    base = np.asarray(base, dtype=float)
    value = np.broadcast_to(np.asarray(value, dtype=float), base.shape)
    k_by = n_years if k_by is None else int(k_by)
    k = np.arange(1, n_years + 1, dtype=float)[:, None]
    if kind == "rate":
        req = k * value[None, :] * base[None, :]
    else:
        total = value * base if kind == "share" else value.copy()
        if path == "end":
            frac = (k >= k_by).astype(float)
        else:
            frac = np.minimum(k / k_by, 1.0)
        req = frac * total[None, :]
    return np.ceil(req - 1e-6).astype(np.int64).clip(min=0)


def staffing_floor(approved: np.ndarray, must_fill: np.ndarray, share: float) -> np.ndarray:
    """Minimum cadres and civil servants a commune keeps (persons, int64).

    ``max(ceil(share × approved_posts), must_fill)`` — the workload floor
    (``scenarios.min_staffing.share_of_approved``) and the people in posts that must be filled.
    """
    approved = np.asarray(approved, dtype=float)
    return np.maximum(
        np.ceil(share * approved - 1e-6).astype(np.int64), np.asarray(must_fill, dtype=np.int64)
    )


def _combined(lo: np.ndarray, hi: np.ndarray) -> np.ndarray | None:
    """One int64 key ordering as ``(hi, lo)`` lexicographically (None: it would overflow)."""
    lo, hi = np.asarray(lo), np.asarray(hi)
    if not len(lo) or lo.dtype.kind not in "iu" or hi.dtype.kind not in "iu":
        return None
    lo0, hi0 = int(lo.min()), int(hi.min())
    width = int(lo.max()) - lo0 + 1
    if width * (int(hi.max()) - hi0 + 1) >= 2**62:
        return None
    return (hi.astype(np.int64) - hi0) * width + (lo.astype(np.int64) - lo0)


def _lexsort(keys: tuple[np.ndarray, ...]) -> np.ndarray:
    """``numpy.lexsort(keys)`` (last key primary, stable) by stable argsorts of integer keys
    folded two by two — the same permutation, faster."""
    c = _combined(keys[0], keys[1])
    if c is None:
        return np.lexsort(keys)
    o = _stable_argsort(c)
    for k in keys[2:]:
        kk = np.asarray(k)[o]
        # the next key before the order so far (its positions 0..n-1 break the ties)
        c = _combined(np.arange(len(kk)), _as_integers(kk))
        o = o[np.argsort(kk, kind="stable") if c is None else _stable_argsort(c)]
    return o


def _stable_argsort(c: np.ndarray) -> np.ndarray:
    """``np.argsort(c, kind="stable")`` of int64 ``c``: by the default (faster) sort when the
    values are distinct, which then gives the same permutation."""
    o = np.argsort(c)
    s = c[o]
    if len(s) > 1 and (s[1:] == s[:-1]).any():
        return np.argsort(c, kind="stable")
    return o


def _as_integers(k: np.ndarray) -> np.ndarray:
    """``k`` as int64 when its values are whole numbers that int64 holds exactly (the same
    order); else ``k`` itself."""
    if k.dtype.kind in "iu" or k.dtype.kind != "f" or not len(k):
        return k
    lo, hi = k.min(), k.max()
    if not (np.isfinite(lo) and np.isfinite(hi)) or max(-lo, hi) >= 2.0**53:
        return k
    ki = k.astype(np.int64)
    return ki if np.array_equal(ki, k) else k


def priority(
    order: str | tuple[str, ...],
    *,
    ids: np.ndarray,
    retire_day: np.ndarray,
    birth_day: np.ndarray,
    cost: np.ndarray | None = None,
    id_rank: np.ndarray | None = None,
) -> np.ndarray:
    """Sort keys → rank of each candidate (0 = leaves first); ``-1`` = may not leave.

    Parameters
    ----------
    order : str or tuple of ids
        ``closest_to_retirement`` (earliest statutory pension start first), ``cost`` (lowest
        one-off benefit first, ties youngest first), ``youngest`` (latest birth date first), or
        a tuple of ids (that order; ids not listed may not leave).
    ids, retire_day, birth_day : arrays (n,)
        Person ids, pension start and birth date as day numbers.
    cost : array (n,), optional
        One-off benefit of each candidate (needed for ``cost``).
    id_rank : array of int (n,), optional
        Position of each id in the ids sorted as text (equal ids, equal positions), e.g.
        ``numpy.unique(ids.astype(str), return_inverse=True)[1]``: the same tie-break as the
        ids themselves without comparing strings (for callers that rank many times).

    Returns
    -------
    ndarray of int64
        Rank of each candidate; ties are broken by id so the result is deterministic.
    """
    n = len(ids)
    if not isinstance(order, str):
        ids_s = np.asarray(ids, dtype=str)
        pos = pd.Index(list(order)).get_indexer(ids_s)
        rank = np.full(n, -1, dtype=np.int64)
        listed = pos >= 0
        o = np.argsort(pos[listed], kind="stable")
        r = np.empty(int(listed.sum()), dtype=np.int64)
        r[o] = np.arange(int(listed.sum()))
        rank[listed] = r
        return rank
    ids_s = np.asarray(ids, dtype=str) if id_rank is None else np.asarray(id_rank)
    if order == "closest_to_retirement":
        keys = (ids_s, retire_day)
    elif order == "youngest":
        keys = (ids_s, -birth_day)
    elif order == "cost":
        if cost is None:
            raise ValueError("order 'cost' needs the candidates' benefits")
        keys = (ids_s, -birth_day, cost)
    else:
        raise ValueError(f"unknown order {order!r}")
    o = _lexsort(keys) if id_rank is not None else np.lexsort(keys)
    rank = np.empty(n, dtype=np.int64)
    rank[o] = np.arange(n)
    return rank


def named_by_rating(before: np.ndarray, two_before: np.ndarray) -> np.ndarray:
    """People a reduction takes first by their annual ratings (NĐ 29/2023/NĐ-CP Điều 2).

    NĐ 29/2023 Điều 2 khoản 1 điểm đ names those who, in the two consecutive years before
    the review, were rated once "hoàn thành nhiệm vụ" and once "không hoàn thành nhiệm vụ"
    (ratings of NĐ 90/2020/NĐ-CP amended by NĐ 48/2023/NĐ-CP); a rating of "không hoàn thành
    nhiệm vụ" in the year before is also taken (the rule of the draft successor decree and
    the Luật Cán bộ, công chức 2025). Confidence: unconfirmed (secondary sources).

    Parameters
    ----------
    before, two_before : arrays of str or None (n,)
        Rating codes (``xuat_sac``, ``tot``, ``hoan_thanh``, ``khong_hoan_thanh``) of the year
        before the year of leaving and of the year before that; None/empty when not rated.

    Returns
    -------
    ndarray of bool
    """
    b = np.asarray(before, dtype=object)
    b2 = np.asarray(two_before, dtype=object)
    return (b == "khong_hoan_thanh") | ((b == "hoan_thanh") & (b2 == "khong_hoan_thanh"))


def named_first(rank: np.ndarray, named: np.ndarray) -> np.ndarray:
    """Ranks with the ``named`` candidates first, each group keeping its order; ``-1`` stays.

    Parameters
    ----------
    rank : array of int64 (n,)
        Rank of each candidate from :func:`priority` (``-1`` = may not leave).
    named : array of bool (n,)
        Candidates to take first (:func:`named_by_rating`).
    """
    rank = np.asarray(rank, dtype=np.int64)
    ok = rank >= 0
    o = np.lexsort((rank, ~np.asarray(named, dtype=bool)))
    o = o[ok[o]]
    out = np.full(len(rank), -1, dtype=np.int64)
    out[o] = np.arange(len(o))
    return out


def _by_rank(idx: np.ndarray, r: np.ndarray) -> np.ndarray:
    """``idx`` ordered by ``r`` (non-negative), ties in ``idx`` order: a stable argsort, done
    by placing each index at its rank when the ranks are distinct (the usual case)."""
    if len(r) and int(r.max()) < 4 * len(r) + 1024:
        slot = np.full(int(r.max()) + 1, -1, dtype=np.int64)
        slot[r] = idx
        out = slot[slot >= 0]
        if len(out) == len(idx):  # distinct ranks: nothing was overwritten
            return out
    return idx[np.argsort(r, kind="stable")]


def greedy_select(
    rank: np.ndarray,
    commune: np.ndarray,
    room: np.ndarray,
    need: int | np.ndarray,
    per_commune: bool = False,
) -> np.ndarray:
    """Take candidates in rank order, at most ``room[c]`` per commune, until ``need`` is met.

    Parameters
    ----------
    rank : array (n,) of int
        Order of the candidates (0 first); negative = may not leave.
    commune : array (n,) of int
        Commune index of each candidate.
    room : array (n_communes,) of int
        How many more people each commune can lose above its floor.
    need : int or array (n_communes,)
        Leavers wanted: province-wide (int) or per commune (``per_commune=True``).

    Returns
    -------
    ndarray of bool (n,)
        Who leaves. Fewer than ``need`` when not enough candidates or room (the caller reports
        the shortfall).
    """
    n = len(rank)
    out = np.zeros(n, dtype=bool)
    ok = rank >= 0
    if not ok.any():
        return out
    idx = np.flatnonzero(ok)
    idx = _by_rank(idx, rank[idx])
    c = commune[idx]
    # position of each candidate within its commune, in rank order (a stable sort; on small
    # integers numpy's stable sort is a radix sort)
    key = c.astype(np.int16) if len(c) and 0 <= c.min() and c.max() < 2**15 else c
    o = np.argsort(key, kind="stable")
    cs = c[o]
    first = np.searchsorted(cs, cs, side="left")
    within = np.empty(len(idx), dtype=np.int64)
    within[o] = np.arange(len(idx)) - first
    if per_commune:
        limit = np.minimum(np.asarray(room), np.maximum(np.asarray(need), 0))
        take = within < limit[c]
        out[idx[take]] = True
        return out
    takeable = within < np.asarray(room)[c]
    chosen = idx[takeable][: max(int(need), 0)]
    out[chosen] = True
    return out


@dataclass
class OptimalResult:
    """Choice of the optimal policy.

    Attributes
    ----------
    person, year, kind : arrays
        Candidate index, year index and kind index of each leaver.
    objective : float
        Net cost over the horizon (VND): benefits − salary saved.
    status : str
        Solver status (``optimal``).
    seconds : dict
        ``build`` and ``solve`` times.
    n_variables, n_constraints : int
    """

    person: np.ndarray
    year: np.ndarray
    kind: np.ndarray
    objective: float
    status: str
    seconds: dict
    n_variables: int
    n_constraints: int


def optimal_select(
    cost: np.ndarray,
    allowed: np.ndarray,
    still: np.ndarray,
    commune: np.ndarray,
    room: np.ndarray,
    need: np.ndarray,
    need_commune: np.ndarray | None = None,
    solver: str = "highs",
    time_limit: float | None = None,
) -> OptimalResult:
    """Who leaves, when and how, at least net cost: a MILP.

    Sets: candidates ``i``, years ``t`` (leave dates), kinds ``k``; communes ``c``.

    Data
        ``cost[i, t, k]`` = one-off benefit − salary (with contributions) saved from the leave
        date to the end of the horizon (VND); ``allowed[i, t, k]`` (eligible, present, still in
        post at the end of year t without the policy); ``still[i, y]`` = 1 when ``i`` would still
        be in post at the end of year ``y`` without the policy; ``room[c, y]`` = people commune
        ``c`` can lose by the end of year ``y`` above its floor; ``need[y]`` = cut still missing
        at the end of year ``y`` after retirements (negative values count as 0).

    Variables
        ``x[i, t, k]`` ∈ {0, 1}: ``i`` leaves at the leave date of year ``t`` under kind ``k``.

    Objective
        min Σ cost[i, t, k] · x[i, t, k]   (VND)

    Constraints
        each person leaves at most once: Σ_{t,k} x[i,t,k] ≤ 1;
        the cut follows the path as the greedy policies do: S_y = Σ_{i, t ≤ y, k} still[i, y] ·
        x[i,t,k] ≥ need[y] every year; leavers of year ``y`` are taken only when the year needs
        them, and then exactly to the path: with z_y ∈ {0, 1}, Σ_{i,k} x[i,y,k] ≤ n_y · z_y and
        S_y ≤ need[y] + M_y (1 − z_y), M_y = max_{y' ≤ y} need[y'] − need[y] (a valid bound:
        earlier leavers still in post never exceed the largest need so far). Where the need
        does not fall, M_y = 0 and the constraint is S_y = need[y], without an indicator. The
        cut thus exceeds the path only by natural attrition;
        with ``need_commune``, the same per commune;
        workload floor: Σ_{i ∈ c, t ≤ y, k} still[i, y] · x[i,t,k] ≤ room[c, y].

    Only the cheapest allowed kind of each (i, t) can be optimal, so the model keeps one
    variable per (i, t) and maps it back to its kind.

    Raises
    ------
    SolverError
        The solver is not available or did not prove optimality (status in ``.status``);
        ``infeasible`` when the target cannot be met within the floors.
    """
    import pyomo.environ as pyo
    from pyomo.contrib.solver.common.factory import SolverFactory
    from pyomo.contrib.solver.common.results import TerminationCondition
    from pyomo.core.expr.numeric_expr import LinearExpression

    t0 = time.perf_counter()
    n, ny, _nk = cost.shape
    c_eff = np.where(allowed, cost, np.inf)
    best_k = np.argmin(c_eff, axis=2)
    best_c = np.take_along_axis(c_eff, best_k[..., None], axis=2)[..., 0]
    ok = np.isfinite(best_c)
    vi, vt = np.nonzero(ok)
    nv = len(vi)
    coef = best_c[vi, vt] / 1e6  # million VND: better scaled for the solver
    m = pyo.ConcreteModel()
    m.x = pyo.Var(range(nv), domain=pyo.Binary)
    xs = [m.x[j] for j in range(nv)]
    m.obj = pyo.Objective(
        expr=LinearExpression(constant=0.0, linear_coefs=coef.tolist(), linear_vars=xs),
        sense=pyo.minimize,
    )
    m.cons = pyo.ConstraintList()
    ncons = 0
    # at most once per person
    order = np.argsort(vi, kind="stable")
    starts = np.searchsorted(vi[order], np.arange(n + 1))
    for i in range(n):
        js = order[starts[i] : starts[i + 1]]
        if len(js) > 1:
            m.cons.add(sum(xs[j] for j in js) <= 1)
            ncons += 1
    cv = commune[vi]
    need = np.maximum(np.asarray(need), 0)
    if need_commune is not None:
        need_commune = np.maximum(np.asarray(need_commune), 0)
    m.z = pyo.VarList(domain=pyo.Binary)

    cap = np.maximum.accumulate(need)
    if need_commune is not None:
        cap_commune = np.maximum.accumulate(need_commune, axis=1)

    def follow(js: np.ndarray, new: np.ndarray, req: int, top: int) -> int:
        """need ≤ S; new leavers only in a year that needs them, and then S = need exactly.

        ``top`` = the largest need so far bounds S (earlier leavers still in post never exceed
        it), so the indicator is only needed where the need has fallen, with M = top − need.
        """
        s_expr = LinearExpression(
            constant=0.0, linear_coefs=[1.0] * len(js), linear_vars=[xs[j] for j in js]
        )
        if not len(new) or top == req:
            if len(new) or req > 0:
                m.cons.add(s_expr == req if len(new) else s_expr >= req)
                return 1
            return 0
        z = m.z.add()
        n_expr = LinearExpression(
            constant=0.0, linear_coefs=[1.0] * len(new), linear_vars=[xs[j] for j in new]
        )
        if req > 0:
            m.cons.add(s_expr >= req)
        m.cons.add(n_expr - len(new) * z <= 0)
        m.cons.add(s_expr + (top - req) * z <= top)
        return 3

    for y in range(ny):
        active = (vt <= y) & still[vi, y]
        js = np.flatnonzero(active)
        if need_commune is None:
            ncons += follow(js, js[vt[js] == y], int(need[y]), int(cap[y]))
        # per commune: floor (and per-commune target)
        if len(js):
            cc = cv[js]
            o = np.argsort(cc, kind="stable")
            js_s, cc_s = js[o], cc[o]
            bounds = np.flatnonzero(np.diff(cc_s)) + 1
            groups = np.split(js_s, bounds)
            gcomm = cc_s[np.r_[0, bounds]] if len(cc_s) else []
        else:
            groups, gcomm = [], []
        seen = set()
        for g, c in zip(groups, gcomm, strict=True):
            seen.add(int(c))
            hi = int(room[c, y])
            if need_commune is not None:
                lo = int(need_commune[c, y])
                if lo > hi:
                    raise SolverError(
                        f"the optimal-policy MILP is infeasible: commune index {int(c)} needs "
                        f"{lo} leaver(s) in year index {y} but has room for {hi}",
                        status="infeasible",
                    )
                ncons += follow(g, g[vt[g] == y], lo, int(cap_commune[c, y]))
            if len(g) > hi:
                expr = LinearExpression(
                    constant=0.0, linear_coefs=[1.0] * len(g), linear_vars=[xs[j] for j in g]
                )
                m.cons.add(expr <= hi)
                ncons += 1
        if need_commune is not None:
            short = [int(c) for c in np.flatnonzero(need_commune[:, y] > 0) if int(c) not in seen]
            if short:
                raise SolverError(
                    f"the optimal-policy MILP is infeasible: no candidate in commune index(es) "
                    f"{short[:5]} for year index {y}",
                    status="infeasible",
                )
    t1 = time.perf_counter()
    opt = SolverFactory(solver)
    if opt is None or not opt.available():
        raise SolverError(f"solver {solver!r} is not available", status="unavailable")
    opts = {"mip_rel_gap": 0.0, "random_seed": 0} if solver == "highs" else {}
    kw = {
        "load_solutions": False,
        "raise_exception_on_nonoptimal_result": False,
        "solver_options": opts,
    }
    if time_limit is not None:
        kw["time_limit"] = time_limit
    res = opt.solve(m, **kw)
    t2 = time.perf_counter()
    tc = res.termination_condition
    if tc in (TerminationCondition.provenInfeasible, TerminationCondition.infeasibleOrUnbounded):
        raise SolverError("the optimal-policy MILP is infeasible", status="infeasible")
    if tc != TerminationCondition.convergenceCriteriaSatisfied:
        raise SolverError(f"the optimal-policy MILP stopped: {tc.name}", status=tc.name)
    res.solution_loader.load_vars()
    val = np.array([pyo.value(v) for v in xs]) if nv else np.zeros(0)
    pick = np.flatnonzero(val > 0.5)
    return OptimalResult(
        person=vi[pick],
        year=vt[pick],
        kind=best_k[vi[pick], vt[pick]],
        objective=float(np.sum(best_c[vi[pick], vt[pick]])),
        status="optimal",
        seconds={"build": t1 - t0, "solve": t2 - t1},
        n_variables=nv,
        n_constraints=ncons,
    )
