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
headcount line has the same colour in every chart. The style, the colours and the helpers every
chart kind shares are in :mod:`khoan.report.plots_style` (its public names re-exported here).

    with khoan_style():          # the helpers apply it themselves; use it for your own charts
        ax = bar_stacked(result.table.set_index("name"), ["salary_fund", "contributions"])
    save(ax, "budget.png")
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter

from .fmt import number
from .labels import check_lang, label, text
from .plots_style import (
    COLORS,
    LINE_STYLES,
    PALETTE,
    STYLE,
    categories,
    category_axis_label,
    chart_columns,
    colors_for,
    khoan_style,
    money_formatter,
    number_formatter,
    numeric_values,
    outside_legend,
    save,
    series_name,
    shown_note,
    styled_axes,
    tick_labels,
    top_rows,
    value_axis,
    value_axis_label,
)

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

#: colours of a waterfall: rises, falls and the total
_POS, _NEG, _TOT = "#009E73", "#D55E00", "#0072B2"


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
    cols = chart_columns(df, columns, x)
    cats, name = categories(df, x, lang)
    width = 9.5 if horizontal and len(cols) > 1 else None
    with styled_axes(ax, len(cats), horizontal, width) as ax:
        vals = np.nan_to_num(numeric_values(df, cols))
        pos = np.arange(len(cats))
        pos_base = np.zeros(len(cats))
        neg_base = np.zeros(len(cats))
        for j, (c, color) in enumerate(zip(cols, colors_for(cols), strict=True)):
            v = vals[:, j]
            base = np.where(v >= 0, pos_base, neg_base)
            if horizontal:
                bars = ax.barh(pos, v, left=base, label=series_name(c, names, lang), color=color)
            else:
                bars = ax.bar(pos, v, bottom=base, label=series_name(c, names, lang), color=color)
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
    unit = value_axis(ax, values, money, lang, axis="x" if horizontal else "y")
    tick_labels(ax, pos, cats, horizontal)
    cat_text = xlabel or category_axis_label(name, lang)
    val_text = value_axis_label(ylabel, unit, cols, lang)
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
    cols = chart_columns(df, columns, x)
    cats, name = categories(df, x, lang)
    n = len(cats) * max(1, len(cols)) // 2
    with styled_axes(ax, n, horizontal) as ax:
        vals = numeric_values(df, cols)
        pos = np.arange(len(cats), dtype=float)
        k = max(1, len(cols))
        width = 0.8 / k
        for j, (c, color) in enumerate(zip(cols, colors_for(cols), strict=True)):
            offset = (j - (k - 1) / 2) * width
            v = np.nan_to_num(vals[:, j])
            if horizontal:
                ax.barh(
                    pos + offset, v, height=width, label=series_name(c, names, lang), color=color
                )
            else:
                ax.bar(pos + offset, v, width=width, label=series_name(c, names, lang), color=color)
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
            title or joiner.join(series_name(c, names, lang) for c in cols),
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
    cols = chart_columns(df, columns, x)
    with styled_axes(ax) as ax:
        xs = df.index.to_numpy() if x is None else df[x].to_numpy()
        name = df.index.name if x is None else x
        vals = numeric_values(df, cols)
        for j, (c, color) in enumerate(zip(cols, colors_for(cols), strict=True)):
            kw: dict[str, Any] = {"marker": "o" if markers else None, "color": color}
            kw.update(LINE_STYLES.get(str(c), {}))
            kw.update((styles or {}).get(c, {}))
            ax.plot(xs, vals[:, j], label=series_name(c, names, lang), **kw)
        if len(xs) and pd.api.types.is_integer_dtype(pd.Series(xs).dtype):
            ax.set_xticks(np.unique(xs))
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p=None: str(round(v))))
        unit = value_axis(ax, vals.ravel(), money, lang)
        finite = vals[np.isfinite(vals)]
        if zero_line and finite.size and finite.min() < 0 < finite.max():
            ax.axhline(0, color="#555555", linewidth=0.8)
        ax.set_xlabel(
            xlabel or (label(name, lang) if name is not None else text("Năm", "Year", lang))
        )
        ax.set_ylabel(value_axis_label(ylabel, unit, cols, lang))
        ax.set_title(
            title
            or ", ".join(series_name(c, names, lang) for c in cols)
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
    with styled_axes(ax) as ax:
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
        ax.yaxis.set_major_formatter(number_formatter(lang))
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
    with styled_axes(ax, len(names)) as ax:
        pos = np.arange(len(names))
        bars = ax.bar(pos, heights, bottom=bottoms, color=colors)
        for patch, b0 in zip(bars.patches, bottoms, strict=True):
            if b0 != 0:
                patch.sticky_edges.y.clear()
        tops = np.array(bottoms) + np.array(heights)
        for i in range(len(names) - 1):
            ax.plot([i + 0.4, i + 0.6], [tops[i], tops[i]], color="#777777", linewidth=0.8)
        unit = value_axis(ax, np.concatenate([np.array(bottoms), tops]), money, lang)
        tick_labels(ax, pos, names, False)
        ax.set_xlabel(xlabel or text("Thành phần", "Component", lang))
        ax.set_ylabel(value_axis_label(ylabel, unit, [], lang))
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
