"""The shared work of a scenario projection: everyone who may be on the roster, and their pay.

A :class:`Universe` is built once per model, parameter overrides, categories and last year, and
cached (:func:`shared_work`, :func:`clear_cache`) so that the scenarios of a model share it:

- the roster on the roster date and the hires who would replace the statutory retirees and the
  people whose ``end_date`` falls in the horizon (``scenarios.hire.*``), with each person's first
  day, natural exit day (NĐ 135/2020 retirement ages, ``khoan.benefits.retirement_date``; the
  reduced age of Phụ lục II by :func:`~khoan.scenarios.roster.reduced_age`) and role
  (candidate leaver, must-fill post, counted against the minimum staffing);
- the pay of every year of the horizon (the payroll engine, :func:`khoan.payroll.run_inputs`,
  on the roster checked once and aged on arrays by :func:`~khoan.scenarios.roster.age`; or
  :func:`khoan.payroll.run` on the rows aged by :func:`~khoan.scenarios.roster.advance_roster`
  when the arrays cannot be paid exactly so): people whose presence is the same in every
  run ("fixed") summed per commune, the others ("movable") month by month, with the lump-sum
  rates of the year (:func:`khoan.lumpsum.year_rates`) and the TNTT cap ratio.

Dates are day numbers (days since 1970-01-01, :mod:`khoan.periods`); an open date is
:data:`INF` (or :data:`NEG` for an unknown start). Money is VND (int64 once rounded).
"""

from __future__ import annotations

import collections
import datetime as _dt
import importlib
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .. import benefits as _benefits
from ..errors import ParameterError
from ..notes import Note, vi_number
from ..params import ParameterTree
from ..periods import FAR_FUTURE, FAR_PAST
from .policies import staffing_floor
from .roster import first_of_next_months, make_hires, reduced_age
from .scenario import Scenario, scenario_error
from .year_pay import YearCost, cost_years

# the module, not the function khoan.payroll that the package exposes under the same name
_payroll = importlib.import_module("khoan.payroll")

__all__ = [
    "INF",
    "NEG",
    "Universe",
    "YearCost",
    "clear_cache",
    "roster_date",
    "shared_work",
    "to_date",
    "to_day",
    "to_days",
]

INF = np.int64(FAR_FUTURE)  # open dates as day numbers (khoan.periods, as the payroll)
NEG = np.int64(FAR_PAST)
_CACHE_SIZE = 8
_EPOCH_ORDINAL = _dt.date(1970, 1, 1).toordinal()
_CACHE: collections.OrderedDict[tuple, Universe] = collections.OrderedDict()


def to_day(d: Any) -> np.int64:
    """Day number (days since 1970-01-01) of a date, datetime or ISO string."""
    if type(d) is _dt.date:  # the common case, without pandas
        return np.int64(d.toordinal() - _EPOCH_ORDINAL)
    return np.int64(np.datetime64(pd.Timestamp(d).date(), "D").astype(np.int64))


def to_days(values: Any, fill: np.int64) -> np.ndarray:
    """Day numbers of a column of dates; ``fill`` where a date is missing or unreadable."""
    s = pd.to_datetime(pd.Series(values), errors="coerce")
    out = s.to_numpy(dtype="datetime64[D]").astype(np.int64)
    out[s.isna().to_numpy()] = fill
    return out


def to_date(day: int) -> _dt.date:
    """The date of a day number."""
    return pd.Timestamp(np.datetime64(int(day), "D")).date()


def clear_cache() -> None:
    """Forget the per-model work cached across scenarios."""
    _CACHE.clear()


# ---------------------------------------------------------------------------------------------
# per-model work, shared by the scenarios of a model


