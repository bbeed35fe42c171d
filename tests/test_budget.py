"""Lump-sum budget and settlement: hand-computed cases on the two-commune fixture.

See tests/test_payroll.py for the fixture's people. Communes:

- 22717 Xã Thành Sơn, class 1: 3 approved posts (A01, A02 all year; A03 from 2016-03-16),
  15 approved NHĐKCT (quota 14 under NĐ 34/2019 and NĐ 33/2023: one worker above it),
  1 large + 2 other villages, special tasks 100,000,000 VND.
- 22327 Phường Vĩnh Hòa, class 2: 3 approved posts (B01 all year; B02 until 2016-09-15),
  12 approved NHĐKCT (quota 12), 3 other villages.

Provincial norms (fixture params/ overlay, illustrative): 18,000,000 VND per post per year to
2016, 20,000,000 from 2017, plus 50,000,000 per commune; routine purchases and repairs
30,000,000 per commune, 36,000,000 from 2019-07-01. Village fund (law, illustrative before 2019-06-25): 5.0 /
3.0 × base salary per month, 6.0 / 4.5 from 2023-08-01. NHĐKCT fund: 20.3 / 18.6 (class 1 /
2) to 2019-06-24, 16.0 / 13.7 from 2019-06-25, 21.0 / 18.0 (+1.5 per worker above the quota)
from 2023-08-01.
"""

from __future__ import annotations

from fractions import Fraction as F
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from khoan.budget import COMPONENTS, BudgetResult, budget, settle
from khoan.errors import KhoanError, ParameterError, ValidationError
from khoan.model import load
from khoan.payroll import payroll

matplotlib.use("Agg")

FIXTURE = Path(__file__).parent / "fixtures" / "two_communes"
A, B = "22717", "22327"
Y2016 = 4 * 1_150_000 + 8 * 1_210_000  # 14,280,000
Y2017 = 6 * 1_210_000 + 6 * 1_300_000  # 15,060,000


