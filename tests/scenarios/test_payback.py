"""The payback year: the first year from which cumulative net savings stay positive."""

from __future__ import annotations

import pandas as pd
import pytest

from khoan.scenarios.result import payback_text, payback_year

YEARS = [2016, 2017, 2018, 2019, 2020]


def series(values: list[int]) -> pd.Series:
    return pd.Series(values, index=pd.Index(YEARS, name="year"), dtype="int64")


def cumulative(net: list[int]) -> pd.Series:
    return series(net).cumsum()


def test_payback_is_the_first_year_that_stays_positive():
    # one-off 100 in 2016, savings 60 a year: cumulative -40, 20, 80, 140, 200
    one_off = series([100, 0, 0, 0, 0])
    cum = cumulative([60 - 100, 60, 60, 60, 60])
    assert cum.tolist() == [-40, 20, 80, 140, 200]
    assert payback_year(cum, one_off) == 2017


def test_a_late_one_off_payment_moves_payback_later():
    # savings 60 a year, one-off 30 in 2016 and 150 in 2018:
    # net 30, 60, -90, 60, 60 → cumulative 30, 90, 0, 60, 120. The old rule (first positive
    # year) said 2016; the running total falls to 0 in 2018, so the scenario has paid back
    # only from 2019.
    one_off = series([30, 0, 150, 0, 0])
    cum = cumulative([30, 60, -90, 60, 60])
    assert cum.tolist() == [30, 90, 0, 60, 120]
    assert payback_year(cum, one_off) == 2019


def test_negative_at_the_end_is_not_within_the_horizon():
    # positive in 2016–2019, then a large payment in 2020: cumulative 50, 100, 150, 200, -100
    one_off = series([10, 0, 0, 0, 360])
    cum = cumulative([50, 50, 50, 50, -300])
    assert payback_year(cum, one_off) is None
    assert payback_text(None, (2016, 2020), "en") == "not within the horizon 2016–2020"
    assert payback_text(None, (2016, 2020)) == "không hoàn vốn trong kỳ 2016–2020"
    assert payback_text(2019, (2016, 2020)) == "2019"


def test_never_a_year_before_the_first_one_off_payment():
    # savings before anything is paid (attrition in 2016–2017), the first payment in 2018 keeps
    # the running total positive: payback is 2018, not 2016
    one_off = series([0, 0, 40, 0, 0])
    cum = cumulative([10, 20, 30 - 40 + 20, 50, 50])
    assert cum.tolist() == [10, 30, 40, 90, 140]
    assert payback_year(cum, one_off) == 2018


def test_no_one_off_payment_and_zero_years():
    # attrition: nothing spent, nothing saved in 2016–2017 (cumulative 0 is not a payback)
    cum = cumulative([0, 0, 5, 10, 20])
    assert payback_year(cum, series([0] * 5)) == 2018
    assert payback_year(cum) == 2018
    assert payback_year(cumulative([0, 0, 0, 0, 0])) is None


@pytest.mark.parametrize("last", [0, -1])
def test_zero_or_negative_in_the_last_year_never_pays_back(last):
    cum = series([10, 20, 30, 40, last])
    assert payback_year(cum, series([1, 0, 0, 0, 0])) is None


def test_summary_and_excel_say_it_plainly(kh2016, tmp_path):
    import openpyxl

    from khoan.examples import path as example_path
    from khoan.scenarios import load_scenarios, simulate

    # attrition only has no one-off cost: "paid back" from the year its savings start (2016:
    # Trường Sa cadres retiring at the reduced age are not replaced)
    s = load_scenarios(example_path("khanh_hoa_2016"))["attrition_only"]
    r = simulate(kh2016, s)
    by = r.by_year
    assert r.summary()["payback_year"] == 2016 == payback_year(by["cumulative_net_savings"])
    # a hand-made late payment in the result's own table: the running total turns negative
    # in 2020 and the summary says there is no payback within the horizon
    by.loc[2020, "one_off_cost"] = 10**12
    by["net_savings"] = by["recurring_savings"] - by["one_off_cost"]
    by["cumulative_net_savings"] = by["net_savings"].cumsum()
    assert r.summary()["payback_year"] is None
    assert "payback not within the horizon 2016–2020" in repr(r)
    out = r.to_excel(tmp_path / "a.xlsx", lang="en")
    ws = openpyxl.load_workbook(out).worksheets[0]
    values = [c.value for row in ws.iter_rows() for c in row]
    assert "not within the horizon 2016–2020" in values
