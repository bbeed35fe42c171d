"""Payroll: hand-computed cases on the two-commune fixture, errors, and properties.

Fixture (tests/fixtures/two_communes/, synthetic people, real Khánh Hòa codes):

- 22717 Xã Thành Sơn: class 1 (commune-class allowance 10 % until 2019-06-24), regional
  allowance 0.2; A01 cadre chairman A1 step 3 (3.00, position 0.25, step rise 2016-06-01 to
  3.33); A02 civil servant A1 top step 4.98, TNVK 7 % (→ 8 % on 2017-09-01), bảo lưu 0.2;
  A03 civil servant B step 1 (1.86) joining 2016-03-16; A04 NHĐKCT, allowance coefficient 1.0.
- 22327 Phường Vĩnh Hòa: class 2 (5 %), no regional allowance; B01 untrained party secretary
  (2.35, step 2 = 2.85 from 2019-06-15; the fixed coefficient is a position salary, so no
  position allowance, NĐ 92/2009 Điều 5 khoản 1); B02 civil servant A0 step 2 (2.41)
  leaving 2016-09-15; B03 contract worker (1.86, BHTN covered by default).

Base salary (NĐ 66/2013, 47/2016, 47/2017, 72/2018, 38/2019, 24/2023): 1,150,000 to April 2016,
1,210,000 from May 2016, 1,300,000 from July 2017, 1,390,000 from July 2018, 1,490,000 from
July 2019, 1,800,000 from July 2023. Employer contributions: BHXH 18 % (17.5 % from
2017-06-01), BHYT 3 %, KPCĐ 2 %, BHTN 1 % (contract staff only).

Amounts are rounded once per person and component, half up (``r()`` below).
"""

from __future__ import annotations

from fractions import Fraction as F
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from khoan.errors import KhoanError, ParameterError, ValidationError
from khoan.model import load
from khoan.payroll import COMPONENTS, payroll

FIXTURE = Path(__file__).parent / "fixtures" / "two_communes"


