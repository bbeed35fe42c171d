"""Starter files for a new province: what a model must supply that the national law does not.

The national law tree (``khoan/params/law``) holds only national law. A province's own choices —
its allocation norms (``norms.provincial``, HĐND tỉnh) and the output-based allocation rules
(``allocation.indicators``, ``allocation.scoring.*``) — live in the model's ``params/`` folder.
``khoan/data/starters/params/`` ships a documented starting point for each (illustrative
values, never loaded unless copied into a model); ``khoan init`` copies them into a new
model as ``*.yaml.example`` files and lists them in ``params/README.md``.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Any

from ..errors import ParameterError

__all__ = [
    "ALLOCATION_KEYS",
    "STARTER_FILES",
    "indicator_catalog",
    "require",
    "starter_path",
]

#: parameters the allocation reads, each with the starter file that offers an example
ALLOCATION_KEYS: dict[str, str] = {
    "allocation.indicators": "allocation/indicators.yaml",
    "allocation.scoring.score_cap": "allocation/scoring.yaml",
    "allocation.scoring.performance_share": "allocation/scoring.yaml",
    "allocation.scoring.corridor": "allocation/scoring.yaml",
    "allocation.scoring.min_staffing_share": "allocation/scoring.yaml",
}
#: starter files (relative to ``starters/params``), in the order ``params/README.md`` lists them
STARTER_FILES = (
    "norms/provincial.yaml",
    "allocation/index.yaml",
    "allocation/indicators.yaml",
    "allocation/scoring.yaml",
)


def starter_path(rel: str = "") -> Path:
    """Path of a starter file (or of the starter ``params`` folder)."""
    root = Path(str(files("khoan.data").joinpath("starters", "params")))
    return root / rel if rel else root


def require(params: Any, keys: dict[str, str], what: str) -> None:
    """Raise :class:`ParameterError` naming every key of ``keys`` missing from ``params``.

    Parameters
    ----------
    params : ParameterTree
        The model's tree (law + provincial overlay).
    keys : dict
        Key -> starter file that offers an example (relative to ``starters/params``).
    what : str
        What needs them (e.g. "the output-based allocation").
    """
    missing = [k for k in keys if k not in params]
    if not missing:
        return
    examples = sorted({keys[k] for k in missing})
    raise ParameterError(
        f"{what} needs provincial parameters this model does not have: {', '.join(missing)}. "
        "They are the province's decision (indicators, targets, weights, share of the envelope "
        "by score), not national law: put them in the model's params/ folder, e.g. "
        + ", ".join(f"params/{e}" for e in examples)
        + f". A documented starting point (illustrative values): {starter_path()} "
        "(khoan init writes it into a new model as params/*.yaml.example); indicator codes are "
        "listed in the user guide."
    )


def indicator_catalog() -> dict[str, dict[str, Any]]:
    """Documented indicator codes (``khoan/data/starters/indicator_codes.csv``).

    Returns
    -------
    dict
        code -> ``{kind, direction, range: [min, max], label_vi, label_en}``. Used to check a
        model's outputs when it has no ``allocation.indicators`` of its own, for the
        template's drop-down list and for the user guide's list of codes.
    """
    import csv
    import io

    text = Path(str(files("khoan.data").joinpath("starters", "indicator_codes.csv")))
    rows = csv.DictReader(io.StringIO(text.read_text("utf-8")))
    return {
        r["code"]: {
            "kind": r["kind"],
            "direction": r["direction"],
            "range": [float(r["min"]), float(r["max"])],
            "label_vi": r["label_vi"],
            "label_en": r["label_en"],
        }
        for r in rows
    }
