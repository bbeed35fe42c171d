"""Step 2 of output-based allocation: the rule-based target of every commune.

``target_i = norm_i + point_value × S_i`` where

- ``norm_i`` is the norm-based lump sum of commune *i* (``khoan.budget``: salary fund of the
  approved staffing, contributions, allowance funds, operating spending at the provincial norm,
  special tasks) in VND/year;
- the performance pool ``P = share × envelope`` (``allocation.scoring.performance_share``) is
  distributed by composite score: ``point_value = P / Σ_j S_j`` (VND per score point);
- ``S_i`` is the composite output score (:mod:`khoan.allocate.indicators`).

Σ targets need not equal the envelope: the optimisation shares the gap in proportion to the
targets (quadratic objective) unless a floor, corridor or group bound binds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["rule_targets", "whole_dong"]


def whole_dong(amounts: np.ndarray, total: int) -> np.ndarray:
    """Non-negative amounts (VND, float) in whole đồng adding up to ``total`` exactly.

    Largest remainder method: every amount is rounded down, then the đồng left go one each
    to the largest fractional parts (ties in order). Falls back to rounding each amount when
    ``total`` is not within their floor sum + n (amounts that do not add up to ``total``).
    """
    x = np.asarray(amounts, dtype=float)
    base = np.floor(x).astype(np.int64)
    rest = int(total) - int(base.sum())
    if not 0 <= rest <= x.size:
        return np.floor(x + 0.5).astype(np.int64)
    if rest:
        order = np.argsort(-(x - base), kind="stable")[:rest]
        base[order] += 1
    return base


def rule_targets(norm: pd.Series, score: pd.Series, envelope: float, share: float) -> pd.DataFrame:
    """Targets by the rule above.

    Parameters
    ----------
    norm : Series
        Norm-based lump sum per commune (VND/year), indexed by commune code.
    score : Series
        Composite score per commune (dimensionless), same index.
    envelope : float
        Envelope to allocate (VND/year).
    share : float
        Share of the envelope distributed by score (0–1).

    Returns
    -------
    DataFrame
        Columns ``norm``, ``score``, ``point_value`` (VND per point), ``performance``
        (VND/year) and ``target`` (VND/year, float), indexed like ``norm``.
    """
    score = score.reindex(norm.index).astype(float)
    pool = float(share) * float(envelope)
    total = float(score.sum())
    pv = pool / total if total > 0 else 0.0
    perf = score * pv
    return pd.DataFrame(
        {
            "norm": norm.astype(float),
            "score": score,
            "point_value": np.full(len(norm), pv),
            "performance": perf,
            "target": norm.astype(float) + perf,
        },
        index=norm.index,
    )
