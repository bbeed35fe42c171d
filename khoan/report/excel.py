"""Excel workbooks of results: summary, tables, parameters used and provenance.

:func:`write_workbook` is what every result object's ``.to_excel(path, lang="vi")`` calls::

    write_workbook(
        "budget_2016.xlsx",
        title="Kinh phí khoán 2016 — Khánh Hòa",
        summary={"communes": 132, "total": 123_456_789_000},
        sheets={"by_commune": result.table, "payroll": people},
        params=model.params.table("2016-01-01"),
        provenance=result.provenance,
    )

Layout and conventions:

- sheet order: summary, one sheet per table (in the order given), parameters, provenance;
  sheet names and column headers are labels (:mod:`khoan.report.labels`) in ``lang``, and
  category codes in cells are shown as labels (``xa`` -> ``Xã``);
- header row frozen (with the leading key columns ``code``/``name``/``id``...), bold, wrapped;
  column widths from the longest value;
- numbers are written as numbers: money ``#,##0`` (đồng), counts ``#,##0``, years and codes
  ``0``, other decimals ``#,##0.00``, dates ``dd/mm/yyyy`` (``yyyy-mm-dd`` in English);
- every table has an autofilter on its header row; a table with a commune code gets the
  commune's name and district beside it (``communes=``); budget tables can have subtotal rows
  by district and unit type (``subtotals=``), marked in a ``row_kind`` column and explained in
  a note under the table;
- category, policy, regime, unit, confidence and status codes in cells are labelled, booleans
  are ``Có``/``Không``; the parameters sheet spells values out (no JSON) beside the
  parameter's code and description; the provenance sheet has the key's code, its label and
  the value;
- a bold totals row under each table sums the additive columns (money and counts). Sums are
  computed in Python and written as numbers, not formulas, so the workbook reads back with the
  same values in openpyxl or pandas, with no recalculation;
- text that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is stored as a
  string cell with Excel's *quote prefix* (the cell shows the text as typed and Excel never
  evaluates it; reading the cell back gives the original text). Control characters that XML
  cannot hold are removed;
- the file is written atomically (temporary file in the same folder, then ``os.replace``) and is
  byte-for-byte deterministic: the document dates are fixed (:data:`FIXED_TIMESTAMP`) and so are
  the timestamps inside the zip container; run times and cache states
  (:data:`VOLATILE_PROVENANCE`, e.g. a scenario's ``timings``) are left out of the provenance
  sheet, so that the same inputs give the same bytes on every run. They stay on the result
  object (``result.provenance["timings"]``) and, for batches, in ``manifest.json``.
"""

from __future__ import annotations

import datetime as _dt
import io
import json
import math
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string
from openpyxl.worksheet.worksheet import Worksheet

from .._files import atomic_write_bytes, make_folder
from ..notes import Note, note_text
from .labels import (
    ADDITIVE_COLUMNS,
    check_lang,
    code_label,
    is_money,
    key_label,
    label,
    provenance_label,
    text,
    value_label,
    workbook_values,
    yes_no,
)

__all__ = [
    "FIXED_TIMESTAMP",
    "VOLATILE_PROVENANCE",
    "atomic_save",
    "escape_formula",
    "needs_escape",
    "stable_provenance",
    "write_workbook",
]

#: document dates written into every workbook (deterministic output)
FIXED_TIMESTAMP = _dt.datetime(2000, 1, 1, 0, 0, 0)
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
#: Provenance keys (at any depth) that describe a run, not its inputs: never written.
VOLATILE_PROVENANCE = frozenset(
    {"timings", "seconds", "elapsed", "elapsed_s", "wall_s", "updated", "finished_at"}
)

_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
_FMT_MONEY = "#,##0"
_FMT_COUNT = "#,##0"
_FMT_PLAIN_INT = "0"
_FMT_FLOAT = "#,##0.00"
_FMT_FINE = "0.000"
_FMT_DATE = {"vi": "dd/mm/yyyy", "en": "yyyy-mm-dd"}
#: integer columns shown without thousands separators
_PLAIN_INT = frozenset({"year", "class", "step", "payback_year", "month", "base_year"})
_FINE_FLOAT = frozenset({"score", "dual", "share", "coefficient", "position_coef", "region_coef"})
_FMT_PERCENT = "0.0%"
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


