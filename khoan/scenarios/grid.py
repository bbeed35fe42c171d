"""Grids of scenarios: the cartesian product of field values around a base scenario.

:func:`grid` works on any frozen dataclass with a ``name`` (a :class:`~khoan.Scenario`, or a
stand-in in tests) and on plain mappings. The TOML form of a grid (``[base]`` + ``[grid]``)
is read by :func:`khoan.scenarios.load_scenarios`.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import difflib
import enum
import itertools
import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from .._canonical import canonical_json, short_hash
from ..errors import ScenarioError

__all__ = ["check_effect", "effective", "grid", "scenario_name"]


def scenario_name(scenario: Any) -> str:
    """The NFC name of a scenario (an object with ``.name`` or a mapping with ``"name"``).

    Raises
    ------
    ScenarioError
        The scenario has no name (or an empty one).
    """
    name = (
        scenario.get("name") if isinstance(scenario, Mapping) else getattr(scenario, "name", None)
    )
    if not isinstance(name, str) or not name.strip():
        raise ScenarioError(f"a scenario has no name: {scenario!r}")
    return unicodedata.normalize("NFC", name)


def _ident(text: str) -> str:
    """Letters, digits, ``_`` and ``-`` only (what :class:`khoan.Scenario` accepts in a name)."""
    return re.sub(r"[^\w\-]+", "_", unicodedata.normalize("NFC", text)).strip("_") or "x"


def _value_label(v: Any) -> str:
    """Short readable label of a grid value, for generated scenario names."""
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, int | float | np.integer | np.floating | str):
        return str(v)
    if isinstance(v, _dt.date):
        return v.isoformat()
    if isinstance(v, enum.Enum):
        return _value_label(v.value)
    for attr in ("label", "name"):
        x = getattr(v, attr, None)
        if isinstance(x, str) and x:
            return x
    kind, value = getattr(v, "kind", None), getattr(v, "value", None)
    if isinstance(kind, str) and kind and isinstance(value, int | float | str):
        return f"{kind}_{value}"  # a Target: share_0.1
    if isinstance(v, list | tuple) and all(isinstance(x, str | int | float) for x in v):
        return "+".join(str(x) for x in v) or "none"
    if isinstance(v, list | tuple) and all(hasattr(x, "name") for x in v):
        return "+".join(str(x.name) for x in v) or "none"
    if isinstance(v, Mapping) and all(isinstance(x, str | int | float) for x in v.values()):
        return "_".join(f"{k}_{x}" for k, x in v.items())
    return short_hash(canonical_json(v))


def _check_fields(base: Any, keys: Iterable[str]) -> None:
    """Refuse a grid field the base scenario does not have, suggesting the closest one."""
    if not (dataclasses.is_dataclass(base) and not isinstance(base, type)):
        return
    known = [
        f.name for f in dataclasses.fields(base) if f.init and f.name not in ("name", "source")
    ]
    for k in keys:
        if k not in known:
            near = difflib.get_close_matches(k, known, n=1)
            hint = f"; did you mean {near[0]!r}?" if near else ""
            err = ScenarioError(
                f"grid field {k!r} is not a field of {type(base).__name__} "
                f"(known: {', '.join(known)}){hint}"
            )
            err.field = k  # type: ignore[attr-defined]
            raise err


def _replace(scenario: Any, **changes: Any) -> Any:
    if hasattr(scenario, "replace") and callable(scenario.replace):
        return scenario.replace(**changes)
    if dataclasses.is_dataclass(scenario) and not isinstance(scenario, type):
        return dataclasses.replace(scenario, **changes)
    if isinstance(scenario, Mapping):
        return {**scenario, **changes}
    raise ScenarioError(f"cannot vary {type(scenario).__name__}: not a dataclass or mapping")


def grid(base: Any, /, *, name: str | None = None, **fields: Iterable[Any]) -> list[Any]:
    """Cartesian product of scenario fields around a base scenario.

    Parameters
    ----------
    base : Scenario
        Scenario whose other fields every generated scenario keeps.
    name : str, optional
        Format string of the generated names, with the field names (and ``base``) as
        placeholders, e.g. ``"{base}-{policy}-{target}"``. Default:
        ``"<base name>-<field>_<value>-..."``, fields in the order given. Values appear as a
        short label made of letters, digits, ``_`` and ``-`` (``0.05`` -> ``0_05``, a target
        ``{share = 0.1}`` -> ``share_0_1``, objects by their ``label`` or ``name``, otherwise 8
        hex digits of their canonical JSON), so the names are valid scenario names.
    **fields : iterable
        Values of each field to vary, e.g. ``target=[0.05, 0.1]``,
        ``policy=["attrition", "early_retirement"]``, ``regime=["nd108", "nd178"]``.

    Returns
    -------
    list of Scenario
        ``prod(len(values))`` scenarios; the last field varies fastest. Names are
        deterministic.

    Raises
    ------
    ScenarioError
        A field is not a field of the base scenario (the closest one is suggested), a field
        has no values, two generated names are equal, or a field has no effect: two of its
        values give the same scenarios whatever the other fields are (:func:`check_effect`;
        e.g. ``policy`` early_retirement / resignation when ``kinds`` is set).
    """
    keys = list(fields)
    _check_fields(base, keys)
    values = []
    for k in keys:
        v = fields[k]
        vals = [v] if isinstance(v, str | bytes) or not isinstance(v, Iterable) else list(v)
        if not vals:
            raise ScenarioError(f"grid field {k!r} has no values")
        values.append(vals)
    base_name = scenario_name(base)
    out = []
    for combo in itertools.product(*values):
        changes = dict(zip(keys, combo, strict=True))
        labels = {k: _ident(_value_label(v)) for k, v in changes.items()}
        if name is not None:
            try:
                n = name.format(base=base_name, **labels)
            except (KeyError, IndexError, ValueError) as exc:
                raise ScenarioError(f"grid name format {name!r}: {exc}") from None
        else:
            n = "-".join([base_name, *(f"{k}_{labels[k]}" for k in keys)])
        out.append(_replace(base, name=n, **changes))
    names = [scenario_name(s) for s in out]
    if len(set(names)) != len(names):
        dup = sorted({n for n in names if names.count(n) > 1})
        raise ScenarioError(f"grid generates the same name twice: {', '.join(dup[:5])}")
    check_effect(keys, values, out)
    return out


# -- a grid axis must change the scenario ----------------------------------------------------------

#: Fields that label a scenario without changing its figures.
_LABEL_FIELDS = ("name", "title", "description", "source")
#: Policies that take leavers one by one in the order of their kinds (``policies.greedy_select``).
_GREEDY = ("early_retirement", "resignation")
#: Fields that only matter when someone leaves under a benefit regime (not under ``attrition``).
_LEAVER_FIELDS = ("regime", "order", "rating_first", "leave_month", "kinds", "solver")


def effective(scenario: Any) -> str | None:
    """What decides a staff-reduction scenario's figures, as text (equal text, same figures).

    Labels (name, title, description) are left out, and so is what a policy does not read:

    - ``early_retirement`` and ``resignation`` both take leavers greedily by their departure
      kinds (``Scenario.leave_kinds``), the ``default`` order chosen by kind: with the same
      kinds the two policies are the same scenario;
    - ``attrition`` has no leavers: regime, order, rating_first, leave_month and kinds do not
      apply (the regime's validity is only checked for leavers);
    - the solver is read by ``optimal`` only, and ``optimal`` chooses its leavers itself, so a
      named order (not a list of ids, which restricts who may leave) does not apply to it.

    Returns None for objects that are not :class:`khoan.Scenario`-like (no ``leave_kinds``).
    """
    if not (
        dataclasses.is_dataclass(scenario)
        and not isinstance(scenario, type)
        and hasattr(scenario, "leave_kinds")
        and hasattr(scenario, "policy")
    ):
        return None
    d = {
        f.name: getattr(scenario, f.name)
        for f in dataclasses.fields(scenario)
        if f.name not in _LABEL_FIELDS
    }
    kinds = tuple(scenario.leave_kinds)
    d["kinds"] = kinds
    policy = scenario.policy
    if policy in _GREEDY:
        d["policy"] = "greedy"
    if not kinds:
        for k in _LEAVER_FIELDS:
            d.pop(k, None)
    if policy != "optimal":
        d.pop("solver", None)
    elif isinstance(d.get("order"), str):
        d.pop("order", None)
    return repr(sorted(d.items()))


def _why(field: str, scenario: Any) -> tuple[str, str]:
    """(why the field has no effect, what to do) for an error message."""
    policy = getattr(scenario, "policy", None)
    if field == "policy":
        kinds = list(getattr(scenario, "kinds", ()) or ())
        return (
            f"with kinds = {kinds} the kinds, not the policy, choose who leaves and how "
            "(early_retirement and resignation both take leavers by the kinds, in that order)",
            "remove 'policy' from [grid], vary 'kinds' instead, or remove 'kinds' so that each "
            "policy uses its own kind",
        )
    if not getattr(scenario, "leave_kinds", ()):
        return (
            f"policy {policy!r} has no leavers, so {field!r} does not apply",
            f"remove {field!r} from [grid] or use a policy with leavers",
        )
    if field == "solver":
        return (
            "only policy 'optimal' uses a solver",
            "remove 'solver' from [grid] or set policy = 'optimal'",
        )
    if field == "order" and policy == "optimal":
        return (
            "policy 'optimal' chooses its leavers itself (a named order does not apply; a list "
            "of ids would restrict who may leave)",
            "remove 'order' from [grid]",
        )
    return ("they give the same scenario", f"keep one of them in [grid] {field!r}")


def check_effect(keys: list[str], values: list[list[Any]], scenarios: list[Any]) -> None:
    """Refuse a grid axis whose values give the same scenario (same :func:`effective` text)
    whatever the other axes are: it would run identical scenarios under different names.

    ``scenarios`` is the cartesian product of ``values`` (last axis fastest), as made by
    :func:`grid`.

    Raises
    ------
    ScenarioError
        Naming the axis (``.field``), the values that give the same scenarios, why, and what
        to do.
    """
    if not scenarios:
        return
    sig = [effective(s) for s in scenarios]
    if any(x is None for x in sig):
        return
    combos = list(itertools.product(*[range(len(v)) for v in values]))
    for a, k in enumerate(keys):
        n = len(values[a])
        if n < 2:
            continue
        groups: dict[tuple[int, ...], dict[int, int]] = {}
        for i, combo in enumerate(combos):
            groups.setdefault(combo[:a] + combo[a + 1 :], {})[combo[a]] = i
        for x, y in itertools.combinations(range(n), 2):
            if all(sig[g[x]] == sig[g[y]] for g in groups.values()):
                first = next(iter(groups.values()))
                why, todo = _why(k, scenarios[first[x]])
                which = "" if n == 2 else f" (values {x + 1} and {y + 1} of {n})"
                err = ScenarioError(
                    f"[grid], field {k!r} has no effect: {_value_label(values[a][x])!r} and "
                    f"{_value_label(values[a][y])!r}{which} give the same scenarios: {why}. "
                    f"What to do: {todo}"
                )
                err.field = k  # type: ignore[attr-defined]
                raise err
