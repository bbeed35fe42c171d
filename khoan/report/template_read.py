"""A filled input template read back: raw tables, a model folder, a new province's folder.

The writing side (the blank workbook) is :mod:`khoan.report.template_write`; both are
importable from :mod:`khoan.report.template`.

- :func:`read_template` reads the raw text tables of a filled workbook (sheets found by their
  Vietnamese or English name, headers ``label (code)`` mapped to schema codes);
- :func:`template_to_model` turns it into a model folder (``model.toml`` plus CSV tables with
  code headers) and validates it with ``khoan.load``; problems are reported against the
  workbook's sheet, row and column;
- :func:`init_model` starts a new province: the blank template, the parameter starters
  (``params/README.md``) and a starter ``scenarios.toml`` (``khoan init``).
"""

from __future__ import annotations

import datetime as _dt
import json
import re
import shutil
import unicodedata
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import load_workbook

from ..data.io import read_raw
from ..data.schema import coerce_table, get_schema
from ..errors import Problem, ValidationError
from .headers import header_codes
from .labels import check_lang
from .template_write import SHEETS, TABLES, write_template

__all__ = ["init_model", "params_readme", "read_template", "starter_scenarios", "template_to_model"]


_UNIQUE = {"communes": ("code",), "staff": ("id",), "outputs": ()}


# -- reading ----------------------------------------------------------------------------------------
def _sheet_names(xlsx: Path) -> list[str]:
    try:
        wb = load_workbook(xlsx, read_only=True)
    except Exception:  # corrupt files: read_raw reports them with their location
        return []
    try:
        return list(wb.sheetnames)
    finally:
        wb.close()


def _find_sheet(names: list[str], table: str) -> str | None:
    low = {unicodedata.normalize("NFC", n).strip().lower(): n for n in names}
    for cand in (*SHEETS[table], table):
        hit = low.get(cand.lower())
        if hit is not None:
            return hit
    return None


_MIDNIGHT = re.compile(r"^(\d{4}-\d{2}-\d{2}) 00:00:00$")


def read_template(xlsx: str | Path) -> dict[str, tuple[str | None, pd.DataFrame]]:
    """Raw text tables of a filled template: table -> (sheet name, DataFrame with code headers).

    A missing outputs sheet gives ``(None, empty)``; a missing communes or staff sheet raises
    :class:`~khoan.errors.ValidationError`. Excel dates come back as ``YYYY-MM-DD``.
    """
    p = Path(xlsx)
    names = _sheet_names(p)
    out: dict[str, tuple[str | None, pd.DataFrame]] = {}
    problems: list[Problem] = []
    for t in TABLES:
        sheet = _find_sheet(names, t)
        if sheet is None:
            if t == "outputs" and names:
                out[t] = (None, pd.DataFrame())
                continue
            if not names:
                read_raw(p, None)  # raises with the reason (missing, empty, corrupt)
            problems.append(
                Problem(
                    p.name,
                    SHEETS[t][0],
                    None,
                    None,
                    None,
                    f"sheet not found (expected «{SHEETS[t][0]}» or «{SHEETS[t][1]}»; "
                    f"the workbook has: {', '.join(names)})",
                )
            )
            continue
        try:
            raw = read_raw(p, sheet)
        except ValidationError as exc:
            if t == "outputs" and any("empty" in pr.rule for pr in exc.problems):
                out[t] = (sheet, pd.DataFrame())
                continue
            problems += [
                Problem(p.name, sheet, pr.row, pr.column, pr.value, pr.rule) for pr in exc.problems
            ]
            continue
        raw = header_codes(raw, t)
        raw = raw.apply(lambda s: s.astype(str).str.replace(_MIDNIGHT, r"\1", regex=True))
        out[t] = (sheet, raw)
    if problems:
        raise ValidationError(problems, title=f"Template {p.name} cannot be read")
    return out


_REGISTRY_OFF_LINE = (
    "registry = false                 # codes not checked against the official registry"
)


def _toml_str(s: str) -> str:
    return json.dumps(str(s), ensure_ascii=False)


