"""Array-level data of one allocation problem and the result of solving it.

`AllocationProblem` holds numpy arrays prepared once (one entry per commune) and the few
dictionaries of group and staffing data; every solver in :mod:`khoan.allocate` reads it and
never touches pandas. `CoreResult` is what they return.

Units: money in VND (đồng) per year; posts in posts (biên chế).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from khoan.errors import Problem, ValidationError

__all__ = ["OBJECTIVES", "AllocationProblem", "CoreResult"]

#: Objective names accepted by the solvers.
OBJECTIVES = ("quadratic", "absolute", "minimax")

GroupKey = tuple[str, Hashable]


def _float_array(value: Any, n: int, default: float) -> np.ndarray:
    if value is None:
        return np.full(n, default, dtype=float)
    arr = np.asarray(value, dtype=float)
    if arr.ndim == 0:
        return np.full(n, float(arr), dtype=float)
    return arr.astype(float, copy=True)


@dataclass
class AllocationProblem:
    """One allocation problem as arrays, one entry per commune.

    Parameters
    ----------
    ids : array of str, shape (n,)
        Commune codes; unique.
    target : array of float, shape (n,)
        Rule-based target per commune (VND/year), strictly positive.
    floor : array of float, shape (n,)
        Mandatory floor (VND/year): salary fund of current staff, contributions, statutory
        allowance funds. With a staffing block this is the *non-salary* floor and the salary
        cost of the posts kept is added by the model (``floor + post_cost * posts``).
    envelope : int
        Amount to allocate (VND/year); the allocations sum to it exactly.
    lower, upper : array of float, shape (n,), optional
        Stability corridor against last year's allocation (VND/year). ``lower`` defaults to 0
        and ``upper`` to ``np.inf`` (no corridor).
    group_labels : dict str -> array, optional
        For each grouping (e.g. ``"district"``, ``"type"``), the group of every commune.
    group_floor, group_cap : dict (grouping, group) -> float, optional
        Minimum and maximum total allocation of a group (VND/year).
    posts_min, posts_max : array of int, shape (n,), optional
        Staffing block: the posts a commune must keep (workload requirement) and may keep
        (legal quota of its class), in posts.
    post_cost : float or array of float, optional
        Annual cost of one post (VND/year per post): salary, allowances and contributions.
    posts_total_max : int, optional
        Province-wide number of posts allowed after the reduction target (posts).

    Notes
    -----
    Arrays are copied and converted on construction; problems found are reported together as
    a :class:`khoan.errors.ValidationError`. Feasibility (floors against the envelope, ...)
    is checked separately by :func:`khoan.allocate.diagnose`.
    """

    ids: np.ndarray
    target: np.ndarray
    floor: np.ndarray
    envelope: int
    lower: np.ndarray | None = None
    upper: np.ndarray | None = None
    group_labels: dict[str, np.ndarray] = field(default_factory=dict)
    group_floor: dict[GroupKey, float] = field(default_factory=dict)
    group_cap: dict[GroupKey, float] = field(default_factory=dict)
    posts_min: np.ndarray | None = None
    posts_max: np.ndarray | None = None
    post_cost: float | np.ndarray | None = None
    posts_total_max: int | None = None

    def __post_init__(self) -> None:
        problems: list[Problem] = []

        def bad(column: str, value: Any, rule: str) -> None:
            problems.append(Problem("allocation problem", None, None, column, value, rule))

        self.ids = np.asarray(self.ids).astype(str)
        n = self.ids.shape[0]
        if self.ids.ndim != 1:
            bad("ids", None, "commune codes must be a one-dimensional array")
        elif len(set(self.ids.tolist())) != n:
            seen: set[str] = set()
            dups = sorted({c for c in self.ids.tolist() if c in seen or seen.add(c)})
            bad("ids", dups[:10], "commune codes must be unique")
        self.target = _float_array(self.target, n, np.nan)
        self.floor = _float_array(self.floor, n, 0.0)
        self.lower = _float_array(self.lower, n, 0.0)
        self.upper = _float_array(self.upper, n, np.inf)
        for name in ("target", "floor", "lower", "upper"):
            arr = getattr(self, name)
            if arr.shape != (n,):
                bad(name, arr.shape, f"must have one value per commune ({n})")
                continue
            if name != "upper" and not np.all(np.isfinite(arr)):
                bad(name, self._first(arr, ~np.isfinite(arr)), "must be finite")
            if name == "upper" and np.any(np.isnan(arr)):
                bad(name, self._first(arr, np.isnan(arr)), "must not be NaN (use inf)")
        if self.target.shape == (n,) and np.any(self.target <= 0):
            bad("target", self._first(self.target, self.target <= 0), "must be > 0 VND")
        for name in ("floor", "lower"):
            arr = getattr(self, name)
            if arr.shape == (n,) and np.any(arr < 0):
                bad(name, self._first(arr, arr < 0), "must be >= 0 VND")
        env = self.envelope
        if isinstance(env, float | np.floating) and float(env).is_integer():
            env = int(env)
        if not isinstance(env, int | np.integer) or isinstance(env, bool) or env < 0:
            bad("envelope", self.envelope, "must be a whole, non-negative number of VND")
        else:
            self.envelope = int(env)

        # groups
        labels: dict[str, np.ndarray] = {}
        for name, lab in dict(self.group_labels).items():
            arr = np.asarray(lab, dtype=object)
            if arr.shape != (n,):
                bad(f"group_labels[{name}]", arr.shape, f"needs one group per commune ({n})")
            labels[str(name)] = arr
        self.group_labels = labels
        for attr in ("group_floor", "group_cap"):
            clean: dict[GroupKey, float] = {}
            for key, value in dict(getattr(self, attr)).items():
                if not (isinstance(key, tuple) and len(key) == 2):
                    bad(attr, key, "keys must be (grouping, group) pairs")
                    continue
                name, grp = str(key[0]), key[1]
                if name not in labels:
                    bad(attr, key, f"unknown grouping {name!r}")
                    continue
                v = float(value)
                if not math.isfinite(v) or v < 0:
                    bad(attr, key, "must be a finite, non-negative amount of VND")
                    continue
                clean[(name, grp)] = v
            setattr(self, attr, clean)

        # staffing
        staffing = [
            self.posts_min is not None,
            self.posts_max is not None,
            self.post_cost is not None,
        ]
        if any(staffing) and not all(staffing):
            bad("posts", None, "posts_min, posts_max and post_cost go together")
        if all(staffing):
            for name in ("posts_min", "posts_max"):
                arr = np.asarray(getattr(self, name), dtype=float)
                if arr.ndim == 0:
                    arr = np.full(n, float(arr))
                if arr.shape != (n,):
                    bad(name, arr.shape, f"must have one value per commune ({n})")
                    arr = np.zeros(n)
                elif not np.all(np.isfinite(arr)) or np.any(arr < 0):
                    bad(name, None, "must be finite and >= 0 posts")
                elif np.any(arr != np.round(arr)):
                    bad(name, self._first(arr, arr != np.round(arr)), "must be whole posts")
                setattr(self, name, np.nan_to_num(arr).astype(np.int64))
            cost = _float_array(self.post_cost, n, np.nan)
            if cost.shape != (n,) or not np.all(np.isfinite(cost)) or np.any(cost <= 0):
                bad("post_cost", None, "must be a positive amount of VND per post per year")
            self.post_cost = cost
            if self.posts_total_max is not None:
                ptm = self.posts_total_max
                if float(ptm) != round(float(ptm)) or ptm < 0:
                    bad("posts_total_max", ptm, "must be a whole, non-negative number of posts")
                else:
                    self.posts_total_max = int(ptm)
        elif self.posts_total_max is not None:
            bad("posts_total_max", self.posts_total_max, "needs posts_min/posts_max/post_cost")
        if problems:
            raise ValidationError(problems, title="Allocation problem is not valid")

    @staticmethod
    def _first(arr: np.ndarray, mask: np.ndarray) -> Any:
        idx = np.flatnonzero(mask)
        return arr[idx[0]].item() if idx.size else None

    # ------------------------------------------------------------------ derived data
    @property
    def n(self) -> int:
        """Number of communes."""
        return int(self.ids.shape[0])

    @property
    def has_groups(self) -> bool:
        """True when a group floor or cap is set."""
        return bool(self.group_floor or self.group_cap)

    @property
    def has_staffing(self) -> bool:
        """True when the integer staffing block is present."""
        return self.posts_min is not None

    @property
    def floor_total(self) -> np.ndarray:
        """Floor including the salary cost of the minimum posts (VND/year)."""
        if self.has_staffing:
            return self.floor + self.post_cost * self.posts_min
        return self.floor

    @property
    def lo(self) -> np.ndarray:
        """Effective lower bound of each allocation: max(floor (+ minimum posts), lower) (VND)."""
        return np.maximum(self.floor_total, self.lower)

    @property
    def hi(self) -> np.ndarray:
        """Upper bound of each allocation: the corridor's upper bound (VND, may be inf)."""
        return self.upper

    @property
    def lo_int(self) -> np.ndarray:
        """Smallest whole-VND allocation allowed: ceil(lo) (int64)."""
        return np.ceil(self.lo - 1e-6).astype(np.int64)

    @property
    def hi_int(self) -> np.ndarray:
        """Largest whole-VND allocation allowed: floor(hi), capped at the envelope (int64)."""
        hi = np.minimum(self.hi, float(self.envelope))
        return np.floor(hi + 1e-6).astype(np.int64)

    @property
    def rank(self) -> np.ndarray:
        """Position of each commune in commune-code order (0 .. n-1); used by tie-breaks."""
        order = np.argsort(self.ids, kind="stable")
        rank = np.empty(self.n, dtype=np.int64)
        rank[order] = np.arange(self.n)
        return rank

    def groups(self) -> list[tuple[str, Hashable, np.ndarray]]:
        """Every (grouping, group, member indices) that has a floor or a cap, in sorted order."""
        keys = sorted(set(self.group_floor) | set(self.group_cap), key=lambda k: (k[0], str(k[1])))
        out = []
        for name, grp in keys:
            members = np.flatnonzero(self.group_labels[name] == grp)
            out.append((name, grp, members))
        return out

    def replace(self, **changes: Any) -> AllocationProblem:
        """A copy with some fields replaced (validated again)."""
        data = {
            f: getattr(self, f)
            for f in (
                "ids",
                "target",
                "floor",
                "envelope",
                "lower",
                "upper",
                "group_labels",
                "group_floor",
                "group_cap",
                "posts_min",
                "posts_max",
                "post_cost",
                "posts_total_max",
            )
        }
        data.update(changes)
        return AllocationProblem(**data)


