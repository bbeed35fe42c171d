"""Roster ageing between years (NĐ 204/2004 step rises, TT 04/2005 TNVK, NĐ 92/2009 cadres)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from khoan.params import load_law
from khoan.payroll import payroll
from khoan.scenarios import advance_roster, make_hires
from khoan.scenarios.roster import _MAX_ROUNDS, _code_of, add_years, age, steps_of

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


# -- ageing on the due people only, and whole years added on arrays, against the plain code ---


def _plain_add_years(dates, years):
    """``add_years`` by pandas' DateOffset, one distinct number of years at a time."""
    d = pd.DatetimeIndex(dates)
    yrs = np.broadcast_to(np.asarray(years, dtype=np.int64), (len(d),))
    arr = d.to_numpy(copy=True)
    ok = ~d.isna()
    for k in np.unique(yrs[ok]):
        m = ok & (yrs == k)
        arr[m] = (d[m] + pd.DateOffset(years=int(k))).to_numpy()
    return pd.DatetimeIndex(arr)


def _plain_age(steps, to_date, params):
    """The rule applied with masks over everyone, as written before (the reference)."""
    to = pd.Timestamp(to_date)
    n = len(steps.coef)
    nxt = steps.nxt.copy()
    step, coef, tnvk = steps.step.copy(), steps.coef.copy(), steps.tnvk.copy()
    grade = steps.grade
    # the rules change only on the parameters' dates: group rises by the rule period they fall in
    keys = ("salary.scales", "allowances.tnvk", "salary.cadre_untrained")
    change = np.unique(
        np.concatenate(
            [np.asarray(params.parameter(k).dates, dtype="datetime64[ns]") for k in keys]
        )
    )
    untrained_code = _code_of(steps.grades, "cadre_untrained")
    due = ~np.isnat(nxt) & (nxt < to.to_datetime64())
    rounds = 0
    while due.any():
        rounds += 1
        if rounds > _MAX_ROUNDS:  # pragma: no cover - guards against a zero-year step
            raise AssertionError(
                "advance_roster: rises do not converge (a scale with 0 years per step?)"
            )
        # one rise for each due person: the earliest one (others come in the next round)
        period = np.searchsorted(change, nxt, side="right")
        for per in np.unique(period[due]):
            m = due & (period == per)
            day = pd.Timestamp(nxt[m].min()).date()
            scales = params.value("salary.scales", day)
            tn = params.value("allowances.tnvk", day)
            years_next = np.zeros(n, dtype=np.int64)
            stop = np.zeros(n, dtype=bool)
            known = np.zeros(len(steps.grades) + 1, dtype=bool)  # last: no grade (code -1)
            for g, sc in scales.items():
                gc = _code_of(steps.grades, g)
                if gc < 0:
                    continue
                known[gc] = True
                mg = m & (grade == gc)
                if not mg.any():
                    continue
                first, inc, top = float(sc["first"]), float(sc["increment"]), int(sc["steps"])
                st = np.where(np.isnan(step[mg]), np.round((coef[mg] - first) / inc) + 1, step[mg])
                below = st < top
                new_st = np.where(below, st + 1, st)
                step[mg] = new_st
                coef[mg] = np.where(below, np.round(first + (new_st - 1) * inc, 6), coef[mg])
                at_top_now = below & (new_st == top)
                t0 = tnvk[mg]
                tnvk[mg] = np.where(
                    below,
                    t0,
                    np.where(t0 > 0, t0 + float(tn["increment_pct"]), float(tn["start_pct"])),
                )
                ytop = int(tn["years_at_top"].get(g, sc["years_per_step"]))
                years_next[mg] = np.where(
                    at_top_now, ytop, np.where(below, int(sc["years_per_step"]), 1)
                )
            mu = m & (grade == untrained_code) if untrained_code >= 0 else np.zeros(n, bool)
            if mu.any():
                untrained = params.value("salary.cadre_untrained", day)
                pc = steps.position[mu]
                names = np.append(steps.positions, None)  # code -1: no position
                s2 = np.array([float(untrained[p][1]) for p in names[pc]])
                coef[mu] = s2
                step[mu] = 2
                stop[mu] = True
            if untrained_code >= 0:
                known[untrained_code] = True
            other = m & ~known[grade]
            stop |= other
            adv = m & ~stop
            new = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
            if adv.any():
                new[adv] = _plain_add_years(pd.DatetimeIndex(nxt[adv]), years_next[adv]).to_numpy()
            nxt = np.where(m, new, nxt)
        due = ~np.isnat(nxt) & (nxt < to.to_datetime64())
    return steps.replace(nxt=nxt, step=np.round(step), coef=coef, tnvk=tnvk)


def test_add_years_on_arrays_is_date_offset():
    rng = np.random.default_rng(5)
    days = rng.integers(-20_000, 30_000, 3_000).astype("datetime64[D]").astype("datetime64[ns]")
    days[:4] = np.array(["2016-02-29", "2000-02-29", "2019-12-31", "NaT"], dtype="datetime64[ns]")
    days[4] = np.datetime64("2017-03-05T13:45:10.5", "ns")  # a time of day is kept
    years = rng.integers(0, 6, len(days))
    years[:2] = [1, 4]
    got = add_years(pd.DatetimeIndex(days), years)
    assert got.equals(_plain_add_years(pd.DatetimeIndex(days), years))
    assert got[0] == pd.Timestamp("2017-02-28") and got[1] == pd.Timestamp("2004-02-29")
    # beyond the range of nanoseconds: the pandas path, whatever it does
    far = pd.DatetimeIndex(np.array(["2200-01-01"], dtype="datetime64[ns]"))
    try:
        want = _plain_add_years(far, 100)
    except (OverflowError, ValueError) as exc:
        with pytest.raises(type(exc)):
            add_years(far, 100)
    else:
        assert add_years(far, 100).equals(want)


def test_age_on_due_people_is_the_masked_rule(kh2016):
    steps = steps_of(kh2016.staff)
    rng = np.random.default_rng(0)
    n = len(steps.coef)
    # rises due at any time, steps missing (derived from the coefficient) for some people
    nxt = (rng.integers(15_000, 19_000, n)).astype("datetime64[D]").astype("datetime64[ns]")
    nxt[rng.random(n) < 0.1] = np.datetime64("NaT")
    step = np.where(rng.random(n) < 0.2, np.nan, steps.step)
    steps = steps.replace(nxt=nxt, step=step)
    for y in (2016, 2019, 2022):
        got = age(steps, f"{y}-01-01", kh2016.params)
        ref = _plain_age(steps, f"{y}-01-01", kh2016.params)
        for f in ("nxt", "step", "coef", "tnvk", "grade", "position"):
            a, b = getattr(got, f), getattr(ref, f)
            if a.dtype.kind == "M":  # NaT compared as the integers it is stored as
                a, b = a.view(np.int64), b.view(np.int64)
            assert a.dtype == b.dtype and np.array_equal(a, b, equal_nan=a.dtype.kind == "f"), f
        steps = got
