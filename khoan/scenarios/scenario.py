"""Staff-reduction scenarios: the :class:`Scenario` and :class:`Target` records and their TOML files.

A scenario names a plan period, a reduction target, the policy that chooses who leaves, the
benefit regime those leavers are paid under, whether the approved staffing (hence the lump sum)
falls with the headcount, and parameter overrides. Scenarios are plain frozen dataclasses: they
hold no model data and can be written by hand, read from a ``scenarios.toml`` (one table per
scenario) or built in a loop for a batch run.

``scenarios.toml``::

    [defaults]                      # optional: fields shared by every scenario of the file
    years = [2016, 2020]
    regime = "nd108"

    [overrides.base_salary_2020]    # optional: named parameter overrides (Calliope-style)
    description = "Base salary rises earlier"
    changes = { "salary.base" = { "2020-01-01" = 1600000 } }

    [scenarios.nq39_10pct]
    title = "NQ 39: ≥ 10 % by 2021 vs 2015, early retirement"
    policy = "early_retirement"
    decision_date = 2016-01-01
    target = { share = "reduction.targets.nq39.rate", base_year = 2015, by = 2020 }
    overrides = ["base_salary_2020"]

Errors name the file, the line of the offending field (or of the scenario's ``[scenarios.NAME]``
table), the scenario, the field and the reason (:class:`~khoan.errors.ScenarioError`).
"""

from __future__ import annotations

import datetime as _dt
import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from ..errors import ParameterError, ScenarioError
from ..params import Override, ParameterTree

__all__ = [
    "CATEGORIES",
    "KINDS",
    "ORDERS",
    "POLICIES",
    "REGIMES",
    "Scenario",
    "ScenarioSource",
    "Target",
    "scenario_error",
]

#: Reduction policies (who leaves).
POLICIES = ("attrition", "early_retirement", "resignation", "optimal")
#: Benefit regimes (``khoan.benefits``): NĐ 108/2014 family, NĐ 178/2024 + 67/2025, NĐ 154/2025.
REGIMES = ("nd108", "nd178", "nd154")
#: Kinds of departure a leaver is paid for (``khoan.benefits.KINDS``).
KINDS = ("early_retirement", "resignation")
#: Staff categories (schema ``staff.category``).
CATEGORIES = ("can_bo", "cong_chuc", "nhdkct", "hop_dong")
#: Named orders in which candidates leave (``Scenario.order``); a tuple of ids is also accepted.
ORDERS = ("default", "closest_to_retirement", "cost", "youngest")
#: Departure kinds of each policy (the ``optimal`` MILP chooses among its kinds per person).
POLICY_KINDS = {
    "attrition": (),
    "early_retirement": ("early_retirement",),
    "resignation": ("resignation",),
    "optimal": ("early_retirement", "resignation"),
}
_TARGET_KINDS = ("share", "count", "rate")


# ---------------------------------------------------------------------------------------------
# where a field was written


@dataclass(frozen=True)
class ScenarioSource:
    """Where a scenario was read from: file, line of its table, and line of each field.

    Attributes
    ----------
    file : str
        The scenarios file.
    line : int or None
        1-based line of the ``[scenarios.NAME]`` table header.
    fields : tuple of (str, int)
        Dotted field name (``policy``, ``target.share``) and the 1-based line it is set on.
    """

    file: str
    line: int | None = None
    fields: tuple[tuple[str, int], ...] = ()

    def line_of(self, name: str | None) -> int | None:
        """Line of ``name`` (or of its closest enclosing field), else of the table header."""
        table = dict(self.fields)
        parts = (name or "").split(".")
        while parts and parts[0]:
            key = ".".join(parts)
            if key in table:
                return table[key]
            parts = parts[:-1]
        return self.line


