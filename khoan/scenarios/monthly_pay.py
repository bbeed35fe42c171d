"""Compact, exact store of month-by-month pay (the scenarios' shared work at national scale)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["MonthlyPay"]


@dataclass
class MonthlyPay:
    """Month-by-month pay of the movable people in one year, stored compactly and exactly.

    The payroll engine's monthly amounts (VND/month, float) of component ``k`` and person ``p``
    change in few months (a base-salary change, a step rise): each component's January values
    and, for the months after, only the values that differ from the month before — rebuilt by
    carrying each value forward, so :meth:`take` and :meth:`month` return the engine's floats
    bit for bit (nothing is added or rounded here).
    """

    first: np.ndarray  # (K, nd) float: January
    comp: np.ndarray  # (E,) component index of each change, grouped by month
    person: np.ndarray  # (E,) movable position
    value: np.ndarray  # (E,) float: the amount from that month on
    starts: np.ndarray  # (13,) offsets: the changes of month m are [starts[m], starts[m + 1])

    @classmethod
    def from_months(cls, arrays: list[np.ndarray]) -> MonthlyPay:
        """From one (12, nd) array per component."""
        first = np.stack([np.asarray(a[0], dtype=float) for a in arrays])
        changed = [a[1:] != a[:-1] for a in arrays]  # (11, nd): month - 1, person
        rows = [c.any(axis=1) for c in changed]
        comps, people, values = [], [], []
        counts = np.zeros(12, dtype=np.int64)
        # month by month, component by component, people in order (one flat scan per row
        # with a change: much faster than np.nonzero on the 2-D masks)
        for m in range(1, 12):
            for k, a in enumerate(arrays):
                if not rows[k][m - 1]:
                    continue
                p = np.flatnonzero(changed[k][m - 1])
                comps.append(np.full(len(p), k, dtype=np.int16))
                people.append(p.astype(np.int32))
                values.append(np.asarray(a[m, p], dtype=float))
                counts[m] += len(p)
        starts = np.concatenate([[0], np.cumsum(counts)])
        return cls(
            first=first,
            comp=np.concatenate(comps) if comps else np.zeros(0, dtype=np.int16),
            person=np.concatenate(people) if people else np.zeros(0, dtype=np.int32),
            value=np.concatenate(values) if values else np.zeros(0),
            starts=starts,
        )

    @property
    def nbytes(self) -> int:
        """Bytes held."""
        return sum(a.nbytes for a in (self.first, self.comp, self.person, self.value))

    def take(self, sel: np.ndarray) -> np.ndarray:
        """(K, 12, len(sel)) amounts of the movable positions ``sel`` (distinct)."""
        k, nd = self.first.shape
        out = np.empty((k, 12, len(sel)))
        out[:] = self.first[:, None, sel]
        where = np.full(nd, -1, dtype=np.int64)
        where[sel] = np.arange(len(sel))
        for m in range(1, 12):
            a, b = self.starts[m], self.starts[m + 1]
            j = where[self.person[a:b]]
            ok = j >= 0
            if ok.any():
                out[self.comp[a:b][ok], m:, j[ok]] = self.value[a:b][ok][:, None]
        return out

    def month(self, m: int) -> np.ndarray:
        """(K, nd) amounts of month ``m`` (0 = January) of every movable person."""
        out = self.first.copy()
        for mm in range(1, m + 1):
            a, b = self.starts[mm], self.starts[mm + 1]
            out[self.comp[a:b], self.person[a:b]] = self.value[a:b]
        return out