def _plain_int(key: str) -> bool:
    """Years, classes, steps: integers shown without thousands separators."""
    return key in _PLAIN_INT or key.endswith("_year")


def _percent(key: str) -> bool:
    """Shares (0.1 = 10 %)."""
    return key.startswith("share") or key.endswith(("_share", "_rate", "_pct_share"))


def _count(key: str) -> bool:
    return any(k in key for k in _COUNT_KEYS)


#: leading columns that stay visible when scrolling right
_KEY_COLUMNS = ("code", "name", "id", "commune", "commune_name", "scenario", "year", "key")

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_HEADER_ALIGN = Alignment(wrap_text=True, vertical="center")
_TOTAL_FONT = Font(bold=True)
_TOTAL_BORDER = Border(top=Side(style="thin"))
_TITLE_FONT = Font(bold=True, size=14)
_WARN_FONT = Font(bold=True, color="C00000")

#: Shown on the summary sheet of every workbook made from a model whose ``model.toml`` says
#: ``synthetic = true`` (the example models: DOMAIN §7, synthetic data says so where shown).
SYNTHETIC_NOTICE_VI = (
    "DỮ LIỆU TỔNG HỢP (synthetic): danh sách cán bộ, chỉ số đầu ra và mức khoán của tỉnh là số "
    "liệu minh họa, không phải số liệu thực tế."
)
SYNTHETIC_NOTICE_EN = (
    "SYNTHETIC DATA: the staff roster, output indicators and provincial norms are illustrative, "
    "not real figures."
)


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


def _clean_text(s: str) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", s)


def _py(v: Any) -> Any:
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
        v = _clean_text(v)
        return v if len(v) <= _MAX_CELL_TEXT else v[: _MAX_CELL_TEXT - 1] + "…"
    if isinstance(v, Mapping):
        return _clean_text(json.dumps(v, ensure_ascii=False, sort_keys=True, default=str))
    if isinstance(v, list | tuple | set | frozenset | np.ndarray):
        seq = sorted(v, key=str) if isinstance(v, set | frozenset) else list(v)
        return _clean_text(json.dumps(seq, ensure_ascii=False, default=_json_default))
    return _clean_text(str(v))


def _json_default(v: Any) -> Any:
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.floating):
        return float(v)
    return str(v)


def put_cell(ws: Worksheet, row: int, col: int, value: Any, fmt: str | None = None):
    """Write one cell; text that could be a formula is stored as a quote-prefixed string."""
    v = _py(value)
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


# -- tables ----------------------------------------------------------------------------------------
def _flat(df: pd.DataFrame) -> pd.DataFrame:
    """Named or multi-level index -> columns; multi-level column names joined with ' / '."""
    out = df
    if not isinstance(out.index, pd.RangeIndex) or any(n is not None for n in out.index.names):
        out = out.reset_index()
    if isinstance(out.columns, pd.MultiIndex):
        out = out.copy()
        out.columns = [" / ".join(str(x) for x in c if str(x) != "") for c in out.columns]
    return out


def _column_format(df: pd.DataFrame, col: Any, money: set, lang: str) -> str | None:
    s = df[col]
    if col in money:
        return _FMT_MONEY
    dtype = s.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return None
    if pd.api.types.is_integer_dtype(dtype):
        return _FMT_PLAIN_INT if _plain_int(str(col)) else _FMT_COUNT
    if pd.api.types.is_float_dtype(dtype):
        if _percent(str(col)):
            return _FMT_PERCENT
        return _FMT_FINE if col in _FINE_FLOAT else _FMT_FLOAT
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
            return _FMT_FLOAT if any(isinstance(x, float | np.floating) for x in nn) else _FMT_COUNT
    return None


def _display_len(v: Any, fmt: str | None) -> int:
    if v is None:
        return 0
    if isinstance(v, bool):
        return 5
    if isinstance(v, int):
        return len(f"{v:,}") if fmt and "," in fmt else len(str(v))
    if isinstance(v, float):
        return len(f"{v:,.2f}") if fmt != _FMT_FINE else len(f"{v:.3f}")
    if isinstance(v, _dt.datetime | _dt.date):
        return 10
    s = str(v)
    return max((len(line) for line in s.splitlines()), default=0)


