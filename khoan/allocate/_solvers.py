"""Thin adapters over Pyomo's two solver interfaces.

* ``pyomo.contrib.solver`` (the new interface; HiGHS through ``highspy``, persistent, handles
  quadratic objectives) for names it knows: ``highs``, ``gurobi_direct``, ``ipopt``, ...
* the legacy ``pyomo.environ.SolverFactory`` for every other name (``glpk``, ``cbc``,
  ``appsi_highs``, ...), with duals read through an import ``Suffix``.

* the array hand-off (``ArrayHighsRunner``, the default for ``highs``): :func:`translate`
  reads the Pyomo model — rows written as ``LinearExpression`` by build.py, anything else
  through ``generate_standard_repn`` — into arrays passed to ``highspy`` in one call; a model it
  does not read (integer variables, non-linear rows, a maximised objective) goes through
  ``pyomo.contrib.solver``.

All give the same small surface: ``set_instance``, ``solve`` -> `Outcome`, ``duals``.

This module is the only place in khoan that uses Pyomo's internals (the HiGHS interface's
``_reinit``, ``_solver_model``, ``_postsolve``, ... and the stored fields of expressions and
variables). They were tested on Pyomo 6.10.1 with highspy 1.16.0, the versions pinned in
pyproject.toml; where an internal is missing, the code falls back to Pyomo's public path.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyomo.environ as pyo
from pyomo.contrib.solver.common.factory import SolverFactory as ContribFactory
from pyomo.contrib.solver.common.results import SolutionStatus, TerminationCondition
from pyomo.opt import TerminationCondition as LegacyTC

from khoan.errors import SolverError

__all__ = ["Outcome", "make_runner"]

#: Options passed to HiGHS on every solve. Money is in millions of VND, so the Hessian
#: entries 2 / t_i are ~1e-4: HiGHS's default QP regularisation (1e-7) would then move
#: allocations by ~1e-4 relative (~1 million VND). The Hessian is positive definite on the
#: allocations, so no regularisation is needed.
HIGHS_OPTIONS: dict[str, Any] = {
    "qp_regularization_value": 0.0,
    # HiGHS's presolve spends ~1 s on the one-row LP of 10,000 communes (dependent-equation
    # search) and saves nothing on these models; the staffing MIP turns it back on
    "presolve": "off",
    "random_seed": 0,
}

_CONTRIB_STATUS = {
    TerminationCondition.convergenceCriteriaSatisfied: "optimal",
    TerminationCondition.provenInfeasible: "infeasible",
    TerminationCondition.locallyInfeasible: "infeasible",
    TerminationCondition.infeasibleOrUnbounded: "infeasible_or_unbounded",
    TerminationCondition.unbounded: "unbounded",
    TerminationCondition.maxTimeLimit: "time_limit",
    TerminationCondition.iterationLimit: "iteration_limit",
    TerminationCondition.objectiveLimit: "objective_limit",
    TerminationCondition.error: "error",
    TerminationCondition.interrupted: "interrupted",
    TerminationCondition.emptyModel: "empty_model",
}

_LEGACY_STATUS = {
    LegacyTC.optimal: "optimal",
    LegacyTC.globallyOptimal: "optimal",
    LegacyTC.locallyOptimal: "optimal",
    LegacyTC.infeasible: "infeasible",
    LegacyTC.invalidProblem: "error",
    LegacyTC.infeasibleOrUnbounded: "infeasible_or_unbounded",
    LegacyTC.unbounded: "unbounded",
    LegacyTC.maxTimeLimit: "time_limit",
    LegacyTC.maxIterations: "iteration_limit",
    LegacyTC.error: "error",
}


@dataclass
class Outcome:
    """Result of one solver call.

    Attributes
    ----------
    status : str
        ``optimal``, ``infeasible``, ``unbounded``, ``time_limit``, ``error``, ... .
    has_solution : bool
        A feasible point was loaded into the model's variables.
    log : str
        Solver log when captured.
    """

    status: str
    has_solution: bool
    log: str = ""

    @property
    def optimal(self) -> bool:
        return self.status == "optimal"


class _ContribRunner:
    """Persistent solver from ``pyomo.contrib.solver`` (HiGHS by default)."""

    def __init__(
        self, name: str, options: dict[str, Any] | None, opt: Any = None, manual: bool = True
    ):
        self.name = name
        self.opt = ContribFactory(name) if opt is None else opt
        if self.opt is None or not self.opt.available():
            raise SolverError(f"solver {name!r} is not available", status="unavailable")
        self.options = dict(HIGHS_OPTIONS) if name == "highs" else {}
        self.options.update(options or {})
        self.manual = manual and self.persistent
        cfg = self.opt.config
        cfg.load_solutions = False
        cfg.raise_exception_on_nonoptimal_result = False
        for key, val in self.options.items():
            cfg.solver_options[key] = val
        if self.manual:
            # the engine changes mutable parameters (re-read on each solve) and reports
            # changed variable bounds (update_variables) and objectives (set_objective)
            au = cfg.auto_updates
            au.check_for_new_or_removed_constraints = False
            au.check_for_new_or_removed_vars = False
            au.check_for_new_or_removed_params = False
            au.check_for_new_objective = False
            au.update_constraints = False
            au.update_vars = False
            au.update_named_expressions = False
            au.update_objective = False
            au.update_parameters = True
        self._last = None
        self._direct: dict[str, Any] | None = None

    @property
    def persistent(self) -> bool:
        return hasattr(self.opt, "set_instance")

    def set_instance(self, model: pyo.ConcreteModel) -> None:
        if self.persistent:
            if not (self.name == "highs" and _highs_set_instance_uncaptured(self.opt, model)):
                self.opt.set_instance(model)
            self._direct = None
            if self.manual and self.name == "highs" and not hasattr(model, "extra"):
                self._direct = _highs_direct_maps(self.opt, model)
            # with the direct hand-off the engine pushes every change of a mutable parameter
            # itself (``refresh_rows``, ``set_costs``); an analyst's rules (``extra``) may hold
            # parameters of their own, so Pyomo keeps re-reading them there
            self.opt.config.auto_updates.update_parameters = self._direct is None

    @property
    def direct(self) -> bool:
        """Data changes go to HiGHS as arrays (``refresh_rows``, ``set_costs``).

        True for the persistent HiGHS model in manual mode without an analyst's rules; the
        engine then reports every change of a mutable parameter. Otherwise Pyomo re-reads the
        parameters before each solve and these two methods do nothing.
        """
        return self._direct is not None

    def refresh_rows(self, cons: list) -> None:
        """Pass the current (mutable) bounds of these constraints to HiGHS in one call."""
        if self._direct is None:
            return
        d = self._direct
        rows = np.fromiter((d["row"][c] for c in cons), dtype=np.int32, count=len(cons))
        lo = np.array([_bound(c.lower, -np.inf) for c in cons]) - d["row_offset"][rows]
        hi = np.array([_bound(c.upper, np.inf) for c in cons]) - d["row_offset"][rows]
        d["highs"].changeRowsBounds(len(cons), rows, lo, hi)

    def columns(self, variables: list) -> np.ndarray | None:
        """HiGHS column indices of these variables (None without the direct hand-off)."""
        if self._direct is None:
            return None
        col = self._direct["col"]
        return np.fromiter((col[id(v)] for v in variables), dtype=np.int32, count=len(variables))

    def set_costs(self, cols: np.ndarray, costs: np.ndarray) -> None:
        """Objective coefficients of columns ``cols`` (from :meth:`columns`), in one call."""
        if self._direct is None:
            return
        c = np.ascontiguousarray(costs, dtype=float)
        self._direct["highs"].changeColsCost(len(cols), cols, c)

    def row_value(self, con: Any) -> float:
        """Value of a constraint's body at the loaded solution (model units)."""
        return float(pyo.value(con.body))

    def update_variables(self, variables: list) -> None:
        if self.manual:
            self.opt.update_variables(variables)

    def set_objective(self, obj: Any) -> None:
        if self.manual:
            self.opt.set_objective(obj)

    def solve(
        self, model: pyo.ConcreteModel, mip_exact: bool = False, load: bool = True
    ) -> Outcome:
        kwargs: dict[str, Any] = {}
        if mip_exact:
            kwargs["rel_gap"] = 0.0
            kwargs["abs_gap"] = 0.5
            if self.name == "highs":
                kwargs["solver_options"] = {"presolve": "on"}
        res = None
        if self.name == "highs":
            res = _highs_solve_uncaptured(self.opt, model, kwargs)
        if res is None:
            res = self.opt.solve(model, **kwargs)
        self._last = res
        status = _CONTRIB_STATUS.get(res.termination_condition, "unknown")
        has = res.solution_status in (SolutionStatus.optimal, SolutionStatus.feasible)
        if has:
            res.solution_loader.load_vars()
        return Outcome(status=status, has_solution=has, log=res.solver_log or "")

    def duals(self, cons: list) -> list[float] | None:
        try:
            d = self._last.solution_loader.get_duals(cons)
        except Exception:  # no duals for a MIP or after a failed solve
            return None
        return [float(d[c]) for c in cons]


