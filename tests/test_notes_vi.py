"""Notes in the reader's language (issue 14 §2): a :class:`~khoan.notes.Note` is its English
text (digests, JSON and Parquet unchanged) and carries the Vietnamese wording, which the command
line, workbooks and the PDF show with ``lang="vi"``."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from typer.testing import CliRunner

from khoan import cli
from khoan.budget import budget
from khoan.model import load
from khoan.notes import Note, note_text, translate_basis_note, vi_number
from khoan.params import Override
from khoan.scenarios import Scenario, Target, simulate

ROOT = Path(__file__).resolve().parents[1]
TWO = ROOT / "tests" / "fixtures" / "two_communes"
#: the fixture's years are 2016–2023: a budget of 2024 carries the "outside the years" note
OUTSIDE_EN = "2024 is outside the model's years 2016–2023 (model.toml)"
OUTSIDE_VI = "Năm 2024 nằm ngoài các năm của mô hình 2016–2023"


@pytest.fixture(scope="module")
def two():
    return load(TWO)


@pytest.fixture(scope="module")
def b2024(two):
    return budget(two, 2024)


def test_note_is_its_english_text():
    n = Note("3 of 5 communes", "3 trong 5 đơn vị cấp xã")
    assert n == "3 of 5 communes" and str(n) == "3 of 5 communes" and isinstance(n, str)
    assert hash(n) == hash("3 of 5 communes") and {n: 1}["3 of 5 communes"] == 1
    assert json.dumps([n]) == json.dumps(["3 of 5 communes"])
    assert note_text(n, "vi") == "3 trong 5 đơn vị cấp xã" and note_text(n, "en") == n
    assert note_text("plain", "vi") == "plain" and note_text(Note("x"), "vi") == "x"
    back = pickle.loads(pickle.dumps(n))
    assert back == n and back.vi == n.vi
    assert vi_number(1_234_567) == "1.234.567" and vi_number(0.15) == "0,15"


def test_basis_note_patterns():
    assert translate_basis_note("average over 41 months (service from 2021-03)") == (
        "bình quân 41 tháng (thời gian công tác từ 03/2021)"
    )
    assert translate_basis_note(
        "back-cast below step 1 up to 2021-12: step 1 assumed; "
        "60 month(s) from the salary_history table"
    ) == (
        "tính lùi xuống dưới bậc 1 đến 12/2021: tính theo bậc 1; "
        "60 tháng lấy từ bảng diễn biến tiền lương (salary_history)"
    )
    assert translate_basis_note("no salary history: average salary = current salary") == (
        "không có diễn biến tiền lương: tiền lương bình quân = tiền lương hiện hưởng"
    )
    assert translate_basis_note("given by the caller") == "given by the caller"
    assert translate_basis_note("") == "" and translate_basis_note(None) is None


def test_budget_note_is_bilingual(b2024):
    (n,) = [x for x in b2024.notes if x.startswith(OUTSIDE_EN)]
    assert isinstance(n, Note) and n.vi.startswith(OUTSIDE_VI)
    # provenance keeps the English text (digests and JSON unchanged)
    assert OUTSIDE_EN in json.dumps(b2024.provenance["notes"], ensure_ascii=False)


def test_bundled_model_notes_have_vietnamese():
    kh = __import__("khoan.examples", fromlist=["load"]).load("khanh_hoa_2026")
    b = budget(kh, 2026)
    (n,) = [x for x in b.notes if x.startswith("bonus_fund ")]
    assert n.vi.startswith("Quỹ khen thưởng (bonus_fund) ") and " đồng: " in n.vi
    assert f"{int(b.table['bonus_fund'].sum()):,}".replace(",", ".") in n.vi


def test_cli_budget_notes_follow_lang():
    runner = CliRunner()
    vi = runner.invoke(cli.app, ["budget", str(TWO), "--year", "2024"])
    en = runner.invoke(cli.app, ["budget", str(TWO), "--year", "2024", "--lang", "en"])
    assert vi.exit_code == 0 and en.exit_code == 0, (vi.output, en.output)
    flat_vi, flat_en = (" ".join(r.output.split()) for r in (vi, en))
    assert OUTSIDE_VI in flat_vi and "is outside the model's years" not in flat_vi
    assert OUTSIDE_EN in flat_en and "nằm ngoài" not in flat_en


def _cells(path: Path) -> str:
    wb = load_workbook(path)
    return "\n".join(
        str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value
    )


def test_workbook_notes_follow_lang(b2024, tmp_path):
    vi = _cells(b2024.to_excel(tmp_path / "vi.xlsx", lang="vi"))
    en = _cells(b2024.to_excel(tmp_path / "en.xlsx", lang="en"))
    assert OUTSIDE_VI in vi and OUTSIDE_EN not in vi
    assert OUTSIDE_EN in en and OUTSIDE_VI not in en


def test_pdf_notes_follow_lang(two, b2024, tmp_path):
    from khoan.report.pdf import write_report

    def words(lang: str) -> str:
        p = write_report(tmp_path / f"{lang}.pdf", two, b2024, lang=lang)
        return " ".join(" ".join(pg.extract_text() for pg in PdfReader(p).pages).split())

    vi, en = words("vi"), words("en")
    assert OUTSIDE_VI in vi and "is outside the model's years" not in vi
    assert OUTSIDE_EN in en


def test_leavers_basis_note_in_vietnamese(two, tmp_path):
    hist = pd.DataFrame(
        {
            "id": ["A02", "A02"],
            "from_date": pd.to_datetime(["2010-01-01", "2014-01-01"]),
            "coefficient": [4.65, 4.98],
        }
    )
    s = Scenario(
        "h",
        years=(2016, 2017),
        policy="early_retirement",
        regime="nd108",
        target=Target(count=1, by=2016),
        overrides=(Override("floor", {"scenarios.min_staffing.share_of_approved": 0.3}),),
    )
    r = simulate(two.replace(salary_history=hist), s)
    en_note = "60 month(s) from the salary_history table"
    assert list(r.leavers["basis_note"]) == [en_note]  # the table stays English
    vi = _cells(r.to_excel(tmp_path / "s_vi.xlsx", lang="vi"))
    en = _cells(r.to_excel(tmp_path / "s_en.xlsx", lang="en"))
    assert "60 tháng lấy từ bảng diễn biến tiền lương (salary_history)" in vi
    assert en_note not in vi and en_note in en
    assert list(r.leavers["basis_note"]) == [en_note]  # not changed by writing


def test_settlement_notes_in_a_vietnamese_workbook(two, tmp_path):
    from khoan.settlement import settle

    st = settle(two, 2016)
    en_note = "actual spending derived from the roster actually paid"
    assert en_note in st.notes and en_note in st.provenance["notes"]
    vi = _cells(st.to_excel(tmp_path / "st_vi.xlsx", lang="vi"))
    assert "chi thực tế tính từ danh sách cán bộ thực trả lương" in vi and en_note not in vi
    assert "Ngân sách nhà nước tiết kiệm (state_saving) bằng 0" in vi
