"""Every workbook khoan writes is in the chosen language (issue 14 §2).

The five kinds of result (budget, settlement, allocation, scenario, batch) are written in
Vietnamese and in English and read back with openpyxl:

- no code (``early_retirement``, ``nd108``, ``to``, ``late_rate_score``...) is shown as a
  label: header rows, the label column of the summary and provenance sheets, and the cells
  of category columns are scanned; codes stay in a column of their own (``Mã ...``);
- names and districts beside commune codes on every sheet that has a commune code;
- budget tables have district and unit-type subtotals that equal the sum of their communes,
  and a grand total equal to the sum of the communes (int64, exact);
- an autofilter on every table; headcounts are never summed over years;
- the English workbook is in English.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections import defaultdict

import openpyxl
import pytest

from khoan import allocate, budget, examples, settle, simulate
from khoan.batch import run_batch
from khoan.data.labels import CATEGORY_LABELS
from khoan.report.excel import readable
from khoan.report.labels import COLUMN_LABELS, VALUE_LABELS, label
from khoan.scenarios import load_scenarios

#: a code: lower-case ASCII words joined by "_" or "." (``early_retirement``, ``shares.rewards``)
CODE_RE = re.compile(r"^[a-z][a-z0-9]*([_.][a-z0-9]+)*$")
#: every code khoan labels somewhere: none may be shown where a label is expected
CODES = (
    set(COLUMN_LABELS)
    | {c for t in VALUE_LABELS.values() for c in t}
    | {c for t in CATEGORY_LABELS.values() for c in t}
    | {"early_retirement", "resignation", "attrition", "nd108", "nd178", "nd154", "TRUE"}
    | {"True", "False", "late_rate_score", "shares.rewards", "to"}
)
#: commune code headers and the headers that must follow them (name, district)
BESIDE = {
    "vi": {
        "Mã ĐVHC": ("Tên", "Huyện, thị xã, thành phố"),
        "Mã xã": ("Tên đơn vị", "Huyện, thị xã, thành phố"),
    },
    "en": {"Code": ("Name", "District"), "Commune": ("Commune name", "District")},
}
KINDS = ("budget", "settlement", "allocation", "scenario", "batch")


@pytest.fixture(scope="module")
def model():
    return examples.load("khanh_hoa_2016")


@pytest.fixture(scope="module")
def results(model):
    scs = load_scenarios(model.path)
    nq39 = scs["nq39_10pct"]
    short = nq39.with_(years=(2016, 2017), target=dataclasses.replace(nq39.target, by=2017))
    return {
        "budget": budget(model, 2016),
        "settlement": settle(model, 2016),
        "allocation": allocate(model, 2017, "norm+2%"),
        "scenario": simulate(model, short),
        "batch": run_batch(
            model,
            [short, scs["attrition_only"].with_(years=(2016, 2017), target=None)],
            progress=False,
        ),
    }


@pytest.fixture(scope="module")
def books(results, tmp_path_factory):
    d = tmp_path_factory.mktemp("books")
    out = {}
    for kind, r in results.items():
        for lang in ("vi", "en"):
            out[kind, lang] = openpyxl.load_workbook(r.to_excel(d / f"{kind}-{lang}.xlsx", lang))
    return out


def _header(ws) -> list:
    return [c.value for c in ws[1]]


def _is_code(v) -> bool:
    return isinstance(v, str) and (v in CODES or bool(CODE_RE.match(v)))


def _label_cells(wb):
    """(sheet, cell) pairs where a label is expected: header rows, the summary's item
    column, the provenance sheet's label column, and category/status columns' cells."""
    summary, *tables = wb.worksheets
    for r in range(5, summary.max_row + 1):
        yield summary.title, summary.cell(r, 1)
    for ws in tables:
        head = _header(ws)
        for c in ws[1]:
            yield ws.title, c
        labelled = [
            j
            for j, h in enumerate(head)
            if h in {label(k) for k in (*CATEGORY_LABELS, *VALUE_LABELS, "kind", "policy")}
            or h in {label(k, "en") for k in (*CATEGORY_LABELS, *VALUE_LABELS, "kind", "policy")}
            or h in ("Chỉ tiêu", "Item")  # provenance: the key's label
        ]
        for row in ws.iter_rows(min_row=2):
            for j in labelled:
                yield ws.title, row[j]


@pytest.mark.parametrize("kind", KINDS)
def test_no_code_shown_as_a_label_in_a_vietnamese_workbook(kind, books):
    wb = books[kind, "vi"]
    bad = [(s, c.coordinate, c.value) for s, c in _label_cells(wb) if _is_code(c.value)]
    assert not bad, bad[:10]
    # and no JSON text anywhere: parameter values and provenance lists are spelled out
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            for v in row:
                assert not (isinstance(v, str) and v.startswith(("{", "[", '"'))), (ws.title, v)
                assert v is not True and v is not False, (ws.title, row)


@pytest.mark.parametrize("kind", KINDS)
def test_english_workbook_is_in_english(kind, books):
    wb = books[kind, "en"]
    vi_only = {vi for vi, en in COLUMN_LABELS.values() if vi != en}
    english_words = {p[1] for t in VALUE_LABELS.values() for p in t.values()}  # "rate", ...
    assert wb.sheetnames[0] == "Summary" and wb.sheetnames[-1] == "Provenance"
    for s, c in _label_cells(wb):
        assert c.value not in vi_only, (s, c.coordinate, c.value)
        assert c.value in english_words or not _is_code(c.value), (s, c.coordinate, c.value)
    assert wb.properties.language == "en"


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("kind", KINDS)
def test_names_beside_codes_and_autofilter_on_every_table(kind, lang, books, model):
    wb = books[kind, lang]
    communes = model.communes.set_index("code")
    seen = 0
    for ws in wb.worksheets[1:]:
        head = _header(ws)
        # an autofilter on the header row of every table
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:"), ws.title
        last_col = re.match(r"A1:([A-Z]+)\d+", ws.auto_filter.ref).group(1)
        assert openpyxl.utils.column_index_from_string(last_col) == len(head), ws.title
        for code_head, (name_head, district_head) in BESIDE[lang].items():
            if code_head not in head:
                continue
            j = head.index(code_head)
            assert head[j + 1 : j + 3] == [name_head, district_head], (ws.title, head)
            for row in ws.iter_rows(min_row=2, values_only=True):
                code = row[j]
                if code in communes.index:
                    seen += 1
                    assert row[j + 1] == communes.loc[code, "name"], (ws.title, row)
                    assert row[j + 2] == communes.loc[code, "district_name"], (ws.title, row)
    if kind != "batch":
        assert seen >= len(communes)


def _table_rows(ws):
    head = _header(ws)
    rows = []
    for row in ws.iter_rows(min_row=2, values_only=True):
        if all(v is None for v in row):
            break
        rows.append(dict(zip(head, row, strict=True)))
    return head, rows


@pytest.mark.parametrize("kind", ["budget", "settlement", "allocation"])
def test_district_and_type_subtotals_add_up_exactly(kind, books, results, model):
    r = results[kind]
    ws = books[kind, "vi"]["Theo xã"]
    head, rows = _table_rows(ws)
    assert head[:4] == ["Mã ĐVHC", "Tên", "Huyện, thị xã, thành phố", "Loại đơn vị"]
    assert head[-1] == "Loại dòng"
    units = [x for x in rows if x["Loại dòng"] == "Đơn vị"]
    districts = [x for x in rows if x["Loại dòng"] == "Cộng theo huyện"]
    types = [x for x in rows if x["Loại dòng"] == "Cộng theo loại đơn vị"]
    total = [x for x in rows if x["Mã ĐVHC"] == "Tổng cộng"]
    assert len(units) == len(r.table) and len(total) == 1
    assert len(districts) == model.communes["district_name"].nunique()
    assert len(types) == model.communes["type"].nunique()
    assert all(x["Mã ĐVHC"] is None for x in districts + types)  # subtotals have no code
    col = {"budget": "total", "settlement": "lump_sum", "allocation": "allocation"}[kind]
    money = label(col)
    # every commune's row is its result row; the grand total is the sum of the communes
    assert {x["Mã ĐVHC"]: x[money] for x in units} == dict(
        zip(r.table["code"], r.table[col].astype(int), strict=True)
    )
    assert total[0][money] == int(r.table[col].sum())
    if kind == "settlement":  # every settlement amount is money, summed and subtotalled
        for c in ("actual", "savings_counted", "state_saving"):
            assert total[0][label(c)] == int(r.table[c].sum())
    by_district, by_type = defaultdict(int), defaultdict(int)
    for x in units:
        by_district[x["Huyện, thị xã, thành phố"]] += x[money]
        by_type[x["Loại đơn vị"]] += x[money]
    assert {x["Huyện, thị xã, thành phố"]: x[money] for x in districts} == by_district
    assert {x["Loại đơn vị"]: x[money] for x in types} == by_type
    assert sum(x[money] for x in districts) == total[0][money]
    assert all(isinstance(x[money], int) for x in districts + types + total)
    # communes of a district come together, followed by the district's subtotal
    order = [
        x["Huyện, thị xã, thành phố"] for x in rows if x["Loại dòng"] != "Cộng theo loại đơn vị"
    ]
    assert order == sorted(order, key=order.index)
    # the note under the table says how to tell subtotal rows apart
    notes = [c.value for c in ws["A"] if isinstance(c.value, str) and "Loại dòng" in c.value]
    assert notes and "«Đơn vị»" in notes[0]


def test_headcounts_are_not_summed_over_years(books):
    wb = books["scenario", "vi"]
    for sheet in ("Theo năm", "Theo xã"):
        head, rows = _table_rows(wb[sheet])
        total = next(x for x in rows if "Tổng cộng" in (x[head[0]], x.get("Năm")))
        for h in ("Số người đầu năm", "Số người cuối năm", "Biên chế CBCC được giao"):
            assert total[h] is None, (sheet, h)
        # flows add up: leavers over the years
        years = [x for x in rows if x is not total]
        assert total["Tinh giản, thôi việc"] == sum(x["Tinh giản, thôi việc"] for x in years)


def test_scenario_summary_and_leavers_are_labelled(books, results):
    wb = books["scenario", "vi"]
    ws = wb["Tổng hợp"]
    items = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(5, ws.max_row + 1)}
    assert items["Phương án tinh giản"] == "Nghỉ hưu trước tuổi"
    assert items["Chế độ chính sách"] == "NĐ 108/2014 và sửa đổi"
    assert items["Đạt chỉ tiêu"] in ("Có", "Không")
    head = _header(wb["Tinh giản, thôi việc"])
    for code in ("early_years", "insured_first", "severance", "job_search"):
        assert label(code) in head
    kinds = {c.value for c in wb["Tinh giản, thôi việc"]["I"][1:]} - {None}
    assert head[8] == "Hình thức" and kinds <= {"Nghỉ hưu trước tuổi", "Thôi việc"}


def test_allocation_scores_have_indicator_names(books):
    ws = books["allocation", "vi"]["Điểm chỉ tiêu"]
    head = _header(ws)
    assert "Tỷ lệ hồ sơ giải quyết trễ hạn (0–1)" in head
    assert "Điểm thành phần: Tỷ lệ hồ sơ giải quyết trễ hạn (0–1)" in head
    en = _header(books["allocation", "en"]["Indicator scores"])
    assert "Sub-score: Share of dossiers settled late (0–1)" in en


def test_parameters_sheet_headers_and_readable_values(books):
    ws = books["budget", "vi"]["Tham số"]
    head = _header(ws)
    assert head == [
        "Mã tham số",
        "Nội dung tham số",
        "Từ ngày",
        "Đến ngày",
        "Giá trị",
        "Đơn vị tính",
        "Căn cứ pháp lý",
        "Mức tin cậy",
    ]
    rows = {r[0]: r for r in ws.iter_rows(min_row=2, values_only=True)}
    quota = rows["staffing.quota.cadres_civil_servants"]
    assert quota[4].splitlines()[0] == "Xã: 1 = 25; 2 = 23; 3 = 21"
    assert quota[5] == "biên chế" and quota[7] == "Đã đối chiếu văn bản"
    assert quota[3] == dt.datetime(2019, 6, 24)
    en = books["budget", "en"]["Parameters"]
    assert _header(en)[:6] == ["Parameter", "Description", "From", "To", "Value", "Unit"]


def test_readable_values():
    assert readable({"xa": {"1": 25, "2": 23}, "phuong": {"1": 23}}) == (
        "Xã: 1 = 25; 2 = 23\nPhường: 1 = 23"
    )
    assert readable('["can_bo", "cong_chuc"]') == "Cán bộ; Công chức"
    assert readable(["can_bo", "cong_chuc"], "en") == "Cadre; Civil servant"
    assert readable({"rewards": 0.3}, "vi") == "Chi khen thưởng: 0,3"
    assert readable({"rewards": 0.3}, "en") == "Rewards: 0.3"
    assert readable([2016, 2020]) == "2016; 2020"
    assert readable({"a": 1_210_000}) == "a: 1.210.000"
    assert readable(True) == "Có" and readable(False, "en") == "No"
    assert readable(1_210_000) == 1_210_000  # a number stays a number cell


def test_subtotals_hand_computed(tmp_path):
    """Four communes, two districts, two unit types; district A's communes are not
    contiguous in the table: they are brought together, subtotalled, then the types."""
    import pandas as pd

    from khoan.report.excel import write_workbook

    df = pd.DataFrame(
        {
            "code": ["00001", "00002", "00003", "00004"],
            "name": ["Xã Một", "Phường Hai", "Xã Ba", "Xã Bốn"],
            "total": pd.array([100, 20, 3, 4_000], dtype="int64"),
        }
    )
    communes = pd.DataFrame(
        {
            "code": ["00001", "00002", "00003", "00004"],
            "name": ["Xã Một", "Phường Hai", "Xã Ba", "Xã Bốn"],
            "district_name": ["Huyện A", "Huyện B", "Huyện A", "Huyện B"],
            "type": ["xa", "phuong", "xa", "xa"],
        }
    )
    path = write_workbook(
        tmp_path / "s.xlsx",
        title="t",
        sheets={"by_commune": df},
        communes=communes,
        subtotals={"by_commune": ["district_name", "type"]},
    )
    ws = openpyxl.load_workbook(path)["Theo xã"]
    rows = [r for r in ws.iter_rows(min_row=1, values_only=True) if any(v is not None for v in r)]
    assert rows[:9] == [
        ("Mã ĐVHC", "Tên", "Huyện, thị xã, thành phố", "Loại đơn vị", "Tổng cộng", "Loại dòng"),
        ("00001", "Xã Một", "Huyện A", "Xã", 100, "Đơn vị"),
        ("00003", "Xã Ba", "Huyện A", "Xã", 3, "Đơn vị"),
        (None, "Cộng: Huyện A", "Huyện A", None, 103, "Cộng theo huyện"),
        ("00002", "Phường Hai", "Huyện B", "Phường", 20, "Đơn vị"),
        ("00004", "Xã Bốn", "Huyện B", "Xã", 4_000, "Đơn vị"),
        (None, "Cộng: Huyện B", "Huyện B", None, 4_020, "Cộng theo huyện"),
        (None, "Cộng: Xã", None, "Xã", 4_103, "Cộng theo loại đơn vị"),
        (None, "Cộng: Phường", None, "Phường", 20, "Cộng theo loại đơn vị"),
    ]
    assert rows[9][0] == "Tổng cộng" and rows[9][4] == 4_123  # the communes, once
    assert rows[10][0].startswith("Ghi chú:") and "«Đơn vị»" in rows[10][0]
    assert ws.auto_filter.ref == "A1:F9"  # header, communes and subtotals; not the total


def test_no_districts_gives_type_subtotals_only(tmp_path):
    """Since 1 July 2025 communes belong to the province directly: no district column."""
    m = examples.load("khanh_hoa_2026")
    r = budget(m, 2026)
    ws = openpyxl.load_workbook(r.to_excel(tmp_path / "b.xlsx"))["Theo xã"]
    head, rows = _table_rows(ws)
    assert head[:3] == ["Mã ĐVHC", "Tên", "Loại đơn vị"] and "Huyện, thị xã, thành phố" not in head
    kinds = {x["Loại dòng"] for x in rows} - {None}
    assert kinds == {"Đơn vị", "Cộng theo loại đơn vị"}
    types = {x["Loại đơn vị"]: x["Tổng cộng"] for x in rows if x["Mã ĐVHC"] is None}
    expect = r.table.assign(t=m.communes["type"].to_numpy()).groupby("t")["total"].sum()
    assert {label_type: int(v) for label_type, v in types.items()} == {
        {"xa": "Xã", "phuong": "Phường", "dac_khu": "Đặc khu"}[k]: int(v) for k, v in expect.items()
    }
