"""An allocation model built once and re-solved with new data (envelope and target sweeps).

`AllocationModel` keeps one Pyomo model whose envelope E is a mutable ``Param`` and one
persistent solver (HiGHS through ``pyomo.contrib.solver``): ``update(envelope=...)`` and the
bounds (floor, corridor) change the data in place and ``solve`` hands only the changes to the
solver, which restarts from its previous basis. With HiGHS the changes go to the solver as
arrays (row bounds, column costs and bounds) rather than through Pyomo's parameter scan. New targets change every objective
coefficient, so ``update(target=...)`` rebuilds the model (still one call). Timings against
rebuilding: benchmarks/README.md, "Allocation".

The separable quadratic problem (no groups, no staffing block, no extra rules) is solved by
the exact KKT formula (:func:`khoan.allocate.solve_kkt`) instead: HiGHS's QP solver does not
warm-start, and the formula gives the same allocations to the đồng (tests/allocate/
test_alloc_dispatch.py) many times faster. ``exact=False`` keeps HiGHS; ``CoreResult.solver``
and ``path`` say which ran. The Pyomo model (``.model``) is then built only when asked for.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .build import deviation_bounds
from .core import Engine, ExtraConstraints, check_options
from .diagnose import diagnose
from .kkt import solve_kkt
from .problem import AllocationProblem, CoreResult

__all__ = ["AllocationModel"]


class AllocationModel:
    """Allocation model with mutable data and a persistent solver.

    Parameters
    ----------
    problem : AllocationProblem
        Initial data (VND).
    objective : {"quadratic", "absolute", "minimax"}
    solver : str
        ``"highs"`` (persistent; default) or any Pyomo solver name (then every solve writes
        the model again, which still saves the Pyomo build).
    extra_constraints : callable(model, problem), optional
        As for :func:`khoan.allocate.solve_allocation`; it sees the initial problem only.
    solver_options : dict, optional
    exact : bool
        Solve a separable quadratic problem (no groups, staffing or extra rules) with the
        exact KKT formula when ``solver`` is ``"highs"`` (default True); the allocations equal
        HiGHS's to the đồng. False: always the Pyomo model and the solver.

    Examples
    --------
    >>> am = AllocationModel(problem)                       # doctest: +SKIP
    >>> for e in envelopes:                                 # doctest: +SKIP
    ...     am.update(envelope=e)
    ...     results.append(am.solve())
    """

    def __init__(
        self,
        problem: AllocationProblem,
        objective: str = "quadratic",
        *,
        solver: str = "highs",
        extra_constraints: ExtraConstraints | None = None,
        solver_options: dict[str, Any] | None = None,
        exact: bool = True,
    ):
        if solver == "kkt":
            raise ValueError("AllocationModel needs a Pyomo solver, not 'kkt'")
        check_options(objective, solver, problem, extra_constraints)
        diagnose(problem)
        self._kw = {
            "mutable": True,
            "extra_constraints": extra_constraints,
            "solver_options": solver_options,
        }
        self.objective = objective
        self.solver = solver
        #: True when solves use the exact KKT formula (see the module docstring)
        self.exact = (
            exact
            and solver == "highs"
            and objective == "quadratic"
            and not problem.has_groups
            and not problem.has_staffing
            and extra_constraints is None
        )
        self._problem = problem
        self._engine: Engine | None = None
        if not self.exact:
            self._engine = Engine(problem, objective, solver, **self._kw)

    @property
    def engine(self) -> Engine:
        """The Pyomo model with its solver (built on first use for an exact model)."""
        if self._engine is None:
            self._engine = Engine(self._problem, self.objective, self.solver, **self._kw)
        return self._engine

    @property
    def problem(self) -> AllocationProblem:
        """The current data."""
        return self._problem

    @property
    def model(self):
        """The Pyomo model (money in millions of VND)."""
        return self.engine.model

    def update(
        self,
        *,
        envelope: int | None = None,
        target: np.ndarray | None = None,
        floor: np.ndarray | None = None,
        lower: np.ndarray | None = None,
        upper: np.ndarray | None = None,
    ) -> AllocationModel:
        """Change data in place; the next :meth:`solve` uses it.

        Parameters
        ----------
        envelope : int, optional
            New envelope (VND).
        target : array of float, optional
            New targets (VND), in the problem's commune order; the model is rebuilt.
        floor, lower, upper : array of float, optional
            New floors and corridor (VND); they become variable bounds (and, with staffing,
            the floor of the ``staffing`` constraints is not changed: rebuild for that).

        Returns
        -------
        AllocationModel
            ``self``, for chaining.
        """
        changes: dict[str, Any] = {}
        if envelope is not None:
            changes["envelope"] = envelope
        if target is not None:
            changes["target"] = target
        if floor is not None:
            if self.problem.has_staffing:
                raise ValueError("rebuild the model to change floors with a staffing block")
            changes["floor"] = floor
        if lower is not None:
            changes["lower"] = lower
        if upper is not None:
            changes["upper"] = upper
        if not changes:
            return self
        new = self.problem.replace(**changes)
        self._problem = new
        if self._engine is None:  # exact model: the data is all there is
            return self
        m = self.engine.model
        s = m.money_scale
        ids = new.ids.tolist()
        if target is not None:
            # targets are coefficients of the objective: rebuild (see build_model, mutable)
            self._engine = Engine(new, self.objective, self.solver, **self._kw)
            return self
        if envelope is not None:
            m.E.set_value(new.envelope / s)
            self.engine.runner.refresh_rows([m.envelope])
        bounds_changed = floor is not None or lower is not None or upper is not None
        if not hasattr(m, "u") and bounds_changed:
            lo = (new.lo / s).tolist()
            hi = [None if not np.isfinite(h) else h / s for h in new.hi.tolist()]
            for i, a, b in zip(ids, lo, hi, strict=True):
                m.x[i].setlb(a)
                m.x[i].setub(b)
            self.engine.runner.update_variables(list(m.x.values()))
        elif hasattr(m, "u") and bounds_changed:
            # x = t + u − v: the bounds of u and v follow the targets and the bounds of x
            u_lo, u_hi, v_lo, v_hi = deviation_bounds(new.target, new.lo, new.hi, s)
            for k, i in enumerate(ids):
                m.u[i].setlb(float(u_lo[k]))
                m.u[i].setub(float(u_hi[k]) if np.isfinite(u_hi[k]) else None)
                m.v[i].setlb(float(v_lo[k]))
                m.v[i].setub(float(v_hi[k]))
            self.engine.runner.update_variables(list(m.u.values()) + list(m.v.values()))
        self.engine.problem = new
        return self

    def solve(self, *, allow_nonoptimal: bool = False) -> CoreResult:
        """Solve with the current data (see :func:`khoan.allocate.solve_allocation`).

        ``timings["build"]`` and ``timings["translate"]`` are those of the first build.
        """
        if self.exact:
            return solve_kkt(self._problem)
        return self.engine.solve(allow_nonoptimal=allow_nonoptimal)