def _resolve(option: Any, sheet: str, default: Any) -> Any:
    if isinstance(option, Mapping):
        return option.get(sheet, default)
    return option


#: cell text longer than this is cut (Excel holds at most 32,767 characters in a cell)
_MAX_CELL_TEXT = 32_000
_SUBTOTAL_FONT = Font(bold=True, italic=True)
_SUBTOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
#: kinds of rows in a table with subtotals (column ``row_kind``)
_ROW_KINDS = {
    "unit": ("Đơn vị", "Unit"),
    "district": ("Cộng theo huyện", "District subtotal"),
    "type": ("Cộng theo loại đơn vị", "Subtotal by unit type"),
    "group": ("Cộng theo nhóm", "Group subtotal"),
}
_GROUP_KIND = {"district_name": "district", "district_code": "district", "type": "type"}
#: commune code columns and the name column written beside each
_CODE_NAME = {"code": "name", "commune": "commune_name"}


def _with_names(df: pd.DataFrame, communes: pd.DataFrame | None, extra: Sequence[str] = ()):
    """``df`` with the commune's name and district (and ``extra`` columns, e.g. ``type``)
    inserted right after its commune code column (``code`` or ``commune``) where missing."""
    if communes is None or "code" not in communes.columns:
        return df
    code_col = next((c for c in _CODE_NAME if c in df.columns), None)
    if code_col is None:
        return df
    look = communes.drop_duplicates("code").set_index("code")
    codes = df[code_col].astype(object)
    if not codes.isin(look.index).any():
        return df
    out = df.copy()
    after = _CODE_NAME[code_col] if _CODE_NAME[code_col] in out.columns else code_col
    at = list(out.columns).index(after) + 1
    wanted = [(_CODE_NAME[code_col], "name"), ("district_name", "district_name")]
    wanted += [(c, c) for c in extra]
    for new, src in wanted:
        if new in out.columns or src not in look.columns or look[src].isna().all():
            continue  # e.g. no districts since the two-tier local government of 2025
        out.insert(at, new, codes.map(look[src]).to_numpy(dtype=object))
        at += 1
    return out


def _sum_value(s: pd.Series) -> Any:
    """Exact sum of a column: int for integer columns (int64 money), float otherwise."""
    if pd.api.types.is_integer_dtype(s.dtype):
        return int(s.to_numpy(dtype=np.int64).sum())
    return float(np.nansum(s.to_numpy(dtype=float)))


