"""The array hand-off: the Pyomo model read into arrays and passed to highspy in one call.

:func:`translate` reads the Pyomo model — rows written as ``LinearExpression`` by build.py,
anything else through ``generate_standard_repn`` — into column/row arrays;
:class:`ArrayHighsRunner` hands them to ``highspy`` in one call and keeps HiGHS persistent
(changes go as arrays, HiGHS restarts from its last basis). A model the translator does not
read (integer variables, non-linear rows, a maximised objective) raises :class:`NotLinear` and
:func:`khoan.allocate._solvers.make_runner` uses Pyomo's interface instead.

With :mod:`khoan.allocate._solvers`, this is the only place in khoan that uses Pyomo's
internals (the stored fields of expressions and variables), tested on the Pyomo and highspy
versions pinned in pyproject.toml.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyomo.environ as pyo

from khoan.errors import SolverError

from ._runner import HIGHS_OPTIONS, Outcome, bound, highs_banner_once

__all__ = ["ArrayHighsRunner", "NotLinear", "translate"]


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


class NotLinear(Exception):
    """A component the translator does not read (the caller uses Pyomo's interface)."""


def _linear_terms(expr: Any) -> tuple[float, list, list]:
    """Constant, coefficients and variables of a linear expression.

    A ``LinearExpression`` whose terms are all ``coefficient × variable`` (the form build.py
    writes) is read from its terms directly (Pyomo 6.10 internals: ``_args_``); any other
    expression through Pyomo's ``generate_standard_repn``. Raises `NotLinear` for a
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
        raise NotLinear(str(expr)[:80])
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
    ``lb``/``ub``; a fixed variable is bounded at its value. Raises `NotLinear` for an
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
            raise NotLinear("integer variables")
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
    of each row's body, ``obj``). Raises `NotLinear` for what it does not read: integer variables, a
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
        raise NotLinear("one minimised objective")
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
    except NotLinear:
        pass
    from pyomo.repn import generate_standard_repn

    repn = generate_standard_repn(expr, quadratic=True, compute_values=True)
    if repn.nonlinear_expr is not None:
        raise NotLinear("non-quadratic objective")
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

        highs_banner_once()
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
        lo = np.array([bound(c.lower, -np.inf) for c in cons]) - d["row_offset"][rows]
        hi = np.array([bound(c.upper, np.inf) for c in cons]) - d["row_offset"][rows]
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
        lo = np.array([bound(v.lb, -np.inf) for v in variables])
        hi = np.array([bound(v.ub, np.inf) for v in variables])
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
