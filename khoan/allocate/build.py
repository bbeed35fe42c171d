"""The Pyomo model of the output-based allocation, built from arrays prepared once.

Notation (docs/allocation.md states the same, with units). Money inside the model is in
millions of VND (``MONEY_SCALE``): x̃ = x / 10⁶. For commune i ∈ I (indexed by commune code):

* variables: quadratic objective — x_i (allocation), bounds lo_i ≤ x_i ≤ hi_i with lo_i =
  max(floor_i [+ c_i · posts_min_i], lower_i), hi_i = upper_i; LP objectives — u_i, v_i ≥ 0
  (allocation above / below target) with x_i = t_i + u_i − v_i (an ``Expression`` when
  staffing or an ``extra_constraints`` hook uses it) and the
  bounds of x carried by u and v (`deviation_bounds`), |x_i − t_i| = u_i + v_i at the
  optimum; s ≥ 0 (largest relative deviation; minimax); p_i ∈ [posts_min_i, posts_max_i]
  (posts, staffing only; continuous in the allocation stage, integer in the staffing stage);
* ``envelope``:          Σ_i x_i = E
* ``group_floor[g]``:    Σ_{i∈g} x_i ≥ F_g ;  ``group_cap[g]``: Σ_{i∈g} x_i ≤ C_g
* ``staffing[i]``:       x_i − c_i p_i ≥ floor_i ;  ``posts_total``: Σ_i p_i ≤ P
* ``dev_max[i]``:        u_i + v_i − t_i s ≤ 0   (minimax)
* objectives: ``obj_quadratic`` Σ w_i x_i² − 2 Σ x_i + Σ t_i (= Σ (x_i − t_i)² / t_i,
  w_i = 1 / t_i); LP stages (`lp_stage_costs`): ``obj_minimax`` k s, ``obj_absolute``
  k Σ w_i (u_i + v_i), ``obj_tiebreak`` k Σ (1 + r_i / n) w_i (u_i + v_i), with k the mean
  target (model units) and r_i the commune-code rank — in a persistent model one objective
  ``obj_lp`` Σ cost_i (u_i + v_i) + cost_s s whose mutable weights each stage sets; ``lex_max``: k s ≤ R_max and ``lex_sum``: k Σ w_i (u_i + v_i) ≤
  R_sum keep an earlier stage's optimum (R = 1e15, i.e. off, until then); ``obj_posts``
  maximise Σ (K + ρ_i) p_i (staffing stage).

Nothing here reads pandas; every rule looks values up in dicts keyed by commune code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pyomo.environ as pyo
from pyomo.core.expr.numeric_expr import LinearExpression

from .problem import OBJECTIVES, AllocationProblem

__all__ = [
    "LEX_OFF",
    "MONEY_SCALE",
    "STAGES",
    "allocation_values",
    "build_model",
    "deviation_bounds",
    "fix_allocation",
    "group_label",
    "lp_stage_costs",
    "stage_weights",
]

#: VND per model money unit (the model counts in millions of VND).
MONEY_SCALE = 1e6

#: Lower bounds of x below this (model units at the default scale: 1,000 VND) are passed to
#: the QP as 0.
TINY_BOUND = 1e-3

#: Objectives solved in turn (lexicographically) for each objective option.
STAGES: dict[str, tuple[str, ...]] = {
    "quadratic": ("quadratic",),
    "absolute": ("absolute", "tiebreak"),
    "minimax": ("minimax", "absolute", "tiebreak"),
}

#: Right-hand side of an unused "keep the previous optimum" row (model units; far above any
#: objective value, and below HiGHS's infinity 1e20, which it reports when it meets it).
LEX_OFF = 1e15


def lp_stage_costs(model: pyo.ConcreteModel, problem: AllocationProblem, stage: str) -> Any:
    """Make one LP stage's objective the active one (model units, multiplied by k).

    ``minimax``: k s. ``absolute``: k Σ (u_i + v_i) / t_i. ``tiebreak``: k Σ (1 + r_i / n)
    (u_i + v_i) / t_i with r_i the commune-code rank (0 .. n − 1). A persistent model
    (``mutable=True``) has one objective ``obj_lp`` whose weights are set here (returns None);
    a one-shot model has ``obj_<stage>`` components, and the newly active one is returned for
    the solver to load.
    """
    if not hasattr(model, "cost"):  # one objective component per stage
        active = None
        for name in STAGES[model.objective_name]:
            obj = getattr(model, f"obj_{name}")
            if name == stage:
                obj.activate()
                active = obj
            else:
                obj.deactivate()
        return active
    cost, cost_s = stage_weights(model, problem, stage)
    # plain floats into a Param declared within Reals: Pyomo's per-value check is skipped
    model.cost.store_values(dict(zip(model.cost.keys(), cost.tolist(), strict=True)), check=False)
    if hasattr(model, "cost_s"):
        model.cost_s.set_value(cost_s)
    return None


def stage_weights(
    model: pyo.ConcreteModel, problem: AllocationProblem, stage: str
) -> tuple[np.ndarray, float]:
    """Weights of u_i + v_i (in commune order) and of s in one LP stage (model units)."""
    k = model.objective_scale
    cost = _stage_weights(k, problem.target / model.money_scale, problem, stage)
    return cost, (k if stage == "minimax" else 0.0)


def _stage_weights(k: float, t: np.ndarray, problem: AllocationProblem, stage: str) -> np.ndarray:
    """Weights of u_i + v_i in one LP stage (model units)."""
    if stage == "minimax":
        return np.zeros(problem.n)
    if stage == "absolute":
        return k / t
    if stage == "tiebreak":
        return k * (1.0 + problem.rank / problem.n) / t
    raise ValueError(stage)  # pragma: no cover


def group_label(name: str, group: Any) -> str:
    """Index of a group constraint: ``"grouping=group"``."""
    return f"{name}={group}"


def _linear(coefs: list, variables: list, constant: float = 0.0) -> LinearExpression:
    """Σ coefs_k · variables_k + constant, as one ``LinearExpression`` (the form that khoan's
    hand-off to HiGHS reads term by term; build.py writes every linear row this way)."""
    return LinearExpression(constant=constant, linear_coefs=coefs, linear_vars=variables)


def _dict(keys: list[str], values: np.ndarray) -> dict[str, float]:
    return dict(zip(keys, values.tolist(), strict=True))


def deviation_bounds(
    target: np.ndarray, lo: np.ndarray, hi: np.ndarray, scale: float = MONEY_SCALE
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Bounds of u_i, v_i (model units) so that x = t + u − v spans exactly [lo_i, hi_i].

    u_i ∈ [max(0, lo_i − t_i), max(0, hi_i − t_i)], v_i ∈ [max(0, t_i − hi_i), max(0, t_i −
    lo_i)]; ``inf`` for an absent upper bound. Arguments in VND, ``scale`` VND per model unit.
    """
    s = scale
    t = np.asarray(target, dtype=float) / s
    lo = np.asarray(lo, dtype=float) / s
    hi = np.asarray(hi, dtype=float) / s
    return (
        np.maximum(0.0, lo - t),
        np.maximum(0.0, hi - t),
        np.maximum(0.0, t - hi),
        np.maximum(0.0, t - lo),
    )