def _subtotal_rows(
    df: pd.DataFrame, shown: pd.DataFrame, groups: Sequence[str], sum_cols: list, lang: str
) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Commune rows grouped by the first of ``groups`` (in order of first appearance), each
    group followed by its subtotal row, then one subtotal row per value of the other groups.

    Returns the reordered data (``df`` order), the rows as shown (object) and each row's kind
    (``unit``, ``district``, ``type``, ``group``).
    """
    name_col = next((c for c in ("name", "commune_name") if c in df.columns), None)
    first = groups[0]
    key = pd.factorize(df[first].astype(object).fillna(""))[0]
    order = np.argsort(key, kind="stable")
    df = df.iloc[order].reset_index(drop=True)
    shown = shown.iloc[order].reset_index(drop=True)
    cols = list(df.columns)
    blocks: list[pd.DataFrame] = []
    kinds: list[str] = []

    def subtotal(mask: np.ndarray, group: str) -> pd.DataFrame:
        row: dict[Any, Any] = dict.fromkeys(cols)
        for c in sum_cols:
            row[c] = _sum_value(df.loc[mask, c])
        shown_value = shown.loc[np.flatnonzero(mask)[0], group]
        if shown_value is None or (isinstance(shown_value, float) and math.isnan(shown_value)):
            shown_value = "—"
        row[group] = shown_value
        word = text("Cộng", "Subtotal", lang)
        if name_col is not None and name_col != group:
            row[name_col] = f"{word}: {shown_value}"
        return pd.DataFrame([row], columns=cols, dtype=object)

    keys = df[first].astype(object).fillna("").to_numpy()
    for value in pd.unique(keys):
        mask = keys == value
        blocks.append(shown.loc[mask])
        kinds += ["unit"] * int(mask.sum())
        blocks.append(subtotal(mask, first))
        kinds.append(_GROUP_KIND.get(first, "group"))
    for group in groups[1:]:
        gk = df[group].astype(object).fillna("").to_numpy()
        for value in pd.unique(gk):
            blocks.append(subtotal(gk == value, group))
            kinds.append(_GROUP_KIND.get(group, "group"))
    body = pd.concat([b.astype(object) for b in blocks], ignore_index=True)
    return df, body, kinds


def subtotal_note(groups: Sequence[str], lang: str) -> str:
    """The sheet note that says how subtotal rows are told apart from communes' rows."""
    names = " / ".join(label(g, lang) for g in groups)
    unit = _ROW_KINDS["unit"][0 if lang == "vi" else 1]
    return text(
        f"Ghi chú: bảng có dòng cộng theo {names}. Các dòng cộng để trống mã ĐVHC và có cột "
        f"«{label('row_kind', lang)}» khác «{unit}»; lọc cột này bằng «{unit}» để chỉ lấy số "
        "liệu từng xã. Dòng «Tổng cộng» bằng tổng các dòng xã (không cộng các dòng cộng).",
        f"Note: the table has subtotal rows by {names}. Subtotal rows have no code and a "
        f"«{label('row_kind', lang)}» other than «{unit}»; filter that column on «{unit}» to "
        "keep the communes' rows only. The «Total» row is the sum of the communes' rows "
        "(subtotal rows are not added).",
        lang,
    )


def _write_table(
    ws: Worksheet,
    df: pd.DataFrame,
    *,
    lang: str,
    money_cols: Iterable[Any] | None,
    totals: bool | Sequence[Any],
    start_row: int = 1,
    freeze: bool = True,
    communes: pd.DataFrame | None = None,
    subtotals: Sequence[str] = (),
    note: str | None = None,
) -> None:
    df = _flat(df)
    subtotals = [g for g in subtotals if g in df.columns or g in ("district_name", "type")]
    df = _with_names(df, communes, [g for g in subtotals if g not in ("district_name",)])
    # a grouping column that is empty everywhere (no districts) gives no subtotals
    subtotals = [g for g in subtotals if g in df.columns and df[g].notna().any()]
    cols = list(df.columns)
    money = (
        {c for c in cols if is_money(df, c)} if money_cols is None else set(money_cols) & set(cols)
    )
    if totals is True:
        sum_cols = [
            c
            for c in cols
            if (c in money or c in ADDITIVE_COLUMNS)
            and pd.api.types.is_numeric_dtype(df[c].dtype)
            and not pd.api.types.is_bool_dtype(df[c].dtype)
        ]
    elif totals is False or totals is None:
        sum_cols = []
    else:
        sum_cols = [c for c in totals if c in cols]
    shown = workbook_values(df, lang)
    kinds: list[str] = []
    if subtotals and sum_cols and len(df):
        df, shown, kinds = _subtotal_rows(df, shown, subtotals, sum_cols, lang)
        k = 0 if lang == "vi" else 1
        shown["row_kind"] = [_ROW_KINDS[x][k] for x in kinds]
        cols = [*cols, "row_kind"]
        note = note or subtotal_note(subtotals, lang)
    fmts = {c: _column_format(df, c, money, lang) if c in df.columns else None for c in cols}
    widths = [0] * len(cols)

    hr = start_row
    for j, c in enumerate(cols, start=1):
        cell = put_cell(ws, hr, j, label(c, lang))
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.alignment = _HEADER_ALIGN
        words = str(cell.value or "").split()
        widths[j - 1] = max(
            min(len(str(cell.value or "")), 18), max((len(w) for w in words), default=0)
        )
    nrows = len(shown)
    values = shown[cols].to_numpy(dtype=object) if len(cols) else np.empty((nrows, 0), object)
    for i in range(nrows):
        r = hr + 1 + i
        sub = bool(kinds) and kinds[i] != "unit"
        for j, c in enumerate(cols):
            cell = put_cell(ws, r, j + 1, values[i, j], fmts[c])
            widths[j] = max(widths[j], _display_len(cell.value, fmts[c]))
            if sub:
                cell.font = _SUBTOTAL_FONT
                cell.fill = _SUBTOTAL_FILL
    last = hr + nrows
    if len(cols):
        ws.auto_filter.ref = f"A{hr}:{get_column_letter(len(cols))}{max(last, hr)}"
    if sum_cols and len(cols):
        r = last + 1
        last = r
        label_col = next((j for j, c in enumerate(cols) if c not in sum_cols), None)
        for j, c in enumerate(cols):
            cell = ws.cell(row=r, column=j + 1)
            if c in sum_cols:
                cell = put_cell(ws, r, j + 1, _sum_value(df[c]), fmts[c] or _FMT_FLOAT)
                widths[j] = max(widths[j], _display_len(cell.value, fmts[c]))
            elif j == label_col:
                cell = put_cell(ws, r, j + 1, text("Tổng cộng", "Total", lang))
            cell.font = _TOTAL_FONT
            cell.border = _TOTAL_BORDER
    if note:
        put_cell(ws, last + 2, 1, note).font = Font(italic=True)
    for j, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = max(8, min(w + 2, 60))
    if freeze:
        keys = 0
        for c in cols:
            if c in _KEY_COLUMNS and keys < 3:
                keys += 1
            else:
                break
        ws.freeze_panes = ws.cell(row=hr + 1, column=keys + 1).coordinate


