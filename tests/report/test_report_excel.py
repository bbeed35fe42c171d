from __future__ import annotations

import datetime as dt
import re

import numpy as np
import openpyxl
import pandas as pd
import pytest

from khoan.params import load_law
from khoan.report.excel import escape_formula, write_workbook
from khoan.report.fmt import to_millions
from khoan.report.labels import label

PROVENANCE = {
    "khoan_version": "0.1.0",
    "model": {"name": "tiny", "digest": "abc123"},
    "overrides": [{"override": "base", "key": "salary.base", "old": 1210000, "new": 1300000}],
    "timings": {"total_s": 0.25},
}


def _write(tmp_path, table, **kw):
    path = tmp_path / "out" / "report.xlsx"
    kw.setdefault("title", "Kinh phí khoán 2016")
    kw.setdefault(
        "summary", {"total": int(table["total"].sum()), "communes": len(table), "year": 2016}
    )
    write_workbook(path, sheets={"by_commune": table}, **kw)
    return path


def _sheet_frame(ws, n_rows):
    rows = list(ws.iter_rows(min_row=1, max_row=n_rows + 1, values_only=True))
    return pd.DataFrame(rows[1:], columns=rows[0])


def test_read_back_same_numbers_and_totals_row(tmp_path, budget_table):
    path = _write(tmp_path, budget_table)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[0] == "Tổng hợp"
    ws = wb["Theo xã"]
    back = _sheet_frame(ws, len(budget_table))
    money = [c for c in budget_table.columns if c not in ("code", "name", "type", "class")]
    for c in money:
        assert back[label(c)].tolist() == budget_table[c].tolist(), c
        assert all(isinstance(v, int) for v in back[label(c)])
    assert back[label("code")].tolist() == budget_table["code"].tolist()  # codes stay text
    assert back[label("type")].tolist()[:3] == ["Xã", "Phường", "Thị trấn"]
    # totals row: numbers (not formulas) equal to the column sums
    tr = len(budget_table) + 2
    assert ws.cell(tr, 1).value == "Tổng cộng"
    for j, c in enumerate(budget_table.columns, start=1):
        v = ws.cell(tr, j).value
        if c in money:
            assert v == int(budget_table[c].sum()), c
            assert ws.cell(tr, j).data_type == "n"
            assert ws.cell(tr, j).font.b
            assert ws.cell(2, j).number_format == "#,##0"
        elif c == "class":
            assert v is None  # a class is not added up
    # parts of the totals row add up to its total
    total_row = {c: ws.cell(tr, j).value for j, c in enumerate(budget_table.columns, start=1)}
    assert sum(total_row[c] for c in money if c != "total") == total_row["total"]
    assert ws.freeze_panes == "C2"  # header and code + name frozen
    assert ws.column_dimensions["B"].width >= 8


def test_pandas_reads_back_the_same(tmp_path, budget_table):
    path = _write(tmp_path, budget_table, lang="en")
    back = pd.read_excel(path, sheet_name="By commune", dtype={"Code": str})
    back = back.iloc[: len(budget_table)]
    assert back["Total"].astype("int64").tolist() == budget_table["total"].tolist()
    assert back["Code"].tolist() == budget_table["code"].tolist()
    assert back["Unit type"].iloc[0] == "Commune"


