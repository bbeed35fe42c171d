"""Model-level allocation: indicators -> scores -> targets -> bounds -> Pyomo -> result."""

from __future__ import annotations

import numpy as np
import openpyxl
import pandas as pd
import pytest

import khoan.examples
from khoan.allocate.api import allocate, build_problem
from khoan.allocate.indicators import sub_scores
from khoan.allocate.targets import rule_targets
from khoan.budget import budget
from khoan.errors import InfeasibleError


@pytest.fixture(scope="module")
def model():
    return khoan.examples.load("khanh_hoa_2016")


@pytest.fixture(scope="module")
def norm_total(model):
    return int(budget(model, 2017).table["total"].sum())


def test_sub_scores_by_hand():
    spec = {
        "late_rate": {"direction": "lower", "target": 0.10, "weight": 1, "kind": "service"},
        "online": {"direction": "higher", "target": 0.30, "weight": 1, "kind": "service"},
        "population": {"direction": "higher", "target": None, "weight": 1, "kind": "workload"},
    }
    v = pd.DataFrame(
        {
            "late_rate": [0.05, 0.10, 0.40],
            "online": [0.15, 0.30, 0.60],
            "population": [10_000, 20_000, 30_000],
        },
        index=["a", "b", "c"],
    )
    s = sub_scores(v, spec, cap=1.2)
    # late: (1-0.05)/0.9 = 1.0556; (1-0.10)/0.9 = 1; (1-0.40)/0.9 = 0.6667
    np.testing.assert_allclose(s["late_rate"], [0.95 / 0.9, 1.0, 0.6 / 0.9])
    # online: 0.15/0.30 = 0.5; 1.0; 0.60/0.30 = 2 -> capped at 1.2
    np.testing.assert_allclose(s["online"], [0.5, 1.0, 1.2])
    # workload: relative to the mean 20,000
    np.testing.assert_allclose(s["population"], [0.5, 1.0, 1.5])


def test_rule_targets_by_hand():
    norm = pd.Series([100.0, 200.0, 300.0], index=["a", "b", "c"])
    score = pd.Series([1.0, 1.0, 2.0], index=["a", "b", "c"])
    t = rule_targets(norm, score, envelope=1000.0, share=0.08)
    # pool = 0.08 × 1000 = 80; point value = 80 / (1 + 1 + 2) = 20 per point
    assert t["point_value"].iloc[0] == pytest.approx(20.0)
    np.testing.assert_allclose(t["target"], [120.0, 220.0, 340.0])
    assert t["performance"].sum() == pytest.approx(80.0)


def test_allocation_adds_up_and_respects_bounds(model, norm_total):
    env = int(norm_total * 1.02)
    r = allocate(model, 2017, env)
    t = r.table
    assert r.status == "optimal"
    assert t["allocation"].dtype == np.int64
    assert int(t["allocation"].sum()) == env
    assert (t["allocation"] >= t["floor"]).all()
    assert (t["allocation"] >= t["lower"] - 1).all() and (t["allocation"] <= t["upper"] + 1).all()
    assert (t["change"] == t["allocation"] - t["last"]).all()
    # targets = norm + share × envelope × score / Σ score
    share = model.params.value("allocation.scoring.performance_share", "2017-01-01")
    perf = share * env * t["score"] / t["score"].sum()
    np.testing.assert_allclose(t["target"], t["norm"] + perf, atol=1)


def test_matches_exact_kkt_oracle(model, norm_total):
    env = int(norm_total * 0.99)
    a = allocate(model, 2017, env)
    b = allocate(model, 2017, env, solver="kkt")
    rel = np.abs(a.table["allocation"] - b.table["allocation"]) / b.table["allocation"]
    assert rel.max() < 1e-6


def test_no_bound_binding_gives_proportional_shares(model, norm_total):
    env = int(norm_total * 1.05)
    r = allocate(model, 2017, env, corridor=False)
    t = r.table
    assert (t["binding"] == "").all()
    expect = t["target"].astype(float) * env / t["target"].sum()
    np.testing.assert_allclose(t["allocation"], expect, rtol=1e-6)


def test_envelope_below_floors_is_named_in_money(model):
    inp = build_problem(model, 2017, 10**12, corridor=False)
    floors = inp.problem.floor.sum()
    with pytest.raises(InfeasibleError) as exc:
        allocate(model, 2017, int(floors * 0.9), corridor=False)
    assert exc.value.shortfall == pytest.approx(floors - int(floors * 0.9), rel=1e-6)
    assert "VND" in str(exc.value) or "đồng" in str(exc.value)
    assert exc.value.communes