def _set_bounds(variables: list, lo: np.ndarray, hi: np.ndarray, start: np.ndarray) -> None:
    """Bounds (``inf`` -> none) and starting values of a list of new VarData (real domain)."""
    from ._solvers import fill_variables

    fill_variables(variables, lo, hi, start)


def allocation_values(model: pyo.ConcreteModel, target: np.ndarray) -> np.ndarray:
    """The allocation x_i of the solved model, in commune order (VND)."""
    s = model.money_scale
    n = len(target)
    if not hasattr(model, "u"):  # quadratic: x is a variable
        return np.fromiter((v.value for v in model.x.values()), dtype=float, count=n) * s
    u = np.fromiter((v.value for v in model.u.values()), dtype=float, count=n)
    v = np.fromiter((v.value for v in model.v.values()), dtype=float, count=n)
    return np.asarray(target, dtype=float) + (u - v) * s


def fix_allocation(model: pyo.ConcreteModel, y: np.ndarray, target: np.ndarray) -> list:
    """Fix the allocation at ``y`` (VND); returns the variables fixed (to unfix later)."""
    s = model.money_scale
    ids = list(model.I)
    fixed = []
    if not hasattr(model, "u"):  # quadratic: x is a variable
        for i, val in zip(ids, (np.asarray(y) / s).tolist(), strict=True):
            model.x[i].fix(val)
            fixed.append(model.x[i])
        return fixed
    diff = (np.asarray(y, dtype=float) - np.asarray(target, dtype=float)) / s
    for i, dv in zip(ids, diff.tolist(), strict=True):
        for var, val in ((model.u[i], max(dv, 0.0)), (model.v[i], max(-dv, 0.0))):
            lb, ub = var.bounds
            val = max(val, lb) if lb is not None else val  # float noise of t + u − v
            val = min(val, ub) if ub is not None else val
            var.fix(val)
            fixed.append(var)
    return fixed


