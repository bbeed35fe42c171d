"""A new province without writing Python (issue 14 §1).

``khoan init`` from a filled template or from nothing, atomically; ``khoan validate`` on a
workbook; ``registry = false``; the allocation rules live in the models, not in the national
law; documented indicator codes; a commune code that lost its leading zero is the one problem.
"""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from tiny_model import COMMUNES, STAFF, TOML

import khoan
from khoan import cli
from khoan.data.starter import indicator_catalog, starter_path
from khoan.errors import KhoanError, ParameterError, ValidationError
from khoan.model import load
from khoan.params import load_law
from khoan.report.template import init_model, write_template


def cli_run(capsys, *args: str) -> tuple[int, str, str]:
    """Run the command in this process: (exit code, stdout, stderr)."""
    try:
        cli.main([str(a) for a in args])
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


def tiny_folder(tmp_path: Path, communes=COMMUNES, staff=STAFF, toml=TOML, outputs=None) -> Path:
    d = tmp_path / "tiny"
    d.mkdir(exist_ok=True)
    (d / "model.toml").write_text(toml, encoding="utf-8")
    (d / "communes.csv").write_text(communes, encoding="utf-8")
    (d / "staff.csv").write_text(staff, encoding="utf-8")
    if outputs is not None:
        (d / "outputs.csv").write_text(outputs, encoding="utf-8")
    return d


@pytest.fixture()
def filled(tmp_path) -> Path:
    """The template filled with the tiny model's tables (two Khánh Hòa communes, 2016)."""
    m = load(tiny_folder(tmp_path))
    return write_template(tmp_path / "filled.xlsx", model=m, rows=20)


# -- khoan validate on a workbook, khoan init --from ------------------------------------------------
def test_validate_workbook_says_what_to_run(filled, capsys):
    code, out, err = cli_run(capsys, "validate", filled, "--province", "56", "--structure", "2016")
    assert code == 0, err
    assert "OK filled.xlsx: 2 đơn vị cấp xã, 5 người" in out
    assert f"khoan init MY_MODEL --province 56 --from {filled} --structure 2016" in out
    code, out, err = cli_run(
        capsys, "validate", filled, "--province", "56", "--structure", "2016", "--lang", "en"
    )
    assert code == 0 and "OK filled.xlsx: 2 communes, 5 staff" in out


def test_validate_workbook_problems_name_the_sheet_and_the_next_step(filled, capsys):
    wb = openpyxl.load_workbook(filled)
    wb["Nhân sự"]["G3"] = 2.50  # coefficient of P2 (grade A1 step 1 is 2.34)
    wb.save(filled)
    code, _, err = cli_run(capsys, "validate", filled, "--province", "56", "--structure", "2016")
    assert code == 1
    assert "filled.xlsx, sheet Nhân sự, row 3, column 'coefficient'" in err
    assert "sau đó: khoan init MY_MODEL --province 56" in err
    assert "model.toml not found" not in err


