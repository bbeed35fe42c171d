"""Synthetic staff: the roster of a synthetic commune table, annual ratings, retirement ages.

The helpers of the national generator :mod:`khoan.data.synth` (whose docstring describes the
method and its sources): :func:`staff_roster` fills each commune's posts from the position
templates of the 2016 and 2025 structures within the quotas in force
(``staffing.quota.*``), draws ages, sex, grades and steps; :func:`ratings` draws the annual
quality ratings (NĐ 90/2020 amended by NĐ 48/2023); :func:`retirement_age` is the legal
retirement age by sex and birth date (``retirement.age``). Every table is returned in its
schema's columns and types (:func:`to_schema`). Everything here is synthetic and illustrative.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ParameterError
from ..params import ParameterTree, to_date
from .schema import get_schema

__all__ = [
    "RATING_PERSISTENCE",
    "RATING_SHARES",
    "TWO_TIER_FROM",
    "quota_nhdkct",
    "quota_posts",
    "ratings",
    "retirement_age",
    "staff_roster",
    "to_schema",
]


#: The two-tier local government (no district level) starts on this date
#: (Luật Tổ chức chính quyền địa phương 72/2025/QH15; NQ 1667/NQ-UBTVQH15 for Khánh Hòa).
TWO_TIER_FROM = _dt.date(2025, 7, 1)


_DAYS = 365.25


# (position, category, role, rule) — rule "all" or "class1" (only in class-1 units)
_TEMPLATE_2016: tuple[tuple[str, str, str, str], ...] = (
    ("bi_thu", "can_bo", "leader", "all"),
    ("chu_tich_ubnd", "can_bo", "leader", "all"),
    ("chu_tich_hdnd", "can_bo", "leader", "all"),
    ("pho_bi_thu", "can_bo", "deputy", "all"),
    ("chu_tich_mttq", "can_bo", "deputy", "all"),
    ("pho_chu_tich_ubnd", "can_bo", "deputy", "all"),
    ("pho_chu_tich_hdnd", "can_bo", "deputy", "all"),
    ("truong_doan_the", "can_bo", "youth", "all"),
    ("truong_doan_the", "can_bo", "women", "all"),
    ("truong_doan_the", "can_bo", "farmers", "all"),
    ("truong_doan_the", "can_bo", "veterans", "all"),
    ("pho_chu_tich_ubnd", "can_bo", "deputy", "class1"),
)
_TEMPLATE_2025: tuple[tuple[str, str, str, str], ...] = (
    ("bi_thu", "can_bo", "leader", "all"),
    ("chu_tich_ubnd", "can_bo", "leader", "all"),
    ("chu_tich_hdnd", "can_bo", "leader", "all"),
    ("pho_bi_thu", "can_bo", "deputy", "all"),
    ("chu_tich_mttq", "can_bo", "deputy", "all"),
    ("pho_chu_tich_ubnd", "can_bo", "deputy", "all"),
    ("pho_chu_tich_ubnd", "can_bo", "deputy", "all"),
    ("pho_chu_tich_hdnd", "can_bo", "deputy", "all"),
    ("truong_doan_the", "can_bo", "youth", "all"),
    ("truong_doan_the", "can_bo", "women", "all"),
    ("truong_doan_the", "can_bo", "farmers", "all"),
    ("truong_doan_the", "can_bo", "veterans", "all"),
    ("truong_phong", "cong_chuc", "head", "all"),
    ("truong_phong", "cong_chuc", "head", "all"),
    ("truong_phong", "cong_chuc", "head", "all"),
    ("pho_truong_phong", "cong_chuc", "staff", "all"),
    ("pho_truong_phong", "cong_chuc", "staff", "all"),
    ("pho_truong_phong", "cong_chuc", "staff", "all"),
    ("pho_chu_tich_ubnd", "can_bo", "deputy", "class1"),
)
_VACANCY_POSITIONS = ("cong_chuc", "pho_truong_phong")

# role -> (age lo, age cap or None, Beta a, Beta b, P(female))
_ROLES: dict[str, tuple[float, float | None, float, float, float]] = {
    "leader": (35.0, None, 2.5, 2.0, 0.15),
    "deputy": (30.0, None, 2.0, 2.0, 0.30),
    "youth": (23.0, 32.0, 1.5, 1.5, 0.40),
    "women": (28.0, None, 2.0, 2.0, 1.00),
    "farmers": (30.0, None, 2.0, 2.0, 0.25),
    "veterans": (45.0, None, 2.0, 1.5, 0.02),
    "head": (30.0, None, 2.0, 2.0, 0.35),
    "staff": (23.0, None, 1.6, 2.2, 0.55),
    "nhdkct": (23.0, None, 1.5, 1.8, 0.50),
    "hop_dong": (23.0, None, 1.5, 2.0, 0.35),
}
_ROLE_NAMES = tuple(_ROLES)
_CATEGORY_ORDER = {"can_bo": 0, "cong_chuc": 0, "nhdkct": 1, "hop_dong": 2}
_FLAT_CONTRACT = 1.50 + 0.18 * np.arange(6)  # NĐ 204/2004 "nhân viên" ladder (illustrative)


# ---------------------------------------------------------------------------------------------
# helpers


def _structure_on(on: _dt.date) -> str:
    return "2025" if on >= TWO_TIER_FROM else "2016"


def _days(years: np.ndarray) -> np.ndarray:
    return np.floor(np.asarray(years, dtype=float) * _DAYS).astype("int64").astype("timedelta64[D]")


def to_schema(df: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Cast a table to the dtypes :func:`khoan.load` gives it (schema ``kind``), columns in order.

    ``int`` → ``Int64``, ``float`` → ``float64``, ``date`` → ``datetime64[ns]``, ``bool`` →
    ``boolean``, ``str`` and ``category`` → object with ``None`` for empty cells. Missing optional
    columns are added empty.
    """
    schema = get_schema(kind)
    df = df.reset_index(drop=True)
    out: dict[str, Any] = {}
    n = len(df)
    for spec in schema.columns:
        s = df[spec.column] if spec.column in df.columns else pd.Series([None] * n, dtype=object)
        if spec.dtype == "int":
            out[spec.column] = pd.array(pd.to_numeric(s), dtype="Int64")
        elif spec.dtype == "float":
            out[spec.column] = pd.to_numeric(s).astype("float64").to_numpy()
        elif spec.dtype == "date":
            out[spec.column] = pd.to_datetime(s).astype("datetime64[ns]").to_numpy()
        elif spec.dtype == "bool":
            out[spec.column] = pd.array(s, dtype="boolean")
        else:
            v = s.astype(object).to_numpy()
            out[spec.column] = pd.Series(np.where(pd.isna(v), None, v), dtype=object)
    return pd.DataFrame(out, index=pd.RangeIndex(n))