@dataclass
class CoreResult:
    """Solution of one :class:`AllocationProblem`.

    Attributes
    ----------
    ids : array of str
        Commune codes, in the problem's order.
    allocation : array of int64
        Allocation per commune (VND/year), whole đồng, summing exactly to the envelope.
    allocation_exact : array of float
        The solver's continuous allocation before rounding (VND/year).
    objective : float
        Value of the chosen objective at the continuous optimum, recomputed in float64 from
        ``allocation_exact`` in the units of docs/allocation.md: VND for ``quadratic``
        (Σ (x − t)² / t), dimensionless for ``absolute`` (Σ |x − t| / t) and ``minimax``
        (max |x − t| / t).
    objective_name : str
        ``"quadratic"``, ``"absolute"`` or ``"minimax"``.
    status : str
        Termination of the allocation solve (``"optimal"`` when proven optimal).
    duals : dict
        ``"envelope"``: ∂objective/∂envelope (objective units per VND: VND per VND for the
        quadratic objective); ``("group_floor", grouping, group)`` and ``("group_cap",
        grouping, group)``: ∂objective/∂(group amount) for each binding group constraint.
        Signs: the envelope dual is negative when the envelope is short of the targets and
        positive when it exceeds them; a binding group floor has a dual ≥ 0, a binding
        group cap a dual ≤ 0. Empty when the solver gives no duals.
    binding : list of tuple of str
        Per commune, the constraints at their bound: ``"floor"``, ``"lower"``, ``"upper"``
        and ``"grouping=group:floor"`` / ``"grouping=group:cap"``.
    posts : array of int64 or None
        Posts kept per commune when the problem has a staffing block (posts).
    timings : dict str -> float
        Seconds spent: ``build``, ``solve`` (all solver calls), ``round``, ``total``.
    solver : str
        Solver used (``"highs"``, ``"glpk"``, ``"kkt"``, ...).
    stages : list of str
        The solves performed, in order (lexicographic tie-breaks, staffing stage).
    path : str
        How the problem reached the solver: ``"exact"`` (the KKT formula, no solver),
        ``"arrays"`` (the Pyomo model read into arrays and passed to highspy),
        ``"pyomo-persistent"`` (``pyomo.contrib.solver``) or ``"pyomo"`` (``SolverFactory``).
    """

    ids: np.ndarray
    allocation: np.ndarray
    allocation_exact: np.ndarray
    objective: float
    objective_name: str
    status: str
    duals: dict[Any, float]
    binding: list[tuple[str, ...]]
    posts: np.ndarray | None = None
    timings: dict[str, float] = field(default_factory=dict)
    solver: str = ""
    stages: list[str] = field(default_factory=list)
    path: str = ""

    @property
    def total(self) -> int:
        """Sum of the allocations (VND/year)."""
        return int(self.allocation.sum())

    def binding_labels(self, sep: str = ",") -> list[str]:
        """Binding constraints per commune joined into one string (``""`` when none)."""
        return [sep.join(b) for b in self.binding]

    def as_dict(self) -> Mapping[str, Any]:
        """Columns for a pandas DataFrame (one row per commune)."""
        out: dict[str, Any] = {
            "commune": self.ids,
            "allocation": self.allocation,
            "allocation_exact": self.allocation_exact,
            "binding": self.binding_labels(),
        }
        if self.posts is not None:
            out["posts"] = self.posts
        return out