def build_model(
    problem: AllocationProblem,
    objective: str = "quadratic",
    *,
    mutable: bool = False,
    extra_constraints: Callable[[pyo.ConcreteModel, AllocationProblem], Any] | None = None,
    money_scale: float = MONEY_SCALE,
) -> pyo.ConcreteModel:
    """Build the allocation model (stage-1 objective active, the others deactivated).

    Parameters
    ----------
    problem : AllocationProblem
    objective : {"quadratic", "absolute", "minimax"}
    mutable : bool
        Hold the envelope E in a mutable Param so that a persistent solver can update it
        (:class:`AllocationModel`); otherwise it is a plain number. Targets are always plain
        numbers: as mutable Params every re-solve re-evaluated 2n coefficient expressions,
        which cost more than HiGHS's own solve.
    extra_constraints : callable(model, problem), optional
        Called last, to add an analyst's rule; money in the model is in millions of VND
        (``model.money_scale``).
    money_scale : float
        VND per model money unit (default 10⁶). The solver retries a failed QP at another
        scale (see core.py).

    Returns
    -------
    pyomo.environ.ConcreteModel
        With the components listed in the module docstring, plus ``money_scale``,
        ``objective_stages`` (names, in solve order) and ``group_index`` (label ->
        (grouping, group, member positions)).
    """
    if objective not in OBJECTIVES:
        raise ValueError(f"objective must be one of {OBJECTIVES}, not {objective!r}")
    s = float(money_scale)
    p = problem
    ids = p.ids.tolist()
    n = len(ids)
    m = pyo.ConcreteModel(name="khoan_allocation")
    m.money_scale = s
    m.objective_name = objective
    m.objective_stages = STAGES[objective]
    m.objective_scale = 1.0 / s  # model objective = objective_scale × reported objective
    m.I = pyo.Set(initialize=ids, ordered=True)

    t = p.target / s
    tt = _dict(ids, t)
    if mutable:
        m.E = pyo.Param(initialize=p.envelope / s, mutable=True, within=pyo.Reals)
        env = m.E
    else:
        env = p.envelope / s

    # Variables are created dense and their bounds set from lists; expressions are built from
    # lists of variables (indexing a Var 10,000 times per expression dominated the build).
    if objective == "quadratic":
        # HiGHS's QP solver ignores non-zero bounds below ~1e-4 and then reports a "solve
        # error"; a lower bound under 1,000 VND is passed as 0 (rounding restores it exactly)
        lo_m = p.lo / s
        lo = np.where(lo_m < TINY_BOUND * MONEY_SCALE / s, 0.0, lo_m)
        m.x = pyo.Var(m.I, dense=True)
        xl = list(m.x.values())
        _set_bounds(xl, lo, p.hi / s, np.clip(t, lo, p.hi / s))
        m.envelope = pyo.Constraint(expr=_linear([1.0] * n, xl) == env)
        terms = xl
    else:
        # x_i = t_i + u_i − v_i: the bounds of x become bounds of u and v, and the LP keeps
        # one row per envelope/group/staffing constraint (simplex then needs few iterations)
        u_lo, u_hi, v_lo, v_hi = deviation_bounds(p.target, p.lo, p.hi, s)
        m.u = pyo.Var(m.I, dense=True)
        m.v = pyo.Var(m.I, dense=True)
        ul, vl = list(m.u.values()), list(m.v.values())
        _set_bounds(ul, u_lo, u_hi, u_lo)
        _set_bounds(vl, v_lo, v_hi, v_lo)
        if p.has_staffing or extra_constraints is not None:
            # x as a named expression for the staffing rows and analysts' rules (10,000 of them
            # cost ~0.3 s, so only when used)
            m.x = pyo.Expression(m.I, rule=lambda m, i: tt[i] + m.u[i] - m.v[i])
        m.envelope = pyo.Constraint(
            expr=_linear([1.0] * n + [-1.0] * n, ul + vl) == env - float(t.sum())
        )
        terms = None
    x = getattr(m, "x", None)

    def group_sum(members: np.ndarray):
        idx = members.tolist()
        if terms is not None:
            return _linear([1.0] * len(idx), [terms[k] for k in idx])
        const = float(t[members].sum())
        return _linear(
            [1.0] * len(idx) + [-1.0] * len(idx), [ul[k] for k in idx] + [vl[k] for k in idx], const
        )

    # groups
    m.group_index = {}
    floors: dict[str, float] = {}
    caps: dict[str, float] = {}
    for name, grp, members in p.groups():
        lab = group_label(name, grp)
        m.group_index[lab] = (name, grp, members)
        if (name, grp) in p.group_floor:
            floors[lab] = p.group_floor[(name, grp)] / s
        if (name, grp) in p.group_cap:
            caps[lab] = p.group_cap[(name, grp)] / s
    if floors:
        m.group_floor = pyo.Constraint(
            list(floors),
            rule=lambda m, lab: group_sum(m.group_index[lab][2]) >= floors[lab],
        )
    if caps:
        m.group_cap = pyo.Constraint(
            list(caps),
            rule=lambda m, lab: group_sum(m.group_index[lab][2]) <= caps[lab],
        )

    # staffing (posts relaxed to reals here; the staffing stage makes them integer)
    if p.has_staffing:
        m.p = pyo.Var(m.I, dense=True)
        pl = list(m.p.values())
        pmin = p.posts_min.astype(float)
        _set_bounds(pl, pmin, p.posts_max.astype(float), pmin)
        cost = _dict(ids, p.post_cost / s)
        base = _dict(ids, p.floor / s)
        m.staffing = pyo.Constraint(m.I, rule=lambda m, i: x[i] - cost[i] * m.p[i] >= base[i])
        if p.posts_total_max is not None:
            m.posts_total = pyo.Constraint(expr=pyo.quicksum(pl) <= p.posts_total_max)
        # staffing stage: keep as many posts as funded, ties to the communes funding the most
        rho = _dict(ids, np.ones(n))  # set by the staffing stage before use
        m.posts_weight = pyo.Param(m.I, initialize=rho, mutable=True, within=pyo.Reals)
        m.obj_posts = pyo.Objective(
            expr=pyo.quicksum(m.posts_weight[i] * m.p[i] for i in ids), sense=pyo.maximize
        )
        m.obj_posts.deactivate()

    # objectives
    if objective == "quadratic":
        m.obj_quadratic = pyo.Objective(
            expr=pyo.quicksum(w * xi**2 for w, xi in zip((1.0 / t).tolist(), xl, strict=True))
            - 2 * pyo.quicksum(xl)
            + float(t.sum())
        )
    else:
        # Two "keep the previous optimum" rows whose right-hand sides are mutable (LEX_OFF
        # while unused), so that a stage only changes numbers in the persistent solver.
        # Costs are multiplied by k = mean target (model units) so that they are ~1: HiGHS's
        # optimality tolerance (1e-7 on reduced costs) would be loose against costs ~1e-4.
        k = m.objective_scale = float(np.mean(t)) if n else 1.0

        def weighted(c: np.ndarray):
            return _linear(c.tolist() * 2, ul + vl)

        m.lex_sum_rhs = pyo.Param(initialize=LEX_OFF, mutable=True, within=pyo.Reals)
        # the same expression object is the body of obj_absolute in a one-shot model (read
        # once by the hand-off to HiGHS)
        absolute = weighted(k / t)
        m.lex_sum = pyo.Constraint(expr=absolute <= m.lex_sum_rhs)
        if objective == "minimax":
            m.s = pyo.Var(within=pyo.NonNegativeReals)
            m.dev_max = pyo.Constraint(m.I, rule=lambda m, i: m.u[i] + m.v[i] - tt[i] * m.s <= 0)
            m.lex_max_rhs = pyo.Param(initialize=LEX_OFF, mutable=True, within=pyo.Reals)
            m.lex_max = pyo.Constraint(expr=k * m.s <= m.lex_max_rhs)
        if mutable:
            # persistent model: one objective whose mutable weights each stage sets
            m.cost = pyo.Param(m.I, initialize=_dict(ids, k / t), mutable=True, within=pyo.Reals)
            lp = _linear(list(m.cost.values()) * 2, ul + vl)
            if objective == "minimax":
                m.cost_s = pyo.Param(initialize=k, mutable=True, within=pyo.Reals)
                lp = lp + m.cost_s * m.s
            m.obj_lp = pyo.Objective(expr=lp)
        else:
            # one-shot model: one objective per stage with plain coefficients (n mutable
            # weights tripled the build and hand-off time of a 10,000-commune LP)
            for stage in STAGES[objective]:
                if stage == "minimax":
                    expr = k * m.s
                elif stage == "absolute":
                    expr = absolute
                else:
                    expr = weighted(_stage_weights(k, t, p, stage))
                setattr(m, f"obj_{stage}", pyo.Objective(expr=expr))
            for stage in STAGES[objective][1:]:
                getattr(m, f"obj_{stage}").deactivate()
        lp_stage_costs(m, p, STAGES[objective][0])
    if extra_constraints is not None:
        m.extra = pyo.Block()
        extra_constraints(m, problem)
    return m