def template_to_model(
    xlsx: str | Path,
    folder: str | Path,
    *,
    name: str | None = None,
    title: str | None = None,
    province_code: str | None = None,
    structure: str = "2025",
    base_year: int | None = None,
    years: tuple[int, int] | list[int] | None = None,
    tables: str = "csv",
    params: str | Path | None = None,
    validate: bool = True,
    registry: bool = True,
) -> Path:
    """Make a model folder from a filled template and check it.

    Parameters
    ----------
    xlsx : str or Path
        The filled template.
    folder : str or Path
        The model folder to write (created; ``model.toml`` and table files are replaced).
    name, title, province_code, structure, base_year, years
        Written to ``model.toml`` (see ``docs/architecture.md``). ``years`` defaults to
        ``[base_year, base_year]``; ``base_year`` to the first outputs year, else this year.
    tables : {"csv", "xlsx"}
        ``"csv"``: write ``communes.csv``, ``staff.csv`` (and ``outputs.csv``) with code headers
        — works with any khoan. ``"xlsx"``: copy the workbook as ``input.xlsx`` and name its
        sheets in ``[tables]`` (needs :func:`header_codes` wired into the loader).
    params : str or Path, optional
        A provincial parameter overlay folder to copy into the model as ``params/``.
    validate : bool
        Check the tables against their schemas first, then load the model with
        ``khoan.load``. Every problem is reported against the workbook: file, sheet, row
        (header = row 1) and column code.
    registry : bool
        ``False`` writes ``registry = false``: commune codes are not checked against the
        official registry (made-up or future units); every output says so.

    Returns
    -------
    Path
        The model folder.

    Raises
    ------
    ValidationError
        The workbook cannot be read or its data are not valid.
    """
    if tables not in ("csv", "xlsx"):
        raise ValueError("tables must be 'csv' or 'xlsx'")
    src = Path(xlsx)
    raw = read_template(src)
    where: dict[str, tuple[str, str | None]] = {}
    if validate:
        problems: list[Problem] = []
        for t in TABLES:
            sheet, df = raw[t]
            if t == "outputs" and df.empty and len(df.columns) == 0:
                continue
            _, pr, _ = coerce_table(df, get_schema(t), src.name, sheet, unique=_UNIQUE[t])
            problems += pr
        # a missing sheet or column stops here; problems in rows go on to the model's checks
        # (communes of the staff, legal scales) so that every problem is listed at once
        if any(p.row is None or p.row == 1 for p in problems):
            raise ValidationError(problems, title=f"Template {src.name} is not valid")
    final = Path(folder)
    # everything is written and checked in a folder beside the destination, then moved in:
    # a failure leaves the destination as it was (no half-written model)
    dest = _staging(final)
    if params is None and (final / "params").is_dir():  # checked with the folder's own params
        shutil.copytree(final / "params", dest / "params")
    try:
        _fill_model_folder(
            src, raw, dest, where, final.name, name, title, province_code, structure,
            base_year, years, tables, params, validate, registry,
        )  # fmt: skip
        dropped = [] if "outputs" in _refs_of(dest) else ["outputs.csv"]
        _move_into(dest, final, dropped, keep_params=params is None)
    finally:
        shutil.rmtree(dest, ignore_errors=True)
    return final


def _staging(final: Path) -> Path:
    """An empty folder beside ``final`` (same file system: the move is a rename)."""
    import tempfile

    final.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{final.name}.", suffix=".partial", dir=final.parent))


def _refs_of(folder: Path) -> dict[str, str]:
    import tomllib

    return tomllib.loads((folder / "model.toml").read_text("utf-8")).get("tables", {})


def _move_into(staged: Path, final: Path, dropped: list[str], *, keep_params: bool) -> None:
    """Move the staged files into ``final`` (created if absent: one rename)."""
    import os

    if not final.exists():
        umask = os.umask(0)
        os.umask(umask)
        staged.chmod(0o777 & ~umask)  # mkdtemp makes it private
        os.replace(staged, final)
        return
    for name in dropped:
        (final / name).unlink(missing_ok=True)
    for item in staged.iterdir():
        if item.name == "params" and keep_params:
            continue
        target = final / item.name
        if item.is_dir():
            shutil.rmtree(target, ignore_errors=True)
        os.replace(item, target)