def r(x) -> int:
    """Round half up to the đồng."""
    return int((F(x) + F(1, 2)) // 1)


@pytest.fixture(scope="module")
def model():
    return load(FIXTURE)


@pytest.fixture(scope="module")
def b2016(model) -> BudgetResult:
    return budget(model, 2016)


def row(res: BudgetResult, code: str) -> pd.Series:
    return res.table.set_index("code").loc[code]


def test_table_shape_and_exact_totals(b2016):
    t = b2016.table
    assert list(t.columns) == ["code", "name", *COMPONENTS, "total"]
    assert list(t["code"]) == [A, B]
    for c in (*COMPONENTS, "total"):
        assert t[c].dtype == np.int64
    assert (t[list(COMPONENTS)].sum(axis=1) == t["total"]).all()
    prov = b2016.province
    assert len(prov) == 1
    assert int(prov["total"].iloc[0]) == int(t["total"].sum())
    assert int(prov[list(COMPONENTS)].sum(axis=1).iloc[0]) == int(prov["total"].iloc[0])
    long = b2016.by_component()
    assert len(long) == 2 * len(COMPONENTS)
    assert long["amount"].sum() == t["total"].sum()
    assert set(long["label"]) >= {"Quỹ lương, phụ cấp", "Nhiệm vụ đặc thù"}


def test_2016_salary_fund_is_roster_pay_of_cadres_and_civil_servants(model, b2016):
    p = payroll(model, 2016)
    pay = [
        "salary",
        "position_allowance",
        "tnvk",
        "commune_class_allowance",
        "public_service_allowance",
        "regional_allowance",
        "bao_luu",
        "low_pay_supplement",  # NĐ 17/2015: A03 (B step 1, 1.86) only
    ]
    # A01 + A02 + A03 (the NHĐKCT A04 is costed by the NHĐKCT fund)
    a01 = 45_635_100 + 3_570_000 + 0 + 4_920_510 + 12_301_275 + 2_856_000 + 0
    a02 = 71_114_400 + 0 + 4_978_008 + 0 + 19_023_102 + 2_856_000 + 2_856_000
    a03 = int(p.loc["A03", pay].sum())
    assert p.loc["A03", "low_pay_supplement"] == 735_600  # 1.86 × (8 % × 1,743,548 + 8 × 32,000)
    assert row(b2016, A)["salary_fund"] == a01 + a02 + a03
    # B01 + B02; the contract worker B03 is paid from operating spending, not the salary fund
    assert row(b2016, B)["salary_fund"] == int(p.loc[["B01", "B02"], pay].sum().sum())
    assert b2016.details.set_index("code").loc[B, "roster_hop_dong"] == p.loc["B03", "total"]


def test_2016_vacant_posts(b2016):
    # A: 3 approved posts, 2 filled in January–February, 2 + 16/31 in March (A03 joins on the 16th)
    vac_a = F("2.34") * 1_150_000 * (2 + F(15, 31))  # 6,684,096.77
    assert row(b2016, A)["vacancy_fund"] == r(vac_a) == 6_684_097
    # B: 3 approved; B01 all year, B02 until 15 September → 1 vacant post January–August,
    # 1 + 15/30 in September, 2 October–December
    vac_b = F("2.34") * (4 * 1_150_000 + 4 * 1_210_000 + F(3, 2) * 1_210_000 + 3 * 2 * 1_210_000)
    assert row(b2016, B)["vacancy_fund"] == r(vac_b) == 43_325_100
    d = b2016.details.set_index("code")
    # contributions of a vacant civil-servant post: BHXH 18 % + BHYT 3 % + KPCĐ 2 % (no BHTN)
    assert d.loc[A, "vacancy_contributions"] == r(F("0.23") * vac_a) == 1_537_342
    assert d.loc[B, "vacancy_contributions"] == r(F("0.23") * vac_b) == 9_964_773
    # one post vacant for 31 + 29 + 15 days of 366
    assert d.loc[A, "filled_posts"] == pytest.approx(3 - (31 + 29 + 15) / 366)


def test_2016_contributions_filled_plus_vacant(model, b2016):
    p = payroll(model, 2016)
    cols = ["bhxh", "bhyt", "kpcd", "bhtn"]
    filled_a = int(p.loc[["A01", "A02", "A03"], cols].sum().sum())
    assert row(b2016, A)["contributions"] == filled_a + 1_537_342
    filled_b = int(p.loc[["B01", "B02"], cols].sum().sum())
    assert row(b2016, B)["contributions"] == filled_b + 9_964_773


def test_2016_funds_operating_special(b2016):
    a, b = row(b2016, A), row(b2016, B)
    assert a["nhdkct_fund"] == r(F("20.3") * Y2016) == 289_884_000
    assert b["nhdkct_fund"] == r(F("18.6") * Y2016) == 265_608_000
    assert a["village_fund"] == (5 * 1 + 3 * 2) * Y2016 == 157_080_000
    assert b["village_fund"] == 3 * 3 * Y2016 == 128_520_000
    assert a["operating"] == b["operating"] == 3 * 18_000_000 + 50_000_000
    assert a["purchases_repairs"] == b["purchases_repairs"] == 30_000_000
    assert b2016.notes == []
    assert (a["special_tasks"], b["special_tasks"]) == (100_000_000, 0)


def test_2017_contribution_change_on_vacant_posts(model):
    res = budget(model, 2017)
    # B: two vacant posts all year (B02 left in 2016)
    assert row(res, B)["vacancy_fund"] == r(2 * F("2.34") * Y2017) == 70_480_800
    post = 2 * F("2.34")
    contrib = (
        5 * post * 1_210_000 * F("0.23")  # January–May: 18 + 3 + 2 %
        + post * 1_210_000 * F("0.225")  # June: BHXH 17.5 % from 2017-06-01
        + 6 * post * 1_300_000 * F("0.225")
    )  # July–December at 1,300,000
    assert res.details.set_index("code").loc[B, "vacancy_contributions"] == r(contrib)
    assert r(contrib) == 15_999_750
    assert row(res, A)["operating"] == 3 * 20_000_000 + 50_000_000


def test_2019_nhdkct_regime_change_on_25_june(model):
    res = budget(model, 2019)
    # class 1: 20.3 January–May; June 24/30 at 20.3 and 6/30 at 16.0; 16.0 July–December
    nh_a = (
        5 * F("20.3") * 1_390_000
        + (F(24, 30) * F("20.3") + F(6, 30) * F("16.0")) * 1_390_000
        + 6 * F("16.0") * 1_490_000
    )
    assert row(res, A)["nhdkct_fund"] == r(nh_a) == 311_146_600
    nh_b = (
        5 * F("18.6") * 1_390_000
        + (F(24, 30) * F("18.6") + F(6, 30) * F("13.7")) * 1_390_000
        + 6 * F("13.7") * 1_490_000
    )
    assert row(res, B)["nhdkct_fund"] == r(nh_b) == 276_239_800
    d = res.details.set_index("code")
    assert (d.loc[A, "quota_posts"], d.loc[B, "quota_posts"]) == (23, 21)  # NĐ 34/2019
    # purchases and repairs norm changes on 2019-07-01: six months at each level
    assert row(res, A)["purchases_repairs"] == 6 * 30_000_000 // 12 + 6 * 36_000_000 // 12


def test_2023_nhdkct_regime_change_on_1_august_with_extra_worker(model):
    res = budget(model, 2023)
    # class 1: 16.0 to July; 21.0 from August + 1.5 for the worker above the quota of 14
    nh_a = 6 * F(16) * 1_490_000 + F(16) * 1_800_000 + 5 * (21 + F("1.5") * (15 - 14)) * 1_800_000
    assert row(res, A)["nhdkct_fund"] == r(nh_a) == 374_340_000
    nh_b = 6 * F("13.7") * 1_490_000 + F("13.7") * 1_800_000 + 5 * 18 * 1_800_000
    assert row(res, B)["nhdkct_fund"] == r(nh_b) == 309_138_000
    # village fund 5.0 / 3.0 to July, 6.0 / 4.5 from August (NĐ 33/2023)
    vil_a = 11 * (6 * 1_490_000 + 1_800_000) + (6 + F("4.5") * 2) * 5 * 1_800_000
    assert row(res, A)["village_fund"] == r(vil_a) == 253_140_000


def test_params_used_have_references(b2016):
    pu = b2016.params_used
    assert {
        "salary.base",
        "staffing.nhdkct_fund",
        "norms.provincial.per_post",
        "salary.vacancy_coefficient",
        "contributions.employer.bhxh",
    } <= set(pu["key"])
    base = pu[pu["key"] == "salary.base"]
    assert list(base["value"]) == [1_150_000, 1_210_000]
    assert base["reference"].str.contains("NĐ 47/2016").any()
    assert pu["reference"].str.len().gt(0).all()
    norm = pu[pu["key"] == "norms.provincial.per_post"]
    assert (norm["confidence"] == "illustrative").all()


def test_excel_plot_html(b2016, tmp_path):
    out = b2016.to_excel(tmp_path / "budget.xlsx")
    sheets = pd.read_excel(out, sheet_name=None)
    assert set(sheets) == {
        "Tổng hợp",
        "Theo xã",
        "Chi tiết theo xã",
        "Tham số",
        "Nguồn gốc số liệu",
    }
    per = sheets["Theo xã"]
    # two communes, their district and type subtotals, the totals row (sums computed in
    # Python, written as numbers) and the note under the table
    assert "Quỹ lương, phụ cấp" in per.columns
    units = per[per["Loại dòng"] == "Đơn vị"]
    assert units["Tổng cộng"].tolist() == b2016.table["total"].tolist()
    total = per.loc[per["Mã ĐVHC"] == "Tổng cộng", "Tổng cộng"]
    assert total.astype("int64").tolist() == [int(b2016.table["total"].sum())]
    summary = sheets["Tổng hợp"].astype(str).to_string()
    assert f"{int(b2016.table['total'].sum())}" in summary.replace(",", "").replace(".", "")
    ax = b2016.plot.components()
    nonzero = sum(bool(b2016.table[c].any()) for c in COMPONENTS)
    assert len(ax.patches) == 2 * nonzero
    import matplotlib.pyplot as plt

    plt.close("all")
    html = b2016._repr_html_()
    assert "Kinh phí khoán 2016" in html and "Tổng cộng" in html


def test_budget_year_outside_coverage(model):
    with pytest.raises(ParameterError, match="2000"):
        budget(model, 2000)


def test_2014_first_year_of_commune_lump_sums(model):
    """NĐ 117/2013 brings UBND cấp xã into the lump sum from 2014-01-01; the salary base of
    the TNTT cap (``tntt.base``, TTLT 71/2014) is dated 2014-07-18. 2014 must be computed,
    with the same (coefficient + position) base all year (it raised ParameterError before).

    Base salary 1,150,000 all year (NĐ 66/2013) -> 13,800,000 a year.
    Grade fund 22717: A01 (3.00 + 0.25) + A02 (4.98) = 8.23 × 13,800,000 = 113,574,000
    (A03 joins in 2016). 22327: B01 (2.35, no position allowance) + B02 (2.41) = 4.76 ×
    13,800,000 = 65,688,000. One vacant post each: 2.34 × 13,800,000 = 32,292,000, contributions
    (18 + 3 + 2) % = 7,427,160.
    """
    y2014 = 12 * 1_150_000
    res = budget(model, 2014)
    d = res.details.set_index("code")
    assert d.loc[A, "salary_fund_grade"] == r(F("8.23") * y2014) == 113_574_000
    assert d.loc[B, "salary_fund_grade"] == r(F("4.76") * y2014) == 65_688_000
    for code in (A, B):
        assert row(res, code)["vacancy_fund"] == r(F("2.34") * y2014) == 32_292_000
        assert d.loc[code, "vacancy_contributions"] == r(F("0.23") * 32_292_000) == 7_427_160
    pay = payroll(model, 2014)
    assert pay.loc["A01", "salary_fund_grade"] == r(F("3.25") * y2014)


def test_budget_without_provincial_norm(model):
    bare = model.replace(
        params=model.params.__class__(
            {
                k: model.params.parameter(k)
                for k in model.params.keys()
                if k != "norms.provincial.per_post"
            }
        )
    )
    with pytest.raises(ParameterError, match="norms.provincial.per_post"):
        budget(bare, 2016)
    keep = {"norms.provincial.per_post"}
    only_post = model.replace(
        params=model.params.__class__(
            {
                k: model.params.parameter(k)
                for k in model.params.keys()
                if not k.startswith("norms.provincial.") or k in keep
            }
        )
    )
    res = budget(only_post, 2016)
    assert (res.table["purchases_repairs"] == 0).all()
    assert row(res, A)["operating"] == 3 * 18_000_000
    assert len(res.notes) == 2 and "counted as 0" in res.notes[0]


# --- settlement ----------------------------------------------------------------------------


def test_settle_derived_actual_keeps_vacancy_savings(model):
    s = settle(model, 2016)
    t = s.table.set_index("code")
    # actual spending derived from the roster paid: the savings are the vacant posts' share
    assert t.loc[A, "savings"] == 6_684_097 + 1_537_342
    assert t.loc[B, "savings"] == 43_325_100 + 9_964_773
    assert (t["commune_kept"] == t["savings"]).all()
    # the TNTT cap (1.0 × salary + position of the staff present) is not reached: all is TNTT
    p = payroll(model, 2016)
    assert t.loc[A, "tntt_cap"] == int(p.loc[["A01", "A02", "A03"], "salary_fund_grade"].sum())
    assert (t["tntt"] == t["savings_counted"]).all()
    assert (t[["rewards", "welfare", "reserve"]] == 0).all().all()
    # per person: by days present (A03 present 291/366 of the year), exact sum
    pp = s.per_person
    assert pp.groupby("commune")["tntt"].sum().to_dict() == {
        A: t.loc[A, "tntt"],
        B: t.loc[B, "tntt"],
    }
    assert pp.loc["A04", "tntt"] == 0 and pp.loc["B03", "tntt"] == 0  # not on the staffing
    assert pp.loc["A03", "weight"] == pytest.approx(291 / 366)
    # quarterly advance cap: 60 % of the quarter's salary fund by grade (January–March, A)
    q1 = F("0.6") * (
        3 * F("3.25") * 1_150_000 + 3 * F("4.98") * 1_150_000 + F("1.86") * 1_150_000 * F(16, 31)
    )
    assert t.loc[A, "advance_cap_q1"] == r(q1) == 17_698_500
    assert (t["state_saving"] == 0).all()


def test_settle_given_actual_shares_and_overspend(model):
    lump = budget(model, 2016).table.set_index("code")["total"]
    actual = pd.DataFrame(
        {"commune": [A, B], "actual": [int(lump[A]) - 200_000_001, int(lump[B]) + 5_000_000]}
    )
    s = settle(model, 2016, actual, shares={"rewards": 0.3, "welfare": 0.3, "reserve": 0.4})
    t = s.table.set_index("code")
    assert t.loc[A, "savings_counted"] == 200_000_001
    cap = t.loc[A, "tntt_cap"]
    assert cap == 141_567_300 and t.loc[A, "tntt"] == cap
    rest = 200_000_001 - cap  # 58,432,701
    assert t.loc[A, "rewards"] == r(F("0.3") * rest) == 17_529_810  # 17,529,810.3
    # welfare rounded cumulatively: round(0.6 × rest) − rewards = 35,059,621 − 17,529,810
    assert t.loc[A, "welfare"] == r(F("0.6") * rest) - 17_529_810 == 17_529_811
    assert t.loc[A, "reserve"] == rest - 17_529_810 - 17_529_811
    # overspend in B: shown, nothing counted
    assert t.loc[B, "savings"] == -5_000_000 and t.loc[B, "overspend"] == 5_000_000
    assert t.loc[B, ["savings_counted", "tntt", "rewards", "welfare", "reserve"]].sum() == 0
    parts = t[["tntt", "rewards", "welfare", "reserve"]].sum(axis=1)
    assert (parts == t["savings_counted"]).all()


def test_settle_weights_and_previous_staffing(model):
    w = pd.Series({"A01": 2.0, "A02": 1.0, "A03": 1.0, "B01": 1.0, "B02": 0.0})
    s = settle(model, 2016, weights=w, previous_approved_posts={B: 4})
    pp = s.per_person
    assert pp.loc["B02", "tntt"] == 0
    assert pp.loc["A01", "tntt"] == pytest.approx(2 * pp.loc["A02", "tntt"], abs=1)
    t = s.table.set_index("code")
    # the State saves one post in B: its vacancy cost and contributions and its operating norm
    post = F("2.34") * Y2016
    assert t.loc[B, "state_saving"] == r(post) + r(F("0.23") * post) + 18_000_000
    assert t.loc[B, "state_saving"] == 33_415_200 + 7_685_496 + 18_000_000
    assert t.loc[A, "state_saving"] == 0


def test_settle_quarterly_advance_cap_read_at_quarter_end(model):
    """The quarterly TNTT advance cap is the value in force at the quarter's end (settle's
    documentation). With a cap of 0.5 from 2016-03-15, Q1 2016 uses 0.5 (the code read the
    value of 1 March, 0.6, before).

    Q1 2016 grade fund of 22717 (base 1,150,000): A01 (3.00 + 0.25) + A02 4.98 for 3 months
    = 8.23 × 3 × 1,150,000 = 28,393,500; A03 1.86 from 16 March: 1.86 × 1,150,000 × 16/31
    = 1,104,000; total 29,497,500; × 0.5 = 14,748,750.
    """
    from khoan.params.engine import Override

    over = Override("cap", {"tntt.quarterly_advance_cap": {"2016-03-15": 0.5}})
    m = model.replace(params=model.params.with_overrides([over]))
    t = settle(m, 2016).table.set_index("code")
    fund_q1 = r(F("8.23") * 3 * 1_150_000 + F("1.86") * 1_150_000 * F(16, 31))
    assert fund_q1 == 29_497_500
    assert t.loc[A, "advance_cap_q1"] == r(F(1, 2) * fund_q1) == 14_748_750


def test_settle_bad_actual_spending(model):
    bad = pd.DataFrame({"commune": [A, B, "99999"], "actual": [1, -5, 3]})
    with pytest.raises(ValidationError) as e:
        settle(model, 2016, bad)
    probs = {(p.row, p.column, p.value) for p in e.value.problems}
    assert (4, "commune", "99999") in probs
    assert (3, "actual", -5) in probs
    with pytest.raises(ValidationError, match="no value given"):
        settle(model, 2016, {A: 1})
    with pytest.raises(KhoanError):
        settle(model, 2016, shares={"rewards": 0.9, "welfare": 0.9})


# --- properties ----------------------------------------------------------------------------


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    year=st.sampled_from([2016, 2017, 2019, 2023]),
    approved=st.tuples(st.integers(0, 30), st.integers(0, 30)),
    nh=st.tuples(st.integers(0, 25), st.integers(0, 25)),
)
def test_property_budget_reconciles(model, year, approved, nh):
    comm = model.communes.copy()
    comm["approved_posts"] = list(approved)
    comm["approved_nhdkct"] = list(nh)
    res = budget(model.replace(communes=comm), year)
    t = res.table
    assert (t[list(COMPONENTS)].sum(axis=1) == t["total"]).all()
    assert (t[list(COMPONENTS)] >= 0).all().all()
    assert int(res.province["total"].iloc[0]) == int(t["total"].sum())


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    year=st.sampled_from([2016, 2019]),
    spent=st.tuples(st.floats(0, 1.2), st.floats(0, 1.2)),
    shares=st.tuples(st.floats(0, 0.5), st.floats(0, 0.5)),
)
@example(year=2016, spent=(0.5, 0.0), shares=(0.5, 0.5))  # shares summing to 1, odd remainder
def test_property_tntt_never_exceeds_cap(model, year, spent, shares):
    lump = budget(model, year).table["total"].to_numpy()
    actual = pd.Series((lump * np.array(spent)).round(), index=[A, B])
    s = settle(model, year, actual, shares={"rewards": shares[0], "welfare": shares[1]})
    t = s.table
    assert (t["tntt"] <= t["tntt_cap"]).all()
    assert (t["tntt"] <= t["savings_counted"]).all()
    parts = t[["tntt", "rewards", "welfare", "reserve"]].sum(axis=1)
    assert (parts == t["savings_counted"]).all()
    assert (t[["tntt", "rewards", "welfare", "reserve"]] >= 0).all().all()
    per = s.per_person.groupby("commune")["tntt"].sum()
    assert per.reindex(t["code"]).fillna(0).astype(int).tolist() == t["tntt"].tolist()


