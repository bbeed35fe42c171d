"""``khoan.allocate(model, year, envelope)``: output-based allocation of a province's envelope.

Named, auditable steps (each kept in the result):

1. **scores** — output indicators of the previous year (the latest complete year when the
   budget is prepared) -> sub-scores -> composite score (:mod:`khoan.allocate.indicators`);
2. **norm** — the norm-based lump sum of each commune for ``year`` (:func:`khoan.budget`);
3. **targets** — ``norm + share × envelope × score / Σ score`` (:mod:`khoan.allocate.targets`);
4. **bounds** — mandatory floor (salary fund of the staff in post, their contributions, the
   NHĐKCT and village allowance funds), stability corridor ``last × (1 ± corridor)`` against
   last year's allocation (``last_allocation`` column, or last year's norm-based lump sum),
   optional group floors and caps, optional integer staffing;
5. **optimisation** — :func:`khoan.allocate.solve_allocation` (Pyomo + HiGHS), whose
   mathematics is in ``docs/allocation.md``;
6. **result** — allocation to the đồng, binding constraints, duals and diagnostics.
"""

from __future__ import annotations

import datetime as _dt
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import KhoanError
from ..report.labels import describe_params
from ..report.result import Result, digest_of, provenance
from .core import solve_allocation
from .indicators import composite_score
from .problem import AllocationProblem, CoreResult
from .targets import rule_targets, whole_dong

__all__ = ["AllocationResult", "allocate", "build_problem"]


@dataclass
class AllocationInputs:
    """Everything prepared before solving (one row per commune in ``frame``)."""

    frame: pd.DataFrame
    audit: pd.DataFrame
    problem: AllocationProblem
    options: dict[str, Any]
    point_value: float
    #: parameters behind the norm-based targets and floors (the budget's), for the workbook
    budget_keys: list[str] = field(default_factory=list)


def _last_allocation(model, year: int, last: Any) -> np.ndarray | None:
    codes = model.communes["code"].astype(str)
    if last is not None:
        s = pd.Series(last).astype(float)
        s.index = s.index.astype(str)
        missing = sorted(set(codes) - set(s.index))
        if missing:
            raise KhoanError(f"last allocation is missing for communes {', '.join(missing[:10])}")
        return s.reindex(codes).to_numpy()
    col = model.communes.get("last_allocation")
    if col is not None and col.notna().all() and len(col):
        return col.astype(float).to_numpy()
    from ..budget import budget

    prev = budget(model, year - 1).table.set_index("code")["total"]
    return prev.reindex(codes).astype(float).to_numpy()


#: Float noise tolerated when an amount that should be whole đồng is rounded up (VND).
_EPS = 1e-6
#: the communes' columns that name a code in the workbook's other sheets
_NAMES = ("code", "name", "district_name", "type")


