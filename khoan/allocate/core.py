"""Solve an :class:`AllocationProblem`: diagnose, build, solve in stages, round, report.

`solve_allocation` is the array-level core of output-based allocation (docs/allocation.md
has the mathematics). Stages, each a solve of the same Pyomo model:

1. the chosen objective (``quadratic``: Σ (x − t)² / t, a convex QP; ``absolute``:
   Σ |x − t| / t, an LP; ``minimax``: max |x − t| / t, an LP);
2. LP objectives only, lexicographic tie-breaks — each stage's optimum z* is kept as a
   constraint (objective ≤ z* + 1e-6 + 1e-9·|z*|; LP objectives are multiplied by the mean
   target in millions of VND, so the slack is worth about 1 VND) and the next minimised
   (the stages only change mutable weights and right-hand sides, see build.py); if a
   tie-break stage fails, the previous stage's optimum is kept (``stages`` records it):
   ``absolute`` → rank-weighted Σ (1 + r_i/n) |x_i − t_i| / t_i; ``minimax`` → Σ |x − t| / t
   → the same rank-weighted sum. The weights r_i (commune-code rank) are distinct, so the
   final LP has one optimum: among equally good allocations the deviation falls first on the
   communes with the smallest codes;
3. the continuous allocation is rounded to whole đồng (:mod:`khoan.allocate.rounding`);
4. staffing only: with the rounded allocation fixed, an integer program keeps as many posts
   as each allocation funds (floor + post_cost × posts ≤ allocation, within the quotas and the
   province-wide total), ties going to the communes whose allocation covers the largest
   share of their quota.

Posts are continuous in stage 1. That is exact: posts appear only in ``x_i ≥ floor_i +
c_i p_i`` with p_i ≥ posts_min_i (integer) and Σ p ≤ P, so every allocation feasible with real
posts is feasible with p = posts_min; HiGHS does not solve mixed-integer QPs. (An extra
constraint that couples posts is met with real posts in stage 1 and integer posts in stage 4.)
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pyomo.environ as pyo
from pyomo.core.expr.visitor import identify_variables

from khoan.errors import SolverError

from .build import (
    LEX_OFF,
    MONEY_SCALE,
    allocation_values,
    build_model,
    fix_allocation,
    lp_stage_costs,
    stage_weights,
)
from .diagnose import diagnose
from .kkt import commune_binding, solve_kkt
from .problem import OBJECTIVES, AllocationProblem, CoreResult
from .rounding import (
    BIND_ATOL,
    BIND_RTOL,
    binding_tolerance,
    repair_groups,
    round_proportional,
    round_to_envelope,
    snap_masks,
)

__all__ = ["objective_value", "solve_allocation", "solve_many"]

#: Absolute slack (model units) of a "keep the previous optimum" row.
LEX_SLACK = 1e-6

ExtraConstraints = Callable[[pyo.ConcreteModel, AllocationProblem], Any]


def objective_value(name: str, x: np.ndarray, target: np.ndarray) -> float:
    """The objective in reporting units for an allocation ``x`` (VND).

    ``quadratic``: Σ (x − t)² / t (VND); ``absolute``: Σ |x − t| / t; ``minimax``:
    max |x − t| / t (both dimensionless).
    """
    x = np.asarray(x, dtype=float)
    t = np.asarray(target, dtype=float)
    if name == "quadratic":
        return float(np.sum((x - t) ** 2 / t))
    rel = np.abs(x - t) / t
    if name == "absolute":
        return float(rel.sum())
    if name == "minimax":
        return float(rel.max()) if rel.size else 0.0
    raise ValueError(f"objective must be one of {OBJECTIVES}, not {name!r}")


#: Largest gap between the solver's allocations and the envelope accepted before rounding:
#: relative to the envelope, and in VND per commune (solver tolerances leave ~1,000 VND).
ENVELOPE_GAP_RTOL = 1e-6
ENVELOPE_GAP_ATOL = 1e5


class Engine:
    """A built model with its solver; solves in stages and returns :class:`CoreResult`.

    Shared by :func:`solve_allocation` (one solve) and
    :class:`khoan.allocate.AllocationModel` (persistent, repeated solves).
    """

    def __init__(
        self,
        problem: AllocationProblem,
        objective: str = "quadratic",
        solver: str = "highs",
        *,
        mutable: bool = False,
        extra_constraints: ExtraConstraints | None = None,
        solver_options: dict[str, Any] | None = None,
        money_scale: float = MONEY_SCALE,
    ):
        self.problem = problem
        self.objective = objective
        self.solver_name = solver
        self.solver_options = solver_options
        self.mutable = mutable
        self.extra_constraints = extra_constraints
        #: seconds of a pre-solve check already done for the current data (None: not done)
        self.diagnosed: float | None = None
        self._build(money_scale)

    def _build(self, money_scale: float) -> None:
        from pyomo.common.gc_manager import PauseGC

        from ._solvers import make_runner

        # Python's cyclic garbage collector, triggered by the many small objects of a Pyomo
        # model, took more than half of the build of a 10,000-commune model; nothing here
        # creates reference cycles worth collecting before the model is complete
        with PauseGC():
            t0 = time.perf_counter()
            self.model = build_model(
                self.problem,
                self.objective,
                mutable=self.mutable,
                extra_constraints=self.extra_constraints,
                money_scale=money_scale,
            )
            t1 = time.perf_counter()
            options = self.solver_options
            if self.solver_name == "highs":
                # HiGHS's QP solver can cycle on near-degenerate problems: bound it, and retry
                options = {"qp_iteration_limit": 1000 + 100 * self.problem.n, **(options or {})}
            # a persistent model with an analyst's rules goes through Pyomo's interface, which
            # re-reads the rules' own mutable parameters before each solve
            self.runner = make_runner(
                self.solver_name,
                options,
                model=self.model,
                arrays=not (self.mutable and self.extra_constraints is not None),
            )
            m = self.model
            self._cost_cols = None
            if self.runner.direct and hasattr(m, "cost"):
                cols = [*m.u.values(), *m.v.values(), *([m.s] if hasattr(m, "cost_s") else [])]
                self._cost_cols = self.runner.columns(cols)
            # columns of the allocation (x, or u and v) in the array hand-off's solution
            self._x_cols = None
            if hasattr(self.runner, "snapshot"):
                comps = [m.u, m.v] if hasattr(m, "u") else [m.x]
                self._x_cols = self.runner.component_columns(comps)
            t2 = time.perf_counter()
        self.build_seconds = t1 - t0
        self.translate_seconds = t2 - t1

    @property
    def path(self) -> str:
        """How the model reached the solver: ``arrays`` (read by khoan's translator and passed
        to highspy), ``pyomo-persistent`` (``pyomo.contrib.solver``) or ``pyomo`` (a solver of
        ``SolverFactory``, the model written for it on each solve)."""
        from ._solvers import ArrayHighsRunner

        if isinstance(self.runner, ArrayHighsRunner):
            return "arrays"
        return "pyomo-persistent" if self.runner.persistent else "pyomo"

    def _allocation(self) -> np.ndarray:
        """The solved allocation x_i in commune order (VND)."""
        sol = self.runner.snapshot() if self._x_cols is not None else None
        m = self.model
        t = self.problem.target
        if sol is None:
            return allocation_values(m, t)
        vals = sol[self._x_cols]
        if len(vals) == len(t):
            return vals * m.money_scale
        n = len(t)
        return np.asarray(t, dtype=float) + (vals[:n] - vals[n:]) * m.money_scale

    def _separable(self) -> bool:
        """Quadratic objective without groups, staffing or extra rules (the KKT formula)."""
        p = self.problem
        return (
            self.objective == "quadratic"
            and not p.has_groups
            and not p.has_staffing
            and self.extra_constraints is None
        )

    def _kkt_violation(self, raw_duals: list | None) -> float:
        """Largest violation of the quadratic objective's optimality conditions.

        With y the solver's duals (∂objective/∂right-hand side, VND per VND) and g_i =
        2 (x_i − t_i) / t_i the gradient, r_i = g_i − y_envelope − Σ_{g ∋ i} y_g must be 0 for
        an allocation strictly inside its bounds, ≥ 0 on its lower and ≤ 0 on its upper bound.
        Returns 0 when it cannot be checked (staffing rows, extra rules, no duals).
        """
        p = self.problem
        m = self.model
        if raw_duals is None or p.has_staffing or hasattr(m, "extra"):
            return 0.0
        x = self._allocation()
        factor = 1.0 / (m.objective_scale * m.money_scale)
        r = 2.0 * (x - p.target) / p.target
        for key, v in raw_duals:
            if key == "envelope":
                r -= v * factor
            else:
                name, grp = key[1], key[2]
                r[p.group_labels[name] == grp] -= v * factor
        tol = binding_tolerance(p.target)
        at_lo = x <= p.lo + tol
        at_hi = np.isfinite(p.hi) & (x >= p.hi - tol)
        viol = np.where(at_lo & at_hi, 0.0, np.abs(r))
        viol = np.where(at_lo & ~at_hi, np.maximum(-r, 0.0), viol)
        viol = np.where(at_hi & ~at_lo, np.maximum(r, 0.0), viol)
        return float(viol.max()) if viol.size else 0.0

    # ------------------------------------------------------------------ stages
    def _set_stage(self, name: str, k: int) -> None:
        """Make LP stage ``name`` the objective (in the solver too)."""
        m = self.model
        obj = lp_stage_costs(m, self.problem, name)
        if obj is not None and k > 0:
            self.runner.set_objective(obj)
        elif obj is None and self._cost_cols is not None:
            w, ws = stage_weights(m, self.problem, name)
            costs = np.concatenate([w, w, [ws]] if hasattr(m, "cost_s") else [w, w])
            self.runner.set_costs(self._cost_cols, costs)

    def _objective_stages(self, allow_nonoptimal: bool) -> tuple[str, list, list[str], float]:
        m = self.model
        names = list(m.objective_stages)
        status = "unknown"
        raw_duals: list | None = None
        done: list[str] = []
        solve_seconds = 0.0
        saved = None
        lp = self.objective != "quadratic"
        # stage -> (right-hand side, row) of its "keep this optimum" constraint
        lex_rows = {"minimax": ("lex_max_rhs", "lex_max"), "absolute": ("lex_sum_rhs", "lex_sum")}
        try:
            for k, name in enumerate(names):
                if lp:
                    self._set_stage(name, k)
                t0 = time.perf_counter()
                # the array hand-off loads the solution into the model's variables for the
                # last stage only (an earlier stage's optimum is kept as an array, ``_save``)
                out = self.runner.solve(m, load=k == len(names) - 1)
                solve_seconds += time.perf_counter() - t0
                if k == 0:
                    status = out.status
                    if not out.optimal and not (allow_nonoptimal and out.has_solution):
                        hint = (
                            " The pre-solve checks found no simple conflict; the constraints "
                            "(groups, extra rules) conflict in combination."
                            if "infeasible" in out.status
                            else ""
                        )
                        raise SolverError(
                            f"Bộ giải không tìm được nghiệm tối ưu ({out.status}) / the solver "
                            f"{self.solver_name!r} ended with status {out.status!r} on the "
                            f"{name} objective.{hint}",
                            status=out.status,
                        )
                    raw_duals = self._raw_duals() if out.optimal else None
                elif not out.optimal:
                    # a tie-break stage failing (e.g. "infeasible" by a hair at a warm start)
                    # leaves the previous stage's optimum, which is kept and reported
                    self._restore(saved)
                    done.append(f"{name}:{out.status}")
                    break
                done.append(name)
                if k < len(names) - 1:
                    # keep this stage's optimum (the rows are scaled by k, so they read in
                    # millions of VND of weighted deviation: the slack 1e-6 + 1e-9·|z*| is
                    # about 1 VND for a province, and leaves room for HiGHS's tolerances)
                    if name in lex_rows:
                        rhs, row_name = lex_rows[name]
                        row = getattr(m, row_name)
                        val = self.runner.row_value(row)
                        getattr(m, rhs).set_value(val + LEX_SLACK + 1e-9 * abs(val))
                        self.runner.refresh_rows([row])
                    saved = self._save()
        finally:
            if lp:  # leave the model ready for the next solve
                rows = []
                for rhs, row_name in lex_rows.values():
                    if hasattr(m, rhs):
                        getattr(m, rhs).set_value(LEX_OFF)
                        rows.append(getattr(m, row_name))
                self.runner.refresh_rows(rows)
                if len(names) > 1 and self.mutable:  # a one-shot model is not solved again
                    self._set_stage(names[0], len(names))
        return status, raw_duals, done, solve_seconds

    def _save(self) -> Any:
        if hasattr(self.runner, "snapshot"):
            return self.runner.snapshot()
        return [v.value for v in self.model.component_data_objects(pyo.Var)]

    def _restore(self, saved: Any) -> None:
        if saved is None:
            return
        if hasattr(self.runner, "snapshot"):
            self.runner.load(saved)
            return
        for v, val in zip(self.model.component_data_objects(pyo.Var), saved, strict=True):
            v.set_value(val, skip_validation=True)

    def _dual_constraints(self) -> list[tuple[Any, Any]]:
        m = self.model
        out: list[tuple[Any, Any]] = [("envelope", m.envelope)]
        for attr, kind in (("group_floor", "group_floor"), ("group_cap", "group_cap")):
            comp = getattr(m, attr, None)
            if comp is None:
                continue
            for lab, con in comp.items():
                name, grp, _ = m.group_index[lab]
                out.append(((kind, name, grp), con))
        return out

    def _raw_duals(self) -> list | None:
        pairs = self._dual_constraints()
        vals = self.runner.duals([c for _, c in pairs])
        if vals is None:
            return None
        return [(key, v) for (key, _), v in zip(pairs, vals, strict=True)]

    # ------------------------------------------------------------------ staffing stage
    def _staffing_stage(self, y: np.ndarray) -> tuple[np.ndarray, str, float]:
        m = self.model
        p = self.problem
        ids = p.ids.tolist()
        n = p.n
        head = (y - p.floor) / (p.post_cost * np.maximum(p.posts_max, 1))
        order = np.lexsort((p.ids, -head))  # best-funded first, then commune code
        rho = np.empty(n)
        rho[order] = np.arange(n, 0, -1, dtype=float)
        big = float(n) * (float(p.posts_max.sum()) + 1.0) + 1.0
        for i, r in zip(ids, rho.tolist(), strict=True):
            m.posts_weight[i] = big + r
        fixed = fix_allocation(m, y, p.target)
        off = [m.envelope]
        for attr in ("group_floor", "group_cap", "dev_max", "lex_max", "lex_sum"):
            comp = getattr(m, attr, None)
            if comp is not None:
                off.append(comp)
        extra = getattr(m, "extra", None)
        if extra is not None:
            for con in extra.component_data_objects(pyo.Constraint, active=True):
                if all(v.fixed for v in identify_variables(con.body)):
                    off.append(con)
        for c in off:
            c.deactivate()
        main_obj = next(iter(m.component_data_objects(pyo.Objective, active=True)))
        main_obj.deactivate()
        m.obj_posts.activate()
        for v in m.p.values():
            v.domain = pyo.Integers
        t0 = time.perf_counter()
        try:
            # a separate solver instance: the persistent HiGHS interface keeps the Hessian of
            # a quadratic objective after it is deactivated, which would make this a MIQP
            from ._solvers import make_runner

            runner = (
                make_runner(self.solver_name, self.solver_options, manual=False)
                if self.runner.persistent
                else self.runner
            )
            out = runner.solve(m, mip_exact=True)
            seconds = time.perf_counter() - t0
            if not out.has_solution:
                raise SolverError(
                    f"the staffing stage ended with status {out.status!r}", status=out.status
                )
            posts = np.rint([m.p[i].value for i in ids]).astype(np.int64)
        finally:
            for v in m.p.values():
                v.domain = pyo.Reals
            m.obj_posts.deactivate()
            main_obj.activate()
            for c in off:
                c.activate()
            for var in fixed:
                var.unfix()
        # the solver's feasibility tolerance must not fund a post by a fraction of a đồng
        short = p.floor + p.post_cost * posts - y > 1e-6
        while np.any(short & (posts > p.posts_min)):
            posts[short & (posts > p.posts_min)] -= 1
            short = p.floor + p.post_cost * posts - y > 1e-6
        return posts, out.status, seconds

    # ------------------------------------------------------------------ solve
    def solve(self, *, allow_nonoptimal: bool = False) -> CoreResult:
        """Diagnose, solve every stage, round and report (see the module docstring)."""
        p = self.problem
        m = self.model
        t_start = time.perf_counter()
        if self.diagnosed is None:
            diagnose(p)
            t_diag = time.perf_counter() - t_start
        else:  # checked before the build (solve_allocation)
            t_diag, self.diagnosed = self.diagnosed, None
        retries: list[str] = []
        solve_seconds = 0.0
        scales = [m.money_scale]
        if self.objective == "quadratic" and self.solver_name == "highs":
            scales += [m.money_scale * 100.0, m.money_scale / 100.0]
        for attempt, scale in enumerate(scales):
            if attempt > 0:  # rebuild at another money scale (HiGHS's QP is scale-sensitive)
                self._build(scale)
                m = self.model
            last = attempt == len(scales) - 1
            try:
                status, raw_duals, stages, secs = self._objective_stages(allow_nonoptimal)
            except SolverError as err:
                retries.append(f"quadratic@{scale:g}:{err.status}")
                if not last:
                    continue
                if self._separable():  # the exact formula answers what HiGHS could not
                    res = solve_kkt(p)
                    res.stages = [*retries, "kkt"]
                    res.solver = f"{self.solver_name}, then kkt"
                    return res
                raise
            solve_seconds += secs
            if self.objective != "quadratic" or last or self._kkt_violation(raw_duals) <= 1e-6:
                break
            retries.append(f"quadratic@{scale:g}:kkt-check-failed")
        stages = retries + stages
        s = m.money_scale
        x = self._allocation()
        gap = float(x.sum()) - float(p.envelope)
        if abs(gap) > max(ENVELOPE_GAP_RTOL * abs(float(p.envelope)), ENVELOPE_GAP_ATOL * p.n):
            # far beyond solver tolerances (~1,000 VND a commune): the solver's answer does not
            # meet the envelope; rounding it (one đồng a step) would not end in useful time
            raise SolverError(
                f"Nghiệm của bộ giải lệch tổng kinh phí {gap:,.0f} đồng / the solver "
                f"{self.solver_name!r} returned allocations summing to {x.sum():,.0f} VND, not "
                f"the envelope {p.envelope:,} VND (status {status!r}).",
                status="envelope_not_met",
            )

        t0 = time.perf_counter()
        if self._separable() and raw_duals is not None:
            # x_i = clip(t_i (1 + μ), lo_i, hi_i) with 2μ the envelope dual: round on the
            # targets, which keeps every allocation non-decreasing in the envelope
            mu = 0.5 * dict(raw_duals)["envelope"] / (m.objective_scale * s)
            y = round_proportional(p.target, 1.0 + mu, p.envelope, p.lo_int, p.hi_int, p.rank)
        else:
            snap_lo, snap_hi = snap_masks(x, p.lo, p.hi, p.target)
            y = round_to_envelope(x, p.envelope, p.lo_int, p.hi_int, p.rank, snap_lo, snap_hi)
        binding = commune_binding(p, x)
        group_specs = []
        binding_groups: set[tuple[str, str, Any]] = set()
        for lab, (name, grp, members) in m.group_index.items():
            gfl = p.group_floor.get((name, grp), 0.0)
            gcap = p.group_cap.get((name, grp), np.inf)
            group_specs.append((members, gfl, gcap))
            total = float(x[members].sum())
            gtol = max(BIND_ATOL * max(members.size, 1), BIND_RTOL * max(gfl, total))
            for kind, bound in (
                ("floor", gfl if (name, grp) in p.group_floor else None),
                ("cap", gcap if (name, grp) in p.group_cap else None),
            ):
                if bound is not None and abs(total - bound) <= gtol:
                    binding_groups.add((f"group_{kind}", name, grp))
                    for k in members.tolist():
                        binding[k] = (*binding[k], f"{lab}:{kind}")
        if group_specs and not repair_groups(y, x, p.lo_int, p.hi_int, p.rank, group_specs):
            stages.append("round:group-limits-not-repaired")
        t_round = time.perf_counter() - t0

        posts = None
        t_posts = 0.0
        if p.has_staffing:
            posts, st, t_posts = self._staffing_stage(y)
            stages.append("posts" if st == "optimal" else f"posts:{st}")

        duals: dict[Any, float] = {}
        if raw_duals is not None:
            # model objective = c × reported objective, model money = VND / s
            factor = 1.0 / (m.objective_scale * s)
            for key, v in raw_duals:
                if key == "envelope" or key in binding_groups:
                    duals[key] = v * factor
        total = time.perf_counter() - t_start
        return CoreResult(
            ids=p.ids.copy(),
            allocation=y,
            allocation_exact=x,
            objective=objective_value(self.objective, x, p.target),
            objective_name=self.objective,
            status=status,
            duals=duals,
            binding=binding,
            posts=posts,
            timings={
                "build": self.build_seconds,
                "translate": self.translate_seconds,
                "diagnose": t_diag,
                "solve": solve_seconds,
                "round": t_round,
                "posts": t_posts,
                "total": total + self.build_seconds + self.translate_seconds,
            },
            solver=self.solver_name,
            stages=stages,
            path=self.path,
        )


def check_options(objective: str, solver: str, problem: AllocationProblem, extra: Any) -> None:
    if objective not in OBJECTIVES:
        raise ValueError(f"objective must be one of {OBJECTIVES}, not {objective!r}")
    if solver == "kkt" and (
        objective != "quadratic" or problem.has_groups or problem.has_staffing or extra
    ):
        raise ValueError(
            "solver='kkt' solves only the quadratic objective without groups, staffing or "
            "extra constraints"
        )
    if objective == "quadratic" and solver in LINEAR_ONLY_SOLVERS:
        raise SolverError(
            f"solver {solver!r} solves linear models only: use objective 'absolute' or "
            "'minimax' with it (--objective absolute), or the default solver 'highs' for the "
            "quadratic objective",
            status="unsupported",
        )


#: Pyomo solver names that take linear (and mixed-integer linear) models only.
LINEAR_ONLY_SOLVERS = frozenset({"glpk", "cbc", "appsi_cbc", "clp"})


def solve_allocation(
    problem: AllocationProblem,
    *,
    objective: str = "quadratic",
    solver: str = "highs",
    allow_nonoptimal: bool = False,
    extra_constraints: ExtraConstraints | None = None,
    solver_options: dict[str, Any] | None = None,
) -> CoreResult:
    """Allocate the envelope among communes as close to their targets as the rules allow.

    Parameters
    ----------
    problem : AllocationProblem
        Targets, floors, corridor, envelope (VND), optional groups and staffing block.
    objective : {"quadratic", "absolute", "minimax"}
        ``quadratic`` (default): minimise Σ (x − t)² / t (VND); strictly convex, so the answer
        is unique and a gap is shared in proportion to the targets. ``absolute``: Σ |x − t| / t
        (LP); ``minimax``: max |x − t| / t (LP); both with lexicographic tie-breaks.
    solver : str
        ``"highs"`` (default, through ``pyomo.contrib.solver``), ``"kkt"`` (exact formula; the
        quadratic objective without groups, staffing or extra constraints) or any Pyomo solver
        name (``"glpk"`` for the LP objectives and the staffing MILP).
    allow_nonoptimal : bool
        Return a feasible but not proven optimal solution instead of raising.
    extra_constraints : callable(model, problem), optional
        Hook adding an analyst's rule to the Pyomo model before solving; money in the model is
        in millions of VND (``model.money_scale``); ``model.x[code]`` is a commune's allocation.
    solver_options : dict, optional
        Options passed to the solver.

    Returns
    -------
    CoreResult
        Whole-đồng allocation summing to the envelope, objective, status, duals, binding
        constraints, posts, timings.

    Raises
    ------
    InfeasibleError
        A pre-solve check failed; the message names the conflict in VND (or posts).
    SolverError
        The solver did not prove optimality (and ``allow_nonoptimal`` is false), or found no
        solution at all.
    """
    check_options(objective, solver, problem, extra_constraints)
    if solver == "kkt":
        return solve_kkt(problem)
    t0 = time.perf_counter()
    diagnose(problem)  # before the build: a conflict is reported without building the model
    t_diag = time.perf_counter() - t0
    engine = Engine(
        problem,
        objective,
        solver,
        extra_constraints=extra_constraints,
        solver_options=solver_options,
    )
    engine.diagnosed = t_diag
    return engine.solve(allow_nonoptimal=allow_nonoptimal)


def solve_many(problems: Iterable[AllocationProblem], **options: Any) -> list[CoreResult]:
    """Solve several independent problems (e.g. one per province), each within its envelope.

    Parameters
    ----------
    problems : iterable of AllocationProblem
        One problem per province; communes of different problems never share a constraint.
    **options
        Passed to :func:`solve_allocation` (``objective``, ``solver``, ...).

    Returns
    -------
    list of CoreResult
        In the order of ``problems``.
    """
    return [solve_allocation(p, **options) for p in problems]