def r(x) -> int:
    """Round half up to the đồng (exact arithmetic with Fractions)."""
    x = F(x)
    return int((x + F(1, 2)) // 1)


def base_sum(months: dict[int, int]) -> int:
    return sum(months.values())


# base salary by month
B2016 = {m: 1_150_000 if m <= 4 else 1_210_000 for m in range(1, 13)}
B2017 = {m: 1_210_000 if m <= 6 else 1_300_000 for m in range(1, 13)}
B2019 = {m: 1_390_000 if m <= 6 else 1_490_000 for m in range(1, 13)}
B2023 = {m: 1_490_000 if m <= 6 else 1_800_000 for m in range(1, 13)}
Y2016 = 4 * 1_150_000 + 8 * 1_210_000  # 14,280,000: DOMAIN §3's example
Y2017 = 6 * 1_210_000 + 6 * 1_300_000  # 15,060,000
Y2019 = 6 * 1_390_000 + 6 * 1_490_000  # 17,280,000
Y2023 = 6 * 1_490_000 + 6 * 1_800_000  # 19,740,000


@pytest.fixture(scope="module")
def model():
    return load(FIXTURE)


@pytest.fixture(scope="module")
def p2016(model):
    return payroll(model, 2016)


def test_shape_and_types(p2016, model):
    assert list(p2016.index) == model.staff["id"].tolist()
    assert p2016.index.name == "id"
    assert list(p2016.columns) == ["commune", "category", *COMPONENTS, "salary_fund_grade", "total"]
    for c in (*COMPONENTS, "salary_fund_grade", "total"):
        assert p2016[c].dtype == np.int64
    assert (p2016[list(COMPONENTS)].sum(axis=1) == p2016["total"]).all()
    assert Y2016 == 14_280_000 == base_sum(B2016)


def test_2016_base_change_and_june_step_rise(p2016):
    a = p2016.loc["A01"]
    # coefficient 3.00 January–May, 3.33 (A1 step 4) from June: 4 months at 1,150,000,
    # May at 1,210,000, June–December at 1,210,000
    salary = 4 * F("3.00") * 1_150_000 + F("3.00") * 1_210_000 + 7 * F("3.33") * 1_210_000
    assert salary == 45_635_100
    assert a["salary"] == 45_635_100
    pos = F("0.25") * Y2016  # 3,570,000
    assert a["position_allowance"] == r(pos) == 3_570_000
    assert a["tnvk"] == 0
    # cadre in a class-1 commune: 10 % of (salary + position + TNVK + bảo lưu)
    assert a["commune_class_allowance"] == r(F("0.10") * (salary + pos)) == 4_920_510
    # public-service allowance: 25 % of (salary + position + TNVK)
    assert a["public_service_allowance"] == r(F("0.25") * (salary + pos)) == 12_301_275
    # regional allowance 0.2 × base salary
    assert a["regional_allowance"] == r(F("0.2") * Y2016) == 2_856_000
    # contributions on salary + position + TNVK + bảo lưu + the commune-class allowance
    # (NĐ 92/2009, TTLT 03/2010: a contribution base of commune cadres); BHTN not for cadres.
    # The 10 % allowance is on the same terms, so the base is 1.1 × (salary + position).
    cb = F("1.1") * (salary + pos)
    assert a["bhxh"] == r(F("0.18") * cb) == 9_742_610
    assert a["bhyt"] == r(F("0.03") * cb) == 1_623_768
    assert a["kpcd"] == r(F("0.02") * cb) == 1_082_512
    assert a["bhtn"] == 0
    assert a["low_pay_supplement"] == 0  # coefficient above 2.34 (NĐ 17/2015)
    assert a["salary_fund_grade"] == 45_635_100 + 3_570_000
    assert a["total"] == (
        45_635_100
        + 3_570_000
        + 4_920_510
        + 12_301_275
        + 2_856_000
        + 9_742_610
        + 1_623_768
        + 1_082_512
    )


def test_2016_tnvk_and_bao_luu(p2016):
    a = p2016.loc["A02"]
    salary = F("4.98") * Y2016  # 71,114,400
    tnvk = F(7, 100) * F("4.98") * Y2016  # 7 % of (salary + position 0)
    bao_luu = F("0.2") * Y2016
    assert (a["salary"], a["tnvk"], a["bao_luu"]) == (71_114_400, r(tnvk), 2_856_000)
    assert r(tnvk) == 4_978_008
    # civil servant: no commune-class allowance; public service on salary + TNVK (not bảo lưu)
    assert a["commune_class_allowance"] == 0
    assert a["public_service_allowance"] == r(F("0.25") * (salary + tnvk)) == 19_023_102
    # BHXH 18 % of 78,948,408 = 14,210,713.44
    assert a["bhxh"] == r(F("0.18") * (salary + tnvk + bao_luu)) == 14_210_713


def test_2016_joiner_pro_rata_by_days(p2016):
    a = p2016.loc["A03"]
    # joins 2016-03-16: March 16/31 days, then April at 1,150,000 and May–December at 1,210,000
    months = F(16, 31) * 1_150_000 + 1_150_000 + 8 * 1_210_000
    assert a["salary"] == r(F("1.86") * months) == 1_104_000 + 2_139_000 + 18_004_800
    assert a["regional_allowance"] == r(F("0.2") * months) == 2_284_710  # 2,284,709.68
    assert a["public_service_allowance"] == r(F("0.25") * F("1.86") * months)


def test_2016_leaver_and_half_up_rounding(p2016):
    b = p2016.loc["B02"]
    # leaves 2016-09-15: September 15/30; A0 step 2 = 2.41
    months = 4 * 1_150_000 + 4 * 1_210_000 + F(15, 30) * 1_210_000
    assert b["salary"] == r(F("2.41") * months) == 24_208_450
    # 25 % × 24,208,450 = 6,052,112.5 → 6,052,113 (half up)
    assert F("0.25") * 24_208_450 == F("6052112.5")
    assert b["public_service_allowance"] == 6_052_113
    assert b["regional_allowance"] == 0


def test_2016_untrained_cadre_class2_nhdkct_contract(p2016):
    b = p2016.loc["B01"]
    assert b["salary"] == r(F("2.35") * Y2016) == 33_558_000
    assert b["position_allowance"] == 0  # fixed position salary (NĐ 92/2009 Điều 5 khoản 1)
    assert b["commune_class_allowance"] == r(F("0.05") * 33_558_000) == 1_677_900
    nh = p2016.loc["A04"]
    assert nh["salary"] == 0 and nh["nhdkct_allowance"] == Y2016
    assert nh["public_service_allowance"] == 0
    # NHĐKCT are not in contributions.covered_categories (their fund includes the support)
    assert nh[["bhxh", "bhyt", "kpcd", "bhtn"]].sum() == 0
    assert nh["salary_fund_grade"] == 0
    hd = p2016.loc["B03"]
    salary = F("1.86") * Y2016  # 26,560,800
    assert hd["public_service_allowance"] == 0  # contract staff
    assert hd["bhtn"] == r(F("0.01") * salary) == 265_608
    assert hd["bhxh"] == r(F("0.18") * salary) == 4_780_944


def test_2017_contribution_change_and_tnvk_rise(model):
    p = payroll(model, 2017)
    a = p.loc["A01"]
    # roster coefficient 3.00 (rises dated before the year are taken as in the roster)
    m = F("3.25")  # salary + position coefficients
    bhxh = (
        5 * m * 1_210_000 * F("0.18")  # January–May, 18 %
        + m * 1_210_000 * F("0.175")  # June, 17.5 % from 2017-06-01
        + 6 * m * 1_300_000 * F("0.175")
    )  # July–December at 1,300,000
    assert bhxh == F("8663687.5")
    # class-1 commune: the 10 % commune-class allowance is in the contribution base
    assert a["bhxh"] == r(F("1.1") * bhxh) == 9_530_056
    assert a["salary"] == r(F("3.00") * Y2017) == 45_180_000
    b = p.loc["A02"]
    # TNVK 7 % January–August, 8 % from 2017-09-01
    tnvk = F("4.98") * (F(7, 100) * (6 * 1_210_000 + 2 * 1_300_000) + F(8, 100) * 4 * 1_300_000)
    assert b["tnvk"] == r(tnvk) == 5_508_876
    # the 2016 leaver is not paid in 2017 but keeps a row
    assert p.loc["B02", "total"] == 0


def test_2019_commune_class_allowance_abolished_on_25_june(model):
    p = payroll(model, 2019)
    a = p.loc["A01"]
    m = F("3.25") * 1_390_000
    # 10 % January–May, 24/30 of June (abolished from 2019-06-25 by NĐ 34/2019), 0 after
    assert a["commune_class_allowance"] == r(F("0.10") * m * (5 + F(24, 30))) == 2_620_150
    b = p.loc["B01"]
    # untrained secretary: 2.35 → 2.85 from June 2019 (step 2 after 5 years)
    salary = 5 * F("2.35") * 1_390_000 + F("2.85") * 1_390_000 + 6 * F("2.85") * 1_490_000
    assert b["salary"] == r(salary) == 45_773_000
    cls = F("0.05") * (5 * F("2.35") * 1_390_000 + F(24, 30) * F("2.85") * 1_390_000)
    assert b["commune_class_allowance"] == r(cls) == 975_085


def test_2023_no_class_allowance(model):
    p = payroll(model, 2023)
    assert (p["commune_class_allowance"] == 0).all()
    assert p.loc["A04", "nhdkct_allowance"] == Y2023
    assert p.loc["A01", "salary"] == r(F("3.00") * Y2023)


def test_monthly_table_sums_to_annual(model):
    mon = payroll(model, 2016, monthly=True)
    ann = payroll(model, 2016)
    assert len(mon) == 12 * len(ann)
    assert list(mon["month"].iloc[:12]) == list(range(1, 13))
    a03 = mon[mon["id"] == "A03"]
    assert a03["presence"].tolist()[:4] == [0.0, 0.0, 16 / 31, 1.0]
    assert a03["base_salary"].tolist() == [B2016[m] for m in range(1, 13)]
    a01 = mon[mon["id"] == "A01"]
    assert a01["coefficient"].tolist() == [3.0] * 5 + [3.33] * 7
    sums = mon.groupby("id", sort=False)[list(COMPONENTS)].sum()
    rounded = np.floor(sums.to_numpy() + 0.5 + 1e-6).astype(np.int64)
    assert (rounded == ann[list(COMPONENTS)].to_numpy()).all()


def test_staff_argument_pays_another_roster(model):
    half = model.staff[model.staff["commune"] == "22717"]
    p = payroll(model, 2016, staff=half)
    assert list(p.index) == ["A01", "A02", "A03", "A04"]
    full = payroll(model, 2016)
    assert (p["total"] == full.loc[p.index, "total"]).all()


# --- errors --------------------------------------------------------------------------------


def test_year_outside_parameter_coverage(model):
    with pytest.raises(ParameterError, match="payroll for 2000") as e:
        payroll(model, 2000)
    assert "salary.base" in str(e.value) or "no value in force" in str(e.value)
    with pytest.raises(ParameterError):
        payroll(model, "next year")


def test_grade_missing_from_scales_names_row(model):
    staff = model.staff.copy()
    staff["grade"] = staff["grade"].astype(object)
    staff.loc[1, "grade"] = "A2"
    with pytest.raises(ValidationError) as e:
        payroll(model, 2016, staff=staff)
    (prob,) = e.value.problems
    assert (prob.row, prob.column, prob.value) == (3, "grade", "A2")
    assert "scales" in prob.rule
    assert isinstance(e.value, KhoanError)


def test_bad_rows_all_reported(model):
    staff = model.staff.copy()
    staff["commune"] = staff["commune"].astype(object)
    staff.loc[0, "commune"] = "99999"
    staff.loc[2, "coefficient"] = np.nan
    staff.loc[3, "id"] = "A01"
    with pytest.raises(ValidationError) as e:
        payroll(model, 2016, staff=staff)
    found = {(p.row, p.column) for p in e.value.problems}
    assert {(2, "commune"), (4, "coefficient"), (5, "id")} <= found


# --- properties ----------------------------------------------------------------------------

_dates = st.one_of(
    st.none(),
    st.dates(
        min_value=pd.Timestamp("2015-06-01").date(), max_value=pd.Timestamp("2018-06-30").date()
    ),
)


@st.composite
def rosters(draw):
    n = draw(st.integers(1, 12))
    rows = []
    for i in range(n):
        cat = draw(st.sampled_from(["can_bo", "cong_chuc", "nhdkct", "hop_dong"]))
        start = draw(_dates)
        end = draw(_dates)
        if start is not None and end is not None and end < start:
            start, end = end, start
        grade = "A1" if cat in ("can_bo", "cong_chuc") else None
        step = draw(st.integers(1, 9)) if grade else None
        coef = 2.34 + 0.33 * (step - 1) if grade else draw(st.floats(0, 3, allow_nan=False))
        rows.append(
            {
                "id": f"P{i}",
                "commune": draw(st.sampled_from(["22717", "22327"])),
                "category": cat,
                "position": "cong_chuc",
                "grade": grade,
                "step": step,
                "coefficient": coef,
                "position_coef": draw(st.sampled_from([0.0, 0.15, 0.2, 0.25, 0.3])),
                "tnvk_pct": float(draw(st.integers(0, 12))) if step == 9 else 0.0,
                "bao_luu": draw(st.sampled_from([0.0, 0.1, 0.35])),
                "next_step_date": draw(_dates),
                "bhtn_covered": draw(st.sampled_from([None, True, False])),
                "start_date": start,
                "end_date": end,
            }
        )
    df = pd.DataFrame(rows)
    for c in ("next_step_date", "start_date", "end_date"):
        df[c] = pd.to_datetime(df[c])
    df["bhtn_covered"] = df["bhtn_covered"].astype("boolean")
    return df


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(staff=rosters(), year=st.sampled_from([2016, 2017, 2019]))
def test_property_totals_reconcile(model, staff, year):
    p = payroll(model, year, staff=staff)
    assert len(p) == len(staff)  # no row dropped
    assert (p[list(COMPONENTS)].sum(axis=1) == p["total"]).all()
    assert (p[list(COMPONENTS)] >= 0).all().all()
    assert (p["salary_fund_grade"] == p["salary"] + p["position_allowance"]).all()


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(staff=rosters(), year=st.sampled_from([2016, 2019]), bump=st.floats(0.0, 2.0))
def test_property_monotone_in_coefficient(model, staff, year, bump):
    lo = payroll(model, year, staff=staff)
    higher = staff.copy()
    higher["coefficient"] = higher["coefficient"] + bump
    hi = payroll(model, year, staff=higher)
    # the NĐ 17/2015 additional salary stops above coefficient 2.34 (a cliff in the law):
    # every other component, and the total without it, rise with the coefficient
    for c in (*COMPONENTS, "total"):
        if c == "low_pay_supplement":
            continue
        if c == "total":
            assert (hi[c] - hi["low_pay_supplement"] >= lo[c] - lo["low_pay_supplement"]).all()
            continue
        assert (hi[c] >= lo[c]).all(), c


def test_2010_2011_public_service_allowance_before_and_from_nd57(model):
    """Payroll 2010 and 2011 can be computed (they raised ParameterError: the allowance's
    salary base was dated 2011-05-01 while its rate starts in 2010 at 0).

    2010: no public-service allowance (rate 0 before NĐ 57/2011).
    2011: 10 % from May (NĐ 57/2011) × (salary + position + TNVK). A01: (3.00 + 0.25) ×
    base salary 830,000 (NĐ 22/2011, from 2011-05-01) × 8 months × 0.10 = 2,158,000.
    """
    p2010 = payroll(model, 2010)
    assert (p2010["public_service_allowance"] == 0).all()
    p2011 = payroll(model, 2011)
    assert (
        p2011.loc["A01", "public_service_allowance"]
        == r(F("0.10") * F("3.25") * 830_000 * 8)
        == 2_158_000
    )


def test_untrained_cadre_with_a_position_allowance_is_refused(model):
    # NĐ 92/2009 Điều 5 khoản 1: the fixed coefficient of an untrained cadre is a position
    # salary; a roster adding a position allowance on top is an input error, named by row
    staff = model.staff.copy()
    k = int(np.flatnonzero(staff["id"] == "B01")[0])
    staff.loc[k, "position_coef"] = 0.30
    with pytest.raises(ValidationError) as e:
        payroll(model, 2016, staff=staff)
    (prob,) = [p for p in e.value.problems if p.column == "position_coef"]
    assert prob.row == k + 2 and "NĐ 92/2009" in prob.rule


# --- NĐ 17/2015: additional salary for coefficients ≤ 2.34 and its kept difference ---------


def _one(model, **kw):
    """A one-person roster in Xã Thành Sơn (class 1, regional 0.2) with overrides ``kw``."""
    row = {
        "id": "X",
        "commune": "22717",
        "category": "cong_chuc",
        "position": "cong_chuc",
        "grade": "B",
        "step": 1,
        "coefficient": 1.86,
        "position_coef": 0.0,
        "tnvk_pct": 0.0,
        "bao_luu": 0.0,
        "next_step_date": None,
        "start_date": None,
        "end_date": None,
    }
    row.update(kw)
    df = pd.DataFrame([row])
    for c in ("next_step_date", "start_date", "end_date"):
        df[c] = pd.to_datetime(df[c])
    return df


def _months(model, year, staff, col="low_pay_supplement"):
    mon = payroll(model, year, staff=staff, monthly=True)
    return [round(v, 6) for v in mon[col].tolist()]


def test_nd17_step_rise_above_threshold_ends_it(model):
    # B step 3 (2.26) rises to step 4 (2.46) on 2015-09-01: paid January–August only
    staff = _one(model, step=3, coefficient=2.26, next_step_date="2015-09-01")
    assert _months(model, 2015, staff) == [r(F("0.08") * F("2.26") * 1_150_000)] * 8 + [0.0] * 4
    assert payroll(model, 2015, staff=staff).loc["X", "low_pay_supplement"] == 8 * 207_920


def test_nd17_full_year_and_matrix_paths_agree(model):
    # people present all year are paid through prefix sums, the monthly table through the
    # month-by-month matrix: the same annual amounts, with a step rise across 2.34 inside
    rows = pd.concat(
        [
            _one(model, id="W", coefficient=2.06, step=2),
            _one(model, id="S", step=3, coefficient=2.26, next_step_date="2016-07-01"),
            _one(model, id="C", category="can_bo", coefficient=2.06, step=2, position_coef=0.2),
        ],
        ignore_index=True,
    )
    for y in (2015, 2016, 2017):
        ann = payroll(model, y, staff=rows)
        mon = payroll(model, y, staff=rows, monthly=True)
        sums = mon.groupby("id", sort=False)[list(COMPONENTS)].sum()
        rounded = np.floor(sums.to_numpy() + 0.5 + 1e-6).astype(np.int64)
        assert (rounded == ann[list(COMPONENTS)].to_numpy()).all(), y
    a = payroll(model, 2016, staff=rows)["low_pay_supplement"]
    assert a["W"] == r(F("2.06") * (4 * 92_000 + 8 * 32_000)) == 1_285_440
    assert a["S"] == r(F("2.26") * (4 * 92_000 + 2 * 32_000)) == 976_320