_BANNER_SHOWN = False


def _highs_set_instance_uncaptured(opt: Any, model: pyo.ConcreteModel) -> bool:
    """``Highs.set_instance`` of pyomo.contrib.solver (6.10) without its output capture.

    The capture only hides HiGHS's banner, which highspy prints once per process (on the first
    ``Highs()``); that one is created under capture here, every later one is silent, and
    ``output_flag`` is switched off before the model is passed. Returns False (caller falls
    back to ``opt.set_instance``) when Pyomo's internals differ.
    """
    global _BANNER_SHOWN
    needed = ("_reinit", "_model", "_solver_model", "add_block", "_objective", "available")
    if not all(hasattr(opt, a) for a in needed) or not opt.available():
        return False
    import highspy
    from pyomo.common.tee import capture_output

    if not _BANNER_SHOWN:
        with capture_output(capture_fd=True):
            highspy.Highs()
        _BANNER_SHOWN = True
    if getattr(opt, "_last_results_object", None) is not None:
        opt._last_results_object.solution_loader.invalidate()
    opt._reinit()
    opt._model = model
    opt._solver_model = highspy.Highs()
    opt._solver_model.setOptionValue("output_flag", False)
    opt.add_block(model)
    if opt._objective is None:
        opt.set_objective(None)
    return True


