"""Compact, exact store of month-by-month pay (the scenarios' shared work at national scale)."""

from __future__ import annotations

from dataclasses import dataclass, field

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


@dataclass
class RateMonths:
    """Month-by-month pay of the movable people in one year, as the engine computes it: each
    month's amounts are those of its group of months with the same rates (``group``), before
    the person's step rise (``before``) or, for the people ``rise`` from their rise month
    ``rise_month`` on, after it (``after``). Each amount is one float of the engine, so
    :meth:`month`, :meth:`annual`, :meth:`totals` and :meth:`compact` give the floats of the
    dense (12, nd) arrays, and their sums, bit for bit.
    """

    before: list[np.ndarray]  # per component (G, nd) float
    after: list[np.ndarray]  # per component (G, len(rise)) float
    group: np.ndarray  # (12,) group of each month
    rise: np.ndarray  # (R,) movable positions whose rise falls inside the year, ascending
    rise_month: np.ndarray  # (R,) 0..11
    #: month -> the positions in ``rise`` risen by then, and theirs among the movable (cache)
    risen: dict[int, tuple[np.ndarray, np.ndarray]] = field(
        default_factory=dict, repr=False, compare=False
    )

    @classmethod
    def from_months(cls, arrays: list[np.ndarray]) -> RateMonths:
        """From one dense (12, nd) array per component (every month its own group)."""
        none = np.zeros(0, dtype=np.int64)
        return cls(
            before=[np.asarray(a, dtype=float) for a in arrays],
            after=[np.zeros((12, 0)) for _ in arrays],
            group=np.arange(12),
            rise=none,
            rise_month=none,
        )

    def _risers(self, v0: np.ndarray, v1: np.ndarray) -> np.ndarray:
        """(12, R) amounts of the people ``rise`` from their (G, ·) values."""
        g = self.group
        on = np.arange(12)[:, None] >= self.rise_month[None, :]
        return np.where(on, v1[g], v0[:, self.rise][g])

    def _on(self, m: int) -> tuple[np.ndarray, np.ndarray]:
        """Positions in ``rise`` of the people risen by month ``m``, and their movable positions."""
        on = self.risen
        if m not in on:
            j = np.flatnonzero(m >= self.rise_month)
            on[m] = (j, self.rise[j])
        return on[m]

    def month(self, k: int, m: int, out: np.ndarray | None = None) -> np.ndarray:
        """(nd,) amounts of component ``k`` in month ``m`` (0 = January); written into ``out``
        when given."""
        g = self.group[m]
        if out is None:
            out = self.before[k][g].copy()
        else:
            out[:] = self.before[k][g]
        if len(self.rise):
            j, p = self._on(m)
            out[p] = self.after[k][g][j]
        return out

    def annual(self) -> np.ndarray:
        """(K, nd): the twelve months of each component added in calendar order."""
        g = self.group
        full = np.empty((len(self.before), self.before[0].shape[1]))
        # the risers ordered by rise month: in month m those risen are a leading slice
        perm = np.argsort(self.rise_month, kind="stable")
        rs = self.rise[perm]
        cut = np.searchsorted(self.rise_month[perm], np.arange(12), side="right")
        for k, (v0, v1) in enumerate(zip(self.before, self.after, strict=True)):
            acc = full[k]
            acc[:] = v0[g[0]]
            for m in range(1, 12):
                acc += v0[g[m]]
            if len(self.rise):
                # the risers' months one by one: before their rise, then from it
                # row by row (1-D gathers: numpy's 2-D gather along the second axis is slow)
                v0r = np.stack([np.take(row, rs) for row in v0])
                v1r = np.stack([np.take(row, perm) for row in v1])
                r = np.empty(len(rs))
                c = cut[0]
                r[:c] = v1r[g[0], :c]
                r[c:] = v0r[g[0], c:]
                for m in range(1, 12):
                    c = cut[m]
                    r[:c] += v1r[g[m], :c]
                    r[c:] += v0r[g[m], c:]
                acc[rs] = r
        return full

    def totals(self) -> np.ndarray:
        """(12, nd): the components added in order, month by month."""
        t0 = np.array(self.before[0], dtype=float)
        t1 = np.array(self.after[0], dtype=float)
        for v0, v1 in zip(self.before[1:], self.after[1:], strict=True):
            t0 += v0
            t1 += v1
        g = self.group
        out = np.empty((12, t0.shape[1]))
        for m in range(12):
            out[m] = t0[g[m]]
        if len(self.rise):
            # row by row (1-D gathers and scatters: the 2-D ones along the people are slow)
            t0r = np.stack([np.take(row, self.rise) for row in t0])
            for m in range(12):
                out[m][self.rise] = np.where(self.rise_month <= m, t1[g[m]], t0r[g[m]])
        return out

    def compact(self) -> MonthlyPay:
        """The same amounts as :meth:`MonthlyPay.from_months` on the dense arrays."""
        g = self.group
        first = np.empty((len(self.before), self.before[0].shape[1]))
        for k in range(len(self.before)):
            self.month(k, 0, out=first[k])
        comps, people, values = [], [], []
        counts = np.zeros(12, dtype=np.int64)
        for m in range(1, 12):
            j = np.flatnonzero(self.rise_month == m)
            pj = self.rise[j]
            for k, (v0, v1) in enumerate(zip(self.before, self.after, strict=True)):
                if g[m] != g[m - 1]:
                    cur = self.month(k, m)
                    p = np.flatnonzero(cur != self.month(k, m - 1))
                    val = cur[p]
                elif len(j):
                    a1 = v1[g[m]][j]
                    sel = np.flatnonzero(a1 != v0[g[m]][pj])
                    p, val = pj[sel], a1[sel]
                else:
                    continue
                if not len(p):
                    continue
                comps.append(np.full(len(p), k, dtype=np.int16))
                people.append(p.astype(np.int32))
                values.append(np.asarray(val, dtype=float))
                counts[m] += len(p)
        return MonthlyPay(
            first=first,
            comp=np.concatenate(comps) if comps else np.zeros(0, dtype=np.int16),
            person=np.concatenate(people) if people else np.zeros(0, dtype=np.int32),
            value=np.concatenate(values) if values else np.zeros(0),
            starts=np.concatenate([[0], np.cumsum(counts)]),
        )
