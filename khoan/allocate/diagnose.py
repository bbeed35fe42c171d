"""Infeasibility found before solving, named in money (or posts).

`find_conflicts` runs simple necessary conditions on an :class:`AllocationProblem` and returns
every conflict it finds; `diagnose` raises :class:`khoan.errors.InfeasibleError` with all of
them in one Vietnamese + English message (the first conflict sets ``.shortfall`` and
``.communes``). The checks, in order:

1. a commune whose floor (with the salary of its minimum posts) is above its corridor's upper
   bound, or whose corridor is inverted (lower > upper), or whose minimum posts exceed its
   maximum;
2. Σ floors > envelope;
3. Σ max(floor, lower) > envelope (the corridor's lower side cannot fit);
4. Σ upper < envelope (the corridor's upper side cannot reach it);
5. group limits: a group floor above its cap, above what its communes' upper bounds allow, or
   a group cap below its communes' floors; per grouping, group floors that together exceed the
   envelope or caps that together cannot reach it;
6. staffing: the minimum posts (workload) exceed the province-wide total allowed by the
   reduction target (in posts).

Amounts compare whole-đồng bounds (``ceil(lo)``, ``floor(hi)``) so that a problem passing
these checks can also be rounded to the đồng. Conflicts between different groupings are left
to the solver, which then reports ``infeasible``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from khoan.errors import InfeasibleError

from .problem import AllocationProblem

__all__ = ["Conflict", "diagnose", "find_conflicts", "format_vnd_en", "format_vnd_vi"]

#: How many communes a message names.
TOP = 5


def format_vnd_vi(amount: float) -> str:
    """Amount in Vietnamese: ``31,2 tỷ đồng``, ``450 triệu đồng``, ``12.500 đồng``."""
    a = float(amount)
    sign = "-" if a < 0 else ""
    a = abs(a)
    for scale, unit in ((1e9, "tỷ đồng"), (1e6, "triệu đồng")):
        if a >= scale:
            v = a / scale
            digits = 1 if v >= 10 else 2
            s = f"{v:.{digits}f}".rstrip("0").rstrip(".")
            return f"{sign}{s.replace('.', ',')} {unit}"
    return f"{sign}{round(a):,} đồng".replace(",", ".")


def format_vnd_en(amount: float) -> str:
    """Amount in English: ``31,200,000,000 VND``."""
    return f"{round(float(amount)):,} VND"


@dataclass
class Conflict:
    """One reason the problem cannot be solved.

    Attributes
    ----------
    kind : str
        ``commune_bounds``, ``floors``, ``corridor_lower``, ``corridor_upper``,
        ``group``, ``grouping`` or ``posts``.
    message : str
        Vietnamese / English sentence with the amount.
    shortfall : float
        Size of the conflict (VND, or posts for ``posts``).
    communes : list of str
        Communes most responsible, largest contribution first.
    """

    kind: str
    message: str
    shortfall: float
    communes: list[str] = field(default_factory=list)


def _names(ids: np.ndarray, amounts: np.ndarray, idx: np.ndarray, money: bool = True) -> str:
    parts = []
    for i in idx[:TOP]:
        v = format_vnd_en(amounts[i]) if money else f"{int(amounts[i])} posts"
        parts.append(f"{ids[i]} ({v})")
    more = len(idx) - TOP
    return ", ".join(parts) + (f" and {more} more" if more > 0 else "")


def _largest(values: np.ndarray, ids: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    idx = np.arange(values.shape[0]) if mask is None else np.flatnonzero(mask)
    order = np.lexsort((ids[idx], -values[idx]))
    return idx[order]


def find_conflicts(problem: AllocationProblem) -> list[Conflict]:
    """Every conflict the pre-solve checks find (empty when none).

    Parameters
    ----------
    problem : AllocationProblem

    Returns
    -------
    list of Conflict
    """
    p = problem
    ids = p.ids
    env = int(p.envelope)
    out: list[Conflict] = []
    floor = p.floor_total
    lo_i = p.lo_int.astype(float)
    hi_i = p.hi_int.astype(float)
    salary = " (with the salary of the minimum posts)" if p.has_staffing else ""
    salary_vi = " (gồm lương của số biên chế tối thiểu)" if p.has_staffing else ""

    # 1. per commune
    if p.has_staffing:
        bad = p.posts_min > p.posts_max
        if bad.any():
            gap = (p.posts_min - p.posts_max).astype(float)
            idx = _largest(gap, ids, bad)
            tot = float(gap[bad].sum())
            out.append(
                Conflict(
                    "posts",
                    f"Số biên chế tối thiểu vượt định mức tối đa ở {int(bad.sum())} xã, "
                    f"tổng {int(tot)} biên chế / the minimum posts exceed the maximum in "
                    f"{int(bad.sum())} commune(s) by {int(tot)} posts: "
                    + _names(ids, gap, idx, money=False),
                    tot,
                    ids[idx].tolist(),
                )
            )
    excess = floor - p.upper
    bad = excess > 1e-6
    if bad.any():
        idx = _largest(excess, ids, bad)
        tot = float(excess[bad].sum())
        detail = ", ".join(
            f"{ids[i]} (floor {format_vnd_en(floor[i])} > upper {format_vnd_en(p.upper[i])})"
            for i in idx[:TOP]
        )
        out.append(
            Conflict(
                "commune_bounds",
                f"Mức sàn{salary_vi} của {int(bad.sum())} xã vượt cận trên hành lang ổn định, "
                f"tổng {format_vnd_vi(tot)} / the floor{salary} of {int(bad.sum())} "
                f"commune(s) is above the upper bound of its stability corridor by "
                f"{format_vnd_en(tot)} in total: {detail}",
                tot,
                ids[idx].tolist(),
            )
        )
    inv = p.lower - p.upper
    bad = inv > 1e-6
    if bad.any():
        idx = _largest(inv, ids, bad)
        tot = float(inv[bad].sum())
        out.append(
            Conflict(
                "commune_bounds",
                f"Hành lang ổn định bị đảo ngược (cận dưới > cận trên) ở {int(bad.sum())} xã, "
                f"tổng {format_vnd_vi(tot)} / the stability corridor is inverted (lower > "
                f"upper) in {int(bad.sum())} commune(s) by {format_vnd_en(tot)}: "
                + _names(ids, inv, idx),
                tot,
                ids[idx].tolist(),
            )
        )

    # 2. floors against the envelope
    floor_int = np.ceil(floor - 1e-6)
    gap = float(floor_int.sum()) - env
    if gap > 0:
        idx = _largest(floor, ids)
        out.append(
            Conflict(
                "floors",
                f"Tổng mức sàn{salary_vi} vượt tổng kinh phí {format_vnd_vi(gap)} / floors"
                f"{salary} exceed the envelope by {format_vnd_en(gap)}; communes with the "
                f"largest floors: " + _names(ids, floor, idx),
                gap,
                ids[idx[:TOP]].tolist(),
            )
        )
    # 3. the corridor's lower side
    gap_lo = float(lo_i.sum()) - env
    if gap_lo > 0 and gap <= 0:
        above = p.lower - floor
        idx = _largest(above, ids, above > 0)
        out.append(
            Conflict(
                "corridor_lower",
                f"Tổng cận dưới hành lang ổn định (cùng mức sàn) vượt tổng kinh phí "
                f"{format_vnd_vi(gap_lo)} / the corridor's lower bounds (with the floors) "
                f"exceed the envelope by {format_vnd_en(gap_lo)}; communes whose lower bound "
                f"is furthest above their floor: " + _names(ids, p.lower, idx),
                gap_lo,
                ids[idx[:TOP]].tolist(),
            )
        )
    # 4. the corridor's upper side
    gap_hi = env - float(hi_i.sum())
    if gap_hi > 0:
        below = p.target - np.minimum(p.upper, p.target)
        idx = _largest(below, ids, np.isfinite(p.upper))
        out.append(
            Conflict(
                "corridor_upper",
                f"Tổng cận trên hành lang ổn định thấp hơn tổng kinh phí "
                f"{format_vnd_vi(gap_hi)} / the corridor's upper bounds fall short of the "
                f"envelope by {format_vnd_en(gap_hi)}; communes whose upper bound is furthest "
                f"below their target: " + _names(ids, p.upper, idx),
                gap_hi,
                ids[idx[:TOP]].tolist(),
            )
        )

    # 5. groups
    if p.has_groups:
        out.extend(_group_conflicts(p, lo_i, hi_i))

    # 6. staffing total
    if p.has_staffing and p.posts_total_max is not None:
        over = int(p.posts_min.sum()) - int(p.posts_total_max)
        if over > 0:
            pm = p.posts_min.astype(float)
            idx = _largest(pm, ids, pm > 0)
            out.append(
                Conflict(
                    "posts",
                    f"Số biên chế tối thiểu theo khối lượng công việc vượt chỉ tiêu tinh giản "
                    f"{over} biên chế / the minimum posts required by workload "
                    f"({int(p.posts_min.sum())}) exceed the province-wide total allowed by the "
                    f"reduction target ({int(p.posts_total_max)}) by {over} posts; communes "
                    f"with the most minimum posts: " + _names(ids, pm, idx, money=False),
                    float(over),
                    ids[idx[:TOP]].tolist(),
                )
            )
    return out


def _group_conflicts(p: AllocationProblem, lo_i: np.ndarray, hi_i: np.ndarray) -> list[Conflict]:
    ids = p.ids
    env = int(p.envelope)
    out: list[Conflict] = []
    for name, grp, members in p.groups():
        label = f"{name}={grp}"
        gfl = p.group_floor.get((name, grp), 0.0)
        gcap = p.group_cap.get((name, grp), np.inf)
        mem_ids = ids[members].tolist()
        if gfl > gcap:
            d = gfl - gcap
            out.append(
                Conflict(
                    "group",
                    f"Nhóm {label}: mức sàn nhóm vượt mức trần nhóm {format_vnd_vi(d)} / "
                    f"group {label}: its floor ({format_vnd_en(gfl)}) exceeds its cap "
                    f"({format_vnd_en(gcap)}) by {format_vnd_en(d)}",
                    d,
                    mem_ids[:TOP],
                )
            )
            continue
        hi_sum = float(hi_i[members].sum())
        lo_sum = float(lo_i[members].sum())
        if gfl > hi_sum + 1e-6:
            d = gfl - hi_sum
            what = "no communes" if members.size == 0 else "upper bounds"
            idx = members[_largest(p.upper[members], ids[members])] if members.size else members
            out.append(
                Conflict(
                    "group",
                    f"Nhóm {label}: mức sàn nhóm vượt mức tối đa các xã trong nhóm có thể nhận "
                    f"{format_vnd_vi(d)} / group {label}: its floor ({format_vnd_en(gfl)}) is "
                    f"above what its communes' {what} allow ({format_vnd_en(hi_sum)}) by "
                    f"{format_vnd_en(d)}",
                    d,
                    ids[idx[:TOP]].tolist(),
                )
            )
        if np.isfinite(gcap) and gcap < lo_sum - 1e-6:
            d = lo_sum - gcap
            idx = members[_largest(lo_i[members], ids[members])]
            out.append(
                Conflict(
                    "group",
                    f"Nhóm {label}: mức trần nhóm thấp hơn tổng mức sàn các xã trong nhóm "
                    f"{format_vnd_vi(d)} / group {label}: its cap ({format_vnd_en(gcap)}) is "
                    f"below its communes' floors ({format_vnd_en(lo_sum)}) by "
                    f"{format_vnd_en(d)}; communes with the largest floors: "
                    + _names(ids, lo_i, idx),
                    d,
                    ids[idx[:TOP]].tolist(),
                )
            )
    # per grouping, all groups together against the envelope
    for name, labels in p.group_labels.items():
        keys = {k[1] for k in list(p.group_floor) + list(p.group_cap) if k[0] == name}
        if not keys:
            continue
        need = 0.0
        room = 0.0
        for grp in sorted({*labels.tolist(), *keys}, key=str):
            members = np.flatnonzero(labels == grp)
            lo_sum = float(lo_i[members].sum())
            hi_sum = float(hi_i[members].sum())
            need += max(p.group_floor.get((name, grp), 0.0), lo_sum)
            room += min(p.group_cap.get((name, grp), np.inf), hi_sum)
        if need > env + 1e-6:
            d = need - env
            out.append(
                Conflict(
                    "grouping",
                    f"Theo {name}: tổng mức sàn các nhóm vượt tổng kinh phí {format_vnd_vi(d)} / "
                    f"by {name}: the group floors (with the commune floors) exceed the envelope "
                    f"by {format_vnd_en(d)}",
                    d,
                    [],
                )
            )
        if room < env - 1e-6:
            d = env - room
            out.append(
                Conflict(
                    "grouping",
                    f"Theo {name}: tổng mức trần các nhóm thấp hơn tổng kinh phí "
                    f"{format_vnd_vi(d)} / by {name}: the group caps (with the commune upper "
                    f"bounds) fall short of the envelope by {format_vnd_en(d)}",
                    d,
                    [],
                )
            )
    return out


def diagnose(problem: AllocationProblem) -> None:
    """Raise :class:`InfeasibleError` when a pre-solve check fails.

    Parameters
    ----------
    problem : AllocationProblem

    Raises
    ------
    InfeasibleError
        Message: every conflict, one per line (Vietnamese / English, amounts in VND or
        posts); ``shortfall`` and ``communes`` of the first conflict.
    """
    conflicts = find_conflicts(problem)
    if not conflicts:
        return
    first = conflicts[0]
    message = "\n".join(c.message for c in conflicts)
    raise InfeasibleError(message, shortfall=first.shortfall, communes=first.communes)