def fill_variables(variables: list, lo: np.ndarray, hi: np.ndarray, start: np.ndarray) -> None:
    """Bounds (``inf`` -> none) and starting values of new continuous variables, from arrays.

    Writes the stored fields (Pyomo 6.10 internals ``_lb``, ``_ub``, ``_value``) directly: the
    public ``setlb``/``setub``/``set_value`` validate each number and took a third of the
    build of a 10,000-commune model. Only for variables just created on a real domain.
    """
    lo_l = np.asarray(lo, dtype=float).tolist()
    hi_a = np.asarray(hi, dtype=float)
    hi_l = [None if not np.isfinite(h) else h for h in hi_a.tolist()]
    x0 = np.asarray(start, dtype=float).tolist()
    if variables and not all(hasattr(variables[0], a) for a in ("_lb", "_ub", "_value")):
        for var, a, b, v0 in zip(variables, lo_l, hi_l, x0, strict=True):  # pragma: no cover
            var.setlb(a)
            var.setub(b)
            var.set_value(v0, skip_validation=True)
        return
    for var, a, b, v0 in zip(variables, lo_l, hi_l, x0, strict=True):
        var._lb = a
        var._ub = b
        var._value = v0


def _bound(expr: Any, missing: float) -> float:
    return missing if expr is None else float(pyo.value(expr))


def _highs_direct_maps(opt: Any, model: pyo.ConcreteModel) -> dict[str, Any] | None:
    """Pyomo-to-HiGHS column and row maps of a persistent ``Highs`` (pyomo.contrib.solver 6.10).

    ``row_offset`` is what Pyomo subtracted from each row's bounds when it passed the model
    (the constant of the row's body): a refreshed bound is ``value(bound) − offset``. Returns
    None (the caller keeps Pyomo's own parameter updates) when the internals differ.
    """
    needed = ("_solver_model", "_pyomo_var_to_solver_var_map", "_pyomo_con_to_solver_con_map")
    if not all(hasattr(opt, a) for a in needed):
        return None
    h = opt._solver_model
    rows = opt._pyomo_con_to_solver_con_map
    lp = h.getLp()
    row_lo = np.asarray(lp.row_lower_, dtype=float)
    row_hi = np.asarray(lp.row_upper_, dtype=float)
    offset = np.zeros(len(row_lo))
    for con, r in rows.items():
        if con.upper is not None and np.isfinite(row_hi[r]):
            offset[r] = float(pyo.value(con.upper)) - row_hi[r]
        elif con.lower is not None and np.isfinite(row_lo[r]):
            offset[r] = float(pyo.value(con.lower)) - row_lo[r]
    return {
        "highs": h,
        "col": opt._pyomo_var_to_solver_var_map,
        "row": rows,
        "row_offset": offset,
    }


