"""A three-person commune, computed by hand (DOMAIN.md §3 and §5).

People (tests/scenarios/conftest.py), all civil servants of one ward with 3 approved posts:

- A, man born 1957-06 — reaches 60 in June 2017, pension from 2017-07-01 (before 2021 the age is
  60); 19 insured years in 2016, too few for early retirement (NĐ 108: 20);
- B, man born 1958-09, A1 step 9 (coefficient 4.98), insured since 1990-01-01 — pension from
  2018-10-01; leaving on 2016-01-01 he is 33 months early (band 2–5 years);
- C, young, stays.

Scenario: early retirement under NĐ 108, one post cut by 2016 (``count = 1, by = 2016``), the
workload floor lowered to 30 % of the approved posts (ceil(0.3 × 3) = 1 person).
"""

from __future__ import annotations

import datetime as dt

import pytest

from khoan.params import Override
from khoan.payroll import payroll
from khoan.scenarios import Scenario, Target, simulate

FLOOR = Override("floor", {"scenarios.min_staffing.share_of_approved": 0.3})


@pytest.fixture(scope="module")
def result(three):
    s = Scenario(
        "three",
        years=(2016, 2017),
        policy="early_retirement",
        regime="nd108",
        target=Target(count=1, by=2016),
        overrides=(FLOOR,),
    )
    return simulate(three, s)


def test_who_leaves_and_when(result):
    lv = result.leavers
    # A is closer to the retirement age but has only 19 insured years: B is the eligible one
    assert lv["id"].tolist() == ["B"]
    row = lv.iloc[0]
    assert row["leave_date"] == dt.datetime(2016, 1, 1)
    assert row["band"] == "2_5"
    assert row["retirement_date"] == dt.datetime(2018, 10, 1)
    assert row["months_early"] == 33  # 2016-01 -> 2018-10
    assert row["years_early"] == 3.0  # 2 years 9 months: 7–11 odd months count a whole year
    assert row["insured_years"] == 26.0  # 1990-01-01 -> 2016-01-01


def test_benefit_of_the_early_retiree(result):
    row = result.leavers.iloc[0]
    # NĐ 108/2014 Điều 12 (salary_basis): salary + position + TNVK + bảo lưu, no public-service
    # allowance. Current salary (the month before leaving lies before the roster: January 2016
    # is used): 4.98 × 1,150,000 = 5,727,000.
    assert row["monthly_salary"] == 5_727_000
    # The lump sums are on the average of the 60 months Jan 2011 – Dec 2015 (B is at the top
    # step, no rise: 4.98 throughout): base 730,000 × 4 (Jan–Apr 2011, NĐ 28/2010) + 830,000
    # × 12 (NĐ 22/2011) + 1,050,000 × 14 (NĐ 31/2012) + 1,150,000 × 30 (NĐ 66/2013) =
    # 62,080,000; × 4.98 / 60 = 5,152,640.
    assert (
        row["average_salary"]
        == (4 * 730_000 + 12 * 830_000 + 14 * 1_050_000 + 30 * 1_150_000) * 498 // 6000
        == 5_152_640
    )
    # NĐ 108: 3 months per year early × 3 years; 5 months for the first 20 insured years;
    # 0.5 month per further year × 6 years — 17 months of the average salary
    assert row["benefit_months"] == 17.0
    assert row["early_years"] == 3 * 3 * 5_152_640 == 46_373_760
    assert row["insured_first"] == 5 * 5_152_640 == 25_763_200
    assert row["insured_further"] == 0.5 * 6 * 5_152_640 == 15_457_920
    assert row["total"] == 87_594_880
    assert row["basis_note"] == ""
    assert result.by_year.loc[2016, "one_off_cost"] == 87_594_880
    assert result.by_year.loc[2017, "one_off_cost"] == 0


def test_headcount_flows(result):
    by = result.by_year
    # 2016: B leaves on 1 January; 2017: A retires on 2017-07-01 and is not replaced
    assert by.loc[
        2016, ["headcount_start", "retirements", "leavers", "hires", "headcount_end"]
    ].tolist() == [3, 0, 1, 0, 2]
    assert by.loc[
        2017, ["headcount_start", "retirements", "leavers", "hires", "headcount_end"]
    ].tolist() == [2, 1, 0, 0, 1]
    # the baseline replaces A by a hire from 2017-07-01
    assert by["baseline_headcount_end"].tolist() == [3, 3]
    assert by["target_reduction"].tolist() == [1, 1]
    assert by["reduction"].tolist() == [1, 2]


def test_recurring_savings_by_hand(result):
    by = result.by_year
    # 2016: B's pay for the whole year. Base salary 1,150,000 Jan–Apr, 1,210,000 May–Dec
    # (NĐ 47/2016): Σ = 14,280,000. Salary 4.98 × 14,280,000 = 71,114,400; public service 25 %
    # = 17,778,600; employer contributions 18 % + 3 % + 2 % (no BHTN for civil servants) of the
    # salary = 16,356,312.
    b2016 = 71_114_400 + 17_778_600 + 16_356_312
    assert by.loc[2016, "recurring_savings"] == b2016 == 105_249_312
    # 2017: B again — base 1,210,000 Jan–Jun, 1,300,000 Jul–Dec (NĐ 47/2017): Σ = 15,060,000;
    # salary 74,998,800; public service 18,749,700; contributions 23 % Jan–May on 30,129,000 =
    # 6,929,670, 22.5 % (BHXH 17.5 % from 2017-06-01) June on 6,025,800 = 1,355,805 and Jul–Dec
    # on 38,844,000 = 8,739,900 — plus the hire who replaces A in the baseline only, Jul–Dec at
    # 2.34 × 1,300,000 × 6 = 18,252,000, public service 4,563,000, contributions 22.5 % =
    # 4,106,700.
    b2017 = 74_998_800 + 18_749_700 + 6_929_670 + 1_355_805 + 8_739_900
    hire = 18_252_000 + 4_563_000 + 4_106_700
    assert by.loc[2017, "recurring_savings"] == b2017 + hire == 137_695_575
    # one-off benefit 87,594,880 (test_benefit_of_the_early_retiree): paid back within 2016
    assert by["net_savings"].tolist() == [105_249_312 - 87_594_880, 137_695_575]
    assert by["cumulative_net_savings"].tolist() == [17_654_432, 155_350_007]
    assert result.summary()["payback_year"] == 2016
    assert result.leavers.iloc[0]["salary_saved_to_horizon"] == b2016 + b2017


def test_lump_sum_falls_with_the_posts(result):
    by = result.by_year
    # approved posts follow the cut (3 → 2 → 1); the State also saves the operating norm per
    # post of the fixture (18,000,000 in 2016, 20,000,000 from 2017)
    assert by["approved_posts"].tolist() == [2, 1]
    assert by.loc[2016, "state_savings"] == 105_249_312 + 18_000_000
    assert by.loc[2017, "state_savings"] == 137_695_575 + 2 * 20_000_000


def test_payroll_of_the_roster_matches(three, result):
    for y in (2016, 2017):
        for run, col in (("scenario", "payroll_total"), ("baseline", "baseline_payroll_total")):
            roster = result.roster(y, run)
            paid = payroll(three, y, staff=roster)["total"].sum()
            assert paid == result.by_year.loc[y, col]
    ids = set(result.roster(2017, "baseline")["id"])
    assert ids == {"A", "B", "C", "A+h"}
    assert set(result.roster(2017, "scenario")["id"]) == {"A", "C"}