def corridor_bounds(last: np.ndarray, corridor: float) -> tuple[np.ndarray, np.ndarray]:
    """Stability corridor in whole đồng: ``ceil(last × (1 − c))`` and ``floor(last × (1 + c))``.

    ``last`` (VND/year) is rounded to whole đồng first; the corridor share ``c`` is taken as the
    decimal written in the parameter (0.1 is exactly one tenth), and the products are computed
    in exact integer arithmetic, so that the ``lower``/``upper`` columns of the result table
    are the very bounds the solver enforces (no float noise, no rounding in between).

    Returns
    -------
    (lower, upper) : arrays of float holding whole VND
    """
    from fractions import Fraction

    c = Fraction(str(float(corridor)))
    num, den = c.numerator, c.denominator
    last_int = np.round(np.asarray(last, dtype=float)).astype(np.int64).astype(object)
    lower = -((-last_int * (den - num)) // den)
    upper = (last_int * (den + num)) // den
    return lower.astype(np.int64).astype(float), upper.astype(np.int64).astype(float)


def build_problem(
    model,
    year: int,
    envelope: int,
    *,
    share: float | None = None,
    corridor: float | bool | None = None,
    last: Any = None,
    score_year: int | None = None,
    group_floor: Mapping[tuple[str, Any], float] | None = None,
    group_cap: Mapping[tuple[str, Any], float] | None = None,
    staffing: bool = False,
    reduction: float | None = None,
) -> AllocationInputs:
    """Steps 1–4: scores, norm, targets and bounds, as arrays ready for the solver.

    Parameters are those of :func:`allocate`.
    """
    from ..budget import budget

    date = _dt.date(year, 1, 1)
    p = model.params
    c = model.communes.reset_index(drop=True)
    codes = c["code"].astype(str).to_numpy()

    if score_year is None:
        years = set(model.outputs["year"].astype(int)) if len(model.outputs) else set()
        score_year = year if (year - 1) not in years and year in years else year - 1
    # the scoring rules of the budget year, applied to the indicators of score_year
    audit, score = composite_score(model, score_year, on=date)
    score = score.reindex(codes)

    b = budget(model, year)
    t = b.table.set_index("code").reindex(codes)
    d = b.details.set_index("code").reindex(codes)
    norm = t["total"].astype(float)
    floor = (
        t["salary_fund"]
        + t["contributions"]
        - d["vacancy_contributions"]
        + t["nhdkct_fund"]
        + t["village_fund"]
    ).astype(float)

    if share is None:
        share = float(p.value("allocation.scoring.performance_share", date))
    tg = rule_targets(norm, score, envelope, share)

    lower = upper = None
    last_arr = None
    if corridor is None:
        corridor = float(p.value("allocation.scoring.corridor", date))
    if corridor is not False:
        last_arr = _last_allocation(model, year, last)
        lower, upper = corridor_bounds(last_arr, float(corridor))
    elif last is not None:
        last_arr = _last_allocation(model, year, last)

    labels: dict[str, np.ndarray] = {}
    for key in list(group_floor or {}) + list(group_cap or {}):
        col = key[0]
        if col not in c.columns:
            raise KhoanError(f"group {key!r}: the communes table has no column {col!r}")
        labels[col] = c[col].astype(str).to_numpy()
    gf = {(k[0], str(k[1])): float(v) for k, v in (group_floor or {}).items()}
    gc = {(k[0], str(k[1])): float(v) for k, v in (group_cap or {}).items()}

    posts_kw: dict[str, Any] = {}
    if staffing:
        approved = d["approved_posts"].astype(float).to_numpy()
        filled = np.maximum(d["filled_posts"].to_numpy(dtype=float), 1e-9)
        cost_staff = (t["salary_fund"] + t["contributions"] - d["vacancy_contributions"]).to_numpy(
            float
        )
        post_cost = np.where(d["filled_posts"] > 0, cost_staff / filled, np.nan)
        post_cost = np.where(np.isnan(post_cost), np.nanmean(post_cost), post_cost)
        quota = d["quota_posts"].to_numpy(dtype=float)
        quota = np.where(np.isnan(quota), approved, quota)
        min_share = float(p.value("allocation.scoring.min_staffing_share", date))
        posts_kw = {
            "posts_min": np.ceil(min_share * approved).astype(int),
            "posts_max": np.minimum(quota, approved).astype(int),
            "post_cost": post_cost,
        }
        if reduction is not None:
            posts_kw["posts_total_max"] = int(np.floor((1.0 - reduction) * approved.sum()))
        floor = (t["nhdkct_fund"] + t["village_fund"]).astype(float)
    # whole đồng (rounded up: a floor is a minimum): the floor column of the table and the
    # floor the solver enforces are the same number
    floor = np.ceil(floor - _EPS)

    problem = AllocationProblem(
        ids=codes,
        target=tg["target"].to_numpy(),
        floor=floor.to_numpy(),
        envelope=int(envelope),
        lower=lower,
        upper=upper,
        group_labels=labels,
        group_floor=gf,
        group_cap=gc,
        **posts_kw,
    )
    # the pool in whole đồng, largest remainders first: Σ performance = the pool exactly and
    # target = norm + performance in every row
    perf_int = whole_dong(tg["performance"].to_numpy(), round(share * envelope))
    frame = pd.DataFrame(
        {
            "code": codes,
            "name": c["name"].astype(str).to_numpy(),
            "type": c["type"].astype(str).to_numpy(),
            "score": score.to_numpy(),
            "norm": t["total"].to_numpy(dtype=np.int64),
            "performance": perf_int,
            "target": t["total"].to_numpy(dtype=np.int64) + perf_int,
            "floor": floor.to_numpy().astype(np.int64),
        }
    )
    if "district_name" in c.columns and c["district_name"].notna().any():
        frame.insert(2, "district_name", c["district_name"].to_numpy())
    if lower is not None:
        frame["lower"] = lower.astype(np.int64)
        frame["upper"] = upper.astype(np.int64)
    if last_arr is not None:
        frame["last"] = np.round(last_arr).astype(np.int64)
    options = {
        "year": year,
        "score_year": score_year,
        "envelope": int(envelope),
        "share": share,
        "corridor": corridor,
        "staffing": staffing,
        "reduction": reduction,
        "group_floor": {f"{k[0]}={k[1]}": v for k, v in gf.items()},
        "group_cap": {f"{k[0]}={k[1]}": v for k, v in gc.items()},
    }
    return AllocationInputs(
        frame,
        audit,
        problem,
        options,
        float(tg["point_value"].iloc[0]),
        budget_keys=list(dict.fromkeys(b.params_used["key"].astype(str))),
    )


#: Largest envelope accepted (VND): 2**53 ≈ 9.007e15 đồng, the largest amount whose every đồng a
#: floating-point solver can represent (a technical limit, about four times Việt Nam's whole
#: annual state budget; not a legal amount).
MAX_ENVELOPE = 2**53


def check_envelope(value: Any, *, what: str = "envelope", shown: str | None = None) -> int:
    """An envelope as whole VND: finite, positive and at most :data:`MAX_ENVELOPE`.

    Raises
    ------
    KhoanError
        One line naming the value and what is allowed (``inf``, ``nan``, ``9e18``, ``-5`` ...).
        ``shown``: the value as the user typed it, for the message (default ``repr(value)``).
    """
    what = f"{what} {shown if shown is not None else repr(value)}"
    if isinstance(value, bool):
        raise KhoanError(f"{what}: give an amount in VND")
    try:
        v = float(value)
    except (TypeError, ValueError, OverflowError):
        raise KhoanError(f"{what}: give an amount in VND") from None
    if not math.isfinite(v):
        raise KhoanError(f"{what}: must be a finite amount in VND")
    if not v > 0:
        raise KhoanError(f"{what}: must be positive")
    if v > MAX_ENVELOPE:
        raise KhoanError(
            f"{what}: larger than {MAX_ENVELOPE:,} VND, the largest amount allocated "
            "to the đồng (is a unit or a digit wrong?)"
        )
    return int(value) if isinstance(value, int | np.integer) else round(v)


def parse_envelope(text: str, norm_total: int, *, what: str = "envelope") -> int:
    """An envelope given as text: an amount in VND (``"471159882961"``, ``"4.7e11"``,
    ``"471,159,882,961"``) or relative to the norm-based total (``"norm"``, ``"norm+2%"``,
    ``"norm-1.5%"``); returns VND, checked by :func:`check_envelope` (finite, positive,
    at most :data:`MAX_ENVELOPE`)."""
    import re

    t = str(text).strip().lower().replace(" ", "")
    m = re.fullmatch(r"norm(?:([+-])(\d+(?:\.\d+)?)%)?", t)
    if m:
        pct = float(m.group(2) or 0) * (1 if m.group(1) != "-" else -1)
        return check_envelope(
            round(norm_total * (1 + pct / 100)),
            what=what,
            shown=f"{text!r} (= {round(norm_total * (1 + pct / 100)):,} VND)",
        )
    cleaned = t.replace(",", "").replace("_", "")
    if re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?", cleaned) is None:
        raise KhoanError(
            f"{what} {text!r}: give an amount in VND (e.g. 471159882961 or 4.7e11) "
            "or 'norm', 'norm+2%', 'norm-1.5%'"
        )
    if re.fullmatch(r"\d+", cleaned):
        return check_envelope(int(cleaned), what=what, shown=repr(text))
    return check_envelope(float(cleaned), what=what, shown=repr(text))


def allocate(
    model,
    year: int,
    envelope: int | str,
    *,
    objective: str = "quadratic",
    solver: str = "highs",
    share: float | None = None,
    corridor: float | bool | None = None,
    last: Any = None,
    score_year: int | None = None,
    group_floor: Mapping[tuple[str, Any], float] | None = None,
    group_cap: Mapping[tuple[str, Any], float] | None = None,
    staffing: bool = False,
    reduction: float | None = None,
    extra_constraints: Callable | None = None,
    allow_nonoptimal: bool = False,
) -> AllocationResult:
    """Allocate ``envelope`` (VND/year) among the communes of ``model`` for ``year``.

    Parameters
    ----------
    model : khoan.Model
    year : int
        Budget year.
    envelope : int or str
        Amount to allocate (VND/year); the allocations add up to it to the đồng. As text,
        ``"norm"``, ``"norm+2%"``, ``"norm-1.5%"``: the norm-based total of ``khoan.budget``
        for ``year`` plus or minus a share (see :func:`parse_envelope`).
    objective : {"quadratic", "absolute", "minimax"}
        Deviation from the targets, relative to each target (docs/allocation.md).
    solver : str
        ``"highs"`` (default), ``"kkt"`` (exact formula, quadratic case without groups or
        staffing), or any Pyomo solver name (``"glpk"`` for LP/MILP).
    share : float, optional
        Share of the envelope distributed by output score (default
        ``allocation.scoring.performance_share``).
    corridor : float or False, optional
        Stability corridor ± share of last year's allocation (default
        ``allocation.scoring.corridor``); ``False`` for none.
    last : Series, optional
        Last year's allocation per commune code (VND); default the communes table's
        ``last_allocation`` column, else last year's norm-based lump sum.
    score_year : int, optional
        Year of the output indicators (default ``year - 1`` when available).
    group_floor, group_cap : dict, optional
        ``{(column, value): VND}``, e.g. ``{("zone", "mountain"): 50e9}``: minimum or maximum
        total for the communes whose ``column`` equals ``value``.
    staffing : bool
        Choose an integer number of posts per commune (MILP) between the workload minimum
        (``allocation.scoring.min_staffing_share`` × approved posts) and the legal quota, with
        their salary cost kept inside the allocation.
    reduction : float, optional
        With ``staffing``: province-wide reduction target (share of approved posts).
    extra_constraints : callable(model, problem), optional
        Hook to add an analyst's rule to the Pyomo model (see docs/allocation.md).
    allow_nonoptimal : bool
        Return a non-optimal solution instead of raising :class:`~khoan.errors.SolverError`.

    Returns
    -------
    AllocationResult

    Raises
    ------
    InfeasibleError
        Floors, corridors, groups or quotas cannot all hold; the message gives the shortfall
        in VND (or posts) and the communes most responsible.
    """
    t0 = time.perf_counter()
    if isinstance(envelope, str):
        from ..budget import budget as _budget

        envelope = parse_envelope(envelope, int(_budget(model, year).table["total"].sum()))
    else:
        envelope = check_envelope(envelope)
    numeric = isinstance(corridor, int | float) and not isinstance(corridor, bool)
    if numeric and not 0 <= float(corridor) < 1:
        raise KhoanError(
            f"corridor {corridor}: a share of last year's allocation between 0 and 1 "
            "(e.g. 0.1 for ± 10 %), or False for none"
        )
    inp = build_problem(
        model,
        year,
        envelope,
        share=share,
        corridor=corridor,
        last=last,
        score_year=score_year,
        group_floor=group_floor,
        group_cap=group_cap,
        staffing=staffing,
        reduction=reduction,
    )
    t1 = time.perf_counter()
    core = solve_allocation(
        inp.problem,
        objective=objective,
        solver=solver,
        allow_nonoptimal=allow_nonoptimal,
        extra_constraints=extra_constraints,
    )
    inp.options.update({"objective": objective, "solver": solver})
    return AllocationResult.from_core(model, inp, core, prepare_seconds=t1 - t0)


class AllocationPlot:
    """Charts of an allocation (matplotlib Axes, Vietnamese labels by default)."""

    def __init__(self, result: AllocationResult):
        self._r = result

    def allocation_vs_target(self, ax=None, *, top: int | None = 30, lang: str = "vi"):
        """Target and allocation of the ``top`` largest communes, side by side."""
        from ..report import plots
        from ..report.labels import text

        df = self._r.table.nlargest(top or len(self._r.table), "allocation")
        return plots.bar_compare(
            df.set_index("name")[["target", "allocation"]],
            ["target", "allocation"],
            title=text(
                f"Phân bổ so với mục tiêu {self._r.year}",
                f"Allocation vs target {self._r.year}",
                lang,
            ),
            xlabel=text("Đơn vị cấp xã", "Commune", lang),
            lang=lang,
            ax=ax,
            horizontal=True,
        )

    def change(self, ax=None, *, lang: str = "vi"):
        """Change against last year (%) of every commune, sorted, with the corridor."""
        import matplotlib.pyplot as plt

        from ..report.labels import text
        from ..report.plots import khoan_style

        df = self._r.table
        if "change_pct" not in df:
            raise KhoanError(
                "no last-year allocation: run allocate(..., last=...) or with a corridor"
            )
        s = df["change_pct"].sort_values().to_numpy()
        with khoan_style():
            if ax is None:
                _, ax = plt.subplots(figsize=(9, 4.5))
            ax.bar(np.arange(1, len(s) + 1), s, width=1.0, color="C0")
            corr = self._r.provenance.get("options", {}).get("corridor")
            if isinstance(corr, int | float) and not isinstance(corr, bool):
                for v in (-100 * corr, 100 * corr):
                    ax.axhline(v, color="C3", linestyle="--", linewidth=1)
            ax.set_title(
                text(
                    f"Thay đổi so với năm trước, {self._r.year} (%)",
                    f"Change vs last year, {self._r.year} (%)",
                    lang,
                )
            )
            ax.set_xlabel(
                text(
                    "Xã, phường, thị trấn (xếp theo mức thay đổi)",
                    "Communes (sorted by change)",
                    lang,
                )
            )
            ax.set_ylabel("%")
        return ax


@dataclass
class AllocationResult(Result):
    """Output-based allocation of one year.

    Attributes
    ----------
    table : DataFrame
        One row per commune: ``code``, ``name``, ``score``, ``norm``, ``performance``,
        ``target``, ``floor``, ``lower``/``upper`` (corridor), ``allocation`` (VND/year, int64,
        Σ = envelope exactly), ``last``, ``change``, ``change_pct``, ``binding``, ``posts``.
    scores : DataFrame
        Indicator values and sub-scores per commune (the audit trail of step 1).
    status : str
        Solver termination (``"optimal"``).
    objective : float
        Objective value (docs/allocation.md for its unit).
    duals : dict
        Marginal value of the envelope (VND of objective per VND) and of binding group bounds.
    diagnostics : dict
        Envelope, Σ targets, gap, point value, counts of binding constraints, timings.
    """

    year: int
    table: pd.DataFrame
    scores: pd.DataFrame
    status: str
    objective: float
    duals: dict[Any, float]
    diagnostics: dict[str, Any]
    provenance: dict[str, Any] = field(default_factory=dict)
    core: CoreResult | None = field(default=None, repr=False)
    params_table: pd.DataFrame | None = field(default=None, repr=False)

    @classmethod
    def from_core(
        cls, model, inp: AllocationInputs, core: CoreResult, prepare_seconds: float = 0.0
    ):
        df = inp.frame.copy()
        df["allocation"] = core.allocation.astype(np.int64)
        if "last" in df:
            df["change"] = (df["allocation"] - df["last"]).astype(np.int64)
            df["change_pct"] = np.where(df["last"] > 0, 100.0 * df["change"] / df["last"], np.nan)
        df["binding"] = core.binding_labels()
        if core.posts is not None:
            df["posts"] = core.posts.astype(np.int64)
        year = inp.options["year"]
        binding = pd.Series([b for bs in core.binding for b in bs]).value_counts().to_dict()
        diag = {
            "envelope": inp.problem.envelope,
            "sum_targets": int(df["target"].sum()),
            "gap": int(inp.problem.envelope - df["target"].sum()),
            "sum_floors": int(df["floor"].sum()),
            "point_value": inp.point_value,
            "binding": binding,
            "timings": {"prepare": prepare_seconds, **core.timings},
            "stages": list(core.stages),
            "solver": core.solver,
            "solver_path": core.path,
        }
        keys = [
            "allocation.indicators",
            "allocation.scoring.performance_share",
            "allocation.scoring.corridor",
            "allocation.scoring.score_cap",
        ]
        keys += [k for k in inp.budget_keys if k not in keys]
        # every value in force at some day of the year, not only on 1 January
        ptable = model.params.in_force(keys, _dt.date(year, 1, 1), _dt.date(year, 12, 31)).drop(
            columns=["source"]
        )
        ptable = describe_params(ptable, model.params)
        options = dict(inp.options)
        prov = {
            **provenance(model, inputs={"options": digest_of(options)}),
            "options": options,
            "solver": core.solver,
            "solver_path": core.path,
            "status": core.status,
        }
        return cls(
            year,
            df,
            inp.audit.reset_index(),
            core.status,
            core.objective,
            dict(core.duals),
            diag,
            prov,
            core,
            ptable,
        )

    @property
    def allocation(self) -> pd.Series:
        """Allocation per commune code (VND/year)."""
        return self.table.set_index("code")["allocation"]

    @property
    def plot(self) -> AllocationPlot:
        return AllocationPlot(self)

    def summary(self) -> dict[str, Any]:
        """Headline figures."""
        d = self.diagnostics
        return {
            "year": self.year,
            "envelope": d["envelope"],
            "sum_targets": d["sum_targets"],
            "sum_floors": d["sum_floors"],
            "status": self.status,
            "objective": round(float(self.objective), 6),
            "envelope_dual": round(float(self.duals.get("envelope", float("nan"))), 9),
            "communes_at_floor": int(self.table["binding"].str.contains("floor").sum()),
            "communes_at_corridor": int(
                self.table["binding"].str.contains("lower|upper", regex=True).sum()
            ),
        }

    def to_excel(self, path: str | Path, lang: str = "vi") -> Path:
        """Workbook: summary, per-commune allocation, scores, parameters, provenance."""
        from ..report.excel import write_workbook
        from ..report.labels import text

        money = [
            "norm",
            "performance",
            "target",
            "floor",
            "lower",
            "upper",
            "last",
            "allocation",
            "change",
        ]
        return write_workbook(
            path,
            title=text(
                f"Phân bổ kinh phí theo kết quả đầu ra năm {self.year}",
                f"Output-based allocation {self.year}",
                lang,
            ),
            summary=self.summary(),
            sheets={"by_commune": self.table, "scores": self.scores},
            params=self.params_table,
            provenance=self.provenance,
            lang=lang,
            money_cols={"by_commune": [c for c in money if c in self.table]},
            totals={
                "by_commune": [c for c in money if c in self.table and c not in ("lower", "upper")],
                "scores": False,
            },
            communes=self.table[[c for c in _NAMES if c in self.table]],
            subtotals={"by_commune": [c for c in ("district_name", "type") if c in self.table]},
        )

    def _html_title(self, lang: str = "vi") -> str:
        from ..report.labels import text

        name = self.provenance.get("model") or ""
        return text(
            f"Phân bổ theo kết quả đầu ra {self.year} — {name}",
            f"Output-based allocation {self.year} — {name}",
            lang,
        )

    def __repr__(self) -> str:
        return (
            f"<AllocationResult {self.year}: {len(self.table)} communes, "
            f"envelope {self.diagnostics['envelope']:,} VND, {self.status}>"
        )
