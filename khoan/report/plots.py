"""Charts of results in one consistent style (matplotlib; works with the Agg backend).

Every helper returns the :class:`~matplotlib.axes.Axes` it drew on, with a title and labelled
axes (Vietnamese by default, ``lang="en"`` for English). Money is shown in millions of đồng
(triệu đồng) or, from 10 billion up, in billions (tỷ đồng), with the thousands separators of
the language. Nothing here calls ``plt.show()``; figures are created with ``pyplot`` (so that
Jupyter displays them without any ``%matplotlib`` magic) unless an ``ax`` is passed, and the
user's matplotlib state (backend, interactive mode, rcParams) is left as it was: the figure is
created before the khoan style is applied, and the style is undone key by key afterwards.
:func:`save` writes a PNG and closes it.

Colours are keyed by what they show (:data:`COLORS`, one place): a component, an amount or a
headcount line has the same colour in every chart.

    with khoan_style():          # the helpers apply it themselves; use it for your own charts
        ax = bar_stacked(result.table.set_index("name"), ["salary_fund", "contributions"])
    save(ax, "budget.png")
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from cycler import cycler
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter

from .._files import atomic_write_bytes, make_folder
from .fmt import money_unit, number
from .labels import category_label, check_lang, label, text

__all__ = [
    "COLORS",
    "LINE_STYLES",
    "PALETTE",
    "STYLE",
    "bar_compare",
    "bar_stacked",
    "change_bars",
    "colors_for",
    "khoan_style",
    "line",
    "money_formatter",
    "outside_legend",
    "save",
    "shown_note",
    "top_communes",
    "top_rows",
    "waterfall",
]

#: Okabe–Ito colours (distinguishable with colour-vision deficiencies), then greys
PALETTE = [
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#56B4E9",
    "#CC79A7",
    "#F0E442",
    "#000000",
    "#999999",
    "#882255",
    "#44AA99",
    "#117733",
]
_POS, _NEG, _TOT = "#009E73", "#D55E00", "#0072B2"

#: One colour per quantity, the same in every chart: a component of the lump sum keeps its
#: colour whichever components a chart shows. A column not listed takes the next colour of
#: :data:`PALETTE` that the chart does not use yet (:func:`colors_for`).
COLORS: dict[str, str] = {
    # components of the lump sum (khoan.lumpsum.COMPONENTS)
    "salary_fund": "#0072B2",
    "vacancy_fund": "#56B4E9",
    "contributions": "#E69F00",
    "nhdkct_fund": "#D55E00",
    "village_fund": "#009E73",
    "operating": "#CC79A7",
    "purchases_repairs": "#F0E442",
    "special_tasks": "#882255",
    # uses of the savings (khoan.settlement)
    "tntt": "#0072B2",
    "rewards": "#E69F00",
    "welfare": "#009E73",
    "reserve": "#999999",
    # allocation (khoan.allocate)
    "target": "#999999",
    "allocation": "#0072B2",
    "last": "#56B4E9",
    "change_pct": "#0072B2",
    "corridor": "#D55E00",
    # staff-reduction scenarios (khoan.simulate)
    "headcount_end": "#0072B2",
    "baseline_headcount_end": "#999999",
    "target_headcount": "#D55E00",
    "cumulative_net_savings": "#0072B2",
    "cumulative_state_net_savings": "#E69F00",
}

#: Line styles keyed like :data:`COLORS`: the scenario is drawn above the reference lines
#: (the baseline dotted; the target a wide translucent band), so that a scenario meeting its
#: target shows as its line inside the target's band.
LINE_STYLES: dict[str, dict[str, Any]] = {
    "headcount_end": {"zorder": 4, "linewidth": 2.0},
    "baseline_headcount_end": {"zorder": 3, "linestyle": ":", "linewidth": 1.6},
    "target_headcount": {
        "zorder": 2,
        "marker": None,
        "linewidth": 8.0,
        "alpha": 0.35,
        "solid_capstyle": "round",
    },
}


def colors_for(columns: Sequence[Any]) -> list[str]:
    """The colour of each column: :data:`COLORS` by code, else the unused colours of
    :data:`PALETTE` in order."""
    keyed = {COLORS[str(c)] for c in columns if str(c) in COLORS}
    free = [c for c in PALETTE if c not in keyed] or PALETTE
    out: list[str] = []
    i = 0
    for c in columns:
        if str(c) in COLORS:
            out.append(COLORS[str(c)])
        else:
            out.append(free[i % len(free)])
            i += 1
    return out


#: rcParams of the khoan style: DejaVu Sans (full Vietnamese glyph coverage), light grid
STYLE: dict[str, Any] = {
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Arial", "Liberation Sans"],
    "font.size": 10,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "axes.labelsize": 10,
    "axes.grid": True,
    "axes.grid.axis": "y",
    "axes.axisbelow": True,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": cycler(color=PALETTE),
    "axes.formatter.use_locale": False,
    "grid.color": "#d0d0d0",
    "grid.linestyle": "-",
    "grid.linewidth": 0.6,
    "legend.frameon": False,
    "legend.fontsize": 9,
    "figure.figsize": (8.0, 4.5),
    "figure.dpi": 100,
    "figure.constrained_layout.use": True,
    "savefig.dpi": 150,
    "savefig.facecolor": "white",
}


@contextmanager
def khoan_style() -> Iterator[None]:
    """Temporarily apply :data:`STYLE` (``with khoan_style(): ...``).

    Only the keys of :data:`STYLE` are set and restored: anything else that changes inside
    the block stays changed. (``matplotlib.rc_context`` restores every rcParam; when the
    first figure of a Jupyter session is made inside it, the inline backend switches
    interactive mode on inside the block, the context switches it off again, and no later
    figure — khoan's or the user's — is shown.)
    """
    old = {k: mpl.rcParams[k] for k in STYLE}
    mpl.rcParams.update(STYLE)
    try:
        yield
    finally:
        mpl.rcParams.update(old)


def money_formatter(divisor: int, lang: str = "vi") -> FuncFormatter:
    """Tick formatter showing đồng divided by ``divisor`` with the language's separators."""
    check_lang(lang)

    def fmt(v: float, _pos: Any = None) -> str:
        x = v / divisor
        decimals = (
            0 if abs(x - round(x)) < 1e-9 else (1 if abs(x * 10 - round(x * 10)) < 1e-9 else 2)
        )
        return number(x, decimals, lang)

    return FuncFormatter(fmt)


