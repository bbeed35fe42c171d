"""The benefit tables' fast path gives what the public, checked path gives, to the đồng.

``scenarios.benefit_tables`` reads and checks the candidates' inputs once per universe and
computes each table with ``benefits.compute_people`` on arrays; the 60-month averages of all
the scenario's leave dates come from one shared salary history (``averages_on``). Each test
here compares that with the reference: ``benefits.compute`` on the same people (with every
input check), ``salary_history.average_salary`` on each date, the pandas date arithmetic.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from khoan import benefits as B
from khoan import examples
from khoan import retirement as R
from khoan import salary_history as H
from khoan.errors import ScenarioError
from khoan.scenarios import benefit_tables as BT
from khoan.scenarios import load_scenarios, simulate
from khoan.scenarios.universe import clear_cache, shared_work


def _assert_same_table(fast: dict, slow: dict) -> None:
    assert list(fast) == list(slow)
    for c in slow:
        a, b = np.asarray(fast[c]), np.asarray(slow[c])
        assert a.dtype == b.dtype, c
        if a.dtype.kind == "f":
            np.testing.assert_array_equal(a, b, err_msg=c)
        else:
            assert (a == b).all(), c


def _tables(u) -> dict:
    return {k: v for k, v in u.benefit_cache.items() if isinstance(v, BT.BenefitTable)}


@pytest.mark.parametrize(
    ("model", "scenario", "change"),
    [
        ("khanh_hoa_2016", "nq39_10pct", {}),  # NĐ 108: the 60-month average, five dates
        ("khanh_hoa_2016", "resignation_10pct", {}),
        ("khanh_hoa_2026", "kl40_5pct_by_2030", {}),  # NĐ 178: current salary, two factors
    ],
)
def test_fast_tables_equal_the_checked_path(model, scenario, change):
    m = examples.load(model)
    s = load_scenarios(examples.path(model))[scenario]
    if change:
        s = s.with_(**change)
    clear_cache()
    simulate(m, s)
    u, _ = shared_work(m, s)
    fast = _tables(u)
    assert fast and BT._candidates(u).checked
    # the same tables through benefits.compute (every input checked), from an empty cache
    u.benefit_cache.clear()
    BT._candidates(u).checked = False
    for regime, kind, day, _dec in fast:
        assert regime == s.regime
        BT.benefit_table(u, s, kind, np.int64(day))
    slow = _tables(u)
    assert set(slow) == set(fast)
    for key, tab in fast.items():
        _assert_same_table(tab, slow[key])
    # the comparison compares something: eligible people, money, notes where averaged
    tabs = list(fast.values())
    assert any(t["eligible"].any() for t in tabs)
    assert sum(int(t["total"].sum()) for t in tabs) > 0
    if s.regime == "nd108":
        assert any((t["basis_note"] != "").any() for t in tabs)
        assert len({k[2] for k in fast}) > 1  # several leave dates from one shared history


def _sample(n: int = 400, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    birth = pd.Timestamp("1962-01-01") + pd.to_timedelta(rng.integers(0, 12_000, n), "D")
    insured = birth + pd.to_timedelta(rng.integers(7_000, 12_000, n), "D")
    return pd.DataFrame(
        {
            "id": [f"p{i}" for i in range(n)],
            "sex": rng.choice(["M", "F"], n),
            "birth_date": birth,
            "insured_since": insured,
            "current_salary": rng.integers(3_000_000, 15_000_000, n).astype(float) + 0.37,
            "average_salary": np.where(rng.random(n) < 0.3, np.nan, 5_123_456.5),
            "basis_note": np.where(rng.random(n) < 0.2, "given", ""),
            "decision_date": pd.Timestamp("2025-01-01")
            + pd.to_timedelta(rng.integers(0, 210, n), "D"),
            "unemployment_insured": rng.random(n) < 0.5,
            "reduced_age": rng.random(n) < 0.1,
        }
    )


@pytest.mark.parametrize(
    ("regime", "kind", "leave"),
    [
        ("nd178", "early_retirement", "2025-08-01"),
        ("nd178", "resignation", "2026-02-15"),
        ("nd108", "early_retirement", "2020-07-01"),
        ("nd108", "resignation", "2019-01-01"),
        ("nd154", "resignation", "2025-09-01"),  # groups a, b, c and at the retirement age
    ],
)
def test_compute_people_equals_compute(regime, kind, leave):
    df = _sample()
    if regime != "nd178":  # decisions within the regime's validity
        df = df.assign(decision_date=pd.Timestamp("2018-06-01" if regime == "nd108" else leave))
    ref = B.compute(regime, kind, df, leave)
    p = B.People(
        id=df["id"].to_numpy(),
        sex=df["sex"].to_numpy(dtype=object),
        birth_date=df["birth_date"].to_numpy(),
        insured_since=df["insured_since"].to_numpy(),
        decision_date=df["decision_date"].to_numpy(),
        current_salary=df["current_salary"].to_numpy(),
        average_salary=df["average_salary"].to_numpy(),
        basis_note=df["basis_note"].to_numpy(dtype=object),
        unemployment_insured=df["unemployment_insured"].to_numpy(),
        reduced_age=df["reduced_age"].to_numpy(),
    )
    got = B.compute_people(regime, kind, p, leave)
    _assert_same_table(got, {c: ref[c].to_numpy() for c in ref.columns})
    # months early are whole months from the leave date to the pension start (the day counts)
    retire = ref["retirement_date"].to_numpy()
    np.testing.assert_array_equal(
        ref["months_early"].to_numpy(), R.months_between(pd.Timestamp(leave), retire)
    )
    np.testing.assert_array_equal(
        retire, R.retirement_date(df["sex"], df["birth_date"], on=leave, reduced=df["reduced_age"])
    )
    assert ref["eligible"].any() and ref["total"].gt(0).any()
    assert (~ref["eligible"]).any() or ref["band"].nunique() > 2
    # outside the regime's validity: the same message as compute's
    with pytest.raises(ScenarioError) as slow:
        B.compute(regime, kind, df, "2035-01-01")
    with pytest.raises(ScenarioError) as fast:
        B.compute_people(regime, kind, p, "2035-01-01")
    assert str(fast.value) == str(slow.value)


def test_averages_on_several_dates_equal_average_salary(monkeypatch):
    m = examples.load("khanh_hoa_2016")
    staff = m.staff[m.staff["category"].astype(str).isin(["can_bo", "cong_chuc"])]
    staff = staff.reset_index(drop=True)
    ids = staff["id"].astype(str).to_numpy()
    history = pd.DataFrame(
        {
            "id": ids[[3, 3, 10, 500]],
            "from_date": pd.to_datetime(["2013-05-01", "2015-02-10", "2014-01-01", "2012-07-01"]),
            "coefficient": [2.1, 2.67, 3.0, 4.4],
            "position_coef": [0.0, 0.2, 0.0, 0.0],
            "tnvk_pct": [0.0, 0.0, 5.0, 0.0],
        }
    )
    days = [dt.date(2016, 7, 1), dt.date(2017, 7, 1), dt.date(2018, 1, 15), dt.date(2019, 7, 1)]
    monkeypatch.setattr(H, "_CHUNK", 173)  # many chunks of people, the last one short
    for hist in (None, history):
        sa = H.staff_arrays(staff, m.params, "2016-01-01")
        got = H.averages_on(sa, days, "nd108", m.params, as_of="2016-01-01", history=hist)
        assert sorted(got) == days
        for d in days:
            ref = H.average_salary(staff, d, "nd108", m.params, as_of="2016-01-01", history=hist)
            avg, months, note = got[d]
            np.testing.assert_array_equal(avg, ref["average_salary"].to_numpy())
            np.testing.assert_array_equal(months, ref["months_averaged"].to_numpy())
            assert (note == ref["basis_note"].to_numpy(dtype=object)).all()
        notes = " ".join(set(got[days[0]][2]))
        assert "average over" in notes
        assert ("salary_history" in notes) == (hist is not None)


def test_notes_of_the_salary_history_one_per_distinct_case():
    h = {
        "month": np.tile(np.arange(24_000, 24_004), (4, 1)),
        "floored": np.array([[1, 1, 0, 0], [0, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 0]], bool),
        "supplied": np.array([[0, 0, 0, 1], [0, 0, 0, 0], [0, 0, 1, 1], [0, 0, 0, 0]], bool),
    }
    worked = np.array([[1, 1, 1, 1], [0, 1, 1, 1], [0, 0, 1, 1], [1, 1, 1, 1]], bool)
    k = worked.sum(axis=1)
    notes = H._notes(h, worked, k, 4)
    assert notes.tolist() == [
        "back-cast below step 1 up to 2000-02: step 1 assumed; "
        "1 month(s) from the salary_history table",
        "average over 3 months (service from 2000-02)",
        "average over 2 months (service from 2000-03); back-cast below step 1 up to 2000-02: "
        "step 1 assumed; 2 month(s) from the salary_history table",
        "",
    ]


def test_months_between_and_pension_start_without_pandas_equal_the_pandas_path():
    rng = np.random.default_rng(7)
    a = np.datetime64("1940-01-01") + rng.integers(0, 40_000, 3_000).astype("timedelta64[D]")
    b = np.datetime64("1955-01-01") + rng.integers(0, 40_000, 3_000).astype("timedelta64[D]")
    a_ns, b_ns = a.astype("datetime64[ns]"), b.astype("datetime64[ns]")
    as_objects = (a.astype(object), b.astype(object))  # the pandas path
    ref = R.months_between(*as_objects)
    np.testing.assert_array_equal(R.months_between(a_ns, b_ns), ref)
    np.testing.assert_array_equal(R.months_between(a, b_ns), ref)
    np.testing.assert_array_equal(R.months_between(b, a), R.months_between(*as_objects[::-1]))
    assert (ref < 0).any() and (ref > 0).any()
    sex = rng.choice(np.array(["M", "F"], dtype=object), len(a))
    reduced = rng.random(len(a)) < 0.3
    for on in (dt.date(2019, 5, 1), dt.date(2026, 1, 1)):
        ref_d = R.retirement_date(sex, pd.DatetimeIndex(a_ns), on=on, reduced=reduced)
        got = R.first_of_month(R.pension_start_month(sex, a_ns, R.law_tree(None), on, reduced))
        np.testing.assert_array_equal(got, ref_d)


def test_a_candidate_failing_a_check_takes_the_checked_path_and_is_named():
    m = examples.load("khanh_hoa_2016")
    s = load_scenarios(examples.path("khanh_hoa_2016"))["nq39_10pct"]
    staff = m.staff.copy()
    row = staff.index[staff["category"].astype(str).eq("cong_chuc")][5]
    staff.loc[row, "insured_since"] = pd.NaT
    who = staff.loc[row, "id"]
    clear_cache()
    with pytest.raises(ScenarioError) as err:
        simulate(m.replace(staff=staff), s)
    assert str(err.value).endswith(
        f"field 'regime': benefits nd108/early_retirement: field 'insured_since' is missing "
        f"for id(s) {who}"
    )
