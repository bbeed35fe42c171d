"""The leavers' text columns: the first use converts its rows only, later uses take from the
whole column converted once; both give the same pandas column (values and dtype)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from khoan.scenarios.projection import _text_column, _text_of


def _universe(n: int, rng) -> SimpleNamespace:
    ids = np.array([f"NV{i:06d}" for i in range(n)], dtype=object)
    cats = np.array(["can_bo", "cong_chuc", "nhdkct", "Cán bộ"], dtype=object)[
        rng.integers(0, 4, n)
    ]
    positions = cats.copy()
    positions[rng.random(n) < 0.3] = np.nan  # missing stays missing (universe.as_text)
    positions[: n // 10] = np.nan  # a block of rows all missing
    return SimpleNamespace(ids=ids, cats=cats, positions=positions, derived={})


@pytest.mark.parametrize("size", [1, 7, 600, 5000])
def test_first_use_equals_the_prepared_column(size):
    rng = np.random.default_rng(size)
    n = 20_000
    for rows in (
        np.sort(rng.choice(n, size, replace=False)),
        np.arange(min(size, n // 10)),  # positions all missing here
    ):
        u = _universe(n, rng)
        for name in ("ids", "cats", "positions"):
            first = _text_of(u, name, rows)
            assert ("text", name) not in u.derived  # nothing converted whole yet
            again = _text_of(u, name, rows)
            assert ("text", name) in u.derived  # converted whole on the second use
            plain = _text_column(np.asarray(getattr(u, name))[rows])
            a, b, c = (pd.DataFrame({"x": v})["x"] for v in (first, again, plain))
            assert a.dtype == b.dtype == c.dtype, name
            pd.testing.assert_series_equal(a, b)
            pd.testing.assert_series_equal(a, c)
