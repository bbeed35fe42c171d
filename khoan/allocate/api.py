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
from .inputs import (
    MAX_ENVELOPE,
    AllocationInputs,
    build_problem,
    check_envelope,
    corridor_bounds,
    parse_envelope,
)
from .problem import CoreResult

__all__ = [
    "MAX_ENVELOPE",
    "AllocationInputs",
    "AllocationResult",
    "allocate",
    "build_problem",
    "check_envelope",
    "corridor_bounds",
    "parse_envelope",
]

#: the communes' columns that name a code in the workbook's other sheets
_NAMES = ("code", "name", "district_name", "type")


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
        """Target and allocation of the ``top`` largest communes (all when None), side by
        side, with a note "30 / 132 xã được hiển thị" when some are left out."""
        from ..report import plots
        from ..report.labels import text

        df, n_all = plots.top_rows(self._r.table, "allocation", top)
        ax = plots.bar_compare(
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
        plots.shown_note(
            ax, len(df), n_all, lang, text("phân bổ lớn nhất", "largest allocations", lang)
        )
        return ax

    def change(self, ax=None, *, lang: str = "vi"):
        """Change against last year (%) of every commune, sorted, with the stability corridor
        (labelled) when the allocation had one."""
        from ..report import plots
        from ..report.labels import text

        df = self._r.table
        if "change_pct" not in df:
            raise KhoanError(
                "no last-year allocation to compare with: give allocate(..., last=...) or a "
                "last_allocation column in the communes table"
            )
        corr = self._r.provenance.get("options", {}).get("corridor")
        numeric = isinstance(corr, int | float) and not isinstance(corr, bool)
        return plots.change_bars(
            df["change_pct"],
            corridor=float(corr) if numeric else None,
            title=text(
                f"Thay đổi so với năm trước, {self._r.year} (%)",
                f"Change vs last year, {self._r.year} (%)",
                lang,
            ),
            lang=lang,
            ax=ax,
        )


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