def _sheet_name(name: str, used: set[str]) -> str:
    s = re.sub(r"[\[\]:*?/\\]", " ", _clean_text(name)).strip().strip("'") or "Sheet"
    s = s[:31]
    base, k = s, 2
    while s.lower() in used:
        suffix = f" ({k})"
        s = base[: 31 - len(suffix)] + suffix
        k += 1
    used.add(s.lower())
    return s


def _flatten(d: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    rows: list[tuple[str, Any]] = []
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, Mapping) and v:
            rows += _flatten(v, key + ".")
        else:
            rows.append((key, v))
    return rows


def _write_summary(ws: Worksheet, title: str, summary: Any, lang: str) -> None:
    put_cell(ws, 1, 1, title).font = _TITLE_FONT
    put_cell(ws, 2, 1, text("Đơn vị tính: đồng", "Amounts in VND (đồng)", lang))
    if summary is None:
        ws.column_dimensions["A"].width = 40
        return
    if isinstance(summary, pd.DataFrame):
        _write_table(ws, summary, lang=lang, money_cols=None, totals=False, start_row=4)
        return
    hr = 4
    for j, h in enumerate((label("item", lang), label("value", lang)), start=1):
        cell = put_cell(ws, hr, j, h)
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
    w = [12, 12]
    for i, (k, v) in enumerate(summary.items(), start=1):
        key = str(k)
        v = _py(value_label(key, v, lang)) if not isinstance(v, list | tuple) else readable(v, lang)
        if isinstance(v, int) and not isinstance(v, bool):
            fmt = _FMT_PLAIN_INT if _plain_int(key) else _FMT_COUNT if _count(key) else _FMT_MONEY
        elif isinstance(v, float):
            fmt = _FMT_PERCENT if _percent(key) else _FMT_FINE if key in _FINE_FLOAT else _FMT_FLOAT
        else:
            fmt = None
        put_cell(ws, hr + i, 1, label(key, lang))
        put_cell(ws, hr + i, 2, v, fmt)
        w[0] = max(w[0], len(label(key, lang)))
        w[1] = max(w[1], _display_len(v, fmt))
    ws.column_dimensions["A"].width = min(w[0] + 2, 60)
    ws.column_dimensions["B"].width = min(w[1] + 2, 80)
    ws.freeze_panes = f"A{hr + 1}"


