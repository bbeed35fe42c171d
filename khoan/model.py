"""A province model: communes, staff, outputs and parameters, validated together.

``khoan.load(path)`` reads a model folder::

    model.toml        name, title, province, structure, years, table files
    communes.csv      one row per commune-level unit (schema: khoan/data/schemas/communes.csv)
    staff.csv         one row per person
    outputs.csv       output indicators per commune and year (optional)
    salary_history.csv  salary changes per person, for benefits on an average salary
                      (optional; schema khoan/data/schemas/salary_history.csv)
    ratings.csv       annual quality rating per person and year (optional; schema
                      khoan/data/schemas/ratings.csv; NĐ 90/2020 amended by NĐ 48/2023)
    params/           provincial parameter overlay (same YAML format as the national law)
    scenarios.toml    named staff-reduction scenarios (optional)

Tables may be CSV or XLSX (``communes = "input.xlsx#communes"`` names a sheet).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .data.io import read_raw
from .data.schema import coerce_table, get_schema
from .errors import ParameterError, Problem, ValidationError
from .model_check import check_model, check_ratings
from .notes import Note
from .params import ParameterTree, load_law
from .report.headers import header_codes

__all__ = ["Model", "check_model", "check_ratings", "load"]


@dataclass
class Model:
    """A validated province model.

    Attributes
    ----------
    name : str
        Short name (folder name unless ``model.toml`` says otherwise).
    path : Path or None
        Folder the model was read from.
    communes : DataFrame
        One row per commune-level unit, indexed by nothing (column ``code``).
    staff : DataFrame
        One row per person (column ``id``).
    outputs : DataFrame
        Output indicators (``commune``, ``year``, ``indicator``, ``value``).
    params : ParameterTree
        National law overlaid with the provincial parameters.
    meta : dict
        The contents of ``model.toml``.
    notices : list of Problem
        Things that were fixed on input (e.g. text normalised to NFC), with their locations.
    salary_history : DataFrame
        Optional salary changes (``id``, ``from_date``, ``coefficient``, ``position_coef``,
        ``tnvk_pct``, ``bao_luu``): each row holds from its date until the person's next row.
        Used instead of the back-cast of :mod:`khoan.salary_history`; empty when absent.
    ratings : DataFrame
        Optional annual quality ratings (``id``, ``year``, ``rating``): ``xuat_sac``,
        ``tot``, ``hoan_thanh``, ``khong_hoan_thanh`` (NĐ 90/2020/NĐ-CP Điều 2, amended by NĐ
        48/2023/NĐ-CP; Vietnamese labels accepted on input). Used by the reduction order
        (``Scenario.rating_first``, NĐ 29/2023 Điều 2) and by the sharing of TNTT and the bonus
        fund by rating (``settle(weights="rating")``); empty when absent.
    """

    name: str
    communes: pd.DataFrame
    staff: pd.DataFrame
    outputs: pd.DataFrame
    params: ParameterTree
    meta: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None
    notices: list[Problem] = field(default_factory=list)
    salary_history: pd.DataFrame = field(default_factory=pd.DataFrame)
    ratings: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def title(self) -> str:
        return str(self.meta.get("title", self.name))

    @property
    def synthetic(self) -> bool:
        """``model.toml`` says ``synthetic = true``: the roster and outputs are made up (the
        example models); reports say so on their summary sheet and the command line."""
        return self.meta.get("synthetic") is True

    @property
    def registry(self) -> bool:
        """``model.toml`` ``registry = false`` (``khoan init --no-registry``): commune codes are
        not checked against the official registry (made-up or future units). Every output says
        so (:attr:`registry_note`)."""
        return self.meta.get("registry", True) is not False

    @property
    def registry_note(self) -> str | None:
        """The notice every output carries when the registry check is off, else ``None``."""
        if self.registry:
            return None
        return Note(
            "registry check off (model.toml: registry = false): commune codes were not checked "
            "against the official registry of administrative units",
            "Không đối chiếu danh mục đơn vị hành chính (model.toml: registry = false): mã đơn "
            "vị cấp xã chưa được đối chiếu với danh mục đơn vị hành chính chính thức",
        )

    @property
    def structure(self) -> str:
        return str(self.meta.get("structure", "2025"))

    @property
    def base_year(self) -> int:
        return int(self.meta.get("base_year", self.years[0]))

    @property
    def years(self) -> list[int]:
        y = self.meta.get("years", [])
        if len(y) == 2:
            return list(range(int(y[0]), int(y[1]) + 1))
        return [int(v) for v in y] or [_dt.date.today().year]

    def digest(self) -> str:
        """SHA-256 of the model's tables and parameters (for provenance and batch resume)."""
        h = hashlib.sha256()
        tables = [self.communes, self.staff, self.outputs]
        if len(self.salary_history):  # absent: the digest of a model without it is unchanged
            tables.append(self.salary_history)
        if len(self.ratings):  # likewise
            tables.append(self.ratings)
        for df in tables:
            h.update(_hash_rows(df).tobytes())
            h.update(",".join(map(str, df.columns)).encode())
        h.update(self.params.digest().encode())
        return h.hexdigest()

    def replace(self, **changes: Any) -> Model:
        """A copy with some attributes replaced (tables are not copied)."""
        d = {k: getattr(self, k) for k in self.__dataclass_fields__}
        d.update(changes)
        return Model(**d)

    def summary(self) -> dict[str, Any]:
        """Counts an analyst checks first: communes by type and class, staff by category."""

        def counts(s: pd.Series) -> dict:
            vc = s.value_counts().sort_index()
            return {(k.item() if hasattr(k, "item") else k): int(v) for k, v in vc.items()}

        return {
            "communes": len(self.communes),
            "by_type": counts(self.communes["type"]),
            "by_class": counts(self.communes["class"]),
            "staff": len(self.staff),
            "by_category": counts(self.staff["category"]),
        }

    def _repr_html_(self) -> str:
        from .report.html import model_html

        return model_html(self)

    def __repr__(self) -> str:
        return (
            f"<khoan.Model {self.name}: {len(self.communes)} communes, {len(self.staff)} staff, "
            f"{len(self.outputs)} output rows>"
        )