def test_approved_posts_above_the_quota_are_noted(model):
    # NĐ 34/2019 lowered the quotas from 2019-06-25 (class 2 ward: 21): 30 approved posts in
    # 22327 are above it; the costing keeps the approved number and says so
    c = model.communes.copy()
    c.loc[c["code"] == B, "approved_posts"] = 30
    res = budget(model.replace(communes=c), 2020)
    (note,) = [n for n in res.notes if "quota" in n]
    assert note.startswith("1 of 2 communes") and "2020-12-31" in note
    d = res.details.set_index("code")
    assert d.loc[B, "approved_posts"] == 30 and d.loc[B, "quota_posts"] < 30
    assert not [n for n in budget(model, 2020).notes if "quota" in n]


def test_roster_position_allowances_older_than_the_law_are_noted():
    # NĐ 07/2026 raised the committee chair's allowance to 0.60 from 2026-01-01: a 2016 roster
    # (0.25) budgeted for 2026 is paid as given, and the budget says the law has changed
    import khoan

    m = khoan.examples.load("khanh_hoa_2016")
    assert not [n for n in budget(m, 2016).notes if "position allowance" in n]
    (note,) = [n for n in budget(m, 2026).notes if "position allowance" in n]
    assert "0.25 in the roster, 0.6 in the law" in note