def _num_text(x: float | int, lang: str) -> str:
    """A number inside text, in the style of ``lang`` (``1.210.000``, ``0,31`` in Vietnamese)."""
    from .fmt import number

    if isinstance(x, float) and not x.is_integer():
        s = repr(x)
        return s.replace(".", ",") if lang == "vi" else s
    # years and small counts without a thousands separator (2016, not 2.016)
    return number(int(x), 0, lang) if abs(x) >= 10_000 else str(int(x))


def readable(v: Any, lang: str = "vi", depth: int = 0, key: str | None = None) -> Any:
    """A parameter or provenance value spelled out for a reader.

    Numbers stay numbers and dates stay dates at the top level; a list becomes its items
    joined with ``; `` (codes labelled: ``can_bo`` -> ``Cán bộ``), a mapping one line per key
    (``Xã: 1 = 25; 2 = 23``), nested mappings in brackets; booleans ``Có``/``Không``. JSON text
    (the ``value`` column of :meth:`~khoan.params.ParameterTree.in_force`) is read first.
    """
    if isinstance(v, Note):
        return note_text(v, lang)
    if isinstance(v, str) and depth == 0 and v[:1] in "[{":
        try:
            v = json.loads(v)
        except ValueError:
            return v
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "" if depth else None
    if isinstance(v, bool | np.bool_):
        return yes_no(bool(v), lang)
    if isinstance(v, int | float | np.integer | np.floating):
        return _py(v) if depth == 0 else _num_text(_py(v), lang)
    if isinstance(v, str):
        if depth == 0:
            return v
        shown = value_label(key, v, lang) if key else v
        return code_label(v, lang) if shown == v else shown
    if isinstance(v, Mapping):
        items = [
            (str(key_label(str(k), lang)), readable(x, lang, depth + 1, str(k)))
            for k, x in v.items()
        ]
        if depth == 0:
            return "\n".join(f"{k}: {x}" for k, x in items)
        body = "; ".join(f"{k} = {x}" for k, x in items)
        return body if depth == 1 else f"({body})"
    if isinstance(v, list | tuple | set | frozenset | np.ndarray):
        seq = sorted(v, key=str) if isinstance(v, set | frozenset) else list(v)
        if depth == 0 and any(isinstance(x, Mapping) for x in seq):  # records: one a line
            return "\n".join(
                "; ".join(
                    f"{key_label(str(k), lang)}: {readable(y, lang, 1, str(k))}"
                    for k, y in x.items()
                )
                if isinstance(x, Mapping)
                else str(readable(x, lang, 1, key))
                for x in seq
            )
        parts = [str(readable(x, lang, depth + 1, key)) for x in seq]
        return "; ".join(parts) if depth <= 1 else f"({'; '.join(parts)})"
    if isinstance(v, _dt.date) and depth:
        return v.strftime("%d/%m/%Y" if lang == "vi" else "%Y-%m-%d")
    return _py(v) if depth == 0 else str(v)


def _write_params(ws: Worksheet, params: pd.DataFrame, lang: str) -> None:
    df = params.drop(columns=["source"], errors="ignore").copy()
    # the description in the workbook's language, beside the code
    own, other = ("description_vi", "description_en")[:: 1 if lang == "vi" else -1]
    if own in df.columns:
        desc = df.pop(own).fillna("").astype(object)
        if lang == "en" and other in df.columns:  # no English text: the Vietnamese one
            desc = desc.where(desc.astype(str) != "", df[other])
        df.insert(1 if "key" in df.columns else 0, "param_name", desc)
    df = df.drop(columns=[other], errors="ignore")
    if "value" in df.columns:
        df["value"] = df["value"].astype(object).map(lambda v: readable(v, lang))
    _write_table(ws, df, lang=lang, money_cols=[], totals=False)
    cols = list(_flat(df).columns)
    if "value" in cols:
        j = cols.index("value") + 1
        for i in range(len(df)):
            cell = ws.cell(row=i + 2, column=j)
            v = cell.value
            if isinstance(v, int | float) and not isinstance(v, bool):
                cell.number_format = (
                    _FMT_MONEY if abs(v) >= 1000 and float(v).is_integer() else "General"
                )
            elif isinstance(v, str) and "\n" in v:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.column_dimensions[get_column_letter(j)].width = 50
    for name in ("reference", "param_name"):
        if name in cols:
            j = cols.index(name) + 1
            ws.column_dimensions[get_column_letter(j)].width = min(
                ws.column_dimensions[get_column_letter(j)].width, 50
            )