def test_init_from_template_to_first_budget(filled, tmp_path, capsys):
    dest = tmp_path / "tinh_moi"
    code, out, err = cli_run(
        capsys, "init", dest, "--province", "56", "--from", filled,
        "--structure", "2016", "--base-year", "2016",
    )  # fmt: skip
    assert code == 0, err
    assert "khoan budget" in out and "--year 2016" in out
    meta = tomllib.loads((dest / "model.toml").read_text("utf-8"))
    assert meta["province_code"] == "56" and meta["structure"] == "2016"
    assert meta["years"] == [2016, 2020] and meta["title"] == "Tỉnh Khánh Hòa"
    assert "registry" not in meta
    # every provincial parameter still needed, with an example and its file
    readme = (dest / "params" / "README.md").read_text("utf-8")
    for key in (
        "norms.provincial.per_post",
        "norms.provincial.per_commune",
        "allocation.indicators",
        "allocation.scoring.performance_share",
        "allocation.scoring.score_cap",
    ):
        assert f"| `{key}` |" in readme
    assert "| 28 000 000 |" in readme  # the per-post example
    assert "Luật NSNN 2015 Điều 30" in readme
    examples = sorted(p.relative_to(dest / "params").as_posix() for p in dest.rglob("*.example"))
    assert examples == [
        "allocation/index.yaml.example",
        "allocation/indicators.yaml.example",
        "allocation/scoring.yaml.example",
        "norms/provincial.yaml.example",
    ]
    # the starter scenarios load
    from khoan.scenarios.files import load_scenarios

    m = khoan.load(dest)
    assert len(m.communes) == 2 and len(m.staff) == 5
    sc = load_scenarios(dest / "scenarios.toml")
    assert {"attrition_only", "cut_5pct"} <= set(sc)
    # no silent provincial norm: the budget names what to supply ...
    with pytest.raises(ParameterError, match="norms.provincial.per_post"):
        khoan.budget(m, 2016)
    # ... and with the example copied in, the first budget
    shutil.copyfile(
        dest / "params/norms/provincial.yaml.example", dest / "params/norms/provincial.yaml"
    )
    b = khoan.budget(khoan.load(dest), 2016)
    assert int(b.table["total"].sum()) == int(b.province["total"].iloc[0]) > 0
    # the allocation names its missing parameters and the starter
    with pytest.raises(ParameterError) as exc:
        khoan.allocate(khoan.load(dest), 2017, "norm")
    msg = str(exc.value)
    assert "allocation.indicators" in msg and "allocation.scoring.performance_share" in msg
    assert str(starter_path()) in msg and "params/allocation/indicators.yaml" in msg


def test_init_is_atomic_when_the_workbook_is_invalid(filled, tmp_path, capsys):
    wb = openpyxl.load_workbook(filled)
    wb["Nhân sự"]["B2"] = "99999"  # a commune that is not in the communes sheet
    wb.save(filled)
    dest = tmp_path / "out" / "tinh_moi"
    code, _, err = cli_run(
        capsys, "init", dest, "--province", "56", "--from", filled, "--structure", "2016"
    )
    assert code == 1
    assert "sheet Nhân sự, row 2, column 'commune'" in err
    assert not dest.exists()
    assert list((tmp_path / "out").iterdir()) == []  # no half-written or staging folder


def test_init_refuses_a_folder_in_use_and_an_unknown_province(filled, tmp_path, capsys):
    used = tmp_path / "used"
    used.mkdir()
    (used / "notes.txt").write_text("x", encoding="utf-8")
    code, _, err = cli_run(capsys, "init", used, "--province", "56")
    assert code == 1 and "exists and is not empty" in err
    assert [p.name for p in used.iterdir()] == ["notes.txt"]
    code, _, err = cli_run(capsys, "init", tmp_path / "x", "--province", "99")
    assert code == 1
    assert "--province 99: not a province code of the 2025 structure" in err
    assert "--no-registry" in err
    assert not (tmp_path / "x").exists()


def test_init_blank_workbook_lists_the_official_units(tmp_path, capsys):
    dest = tmp_path / "blank"
    code, out, err = cli_run(capsys, "init", dest, "--province", "56", "--base-year", "2026")
    assert code == 0, err
    assert "khoan validate" in out
    units = khoan.data.registry.load_units("2025")
    kh = units[units["province_code"] == "56"].reset_index(drop=True)
    wb = openpyxl.load_workbook(dest / "input.xlsx")
    ws = wb["Đơn vị hành chính"]
    codes = [ws.cell(row=r, column=1).value for r in range(2, 2 + len(kh))]
    assert codes == kh["code"].tolist() and all(isinstance(c, str) for c in codes)
    assert ws.cell(row=2, column=2).value == kh["name"].iloc[0]
    assert ws.cell(row=2 + len(kh), column=1).value is None
    meta = tomllib.loads((dest / "model.toml").read_text("utf-8"))
    assert meta["tables"]["communes"] == "input.xlsx#Đơn vị hành chính"
    # unfilled: validate lists the missing values on the workbook's sheet
    with pytest.raises(ValidationError, match="sheet Đơn vị hành chính, row 2"):
        khoan.load(dest)


