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

__all__ = ["grid", "scenario_name"]


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
        has no values, or two generated names are equal.
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
    return out