def stable_provenance(provenance: Mapping[str, Any]) -> dict[str, Any]:
    """``provenance`` without the keys of :data:`VOLATILE_PROVENANCE` (run times, cache
    states), at any depth of nested mappings."""
    return {
        k: stable_provenance(v) if isinstance(v, Mapping) else v
        for k, v in provenance.items()
        if k not in VOLATILE_PROVENANCE
    }


def _write_provenance(ws: Worksheet, provenance: Mapping[str, Any], lang: str) -> None:
    """Three columns: the key (code), its label and the value spelled out."""
    rows = _flatten(stable_provenance(provenance))
    last = [k.rsplit(".", 1)[-1] for k, _ in rows]
    df = pd.DataFrame(
        {
            "prov_key": [k for k, _ in rows],
            "item": [provenance_label(k, lang) for k, _ in rows],
            "value": [
                value_label(part, v, lang) if isinstance(v, str | bool) else readable(v, lang)
                for part, (_, v) in zip(last, rows, strict=True)
            ],
        },
        dtype=object,
    )
    _write_table(ws, df, lang=lang, money_cols=[], totals=False)
    ws.column_dimensions["A"].width = min(max([len(k) for k, _ in rows] + [10]) + 2, 40)
    ws.column_dimensions["B"].width = 45
    ws.column_dimensions["C"].width = 80
    for i in range(len(df)):
        cell = ws.cell(row=i + 2, column=3)
        if isinstance(cell.value, str) and "\n" in cell.value:
            cell.alignment = Alignment(wrap_text=True, vertical="top")


# -- saving ----------------------------------------------------------------------------------------
def _deterministic(data: bytes, timestamp: _dt.datetime) -> bytes:
    """Rewrite an xlsx container with fixed zip timestamps and document dates."""
    stamp = timestamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as zin,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout,
    ):
        for info in zin.infolist():
            body = zin.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(
                    rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)",
                    rb"\g<1>" + stamp.encode() + rb"\g<2>",
                    body,
                )
            zi = zipfile.ZipInfo(info.filename, date_time=_ZIP_DATE)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            zout.writestr(zi, body)
    return out.getvalue()


def atomic_save(
    wb: Workbook, path: str | Path, *, timestamp: _dt.datetime = FIXED_TIMESTAMP
) -> Path:
    """Save ``wb`` to ``path`` atomically and deterministically (fixed dates)."""
    p = Path(path)
    make_folder(p.parent)
    wb.properties.created = timestamp
    wb.properties.modified = timestamp
    wb.properties.lastModifiedBy = None
    wb.properties.creator = "khoan"
    buf = io.BytesIO()
    wb.save(buf)
    return atomic_write_bytes(p, _deterministic(buf.getvalue(), timestamp))


