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
   (``staff = "input.xlsx#Nhân sự"``) loads with ``khoan.load`` once ``khoan.model._read_table``
   passes the raw table through :func:`khoan.report.headers.header_codes` (one line).
"""

from __future__ import annotations

import datetime as _dt
import json
import re
import shutil
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from ..data.io import read_raw
from ..data.labels import CATEGORY_LABELS
from ..data.schema import coerce_table, get_schema
from ..data.starter import indicator_catalog
from ..errors import Problem, ValidationError
from .excel import atomic_save, put_cell
from .headers import header_codes, header_text
from .labels import check_lang, text

__all__ = [
    "SHEETS",
    "TABLES",
    "header_codes",
    "header_text",
    "read_template",
    "template_to_model",
    "write_template",
]

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
_UNIQUE = {"communes": ("code",), "staff": ("id",), "outputs": ()}
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


# -- reading ----------------------------------------------------------------------------------------
def _sheet_names(xlsx: Path) -> list[str]:
    try:
        wb = load_workbook(xlsx, read_only=True)
    except Exception:  # corrupt files: read_raw reports them with their location
        return []
    try:
        return list(wb.sheetnames)
    finally:
        wb.close()


def _find_sheet(names: list[str], table: str) -> str | None:
    low = {unicodedata.normalize("NFC", n).strip().lower(): n for n in names}
    for cand in (*SHEETS[table], table):
        hit = low.get(cand.lower())
        if hit is not None:
            return hit
    return None


_MIDNIGHT = re.compile(r"^(\d{4}-\d{2}-\d{2}) 00:00:00$")


def read_template(xlsx: str | Path) -> dict[str, tuple[str | None, pd.DataFrame]]:
    """Raw text tables of a filled template: table -> (sheet name, DataFrame with code headers).

    A missing outputs sheet gives ``(None, empty)``; a missing communes or staff sheet raises
    :class:`~khoan.errors.ValidationError`. Excel dates come back as ``YYYY-MM-DD``.
    """
    p = Path(xlsx)
    names = _sheet_names(p)
    out: dict[str, tuple[str | None, pd.DataFrame]] = {}
    problems: list[Problem] = []
    for t in TABLES:
        sheet = _find_sheet(names, t)
        if sheet is None:
            if t == "outputs" and names:
                out[t] = (None, pd.DataFrame())
                continue
            if not names:
                read_raw(p, None)  # raises with the reason (missing, empty, corrupt)
            problems.append(
                Problem(
                    p.name,
                    SHEETS[t][0],
                    None,
                    None,
                    None,
                    f"sheet not found (expected «{SHEETS[t][0]}» or «{SHEETS[t][1]}»; "
                    f"the workbook has: {', '.join(names)})",
                )
            )
            continue
        try:
            raw = read_raw(p, sheet)
        except ValidationError as exc:
            if t == "outputs" and any("empty" in pr.rule for pr in exc.problems):
                out[t] = (sheet, pd.DataFrame())
                continue
            problems += [
                Problem(p.name, sheet, pr.row, pr.column, pr.value, pr.rule) for pr in exc.problems
            ]
            continue
        raw = header_codes(raw, t)
        raw = raw.apply(lambda s: s.astype(str).str.replace(_MIDNIGHT, r"\1", regex=True))
        out[t] = (sheet, raw)
    if problems:
        raise ValidationError(problems, title=f"Template {p.name} cannot be read")
    return out


_REGISTRY_OFF_LINE = (
    "registry = false                 # codes not checked against the official registry"
)


def _toml_str(s: str) -> str:
    return json.dumps(str(s), ensure_ascii=False)


def template_to_model(
    xlsx: str | Path,
    folder: str | Path,
    *,
    name: str | None = None,
    title: str | None = None,
    province_code: str | None = None,
    structure: str = "2025",
    base_year: int | None = None,
    years: tuple[int, int] | list[int] | None = None,
    tables: str = "csv",
    params: str | Path | None = None,
    validate: bool = True,
    registry: bool = True,
) -> Path:
    """Make a model folder from a filled template and check it.

    Parameters
    ----------
    xlsx : str or Path
        The filled template.
    folder : str or Path
        The model folder to write (created; ``model.toml`` and table files are replaced).
    name, title, province_code, structure, base_year, years
        Written to ``model.toml`` (see ``docs/architecture.md``). ``years`` defaults to
        ``[base_year, base_year]``; ``base_year`` to the first outputs year, else this year.
    tables : {"csv", "xlsx"}
        ``"csv"``: write ``communes.csv``, ``staff.csv`` (and ``outputs.csv``) with code headers
        — works with any khoan. ``"xlsx"``: copy the workbook as ``input.xlsx`` and name its
        sheets in ``[tables]`` (needs :func:`header_codes` wired into the loader).
    params : str or Path, optional
        A provincial parameter overlay folder to copy into the model as ``params/``.
    validate : bool
        Check the tables against their schemas first, then load the model with
        ``khoan.load``. Every problem is reported against the workbook: file, sheet, row
        (header = row 1) and column code.
    registry : bool
        ``False`` writes ``registry = false``: commune codes are not checked against the
        official registry (made-up or future units); every output says so.

    Returns
    -------
    Path
        The model folder.

    Raises
    ------
    ValidationError
        The workbook cannot be read or its data are not valid.
    """
    if tables not in ("csv", "xlsx"):
        raise ValueError("tables must be 'csv' or 'xlsx'")
    src = Path(xlsx)
    raw = read_template(src)
    where: dict[str, tuple[str, str | None]] = {}
    if validate:
        problems: list[Problem] = []
        for t in TABLES:
            sheet, df = raw[t]
            if t == "outputs" and df.empty and len(df.columns) == 0:
                continue
            _, pr, _ = coerce_table(df, get_schema(t), src.name, sheet, unique=_UNIQUE[t])
            problems += pr
        # a missing sheet or column stops here; problems in rows go on to the model's checks
        # (communes of the staff, legal scales) so that every problem is listed at once
        if any(p.row is None or p.row == 1 for p in problems):
            raise ValidationError(problems, title=f"Template {src.name} is not valid")
    final = Path(folder)
    # everything is written and checked in a folder beside the destination, then moved in:
    # a failure leaves the destination as it was (no half-written model)
    dest = _staging(final)
    if params is None and (final / "params").is_dir():  # checked with the folder's own params
        shutil.copytree(final / "params", dest / "params")
    try:
        _fill_model_folder(
            src, raw, dest, where, final.name, name, title, province_code, structure,
            base_year, years, tables, params, validate, registry,
        )  # fmt: skip
        dropped = [] if "outputs" in _refs_of(dest) else ["outputs.csv"]
        _move_into(dest, final, dropped, keep_params=params is None)
    finally:
        shutil.rmtree(dest, ignore_errors=True)
    return final


def _staging(final: Path) -> Path:
    """An empty folder beside ``final`` (same file system: the move is a rename)."""
    import tempfile

    final.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{final.name}.", suffix=".partial", dir=final.parent))


def _refs_of(folder: Path) -> dict[str, str]:
    import tomllib

    return tomllib.loads((folder / "model.toml").read_text("utf-8")).get("tables", {})


def _move_into(staged: Path, final: Path, dropped: list[str], *, keep_params: bool) -> None:
    """Move the staged files into ``final`` (created if absent: one rename)."""
    import os

    if not final.exists():
        umask = os.umask(0)
        os.umask(umask)
        staged.chmod(0o777 & ~umask)  # mkdtemp makes it private
        os.replace(staged, final)
        return
    for name in dropped:
        (final / name).unlink(missing_ok=True)
    for item in staged.iterdir():
        if item.name == "params" and keep_params:
            continue
        target = final / item.name
        if item.is_dir():
            shutil.rmtree(target, ignore_errors=True)
        os.replace(item, target)


def _fill_model_folder(
    src, raw, dest, where, default_name, name, title, province_code, structure,
    base_year, years, tables, params, validate, registry,
) -> None:  # fmt: skip
    """Write ``model.toml`` and the tables of a filled template into ``dest`` and check them."""
    refs: dict[str, str] = {}
    for t in TABLES:
        sheet, df = raw[t]
        has_rows = len(df) > 0
        if t == "outputs" and not has_rows:
            continue
        if tables == "csv":
            fname = f"{t}.csv"
            df.to_csv(dest / fname, index=False, encoding="utf-8", lineterminator="\n")
            refs[t] = fname
            where[fname] = (src.name, sheet)
        else:
            refs[t] = f"input.xlsx#{sheet}"
    if tables == "xlsx":
        shutil.copyfile(src, dest / "input.xlsx")
    if params is not None:
        shutil.copytree(Path(params), dest / "params", dirs_exist_ok=True)
        where["input.xlsx"] = (src.name, None)
    if base_year is None:
        out_years = pd.to_numeric(
            raw["outputs"][1].get("year", pd.Series(dtype=str)), errors="coerce"
        )
        base_year = int(out_years.min()) if out_years.notna().any() else _dt.date.today().year
    yrs = list(years) if years is not None else [base_year, base_year]
    lines = [
        f"name = {_toml_str(name or default_name)}",
        f"title = {_toml_str(title or name or default_name)}",
    ]
    if province_code is not None:
        lines.append(f"province_code = {_toml_str(province_code)}")
    lines += [
        f"structure = {_toml_str(structure)}",
        f"base_year = {int(base_year)}",
        f"years = [{', '.join(str(int(y)) for y in yrs)}]",
        *([] if registry else [_REGISTRY_OFF_LINE]),
        "",
        "[tables]",
        *(f"{t} = {_toml_str(r)}" for t, r in refs.items()),
        "",
    ]
    (dest / "model.toml").write_text("\n".join(lines), encoding="utf-8")
    if validate:
        from ..model import load

        try:
            load(dest)
        except ValidationError as exc:
            mapped = []
            for pr in exc.problems:
                f = Path(pr.file).name if pr.file else None
                if f in where:
                    file, sheet = where[f]
                    mapped.append(
                        Problem(file, pr.sheet or sheet, pr.row, pr.column, pr.value, pr.rule)
                    )
                else:
                    mapped.append(pr)
            raise ValidationError(mapped, title=f"Template {src.name} is not valid") from None


# -- a new province ---------------------------------------------------------------------------------
def _example_text(value: Any) -> str:
    if isinstance(value, dict):
        inner = ", ".join(f"{k}: {_example_text(v)}" for k, v in list(value.items())[:3])
        return "{" + inner + (", …}" if len(value) > 3 else "}")
    if isinstance(value, int | float) and not isinstance(value, bool) and abs(value) >= 1000:
        return f"{value:,}".replace(",", " ")
    return str(value)


def _starter_rows() -> list[dict[str, str]]:
    """One row per parameter of the starter files: key, unit, what, example, reference, file."""
    import yaml

    from ..data.starter import ALLOCATION_KEYS, STARTER_FILES, starter_path

    rows: list[dict[str, str]] = []

    def walk(node: dict, key: str, rel: str) -> None:
        if "values" in node:
            first = next(iter(node["values"].values()))
            desc = node.get("description", {})
            rows.append(
                {
                    "key": key,
                    "unit": str(node.get("unit", "")),
                    "what": f"{desc.get('vi', '')} — {desc.get('en', '')}",
                    "example": _example_text(first["value"]),
                    "reference": " ".join(str(first["reference"]).split()),
                    "file": rel,
                    "needed_by": "khoan allocate" if key in ALLOCATION_KEYS else "khoan budget",
                }
            )
            return
        for k, v in node.items():
            if isinstance(v, dict) and k not in ("description", "documentation"):
                walk(v, f"{key}.{k}", rel)

    for rel in STARTER_FILES:
        if rel.endswith("index.yaml"):
            continue
        data = yaml.safe_load(starter_path(rel).read_text("utf-8"))
        walk(data, rel.removesuffix(".yaml").replace("/", "."), rel)
    return rows


def params_readme(structure: str) -> str:
    """``params/README.md`` of a new model: every provincial parameter it still needs."""
    rows = _starter_rows()
    lines = [
        "# Tham số của tỉnh — provincial parameters this model still needs",
        "",
        "The national law is built into khoan (`khoan params list`). What the province decides",
        "is not, and khoan never takes another province's figures silently: put each parameter",
        "below in this folder as a YAML file (same format as the law: dated `values`, each with",
        "`reference` and `confidence`). Each `*.yaml.example` file here is a documented starting",
        "point with ILLUSTRATIVE values: copy it without the `.example` suffix, replace the values",
        "with your decisions and their references, and set `confidence: confirmed`.",
        "",
        "| key | unit | needed by | what | example (illustrative) | example's reference | file |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| `{r['key']}` | {r['unit']} | `{r['needed_by']}` | {r['what']} | {r['example']} "
            f"| {r['reference']} | `{r['file']}.example` |"
        )
    lines += [
        "",
        "Who decides: the allocation norms are the provincial People's Council's (HĐND tỉnh,",
        "Luật NSNN 2015 Điều 30 khoản 2); the output-based allocation rules (indicators, targets,",
        "weights, share of the envelope by score) are the province's choice — indicator codes are",
        "listed in docs/user-guide.md and on the template's instructions sheet.",
    ]
    if structure == "2025":
        lines += [
            "",
            "Two-tier structure (from 2025-07-01): there is no national commune staffing quota",
            "(`staffing.quota.cadres_civil_servants` is null in the law). If the province sets a",
            "temporary framework, add it as `staffing/quota.yaml` (example:",
            "khoan/models/khanh_hoa_2026/params/staffing/quota.yaml).",
        ]
    return "\n".join(lines) + "\n"


def starter_scenarios(years: list[int], title: str) -> str:
    """A starter ``scenarios.toml``: attrition only and a 5 % reduction (national targets)."""
    y0, y1 = years[0], years[-1]
    regime = "nd178" if y0 >= 2025 else "nd108"
    return f"""# Staff-reduction scenarios (starter written by khoan init). Run one:
#   khoan simulate FOLDER --scenario attrition_only
# Grammar and every field: docs/user-guide.md ("Scenarios").

title = {_toml_str("Tinh giản biên chế cấp xã — " + title)}

[defaults]
years = [{y0}, {y1}]
regime = "{regime}"               # benefit regime of the leavers (nd108, nd178, nd154)
decision_date = {y0}-01-01
approved_falls = true            # the approved staffing (and the lump sum) falls with the headcount

[scenarios.attrition_only]
title = "Chỉ giảm tự nhiên (không tuyển thay người nghỉ hưu)"
policy = "attrition"

[scenarios.cut_5pct]
title = "Giảm 5 % cán bộ, công chức đến {y1} — nghỉ hưu trước tuổi, thôi việc"
policy = "early_retirement"
kinds = ["early_retirement", "resignation"]
target = {{ share = 0.05, by = {y1} }}
"""


def init_model(
    folder: str | Path,
    province_code: str,
    *,
    xlsx: str | Path | None = None,
    structure: str = "2025",
    base_year: int | None = None,
    years: tuple[int, int] | list[int] | None = None,
    name: str | None = None,
    title: str | None = None,
    registry: bool = True,
    lang: str = "vi",
) -> Path:
    """Make a new province model folder (``khoan init``), atomically.

    Writes ``model.toml``, the tables (from a filled template, or a blank ``input.xlsx`` whose
    communes sheet lists the province's official units), ``params/README.md`` listing every
    provincial parameter the model still needs with ``*.yaml.example`` starters, and a starter
    ``scenarios.toml``. Everything is written in a folder beside ``folder`` and renamed into
    place at the end: a failure leaves nothing behind.

    Parameters
    ----------
    folder : str or Path
        The new model folder; it must not exist, or be empty.
    province_code : str
        Official 2-digit province code (``"56"`` Khánh Hòa), checked against the registry of
        ``structure`` unless ``registry=False``.
    xlsx : str or Path, optional
        A filled template (``khoan template``); validated (problems by sheet, row, column).
    structure : {"2025", "2016"}
        Administrative structure of the codes.
    base_year, years
        Roster year and model years (defaults: this year; five years from the base year).
    name, title
        Written to ``model.toml`` (defaults: folder name; the province's name).
    registry : bool
        ``False``: ``registry = false`` — codes are not checked (made-up or future units);
        every output says so.
    lang : {"vi", "en"}
        Language of the blank workbook.

    Returns
    -------
    Path
        The model folder.

    Raises
    ------
    KhoanError
        The folder is not empty, or the province code is not in the registry.
    ValidationError
        The filled template is not valid (nothing is written).
    """
    from ..data import registry as reg
    from ..errors import KhoanError

    check_lang(lang)
    final = Path(folder)
    if final.exists() and (not final.is_dir() or any(final.iterdir())):
        raise KhoanError(
            f"{final}: the folder exists and is not empty — khoan init makes a new model; "
            "choose a new folder name"
        )
    code = str(province_code).strip()
    code = code.zfill(2) if code.isdigit() else code
    prov_name = None
    if registry:
        provs = reg.provinces(structure)
        hit = provs[provs["province_code"] == code]
        if hit.empty:
            raise KhoanError(
                f"--province {province_code}: not a province code of the {structure} structure "
                f"(codes: {', '.join(provs['province_code'])}). For a made-up or future unit, "
                "use --no-registry"
            )
        prov_name = str(hit["province_name"].iloc[0])
    if base_year is None:  # the roster's year: this year unless told
        base_year = _dt.date.today().year
    yrs = list(years) if years is not None else [base_year, base_year + 4]
    title = title or (prov_name or f"Tỉnh {code}")
    stage = _staging(final)
    try:
        if xlsx is not None:
            template_to_model(
                xlsx,
                stage / "m",
                name=name or final.name,
                title=title,
                province_code=code,
                structure=structure,
                base_year=base_year,
                years=yrs,
                registry=registry,
            )
            model = stage / "m"
        else:
            model = stage / "m"
            model.mkdir()
            communes = None
            if registry:
                units = reg.load_units(structure)
                communes = units[units["province_code"] == code].drop(
                    columns=["province_code", "province_name"]
                )
            write_template(
                model / "input.xlsx",
                lang,
                tables={"communes": communes} if communes is not None else None,
            )
            i = 0 if lang == "vi" else 1
            lines = [
                f"name = {_toml_str(name or final.name)}",
                f"title = {_toml_str(title)}",
                f"province_code = {_toml_str(code)}",
                f"structure = {_toml_str(structure)}",
                f"base_year = {int(base_year)}",
                f"years = [{', '.join(str(int(y)) for y in yrs)}]",
                *([] if registry else [_REGISTRY_OFF_LINE]),
                "",
                "# Fill input.xlsx (one sheet per table), then: khoan validate FOLDER",
                "[tables]",
                *(f"{t} = {_toml_str('input.xlsx#' + SHEETS[t][i])}" for t in TABLES),
                "",
            ]
            (model / "model.toml").write_text("\n".join(lines), encoding="utf-8")
        params = model / "params"
        params.mkdir(exist_ok=True)
        from ..data.starter import STARTER_FILES, starter_path

        for rel in STARTER_FILES:
            target = params / f"{rel}.example"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(starter_path(rel), target)
        (params / "README.md").write_text(params_readme(structure), encoding="utf-8")
        (model / "scenarios.toml").write_text(starter_scenarios(yrs, title), encoding="utf-8")
        if final.exists():
            final.rmdir()  # empty (checked above)
        _move_into(model, final, [], keep_params=False)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return final
