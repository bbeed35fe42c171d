"""Official administrative-unit registry (đơn vị hành chính cấp xã) of Vietnam.

Two structures are shipped as CSV files in ``khoan/data/registry/`` (see the README there for
how they were made):

``"2016"``
    The three-tier structure before 2025-07-01: 63 provinces, districts, 10,051 commune-level
    units (xã, phường, thị trấn), from ``vietnam-provinces`` 0.6.0 (data of 2025-01-04).
``"2025"``
    The two-tier structure since 2025-07-01: 34 provinces, 3,321 commune-level units (xã,
    phường, đặc khu), from ``vietnam-provinces`` 2025.x.

Codes are official and kept as zero-padded strings: province 2 digits, district 3, unit 5.
Unit types use khoan's ASCII codes ``xa``, ``phuong``, ``thi_tran``, ``dac_khu``.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from importlib.resources import files

import numpy as np
import pandas as pd

from ..errors import KhoanError

__all__ = ["STRUCTURES", "check_codes", "load_units", "provinces"]

#: Registry structures available, with the file each one is read from.
STRUCTURES: dict[str, str] = {"2016": "units_2016.csv", "2025": "units_2025.csv"}

_CODE_WIDTH = {"province_code": 2, "district_code": 3, "code": 5}


def _structure(structure: str | int) -> str:
    key = str(structure).strip()
    if key not in STRUCTURES:
        raise KhoanError(
            f"unknown registry structure {structure!r}: use one of {', '.join(STRUCTURES)}"
        )
    return key


@cache
def _read(structure: str) -> pd.DataFrame:
    resource = files("khoan.data").joinpath("registry", STRUCTURES[structure])
    with resource.open("r", encoding="utf-8") as fh:
        frame = pd.read_csv(fh, dtype=str, keep_default_na=False, na_filter=False)
    return frame


def load_units(structure: str) -> pd.DataFrame:
    """Return the commune-level units of one registry structure.

    Parameters
    ----------
    structure : {"2016", "2025"}
        ``"2016"`` for the pre-2025 structure (63 provinces, with districts) or ``"2025"`` for
        the structure in force since 2025-07-01 (34 provinces, no districts).

    Returns
    -------
    pandas.DataFrame
        One row per unit, sorted by ``code``. Columns ``province_code, province_name,
        district_code, district_name, code, name, type`` for ``"2016"`` and ``province_code,
        province_name, code, name, type`` for ``"2025"``. All columns are strings; codes are
        zero-padded (2, 3 and 5 digits). ``type`` is ``xa``, ``phuong``, ``thi_tran`` (2016) or
        ``xa``, ``phuong``, ``dac_khu`` (2025). Text is NFC-normalised.

    Raises
    ------
    KhoanError
        If ``structure`` is not one of the known structures.

    Notes
    -----
    The file is read once per process and cached; each call returns a fresh copy, so callers
    may modify the result freely.

    Examples
    --------
    >>> units = load_units("2025")
    >>> int((units["province_code"] == "56").sum())
    65
    """
    return _read(_structure(structure)).copy()


def _normalise(values: Iterable[object] | object, width: int) -> np.ndarray:
    """Codes as zero-padded strings (object array); invalid or missing entries become ``""``.

    Integers, integral floats (``22327.0``, as spreadsheets store them) and strings of digits
    are padded to ``width``; anything else is returned stripped and will not match a code.
    """
    if isinstance(values, (str, bytes, int, float, np.generic)):
        values = [values]
    elif not hasattr(values, "__len__"):
        values = list(values)  # generators and other one-shot iterables
    series = pd.Series(np.asarray(values, dtype=object).ravel(), dtype=object)
    text = series.astype("string").str.strip().str.replace(r"^(\d+)\.0*$", r"\1", regex=True)
    digits = text.str.fullmatch(r"\d+").fillna(False).astype(bool)
    padded = text.where(~digits, text.str.zfill(width)).fillna("")
    return padded.to_numpy(dtype=object)


def check_codes(
    codes: Iterable[object], structure: str, province_code: str | int | None = None
) -> np.ndarray:
    """Tell which codes are official commune-level unit codes.

    Parameters
    ----------
    codes : array-like of str or int
        Unit codes. Integers, integral floats and strings of digits are zero-padded to 5
        digits (``4``, ``4.0``, ``"4"`` and ``"00004"`` all read as ``"00004"``), so codes that
        lost their leading zeros in a spreadsheet still match. Missing values and other text
        are never valid.
    structure : {"2016", "2025"}
        Registry structure to check against (see :func:`load_units`).
    province_code : str or int, optional
        If given, a code is valid only when its unit belongs to this province (``"56"`` or
        ``56`` for Khánh Hòa).

    Returns
    -------
    numpy.ndarray of bool
        Same length as ``codes``; ``True`` where the code is an official unit (of the province,
        if given).

    Raises
    ------
    KhoanError
        If ``structure`` is unknown.

    Examples
    --------
    >>> check_codes(["22327", 22327, "99999"], "2016", province_code="56").tolist()
    [True, True, False]
    """
    units = _read(_structure(structure))
    if province_code is not None:
        wanted = _normalise([province_code], _CODE_WIDTH["province_code"])[0]
        units = units[units["province_code"] == wanted]
    normalised = _normalise(codes, _CODE_WIDTH["code"])
    return np.isin(normalised, units["code"].to_numpy(dtype=object))


def provinces(structure: str) -> pd.DataFrame:
    """Return the provinces of one registry structure.

    Parameters
    ----------
    structure : {"2016", "2025"}
        Registry structure (see :func:`load_units`).

    Returns
    -------
    pandas.DataFrame
        One row per province, sorted by code, with columns ``province_code`` (2-digit string),
        ``province_name``, ``n_units`` (number of commune-level units) and, for ``"2016"``,
        ``n_districts`` (number of districts holding at least one unit).

    Examples
    --------
    >>> len(provinces("2016")), len(provinces("2025"))
    (63, 34)
    """
    units = _read(_structure(structure))
    grouped = units.groupby(["province_code", "province_name"], sort=True)
    out = grouped.agg(n_units=("code", "size"))
    if "district_code" in units.columns:
        out["n_districts"] = grouped["district_code"].nunique()
    return out.reset_index().astype({"n_units": "int64"})
