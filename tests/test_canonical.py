"""Canonical JSON: the fast path for built-in types gives what the general conversion gives."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import json
import math
from collections.abc import Mapping
from pathlib import PurePosixPath

import numpy as np
import pandas as pd

from khoan._canonical import canonical_json, jsonable


def _reference(v):
    """The conversion before the fast path (isinstance checks only), for comparison."""
    if v is None or isinstance(v, bool | str):
        return v
    if isinstance(v, int | np.integer):
        return int(v)
    if isinstance(v, float | np.floating):
        f = float(v)
        return f if math.isfinite(f) else str(f)
    if isinstance(v, np.bool_):
        return bool(v)
    if isinstance(v, pd.Timestamp | dt.datetime | dt.date | dt.time):
        return v.isoformat()
    if isinstance(v, np.datetime64):
        return str(v)
    if isinstance(v, PurePosixPath):
        return v.as_posix()
    if isinstance(v, enum.Enum):
        return _reference(v.value)
    if isinstance(v, np.ndarray):
        return [_reference(x) for x in v.tolist()]
    if isinstance(v, pd.DataFrame | pd.Series):
        return f"<{type(v).__name__} {v.shape}>"
    if isinstance(v, Mapping):
        return {str(k): _reference(x) for k, x in v.items()}
    if isinstance(v, set | frozenset):
        items = [_reference(x) for x in v]
        return sorted(items, key=lambda x: json.dumps(x, sort_keys=True, ensure_ascii=False))
    if isinstance(v, list | tuple):
        return [_reference(x) for x in v]
    if dataclasses.is_dataclass(v) and not isinstance(v, type):
        return {f.name: _reference(getattr(v, f.name)) for f in dataclasses.fields(v)}
    return str(v)


class Kind(enum.IntEnum):
    EARLY = 1


class Policy(enum.StrEnum):
    RESIGNATION = "resignation"


@dataclasses.dataclass
class Point:
    x: int
    when: dt.date


VALUES = [
    None,
    True,
    np.bool_(False),
    3,
    -(10**20),
    Kind.EARLY,  # an int subclass: its value, not itself
    np.int64(7),
    1.5,
    math.nan,
    -math.inf,
    np.float32(0.25),
    "Xã Tân Lập",
    Policy.RESIGNATION,
    dt.date(2016, 7, 1),
    pd.Timestamp("2017-01-01"),
    np.datetime64("2018-03-01"),
    PurePosixPath("a/b.toml"),
    np.arange(3),
    {1: "a", (2, 3): [1.0, math.inf], "n": {"deep": [None, True, {"x": np.int32(2)}]}},
    (1, "2", [3, (4,)]),
    {"b", "a"},
    Point(1, dt.date(2020, 1, 1)),
    [{"key": "a.b", "from": dt.date(2016, 1, 1), "value": 28_000_000}],
]


def test_jsonable_equals_the_general_conversion():
    for v in VALUES:
        got, want = jsonable(v), _reference(v)
        assert got == want and type(got) is type(want), v
        assert canonical_json(v) == json.dumps(
            want, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False
        )
    assert jsonable(VALUES) == _reference(VALUES)


def test_int_subclasses_become_plain_ints():
    out = jsonable({"k": Kind.EARLY, "b": True})
    assert out == {"k": 1, "b": True}
    assert type(out["k"]) is int and type(out["b"]) is bool
