"""Output-based allocation: the array-level optimisation core (docs/allocation.md)."""

from .._callable import make_callable
from .core import objective_value, solve_allocation, solve_many
from .diagnose import Conflict, diagnose, find_conflicts
from .kkt import kkt_quadratic, solve_kkt
from .persistent import AllocationModel
from .problem import OBJECTIVES, AllocationProblem, CoreResult

__all__ = [
    "OBJECTIVES",
    "AllocationModel",
    "AllocationProblem",
    "Conflict",
    "CoreResult",
    "diagnose",
    "find_conflicts",
    "kkt_quadratic",
    "objective_value",
    "solve_allocation",
    "solve_kkt",
    "solve_many",
]

make_callable(__name__, "khoan.allocate.api:allocate")  # khoan.allocate(model, year, envelope)