def _number_formatter(lang: str) -> FuncFormatter:
    def fmt(v: float, _pos: Any = None) -> str:
        decimals = 0 if abs(v - round(v)) < 1e-9 else 2
        return number(v, decimals, lang)

    return FuncFormatter(fmt)


# -- helpers ---------------------------------------------------------------------------------------
@contextmanager
def _styled_axes(
    ax: Axes | None,
    n_categories: int = 0,
    horizontal: bool = False,
    width: float | None = None,
) -> Iterator[Axes]:
    """The axes to draw on, inside :func:`khoan_style`.

    A new figure is created *before* the style is applied, so that a backend first resolved
    by it (Jupyter's inline backend) configures itself outside the style block.
    """
    fig = None
    if ax is None:
        w, h = STYLE["figure.figsize"]
        w = width or w
        if n_categories > 12:
            if horizontal:
                h = min(max(h, 0.22 * n_categories + 1.5), 40)
            else:
                w = min(max(w, 0.18 * n_categories + 2), 24)
        fig = plt.figure(figsize=(w, h), dpi=STYLE["figure.dpi"], layout="constrained")
    with khoan_style():
        if fig is not None:
            ax = fig.add_subplot()
        assert ax is not None
        yield ax


def outside_legend(ax: Axes, **kwargs: Any) -> Any:
    """Legend outside the plotting area, to its right (the constrained layout makes room);
    entries longer than 30 characters are wrapped so that the plot keeps its width."""
    leg = ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, **kwargs)
    for t in leg.get_texts():
        if len(t.get_text()) > 30:
            t.set_text(textwrap.fill(t.get_text(), 30))
    return leg


def shown_note(ax: Axes, shown: int, total: int, lang: str = "vi", detail: str = "") -> None:
    """Say under the title how many communes a chart shows: ``30 / 132 xã được hiển thị``.

    Nothing is written when every commune is shown. ``detail`` (e.g. "largest first") is
    added in brackets.
    """
    if shown >= total:
        return
    a, b = number(shown, 0, lang), number(total, 0, lang)
    note = text(f"{a} / {b} xã được hiển thị", f"{a} of {b} communes shown", lang)
    if detail:
        note += f" ({detail})"
    with khoan_style():
        ax.set_title(ax.get_title(), pad=22)
        _annotate_note(ax, note)


