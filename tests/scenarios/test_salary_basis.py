"""Benefits on the legal salary basis, and the salary history behind an average.

NĐ 108/2014 Điều 12 → NĐ 29/2023 Điều 10: the early-retirement and resignation lump sums are
paid on the average of the last 60 monthly salaries (grade/step salary + position allowance +
TNVK + bảo lưu, no public-service allowance); the job-search pay on the current salary.
NĐ 178/2024 Điều 5: the current salary, public-service allowance included. NĐ 154/2025: the
NHĐKCT allowance. Base salary by month (salary.base): 1,490,000 from 2019-07, 1,800,000 from
2023-07, 2,340,000 from 2024-07.
"""

from __future__ import annotations

import shutil
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from khoan import benefits as B
from khoan import salary_history as H
from khoan.errors import ScenarioError, ValidationError
from khoan.model import load
from khoan.params import Override, load_law
from khoan.scenarios import Scenario, Target, simulate

LAW = load_law()
LEAVE = "2024-08-01"
FLOOR = Override("floor", {"scenarios.min_staffing.share_of_approved": 0.3})
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def person(**kw) -> pd.DataFrame:
    """A civil servant (staff schema) at coefficient 3.00, no rise due, insured since 1994."""
    row = {
        "id": "x",
        "category": "cong_chuc",
        "grade": "A1",
        "step": 3,
        "coefficient": 3.00,
        "position_coef": 0.0,
        "tnvk_pct": 0.0,
        "bao_luu": 0.0,
        "next_step_date": pd.NaT,
        "insured_since": pd.Timestamp("1994-08-01"),
        "start_date": pd.NaT,
    }
    row.update(kw)
    df = pd.DataFrame([row])
    for c in ("next_step_date", "insured_since", "start_date"):
        df[c] = pd.to_datetime(df[c])
    return df


# a man born 1965-10 reaches 61y9m (the 2027 age) in 2027-07: pension from 2027-08-01, so
# leaving on 2024-08-01 is 36 months (3 years) early; insured 1994-08 → 2024-08 = 30 years
LEAVER = {"id": "x", "sex": "M", "birth_date": "1965-10-15", "insured_since": "1994-08-01"}


def test_the_60_month_average_of_the_worked_case():
    avg = H.average_salary(person(), LEAVE, "nd108", LAW)
    # Aug 2019 – Jul 2024: 47 months at 1,490,000, 12 at 1,800,000, 1 at 2,340,000
    expected = (47 * 1_490_000 + 12 * 1_800_000 + 2_340_000) * 3 / 60
    assert expected == 4_698_500
    assert avg.loc[0, "average_salary"] == 4_698_500
    assert avg.loc[0, "months_averaged"] == 60
    assert avg.loc[0, "basis_note"] == ""


def test_nd108_early_retirement_on_the_average_to_the_dong():
    avg = H.average_salary(person(), LEAVE, "nd108", LAW)
    people = pd.DataFrame(
        [{**LEAVER, "current_salary": 3.00 * 2_340_000, "average_salary": 4_698_500}]
    )
    for given in (people, people.assign(average_salary=avg["average_salary"].to_numpy())):
        r = B.compute("nd108", "early_retirement", given, LEAVE).iloc[0]
        assert (r.months_early, r.years_early, r.insured_years) == (36, 3.0, 30.0)
        assert r.current_salary == 7_020_000 and r.average_salary == 4_698_500
        # 3 × 3 years early + 5 for the first 20 insured years + 0.5 × 10 further years
        assert r.benefit_months == 19.0
        assert (r.early_years, r.insured_first, r.insured_further) == (
            9 * 4_698_500,
            5 * 4_698_500,
            5 * 4_698_500,
        )
        assert r.total == 19 * 4_698_500 == 89_271_500
    # before the salary basis: 19 × the current salary with the 25 % public-service allowance
    assert 19 * 3 * 2_340_000 * 125 // 100 == 166_725_000


def test_nd108_resignation_job_search_on_the_current_salary():
    people = pd.DataFrame([{**LEAVER, "current_salary": 7_020_000, "average_salary": 4_698_500.4}])
    r = B.compute("nd108", "resignation", people, LEAVE).iloc[0]
    assert r.average_salary == 4_698_500  # rounded to the đồng, and the money on it
    assert r.job_search == 3 * 7_020_000
    assert r.per_insured_year == 1.5 * 30 * 4_698_500 == 211_432_500
    assert r.benefit_months == 48.0
    assert r.total == 21_060_000 + 211_432_500