def scenario_error(
    scenario: str | None,
    field_name: str | None,
    reason: str,
    source: ScenarioSource | None = None,
) -> ScenarioError:
    """A :class:`ScenarioError` naming the file and line (when known), scenario, field and reason.

    The returned error carries ``scenario``, ``field``, ``file`` and ``line`` attributes.
    """
    line = source.line_of(field_name) if source is not None else None
    where = ""
    if source is not None:
        where = f"{source.file}, line {line}: " if line else f"{source.file}: "
    what = f"scenario {scenario!r}" if scenario else "scenario"
    if field_name:
        what += f", field {field_name!r}"
    err = ScenarioError(f"{where}{what}: {reason}")
    err.scenario = scenario  # type: ignore[attr-defined]
    err.field = field_name  # type: ignore[attr-defined]
    err.file = source.file if source is not None else None  # type: ignore[attr-defined]
    err.line = line  # type: ignore[attr-defined]
    return err


def check_components(scenario: Scenario, key: str, names: list, components: list) -> None:
    """Each of ``names`` (the value of parameter ``key``) is a payroll component of
    ``components``; else a :class:`ScenarioError` on the scenario's ``overrides`` field."""
    bad = [k for k in names if k not in components]
    if bad:
        raise scenario_error(
            scenario.name,
            "overrides",
            f"parameter {key} names {bad}, not payroll components ({', '.join(components)})",
            scenario.source,
        )


# ---------------------------------------------------------------------------------------------
# Target


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


@dataclass(frozen=True)
class Target:
    """A staff-reduction target.

    Exactly one of ``share``, ``count`` and ``rate`` is given. A number is used as is; a string
    is a parameter key read on the scenario's decision date (``"reduction.targets.nq39.rate"``; a
    last segment that is not a key picks an item of a mapping value:
    ``"reduction.targets.ct02.annual_rate.min"``, ``"reduction.targets.kl40.rate.cong_chuc"``), so that the
    scenario's provenance cites the legal source.

    Parameters
    ----------
    share : float or str, optional
        Fraction of the base headcount to cut by the end of year ``by`` (NQ 39-NQ/TW: 0.10 of
        the 2015 staff by 2021; KL 40-KL/TW: 0.05 of cadres and civil servants).
    count : int, optional
        Persons to cut by the end of year ``by`` (province-wide, or in each commune).
    rate : float or str, optional
        Fraction of the base headcount to cut each year, cumulated without compounding: by the
        end of the k-th year of the scenario the cut is ``k × rate × base`` (Chỉ thị 02/CT-TTg:
        1.5–2 % a year).
    scope : {"province", "commune"}
        ``province``: the province total must meet the target (the policy chooses where);
        ``commune``: every commune must meet it on its own base.
    base_year : int or str, optional
        Calendar year whose end-of-year headcount is the base (NQ 39: 2015). Default and any
        year before the roster date: the staff in post on the roster date (the model's
        ``roster_date``, i.e. the end of the year before the first modelled year). A later year:
        the baseline headcount at the end of that year. A string is a parameter key.
    by : int, optional
        Year by whose end the target must be met; default the scenario's last year. NQ 39's
        "by 2021" is met by the staff in post on 1 January 2021, the end of 2020.
    path : {"linear", "end"}
        ``linear``: the cumulative cut required by the end of year k of K (K = years up to
        ``by``) is ``ceil(k / K × target)``; ``end``: nothing is required before ``by``. After
        ``by`` the final cut must be kept. A ``rate`` is always linear.
    communes : mapping commune code -> value, optional
        With ``scope="commune"``: a value (share, count or rate) per commune instead of one value
        for all. Communes not listed have no target.
    """

    share: float | str | None = None
    count: int | None = None
    rate: float | str | None = None
    scope: str = "province"
    base_year: int | str | None = None
    by: int | None = None
    path: str = "linear"
    communes: tuple[tuple[str, float], ...] = ()

    def __post_init__(self) -> None:
        if isinstance(self.communes, Mapping):
            object.__setattr__(
                self, "communes", tuple((str(k), v) for k, v in self.communes.items())
            )
        else:
            object.__setattr__(self, "communes", tuple((str(k), v) for k, v in self.communes))

    @property
    def kind(self) -> str:
        """``share``, ``count`` or ``rate`` (the one that is given)."""
        given = [k for k in _TARGET_KINDS if getattr(self, k) is not None]
        return given[0] if given else ""

    @property
    def value(self) -> float | str | None:
        """The given value (number or parameter key)."""
        return getattr(self, self.kind) if self.kind else None

    def problems(self) -> list[tuple[str, str]]:
        """Structural problems as (field, reason) pairs (nothing model-dependent)."""
        out: list[tuple[str, str]] = []
        given = [k for k in _TARGET_KINDS if getattr(self, k) is not None]
        if len(given) != 1:
            out.append(
                (
                    "target",
                    "give exactly one of share, count or rate"
                    + (f" (got {', '.join(given)})" if given else ""),
                )
            )
        for k in given:
            v = getattr(self, k)
            f = f"target.{k}"
            if isinstance(v, str):
                if not v.strip():
                    out.append((f, "an empty parameter key"))
                continue
            if not _is_number(v):
                out.append((f, f"{v!r} is neither a number nor a parameter key"))
            elif k == "count" and (v < 0 or int(v) != v):
                out.append((f, f"{v!r} is not a whole number of persons ≥ 0"))
            elif k in ("share", "rate") and not 0 <= v <= 1:
                out.append((f, f"{v!r} is not a fraction between 0 and 1 (10 % is 0.10)"))
        if self.scope not in ("province", "commune"):
            out.append(("target.scope", f"{self.scope!r} is not 'province' or 'commune'"))
        if self.path not in ("linear", "end"):
            out.append(("target.path", f"{self.path!r} is not 'linear' or 'end'"))
        if self.communes and self.scope != "commune":
            out.append(("target.communes", "per-commune values need scope = 'commune'"))
        for code, v in self.communes:
            if not _is_number(v) or v < 0:
                out.append(("target.communes", f"commune {code}: {v!r} is not a number ≥ 0"))
        if self.base_year is not None and not isinstance(self.base_year, str):
            if not isinstance(self.base_year, int) or isinstance(self.base_year, bool):
                out.append(("target.base_year", f"{self.base_year!r} is not a calendar year"))
        if self.by is not None and (not isinstance(self.by, int) or isinstance(self.by, bool)):
            out.append(("target.by", f"{self.by!r} is not a calendar year"))
        return out

    def scaled(self, factor: float) -> Target:
        """The same target with its (numeric) value multiplied by ``factor``."""
        v = self.value
        if not _is_number(v):
            raise ScenarioError(f"target {self.kind} {v!r} is not a number: cannot scale it")
        nv: float = v * factor
        if self.kind == "count":
            nv = round(nv)
        return replace(self, **{self.kind: nv})