# -- indicator codes: documented, in the drop-down, an unknown one named once ------------------------
def test_template_offers_the_documented_indicator_codes(tmp_path):
    path = write_template(tmp_path / "t.xlsx", rows=20)
    wb = openpyxl.load_workbook(path)
    lists = wb["Danh mục"]
    col = next(c for c in lists[1] if c.value == "indicator").column
    codes = [
        lists.cell(row=r, column=col).value
        for r in range(2, lists.max_row + 1)
        if lists.cell(row=r, column=col).value
    ]
    assert codes == list(indicator_catalog())
    assert codes[:4] == ["late_rate", "online_l4_rate", "satisfaction", "time_cut"]
    ws = wb["Chỉ tiêu đầu ra"]
    formulas = {str(dv.sqref): dv.formula1 for dv in ws.data_validations.dataValidation}
    letter = openpyxl.utils.get_column_letter(col)
    (sqref,) = [k for k in formulas if k.startswith("C2:")]  # the indicator column
    assert formulas[sqref] == f"'Danh mục'!${letter}$2:${letter}${len(codes) + 1}"
    help_cells = [c.value for row in wb["Hướng dẫn"].iter_rows() for c in row if c.value]
    assert "Mã chỉ tiêu đầu ra" in help_cells
    assert "Tỷ lệ hồ sơ giải quyết trễ hạn (0–1)" in help_cells
    assert any("khoan init mo_hinh --province 56 --from" in str(v) for v in help_cells)


def test_user_guide_documents_every_indicator_code():
    guide = (Path(__file__).parents[1] / "docs" / "user-guide.md").read_text("utf-8")
    for code in indicator_catalog():
        assert f"| `{code}` |" in guide
    assert "khoan init" in guide


def test_unknown_indicator_is_named_once_with_its_rows(tmp_path):
    rows = ["commune,year,indicator,value"]
    rows += [f"22327,2016,{n},0.1" for n in ("late_rate", "late_rte", "satisfaction")]
    rows += ["22330,2016,late_rte,0.2", "22330,2016,population,14820"]
    d = tiny_folder(tmp_path, outputs="\n".join(rows) + "\n")
    with pytest.raises(ValidationError) as exc:
        load(d)
    probs = exc.value.problems
    assert len(probs) == 1, probs
    p = probs[0]
    assert (p.file, p.row, p.column) == ("outputs.csv", 3, "indicator")
    assert "unknown indicator 'late_rte' in 2 row(s) (rows 3, 5)" in p.rule
    assert "did you mean 'late_rate'" in p.rule


# -- the national law holds only national law --------------------------------------------------------
def test_allocation_rules_live_in_the_models_not_the_law():
    law = load_law()
    assert not [k for k in law.keys() if k.startswith("allocation.")]
    assert not (Path(khoan.__file__).parent / "params" / "law" / "allocation").exists()
    for name in ("khanh_hoa_2016", "khanh_hoa_2026"):
        m = khoan.examples.load(name)
        spec = m.params.value("allocation.indicators", "2018-01-01")
        assert set(spec) <= set(indicator_catalog())
        assert m.params.value("allocation.scoring.performance_share", "2017-01-01") == 0.05
        assert "Khánh Hòa" in m.params.entry("allocation.indicators", "2018-01-01").reference
    starter = law.overlay(starter_path())
    spec = starter.value("allocation.indicators", "2020-01-01")
    assert sum(v["weight"] for v in spec.values()) == pytest.approx(1.0)
    assert [k for k, v in spec.items() if v["kind"] == "service"] == [
        "late_rate",
        "online_l4_rate",
        "satisfaction",
        "time_cut",
    ]
    assert "Khánh Hòa" not in starter.entry("allocation.indicators", "2020-01-01").reference


def test_model_without_indicators_gets_a_clear_message(tmp_path):
    m = load(tiny_folder(tmp_path))
    from khoan.allocate.indicators import composite_score

    with pytest.raises(ParameterError) as exc:
        composite_score(m, 2016)
    msg = str(exc.value)
    for key in (
        "allocation.indicators",
        "allocation.scoring.score_cap",
        "allocation.scoring.performance_share",
        "allocation.scoring.corridor",
        "allocation.scoring.min_staffing_share",
    ):
        assert key in msg
    assert "not national law" in msg and (starter_path() / "allocation").is_dir()


