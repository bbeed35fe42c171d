"""Synthetic data (khoan.data.synth): deterministic, legal, within the quotas of the regime in force."""

from __future__ import annotations

import datetime as dt
import time
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import khoan.model as km
from khoan.data import synth
from khoan.data.registry import load_units
from khoan.data.schema import get_schema
from khoan.params import load_law

MODELS = Path(__file__).resolve().parent.parent / "khoan" / "models"
HYP = settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

# dates on both sides of each change of the quota regime
DATES_2016 = [
    dt.date(2016, 1, 1),
    dt.date(2019, 6, 24),
    dt.date(2019, 6, 25),
    dt.date(2021, 3, 1),
    dt.date(2023, 7, 31),
    dt.date(2023, 8, 1),
    dt.date(2025, 6, 30),
]
DATES_2025 = [dt.date(2025, 7, 1), dt.date(2025, 12, 31), dt.date(2026, 1, 1), dt.date(2028, 6, 1)]


@cache
def example(name: str) -> km.Model:
    return km.load(MODELS / name)


def communes_2016(raise_posts: bool) -> pd.DataFrame:
    """Khánh Hòa 2016 communes; optionally with approved numbers above every quota."""
    c = example("khanh_hoa_2016").communes.copy()
    if raise_posts:
        c["approved_posts"] = pd.array(c["approved_posts"] + 5, dtype="Int64")
        c["approved_nhdkct"] = pd.array(c["approved_nhdkct"] + 5, dtype="Int64")
    return c


def as_model(communes, staff, params, on, structure, outputs=None) -> km.Model:
    outputs = (
        outputs
        if outputs is not None
        else synth.to_schema(pd.DataFrame(columns=get_schema("outputs").names), "outputs")
    )
    meta = {
        "structure": structure,
        "province_code": "56",
        "base_year": on.year,
        "years": [on.year, on.year],
    }
    return km.Model(
        name="t", communes=communes, staff=staff, outputs=outputs, params=params, meta=meta
    )


def quota(params, on, communes) -> np.ndarray:
    v = params.value("staffing.quota.cadres_civil_servants", on)
    if v is None:
        return np.full(len(communes), np.inf)
    return params.lookup(
        "staffing.quota.cadres_civil_servants", on, communes["type"], communes["class"]
    )


def counts(staff, communes, categories) -> np.ndarray:
    sel = staff[staff["category"].isin(categories)]
    return sel.groupby("commune").size().reindex(communes["code"], fill_value=0).to_numpy()


def age_years(staff, on) -> np.ndarray:
    return ((pd.Timestamp(on) - staff["birth_date"]).dt.days / 365.25).to_numpy()


def assert_legal(staff, communes, params, on, structure):
    """Every rule the module promises, checked on one roster."""
    # schema columns and types
    assert list(staff.columns) == get_schema("staff").names
    assert staff["id"].is_unique
    assert staff["commune"].isin(communes["code"]).all()
    # quotas of the regime in force
    q = quota(params, on, communes)
    cap = np.minimum(communes["approved_posts"].to_numpy(dtype=float), q)
    assert (counts(staff, communes, ["can_bo", "cong_chuc"]) <= cap).all()
    qn = params.lookup("staffing.quota.nhdkct", on, communes["class"])
    capn = np.minimum(communes["approved_nhdkct"].to_numpy(dtype=float), qn)
    assert (counts(staff, communes, ["nhdkct"]) <= capn).all()
    # scales, untrained coefficients, TNVK at the top step (the model validator)
    problems = km.check_model(as_model(communes, staff, params, on, structure))
    assert problems == []
    scales = params.value("salary.scales", on)
    for g, sc in scales.items():
        m = staff["grade"] == g
        assert (staff.loc[m & (staff["tnvk_pct"] > 0), "step"] == sc["steps"]).all()
        nxt = staff.loc[m & ~(staff["step"] == sc["steps"]), "next_step_date"]
        span = pd.Timedelta(days=int(sc["years_per_step"] * 365.25) + 1)
        assert nxt.notna().all()
        assert ((nxt > pd.Timestamp(on)) & (nxt <= pd.Timestamp(on) + span)).all()
        # step consistent with years of service
        # (dates are whole days: allow two days of rounding)
        service = (pd.Timestamp(on) - staff.loc[m, "insured_since"]).dt.days + 2
        assert (staff.loc[m, "step"] <= 1 + np.floor(service / 365.25 / sc["years_per_step"])).all()
    assert (staff.loc[~staff["grade"].isin(list(scales)), "tnvk_pct"] == 0).all()
    # position allowances of the date
    table = params.value("allowances.position.commune", on)
    expect = staff["position"].map(table).astype(float)
    # untrained cadres: fixed position salary, no allowance (NĐ 92/2009 Điều 5 khoản 1)
    expect[staff["grade"] == "cadre_untrained"] = 0.0
    assert np.allclose(staff["position_coef"], expect)
    # ages: 23 .. retirement age − 1, insured after 18
    age = age_years(staff, on)
    ret = synth.retirement_age(params, on, staff["sex"])
    # birth dates are whole days (floor of age × 365.25 days): at most one day short of 23
    assert age.min() >= 23 - 1 / 365.25 - 1e-9
    assert (age < ret - 1).all()
    insured_age = ((staff["insured_since"] - staff["birth_date"]).dt.days / 365.25).to_numpy()
    assert insured_age.min() >= 18 - 1 / 365.25 - 1e-9  # whole days
    assert (staff["insured_since"] <= pd.Timestamp(on)).all()
    # NHĐKCT and contract staff
    nh = staff[staff["category"] == "nhdkct"]
    assert nh["grade"].isna().all() and (nh["position"] == "nhdkct").all()
    assert nh["coefficient"].between(0.5, 2.0).all()
    hd = staff[staff["category"] == "hop_dong"]
    assert hd["grade"].isna().all() or set(hd["grade"].dropna()) <= {"B"}
    # BHTN by category
    default = params.value("contributions.bhtn_default", on)
    assert (staff["bhtn_covered"].astype(bool) == staff["category"].map(default)).all()
    assert staff["start_date"].isna().all() and staff["end_date"].isna().all()
    # position structure of the date
    new_offices = staff["position"].isin(["truong_phong", "pho_truong_phong"]).any()
    assert new_offices == (on >= synth.TWO_TIER_FROM)
    cadres = staff[staff["category"] == "can_bo"]
    assert cadres["position"].isin(params.value("salary.cadre_untrained", on)).all()


