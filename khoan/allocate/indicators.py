"""Step 1 of output-based allocation: indicators -> sub-scores -> composite score.

Every step is a pandas table an analyst can audit (one row per commune, one column per
indicator), vectorised over communes.

Sub-score of indicator *k* for commune *i* (``allocation.indicators``, ``allocation.scoring``):

- service indicator, higher is better (online share, satisfaction, time cut, e-documents):
  ``s = clip(v / target, 0, cap)``;
- service indicator, lower is better (late dossiers): ``s = clip((1 - v) / (1 - target), 0, cap)``
  — the share of dossiers handled on time relative to the on-time share the target implies;
- workload indicator (population, area, dossiers): ``s = v / mean(v)`` over the communes scored,
  not capped (a commune twice the average size carries twice the workload).

Composite score: ``S_i = Σ_k w_k s_ik / Σ_k w_k`` with the weights ``w_k`` of the parameter.
Workload indicators that are commune attributes (``population``, ``area_km2``) are read from the
communes table when the outputs table does not hold them.
"""

from __future__ import annotations

import datetime as _dt

import numpy as np
import pandas as pd

from ..data.starter import ALLOCATION_KEYS, require
from ..errors import Problem, ValidationError

__all__ = ["composite_score", "indicator_table", "sub_scores"]


def indicator_table(model, year: int, *, on: _dt.date | None = None) -> pd.DataFrame:
    """Indicator values for ``year``: one row per commune (index ``code``), one column each.

    Commune attributes (population, area) fill workload indicators missing from ``outputs``.
    A service indicator missing for a commune is a :class:`ValidationError` naming the
    commune and indicator (no silent zero). ``on``: date of the indicator list
    (``allocation.indicators``; default 1 January of ``year``).
    """
    spec = model.params.value("allocation.indicators", on or _dt.date(year, 1, 1))
    codes = model.communes["code"].astype(str)
    out = model.outputs
    if len(out):
        sel = out[out["year"] == year]
        wide = sel.pivot_table(index="commune", columns="indicator", values="value", aggfunc="last")
    else:
        wide = pd.DataFrame(index=pd.Index([], name="commune"))
    wide = wide.reindex(codes.to_numpy())
    attrs = model.communes.set_index(codes)
    service = [n for n in spec if n not in attrs.columns]
    if service and len(out) and not (out["year"] == year).any():
        ys = out["year"].astype(int)
        raise ValidationError(
            [
                Problem(
                    "outputs",
                    None,
                    None,
                    "year",
                    year,
                    f"no output indicators for {year}: the outputs table covers "
                    f"{ys.min()}–{ys.max()}. Add {year}'s indicators (an allocation for Y "
                    "scores the indicators of Y − 1) or choose another score year "
                    "(score_year=...)",
                )
            ],
            title=f"Indicators for {year} are missing",
        )
    problems = []
    for name in spec:
        if name not in wide.columns and name in attrs.columns:
            wide[name] = attrs[name].astype(float)
        if name not in wide.columns:
            wide[name] = np.nan
        if name in attrs.columns:
            wide[name] = wide[name].fillna(attrs[name].astype(float))
        miss = wide[name].isna()
        for code in wide.index[miss][:50]:
            problems.append(
                Problem(
                    "outputs",
                    None,
                    None,
                    "value",
                    None,
                    f"commune {code} has no value of indicator {name!r} for {year}",
                )
            )
    if problems:
        raise ValidationError(problems, title=f"Indicators for {year} are incomplete")
    wide.index.name = "code"
    return wide[list(spec)]


def sub_scores(values: pd.DataFrame, spec: dict, cap: float) -> pd.DataFrame:
    """Normalised sub-scores (dimensionless), same shape as ``values``.

    Parameters
    ----------
    values : DataFrame
        Indicator values, one row per commune.
    spec : dict
        ``{indicator: {direction, target, weight, kind}}`` (``allocation.indicators``).
    cap : float
        Upper bound of a service sub-score (``allocation.scoring.score_cap``).
    """
    out = pd.DataFrame(index=values.index)
    for name, sp in spec.items():
        v = values[name].astype(float).to_numpy()
        if sp.get("kind") == "workload" or sp.get("target") is None:
            mean = v.mean() if len(v) else 1.0
            s = v / mean if mean > 0 else np.ones_like(v)
        elif sp["direction"] == "higher":
            s = np.clip(v / float(sp["target"]), 0.0, cap)
        elif sp["direction"] == "lower":
            s = np.clip((1.0 - v) / (1.0 - float(sp["target"])), 0.0, cap)
        else:  # pragma: no cover - parameter files are checked by tests
            raise ValueError(f"indicator {name}: direction must be 'higher' or 'lower'")
        out[name] = s
    return out


def composite_score(
    model, year: int, *, on: _dt.date | None = None
) -> tuple[pd.DataFrame, pd.Series]:
    """Sub-scores and the weighted composite score of every commune for ``year``.

    ``year`` is the year the indicators were measured; ``on`` the date of the scoring rules
    (indicators, targets, weights, cap; default 1 January of ``year``). An allocation for budget
    year Y scores the indicators of Y − 1 under the rules in force for Y: the rules belong to the
    budget being allocated, not to the year measured.

    Returns
    -------
    (sub, score)
        ``sub``: indicator values and sub-scores (columns ``<indicator>`` and
        ``<indicator>_score``); ``score``: composite score (mean 1 for workload-only weights).
    """
    date = on or _dt.date(year, 1, 1)
    require(model.params, ALLOCATION_KEYS, "the output-based allocation")
    spec = model.params.value("allocation.indicators", date)
    cap = float(model.params.value("allocation.scoring.score_cap", date))
    values = indicator_table(model, year, on=date)
    sub = sub_scores(values, spec, cap)
    w = np.array([float(spec[k]["weight"]) for k in spec])
    score = pd.Series(sub.to_numpy() @ w / w.sum(), index=values.index, name="score")
    audit = values.join(sub.add_suffix("_score"))
    return audit, score
