"""Readers of input tables (CSV and Excel) as raw text, with clear errors for bad files.

Workbooks are read cell by cell with openpyxl, not through ``pandas.read_excel``, so that what a
spreadsheet shows is what khoan reads or a located error says why not:

- a formula is read as the value Excel saved with it; a formula without a saved value (a
  workbook written by a program and never opened in Excel) is refused, naming sheet, row and
  column, instead of being read as an empty cell;
- a merged range over several rows is refused (only its first row holds the value: the other
  rows would read as empty), naming the range;
- headers are read as written: a repeated header stays repeated (the schema check reports it)
  instead of becoming ``population.1``.
"""

from __future__ import annotations

import datetime as _dt
import zipfile
from pathlib import Path

import pandas as pd

from ..errors import Problem, ValidationError

__all__ = ["read_raw"]


def read_raw(path: str | Path, sheet: str | None = None) -> pd.DataFrame:
    """Read a CSV or XLSX table with every cell as text (empty cell -> ``""``).

    Parameters
    ----------
    path : str or Path
        ``.csv`` (UTF-8, with or without BOM) or ``.xlsx`` file.
    sheet : str, optional
        Worksheet to read from a workbook (default: the first).

    Raises
    ------
    ValidationError
        The file is missing, empty, not UTF-8, or not a readable workbook.
    """
    p = Path(path)
    if not p.is_file():
        raise ValidationError([Problem(str(p), sheet, None, None, None, "file not found")])
    if p.stat().st_size == 0:
        raise ValidationError([Problem(str(p), sheet, None, None, None, "the file is empty")])
    suffix = p.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            if not zipfile.is_zipfile(p):
                raise ValueError("not a zip container")
            df = _read_xlsx(p, sheet)
        elif suffix in (".csv", ".txt"):
            df = pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8-sig", header=None)
            df = _with_header(df)
            if df.shape[1] == 1 and ";" in str(df.columns[0]):
                # Excel on a Vietnamese (or other comma-decimal) system saves "CSV" with ';'
                raise ValidationError(
                    [
                        Problem(
                            str(p),
                            None,
                            1,
                            None,
                            str(df.columns[0])[:60],
                            "the columns are separated by ';', not ','. In Excel use Save As → "
                            "'CSV UTF-8 (Comma delimited)', or save the table as .xlsx",
                        )
                    ]
                )
        else:
            raise ValidationError(
                [
                    Problem(
                        str(p), None, None, None, None, "unsupported file type (use .csv or .xlsx)"
                    )
                ]
            )
    except ValidationError:
        raise
    except UnicodeDecodeError as exc:
        raise ValidationError(
            [
                Problem(
                    str(p),
                    None,
                    None,
                    None,
                    None,
                    f"not UTF-8 text: save it as CSV UTF-8 ({exc.reason})",
                )
            ]
        ) from None
    except pd.errors.EmptyDataError:
        raise ValidationError(
            [Problem(str(p), sheet, None, None, None, "the file is empty")]
        ) from None
    except ValueError as exc:
        if sheet is not None and "Worksheet" in str(exc):
            raise ValidationError(
                [Problem(str(p), sheet, None, None, None, "worksheet not found in the workbook")]
            ) from None
        raise ValidationError(
            [Problem(str(p), sheet, None, None, None, f"not a readable Excel workbook ({exc})")]
        ) from None
    except (zipfile.BadZipFile, KeyError, OSError) as exc:
        raise ValidationError(
            [Problem(str(p), sheet, None, None, None, f"not a readable Excel workbook ({exc})")]
        ) from None
    if df.shape[1] == 0 or (df.shape[0] == 0 and df.shape[1] == 0):
        raise ValidationError([Problem(str(p), sheet, None, None, None, "the file is empty")])
    df.columns = [str(c) for c in df.columns]
    return df.reset_index(drop=True)


def _with_header(df: pd.DataFrame) -> pd.DataFrame:
    """The first row as the header, kept as written (repeats included), cells as text."""
    if df.shape[0] == 0:
        return df
    header = ["" if pd.isna(c) else str(c) for c in df.iloc[0]]
    body = df.iloc[1:].reset_index(drop=True)
    body.columns = pd.RangeIndex(len(header))
    body = body.set_axis(header, axis=1)
    return body


def _cell_text(v) -> str:
    """A cell value as text, as a CSV export would show it (``23`` not ``23.0``)."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer() and abs(v) < 2**53:
        return str(int(v))
    if isinstance(v, _dt.datetime):
        return v.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(v, _dt.date):
        return v.isoformat()
    return str(v)


def _read_xlsx(p: Path, sheet: str | None) -> pd.DataFrame:
    """A worksheet as text cells: formulas by their saved value; unsaved formulas and merged
    ranges over several rows are a :class:`ValidationError` naming sheet, row and column."""
    import openpyxl
    from openpyxl.utils import get_column_letter

    def book(data_only: bool):
        return openpyxl.load_workbook(p, data_only=data_only, read_only=False)

    wb_f = book(False)
    if sheet is not None and sheet not in wb_f.sheetnames:
        raise ValidationError(
            [
                Problem(
                    str(p),
                    sheet,
                    None,
                    None,
                    None,
                    f"worksheet not found in the workbook (it has: {', '.join(wb_f.sheetnames)})",
                )
            ]
        )
    name = sheet or wb_f.sheetnames[0]
    ws_f = wb_f[name]
    formulas = [
        (c.row, c.column, str(c.value))
        for row in ws_f.iter_rows()
        for c in row
        if c.data_type == "f" or (isinstance(c.value, str) and c.value.startswith("="))
    ]
    ws = book(True)[name] if formulas else ws_f
    rows = [[_cell_text(v) for v in r] for r in ws.iter_rows(values_only=True)]
    if not rows:
        return pd.DataFrame()
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    while width and all(r[width - 1] == "" for r in rows):  # trailing empty columns
        width -= 1
        rows = [r[:width] for r in rows]
    while rows and all(v == "" for v in rows[-1]):  # trailing empty rows
        rows.pop()
    header = rows[0] if rows else []

    def col_name(j: int) -> str | None:
        return header[j - 1] if 0 < j <= len(header) and header[j - 1] else None

    problems = []
    for r, c, text in formulas:
        cached = ws.cell(row=r, column=c).value
        if cached is None:
            problems.append(
                Problem(
                    p.name,
                    name,
                    r,
                    col_name(c),
                    text,
                    f"cell {get_column_letter(c)}{r} holds a formula with no saved value "
                    "(the workbook was written by a program and never recalculated): open it "
                    "in Excel and save it, or type the value",
                )
            )
    for rng in ws_f.merged_cells.ranges:
        if rng.max_row > rng.min_row and rng.max_row > 1:
            for r in range(max(rng.min_row + 1, 2), rng.max_row + 1):
                for c in range(rng.min_col, rng.max_col + 1):
                    problems.append(
                        Problem(
                            p.name,
                            name,
                            r,
                            col_name(c),
                            None,
                            f"merged cells {rng.coord}: only the first row holds the value and "
                            "this row would read as empty; unmerge the range and fill every "
                            "row",
                        )
                    )
    if problems:
        raise ValidationError(problems, title=f"{p.name} (sheet {name}) cannot be read as a table")
    return _with_header(pd.DataFrame(rows, dtype=object))