def _fill_model_folder(
    src, raw, dest, where, default_name, name, title, province_code, structure,
    base_year, years, tables, params, validate, registry,
) -> None:  # fmt: skip
    """Write ``model.toml`` and the tables of a filled template into ``dest`` and check them."""
    refs: dict[str, str] = {}
    for t in TABLES:
        sheet, df = raw[t]
        has_rows = len(df) > 0
        if t == "outputs" and not has_rows:
            continue
        if tables == "csv":
            fname = f"{t}.csv"
            df.to_csv(dest / fname, index=False, encoding="utf-8", lineterminator="\n")
            refs[t] = fname
            where[fname] = (src.name, sheet)
        else:
            refs[t] = f"input.xlsx#{sheet}"
    if tables == "xlsx":
        shutil.copyfile(src, dest / "input.xlsx")
    if params is not None:
        shutil.copytree(Path(params), dest / "params", dirs_exist_ok=True)
        where["input.xlsx"] = (src.name, None)
    if base_year is None:
        out_years = pd.to_numeric(
            raw["outputs"][1].get("year", pd.Series(dtype=str)), errors="coerce"
        )
        base_year = int(out_years.min()) if out_years.notna().any() else _dt.date.today().year
    yrs = list(years) if years is not None else [base_year, base_year]
    lines = [
        f"name = {_toml_str(name or default_name)}",
        f"title = {_toml_str(title or name or default_name)}",
    ]
    if province_code is not None:
        lines.append(f"province_code = {_toml_str(province_code)}")
    lines += [
        f"structure = {_toml_str(structure)}",
        f"base_year = {int(base_year)}",
        f"years = [{', '.join(str(int(y)) for y in yrs)}]",
        *([] if registry else [_REGISTRY_OFF_LINE]),
        "",
        "[tables]",
        *(f"{t} = {_toml_str(r)}" for t, r in refs.items()),
        "",
    ]
    (dest / "model.toml").write_text("\n".join(lines), encoding="utf-8")
    if validate:
        from ..model import load

        try:
            load(dest)
        except ValidationError as exc:
            mapped = []
            for pr in exc.problems:
                f = Path(pr.file).name if pr.file else None
                if f in where:
                    file, sheet = where[f]
                    mapped.append(
                        Problem(file, pr.sheet or sheet, pr.row, pr.column, pr.value, pr.rule)
                    )
                else:
                    mapped.append(pr)
            raise ValidationError(mapped, title=f"Template {src.name} is not valid") from None


# -- a new province ---------------------------------------------------------------------------------
def _example_text(value: Any) -> str:
    if isinstance(value, dict):
        inner = ", ".join(f"{k}: {_example_text(v)}" for k, v in list(value.items())[:3])
        return "{" + inner + (", …}" if len(value) > 3 else "}")
    if isinstance(value, int | float) and not isinstance(value, bool) and abs(value) >= 1000:
        return f"{value:,}".replace(",", " ")
    return str(value)


def _starter_rows() -> list[dict[str, str]]:
    """One row per parameter of the starter files: key, unit, what, example, reference, file."""
    import yaml

    from ..data.starter import ALLOCATION_KEYS, STARTER_FILES, starter_path

    rows: list[dict[str, str]] = []

    def walk(node: dict, key: str, rel: str) -> None:
        if "values" in node:
            first = next(iter(node["values"].values()))
            desc = node.get("description", {})
            rows.append(
                {
                    "key": key,
                    "unit": str(node.get("unit", "")),
                    "what": f"{desc.get('vi', '')} — {desc.get('en', '')}",
                    "example": _example_text(first["value"]),
                    "reference": " ".join(str(first["reference"]).split()),
                    "file": rel,
                    "needed_by": "khoan allocate" if key in ALLOCATION_KEYS else "khoan budget",
                }
            )
            return
        for k, v in node.items():
            if isinstance(v, dict) and k not in ("description", "documentation"):
                walk(v, f"{key}.{k}", rel)

    for rel in STARTER_FILES:
        if rel.endswith("index.yaml"):
            continue
        data = yaml.safe_load(starter_path(rel).read_text("utf-8"))
        walk(data, rel.removesuffix(".yaml").replace("/", "."), rel)
    return rows


