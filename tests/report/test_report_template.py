from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

import khoan.model
from khoan.data.schema import coerce_table, get_schema
from khoan.errors import ValidationError
from khoan.model import load
from khoan.report.template import (
    header_codes,
    header_text,
    read_template,
    template_to_model,
    write_template,
)

META = {"province_code": "56", "structure": "2016", "base_year": 2016, "years": [2016, 2017]}


def _same_model(a, b):
    for t in ("communes", "staff", "outputs"):
        pd.testing.assert_frame_equal(getattr(a, t), getattr(b, t), obj=t)


def test_blank_template_layout(tmp_path):
    path = write_template(tmp_path / "mau.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == [
        "Hướng dẫn",
        "Đơn vị hành chính",
        "Nhân sự",
        "Chỉ tiêu đầu ra",
        "Danh mục",
    ]
    assert wb["Danh mục"].sheet_state == "hidden"
    for sheet, table in (
        ("Đơn vị hành chính", "communes"),
        ("Nhân sự", "staff"),
        ("Chỉ tiêu đầu ra", "outputs"),
    ):
        ws = wb[sheet]
        heads = [c.value for c in ws[1]]
        assert heads == [header_text(c) for c in get_schema(table).names]
        assert ws.max_row == 1  # blank
        assert ws.freeze_panes in ("A2", "B2")
        assert all(c.comment is not None for c in ws[1])
    staff = wb["Nhân sự"]
    assert staff["G1"].value == "Hệ số lương (coefficient)"
    lists = {}
    for dv in staff.data_validations.dataValidation:
        for rng in str(dv.sqref).split():
            lists[rng.split(":")[0][0]] = dv
    # category, position, grade, sex, bhtn_covered: drop-downs from the hidden sheet
    for col in "CDELO":
        assert lists[col].type == "list" and "Danh mục" in lists[col].formula1
    assert "Đơn vị hành chính" in lists["B"].formula1  # commune codes
    src = wb["Danh mục"]
    values = {
        src.cell(1, j).value: [src.cell(i, j).value for i in range(2, src.max_row + 1)]
        for j in range(1, src.max_column + 1)
    }
    assert "Cán bộ" in values["category"] and "Nam" in values["sex"] and "Xã" in values["type"]
    assert values["class"][:3] == [1, 2, 3]
    assert "Vùng cao, hải đảo" in values["zone"]
    assert "Chủ tịch UBND" in values["position"]
    communes = wb["Đơn vị hành chính"]
    assert communes.column_dimensions["A"].number_format == "@"  # codes keep leading zeros
    # instructions list every column of every table
    help_codes = {r[2] for r in wb["Hướng dẫn"].iter_rows(values_only=True)}
    for t in ("communes", "staff", "outputs"):
        assert set(get_schema(t).names) <= help_codes


def test_english_template(tmp_path, tiny_folder):
    m = load(tiny_folder)
    path = write_template(tmp_path / "t.xlsx", lang="en", model=m)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[:4] == ["Instructions", "Communes", "Staff", "Outputs"]
    assert wb["Staff"]["G1"].value == "Salary coefficient (coefficient)"
    m2 = load(
        template_to_model(
            path,
            tmp_path / "m_en",
            params=tiny_folder / "params" if (tiny_folder / "params").is_dir() else None,
            **META,
        )
    )
    _same_model(m, m2)


def test_header_codes():
    raw = pd.DataFrame(
        columns=[
            "Hệ số lương (coefficient)",
            "coefficient_x",
            "Mã cán bộ",
            " Ngày  sinh ",
            "SEX",
            "Salary coefficient\n(step)",
            "lạ",
        ]
    )
    out = header_codes(raw, "staff")
    assert list(out.columns) == [
        "coefficient",
        "coefficient_x",
        "id",
        "birth_date",
        "sex",
        "step",
        "lạ",
    ]


def test_filled_template_round_trips_to_the_same_model(tmp_path, tiny_folder):
    m = load(tiny_folder)
    assert len(m.staff) >= 5
    path = write_template(tmp_path / "input.xlsx", model=m)
    ws = openpyxl.load_workbook(path)["Nhân sự"]
    assert ws["C2"].value in ("Cán bộ", "Công chức", "Người hoạt động không chuyên trách")
    params = tiny_folder / "params" if (tiny_folder / "params").is_dir() else None
    folder = template_to_model(path, tmp_path / "from_template", name="tiny", params=params, **META)
    m2 = load(folder)
    _same_model(m, m2)
    assert m2.meta["province_code"] == "56" and m2.years == [2016, 2017]