#: ILLUSTRATIVE shares of the four annual ratings (NĐ 90/2020 amended by NĐ 48/2023).
RATING_SHARES = {"xuat_sac": 0.20, "tot": 0.60, "hoan_thanh": 0.17, "khong_hoan_thanh": 0.03}
#: ILLUSTRATIVE probability of keeping last year's rating.
RATING_PERSISTENCE = 0.5


def ratings(
    staff: pd.DataFrame,
    years: Iterable[int],
    seed: int,
    *,
    shares: dict[str, float] | None = None,
    persistence: float = RATING_PERSISTENCE,
) -> pd.DataFrame:
    """Synthetic annual ratings of the cadres and civil servants of ``staff`` (see the module).

    Parameters
    ----------
    staff : DataFrame
        A roster (schema ``staff``); people with ``start_date``/``end_date`` are rated only in
        the years they are present.
    years : iterable of int
        Years rated, in increasing order.
    seed : int
        Seed (the same seed gives the same table).
    shares : dict, optional
        Share of each rating (default :data:`RATING_SHARES`), summing to 1.
    persistence : float
        Probability of keeping the previous year's rating.

    Returns
    -------
    DataFrame
        ``id``, ``year``, ``rating`` (schema ``ratings``), one row per person and year.
    """
    shares = dict(shares or RATING_SHARES)
    levels = np.array(list(shares), dtype=object)
    p = np.array(list(shares.values()), dtype=float)
    if (p < 0).any() or not np.isclose(p.sum(), 1.0):
        raise ValueError(f"rating shares must be ≥ 0 and sum to 1, got {shares}")
    rng = np.random.default_rng(seed)
    cat = staff["category"].astype(str).to_numpy()
    keep = np.isin(cat, ["can_bo", "cong_chuc"])
    ids = staff["id"].astype(str).to_numpy()[keep]
    n = len(ids)
    start = pd.to_datetime(staff["start_date"]).to_numpy()[keep]
    end = pd.to_datetime(staff["end_date"]).to_numpy()[keep]
    frames = []
    prev = None
    for y in years:  # a handful of years; each draw is vectorised over people
        fresh = rng.choice(len(levels), size=n, p=p)
        stay = rng.random(n) < persistence
        code = fresh if prev is None else np.where(stay, prev, fresh)
        prev = code
        lo, hi = np.datetime64(f"{int(y)}-12-31"), np.datetime64(f"{int(y)}-01-01")
        present = ~(start > lo) & ~(end < hi)  # NaT compares False: open dates are present
        frames.append(
            pd.DataFrame({"id": ids[present], "year": int(y), "rating": levels[code[present]]})
        )
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return to_schema(out, "ratings")


