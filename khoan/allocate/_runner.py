"""What every solver adapter of the allocation shares: HiGHS options, the outcome of a solve.

Used by the Pyomo adapters (:mod:`khoan.allocate._solvers`) and the array hand-off
(:mod:`khoan.allocate._arrays`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyomo.environ as pyo

__all__ = ["HIGHS_OPTIONS", "Outcome", "bound", "highs_banner_once"]


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


def bound(expr: Any, missing: float) -> float:
    return missing if expr is None else float(pyo.value(expr))


_BANNER_SHOWN = False


def highs_banner_once() -> None:
    """Create the first ``highspy.Highs()`` of the process under capture.

    highspy prints its banner once per process, on the first ``Highs()``; every later one is
    silent (and each adapter switches ``output_flag`` off before passing a model).
    """
    global _BANNER_SHOWN
    if not _BANNER_SHOWN:
        import highspy
        from pyomo.common.tee import capture_output

        with capture_output(capture_fd=True):
            highspy.Highs()
        _BANNER_SHOWN = True
