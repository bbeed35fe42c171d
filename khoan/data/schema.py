"""Table schemas as data, and validation that reports every problem with its location.

Each schema is a CSV file in ``khoan/data/schemas/`` (column, dtype, required, unit, allowed,
min, max, Vietnamese and English description), PyPSA-style: the same file drives validation,
the input template and the documentation.

Validation runs in two steps, both vectorised over rows:

1. coercion of the raw text to the column's type; a value that cannot be read (``"abc"`` in
   an integer column, ``"31/02/1980"`` as a date) is a problem at its row and column;
2. value checks with :mod:`pandera` (required values present, ranges, allowed categories,
   unique keys), run lazily so that every failure is collected.

Rows are never dropped: a table with problems raises :class:`~khoan.errors.ValidationError`.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources
from io import StringIO

import numpy as np
import pandas as pd
import pandera.pandas as pa

from ..errors import Problem
from .labels import input_map

__all__ = ["ColumnSpec", "Schema", "coerce_table", "get_schema"]

_TRUE = {"1", "true", "yes", "có", "co", "x", "y"}
_FALSE = {"0", "false", "no", "không", "khong", ""}


@dataclass(frozen=True)
class ColumnSpec:
    """One column of a schema (see the schema CSV files for the meaning of each field)."""

    column: str
    dtype: str
    required: bool
    unit: str
    allowed: tuple[str, ...]
    min: float | None
    max: float | None
    description_vi: str
    description_en: str


@dataclass(frozen=True)
class Schema:
    """A table schema: its name and columns."""

    name: str
    columns: tuple[ColumnSpec, ...]

    @property
    def names(self) -> list[str]:
        return [c.column for c in self.columns]

    def spec(self, column: str) -> ColumnSpec:
        for c in self.columns:
            if c.column == column:
                return c
        raise KeyError(column)

    def to_frame(self) -> pd.DataFrame:
        """The schema as a table (for documentation and the input template)."""
        return pd.DataFrame([c.__dict__ for c in self.columns])


@cache
def get_schema(name: str) -> Schema:
    """Load the schema ``name`` (``communes``, ``staff`` or ``outputs``)."""
    text = resources.files("khoan.data").joinpath("schemas", f"{name}.csv").read_text("utf-8")
    df = pd.read_csv(StringIO(text), dtype=str, keep_default_na=False)
    cols = []
    for r in df.itertuples(index=False):
        cols.append(
            ColumnSpec(
                column=r.column,
                dtype=r.dtype,
                required=r.required == "yes",
                unit=r.unit,
                allowed=tuple(a for a in r.allowed.split("|") if a),
                min=float(r.min) if r.min else None,
                max=float(r.max) if r.max else None,
                description_vi=unicodedata.normalize("NFC", r.description_vi),
                description_en=r.description_en,
            )
        )
    return Schema(name, tuple(cols))


#: Why the upper bounds of the schemas exist (docs/reliability.md, "Bounds").
_BOUND_WHY = "plausible range of the schema, which keeps every total far from int64 overflow"


def _fmt_bound(v: float) -> str:
    """A schema bound as an analyst reads it: 1,000,000,000,000 or 1.5."""
    if float(v).is_integer():
        return f"{int(v):,}" if abs(v) >= 10000 else str(int(v))
    return f"{v:g}"


def _row(index: pd.Index) -> np.ndarray:
    """Spreadsheet row numbers: header is row 1, first data row is row 2."""
    return np.asarray(index, dtype=np.int64) + 2


def _parse_dates(s: pd.Series) -> pd.Series:
    """Parse ISO (YYYY-MM-DD) or Vietnamese (DD/MM/YYYY) dates; unreadable -> NaT."""
    iso = pd.to_datetime(s, format="%Y-%m-%d", errors="coerce")
    vn = pd.to_datetime(s, format="%d/%m/%Y", errors="coerce")
    stamp = pd.to_datetime(s, format="%Y-%m-%d %H:%M:%S", errors="coerce")  # Excel datetimes
    out = iso.fillna(vn).fillna(stamp)
    return out.astype("datetime64[ns]")


def coerce_table(
    raw: pd.DataFrame,
    schema: Schema,
    file: str | None,
    sheet: str | None = None,
    unique: tuple[str, ...] = (),
) -> tuple[pd.DataFrame, list[Problem], list[Problem]]:
    """Convert a table of raw text to typed columns and check it against ``schema``.

    Parameters
    ----------
    raw : DataFrame
        Every cell as text (empty string for an empty cell), default RangeIndex.
    schema : Schema
        The table's schema.
    file, sheet : str or None
        Where the table came from, for the problem locations.
    unique : tuple of str
        Columns whose values must be unique (e.g. staff ``id``).

    Returns
    -------
    (table, problems, notices)
        The typed table (same rows, same order), every problem found, and notices (text that
        was normalised to NFC, with its location).
    """
    problems: list[Problem] = []
    notices: list[Problem] = []

    def add(rows, column, values, rule, into=problems):
        for r, v in zip(rows, values, strict=True):
            into.append(Problem(file, sheet, int(r), column, v, rule))

    raw = raw.copy()
    raw.columns = [unicodedata.normalize("NFC", str(c)).strip() for c in raw.columns]
    known = set(schema.names)
    for c in raw.columns:
        if c not in known:
            problems.append(
                Problem(
                    file,
                    sheet,
                    1,
                    c,
                    None,
                    f"unknown column (the {schema.name} table has: {', '.join(schema.names)})",
                )
            )
    dup_cols = raw.columns[raw.columns.duplicated()].unique()
    for c in dup_cols:
        problems.append(Problem(file, sheet, 1, c, None, "column appears more than once"))
    raw = raw.loc[:, ~raw.columns.duplicated()]
    for spec in schema.columns:
        if spec.required and spec.column not in raw.columns:
            problems.append(
                Problem(file, sheet, 1, spec.column, None, "required column is missing")
            )

    out = pd.DataFrame(index=raw.index)
    pa_cols: dict[str, pa.Column] = {}
    for spec in schema.columns:
        if spec.column not in raw.columns:
            continue
        s = raw[spec.column].astype(str).str.strip()
        nfd = s != s.map(lambda x: unicodedata.normalize("NFC", x)) if s.size else s.astype(bool)
        if nfd.any():
            add(
                _row(s.index[nfd]),
                spec.column,
                s[nfd].tolist(),
                "text in decomposed Unicode (NFD) was normalised to NFC",
                into=notices,
            )
            s = s.map(lambda x: unicodedata.normalize("NFC", x))
        empty = s.eq("") | s.str.lower().isin(["nan", "none", "null", "nat"])
        checks: list[pa.Check] = []
        if spec.dtype in ("int", "float"):
            cleaned = s.str.replace(r"[\s_]", "", regex=True)
            num = pd.to_numeric(cleaned.where(~empty), errors="coerce").astype("float64")
            bad = num.isna() & ~empty
            if bad.any():
                add(
                    _row(s.index[bad]), spec.column, s[bad].tolist(), f"not a number ({spec.dtype})"
                )
            inf = np.isinf(num)
            if inf.any():
                add(_row(s.index[inf]), spec.column, s[inf].tolist(), "not a finite number")
                num = num.where(~inf)
            # Ranges are checked on the parsed value before any integer conversion, so that a
            # 20-digit number is "must be ≤ …" at its row, never an overflow.
            for sign, bound in (("≥", spec.min), ("≤", spec.max)):
                if bound is None:
                    continue
                out_of = (num < bound) if sign == "≥" else (num > bound)  # NaN: False
                if out_of.any():
                    unit = f" {spec.unit}" if spec.unit and spec.unit != "coefficient" else ""
                    add(
                        _row(s.index[out_of]),
                        spec.column,
                        s[out_of].tolist(),
                        f"must be {sign} {_fmt_bound(bound)}{unit}"
                        + (f" ({_BOUND_WHY})" if sign == "≤" and bound >= 1000 else ""),
                    )
                    num = num.where(~out_of)
            if spec.dtype == "int":
                frac = num.notna() & (num != np.round(num))
                if frac.any():
                    add(_row(s.index[frac]), spec.column, s[frac].tolist(), "not a whole number")
                    num = num.where(~frac)
                big = num.abs() > 2**53  # not exactly representable: only without a max
                if big.any():
                    add(_row(s.index[big]), spec.column, s[big].tolist(), "number too large")
                    num = num.where(~big)
                col = num.round().astype("Int64")
            else:
                col = num
            if spec.allowed:
                allowed = (
                    [int(a) for a in spec.allowed]
                    if spec.dtype == "int"
                    else [float(a) for a in spec.allowed]
                )
                checks.append(
                    pa.Check.isin(allowed, error=f"must be one of {', '.join(spec.allowed)}")
                )
        elif spec.dtype == "date":
            col = _parse_dates(s.where(~empty))
            bad = col.isna() & ~empty
            if bad.any():
                add(
                    _row(s.index[bad]),
                    spec.column,
                    s[bad].tolist(),
                    "not a date (use YYYY-MM-DD or DD/MM/YYYY)",
                )
        elif spec.dtype == "bool":
            low = s.str.lower()
            t, f = low.isin(_TRUE), low.isin(_FALSE)
            bad = ~(t | f)
            if bad.any():
                add(
                    _row(s.index[bad]),
                    spec.column,
                    s[bad].tolist(),
                    "not a yes/no value (use 1/0, true/false, có/không)",
                )
            col = pd.Series(pd.array(np.where(empty, pd.NA, t), dtype="boolean"), index=s.index)
            col[empty] = pd.NA
        elif spec.dtype == "category":
            mapping = input_map(spec.column)
            low = s.str.lower()
            mapped = low.map(mapping)
            # codes given verbatim (e.g. "A1") stay as they are
            direct = s.isin(spec.allowed)
            col = mapped.where(mapped.notna(), s.where(direct)).astype(object)
            bad = col.isna() & ~empty
            if bad.any():
                add(
                    _row(s.index[bad]),
                    spec.column,
                    s[bad].tolist(),
                    f"unknown value (allowed: {', '.join(spec.allowed)})",
                )
            col = col.where(~empty, None)
        else:  # str
            col = s.where(~empty, None).astype(object)
        if spec.required:
            # missing after a failed parse is already reported; report only truly empty cells
            if empty.any():
                add(
                    _row(s.index[empty]),
                    spec.column,
                    [None] * int(empty.sum()),
                    "required value is missing",
                )
        out[spec.column] = col
        pa_cols[spec.column] = pa.Column(None, checks=checks, nullable=True, coerce=False)

    if pa_cols:
        pschema = pa.DataFrameSchema(pa_cols, strict=False)
        try:
            pschema.validate(out, lazy=True)
        except pa.errors.SchemaErrors as exc:
            fc = exc.failure_cases
            fc = fc[fc["index"].notna()]
            for r in fc.itertuples(index=False):
                rule = str(r.check)
                problems.append(
                    Problem(file, sheet, int(r.index) + 2, r.column, r.failure_case, rule)
                )
    for c in unique:
        if c in out.columns:
            dup = out[c].notna() & out[c].duplicated(keep=False)
            if dup.any():
                first = out.loc[dup].groupby(c, sort=False).head(1)
                firstrow = dict(zip(first[c], _row(first.index), strict=True))
                rows = _row(out.index[dup])
                vals = out.loc[dup, c].tolist()
                for r, v in zip(rows, vals, strict=True):
                    if r != firstrow[v]:
                        problems.append(
                            Problem(
                                file,
                                sheet,
                                int(r),
                                c,
                                v,
                                f"duplicate {c} (first seen at row {firstrow[v]})",
                            )
                        )
    problems.sort(key=lambda p: (p.row or 0, p.column or ""))
    return out, problems, notices
