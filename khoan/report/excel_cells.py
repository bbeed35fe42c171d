"""What goes into a workbook cell: values openpyxl can write, text that could be read as a
formula (quote prefix in workbooks, an apostrophe in CSV), number formats by column and key,
and the display length that sets a column's width.

Used by the workbook writer (:mod:`khoan.report.excel`, which re-exports the public names of
its earlier single module) and by the input template.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.worksheet.worksheet import Worksheet

__all__ = [
    "FINE_FLOAT",
    "FMT_COUNT",
    "FMT_FINE",
    "FMT_FLOAT",
    "FMT_MONEY",
    "FMT_PERCENT",
    "FMT_PLAIN_INT",
    "cell_value",
    "clean_text",
    "column_format",
    "csv_bytes",
    "display_len",
    "escape_formula",
    "is_count",
    "is_percent",
    "is_plain_int",
    "needs_escape",
    "put_cell",
]

_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
FMT_MONEY = "#,##0"
FMT_COUNT = "#,##0"
FMT_PLAIN_INT = "0"
FMT_FLOAT = "#,##0.00"
FMT_FINE = "0.000"
_FMT_DATE = {"vi": "dd/mm/yyyy", "en": "yyyy-mm-dd"}
#: integer columns shown without thousands separators
_PLAIN_INT = frozenset({"year", "class", "step", "payback_year", "month", "base_year"})
FINE_FLOAT = frozenset({"score", "dual", "share", "coefficient", "position_coef", "region_coef"})
FMT_PERCENT = "0.0%"
#: headcounts: integers that are not money
_COUNT_KEYS = (
    "headcount",
    "leavers",
    "retirements",
    "hires",
    "exits",
    "posts",
    "communes",
    "staff",
    "persons",
    "reduction",
    "scenarios",
)


def is_plain_int(key: str) -> bool:
    """Years, classes, steps: integers shown without thousands separators."""
    return key in _PLAIN_INT or key.endswith("_year")


def is_percent(key: str) -> bool:
    """Shares (0.1 = 10 %)."""
    return key.startswith("share") or key.endswith(("_share", "_rate", "_pct_share"))


def is_count(key: str) -> bool:
    """Headcounts, posts, communes...: integers that are not money."""
    return any(k in key for k in _COUNT_KEYS)


#: cell text longer than this is cut (Excel holds at most 32,767 characters in a cell)
_MAX_CELL_TEXT = 32_000


# -- cell values ---------------------------------------------------------------------------------
def needs_escape(s: str) -> bool:
    """Whether text could be read as a formula by a spreadsheet (``=``, ``+``, ``-``, ``@``,
    tab, carriage return at the start)."""
    return s.startswith(_DANGEROUS)


def escape_formula(s: str) -> str:
    """Text prefixed with an apostrophe when it could be read as a formula.

    For CSV and other plain-text outputs; workbooks use the quote-prefix cell style instead,
    which keeps the text itself unchanged.
    """
    return "'" + s if needs_escape(s) else s


def csv_bytes(df: pd.DataFrame) -> bytes:
    """CSV bytes of a table for spreadsheets: the one CSV writer of khoan's outputs.

    UTF-8 with a byte-order mark (so that Excel reads Vietnamese text correctly), ``\\n`` line
    ends, no index, and text that could be read as a formula escaped (:func:`escape_formula`).
    """
    safe = df.copy()
    for c in safe.columns:
        if safe[c].dtype == object or pd.api.types.is_string_dtype(safe[c].dtype):
            safe[c] = safe[c].map(lambda v: escape_formula(v) if isinstance(v, str) else v)
    return safe.to_csv(index=False, lineterminator="\n").encode("utf-8-sig")


def clean_text(s: str) -> str:
    """``s`` without the control characters that XML cannot hold."""
    return ILLEGAL_CHARACTERS_RE.sub("", s)


def cell_value(v: Any) -> Any:
    """A cell value openpyxl can write (numbers, text, dates, bools or None)."""
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, bool | np.bool_):
        return bool(v)
    if isinstance(v, int | np.integer):
        return int(v)
    if isinstance(v, float | np.floating):
        f = float(v)
        return None if math.isnan(f) else (f if math.isfinite(f) else str(f))
    if isinstance(v, np.datetime64):
        v = pd.Timestamp(v)
        if v is pd.NaT:
            return None
    if isinstance(v, pd.Timestamp):
        if v.tzinfo is not None:
            v = v.tz_convert("UTC").tz_localize(None)
        d = v.to_pydatetime()
        return d.date() if d.time() == _dt.time(0) else d
    if isinstance(v, _dt.datetime | _dt.date | _dt.time):
        return v
    if isinstance(v, str):
        v = clean_text(v)
        return v if len(v) <= _MAX_CELL_TEXT else v[: _MAX_CELL_TEXT - 1] + "…"
    if isinstance(v, Mapping):
        return clean_text(json.dumps(v, ensure_ascii=False, sort_keys=True, default=str))
    if isinstance(v, list | tuple | set | frozenset | np.ndarray):
        seq = sorted(v, key=str) if isinstance(v, set | frozenset) else list(v)
        return clean_text(json.dumps(seq, ensure_ascii=False, default=_json_default))
    return clean_text(str(v))


def _json_default(v: Any) -> Any:
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.floating):
        return float(v)
    return str(v)


def put_cell(ws: Worksheet, row: int, col: int, value: Any, fmt: str | None = None):
    """Write one cell; text that could be a formula is stored as a quote-prefixed string."""
    v = cell_value(value)
    cell = ws.cell(row=row, column=col)
    cell.value = v
    if isinstance(v, str):
        if needs_escape(v):
            cell.data_type = "s"
            cell.quotePrefix = True
    elif isinstance(v, _dt.datetime | _dt.date):
        cell.number_format = fmt if fmt and ("yy" in fmt) else "yyyy-mm-dd"
    elif fmt is not None and isinstance(v, int | float) and not isinstance(v, bool):
        cell.number_format = fmt
    return cell


def column_format(df: pd.DataFrame, col: Any, money: set, lang: str) -> str | None:
    """Number format of column ``col`` of ``df`` (money, count, year, share, decimal, date),
    or None for text and booleans."""
    s = df[col]
    if col in money:
        return FMT_MONEY
    dtype = s.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return None
    if pd.api.types.is_integer_dtype(dtype):
        return FMT_PLAIN_INT if is_plain_int(str(col)) else FMT_COUNT
    if pd.api.types.is_float_dtype(dtype):
        if is_percent(str(col)):
            return FMT_PERCENT
        return FMT_FINE if col in FINE_FLOAT else FMT_FLOAT
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return _FMT_DATE[lang]
    if pd.api.types.is_object_dtype(dtype):
        # dates held as datetime.date objects (e.g. ParameterTree.table "from")
        nn = s.dropna()
        if len(nn) and all(isinstance(x, _dt.date) for x in nn):
            return _FMT_DATE[lang]
        if len(nn) and all(
            isinstance(x, int | float | np.integer | np.floating) and not isinstance(x, bool)
            for x in nn
        ):
            return FMT_FLOAT if any(isinstance(x, float | np.floating) for x in nn) else FMT_COUNT
    return None


def display_len(v: Any, fmt: str | None) -> int:
    """Characters that cell value ``v`` shows in format ``fmt`` (its longest line for text)."""
    if v is None:
        return 0
    if isinstance(v, bool):
        return 5
    if isinstance(v, int):
        return len(f"{v:,}") if fmt and "," in fmt else len(str(v))
    if isinstance(v, float):
        return len(f"{v:,.2f}") if fmt != FMT_FINE else len(f"{v:.3f}")
    if isinstance(v, _dt.datetime | _dt.date):
        return 10
    s = str(v)
    return max((len(line) for line in s.splitlines()), default=0)