def _annotate_note(ax: Axes, note: str) -> None:
    ax.annotate(
        note,
        xy=(0.5, 1.0),
        xycoords="axes fraction",
        xytext=(0, 5),
        textcoords="offset points",
        ha="center",
        va="bottom",
        fontsize=9,
        color="#444444",
        gid="khoan-shown-note",
    )


def top_rows(table: pd.DataFrame, by: str, top: int | None) -> tuple[pd.DataFrame, int]:
    """The ``top`` rows of ``table`` with the largest ``by`` (all when None), largest first
    (ties in table order), and the number of rows of ``table``."""
    t = table.sort_values(by, ascending=False, kind="stable")
    return (t if top is None else t.head(top)), len(table)


def _categories(df: pd.DataFrame, x: str | None, lang: str) -> tuple[list[str], str | None]:
    """Tick labels (category codes labelled) and the name of the category axis."""
    if x is None:
        keys = list(df.index)
        name = df.index.name
    else:
        keys = list(df[x])
        name = x
    col = name if isinstance(name, str) else ""
    return [str(category_label(col, k, lang)) for k in keys], name


def _cat_label(name: Any, lang: str) -> str:
    return label(name, lang) if name is not None else text("Hạng mục", "Item", lang)


def _value_axis(ax: Axes, values: np.ndarray, money: bool, lang: str, axis: str = "y") -> str:
    """Install the tick formatter on the value axis and return its unit text."""
    target = ax.yaxis if axis == "y" else ax.xaxis
    if money:
        finite = values[np.isfinite(values)] if values.size else values
        max_abs = float(np.max(np.abs(finite))) if finite.size else 0.0
        divisor, unit = money_unit(max_abs, lang)
        target.set_major_formatter(money_formatter(divisor, lang))
        return unit
    target.set_major_formatter(_number_formatter(lang))
    return ""


def _value_label(ylabel: str | None, unit: str, columns: Sequence[Any], lang: str) -> str:
    if ylabel:
        return ylabel
    if unit:
        return f"{text('Số tiền', 'Amount', lang)} ({unit})"
    if len(columns) == 1:
        return label(columns[0], lang)
    return text("Giá trị", "Value", lang)


def _tick_labels(ax: Axes, pos: np.ndarray, labels: list[str], horizontal: bool) -> None:
    # the category axis spans the bars exactly (half a slot each side), first category on top
    lo, hi = (float(pos.min()) - 0.6, float(pos.max()) + 0.6) if len(pos) else (-0.6, 0.6)
    if horizontal:
        ax.set_yticks(pos, labels)
        if len(labels) > 40:
            ax.tick_params(axis="y", labelsize=7)
        ax.set_ylim(hi, lo)
        return
    ax.set_xlim(lo, hi)
    ax.set_xticks(pos, labels)
    longest = max((len(s) for s in labels), default=0)
    if len(labels) > 20:
        ax.tick_params(axis="x", labelrotation=90, labelsize=7 if len(labels) > 40 else 8)
    elif len(labels) > 6 or longest * len(labels) > 60:
        for t in ax.get_xticklabels():
            t.set_rotation(30)
            t.set_horizontalalignment("right")
            t.set_rotation_mode("anchor")


def _numeric(df: pd.DataFrame, columns: Sequence[Any]) -> np.ndarray:
    return (
        np.column_stack(
            [pd.to_numeric(df[c], errors="coerce").astype("float64").to_numpy() for c in columns]
        )
        if columns
        else np.zeros((len(df), 0))
    )


def _columns(df: pd.DataFrame, columns: Sequence[Any] | None, x: str | None) -> list[Any]:
    if columns is not None:
        return list(columns)
    return [
        c
        for c in df.columns
        if c != x
        and c != "total"
        and pd.api.types.is_numeric_dtype(df[c].dtype)
        and not pd.api.types.is_bool_dtype(df[c].dtype)
    ]


# -- charts ----------------------------------------------------------------------------------------
def _name(c: Any, names: Mapping[Any, str] | None, lang: str) -> str:
    return names[c] if names and c in names else label(c, lang)


