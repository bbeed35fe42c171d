"""Law case files read and checked: :class:`Case`, :func:`load_cases`, :class:`CheckResult`.

The schema of a case file is in the documentation of :mod:`khoan.lawcases` (which computes
the cases and re-exports everything here). A file that is not YAML, a case without a required
field, an unknown kind or input field raise :class:`LawCaseError` naming the file, the case
and its line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from .errors import KhoanError

__all__ = ["KINDS", "PERSON_FIELDS", "Case", "CheckResult", "LawCaseError", "load_cases"]


#: Kinds of case.
KINDS = ("benefit", "retirement_date", "payroll", "budget", "parameter")

_CASE_FIELDS = {"name", "source", "kind", "inputs", "expected", "tolerance"}
PERSON_FIELDS = (
    "sex",
    "birth_date",
    "insured_since",
    "monthly_salary",
    "current_salary",
    "average_salary",
    "leave_date",
    "decision_date",
    "service_since",
    "unemployment_insured",
)
_INPUTS = {
    "benefit": {
        "regime",
        "kind",
        "date",
        "person",
        "roster",
        "history",
        "overrides",
        *PERSON_FIELDS,
    },
    "retirement_date": {"sex", "birth_date", "on", "overrides"},
    "payroll": {"year", "person", "id", "month", "model", "overrides"},
    "budget": {"year", "commune", "model", "overrides"},
    "parameter": {"key", "date", "model", "overrides"},
}
_REQUIRED = {
    "benefit": ("regime", "kind", "date"),
    "retirement_date": ("sex", "birth_date"),
    "payroll": ("year",),
    "budget": ("year", "commune"),
    "parameter": ("key", "date"),
}


class LawCaseError(KhoanError):
    """A case file that cannot be read or run (not a failing case): names file, case, line."""


@dataclass
class Case:
    """One case of a case file (see the module documentation for the fields)."""

    name: str
    source: str
    kind: str
    inputs: dict[str, Any]
    expected: dict[str, Any]
    tolerance: Any = 0
    file: str = ""
    line: int | None = None
    expected_lines: dict[str, int] = field(default_factory=dict)
    default_model: str | None = None

    @property
    def where(self) -> str:
        """``file:line: case 'name'`` for messages."""
        loc = f"{self.file}:{self.line}" if self.line else self.file
        return f"{loc}: case {self.name!r}"

    def tol(self, component: str) -> float:
        t = self.tolerance
        if isinstance(t, dict):
            t = t.get(component, 0)
        return float(t or 0)


@dataclass
class CheckResult:
    """Outcome of :func:`check`.

    Attributes
    ----------
    table : DataFrame
        One row per case and expected component: ``file``, ``line``, ``case``, ``kind``,
        ``component``, ``expected``, ``got``, ``difference`` (got − expected for numbers, days
        for dates, empty otherwise), ``passed``, ``source``.
    """

    table: pd.DataFrame

    @property
    def cases(self) -> pd.DataFrame:
        """One row per case: ``case``, ``kind``, ``passed``, ``failed_components``."""
        t = self.table
        if t.empty:
            return pd.DataFrame(columns=["case", "kind", "passed", "failed_components"])
        g = t.groupby(["file", "case"], sort=False)
        out = g.agg(kind=("kind", "first"), passed=("passed", "all")).reset_index()
        failed = t[~t["passed"]].groupby(["file", "case"], sort=False)["component"].agg(", ".join)
        out["failed_components"] = [
            failed.get((f, c), "") for f, c in zip(out.file, out.case, strict=True)
        ]
        return out[["file", "case", "kind", "passed", "failed_components"]]

    @property
    def passed(self) -> bool:
        """Every case passed."""
        return bool(self.table["passed"].all()) if len(self.table) else True

    @property
    def n_failed(self) -> int:
        """Number of failing cases."""
        c = self.cases
        return int((~c["passed"]).sum()) if len(c) else 0


# --- reading ---------------------------------------------------------------------------------


def _lines(text: str) -> tuple[list[int], list[dict[str, int]]]:
    """Line (1-based) of each case and of each key of its ``expected`` mapping."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return [], []
    seq = root
    if isinstance(root, yaml.MappingNode):
        seq = next((v for k, v in root.value if getattr(k, "value", None) == "cases"), None)
    if not isinstance(seq, yaml.SequenceNode):
        return [], []
    lines, exp = [], []
    for item in seq.value:
        lines.append(item.start_mark.line + 1)
        e: dict[str, int] = {}
        if isinstance(item, yaml.MappingNode):
            for k, v in item.value:
                if getattr(k, "value", None) == "expected" and isinstance(v, yaml.MappingNode):
                    e = {str(kk.value): kk.start_mark.line + 1 for kk, _vv in v.value}
        exp.append(e)
    return lines, exp


