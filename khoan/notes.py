"""Bilingual notes: the explanatory notes a computation attaches to its result.

A :class:`Note` *is* its English text (a ``str``: equality, hashing, JSON, Parquet, digests
and fingerprints see the English text exactly) and carries the Vietnamese wording in
``.vi``; :func:`note_text` picks the one a reader of ``lang`` sees. The per-person
``basis_note`` column of the leavers' table stays English; :func:`translate_basis_note` gives
its Vietnamese wording when a sheet is written in Vietnamese.

Bottom layer: no law, no imports from khoan.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["Note", "note_text", "translate_basis_note", "vi_number"]


class Note(str):
    """A note whose ``str`` value is the English text; ``.vi`` holds the Vietnamese one
    (``repr`` too is that of the English text, so that printed lists of notes do not change).

    >>> n = Note("2 of 5 communes ...", "2 trong 5 đơn vị cấp xã ...")
    >>> n == "2 of 5 communes ...", note_text(n, "vi")
    (True, '2 trong 5 đơn vị cấp xã ...')
    """

    vi: str | None

    def __new__(cls, en: str, vi: str | None = None) -> Note:
        self = super().__new__(cls, en)
        self.vi = vi
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (Note, (str(self), self.vi))


def note_text(n: Any, lang: str = "vi") -> str:
    """The text of note ``n`` for a reader of ``lang``: the Vietnamese one for ``"vi"`` when
    ``n`` has one, else ``str(n)`` (the English text, or any plain string as it is)."""
    vi = getattr(n, "vi", None)
    if lang == "vi" and vi:
        return str(vi)
    return str(n)


def vi_number(x: Any) -> str:
    """A number as written in Vietnamese: dots between thousands, a decimal comma
    (``12345`` -> ``12.345``, ``0.15`` -> ``0,15``)."""
    if isinstance(x, bool):
        return str(x)
    if isinstance(x, int) or (hasattr(x, "is_integer") and float(x).is_integer() and abs(x) >= 1):
        return f"{int(x):,}".replace(",", ".")
    return f"{float(x):g}".replace(".", ",")


def _month_vi(ym: str) -> str:
    """``YYYY-MM`` -> ``MM/YYYY``."""
    y, m = ym.split("-")
    return f"{m}/{y}"


#: The parts of ``basis_note`` that :mod:`khoan.salary_history` and :mod:`khoan.benefits`
#: write (joined with ``"; "``), each with its Vietnamese wording.
_BASIS_PATTERNS: list[tuple[re.Pattern[str], Any]] = [
    (
        re.compile(r"average over (\d+) months \(service from (\d{4}-\d{2})\)"),
        lambda m: (
            f"bình quân {vi_number(int(m[1]))} tháng (thời gian công tác từ {_month_vi(m[2])})"
        ),
    ),
    (
        re.compile(r"back-cast below step 1 up to (\d{4}-\d{2}): step 1 assumed"),
        lambda m: f"tính lùi xuống dưới bậc 1 đến {_month_vi(m[1])}: tính theo bậc 1",
    ),
    (
        re.compile(r"(\d+) month\(s\) from the salary_history table"),
        lambda m: f"{vi_number(int(m[1]))} tháng lấy từ bảng diễn biến tiền lương (salary_history)",
    ),
    (
        re.compile(r"no salary history: average salary = current salary"),
        lambda m: "không có diễn biến tiền lương: tiền lương bình quân = tiền lương hiện hưởng",
    ),
]


def translate_basis_note(text: Any) -> Any:
    """The Vietnamese wording of a leaver's ``basis_note`` (parts joined with ``"; "``); a
    part it does not know (a note the caller supplied) is kept as it is. Not a string (None,
    NaN): returned unchanged."""
    if not isinstance(text, str) or not text:
        return text
    out = []
    for part in text.split("; "):
        for pattern, vi in _BASIS_PATTERNS:
            m = pattern.fullmatch(part)
            if m:
                part = vi(m)
                break
        out.append(part)
    return "; ".join(out)
