"""The charts of the bundled models, checked as drawn figures and saved as PNGs.

Each test draws a chart, inspects the drawn Figure (titles, bars, legends, colours, line
order) and writes the PNG in a temporary folder (``save``), as a reader would get it.
"""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_hex
from matplotlib.transforms import Bbox

import khoan
from khoan.report import plots

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def kh2016():
    return khoan.examples.load("khanh_hoa_2016")


@pytest.fixture(scope="module")
def kh2026():
    return khoan.examples.load("khanh_hoa_2026")


@pytest.fixture(scope="module")
def budget2017(kh2016):
    return khoan.budget(kh2016, 2017)


@pytest.fixture(scope="module")
def alloc2017(kh2016, budget2017):
    return khoan.allocate(kh2016, 2017, int(budget2017.table["total"].sum()) * 102 // 100)


def _drawn(ax):
    fig = ax.figure
    fig.canvas.draw()
    return fig, fig.canvas.get_renderer()


def _inside(inner: Bbox, outer: Bbox, tol: float = 0.5) -> bool:
    return (
        inner.x0 >= outer.x0 - tol
        and inner.y0 >= outer.y0 - tol
        and inner.x1 <= outer.x1 + tol
        and inner.y1 <= outer.y1 + tol
    )


def _saved(ax, tmp_path, name):
    p = plots.save(ax, tmp_path / f"{name}.png")
    data = p.read_bytes()
    assert data[:8] == PNG and len(data) > 10_000
    return p


def _notes(ax):
    return [t.get_text() for t in ax.texts if t.get_gid() == "khoan-shown-note"]


def _legend_colors(ax) -> dict[str, str]:
    leg = ax.get_legend()
    out = {}
    for handle, txt in zip(leg.legend_handles, leg.get_texts(), strict=True):
        color = handle.get_facecolor() if hasattr(handle, "get_facecolor") else None
        if color is None or np.ndim(color) != 1:
            color = handle.get_color()
        out[txt.get_text()] = to_hex(color)
    return out


# -- the components chart: title, bars, legend ----------------------------------------------------
@pytest.mark.parametrize("top", [40, 5])
def test_components_chart_title_bars_and_legend_inside(budget2017, tmp_path, top):
    ax = budget2017.plot.components(top=top)
    fig, r = _drawn(ax)
    fig_box = fig.bbox
    axes_box = ax.get_window_extent(r)
    # the title (no longer carrying the note) and the note sit inside the figure
    assert ax.get_title() == "Kinh phí khoán 2017 theo thành phần"
    assert _inside(ax.title.get_window_extent(r), fig_box)
    note = [t for t in ax.texts if t.get_gid() == "khoan-shown-note"]
    assert [t.get_text() for t in note] == [f"{top} / 132 xã được hiển thị (kinh phí lớn nhất)"]
    assert _inside(note[0].get_window_extent(r), fig_box)
    # the note is between the axes and the title, overlapping neither
    assert note[0].get_window_extent(r).y0 >= axes_box.y1 - 0.5
    assert ax.title.get_window_extent(r).y0 >= note[0].get_window_extent(r).y1 - 0.5
    # every bar lies within the axes limits: the longest bar is not clipped
    x0, x1 = ax.get_xlim()
    y_lo, y_hi = sorted(ax.get_ylim())
    for p in ax.patches:
        assert x0 <= p.get_x() <= x1 and x0 <= p.get_x() + p.get_width() <= x1
        assert y_lo <= p.get_y() and p.get_y() + p.get_height() <= y_hi
    longest = budget2017.table["total"].max()
    assert x1 > longest * 1.01  # a margin after the longest bar
    # the first category (the largest commune) is the top bar
    assert (
        ax.get_yticklabels()[0].get_text() == budget2017.table.nlargest(1, "total")["name"].iloc[0]
    )
    # the legend is inside the figure and overlaps neither the axes nor the x-axis labels
    legend_box = ax.get_legend().get_window_extent(r)
    assert _inside(legend_box, fig_box)
    assert not legend_box.overlaps(axes_box)
    assert not legend_box.overlaps(ax.xaxis.get_tightbbox(r))
    _saved(ax, tmp_path, f"components_top{top}")


def test_components_of_all_communes_have_no_note(budget2017, tmp_path):
    ax = budget2017.plot.components(top=None, lang="en")
    assert _notes(ax) == []
    assert len(ax.get_yticklabels()) == 132
    _saved(ax, tmp_path, "components_all")


def test_a_component_has_one_colour_in_every_chart(budget2017, kh2016):
    full = _legend_colors(budget2017.plot.components())
    assert full["Quỹ lương, phụ cấp"] == plots.COLORS["salary_fund"].lower()
    # another chart with other components in another order: the same colour per component
    df = budget2017.table.set_index("name")
    ax = plots.bar_stacked(df, ["operating", "village_fund", "salary_fund"], horizontal=True)
    part = _legend_colors(ax)
    assert part == {k: full[k] for k in part}
    assert len(part) == 3
    # the settlement's components chart and a line chart agree too
    settle = khoan.settle(kh2016, 2017)
    assert _legend_colors(settle.plot.components()) == full
    line = plots.line(df.head(3).reset_index(drop=True), ["operating", "contributions"])
    assert _legend_colors(line) == {
        "Chi hoạt động (định mức)": full["Chi hoạt động (định mức)"],
        "Các khoản đóng góp": full["Các khoản đóng góp"],
    }
    # every component's colour is its own
    comps = [c for c in khoan.budget.COMPONENTS if c in plots.COLORS]
    assert len({plots.COLORS[c] for c in comps}) == len(comps) == 8


def test_unkeyed_columns_take_unused_colours():
    cols = ["salary_fund", "a", "b"]
    colors = plots.colors_for(cols)
    assert colors[0] == plots.COLORS["salary_fund"]
    assert len(set(colors)) == 3


# -- allocation ----------------------------------------------------------------------------------
def test_allocation_chart_says_30_of_132_communes(alloc2017, tmp_path):
    ax = alloc2017.plot.allocation_vs_target()
    assert _notes(ax) == ["30 / 132 xã được hiển thị (phân bổ lớn nhất)"]
    assert len(ax.get_yticklabels()) == 30
    fig, r = _drawn(ax)
    assert _inside(ax.title.get_window_extent(r), fig.bbox)
    assert not ax.get_legend().get_window_extent(r).overlaps(ax.get_window_extent(r))
    en = alloc2017.plot.allocation_vs_target(top=10, lang="en")
    assert _notes(en) == ["10 of 132 communes shown (largest allocations)"]
    assert _notes(alloc2017.plot.allocation_vs_target(top=None)) == []
    _saved(ax, tmp_path, "allocation_vs_target")


def test_corridor_lines_are_labelled(alloc2017, tmp_path):
    ax = alloc2017.plot.change()
    corridor = alloc2017.provenance["options"]["corridor"]
    assert corridor == pytest.approx(0.15)
    dashed = [ln for ln in ax.get_lines() if ln.get_linestyle() == "--"]
    assert sorted(ln.get_ydata()[0] for ln in dashed) == pytest.approx([-15.0, 15.0])
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "Hành lang ±15 %" in texts
    # the corridor is drawn above the bars
    assert min(ln.get_zorder() for ln in dashed) > max(p.get_zorder() for p in ax.patches)
    assert "Corridor ±15 %" in [
        t.get_text() for t in alloc2017.plot.change(lang="en").get_legend().get_texts()
    ]
    _saved(ax, tmp_path, "change")


def test_change_chart_without_corridor(kh2016, budget2017, tmp_path):
    envelope = int(budget2017.table["total"].sum()) * 102 // 100
    a = khoan.allocate(kh2016, 2017, envelope, corridor=False)
    assert "lower" not in a.table
    # last year's lump sums are still there (2016 budget), and the change is theirs
    last = khoan.budget(kh2016, 2016).table.set_index("code")["total"]
    assert a.table.set_index("code")["last"].equals(last.reindex(a.table["code"]))
    ax = a.plot.change()
    assert len(ax.patches) == 132
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert not any("±" in t for t in texts)
    _saved(ax, tmp_path, "change_no_corridor")


# -- scenarios -----------------------------------------------------------------------------------
def test_scenario_line_is_drawn_above_the_target_and_distinguishable(kh2016, tmp_path):
    s = khoan.simulate(kh2016, khoan.load_scenarios(kh2016.path)["nq39_10pct"])
    by = s.by_year
    target = by["base_headcount"] - by["target_reduction"]
    assert (by["headcount_end"] == target).any()  # the lines meet: one could hide the other
    ax = s.plot.headcount()
    lines = {ln.get_label(): ln for ln in ax.get_lines()}
    scen = lines["Số người cuối năm (kịch bản)"]
    tgt = lines["Số người theo chỉ tiêu"]
    base = lines["Số người cuối năm (gốc)"]
    assert scen.get_zorder() > tgt.get_zorder()
    assert scen.get_zorder() > base.get_zorder()
    # where they meet, the target is a wider, translucent band around the scenario's line
    assert tgt.get_linewidth() >= 3 * scen.get_linewidth()
    assert tgt.get_alpha() is not None and tgt.get_alpha() < 1
    assert to_hex(scen.get_color()) != to_hex(tgt.get_color())
    assert base.get_linestyle() == ":"
    _saved(ax, tmp_path, "headcount")
    for kind in ("waterfall", "cumulative"):
        _saved(getattr(s.plot, kind)(), tmp_path, kind)


def test_charts_of_the_2026_model(kh2026, tmp_path):
    b = khoan.budget(kh2026, 2027)
    ax = b.plot.components(top=5)
    fig, r = _drawn(ax)
    assert _notes(ax) == ["5 / 65 xã được hiển thị (kinh phí lớn nhất)"]
    assert _inside(ax.title.get_window_extent(r), fig.bbox)
    assert not ax.get_legend().get_window_extent(r).overlaps(ax.get_window_extent(r))
    _saved(ax, tmp_path, "components_2026")
    _saved(khoan.settle(kh2026, 2027).plot.uses(), tmp_path, "uses_2026")


# -- the user's matplotlib state -----------------------------------------------------------------
def _state():
    rc = {k: v for k, v in mpl.rcParams.items() if k != "backend"}
    return rc, mpl.get_backend(), mpl.is_interactive(), plt.get_fignums()


def test_khoan_charts_leave_the_matplotlib_state_alone(budget2017, alloc2017, tmp_path):
    rc, backend, interactive, figs = _state()
    axes = [
        budget2017.plot.components(),
        alloc2017.plot.allocation_vs_target(),
        alloc2017.plot.change(),
        plots.line(budget2017.table.head(3), ["operating", "contributions"]),
        plots.waterfall({"salary_fund": 5e9, "operating": 1e9}),
    ]
    plots.save(axes[0], tmp_path / "a.png")
    rc2, backend2, interactive2, _ = _state()
    assert rc2 == rc
    assert backend2 == backend
    assert interactive2 == interactive
    # the charts are pyplot figures (shown by Jupyter's inline backend), the saved one closed
    assert len(plt.get_fignums()) == len(figs) + 4


def test_khoan_style_restores_only_its_own_keys():
    """A backend activated inside the style (Jupyter's inline backend switches interactive mode
    on) keeps what it set: only the style's keys are put back."""
    before = mpl.is_interactive()
    grid = mpl.rcParams["axes.grid"]
    try:
        with plots.khoan_style():
            assert mpl.rcParams["font.sans-serif"][0] == "DejaVu Sans"
            mpl.interactive(not before)
        assert mpl.is_interactive() is (not before)
        assert mpl.rcParams["axes.grid"] == grid
    finally:
        mpl.interactive(before)