@dataclass
class Universe:
    """Everyone who may be on the roster during the horizon, and their pay."""

    key: tuple
    source: Any  # the model given (kept alive so that its id stays unique)
    model: Any  # the model with the scenario's parameters
    params: ParameterTree
    categories: tuple[str, ...]
    y0: int
    y_last: int
    roster_day: np.int64
    codes: np.ndarray
    nc: int
    rows: pd.DataFrame  # staff schema, roster then hires (state on the roster date / hire start)
    n_roster: int
    cidx: np.ndarray
    affected: np.ndarray
    must_fill: np.ndarray
    is_hire: np.ndarray
    hire_of: np.ndarray  # roster index -> universe index of its hire (-1)
    replaces: np.ndarray  # hire -> roster index replaced (-1)
    start: np.ndarray  # first day (day number)
    exit: np.ndarray  # natural exit day (exclusive)
    exit_kind: np.ndarray  # 0 none, 1 retirement, 2 end date in the staff table
    retire: np.ndarray  # statutory pension start (day number; INF if not computed)
    reduced: np.ndarray  # bool: retires at the reduced age (NĐ 135/2020 Phụ lục II)
    birth: np.ndarray
    candidate: np.ndarray
    floor_pop: np.ndarray  # people counted against the minimum staffing
    movable: np.ndarray  # presence may differ between runs
    mpos: np.ndarray  # universe index -> position among movable (-1)
    midx: np.ndarray  # movable position -> universe index
    staffing: np.ndarray  # category in the approved staffing (cadres, civil servants)
    approved: np.ndarray  # (nc,) int64
    floor: np.ndarray  # (nc,) int64
    month_starts: np.ndarray  # day numbers of every month start of the horizon (+ end)
    ids: np.ndarray  # person ids (str objects)
    cats: np.ndarray
    positions: np.ndarray
    years: dict[int, YearCost] = field(default_factory=dict)
    benefit_cache: dict[tuple, pd.DataFrame] = field(default_factory=dict)
    baseline_cache: dict[bool, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    digests: dict[str, str] = field(default_factory=dict)
    keys_used: set[str] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)
    # set by the costing of the years: payroll component indices of the salary fund parts and
    # of the contributions; cumulative monthly pay of movable people (months + 1, nd) VND
    sf_idx: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    co_idx: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    csum: np.ndarray = field(default_factory=lambda: np.zeros((1, 0)))
    id_ranks: np.ndarray | None = None  # see id_rank()
    floor_groups: tuple[np.ndarray, np.ndarray] | None = None  # see floor_members()
    pop_index: dict[str, np.ndarray] = field(default_factory=dict)  # see population()
    #: arrays every run reads, derived once from the fields above (scenarios.projection)
    derived: dict[Any, Any] = field(default_factory=dict)
    #: how the years were costed: "arrays" (the roster checked once and aged on arrays) or
    #: "tables" (aged and paid as tables, when the arrays' path could differ)
    pay_path: str = ""

    def id_rank(self) -> np.ndarray:
        """Position of each person's id among the ids sorted as text (computed once): the
        policies' tie-break without comparing strings."""
        if self.id_ranks is None:
            self.id_ranks = text_ranks(self.ids)
        return self.id_ranks

    def population(self, which: str) -> np.ndarray:
        """Universe indices of the scenario's categories (``"affected"``) or of the people
        counted against the minimum staffing (``"floor"``); computed once."""
        if which not in self.pop_index:
            mask = self.floor_pop if which == "floor" else self.affected
            self.pop_index[which] = np.flatnonzero(mask)
        return self.pop_index[which]

    def floor_members(self, c: int) -> np.ndarray:
        """Universe indices (ascending) of commune ``c``'s people counted against its minimum
        staffing (``floor_pop``); grouped once."""
        if self.floor_groups is None:
            fp = np.flatnonzero(self.floor_pop)
            o = fp[np.argsort(self.cidx[fp], kind="stable")]
            cuts = np.searchsorted(self.cidx[o], np.arange(self.nc + 1), side="left")
            self.floor_groups = (o, cuts)
        o, cuts = self.floor_groups
        return o[cuts[c] : cuts[c + 1]]

    @property
    def horizon_end(self) -> np.int64:
        return to_day(_dt.date(self.y_last + 1, 1, 1))


