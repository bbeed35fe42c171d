"""What a workbook's sheets hold besides the table itself: the commune's name and district
beside its code, subtotal rows by district and unit type (and the note explaining them),
parameter and provenance values spelled out for a reader, and the provenance without its
run-time keys.

The workbook writer (:mod:`khoan.report.excel`) uses these and re-exports the public ones.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..notes import Note, note_text
from .excel_cells import cell_value
from .labels import code_label, key_label, label, text, value_label, yes_no

__all__ = [
    "ROW_KINDS",
    "VOLATILE_PROVENANCE",
    "flatten_keys",
    "readable",
    "stable_provenance",
    "subtotal_note",
    "subtotal_rows",
    "sum_value",
    "with_names",
]

#: Provenance keys (at any depth) that describe a run, not its inputs: never written.
VOLATILE_PROVENANCE = frozenset(
    {"timings", "seconds", "elapsed", "elapsed_s", "wall_s", "updated", "finished_at"}
)

#: kinds of rows in a table with subtotals (column ``row_kind``)
ROW_KINDS = {
    "unit": ("Đơn vị", "Unit"),
    "district": ("Cộng theo huyện", "District subtotal"),
    "type": ("Cộng theo loại đơn vị", "Subtotal by unit type"),
    "group": ("Cộng theo nhóm", "Group subtotal"),
}
_GROUP_KIND = {"district_name": "district", "district_code": "district", "type": "type"}
#: commune code columns and the name column written beside each
_CODE_NAME = {"code": "name", "commune": "commune_name"}


def with_names(df: pd.DataFrame, communes: pd.DataFrame | None, extra: Sequence[str] = ()):
    """``df`` with the commune's name and district (and ``extra`` columns, e.g. ``type``)
    inserted right after its commune code column (``code`` or ``commune``) where missing."""
    if communes is None or "code" not in communes.columns:
        return df
    code_col = next((c for c in _CODE_NAME if c in df.columns), None)
    if code_col is None:
        return df
    look = communes.drop_duplicates("code").set_index("code")
    codes = df[code_col].astype(object)
    if not codes.isin(look.index).any():
        return df
    out = df.copy()
    after = _CODE_NAME[code_col] if _CODE_NAME[code_col] in out.columns else code_col
    at = list(out.columns).index(after) + 1
    wanted = [(_CODE_NAME[code_col], "name"), ("district_name", "district_name")]
    wanted += [(c, c) for c in extra]
    for new, src in wanted:
        if new in out.columns or src not in look.columns or look[src].isna().all():
            continue  # e.g. no districts since the two-tier local government of 2025
        out.insert(at, new, codes.map(look[src]).to_numpy(dtype=object))
        at += 1
    return out


def sum_value(s: pd.Series) -> Any:
    """Exact sum of a column: int for integer columns (int64 money), float otherwise."""
    if pd.api.types.is_integer_dtype(s.dtype):
        return int(s.to_numpy(dtype=np.int64).sum())
    return float(np.nansum(s.to_numpy(dtype=float)))


def subtotal_rows(
    df: pd.DataFrame, shown: pd.DataFrame, groups: Sequence[str], sum_cols: list, lang: str
) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Commune rows grouped by the first of ``groups`` (in order of first appearance), each
    group followed by its subtotal row, then one subtotal row per value of the other groups.

    Returns the reordered data (``df`` order), the rows as shown (object) and each row's kind
    (``unit``, ``district``, ``type``, ``group``).
    """
    name_col = next((c for c in ("name", "commune_name") if c in df.columns), None)
    first = groups[0]
    key = pd.factorize(df[first].astype(object).fillna(""))[0]
    order = np.argsort(key, kind="stable")
    df = df.iloc[order].reset_index(drop=True)
    shown = shown.iloc[order].reset_index(drop=True)
    cols = list(df.columns)
    blocks: list[pd.DataFrame] = []
    kinds: list[str] = []

    def subtotal(mask: np.ndarray, group: str) -> pd.DataFrame:
        row: dict[Any, Any] = dict.fromkeys(cols)
        for c in sum_cols:
            row[c] = sum_value(df.loc[mask, c])
        shown_value = shown.loc[np.flatnonzero(mask)[0], group]
        if shown_value is None or (isinstance(shown_value, float) and math.isnan(shown_value)):
            shown_value = "—"
        row[group] = shown_value
        word = text("Cộng", "Subtotal", lang)
        if name_col is not None and name_col != group:
            row[name_col] = f"{word}: {shown_value}"
        return pd.DataFrame([row], columns=cols, dtype=object)

    keys = df[first].astype(object).fillna("").to_numpy()
    for value in pd.unique(keys):
        mask = keys == value
        blocks.append(shown.loc[mask])
        kinds += ["unit"] * int(mask.sum())
        blocks.append(subtotal(mask, first))
        kinds.append(_GROUP_KIND.get(first, "group"))
    for group in groups[1:]:
        gk = df[group].astype(object).fillna("").to_numpy()
        for value in pd.unique(gk):
            blocks.append(subtotal(gk == value, group))
            kinds.append(_GROUP_KIND.get(group, "group"))
    body = pd.concat([b.astype(object) for b in blocks], ignore_index=True)
    return df, body, kinds


