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


# -- compact like pandas: first and last rows, totals, one style ----------------------------------
def _rows(h: str) -> list[str]:
    body = h.split("<tbody>")[-1].split("</tbody>")[0]
    return [r for r in body.split("<tr") if r]


def test_long_table_shows_first_and_last_rows_with_a_gap_and_totals(budget_table):
    df = pd.concat([budget_table] * 11, ignore_index=True)  # 132 rows
    df["name"] = [f"Xã {i:03d}" for i in range(len(df))]
    h = html_repr("Kinh phí khoán", None, df, n=10)
    rows = _rows(h)
    assert len(rows) == 5 + 1 + 5 + 1  # head, gap, tail, totals
    shown = [f"Xã {i:03d}" for i in (0, 1, 2, 3, 4, 127, 128, 129, 130, 131)]
    assert all(f">{name}<" in h for name in shown)
    assert ">Xã 005<" not in h and ">Xã 126<" not in h
    assert 'class="gap"><td colspan="12">… 122 dòng …</td>' in h
    assert "132 dòng × 12 cột; 122 dòng không hiển thị; số tiền: đồng" in h
    # the totals row sums every row (not only those shown), exactly, in đồng
    total = rows[-1]
    assert total.startswith(' class="total">')
    assert "<td>Tổng cộng</td>" in total
    for col in ("salary_fund", "total"):
        s = int(df[col].sum())
        assert s > 2**31  # beyond int32: summed as int64
        assert f">{s:,}<".replace(",", ".") in total
    # codes, names and categories are not summed: code, name, type and class cells
    cells = [c.split(">", 1)[1].split("</td>")[0] for c in total.split("<td")[1:]]
    assert cells[:4] == ["Tổng cộng", "", "", ""]


def test_totals_in_english_and_switched_off(budget_table):
    h = html_repr("Budget", None, budget_table, lang="en")
    assert "<td>Total</td>" in h
    assert f">{int(budget_table['total'].sum()):,}<" in h
    assert 'class="total"' not in html_repr("Budget", None, budget_table, totals=False)
    only = html_repr("Budget", None, budget_table, totals=["operating"])
    total = _rows(only)[-1]
    assert f">{int(budget_table['operating'].sum()):,}<".replace(",", ".") in total
    assert f">{int(budget_table['total'].sum()):,}<".replace(",", ".") not in total


def test_by_year_totals_leave_out_stocks_and_running_totals():
    by_year = pd.DataFrame(
        {
            "headcount_end": [100, 95, 90],
            "leavers": [3, 5, 5],
            "one_off_cost": [1_000_000, 2_000_000, 0],
            "cumulative_net_savings": [-1_000_000, 500_000, 3_000_000],
        },
        index=pd.Index([2016, 2017, 2018], name="year"),
    )
    total = _rows(html_repr("Kịch bản", None, by_year))[-1]
    cells = [c.split(">", 1)[1].split("</td>")[0] for c in total.split("<td")[1:]]
    # year, headcount_end (a stock), leavers (13 persons), one-off cost, running total
    assert cells == ["Tổng cộng", "", "13", "3.000.000", ""]


def test_wide_table_keeps_first_and_last_columns():
    wide = pd.DataFrame({f"c{i:02d}": [i] for i in range(30)})
    h = html_repr("Rộng", None, wide)
    header = h.split("<thead>")[1].split("</thead>")[0]
    assert header.count("<th>") == 21
    assert ">c09<" in header and "<th>…</th>" in header and ">c20<" in header
    assert ">c10<" not in header and ">c19<" not in header
    assert "1 dòng × 30 cột" in h


def test_summary_dict_is_a_small_table_not_a_raw_dict():
    h = html_repr("Mô hình", {"by_type": {"xa": 96, "phuong": 30}, "total": 1_234_567}, None)
    assert "{" not in h.split("</style>")[1] and "':" not in h
    assert '<td>Xã</td><td class="num">96</td>' in h
    assert ">1.234.567<" in h


def test_model_view_has_small_tables_and_the_provinces_parameters():
    import khoan
    from khoan.report.html import _STYLE, model_html

    m = khoan.examples.load("khanh_hoa_2016")
    h = m._repr_html_()
    assert h == model_html(m)
    assert h.startswith(_STYLE) and html_repr("x", {}, None).startswith(_STYLE)  # one style
    body = h.split("</style>")[1]
    assert "{" not in body and "}" not in body  # no raw dicts
    assert "Mô hình khanh_hoa_2016: Khánh Hòa 2016–2020" in body
    # counts by type, class and category, each with its total
    assert '<td>Phường</td><td class="num">30</td>' in body
    assert '<td>Xã</td><td class="num">96</td>' in body
    assert '<td>Tổng cộng</td><td class="num">5.451</td>' in body  # staff
    assert body.count('class="total"') == 3
    # the province's parameters: key, from, value, unit, reference
    assert "<caption>Tham số của tỉnh (thư mục params/ của mô hình)</caption>" in body
    assert "<td>norms.provincial.per_post</td><td>01/01/2011</td>" in body
    assert ">28.000.000<" in body and "VND/person/year" in body
    assert "8 mục: late_rate, online_l4_rate, satisfaction, …" in body
    en = model_html(m, lang="en")
    assert "Model khanh_hoa_2016" in en and ">28,000,000<" in en and "By category" in en