def text_ranks(values: np.ndarray) -> np.ndarray:
    """Position of each value among the distinct values sorted as text: ``np.unique(values as
    str, return_inverse=True)[1]``, by a stable sort (fast on ids already in runs of sorted
    order, as a roster's and its hires' are)."""
    s = np.asarray(values, dtype=str)
    o = np.argsort(s, kind="stable")
    s = s[o]
    new = np.empty(len(s), dtype=bool)
    new[:1] = True
    np.not_equal(s[1:], s[:-1], out=new[1:])
    ranks = np.empty(len(s), dtype=np.int64)
    ranks[o] = np.cumsum(new) - 1
    return ranks


def _override_key(scenario: Scenario) -> tuple:
    return tuple(
        (o.name, repr(sorted((k, repr(v)) for k, v in o.changes.items())))
        for o in scenario.overrides
    )


def roster_date(model) -> _dt.date:
    rd = model.meta.get("roster_date") if isinstance(model.meta, dict) else None
    if rd:
        return pd.Timestamp(rd).date()
    return _dt.date(model.years[0], 1, 1)


def shared_work(model, scenario: Scenario) -> tuple[Universe, bool]:
    """The shared work for this model, overrides, categories and horizon; (universe, cached).

    The cache knows a model by identity (the objects of its tables and parameters): build a new
    model (``model.replace(staff=...)``) rather than editing a table in place, or call
    :func:`clear_cache`.
    """
    key = (
        id(model),
        id(model.staff),
        id(model.communes),
        id(model.params),
        _override_key(scenario),
        scenario.categories,
        scenario.years[1],
    )
    u = _CACHE.get(key)
    if u is not None and u.source is model:
        _CACHE.move_to_end(key)
        return u, True
    u = _build_universe(model, scenario, key)
    _CACHE[key] = u
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return u, False


def _check_people(scenario: Scenario, staff: pd.DataFrame, affected: np.ndarray) -> None:
    for col, what in (("birth_date", "birth date"), ("sex", "sex")):
        if col not in staff.columns:
            raise scenario_error(
                scenario.name,
                f"staff.{col}",
                f"the staff table has no {col!r} column: the statutory retirement date "
                "(NĐ 135/2020) cannot be computed",
                scenario.source,
            )
        v = staff[col]
        bad = v.isna().to_numpy().copy()
        if col == "sex":
            # ``v.astype(str).str.upper().isin(["M", "F"])``, once per distinct value
            where, uniq = pd.factorize(v, use_na_sentinel=False)
            text = pd.Series(np.asarray(uniq, dtype=object), dtype=object).astype(str)
            bad |= ~text.str.upper().isin(["M", "F"]).to_numpy()[where]
        bad = bad & affected
        if bad.any():
            ids = staff["id"].astype(str).to_numpy()[bad]
            shown = ", ".join(ids[:10]) + (f" and {len(ids) - 10} more" if len(ids) > 10 else "")
            raise scenario_error(
                scenario.name,
                f"staff.{col}",
                f"{len(ids)} person(s) in the scenario's categories have no {what} ({shown}): "
                "their statutory retirement date (NĐ 135/2020) and benefits cannot be computed",
                scenario.source,
            )


def as_text(col: pd.Series) -> np.ndarray:
    """A column as an object array of ``str`` (``col.astype(str)``; missing stays missing),
    without the round trip through a string array when its values are ``str`` already."""
    if col.dtype == object and pd.api.types.infer_dtype(col, skipna=False) == "string":
        return col.to_numpy(dtype=object, copy=True)
    return col.astype(str).to_numpy(dtype=object)


