"""Bad input gets one clear ValidationError listing every problem with its location.

Each test writes a tiny model folder (two real Khánh Hòa communes), breaks one thing, and
asserts the file, row and column named in the message.
"""

from __future__ import annotations

import unicodedata

import openpyxl
import pandas as pd
import pytest
from tiny_model import COMMUNES, STAFF, TOML

import khoan
from khoan.errors import ValidationError
from khoan.model import load


def make(tmp_path, communes=COMMUNES, staff=STAFF, toml=TOML, staff_name="staff.csv"):
    d = tmp_path / "m"
    d.mkdir(exist_ok=True)
    (d / "model.toml").write_text(toml, encoding="utf-8")
    (d / "communes.csv").write_text(communes, encoding="utf-8")
    if staff is not None:
        (d / staff_name).write_text(staff, encoding="utf-8")
    return d


def problems(tmp_path, **kw):
    with pytest.raises(ValidationError) as exc:
        load(make(tmp_path, **kw))
    return exc.value


def test_valid_tiny_model_loads(tmp_path):
    m = load(make(tmp_path))
    assert len(m.communes) == 2 and len(m.staff) == 5
    assert m.staff["birth_date"].dtype.kind == "M"
    assert m.communes["population"].sum() == 17970 + 14820
    assert m.notices == []


def test_missing_column(tmp_path):
    e = problems(tmp_path, staff=STAFF.replace(",sex,", ",gender,"))
    assert any(p.column == "sex" and p.row == 1 and "missing" in p.rule for p in e.problems)
    assert any(p.column == "gender" and "unknown column" in p.rule for p in e.problems)


def test_wrong_type_and_every_problem_listed(tmp_path):
    bad = STAFF.replace(
        "P2,22327,cong_chuc,cong_chuc,A1,1,2.34", "P2,22327,cong_chuc,cong_chuc,A1,one,abc"
    )
    bad = bad.replace("1962-01-15", "15/13/1962")
    e = problems(tmp_path, staff=bad)
    where = {(p.file, p.row, p.column) for p in e.problems}
    assert ("staff.csv", 3, "step") in where
    assert ("staff.csv", 3, "coefficient") in where
    assert ("staff.csv", 4, "birth_date") in where
    assert "staff.csv, row 3, column 'coefficient'" in str(e)


def test_negative_and_missing_amount(tmp_path):
    bad = COMMUNES.replace("140000000", "-5").replace("17970", "")
    e = problems(tmp_path, communes=bad)
    assert any(p.row == 3 and p.column == "special_tasks" and "≥ 0" in p.rule for p in e.problems)
    assert any(p.row == 2 and p.column == "population" and "missing" in p.rule for p in e.problems)


def test_duplicate_staff_id(tmp_path):
    e = problems(tmp_path, staff=STAFF.replace("P3,", "P1,"))
    dup = [p for p in e.problems if "duplicate" in p.rule]
    assert dup and dup[0].row == 4 and dup[0].column == "id" and "row 2" in dup[0].rule


def test_staff_in_unknown_commune(tmp_path):
    e = problems(tmp_path, staff=STAFF.replace("P5,22330", "P5,22999"))
    assert any(
        p.row == 6 and p.column == "commune" and "not in the communes table" in p.rule
        for p in e.problems
    )


def test_commune_code_not_in_registry(tmp_path):
    # 00001 is Phường Phúc Xá (Hà Nội): in the registry, but not of province 56
    bad = (
        COMMUNES.replace("22330,", "00001,")
        + "99999,Xã Không Có,xa,568,X,3,100,1,lowland,0,21,19,0,0,0,\n"
    )
    e = problems(tmp_path, communes=bad, staff=STAFF.replace("22330", "22327"))
    rows = {p.row for p in e.problems if p.column == "code" and "registry" in p.rule}
    assert rows == {3, 4}


def test_coefficient_off_the_legal_scale(tmp_path):
    bad = STAFF.replace("A1,1,2.34", "A1,1,2.50").replace("A1,9,4.98,0,7", "A1,9,4.98,0,7")
    bad = bad.replace("cadre_untrained,1,2.35", "cadre_untrained,1,2.40")
    e = problems(tmp_path, staff=bad)
    assert any(p.row == 3 and p.column == "coefficient" and "2.34" in p.rule for p in e.problems)
    assert any(
        p.row == 5 and p.column == "coefficient" and "2.35 or 2.85" in p.rule for p in e.problems
    )


