"""The printable report (khoan/report/pdf.py): text read back from the PDF with pypdf."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from pypdf import PdfReader

import khoan
from khoan.cli import main
from khoan.report.fmt import vnd
from khoan.report.pdf import (
    by_commune_table,
    by_district_table,
    report_pdf,
    scenario_year_table,
)

DAY = dt.date(2026, 12, 7)


def _text(path: Path) -> tuple[PdfReader, str]:
    r = PdfReader(path)
    return r, "\n".join(p.extract_text() for p in r.pages)


def _fonts(r: PdfReader) -> dict[str, bool]:
    """Base font name -> whether its font file is embedded, over every page."""
    out: dict[str, bool] = {}
    for page in r.pages:
        for ref in page["/Resources"]["/Font"].values():
            f = ref.get_object()
            desc = f["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            out[str(f["/BaseFont"])] = "/FontFile2" in desc
    return out


@pytest.fixture(scope="module")
def kh2016():
    return khoan.examples.load("khanh_hoa_2016")


@pytest.fixture(scope="module")
def pdf_2016_scenario(kh2016, tmp_path_factory):
    path = tmp_path_factory.mktemp("pdf") / "bao-cao.pdf"
    report_pdf(kh2016, 2017, path, scenario="nq39_10pct", date=DAY)
    return path


def test_2016_with_scenario_vietnamese_text_exact(pdf_2016_scenario, kh2016):
    r, txt = _text(pdf_2016_scenario)
    n = len(r.pages)
    assert n > 5
    # diacritics come out exactly (the font has the glyphs and a ToUnicode map)
    for s in (
        "BÁO CÁO",
        "Tỉnh Khánh Hòa",
        "Năm ngân sách: 2017",
        "Ngày lập: 07/12/2026",
        "1. Tóm tắt",
        "Quỹ lương, phụ cấp",
        "Tổng cộng",
        "Huyện, thị xã, thành phố",
        "Thị xã Ninh Hòa",
        "Huyện Trường Sa",
        "Kịch bản tinh giản biên chế nq39_10pct",
        "Tiết kiệm ròng lũy kế",
        "Tham số đã sử dụng",
        "Căn cứ pháp lý",
        "NĐ 47/2016/NĐ-CP",
        "Nguồn gốc số liệu",
        "DỮ LIỆU TỔNG HỢP",
        f"Trang 1/{n}",
        f"Trang {n}/{n}",
    ):
        assert s in txt, s
    # the exact province total in đồng, Vietnamese separators
    total = int(khoan.budget(kh2016, 2017).table["total"].sum())
    assert vnd(total, "vi") in txt
    assert r.metadata["/CreationDate"].startswith("D:20261207")


def test_2016_pdf_embeds_dejavu_and_images(pdf_2016_scenario):
    r = PdfReader(pdf_2016_scenario)
    fonts = _fonts(r)
    assert fonts and all(fonts.values())  # every font is embedded (a subset)
    assert any("DejaVuSans" in f for f in fonts)
    assert any("Bold" in f for f in fonts)
    # components, by district, and the scenario's headcount, cumulative and waterfall charts
    assert sum(len(p.images) for p in r.pages) == 5


def test_2026_with_scenario_through_the_command(tmp_path, capsys):
    out = tmp_path / "bao-cao.pdf"
    main(
        ["report", "khanh_hoa_2026", "--year", "2026", "--scenario", "kl40_5pct", "--out", str(out)]
    )
    assert "bao-cao.pdf" in capsys.readouterr().out
    r, txt = _text(out)
    assert len(r.pages) > 5
    # the 2025 structure has no districts: the key table is by unit type
    for s in ("Khánh Hòa", "Dự toán năm 2026 theo loại đơn vị", "Phường", "Đặc khu"):
        assert s in txt, s
    assert "kl40_5pct" in txt and "Quỹ lương, phụ cấp" in txt and "Mức lương cơ sở" in txt
    assert sum(len(p.images) for p in r.pages) == 5


def test_english_report_without_scenario(kh2016, tmp_path):
    path = report_pdf(kh2016, 2016, tmp_path / "report.pdf", lang="en", date=DAY)
    r, txt = _text(path)
    for s in ("REPORT", "1. Summary", "Salary and allowance fund", "Parameters used", "Page 1/"):
        assert s in txt, s
    assert "Tóm tắt" not in txt and "Staff-reduction scenario" not in txt
    assert sum(len(p.images) for p in r.pages) == 2


def test_command_refuses_an_out_that_is_not_pdf(tmp_path):
    with pytest.raises(SystemExit) as e:
        main(["report", "khanh_hoa_2016", "--year", "2016", "--out", str(tmp_path / "x.xlsx")])
    assert e.value.code == 2
    assert not (tmp_path / "x.xlsx").exists()


def test_same_inputs_same_date_same_bytes(tiny_folder, tmp_path):
    m = khoan.load(tiny_folder)
    a = report_pdf(m, 2016, tmp_path / "a.pdf", date=DAY).read_bytes()
    b = report_pdf(m, 2016, tmp_path / "b.pdf", date=DAY).read_bytes()
    assert a == b


# -- the tables, hand-computed -------------------------------------------------------------------


def _stub():
    """Two communes of one district. Commune A: salary 1.6 M + operating 1.6 M = 3.2 M đồng:
    floors 1 + 1, remainders 0.6 / 0.6, rounded total 3: the leftmost gets the missing million
    -> 2 + 1. Commune B: 0.4 M + 2.5 M = 2.9 M: floors 0 + 2, remainders 0.4 / 0.5, rounded
    total 3 -> 0 + 3. District: 2 + 4 = 6 (exact 6.1 M)."""
    table = pd.DataFrame(
        {
            "code": ["22327", "22330"],
            "name": ["Phường Vĩnh Hòa", "Phường Vĩnh Hải"],
            "salary_fund": np.array([1_600_000, 400_000], dtype=np.int64),
            "operating": np.array([1_600_000, 2_500_000], dtype=np.int64),
        }
    )
    table["total"] = table["salary_fund"] + table["operating"]
    communes = pd.DataFrame(
        {
            "code": ["22327", "22330"],
            "type": ["phuong", "phuong"],
            "district_code": ["568", "568"],
            "district_name": ["Thành phố Nha Trang"] * 2,
        }
    )
    return SimpleNamespace(table=table), SimpleNamespace(communes=communes)


def test_by_district_rounds_each_commune_once_and_adds_up():
    b, m = _stub()
    d = by_district_table(b, m)
    assert list(d["group"]) == ["Thành phố Nha Trang", "Tổng cộng"]
    assert d.loc[0, ["communes", "salary_fund", "operating", "total"]].tolist() == [2, 2, 4, 6]
    assert d.loc[1, ["communes", "salary_fund", "operating", "total"]].tolist() == [2, 2, 4, 6]
    c = by_commune_table(b, m)
    assert c["total"].tolist() == [3, 3, 6]


def test_by_unit_type_when_there_are_no_districts():
    b, m = _stub()
    m.communes["district_name"] = None
    m.communes["district_code"] = None
    m.communes.loc[1, "type"] = "xa"
    d = by_district_table(b, m)
    assert d.attrs["grouped_by"] == "type"
    assert list(d["group"]) == ["Phường", "Xã", "Tổng cộng"]
    assert d["total"].tolist() == [3, 3, 6]


def test_full_model_tables_add_up(kh2016):
    b = khoan.budget(kh2016, 2017)
    d = by_district_table(b, kh2016)
    parts = [c for c in d.columns if c not in ("group", "communes", "total")]
    body, tot = d.iloc[:-1], d.iloc[-1]
    assert (body[parts].sum(axis=1) == body["total"]).all()
    assert (body[[*parts, "total", "communes"]].sum() == tot[[*parts, "total", "communes"]]).all()
    assert tot["communes"] == 132 and len(body) == 9
    c = by_commune_table(b, kh2016)
    assert int(c["total"].iloc[-1]) == int(tot["total"]) == int(c["total"].iloc[:-1].sum())
    exact = int(b.table["total"].sum())
    assert abs(int(tot["total"]) * 1_000_000 - exact) <= 132 * 500_000


def test_scenario_year_table_rounds_each_year_and_sums_flows():
    by = pd.DataFrame(
        {
            "headcount_start": [10, 9],
            "retirements": [1, 0],
            "leavers": [0, 1],
            "hires": [0, 0],
            "headcount_end": [9, 8],
            "one_off_cost": [1_500_000, 2_400_000],
            "recurring_savings": [2_600_000, 4_499_999],
            "net_savings": [1_100_000, 2_099_999],
            "cumulative_net_savings": [1_100_000, 3_199_999],
        },
        index=pd.Index([2016, 2017], name="year"),
    )
    t = scenario_year_table(SimpleNamespace(by_year=by))
    assert t.loc[2016, "one_off_cost"] == 2 and t.loc[2017, "one_off_cost"] == 2
    assert t.loc[2016, "recurring_savings"] == 3 and t.loc[2017, "recurring_savings"] == 4
    assert t.loc[2016, "net_savings"] == 1 and t.loc[2017, "net_savings"] == 2
    assert t.loc[2017, "cumulative_net_savings"] == 3
    assert t.loc["total", "one_off_cost"] == 4 and t.loc["total", "leavers"] == 1
    assert pd.isna(t.loc["total", "headcount_end"])
    assert pd.isna(t.loc["total", "cumulative_net_savings"])