_SAMPLE = 1024  # values looked at to tell an identifier-like text column (no repeats)


def _hash_column(s: pd.Series) -> np.ndarray:
    """One uint64 per value: ``pandas.util.hash_pandas_object(s, index=False)``, bit for bit.

    pandas hashes an object column by factorising it and hashing its distinct values; a column
    of distinct texts (the roster's ids: 421,428 distinct values at national scale) pays for a
    hash table, an index of the uniques and their conversions to and from Arrow strings. A
    column of ``str`` only (no missing value, no other type) in which 1,024 values drawn at
    random (fixed seed; a sorted column defeats a strided sample) have no repeat is hashed
    value by value instead: the hash of a row is the hash of its text either way
    (``hash_array(..., categorize=False)``), so the result is the same. Every other column goes
    through pandas' ``hash_array`` of its values, as ``hash_pandas_object`` does.
    """
    values = s.array
    if isinstance(values, pd.arrays.NumpyExtensionArray):
        values = values.to_numpy()
    if (
        values.dtype == object
        and len(values) >= _SAMPLE
        and pd.api.types.infer_dtype(values, skipna=False) == "string"
    ):
        at = np.random.default_rng(0).choice(len(values), _SAMPLE, replace=False)
        if len(pd.unique(values[at])) == _SAMPLE:
            return pd.util.hash_array(values, categorize=False)
    return pd.util.hash_array(values).astype(np.uint64, copy=False)


def _hash_rows(df: pd.DataFrame) -> np.ndarray:
    """``pandas.util.hash_pandas_object(df, index=False).to_numpy()``, bit for bit.

    The columns' hashes (:func:`_hash_column`) are combined as pandas combines them
    (``combine_hash_arrays``, CPython's tuple hash on uint64 with wrap-around).
    """
    n_items = df.shape[1]
    out = np.full(len(df), 0x345678, dtype=np.uint64)
    mult = np.uint64(1000003)
    for i, (_, col) in enumerate(df.items()):
        out ^= _hash_column(col)
        out *= mult
        mult += np.uint64(82520 + 2 * (n_items - i))
    out += np.uint64(97531)
    return out


def _split_table_ref(folder: Path, ref: str) -> tuple[Path, str | None]:
    file, _, sheet = ref.partition("#")
    return folder / file, (sheet or None)


def _read_table(folder: Path, ref: str | None, kind: str, unique=()):
    schema = get_schema(kind)
    if ref is None:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in schema.names}), [], []
    path, sheet = _split_table_ref(folder, ref)
    try:
        raw = read_raw(path, sheet)
    except ValidationError as exc:
        return None, exc.problems, []
    raw = header_codes(raw, schema)  # "Hệ số lương (coefficient)" headers of the template
    fname = path.name
    df, problems, notices = coerce_table(raw, schema, fname, sheet, unique=unique)
    return df, problems, notices


