"""The movable people's pay computed only for the months whose rates change
(:func:`khoan.scenarios.year_pay._movable_months`) is the engine's dense month-by-month pay,
bit for bit: each month, the annual sums, the monthly totals and the compact store."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from khoan.payroll import COMPONENTS, monthly_rates, prepare, run_inputs
from khoan.scenarios import year_pay as YP
from khoan.scenarios.monthly_pay import MonthlyPay, RateMonths


def _full_year(model, year):
    """The roster's arrays with everyone present the whole year (as the movable people)."""
    inp, keys = prepare(model, year)
    b = monthly_rates(model, year).bounds
    inp = dataclasses.replace(
        inp, start=np.full(inp.n, b[0], dtype=inp.start.dtype), end=np.full(inp.n, b[12])
    )
    return inp, keys


@pytest.mark.parametrize("year", [2016, 2017, 2019])
def test_rate_months_are_the_dense_months(kh2016, year):
    inp, keys = _full_year(kh2016, year)
    # step rises in every month, so that the rise and the rate changes cross
    inp = dataclasses.replace(inp, rise_month=np.arange(inp.n) % 13)
    rates = monthly_rates(kh2016, year)
    dense = run_inputs(kh2016, year, inp, keys, keep_monthly=True, details=False, rates=rates)
    assert dense.monthly is not None
    arrays = [dense.monthly[c] for c in COMPONENTS]
    rm = YP._movable_months(kh2016, year, inp, keys, rates)
    assert len(np.unique(rm.group)) < 12  # computed on fewer months than twelve
    for k in range(len(COMPONENTS)):
        for m in range(12):
            assert np.array_equal(rm.month(k, m), arrays[k][m]), (k, m)
    ref = RateMonths.from_months(arrays)
    assert np.array_equal(rm.annual(), ref.annual())
    full = np.stack([a[0] for a in arrays]).astype(float)
    for m in range(1, 12):
        for k, a in enumerate(arrays):
            full[k] += a[m]
    assert np.array_equal(rm.annual(), full)
    tot = np.array(arrays[0], dtype=float)
    for a in arrays[1:]:
        tot += a
    assert np.array_equal(rm.totals(), tot)
    a, b = rm.compact(), MonthlyPay.from_months(arrays)
    for f in ("first", "comp", "person", "value", "starts"):
        x, z = getattr(a, f), getattr(b, f)
        assert x.dtype == z.dtype and np.array_equal(x, z), f


def test_running_sum_is_cumsum():
    # the horizon's running sum written year by year is np.cumsum over the stacked months
    rng = np.random.default_rng(1)
    years = [rng.random((12, 50)) * 10 ** rng.integers(3, 9, (12, 50)) for _ in range(3)]
    csum = np.zeros((37, 50))
    row = 0
    for t in years:
        row = YP._running_sum(csum, row, t)
    assert row == 36
    ref = np.zeros((37, 50))
    np.cumsum(np.concatenate(years), axis=0, out=ref[1:])
    assert np.array_equal(csum, ref)
