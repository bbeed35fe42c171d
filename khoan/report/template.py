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
            '5. Chuyển thành mô hình: khoan.report.template.template_to_model("input.xlsx", '
            '"mo_hinh", province_code="56", structure="2025", base_year=2026), rồi '
            "khoan validate mo_hinh. Lỗi được báo theo sheet, dòng và cột.",
            '5. Make a model: khoan.report.template.template_to_model("input.xlsx", '
            '"my_model", province_code="56", structure="2025", base_year=2026), then '
            "khoan validate my_model. Problems are reported by sheet, row and column.",
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
    for j, h in enumerate(heads, start=1):
        c = put_cell(ws, hr, j, h)
        c.font = Font(bold=True)
        c.fill = _HEADER_FILL
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
    dest = Path(folder)
    dest.mkdir(parents=True, exist_ok=True)
    refs: dict[str, str] = {}
    for t in TABLES:
        sheet, df = raw[t]
        has_rows = len(df) > 0
        if t == "outputs" and not has_rows:
            (dest / "outputs.csv").unlink(missing_ok=True)
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
        f"name = {_toml_str(name or dest.name)}",
        f"title = {_toml_str(title or name or dest.name)}",
    ]
    if province_code is not None:
        lines.append(f"province_code = {_toml_str(province_code)}")
    lines += [
        f"structure = {_toml_str(structure)}",
        f"base_year = {int(base_year)}",
        f"years = [{', '.join(str(int(y)) for y in yrs)}]",
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
    return dest