def load(path: str | Path, *, strict: bool = False) -> Model:
    """Read and validate a model folder (or its ``model.toml``).

    Parameters
    ----------
    path : str or Path
        The model folder.
    strict : bool
        Treat notices (e.g. decomposed Unicode that was normalised) as errors.

    Returns
    -------
    Model

    Raises
    ------
    ValidationError
        Listing every problem of every table with file, sheet, row, column, value and rule.
    ParameterError
        A provincial parameter file is malformed (naming the file and key).
    """
    p = Path(path)
    folder = p.parent if p.is_file() else p
    toml_path = folder / "model.toml"
    if not toml_path.is_file():
        raise ValidationError(
            [
                Problem(
                    str(toml_path),
                    None,
                    None,
                    None,
                    None,
                    "model.toml not found: is this a model folder?",
                )
            ]
        )
    try:
        meta = tomllib.loads(toml_path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ValidationError(
            [Problem("model.toml", None, None, None, None, f"not valid TOML: {exc}")]
        ) from None
    problems: list[Problem] = _check_meta(meta)
    if problems:
        raise ValidationError(problems, title=f"Model {folder} is not valid")
    tables = meta.get("tables", {})
    notices: list[Problem] = []
    communes, pr, no = _read_table(
        folder, tables.get("communes", "communes.csv"), "communes", ("code",)
    )
    problems += pr
    notices += no
    staff, pr, no = _read_table(folder, tables.get("staff", "staff.csv"), "staff", ("id",))
    problems += pr
    notices += no
    # optional tables: named in model.toml, else read when the default file exists
    optional = {}
    for name in ("outputs", "salary_history", "ratings"):
        default = f"{name}.csv" if (folder / f"{name}.csv").exists() else None
        optional[name], pr, no = _read_table(folder, tables.get(name, default), name)
        problems += pr
        notices += no
    outputs, history, ratings = (
        optional["outputs"],
        optional["salary_history"],
        optional["ratings"],
    )

    law = load_law()
    params = law
    if (folder / "params").is_dir():
        params = law.overlay(folder / "params", name=f"{folder.name}/params")
    if "overrides" in meta:
        raise ParameterError("model.toml: put provincial values in params/, not [overrides]")

    model = Model(
        name=str(meta.get("name", folder.name)),
        communes=communes if communes is not None else pd.DataFrame(),
        staff=staff if staff is not None else pd.DataFrame(),
        outputs=outputs if outputs is not None else pd.DataFrame(),
        params=params,
        meta=meta,
        path=folder,
        notices=notices,
        salary_history=history if history is not None else pd.DataFrame(),
        ratings=ratings if ratings is not None and len(ratings) else pd.DataFrame(),
    )
    for key, df in (("communes", communes), ("staff", staff)):
        if df is not None and len(df) == 0 and not any(p.row == 1 for p in problems):
            name, _, sheet = str(tables.get(key, f"{key}.csv")).partition("#")
            problems.append(
                Problem(
                    Path(name).name,
                    sheet or None,
                    None,
                    None,
                    None,
                    f"the {key} table has no data rows (only the header): "
                    + (
                        "a model needs its commune-level units"
                        if key == "communes"
                        else "a budget without staff has no salary fund"
                    ),
                )
            )
    structural = any(p.row is None or p.row == 1 for p in problems)
    if communes is not None and staff is not None and not structural:
        problems += check_model(model, files=tables)
    if strict:
        problems += notices
    if problems:
        problems.sort(key=lambda p: (p.file or "", p.row or 0, p.column or ""))
        raise ValidationError(problems, title=f"Model {folder} is not valid")
    return model


def _check_meta(meta: dict[str, Any]) -> list[Problem]:
    """``model.toml``: years are whole calendar years in order, base year within them."""
    problems: list[Problem] = []

    def bad(key: str, value: Any, rule: str) -> None:
        problems.append(Problem("model.toml", None, None, key, value, rule))

    def is_year(v: Any) -> bool:
        return isinstance(v, int) and not isinstance(v, bool) and 1990 <= v <= 2100

    years = meta.get("years")
    if years is not None:
        if not isinstance(years, list) or not years or not all(is_year(y) for y in years):
            bad(
                "years",
                years,
                "years must be a list of calendar years 1990–2100, e.g. [2016, 2020]",
            )
        elif len(years) == 2 and years[1] < years[0]:
            bad("years", years, f"years [first, last] is reversed: write [{years[1]}, {years[0]}]")
        elif len(years) != 2 and sorted(set(years)) != years:
            bad("years", years, "a list of years must be increasing, each year once")
    if "base_year" in meta:
        by = meta["base_year"]
        if not is_year(by):
            bad("base_year", by, "base_year must be a calendar year 1990–2100 (e.g. 2016)")
        elif not problems and isinstance(years, list) and years:
            first, last = min(years), max(years)
            if not first <= by <= last:
                bad(
                    "base_year",
                    by,
                    f"base_year (the roster's year) must lie within the model's years "
                    f"{first}–{last}",
                )
    if "registry" in meta and not isinstance(meta["registry"], bool):
        bad("registry", meta["registry"], "registry must be true or false (no quotes)")
    tables = meta.get("tables", {})
    if not isinstance(tables, dict) or not all(isinstance(v, str) for v in tables.values()):
        bad("tables", tables, 'tables must map table names to files, e.g. communes = "x.csv"')
    return problems
