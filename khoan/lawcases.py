"""Law cases as data: check khoan against published examples or your own spreadsheet.

A *case file* is YAML (modelled on OpenFisca's YAML tests). Each case gives the inputs of one
computation (a person, a commune, a date, a regime), the amounts (or dates) expected, and the
source they come from. :func:`check` computes each case with khoan's public functions and
compares, component by component; ``khoan check CASES.yaml [--model M]`` prints pass / fail per
case with the differing component, expected, got and difference, and exits 1 if any case fails.

Schema
------
The file is either a list of cases or a mapping with ``cases`` (the list) and optionally
``model`` (the default model of ``payroll`` / ``budget`` cases: a folder, relative to the case
file, or the name of a bundled example). Each case is a mapping:

``name`` (required)
    Text shown in the report; unique in the file.
``source`` (required)
    Where the expected values come from (decree, circular example, spreadsheet), e.g.
    ``"NĐ 135/2020/NĐ-CP, Phụ lục I"``.
``kind`` (required)
    ``benefit``, ``retirement_date``, ``payroll``, ``budget`` or ``parameter`` (below).
``inputs`` (required)
    Mapping; the fields depend on the kind (below). Dates are written ``2025-03-01``.
    Every kind accepts ``overrides``: ``{parameter key: value}`` applied to the law (or the
    model's parameters) for this case only, e.g. another reading of an unconfirmed rule.
``expected`` (required)
    Mapping component → expected value: a number (VND, months, years…), a date, text or
    true/false. Only the components listed are compared.
``tolerance`` (optional)
    Largest accepted absolute difference: a number for every component, or a mapping
    component → number. Default 0 (exact). For dates it counts days.

Kinds and their inputs
----------------------
``benefit`` — :func:`khoan.benefits.compute`
    ``regime`` (nd108, nd178, nd154), ``kind`` (early_retirement, resignation), ``date`` (the
    leave date), and the person's fields, either at the top of ``inputs`` or under
    ``person``: ``sex`` (M/F), ``birth_date``, ``insured_since``, ``monthly_salary``
    (VND/month; or ``current_salary``), optional ``average_salary``, ``leave_date``,
    ``decision_date``, ``service_since``, ``unemployment_insured``; or, instead of
    ``average_salary``, ``roster`` (the person's staff-table fields on the leave date) and an
    optional ``history`` (salary-history rows), from which the regime's average salary is
    rebuilt month by month (:func:`khoan.salary_history.average_salary`). Expected components: the money columns of the kind
    (``early_months_lump``, ``early_years``, ``insured_first``, ``insured_further``;
    ``severance``, ``per_insured_year``, ``job_search``, ``at_retirement_age``), ``total``,
    and the descriptive columns (``eligible``, ``band``, ``months_early``, ``years_early``,
    ``insured_years``, ``months_after_decision``, …).
``retirement_date`` — :func:`khoan.benefits.retirement_date` / ``retirement_age``
    ``sex``, ``birth_date``, optional ``on`` (the date the law is read on). Expected:
    ``retirement_date`` (first day of the pension), ``age_years``, ``age_months``.
``payroll`` — :func:`khoan.payroll`
    ``year``, and either ``person`` (one roster row: ``commune``, ``category``, ``grade``,
    ``coefficient``, … as in the staff table; ``id`` defaults to ``case``) or ``id`` (a person
    of the model's roster); optional ``month`` (1–12: compare that month's amounts, rounded
    half up to the đồng, instead of the year's) and ``model``. Expected: the payroll
    components (``salary``, …, ``low_pay_supplement``, ``bhxh``, …, ``salary_fund_grade``,
    ``total``).
``budget`` — :func:`khoan.budget`
    ``year``, ``commune`` (code), optional ``model``. Expected: the lump-sum components
    (``salary_fund``, ``vacancy_fund``, ``contributions``, …, ``total``) or a column of the
    budget's details (``vacancy_contributions``, ``filled_posts``, …).
``parameter`` — the parameter in force on a date
    ``key``, ``date``, optional ``model`` (its parameters instead of the national law).
    Expected: ``value`` (compared whole; numbers inside lists and mappings with the
    tolerance), ``confidence``, ``reference_contains`` (text the reference must contain).

Model of a case: ``inputs.model``, else the ``--model`` given to :func:`check` (or the CLI),
else the file's ``model``.

Errors — a file that is not YAML, a case without a required field, an unknown kind, input
field or component — raise :class:`LawCaseError` naming the file, the case and its line. A
wrong expected value is not an error: the case fails and the report names the component.

Reading a case file is :mod:`khoan.lawcases_read` (its names are importable from here);
this module computes each kind of case and compares.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .errors import KhoanError
from .lawcases_read import KINDS, PERSON_FIELDS, Case, CheckResult, LawCaseError, load_cases

__all__ = ["KINDS", "Case", "CheckResult", "LawCaseError", "check", "load_cases", "run_cases"]


# --- computing -------------------------------------------------------------------------------


#: Models read from folders, by (folder, modification time of its files): a case file with many
#: payroll cases on one model reads it once per session.
_MODEL_CACHE: dict[tuple[str, float], Any] = {}


def _load_folder(p: Path) -> Any:
    from .model import load

    stamp = max((f.stat().st_mtime for f in p.rglob("*") if f.is_file()), default=0.0)
    key = (str(p.resolve()), stamp)
    if key not in _MODEL_CACHE:
        if len(_MODEL_CACHE) > 16:
            _MODEL_CACHE.clear()
        _MODEL_CACHE[key] = load(p)
    return _MODEL_CACHE[key]


class _Models:
    """Models by name, loaded once."""

    def __init__(self, given: Any = None):
        self.given = given
        self.cache: dict[str, Any] = {}

    def get(self, case: Case) -> Any:
        from . import examples
        from .model import Model

        ref = case.inputs.get("model")
        base = Path(case.file).parent
        if ref is None:
            if isinstance(self.given, Model):
                return self.given
            ref = self.given if self.given is not None else case.default_model
            base = Path.cwd() if self.given is not None else base
        if ref is None:
            raise LawCaseError(
                f"{case.where}: kind {case.kind!r} needs a model: give inputs.model, the file's "
                "'model', or --model"
            )
        ref = str(ref)
        p = Path(ref) if Path(ref).is_absolute() else base / ref
        key = str(p.resolve()) if p.exists() else ref
        if key not in self.cache:
            if p.is_dir():
                self.cache[key] = _load_folder(p)
            elif ref in examples.names():
                self.cache[key] = _load_folder(examples.path(ref))
            else:
                raise LawCaseError(
                    f"{case.where}: model {ref!r} not found (a folder relative to the case file, "
                    f"or one of {', '.join(examples.names())})"
                )
        return self.cache[key]


def _overrides(case: Case) -> Any:
    from .params import Override

    ov = case.inputs.get("overrides")
    if not ov:
        return None
    if not isinstance(ov, dict):
        raise LawCaseError(f"{case.where}: overrides must be a mapping key → value")
    return Override(f"case:{case.name}", dict(ov), "law case")


def _law(case: Case, tree: Any = None) -> Any:
    from .params import load_law

    tree = load_law() if tree is None else tree
    ov = _overrides(case)
    return tree if ov is None else tree.with_overrides([ov])


def _with_params(case: Case, model: Any) -> Any:
    ov = _overrides(case)
    if ov is None:
        return model
    return dataclasses.replace(model, params=model.params.with_overrides([ov]))


def _scalar(v: Any) -> Any:
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, pd.Timestamp):
        return v.date()
    return v


def _row_values(row: pd.Series) -> dict[str, Any]:
    return {str(k): _scalar(v) for k, v in row.items()}


def _benefit(case: Case, models: _Models) -> dict[str, Any]:
    from . import benefits

    inp = case.inputs
    person = dict(inp.get("person") or {})
    for f in PERSON_FIELDS:
        if f in inp:
            person[f] = inp[f]
    bad = set(person) - set(PERSON_FIELDS)
    if bad:
        raise LawCaseError(
            f"{case.where}: unknown person field(s) {', '.join(sorted(bad))} "
            f"(allowed: {', '.join(PERSON_FIELDS)})"
        )
    law = _law(case)
    roster = inp.get("roster")
    if roster is not None and "average_salary" not in person:
        person["average_salary"] = _average_from_roster(case, person, roster, law)
    people = pd.DataFrame([{"id": case.name, **person}])
    res = benefits.compute(str(inp["regime"]), str(inp["kind"]), people, inp["date"], params=law)
    return _row_values(res.iloc[0])


def _average_from_roster(case: Case, person: dict, roster: Any, law: Any) -> float:
    """The regime's average salary rebuilt from one roster row (and an optional history).

    ``roster`` holds the staff-table fields of the person on the leave date (``grade``,
    ``step``, ``coefficient``, ``position_coef``, ``tnvk_pct``, ``bao_luu``,
    ``next_step_date``, ``start_date``, ``category``); ``history`` (optional) a list of
    salary-history rows (``from_date``, ``coefficient``, ``position_coef``, ``tnvk_pct``).
    :func:`khoan.salary_history.average_salary` builds the months before leaving.
    """
    from . import salary_history

    if not isinstance(roster, dict):
        raise LawCaseError(f"{case.where}: 'roster' must be a mapping of staff-table fields")
    inp = case.inputs
    staff = pd.DataFrame(
        [
            {
                "id": case.name,
                "category": "cong_chuc",
                "position_coef": 0.0,
                "tnvk_pct": 0.0,
                "bao_luu": 0.0,
                "insured_since": person.get("insured_since"),
                **roster,
            }
        ]
    )
    history = inp.get("history")
    hist = None
    if history is not None:
        if not isinstance(history, list):
            raise LawCaseError(f"{case.where}: 'history' must be a list of rows")
        hist = pd.DataFrame([{"id": case.name, **row} for row in history])
    leave = person.get("leave_date", inp["date"])
    avg = salary_history.average_salary(staff, leave, str(inp["regime"]), params=law, history=hist)
    return float(avg["average_salary"].iloc[0])


def _retirement(case: Case, models: _Models) -> dict[str, Any]:
    from . import benefits

    inp = case.inputs
    law = _law(case)
    on = inp.get("on")
    years, months = benefits.retirement_age(inp["sex"], inp["birth_date"], params=law, on=on)
    d = benefits.retirement_date(inp["sex"], inp["birth_date"], params=law, on=on)
    return {"retirement_date": d, "age_years": years, "age_months": months}


def _payroll(case: Case, models: _Models) -> dict[str, Any]:
    from .payroll import COMPONENTS, payroll, round_vnd

    inp = case.inputs
    model = _with_params(case, models.get(case))
    month = inp.get("month")
    if month is not None and (not isinstance(month, int) or not 1 <= month <= 12):
        raise LawCaseError(f"{case.where}: month must be a whole number 1–12, not {month!r}")
    if "person" in inp:
        person = inp["person"]
        if not isinstance(person, dict):
            raise LawCaseError(f"{case.where}: person must be a mapping of roster fields")
        row = {"id": "case", **person}
        staff = pd.DataFrame([row])
        for c in ("next_step_date", "start_date", "end_date", "birth_date", "insured_since"):
            if c in staff.columns:
                staff[c] = pd.to_datetime(staff[c])
        pid = row["id"]
    elif "id" in inp:
        staff, pid = None, inp["id"]
        if pid not in set(model.staff["id"]):
            raise LawCaseError(f"{case.where}: id {pid!r} is not in the model's roster")
    else:
        raise LawCaseError(f"{case.where}: kind 'payroll' needs 'person' or 'id'")
    if month is None:
        return _row_values(payroll(model, inp["year"], staff=staff).loc[pid])
    mon = payroll(model, inp["year"], staff=staff, monthly=True)
    r = mon[(mon["id"] == pid) & (mon["month"] == month)].iloc[0]
    out = _row_values(r)
    for c in (*COMPONENTS, "total"):
        out[c] = int(round_vnd(out[c]))
    return out


def _budget(case: Case, models: _Models) -> dict[str, Any]:
    from .budget import budget

    inp = case.inputs
    model = _with_params(case, models.get(case))
    b = budget(model, inp["year"])
    code = str(inp["commune"])
    out: dict[str, Any] = {}
    for t in (b.details, b.table):
        t = t.assign(code=t["code"].astype(str))
        hit = t[t["code"] == code]
        if hit.empty:
            raise LawCaseError(f"{case.where}: commune {code!r} is not in the model")
        out.update(_row_values(hit.iloc[0]))
    return out


def _parameter(case: Case, models: _Models) -> dict[str, Any]:
    inp = case.inputs
    tree = _with_params(case, models.get(case)).params if "model" in inp else _law(case)
    key = str(inp["key"])
    if key not in tree:
        raise LawCaseError(f"{case.where}: unknown parameter key {key!r}")
    e = tree.entry(key, inp["date"])
    return {"value": e.value, "confidence": e.confidence, "reference_contains": e.reference}


_RUN = {
    "benefit": _benefit,
    "retirement_date": _retirement,
    "payroll": _payroll,
    "budget": _budget,
    "parameter": _parameter,
}


# --- comparing -------------------------------------------------------------------------------


def _is_num(v: Any) -> bool:
    return isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool)


def _as_date(v: Any) -> _dt.date | None:
    if isinstance(v, _dt.datetime):
        return v.date()
    if isinstance(v, _dt.date):
        return v
    if isinstance(v, np.datetime64 | pd.Timestamp):
        return pd.Timestamp(v).date()
    return None


def _same(exp: Any, got: Any, tol: float) -> bool:
    if _is_num(exp) and _is_num(got):
        return math.isfinite(float(got)) and abs(float(got) - float(exp)) <= tol + 1e-9
    if isinstance(exp, dict) and isinstance(got, dict):
        return set(map(str, exp)) == set(map(str, got)) and all(
            _same(exp[k], {str(a): b for a, b in got.items()}[str(k)], tol) for k in exp
        )
    if isinstance(exp, list | tuple) and isinstance(got, list | tuple):
        return len(exp) == len(got) and all(_same(a, b, tol) for a, b in zip(exp, got, strict=True))
    return exp == got


def _compare(case: Case, component: str, exp: Any, got: Any) -> tuple[bool, Any]:
    """(passed, difference) of one component."""
    tol = case.tol(component)
    if component == "reference_contains":
        return str(exp) in str(got), ""
    de, dg = _as_date(exp), _as_date(got)
    if de is not None and dg is not None:
        days = (dg - de).days
        return abs(days) <= tol, days
    if _is_num(exp) and _is_num(got):
        diff = got - exp
        return _same(exp, got, tol), int(diff) if float(diff).is_integer() else float(diff)
    return _same(exp, got, tol), ""


def run_cases(cases: list[Case], model: Any = None) -> CheckResult:
    """Compute every case and compare it with its expected values.

    Parameters
    ----------
    cases : list of Case
        From :func:`load_cases`.
    model : Model or str, optional
        Model of the ``payroll``, ``budget`` and ``parameter`` cases that do not name one
        (a folder or a bundled example name; it wins over the file's ``model``).

    Raises
    ------
    LawCaseError
        A case names a component the computation does not produce, or its computation fails
        on its inputs (the underlying message, with file, case and line).
    """
    models = _Models(model)
    rows = []
    for case in cases:
        try:
            got = _RUN[case.kind](case, models)
        except LawCaseError:
            raise
        except KhoanError as exc:
            raise LawCaseError(f"{case.where}: {exc}") from None
        for comp, exp in case.expected.items():
            if comp not in got:
                line = case.expected_lines.get(comp)
                at = f" (line {line})" if line else ""
                raise LawCaseError(
                    f"{case.where}: unknown component {comp!r}{at} for kind {case.kind!r} "
                    f"(available: {', '.join(sorted(got))})"
                )
            ok, diff = _compare(case, comp, exp, got[comp])
            rows.append(
                {
                    "file": case.file,
                    "line": case.expected_lines.get(comp, case.line),
                    "case": case.name,
                    "kind": case.kind,
                    "component": comp,
                    "expected": exp,
                    "got": got[comp],
                    "difference": diff,
                    "passed": bool(ok),
                    "source": case.source,
                }
            )
    cols = ["file", "line", "case", "kind", "component", "expected", "got", "difference"]
    table = pd.DataFrame(rows, columns=[*cols, "passed", "source"])
    return CheckResult(table)


def check(path: str | Path | list[str | Path], model: Any = None) -> CheckResult:
    """Run the case file(s) at ``path``; see the module documentation for the schema.

    Parameters
    ----------
    path : path or list of paths
        Case file(s) (YAML).
    model : Model or str, optional
        Model for the cases that need one and do not name it (``--model``).

    Returns
    -------
    CheckResult
        ``.table`` (one row per case and component), ``.cases``, ``.passed``.

    Raises
    ------
    LawCaseError
        An unreadable file or a malformed case (naming file, case and line).
    """
    paths = path if isinstance(path, list) else [path]
    cases = [c for p in paths for c in load_cases(p)]
    return run_cases(cases, model)