def load_cases(path: str | Path) -> list[Case]:
    """Read and validate a case file.

    Raises
    ------
    LawCaseError
        The file is missing or not YAML; a case lacks a required field, repeats a name, has an
        unknown kind or input field — naming the file, case and line.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise LawCaseError(f"{p}: cannot read the case file ({exc.strerror or exc})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f":{mark.line + 1}" if mark is not None else ""
        raise LawCaseError(f"{p}{at}: not valid YAML ({getattr(exc, 'problem', exc)})") from None
    default_model = None
    if isinstance(data, dict):
        unknown = set(data) - {"cases", "model"}
        if unknown or "cases" not in data:
            raise LawCaseError(
                f"{p}: a case file is a list of cases or a mapping with 'cases' (and optionally "
                f"'model'); found keys {', '.join(map(str, data))}"
            )
        default_model = data.get("model")
        data = data["cases"]
    if not isinstance(data, list):
        raise LawCaseError(f"{p}: no list of cases found")
    lines, exp_lines = _lines(text)
    out: list[Case] = []
    seen: dict[str, int | None] = {}
    for i, raw in enumerate(data):
        line = lines[i] if i < len(lines) else None
        where = f"{p}:{line}" if line else f"{p} (case {i + 1})"
        if not isinstance(raw, dict):
            raise LawCaseError(
                f"{where}: a case is a mapping with name, source, kind, inputs, expected"
            )
        name = raw.get("name")
        label = f"{where}: case {name!r}" if name else f"{where}: case {i + 1}"
        missing = [f for f in ("name", "source", "kind", "inputs", "expected") if f not in raw]
        if missing:
            raise LawCaseError(f"{label}: missing field(s) {', '.join(missing)}")
        unknown = set(raw) - _CASE_FIELDS
        if unknown:
            raise LawCaseError(
                f"{label}: unknown field(s) {', '.join(sorted(map(str, unknown)))} "
                f"(allowed: {', '.join(sorted(_CASE_FIELDS))})"
            )
        name = str(name)
        if name in seen:
            raise LawCaseError(f"{label}: the name repeats the case of line {seen[name]}")
        seen[name] = line
        kind = raw["kind"]
        if kind not in KINDS:
            raise LawCaseError(f"{label}: unknown kind {kind!r} (allowed: {', '.join(KINDS)})")
        inputs, expected = raw["inputs"], raw["expected"]
        if not isinstance(inputs, dict) or not isinstance(expected, dict) or not expected:
            raise LawCaseError(f"{label}: 'inputs' and 'expected' must be non-empty mappings")
        bad = set(inputs) - _INPUTS[kind]
        if bad:
            raise LawCaseError(
                f"{label}: unknown input field(s) {', '.join(sorted(map(str, bad)))} for kind "
                f"{kind!r} (allowed: {', '.join(sorted(_INPUTS[kind]))})"
            )
        need = [f for f in _REQUIRED[kind] if f not in inputs]
        if need:
            raise LawCaseError(f"{label}: kind {kind!r} needs input(s) {', '.join(need)}")
        tol = raw.get("tolerance", 0)
        ok_tol = isinstance(tol, int | float) and not isinstance(tol, bool) and tol >= 0
        if isinstance(tol, dict):
            ok_tol = all(
                isinstance(v, int | float) and not isinstance(v, bool) and v >= 0
                for v in tol.values()
            )
        if not ok_tol:
            raise LawCaseError(f"{label}: tolerance must be a number ≥ 0 or a mapping of them")
        out.append(
            Case(
                name=name,
                source=str(raw["source"]),
                kind=kind,
                inputs=dict(inputs),
                expected={str(k): v for k, v in expected.items()},
                tolerance=tol,
                file=str(p),
                line=line,
                expected_lines=exp_lines[i] if i < len(exp_lines) else {},
                default_model=None if default_model is None else str(default_model),
            )
        )
    return out