def test_components_chart_says_it_shows_the_largest_communes_only():
    import matplotlib.pyplot as plt

    import khoan

    b = budget(khoan.examples.load("khanh_hoa_2016"), 2016)

    def notes(ax):
        return [t.get_text() for t in ax.texts if t.get_gid() == "khoan-shown-note"]

    assert notes(b.plot.components()) == ["40 / 132 xã được hiển thị (kinh phí lớn nhất)"]
    assert notes(b.plot.components(top=None)) == []
    plt.close("all")


def test_hcmc_income_increase_cap_is_1_8(model):
    # NQ 54/2017/QH14: in Hồ Chí Minh City (province 79) the TNTT cap is 1.8 × the salary fund
    # by grade instead of 1.0; with nothing spent the cap binds in both communes
    zero = {c: 0 for c in model.communes["code"]}
    base = settle(model, 2020, actual=zero).table
    hcm = settle(model.replace(meta={**model.meta, "province_code": "79"}), 2020, actual=zero)
    assert (base["tntt"] == base["tntt_cap"]).all()
    assert hcm.table["tntt_cap"].tolist() == [
        r(F("1.8") * g) for g in base["salary_fund_grade"].tolist()
    ]
    assert (hcm.table["tntt"] == hcm.table["tntt_cap"]).all()
    assert any("tntt.cap_ratio_hcmc" in n for n in hcm.notes)
