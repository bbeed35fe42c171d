"""The Excel input template: a workbook a province fills in, and how it becomes a model.

``write_template("input.xlsx")`` writes a blank workbook (:mod:`khoan.report.template_write`
describes its sheets): instructions, one sheet per table with ``Vietnamese label (code)``
headers in row 1 and data from row 2, drop-down lists fed from a hidden sheet.

Reading it back: the schema readers expect the schema's column names as headers, so the
Vietnamese headers go through :func:`header_codes` (which accepts a code, a label, or
``label (code)``). Two ways in:

1. :func:`template_to_model` turns a filled workbook into a model folder (``model.toml`` plus
   CSV tables with code headers) and validates it with ``khoan.load``; problems are reported
   against the workbook's sheet, row and column;
2. directly: a ``model.toml`` whose ``[tables]`` name the sheets
   (``staff = "input.xlsx#Nhân sự"``) loads with ``khoan.load``, whose table reader passes the
   raw table through :func:`khoan.report.headers.header_codes`.

This module gathers the two sides: writing the blank workbook is
:mod:`khoan.report.template_write`, reading a filled one back (and ``khoan init``) is
:mod:`khoan.report.template_read`.
"""

from __future__ import annotations

from .headers import header_codes, header_text
from .template_read import (
    init_model,
    params_readme,
    read_template,
    starter_scenarios,
    template_to_model,
)
from .template_write import SHEETS, TABLES, write_template

__all__ = [
    "SHEETS",
    "TABLES",
    "header_codes",
    "header_text",
    "init_model",
    "params_readme",
    "read_template",
    "starter_scenarios",
    "template_to_model",
    "write_template",
]
