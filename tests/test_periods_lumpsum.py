"""The periods/money layer, the lump-sum core, the settlement module and the import graph.

Hand-computed cases: every expected number below is worked out in the comments.
"""

from __future__ import annotations

import ast
import datetime as dt
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import khoan.settlement
from khoan.lumpsum import COMPONENTS, YearRates, components, tntt_cap
from khoan.params import load_law
from khoan.periods import (
    cut_segments,
    group_sum,
    group_sum_2d,
    largest_remainder,
    month_bounds,
    msum,
    round_vnd,
)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def law():
    return load_law()


# -- periods ------------------------------------------------------------------------------------


def test_round_vnd_half_up_with_float_noise():
    # 0.5 rounds up; 2.4999999999 (float noise of an exact 2.5) too; 2.49 down
    assert round_vnd([0.5, 1.49, 2.4999999999, 2.49]).tolist() == [1, 1, 3, 2]
    assert round_vnd(1.5).dtype == np.int64


def test_month_bounds_2016_leap_year():
    b = month_bounds(2016)
    assert np.diff(b).tolist() == [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    assert b[0] == (dt.date(2016, 1, 1) - dt.date(1970, 1, 1)).days


def test_segments_june_2019_nhdkct_fund_and_base_salary(law):
    # NHĐKCT fund: NĐ 92/2009 to 2019-06-24, NĐ 34/2019 from 2019-06-25; base salary
    # 1,390,000 to 2019-06-30, 1,490,000 from 2019-07-01: three sub-periods
    segs = law.segments(["staffing.nhdkct_fund", "salary.base"], 2019)
    assert len(segs) == 3
    by_base = {(s.starts[0], s.values[1]): s.weights for s in segs}
    old = by_base[(dt.date(2010, 1, 1), 1_390_000)]
    mid = by_base[(dt.date(2019, 6, 25), 1_390_000)]
    new = by_base[(dt.date(2019, 6, 25), 1_490_000)]
    assert old[:5].tolist() == [1.0] * 5 and old[5] == pytest.approx(24 / 30)
    assert mid[5] == pytest.approx(6 / 30) and mid[6:].sum() == 0
    assert new[:6].sum() == 0 and new[6:].tolist() == [1.0] * 6
    total = sum(s.weights for s in segs)
    assert np.allclose(total, 1.0)


def test_cut_segments_needs_a_value_on_1_january(law):
    from khoan.errors import ParameterError

    with pytest.raises(ParameterError, match="no value in force on 1990-01-01"):
        cut_segments([law.parameter("salary.base")], 1990)


def test_in_force_lists_every_value_of_the_period(law):
    t = law.in_force(["salary.base", "salary.base", "no.such.key"], "2016-01-01", "2020-12-31")
    assert t["key"].unique().tolist() == ["salary.base"]
    assert t["value"].tolist() == [1_150_000, 1_210_000, 1_300_000, 1_390_000, 1_490_000]
    assert t["from"].iloc[0] == dt.date(2013, 7, 1) and t["to"].iloc[-1] == dt.date(2023, 6, 30)
    assert t["reference"].str.len().gt(0).all()


def test_largest_remainder_hand_computed():
    # group 0: 10 đồng over three equal weights = 3.33 each -> 3, 3, 3 and the last đồng to the
    # first row (tie); group 1: 5 đồng by 1:3 = 1.25 / 3.75 -> 1, 3 and the đồng to 0.75
    out = largest_remainder(
        np.array([0, 0, 0, 1, 1]),
        np.array([1.0, 1.0, 1.0, 1.0, 3.0]),
        np.array([10, 5], dtype=np.int64),
        2,
    )
    assert out.tolist() == [4, 3, 3, 1, 4]
    # a group with no weight gets nothing
    none = largest_remainder(np.array([0, 1]), np.array([0.0, 2.0]), np.array([7, 7]), 2)
    assert none.tolist() == [0, 7]


def test_group_sum_exact_beyond_float_precision():
    big = 2**53 + 1  # not representable in float64
    v = np.array([big, 1, 2, 3], dtype=np.int64)
    assert group_sum(np.array([0, 0, 1, 1]), v, 2).tolist() == [big + 1, 5]
    assert group_sum(np.array([1, 1]), np.array([2, 3]), 3).tolist() == [0, 5, 0]
    m = group_sum_2d(np.array([0, 1, 0]), np.array([[1, 2], [3, 4], [5, 6]]), 2)
    assert m.tolist() == [[6, 8], [3, 4]]


def test_msum_adds_months_in_order():
    a = np.arange(24, dtype=float).reshape(12, 2)
    assert msum(a).tolist() == [132.0, 144.0]


# -- the lump-sum core ---------------------------------------------------------------------------


def test_components_hand_computed():
    # 2016 (366 days). Commune 0: 2 approved posts, one person present all year -> one vacant
    # post every month: 12 × 2,340,000 = 28,080,000; contributions 20 % = 5,616,000.
    # Commune 1: 1 approved post, one person present half of every month -> half a post:
    # 14,040,000 and 2,808,000. Operating: posts × 10,000,000 + 1,000,000 per commune.
    mdays = np.diff(month_bounds(2016))
    rates = YearRates(
        year=2016,
        mdays=mdays,
        vac_cost=np.full(12, 2_340_000.0),
        vac_rate=np.full(12, 0.2),
        norm=10_000_000.0,
        per_commune=1_000_000,
        fixed={
            "nhdkct_fund": np.array([7, 8]),
            "village_fund": np.array([9, 10]),
            "purchases_repairs": np.array([11, 11]),
            "special_tasks": np.array([0, 100]),
        },
    )
    days = np.vstack([mdays, mdays / 2])
    ls = components(rates, np.array([2, 1]), days, np.array([500, 600]), np.array([50, 60]))
    assert list(ls.parts) == list(COMPONENTS)
    assert ls.parts["vacancy_fund"].tolist() == [28_080_000, 14_040_000]
    assert ls.vacancy_contributions.tolist() == [5_616_000, 2_808_000]
    assert ls.parts["contributions"].tolist() == [5_616_050, 2_808_060]
    assert ls.parts["operating"].tolist() == [21_000_000, 11_000_000]
    assert ls.vacancy_saving.tolist() == [33_696_000, 16_848_000]
    expect = [
        500 + 28_080_000 + 5_616_050 + 7 + 9 + 21_000_000 + 11 + 0,
        600 + 14_040_000 + 2_808_060 + 8 + 10 + 11_000_000 + 11 + 100,
    ]
    assert ls.total.tolist() == expect
    assert all(v.dtype == np.int64 for v in ls.parts.values())


def test_tntt_cap_rounds_to_the_dong():
    assert tntt_cap(1.8, np.array([1_000_001, 3])).tolist() == [1_800_002, 5]


def test_settle_keeps_its_old_import_path():
    from khoan.budget import SettlementResult, settle

    # ``khoan.budget`` the attribute is the function; the module is in sys.modules
    budget_module = sys.modules["khoan.budget"]
    assert settle is khoan.settlement.settle
    assert SettlementResult is khoan.settlement.SettlementResult
    with pytest.raises(AttributeError):
        budget_module.no_such_name  # noqa: B018


# -- one copy of each rule, no import circles ----------------------------------------------------


def _defs(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.ClassDef)}