@given(
    seed=st.integers(0, 2**31 - 1),
    on=st.sampled_from(DATES_2016),
    raise_posts=st.booleans(),
    fill=st.floats(0.5, 1.0),
)
@HYP
def test_roster_2016_structure_is_legal(seed, on, raise_posts, fill):
    params = load_law()
    c = communes_2016(raise_posts)
    staff = synth.staff_roster(c, params, on, seed, fill_rate=fill, id_prefix="T")
    assert_legal(staff, c, params, on, "2016")


@given(seed=st.integers(0, 2**31 - 1), on=st.sampled_from(DATES_2025), overlay=st.booleans())
@HYP
def test_roster_2025_structure_is_legal(seed, on, overlay):
    m = example("khanh_hoa_2026")
    params = m.params if overlay else load_law()
    staff = synth.staff_roster(m.communes, params, on, seed, id_prefix="T")
    assert_legal(staff, m.communes, params, on, "2025")
    assert (staff["category"] != "nhdkct").all()


def test_quota_caps_posts_after_each_regime_change():
    """Approved posts above the quota are cut to the quota of the day (NĐ 92 → 34 → 33)."""
    params = load_law()
    c = communes_2016(raise_posts=True)
    for on, cls1 in [
        (dt.date(2019, 6, 24), 25),
        (dt.date(2019, 6, 25), 23),
        (dt.date(2023, 8, 1), 22),
    ]:
        staff = synth.staff_roster(c, params, on, 1, fill_rate=1.0)
        n = counts(staff, c, ["can_bo", "cong_chuc"])
        xa1 = ((c["type"] == "xa") & (c["class"] == 1)).to_numpy()
        assert (n[xa1] == cls1).all(), on
    # NHĐKCT quota falls from 22/20/19 to 14/12/10 on 2019-06-25
    staff = synth.staff_roster(c, params, dt.date(2019, 6, 25), 1, fill_rate=1.0)
    nh = counts(staff, c, ["nhdkct"])
    assert nh.max() == 14


def test_provincial_quota_overlay_applies_from_2025():
    m = example("khanh_hoa_2026")
    c = m.communes.copy()
    c["approved_posts"] = pd.array(np.full(len(c), 45), dtype="Int64")
    staff = synth.staff_roster(c, m.params, "2026-01-01", 3, fill_rate=1.0)
    q = quota(m.params, dt.date(2026, 1, 1), c)
    assert (counts(staff, c, ["can_bo", "cong_chuc"]) == q).all()
    # without the overlay no national quota is in force: approved posts are the only cap
    staff = synth.staff_roster(c, load_law(), "2026-01-01", 3, fill_rate=1.0)
    assert (counts(staff, c, ["can_bo", "cong_chuc"]) == 45).all()


def test_deterministic_from_seed():
    params = load_law()
    c = communes_2016(False)
    a = synth.staff_roster(c, params, "2016-01-01", 7)
    b = synth.staff_roster(c, params, "2016-01-01", 7)
    pd.testing.assert_frame_equal(a, b)
    other = synth.staff_roster(c, params, "2016-01-01", 8)
    assert not a.drop(columns="id").equals(other.drop(columns="id"))
    o1 = synth.outputs(c, range(2015, 2021), 7)
    pd.testing.assert_frame_equal(o1, synth.outputs(c, range(2015, 2021), 7))
    assert not o1.equals(synth.outputs(c, range(2015, 2021), 8))


