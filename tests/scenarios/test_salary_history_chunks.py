"""The 60-month salary history in chunks of people gives what one pass over everyone gives.

``salary_history.average_salary`` rebuilds the people × months arrays a chunk of people at a
time (issue 15: a national roster at once took over 1 GiB); each person's months are
independent, so the averages, month counts and notes must not depend on the chunk size, nor on
whether the leave dates come as one date, as a ``DatetimeIndex`` or as Python objects.
"""

from __future__ import annotations

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
