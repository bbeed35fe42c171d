from __future__ import annotations

import pandas as pd

from khoan.report.html import html_repr


def test_html_repr_summary_and_head(budget_table):
    h = html_repr(
        "Kinh phí khoán 2016",
        {"total": int(budget_table["total"].sum()), "year": 2016, "status": "optimal"},
        budget_table,
        n=5,
    )
    assert h.count("<tbody>") == 1 and h.count("<tr>") >= 5 + 1
    assert "Quỹ lương, phụ cấp" in h and "Tổng cộng" in h
    first = int(budget_table["salary_fund"].iloc[0])
    assert f"{first:,}".replace(",", ".") in h  # money with Vietnamese separators
    assert ">2016<" in h  # a year is not formatted as money
    assert "Xã" in h  # category labels
    assert "12 dòng × 12 cột" in h and "7 dòng không hiển thị" in h
    assert budget_table["name"].iloc[6] not in h  # only the head


def test_html_repr_english(budget_table):
    h = html_repr("Budget", {"total": 1_234_567}, budget_table, lang="en")
    assert "1,234,567" in h and "Salary and allowance fund" in h and "12 rows × 12 columns" in h


def test_html_repr_escapes_text():
    df = pd.DataFrame({"name": ["<script>alert(1)</script>"], "<b>": ["a & b"]})
    h = html_repr("<img src=x onerror=alert(1)>", {"<k>": "<v>"}, df)
    assert "<script>" not in h and "<img" not in h and "<b>" not in h and "<k>" not in h
    assert "&lt;script&gt;" in h and "&lt;img src=x" in h and "a &amp; b" in h


def test_html_repr_without_table():
    h = html_repr("Chỉ có tóm tắt", {"communes": 132}, None)
    assert "Chỉ có tóm tắt" in h and "<table>" in h and "132" in h
