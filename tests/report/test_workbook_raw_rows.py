"""Plain data rows written as sheet XML give the workbook openpyxl writes, byte for byte."""

from __future__ import annotations

import datetime as dt
import zipfile

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from khoan import allocate, budget, examples, settle, simulate
from khoan.batch import run_batch
from khoan.report import excel
from khoan.scenarios import load_scenarios


def _both(tmp_path, write) -> tuple[bytes, bytes]:
    """The workbook written with raw rows, and with every cell through openpyxl."""
    fast = write(tmp_path / "fast.xlsx").read_bytes()
    old = excel._RAW_ROWS
    excel._RAW_ROWS = False
    try:
        slow = write(tmp_path / "slow.xlsx").read_bytes()
    finally:
        excel._RAW_ROWS = old
    return fast, slow


def _mixed() -> pd.DataFrame:
    """Every kind of cell value: plain ones (raw rows) and the others (openpyxl rows)."""
    n = 12
    return pd.DataFrame(
        {
            "code": [f"X{i:02d}" for i in range(n)],
            "commune_name": [
                "Xã Tân Lập",
                " leading space",
                "trailing space ",
                "=SUM(A1:A2)",
                "+84 90",
                "-",
                "a & b < c > d",
                "#N/A",  # an error code: openpyxl's row
                "",  # empty text: openpyxl's row
                "two\nlines",
                "@home",
                "   ",
            ],
            "lump_sum": np.arange(n, dtype=np.int64) * 1_234_567_890_123,
            "headcount": pd.array([1, None, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], dtype="Int64"),
            "share": [0.1, np.nan, np.inf, -0.5, 1e-9, 2.0, 1 / 3, 0.0, 5.5, 1e20, -1.0, 0.25],
            "kept": [True, False] * 6,
            "note": [None] * 11 + ["last"],
            "since": [dt.date(2016, 1, 1) if i == 5 else None for i in range(n)],  # a date
            "year": np.arange(2016, 2016 + n),
        }
    )


def test_mixed_values_give_the_same_bytes(tmp_path):
    df = _mixed()

    def write(path):
        return excel.write_workbook(
            path,
            title="t",
            summary={"total": 1},
            sheets={"by_commune": df, "again": df.iloc[::-1], "one": df.iloc[:1], "none": df[:0]},
            provenance={"model": "m"},
        )

    fast, slow = _both(tmp_path, write)
    assert fast == slow
    ws = load_workbook(tmp_path / "fast.xlsx").worksheets[1]
    assert ws["B5"].value == "=SUM(A1:A2)" and ws["B5"].data_type == "s"
    assert ws["B5"].quotePrefix
    assert ws["C3"].number_format == excel.FMT_MONEY and ws["C3"].value == 1_234_567_890_123


def test_subtotal_rows_give_the_same_bytes(tmp_path):
    communes = pd.DataFrame(
        {
            "code": ["A1", "A2", "B1", "B2"],
            "name": ["Xã A1", "Xã A2", "Xã B1", "Xã B2"],
            "district_name": ["Huyện A", "Huyện A", "Huyện B", "Huyện B"],
            "type": ["xa", "phuong", "xa", "xa"],
        }
    )
    df = pd.DataFrame({"code": communes["code"], "lump_sum": [10, 20, 30, 40]})

    def write(path):
        return excel.write_workbook(
            path,
            title="t",
            sheets={"by_commune": df},
            communes=communes,
            subtotals={"by_commune": ["district_name", "type"]},
        )

    fast, slow = _both(tmp_path, write)
    assert fast == slow


@pytest.fixture(scope="module")
def model():
    return examples.load("khanh_hoa_2016")


@pytest.mark.parametrize("kind", ["budget", "settlement", "allocation", "scenario", "batch"])
def test_every_report_gives_the_same_bytes(kind, model, tmp_path):
    scenarios = load_scenarios(model.path)
    result = {
        "budget": lambda: budget(model, 2016),
        "settlement": lambda: settle(model, 2016),
        "allocation": lambda: allocate(model, 2017, "norm+2%"),
        "scenario": lambda: simulate(model, scenarios["nq39_10pct"]),
        "batch": lambda: run_batch(
            model, [scenarios["nq39_10pct"], scenarios["attrition_only"]], progress=False
        ),
    }[kind]()
    fast, slow = _both(tmp_path, result.to_excel)
    assert fast == slow, kind
    with zipfile.ZipFile(tmp_path / "fast.xlsx") as z:
        assert z.testzip() is None


def test_splice_refuses_a_row_written_twice():
    from khoan.report.excel_rows import splice

    xml = b'<sheetData><row r="1"><c r="A1"/></row><row r="2"><c r="A2"/></row></sheetData>'
    out = splice(xml, {3: '<row r="3"></row>'})
    assert out.endswith(b'<row r="3"></row></sheetData>')
    assert splice(b'<sheetData><row r="2"></row></sheetData>', {2: '<row r="2">x</row>'}) == (
        b'<sheetData><row r="2">x</row></sheetData>'
    )
    with pytest.raises(RuntimeError, match="row 2 written twice"):
        splice(xml, {2: '<row r="2"></row>'})


def test_raw_rows_only_with_the_writer_whose_bytes_they_reproduce():
    """openpyxl writes cells through lxml when it is installed, with other bytes: the raw
    rows are then off and every cell goes through openpyxl."""
    import openpyxl.xml

    assert excel._RAW_ROWS is (not openpyxl.xml.LXML)
