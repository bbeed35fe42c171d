"""Names and digests of the scenarios of a batch: safe folder names, canonical JSON digests."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from typing import Any

from .._canonical import canonical_json, jsonable, sha256, short_hash
from ..errors import ScenarioError
from ..scenarios.grid import scenario_name

__all__ = [
    "assign_stems",
    "runner_name",
    "safe_name",
    "scenario_dict",
    "scenario_digest",
    "scenario_name",
]

_WINDOWS_RESERVED = frozenset(
    ["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$", "CLOCK$"]
    + [f"{p}{d}" for p in ("COM", "LPT") for d in [*"0123456789", "¹", "²", "³"]]
)
_FORBIDDEN = set('<>:"/\\|?*')
_NAME_LIMIT = 100
_BYTE_LIMIT = 150  # UTF-8 bytes of the stem (file systems allow 255 bytes per name)


def safe_name(name: str, *, max_length: int = _NAME_LIMIT) -> str:
    """A file-system-safe folder name for a scenario name.

    The name is normalised to NFC; path separators, characters Windows forbids (``<>:"/\\|?*``),
    control characters and whitespace become ``_``; leading and trailing dots, spaces and
    underscores are dropped (so ``..`` cannot climb a folder); a reserved Windows device name
    (``CON``, ``NUL``, ``COM1``, ...) gets a leading ``_``. When anything other than Unicode
    normalisation changed the name, or it is longer than ``max_length`` characters (or 150 UTF-8
    bytes), it is cut and gets ``~`` and 8 hex digits of the SHA-256 of the original name, so
    that two different names stay different.

    Parameters
    ----------
    name : str
        Scenario name as the user wrote it.
    max_length : int
        Characters kept before the hash suffix.

    Returns
    -------
    str
        A name of at most ``max_length + 9`` characters, never empty, never ``.`` or ``..``.

    Examples
    --------
    >>> safe_name("giảm 10% — nghỉ hưu sớm")
    'giảm_10%_—_nghỉ_hưu_sớm~...'  # doctest: +SKIP
    >>> safe_name("../../etc/x").startswith("etc_x~")
    True
    >>> safe_name("CON").startswith("_CON~")
    True
    """
    original = unicodedata.normalize("NFC", str(name))
    chars = []
    for ch in original:
        if ch in _FORBIDDEN or ch.isspace() or unicodedata.category(ch)[0] == "C":
            chars.append("_")
        else:
            chars.append(ch)
    s = re.sub(r"_{2,}", "_", "".join(chars)).strip(" ._")
    if not s:
        s = "scenario"
    if s.split(".")[0].rstrip(" ").upper() in _WINDOWS_RESERVED:
        s = "_" + s
    too_long = len(s) > max_length or len(s.encode("utf-8")) > _BYTE_LIMIT
    if s == original and not too_long:
        return s
    s = s[:max_length]
    while len(s.encode("utf-8")) > _BYTE_LIMIT:
        s = s[:-1]
    s = s.rstrip(" .") or "scenario"
    return f"{s}~{short_hash(original)}"


def assign_stems(names: Sequence[str]) -> list[str]:
    """Safe, unique (case-insensitively) folder names, in the order of ``names``."""
    taken: set[str] = set()
    stems = []
    for name in names:
        stem = safe_name(name)
        if stem.casefold() in taken:
            base = safe_name(name, max_length=_NAME_LIMIT).split("~")[0]
            stem = f"{base}~{short_hash(unicodedata.normalize('NFC', name))}"
            k = 2
            while stem.casefold() in taken:  # pragma: no cover - a SHA-256 prefix collision
                stem = f"{base}~{short_hash(name)}-{k}"
                k += 1
        taken.add(stem.casefold())
        stems.append(stem)
    return stems


def scenario_dict(scenario: Any) -> dict[str, Any]:
    """The scenario's fields as plain JSON data (what its digest is computed from)."""
    d = jsonable(scenario)
    if not isinstance(d, dict):
        raise ScenarioError(f"not a scenario: {scenario!r}")
    return d


def scenario_digest(scenario: Any) -> str:
    """SHA-256 of a scenario's canonical JSON (sorted keys, NFC text, no whitespace).

    Two scenarios with equal digests ask for the same computation.
    """
    return sha256(canonical_json(scenario_dict(scenario)).encode("utf-8"))


def runner_name(fn: Callable) -> str:
    """``module.qualname`` of the function that runs a scenario (part of a run's inputs)."""
    return f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', repr(fn))}"