def test_summary_params_and_provenance(tmp_path, budget_table):
    params = load_law().table("2016-06-01")
    path = _write(tmp_path, budget_table, params=params, provenance=PROVENANCE)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Tổng hợp", "Theo xã", "Tham số", "Nguồn gốc số liệu"]
    ws = wb["Tổng hợp"]
    assert ws["A1"].value == "Kinh phí khoán 2016" and ws["A1"].font.b
    items = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(5, ws.max_row + 1)}
    assert items["Tổng cộng"] == int(budget_table["total"].sum())
    assert items["Năm"] == 2016
    wp = wb["Tham số"]
    heads = [c.value for c in wp[1]]
    assert heads[:7] == [
        "Mã tham số",
        "Nội dung tham số",
        "Giá trị",
        "Đơn vị tính",
        "Từ ngày",
        "Căn cứ pháp lý",
        "Mức tin cậy",
    ]
    rows = {r[0]: r for r in wp.iter_rows(min_row=2, values_only=True)}
    assert len(rows) == len(params)
    base = rows["salary.base"]
    assert base[2] == 1210000 and "47/2016" in base[5] and base[6] == "Đã đối chiếu văn bản"
    assert base[3] == "đồng/tháng" and base[1].startswith("Mức lương cơ sở")
    assert isinstance(base[4], dt.datetime) and base[4].date() == dt.date(2016, 5, 1)
    pv = wb["Nguồn gốc số liệu"]
    assert [c.value for c in pv[1]] == ["Mã mục", "Chỉ tiêu", "Giá trị"]
    prov = {r[0]: r[1:] for r in pv.iter_rows(min_row=2, values_only=True)}
    assert prov["model.digest"] == ("Mô hình › Mã kiểm tra", "abc123")
    # run times are not written: the same inputs give the same bytes (README)
    assert not any(str(k).startswith("timings") for k in prov)
    # a list of mappings is spelled out, one line per item, labelled keys (no JSON)
    assert prov["overrides"][0] == "Tham số được thay đổi"
    assert prov["overrides"][1] == (
        "Lần thay đổi: base; Mã tham số: salary.base; Giá trị cũ: 1.210.000; Giá trị mới: 1.300.000"
    )