def _highs_solve_uncaptured(opt: Any, model: pyo.ConcreteModel, kwargs: dict[str, Any]):
    """``Highs.solve`` of pyomo.contrib.solver (6.10) without its output capture.

    Pyomo runs every HiGHS call inside ``capture_output(..., capture_fd=True)``, which starts
    and joins reader threads: ~10 ms per call, more than HiGHS needs for a 132-commune QP.
    HiGHS is told not to print instead (``output_flag=False``) and the rest of Pyomo's
    ``solve`` is repeated as is. Returns None (caller falls back to ``opt.solve``) when the
    installed Pyomo does not have the internals this relies on.
    """
    needed = ("_active_config", "_model", "_solver_model", "_postsolve", "_last_results_object")
    if not all(hasattr(opt, a) for a in needed) or opt._model is None:
        return None
    from pyomo.common.timing import HierarchicalTimer
    from pyomo.core.staleflag import StaleFlagManager

    config = opt.config(value=kwargs, preserve_implicit=True)
    opt._active_config = config
    StaleFlagManager.mark_all_as_stale()
    if opt._last_results_object is not None:
        opt._last_results_object.solution_loader.invalidate()
    config.timer = HierarchicalTimer()
    try:
        if model is not opt._model:
            opt.set_instance(model)
        else:
            opt.update(timer=config.timer)
        h = opt._solver_model
        h.setOptionValue("output_flag", False)
        if config.threads is not None:
            h.setOptionValue("threads", config.threads)
        if config.time_limit is not None:
            h.setOptionValue("time_limit", config.time_limit)
        if config.rel_gap is not None:
            h.setOptionValue("mip_rel_gap", config.rel_gap)
        if config.abs_gap is not None:
            h.setOptionValue("mip_abs_gap", config.abs_gap)
        for key, option in config.solver_options.items():
            h.setOptionValue(key, option)
        h.run()
        res = opt._postsolve(io.StringIO())
    finally:
        opt._active_config = opt.config
    opt._last_results_object = res
    return res


class _LegacyRunner:
    """Any solver of ``pyomo.environ.SolverFactory`` (GLPK, CBC, ...), not persistent."""

    def __init__(self, name: str, options: dict[str, Any] | None):
        self.name = name
        # Pyomo logs a warning with a traceback for an unknown name; the SolverError below
        # says it in one line
        log = logging.getLogger("pyomo.opt")
        level = log.level
        log.setLevel(logging.ERROR + 1)
        try:
            self.opt = pyo.SolverFactory(name)
        finally:
            log.setLevel(level)
        if self.opt is None or not self.opt.available(exception_flag=False):
            raise SolverError(f"solver {name!r} is not available", status="unavailable")
        self.options = dict(options or {})
        self._model = None

    persistent = False
    manual = False
    direct = False

    def set_instance(self, model: pyo.ConcreteModel) -> None:
        self._model = model

    def refresh_rows(self, cons: list) -> None:
        pass

    def columns(self, variables: list) -> None:
        return None

    def set_costs(self, cols: Any, costs: Any) -> None:
        pass

    def update_variables(self, variables: list) -> None:
        pass

    def row_value(self, con: Any) -> float:
        return float(pyo.value(con.body))

    def set_objective(self, obj: Any) -> None:
        pass

    def solve(
        self, model: pyo.ConcreteModel, mip_exact: bool = False, load: bool = True
    ) -> Outcome:
        has_int = any(not v.is_continuous() for v in model.component_data_objects(pyo.Var))
        if not has_int and not hasattr(model, "dual"):
            model.dual = pyo.Suffix(direction=pyo.Suffix.IMPORT)
        if has_int and hasattr(model, "dual"):
            model.del_component("dual")
        try:
            res = self.opt.solve(model, load_solutions=False, options=dict(self.options))
        except Exception as exc:  # a solver that cannot take the model, a crashed executable
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise SolverError(
                f"solver {self.name!r} could not solve the model: {first}", status="error"
            ) from exc
        tc = res.solver.termination_condition
        status = _LEGACY_STATUS.get(tc, str(tc))
        has = len(res.solution) > 0 and status in ("optimal", "time_limit", "iteration_limit")
        if has:
            model.solutions.load_from(res)
        self._model = model
        return Outcome(status=status, has_solution=has)

    def duals(self, cons: list) -> list[float] | None:
        m = self._model
        if m is None or not hasattr(m, "dual"):
            return None
        try:
            return [float(m.dual[c]) for c in cons]
        except KeyError:
            return None