def resolve_param(tree: ParameterTree, key: str, on: _dt.date) -> Any:
    """Value of parameter ``key`` on ``on``; a last segment that is not a key picks a mapping item.

    Raises
    ------
    ParameterError
        The key (and its parent) does not exist, is not in force, or has no such item.
    """
    if key in tree:
        return tree.value(key, on)
    parent, _, item = key.rpartition(".")
    if parent and parent in tree:
        v = tree.value(parent, on)
        if isinstance(v, Mapping) and item in v:
            return v[item]
        raise ParameterError(f"parameter {parent!r} on {on} is {v!r}: it has no item {item!r}")
    tree.parameter(key)  # raises with a suggestion
    raise ParameterError(f"no parameter {key!r}")  # pragma: no cover


# ---------------------------------------------------------------------------------------------
# Scenario


def _as_date(v: Any) -> _dt.date:
    if isinstance(v, _dt.datetime):
        return v.date()
    if isinstance(v, _dt.date):
        return v
    return _dt.date.fromisoformat(str(v).strip())


def _as_override(o: Any) -> Override:
    if isinstance(o, Override):
        return o
    if isinstance(o, Mapping):
        if "name" not in o or "changes" not in o:
            raise TypeError("an override needs 'name' and 'changes'")
        return Override(str(o["name"]), dict(o["changes"]), str(o.get("description", "")))
    raise TypeError(f"{o!r} is not an override")


