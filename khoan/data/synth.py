"""Synthetic commune data: staff rosters, output indicators, national-scale inputs.

Per-commune staff rosters, budgets and outputs are not public (DOMAIN §7), so the example models
and the benchmarks use data generated here. Everything is **synthetic** except what is taken
from the official registry (codes, names, types, districts) and the legal parameters read from
the :class:`~khoan.params.ParameterTree` passed in. The same seed always gives the same tables
(one :class:`numpy.random.Generator`, draws in a fixed order); every draw is vectorised over
people (the only Python loops run over a handful of positions, grades or indicators).

Legal constraints come from the parameters, never from this module: quotas, scales, position
allowances, TNVK rules, retirement ages and BHTN coverage are read at the roster date ``on``.
The distributions (shares, ages, means) are ILLUSTRATIVE choices, documented below, and make no
claim to describe any real commune.

Staff roster (:func:`staff_roster`)
===================================
Posts and positions
-------------------
* **Filled posts of cadres and civil servants** = ``min(approved_posts, quota)`` where the quota is
  ``staffing.quota.cadres_civil_servants`` by commune type and class in force on ``on``
  (NĐ 92/2009 + NĐ 29/2013 25/23/21 → NĐ 34/2019 from 2019-06-25 23/21/19 → NĐ 33/2023 from
  2023-08-01 22/20/18, wards 23/21/19); when the quota is ``null`` (two-tier government from
  2025-07-01, no national quota) only ``approved_posts`` caps it (a provincial overlay may set
  the quota again). Vacancies: ``Binomial(posts, 1 − fill_rate)`` per commune, drawn among the
  professional civil-servant posts (``cong_chuc``) and deputy heads of offices only; elected
  leadership posts are always filled.
* **Positions**, in this order, truncated to the number of posts (a commune with fewer posts than
  leadership positions keeps the first ones):

  - structure before 2025-07-01 (NĐ 92/2009 Điều 3; Luật Tổ chức chính quyền địa phương 2015,
    Điều 33, 61, 68): ``bi_thu``, ``chu_tich_ubnd``, ``chu_tich_hdnd``, ``pho_bi_thu``,
    ``chu_tich_mttq``, ``pho_chu_tich_ubnd``, ``pho_chu_tich_hdnd``, four ``truong_doan_the``
    (heads of the Youth Union, Women's Union, Farmers' Union, Veterans' Association), a second
    ``pho_chu_tich_ubnd`` in class-1 units — all ``can_bo``; the remaining posts are
    ``cong_chuc`` (the seven professional titles: police, military, office-statistics,
    land-construction, finance-accounting, justice-civil status, culture-social affairs).
    Concurrent holding (e.g. the party secretary chairing the People's Council, encouraged by
    NĐ 34/2019) is not modelled.
  - two-tier structure from 2025-07-01 (Luật Tổ chức chính quyền địa phương 72/2025/QH15;
    ILLUSTRATIVE counts): the same cadres with two ``pho_chu_tich_ubnd`` (three in class 1),
    plus three ``truong_phong`` and three ``pho_truong_phong`` (office of the People's Council
    and Committee, economic office, culture-social office; category ``cong_chuc``).
* **NHĐKCT** (non-professional workers): ``Binomial(min(approved_nhdkct, quota), fill_rate)``
  with the quota ``staffing.quota.nhdkct`` by class (0 from 2025-07-01); position ``nhdkct``,
  no grade or step; ``coefficient`` is the worker's allowance coefficient (× base salary per
  month), ILLUSTRATIVE: ``m × U(0.75, 1.25)`` rounded to 0.05 and clipped to [0.5, 2.0], with
  ``m`` the class's fund ``staffing.nhdkct_fund`` divided by the class quota (so that a full
  commune spends about its fund), or 1.15 when the fund is not in force.
* **Contract staff** (``hop_dong``, NĐ 68/2000 → NĐ 111/2022 support jobs: drivers, guards):
  ``min(Poisson(0.6), 3)`` per commune, outside the approved posts. Half are on grade ``B`` of
  ``salary.scales``; the others have no grade and a flat coefficient 1.50 + 0.18 × k,
  k = 0…5 (the NĐ 204/2004 "nhân viên" ladder, ILLUSTRATIVE).

People
------
* **Sex**: female with a probability by role (ILLUSTRATIVE, about 45% overall): secretaries and
  chairs 0.15, deputies 0.30, Women's Union head 1.0, Youth Union head 0.4, Farmers' Union head
  0.25, Veterans' head 0.02, heads of offices 0.35, civil servants 0.55, NHĐKCT 0.5, contract
  staff 0.35.
* **Age** on ``on``: ``lo + (hi − lo) × Beta(a, b)`` with ``hi = min(role cap, R − 1)``, ``R``
  the statutory retirement age of the person's sex in the calendar year of ``on``
  (``retirement.age.pre_2021``: 60 / 55 before 2021; ``retirement.age.schedule`` from 2021,
  Bộ luật Lao động 2019 Điều 169, NĐ 135/2020), so nobody is within a year of retirement.
  ``lo`` is 23 (35 for secretaries and chairs, 30 for deputies, heads of offices and the Farmers'
  Union head, 28 for the Women's Union head, 45 for the Veterans' head); the Youth Union head is
  capped at 32.
* **Service**: entry age ``min(U(21, 30), age − U(0.05, 1))``; years of service = age − entry age.
  ``insured_since`` = ``on`` − years of service (compulsory social insurance from the first
  day of work; NHĐKCT are covered since Luật BHXH 2014, Điều 2).
* **Grade**: cadres — untrained (``cadre_untrained``) 6% (15% in mountain and highland/island
  zones; 2% from 2025-07-01), ``A0`` 5%, ``B`` 14% (25% mountain; 5% from 2025-07-01), else
  ``A1``; civil servants — ``A0`` 5%, ``B`` 25% (35% mountain; 10% from 2025-07-01), else ``A1``
  (ILLUSTRATIVE shares). Trained cadres are paid on the civil-service scale of their training
  level (NĐ 92/2009 Điều 5; NĐ 33/2023 Điều 5).
* **Step** (grades of ``salary.scales``, NĐ 204/2004 Bảng 2): with a step-rise delay of 0,
  0.5 or 1 year (probabilities 0.85, 0.10, 0.05; discipline or late rises, TT 08/2013/TT-BNV),
  effective service ``e = max(0, service − delay)``, step ``= min(steps, 1 + ⌊e / years_per_step⌋)``,
  ``coefficient = first + increment × (step − 1)`` (rounded to 0.01). Below the top step the
  ``next_step_date`` is ``on + years_per_step − (e − (step − 1) × years_per_step)``, i.e.
  within the next ``years_per_step`` years; at the top step it is empty.
* **TNVK** (``allowances.tnvk``, NĐ 204/2004 Điều 6, TT 04/2005/TT-BNV): only at the top step;
  with ``y = e − (steps − 1) × years_per_step`` years at the top step and ``n`` =
  ``years_at_top`` of the grade, ``tnvk_pct = start_pct + increment_pct × ⌊y − n⌋`` when
  ``y ≥ n``, else 0.
* **Untrained cadres** (``salary.cadre_untrained``, NĐ 92/2009 Điều 5): tenure in the position
  ``U(0, min(service, 12))``; step 2 when tenure ≥ ``salary.cadre_untrained_step2_years`` (5),
  otherwise step 1 with ``next_step_date`` when the 5 years are reached; coefficient = the
  position's fixed coefficient for that step.
* **Position allowance**: ``allowances.position.commune`` at ``on`` (NĐ 92/2009 → NĐ 33/2023
  → NĐ 07/2026), or ``allowances.position.commune_special_city`` for units of Hà Nội and
  TP Hồ Chí Minh when ``special_city`` says so.
* **bao_luu** (kept difference): 2% of cadres and civil servants keep ``U(0.10, 0.60)``
  (rounded to 0.01), the others 0 (ILLUSTRATIVE).
* **BHTN**: ``contributions.bhtn_default`` by category (Luật Việc làm 2013, Điều 43).
* ``start_date`` and ``end_date`` are empty (everybody works the whole period).
* **Ids**: ``<prefix>-<number>`` numbered in roster order (commune order of the input, then
  cadres and civil servants, NHĐKCT, contract staff), at least five digits (``KH16-00001``).

Output indicators (:func:`outputs`)
===================================
The service targets of the Khánh Hòa administrative-reform plan 2016–2020 (DOMAIN §1) are the
indicators. Each follows a province-wide path in the calendar year ``y`` (``t = y − 2015``, the
plan's base year), ILLUSTRATIVE, chosen so that the average commune roughly meets the 2020
targets and about half meet the 2017 milestones:

=================  ==============================================  =========================
indicator          mean path                                       target (plan)
=================  ==============================================  =========================
``late_rate``      0.04 + 0.18 · exp(−0.30 t)  (0.22 → 0.08 2020)  < 0.10
``online_l4_rate`` 0.90 / (1 + exp(−0.45 (y − 2021)))  (0.13 2017,  ≥ 0.30 (≥ 0.15 by 2017)
                   0.35 2020)
``satisfaction``   0.92 − 0.20 · exp(−0.25 t)  (0.72 → 0.86 2020)  > 0.80
``time_cut``       0.55 · (1 − exp(−0.15 t))  (0 → 0.29 2020)      ≥ 0.30 vs the 2015 base
``edocs_rate``     1 − 0.60 · exp(−0.50 t)  (0.40 → 0.95 2020)     1.0
=================  ==============================================  =========================

A commune's rates deviate from the mean on the logit scale by ``0.5 · u + 0.25 · ε`` where
``u ~ N(0, 1)`` is the commune's persistent performance (the same for every indicator, signed
so that a good commune is good on all of them) and ``ε ~ N(0, 1)`` is yearly noise;
``time_cut`` is ``mean × exp(0.3 u + 0.1 ε)`` clipped to [0, 1] (0 in the base year and
before). ``dossiers`` (workload driver) is ``population × 0.30 × 1.03^t × f`` with ``f`` a
lognormal commune factor (σ 0.25, × 1.2 for wards) and a yearly lognormal noise (σ 0.05),
rounded. Rates are rounded to 4 decimals and lie in [0, 1].

Annual ratings (:func:`ratings`)
================================
One rating a year (NĐ 90/2020/NĐ-CP Điều 2, amended by NĐ 48/2023/NĐ-CP: ``xuat_sac``,
``tot``, ``hoan_thanh``, ``khong_hoan_thanh``) for every cadre and civil servant present some
day of the year. ILLUSTRATIVE shares :data:`RATING_SHARES` (20 % excellent, 60 % good, 17 %
completed, 3 % not completed; the excellent share is capped by the rules on the share of
excellent ratings, NĐ 48/2023). Persistence: each year a person keeps last year's rating with
probability :data:`RATING_PERSISTENCE` (0.5) and otherwise draws afresh from the shares, so the
shares hold every year.

National inputs (:func:`national`, :func:`synthetic_communes`)
==============================================================
Every unit of the registry (``khoan.data.registry.load_units``) with synthetic attributes:

* ``zone``: ``urban`` for phường and thị trấn, ``highland_island`` for đặc khu; a xã is
  ``mountain`` with probability ``m_p`` (a province draw ``Beta(1, 1.5)``), a fifth of those
  ``highland_island``, else ``lowland``.
* ``population`` and ``area_km2``: lognormal (σ 0.5) around medians by type and zone (phường
  12,000 people / 3 km², thị trấn 10,000 / 12 km², xã lowland 8,000 / 20 km², mountain 5,000 /
  80 km², highland 3,500 / 120 km², đặc khu 10,000 / 150 km²), × 3 for the 2025 structure
  (10,051 units merged into 3,321).
* ``class``: points score as in ``tools/make_example_communes.py`` (population points
  ``min(35, 10 + 0.5 · max(0, pop − P0) / step)``, area points ``min(30, …)``, other factors
  ``U(10, 35)`` + 5 in the mountains, capped at 35) against ``classification.thresholds`` in
  force on ``on`` (NQ 1211/2016; NĐ 307/2025).
* ``region_coef``: 0 in urban and lowland units; mountain units 0, 0.1, 0.2, 0.3, 0.4 or 0.5;
  highland/island units 0.3, 0.4, 0.5 or 0.7; đặc khu 0.7 or 1.0 — only levels listed in
  ``allowances.regional.levels`` (ILLUSTRATIVE, not the official list of TTLT 11/2005).
* ``approved_posts``: the quota of the regime in force on ``on``; when none is in force
  (from 2025-07-01) ``28 + 12 s²`` with ``s`` the unit's size rank in [0, 1]
  (0.6 × population rank + 0.4 × area rank), i.e. 32 on average like the Khánh Hòa framework.
  ``approved_nhdkct``: ``staffing.quota.nhdkct`` of the class.
* villages: ``max(1, round(pop / H + N(0, 1.5)))`` with H = 1,100 (2016) or 1,300 (2025), a
  share ``U(0.2, 0.6)`` (urban ``U(0.4, 0.8)``) being large; ``special_tasks``: 20% of units get
  100–500 million VND; ``last_allocation`` empty.

The roster is :func:`staff_roster` on ``on`` (2016-01-01 for the 2016 structure, 2026-01-01 for
2025), with ids ``VN16-…`` / ``VN25-…``; outputs cover the model years.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..params import ParameterTree, load_law, to_date
from .synth_staff import (
    RATING_PERSISTENCE,
    RATING_SHARES,
    TWO_TIER_FROM,
    quota_nhdkct,
    quota_posts,
    ratings,
    retirement_age,
    staff_roster,
    to_schema,
)

__all__ = [
    "INDICATORS",
    "RATING_PERSISTENCE",
    "RATING_SHARES",
    "TWO_TIER_FROM",
    "national",
    "outputs",
    "ratings",
    "retirement_age",
    "staff_roster",
    "synthetic_communes",
    "to_schema",
]


#: Output indicators generated by :func:`outputs`, with their direction (+1: higher is better).
INDICATORS: dict[str, int] = {
    "late_rate": -1,
    "online_l4_rate": +1,
    "satisfaction": +1,
    "time_cut": +1,
    "edocs_rate": +1,
    "dossiers": 0,
}

_PLAN_BASE_YEAR = 2015

_SPECIAL_CITY_PROVINCES = ("01", "79")  # Hà Nội, TP Hồ Chí Minh (2025 codes)


# ---------------------------------------------------------------------------------------------
# output indicators


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def _expit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _mean_paths(y: np.ndarray) -> dict[str, np.ndarray]:
    t = np.maximum(y - _PLAN_BASE_YEAR, 0).astype(float)
    return {
        "late_rate": 0.04 + 0.18 * np.exp(-0.30 * t),
        "online_l4_rate": 0.90 / (1.0 + np.exp(-0.45 * (y - 2021.0))),
        "satisfaction": 0.92 - 0.20 * np.exp(-0.25 * t),
        "time_cut": 0.55 * (1.0 - np.exp(-0.15 * t)),
        "edocs_rate": 1.0 - 0.60 * np.exp(-0.50 * t),
    }


def outputs(communes: pd.DataFrame, years: Iterable[int], seed: int) -> pd.DataFrame:
    """Synthetic output indicators per commune and year (rules in the module docstring).

    Parameters
    ----------
    communes : DataFrame
        Commune table (``code``, ``population``, ``type`` are used).
    years : iterable of int
        Calendar years.
    seed : int
        Seed; equal seeds give equal tables.

    Returns
    -------
    DataFrame
        ``commune``, ``year``, ``indicator``, ``value`` (schema ``outputs``), one row per
        commune, year and indicator of :data:`INDICATORS`, sorted in that order.
    """
    rng = np.random.default_rng(seed)
    years = np.asarray(sorted({int(y) for y in years}), dtype=np.int64)
    codes = communes["code"].astype(str).to_numpy(dtype=object)
    pop = pd.to_numeric(communes["population"]).fillna(0).to_numpy(dtype=float)
    ward = (communes["type"].astype(str) == "phuong").to_numpy()
    nc, ny = len(codes), len(years)
    perf = rng.standard_normal(nc)  # persistent commune performance
    paths = _mean_paths(years.astype(float))
    values: dict[str, np.ndarray] = {}
    for ind, sign in INDICATORS.items():
        eps = rng.standard_normal((nc, ny))
        if ind == "dossiers":
            f = rng.lognormal(0.0, 0.25, nc) * np.where(ward, 1.2, 1.0)
            grow = 1.03 ** np.maximum(years - _PLAN_BASE_YEAR, 0)
            v = np.round(pop[:, None] * 0.30 * grow[None, :] * f[:, None] * np.exp(0.05 * eps))
        elif ind == "time_cut":
            v = paths[ind][None, :] * np.exp(0.3 * perf[:, None] + 0.1 * eps)
            v = np.round(np.clip(v, 0.0, 1.0), 4)
        else:
            x = _logit(paths[ind])[None, :] + sign * 0.5 * perf[:, None] + 0.25 * eps
            v = np.round(_expit(x), 4)
        values[ind] = v
    inds = list(INDICATORS)
    stacked = np.stack([values[i] for i in inds], axis=2)  # (nc, ny, ni)
    df = pd.DataFrame(
        {
            "commune": np.repeat(codes, ny * len(inds)),
            "year": np.tile(np.repeat(years, len(inds)), nc),
            "indicator": np.tile(np.array(inds, dtype=object), nc * ny),
            "value": stacked.reshape(-1),
        }
    )
    return to_schema(df, "outputs")


# ---------------------------------------------------------------------------------------------
# national inputs


def _pct_rank(v: np.ndarray) -> np.ndarray:
    r = np.argsort(np.argsort(v, kind="stable"), kind="stable")
    return r / max(len(v) - 1, 1)


def synthetic_communes(
    units: pd.DataFrame, params: ParameterTree | None = None, on: Any = None, seed: int = 0
) -> pd.DataFrame:
    """Synthetic commune attributes for registry ``units`` (rules in the module docstring).

    Parameters
    ----------
    units : DataFrame
        Rows of :func:`khoan.data.registry.load_units` (``province_code``, ``code``, ``name``,
        ``type`` and, for the 2016 structure, ``district_code``, ``district_name``).
    params : ParameterTree, optional
        Defaults to the national law.
    on : date-like, optional
        Date the quotas and thresholds are read on (default 2016-01-01 when the units have
        districts, else 2026-01-01).
    seed : int
        Seed.

    Returns
    -------
    DataFrame
        A commune table (schema ``communes``).
    """
    params = params if params is not None else load_law()
    has_districts = "district_code" in units.columns
    d = to_date(on) if on is not None else _dt.date(2016 if has_districts else 2026, 1, 1)
    merged = not has_districts
    rng = np.random.default_rng(seed)
    n = len(units)
    kind = units["type"].astype(str).to_numpy(dtype=object)
    prov = units["province_code"].astype(str).to_numpy(dtype=object)
    pcodes, pidx = np.unique(prov, return_inverse=True)
    m_p = rng.beta(1.0, 1.5, len(pcodes))[pidx]
    u_zone = rng.random(n)
    u_high = rng.random(n)
    is_xa = kind == "xa"
    urban = np.isin(kind, ["phuong", "thi_tran"])
    dac_khu = kind == "dac_khu"
    mountain_any = is_xa & (u_zone < m_p)
    zone = np.select(
        [urban, dac_khu, mountain_any & (u_high < 0.2), mountain_any],
        ["urban", "highland_island", "highland_island", "mountain"],
        "lowland",
    ).astype(object)
    scale = 3.0 if merged else 1.0
    med_pop = np.select(
        [
            kind == "phuong",
            kind == "thi_tran",
            dac_khu,
            zone == "highland_island",
            zone == "mountain",
        ],
        [12000, 10000, 10000, 3500, 5000],
        8000,
    ).astype(float)
    med_area = np.select(
        [
            kind == "phuong",
            kind == "thi_tran",
            dac_khu,
            zone == "highland_island",
            zone == "mountain",
        ],
        [3.0, 12.0, 150.0, 120.0, 80.0],
        20.0,
    )
    population = np.round(med_pop * scale * rng.lognormal(0.0, 0.5, n)).astype(np.int64)
    area = np.round(med_area * scale * rng.lognormal(0.0, 0.5, n), 2)
    area = np.maximum(area, 0.05)

    # class: points score against the thresholds in force
    if merged:
        p0 = np.where(kind == "phuong", 21000.0, 16000.0)
        step_p = 500.0
        a0 = np.where(kind == "phuong", 10.0, 50.0)
        step_a = np.where(kind == "phuong", 0.5, 2.0)
    else:
        p0 = np.where(kind == "phuong", 7000.0, 8000.0)
        step_p = 200.0
        a0 = np.where(urban, 5.5, 20.0)
        step_a = 0.5
    remote = np.isin(zone, ["mountain", "highland_island"])
    score = (
        np.minimum(35.0, 10.0 + 0.5 * np.maximum(0.0, population - p0) / step_p)
        + np.minimum(30.0, 10.0 + 0.5 * np.maximum(0.0, area - a0) / step_a)
        + np.minimum(rng.uniform(10.0, 35.0, n) + 5.0 * remote, 35.0)
    )
    th = params.value("classification.thresholds", d)
    cls = np.where(score >= th["class1"], 1, np.where(score >= th["class2"], 2, 3)).astype(np.int64)

    # regional allowance, legal levels only
    levels = np.asarray(params.value("allowances.regional.levels", d), dtype=float)

    def pick(choices: Sequence[float], size: int) -> np.ndarray:
        ok = [c for c in choices if np.isclose(levels, c).any() or c == 0.0] or [0.0]
        return rng.choice(np.asarray(ok, dtype=float), size=size)

    region = np.zeros(n)
    region = np.where(zone == "mountain", pick([0.0, 0.1, 0.2, 0.3, 0.4, 0.5], n), region)
    region = np.where((zone == "highland_island") & ~dac_khu, pick([0.3, 0.4, 0.5, 0.7], n), region)
    region = np.where(dac_khu, pick([0.7, 1.0], n), region)

    quota = quota_posts(params, d, kind, cls)
    s = _pct_rank(0.6 * _pct_rank(population) + 0.4 * _pct_rank(area))
    framework = np.round(28.0 + 12.0 * s**2)
    approved = np.where(np.isfinite(quota), quota, framework).astype(np.int64)
    nh = quota_nhdkct(params, d, cls)
    approved_nh = np.where(np.isfinite(nh), nh, 0).astype(np.int64)

    per_village = 1300.0 if merged else 1100.0
    total_v = np.maximum(1, np.round(population / per_village + rng.normal(0.0, 1.5, n)))
    share = np.where(urban, rng.uniform(0.4, 0.8, n), rng.uniform(0.2, 0.6, n))
    large = np.round(total_v * share).astype(np.int64)
    other = (total_v - large).astype(np.int64)
    has_task = rng.random(n) < 0.2
    tasks = np.where(has_task, rng.integers(10, 51, n) * 10_000_000, 0).astype(np.int64)

    df = pd.DataFrame(
        {
            "code": units["code"].astype(str).to_numpy(dtype=object),
            "name": units["name"].astype(str).to_numpy(dtype=object),
            "type": kind,
            "district_code": units["district_code"].to_numpy(dtype=object)
            if has_districts
            else None,
            "district_name": units["district_name"].to_numpy(dtype=object)
            if has_districts
            else None,
            "class": cls,
            "population": population,
            "area_km2": area,
            "zone": zone,
            "region_coef": region,
            "approved_posts": approved,
            "approved_nhdkct": approved_nh,
            "villages_large": large,
            "villages_other": other,
            "special_tasks": tasks,
        }
    )
    return to_schema(df, "communes")


def national(
    structure: str = "2016",
    seed: int = 0,
    params: ParameterTree | None = None,
    on: Any = None,
):
    """National-scale synthetic inputs: every commune-level unit of the registry, a roster, outputs.

    Parameters
    ----------
    structure : {"2016", "2025"}
        Registry structure: 10,051 units before 2025-07-01, 3,321 since.
    seed : int
        Seed; communes, roster and outputs use three independent streams spawned from it.
    params : ParameterTree, optional
        Defaults to the national law (``load_law()``).
    on : date-like, optional
        Roster date (default 2016-01-01 for ``"2016"``, 2026-01-01 for ``"2025"``).

    Returns
    -------
    khoan.Model
        Not validated (call :func:`khoan.model.check_model`); ``meta`` holds ``structure``,
        ``base_year``, ``years`` (five years from the roster date's year) and
        ``synthetic = True``.
    """
    from ..model import Model
    from .registry import load_units

    structure = str(structure)
    units = load_units(structure)
    params = params if params is not None else load_law()
    d = to_date(on) if on is not None else _dt.date(2016 if structure == "2016" else 2026, 1, 1)
    s_comm, s_staff, s_out = np.random.SeedSequence(seed).spawn(3)
    seed_of = [int(s.generate_state(1)[0]) for s in (s_comm, s_staff, s_out)]
    communes = synthetic_communes(units, params, d, seed_of[0])
    special = units["province_code"].isin(_SPECIAL_CITY_PROVINCES).to_numpy()
    staff = staff_roster(
        communes, params, d, seed_of[1], id_prefix=f"VN{structure[2:]}", special_city=special
    )
    years = list(range(d.year, d.year + 5))
    outs = outputs(communes, years, seed_of[2])
    meta = {
        "name": f"national_{structure}",
        "title": f"Synthetic national model ({structure} structure, {len(communes)} units)",
        "structure": structure,
        "base_year": d.year,
        "years": [years[0], years[-1]],
        "roster_date": d.isoformat(),
        "synthetic": True,
        "seed": seed,
    }
    return Model(
        name=meta["name"], communes=communes, staff=staff, outputs=outs, params=params, meta=meta
    )
