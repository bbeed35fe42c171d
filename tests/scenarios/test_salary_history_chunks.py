"""The 60-month salary history in chunks of people gives what one pass over everyone gives.

``salary_history.average_salary`` rebuilds the people × months arrays a chunk of people at a
time (issue 15: a national roster at once took over 1 GiB); each person's months are
independent, so the averages, month counts and notes must not depend on the chunk size, nor on
whether the leave dates come as one date, as a ``DatetimeIndex`` or as Python objects.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from khoan import examples
from khoan import salary_history as H

LEAVE = "2018-07-01"


def _roster() -> tuple[pd.DataFrame, object]:
    m = examples.load("khanh_hoa_2016")
    staff = m.staff[m.staff["category"].astype(str).isin(["can_bo", "cong_chuc"])]
    return staff.reset_index(drop=True), m.params


def test_chunked_average_equals_one_pass(monkeypatch):
    staff, params = _roster()
    assert len(staff) > 1000
    whole = H.average_salary(staff, LEAVE, "nd108", params, as_of="2016-01-01")
    monkeypatch.setattr(H, "_CHUNK", 97)  # many chunks, the last one short
    chunked = H.average_salary(staff, LEAVE, "nd108", params, as_of="2016-01-01")
    pd.testing.assert_frame_equal(chunked, whole, check_exact=True)
    # the comparison has something to compare: averages, short services and notes
    assert whole["average_salary"].gt(0).all()
    assert (whole["months_averaged"] < 60).any() and (whole["basis_note"] != "").any()


def test_leave_dates_per_person_in_any_form(monkeypatch):
    staff, params = _roster()
    monkeypatch.setattr(H, "_CHUNK", 251)
    days = np.where(np.arange(len(staff)) % 3 == 0, "2017-01-01", "2019-10-15")
    as_index = pd.DatetimeIndex(days)
    a = H.average_salary(staff, as_index, "nd108", params, as_of="2016-01-01")
    b = H.average_salary(
        staff, [pd.Timestamp(d) for d in days], "nd108", params, as_of="2016-01-01"
    )
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    # each group equals the same people on their one date
    for d in ("2017-01-01", "2019-10-15"):
        sel = days == d
        one = H.average_salary(staff[sel], d, "nd108", params, as_of="2016-01-01")
        np.testing.assert_array_equal(
            a.loc[sel, "average_salary"].to_numpy(), one["average_salary"].to_numpy()
        )
        np.testing.assert_array_equal(a.loc[sel, "basis_note"].to_numpy(), one["basis_note"])


def test_people_with_the_same_arrays_rebuilt_once_give_each_their_own_result():
    """``averages_on`` rebuilds each distinct set of arrays once (no supplied history); the
    averages, month counts and notes are bit for bit those of every person rebuilt."""
    staff, params = _roster()
    rng = np.random.default_rng(3)
    # many copies of a few people, with the inputs that change a month: a step 0 (held at 1),
    # a start of service inside the windows, before them (the same as long before), -0.0
    pick = rng.integers(0, 40, 3000)
    s = staff.iloc[pick].reset_index(drop=True)
    s["id"] = [f"P{i}" for i in range(len(s))]
    s.loc[::7, "step"] = 0
    s.loc[::11, "start_date"] = pd.Timestamp("2015-03-10")
    s.loc[::13, "start_date"] = pd.Timestamp("1990-01-01")
    s.loc[::17, "start_date"] = pd.Timestamp("1985-06-01")
    s.loc[::19, "bao_luu"] = -0.0
    s.loc[::23, "bao_luu"] = 0.0
    s.loc[::29, "bao_luu"] = 0.15
    days = [dt.date(2016, 7, 1), dt.date(2018, 1, 15), dt.date(2019, 7, 1)]
    sa = H.staff_arrays(s, params, "2016-01-01")
    rep, inverse = H._distinct_people(sa, 2016 * 12 - 60)
    assert 40 <= len(rep) < 400  # rebuilt a few hundred times, not 3,000
    assert (inverse[rep] == np.arange(len(rep))).all()
    got = H.averages_on(sa, days, "nd108", params, as_of="2016-01-01")
    for d in days:
        ref = H.average_salary(s, d, "nd108", params, as_of="2016-01-01")
        avg, months, note = got[d]
        assert avg.tobytes() == ref["average_salary"].to_numpy().tobytes()
        np.testing.assert_array_equal(months, ref["months_averaged"].to_numpy())
        assert (note == ref["basis_note"].to_numpy(dtype=object)).all()
    notes = set(got[days[0]][2])
    assert any("service from 2015-04" in t for t in notes)
    assert any("step 1 assumed" in t for t in notes)


def test_staff_arrays_read_text_columns_of_any_dtype_alike():
    """Texts held as ``str`` objects are read as they are; other columns through ``astype(str)``:
    the same ids and categories either way."""
    m = examples.load("khanh_hoa_2016")
    s, params = m.staff.sample(600, random_state=0).reset_index(drop=True), m.params
    s.loc[:4, "category"] = None  # missing: through astype(str), as before
    plain = H.staff_arrays(s, params, "2016-01-01")
    as_str = s.astype({"id": "str", "category": "str"})
    other = H.staff_arrays(as_str, params, "2016-01-01")
    assert s["id"].dtype == object and as_str["id"].dtype != object
    assert list(plain.ids) == list(other.ids) == list(s["id"])
    np.testing.assert_array_equal(plain.nhdkct, other.nhdkct)
    assert plain.nhdkct.any()


def test_distinct_sets_are_exact_for_arrays_of_any_width():
    """The sets are keyed on the values' bits at their own width: float32 coefficients that
    differ after the decimal point are two sets (a cast to int64 merged them), and arrays
    without an exact key (objects) are not grouped at all."""
    import dataclasses

    staff, params = _roster()
    sa = H.staff_arrays(staff.iloc[:3].reset_index(drop=True), params, "2016-01-01")
    same = {
        f.name: getattr(sa, f.name)[[0, 0, 0]]
        for f in dataclasses.fields(sa)
        if f.name not in ("scale_day", "coef")
    }
    narrow = dataclasses.replace(sa, **same, coef=np.array([2.34, 2.67, 2.34], dtype=np.float32))
    rep, inverse = H._distinct_people(narrow, 2016 * 12 - 60)
    assert inverse.tolist() == [0, 1, 0] and rep.tolist() == [0, 1]
    loose = dataclasses.replace(sa, **same, coef=np.array([2.34, 2.34, 2.34], dtype=object))
    rep, inverse = H._distinct_people(loose, 2016 * 12 - 60)
    assert inverse.tolist() == [0, 1, 2] and rep.tolist() == [0, 1, 2]