def test_tnvk_only_at_top_step(tmp_path):
    e = problems(tmp_path, staff=STAFF.replace("A1,1,2.34,0,0", "A1,1,2.34,0,5"))
    assert any(p.row == 3 and p.column == "tnvk_pct" for p in e.problems)


def test_decomposed_unicode_is_normalised_and_noted(tmp_path):
    nfd = unicodedata.normalize("NFD", COMMUNES)
    assert nfd != COMMUNES
    m = load(make(tmp_path, communes=nfd))
    assert m.communes.loc[0, "name"] == "Phường Vĩnh Hòa"
    assert unicodedata.is_normalized("NFC", m.communes.loc[0, "name"])
    assert {(n.row, n.column) for n in m.notices} >= {(2, "name"), (3, "name")}
    with pytest.raises(ValidationError, match="row 2, column 'name': text in decomposed Unicode"):
        load(make(tmp_path, communes=nfd), strict=True)


def test_empty_file(tmp_path):
    e = problems(tmp_path, staff="")
    assert any(p.file.endswith("staff.csv") and "empty" in p.rule for p in e.problems)


def test_corrupt_xlsx(tmp_path):
    toml = TOML + '[tables]\nstaff = "staff.xlsx"\n'
    d = make(tmp_path, toml=toml, staff=None)
    (d / "staff.xlsx").write_bytes(b"PK\x03\x04 this is not a workbook")
    with pytest.raises(ValidationError, match="staff.xlsx.*not a readable Excel workbook"):
        load(d)


def test_xlsx_input_with_sheet_and_vietnamese_labels(tmp_path):
    toml = TOML + '[tables]\nstaff = "input.xlsx#Nhân sự"\n'
    d = make(tmp_path, toml=toml, staff=None)
    df = pd.read_csv(pd.io.common.StringIO(STAFF), dtype=str, keep_default_na=False)
    df["category"] = df["category"].map(
        {
            "can_bo": "Cán bộ",
            "cong_chuc": "Công chức",
            "nhdkct": "Người hoạt động không chuyên trách",
        }
    )
    df["sex"] = df["sex"].map({"M": "Nam", "F": "Nữ"})
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Nhân sự"
    ws.append(list(df.columns))
    for row in df.itertuples(index=False):
        ws.append(list(row))
    ws.cell(row=3, column=df.columns.get_loc("coefficient") + 1, value="x")
    wb.save(d / "input.xlsx")
    with pytest.raises(ValidationError) as exc:
        load(d)
    p = exc.value.problems[0]
    assert (p.file, p.sheet, p.row, p.column) == ("input.xlsx", "Nhân sự", 3, "coefficient")
    # a problem found after the table checks (commune not in the communes table, salary off
    # the legal scale) names the sheet too
    ws.cell(row=3, column=df.columns.get_loc("coefficient") + 1, value=2.34)
    ws.cell(row=4, column=df.columns.get_loc("commune") + 1, value="22717")
    wb.save(d / "input.xlsx")
    with pytest.raises(ValidationError) as exc:
        load(d)
    (p,) = exc.value.problems
    assert (p.file, p.sheet, p.row, p.column) == ("input.xlsx", "Nhân sự", 4, "commune")
    assert "Nhân sự" in str(exc.value)
    ws.cell(row=4, column=df.columns.get_loc("commune") + 1, value=df["commune"].iloc[2])
    wb.save(d / "input.xlsx")
    m = load(d)
    assert list(m.staff["category"]) == ["can_bo", "cong_chuc", "cong_chuc", "can_bo", "nhdkct"]
    assert list(m.staff["sex"]) == ["M", "F", "M", "M", "F"]


def test_error_is_a_khoan_error(tmp_path):
    with pytest.raises(khoan.KhoanError):
        load(tmp_path / "does-not-exist")


def test_semicolon_csv_is_named(tmp_path):
    # Excel on a comma-decimal system saves "CSV" with ';': one clear problem, not eleven
    # "required column is missing"
    e = problems(tmp_path, staff=STAFF.replace(",", ";"))
    (p,) = e.problems
    assert p.file.endswith("staff.csv") and "separated by ';'" in p.rule


def test_non_numeric_coefficient_is_one_problem(tmp_path):
    # "abc" is not a number: reported once, not also as "not on the legal scale (value nan)"
    bad = STAFF.replace(
        "P2,22327,cong_chuc,cong_chuc,A1,1,2.34", "P2,22327,cong_chuc,cong_chuc,A1,1,abc"
    )
    e = problems(tmp_path, staff=bad)
    coef = [p for p in e.problems if p.column == "coefficient"]
    assert len(coef) == 1 and "legal scale" not in coef[0].rule