# -- registry = false ---------------------------------------------------------------------------------
MADE_UP = COMMUNES.replace("22330,Phường Vĩnh Hải", "99001,Phường Mới").replace(
    "22327,Phường Vĩnh Hòa", "99002,Phường Tương Lai"
)
MADE_UP_STAFF = STAFF.replace(",22327,", ",99002,").replace(",22330,", ",99001,")


def test_made_up_codes_need_registry_false(tmp_path, capsys):
    d = tiny_folder(tmp_path, communes=MADE_UP, staff=MADE_UP_STAFF)
    with pytest.raises(ValidationError, match="not a commune code of province 56"):
        load(d)
    (d / "model.toml").write_text(TOML + "registry = false\n", encoding="utf-8")
    (d / "params" / "norms").mkdir(parents=True)
    shutil.copyfile(starter_path("norms/provincial.yaml"), d / "params/norms/provincial.yaml")
    m = load(d)
    assert not m.registry and "registry check off" in m.registry_note
    b = khoan.budget(m, 2016)
    assert m.registry_note in b.notes
    assert b.provenance["registry"] == m.registry_note
    b.to_excel(tmp_path / "b.xlsx")
    cells = [
        str(c.value)
        for ws in openpyxl.load_workbook(tmp_path / "b.xlsx").worksheets
        for row in ws.iter_rows()
        for c in row
        if c.value
    ]
    assert any("registry check off" in v for v in cells)
    code, _, err = cli_run(capsys, "budget", d, "--year", "2016")
    assert code == 0 and "registry check off" in err
    code, _, err = cli_run(capsys, "validate", d)
    assert code == 0


def test_registry_flag_must_be_a_boolean(tmp_path):
    d = tiny_folder(tmp_path, toml=TOML + 'registry = "no"\n')
    with pytest.raises(ValidationError, match="registry must be true or false"):
        load(d)


def test_init_no_registry_from_a_workbook_of_future_units(tmp_path, capsys):
    m = load(tiny_folder(tmp_path))
    tables = {
        "communes": m.communes.assign(code=["99002", "99001"]),
        "staff": m.staff.assign(
            commune=m.staff["commune"].map({"22327": "99002", "22330": "99001"})
        ),
    }
    x = write_template(tmp_path / "future.xlsx", tables=tables, rows=20)
    dest = tmp_path / "future"
    code, _, err = cli_run(
        capsys, "init", dest, "--province", "56", "--from", x, "--structure", "2016"
    )
    assert code == 1 and "not a commune code" in err and not dest.exists()
    code, out, err = cli_run(
        capsys, "init", dest, "--province", "56", "--from", x, "--structure", "2016",
        "--no-registry", "--base-year", "2016",
    )  # fmt: skip
    assert code == 0, err
    assert "registry = false" in err
    meta = tomllib.loads((dest / "model.toml").read_text("utf-8"))
    assert meta["registry"] is False
    code, out, err = cli_run(capsys, "validate", x, "--no-registry", "--structure", "2016")
    assert code == 0 and "--no-registry" in out and "registry check off" in err


def test_init_no_registry_accepts_a_made_up_province(tmp_path):
    dest = init_model(tmp_path / "p", "70x", registry=False, base_year=2026)
    meta = tomllib.loads((dest / "model.toml").read_text("utf-8"))
    assert meta["registry"] is False and meta["province_code"] == "70x"
    wb = openpyxl.load_workbook(dest / "input.xlsx")
    assert wb["Đơn vị hành chính"]["A2"].value is None  # no registry: no units to list


# -- root cause first: a code typed as a number ---------------------------------------------------------
def test_code_typed_as_a_number_is_the_one_problem(tmp_path):
    # two Điện Biên units (2016 codes 03127, 03124); the first lost its leading zero in Excel
    communes = COMMUNES.replace("22327,Phường Vĩnh Hòa", "3127,Phường Him Lam").replace(
        "22330,Phường Vĩnh Hải", "03124,Phường Noong Bua"
    )
    staff = STAFF.replace(",22327,", ",03127,").replace(",22330,", ",03124,")
    outputs = "commune,year,indicator,value\n03127,2016,late_rate,0.1\n03127,2016,time_cut,0.2\n"
    toml = TOML.replace('province_code = "56"', 'province_code = "11"')
    d = tiny_folder(tmp_path, communes=communes, staff=staff, toml=toml, outputs=outputs)
    with pytest.raises(ValidationError) as exc:
        load(d)
    probs = exc.value.problems
    assert len(probs) == 1, probs
    p = probs[0]
    assert (p.file, p.row, p.column, p.value) == ("communes.csv", 2, "code", "3127")
    assert "has 4 digits" in p.rule and "write 03127" in p.rule
    assert "2 row(s) of staff.csv write 03127" in p.rule
    assert "2 row(s) of outputs.csv write 03127" in p.rule


