"""Vietnamese (default) and English labels of result columns, components and sheets.

``label("salary_fund")`` -> ``"Quỹ lương, phụ cấp"``; ``label("salary_fund", "en")`` ->
``"Salary and allowance fund"``. Unknown names are returned unchanged, so a table with a new
column still prints. Category codes inside cells (``xa``, ``can_bo``, ``M``...) are labelled with
the tables of :mod:`khoan.data.labels` (the same tables the readers use to map labels back to
codes). The label data itself is in :mod:`khoan.report.labels_data` (re-exported here).

:data:`MONEY_COLUMNS` lists the columns that hold VND amounts (formatted ``#,##0`` in
workbooks, in millions or billions of đồng on chart axes); :data:`ADDITIVE_COLUMNS` the
columns that a totals row sums (money and counts of people, posts, villages...).
"""

from __future__ import annotations

import functools
from typing import Any

import pandas as pd

from ..data.labels import CATEGORY_LABELS
from ..data.labels import label as _category_label
from ..errors import KhoanError
from .labels_data import (
    ADDITIVE_COLUMNS,
    COLUMN_LABELS,
    LANGS,
    MONEY_COLUMNS,
    MONEY_WHEN_INT,
    PROVENANCE_LABELS,
    RESULT_VALUE_LABELS,
    SHORT_LABELS,
    STOCK_COLUMNS,
    VALUE_LABELS,
)
from .labels_data import (
    STATUS_LABELS as STATUS_LABELS,  # re-exported: the CLI's status column
)

__all__ = [
    "ADDITIVE_COLUMNS",
    "COLUMN_LABELS",
    "LANGS",
    "MONEY_COLUMNS",
    "PROVENANCE_LABELS",
    "STOCK_COLUMNS",
    "VALUE_LABELS",
    "category_label",
    "check_lang",
    "code_label",
    "describe_params",
    "key_label",
    "label",
    "provenance_label",
    "relabel",
    "relabel_values",
    "text",
    "value_label",
    "workbook_values",
    "yes_no",
]


def check_lang(lang: str) -> str:
    """Return ``lang`` if it is ``"vi"`` or ``"en"``, else raise ``ValueError``."""
    if lang not in LANGS:
        raise ValueError(f"lang must be 'vi' or 'en', not {lang!r}")
    return lang


@functools.cache
def _indicator_labels() -> dict[str, tuple[str, str]]:
    """Documented output indicator codes -> (Vietnamese, English) labels
    (``khoan/data/starters/indicator_codes.csv``)."""
    from ..data.starter import indicator_catalog

    return {c: (d["label_vi"], d["label_en"]) for c, d in indicator_catalog().items()}


_SCORE_PREFIX = ("Điểm thành phần: ", "Sub-score: ")


def label(col: object, lang: str = "vi") -> str:
    """Label of a column or component name; unknown names are returned unchanged (as text).

    Output indicator codes (``late_rate``) are labelled from the documented indicator list,
    and their sub-scores (``late_rate_score``) as ``Điểm thành phần: <indicator>``.
    """
    check_lang(lang)
    k = 0 if lang == "vi" else 1
    if not isinstance(col, str):
        return str(col)
    pair = COLUMN_LABELS.get(col) or _indicator_labels().get(col)
    if pair is not None:
        return pair[k]
    if col.endswith("_score") and col != "_score":
        base = col[: -len("_score")]
        if base in COLUMN_LABELS or base in _indicator_labels():
            return _SCORE_PREFIX[k] + label(base, lang)
    return col


YES_NO = {"vi": ("Có", "Không"), "en": ("Yes", "No")}


def yes_no(v: bool, lang: str = "vi") -> str:
    """``Có``/``Không`` (``Yes``/``No``) for a boolean."""
    return YES_NO[check_lang(lang)][0 if v else 1]


def value_label(key: object, v: object, lang: str = "vi") -> object:
    """A value of column or summary key ``key`` as shown to a reader: category, policy,
    regime, unit, confidence, status and binding codes labelled, booleans as ``Có``/``Không``;
    other values unchanged."""
    check_lang(lang)
    if isinstance(v, bool):
        return yes_no(v, lang)
    if not isinstance(v, str) or not isinstance(key, str):
        return v
    k = 0 if lang == "vi" else 1
    tables = [t.get(key) for t in (VALUE_LABELS, RESULT_VALUE_LABELS, CATEGORY_LABELS)]
    table = {c: p for t in reversed(tables) if t for c, p in t.items()}
    if not table:
        return v
    if key == "binding" and "," in v:
        return ", ".join(table[p][k] if p in table else p for p in v.split(","))
    pair = table.get(v)
    return v if pair is None else pair[k]


@functools.cache
def _any_code_labels() -> dict[str, tuple[str, str]]:
    """Codes labelled whatever the column: category, policy and regime codes and indicator
    codes (for the keys of mapping-valued parameters: ``xa`` -> ``Xã``); where two tables
    name a code, the first (input categories) wins."""
    out: dict[str, tuple[str, str]] = {}
    tables = [*CATEGORY_LABELS.values(), *RESULT_VALUE_LABELS.values(), _indicator_labels()]
    for table in tables:  # the first table naming a code wins (staff category before position)
        for code, pair in table.items():
            out.setdefault(code, pair)
    return out


def code_label(code: object, lang: str = "vi") -> object:
    """Label of a code that means one thing in every table (``xa`` -> ``Xã``, ``nd108`` ->
    ``NĐ 108/2014 và sửa đổi``, ``late_rate`` -> the indicator); other values unchanged."""
    check_lang(lang)
    if not isinstance(code, str):
        return code
    pair = _any_code_labels().get(code) or COLUMN_LABELS.get(code)
    return code if pair is None else pair[0 if lang == "vi" else 1]


