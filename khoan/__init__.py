"""khoan — commune administrative budgets of Vietnam under the lump-sum regime.

Public API (``__all__``)::

    model = khoan.examples.load("khanh_hoa_2016")      # or khoan.load("path/to/model")
    khoan.payroll(model, 2016)                          # one row per person (VND/year)
    khoan.budget(model, 2016)                           # BudgetResult: lump sum per commune
    khoan.settle(model, 2016)                           # savings and income increase (TNTT)
    khoan.allocate(model, 2017, envelope)               # AllocationResult (Pyomo + HiGHS)
    khoan.simulate(model, khoan.Scenario(...))          # ScenarioResult: staff reduction
    khoan.run_batch(model, scenarios, out="runs/")      # BatchResult: many scenarios
    khoan.report_pdf(model, 2016, "bao-cao.pdf")        # printable report (PDF, A4)
    khoan.benefits.compute("nd178", "early_retirement", people, on)

Money is VND (đồng) as int64 in every returned table; totals equal the sum of their parts.
"""

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING

from .errors import (
    InfeasibleError,
    KhoanError,
    ParameterError,
    ScenarioError,
    SolverError,
    ValidationError,
)

try:
    __version__ = version("khoan")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+local"

#: Public names imported on first use: ``import khoan`` and the command line start without
#: pandas, Pyomo or pandera.
_LAZY = {
    # modules that are also their function: khoan.budget(model, year), import khoan.budget
    "allocate": ("khoan.allocate", None),
    "budget": ("khoan.budget", None),
    "payroll": ("khoan.payroll", None),
    "AllocationModel": ("khoan.allocate", "AllocationModel"),
    "AllocationResult": ("khoan.allocate.api", "AllocationResult"),
    "BatchResult": ("khoan.batch", "BatchResult"),
    "grid": ("khoan.batch", "grid"),
    "run_batch": ("khoan.batch", "run_batch"),
    "BudgetResult": ("khoan.budget", "BudgetResult"),
    "SettlementResult": ("khoan.settlement", "SettlementResult"),
    "settle": ("khoan.settlement", "settle"),
    "Model": ("khoan.model", "Model"),
    "load": ("khoan.model", "load"),
    "Override": ("khoan.params", "Override"),
    "Scenario": ("khoan.scenarios", "Scenario"),
    "ScenarioResult": ("khoan.scenarios", "ScenarioResult"),
    "Target": ("khoan.scenarios", "Target"),
    "load_scenarios": ("khoan.scenarios", "load_scenarios"),
    "simulate": ("khoan.scenarios", "simulate"),
    "report_pdf": ("khoan.report.pdf", "report_pdf"),
    "benefits": ("khoan.benefits", None),
    "examples": ("khoan.examples", None),
    "params": ("khoan.params", None),
}


def __getattr__(name: str):
    try:
        module, attr = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'khoan' has no attribute {name!r}") from None
    mod = import_module(module)
    value = mod if attr is None else getattr(mod, attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


#: ``khoan.allocate``, ``khoan.budget`` and ``khoan.payroll`` are modules that are also their
#: public function (:mod:`khoan._callable`): ``khoan.budget(model, 2016)`` calls
#: ``khoan.budget.budget``; ``import khoan.budget as m`` and ``from khoan.budget import X`` give
#: the module. See docs/architecture.md, "Modules and functions of the same name".

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs
    from . import benefits, examples, params
    from .allocate import AllocationModel
    from .allocate.api import AllocationResult, allocate
    from .batch import BatchResult, grid, run_batch
    from .budget import BudgetResult, budget
    from .model import Model, load
    from .params import Override
    from .payroll import payroll
    from .report.pdf import report_pdf
    from .scenarios import Scenario, ScenarioResult, Target, load_scenarios, simulate
    from .settlement import SettlementResult, settle

__all__ = [
    "AllocationModel",
    "AllocationResult",
    "BatchResult",
    "BudgetResult",
    "InfeasibleError",
    "KhoanError",
    "Model",
    "Override",
    "ParameterError",
    "Scenario",
    "ScenarioError",
    "ScenarioResult",
    "SettlementResult",
    "SolverError",
    "Target",
    "ValidationError",
    "__version__",
    "allocate",
    "benefits",
    "budget",
    "examples",
    "grid",
    "load",
    "load_scenarios",
    "params",
    "payroll",
    "report_pdf",
    "run_batch",
    "settle",
    "simulate",
]
