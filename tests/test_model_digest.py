"""``Model.digest``: the same value as pandas' ``hash_pandas_object`` of each table.

The digest is a provenance value stored in result files and compared when a batch resumes, so
the faster row hashing of :mod:`khoan.model` (text columns of distinct values hashed value by
value) must give pandas' hashes bit for bit, and the digests of the bundled models must not move.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from khoan import examples
from khoan.model import _SAMPLE, _hash_column, _hash_rows

# Digests computed with the plain pandas hashing (main at 68cbbe9), before the fast path.
BUNDLED = {
    "khanh_hoa_2016": "b3a94670b40ece1458a3228175731a11065a9cb6d37c1be914ef8cdb88a1f3ba",
    "khanh_hoa_2026": "32c94a8ada20a1c7c2443109fa2296e70d3945a672dd9f24c740c8a056fe2124",
}
NATIONAL_2025 = "9906e49372d1a4f8dc985482bdbe13d98eade3349058296e6b5ceca018bc6495"

_NULLS = [None, np.nan, pd.NA, pd.NaT]
_VI = ["", "Nguyễn Văn A", "Xã Phước Đồng", "Ðắk Lắk", "ủy ban", "Hòa", "Hoà", "Hòa"]

text = st.one_of(st.sampled_from(_VI), st.text(max_size=12))


def _plain(s: pd.Series) -> np.ndarray:
    return pd.util.hash_pandas_object(s, index=False).to_numpy()


def _column(base: list[str], n: int, distinct: bool, nulls: list[int], null: object) -> pd.Series:
    if distinct:  # identifier-like: every value different
        vals = [f"{base[i % len(base)]}{i}" for i in range(n)]
    else:
        vals = [base[i % len(base)] for i in range(n)]
    out = np.array(vals, dtype=object)
    for i in nulls:
        if n:
            out[i % n] = null
    return pd.Series(out, dtype=object)


@settings(max_examples=60, deadline=None)
@given(
    base=st.lists(text, min_size=1, max_size=8),
    n=st.sampled_from([0, 1, 5, _SAMPLE - 1, _SAMPLE, _SAMPLE + 1, 2500]),
    distinct=st.booleans(),
    nulls=st.lists(st.integers(0, 5000), max_size=3),
    null=st.sampled_from(_NULLS),
)
def test_text_column_hash_equals_pandas(base, n, distinct, nulls, null):
    s = _column(base, n, distinct, nulls, null)
    got = _hash_column(s)
    assert got.dtype == np.uint64
    np.testing.assert_array_equal(got, _plain(s))


@settings(max_examples=30, deadline=None)
@given(n=st.sampled_from([0, 3, _SAMPLE + 7]), null=st.sampled_from(_NULLS))
def test_all_null_and_mixed_columns_equal_pandas(n, null):
    for vals in (
        [null] * n,
        [i if i % 2 else f"x{i}" for i in range(n)],  # ints and texts: pandas' own path
        [f"{i}".encode() for i in range(n)],  # bytes
        list(range(n)),
    ):
        s = pd.Series(np.array(vals, dtype=object), dtype=object)
        np.testing.assert_array_equal(_hash_column(s), _plain(s))


def test_distinct_texts_take_the_value_by_value_path(monkeypatch):
    """The equality tests above would be empty if the fast path were never taken."""
    s = pd.Series([f"Nguyễn Văn {i}" for i in range(3 * _SAMPLE)], dtype=object)
    want = _plain(s)
    sorted_repeats = pd.Series(np.repeat([f"x{i}" for i in range(_SAMPLE)], 40), dtype=object)
    calls = []
    hash_array = pd.util.hash_array

    def spy(values, *args, **kwargs):
        calls.append(kwargs.get("categorize", True))
        return hash_array(values, *args, **kwargs)

    monkeypatch.setattr(pd.util, "hash_array", spy)
    np.testing.assert_array_equal(_hash_column(s), want)
    assert calls == [False]  # each text hashed, no factorising
    calls.clear()
    np.testing.assert_array_equal(_hash_column(sorted_repeats), _plain(sorted_repeats))
    assert calls[0] is True  # sorted, each value 40 times: pandas' factorised hashing


def test_rows_hash_equals_pandas_on_mixed_frames():
    n = 3 * _SAMPLE
    rng = np.random.default_rng(1)
    df = pd.DataFrame(
        {
            "id": [f"NV{i:06d}" for i in range(n)],
            "commune": np.repeat([f"Xã {i}" for i in range(n // 4)], 4),
            "grade": np.where(rng.random(n) < 0.3, None, "A1"),
            "step": pd.array(rng.integers(0, 9, n), dtype="Int64"),
            "coef": rng.random(n),
            "born": pd.to_datetime("1970-01-01") + pd.to_timedelta(rng.integers(0, 9000, n), "D"),
            "flag": pd.array(rng.random(n) < 0.5, dtype="boolean"),
            "name": pd.array([f"tên {i}" for i in range(n)], dtype="str"),
        }
    )
    df.loc[5, "coef"] = np.nan
    df.loc[6, "coef"] = -0.0
    for frame in (df, df.iloc[:0], df[["id"]], df.iloc[:, :0], df.set_axis(["a"] * 8, axis=1)):
        want = pd.util.hash_pandas_object(frame, index=False).to_numpy()
        np.testing.assert_array_equal(_hash_rows(frame), want)


@pytest.mark.parametrize("name", sorted(BUNDLED))
def test_bundled_model_digests_unchanged(name):
    assert examples.load(name).digest() == BUNDLED[name]


def test_national_digest_unchanged():
    from khoan.data.synth import national

    assert national(structure="2025", seed=0).digest() == NATIONAL_2025