@dataclass(frozen=True)
class Scenario:
    """One staff-reduction scenario.

    Parameters
    ----------
    name : str
        Short name (letters, digits, ``_``, ``-``), used in file names and tables.
    years : (int, int)
        First and last calendar year simulated (inclusive), within the model's years.
    target : Target, optional
        The reduction target. ``None``: no target (``attrition`` then just stops replacing
        retirees).
    policy : {"attrition", "early_retirement", "resignation", "optimal"}
        Who leaves (see :mod:`khoan.scenarios.policies`). In every policy retirees are not
        replaced (except in must-fill categories); the policy chooses extra leavers, paid under
        ``regime``, to meet each year's target path.
    regime : {"nd108", "nd178", "nd154"}
        Benefit regime of the leavers (``khoan.benefits.compute``).
    decision_date : date, optional
        Date of the restructuring decision (NĐ 178/2024: leaving within 12 months of it earns
        the higher factor). Default 1 January of the first year. It must lie within the
        regime's validity (``benefits.<regime>.in_force``).
    categories : tuple of str
        Staff categories the target counts and leavers come from (default cadres and civil
        servants, the approved staffing of NĐ 33/2023).
    approved_falls : bool
        True: the approved staffing falls with the headcount, so the lump sum (salary fund of the
        approved posts + operating norm per post) falls and the State saves. False: the
        approved staffing stays, the lump sum with it, and the communes keep the savings (income
        increase, TNTT).
    replace_retirees : bool
        Baseline: retirees are replaced by new hires (``scenarios.hire.*``) so the baseline
        headcount is stable. False: the baseline does not replace them either.
    overrides : tuple of khoan.params.Override
        Parameter overrides applied for this scenario (conflicts refused, changes logged in the
        result's provenance).
    leave_month : int
        Leavers of year ``y`` leave on the first day of this month of ``y`` (default January),
        but never before the decision date (then on the first day of the month after it, or on
        the decision date when it is a first of month).
    order : str or tuple of str
        Order in which candidates leave: ``default`` (the policy's own: closest to retirement
        for early retirement, lowest one-off cost for resignation), ``closest_to_retirement``,
        ``cost``, ``youngest``, or a tuple of person ids (only they may leave, in that order).
    rating_first : bool
        Take first the people the law names by their annual rating (NĐ 29/2023/NĐ-CP Điều 2
        khoản 1 điểm đ; the model's ``ratings`` table, NĐ 90/2020 amended by NĐ 48/2023): rated
        "không hoàn thành nhiệm vụ" in the year before the year of leaving, or "hoàn thành
        nhiệm vụ" in that year after "không hoàn thành nhiệm vụ" the year before it; then the
        others, each group in ``order``. Greedy policies (``early_retirement``,
        ``resignation``) only; the model needs a ratings table.
    kinds : tuple of str, optional
        Departure kinds the policy may use: for ``early_retirement`` and ``resignation``, in
        order of preference (``("early_retirement", "resignation")``: those eligible retire
        early first, then others resign — the NĐ 108/2014 and NĐ 178/2024 programmes offer
        both); for ``optimal``, the kinds it chooses among (default both). Default: the
        policy's own kind.
    solver : str
        Pyomo solver of the ``optimal`` policy (default HiGHS through ``pyomo.contrib.solver``).
    title, description : str
        Free text for reports.
    source : ScenarioSource, optional
        Where the scenario was read from (line numbers in error messages).
    """

    name: str
    years: tuple[int, int]
    target: Target | None = None
    policy: str = "attrition"
    regime: str = "nd108"
    decision_date: _dt.date | None = None
    categories: tuple[str, ...] = ("can_bo", "cong_chuc")
    approved_falls: bool = True
    replace_retirees: bool = True
    overrides: tuple[Override, ...] = ()
    leave_month: int = 1
    order: str | tuple[str, ...] = "default"
    rating_first: bool = False
    kinds: tuple[str, ...] = ()
    solver: str = "highs"
    title: str = ""
    description: str = ""
    source: ScenarioSource | None = field(default=None, compare=False, repr=False)

    # -- construction ---------------------------------------------------------------------------
    def __post_init__(self) -> None:
        set_ = object.__setattr__
        err = self._error
        if not isinstance(self.name, str) or not re.fullmatch(r"[\w\-]+", self.name or ""):
            raise err("name", "a name is letters, digits, '_' or '-' (it is used in file names)")
        y = self.years
        if isinstance(y, int) and not isinstance(y, bool):
            y = (y, y)
        try:
            y = tuple(int(v) for v in y)
            if any(isinstance(v, bool) for v in self.years):  # type: ignore[union-attr]
                raise TypeError
        except (TypeError, ValueError):
            raise err("years", f"{self.years!r} is not [first, last] calendar years") from None
        if len(y) != 2 or not 1900 <= y[0] <= y[1] <= 2200:
            raise err("years", f"{list(y)} is not [first, last] with first ≤ last")
        set_(self, "years", y)
        if isinstance(self.target, Mapping):
            try:
                set_(self, "target", Target(**self.target))
            except TypeError as exc:
                raise err("target", str(exc)) from None
        if self.target is not None:
            if not isinstance(self.target, Target):
                raise err("target", f"{self.target!r} is not a Target")
            for f, why in self.target.problems():
                raise err(f, why)
            for f, yr in (("target.by", self.target.by),):
                if isinstance(yr, int) and not y[0] <= yr <= y[1]:
                    raise err(f, f"{yr} is outside the scenario's years {y[0]}–{y[1]}")
        if self.policy not in POLICIES:
            raise err("policy", f"unknown policy {self.policy!r}{_suggest(self.policy, POLICIES)}")
        if self.regime not in REGIMES:
            raise err("regime", f"unknown regime {self.regime!r}{_suggest(self.regime, REGIMES)}")
        if self.decision_date is not None:
            try:
                set_(self, "decision_date", _as_date(self.decision_date))
            except ValueError:
                raise err("decision_date", f"{self.decision_date!r} is not a date") from None
        cats = (self.categories,) if isinstance(self.categories, str) else self.categories
        cats = tuple(dict.fromkeys(str(c) for c in cats))
        bad = [c for c in cats if c not in CATEGORIES]
        if bad or not cats:
            raise err(
                "categories",
                f"unknown categor{'y' if len(bad) == 1 else 'ies'} {', '.join(map(repr, bad))}"
                f" (known: {', '.join(CATEGORIES)})"
                if bad
                else "at least one category is needed",
            )
        set_(self, "categories", cats)
        for f in ("approved_falls", "replace_retirees", "rating_first"):
            if not isinstance(getattr(self, f), bool):
                raise err(f, f"{getattr(self, f)!r} is not true or false")
        try:
            ovs = (
                (self.overrides,)
                if isinstance(self.overrides, Override | Mapping)
                else self.overrides
            )
            set_(self, "overrides", tuple(_as_override(o) for o in ovs))
        except TypeError as exc:
            raise err("overrides", str(exc)) from None
        if (
            not isinstance(self.leave_month, int)
            or isinstance(self.leave_month, bool)
            or not 1 <= self.leave_month <= 12
        ):
            raise err("leave_month", f"{self.leave_month!r} is not a month 1–12")
        if isinstance(self.order, str):
            if self.order not in ORDERS:
                raise err(
                    "order",
                    f"unknown order {self.order!r}{_suggest(self.order, ORDERS)} "
                    "(or give a list of person ids)",
                )
        else:
            set_(self, "order", tuple(str(v) for v in self.order))
            if not self.order:
                raise err("order", "an empty list of ids: nobody could leave")
        if self.rating_first and self.policy not in ("early_retirement", "resignation"):
            raise err(
                "rating_first",
                f"policy {self.policy!r} does not take leavers in an order: rating_first applies "
                "to early_retirement and resignation",
            )
        kinds = (self.kinds,) if isinstance(self.kinds, str) else tuple(self.kinds)
        bad = [k for k in kinds if k not in KINDS]
        if bad:
            raise err(
                "kinds", f"unknown kind(s) {', '.join(map(repr, bad))} (known: {', '.join(KINDS)})"
            )
        set_(self, "kinds", kinds)
        if kinds and self.policy == "attrition":
            raise err("kinds", "policy 'attrition' has no leavers: departure kinds do not apply")
        if self.regime == "nd154" and "early_retirement" in self.leave_kinds:
            raise err(
                "policy",
                "regime nd154 (NĐ 154/2025 Điều 9) pays NHĐKCT a one-off allowance on leaving: "
                "use policy 'resignation' (or 'optimal' with kinds = ['resignation'])",
            )
        others = [c for c in self.categories if c != "nhdkct"]
        if self.regime == "nd154" and self.policy != "attrition" and others:
            raise err(
                "categories",
                "regime nd154 (NĐ 154/2025 Điều 9) covers non-professional commune workers "
                f"only: categories = ['nhdkct'], not {', '.join(map(repr, others))} (cadres and "
                "civil servants leave under nd108 or nd178)",
            )

    def _error(self, field_name: str, reason: str) -> ScenarioError:
        name = self.name if isinstance(self.name, str) else None
        return scenario_error(name, field_name, reason, self.source)

    # -- derived ---------------------------------------------------------------------------------
    @property
    def leave_kinds(self) -> tuple[str, ...]:
        """Departure kinds the policy uses (``kinds`` when given)."""
        if self.policy != "attrition" and self.kinds:
            return self.kinds
        return POLICY_KINDS[self.policy]

    @property
    def year_list(self) -> list[int]:
        """Every simulated calendar year."""
        return list(range(self.years[0], self.years[1] + 1))

    @property
    def decision(self) -> _dt.date:
        """The decision date (default 1 January of the first year)."""
        return self.decision_date or _dt.date(self.years[0], 1, 1)

    def leave_date(self, year: int) -> _dt.date:
        """Date the leavers of ``year`` leave (first day of ``leave_month``, not before the decision)."""
        d = _dt.date(year, self.leave_month, 1)
        dec = self.decision
        if d < dec:
            d = (
                dec
                if dec.day == 1
                else _dt.date(dec.year + (dec.month == 12), dec.month % 12 + 1, 1)
            )
        return d

    def with_(self, **changes: Any) -> Scenario:
        """A copy with some fields replaced (validated again)."""
        return replace(self, **changes)

    def params(self, base: ParameterTree) -> ParameterTree:
        """``base`` with this scenario's overrides applied (conflicts refused by the engine)."""
        if not self.overrides:
            return base
        try:
            return base.with_overrides(self.overrides)
        except ParameterError as exc:
            raise self._error("overrides", str(exc)) from None

    def to_dict(self) -> dict[str, Any]:
        """Plain fields (for provenance and manifests)."""
        out: dict[str, Any] = {}
        for f in fields(self):
            if f.name == "source" or (f.name == "rating_first" and not self.rating_first):
                # rating_first off is left out, so the digests of existing scenarios stay
                continue
            v = getattr(self, f.name)
            if isinstance(v, Target):
                v = {
                    k.name: getattr(v, k.name)
                    for k in fields(v)
                    if getattr(v, k.name) not in (None, ())
                }
            elif f.name == "overrides":
                v = [
                    {"name": o.name, "changes": dict(o.changes), "description": o.description}
                    for o in v
                ]
            elif isinstance(v, _dt.date):
                v = v.isoformat()
            elif isinstance(v, tuple):
                v = list(v)
            out[f.name] = v
        return out


def _suggest(value: Any, choices: Iterable[str]) -> str:
    choices = list(choices)
    near = difflib.get_close_matches(str(value), choices, n=1)
    hint = f"; did you mean {near[0]!r}?" if near else ""
    return f" (known: {', '.join(choices)}){hint}"


#: The choices and the closest one, for error messages: " (known: a, b); did you mean 'a'?".
suggest = _suggest