# ---------------------------------------------------------------------------------------------
# The array hand-off: the Pyomo model read into arrays and passed to highspy in one call.


def _highs_status() -> dict[Any, str]:
    import highspy

    s = highspy.HighsModelStatus
    return {
        s.kOptimal: "optimal",
        s.kInfeasible: "infeasible",
        s.kUnboundedOrInfeasible: "infeasible_or_unbounded",
        s.kUnbounded: "unbounded",
        s.kTimeLimit: "time_limit",
        s.kIterationLimit: "iteration_limit",
        s.kObjectiveBound: "objective_limit",
        s.kObjectiveTarget: "objective_limit",
        s.kModelEmpty: "empty_model",
        s.kInterrupt: "interrupted",
    }


class _NotLinear(Exception):
    """A component the translator does not read (the caller uses Pyomo's interface)."""


def _linear_terms(expr: Any) -> tuple[float, list, list]:
    """Constant, coefficients and variables of a linear expression.

    A ``LinearExpression`` whose terms are all ``coefficient × variable`` (the form build.py
    writes) is read from its terms directly (Pyomo 6.10 internals: ``_args_``); any other
    expression through Pyomo's ``generate_standard_repn``. Raises `_NotLinear` for a
    non-linear expression.
    """
    from pyomo.core.expr.numeric_expr import LinearExpression, MonomialTermExpression

    if expr.__class__ is LinearExpression:
        args = expr.args
        pairs = [a._args_ for a in args if a.__class__ is MonomialTermExpression]
        if len(pairs) == len(args):
            coefs, variables = zip(*pairs, strict=True) if pairs else ((), ())
            return 0.0, list(coefs), list(variables)
    from pyomo.repn import generate_standard_repn

    repn = generate_standard_repn(expr, quadratic=False, compute_values=True)
    if not repn.is_linear():
        raise _NotLinear(str(expr)[:80])
    return float(repn.constant), list(repn.linear_coefs), list(repn.linear_vars)


def _members(component: Any) -> list:
    """The data objects of a component, in order (its stored dict, Pyomo 6.10 internals
    ``_data``, read without the per-index lookup of ``values()``)."""
    data = getattr(component, "_data", None) if component.is_indexed() else None
    if isinstance(data, dict) and len(data) == len(component):
        return list(data.values())
    return list(component.values())


def _variables(model: pyo.ConcreteModel) -> tuple[list, np.ndarray, np.ndarray]:
    """Every variable of the model (blocks included), with its lower and upper bounds.

    Reads the bounds as stored (Pyomo 6.10 internals ``_lb``, ``_ub``, ``_domain``,
    ``_fixed``) when they are plain numbers on a continuous domain, else through the public
    ``lb``/``ub``; a fixed variable is bounded at its value. Raises `_NotLinear` for an
    integer variable.
    """
    variables = [
        v for c in model.component_objects(pyo.Var, descend_into=True) for v in _members(c)
    ]
    raw = [(v._lb, v._ub, v._domain, v._fixed) for v in variables]
    doms = [r[2] for r in raw]
    domains = dict(zip(map(id, doms), doms, strict=True))
    plain = {id(pyo.Reals)}
    for key, d in domains.items():
        lo, hi, step = d.get_interval()
        if step != 0:
            raise _NotLinear("integer variables")
        if lo is None and hi is None:
            plain.add(key)
    lb, ub = [], []
    for v, (a, b, d, fixed) in zip(variables, raw, strict=True):
        if fixed:
            a = b = v.value
        elif (
            id(d) not in plain
            or not (a is None or a.__class__ is float)
            or not (b is None or b.__class__ is float)
        ):
            a, b = v.lb, v.ub
        lb.append(-np.inf if a is None else a)
        ub.append(np.inf if b is None else b)
    return variables, np.array(lb, dtype=float), np.array(ub, dtype=float)