def write_workbook(
    path: str | Path,
    *,
    title: str,
    summary: Mapping[str, Any] | pd.DataFrame | None = None,
    sheets: Mapping[str, pd.DataFrame] | None = None,
    params: pd.DataFrame | None = None,
    provenance: Mapping[str, Any] | None = None,
    lang: str = "vi",
    money_cols: Iterable[Any] | Mapping[str, Iterable[Any]] | None = None,
    totals: bool | Sequence[Any] | Mapping[str, bool | Sequence[Any]] = True,
    timestamp: _dt.datetime = FIXED_TIMESTAMP,
    communes: pd.DataFrame | None = None,
    subtotals: Mapping[str, Sequence[str]] | None = None,
    notes: Mapping[str, str] | None = None,
) -> Path:
    """Write a report workbook (see the module docstring for the layout).

    Parameters
    ----------
    path : str or Path
        The ``.xlsx`` file to write (replaced atomically; parent folders are created).
    title : str
        Report title, written at the top of the summary sheet and in the document properties.
    summary : dict or DataFrame, optional
        Headline figures (``{"total": 1_234_000_000, "communes": 132}``: keys are labelled,
        integer values other than years are formatted as money) or a small table.
    sheets : dict of str -> DataFrame
        One sheet per table, in order; the key is labelled (``"by_commune"`` -> ``Theo xã``).
        A named index is written as leading columns.
    params : DataFrame, optional
        Parameters used: ``ParameterTree.table(date)`` (key, value, unit, from, reference,
        confidence, description_vi, description_en).
    provenance : dict, optional
        The result's provenance; nested mappings become dotted keys, lists become JSON text.
        Run times and other keys of :data:`VOLATILE_PROVENANCE` are not written.
    lang : {"vi", "en"}
        Language of sheet names, headers, category labels and fixed text.
    money_cols : list, or dict sheet key -> list, optional
        Columns formatted as money; default: the known money columns with a numeric dtype.
    totals : bool, list, or dict sheet key -> bool or list
        Add a bold totals row: ``True`` sums the additive columns (money and counts), a list
        names the columns to sum, ``False`` adds none.
    timestamp : datetime
        Document created/modified date (fixed by default so that output is deterministic).
    communes : DataFrame, optional
        The model's communes (``code``, ``name``, ``district_name``, ``type``): every table
        with a commune code column (``code`` or ``commune``) gets the commune's name and
        district beside the code.
    subtotals : dict sheet key -> list of columns, optional
        Subtotal rows by these columns (e.g. ``["district_name", "type"]``): rows grouped by
        the first, each group followed by its subtotal; then one subtotal per value of the
        others. A column ``row_kind`` tells the communes' rows from subtotal rows and a note
        under the table says how to filter them; the totals row sums the communes only.
    notes : dict sheet key -> str, optional
        A note written under a table.

    Returns
    -------
    Path
        The file written.
    """
    check_lang(lang)
    wb = Workbook()
    used: set[str] = set()
    ws = wb.active
    ws.title = _sheet_name(label("summary", lang), used)
    _write_summary(ws, _clean_text(str(title)), summary, lang)
    if provenance is not None and provenance.get("synthetic"):
        put_cell(ws, 3, 1, text(SYNTHETIC_NOTICE_VI, SYNTHETIC_NOTICE_EN, lang)).font = _WARN_FONT
    for key, df in (sheets or {}).items():
        if not isinstance(df, pd.DataFrame):
            raise TypeError(f"sheet {key!r}: expected a DataFrame, got {type(df).__name__}")
        ws = wb.create_sheet(_sheet_name(label(key, lang), used))
        _write_table(
            ws,
            df,
            lang=lang,
            money_cols=_resolve(money_cols, key, None),
            totals=_resolve(totals, key, True),
            communes=communes,
            subtotals=(subtotals or {}).get(key, ()),
            note=(notes or {}).get(key),
        )
    if params is not None:
        ws = wb.create_sheet(_sheet_name(label("params", lang), used))
        _write_params(ws, params, lang)
    if provenance is not None:
        ws = wb.create_sheet(_sheet_name(label("provenance", lang), used))
        _write_provenance(ws, provenance, lang)
    wb.properties.title = _clean_text(str(title))
    wb.properties.language = lang
    for ws in wb.worksheets:
        _print_setup(ws)
    return atomic_save(wb, path, timestamp=timestamp)


#: Columns printed on one landscape A4 page of a wide sheet.
PRINT_COLUMNS_PER_PAGE = 14


def _print_setup(ws: Any) -> None:
    """A4 printing: narrow sheets one page wide; wide ones (scenario years, many allowances)
    landscape over ⌈columns / 14⌉ pages across, every page repeating the header rows and the
    key columns (those left of and above the frozen panes)."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToHeight = 0
    ncol = ws.max_column
    ws.page_setup.fitToWidth = max(1, -(-ncol // PRINT_COLUMNS_PER_PAGE)) if ncol > 16 else 1
    if ncol > 6:
        ws.page_setup.orientation = "landscape"
    if ws.freeze_panes:
        col, row = coordinate_from_string(ws.freeze_panes)
        c = column_index_from_string(col)
        if row > 1:
            ws.print_title_rows = f"1:{row - 1}"
        if c > 1:
            ws.print_title_cols = f"A:{get_column_letter(c - 1)}"