def params_readme(structure: str) -> str:
    """``params/README.md`` of a new model: every provincial parameter it still needs."""
    rows = _starter_rows()
    lines = [
        "# Tham số của tỉnh — provincial parameters this model still needs",
        "",
        "The national law is built into khoan (`khoan params list`). What the province decides",
        "is not, and khoan never takes another province's figures silently: put each parameter",
        "below in this folder as a YAML file (same format as the law: dated `values`, each with",
        "`reference` and `confidence`). Each `*.yaml.example` file here is a documented starting",
        "point with ILLUSTRATIVE values: copy it without the `.example` suffix, replace the values",
        "with your decisions and their references, and set `confidence: confirmed`.",
        "",
        "| key | unit | needed by | what | example (illustrative) | example's reference | file |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| `{r['key']}` | {r['unit']} | `{r['needed_by']}` | {r['what']} | {r['example']} "
            f"| {r['reference']} | `{r['file']}.example` |"
        )
    lines += [
        "",
        "Who decides: the allocation norms are the provincial People's Council's (HĐND tỉnh,",
        "Luật NSNN 2015 Điều 30 khoản 2); the output-based allocation rules (indicators, targets,",
        "weights, share of the envelope by score) are the province's choice — indicator codes are",
        "listed in docs/user-guide.md and on the template's instructions sheet.",
    ]
    if structure == "2025":
        lines += [
            "",
            "Two-tier structure (from 2025-07-01): there is no national commune staffing quota",
            "(`staffing.quota.cadres_civil_servants` is null in the law). If the province sets a",
            "temporary framework, add it as `staffing/quota.yaml` (example:",
            "khoan/models/khanh_hoa_2026/params/staffing/quota.yaml).",
        ]
    return "\n".join(lines) + "\n"


def starter_scenarios(years: list[int], title: str) -> str:
    """A starter ``scenarios.toml``: attrition only and a 5 % reduction (national targets)."""
    y0, y1 = years[0], years[-1]
    regime = "nd178" if y0 >= 2025 else "nd108"
    return f"""# Staff-reduction scenarios (starter written by khoan init). Run one:
#   khoan simulate FOLDER --scenario attrition_only
# Grammar and every field: docs/user-guide.md ("Scenarios").

title = {_toml_str("Tinh giản biên chế cấp xã — " + title)}

[defaults]
years = [{y0}, {y1}]
regime = "{regime}"               # benefit regime of the leavers (nd108, nd178, nd154)
decision_date = {y0}-01-01
approved_falls = true            # the approved staffing (and the lump sum) falls with the headcount

[scenarios.attrition_only]
title = "Chỉ giảm tự nhiên (không tuyển thay người nghỉ hưu)"
policy = "attrition"

[scenarios.cut_5pct]
title = "Giảm 5 % cán bộ, công chức đến {y1} — nghỉ hưu trước tuổi, thôi việc"
policy = "early_retirement"
kinds = ["early_retirement", "resignation"]
target = {{ share = 0.05, by = {y1} }}
"""


