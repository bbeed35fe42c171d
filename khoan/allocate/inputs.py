"""The allocation's inputs, prepared before solving: envelope, last allocation, bounds, problem.

Steps 1–4 of :func:`khoan.allocate.api.allocate` (scores, norm-based targets, the mandatory
floor and the stability corridor against last year's allocation) gathered into an
:class:`~khoan.allocate.problem.AllocationProblem` by :func:`build_problem`; the envelope as
typed by a user (VND, or the norm total plus or minus a share) is read by
:func:`parse_envelope` and checked by :func:`check_envelope`. The names are importable from
:mod:`khoan.allocate.api` too.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import KhoanError
from .indicators import composite_score
from .problem import AllocationProblem
from .targets import rule_targets, whole_dong

__all__ = [
    "MAX_ENVELOPE",
    "AllocationInputs",
    "build_problem",
    "check_envelope",
    "corridor_bounds",
    "parse_envelope",
]


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
    else:  # no corridor: last year's amounts are still shown (change, plot.change())
        try:
            last_arr = _last_allocation(model, year, last)
        except KhoanError:
            if last is not None:
                raise

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