def test_realistic_mix():
    params = load_law()
    c = communes_2016(False)
    s = synth.staff_roster(c, params, "2016-01-01", 11)
    assert 0.40 <= (s["sex"] == "F").mean() <= 0.50
    per = (
        s[s["category"] == "can_bo"]
        .groupby("commune")["position"]
        .value_counts()
        .unstack(fill_value=0)
    )
    for p in [
        "bi_thu",
        "chu_tich_ubnd",
        "chu_tich_hdnd",
        "pho_bi_thu",
        "chu_tich_mttq",
        "pho_chu_tich_hdnd",
    ]:
        assert (per[p] == 1).all(), p
    assert per["pho_chu_tich_ubnd"].between(1, 2).all()
    assert (per["truong_doan_the"] == 4).all()
    assert s["grade"].eq("cadre_untrained").any()
    assert (s["tnvk_pct"] > 0).any()
    assert (s["bao_luu"] == 0).mean() > 0.9
    filled = counts(s, c, ["can_bo", "cong_chuc"]).sum() / c["approved_posts"].sum()
    assert 0.90 <= filled <= 0.99
    assert s["id"].str.fullmatch(r"S-\d{5}").all()


def test_outputs_targets_and_trends():
    c = example("khanh_hoa_2016").communes
    o = synth.outputs(c, range(2015, 2021), 5)
    assert list(o.columns) == ["commune", "year", "indicator", "value"]
    assert set(o["indicator"]) == set(synth.INDICATORS)
    assert len(o) == len(c) * 6 * len(synth.INDICATORS)
    rates = o[o["indicator"] != "dossiers"]
    assert rates["value"].between(0, 1).all()
    mean = o.pivot_table(index="year", columns="indicator", values="value")
    assert mean["late_rate"].is_monotonic_decreasing
    for ind in ["online_l4_rate", "satisfaction", "time_cut", "edocs_rate", "dossiers"]:
        assert mean[ind].is_monotonic_increasing, ind
    # the average commune is around the plan's 2020 targets, not far from them
    y = mean.loc[2020]
    assert y["late_rate"] < 0.12 and y["online_l4_rate"] > 0.25 and y["satisfaction"] > 0.8
    assert 0.2 < y["time_cut"] < 0.4 and y["edocs_rate"] > 0.9
    assert mean.loc[2015, "time_cut"] == 0
    # workload proportional to population
    d = o[(o["indicator"] == "dossiers") & (o["year"] == 2016)].set_index("commune")["value"]
    pop = c.set_index("code")["population"].astype(float)
    assert np.corrcoef(d.reindex(pop.index), pop)[0, 1] > 0.8


@pytest.fixture(scope="module")
def national_2016():
    t = time.perf_counter()
    m = synth.national("2016", seed=0)
    return m, time.perf_counter() - t


def test_national_2016(national_2016):
    m, seconds = national_2016
    assert len(m.communes) >= 10_000
    assert len(m.staff) >= 250_000
    assert m.meta["structure"] == "2016" and m.years == [2016, 2017, 2018, 2019, 2020]
    assert seconds < 30  # goal < 10 s; generous for slow CI machines
    assert km.check_model(m) == []
    on = dt.date(2016, 1, 1)
    q = quota(m.params, on, m.communes)
    assert (counts(m.staff, m.communes, ["can_bo", "cong_chuc"]) <= q).all()
    age = age_years(m.staff, on)
    assert (age < synth.retirement_age(m.params, on, m.staff["sex"]) - 1).all()
    assert set(m.communes["zone"]) == {"urban", "lowland", "mountain", "highland_island"}


def test_national_2025():
    m = synth.national("2025", seed=1)
    assert len(m.communes) == 3321
    assert m.communes["approved_nhdkct"].eq(0).all()
    assert (m.staff["category"] != "nhdkct").all()
    assert 30 <= m.communes["approved_posts"].mean() <= 34
    assert km.check_model(m) == []
    assert m.staff["position"].eq("truong_phong").any()
    # Hà Nội / TP HCM units are paid the special-city position allowances from 2026
    units = load_units("2025")
    special = units.loc[units["province_code"].isin(["01", "79"]), "code"]
    hn = m.staff["commune"].isin(special)
    chair = (m.staff["position"] == "chu_tich_ubnd") & (m.staff["grade"] != "cadre_untrained")
    assert m.staff.loc[hn & chair, "position_coef"].eq(0.70).all()
    assert m.staff.loc[~hn & chair, "position_coef"].eq(0.60).all()
    untrained = m.staff["grade"] == "cadre_untrained"
    assert untrained.any() and m.staff.loc[untrained, "position_coef"].eq(0.0).all()


def test_national_deterministic():
    a = synth.national("2025", seed=3)
    b = synth.national("2025", seed=3)
    pd.testing.assert_frame_equal(a.communes, b.communes)
    pd.testing.assert_frame_equal(a.staff, b.staff)
    pd.testing.assert_frame_equal(a.outputs, b.outputs)
