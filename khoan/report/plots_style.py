"""The style of khoan's charts and what every chart kind shares: the palette and the colours
keyed by quantity (:data:`COLORS`), line styles, the rcParams (:data:`STYLE`,
:func:`khoan_style`), tick formatters, the axes a chart draws on, category and value axes,
legends and notes, and :func:`save`.

The chart kinds themselves (``bar_stacked``, ``line``, ``waterfall``...) are in
:mod:`khoan.report.plots`, which re-exports the public names here.
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
    "categories",
    "category_axis_label",
    "chart_columns",
    "colors_for",
    "khoan_style",
    "money_formatter",
    "number_formatter",
    "numeric_values",
    "outside_legend",
    "save",
    "series_name",
    "shown_note",
    "styled_axes",
    "tick_labels",
    "top_rows",
    "value_axis",
    "value_axis_label",
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


def number_formatter(lang: str) -> FuncFormatter:
    """Tick formatter for plain numbers: whole numbers without decimals, else two."""

    def fmt(v: float, _pos: Any = None) -> str:
        decimals = 0 if abs(v - round(v)) < 1e-9 else 2
        return number(v, decimals, lang)

    return FuncFormatter(fmt)


# -- helpers shared by the chart kinds ----------------------------------------------------------
@contextmanager
def styled_axes(
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


def categories(df: pd.DataFrame, x: str | None, lang: str) -> tuple[list[str], str | None]:
    """Tick labels (category codes labelled) and the name of the category axis."""
    if x is None:
        keys = list(df.index)
        name = df.index.name
    else:
        keys = list(df[x])
        name = x
    col = name if isinstance(name, str) else ""
    return [str(category_label(col, k, lang)) for k in keys], name


def category_axis_label(name: Any, lang: str) -> str:
    """Label of the category axis: the label of ``name``, else "Hạng mục" (Item)."""
    return label(name, lang) if name is not None else text("Hạng mục", "Item", lang)


def value_axis(ax: Axes, values: np.ndarray, money: bool, lang: str, axis: str = "y") -> str:
    """Install the tick formatter on the value axis and return its unit text."""
    target = ax.yaxis if axis == "y" else ax.xaxis
    if money:
        finite = values[np.isfinite(values)] if values.size else values
        max_abs = float(np.max(np.abs(finite))) if finite.size else 0.0
        divisor, unit = money_unit(max_abs, lang)
        target.set_major_formatter(money_formatter(divisor, lang))
        return unit
    target.set_major_formatter(number_formatter(lang))
    return ""


def value_axis_label(ylabel: str | None, unit: str, columns: Sequence[Any], lang: str) -> str:
    """Label of the value axis: ``ylabel``, else the amount in ``unit``, else the label of
    the one column shown, else "Giá trị" (Value)."""
    if ylabel:
        return ylabel
    if unit:
        return f"{text('Số tiền', 'Amount', lang)} ({unit})"
    if len(columns) == 1:
        return label(columns[0], lang)
    return text("Giá trị", "Value", lang)


def tick_labels(ax: Axes, pos: np.ndarray, labels: list[str], horizontal: bool) -> None:
    """Category ticks at ``pos``, rotated or shrunk when there are many or long labels."""
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


def numeric_values(df: pd.DataFrame, columns: Sequence[Any]) -> np.ndarray:
    """``columns`` of ``df`` as a float array (rows × columns), non-numbers as NaN."""
    return (
        np.column_stack(
            [pd.to_numeric(df[c], errors="coerce").astype("float64").to_numpy() for c in columns]
        )
        if columns
        else np.zeros((len(df), 0))
    )


def chart_columns(df: pd.DataFrame, columns: Sequence[Any] | None, x: str | None) -> list[Any]:
    """The columns to draw: ``columns``, else every numeric column but ``x`` and ``total``."""
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


def series_name(c: Any, names: Mapping[Any, str] | None, lang: str) -> str:
    """Legend text of column ``c``: ``names[c]`` if given, else its label."""
    return names[c] if names and c in names else label(c, lang)


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