def test_each_lump_sum_rule_is_defined_once():
    rules = {
        "vacancy_rates",
        "operating_norm",
        "nhdkct_monthly",
        "village_monthly",
        "tntt_cap",
        "tntt_cap_ratio",
        "components",
        "round_vnd",
        "largest_remainder",
        "_largest_remainder",
        "_group_sum",
        "_gsum",
        "segments",
        "month_bounds",
    }
    where: dict[str, list[str]] = {}
    for f in sorted((ROOT / "khoan").rglob("*.py")):
        for name in _defs(f) & rules:
            where.setdefault(name, []).append(str(f.relative_to(ROOT)))
    assert where.pop("largest_remainder") == ["khoan/periods.py", "khoan/report/fmt.py"]
    assert all(len(v) == 1 for v in where.values()), where
    assert where["vacancy_rates"] == ["khoan/lumpsum.py"]
    assert where["round_vnd"] == ["khoan/periods.py"]
    # nobody outside the parameter engine reads raw dated entries
    for f in (ROOT / "khoan").rglob("*.py"):
        if "params" not in f.parts:
            text = f.read_text(encoding="utf-8")
            assert not re.search(r"entries\[[^\]]+\]\[\"value\"\]|\.entries, strict", text), f


def test_import_graph_has_no_circles_nor_upward_imports():
    out = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "import_graph.py")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "0 problems" in out.stdout


def test_import_graph_finds_a_circle(tmp_path, monkeypatch):
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import import_graph
    finally:
        sys.path.pop(0)
    assert import_graph.cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [
        ["a", "b", "c"]
    ]
    assert import_graph.layer("khoan.periods") < import_graph.layer("khoan.lumpsum")
    assert import_graph.layer("khoan.lumpsum") < import_graph.layer("khoan.report.labels")
    assert import_graph.layer("khoan.budget") < import_graph.layer("khoan.settlement")


def test_distinct_ints_is_numpy_unique_with_inverse():
    """Narrow ranges by a table, wide ones by a sort: both what ``np.unique`` gives."""
    from khoan.periods import distinct_ints

    rng = np.random.default_rng(5)
    for v in (
        rng.integers(-50, 50, 1000),
        rng.integers(0, 10**9, 300),  # wide: the sort
        np.array([7, 7, 7]),
        np.zeros(0, dtype=np.int64),
    ):
        got_v, got_i = distinct_ints(v)
        want_v, want_i = np.unique(v, return_inverse=True)
        np.testing.assert_array_equal(got_v, want_v)
        np.testing.assert_array_equal(got_i, want_i)