def _floats(values: list) -> np.ndarray:
    try:
        return np.array(values, dtype=float)
    except TypeError:  # mutable parameters or expressions among the coefficients
        return np.array([pyo.value(c) for c in values], dtype=float)


def translate(model: pyo.ConcreteModel) -> dict[str, Any]:
    """Read a linear (or quadratic-objective) Pyomo model into highspy arrays.

    Returns the arrays (column bounds and costs, row bounds and the row-wise matrix, the
    objective's constant and Hessian) and the maps the runner needs (``vars`` in column
    order, ``col``: id(var) → column, ``row``: constraint → row, ``row_offset``: the constant
    of each row's body, ``obj``). Raises `_NotLinear` for what it does not read: integer variables, a
    non-linear constraint, a maximised or non-quadratic objective, more than one objective.
    """
    import highspy

    inf = highspy.kHighsInf
    variables, lb, ub = _variables(model)
    col = dict(zip(map(id, variables), range(len(variables)), strict=True))
    lb[np.isneginf(lb)] = -inf
    ub[np.isposinf(ub)] = inf

    rows: dict[Any, int] = {}
    seen: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    r_lo, r_hi, offset, starts, index, value = [], [], [], [0], [], []
    for con in model.component_data_objects(pyo.Constraint, active=True, descend_into=True):
        const, coefs, cvars = _linear_terms(con.body)
        rows[con] = len(r_lo)
        offset.append(const)
        r_lo.append(-inf if con.lower is None else pyo.value(con.lower) - const)
        r_hi.append(inf if con.upper is None else pyo.value(con.upper) - const)
        key = id(con.body)
        if key not in seen:  # a row sharing its body with another row or the objective
            seen[key] = (_columns(col, cvars), _floats(coefs))
        index.append(seen[key][0])
        value.append(seen[key][1])
        starts.append(starts[-1] + len(cvars))

    objs = list(model.component_data_objects(pyo.Objective, active=True, descend_into=True))
    if len(objs) != 1 or objs[0].sense != pyo.minimize:
        raise _NotLinear("one minimised objective")
    cost, obj_offset, hessian = _objective_arrays(objs[0].expr, col, len(variables), seen)

    return {
        "n": len(variables),
        "lb": lb,
        "ub": ub,
        "cost": cost,
        "offset": obj_offset,
        "row_lower": np.array(r_lo, dtype=float),
        "row_upper": np.array(r_hi, dtype=float),
        "start": np.array(starts[:-1], dtype=np.int32),
        "index": np.concatenate(index) if index else np.zeros(0, np.int32),
        "value": np.concatenate(value) if value else np.zeros(0),
        "hessian": hessian,
        "vars": variables,
        "col": col,
        "row": rows,
        "row_offset": np.array(offset, dtype=float),
        "obj": objs[0],
        "quadratic": hessian is not None,
    }


def _pass_model(h: Any, d: dict[str, Any]) -> None:
    """Hand the arrays of :func:`translate` to a ``highspy.Highs``."""
    n = d["n"]
    h.addVars(n, d["lb"], d["ub"])
    h.changeColsCost(n, np.arange(n, dtype=np.int32), d["cost"])
    h.changeObjectiveOffset(d["offset"])
    nrow = len(d["row_lower"])
    if nrow:
        h.addRows(
            nrow,
            d["row_lower"],
            d["row_upper"],
            len(d["index"]),
            d["start"],
            d["index"],
            d["value"],
        )
    hs = d["hessian"]
    if hs is not None:
        h.passHessian(hs[0], len(hs[2]), hs[3], hs[1], hs[2], hs[4])


def _columns(col: dict[int, int], variables: list) -> np.ndarray:
    """Column indices of ``variables``."""
    return np.fromiter(map(col.__getitem__, map(id, variables)), np.int32, len(variables))


