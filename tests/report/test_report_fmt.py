from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from khoan.report.fmt import (
    BILLION,
    MILLION,
    largest_remainder,
    millions,
    money_unit,
    number,
    round_half_up,
    to_millions,
    vnd,
)


def test_separators_by_language():
    assert vnd(1234567) == "1.234.567"
    assert vnd(1234567, "en") == "1,234,567"
    assert vnd(-1234567) == "-1.234.567"
    assert vnd(np.int64(999)) == "999"
    assert vnd(None) == "" and vnd(float("nan")) == "" and vnd(pd.NA) == ""
    assert number(1234.5, 1) == "1.234,5"
    assert number(1234.5, 1, "en") == "1,234.5"
    assert millions(1_234_567_890) == "1.235"
    assert millions(1_234_567_890, "en", decimals=1) == "1,234.6"


def test_round_half_up_is_exact_for_large_amounts():
    v = np.array([1_500_000, 2_499_999, -1_500_000, 9_007_199_254_740_993], dtype=np.int64)
    assert list(round_half_up(v, MILLION)) == [2, 2, -1, 9_007_199_255]


def test_money_unit():
    assert money_unit(9 * BILLION)[0] == MILLION
    assert money_unit(12 * BILLION) == (BILLION, "tỷ đồng")
    assert money_unit(12 * BILLION, "en")[1] == "billion VND"


def test_to_millions_parts_sum_to_total(budget_table):
    parts = [c for c in budget_table.columns if c not in ("code", "name", "type", "class", "total")]
    m = to_millions(budget_table, parts, "total")
    assert all(m[c].dtype == np.int64 for c in [*parts, "total"])
    assert (m[parts].sum(axis=1) == m["total"]).all()
    # the displayed total is the VND total rounded
    assert (m["total"] == round_half_up(budget_table["total"].to_numpy(), MILLION)).all()
    # each part is within one unit of its exact value
    assert (np.abs(m[parts].to_numpy() * MILLION - budget_table[parts].to_numpy()) < MILLION).all()
    # untouched columns and input
    assert list(m["code"]) == list(budget_table["code"])
    assert budget_table["total"].iloc[0] > 1_000_000_000


def test_to_millions_known_case():
    df = pd.DataFrame({"a": [1_400_000], "b": [1_400_000], "c": [1_400_000]})
    df["total"] = df.sum(axis=1)  # 4.2 million -> 4; parts 1.4 each -> 2, 1, 1
    m = to_millions(df, ["a", "b", "c"], "total")
    assert m.iloc[0].tolist() == [2, 1, 1, 4]


def test_to_millions_refuses_inconsistent_total():
    df = pd.DataFrame({"a": [1], "b": [2], "total": [4]})
    with pytest.raises(ValueError, match="not the sum"):
        to_millions(df, ["a", "b"], "total")
    with pytest.raises(ValueError, match="missing"):
        to_millions(pd.DataFrame({"a": [1.0, None]}), ["a"])
    with pytest.raises(KeyError):
        to_millions(df, ["zzz"])


def test_to_millions_default_columns(budget_table):
    m = to_millions(budget_table, total_col="total")
    assert m["class"].tolist() == budget_table["class"].tolist()  # not money
    assert (m["salary_fund"] < 10_000).all()


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.lists(st.integers(-(10**13), 10**13), min_size=1, max_size=8),
        min_size=1,
        max_size=10,
    ).filter(lambda rows: len({len(r) for r in rows}) == 1)
)
def test_largest_remainder_property(rows):
    parts = np.array(rows, dtype=np.int64)
    out = largest_remainder(parts, MILLION)
    assert (out.sum(axis=1) == round_half_up(parts.sum(axis=1), MILLION)).all()
    assert (np.abs(out * MILLION - parts) < MILLION).all()
