"""The plan of a scenario: who is present when, who leaves when, and why.

- :func:`check` — a scenario against a model's years, regime validity and target parameters;
- :class:`Run` — presence of everyone in one run (start and stop day numbers, leavers);
  :func:`project` runs it from the roster date to the last year: natural exits, retirees
  replaced (baseline) or not (scenario, except must-fill posts and communes at their minimum
  staffing, ``scenarios.min_staffing``), and the plan's leavers;
- :class:`Plan` — the target path (:func:`~khoan.scenarios.policies.target_path`) and the policy
  that meets it: ``greedy`` year by year, or ``optimal`` (one MILP over all years,
  :func:`~khoan.scenarios.policies.optimal_select`); :func:`make_plan` builds it against the
  baseline's headcount.

Costs are not computed here: :mod:`khoan.scenarios.projection` prices a run.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ParameterError, SolverError
from ..params import ParameterTree
from .benefit_tables import BenefitTable, benefit_table
from .policies import (
    greedy_select,
    named_by_rating,
    named_first,
    optimal_select,
    priority,
    target_path,
)
from .scenario import Scenario, resolve_param, scenario_error
from .universe import INF, Universe, roster_date, to_day

__all__ = ["Plan", "Run", "check", "count_at", "counts_at", "make_plan", "project"]


# ---------------------------------------------------------------------------------------------
# validation that needs the model


def check(model, scenario: Scenario) -> ParameterTree:
    """Check a scenario against a model's years and parameters; return its parameter tree.

    Raises
    ------
    ScenarioError
        Naming scenario, field, reason (and file line): years outside the model's years or the
        parameters' coverage; a decision or leave date outside the regime's validity
        (``benefits.<regime>.in_force``); a target parameter that does not exist; a base year
        before the roster; override conflicts (from the parameter engine).
    """
    err = scenario._error
    my = model.years
    first, last = scenario.years
    if first < my[0] or last > my[-1]:
        raise err(
            "years",
            f"{first}–{last} is outside the model's years {my[0]}–{my[-1]} (model.toml)",
        )
    params = scenario.params(model.params)
    key = f"benefits.{scenario.regime}.in_force"
    if scenario.leave_kinds:
        try:
            hist = params.history(key)
        except ParameterError as exc:
            raise err("regime", str(exc)) from None
        valid = (
            "; ".join(f"{h.start} to {h.end or 'open'}" for h in hist if h.value is True) or "never"
        )

        def in_force(d: _dt.date) -> bool:
            try:
                return params.value(key, d) is True
            except ParameterError:
                return False

        dec = scenario.decision
        if not in_force(dec):
            raise err(
                "decision_date",
                f"{dec} is outside the validity of regime {scenario.regime} ({valid}; "
                f"parameter {key})",
            )
        for y in scenario.year_list:
            d = scenario.leave_date(y)
            if not in_force(d):
                raise err(
                    "years",
                    f"leavers of {y} would leave on {d}, outside the validity of regime "
                    f"{scenario.regime} ({valid}; parameter {key}): shorten the years or "
                    "change the regime",
                )
    for k in ("salary.base",):
        for d in (_dt.date(first, 1, 1), _dt.date(last, 12, 31)):
            try:
                params.value(k, d)
            except ParameterError as exc:
                raise err("years", f"outside the parameters' coverage: {exc}") from None
    t = scenario.target
    if t is not None:
        _resolve_target(model, scenario, params)
    return params


def _resolve_target(
    model, scenario: Scenario, params: ParameterTree
) -> tuple[str, Any, int | None]:
    """(kind, value or per-commune values, base_year) with parameter keys read."""
    t = scenario.target
    assert t is not None
    on = scenario.decision
    val: Any = t.value
    if isinstance(val, str):
        try:
            val = resolve_param(params, val, on)
        except ParameterError as exc:
            raise scenario._error(f"target.{t.kind}", str(exc)) from None
        if not isinstance(val, int | float) or isinstance(val, bool):
            raise scenario._error(
                f"target.{t.kind}",
                f"parameter {t.value!r} on {on} is {val!r}, not a number (pick an item: "
                f"'{t.value}.<item>')",
            )
    by = t.base_year
    if isinstance(by, str):
        try:
            by = resolve_param(params, by, on)
        except ParameterError as exc:
            raise scenario._error("target.base_year", str(exc)) from None
        if not isinstance(by, int):
            raise scenario._error("target.base_year", f"parameter value {by!r} is not a year")
    if by is not None:
        rd = roster_date(model)
        if _dt.date(by + 1, 1, 1) < rd:
            raise scenario._error(
                "target.base_year",
                f"{by} ends before the model's roster date {rd}: the headcount of {by} is not "
                f"known; use {rd.year - 1} or later, or a count",
            )
        if by > scenario.years[1]:
            raise scenario._error("target.base_year", f"{by} is after the scenario's last year")
    if t.communes:
        codes = set(model.communes["code"].astype(str))
        bad = [c for c, _ in t.communes if c not in codes]
        if bad:
            raise scenario._error("target.communes", f"unknown commune code(s) {bad[:5]}")
    return t.kind, val, by


# ---------------------------------------------------------------------------------------------
# one run of the projection


@dataclass
class Run:
    """Presence of everyone in one run, and the leavers."""

    start: np.ndarray  # day numbers (inactive hires: INF)
    stop: np.ndarray
    left: np.ndarray  # leave day (INF if not a leaver)
    leave_kind: np.ndarray  # index into KINDS (-1)
    leave_year: np.ndarray
    hire_active: np.ndarray  # bool per universe row (hires only)
    counts: dict[int, dict[str, np.ndarray]] = field(default_factory=dict)
    money: dict[int, dict[str, np.ndarray]] = field(default_factory=dict)
    approved: dict[int, np.ndarray] = field(default_factory=dict)


def count_at(
    u: Universe, r: Run, t: np.int64, floor: bool = False, pop: np.ndarray | None = None
) -> np.ndarray:
    """Per-commune headcount present on day ``t``: of the scenario's categories, or (``floor``)
    of the people counted against the minimum staffing, or of ``pop``."""
    if pop is None:
        return counts_at(u, r, [t], floor=floor)[0]
    pres = pop & (r.start <= t) & (r.stop > t)
    return np.bincount(u.cidx[pres], minlength=u.nc)


def counts_at(u: Universe, r: Run, times: list, floor: bool = False) -> np.ndarray:
    """:func:`count_at` on several days at once: (len(times), n_communes).

    The counts of a fresh run (:func:`_new_run`: nobody has left, only the must-fill posts'
    hires are active) are computed once per shared work and set of days; a run's counts are
    those plus the difference made by the people whose presence differs from the fresh run's
    (the leavers and the hires activated so far): exact integer counts either way.
    """
    which = "floor" if floor else "affected"
    t = np.asarray(times, dtype=np.int64)
    ref_start, ref_stop = _fresh_presence(u)
    key = ("counts_at", which, t.tobytes())
    base = u.derived.get(key)
    if base is None:
        base = _counts(u, u.population(which), ref_start, ref_stop, t)
        u.derived[key] = base
    pop = u.floor_pop if floor else u.affected
    changed = np.flatnonzero(pop & ((r.start != ref_start) | (r.stop != ref_stop)))
    if not len(changed):
        return base.copy()
    return (
        base + _counts(u, changed, r.start, r.stop, t) - _counts(u, changed, ref_start, ref_stop, t)
    )


def _counts(
    u: Universe, idx: np.ndarray, start: np.ndarray, stop: np.ndarray, t: np.ndarray
) -> np.ndarray:
    """Per-commune count of the people ``idx`` present on each day of ``t``: (len(t), nc)."""
    st, sp = start[idx], stop[idx]
    pres = (st[None, :] <= t[:, None]) & (sp[None, :] > t[:, None])
    flat = (u.cidx[idx][None, :] + u.nc * np.arange(len(t))[:, None])[pres]
    return np.bincount(flat, minlength=len(t) * u.nc).reshape(len(t), u.nc)


def _fresh_presence(u: Universe) -> tuple[np.ndarray, np.ndarray]:
    """First and stop days of everyone in a fresh run (computed once per shared work)."""
    got = u.derived.get("fresh_presence")
    if got is None:
        r = _new_run(u)
        got = (r.start, r.stop)
        u.derived["fresh_presence"] = got
    return got


def _activate(u: Universe, r: Run, persons: np.ndarray) -> None:
    h = u.hire_of[persons]
    h = h[h >= 0]
    r.hire_active[h] = True
    r.start[h] = u.start[h]


def _new_run(u: Universe) -> Run:
    n = len(u.rows)
    start = u.start.copy()
    start[u.is_hire] = INF
    r = Run(
        start=start,
        stop=u.exit.copy(),
        left=np.full(n, INF, dtype=np.int64),
        leave_kind=np.full(n, -1, dtype=np.int64),
        leave_year=np.zeros(n, dtype=np.int64),
        hire_active=np.zeros(n, dtype=bool),
    )
    # must-fill posts are always refilled
    mf = np.flatnonzero(u.must_fill[: u.n_roster] & (u.hire_of >= 0))
    _activate(u, r, mf)
    return r


def _natural_exits(u: Universe, r: Run, d0: np.int64, d1: np.int64) -> np.ndarray:
    n0 = u.n_roster
    ex = (
        u.affected[:n0]
        & ~u.must_fill[:n0]
        & (r.left[:n0] >= INF)
        & (u.exit[:n0] >= d0)
        & (u.exit[:n0] < d1)
        & (u.exit_kind[:n0] > 0)
    )
    return np.flatnonzero(ex)


def _replace_at_floor(u: Universe, r: Run, exits: np.ndarray, d0: np.int64, d1: np.int64) -> None:
    """Replace the exits that would take a commune below its minimum staffing."""
    if not len(exits):
        return
    # headcount on the eve of the year and at its end; the hires activated below start
    # within the year, so the eve's count holds before and after each commune's replacements
    h0, end = counts_at(u, r, [d0 - 1, d1 - 1], floor=True)
    low = np.flatnonzero(end < u.floor)
    low = np.intersect1d(low, u.cidx[exits])
    for c in low:
        h = int(h0[c])
        inc = u.floor_members(int(c))  # ascending universe indices
        starts = inc[(r.start[inc] >= d0) & (r.start[inc] < d1)]
        lv = inc[(r.left[inc] >= d0) & (r.left[inc] < d1)]
        ex = exits[u.cidx[exits] == c]
        other = inc[~u.affected[inc] & (r.stop[inc] >= d0) & (r.stop[inc] < d1)]
        ev = (
            [(int(r.start[i]), 0, i) for i in starts]
            + [(int(r.left[i]), 1, i) for i in lv]
            + [(int(u.exit[i]), 2, i) for i in ex]
            + [(int(r.stop[i]), 3, i) for i in other]
        )
        for _when, typ, i in sorted(ev):
            if typ == 0:
                h += 1
            elif typ in (1, 3):
                h -= 1
            elif h - 1 < u.floor[c]:
                _activate(u, r, np.array([i]))
            else:
                h -= 1


def project(
    u: Universe,
    scenario: Scenario,
    policy_active: bool,
    plan: Plan | None = None,
) -> Run:
    """Run the projection from the roster date to the last year."""
    r = _new_run(u)
    for y in range(u.y0, u.y_last + 1):
        d0, d1 = to_day(_dt.date(y, 1, 1)), to_day(_dt.date(y + 1, 1, 1))
        active = policy_active and y >= scenario.years[0]
        if active and plan is not None:
            plan.apply(u, r, y)
        exits = _natural_exits(u, r, d0, d1)
        if not active and scenario.replace_retirees:
            _activate(u, r, exits)
        else:
            _replace_at_floor(u, r, exits, d0, d1)
    return r


# ---------------------------------------------------------------------------------------------
# leaver selection


def _named(u: Universe, idx: np.ndarray, y: int, sc: Scenario) -> np.ndarray:
    """Candidates ``idx`` the law names by their ratings of ``y - 1`` and ``y - 2``."""
    r = getattr(u.source, "ratings", None)
    if r is None or not len(r):
        raise scenario_error(
            sc.name,
            "rating_first",
            "the model has no ratings table (ratings.csv: id, year, rating): nobody can be "
            "taken first by rating",
            sc.source,
        )
    ids = pd.Index(np.asarray(u.ids[idx], dtype=str))
    ry = pd.to_numeric(r["year"], errors="coerce").to_numpy()
    out = []
    for year in (y - 1, y - 2):
        sub = r.loc[ry == year].drop_duplicates("id", keep="last")
        by_id = pd.Series(sub["rating"].to_numpy(dtype=object), index=sub["id"].astype(str))
        out.append(by_id.reindex(ids).to_numpy(dtype=object))
    return named_by_rating(out[0], out[1])


@dataclass
class Plan:
    """The policy: chooses and applies leavers year by year."""

    scenario: Scenario
    base: np.ndarray  # (nc,) base headcount
    path: np.ndarray  # (ny, nc) or (ny, 1) cumulative cut required
    per_commune: bool
    fixed: dict[int, list[tuple[np.ndarray, int]]] = field(default_factory=dict)
    solved: Any = None

    def apply(self, u: Universe, r: Run, y: int) -> None:
        sc = self.scenario
        if not sc.leave_kinds:
            return
        if sc.policy == "optimal":
            if self.solved is None:
                self.solve(u, r)
            for who, k in self.fixed.get(y, []):
                self._leave(u, r, who, y, k)
            return
        self._greedy(u, r, y)

    # -- shared state -----------------------------------------------------------------------
    def _state(self, u: Universe, r: Run, y: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For the years from ``y`` with no more leavers: effective end-of-year headcount of the
        scenario's categories (exits that breach a floor are refilled), and each commune's room
        above its floor at the end of each year — arrays (n_years, n_communes)."""
        ends = [to_day(_dt.date(t + 1, 1, 1)) - 1 for t in range(y, u.y_last + 1)]
        aff = counts_at(u, r, ends)
        flo = counts_at(u, r, [to_day(_dt.date(y, 1, 1)) - 1, *ends], floor=True)
        h0, flo = flo[0], flo[1:]
        refill = np.maximum(0, np.minimum(u.floor, h0)[None, :] - flo)
        heff = aff + refill
        room = np.maximum(0, flo - u.floor[None, :])
        return heff, room, flo

    def _need(self, y: int, heff: np.ndarray) -> np.ndarray:
        k = y - self.scenario.years[0]
        if self.per_commune:
            return np.maximum(0, self.path[k] - (self.base - heff))
        return np.array([max(0, int(self.path[k, 0] - (self.base.sum() - heff.sum())))])

    def _leave(self, u: Universe, r: Run, who: np.ndarray, y: int, k: int) -> None:
        d = to_day(self.scenario.leave_date(y))
        r.left[who] = d
        r.stop[who] = d
        r.leave_kind[who] = k
        r.leave_year[who] = y

    def _candidates(self, u: Universe, r: Run, y: int) -> np.ndarray:
        d = to_day(self.scenario.leave_date(y))
        end = to_day(_dt.date(y + 1, 1, 1)) - 1
        return u.candidate & (r.left >= INF) & (r.start <= d) & (r.stop > end)

    def _rank(
        self,
        u: Universe,
        kind: str,
        tab: BenefitTable,
        ok: np.ndarray,
        y: int,
        named_only: bool = False,
    ) -> np.ndarray:
        sc = self.scenario
        order = sc.order
        if order == "default":
            order = "closest_to_retirement" if kind == "early_retirement" else "cost"
        idx = tab["universe"]
        rank = tab.ranks.get(order)
        if rank is None:
            rank = priority(
                order,
                ids=u.ids[idx],
                retire_day=u.retire[idx],
                birth_day=u.birth[idx],
                cost=tab["total"].astype(float),
                id_rank=u.id_rank()[idx],
            )
            tab.ranks[order] = rank
        rank = np.where(ok, rank, -1)
        if sc.rating_first:
            named = _named(u, idx, y, sc)
            rank = named_first(np.where(named | (not named_only), rank, -1), named)
        return rank

    # -- greedy -------------------------------------------------------------------------------
    def _greedy(self, u: Universe, r: Run, y: int) -> None:
        sc = self.scenario
        heff, room_y, _flo = self._state(u, r, y)
        need = self._need(y, heff[0])
        room = room_y.min(axis=0)
        if need.sum() <= 0:
            return
        avail = self._candidates(u, r, y)
        d = to_day(sc.leave_date(y))
        room = room.copy()
        found = 0
        eligible = np.zeros(len(u.rows), dtype=bool)
        # rating_first: the people the law names, under any kind they are eligible for, first
        kinds = list(enumerate(sc.leave_kinds))
        passes = [(True, k, kind) for k, kind in kinds] if sc.rating_first else []
        passes += [(False, k, kind) for k, kind in kinds]
        for named_only, k, kind in passes:
            tab = benefit_table(u, sc, kind, d)
            idx = tab["universe"]
            ok = avail[idx] & tab["eligible"]
            eligible[idx[ok]] = True
            rank = self._rank(u, kind, tab, ok, y, named_only)
            sel = greedy_select(
                rank,
                u.cidx[idx],
                room,
                need if self.per_commune else int(need.sum()),
                per_commune=self.per_commune,
            )
            who = idx[sel]
            if len(who):
                self._leave(u, r, who, y, k)
                avail[who] = False
                got = np.bincount(u.cidx[who], minlength=u.nc)
                room = room - got
                if self.per_commune:
                    need = np.maximum(0, need - got)
                else:
                    need = need - len(who)
                found += len(who)
            if need.sum() <= 0:
                return
        short = u.codes[np.flatnonzero(need > 0)] if self.per_commune else None
        self._unreachable(u, y, int(need.sum()), found, int(eligible.sum()), short)

    def _unreachable(
        self, u: Universe, y: int, short: int, found: int, eligible: int, communes=None
    ) -> None:
        sc = self.scenario
        kinds = " or ".join(sc.leave_kinds)
        hint = (
            "; allow resignation too (kinds = ['early_retirement', 'resignation'])"
            if sc.leave_kinds == ("early_retirement",)
            else ""
        )
        where = ""
        if communes is not None and len(communes):
            more = f" and {len(communes) - 8} more" if len(communes) > 8 else ""
            where = f" (communes {', '.join(map(str, communes[:8]))}{more})"
        raise scenario_error(
            sc.name,
            "target",
            f"the target cannot be met in {y}: {short} more leaver(s) needed{where} after "
            f"{found} found; {eligible} person(s) are eligible for {kinds} under {sc.regime} "
            f"on {sc.leave_date(y)} and the rest are in communes at their minimum staffing "
            f"(scenarios.min_staffing) or in must-fill posts{hint}",
            sc.source,
        )

    # -- optimal -------------------------------------------------------------------------------
    def solve(self, u: Universe, r: Run) -> None:
        sc = self.scenario
        y1 = sc.years[0]
        years = sc.year_list
        ny = len(years)
        heff, room_y, _flo = self._state(u, r, y1)
        cand = np.flatnonzero(u.candidate & (r.left >= INF))
        ncand = len(cand)
        kinds = sc.leave_kinds
        nk = len(kinds)
        cost = np.zeros((ncand, ny, nk))
        allowed = np.zeros((ncand, ny, nk), dtype=bool)
        pos = pd.Index(cand)
        ends = np.array([to_day(_dt.date(t + 1, 1, 1)) - 1 for t in years])
        still = r.stop[cand][:, None] > ends[None, :]
        hend = u.horizon_end
        csum = u.csum  # (months + 1, nd) cumulative pay of movable people
        ms = u.month_starts
        stop_m = np.searchsorted(ms, np.minimum(r.stop[cand], hend), side="left")
        mp = u.mpos[cand]
        for t, y in enumerate(years):
            d = to_day(sc.leave_date(y))
            present = (r.start[cand] <= d) & still[:, t]
            lm = int(np.searchsorted(ms, d, side="left"))
            saved = np.where(stop_m > lm, csum[np.maximum(stop_m, lm), mp] - csum[lm, mp], 0.0)
            for k, kind in enumerate(kinds):
                tab = benefit_table(u, sc, kind, d)
                j = pos.get_indexer(tab["universe"])
                okj = j >= 0
                ben = np.zeros(ncand)
                el = np.zeros(ncand, dtype=bool)
                ben[j[okj]] = tab["total"].astype(float)[okj]
                el[j[okj]] = tab["eligible"][okj]
                if not isinstance(sc.order, str):
                    rank = self._rank(u, kind, tab, np.ones(len(tab["universe"]), bool))
                    lst = np.zeros(ncand, dtype=bool)
                    lst[j[okj]] = rank[okj] >= 0
                    el &= lst
                cost[:, t, k] = ben - saved
                allowed[:, t, k] = present & el
        # need and room per year, from the no-policy state at the start
        room = room_y.T  # (nc, ny)
        if self.per_commune:
            need_c = np.maximum(0, self.path - (self.base[None, :] - heff)).T  # (nc, ny)
            need = need_c.sum(axis=0)
        else:
            need_c = None
            need = np.maximum(0, self.path[:, 0] - (self.base.sum() - heff.sum(axis=1)))
        try:
            res = optimal_select(
                cost, allowed, still, u.cidx[cand], room, need, need_c, solver=sc.solver
            )
        except SolverError as exc:
            if exc.status == "infeasible":
                cap = int(allowed.any(axis=(1, 2)).sum())
                raise scenario_error(
                    sc.name,
                    "target",
                    f"the target path cannot be met: {int(need.max())} leaver(s) are needed in "
                    f"some year, among {cap} candidate(s) eligible for "
                    f"{' or '.join(kinds)} under {sc.regime}, within each commune's minimum "
                    "staffing (scenarios.min_staffing) — the optimal-policy MILP is infeasible",
                    sc.source,
                ) from None
            raise
        for t, y in enumerate(years):
            sel = res.year == t
            for k in range(nk):
                who = cand[res.person[sel & (res.kind == k)]]
                if len(who):
                    self.fixed.setdefault(y, []).append((who, k))
        self.solved = res


