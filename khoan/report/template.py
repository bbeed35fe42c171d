"""The Excel input template: a workbook a province fills in, and how it becomes a model.

``write_template("input.xlsx")`` writes a blank workbook with:

- **Hướng dẫn** (instructions): what to fill in, and one row per column of every table with its
  header, code, whether it is required, type, unit, allowed values, range and description —
  all taken from the schema files (``khoan/data/schemas/*.csv``);
- **Đơn vị hành chính** (communes), **Nhân sự** (staff), **Chỉ tiêu đầu ra** (outputs): one
  table each, header in row 1, data from row 2 (so that a problem reported at "row 7" is row 7
  of the sheet). A header reads ``Vietnamese label (code)``, e.g. ``Hệ số lương
  (coefficient)``: the code in brackets is the schema column name; a comment on the header
  cell describes the column. Required columns have an orange header;
- drop-down lists (data validation) for unit type, class, zone, category, position, sex, grade
  and yes/no columns, fed from a hidden **Danh mục** sheet; the staff and outputs ``commune``
  column suggests the codes of the communes sheet. Code columns are formatted as text so that
  leading zeros survive; date columns as dates.

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
