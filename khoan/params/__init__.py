"""Dated legal parameters: the national law (``law/``), provincial overlays and overrides."""

from .engine import (
    CONFIDENCE,
    UNITS,
    Override,
    Parameter,
    ParameterTree,
    ParameterValue,
    Snapshot,
    load_dir,
    load_law,
    to_date,
)

__all__ = [
    "CONFIDENCE",
    "UNITS",
    "Override",
    "Parameter",
    "ParameterTree",
    "ParameterValue",
    "Snapshot",
    "load_dir",
    "load_law",
    "to_date",
]