def retirement_age(params: ParameterTree, on: Any, sex: Any) -> np.ndarray:
    """Statutory retirement age (years, fractional) of the calendar year of ``on``, by sex.

    Reads ``retirement.age.schedule`` (``{sex: {year: [years, months]}}``, from 2021; the last
    year's age applies to later years) and ``retirement.age.pre_2021`` (``{sex: [years,
    months]}``) for years before the schedule.
    """
    d = to_date(on)
    sex = np.asarray(sex, dtype=object)

    def ym(v: Sequence[float]) -> float:
        return float(v[0]) + float(v[1]) / 12.0

    table: dict[str, float] = {}
    schedule = None
    if "retirement.age.schedule" in params:
        try:
            schedule = params.value("retirement.age.schedule", d)
        except ParameterError:
            schedule = None
    if schedule:
        for s, by_year in schedule.items():
            years = sorted(int(y) for y in by_year)
            if d.year < years[0]:
                continue
            y = min(d.year, years[-1])
            val = by_year.get(y, by_year.get(str(y)))
            table[str(s)] = ym(val)
    if len(table) < 2:
        pre = params.value("retirement.age.pre_2021", d)
        for s, v in pre.items():
            table.setdefault(str(s), ym(v))
    out = np.full(len(sex), np.nan)
    for s, age in table.items():
        out[sex == s] = age
    if np.isnan(out).any():
        raise ParameterError(
            f"retirement.age has no value for sex {sorted(set(sex[np.isnan(out)]))}"
        )
    return out


def quota_posts(params: ParameterTree, on: _dt.date, ctype, cls) -> np.ndarray:
    """Cadre + civil-servant quota by type and class on ``on`` (inf when none is in force)."""
    n = len(ctype)
    if params.value("staffing.quota.cadres_civil_servants", on) is None:
        return np.full(n, np.inf)
    q = params.lookup("staffing.quota.cadres_civil_servants", on, ctype, cls)
    q = np.asarray([np.inf if v is None else v for v in q], dtype=float) if q.dtype == object else q
    return np.asarray(q, dtype=float)


def quota_nhdkct(params: ParameterTree, on: _dt.date, cls) -> np.ndarray:
    n = len(cls)
    if "staffing.quota.nhdkct" not in params:
        return np.full(n, np.inf)
    v = params.value("staffing.quota.nhdkct", on)
    if v is None:
        return np.zeros(n)
    return np.asarray(params.lookup("staffing.quota.nhdkct", on, cls), dtype=float)


def _rank_in_group(group: np.ndarray, key: np.ndarray) -> np.ndarray:
    """0-based rank of ``key`` within each ``group`` (vectorised)."""
    order = np.lexsort((key, group))
    g = group[order]
    start = np.r_[0, np.flatnonzero(g[1:] != g[:-1]) + 1]
    first = np.repeat(start, np.diff(np.r_[start, len(g)]))
    rank = np.empty(len(group), dtype=np.int64)
    rank[order] = np.arange(len(group)) - first
    return rank


# ---------------------------------------------------------------------------------------------
# staff roster


