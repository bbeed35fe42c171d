"""The Excel input template: the blank workbook a province fills in.

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

Reading a filled one back is :mod:`khoan.report.template_read`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from ..data.labels import CATEGORY_LABELS
from ..data.schema import get_schema
from ..data.starter import indicator_catalog
from .excel import atomic_save, put_cell
from .headers import header_text
from .labels import check_lang, text

__all__ = ["SHEETS", "TABLES", "write_template"]


#: the input tables of a model, in template order
TABLES = ("communes", "staff", "outputs")
#: sheet names (Vietnamese, English)
SHEETS: dict[str, tuple[str, str]] = {
    "instructions": ("Hướng dẫn", "Instructions"),
    "communes": ("Đơn vị hành chính", "Communes"),
    "staff": ("Nhân sự", "Staff"),
    "outputs": ("Chỉ tiêu đầu ra", "Outputs"),
    "lists": ("Danh mục", "Lists"),
}
_TYPE_WORDS = {
    "str": ("Chữ", "Text"),
    "int": ("Số nguyên", "Whole number"),
    "float": ("Số", "Number"),
    "date": ("Ngày", "Date"),
    "bool": ("Có/Không", "Yes/No"),
    "category": ("Danh mục", "List"),
}
_UNIT_WORDS = {
    "persons": ("người", "persons"),
    "km2": ("km²", "km²"),
    "coefficient": ("hệ số", "coefficient"),
    "percent": ("%", "%"),
    "VND/year": ("đồng/năm", "VND/year"),
}
_YES_NO = {"vi": ("có", "không"), "en": ("yes", "no")}
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_REQUIRED_FILL = PatternFill("solid", fgColor="FCE4D6")


# -- writing ---------------------------------------------------------------------------------------


def _header_row(ws, row: int, heads: list[str]) -> None:
    """A bold, filled header row of the instructions sheet."""
    for j, h in enumerate(heads, start=1):
        c = put_cell(ws, row, j, h)
        c.font = Font(bold=True)
        c.fill = _HEADER_FILL


def _choices(column: str, spec_allowed: tuple[str, ...], lang: str) -> list[Any]:
    if column in CATEGORY_LABELS:
        i = 0 if lang == "vi" else 1
        return [CATEGORY_LABELS[column][a][i] for a in spec_allowed if a in CATEGORY_LABELS[column]]
    return [int(a) if a.isdigit() else a for a in spec_allowed]


def _allowed_text(column: str, allowed: tuple[str, ...], lang: str) -> str:
    if column in CATEGORY_LABELS:
        i = 0 if lang == "vi" else 1
        return "; ".join(
            f"{CATEGORY_LABELS[column][a][i]} ({a})" if a in CATEGORY_LABELS[column] else a
            for a in allowed
        )
    return "; ".join(allowed)


def _unit_text(unit: str, lang: str) -> str:
    pair = _UNIT_WORDS.get(unit)
    if pair is None:
        return unit
    return pair[0] if lang == "vi" else pair[1]


def _fmt_bound(v: float | None) -> Any:
    if v is None:
        return None
    return int(v) if float(v).is_integer() else v


def _cell_value(v: Any, spec, lang: str) -> Any:
    """A typed table value as written into the template."""
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, float | np.floating) and np.isnan(v):
        return None
    if spec.dtype == "category":
        pair = CATEGORY_LABELS.get(spec.column, {}).get(str(v))
        return (pair[0] if lang == "vi" else pair[1]) if pair else v
    if spec.dtype == "bool":
        yes, no = _YES_NO[lang]
        return yes if bool(v) else no
    if spec.dtype == "date":
        return pd.Timestamp(v).date()
    if spec.dtype == "int":
        return int(v)
    if spec.dtype == "float":
        return float(v)
    return str(v)


def _write_instructions(ws, lang: str) -> None:
    t = lambda vi, en: text(vi, en, lang)  # noqa: E731
    sheet = {k: v[0 if lang == "vi" else 1] for k, v in SHEETS.items()}
    put_cell(ws, 1, 1, t("Mẫu nhập liệu khoan — hướng dẫn", "khoan input template — instructions"))
    ws.cell(row=1, column=1).font = Font(bold=True, size=14)
    steps = [
        t(
            f"1. Sheet «{sheet['communes']}»: mỗi đơn vị hành chính cấp xã một dòng. "
            f"Sheet «{sheet['staff']}»: mỗi cán bộ, công chức, người hoạt động không chuyên "
            f"trách một dòng. Sheet «{sheet['outputs']}»: chỉ tiêu đầu ra theo xã và năm (không bắt buộc).",
            f"1. Sheet «{sheet['communes']}»: one row per commune-level unit. Sheet "
            f"«{sheet['staff']}»: one row per person. Sheet «{sheet['outputs']}»: output "
            "indicators by commune and year (optional).",
        ),
        t(
            "2. Không đổi tên sheet, không sửa dòng tiêu đề, không chèn dòng trống phía trên. "
            "Mã trong ngoặc ở tiêu đề — ví dụ (coefficient) — là tên cột khoan đọc.",
            "2. Do not rename the sheets or edit the header row. The code in brackets in each "
            "header — e.g. (coefficient) — is the column name khoan reads.",
        ),
        t(
            "3. Tiêu đề màu cam: cột bắt buộc. Ô có danh sách thả xuống: chọn trong danh sách "
            "(cũng có thể gõ mã, ví dụ xa, can_bo).",
            "3. Orange headers: required columns. Cells with a drop-down list: pick a value "
            "(codes such as xa, can_bo are accepted too).",
        ),
        t(
            "4. Ngày: kiểu ngày của Excel, hoặc DD/MM/YYYY, hoặc YYYY-MM-DD. Số tiền: đồng, số "
            "nguyên. Mã đơn vị: 5 chữ số theo danh mục ĐVHC (cột mã đã định dạng Text để giữ số 0 ở đầu).",
            "4. Dates: Excel dates, DD/MM/YYYY or YYYY-MM-DD. Amounts: whole đồng. Unit codes: "
            "the official 5-digit codes (code columns are formatted as text to keep leading zeros).",
        ),
        t(
            "5. Kiểm tra: khoan validate nhap-lieu.xlsx (lỗi được báo theo sheet, dòng và cột). "
            "Tạo mô hình: khoan init mo_hinh --province 56 --from nhap-lieu.xlsx (mã tỉnh theo "
            "danh mục ĐVHC), rồi khoan budget mo_hinh --year 2026.",
            "5. Check: khoan validate input.xlsx (problems are reported by sheet, row and "
            "column). Make a model: khoan init my_model --province 56 --from input.xlsx (the "
            "official province code), then khoan budget my_model --year 2026.",
        ),
    ]
    for i, s in enumerate(steps, start=3):
        c = put_cell(ws, i, 1, s)
        c.alignment = Alignment(wrap_text=True, vertical="top")
        ws.merge_cells(start_row=i, start_column=1, end_row=i, end_column=9)
        ws.row_dimensions[i].height = 32
    hr = 3 + len(steps) + 1
    heads = [
        t("Sheet", "Sheet"),
        t("Tiêu đề cột", "Column header"),
        t("Mã cột", "Code"),
        t("Bắt buộc", "Required"),
        t("Kiểu", "Type"),
        t("Đơn vị tính", "Unit"),
        t("Giá trị cho phép", "Allowed values"),
        t("Tối thiểu", "Min"),
        t("Tối đa", "Max"),
        t("Mô tả", "Description"),
    ]
    _header_row(ws, hr, heads)
    r = hr + 1
    for table in TABLES:
        sch = get_schema(table)
        for spec in sch.columns:
            yes, no = _YES_NO[lang]
            row = [
                sheet[table],
                header_text(spec.column, lang),
                spec.column,
                yes if spec.required else no,
                _TYPE_WORDS[spec.dtype][0 if lang == "vi" else 1],
                _unit_text(spec.unit, lang),
                _allowed_text(spec.column, spec.allowed, lang)
                if spec.allowed
                else (f"{yes}; {no}" if spec.dtype == "bool" else ""),
                _fmt_bound(spec.min),
                _fmt_bound(spec.max),
                spec.description_vi if lang == "vi" else spec.description_en,
            ]
            for j, v in enumerate(row, start=1):
                c = put_cell(ws, r, j, v)
                c.alignment = Alignment(wrap_text=True, vertical="top")
            r += 1
    r += 1
    c = put_cell(ws, r, 1, t("Mã chỉ tiêu đầu ra", "Output indicator codes"))
    c.font = Font(bold=True)
    r += 1
    heads = [
        t("Mã (indicator)", "Code (indicator)"),
        t("Chỉ tiêu", "Indicator"),
        t("Loại", "Kind"),
        t("Hướng tốt", "Better when"),
        t("Tối thiểu", "Min"),
        t("Tối đa", "Max"),
    ]
    _header_row(ws, r, heads)
    kinds = {"service": t("dịch vụ công", "service"), "workload": t("khối lượng", "workload")}
    better = {"lower": t("thấp hơn", "lower"), "higher": t("cao hơn", "higher")}
    for code, spec in indicator_catalog().items():
        r += 1
        label = spec["label_vi"] if lang == "vi" else spec["label_en"]
        lo, hi = spec["range"]
        row = [code, label, kinds[spec["kind"]], better[spec["direction"]]]
        for j, v in enumerate([*row, _fmt_bound(lo), _fmt_bound(hi)], start=1):
            put_cell(ws, r, j, v)
    for j, w in enumerate((20, 34, 18, 9, 12, 12, 48, 9, 9, 60), start=1):
        ws.column_dimensions[get_column_letter(j)].width = w
    ws.freeze_panes = f"A{hr + 1}"


def _write_lists(ws, lang: str) -> dict[str, str]:
    """Drop-down sources, one column each; returns column name -> absolute range formula."""
    lists: dict[str, list[Any]] = {}
    for table in TABLES:
        for spec in get_schema(table).columns:
            if spec.allowed and spec.column not in lists:
                lists[spec.column] = _choices(spec.column, spec.allowed, lang)
    lists["_bool"] = list(_YES_NO[lang])
    lists["indicator"] = list(indicator_catalog())  # codes: the outputs sheet reads codes
    refs: dict[str, str] = {}
    title = quote_sheetname(ws.title)
    for j, (col, values) in enumerate(lists.items(), start=1):
        letter = get_column_letter(j)
        put_cell(ws, 1, j, col)
        for i, v in enumerate(values, start=2):
            put_cell(ws, i, j, v)
        refs[col] = f"{title}!${letter}$2:${letter}${len(values) + 1}"
        ws.column_dimensions[letter].width = max(12, max(len(str(v)) for v in values) + 2)
    return refs


def _write_table_sheet(
    ws,
    table: str,
    data: pd.DataFrame | None,
    lang: str,
    refs: Mapping[str, str],
    rows: int,
    communes_ref: str | None,
) -> None:
    sch = get_schema(table)
    n = 0 if data is None else len(data)
    last = max(rows, n + 500) + 1
    date_fmt = "dd/mm/yyyy" if lang == "vi" else "yyyy-mm-dd"
    for j, spec in enumerate(sch.columns, start=1):
        letter = get_column_letter(j)
        head = header_text(spec.column, lang)
        c = put_cell(ws, 1, j, head)
        c.font = Font(bold=True)
        c.fill = _REQUIRED_FILL if spec.required else _HEADER_FILL
        c.alignment = Alignment(wrap_text=True, vertical="center")
        note = [spec.description_vi if lang == "vi" else spec.description_en]
        if spec.unit:
            note.append(f"{text('Đơn vị tính', 'Unit', lang)}: {_unit_text(spec.unit, lang)}")
        if spec.allowed:
            note.append(
                f"{text('Giá trị', 'Values', lang)}: {_allowed_text(spec.column, spec.allowed, lang)}"
            )
        if spec.min is not None or spec.max is not None:
            lo = "" if spec.min is None else f"≥ {_fmt_bound(spec.min)}"
            hi = "" if spec.max is None else f"≤ {_fmt_bound(spec.max)}"
            note.append(" ".join(x for x in (lo, hi) if x))
        note.append(
            text("Bắt buộc", "Required", lang)
            if spec.required
            else text("Không bắt buộc", "Optional", lang)
        )
        com = Comment("\n".join(note), "khoan")
        com.width, com.height = 300, 120
        c.comment = com
        dim = ws.column_dimensions[letter]
        dim.width = max(12, min(len(head) * 0.75 + 2, 30))
        if spec.dtype == "str":
            dim.number_format = "@"
        elif spec.dtype == "date":
            dim.number_format = date_fmt
        elif spec.dtype == "int" and spec.unit.startswith("VND"):
            dim.number_format = "#,##0"
        rng = f"{letter}2:{letter}{last}"
        dv = None
        if spec.column in refs and (spec.allowed and spec.dtype in ("category", "int")):
            dv = DataValidation(type="list", formula1=refs[spec.column], allow_blank=True)
            dv.error = text(
                "Chọn một giá trị trong danh sách.", "Pick a value from the list.", lang
            )
            dv.errorTitle = head
            dv.errorStyle = "warning" if spec.dtype == "category" else "stop"
        elif spec.dtype == "bool":
            dv = DataValidation(type="list", formula1=refs["_bool"], allow_blank=True)
            dv.errorStyle = "warning"
            dv.error = text("Chọn có hoặc không.", "Pick yes or no.", lang)
        elif spec.column == "indicator" and "indicator" in refs:
            # the documented codes; a province's own code is allowed (its params/ define it)
            dv = DataValidation(type="list", formula1=refs["indicator"], allow_blank=True)
            dv.errorStyle = "warning"
            dv.error = text(
                "Mã chỉ tiêu không có trong danh sách: chỉ dùng nếu params/allocation/"
                "indicators.yaml của mô hình định nghĩa nó.",
                "Indicator code not in the list: use it only if the model's "
                "params/allocation/indicators.yaml defines it.",
                lang,
            )
        elif spec.column == "commune" and communes_ref is not None:
            dv = DataValidation(type="list", formula1=communes_ref, allow_blank=True)
            dv.errorStyle = "warning"
            dv.error = text(
                "Mã xã chưa có ở sheet đơn vị hành chính.",
                "This commune code is not on the communes sheet.",
                lang,
            )
        elif spec.dtype in ("int", "float") and (spec.min is not None or spec.max is not None):
            kind = "whole" if spec.dtype == "int" else "decimal"
            if spec.min is not None and spec.max is not None:
                dv = DataValidation(
                    type=kind,
                    operator="between",
                    formula1=str(_fmt_bound(spec.min)),
                    formula2=str(_fmt_bound(spec.max)),
                    allow_blank=True,
                )
            elif spec.min is not None:
                dv = DataValidation(
                    type=kind,
                    operator="greaterThanOrEqual",
                    formula1=str(_fmt_bound(spec.min)),
                    allow_blank=True,
                )
            else:
                dv = DataValidation(
                    type=kind,
                    operator="lessThanOrEqual",
                    formula1=str(_fmt_bound(spec.max)),
                    allow_blank=True,
                )
            dv.errorStyle = "warning"
            dv.error = text(
                "Giá trị ngoài khoảng cho phép.", "Value out of the allowed range.", lang
            )
        if dv is not None:
            dv.showErrorMessage = True
            ws.add_data_validation(dv)
            dv.add(rng)
    if data is not None and n:
        specs = {s.column: s for s in sch.columns}
        cols = [c for c in sch.names if c in data.columns]
        for c in cols:
            j = sch.names.index(c) + 1
            spec = specs[c]
            vals = data[c].to_numpy(dtype=object)
            for i, v in enumerate(vals, start=2):
                cell = put_cell(ws, i, j, _cell_value(v, spec, lang))
                if spec.dtype == "date" and cell.value is not None:
                    cell.number_format = date_fmt
                elif spec.dtype == "str" and cell.value is not None:
                    cell.number_format = "@"
    ws.freeze_panes = "B2" if table in ("communes", "staff") else "A2"
    ws.row_dimensions[1].height = 45


def write_template(
    path: str | Path,
    lang: str = "vi",
    *,
    model: Any | None = None,
    tables: Mapping[str, pd.DataFrame] | None = None,
    rows: int = 2000,
) -> Path:
    """Write the input template (blank, or filled with a model's tables).

    Parameters
    ----------
    path : str or Path
        The ``.xlsx`` to write (atomically).
    lang : {"vi", "en"}
        Language of sheet names, headers, drop-down values and instructions.
    model : khoan.Model, optional
        Fill the template with this model's communes, staff and outputs (e.g. to start from a
        bundled example).
    tables : dict, optional
        Tables to fill in (``{"communes": df, ...}``, typed as in a Model); overrides ``model``.
    rows : int
        Rows prepared with drop-down lists and checks (at least 500 beyond the data).

    Returns
    -------
    Path
    """
    check_lang(lang)
    data: dict[str, pd.DataFrame] = {}
    if model is not None:
        data = {t: getattr(model, t) for t in TABLES}
    if tables is not None:
        data.update(tables)
    i = 0 if lang == "vi" else 1
    wb = Workbook()
    ws_help = wb.active
    ws_help.title = SHEETS["instructions"][i]
    sheets = {t: wb.create_sheet(SHEETS[t][i]) for t in TABLES}
    ws_lists = wb.create_sheet(SHEETS["lists"][i])
    refs = _write_lists(ws_lists, lang)
    ws_lists.sheet_state = "hidden"
    n_communes = len(data.get("communes", ())) if data.get("communes") is not None else 0
    last = max(rows, n_communes + 500) + 1
    communes_ref = f"{quote_sheetname(SHEETS['communes'][i])}!$A$2:$A${last}"
    _write_instructions(ws_help, lang)
    for t in TABLES:
        _write_table_sheet(sheets[t], t, data.get(t), lang, refs, rows, communes_ref)
    wb.properties.title = text("Mẫu nhập liệu khoan", "khoan input template", lang)
    wb.properties.language = lang
    wb.active = 0
    return atomic_save(wb, path)
