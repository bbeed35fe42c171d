"""Lookups keyed on distinct values give what converting every row gives.

``ParameterTree.lookup`` converts each distinct category to its key once
(:mod:`khoan.params.keys`); the reference below is the row-by-row lookup it replaced, kept
here to compare values, dtypes and error messages.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from khoan.errors import ParameterError
from khoan.params import ParameterTree
from khoan.params.keys import as_keys, combos, key_codes
from khoan.params.parameter import Parameter

DAY = dt.date(2020, 1, 1)
TABLE = {
    "xa": {"1": 25, "2": 23, "3": 21.5},
    "phuong": {"1": 24, "2": "hai", "3": 20},
    "thi_tran": {"1": 22, "2": 20, "3": 18},
    "1": {"1": 1, "2": 2, "3": 3},
}


def plain_lookup(key: str, value, arrays) -> np.ndarray:
    """The lookup as it was: every row converted to its key, the texts factorised."""
    keys = [as_keys(a) for a in arrays]
    n = max(len(k) for k in keys)
    keys = [np.resize(k, n) if len(k) != n else k for k in keys]
    flat: dict[tuple, object] = {}

    def rec(node, path, depth):
        if depth == len(keys):
            flat[path] = node
            return
        for k, v in node.items():
            rec(v, (*path, str(k)), depth + 1)

    rec(value, (), 0)
    blank = np.logical_or.reduce([pd.isna(k) for k in keys]) if n else np.zeros(0, bool)
    if blank.any():  # a missing category: an error, never another row's value
        rows = np.flatnonzero(blank)
        shown = ", ".join(str(int(r)) for r in rows[:10])
        raise ParameterError(
            f"parameter {key!r} on {DAY}: {len(rows)} row(s) have no category "
            f"(missing value at position(s) {shown}{', …' if len(rows) > 10 else ''}); "
            "fill the column before looking the parameter up — test"
        )
    combo = pd.MultiIndex.from_arrays(keys) if len(keys) > 1 else pd.Index(keys[0])
    codes, uniques = pd.factorize(combo)
    out_u = np.empty(len(uniques), dtype=object)
    missing = []
    for j, u in enumerate(uniques):
        t = u if isinstance(u, tuple) else (u,)
        if t in flat:
            out_u[j] = flat[t]
        else:
            missing.append("/".join(t))
    if missing:
        known = sorted({"/".join(t) for t in flat})
        raise ParameterError(
            f"parameter {key!r} on {DAY} has no value for {', '.join(missing[:10])} "
            f"(known: {', '.join(known[:20])}) — test"
        )
    res = out_u[codes]
    try:
        return res.astype(float)
    except (TypeError, ValueError):
        return res


def tree_with(value: Mapping) -> ParameterTree:
    p = Parameter(
        key="t.table",
        unit="posts",
        description={"vi": "Bảng thử", "en": "Test table"},
        source="test",
        dates=(dt.date(2010, 1, 1),),
        entries=({"value": value, "reference": "test", "confidence": "confirmed"},),
    )
    return ParameterTree({"t.table": p})


def _same(got, want):
    assert got.dtype == want.dtype
    assert len(got) == len(want)
    if got.dtype == float:
        np.testing.assert_array_equal(got, want)
    else:
        assert list(got) == list(want)


def _compare(value, arrays):
    tree = tree_with(value)
    try:
        want = plain_lookup("t.table", value, arrays)
    except Exception as exc:  # the same error, with the same message
        with pytest.raises(type(exc)) as got:
            tree.lookup("t.table", DAY, *arrays)
        assert str(got.value).rsplit(" — ", 1)[0] == str(exc).rsplit(" — ", 1)[0]
        return
    _same(tree.lookup("t.table", DAY, *arrays), want)


types = st.sampled_from(["xa", "phuong", "thi_tran", "dac_khu", "1", "Xã", ""])
classes = st.sampled_from([1, 2, 3, 4, 0, -1])
loose = st.sampled_from([1, 1.0, True, "1", "01", 2.5, None, np.nan, "xa", 3, "3.0", pd.NA])


def _as_array(vals, kind):
    if kind == "object":
        return np.array(vals, dtype=object)
    if kind == "list":
        return list(vals)
    return np.array(vals)  # ints, texts ('<U'), floats


@settings(max_examples=150, deadline=None)
@given(
    t=st.lists(types, min_size=0, max_size=40),
    c=st.lists(classes, min_size=0, max_size=40),
    kt=st.sampled_from(["numpy", "object", "list"]),
    kc=st.sampled_from(["numpy", "object", "list"]),
    two=st.booleans(),
)
def test_lookup_equals_row_by_row(t, c, kt, kc, two):
    n = min(len(t), len(c))
    t, c = t[:n], c[:n]
    if two:
        _compare(TABLE, [_as_array(t, kt), _as_array(c, kc)])
    else:
        _compare(TABLE["xa"], [_as_array(c, kc)])
        _compare({"xa": 1, "phuong": 2.5, "1": 7}, [_as_array(t, kt)])


@settings(max_examples=150, deadline=None)
@given(vals=st.lists(loose, max_size=30), kind=st.sampled_from(["object", "list"]))
def test_mixed_values_convert_as_each_row_does(vals, kind):
    arr = _as_array(vals, kind)
    codes, keys = key_codes(arr)
    want = as_keys(arr)
    missing = pd.isna(want)
    np.testing.assert_array_equal(codes < 0, missing)
    assert list(keys[codes[~missing]]) == list(want[~missing])
    _compare({"1": 1.5, "2.5": 2, "None": 3, "nan": 4, "xa": 5, "3": 6, "True": 7}, [arr])


def test_scalars_and_broadcast_levels():
    _compare(TABLE, [np.array(["xa", "phuong", "xa"]), 2])
    _compare(TABLE, ["xa", np.array([1, 2, 3, 3])])
    _compare(TABLE, ["thi_tran", 3])
    _compare(TABLE["xa"], [np.array([], dtype=np.int64)])
    _compare(TABLE, [np.array(["xa", "xa"]), np.array([1, 2, 3])])  # lengths 2 and 3


def test_unknown_categories_listed_in_row_order():
    t = np.array(["dac_khu", "xa", "khu", "dac_khu", "phuong"], dtype=object)
    c = np.array([1, 9, 2, 1, 3])
    with pytest.raises(ParameterError, match=r"no value for dac_khu/1, xa/9, khu/2 \(known"):
        tree_with(TABLE).lookup("t.table", DAY, t, c)
    _compare(TABLE, [t, c])


def test_key_codes_take_the_distinct_path_and_agree():
    rng = np.random.default_rng(0)
    ints = rng.integers(-3, 50, 5000)
    texts = np.array([f"loại {i}" for i in rng.integers(0, 7, 5000)], dtype=object)
    for arr in (ints, texts, texts.astype(str), ints.astype(np.uint8)):
        codes, keys = key_codes(arr)
        assert len(keys) == len(set(keys)) == len(np.unique(arr))
        assert list(keys[codes]) == list(as_keys(arr))
    joined = combos([key_codes(texts), key_codes(ints)])
    assert joined is not None
    codes, found = joined
    mi = pd.MultiIndex.from_arrays([as_keys(texts), as_keys(ints)])
    want_codes, want = pd.factorize(mi)
    np.testing.assert_array_equal(codes, want_codes)
    assert found == list(want)


def test_remembered_keys_equal_a_fresh_conversion_and_are_read_only():
    for arr in (
        np.array(["under_2", "2_5", "5_10", "2_5"], dtype=object),
        np.array([3, 1, 2, 3]),
        np.array([3, 1, 2, 3], dtype=np.uint8),
        np.array(["xa", "1", "01"]),
    ):
        for _ in range(2):  # the second call is answered from memory
            codes, keys = key_codes(arr.copy())
            assert list(keys[codes]) == list(as_keys(arr))
        with pytest.raises(ValueError, match="read-only"):
            keys[0] = "changed"


@pytest.mark.parametrize("missing", [None, np.nan, pd.NA])
def test_a_missing_category_is_an_error_not_another_rows_value(missing):
    """A row without a category used to take the value of the last distinct category (or
    raise ``IndexError`` when every row was missing): it is a ``ParameterError`` naming the
    parameter and the rows."""
    tree = tree_with(TABLE["xa"])
    with pytest.raises(
        ParameterError, match=r"'t.table' .*1 row\(s\) have no category .*position\(s\) 1\)"
    ):
        tree.lookup("t.table", DAY, np.array([1, missing, 3], dtype=object))
    with pytest.raises(ParameterError, match=r"2 row\(s\) have no category"):
        tree.lookup("t.table", DAY, np.array([missing, missing], dtype=object))
    with pytest.raises(ParameterError, match=r"have no category"):
        tree_with(TABLE).lookup(
            "t.table",
            DAY,
            np.array(["xa", "xa"], dtype=object),
            np.array([1, missing], dtype=object),
        )
