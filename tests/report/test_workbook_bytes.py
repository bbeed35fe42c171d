"""Workbooks are byte-identical between runs (README: "byte-identical outputs").

Every kind of result (budget, settlement, allocation, scenario, batch summary) is computed twice,
the second time under a clock that runs three times faster (so that every run time differs), and
written twice; the files must be equal byte for byte. Run times stay on the result object.
"""

from __future__ import annotations

import time
import zipfile

import pytest

from khoan import allocate, budget, examples, settle, simulate
from khoan.batch import run_batch
from khoan.report.excel import FIXED_TIMESTAMP, stable_provenance
from khoan.scenarios import load_scenarios

MODEL = "khanh_hoa_2016"


@pytest.fixture(scope="module")
def model():
    return examples.load(MODEL)


@pytest.fixture(scope="module")
def scenarios(model):
    return load_scenarios(model.path)


def _budget(model, scenarios):
    return budget(model, 2016)


def _settlement(model, scenarios):
    return settle(model, 2016)


def _allocation(model, scenarios):
    return allocate(model, 2017, "norm+2%")


def _scenario(model, scenarios):
    return simulate(model, scenarios["nq39_10pct"])


def _batch(model, scenarios):
    picked = [scenarios["nq39_10pct"], scenarios["attrition_only"]]
    return run_batch(model, picked, progress=False)


KINDS = {
    "budget": _budget,
    "settlement": _settlement,
    "allocation": _allocation,
    "scenario": _scenario,
    "batch": _batch,
}


@pytest.mark.parametrize("kind", list(KINDS))
def test_workbook_written_twice_is_byte_identical(kind, model, scenarios, tmp_path, monkeypatch):
    first = KINDS[kind](model, scenarios)
    a = first.to_excel(tmp_path / "a" / f"{kind}.xlsx")
    real = time.perf_counter
    monkeypatch.setattr(time, "perf_counter", lambda: 3.0 * real())
    second = KINDS[kind](model, scenarios)
    b = second.to_excel(tmp_path / "b" / f"{kind}.xlsx")
    time.sleep(1.1)  # a later second on the wall clock too
    c = first.to_excel(tmp_path / "c" / f"{kind}.xlsx")
    assert a.read_bytes() == b.read_bytes(), f"{kind}: two runs give different workbooks"
    assert a.read_bytes() == c.read_bytes(), f"{kind}: the same result written twice differs"
    # the document dates are the fixed ones, not the time of writing
    core = zipfile.ZipFile(a).read("docProps/core.xml").decode()
    stamp = FIXED_TIMESTAMP.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert core.count(stamp) == 2, core


def test_scenario_timings_stay_on_the_result_not_in_the_workbook(model, scenarios, tmp_path):
    s = simulate(model, scenarios["attrition_only"])
    assert s.provenance["timings"]["total_s"] > 0
    s.to_excel(tmp_path / "a.xlsx")
    s.provenance["timings"] = {"total_s": 12345.678, "shared_work_cached": True}
    s.to_excel(tmp_path / "b.xlsx")
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()
    import openpyxl

    ws = openpyxl.load_workbook(tmp_path / "b.xlsx").worksheets[-1]
    items = [str(r[0].value) for r in ws.iter_rows(min_row=2)]
    assert items and not any("timings" in i or "total_s" in i for i in items)
    assert any(i.startswith("model_digest") for i in items)


def test_stable_provenance_drops_run_keys_at_any_depth():
    prov = {
        "model": "m",
        "timings": {"total_s": 1.5},
        "scenario": {"name": "x", "timings": {"pay": 0.1}, "years": [2016, 2020]},
        "counts": {"ok": 2, "updated": "2026-12-06T23:00:00"},
    }
    assert stable_provenance(prov) == {
        "model": "m",
        "scenario": {"name": "x", "years": [2016, 2020]},
        "counts": {"ok": 2},
    }
