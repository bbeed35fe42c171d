"""Money and number formatting for reports.

Conventions (chosen here, used by every report):

- Amounts are VND as ``int64``; nothing in this module turns them into floats on the way.
- Thousands separators follow the language: **Vietnamese uses a dot and a decimal comma**
  (``1.234.567``; ``1,5``), as in Vietnamese budget forms and TCVN practice; **English uses a
  comma and a decimal point** (``1,234,567``; ``1.5``). Workbooks do not store separators:
  cells hold numbers with the format ``#,##0``, and Excel shows them with the separators of the
  reader's locale.
- Budget forms show **millions of đồng** (triệu đồng). :func:`to_millions` rounds a table to
  millions with the largest-remainder method, row by row, so that the displayed parts add up to
  the displayed total exactly (the displayed total is the VND total rounded half up).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from .labels import check_lang, is_money

__all__ = [
    "BILLION",
    "MILLION",
    "as_int64",
    "largest_remainder",
    "millions",
    "money_unit",
    "number",
    "percent",
    "round_half_up",
    "short",
    "to_millions",
    "vnd",
]

MILLION = 1_000_000
BILLION = 1_000_000_000

_SEP = {"vi": (".", ","), "en": (",", ".")}


def _missing(x: object) -> bool:
    if x is None or x is pd.NA or x is pd.NaT:
        return True
    try:
        return bool(isinstance(x, float | np.floating) and math.isnan(x))
    except TypeError:  # pragma: no cover - exotic scalars
        return False


def number(x: object, decimals: int = 0, lang: str = "vi") -> str:
    """``x`` with thousands separators and ``decimals`` decimals in the style of ``lang``.

    Missing values (None, NaN, NA) give ``""``.

    >>> number(1234567.891, 2, "vi"), number(1234567.891, 2, "en")
    ('1.234.567,89', '1,234,567.89')
    """
    check_lang(lang)
    if _missing(x):
        return ""
    if isinstance(x, int | np.integer) and decimals == 0:
        s = f"{int(x):,}"
    else:
        s = f"{float(x):,.{decimals}f}"
    thousands, decimal = _SEP[lang]
    return s.replace(",", "\0").replace(".", decimal).replace("\0", thousands)


def vnd(x: object, lang: str = "vi") -> str:
    """An amount in đồng, whole, with thousands separators (``1.234.567`` / ``1,234,567``)."""
    if _missing(x):
        return ""
    if isinstance(x, float | np.floating):
        x = int(round_half_up(np.array([x]), 1)[0])
    return number(int(x), 0, lang)


def millions(x: object, lang: str = "vi", decimals: int = 0) -> str:
    """An amount in đồng shown in millions of đồng (triệu đồng), e.g. ``1.235`` for 1,234,567,890."""
    if _missing(x):
        return ""
    if decimals == 0 and isinstance(x, int | np.integer):
        return number(int(round_half_up(np.array([int(x)], dtype=np.int64), MILLION)[0]), 0, lang)
    return number(float(x) / MILLION, decimals, lang)


def short(x: object, lang: str = "vi", digits: int = 4) -> str:
    """A number for a narrow cell: whole numbers (and any number from 1,000 up) whole with
    thousands separators; others with ``digits`` significant digits, trailing zeros dropped.

    >>> short(1234567.4, "vi"), short(0.012345, "vi"), short(2.5, "en"), short(3, "vi")
    ('1.234.567', '0,01235', '2.5', '3')
    """
    check_lang(lang)
    if _missing(x):
        return ""
    if isinstance(x, bool | np.bool_):
        return str(bool(x))
    if isinstance(x, int | np.integer):
        return number(int(x), 0, lang)
    v = float(x)
    if not math.isfinite(v):
        return str(v)
    if abs(v) >= 1000 or v == int(v):
        return number(v, 0, lang)
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(v))))
    s = number(v, decimals, lang)
    sep = _SEP[lang][1]
    return s.rstrip("0").rstrip(sep) if sep in s else s


def percent(x: object, lang: str = "vi", decimals: int = 1) -> str:
    """A share (0.125) as a percentage in the style of ``lang``: ``12,5%`` / ``12.5%``."""
    if _missing(x):
        return ""
    return number(100 * float(x), decimals, lang) + "%"


def money_unit(max_abs: float, lang: str = "vi") -> tuple[int, str]:
    """Divisor and axis unit for amounts up to ``max_abs`` đồng: billions from 10 billion up,
    millions below (``(1_000_000_000, "tỷ đồng")`` / ``(1_000_000, "million VND")``)."""
    check_lang(lang)
    if abs(max_abs) >= 10 * BILLION:
        return BILLION, ("tỷ đồng" if lang == "vi" else "billion VND")
    return MILLION, ("triệu đồng" if lang == "vi" else "million VND")


def as_int64(values: object, name: str = "value") -> np.ndarray:
    """Amounts as an ``int64`` array; floats must be whole numbers, missing values are refused."""
    s = pd.Series(values) if not isinstance(values, pd.Series) else values
    if s.isna().any():
        raise ValueError(f"{name}: missing amounts cannot be rounded")
    if pd.api.types.is_integer_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype):
        return s.to_numpy(dtype=np.int64)
    a = s.to_numpy(dtype=np.float64)
    r = np.rint(a)
    if not np.allclose(a, r, rtol=0, atol=1e-6):
        raise ValueError(f"{name}: amounts in đồng must be whole numbers")
    return r.astype(np.int64)


def round_half_up(values: np.ndarray, unit: int) -> np.ndarray:
    """Integers ``values / unit`` rounded half up (towards +∞ at exactly .5), in ``int64``.

    Integer arithmetic only: exact for any ``int64`` amount.
    """
    v = np.asarray(values)
    if v.dtype.kind == "f":
        q = np.floor(v / unit + 0.5)
        return q.astype(np.int64)
    v = v.astype(np.int64)
    q, r = np.divmod(v, np.int64(unit))
    return q + (2 * r >= unit).astype(np.int64)


def largest_remainder(parts: np.ndarray, unit: int, totals: np.ndarray | None = None) -> np.ndarray:
    """Round each row of ``parts`` (int64 đồng, shape ``(n, k)``) to multiples of ``unit``
    so that each row adds up to its rounded total.

    The rounded total of a row is ``round_half_up(totals or parts.sum(1), unit)``. Each part is
    first rounded down; the units still missing go to the parts with the largest remainders
    (ties: leftmost column first). Returns ``int64`` counts of ``unit``, shape ``(n, k)``.
    """
    p = np.asarray(parts, dtype=np.int64)
    if p.ndim != 2:
        raise ValueError("parts must be a 2-d array (rows x parts)")
    tot = p.sum(axis=1) if totals is None else np.asarray(totals, dtype=np.int64)
    q, r = np.divmod(p, np.int64(unit))
    target = round_half_up(tot, unit)
    k = target - q.sum(axis=1)  # in [0, n_parts] when totals is the exact sum
    if p.shape[1] and ((k < 0).any() or (k > p.shape[1]).any()):
        raise ValueError("totals are not the sum of the parts")
    # rank parts by remainder, largest first; stable sort keeps column order among ties
    order = np.argsort(-r, axis=1, kind="stable")
    rank = np.empty_like(order)
    rows = np.arange(p.shape[0])[:, None]
    rank[rows, order] = np.arange(p.shape[1])[None, :]
    return q + (rank < k[:, None]).astype(np.int64)


def to_millions(
    df: pd.DataFrame,
    cols: Sequence[str] | None = None,
    total_col: str | None = None,
    *,
    unit: int = MILLION,
) -> pd.DataFrame:
    """A copy of ``df`` with ``cols`` and ``total_col`` in millions of đồng (``int64``).

    Parameters
    ----------
    df : DataFrame
        Amounts in đồng (int64, or whole floats).
    cols : list of str, optional
        The parts. Default: every money column (see :data:`~khoan.report.labels.MONEY_COLUMNS`)
        other than ``total_col``.
    total_col : str, optional
        A column equal to the sum of ``cols`` in each row (checked). Its displayed value is the
        VND total rounded half up, and the displayed parts add up to it exactly. Without a total
        column the parts of each row still add up to their rounded VND sum.
    unit : int
        ``1_000_000`` (millions, default) or ``1_000_000_000`` (billions)...

    Returns
    -------
    DataFrame
        Same rows and columns; the converted columns hold ``int64`` counts of ``unit``. Other
        columns are unchanged. A totals row added afterwards (the sum of the displayed rows)
        also reconciles, since every row does.
    """
    if cols is None:
        cols = [c for c in df.columns if c != total_col and is_money(df, c)]
    cols = list(cols)
    missing = [c for c in [*cols, *([total_col] if total_col else [])] if c not in df.columns]
    if missing:
        raise KeyError(f"columns not in the table: {', '.join(map(str, missing))}")
    parts = (
        np.column_stack([as_int64(df[c], str(c)) for c in cols])
        if cols
        else np.zeros((len(df), 0), dtype=np.int64)
    )
    totals = None
    if total_col is not None:
        totals = as_int64(df[total_col], total_col)
        bad = totals != parts.sum(axis=1)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ValueError(
                f"{total_col!r} is not the sum of {', '.join(map(str, cols))} "
                f"(row {df.index[i]!r}: {totals[i]} vs {parts[i].sum()})"
            )
    rounded = largest_remainder(parts, unit, totals)
    out = df.copy()
    for j, c in enumerate(cols):
        out[c] = pd.Series(rounded[:, j], index=df.index, dtype=np.int64)
    if total_col is not None:
        out[total_col] = pd.Series(rounded.sum(axis=1), index=df.index, dtype=np.int64)
    return out