def test_old_api_monthly_salary_is_the_current_and_the_average():
    people = pd.DataFrame([{**LEAVER, "monthly_salary": 7_020_000}])
    r = B.compute("nd108", "early_retirement", people, LEAVE).iloc[0]
    assert r.current_salary == r.average_salary == 7_020_000
    assert r.basis_note == B.NO_AVERAGE_NOTE
    assert r.total == 19 * 7_020_000
    # an empty average falls back to the current salary in the same way
    people = pd.DataFrame([{**LEAVER, "current_salary": 7_020_000, "average_salary": None}])
    r = B.compute("nd108", "early_retirement", people, LEAVE).iloc[0]
    assert r.average_salary == 7_020_000 and r.basis_note == B.NO_AVERAGE_NOTE
    # NĐ 178 pays on the current salary only: nothing to note
    p178 = pd.DataFrame([{**LEAVER, "monthly_salary": 10_000_000, "leave_date": "2025-03-01"}])
    r = B.compute("nd178", "resignation", p178, "2025-03-01").iloc[0]
    assert r.basis_note == "" and r.average_salary == r.current_salary == 10_000_000


def test_bad_average_and_missing_salary_are_named():
    people = pd.DataFrame([{**LEAVER, "current_salary": 7_020_000, "average_salary": "abc"}])
    with pytest.raises(ScenarioError, match=r"'average_salary'.*id\(s\) x"):
        B.compute("nd108", "early_retirement", people, LEAVE)
    with pytest.raises(ScenarioError, match="'current_salary'"):
        B.compute("nd108", "early_retirement", pd.DataFrame([LEAVER]), LEAVE)


def test_back_cast_step_crosses_the_step_dates():
    # A1 step 4 (3.33) on the leave date, next rise 2026-03-15: the rises were on 2023-03-15
    # (3.00 → 3.33, paid from April 2023) and 2020-03-15 (2.67 → 3.00, from April 2020)
    p = person(step=4, coefficient=3.33, next_step_date="2026-03-15")
    h = H.monthly_salaries(p, LEAVE, ["salary"], 60, LAW)
    base = np.r_[[1_490_000] * 47, [1_800_000] * 12, [2_340_000]]
    coef = np.round(h["pay"][0] / base, 6)
    assert coef.tolist() == [2.67] * 8 + [3.00] * 36 + [3.33] * 16
    total = Fraction(1_490_000) * (8 * Fraction("2.67") + 36 * 3 + 3 * Fraction("3.33"))
    total += Fraction("3.33") * (12 * 1_800_000 + 2_340_000)
    avg = H.average_salary(p, LEAVE, "nd108", LAW).loc[0, "average_salary"]
    assert total / 60 == 4_789_195 and avg == pytest.approx(4_789_195, abs=1e-6)
    # a rise dated on the 1st is paid from that month
    p1 = person(step=4, coefficient=3.33, next_step_date="2026-04-01")
    h1 = H.monthly_salaries(p1, LEAVE, ["salary"], 60, LAW)
    assert np.round(h1["pay"][0] / base, 6).tolist() == coef.tolist()
    # B grades rise every 2 years; a roster described earlier (as_of) forward-casts the rises
    pb = person(grade="B", step=5, coefficient=2.66, next_step_date="2023-03-01")
    hb = H.monthly_salaries(pb, LEAVE, ["salary"], 60, LAW, as_of="2022-01-01")
    cb = np.round(hb["pay"][0] / base, 6)
    # rises 2019-03-01 (…→ 2.66 before the window), 2021-03-01 (2.46 → 2.66), 2023-03-01 (→ 2.86)
    assert cb.tolist() == [2.46] * 19 + [2.66] * 24 + [2.86] * 17


def test_a_back_cast_below_step_1_is_held_and_noted():
    p = person(step=1, coefficient=2.34, next_step_date="2025-01-01")
    avg = H.average_salary(p, LEAVE, "nd108", LAW)
    assert avg.loc[0, "basis_note"] == "back-cast below step 1 up to 2021-12: step 1 assumed"
    h = H.monthly_salaries(p, LEAVE, ["salary"], 60, LAW)
    assert np.allclose(h["pay"][0][:29] / 1_490_000, 2.34)


