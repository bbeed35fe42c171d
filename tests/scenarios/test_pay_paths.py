"""The shared work's two ways of paying the years give the same floats and the same errors.

The universe's years are costed on arrays (the roster checked and factorised once, aged by
:func:`~khoan.scenarios.roster.age`, paid by :func:`khoan.payroll.run_inputs`); the tables'
path (each year's rows aged by :func:`~khoan.scenarios.roster.advance_roster` and paid by
:func:`khoan.payroll.run`) is the reference and the fallback. These tests fail if the arrays'
path computed anything different, took the fallback on the shipped models, or reported a roster
problem differently.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pytest

from khoan.errors import ScenarioError
from khoan.examples import path as example_path
from khoan.payroll import prepare, run, run_inputs
from khoan.scenarios import load_scenarios
from khoan.scenarios import universe as U
from khoan.scenarios import year_pay as YP
from khoan.scenarios.roster import first_of_next_months

YEAR_FIELDS = (
    "bounds",
    "fixed_total",
    "fixed_sf",
    "fixed_contrib",
    "fixed_grade",
    "fixed_days",
    "gterm_idx",
    "full",
)
MONTHLY_FIELDS = ("first", "comp", "person", "value", "starts")


def _by_tables(u: U.Universe, scenario) -> U.Universe:
    """The universe's years costed again through the tables."""
    t = dataclasses.replace(u, years={}, keys_used=set())
    YP._cost(t, scenario, YP._table_runs(t))
    return t


def _assert_same_years(a: U.Universe, b: U.Universe) -> None:
    assert sorted(a.years) == sorted(b.years)
    for y in a.years:
        ya, yb = a.years[y], b.years[y]
        for f in YEAR_FIELDS:
            x, z = getattr(ya, f), getattr(yb, f)
            assert x.dtype == z.dtype and np.array_equal(x, z), (y, f)
        for f in MONTHLY_FIELDS:
            assert np.array_equal(getattr(ya.monthly, f), getattr(yb.monthly, f)), (y, f)
        assert ya.cap_ratio == yb.cap_ratio
    assert np.array_equal(a.csum, b.csum)
    assert np.array_equal(a.sf_idx, b.sf_idx) and np.array_equal(a.co_idx, b.co_idx)


@pytest.mark.parametrize(
    ("fixture", "example", "name"),
    [
        ("kh2016", "khanh_hoa_2016", "nq39_10pct"),
        ("kh2016", "khanh_hoa_2016", "attrition_only"),
        ("kh2026", "khanh_hoa_2026", "kl40_5pct_by_2030"),
    ],
)
def test_arrays_and_tables_pay_the_same_floats(request, fixture, example, name):
    model = request.getfixturevalue(fixture)
    scenario = load_scenarios(example_path(example))[name]
    U.clear_cache()
    u, _ = U.shared_work(model, scenario)
    assert u.pay_path == "arrays"
    # the roster has what the arrays' ageing must get right: untrained cadres, people without
    # a grade (NHĐKCT) or a step, rises inside and before the years
    grades = u.rows["grade"].astype(str)
    assert (grades == "cadre_untrained").any() and u.rows["grade"].isna().any()
    assert u.rows["step"].isna().any() and u.rows["next_step_date"].notna().any()
    t = _by_tables(u, scenario)
    _assert_same_years(u, t)
    assert u.keys_used >= t.keys_used
    U.clear_cache()


def _error(model, scenario, *, tables: bool, monkeypatch) -> str:
    U.clear_cache()
    with monkeypatch.context() as mp:
        if tables:

            def refuse(u):
                raise YP._Fallback
                yield  # pragma: no cover - a generator that refuses at once

            mp.setattr(YP, "_array_runs", refuse)
        with pytest.raises(ScenarioError) as exc:
            U.shared_work(model, scenario)
    U.clear_cache()
    return str(exc.value)