def _objective_arrays(expr: Any, col: dict[int, int], n: int, seen: dict[int, tuple] | None = None):
    """Costs, constant and HiGHS Hessian (lower triangle, ½ xᵀQx) of an objective."""
    import highspy

    cost = np.zeros(n)
    if seen is not None and id(expr) in seen:  # the body of a row already read
        idx, val = seen[id(expr)]
        np.add.at(cost, idx, val)
        return cost, 0.0, None
    try:
        const, coefs, cvars = _linear_terms(expr)
        np.add.at(cost, _columns(col, cvars), _floats(coefs))
        return cost, float(const), None
    except _NotLinear:
        pass
    from pyomo.repn import generate_standard_repn

    repn = generate_standard_repn(expr, quadratic=True, compute_values=True)
    if repn.nonlinear_expr is not None:
        raise _NotLinear("non-quadratic objective")
    np.add.at(cost, _columns(col, list(repn.linear_vars)), _floats(list(repn.linear_coefs)))
    a = np.array([col[id(v)] for v, _ in repn.quadratic_vars], dtype=np.int64)
    b = np.array([col[id(w)] for _, w in repn.quadratic_vars], dtype=np.int64)
    q = _floats(list(repn.quadratic_coefs))
    hi, lo = np.maximum(a, b), np.minimum(a, b)
    q = np.where(a == b, 2.0 * q, q)  # c x_i² → Q_ii = 2c; c x_i x_j → Q_ij = Q_ji = c
    key = lo * n + hi  # column-wise lower triangle: column lo, row hi
    uniq, inv = np.unique(key, return_inverse=True)
    vals = np.zeros(len(uniq))
    np.add.at(vals, inv, q)
    cols, rws = uniq // n, uniq % n
    start = np.searchsorted(cols, np.arange(n)).astype(np.int32)
    fmt = highspy.HessianFormat.kTriangular
    return cost, float(repn.constant), (n, start, rws.astype(np.int32), fmt, vals)