def positions_in(index: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``pd.Index(index).get_indexer(values)`` (-1: not found), looked up once per distinct
    value (a roster's commune column repeats a few thousand codes)."""
    where, uniq = pd.factorize(values, use_na_sentinel=False)
    return pd.Index(index).get_indexer(uniq)[where]


def _text(staff: pd.DataFrame, hires: pd.DataFrame, col: str) -> np.ndarray:
    """A text column of the universe (roster, then hires) as ``str`` objects, converted part by
    part (the concatenated table's column is of object dtype: slow to convert)."""
    parts = [as_text(staff[col])]
    if len(hires):
        parts.append(as_text(hires[col]))
    return np.concatenate(parts)


def _build_universe(model, scenario: Scenario, key: tuple) -> Universe:
    t0 = time.perf_counter()
    params = scenario.params(model.params)
    m = model.replace(params=params)
    y0, yl = int(model.years[0]), int(scenario.years[1])
    rdate = roster_date(model)
    rday = to_day(rdate)
    staff = model.staff.reset_index(drop=True)
    n0 = len(staff)
    codes = model.communes["code"].astype(str).to_numpy()
    nc = len(codes)
    cidx0 = positions_in(codes, as_text(staff["commune"]))
    cat = as_text(staff["category"])
    affected0 = np.isin(cat, scenario.categories)
    _check_people(scenario, staff, affected0)
    jan0 = _dt.date(y0, 1, 1)
    try:
        must_cats = list(params.value("scenarios.min_staffing.must_fill_categories", jan0))
        share = float(params.number("scenarios.min_staffing.share_of_approved", jan0))
    except ParameterError as exc:
        raise scenario_error(scenario.name, "overrides", str(exc), scenario.source) from None
    must0 = affected0 & np.isin(cat, must_cats)
    retire0 = np.full(n0, INF, dtype=np.int64)
    reduced0 = np.zeros(n0, dtype=bool)
    notes: list[str] = []
    if affected0.any():
        # statutory pension start: the normal age (Phụ lục I), or the reduced age (Phụ lục II)
        # for people with 15 years in areas of special difficulty (roster.reduced_age)
        red = reduced_age(staff.loc[affected0], model.communes, params, rdate)
        retire0[affected0] = red["retirement_date"].to_numpy(dtype="datetime64[D]").astype(np.int64)
        reduced0[affected0] = red["reduced"].to_numpy(dtype=bool)
        if reduced0.any():
            derived = int((red["reduced"] & red["derived"]).sum())
            within = int((reduced0 & (retire0 < to_day(_dt.date(yl + 1, 1, 1)))).sum())
            nr = int(reduced0.sum())
            notes.append(
                Note(
                    f"{nr} person(s) have the reduced retirement age (Bộ luật Lao "
                    "động 2019 Điều 169 khoản 3; NĐ 135/2020 Điều 5, Phụ lục II), "
                    f"{within} of them reach it by the end of {yl}"
                    + (
                        f"; for {derived} of them the qualifying years are derived: service "
                        "since start_date (or insured_since) in a commune with region_coef ≥ "
                        "retirement.reduced.region_coef_min, as the roster has no "
                        "reduced_age_years for them"
                        if derived
                        else ""
                    ),
                    f"{vi_number(nr)} người có tuổi nghỉ hưu thấp hơn (Bộ luật Lao động 2019 "
                    "Điều 169 khoản 3; NĐ 135/2020 Điều 5, Phụ lục II), trong đó "
                    f"{vi_number(within)} người đủ tuổi nghỉ hưu đến hết năm {yl}"
                    + (
                        f"; với {vi_number(derived)} người trong số đó, số năm đủ điều kiện được "
                        "suy ra: thời gian công tác từ start_date (hoặc insured_since) tại đơn "
                        "vị cấp xã có region_coef ≥ retirement.reduced.region_coef_min, vì danh "
                        "sách không có reduced_age_years của họ"
                        if derived
                        else ""
                    ),
                )
            )
    start0 = to_days(staff.get("start_date"), NEG)
    end0 = to_days(staff.get("end_date"), INF - 1) + 1
    end0[end0 >= INF] = INF
    exit0 = np.where(affected0, np.minimum(retire0, end0), end0)
    exit0 = np.where(affected0 & (exit0 < rday), rday, exit0)
    kind0 = np.where(~affected0 | (exit0 >= INF), 0, np.where(retire0 <= end0, 1, 2))
    hend = to_day(_dt.date(yl + 1, 1, 1))
    need_hire = affected0 & (exit0 < hend) & (exit0 > start0)
    hidx = np.flatnonzero(need_hire)
    # a hire starts on the first of the month after the exit (the exit day itself on a first)
    hstart = first_of_next_months(exit0[hidx])
    hires = make_hires(staff.iloc[hidx], hstart.astype("datetime64[D]"), params)
    nh = len(hires)
    rows = pd.concat([staff, hires], ignore_index=True) if nh else staff.copy()
    n = n0 + nh
    is_hire = np.r_[np.zeros(n0, bool), np.ones(nh, bool)]
    replaces = np.r_[np.full(n0, -1), hidx].astype(np.int64)
    hire_of = np.full(n0, -1, dtype=np.int64)
    hire_of[hidx] = n0 + np.arange(nh)
    cidx = np.r_[cidx0, cidx0[hidx]].astype(np.int64)
    affected = np.r_[affected0, np.ones(nh, bool)]
    must = np.r_[must0, must0[hidx]]
    if nh:
        hret = _benefits.retirement_date(
            hires["sex"].astype(str).to_numpy(), pd.DatetimeIndex(hires["birth_date"]), params
        )
        hret = np.asarray(hret, dtype="datetime64[D]").astype(np.int64)
        if (hret < hend).any():
            raise scenario_error(
                scenario.name,
                "years",
                "a hire replacing a retiree would retire within the period "
                "(parameter scenarios.hire.age too high for so long a period)",
                scenario.source,
            )
    else:
        hret = np.zeros(0, dtype=np.int64)
    start = np.r_[start0, hstart]
    exit_ = np.r_[exit0, np.full(nh, INF)]
    exit_kind = np.r_[kind0, np.zeros(nh, dtype=np.int64)]
    retire = np.r_[retire0, hret]
    reduced = np.r_[reduced0, np.zeros(nh, dtype=bool)]
    birth = to_days(rows["birth_date"], NEG)
    candidate = np.zeros(n, bool)
    candidate[:n0] = affected0 & ~must0 & (start0 <= rday) & (end0 >= INF) & (exit0 > rday)
    movable = candidate | (is_hire & ~must)
    midx = np.flatnonzero(movable)
    mpos = np.full(n, -1, dtype=np.int64)
    mpos[midx] = np.arange(len(midx))
    staffing0 = np.isin(cat, _payroll.STAFFING_CATEGORIES)
    staffing = np.r_[staffing0, staffing0[hidx]]  # a hire takes the category of the post
    approved = pd.to_numeric(model.communes["approved_posts"], errors="coerce").fillna(0)
    approved = approved.to_numpy().astype(np.int64)
    # the floor counts the approved staffing (cadres and civil servants) whatever the
    # scenario's categories, plus those categories
    floor_pop0 = staffing0 | affected0
    nmust = np.bincount(cidx0[floor_pop0 & np.isin(cat, must_cats)], minlength=nc)
    floor = staffing_floor(approved, nmust, share)
    ms = np.array(
        [to_day(_dt.date(y, mo, 1)) for y in range(y0, yl + 1) for mo in range(1, 13)] + [hend],
        dtype=np.int64,
    )
    u = Universe(
        key=key,
        source=model,
        model=m,
        params=params,
        categories=scenario.categories,
        y0=y0,
        y_last=yl,
        roster_day=rday,
        codes=codes,
        nc=nc,
        rows=rows,
        n_roster=n0,
        cidx=cidx,
        affected=affected,
        must_fill=must,
        is_hire=is_hire,
        hire_of=hire_of,
        replaces=replaces,
        start=start,
        exit=exit_,
        exit_kind=exit_kind,
        retire=retire,
        reduced=reduced,
        birth=birth,
        candidate=candidate,
        floor_pop=np.r_[floor_pop0, np.ones(nh, bool)],
        movable=movable,
        mpos=mpos,
        midx=midx,
        staffing=staffing,
        approved=approved,
        floor=floor,
        month_starts=ms,
        ids=_text(staff, hires, "id"),
        cats=_text(staff, hires, "category"),
        positions=_text(staff, hires, "position"),
        notes=notes,
    )
    u.keys_used |= {
        "scenarios.min_staffing.must_fill_categories",
        "scenarios.min_staffing.share_of_approved",
        "scenarios.hire.grade",
        "scenarios.hire.age",
        "scenarios.current_salary",
        "retirement.age.pre_2021",
        "retirement.age.schedule",
        "retirement.reduced",
    }
    t1 = time.perf_counter()
    cost_years(u, scenario)
    u.timings = {"roster": t1 - t0, "pay": time.perf_counter() - t1}
    return u
