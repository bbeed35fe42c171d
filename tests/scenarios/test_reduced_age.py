"""Reduced retirement ages: Bộ luật Lao động 2019 Điều 169 khoản 3, NĐ 135/2020 Điều 5 and
Phụ lục II (55 / 50 before 2021), who takes them, and their effect on scenarios."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

import khoan.benefits as B
from khoan.errors import ScenarioError
from khoan.params import load_law
from khoan.scenarios import load_scenarios, simulate
from khoan.scenarios.roster import reduced_age

D = dt.date


# ---------------------------------------------------------------------------------------------
# Phụ lục II, by hand: men 55y3m in 2021 + 3 months a year to 57 (2028); women 50y4m in 2021
# + 4 months a year to 55 (2035); 55 / 50 for whoever reaches it before 2021. The age of the
# calendar year in which it is reached applies; the pension starts the month after.


@pytest.mark.parametrize(
    ("birth", "start"),
    [
        # 55 in 2020-12, before 2021: the pre-2021 age
        ("1965-12-20", D(2021, 1, 1)),
        # 55 in 2021-01 is not before 2021; 55y3m in 2021-04
        ("1966-01-05", D(2021, 5, 1)),
        # 55y3m in 2021-12 (still 2021)
        ("1966-09-30", D(2022, 1, 1)),
        # 55y3m would be 2022-01, not 2021; 2022's 55y6m: 2022-04
        ("1966-10-01", D(2022, 5, 1)),
        # 2027's 56y9m: 2027-09
        ("1970-12-10", D(2027, 10, 1)),
        # 56y9m would be 2028-01; 2028's 57y: 2028-04
        ("1971-04-10", D(2028, 5, 1)),
        # after 2028: 57
        ("1975-06-01", D(2032, 7, 1)),
    ],
)
def test_men_phu_luc_ii(birth, start):
    assert B.retirement_date("M", birth, reduced=True) == start


@pytest.mark.parametrize(
    ("birth", "start"),
    [
        ("1970-12-20", D(2021, 1, 1)),  # 50 in 2020-12
        ("1971-01-05", D(2021, 6, 1)),  # 2021's 50y4m: 2021-05
        ("1971-09-01", D(2022, 6, 1)),  # 50y4m would be 2022-01; 2022's 50y8m: 2022-05
        ("1980-01-15", D(2034, 10, 1)),  # 2034's 54y8m: 2034-09
        ("1980-05-15", D(2035, 6, 1)),  # 54y8m would be 2035-01; 2035's 55y: 2035-05
        ("1985-03-01", D(2040, 4, 1)),  # after 2035: 55
    ],
)
def test_women_phu_luc_ii(birth, start):
    assert B.retirement_date("F", birth, reduced=True) == start


def test_reduced_age_as_years_and_months():
    assert B.retirement_age("M", "1966-10-01", reduced=True) == (55, 6)
    assert B.retirement_age("F", "1980-05-15", reduced=True) == (55, 0)
    # the normal age, for comparison: 2027's 61y9m would be 2028-07; 2028's 62 applies
    assert B.retirement_age("M", "1966-10-01") == (62, 0)


def test_before_2021_read_on_a_2016_date():
    # the schedule is not yet law in 2016: 55 / 50
    assert B.retirement_date("M", "1961-05-31", on="2016-01-01", reduced=True) == D(2016, 6, 1)
    assert B.retirement_date("F", "1966-02-01", on="2016-01-01", reduced=True) == D(2016, 3, 1)
    assert B.retirement_date("M", "1961-05-31", on="2016-01-01") == D(2021, 6, 1)


def test_per_person_flags_and_series():
    sex = pd.Series(["M", "M", "F"], index=["a", "b", "c"])
    birth = pd.Series(["1966-01-05", "1966-01-05", "1971-01-05"], index=sex.index)
    out = B.retirement_date(sex, birth, reduced=pd.Series([True, False, True], index=sex.index))
    assert list(out.index) == ["a", "b", "c"]
    # b: the normal age 2027's 61y9m would be reached in 2027-10: 2027-11-01
    assert list(out.dt.date) == [D(2021, 5, 1), D(2027, 11, 1), D(2021, 6, 1)]
    with pytest.raises(ScenarioError, match="reduced has 2 value"):
        B.retirement_date(["M", "M", "F"], ["1966-01-05"] * 3, reduced=[True, False])


def test_phu_luc_ii_is_phu_luc_i_five_years_lower():
    law = load_law()
    on = "2021-01-01"
    normal, low = (
        law.value("retirement.age.schedule", on),
        law.value("retirement.reduced.schedule", on),
    )
    for sex in ("M", "F"):
        assert set(normal[sex]) == set(low[sex])
        for year, (y, m) in normal[sex].items():
            assert low[sex][year] == [y - 5, m], (sex, year)
    assert law.value("retirement.reduced.pre_2021", "2016-01-01") == {"M": [55, 0], "F": [50, 0]}
    assert law.value("retirement.reduced.min_years", on) == 15
    assert law.value("retirement.reduced.region_coef_min", on) == 0.7


# ---------------------------------------------------------------------------------------------
# who takes the reduced age (khoan.scenarios.roster.reduced_age)

COMMUNES = pd.DataFrame({"code": ["1", "2"], "region_coef": [1.0, 0.5]})


def test_who_takes_the_reduced_age():
    man = {"sex": "M", "birth_date": "1970-01-15"}
    staff = pd.DataFrame(
        [
            # 1.0 commune since 2000: 26y7m by the reduced start 2026-08-01 -> reduced
            {"id": "p1", "commune": "1", "insured_since": "2000-01-01", **man},
            # 1.0 commune since 2015: 11y7m by 2026-08 -> normal age (2032-02-01)
            {"id": "p2", "commune": "1", "insured_since": "2015-01-01", **man},
            # the same with 5 years elsewhere given: 5 + 10y7m (2016-01 -> 2026-08) -> reduced
            {"id": "p3", "commune": "1", "insured_since": "2015-01-01", "years": 5, **man},
            # 0.5 commune, 16 years in a hazardous job given: reduced (no further years needed)
            {"id": "p4", "commune": "2", "insured_since": "2000-01-01", "years": 16, **man},
            # 0.5 commune, nothing given: normal
            {"id": "p5", "commune": "2", "insured_since": "2000-01-01", **man},
            # 1.0 commune, past the reduced age (55 in 2013) on the roster date: kept working,
            # retires at the normal age 60 in 2018-01
            {
                "id": "p6",
                "commune": "1",
                "insured_since": "1980-01-01",
                "sex": "M",
                "birth_date": "1958-01-10",
            },
            # woman in the 1.0 commune since start_date 2014-01-01 (insured since 1995):
            # 13y7m by her reduced start 2027-08-01 -> normal (2034-12-01)
            {
                "id": "p7",
                "commune": "1",
                "insured_since": "1995-01-01",
                "start_date": "2014-01-01",
                "sex": "F",
                "birth_date": "1975-03-20",
            },
        ]
    ).rename(columns={"years": "reduced_age_years"})
    r = reduced_age(staff, COMMUNES, load_law(), "2016-01-01")
    assert list(r["reduced"]) == [True, False, True, True, False, False, False]
    assert list(r["retirement_date"].dt.date) == [
        D(2026, 8, 1),
        D(2032, 2, 1),
        D(2026, 8, 1),
        D(2026, 8, 1),
        D(2032, 2, 1),
        D(2018, 2, 1),
        D(2034, 12, 1),
    ]
    assert list(r["derived"]) == [True, True, False, False, True, True, True]
    assert list(r["in_area"]) == [True, True, True, False, False, True, True]
    # years at the roster date: 16.0 since 2000-01, 1.0 since 2015-01, as given, 0 outside
    assert r["reduced_age_years"].round(4).tolist() == [16.0, 1.0, 5.0, 16.0, 0.0, 36.0, 2.0]


def test_commune_codes_of_mixed_objects_match_as_text():
    """A commune column of mixed objects is matched by each value's text, as
    ``astype(str)`` gives it: ``1`` matches commune "1", but ``1.0`` and ``True`` (equal to
    ``1`` in Python) do not, so they are outside the area, not silently inside it."""
    man = {"sex": "M", "birth_date": "1970-01-15", "insured_since": "2000-01-01"}
    staff = pd.DataFrame([{"id": f"p{i}", **man} for i in range(4)])
    staff["commune"] = pd.Series([1, 1.0, True, "1"], dtype=object)
    r = reduced_age(staff, COMMUNES, load_law(), "2016-01-01")
    assert list(r["in_area"]) == [True, False, False, True]
    plain = staff.assign(commune=staff["commune"].astype(str))
    r_text = reduced_age(plain, COMMUNES, load_law(), "2016-01-01")
    assert list(r_text["in_area"]) == list(r["in_area"])


def test_the_threshold_is_a_parameter():
    from khoan.params import Override

    staff = pd.DataFrame(
        [
            {
                "id": "p",
                "commune": "2",
                "insured_since": "2000-01-01",
                "sex": "M",
                "birth_date": "1970-01-15",
            }
        ]
    )
    law = load_law()
    assert not reduced_age(staff, COMMUNES, law, "2016-01-01")["reduced"].iloc[0]
    low = law.with_overrides([Override("half", {"retirement.reduced.region_coef_min": 0.5})])
    assert reduced_age(staff, COMMUNES, low, "2016-01-01")["reduced"].iloc[0]


# ---------------------------------------------------------------------------------------------
# benefits count the months early from the reduced age (NĐ 29/2023 Điều 5 khoản 1)


def test_early_retirement_counts_from_the_reduced_age():
    row = {
        "id": [1, 2],
        "sex": "M",
        "birth_date": "1963-09-10",
        "insured_since": "1985-01-01",
        "monthly_salary": 5_000_000,
        "reduced_age": [True, False],
    }
    r = B.compute("nd108", "early_retirement", pd.DataFrame(row), "2016-01-01")
    # reduced: 55 in 2018-09 -> pension 2018-10-01 -> 33 months early (2y9m -> 3 years), band 2_5
    assert r.loc[1, "retirement_date"] == pd.Timestamp("2018-10-01")
    assert (r.loc[1, "months_early"], r.loc[1, "years_early"]) == (33, 3.0)
    assert r.loc[1, "eligible"] and r.loc[1, "band"] == "2_5"
    # normal: 60 in 2023-09 -> 93 months early: beyond NĐ 108's 5 years
    assert r.loc[2, "retirement_date"] == pd.Timestamp("2023-10-01")
    assert r.loc[2, "months_early"] == 93 and not r.loc[2, "eligible"]


# ---------------------------------------------------------------------------------------------
# scenarios of both bundled models: Trường Sa cadres retire earlier


def test_truong_sa_retires_earlier_in_the_2016_model(kh2016):
    s = load_scenarios(kh2016.path)["attrition_only"]
    r = simulate(kh2016, s)
    # KH16-05427, civil servant of Xã Sinh Tồn (22739, region_coef 1.0), born 1961-05-31,
    # insured since 1985: 55 in 2016-05 (pre-2021 reduced age), pension 2016-06-01 — instead
    # of 2021-09-01 (60y3m, 2021) at the normal age, after the horizon
    assert B.retirement_date("M", "1961-05-31") == D(2021, 9, 1)
    roster = r.roster(2016).set_index("id")
    assert roster.loc["KH16-05427", "end_date"] == pd.Timestamp("2016-05-31")
    assert "KH16-05427" not in set(r.roster(2017)["id"])
    bc = r.by_commune.set_index(["commune", "year"])
    assert bc.loc[("22739", 2016), "retirements"] >= 1
    assert any("reduced retirement age" in n and "derived" in n for n in r.provenance["notes"])
    # a roster that says nobody has such years yet (0 on the roster date): KH16-05427 has 5
    # months by his reduced age, not 15 years, and stays
    staff = kh2016.staff.copy()
    staff["reduced_age_years"] = 0.0
    none = simulate(kh2016.replace(staff=staff), s)
    assert "KH16-05427" in set(none.roster(2017)["id"])
    assert none.by_year.loc[2016, "retirements"] == r.by_year.loc[2016, "retirements"] - 1
    # years in Trường Sa still accrue after the roster date: some reach 15 later in the horizon,
    # but none is derived
    assert not any("derived" in n for n in none.provenance["notes"])


def test_truong_sa_retires_earlier_in_the_2026_model(kh2026):
    s = load_scenarios(kh2026.path)["attrition_only"]
    r = simulate(kh2026, s)
    # KH26-01258, cadre of Đặc khu Trường Sa (22736, region_coef 1.0), woman born
    # 1974-07-17, insured since 2002: 2026's reduced age 52y0m in 2026-07, pension 2026-08-01
    # — at the normal age (2033's 59y4m, in 2033-11) after the horizon
    assert B.retirement_date("F", "1974-07-17") == D(2033, 12, 1)
    assert B.retirement_date("F", "1974-07-17", reduced=True) == D(2026, 8, 1)
    assert r.roster(2026).set_index("id").loc["KH26-01258", "end_date"] == pd.Timestamp(
        "2026-07-31"
    )
    assert "KH26-01258" not in set(r.roster(2027)["id"])
    bc = r.by_commune.set_index(["commune", "year"])
    assert bc.loc[("22736", 2026), "retirements"] >= 1
    assert np.int64(r.by_year["retirements"].sum()) > 0


# Phụ lục II as printed: year of retirement, reduced age, and the birth months it applies to
# (the last row of each sex: from that month on)
PHU_LUC_II = {
    "M": [
        (2021, (55, 3), "1966-01", "1966-09"),
        (2022, (55, 6), "1966-10", "1967-06"),
        (2023, (55, 9), "1967-07", "1968-03"),
        (2024, (56, 0), "1968-04", "1968-12"),
        (2025, (56, 3), "1969-01", "1969-09"),
        (2026, (56, 6), "1969-10", "1970-06"),
        (2027, (56, 9), "1970-07", "1971-03"),
        (2028, (57, 0), "1971-04", None),
    ],
    "F": [
        (2021, (50, 4), "1971-01", "1971-08"),
        (2022, (50, 8), "1971-09", "1972-04"),
        (2023, (51, 0), "1972-05", "1972-12"),
        (2024, (51, 4), "1973-01", "1973-08"),
        (2025, (51, 8), "1973-09", "1974-04"),
        (2026, (52, 0), "1974-05", "1974-12"),
        (2027, (52, 4), "1975-01", "1975-08"),
        (2028, (52, 8), "1975-09", "1976-04"),
        (2029, (53, 0), "1976-05", "1976-12"),
        (2030, (53, 4), "1977-01", "1977-08"),
        (2031, (53, 8), "1977-09", "1978-04"),
        (2032, (54, 0), "1978-05", "1978-12"),
        (2033, (54, 4), "1979-01", "1979-08"),
        (2034, (54, 8), "1979-09", "1980-04"),
        (2035, (55, 0), "1980-05", None),
    ],
}


@pytest.mark.parametrize("sex", ["M", "F"])
def test_every_row_of_phu_luc_ii(sex):
    rows = PHU_LUC_II[sex]
    births = [b for _, _, first, last in rows for b in (first, last) if b]
    ages = [age for _, age, first, last in rows for b in (first, last) if b]
    years = [y for y, _, first, last in rows for b in (first, last) if b]
    got_y, got_m = B.retirement_age([sex] * len(births), [f"{b}-15" for b in births], reduced=True)
    assert list(zip(got_y.tolist(), got_m.tolist(), strict=True)) == ages
    # the pension starts the month after the age is reached, within the row's year (or, for a
    # December, on 1 January of the next)
    starts = B.retirement_date([sex] * len(births), [f"{b}-15" for b in births], reduced=True)
    reached = pd.DatetimeIndex(starts) - pd.DateOffset(months=1)
    assert list(reached.year) == years
    # the month before the first row: the pre-2021 age (55 / 50), reached in 2020
    pre = B.retirement_age(sex, "1965-12-15" if sex == "M" else "1970-12-15", reduced=True)
    assert pre == ((55, 0) if sex == "M" else (50, 0))