def test_a_back_cast_crossing_the_start_date_averages_the_period_worked():
    # insured (in service) from 2021-03-01: 41 months, Mar 2021 – Jul 2024
    p = person(insured_since="2021-03-01")
    avg = H.average_salary(p, LEAVE, "nd108", LAW)
    months = 28 * 1_490_000 + 12 * 1_800_000 + 2_340_000
    assert avg.loc[0, "months_averaged"] == 41
    assert avg.loc[0, "average_salary"] == pytest.approx(3 * months / 41)
    assert avg.loc[0, "basis_note"] == "average over 41 months (service from 2021-03)"
    # a start date on the roster wins over insured_since; mid-month it counts from the next
    p2 = person(start_date="2021-02-15")
    assert H.average_salary(p2, LEAVE, "nd108", LAW).loc[0, "months_averaged"] == 41


def test_a_supplied_history_overrides_the_back_cast():
    p = person(step=4, coefficient=3.33, next_step_date="2026-03-15")
    hist = pd.DataFrame(
        {
            "id": ["x", "x", "other"],
            "from_date": pd.to_datetime(["2019-01-01", "2022-01-01", "2019-01-01"]),
            "coefficient": [2.34, 3.00, 9.0],
            "position_coef": [0.0, 0.0, 0.0],
            "tnvk_pct": [0.0, 0.0, 0.0],
        }
    )
    avg = H.average_salary(p, LEAVE, "nd108", LAW, history=hist)
    # Aug 2019 – Dec 2021 at 2.34, then 3.00 (the history's, not the roster's 3.33)
    total = 1_490_000 * (29 * Fraction("2.34") + 18 * 3) + 3 * (12 * 1_800_000 + 2_340_000)
    assert total / 60 == 4_223_190
    assert avg.loc[0, "average_salary"] == pytest.approx(4_223_190, abs=1e-6)
    assert avg.loc[0, "basis_note"] == "60 month(s) from the salary_history table"
    # a history starting inside the window: the back-cast fills the months before it
    late = hist.iloc[[1]]
    h = H.monthly_salaries(p, LEAVE, ["salary"], 60, LAW, history=late)
    assert h["supplied"][0].sum() == 31 and not h["supplied"][0][:29].any()


def test_history_components_tnvk_position_and_unsupported():
    p = person(step=9, coefficient=4.98, position_coef=0.3, tnvk_pct=5.0)
    h = H.monthly_salaries(p, LEAVE, ["salary", "position_allowance", "tnvk"], 60, LAW)
    assert h["pay"][0][-1] == pytest.approx((4.98 + 0.3) * 1.05 * 2_340_000)
    nh = person(category="nhdkct", grade=None, coefficient=1.0)
    assert H.monthly_salaries(nh, LEAVE, ["salary"], 60, LAW)["pay"][0].sum() == 0
    h = H.monthly_salaries(nh, LEAVE, ["nhdkct_allowance"], 60, LAW)
    assert h["pay"][0][-1] == 2_340_000
    with pytest.raises(ScenarioError, match="public_service_allowance"):
        H.monthly_salaries(p, LEAVE, ["public_service_allowance"], 60, LAW)


def test_regimes_salary_basis_parameters():
    on = {"nd108": "2020-01-01", "nd178": "2025-03-01", "nd154": "2025-08-01"}
    comps = {r: LAW.value(f"benefits.{r}.salary_basis.components", d) for r, d in on.items()}
    assert comps["nd108"] == ["salary", "position_allowance", "tnvk", "bao_luu"]
    # NĐ 178 Điều 5: the public-service allowance counts, the regional allowance does not
    assert "public_service_allowance" in comps["nd178"]
    assert "regional_allowance" not in comps["nd178"]
    assert comps["nd154"] == ["nhdkct_allowance"]
    assert LAW.value("benefits.nd108.salary_basis.average_months", on["nd108"]) == 60
    assert LAW.value("benefits.nd178.salary_basis.average_months", on["nd178"]) == 0
    assert "job_search" not in LAW.value("benefits.nd108.salary_basis.on_average", on["nd108"])
    # NĐ 154 on the allowance: no average, every component on the monthly allowance
    p = pd.DataFrame([{**LEAVER, "service_since": "2022-02-01", "current_salary": 2_340_000}])
    r = B.compute("nd154", "resignation", p, "2025-08-01").iloc[0]
    assert r.job_search == 3 * 2_340_000 and r.basis_note == ""