def bar_stacked(
    df: pd.DataFrame,
    columns: Sequence[Any] | None = None,
    *,
    x: str | None = None,
    title: str | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    lang: str = "vi",
    money: bool = True,
    horizontal: bool = False,
    names: Mapping[Any, str] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Stacked bars: one bar per row (category ``x`` or the index), one segment per column.

    ``columns`` default to every numeric column except ``total`` (e.g. the lump-sum components
    of a budget table). Negative parts stack below zero. Each column has its colour of
    :data:`COLORS`; ``names`` overrides the legend text of a column.
    """
    check_lang(lang)
    cols = _columns(df, columns, x)
    cats, name = _categories(df, x, lang)
    width = 9.5 if horizontal and len(cols) > 1 else None
    with _styled_axes(ax, len(cats), horizontal, width) as ax:
        vals = np.nan_to_num(_numeric(df, cols))
        pos = np.arange(len(cats))
        pos_base = np.zeros(len(cats))
        neg_base = np.zeros(len(cats))
        for j, (c, color) in enumerate(zip(cols, colors_for(cols), strict=True)):
            v = vals[:, j]
            base = np.where(v >= 0, pos_base, neg_base)
            if horizontal:
                bars = ax.barh(pos, v, left=base, label=_name(c, names, lang), color=color)
            else:
                bars = ax.bar(pos, v, bottom=base, label=_name(c, names, lang), color=color)
            # only zero is a sticky edge: the end of a segment stacked on others (an empty last
            # segment sits at the bar's total) would stop the margin and clip the longest bar
            for patch, b0 in zip(bars.patches, base, strict=True):
                if b0 != 0:
                    (patch.sticky_edges.x if horizontal else patch.sticky_edges.y).clear()
            pos_base += np.where(v >= 0, v, 0)
            neg_base += np.where(v < 0, v, 0)
        stacked = np.concatenate([pos_base, neg_base])
        default = text("Cơ cấu theo thành phần", "Breakdown by component", lang)
        _finish_bars(
            ax,
            stacked,
            pos,
            cats,
            name,
            cols,
            money,
            lang,
            horizontal,
            xlabel,
            ylabel,
            title or default,
        )
    return ax


def _finish_bars(
    ax, values, pos, cats, name, cols, money, lang, horizontal, xlabel, ylabel, title
) -> None:
    """Value axis, category ticks, axis labels, title and legend of a bar chart."""
    unit = _value_axis(ax, values, money, lang, axis="x" if horizontal else "y")
    _tick_labels(ax, pos, cats, horizontal)
    cat_text = xlabel or _cat_label(name, lang)
    val_text = _value_label(ylabel, unit, cols, lang)
    if horizontal:
        ax.set_ylabel(cat_text)
        ax.set_xlabel(val_text)
        ax.grid(axis="x", visible=True)
        ax.grid(axis="y", visible=False)
    else:
        ax.set_xlabel(cat_text)
        ax.set_ylabel(val_text)
    ax.set_title(title)
    if len(cols) > 1:
        outside_legend(ax)


def bar_compare(
    df: pd.DataFrame,
    columns: Sequence[Any] | None = None,
    *,
    x: str | None = None,
    title: str | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    lang: str = "vi",
    money: bool = True,
    horizontal: bool = False,
    names: Mapping[Any, str] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Grouped bars comparing ``columns`` side by side for each row (e.g. target vs allocation
    per commune, or one scenario's figures against another's)."""
    check_lang(lang)
    cols = _columns(df, columns, x)
    cats, name = _categories(df, x, lang)
    n = len(cats) * max(1, len(cols)) // 2
    with _styled_axes(ax, n, horizontal) as ax:
        vals = _numeric(df, cols)
        pos = np.arange(len(cats), dtype=float)
        k = max(1, len(cols))
        width = 0.8 / k
        for j, (c, color) in enumerate(zip(cols, colors_for(cols), strict=True)):
            offset = (j - (k - 1) / 2) * width
            v = np.nan_to_num(vals[:, j])
            if horizontal:
                ax.barh(pos + offset, v, height=width, label=_name(c, names, lang), color=color)
            else:
                ax.bar(pos + offset, v, width=width, label=_name(c, names, lang), color=color)
        joiner = text(" so với ", " vs ", lang)
        _finish_bars(
            ax,
            vals.ravel(),
            pos,
            cats,
            name,
            cols,
            money,
            lang,
            horizontal,
            xlabel,
            ylabel,
            title or joiner.join(_name(c, names, lang) for c in cols),
        )
    return ax


def line(
    df: pd.DataFrame,
    columns: Sequence[Any] | None = None,
    *,
    x: str | None = None,
    title: str | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    lang: str = "vi",
    money: bool = True,
    markers: bool = True,
    zero_line: bool = True,
    names: Mapping[Any, str] | None = None,
    styles: Mapping[Any, Mapping[str, Any]] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Lines over ``x`` (a column, or the index — typically the year), one per column.

    Integer x values (years) get integer ticks; a zero line is drawn when values change sign
    (cumulative net savings crossing zero in the payback year). Colours and line styles are
    keyed by column (:data:`COLORS`, :data:`LINE_STYLES`; ``styles`` adds to them), legend
    texts are the columns' labels or ``names``.
    """
    check_lang(lang)
    cols = _columns(df, columns, x)
    with _styled_axes(ax) as ax:
        xs = df.index.to_numpy() if x is None else df[x].to_numpy()
        name = df.index.name if x is None else x
        vals = _numeric(df, cols)
        for j, (c, color) in enumerate(zip(cols, colors_for(cols), strict=True)):
            kw: dict[str, Any] = {"marker": "o" if markers else None, "color": color}
            kw.update(LINE_STYLES.get(str(c), {}))
            kw.update((styles or {}).get(c, {}))
            ax.plot(xs, vals[:, j], label=_name(c, names, lang), **kw)
        if len(xs) and pd.api.types.is_integer_dtype(pd.Series(xs).dtype):
            ax.set_xticks(np.unique(xs))
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p=None: str(round(v))))
        unit = _value_axis(ax, vals.ravel(), money, lang)
        finite = vals[np.isfinite(vals)]
        if zero_line and finite.size and finite.min() < 0 < finite.max():
            ax.axhline(0, color="#555555", linewidth=0.8)
        ax.set_xlabel(
            xlabel or (label(name, lang) if name is not None else text("Năm", "Year", lang))
        )
        ax.set_ylabel(_value_label(ylabel, unit, cols, lang))
        ax.set_title(
            title
            or ", ".join(_name(c, names, lang) for c in cols)
            or text("Diễn biến", "Trend", lang)
        )
        if len(cols) > 1:
            outside_legend(ax)
    return ax


def change_bars(
    change_pct: pd.Series | np.ndarray,
    *,
    corridor: float | None = None,
    title: str | None = None,
    xlabel: str | None = None,
    lang: str = "vi",
    ax: Axes | None = None,
) -> Axes:
    """Change against last year (%) of every commune, sorted, one bar each, with the
    stability corridor ``±corridor`` (a share, e.g. 0.15) as labelled dashed lines.

    Communes without a last-year amount (NaN) are left out; the bars are drawn below the
    corridor lines.
    """
    check_lang(lang)
    s = pd.Series(np.asarray(change_pct, dtype="float64")).dropna().sort_values().to_numpy()
    with _styled_axes(ax) as ax:
        ax.bar(
            np.arange(1, len(s) + 1),
            s,
            width=1.0,
            color=COLORS["change_pct"],
            label=text("Thay đổi của xã", "Change of a commune", lang),
            zorder=2,
        )
        if corridor is not None:
            pct = number(100 * corridor, 0 if float(100 * corridor).is_integer() else 1, lang)
            corr_label = text(f"Hành lang ±{pct} %", f"Corridor ±{pct} %", lang)
            for k, v in enumerate((-100 * corridor, 100 * corridor)):
                ax.axhline(
                    v,
                    color=COLORS["corridor"],
                    linestyle="--",
                    linewidth=1.2,
                    zorder=3,
                    label=corr_label if k == 0 else None,
                )
        ax.axhline(0, color="#555555", linewidth=0.8, zorder=2.5)
        ax.yaxis.set_major_formatter(_number_formatter(lang))
        ax.set_title(
            title or text("Thay đổi so với năm trước (%)", "Change vs last year (%)", lang)
        )
        ax.set_xlabel(
            xlabel
            or text(
                "Xã, phường, thị trấn (xếp theo mức thay đổi)", "Communes (sorted by change)", lang
            )
        )
        ax.set_ylabel(text("Thay đổi (%)", "Change (%)", lang))
        outside_legend(ax)
    return ax


def waterfall(
    steps: pd.Series | Mapping[Any, float],
    *,
    start: tuple[str, float] | None = None,
    total_label: str | None = None,
    title: str | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    lang: str = "vi",
    money: bool = True,
    ax: Axes | None = None,
) -> Axes:
    """Waterfall: an optional starting bar, one floating bar per step (rises green, falls
    red), and the end total.

    ``steps`` maps a name (labelled: ``salary_fund`` -> ``Quỹ lương, phụ cấp``) to an amount,
    e.g. the components of a lump sum (then the end bar is the total), or the changes from last
    year's allocation with ``start=("last_allocation", amount)``.
    """
    check_lang(lang)
    s = (
        pd.Series(steps, dtype="float64")
        if not isinstance(steps, pd.Series)
        else steps.astype(float)
    )
    names: list[str] = []
    bottoms: list[float] = []
    heights: list[float] = []
    colors: list[str] = []
    level = 0.0
    if start is not None:
        names.append(label(start[0], lang))
        bottoms.append(0.0)
        heights.append(float(start[1]))
        colors.append("#999999")
        level = float(start[1])
    for k, v in s.items():
        v = 0.0 if np.isnan(v) else float(v)
        names.append(label(k, lang))
        bottoms.append(level)
        heights.append(v)
        colors.append(_POS if v >= 0 else _NEG)
        level += v
    names.append(total_label or label("total", lang))
    bottoms.append(0.0)
    heights.append(level)
    colors.append(_TOT)
    with _styled_axes(ax, len(names)) as ax:
        pos = np.arange(len(names))
        bars = ax.bar(pos, heights, bottom=bottoms, color=colors)
        for patch, b0 in zip(bars.patches, bottoms, strict=True):
            if b0 != 0:
                patch.sticky_edges.y.clear()
        tops = np.array(bottoms) + np.array(heights)
        for i in range(len(names) - 1):
            ax.plot([i + 0.4, i + 0.6], [tops[i], tops[i]], color="#777777", linewidth=0.8)
        unit = _value_axis(ax, np.concatenate([np.array(bottoms), tops]), money, lang)
        _tick_labels(ax, pos, names, False)
        ax.set_xlabel(xlabel or text("Thành phần", "Component", lang))
        ax.set_ylabel(_value_label(ylabel, unit, [], lang))
        default = (
            text("Phân tích chênh lệch", "Change analysis", lang)
            if start is not None
            else text("Các thành phần cấu thành tổng", "From components to total", lang)
        )
        ax.set_title(title or default)
    return ax


def top_communes(
    table: pd.DataFrame,
    parts: Sequence[str],
    *,
    by: str,
    top: int | None,
    title: str,
    detail: str = "",
    lang: str = "vi",
    ax: Axes | None = None,
) -> Axes:
    """Horizontal stacked bars of ``parts`` for the ``top`` communes with the largest ``by``
    (all when None), largest first, with a note "40 / 132 xã được hiển thị" when some are
    left out. Used by the budget's and the settlement's charts.

    Parameters
    ----------
    table : DataFrame
        One row per commune with ``name``, ``by`` and ``parts`` (VND/year).
    detail : str
        How the communes shown were chosen (e.g. "kinh phí lớn nhất"), added to the note.
    """
    t, n_all = top_rows(table, by, top)
    ax = bar_stacked(
        t.set_index("name")[list(parts)],
        list(parts),
        title=title,
        xlabel=text("Đơn vị cấp xã", "Commune", lang),
        lang=lang,
        horizontal=True,
        ax=ax,
    )
    shown_note(ax, len(t), n_all, lang, detail)
    return ax


def save(ax: Axes, path: str | Path, *, dpi: int = 150, close: bool = True) -> Path:
    """Write the figure of ``ax`` as PNG (atomically, without a timestamp) and close it."""
    p = Path(path)
    make_folder(p.parent)
    fig = ax.figure
    buf = io.BytesIO()
    try:
        with khoan_style():
            fmt = p.suffix.lstrip(".").lower() or "png"
            meta = {"Software": None} if fmt == "png" else None
            # "tight": nothing drawn outside the figure (a legend at the right) is cut off
            fig.savefig(
                buf, format=fmt, dpi=dpi, metadata=meta, bbox_inches="tight", pad_inches=0.1
            )
    finally:
        if close:
            plt.close(fig)
    return atomic_write_bytes(p, buf.getvalue())
