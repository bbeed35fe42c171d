"""A batch's stored scenario shares the result base: flat tables, CSV, Parquet, HTML."""

from __future__ import annotations

import pandas as pd
import pytest
from test_batch import fake_grid, fake_simulate

from khoan.batch import run_batch
from khoan.batch.result import StoredResult
from khoan.report.result import Result


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    from khoan import examples

    model = examples.load("khanh_hoa_2016")
    out = tmp_path_factory.mktemp("batch")
    res = run_batch(model, fake_grid(), out, progress=False, fn=fake_simulate)
    return res.results["base-target_0_1-policy_attrition"]


def test_stored_result_is_a_result(stored, tmp_path):
    assert isinstance(stored, StoredResult) and isinstance(stored, Result)
    flat = stored.to_frame()
    # the table read back from Parquet, flat: same columns and values, a copy
    pd.testing.assert_frame_equal(flat, stored.by_year.reset_index(drop=True))
    assert flat is not stored.by_year
    back = pd.read_parquet(stored.to_parquet(tmp_path / "by_year.parquet"))
    pd.testing.assert_frame_equal(back, flat)
    raw = (stored.to_csv(tmp_path / "by_year.csv")).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, like every result's CSV
    html = stored._repr_html_()
    assert "base-target_0_1-policy_attrition" in html and "<table" in html
    assert stored.summary()["leavers"] == 1
