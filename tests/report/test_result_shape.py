"""One result shape (docs/architecture.md "Result objects"): the five kinds of result share
``.table``, ``.summary()``, ``.plot.<kind>()``, ``.to_excel()``, ``.to_frame()`` /
``.to_csv()`` / ``.to_parquet()``, an escaped HTML repr and one provenance schema."""

from __future__ import annotations

import datetime as _dt

import numpy as np
import openpyxl
import pandas as pd
import pytest
from matplotlib.axes import Axes

import khoan
from khoan import allocate, budget, examples, settle, simulate
from khoan.batch import run_batch
from khoan.report.result import PROVENANCE_KEYS, Result
from khoan.scenarios import load_scenarios

NAME = "<khoan & co>"  # a model name that must be escaped in HTML


@pytest.fixture(scope="module")
def model():
    m = examples.load("khanh_hoa_2016")
    return m.replace(name=NAME)


@pytest.fixture(scope="module")
def results(model):
    scs = load_scenarios(model.path)
    short = scs["attrition_only"].with_(years=(2016, 2017), target=None)
    return {
        "budget": (budget(model, 2017), "components"),
        "settlement": (settle(model, 2017), "uses"),
        "allocation": (allocate(model, 2017, "norm+2%"), "allocation_vs_target"),
        "scenario": (simulate(model, short), "headcount"),
        "batch": (run_batch(model, [short], progress=False), "compare"),
    }


KINDS = ["budget", "settlement", "allocation", "scenario", "batch"]


@pytest.mark.parametrize("kind", KINDS)
def test_shared_api(kind, results, model, tmp_path):
    r, plot_kind = results[kind]
    assert isinstance(r, Result)
    assert isinstance(r.table, pd.DataFrame) and len(r.table) > 0

    s = r.summary()
    assert s and all(isinstance(k, str) for k in s)
    assert all(v is None or type(v) in (int, float, str, bool) for v in s.values()), s

    ax = getattr(r.plot, plot_kind)()
    assert isinstance(ax, Axes) and ax.get_title() and (ax.get_xlabel() or ax.get_ylabel())
    import matplotlib.pyplot as plt

    plt.close("all")

    # tables for reporting tools: flat, int64 money kept (Int64 in a batch table, where a
    # failed scenario has no figures), the same after a round trip
    frame = r.to_frame()
    assert isinstance(frame.index, pd.RangeIndex) and frame.index.name is None
    ints = [c for c in r.table.columns if r.table[c].dtype in (np.int64, pd.Int64Dtype())]
    assert ints and all(frame[c].dtype == r.table[c].dtype for c in ints)
    back = pd.read_parquet(r.to_parquet(tmp_path / "out" / f"{kind}.parquet"))
    pd.testing.assert_frame_equal(back, frame, check_dtype=False)  # text may read as str
    assert all(back[c].dtype == frame[c].dtype for c in ints)
    csv = pd.read_csv(r.to_csv(tmp_path / "out" / f"{kind}.csv"), encoding="utf-8-sig")
    assert list(csv.columns) == [str(c) for c in frame.columns]
    for c in ints:
        assert csv[str(c)].tolist() == frame[c].tolist()

    # the workbook has a provenance sheet with the shared key names
    wb = openpyxl.load_workbook(r.to_excel(tmp_path / f"{kind}.xlsx"))
    items = {str(row[0].value) for row in wb.worksheets[-1].iter_rows(min_row=2)}
    assert {"khoan_version", "model", "model_digest", "parameters_digest"} <= items

    # HTML through report/html: escaped, compact
    html = r._repr_html_()
    assert 'class="khoan-result"' in html
    assert "&lt;khoan &amp; co&gt;" in html and NAME not in html
    assert html.count("<tr>") <= len(s) + 1 + 10


@pytest.mark.parametrize("kind", KINDS)
def test_one_provenance_schema(kind, results, model):
    r, _ = results[kind]
    prov = r.provenance
    assert tuple(prov)[: len(PROVENANCE_KEYS)] == PROVENANCE_KEYS
    assert prov["khoan_version"] == khoan.__version__
    assert prov["model"] == NAME and prov["synthetic"] is model.synthetic
    assert prov["model_digest"] == model.digest()
    assert prov["parameters_digest"] == model.params.digest()
    assert [e["key"] for e in prov["overrides"]] == [e["key"] for e in model.params.log]
    assert all(isinstance(e["date"], str) for e in prov["overrides"])
    assert isinstance(prov["inputs"], dict)
    for v in prov["inputs"].values():
        assert isinstance(v, str) and len(v) == 64 and int(v, 16) >= 0
    # none of the old spellings is left
    assert not {"khoan", "parameter_digest", "params_digest", "overrides_log"} & set(prov)


def test_inputs_digests_name_what_else_went_in(results):
    assert set(results["budget"][0].provenance["inputs"]) == set()
    assert set(results["settlement"][0].provenance["inputs"]) == {"actual"}
    assert set(results["allocation"][0].provenance["inputs"]) == {"options"}
    assert set(results["scenario"][0].provenance["inputs"]) == {"scenario"}
    assert set(results["batch"][0].provenance["inputs"]) == {"scenarios"}
    # the scenario's digest is the one the batch files it under
    from khoan.batch.naming import scenario_digest

    sc = results["scenario"][0]
    assert sc.provenance["inputs"]["scenario"] == scenario_digest(sc.scenario)


@pytest.mark.parametrize(
    "kind, frame",
    [
        ("budget", lambda r: r.params_used),
        ("settlement", lambda r: r.params_used),
        ("allocation", lambda r: r.params_table),
        ("scenario", lambda r: r.params_used),
    ],
)
def test_parameters_used_cover_the_whole_period(kind, frame, results):
    """The base salary changed on 2016-05-01 (1,150,000 -> 1,210,000 VND/month, NĐ 47/2016)
    and 2017-07-01 (-> 1,300,000, NĐ 47/2017): a 2017 result lists the two values of 2017,
    not only the one in force on 1 January; the 2016–2017 scenario lists the three."""
    p = frame(results[kind][0])
    base = p[p["key"] == "salary.base"]
    want = [1_210_000, 1_300_000] if kind != "scenario" else [1_150_000, 1_210_000, 1_300_000]
    assert base["value"].tolist() == want
    assert pd.Timestamp(base["from"].iloc[-1]).date() == _dt.date(2017, 7, 1)


def test_settlement_lists_its_own_parameters(results):
    keys = set(results["settlement"][0].params_used["key"])
    assert {"tntt.cap_ratio", "tntt.quarterly_advance_cap", "savings.shares"} <= keys
    assert "tntt.cap_ratio_hcmc" not in keys  # Khánh Hòa, not Hồ Chí Minh City
