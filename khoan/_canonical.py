"""Canonical JSON: plain, deterministic JSON data of scenarios and results, and their digests.

Used for scenario digests and manifests of batch runs (:mod:`khoan.batch`) and for the labels
of generated grid scenario names (:mod:`khoan.scenarios.grid`). The same value always gives the
same text: keys sorted, no whitespace, NFC text kept as is (``ensure_ascii=False``), no
``id()`` or memory address.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import enum
import hashlib
import json
import math
from collections.abc import Mapping
from pathlib import PurePath
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["canonical_json", "jsonable", "sha256", "short_hash"]


def jsonable(v: Any) -> Any:
    """Plain JSON data for provenance and digests (deterministic: no ``id()`` or addresses)."""
    # the exact built-in types first (most of a provenance): one type lookup instead of the
    # chain of isinstance checks below, with the same result
    t = type(v)
    if t is str or t is bool or t is int or v is None:
        return v
    if t is dict:
        return {k if type(k) is str else str(k): jsonable(x) for k, x in v.items()}
    if t is list or t is tuple:
        return [jsonable(x) for x in v]
    if t is float:
        return v if math.isfinite(v) else str(v)
    return _jsonable(v)


def _jsonable(v: Any) -> Any:
    if v is None or isinstance(v, bool | str):
        return v
    if isinstance(v, int | np.integer):
        return int(v)
    if isinstance(v, float | np.floating):
        f = float(v)
        return f if math.isfinite(f) else str(f)
    if isinstance(v, np.bool_):
        return bool(v)
    if isinstance(v, pd.Timestamp | _dt.datetime | _dt.date | _dt.time):
        return v.isoformat()
    if isinstance(v, np.datetime64):
        return str(v)
    if isinstance(v, PurePath):
        return v.as_posix()
    if isinstance(v, enum.Enum):
        return jsonable(v.value)
    if isinstance(v, np.ndarray):
        return [jsonable(x) for x in v.tolist()]
    if isinstance(v, pd.DataFrame | pd.Series):
        return f"<{type(v).__name__} {v.shape}>"
    if isinstance(v, Mapping):
        return {str(k): jsonable(x) for k, x in v.items()}
    if isinstance(v, set | frozenset):
        items = [jsonable(x) for x in v]
        return sorted(items, key=lambda x: json.dumps(x, sort_keys=True, ensure_ascii=False))
    if isinstance(v, list | tuple):
        return [jsonable(x) for x in v]
    if hasattr(v, "to_dict") and callable(v.to_dict):
        return jsonable(v.to_dict())
    if dataclasses.is_dataclass(v) and not isinstance(v, type):
        return {f.name: jsonable(getattr(v, f.name)) for f in dataclasses.fields(v)}
    if isinstance(v, type) or callable(v):
        return f"{getattr(v, '__module__', '?')}.{getattr(v, '__qualname__', repr(v))}"
    return str(v)


def canonical_json(v: Any) -> str:
    """Canonical JSON text of ``v`` (sorted keys, no whitespace, NaN refused)."""
    return json.dumps(
        jsonable(v), sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False
    )


def sha256(data: bytes) -> str:
    """Hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def short_hash(text: str, n: int = 8) -> str:
    """The first ``n`` hex digits of the SHA-256 of ``text`` (UTF-8)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:n]
