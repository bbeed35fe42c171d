"""Charts of results in one consistent style (matplotlib; works with the Agg backend).

Every helper returns the :class:`~matplotlib.axes.Axes` it drew on, with a title and labelled
axes (Vietnamese by default, ``lang="en"`` for English). Money is shown in millions of đồng
(triệu đồng) or, from 10 billion up, in billions (tỷ đồng), with the thousands separators of
the language. Nothing here calls ``plt.show()``; figures are created with ``pyplot`` (so that
Jupyter displays them) unless an ``ax`` is passed. :func:`save` writes a PNG and closes it.

    with khoan_style():          # the helpers apply it themselves; use it for your own charts
        ax = bar_stacked(result.table.set_index("name"), ["salary_fund", "contributions"])
    save(ax, "budget.png")
"""

from __future__ import annotations

import io
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
    "PALETTE",
    "STYLE",
    "bar_compare",
    "bar_stacked",
    "khoan_style",
    "line",
    "money_formatter",
    "save",
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

    The backend is resolved before the style context is entered: resolving it inside the
    context (the first figure of a Jupyter session) would switch interactive mode off again
    when the context is left, and later figures would not be shown.
    """
    mpl.get_backend()
    with mpl.rc_context(STYLE):
        yield


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
def _new_axes(ax: Axes | None, n_categories: int = 0, horizontal: bool = False) -> Axes:
    if ax is not None:
        return ax
    w, h = STYLE["figure.figsize"]
    if n_categories > 12:
        if horizontal:
            h = min(max(h, 0.22 * n_categories + 1.5), 40)
        else:
            w = min(max(w, 0.18 * n_categories + 2), 24)
    _fig, ax = plt.subplots(figsize=(w, h))
    return ax


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
    if horizontal:
        ax.set_yticks(pos, labels)
        if len(labels) > 40:
            ax.tick_params(axis="y", labelsize=7)
        ax.invert_yaxis()
        return
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
    ax: Axes | None = None,
) -> Axes:
    """Stacked bars: one bar per row (category ``x`` or the index), one segment per column.

    ``columns`` default to every numeric column except ``total`` (e.g. the lump-sum components
    of a budget table). Negative parts stack below zero.
    """
    check_lang(lang)
    cols = _columns(df, columns, x)
    with khoan_style():
        cats, name = _categories(df, x, lang)
        ax = _new_axes(ax, len(cats), horizontal)
        vals = np.nan_to_num(_numeric(df, cols))
        pos = np.arange(len(cats))
        pos_base = np.zeros(len(cats))
        neg_base = np.zeros(len(cats))
        for j, c in enumerate(cols):
            v = vals[:, j]
            base = np.where(v >= 0, pos_base, neg_base)
            color = PALETTE[j % len(PALETTE)]
            if horizontal:
                ax.barh(pos, v, left=base, label=label(c, lang), color=color)
            else:
                ax.bar(pos, v, bottom=base, label=label(c, lang), color=color)
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
        ax.legend(loc="best")


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
    ax: Axes | None = None,
) -> Axes:
    """Grouped bars comparing ``columns`` side by side for each row (e.g. target vs allocation
    per commune, or one scenario's figures against another's)."""
    check_lang(lang)
    cols = _columns(df, columns, x)
    with khoan_style():
        cats, name = _categories(df, x, lang)
        ax = _new_axes(ax, len(cats) * max(1, len(cols)) // 2, horizontal)
        vals = _numeric(df, cols)
        pos = np.arange(len(cats), dtype=float)
        k = max(1, len(cols))
        width = 0.8 / k
        for j, c in enumerate(cols):
            offset = (j - (k - 1) / 2) * width
            color = PALETTE[j % len(PALETTE)]
            if horizontal:
                ax.barh(
                    pos + offset,
                    np.nan_to_num(vals[:, j]),
                    height=width,
                    label=label(c, lang),
                    color=color,
                )
            else:
                ax.bar(
                    pos + offset,
                    np.nan_to_num(vals[:, j]),
                    width=width,
                    label=label(c, lang),
                    color=color,
                )
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
            title or joiner.join(label(c, lang) for c in cols),
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
    ax: Axes | None = None,
) -> Axes:
    """Lines over ``x`` (a column, or the index — typically the year), one per column.

    Integer x values (years) get integer ticks; a zero line is drawn when values change sign
    (cumulative net savings crossing zero in the payback year).
    """
    check_lang(lang)
    cols = _columns(df, columns, x)
    with khoan_style():
        ax = _new_axes(ax)
        xs = df.index.to_numpy() if x is None else df[x].to_numpy()
        name = df.index.name if x is None else x
        vals = _numeric(df, cols)
        for j, c in enumerate(cols):
            ax.plot(
                xs,
                vals[:, j],
                marker="o" if markers else None,
                label=label(c, lang),
                color=PALETTE[j % len(PALETTE)],
            )
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
            title or ", ".join(label(c, lang) for c in cols) or text("Diễn biến", "Trend", lang)
        )
        if len(cols) > 1:
            ax.legend(loc="best")
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
    with khoan_style():
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
        ax = _new_axes(ax, len(names))
        pos = np.arange(len(names))
        ax.bar(pos, heights, bottom=bottoms, color=colors)
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
            fig.savefig(buf, format=fmt, dpi=dpi, metadata=meta)
    finally:
        if close:
            plt.close(fig)
    return atomic_write_bytes(p, buf.getvalue())
