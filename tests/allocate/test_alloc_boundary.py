"""What the allocation table shows is exactly what is enforced (issue 12, item 12).

The ``floor``, ``lower`` and ``upper`` columns are the whole-đồng bounds the solver enforces: an
envelope equal to Σ max(floor, lower) read from the table is allocated (every commune at its
bound), one đồng less is refused with a shortfall of 1 VND.
"""

from __future__ import annotations

import numpy as np
import pytest

from khoan import allocate, examples
from khoan.allocate.api import build_problem, corridor_bounds
from khoan.errors import InfeasibleError


@pytest.mark.parametrize(
    "last,corridor,lower,upper",
    [
        # exact decimal arithmetic: 100 × 1.15 is 115, not 114.99999999999999
        (100, 0.15, 85, 115),
        (7_000_000_000, 0.15, 5_950_000_000, 8_050_000_000),
        (1_000, 0.07, 930, 1_070),
        # fractions of a đồng: the lower bound rounds up, the upper one down
        (1_000_000_001, 0.15, 850_000_001, 1_150_000_001),
        (3, 0.1, 3, 3),
        (10, 0.0, 10, 10),
    ],
)
def test_corridor_bounds_whole_dong(last, corridor, lower, upper):
    lo, hi = corridor_bounds(np.array([last], dtype=float), corridor)
    assert (int(lo[0]), int(hi[0])) == (lower, upper)


@pytest.fixture(scope="module")
def model():
    return examples.load("khanh_hoa_2016")


def test_table_bounds_are_the_enforced_bounds(model):
    inp = build_problem(model, 2017, 500_000_000_000)
    t, p = inp.frame, inp.problem
    assert t["lower"].dtype == np.int64 and t["floor"].dtype == np.int64
    # the lower bounds enforced (whole đồng) are the table's, commune by commune
    assert np.array_equal(p.lo_int, np.maximum(t["floor"], t["lower"]).to_numpy())
    assert np.array_equal(p.hi_int, np.minimum(t["upper"], p.envelope).to_numpy())


def test_envelope_equal_to_the_tables_lower_bounds_is_allocated(model):
    first = allocate(model, 2017, "norm")
    t = first.table
    bound = np.maximum(t["floor"], t["lower"]).astype(np.int64)
    envelope = int(bound.sum())
    r = allocate(model, 2017, envelope)
    assert r.status == "optimal"
    assert int(r.table["allocation"].sum()) == envelope
    assert np.array_equal(r.table["allocation"].to_numpy(), bound.to_numpy())
    with pytest.raises(InfeasibleError, match="exceed the envelope by 1 VND") as ex:
        allocate(model, 2017, envelope - 1)
    assert ex.value.shortfall == pytest.approx(1)