def staff_roster(
    communes: pd.DataFrame,
    params: ParameterTree,
    on: Any,
    seed: int,
    fill_rate: float = 0.95,
    *,
    id_prefix: str = "S",
    special_city: Any = None,
    contract_mean: float = 0.6,
) -> pd.DataFrame:
    """A synthetic staff roster of ``communes`` on date ``on`` (rules in the module docstring).

    Parameters
    ----------
    communes : DataFrame
        Commune table (schema ``communes``): ``code``, ``type``, ``class``, ``zone``,
        ``approved_posts``, ``approved_nhdkct`` are used.
    params : ParameterTree
        Law (with any provincial overlay); values are read on ``on``.
    on : date-like
        Roster date: quotas, position allowances, retirement ages and the position structure
        (two-tier from 2025-07-01) are those in force then.
    seed : int
        Seed of the :class:`numpy.random.Generator`; equal seeds give equal rosters.
    fill_rate : float
        Expected share of posts filled (vacancies are ``Binomial(posts, 1 − fill_rate)``).
    id_prefix : str
        Ids are ``<id_prefix>-00001``, ...
    special_city : array-like of bool, optional
        Units paid the Hà Nội / TP HCM position allowances (``commune_special_city``).
    contract_mean : float
        Mean number of contract staff per commune (Poisson, at most 3).

    Returns
    -------
    DataFrame
        Exactly the columns of the staff schema, typed as :func:`khoan.load` types them.
    """
    if not 0.0 < fill_rate <= 1.0:
        raise ValueError(f"fill_rate must be in (0, 1], got {fill_rate}")
    d = to_date(on)
    rng = np.random.default_rng(seed)
    nc = len(communes)
    codes = communes["code"].astype(str).to_numpy(dtype=object)
    ctype = communes["type"].astype(str).to_numpy(dtype=object)
    cls = pd.to_numeric(communes["class"]).to_numpy(dtype=np.int64)
    zone = communes["zone"].astype(str).to_numpy(dtype=object)
    approved = pd.to_numeric(communes["approved_posts"]).fillna(0).to_numpy(dtype=float)
    approved_nh = pd.to_numeric(communes["approved_nhdkct"]).fillna(0).to_numpy(dtype=float)
    remote = np.isin(zone, ["mountain", "highland_island"])
    structure = _structure_on(d)
    template = _TEMPLATE_2025 if structure == "2025" else _TEMPLATE_2016

    # --- posts of cadres and civil servants -------------------------------------------------
    posts = np.minimum(approved, quota_posts(params, d, ctype, cls)).astype(np.int64)
    nt = len(template)
    include = np.ones((nc, nt), dtype=bool)
    for j, (_, _, _, rule) in enumerate(template):
        if rule == "class1":
            include[:, j] = cls == 1
    include &= np.cumsum(include, axis=1) <= posts[:, None]
    n_cc = posts - include.sum(axis=1)
    lc, lj = np.nonzero(include)
    t_pos = np.array([t[0] for t in template], dtype=object)
    t_cat = np.array([t[1] for t in template], dtype=object)
    t_role = np.array([t[2] for t in template], dtype=object)
    cc_c = np.repeat(np.arange(nc), n_cc)
    s_c = np.concatenate([lc, cc_c])
    s_seq = np.concatenate([lj, nt + np.arange(len(cc_c))])
    s_pos = np.concatenate([t_pos[lj], np.full(len(cc_c), "cong_chuc", dtype=object)])
    s_cat = np.concatenate([t_cat[lj], np.full(len(cc_c), "cong_chuc", dtype=object)])
    s_role = np.concatenate([t_role[lj], np.full(len(cc_c), "staff", dtype=object)])
    # vacancies among professional posts
    eligible = np.isin(s_pos, _VACANCY_POSITIONS)
    n_elig = np.bincount(s_c[eligible], minlength=nc)
    n_vac = np.minimum(rng.binomial(posts, 1.0 - fill_rate), n_elig)
    key = np.where(eligible, rng.random(len(s_c)), 2.0)
    filled = _rank_in_group(s_c, key) >= n_vac[s_c]
    s_c, s_seq, s_pos, s_cat, s_role = (a[filled] for a in (s_c, s_seq, s_pos, s_cat, s_role))

    # --- NHĐKCT and contract staff -----------------------------------------------------------
    nh_quota = quota_nhdkct(params, d, cls)
    n_nh = rng.binomial(np.minimum(approved_nh, nh_quota).astype(np.int64), fill_rate)
    n_hd = np.minimum(rng.poisson(contract_mean, nc), 3)
    nh_c = np.repeat(np.arange(nc), n_nh)
    hd_c = np.repeat(np.arange(nc), n_hd)

    c_idx = np.concatenate([s_c, nh_c, hd_c])
    seq = np.concatenate([s_seq, np.arange(len(nh_c)), np.arange(len(hd_c))])
    position = np.concatenate(
        [
            s_pos,
            np.full(len(nh_c), "nhdkct", dtype=object),
            np.full(len(hd_c), "hop_dong", dtype=object),
        ]
    )
    category = np.concatenate(
        [
            s_cat,
            np.full(len(nh_c), "nhdkct", dtype=object),
            np.full(len(hd_c), "hop_dong", dtype=object),
        ]
    )
    role = np.concatenate(
        [
            s_role,
            np.full(len(nh_c), "nhdkct", dtype=object),
            np.full(len(hd_c), "hop_dong", dtype=object),
        ]
    )
    cat_order = pd.Series(category, dtype=object).map(_CATEGORY_ORDER).to_numpy(dtype=np.int64)
    order = np.lexsort((seq, cat_order, c_idx))
    c_idx, position, category, role = (a[order] for a in (c_idx, position, category, role))
    n = len(c_idx)

    # --- sex and age -------------------------------------------------------------------------
    role_code = pd.Index(_ROLE_NAMES).get_indexer(role)
    lo_t, cap_t, a_t, b_t, pf_t = (
        np.array(
            [_ROLES[r][k] if _ROLES[r][k] is not None else np.inf for r in _ROLE_NAMES], dtype=float
        )
        for k in range(5)
    )
    sex = np.where(rng.random(n) < pf_t[role_code], "F", "M").astype(object)
    ret = retirement_age(params, d, sex)
    lo = lo_t[role_code]
    hi = np.minimum(cap_t[role_code], ret - 1.0)
    hi = np.maximum(hi, lo + 0.5)  # never happens with the shipped ages; keeps draws valid
    age = lo + (hi - lo) * rng.beta(a_t[role_code], b_t[role_code])
    entry = np.minimum(rng.uniform(21.0, 30.0, n), age - rng.uniform(0.05, 1.0, n))
    service = age - entry

    # --- grade ---------------------------------------------------------------------------------
    new = structure == "2025"
    rem = remote[c_idx]
    u = rng.random(n)
    is_cb = category == "can_bo"
    is_cc = category == "cong_chuc"
    is_hd = category == "hop_dong"
    p_untr = np.where(is_cb, 0.02 if new else np.where(rem, 0.15, 0.06), 0.0)
    p_a0 = np.where(is_cb | is_cc, 0.05, 0.0)
    p_b = np.where(
        is_cb,
        0.05 if new else np.where(rem, 0.25, 0.14),
        np.where(is_cc, 0.10 if new else np.where(rem, 0.35, 0.25), 0.0),
    )
    untrained_tab = params.value("salary.cadre_untrained", d) or {}
    can_untrain = np.isin(position, list(untrained_tab))
    grade = np.full(n, None, dtype=object)
    grade[is_cb | is_cc] = "A1"
    grade[(is_cb | is_cc) & (u < p_untr + p_a0 + p_b)] = "B"
    grade[(is_cb | is_cc) & (u < p_untr + p_a0)] = "A0"
    grade[is_cb & can_untrain & (u < p_untr)] = "cadre_untrained"
    hd_b = is_hd & (rng.random(n) < 0.5)
    grade[hd_b] = "B"

    # --- steps, coefficients, TNVK, next step --------------------------------------------------
    scales = params.value("salary.scales", d)
    tnvk = params.value("allowances.tnvk", d)
    delay = rng.choice(np.array([0.0, 0.5, 1.0]), size=n, p=[0.85, 0.10, 0.05])
    eff = np.maximum(service - delay, 0.0)
    step = np.full(n, np.nan)
    coef = np.zeros(n)
    tn = np.zeros(n)
    next_years = np.full(n, np.nan)
    for g, sc in scales.items():
        m = grade == g
        if not m.any():
            continue
        yps = float(sc["years_per_step"])
        top = int(sc["steps"])
        st = np.minimum(1 + np.floor(eff[m] / yps), top)
        step[m] = st
        coef[m] = np.round(sc["first"] + sc["increment"] * (st - 1), 2)
        t_in = eff[m] - (st - 1) * yps
        next_years[m] = np.where(st < top, yps - t_in, np.nan)
        need = float(tnvk["years_at_top"].get(g, np.inf)) if tnvk else np.inf
        if np.isfinite(need):
            extra = np.floor(np.maximum(t_in - need, 0.0))
            pct = tnvk["start_pct"] + tnvk["increment_pct"] * extra
            tn[m] = np.where((st == top) & (t_in >= need), pct, 0.0)
    m = grade == "cadre_untrained"
    if m.any():
        s2 = float(params.value("salary.cadre_untrained_step2_years", d))
        tenure = rng.uniform(0.0, 1.0, int(m.sum())) * np.minimum(service[m], 12.0)
        st = np.where(tenure >= s2, 2, 1)
        step[m] = st
        pos_m = position[m]
        c1 = np.array([untrained_tab[p][0] for p in pos_m], dtype=float)
        c2 = np.array([untrained_tab[p][1] for p in pos_m], dtype=float)
        coef[m] = np.where(st == 2, c2, c1)
        next_years[m] = np.where(st == 1, s2 - tenure, np.nan)
    flat_hd = is_hd & (grade == None)  # noqa: E711  (object array comparison)
    coef[flat_hd] = np.round(rng.choice(_FLAT_CONTRACT, size=int(flat_hd.sum())), 2)
    is_nh = category == "nhdkct"
    if is_nh.any():
        nh_cls = cls[c_idx[is_nh]]
        mean = np.full(int(is_nh.sum()), 1.15)
        try:
            fund = params.value("staffing.nhdkct_fund", d)
        except ParameterError:
            fund = None
        if fund:
            f = np.asarray(params.lookup("staffing.nhdkct_fund", d, nh_cls), dtype=float)
            q = nh_quota[c_idx[is_nh]]
            ok = (f > 0) & np.isfinite(q) & (q > 0)
            mean = np.where(ok, f / np.where(ok, q, 1.0), mean)
        draw = mean * rng.uniform(0.75, 1.25, len(mean))
        coef[is_nh] = np.clip(np.round(draw * 20.0) / 20.0, 0.5, 2.0)

    # --- position allowance, bảo lưu, BHTN -----------------------------------------------------
    pc = np.zeros(n)
    special = (
        np.zeros(nc, dtype=bool) if special_city is None else np.asarray(special_city, dtype=bool)
    )
    for key_, mask in (
        ("allowances.position.commune", ~special[c_idx]),
        ("allowances.position.commune_special_city", special[c_idx]),
    ):
        if not mask.any():
            continue
        table = params.value(key_, d) or {}
        for p in np.unique(position[mask]):
            v = table.get(p)
            if v is None:
                if p in ("cong_chuc", "nhdkct", "hop_dong"):
                    v = 0.0
                else:
                    raise ParameterError(f"{key_} on {d} has no value for position {p!r}")
            pc[mask & (position == p)] = float(v)
    # an untrained cadre's fixed coefficient is a position salary: no position allowance on top
    # (NĐ 92/2009 Điều 5 khoản 1; the allowance is for cadres on the civil-service scale)
    pc[grade == "cadre_untrained"] = 0.0
    bl = np.where(
        (is_cb | is_cc) & (rng.random(n) < 0.02), np.round(rng.uniform(0.10, 0.60, n), 2), 0.0
    )
    bhtn_tab = params.value("contributions.bhtn_default", d) or {}
    bhtn = (
        pd.Series(category, dtype=object)
        .map(lambda c: bool(bhtn_tab.get(c, False)))
        .to_numpy(dtype=bool)
    )

    # --- dates -------------------------------------------------------------------------------
    on64 = np.datetime64(d, "D")
    birth = on64 - _days(age)
    insured = on64 - _days(service)
    has_next = ~np.isnan(next_years)
    nxt = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    nxt[has_next] = on64 + np.maximum(_days(next_years[has_next]), np.timedelta64(1, "D"))

    width = max(5, len(str(n)))
    ids = (pd.Series(np.arange(1, n + 1)).astype(str).str.zfill(width)).radd(f"{id_prefix}-")
    step_col = pd.array(np.where(np.isnan(step), 0, step).astype(np.int64), dtype="Int64")
    step_col[np.isnan(step)] = pd.NA
    df = pd.DataFrame(
        {
            "id": ids.to_numpy(dtype=object),
            "commune": codes[c_idx],
            "category": category,
            "position": position,
            "grade": grade,
            "step": step_col,
            "coefficient": coef,
            "position_coef": pc,
            "tnvk_pct": tn,
            "bao_luu": bl,
            "birth_date": birth,
            "sex": sex,
            "insured_since": insured,
            "next_step_date": nxt,
            "bhtn_covered": bhtn,
        }
    )
    return to_schema(df, "staff")