def test_direct_loading_with_header_codes_wired(tmp_path, tiny_folder, monkeypatch):
    """What khoan.load does once _read_table maps template headers (one-line change)."""
    m = load(tiny_folder)
    path = write_template(tmp_path / "input.xlsx", model=m)
    d = tmp_path / "direct"
    d.mkdir()
    (d / "input.xlsx").write_bytes(path.read_bytes())
    if (tiny_folder / "params").is_dir():
        import shutil

        shutil.copytree(tiny_folder / "params", d / "params")
    (d / "model.toml").write_text(
        (tiny_folder / "model.toml").read_text(encoding="utf-8")
        + '[tables]\ncommunes = "input.xlsx#Đơn vị hành chính"\nstaff = "input.xlsx#Nhân sự"\n'
        + ('outputs = "input.xlsx#Chỉ tiêu đầu ra"\n' if len(m.outputs) else ""),
        encoding="utf-8",
    )
    monkeypatch.setattr(
        khoan.model,
        "coerce_table",
        lambda raw, schema, *a, **k: coerce_table(header_codes(raw, schema), schema, *a, **k),
    )
    _same_model(m, load(d))


def _filled(tmp_path, tiny_folder):
    m = load(tiny_folder)
    path = write_template(tmp_path / "input.xlsx", model=m)
    return m, path, openpyxl.load_workbook(path)


def test_errors_point_to_sheet_row_and_column(tmp_path, tiny_folder):
    _m, path, wb = _filled(tmp_path, tiny_folder)
    ws = wb["Nhân sự"]
    ws["G3"] = "hai phẩy ba"  # coefficient
    ws["L4"] = "Không rõ"  # sex
    ws["B5"] = "99999"  # a commune not in the communes sheet: listed with the others at once
    wb["Đơn vị hành chính"]["F2"] = 7  # class
    wb.save(path)
    with pytest.raises(ValidationError) as exc:
        template_to_model(path, tmp_path / "bad", **META)
    where = {(p.file, p.sheet, p.row, p.column) for p in exc.value.problems}
    assert ("input.xlsx", "Nhân sự", 3, "coefficient") in where
    assert ("input.xlsx", "Nhân sự", 4, "sex") in where
    assert ("input.xlsx", "Nhân sự", 5, "commune") in where
    assert ("input.xlsx", "Đơn vị hành chính", 2, "class") in where
    assert "input.xlsx, sheet Nhân sự, row 3, column 'coefficient'" in str(exc.value)


def test_cross_table_errors_point_to_the_sheet(tmp_path, tiny_folder):
    _m, path, wb = _filled(tmp_path, tiny_folder)
    wb["Nhân sự"]["B5"] = "99999"  # a commune that is not in the communes sheet
    wb.save(path)
    with pytest.raises(ValidationError) as exc:
        template_to_model(path, tmp_path / "bad", **META)
    assert any(
        (p.file, p.sheet, p.row, p.column) == ("input.xlsx", "Nhân sự", 5, "commune")
        and "not in the communes table" in p.rule
        for p in exc.value.problems
    )


def test_typed_entries_as_an_analyst_types_them(tmp_path, tiny_folder):
    """Codes as labels or codes, dates as Excel dates or DD/MM/YYYY text, blank rows kept."""
    _m, path, wb = _filled(tmp_path, tiny_folder)
    ws = wb["Nhân sự"]
    ws["C2"] = "can_bo"  # a code instead of a label
    ws["K2"] = "10/03/1975"  # birth date as Vietnamese text
    wb.save(path)
    raw = read_template(path)
    assert raw["staff"][0] == "Nhân sự"
    staff = raw["staff"][1]
    assert staff.loc[0, "birth_date"] == "10/03/1975"
    df, problems, _ = coerce_table(
        staff, get_schema("staff"), "input.xlsx", "Nhân sự", unique=("id",)
    )
    assert problems == []
    assert df.loc[0, "category"] == "can_bo" and str(df.loc[0, "birth_date"].date()) == "1975-03-10"


def test_missing_sheet_and_corrupt_file(tmp_path, tiny_folder):
    _m, path, wb = _filled(tmp_path, tiny_folder)
    del wb["Nhân sự"]
    wb.save(path)
    with pytest.raises(ValidationError, match="sheet not found"):
        read_template(path)
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"PK\x03\x04 not a workbook")
    with pytest.raises(ValidationError, match="not a readable Excel workbook"):
        template_to_model(bad, tmp_path / "x")
