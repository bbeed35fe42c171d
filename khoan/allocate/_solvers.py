"""Thin adapters over Pyomo's two solver interfaces.

* ``pyomo.contrib.solver`` (the new interface; HiGHS through ``highspy``, persistent, handles
  quadratic objectives) for names it knows: ``highs``, ``gurobi_direct``, ``ipopt``, ...
* the legacy ``pyomo.environ.SolverFactory`` for every other name (``glpk``, ``cbc``,
  ``appsi_highs``, ...), with duals read through an import ``Suffix``.

* the array hand-off (``ArrayHighsRunner``, the default for ``highs``, in
  :mod:`khoan.allocate._arrays`; importable from here): :func:`translate` reads the Pyomo
  model into arrays passed to ``highspy`` in one call; a model it does not read (integer
  variables, non-linear rows, a maximised objective) goes through ``pyomo.contrib.solver``.

All give the same small surface: ``set_instance``, ``solve`` -> `Outcome`, ``duals``.

This module and :mod:`khoan.allocate._arrays` are the only places in khoan that use Pyomo's
internals (the HiGHS interface's ``_reinit``, ``_solver_model``, ``_postsolve``, ... and the
stored fields of expressions and variables). They were tested on Pyomo 6.10.1 with highspy 1.16.0, the versions pinned in
pyproject.toml; where an internal is missing, the code falls back to Pyomo's public path.
"""

from __future__ import annotations

import io
import logging
from typing import Any

import numpy as np
import pyomo.environ as pyo
from pyomo.contrib.solver.common.factory import SolverFactory as ContribFactory
from pyomo.contrib.solver.common.results import SolutionStatus, TerminationCondition
from pyomo.opt import TerminationCondition as LegacyTC

from khoan.errors import SolverError

from ._arrays import ArrayHighsRunner, NotLinear, translate
from ._runner import HIGHS_OPTIONS, Outcome, bound, highs_banner_once

__all__ = [
    "HIGHS_OPTIONS",
    "ArrayHighsRunner",
    "NotLinear",
    "Outcome",
    "fill_variables",
    "make_runner",
    "translate",
]


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
        lo = np.array([bound(c.lower, -np.inf) for c in cons]) - d["row_offset"][rows]
        hi = np.array([bound(c.upper, np.inf) for c in cons]) - d["row_offset"][rows]
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


def _highs_set_instance_uncaptured(opt: Any, model: pyo.ConcreteModel) -> bool:
    """``Highs.set_instance`` of pyomo.contrib.solver (6.10) without its output capture.

    The capture only hides HiGHS's banner, which highspy prints once per process (on the first
    ``Highs()``); that one is created under capture here, every later one is silent, and
    ``output_flag`` is switched off before the model is passed. Returns False (caller falls
    back to ``opt.set_instance``) when Pyomo's internals differ.
    """
    needed = ("_reinit", "_model", "_solver_model", "add_block", "_objective", "available")
    if not all(hasattr(opt, a) for a in needed) or not opt.available():
        return False
    import highspy

    highs_banner_once()
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
        except (NotLinear, AttributeError):  # AttributeError: other Pyomo internals
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