def make_plan(u: Universe, scenario: Scenario, baseline: Run) -> Plan | None:
    ny = len(scenario.year_list)
    t = scenario.target
    if t is None:
        if scenario.leave_kinds:
            raise scenario._error(
                "target", f"policy {scenario.policy!r} needs a target (share, count or rate)"
            )
        return None
    kind, val, base_year = _resolve_target(u.model, scenario, u.params)
    y1 = scenario.years[0]
    if base_year is None:
        tday = to_day(_dt.date(y1, 1, 1)) - 1
    else:
        tday = to_day(_dt.date(base_year + 1, 1, 1)) - 1
    base = count_at(u, baseline, np.int64(max(tday, u.roster_day - 1)))
    k_by = (t.by - y1 + 1) if t.by is not None else ny
    per_commune = t.scope == "commune"
    if per_commune:
        vals = np.full(u.nc, float(val) if not t.communes else 0.0)
        if t.communes:
            pos = pd.Index(u.codes).get_indexer([c for c, _ in t.communes])
            vals[pos] = [float(v) for _, v in t.communes]
        path = target_path(kind, vals, base, ny, k_by, t.path)
    else:
        path = target_path(kind, float(val), np.array([base.sum()]), ny, k_by, t.path)
    return Plan(scenario=scenario, base=base, path=path, per_commune=per_commune)