class ArrayHighsRunner:
    """HiGHS through highspy, handed the Pyomo model as arrays by :func:`translate`.

    Persistent: changes go to HiGHS as arrays (``refresh_rows``, ``set_costs``,
    ``update_variables``, ``set_objective``), and HiGHS restarts from its last basis.
    """

    persistent = True
    manual = True
    direct = True
    name = "highs"

    def __init__(self, options: dict[str, Any] | None, maps: dict[str, Any]):
        import highspy

        global _BANNER_SHOWN
        if not _BANNER_SHOWN:  # highspy prints its banner on the first Highs() of a process
            from pyomo.common.tee import capture_output

            with capture_output(capture_fd=True):
                highspy.Highs()
            _BANNER_SHOWN = True
        self.options = {**HIGHS_OPTIONS, **(options or {})}
        self.h = highspy.Highs()
        self.h.setOptionValue("output_flag", False)
        for key, val in self.options.items():
            self.h.setOptionValue(key, val)
        self.d = maps
        _pass_model(self.h, maps)
        self._status = _highs_status()
        self._duals: np.ndarray | None = None
        self._rows: np.ndarray | None = None
        self._cols: np.ndarray | None = None

    def set_instance(self, model: pyo.ConcreteModel) -> None:  # the model was passed already
        pass

    def refresh_rows(self, cons: list) -> None:
        d = self.d
        rows = np.fromiter((d["row"][c] for c in cons), dtype=np.int32, count=len(cons))
        lo = np.array([_bound(c.lower, -np.inf) for c in cons]) - d["row_offset"][rows]
        hi = np.array([_bound(c.upper, np.inf) for c in cons]) - d["row_offset"][rows]
        self.h.changeRowsBounds(len(cons), rows, lo, hi)

    def columns(self, variables: list) -> np.ndarray:
        return _columns(self.d["col"], variables)

    def component_columns(self, components: list) -> np.ndarray:
        """Columns of every variable of these Var components, component after component."""
        return _columns(self.d["col"], [v for c in components for v in _members(c)])

    def set_costs(self, cols: np.ndarray, costs: np.ndarray) -> None:
        c = np.ascontiguousarray(costs, dtype=float)
        self.h.changeColsCost(len(cols), cols, c)

    def update_variables(self, variables: list) -> None:
        cols = self.columns(variables)
        lo = np.array([_bound(v.lb, -np.inf) for v in variables])
        hi = np.array([_bound(v.ub, np.inf) for v in variables])
        self.h.changeColsBounds(len(cols), cols, lo, hi)

    def set_objective(self, obj: Any) -> None:
        cost, offset, hessian = _objective_arrays(obj.expr, self.d["col"], len(self.d["vars"]))
        if hessian is not None or self.d["quadratic"]:
            raise SolverError("the array hand-off changes linear objectives only", "error")
        n = len(cost)
        self.h.changeColsCost(n, np.arange(n, dtype=np.int32), cost)
        self.h.changeObjectiveOffset(offset)
        self.d["obj"] = obj

    def solve(
        self, model: pyo.ConcreteModel, mip_exact: bool = False, load: bool = True
    ) -> Outcome:
        """Run HiGHS from its last basis; ``load``: copy the solution into the model's
        variables (otherwise kept for :meth:`snapshot`, :meth:`load` and the duals)."""
        h = self.h
        h.run()
        status = self._status.get(h.getModelStatus(), "error")
        info = h.getInfo()
        has = status == "optimal" or info.primal_solution_status == 2
        self._duals = self._rows = self._cols = None
        if has:
            sol = h.getSolution()
            self._cols = np.asarray(sol.col_value, dtype=float)
            if load:
                self.load(self._cols)
            self._rows = np.asarray(sol.row_value, dtype=float)
            if status == "optimal" and sol.dual_valid:
                self._duals = np.asarray(sol.row_dual, dtype=float)
        return Outcome(status=status, has_solution=has)

    def snapshot(self) -> np.ndarray | None:
        """The last solution, in column order."""
        return self._cols

    def load(self, values: np.ndarray) -> None:
        """Set the model's variables to ``values`` (column order)."""
        self._cols = values
        # the stored value (Pyomo 6.10 internals ``_value``): ``set_value`` with
        # ``skip_validation`` does the same plus the stale flag, at three times the cost
        for v, val in zip(self.d["vars"], values.tolist(), strict=True):
            v._value = val

    def row_value(self, con: Any) -> float:
        """Value of a constraint's body at the last solution (model units)."""
        if self._rows is None:
            return float(pyo.value(con.body))
        r = self.d["row"][con]
        return float(self._rows[r] + self.d["row_offset"][r])

    def duals(self, cons: list) -> list[float] | None:
        if self._duals is None:
            return None
        return [float(self._duals[self.d["row"][c]]) for c in cons]


def make_runner(
    name: str,
    options: dict[str, Any] | None = None,
    *,
    manual: bool = True,
    model: pyo.ConcreteModel | None = None,
    arrays: bool = True,
):
    """A solver adapter for a Pyomo solver name, given the model when ``model`` is passed.

    Parameters
    ----------
    name : str
        ``"highs"`` (persistent, the default) or any Pyomo solver name (``"glpk"``, ...).
    options : dict, optional
        Solver options passed through.
    manual : bool
        Persistent solvers only: the solver re-reads mutable parameters before each solve but
        does not scan the model for other changes; the caller reports changed variable bounds
        (``update_variables``) and a newly active objective (``set_objective``). The staffing
        stage (which fixes variables and switches objectives) uses a non-manual solver.
    model : ConcreteModel, optional
        The model to hand to the solver (``set_instance``).
    arrays : bool
        With ``"highs"``, ``manual`` and a model: read the model into arrays (:func:`translate`)
        and pass them to highspy in one call. A model the translator does not read (integer
        variables, non-linear rows, ...) goes through ``pyomo.contrib.solver``'s interface
        instead, as does every model with ``arrays=False``.

    Raises
    ------
    SolverError
        When the solver is not installed.
    """
    if name == "highs" and manual and arrays and model is not None:
        try:
            maps = translate(model)
        except (_NotLinear, AttributeError):  # AttributeError: other Pyomo internals
            maps = None
        if maps is not None:
            return ArrayHighsRunner(options, maps)
    opt = ContribFactory(name)
    runner = (
        _ContribRunner(name, options, opt, manual=manual)
        if opt is not None
        else _LegacyRunner(name, options)
    )
    if model is not None:
        runner.set_instance(model)
    return runner