def test_group_floor_binds_with_nonnegative_dual(model, norm_total):
    env = int(norm_total)
    free = allocate(model, 2017, env, corridor=False)
    mountain = free.table.merge(model.communes[["code", "zone"]], on="code")
    base = int(mountain.loc[mountain["zone"] == "mountain", "allocation"].sum())
    r = allocate(model, 2017, env, corridor=False, group_floor={("zone", "mountain"): base * 1.05})
    got = r.table.merge(model.communes[["code", "zone"]], on="code")
    assert got.loc[got["zone"] == "mountain", "allocation"].sum() >= base * 1.05 - 1
    duals = {k: v for k, v in r.duals.items() if k != "envelope"}
    assert duals and all(v >= 0 for v in duals.values())


def test_workbook_reads_back(model, norm_total, tmp_path):
    r = allocate(model, 2017, int(norm_total))
    path = r.to_excel(tmp_path / "alloc.xlsx")
    wb = openpyxl.load_workbook(path, data_only=True)
    assert len(wb.sheetnames) >= 3
    ws = wb[wb.sheetnames[1]]
    header = [c.value for c in ws[1]]
    from khoan.report.labels import label

    col = header.index(label("allocation"))
    kind = header.index(label("row_kind"))
    code = header.index(label("code"))
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    # the communes' rows (district and type subtotals filtered out), grouped by district
    units = {row[code]: row[col] for row in rows if row[kind] == "Đơn vị"}
    assert units == dict(zip(r.table["code"], r.table["allocation"], strict=True))
    total = next(row[col] for row in rows if row[0] == "Tổng cộng")
    assert total == int(r.table["allocation"].sum())
    # the parameters sheet lists those behind the targets and floors too, not only allocation.*
    keys = set(r.params_table["key"])
    assert {"allocation.scoring.performance_share", "salary.base"} <= keys
    assert any(k.startswith("contributions.") for k in keys)


def test_plots_return_labelled_axes(model, norm_total):
    import matplotlib

    matplotlib.use("Agg")
    r = allocate(model, 2017, int(norm_total))
    for ax in (r.plot.allocation_vs_target(), r.plot.change()):
        assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    assert "<table" in r._repr_html_()


def test_envelope_as_text_and_corridor_checked():
    import khoan
    from khoan.budget import budget
    from khoan.errors import KhoanError

    m = khoan.examples.load("khanh_hoa_2016")
    norm = int(budget(m, 2017).table["total"].sum())
    r = khoan.allocate(m, 2017, "norm+2%")
    assert int(r.table["allocation"].sum()) == round(norm * 1.02)
    with pytest.raises(KhoanError, match="give an amount in VND"):
        khoan.allocate(m, 2017, "lots")
    with pytest.raises(KhoanError, match="between 0 and 1"):
        khoan.allocate(m, 2017, "norm", corridor=-1)


def test_a_year_without_indicators_is_one_clear_problem():
    # outputs.csv covers 2015–2020: allocating 2022 scores 2021, which is absent. One problem
    # naming the years covered, not one per commune and indicator
    from khoan.errors import ValidationError

    m = khoan.examples.load("khanh_hoa_2016")
    with pytest.raises(ValidationError) as e:
        allocate(m, 2022, "norm")
    (prob,) = e.value.problems
    assert prob.column == "year" and prob.value == 2021
    assert "covers 2015–2020" in prob.rule


def test_performance_pool_adds_up_to_the_dong():
    # 5 % of 500 billion is 25,000,000,000 đồng exactly, not 25,000,000,002
    m = khoan.examples.load("khanh_hoa_2016")
    r = allocate(m, 2017, 500_000_000_000, corridor=False)
    t = r.table
    share = m.params.value("allocation.scoring.performance_share", "2017-01-01")
    assert int(t["performance"].sum()) == round(share * 500_000_000_000)
    assert (t["target"] == t["norm"] + t["performance"]).all()
    assert t["performance"].dtype == np.int64


def test_whole_dong_largest_remainder():
    from khoan.allocate.targets import whole_dong

    assert whole_dong(np.array([0.5, 0.5, 1.0]), 2).tolist() == [1, 0, 1]
    assert whole_dong(np.array([1.2, 2.7, 3.1]), 7).tolist() == [1, 3, 3]
