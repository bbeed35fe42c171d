"""Template headers (``Vietnamese label (code)``) and their mapping back to schema columns.

Kept apart from :mod:`khoan.report.template` so that the model loader can import
:func:`header_codes` without importing openpyxl.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import pandas as pd

from ..data.schema import Schema, get_schema
from .labels import COLUMN_LABELS, check_lang

__all__ = ["header_codes", "header_text"]

_CODE_RE = re.compile(r"\(\s*([A-Za-z][A-Za-z0-9_]*)\s*\)\s*\*?\s*$")


def _schema(schema: Schema | str) -> Schema:
    return get_schema(schema) if isinstance(schema, str) else schema


def header_text(column: str, lang: str = "vi") -> str:
    """Template header of a schema column: ``"Hệ số lương (coefficient)"``."""
    check_lang(lang)
    pair = COLUMN_LABELS.get(column)
    if pair is None:
        return column
    return f"{pair[0] if lang == 'vi' else pair[1]} ({column})"


def _norm(s: object) -> str:
    return " ".join(unicodedata.normalize("NFC", str(s)).lower().split())


def header_codes(raw: pd.DataFrame, schema: Schema | str) -> pd.DataFrame:
    """``raw`` with template headers replaced by the schema's column names.

    A header is recognised (case-insensitively, after NFC normalisation and whitespace
    collapsing) when it is the column code, ends with the code in brackets
    (``Hệ số lương (coefficient)``), or is the column's Vietnamese or English label or
    description. Anything else is left as it is, so that the schema check reports it as an
    unknown column at row 1. Rows and their order are unchanged.
    """
    sch = _schema(schema)
    names = sch.names
    lookup: dict[str, str | None] = {}

    def add(key: str, code: str) -> None:
        k = _norm(key)
        if not k:
            return
        if k in lookup and lookup[k] != code:
            lookup[k] = None  # ambiguous: do not guess
        else:
            lookup[k] = code

    for spec in sch.columns:
        c = spec.column
        for lang in ("vi", "en"):
            add(header_text(c, lang), c)
        pair = COLUMN_LABELS.get(c)
        if pair:
            add(pair[0], c)
            add(pair[1], c)
        add(spec.description_vi, c)
        add(spec.description_en, c)
    for c in names:  # codes win over labels
        lookup[_norm(c)] = c
    new: list[Any] = []
    for h in raw.columns:
        code = lookup.get(_norm(h))
        if code is None:
            m = _CODE_RE.search(unicodedata.normalize("NFC", str(h)))
            if m and m.group(1) in names:
                code = m.group(1)
        new.append(code if code is not None else h)
    return raw.set_axis(new, axis=1)