def test_code_typed_as_a_number_in_the_workbook(tmp_path, capsys):
    communes = COMMUNES.replace("22327,Phường Vĩnh Hòa", "03127,Phường Him Lam").replace(
        "22330,Phường Vĩnh Hải", "03124,Phường Noong Bua"
    )
    staff = STAFF.replace(",22327,", ",03127,").replace(",22330,", ",03124,")
    toml = TOML.replace('province_code = "56"', 'province_code = "11"')
    m = load(tiny_folder(tmp_path, communes=communes, staff=staff, toml=toml))
    x = write_template(tmp_path / "db.xlsx", model=m, rows=20)
    wb = openpyxl.load_workbook(x)
    wb["Đơn vị hành chính"]["A2"] = 3127  # typed as a number
    wb.save(x)
    code, _, err = cli_run(capsys, "validate", x, "--province", "11", "--structure", "2016")
    assert code == 1
    lines = [ln for ln in err.splitlines() if ln.strip().startswith("- ")]
    assert len(lines) == 1, err
    assert "sheet Đơn vị hành chính, row 2, column 'code'" in lines[0]
    assert "write 03127" in lines[0]


def test_template_to_model_leaves_an_existing_folder_as_it_was(filled, tmp_path):
    from khoan.report.template import template_to_model

    dest = template_to_model(filled, tmp_path / "m", province_code="56", structure="2016")
    before = {p.name: p.read_bytes() for p in dest.iterdir() if p.is_file()}
    wb = openpyxl.load_workbook(filled)
    wb["Nhân sự"]["B2"] = "99999"
    wb.save(filled)
    with pytest.raises(ValidationError):
        template_to_model(filled, dest, province_code="56", structure="2016")
    after = {p.name: p.read_bytes() for p in dest.iterdir() if p.is_file()}
    assert after == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    assert isinstance(pd.read_csv(dest / "staff.csv", dtype=str), pd.DataFrame)
    assert issubclass(ParameterError, KhoanError)


def test_registry_off_is_in_the_allocation_and_scenario_provenance(tmp_path):
    src = Path(khoan.examples.path("khanh_hoa_2026"))
    d = tmp_path / "kh"
    shutil.copytree(src, d)
    toml = (d / "model.toml").read_text("utf-8")
    (d / "model.toml").write_text(toml.replace("[tables]", "registry = false\n\n[tables]"), "utf-8")
    m = khoan.load(d)
    note = m.registry_note
    assert note and not m.registry
    a = khoan.allocate(m, 2026, "norm")
    assert a.provenance["registry"] == note
    from khoan.scenarios.files import load_scenarios

    s = khoan.simulate(m, load_scenarios(d)["kl40_5pct"])
    assert s.provenance["registry"] == note and note in s.provenance["notes"]


def test_short_made_up_codes_are_fine_without_the_registry(tmp_path):
    communes = COMMUNES.replace("22327,Phường Vĩnh Hòa", "1,Phường Một").replace(
        "22330,Phường Vĩnh Hải", "2,Phường Hai"
    )
    staff = STAFF.replace(",22327,", ",1,").replace(",22330,", ",00002,")
    d = tiny_folder(tmp_path, communes=communes, staff=staff, toml=TOML + "registry = false\n")
    with pytest.raises(ValidationError) as exc:
        load(d)
    (p,) = exc.value.problems  # only "2", which the staff table writes 00002
    assert (p.row, p.column, p.value) == (3, "code", "2")
    assert "3 row(s) of staff.csv write 00002" in p.rule
    (d / "staff.csv").write_text(staff.replace(",00002,", ",2,"), encoding="utf-8")
    assert len(load(d).communes) == 2