@pytest.mark.parametrize(
    ("column", "value", "where"),
    [
        ("grade", "ZZ", "civil servant"),  # a grade missing from salary.scales
        ("coefficient", -1.0, "civil servant"),
        ("commune", "99999", "civil servant"),
        ("position", "nobody", "untrained cadre"),  # no fixed untrained coefficient
    ],
)
def test_a_roster_problem_is_reported_as_by_the_tables(kh2016, monkeypatch, column, value, where):
    staff = kh2016.staff.copy()
    if where == "untrained cadre":
        i = np.flatnonzero((staff["grade"] == "cadre_untrained").to_numpy())[:2]
    else:
        i = np.flatnonzero((staff["category"] == "cong_chuc").to_numpy())[[3, 40]]
    staff[column] = staff[column].astype(object)
    staff.loc[staff.index[i], column] = value
    model = kh2016.replace(staff=staff)
    scenario = load_scenarios(example_path("khanh_hoa_2016"))["nq39_10pct"]
    fast = _error(model, scenario, tables=False, monkeypatch=monkeypatch)
    slow = _error(model, scenario, tables=True, monkeypatch=monkeypatch)
    assert fast == slow
    assert "cannot be paid" in fast or "staff" in fast


def test_a_grade_missing_from_a_later_years_scales(kh2016, monkeypatch):
    """A problem only a later year's parameters reveal (grade B dropped from the 2018 scales):
    the arrays' yearly check sends the costing to the tables, which report it as before."""
    import khoan.payroll_inputs as pi

    real = pi.year_params

    def without_b(model, year):
        scales, untrained, tnvk, bhtn = real(model, year)
        if year == 2018:
            scales = {g: v for g, v in scales.items() if g != "B"}
        return scales, untrained, tnvk, bhtn

    monkeypatch.setattr(pi, "year_params", without_b)
    scenario = load_scenarios(example_path("khanh_hoa_2016"))["nq39_10pct"]
    fast = _error(kh2016, scenario, tables=False, monkeypatch=monkeypatch)
    slow = _error(kh2016, scenario, tables=True, monkeypatch=monkeypatch)
    assert fast == slow
    assert "the roster of 2018 cannot be paid" in fast and "grade missing" in fast


def test_duplicate_ids_across_fixed_and_movable_take_the_tables(kh2016):
    """The tables pay the fixed and the movable people separately, so an id shared by one of
    each is no problem there; the arrays' single check would reject it, so it falls back."""
    scenario = load_scenarios(example_path("khanh_hoa_2016"))["nq39_10pct"]
    U.clear_cache()
    u, _ = U.shared_work(kh2016, scenario)
    a, b = int(np.flatnonzero(~u.movable[: u.n_roster])[0]), int(u.midx[0])
    staff = kh2016.staff.copy()
    staff.loc[staff.index[b], "id"] = staff["id"].iloc[a]
    U.clear_cache()
    v, _ = U.shared_work(kh2016.replace(staff=staff), scenario)
    assert v.pay_path == "tables"
    _assert_same_years(v, _by_tables(v, scenario))
    U.clear_cache()


def test_run_inputs_is_run_on_prepared_arrays(kh2016):
    for year in (2016, 2019):
        a = run(kh2016, year)
        inp, keys = prepare(kh2016, year)
        b = run_inputs(kh2016, year, inp, keys)
        for c in a.annual:
            assert np.array_equal(a.annual[c], b.annual[c])
        assert np.array_equal(a.staffing_days, b.staffing_days)
        assert np.array_equal(a.grade_fund_monthly, b.grade_fund_monthly)
        assert a.keys == b.keys
        m = run(kh2016, year, keep_monthly=True)
        n = run_inputs(kh2016, year, inp, keys, keep_monthly=True, details=False)
        assert m.monthly is not None and n.monthly is not None
        assert set(n.monthly) == set(m.monthly) - {"_pres", "_coef", "_tnvk", "_base"}
        for c in n.monthly:
            assert np.array_equal(m.monthly[c], n.monthly[c])


def test_first_of_next_months():
    days = [dt.date(2016, 1, 1), dt.date(2016, 2, 29), dt.date(2016, 12, 31), dt.date(2017, 6, 2)]
    want = [dt.date(2016, 1, 1), dt.date(2016, 3, 1), dt.date(2017, 1, 1), dt.date(2017, 7, 1)]
    got = first_of_next_months(np.array([U.to_day(d) for d in days]))
    assert [U.to_date(d) for d in got] == want


@pytest.mark.parametrize(
    "values",
    [["a", "b", None], ["a", 1, 2.0], ["x", "y"], [1, 2], ["x", float("nan")]],
)
def test_as_text_is_astype_str(values):
    import pandas as pd

    s = pd.Series(values)
    got, want = U.as_text(s), s.astype(str).to_numpy(dtype=object)
    assert got.dtype == object and len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        assert (g == w and type(g) is type(w)) or (pd.isna(g) and pd.isna(w))