def init_model(
    folder: str | Path,
    province_code: str,
    *,
    xlsx: str | Path | None = None,
    structure: str = "2025",
    base_year: int | None = None,
    years: tuple[int, int] | list[int] | None = None,
    name: str | None = None,
    title: str | None = None,
    registry: bool = True,
    lang: str = "vi",
) -> Path:
    """Make a new province model folder (``khoan init``), atomically.

    Writes ``model.toml``, the tables (from a filled template, or a blank ``input.xlsx`` whose
    communes sheet lists the province's official units), ``params/README.md`` listing every
    provincial parameter the model still needs with ``*.yaml.example`` starters, and a starter
    ``scenarios.toml``. Everything is written in a folder beside ``folder`` and renamed into
    place at the end: a failure leaves nothing behind.

    Parameters
    ----------
    folder : str or Path
        The new model folder; it must not exist, or be empty.
    province_code : str
        Official 2-digit province code (``"56"`` Khánh Hòa), checked against the registry of
        ``structure`` unless ``registry=False``.
    xlsx : str or Path, optional
        A filled template (``khoan template``); validated (problems by sheet, row, column).
    structure : {"2025", "2016"}
        Administrative structure of the codes.
    base_year, years
        Roster year and model years (defaults: this year; five years from the base year).
    name, title
        Written to ``model.toml`` (defaults: folder name; the province's name).
    registry : bool
        ``False``: ``registry = false`` — codes are not checked (made-up or future units);
        every output says so.
    lang : {"vi", "en"}
        Language of the blank workbook.

    Returns
    -------
    Path
        The model folder.

    Raises
    ------
    KhoanError
        The folder is not empty, or the province code is not in the registry.
    ValidationError
        The filled template is not valid (nothing is written).
    """
    from ..data import registry as reg
    from ..errors import KhoanError

    check_lang(lang)
    final = Path(folder)
    if final.exists() and (not final.is_dir() or any(final.iterdir())):
        raise KhoanError(
            f"{final}: the folder exists and is not empty — khoan init makes a new model; "
            "choose a new folder name"
        )
    code = str(province_code).strip()
    code = code.zfill(2) if code.isdigit() else code
    prov_name = None
    if registry:
        provs = reg.provinces(structure)
        hit = provs[provs["province_code"] == code]
        if hit.empty:
            raise KhoanError(
                f"--province {province_code}: not a province code of the {structure} structure "
                f"(codes: {', '.join(provs['province_code'])}). For a made-up or future unit, "
                "use --no-registry"
            )
        prov_name = str(hit["province_name"].iloc[0])
    if base_year is None:  # the roster's year: this year unless told
        base_year = _dt.date.today().year
    yrs = list(years) if years is not None else [base_year, base_year + 4]
    title = title or (prov_name or f"Tỉnh {code}")
    stage = _staging(final)
    try:
        if xlsx is not None:
            template_to_model(
                xlsx,
                stage / "m",
                name=name or final.name,
                title=title,
                province_code=code,
                structure=structure,
                base_year=base_year,
                years=yrs,
                registry=registry,
            )
            model = stage / "m"
        else:
            model = stage / "m"
            model.mkdir()
            communes = None
            if registry:
                units = reg.load_units(structure)
                communes = units[units["province_code"] == code].drop(
                    columns=["province_code", "province_name"]
                )
            write_template(
                model / "input.xlsx",
                lang,
                tables={"communes": communes} if communes is not None else None,
            )
            i = 0 if lang == "vi" else 1
            lines = [
                f"name = {_toml_str(name or final.name)}",
                f"title = {_toml_str(title)}",
                f"province_code = {_toml_str(code)}",
                f"structure = {_toml_str(structure)}",
                f"base_year = {int(base_year)}",
                f"years = [{', '.join(str(int(y)) for y in yrs)}]",
                *([] if registry else [_REGISTRY_OFF_LINE]),
                "",
                "# Fill input.xlsx (one sheet per table), then: khoan validate FOLDER",
                "[tables]",
                *(f"{t} = {_toml_str('input.xlsx#' + SHEETS[t][i])}" for t in TABLES),
                "",
            ]
            (model / "model.toml").write_text("\n".join(lines), encoding="utf-8")
        params = model / "params"
        params.mkdir(exist_ok=True)
        from ..data.starter import STARTER_FILES, starter_path

        for rel in STARTER_FILES:
            target = params / f"{rel}.example"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(starter_path(rel), target)
        (params / "README.md").write_text(params_readme(structure), encoding="utf-8")
        (model / "scenarios.toml").write_text(starter_scenarios(yrs, title), encoding="utf-8")
        if final.exists():
            final.rmdir()  # empty (checked above)
        _move_into(model, final, [], keep_params=False)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return final
