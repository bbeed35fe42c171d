"""The column arrays of a DataFrame, read without building a Series per column.

Used where a few hundred tables a second are read column by column: a batch encoding each
scenario's tables to Arrow (:mod:`khoan.batch.store`) and a scenario's headline figures
(:meth:`khoan.scenarios.result.ScenarioResult.summary`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["column_arrays", "public_column_arrays"]


def column_arrays(df: pd.DataFrame) -> list[Any]:
    """The arrays of ``df``'s columns, in order (views of its data, not copies).

    Read from the frame's blocks (a 2-D block's rows are its columns), which costs a tenth of
    asking pandas for each column (``DataFrame._iter_column_arrays``, the fallback for a
    pandas whose frames are laid out otherwise); ``tests/test_batch_store.py`` checks that
    both give the same arrays.
    """
    try:
        out: list[Any] = [None] * len(df.columns)
        for blk in df._mgr.blocks:
            values = blk.values
            locs = blk.mgr_locs.as_array.tolist()
            if getattr(values, "ndim", 1) == 2:
                for k, loc in enumerate(locs):
                    out[loc] = values[k]
            else:
                (loc,) = locs
                out[loc] = values
        if any(a is None for a in out):  # pragma: no cover - not the layout expected
            raise AttributeError("columns not found in blocks")
        return out
    except (AttributeError, TypeError, ValueError):  # another pandas: ask for each column
        try:
            return list(df._iter_column_arrays())
        except AttributeError:  # neither layout known: pandas' public accessors
            return public_column_arrays(df)


def public_column_arrays(df: pd.DataFrame) -> list[Any]:
    """:func:`column_arrays` through pandas' public API only (numpy columns as ndarrays,
    dates and others as their pandas arrays), for a pandas whose frames are laid out
    otherwise."""
    out: list[Any] = []
    for i in range(df.shape[1]):
        s = df.iloc[:, i]
        numpy = isinstance(s.dtype, np.dtype) and s.dtype.kind not in "mM"
        out.append(s.to_numpy() if numpy else s.array)  # dates: their DatetimeArray
    return out
