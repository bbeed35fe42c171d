"""Exceptions raised by khoan.

Every error an analyst can cause (bad input, an impossible scenario, a parameter that is not in
force) is a :class:`KhoanError`; its message says what is wrong and where, so that the command
line can print it without a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = [
    "InfeasibleError",
    "KhoanError",
    "OutputError",
    "ParameterError",
    "Problem",
    "ScenarioError",
    "SolverError",
    "ValidationError",
]


class KhoanError(Exception):
    """Base class of every error khoan raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One problem found while validating input.

    Attributes
    ----------
    file : str or None
        File name (or table name when the data did not come from a file).
    sheet : str or None
        Worksheet name for Excel input.
    row : int or None
        1-based spreadsheet row: the header is row 1, the first data row is row 2.
    column : str or None
        Column name.
    value : Any
        The offending value (``None`` when missing).
    rule : str
        What the value breaks, in words an analyst can act on.
    """

    file: str | None
    sheet: str | None
    row: int | None
    column: str | None
    value: Any
    rule: str

    def __post_init__(self) -> None:
        v = self.value
        if hasattr(v, "item") and not isinstance(v, str | bytes):
            try:
                object.__setattr__(self, "value", v.item())
            except (ValueError, AttributeError):
                pass

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(str(self.file))
        if self.sheet:
            where.append(f"sheet {self.sheet}")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column!r}")
        loc = ", ".join(where) if where else "input"
        val = "" if self.value is None else f" (value {self.value!r})"
        return f"{loc}: {self.rule}{val}"


class ValidationError(KhoanError):
    """Input tables break their schema or the law; ``problems`` lists every one."""

    def __init__(self, problems: list[Problem], title: str = "Input is not valid"):
        self.problems = list(problems)
        lines = [f"{title}: {len(self.problems)} problem(s)"]
        shown = self.problems[:200]
        lines += [f"  - {p}" for p in shown]
        if len(self.problems) > len(shown):
            lines.append(f"  ... and {len(self.problems) - len(shown)} more")
        super().__init__("\n".join(lines))


class ParameterError(KhoanError):
    """A parameter file or lookup is wrong; the message names the file and key."""


class InfeasibleError(KhoanError):
    """The constraints cannot all hold; the message states the shortfall in VND or posts.

    Attributes
    ----------
    shortfall : float or None
        Amount by which the constraints conflict (VND, or posts for staffing).
    communes : list of str
        Communes most responsible, largest contribution first.
    """

    def __init__(self, message: str, shortfall: float | None = None, communes=None):
        super().__init__(message)
        self.shortfall = shortfall
        self.communes = list(communes) if communes is not None else []


class SolverError(KhoanError):
    """The solver did not report an optimal solution."""

    def __init__(self, message: str, status: str | None = None):
        super().__init__(message)
        self.status = status


class ScenarioError(KhoanError):
    """A scenario is not well formed; the message names the scenario, field and reason."""


class OutputError(KhoanError):
    """A result cannot be written: the message names the path and the reason.

    Attributes
    ----------
    path : str
        The file or folder that was to be written.
    reason : str
        Why not: a read-only folder or file system, a parent that is a file, a destination that
        is a folder (or a file where a folder is needed), a full disk, ...
    """

    def __init__(self, path, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"cannot write {self.path}: {reason}")
