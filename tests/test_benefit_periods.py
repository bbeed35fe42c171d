"""The benefits' periods computed once per distinct case equal those computed person by person.

``benefit_inputs.periods`` groups people by birth day, sex and reduced age (and by
insured-since day) and computes the retirement month, months early and rounded years once per
group; the reference here is the person-by-person computation it replaced.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from khoan import retirement as R
from khoan.benefit_inputs import People, periods
from khoan.params import load_law

LAW = load_law()


def plain(p: People, leave: dt.date, tree) -> dict[str, np.ndarray]:
    leave_day = np.datetime64(leave, "D")
    month = R.pension_start_month(p.sex, p.birth_date, tree, leave, p.reduced_age)
    early = month - (leave.year * 12 + leave.month - 1) - int(leave.day > 1)
    insured = np.maximum(R.months_between(p.insured_since, leave_day), 0)
    return {
        "retire": R.first_of_month(month),
        "months_early": early,
        "years_early": R.round_years(np.maximum(early, 0), tree, on=leave),
        "insured_months": insured,
        "insured_years": R.round_years(insured, tree, on=leave),
        "months_after_decision": np.broadcast_to(
            R.months_between(p.decision_date, leave_day), (len(p.id),)
        ),
    }


def people(n: int, seed: int, span_days: int, times: bool, one_decision: bool) -> People:
    rng = np.random.default_rng(seed)
    birth = np.datetime64("1958-01-01", "ns") + (
        rng.integers(0, span_days, n) * 86_400 * 10**9
        + (rng.integers(0, 86_400, n) * 10**9 if times else 0)
    ).astype("timedelta64[ns]")
    insured = np.datetime64("1980-01-01", "ns") + rng.integers(0, span_days, n).astype(
        "timedelta64[D]"
    )
    decision = (
        np.array(["2016-01-01"], dtype="datetime64[ns]")
        if one_decision
        else np.datetime64("2014-01-01", "ns") + rng.integers(0, 700, n).astype("timedelta64[D]")
    )
    return People(
        id=np.array([f"P{i}" for i in range(n)], dtype=object),
        sex=rng.choice(np.array(["M", "F"], dtype=object), n),
        birth_date=birth.astype("datetime64[ns]"),
        insured_since=insured.astype("datetime64[ns]"),
        decision_date=decision.astype("datetime64[ns]"),
        current_salary=np.full(n, 5e6),
        average_salary=np.full(n, np.nan),
        basis_note=np.full(n, "", dtype=object),
        unemployment_insured=np.zeros(n, bool),
        reduced_age=rng.random(n) < 0.2,
    )


@settings(max_examples=40, deadline=None)
@given(
    n=st.sampled_from([0, 1, 2, 50, 3000]),
    seed=st.integers(0, 10**6),
    span_days=st.sampled_from([1, 40, 5_000, 20_000]),  # 20,000 days for 50 people: no groups
    times=st.booleans(),
    one_decision=st.booleans(),
    leave=st.sampled_from(
        [dt.date(2016, 1, 1), dt.date(2018, 7, 15), dt.date(2021, 1, 1), dt.date(2025, 9, 30)]
    ),
)
def test_periods_by_distinct_case_equal_person_by_person(
    n, seed, span_days, times, one_decision, leave
):
    p = people(n, seed, span_days, times, one_decision)
    got = periods(p, leave, LAW)
    want = plain(p, leave, LAW)
    for name, w in want.items():
        g = getattr(got, name)
        assert g.dtype == w.dtype, name
        assert g.shape == w.shape, name
        assert g.tobytes() == w.tobytes(), name


def test_many_people_share_few_cases():
    """The grouping is taken (3,000 people born over 40 days: about 160 cases)."""
    from khoan.benefit_inputs import _by_day

    p = people(3000, 1, 40, False, True)
    sx = (p.sex == "F").astype(np.int64)
    rep, inv = _by_day(p.birth_date, sx * 2 + p.reduced_age, 4)
    assert len(rep) <= 160
    day = p.birth_date.astype("datetime64[D]")
    assert (day[rep][inv] == day).all()
    assert (p.sex[rep][inv] == p.sex).all()
    assert (p.reduced_age[rep][inv] == p.reduced_age).all()
    # a missing date or dates that are not datetime64: every row its own group
    for dates in (np.array(["2000-01-01", "NaT"], "datetime64[ns]"), np.array([1, 1], object)):
        rep, inv = _by_day(dates, np.zeros(2, np.int64), 1)
        assert rep.tolist() == inv.tolist() == [0, 1]