def key_label(key: object, lang: str = "vi") -> object:
    """Label of a key inside a mapping value (a parameter's or the provenance's): the
    provenance and parameter-key labels first, then :func:`code_label`."""
    pair = PROVENANCE_LABELS.get(key) if isinstance(key, str) else None
    return code_label(key, lang) if pair is None else pair[0 if check_lang(lang) == "vi" else 1]


def provenance_label(key: str, lang: str = "vi") -> str:
    """Label of a provenance key; a dotted key (``scenario.target.share``) is labelled part
    by part and joined with ` › `. Parts without a label stay as they are."""
    check_lang(lang)
    k = 0 if lang == "vi" else 1
    parts = []
    for part in str(key).split("."):
        pair = PROVENANCE_LABELS.get(part) or COLUMN_LABELS.get(part)
        parts.append(part if pair is None else pair[k])
    return " › ".join(parts)


def text(vi: str, en: str, lang: str = "vi") -> str:
    """Pick the Vietnamese or English wording of a sentence."""
    return vi if check_lang(lang) == "vi" else en


def category_label(column: str, code: object, lang: str = "vi") -> object:
    """Label of a category code of ``column`` (``type``, ``zone``, ``category``, ``position``,
    ``sex``, ``grade``); other values are returned unchanged."""
    check_lang(lang)
    if not isinstance(code, str):
        return code
    return _category_label(column, code, lang)


def is_money(df: pd.DataFrame, col: object) -> bool:
    """Whether ``col`` of ``df`` holds VND amounts (a known money column with a numeric dtype)."""
    if col not in df.columns:
        return False
    dtype = df[col].dtype
    if col in MONEY_WHEN_INT:
        return pd.api.types.is_integer_dtype(dtype)
    return (
        col in MONEY_COLUMNS
        and pd.api.types.is_numeric_dtype(dtype)
        and not pd.api.types.is_bool_dtype(dtype)
    )


def relabel_values(df: pd.DataFrame, lang: str = "vi") -> pd.DataFrame:
    """A copy of ``df`` whose category columns show labels instead of codes."""
    check_lang(lang)
    out = df.copy()
    k = 0 if lang == "vi" else 1
    for col, table in {**CATEGORY_LABELS, **RESULT_VALUE_LABELS}.items():
        if col in out.columns:
            s = out[col]
            if isinstance(s, pd.DataFrame):  # duplicated column names: leave them
                continue
            mapping = {code: pair[k] for code, pair in table.items()}
            out[col] = s.map(lambda v, m=mapping: m.get(v, v) if isinstance(v, str) else v)
    return out


def relabel(df: pd.DataFrame, lang: str = "vi", *, values: bool = True) -> pd.DataFrame:
    """A copy of ``df`` with labelled column names (and index name).

    Parameters
    ----------
    df : DataFrame
        A result table with the library's column names.
    lang : {"vi", "en"}
        Language of the labels.
    values : bool
        Also replace category codes in cells by their labels (``xa`` -> ``Xã``).
    """
    out = relabel_values(df, lang) if values else df.copy()
    out.columns = [label(c, lang) for c in out.columns]
    if out.index.name is not None:
        out.index.name = label(out.index.name, lang)
    return out


def workbook_values(df: pd.DataFrame, lang: str = "vi") -> pd.DataFrame:
    """A copy of ``df`` as a workbook shows it: :func:`relabel_values`, then the codes of
    :data:`VALUE_LABELS` (units, confidence, status, binding constraints, bands) labelled and
    booleans written ``Có``/``Không`` (``Yes``/``No``)."""
    out = relabel_values(df, lang)
    for col in out.columns:
        s = out[col]
        if isinstance(s, pd.DataFrame):  # duplicated column names: leave them
            continue
        if pd.api.types.is_bool_dtype(s.dtype):
            out[col] = s.map(lambda v: yes_no(bool(v), lang) if pd.notna(v) else v).astype(object)
        elif col in VALUE_LABELS or (s.dtype == object and s.map(type).eq(bool).any()):
            out[col] = s.map(lambda v, c=col: value_label(c, v, lang))
    return out


def describe_params(params: pd.DataFrame | None, tree: Any) -> pd.DataFrame | None:
    """``params`` (the parameters used) with ``description_vi`` / ``description_en`` columns
    from the parameter tree ``tree`` (its YAML files' ``description``); unknown keys get ""."""
    if params is None or tree is None or "key" not in params.columns:
        return params
    if "description_vi" in params.columns:
        return params
    desc: dict[str, dict[str, str]] = {}
    for key in pd.unique(params["key"]):
        try:
            desc[key] = dict(tree.meta(key).get("description") or {})
        except KhoanError:  # a key the tree does not know: no description
            desc[key] = {}
    out = params.copy()
    out["description_vi"] = out["key"].map(lambda k: desc.get(k, {}).get("vi", ""))
    out["description_en"] = out["key"].map(lambda k: desc.get(k, {}).get("en", ""))
    return out


def short_label(col: object, lang: str = "vi") -> str:
    """Short header of a column for a terminal table (:data:`SHORT_LABELS`), else its
    :func:`label`."""
    pair = SHORT_LABELS.get(col) if isinstance(col, str) else None
    if pair is None:
        return label(col, lang)
    return pair[0] if check_lang(lang) == "vi" else pair[1]
