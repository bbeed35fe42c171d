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

What goes into a cell (values, formula escaping, number formats) is in
:mod:`khoan.report.excel_cells`; names beside codes, subtotal rows and spelled-out parameter and
provenance values in :mod:`khoan.report.excel_content`. Their public names are re-exported here.
"""

from __future__ import annotations

import datetime as _dt
import io
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl.xml as _openpyxl_xml
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string
from openpyxl.worksheet.worksheet import Worksheet

from .._files import atomic_write_bytes, make_folder
from .excel_cells import (
    FINE_FLOAT,
    FMT_COUNT,
    FMT_FINE,
    FMT_FLOAT,
    FMT_MONEY,
    FMT_PERCENT,
    FMT_PLAIN_INT,
    cell_value,
    clean_text,
    column_format,
    display_len,
    escape_formula,
    is_count,
    is_percent,
    is_plain_int,
    needs_escape,
    put_cell,
)
from .excel_cells import csv_bytes as csv_bytes  # re-exported: the one CSV writer
from .excel_content import (
    ROW_KINDS,
    VOLATILE_PROVENANCE,
    flatten_keys,
    readable,
    stable_provenance,
    subtotal_note,
    subtotal_rows,
    sum_value,
    with_names,
)
from .excel_rows import RawRows, splice
from .labels import (
    ADDITIVE_COLUMNS,
    check_lang,
    is_money,
    label,
    provenance_label,
    text,
    value_label,
    workbook_values,
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

#: the tables' plain data rows written as sheet XML (:mod:`khoan.report.excel_rows`); off:
#: every cell through openpyxl (the same bytes, slower; the tests compare both). Only with
#: openpyxl's ElementTree writer, whose bytes the raw rows reproduce: with lxml installed
#: openpyxl writes cells through lxml, and every cell goes through it.
_RAW_ROWS = not _openpyxl_xml.LXML

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


def _resolve(option: Any, sheet: str, default: Any) -> Any:
    if isinstance(option, Mapping):
        return option.get(sheet, default)
    return option


_SUBTOTAL_FONT = Font(bold=True, italic=True)
_SUBTOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")


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
    raw: RawRows | None = None,
) -> None:
    df = _flat(df)
    subtotals = [g for g in subtotals if g in df.columns or g in ("district_name", "type")]
    df = with_names(df, communes, [g for g in subtotals if g not in ("district_name",)])
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
        df, shown, kinds = subtotal_rows(df, shown, subtotals, sum_cols, lang)
        k = 0 if lang == "vi" else 1
        shown["row_kind"] = [ROW_KINDS[x][k] for x in kinds]
        cols = [*cols, "row_kind"]
        note = note or subtotal_note(subtotals, lang)
    fmts = {c: column_format(df, c, money, lang) if c in df.columns else None for c in cols}
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
    # plain rows as sheet XML (the same bytes, without a Cell object each); the last data row
    # stays an openpyxl row, so that the sheet's dimension is the same
    raw = raw if nrows > 1 and len(cols) else None
    if raw is not None:
        raw.register_before(ws)
        col_fmts = [fmts[c] for c in cols]
    for i in range(nrows):
        r = hr + 1 + i
        sub = bool(kinds) and kinds[i] != "unit"
        if raw is not None and not sub and i < nrows - 1:
            written = raw.row(ws, r, values[i], col_fmts)
            if written is not None:
                for j, v in enumerate(written):
                    widths[j] = max(widths[j], display_len(v, col_fmts[j]))
                continue
        for j, c in enumerate(cols):
            cell = put_cell(ws, r, j + 1, values[i, j], fmts[c])
            widths[j] = max(widths[j], display_len(cell.value, fmts[c]))
            if sub:
                cell.font = _SUBTOTAL_FONT
                cell.fill = _SUBTOTAL_FILL
            if raw is not None and cell.has_style:
                _ = cell.style_id  # registered in the order of the rows, as openpyxl does
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
                cell = put_cell(ws, r, j + 1, sum_value(df[c]), fmts[c] or FMT_FLOAT)
                widths[j] = max(widths[j], display_len(cell.value, fmts[c]))
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
        ws.freeze_panes = f"{get_column_letter(keys + 1)}{hr + 1}"  # (no cell created)


def _sheet_name(name: str, used: set[str]) -> str:
    s = re.sub(r"[\[\]:*?/\\]", " ", clean_text(name)).strip().strip("'") or "Sheet"
    s = s[:31]
    base, k = s, 2
    while s.lower() in used:
        suffix = f" ({k})"
        s = base[: 31 - len(suffix)] + suffix
        k += 1
    used.add(s.lower())
    return s


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
        v = (
            cell_value(value_label(key, v, lang))
            if not isinstance(v, list | tuple)
            else readable(v, lang)
        )
        if isinstance(v, int) and not isinstance(v, bool):
            fmt = FMT_PLAIN_INT if is_plain_int(key) else FMT_COUNT if is_count(key) else FMT_MONEY
        elif isinstance(v, float):
            fmt = FMT_PERCENT if is_percent(key) else FMT_FINE if key in FINE_FLOAT else FMT_FLOAT
        else:
            fmt = None
        put_cell(ws, hr + i, 1, label(key, lang))
        put_cell(ws, hr + i, 2, v, fmt)
        w[0] = max(w[0], len(label(key, lang)))
        w[1] = max(w[1], display_len(v, fmt))
    ws.column_dimensions["A"].width = min(w[0] + 2, 60)
    ws.column_dimensions["B"].width = min(w[1] + 2, 80)
    ws.freeze_panes = f"A{hr + 1}"


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
                    FMT_MONEY if abs(v) >= 1000 and float(v).is_integer() else "General"
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


def _write_provenance(ws: Worksheet, provenance: Mapping[str, Any], lang: str) -> None:
    """Three columns: the key (code), its label and the value spelled out."""
    rows = flatten_keys(stable_provenance(provenance))
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
def _deterministic(
    data: bytes, timestamp: _dt.datetime, raw: Mapping[str, Mapping[int, str]] | None = None
) -> bytes:
    """Rewrite an xlsx container with fixed zip timestamps and document dates (and the raw
    rows of :mod:`khoan.report.excel_rows` put into their sheets)."""
    stamp = timestamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as zin,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout,
    ):
        for info in zin.infolist():
            body = zin.read(info.filename)
            if raw and info.filename in raw:
                body = splice(body, raw[info.filename])
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
    wb: Workbook,
    path: str | Path,
    *,
    timestamp: _dt.datetime = FIXED_TIMESTAMP,
    raw: RawRows | None = None,
) -> Path:
    """Save ``wb`` to ``path`` atomically and deterministically (fixed dates); ``raw``: rows
    written as sheet XML by :func:`write_workbook`, put into their sheets."""
    p = Path(path)
    make_folder(p.parent)
    wb.properties.created = timestamp
    wb.properties.modified = timestamp
    wb.properties.lastModifiedBy = None
    wb.properties.creator = "khoan"
    buf = io.BytesIO()
    wb.save(buf)
    rows = raw.by_part() if raw is not None else None
    return atomic_write_bytes(p, _deterministic(buf.getvalue(), timestamp, rows))


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
    raw = RawRows(wb)
    used: set[str] = set()
    ws = wb.active
    ws.title = _sheet_name(label("summary", lang), used)
    _write_summary(ws, clean_text(str(title)), summary, lang)
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
            raw=raw if _RAW_ROWS else None,
        )
    if params is not None:
        ws = wb.create_sheet(_sheet_name(label("params", lang), used))
        _write_params(ws, params, lang)
    if provenance is not None:
        ws = wb.create_sheet(_sheet_name(label("provenance", lang), used))
        _write_provenance(ws, provenance, lang)
    wb.properties.title = clean_text(str(title))
    wb.properties.language = lang
    for ws in wb.worksheets:
        _print_setup(ws)
    return atomic_save(wb, path, timestamp=timestamp, raw=raw)


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
