"""Overflow-checked integer sums for money totals.

Money is int64 VND. Inputs are bounded (the schemas' ``max`` and the parameter units' plausible
ranges, see docs/reliability.md) so that no total of a country-sized model comes near the int64
limit (9.22e18); :func:`checked_total` is the guard where totals are formed: it refuses a sum
that would wrap instead of returning a plausible-looking wrong number.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..errors import KhoanError

__all__ = ["LIMIT", "checked_total"]

#: Largest magnitude accepted for an amount or a total (2**62 ≈ 4.6e18 VND): half the int64
#: range, so that the float64 shadow sums used for the check cannot mis-judge a wrap.
LIMIT = float(2**62)


def checked_total(parts: Mapping[str, np.ndarray], what: str = "total") -> np.ndarray:
    """Row-wise sum of int64 components, with the components and the column sums checked.

    Parameters
    ----------
    parts : mapping of str to array
        Components (VND), one value per row; float arrays are checked before conversion.
    what : str
        Name of the total, for the message.

    Returns
    -------
    ndarray of int64
        The exact row totals.

    Raises
    ------
    KhoanError
        A component, a row total or a column sum would exceed :data:`LIMIT` (int64 would wrap).
    """
    shadow = None
    ints = {}
    for name, p in parts.items():
        f = np.asarray(p, dtype=np.float64)
        if f.size and (
            not np.isfinite(f).all() or np.abs(f).max() >= LIMIT or abs(f.sum()) >= LIMIT
        ):
            raise KhoanError(
                f"{what}: component {name!r} exceeds {LIMIT:.3g} VND (int64 would overflow); "
                "check the magnitude of the inputs (run `khoan validate`)"
            )
        ints[name] = np.asarray(p).astype(np.int64)
        shadow = f if shadow is None else shadow + f
    if shadow is None:
        return np.zeros(0, dtype=np.int64)
    if shadow.size and (np.abs(shadow).max() >= LIMIT or abs(shadow.sum()) >= LIMIT):
        raise KhoanError(
            f"{what} exceeds {LIMIT:.3g} VND (int64 would overflow); check the magnitude of "
            "the inputs (run `khoan validate`)"
        )
    total = np.zeros(shadow.shape, dtype=np.int64)
    for v in ints.values():
        total += v
    return total