def subtotal_note(groups: Sequence[str], lang: str) -> str:
    """The sheet note that says how subtotal rows are told apart from communes' rows."""
    names = " / ".join(label(g, lang) for g in groups)
    unit = ROW_KINDS["unit"][0 if lang == "vi" else 1]
    return text(
        f"Ghi chú: bảng có dòng cộng theo {names}. Các dòng cộng để trống mã ĐVHC và có cột "
        f"«{label('row_kind', lang)}» khác «{unit}»; lọc cột này bằng «{unit}» để chỉ lấy số "
        "liệu từng xã. Dòng «Tổng cộng» bằng tổng các dòng xã (không cộng các dòng cộng).",
        f"Note: the table has subtotal rows by {names}. Subtotal rows have no code and a "
        f"«{label('row_kind', lang)}» other than «{unit}»; filter that column on «{unit}» to "
        "keep the communes' rows only. The «Total» row is the sum of the communes' rows "
        "(subtotal rows are not added).",
        lang,
    )


def flatten_keys(d: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """(dotted key, value) pairs of a nested mapping (``{"a": {"b": 1}}`` -> ``a.b``);
    an empty mapping is kept as a value."""
    rows: list[tuple[str, Any]] = []
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, Mapping) and v:
            rows += flatten_keys(v, key + ".")
        else:
            rows.append((key, v))
    return rows


def _num_text(x: float | int, lang: str) -> str:
    """A number inside text, in the style of ``lang`` (``1.210.000``, ``0,31`` in Vietnamese)."""
    from .fmt import number

    if isinstance(x, float) and not x.is_integer():
        s = repr(x)
        return s.replace(".", ",") if lang == "vi" else s
    # years and small counts without a thousands separator (2016, not 2.016)
    return number(int(x), 0, lang) if abs(x) >= 10_000 else str(int(x))


def readable(v: Any, lang: str = "vi", depth: int = 0, key: str | None = None) -> Any:
    """A parameter or provenance value spelled out for a reader.

    Numbers stay numbers and dates stay dates at the top level; a list becomes its items
    joined with ``; `` (codes labelled: ``can_bo`` -> ``Cán bộ``), a mapping one line per key
    (``Xã: 1 = 25; 2 = 23``), nested mappings in brackets; booleans ``Có``/``Không``. JSON text
    (the ``value`` column of :meth:`~khoan.params.ParameterTree.in_force`) is read first.
    """
    if isinstance(v, Note):
        return note_text(v, lang)
    if isinstance(v, str) and depth == 0 and v[:1] in "[{":
        try:
            v = json.loads(v)
        except ValueError:
            return v
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "" if depth else None
    if isinstance(v, bool | np.bool_):
        return yes_no(bool(v), lang)
    if isinstance(v, int | float | np.integer | np.floating):
        return cell_value(v) if depth == 0 else _num_text(cell_value(v), lang)
    if isinstance(v, str):
        if depth == 0:
            return v
        shown = value_label(key, v, lang) if key else v
        return code_label(v, lang) if shown == v else shown
    if isinstance(v, Mapping):
        items = [
            (str(key_label(str(k), lang)), readable(x, lang, depth + 1, str(k)))
            for k, x in v.items()
        ]
        if depth == 0:
            return "\n".join(f"{k}: {x}" for k, x in items)
        body = "; ".join(f"{k} = {x}" for k, x in items)
        return body if depth == 1 else f"({body})"
    if isinstance(v, list | tuple | set | frozenset | np.ndarray):
        seq = sorted(v, key=str) if isinstance(v, set | frozenset) else list(v)
        if depth == 0 and any(isinstance(x, Mapping) for x in seq):  # records: one a line
            return "\n".join(
                "; ".join(
                    f"{key_label(str(k), lang)}: {readable(y, lang, 1, str(k))}"
                    for k, y in x.items()
                )
                if isinstance(x, Mapping)
                else str(readable(x, lang, 1, key))
                for x in seq
            )
        parts = [str(readable(x, lang, depth + 1, key)) for x in seq]
        return "; ".join(parts) if depth <= 1 else f"({'; '.join(parts)})"
    if isinstance(v, _dt.date) and depth:
        return v.strftime("%d/%m/%Y" if lang == "vi" else "%Y-%m-%d")
    return cell_value(v) if depth == 0 else str(v)


def stable_provenance(provenance: Mapping[str, Any]) -> dict[str, Any]:
    """``provenance`` without the keys of :data:`VOLATILE_PROVENANCE` (run times, cache
    states), at any depth of nested mappings."""
    return {
        k: stable_provenance(v) if isinstance(v, Mapping) else v
        for k, v in provenance.items()
        if k not in VOLATILE_PROVENANCE
    }
