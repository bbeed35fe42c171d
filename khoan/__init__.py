"""khoan — commune administrative budgets of Vietnam under the lump-sum regime."""

from importlib.metadata import PackageNotFoundError, version

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

__all__ = [
    "InfeasibleError",
    "KhoanError",
    "ParameterError",
    "ScenarioError",
    "SolverError",
    "ValidationError",
    "__version__",
]