def test_nd178_scenario_current_salary_includes_public_service(kh2026):
    s = Scenario(
        "r",
        years=(2026, 2026),
        regime="nd178",
        policy="resignation",
        decision_date=pd.Timestamp("2025-07-01").date(),
        target=Target(count=5, by=2026),
    )
    lv = simulate(kh2026, s).leavers
    st = kh2026.staff.set_index("id").loc[lv["id"]]
    plain = (st["tnvk_pct"].fillna(0) == 0) & (st["bao_luu"].fillna(0) == 0)
    assert plain.sum() >= 3
    # leaving 2026-01-01: the month before lies before the roster, January 2026 is used
    expected = (st["coefficient"] + st["position_coef"].fillna(0)) * 2_340_000 * 1.25
    got = lv.set_index("id")["monthly_salary"]
    assert (got[plain.to_numpy()] == np.floor(expected[plain] + 0.5).astype(np.int64)).all()
    assert (lv["average_salary"] == lv["monthly_salary"]).all()


def test_supplied_history_in_a_scenario(three):
    # B (A1 step 9, 4.98 on the roster) was at 4.65 until 2013: the history lowers his average
    hist = pd.DataFrame(
        {
            "id": ["B", "B"],
            "from_date": pd.to_datetime(["2010-01-01", "2014-01-01"]),
            "coefficient": [4.65, 4.98],
        }
    )
    s = Scenario(
        "h",
        years=(2016, 2017),
        policy="early_retirement",
        regime="nd108",
        target=Target(count=1, by=2016),
        overrides=(FLOOR,),
    )
    row = simulate(three.replace(salary_history=hist), s).leavers.iloc[0]
    # Jan 2011 – Dec 2013 at 4.65: 730,000 × 4 + 830,000 × 12 + 1,050,000 × 14 + 1,150,000 × 6
    # = 34,480,000; Jan 2014 – Dec 2015 at 4.98: 1,150,000 × 24 = 27,600,000
    assert (Fraction("4.65") * 34_480_000 + Fraction("4.98") * 27_600_000) / 60 == 4_963_000
    assert row["average_salary"] == 4_963_000
    assert row["basis_note"] == "60 month(s) from the salary_history table"
    assert row["total"] == 17 * 4_963_000


def _model_with_history(tmp_path, text: str):
    folder = tmp_path / "m"
    shutil.copytree(FIXTURES / "two_communes", folder)
    staff = pd.read_csv(folder / "staff.csv", dtype=str)
    (folder / "salary_history.csv").write_text(text.format(id=staff["id"].iloc[0]))
    return folder


def test_model_reads_and_validates_the_salary_history_table(tmp_path):
    good = _model_with_history(
        tmp_path / "a",
        "id,from_date,coefficient,position_coef,tnvk_pct\n{id},2015-01-01,2.67,0,0\n",
    )
    m = load(good)
    assert len(m.salary_history) == 1 and m.salary_history["coefficient"].iloc[0] == 2.67
    assert m.digest() != m.replace(salary_history=pd.DataFrame()).digest()
    bad = _model_with_history(
        tmp_path / "b",
        "id,from_date,coefficient\n{id},2015-01-01,2.67\n{id},2015-01-01,3.00\n"
        "NOPE,2015-01-01,2.34\n{id},not a date,2.34\n",
    )
    with pytest.raises(ValidationError) as err:
        load(bad)
    text = str(err.value)
    assert "salary_history.csv" in text
    got = {(p.file, p.row, p.column) for p in err.value.problems}
    assert got == {
        ("salary_history.csv", 3, "from_date"),  # a second row for this person and date
        ("salary_history.csv", 4, "id"),  # not in the staff table
        ("salary_history.csv", 5, "from_date"),  # not a date
    }
    assert "id is not in the staff table" in text and "a second row" in text
