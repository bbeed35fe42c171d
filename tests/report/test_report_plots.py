from __future__ import annotations

import warnings

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from matplotlib.axes import Axes

from khoan.report import plots


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _check(ax):
    assert isinstance(ax, Axes)
    assert ax.get_title().strip()
    assert ax.get_xlabel().strip()
    assert ax.get_ylabel().strip()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # e.g. a missing Vietnamese glyph
        ax.figure.canvas.draw()


BY_YEAR = pd.DataFrame(
    {
        "year": [2016, 2017, 2018, 2019, 2020],
        "net_savings": [-4_000_000_000, 1_000_000_000, 3_000_000_000, 3_500_000_000, 4_000_000_000],
        "cumulative_net_savings": [-4e9, -3e9, 0.0, 3.5e9, 7.5e9],
    }
)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_bar_stacked(budget_table, lang):
    parts = ["salary_fund", "contributions", "operating", "village_fund"]
    ax = plots.bar_stacked(budget_table.set_index("name"), parts, lang=lang)
    _check(ax)
    assert ax.get_ylabel() == ("Số tiền (triệu đồng)" if lang == "vi" else "Amount (million VND)")
    assert ax.get_xlabel() == ("Tên" if lang == "vi" else "Name")
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[0] == ("Quỹ lương, phụ cấp" if lang == "vi" else "Salary and allowance fund")
    # the stack of each bar reaches the row's total of the plotted parts
    heights = {}
    for patch in ax.patches:
        x = round(patch.get_x() + patch.get_width() / 2)
        heights[x] = heights.get(x, 0) + patch.get_height()
    assert heights[0] == pytest.approx(budget_table[parts].iloc[0].sum())


def test_bar_stacked_horizontal_and_default_columns(budget_table):
    ax = plots.bar_stacked(budget_table, x="code", horizontal=True)
    _check(ax)
    assert ax.get_ylabel() == "Mã ĐVHC"


def test_bar_compare(budget_table):
    df = budget_table.assign(target=budget_table["total"], allocation=budget_table["total"] * 1.02)
    ax = plots.bar_compare(df, ["target", "allocation"], x="name")
    _check(ax)
    assert "so với" in ax.get_title()


def test_line_money_in_millions_and_year_ticks():
    ax = plots.line(BY_YEAR, ["cumulative_net_savings"], x="year")
    _check(ax)
    assert ax.get_xlabel() == "Năm"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2016", "2017", "2018", "2019", "2020"]
    fmt = ax.yaxis.get_major_formatter()
    assert fmt(-4e9) == "-4.000"


def test_line_not_money():
    df = pd.DataFrame({"headcount_end": [100, 95, 90]}, index=pd.Index([2016, 2017, 2018]))
    ax = plots.line(df, money=False)
    _check(ax)
    assert ax.get_ylabel() == "Số người cuối năm"


def test_waterfall(budget_table):
    row = budget_table.iloc[0]
    parts = ["salary_fund", "vacancy_fund", "contributions", "operating"]
    ax = plots.waterfall(row[parts])
    _check(ax)
    bars = ax.patches
    assert bars[-1].get_height() == pytest.approx(row[parts].sum())
    ax = plots.waterfall(
        {"change": -3e9, "savings": 1e9}, start=("last_allocation", 40e9), lang="en"
    )
    _check(ax)
    assert ax.get_ylabel() == "Amount (billion VND)"
    assert ax.patches[-1].get_height() == pytest.approx(38e9)


def test_money_formatter():
    assert plots.money_formatter(1_000_000_000)(12_500_000_000) == "12,5"
    assert plots.money_formatter(1_000_000_000, "en")(12_500_000_000) == "12.5"
    assert plots.money_formatter(1_000_000)(1_234_000_000) == "1.234"


def test_style_and_save(tmp_path, budget_table):
    import matplotlib as mpl

    before = mpl.rcParams["axes.grid"]
    with plots.khoan_style():
        assert mpl.rcParams["font.sans-serif"][0] == "DejaVu Sans"
    assert mpl.rcParams["axes.grid"] == before  # restored
    ax = plots.bar_stacked(budget_table.head(3).set_index("name"), ["salary_fund"])
    fig = ax.figure
    p1 = plots.save(ax, tmp_path / "a.png")
    assert p1.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not plt.fignum_exists(fig.number)
    ax = plots.bar_stacked(budget_table.head(3).set_index("name"), ["salary_fund"])
    p2 = plots.save(ax, tmp_path / "b.png")
    assert p1.read_bytes() == p2.read_bytes()  # no timestamp in the file
    assert sorted(f.name for f in tmp_path.iterdir()) == ["a.png", "b.png"]


def test_passed_axes_is_used(budget_table):
    _fig, ax = plt.subplots()
    out = plots.bar_compare(budget_table.head(3), ["total"], x="name", ax=ax)
    assert out is ax
    _check(out)
