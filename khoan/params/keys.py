"""The keys of a categorical parameter's lookup, one per row, computed on distinct values.

A lookup table's keys are texts (``"1"``, ``"xa_loai_1"``); a row's category may be an integer
(a commune class), a float that is a whole number, or a text. :func:`as_keys` turns each value
into its key: whole numbers as integers written out, anything else as its ``str``. On a
national roster (hundreds of thousands of rows with a handful of categories) converting every
row is most of a lookup's time, so :func:`key_codes` converts each distinct value once and
gives the rows as codes into those keys, and :func:`combos` joins several levels' codes into
the distinct combinations, in the order in which rows first show them (the order of the
"no value for …" message).
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["as_keys", "combos", "key_codes"]


def as_keys(arr: Any) -> np.ndarray:
    """The key text of each value (object array; a scalar gives one key).

    Whole numbers (``3``, ``3.0``, ``"3"``) give ``"3"``; everything else its ``str``.
    """
    s = pd.Series(np.asarray(arr, dtype=object) if np.ndim(arr) else [arr])
    num = pd.to_numeric(s, errors="coerce")
    integral = num.notna() & (num == np.round(num))
    out = s.astype(str)
    out[integral] = num[integral].astype("int64").astype(str)
    return out.to_numpy(dtype=object)


def _distinct_safe(arr: Any) -> bool:
    """Values whose equal members are the same value to :func:`as_keys`: a numpy integer or
    text array, or an object array of texts only (no missing value; ``1``, ``1.0`` and
    ``True`` are equal to Python but ``str`` apart, so mixed objects go row by row)."""
    if not isinstance(arr, np.ndarray) or arr.ndim != 1:
        return False
    if arr.dtype.kind in "iuU":
        return True
    return arr.dtype == object and pd.api.types.infer_dtype(arr, skipna=False) == "string"


@functools.lru_cache(maxsize=512)
def _keys_of(dtype: str, values: tuple) -> tuple[np.ndarray, np.ndarray]:
    """``pandas.factorize(as_keys(values))`` of a few distinct values of one type (cached:
    the same bands, classes and positions are looked up on every date; read-only arrays)."""
    codes, keys = pd.factorize(as_keys(np.array(values, dtype=dtype)))
    keys = np.asarray(keys, dtype=object)
    codes.flags.writeable = keys.flags.writeable = False
    return codes, keys


def key_codes(arr: Any) -> tuple[np.ndarray, np.ndarray]:
    """``(codes, keys)`` with ``keys[codes]`` equal to ``as_keys(arr)`` element by element.

    ``keys`` holds distinct texts in the order of their first row; a missing value keeps no key
    (code -1), as ``as_keys`` leaves it missing. Integer arrays and arrays of texts are
    converted per distinct value (the distinct values are the same set as the rows', so
    ``pandas.to_numeric`` chooses the same type for them; up to 64 of them are remembered);
    other inputs row by row.
    """
    if _distinct_safe(arr):
        codes, uniques = pd.factorize(arr)
        if len(uniques) <= 64:
            k_codes, keys = _keys_of(arr.dtype.str, tuple(uniques.tolist()))
        else:
            k_codes, keys = pd.factorize(as_keys(uniques))  # 1 and "1" may share a key
        return k_codes[codes], np.asarray(keys, dtype=object)
    codes, keys = pd.factorize(as_keys(arr))
    return codes, np.asarray(keys, dtype=object)


def combos(levels: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, list[tuple]] | None:
    """Codes of each row's combination of keys and the combinations (tuples of key texts).

    ``levels`` are :func:`key_codes` of each level, of one length (or 1, repeated). The
    combinations come in the order of their first row, as ``pandas.factorize`` of the
    keys' ``MultiIndex`` gives them. ``None`` when the levels' lengths differ otherwise, a
    value has no key (a missing value: pandas' ``str`` conversion keeps it missing, code -1)
    or the key counts overflow an int64; the caller then joins the texts themselves.
    """
    n = max(len(c) for c, _ in levels)
    if any(len(c) not in (1, n) or (c < 0).any() for c, _ in levels):
        return None
    sizes = [max(len(k), 1) for _, k in levels]
    if float(np.prod(sizes, dtype=float)) >= 2.0**62:
        return None
    joined = np.zeros(n, dtype=np.int64)
    for (c, _), size in zip(levels, sizes, strict=True):
        joined = joined * size + np.broadcast_to(np.asarray(c, dtype=np.int64), (n,))
    codes, uniques = pd.factorize(joined)
    parts = np.unravel_index(np.asarray(uniques, dtype=np.int64), sizes)
    cols = [list(k[p]) for (_, k), p in zip(levels, parts, strict=True)]
    return codes, list(zip(*cols, strict=True))
