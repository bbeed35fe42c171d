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
from .params import ParameterTree, load_law
from .report.headers import header_codes

__all__ = ["Model", "check_model", "load"]


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
        return (
            "registry check off (model.toml: registry = false): commune codes were not checked "
            "against the official registry of administrative units"
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
            h.update(pd.util.hash_pandas_object(df, index=False).values.tobytes())
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


def _plausible() -> dict[str, Any]:
    """Plausibility bounds of input dates (``khoan/data/schemas/plausible_dates.csv``)."""
    from importlib import resources
    from io import StringIO

    f = resources.files("khoan.data").joinpath("schemas", "plausible_dates.csv")
    df = pd.read_csv(StringIO(f.read_text("utf-8")), dtype=str)
    return dict(zip(df["key"], df["value"], strict=True))


def _day_key(s: pd.Series) -> np.ndarray:
    """Dates as YYYYMMDD integers (NaT -> -1): adding 10000·n is "n years later", exactly."""
    d = pd.to_datetime(s)
    key = (d.dt.year * 10000 + d.dt.month * 100 + d.dt.day).fillna(-1)
    return key.to_numpy(dtype=np.int64)


def _check_dates(model: Model, s: pd.DataFrame, add, fs) -> None:
    """Birth, insurance and start dates plausible relative to each other and the model years.

    - aged between ``min_working_age`` and ``max_age`` on 1 January of the base year, unless
      the person starts later (``start_date``), then at least ``min_working_age`` at the start;
    - insured (``insured_since``) and started (``start_date``) on or after the
      ``min_working_age``-th birthday (Bộ luật Lao động 2019, Điều 3 khoản 1; Luật BHXH 2014,
      Điều 2): an insurance start before it, or before birth, is a typing error;
    - insured not after the model's last year.
    """
    b = _plausible()
    lo, hi = int(b["min_working_age"]), int(b["max_age"])
    base = model.base_year * 10000 + 101
    birth = _day_key(s["birth_date"])
    has_birth = birth > 0
    start = _day_key(s["start_date"]) if "start_date" in s else np.full(len(s), -1)
    young = has_birth & (start <= 0) & (birth + lo * 10000 > base)
    old = has_birth & (birth + hi * 10000 < base)
    if (young | old).any():
        age = (base - birth) // 10000
        m = young | old
        add(
            fs,
            s.index[m],
            "birth_date",
            s.loc[m, "birth_date"].dt.strftime("%Y-%m-%d").tolist(),
            [
                f"not plausible: aged {a} on {model.base_year}-01-01 (staff are {lo} to {hi})"
                for a in age[m]
            ],
        )
    for col, what in (("insured_since", "insured"), ("start_date", "starts work")):
        if col not in s:
            continue
        d = _day_key(s[col])
        early = has_birth & (d > 0) & (d < birth + lo * 10000)
        if early.any():
            add(
                fs,
                s.index[early],
                col,
                s.loc[early, col].dt.strftime("%Y-%m-%d").tolist(),
                [
                    f"{what} before the {lo}th birthday (born {bd}; minimum working age {lo}, "
                    "Bộ luật Lao động 2019 Điều 3)"
                    for bd in s.loc[early, "birth_date"].dt.strftime("%Y-%m-%d")
                ],
            )
    last = max(model.years)
    d = _day_key(s["insured_since"])
    late = d > last * 10000 + 1231
    if late.any():
        add(
            fs,
            s.index[late],
            "insured_since",
            s.loc[late, "insured_since"].dt.strftime("%Y-%m-%d").tolist(),
            f"insured_since is after the model's last year ({last})",
        )


def _check_outputs(model: Model, o: pd.DataFrame, add, fo) -> None:
    """Output indicators: known names (a typo is named once, with the closest match) and values
    within each indicator's range (``ranges`` of ``allocation.indicators``)."""
    import difflib

    key = "allocation.indicators"
    if not len(o):
        return
    from .data.starter import indicator_catalog

    # the documented codes (khoan/data/starters/indicator_codes.csv, the user guide) and the
    # model's own (params/allocation/indicators.yaml), whose ranges come first
    catalog = indicator_catalog()
    known = set(catalog)
    ranges = {k: v["range"] for k, v in catalog.items()}
    if key in model.params:
        param = model.params.parameter(key)
        for e in param.entries:
            if isinstance(e["value"], dict):
                known |= set(e["value"])
        ranges.update(param.limits.get("ranges") or {})
    else:
        key = "documented indicator codes"
    names = o["indicator"].astype(str)
    unknown = ~names.isin(known)
    if unknown.any():
        for name, idx in names[unknown].groupby(names[unknown], sort=False).groups.items():
            rows = (np.asarray(idx) + 2).tolist()
            close = difflib.get_close_matches(name, sorted(known), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            add(
                fo,
                idx[:1],
                "indicator",
                [name],
                f"unknown indicator {name!r} in {len(rows)} row(s) "
                f"({_rows_text(rows)}){hint} (known: {', '.join(sorted(known))})",
            )
    v = o["value"].astype(float)
    for name, (lo, hi) in ranges.items():
        m = (names == name) & v.notna() & ((v < lo) | (v > hi))
        if m.any():
            add(
                fo,
                o.index[m],
                "value",
                v[m].tolist(),
                f"indicator {name!r} must be between {lo:,g} and {hi:,g} "
                f"({key}: ranges)" + (" — a share: 0.25 means 25 %" if hi == 1 else ""),
            )


def _rows_text(rows: list[int], shown: int = 5) -> str:
    head = ", ".join(map(str, rows[:shown]))
    return f"rows {head}" + (f" and {len(rows) - shown} more" if len(rows) > shown else "")


def check_model(model: Model, files: dict[str, str] | None = None) -> list[Problem]:
    """Cross-table and legal checks, vectorised; returns every problem found.

    - commune codes exist in the official registry of the model's structure and province;
    - staff and outputs refer to communes of the model;
    - salary coefficients lie on the legal scales (NĐ 204/2004 tables, ``salary.scales``;
      fixed coefficients of untrained commune cadres, ``salary.cadre_untrained``);
    - cadres and civil servants have a grade and step; TNVK only at the top step;
    - regional allowance coefficients are legal levels (``allowances.regional.levels``);
    - a person's end date is not before the start date;
    - salary-history rows name people of the staff table, one row per person and date;
    - rating rows name people of the staff table, one rating per person and year.
    """
    files = files or {}

    def where(key: str) -> tuple[str, str | None]:
        """(file name, sheet) of a table: ``input.xlsx#staff`` names a sheet."""
        name, _, sheet = str(files.get(key, f"{key}.csv")).partition("#")
        return Path(name).name, (sheet or None)

    fc, fs, fo = where("communes"), where("staff"), where("outputs")
    fh = where("salary_history")
    fr = where("ratings")
    problems: list[Problem] = []
    c, s, o = model.communes, model.staff, model.outputs
    date = _dt.date(model.base_year, 1, 1)

    def add(loc, idx, column, values, rule):
        file, sheet = loc
        rules = rule if isinstance(rule, list) else [rule] * len(values)
        for r, v, t in zip(np.asarray(idx) + 2, values, rules, strict=True):
            problems.append(Problem(file, sheet, int(r), column, v, t))

    # registry
    from .data import registry

    code_text = c["code"].astype(str) if len(c) else pd.Series(dtype=str)
    # root cause first: a code typed as a number lost its leading zero ("3127" for "03127");
    # the staff and outputs rows that write it with the zero are that one problem, not theirs
    short = code_text.str.fullmatch(r"\d{1,4}").fillna(False).astype(bool)
    if not model.registry:  # made-up codes may be short: only those written padded elsewhere
        written = pd.concat([t["commune"].astype(str) for t in (s, o) if len(t)] or [code_text])
        short &= code_text.str.zfill(5).isin(set(written) - set(code_text))
    padded_short = set(code_text[short].str.zfill(5))
    if short.any():
        # padded commune codes of the staff and outputs rows that are not in the communes table
        refs = {
            loc[0]: t["commune"].astype(str).str.zfill(5)[~t["commune"].astype(str).isin(code_text)]
            for loc, t in ((fs, s), (fo, o))
            if len(t)
        }
        for i in np.flatnonzero(short.to_numpy()):
            code = code_text.iloc[i]
            full = code.zfill(5)
            n_ref = {f: int((r == full).sum()) for f, r in refs.items()}
            also = "; ".join(f"{n} row(s) of {f} write {full}" for f, n in n_ref.items() if n)
            add(
                fc,
                c.index[i : i + 1],
                "code",
                [code],
                f"commune code {code} has {len(code)} digits: official codes have 5 — typed as a "
                f"number, it lost its leading zero; write {full} and format the column as text"
                + (f" ({also}: fixed by the same correction)" if also else ""),
            )
    if len(c) and model.registry:
        prov = model.meta.get("province_code")
        ok = registry.check_codes(code_text.to_numpy(), model.structure, prov)
        bad = ~np.asarray(ok, dtype=bool) & ~short.to_numpy()
        if bad.any():
            where = f" of province {prov}" if prov else ""
            add(
                fc,
                c.index[bad],
                "code",
                c.loc[bad, "code"].tolist(),
                f"not a commune code{where} in the official registry ({model.structure} structure)",
            )
    codes = set(c["code"].astype(str))
    for file, table in ((fs, s), (fo, o)):
        if len(table):
            ref = table["commune"].astype(str)
            bad = ~ref.isin(codes) & ~ref.str.zfill(5).isin(padded_short)
            # a cascade (one wrong code in the communes table, many rows referring to it) is
            # one problem per missing code, at its first row, with the count and rows
            for code, idx in ref[bad].groupby(ref[bad], sort=False).groups.items():
                rows = (np.asarray(idx) + 2).tolist()
                add(
                    file,
                    idx[:1],
                    "commune",
                    [code],
                    "commune is not in the communes table"
                    if len(rows) == 1
                    else f"{len(rows)} rows refer to commune {code}, which is not in the "
                    f"communes table ({_rows_text(rows)})",
                )
    _check_outputs(model, o, add, fo)

    # regional allowance levels
    try:
        levels = np.asarray(model.params.value("allowances.regional.levels", date), dtype=float)
        rc = c["region_coef"].astype(float).to_numpy()
        bad = ~(np.isclose(rc[:, None], np.append(levels, 0.0)[None, :]).any(axis=1))
        if bad.any():
            add(
                fc,
                c.index[bad],
                "region_coef",
                rc[bad].tolist(),
                f"not a legal regional allowance level ({', '.join(f'{v:g}' for v in sorted(set(levels) | {0.0}))})",
            )
    except ParameterError:
        pass

    if len(s):
        _check_dates(model, s, add, fs)
        problems += _check_scales(model, s, fs, date)
        end_before = (
            s["end_date"].notna() & s["start_date"].notna() & (s["end_date"] < s["start_date"])
        )
        if end_before.any():
            add(
                fs,
                s.index[end_before],
                "end_date",
                s.loc[end_before, "end_date"].astype(str).tolist(),
                "end date is before start date",
            )
    problems += _check_history(model, fh)
    problems += check_ratings(model.ratings, s, fr)
    problems.sort(key=lambda p: (p.file or "", p.row or 0, p.column or ""))
    return problems


def _check_person_rows(
    t: pd.DataFrame | None,
    s: pd.DataFrame,
    loc: tuple[str, str | None],
    key: str,
    shown: Any,
    twice: str,
) -> list[Problem]:
    """Rows of a table keyed by person and ``key`` (a date or a year): every ``id`` is in the
    staff table, and no two rows share the person and ``key`` (``twice`` says why)."""
    out: list[Problem] = []
    if t is None or not len(t) or "id" not in t.columns:
        return out
    file, sheet = loc
    ids = t["id"].astype(str)
    unknown = ~ids.isin(set(s["id"].astype(str))) if "id" in s.columns else ids.notna()
    for r in np.flatnonzero(unknown.to_numpy()):
        out.append(
            Problem(file, sheet, int(r) + 2, "id", ids.iloc[r], "id is not in the staff table")
        )
    if key in t.columns:
        dup = pd.DataFrame({"id": ids, "k": t[key]}).duplicated(keep="first").to_numpy()
        for r in np.flatnonzero(dup):
            out.append(Problem(file, sheet, int(r) + 2, key, shown(t[key].iloc[r]), twice))
    return out


def _check_history(model: Model, loc: tuple[str, str | None]) -> list[Problem]:
    """Salary-history rows: known person ids, no two rows for one person and date."""
    return _check_person_rows(
        model.salary_history,
        model.staff,
        loc,
        "from_date",
        lambda v: str(pd.Timestamp(v).date()),
        "a second row for this person and date",
    )


def check_ratings(
    r: pd.DataFrame | None, s: pd.DataFrame, loc: tuple[str, str | None]
) -> list[Problem]:
    """Rating rows: known person ids, one rating per person and year (NĐ 90/2020 Điều 2:
    one annual rating). The levels themselves are checked by the schema."""
    return _check_person_rows(
        r,
        s,
        loc,
        "year",
        lambda v: v,
        "a second rating for this person and year (one rating a year)",
    )


def _check_scales(
    model: Model, s: pd.DataFrame, loc: tuple[str, str | None], date: _dt.date
) -> list[Problem]:
    """Salary coefficients on the legal scales (vectorised; one Problem per failing row)."""
    problems: list[Problem] = []
    file, sheet = loc

    def flag(mask, index, column: str, values, rule) -> None:
        """A Problem for each row of ``mask``; ``rule`` is a text or a function of the row."""
        for i in np.flatnonzero(mask):
            v = values[i] if values is not None else None
            text = rule(i) if callable(rule) else rule
            problems.append(Problem(file, sheet, int(index[i]) + 2, column, v, text))

    scales = model.params.value("salary.scales", date)
    untrained = model.params.value("salary.cadre_untrained", date)
    grade = s["grade"].astype(object)
    step = s["step"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    coef = s["coefficient"].astype(float).to_numpy()
    tnvk = s["tnvk_pct"].astype(float).fillna(0).to_numpy()
    needs_grade = s["category"].isin(["can_bo", "cong_chuc"]).to_numpy()
    flag(
        needs_grade & grade.isna().to_numpy(),
        s.index,
        "grade",
        None,
        "cadres and civil servants need a grade (A0, A1, B or cadre_untrained)",
    )
    for g, sc in scales.items():
        m = (grade == g).to_numpy()
        if not m.any():
            continue
        st, idx, c = step[m], s.index[m], coef[m]
        nostep = np.isnan(st)
        over = ~nostep & ((st < 1) | (st > sc["steps"]))
        expect = sc["first"] + sc["increment"] * (np.nan_to_num(st) - 1)
        # a missing or non-numeric coefficient has its own problem: not also "off the scale"
        off = ~nostep & ~over & ~np.isnan(c) & ~np.isclose(c, expect, atol=5e-4)
        flag(nostep, idx, "step", None, f"grade {g} needs a step")
        flag(
            over,
            idx,
            "step",
            st,
            f"grade {g} has steps 1 to {sc['steps']} (salary.scales)",
        )
        flag(
            off,
            idx,
            "coefficient",
            c,
            lambda i, g=g, st=st, expect=expect: (
                f"not on the legal scale: grade {g} step {int(st[i])} is "
                f"{expect[i]:.2f} (salary.scales, NĐ 204/2004)"
            ),
        )
        flag(
            (tnvk[m] > 0) & ~(~nostep & (st == sc["steps"])),
            idx,
            "tnvk_pct",
            tnvk[m],
            "seniority beyond the top step (TNVK) only applies at the last step",
        )
    m = (grade == "cadre_untrained").to_numpy()
    if m.any():
        pos, idx, c = s["position"].to_numpy()[m], s.index[m], coef[m]
        step1 = pd.Series(pos).map({k: v[0] for k, v in untrained.items()}).to_numpy(float)
        step2 = pd.Series(pos).map({k: v[1] for k, v in untrained.items()}).to_numpy(float)
        no_scale = np.isnan(step1)
        off = ~no_scale & ~np.isclose(c, step1, atol=5e-4) & ~np.isclose(c, step2, atol=5e-4)
        flag(
            no_scale,
            idx,
            "position",
            pos,
            "untrained cadre coefficients exist only for elected cadre positions",
        )
        flag(
            off,
            idx,
            "coefficient",
            c,
            lambda i: (
                f"untrained {pos[i]} is paid {step1[i]} or {step2[i]} "
                "(salary.cadre_untrained, NĐ 92/2009)"
            ),
        )
    unknown = (grade.notna() & ~grade.isin([*list(scales), "cadre_untrained"])).to_numpy()
    flag(
        unknown,
        s.index,
        "grade",
        grade.to_numpy(),
        f"grade not in the scales ({', '.join(scales)}, cadre_untrained)",
    )
    return problems
