"""Roster ageing between years (NĐ 204/2004 step rises, TT 04/2005 TNVK, NĐ 92/2009 cadres)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from khoan.params import load_law
from khoan.payroll import payroll
from khoan.scenarios import advance_roster, make_hires
from khoan.scenarios.roster import add_years

LAW = load_law()


def roster(**cols):
    base = {
        "id": ["p"],
        "commune": ["22327"],
        "category": ["cong_chuc"],
        "position": ["cong_chuc"],
        "grade": ["A1"],
        "step": [1],
        "coefficient": [2.34],
        "position_coef": [0.0],
        "tnvk_pct": [0.0],
        "bao_luu": [0.0],
        "birth_date": [pd.Timestamp("1980-01-01")],
        "sex": ["M"],
        "insured_since": [pd.Timestamp("2005-01-01")],
        "next_step_date": [pd.Timestamp("2016-06-01")],
    }
    base.update({k: [v] for k, v in cols.items()})
    return pd.DataFrame(base)


def test_regular_rises_every_three_years():
    s = roster()
    a = advance_roster(s, dt.date(2016, 1, 1), LAW)
    assert a.loc[0, "step"] == 1 and a.loc[0, "coefficient"] == 2.34  # not due yet
    a = advance_roster(s, dt.date(2017, 1, 1), LAW)
    # 2.34 + 0.33 (A1 scale); next rise three years later
    assert a.loc[0, "step"] == 2 and np.isclose(a.loc[0, "coefficient"], 2.67)
    assert a.loc[0, "next_step_date"] == pd.Timestamp("2019-06-01")
    a = advance_roster(s, dt.date(2023, 1, 1), LAW)  # 2016, 2019, 2022
    assert a.loc[0, "step"] == 4 and np.isclose(a.loc[0, "coefficient"], 3.33)
    # path independence: step by step equals at once
    b = advance_roster(advance_roster(s, dt.date(2019, 1, 1), LAW), dt.date(2023, 1, 1), LAW)
    pd.testing.assert_frame_equal(a, b)
    # the rise on the day itself is not applied yet (payroll applies it from that month)
    assert advance_roster(s, dt.date(2016, 6, 1), LAW).loc[0, "step"] == 1


def test_top_step_then_seniority_beyond_it():
    # A1 step 8 (4.65) → step 9 (4.98, the top) on 2016-03-01; TNVK 5 % three years later, +1 %
    # each further year (allowances.tnvk)
    s = roster(step=8, coefficient=4.65, next_step_date=pd.Timestamp("2016-03-01"))
    a = advance_roster(s, dt.date(2017, 1, 1), LAW)
    assert a.loc[0, "step"] == 9 and np.isclose(a.loc[0, "coefficient"], 4.98)
    assert a.loc[0, "tnvk_pct"] == 0
    assert a.loc[0, "next_step_date"] == pd.Timestamp("2019-03-01")
    a = advance_roster(s, dt.date(2021, 1, 1), LAW)
    assert a.loc[0, "tnvk_pct"] == 6  # 5 % on 2019-03-01, 6 % on 2020-03-01
    assert a.loc[0, "next_step_date"] == pd.Timestamp("2021-03-01")


def test_grade_b_two_years_and_untrained_cadre():
    s = pd.concat(
        [
            roster(grade="B", step=1, coefficient=1.86, next_step_date=pd.Timestamp("2016-02-01")),
            roster(
                id="q",
                category="can_bo",
                position="chu_tich_ubnd",
                grade="cadre_untrained",
                coefficient=2.15,
                position_coef=0.25,
                next_step_date=pd.Timestamp("2017-05-01"),
            ),
            roster(
                id="n",
                category="nhdkct",
                position="nhdkct",
                grade=None,
                step=None,
                coefficient=1.0,
                next_step_date=pd.NaT,
            ),
        ],
        ignore_index=True,
    )
    a = advance_roster(s, dt.date(2019, 1, 1), LAW)
    assert a.loc[0, "step"] == 3 and np.isclose(a.loc[0, "coefficient"], 2.26)  # 2016, 2018
    assert np.isclose(a.loc[1, "coefficient"], 2.65) and a.loc[1, "step"] == 2  # NĐ 92/2009
    assert pd.isna(a.loc[1, "next_step_date"])
    assert a.loc[2, "coefficient"] == 1.0


def test_advanced_roster_is_paid_like_the_payroll_engine(kh2016):
    # payroll(y+1, staff = roster advanced to 1 January y+1) pays the rises of year y in full
    # and those of y+1 from their month: the same monthly coefficient as payroll(y) in December
    staff = kh2016.staff
    a = advance_roster(staff, dt.date(2017, 1, 1), kh2016.params)
    dec = payroll(kh2016, 2016, staff=staff, monthly=True)
    dec = dec[dec["month"] == 12].set_index("id")
    jan = payroll(kh2016, 2017, staff=a, monthly=True)
    jan = jan[jan["month"] == 1].set_index("id")
    cont = staff["next_step_date"].isna() | (
        pd.to_datetime(staff["next_step_date"]) >= pd.Timestamp("2017-02-01")
    )
    ids = staff.loc[cont.to_numpy(), "id"]
    assert np.allclose(dec.loc[ids, "coefficient"], jan.loc[ids, "coefficient"])
    assert np.allclose(dec.loc[ids, "tnvk_pct"], jan.loc[ids, "tnvk_pct"])


def test_make_hires():
    leaving = roster(category="can_bo", position="chu_tich_ubnd", coefficient=4.0, sex="F")
    h = make_hires(leaving, np.array(["2018-07-01"], dtype="datetime64[D]"), LAW)
    row = h.iloc[0]
    assert row["id"] == "p+h" and row["grade"] == "A1" and row["step"] == 1
    assert row["coefficient"] == 2.34  # A1 step 1 (scenarios.hire.grade)
    assert row["position_coef"] == 0.25  # NĐ 92/2009: committee chair
    assert row["birth_date"] == pd.Timestamp("1993-07-01")  # scenarios.hire.age = 25
    assert row["start_date"] == pd.Timestamp("2018-07-01")
    assert row["next_step_date"] == pd.Timestamp("2021-07-01")
    assert row["sex"] == "F"
    assert len(make_hires(leaving.iloc[:0], np.array([], dtype="datetime64[D]"), LAW)) == 0


def test_add_years_handles_29_february():
    d = add_years(pd.DatetimeIndex(["2016-02-29", "2017-03-01", pd.NaT]), np.array([1, 3, 2]))
    assert d[0] == pd.Timestamp("2017-02-28")
    assert d[1] == pd.Timestamp("2020-03-01")
    assert pd.isna(d[2])
