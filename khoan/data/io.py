"""Readers of input tables (CSV and Excel) as raw text, with clear errors for bad files."""

from __future__ import annotations

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
            df = pd.read_excel(p, sheet_name=sheet or 0, dtype=str, engine="openpyxl")
            df = df.fillna("")
        elif suffix in (".csv", ".txt"):
            df = pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8-sig")
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