def test_formula_injection_is_escaped(tmp_path):
    evil = ['=HYPERLINK("http://x","y")', "+1+2", "-3+cmd|' /C calc'!A0", "@SUM(A1)", "\tx"]
    df = pd.DataFrame({"name": evil, "total": np.arange(len(evil), dtype=np.int64)})
    path = tmp_path / "evil.xlsx"
    write_workbook(
        path,
        title="=cmd()",
        summary={"=bad key": "=1+1"},
        sheets={"=sheet": df.rename(columns={"total": "=col"})},
        provenance={"note": "@evil"},
    )
    wb = openpyxl.load_workbook(path)
    cells = [c for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    risky = [c for c in cells if c.value.startswith(("=", "+", "-", "@", "\t", "\r"))]
    assert len(risky) >= len(evil) + 5
    for c in risky:
        assert c.data_type == "s", c.coordinate
        assert c.quotePrefix, c.coordinate
    ws = wb.worksheets[1]
    assert [ws.cell(r, 1).value for r in range(2, 2 + len(evil))] == evil  # text unchanged
    # nothing is stored as a formula anywhere in the package
    import zipfile

    with zipfile.ZipFile(path) as z:
        for n in z.namelist():
            if n.startswith("xl/worksheets/"):
                assert b"<f>" not in z.read(n)
    # a leading carriage return is escaped too (XML reads it back as a line feed)
    from khoan.report.excel import needs_escape

    assert needs_escape("\rx") and needs_escape("\tx") and not needs_escape("x=1")
    assert escape_formula("=1+2") == "'=1+2" and escape_formula("ok") == "ok"


def test_deterministic_and_atomic(tmp_path, budget_table):
    p1 = _write(tmp_path, budget_table, provenance=PROVENANCE)
    b1 = p1.read_bytes()
    p2 = _write(tmp_path, budget_table, provenance=PROVENANCE)  # replaces the file
    assert p2.read_bytes() == b1
    assert [f.name for f in p1.parent.iterdir()] == ["report.xlsx"]  # no temporary left
    wb = openpyxl.load_workbook(p1)
    assert wb.properties.modified == dt.datetime(2000, 1, 1)


def test_missing_values_dates_and_options(tmp_path):
    df = pd.DataFrame(
        {
            "id": ["P1", "P2"],
            "birth_date": pd.to_datetime(["1975-03-10", None]),
            "coefficient": [2.34, np.nan],
            "step": pd.array([3, None], dtype="Int64"),
            "total": np.array([10, 20], dtype=np.int64),
            "bhtn_covered": [True, False],
        }
    ).set_index("id")
    path = tmp_path / "x.xlsx"
    write_workbook(path, title="t", sheets={"staff": df}, totals={"staff": ["total"]}, lang="en")
    ws = openpyxl.load_workbook(path)["Staff"]
    assert ws["A1"].value == "Person id"  # named index became a column
    assert ws["B2"].value == dt.datetime(1975, 3, 10) and ws["B2"].number_format == "yyyy-mm-dd"
    assert ws["B3"].value is None and ws["C3"].value is None and ws["D3"].value is None
    assert ws["F2"].value == "Yes" and ws["F3"].value == "No"  # booleans in words
    assert ws["E4"].value == 30 and ws["A4"].value == "Total"
    assert ws["C4"].value is None  # only the listed column is summed


def test_millions_sheet_reconciles(tmp_path, budget_table):
    parts = [
        "salary_fund",
        "vacancy_fund",
        "contributions",
        "nhdkct_fund",
        "village_fund",
        "operating",
        "special_tasks",
    ]
    m = to_millions(budget_table, parts, "total")
    path = tmp_path / "m.xlsx"
    write_workbook(path, title="triệu đồng", sheets={"by_commune": m})
    ws = openpyxl.load_workbook(path)["Theo xã"]
    heads = [c.value for c in ws[1]]
    for r in range(2, len(m) + 3):  # every row and the totals row
        row = dict(zip(heads, [c.value for c in ws[r]], strict=True))
        assert sum(row[label(c)] for c in parts) == row["Tổng cộng"]


def test_bad_input(tmp_path):
    with pytest.raises(TypeError):
        write_workbook(tmp_path / "x.xlsx", title="t", sheets={"a": [1, 2]})
    with pytest.raises(ValueError):
        write_workbook(tmp_path / "x.xlsx", title="t", lang="fr")


def test_print_setup_narrow_and_wide_sheets(tmp_path):
    # a budget form prints one A4 page wide; a 30-column sheet (scenario years) prints
    # landscape over ⌈30 / 14⌉ = 3 pages across, each repeating the header row and key column
    narrow = pd.DataFrame({"commune": ["a", "b"], "total": np.array([1, 2], dtype=np.int64)})
    wide = pd.DataFrame(
        {"commune": ["a", "b"], **{f"y{k}": np.array([k, k], dtype=np.int64) for k in range(29)}}
    )
    path = tmp_path / "p.xlsx"
    write_workbook(path, title="t", sheets={"by_commune": narrow, "wide": wide}, lang="en")
    wb = openpyxl.load_workbook(path)
    ws_n = wb.worksheets[1]
    assert ws_n.page_setup.fitToWidth == 1 and int(ws_n.page_setup.paperSize) == 9  # A4
    ws_w = wb.worksheets[2]
    assert ws_w.max_column == 30
    assert ws_w.page_setup.orientation == "landscape"
    assert ws_w.page_setup.fitToWidth == 3 and ws_w.page_setup.fitToHeight == 0
    assert ws_w.sheet_properties.pageSetUpPr.fitToPage
    assert ws_w.freeze_panes is not None
    row = int(re.match(r"[A-Z]+(\d+)", ws_w.freeze_panes).group(1))
    assert ws_w.print_title_rows == f"$1:${row - 1}"
    assert ws_w.print_title_cols == "$A:$A"  # the commune column


def test_reports_get_the_permissions_of_a_normal_file(tmp_path):
    # mkstemp makes owner-only (0600) files: a report on a shared drive must be readable by
    # colleagues like any file the user creates (0666 minus the umask)
    import os
    import stat

    import matplotlib.pyplot as plt

    from khoan.report.plots import save

    old = os.umask(0o022)
    try:
        xl = write_workbook(tmp_path / "a.xlsx", title="t", sheets={"s": pd.DataFrame({"a": [1]})})
        _fig, ax = plt.subplots()
        png = save(ax, tmp_path / "a.png")
    finally:
        os.umask(old)
    for p in (xl, png):
        assert stat.S_IMODE(p.stat().st_mode) == 0o644, p
