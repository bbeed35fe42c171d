"""HTML views of results and models for Jupyter (``_repr_html_``), compact like pandas'.

``html_repr(title, summary, table)`` renders the headline figures and the result table: long
tables are cut to their first and last rows with a "… 122 dòng …" row between, and a bold
totals row sums the additive columns (money and counts) over *every* row, exactly (int64).
:func:`model_html` is the view of a :class:`khoan.Model`: counts as small tables and the
province's parameters with their references (no raw dicts). Numbers go through
:mod:`khoan.report.fmt` in the chosen language (``1.234.567`` / ``1,234,567``). Every piece of
text (titles, keys, cells, headers) is HTML-escaped. One style sheet for all views.
"""

from __future__ import annotations

import datetime as _dt
import html as _html
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import KhoanError
from .fmt import number, vnd
from .labels import (
    ADDITIVE_COLUMNS,
    STOCK_COLUMNS,
    category_label,
    check_lang,
    is_money,
    label,
    relabel_values,
    text,
)

__all__ = ["html_repr", "model_html"]

_STYLE = (
    "<style>"
    ".khoan-result{font-size:90%}"
    ".khoan-result h4{margin:4px 0}"
    ".khoan-result table{border-collapse:collapse;margin:4px 0 8px 0}"
    ".khoan-result th,.khoan-result td{padding:2px 8px;border-bottom:1px solid #ddd;"
    "text-align:left;vertical-align:top}"
    ".khoan-result td.num{text-align:right;font-variant-numeric:tabular-nums}"
    ".khoan-result thead th,.khoan-result caption{background:#eef3f8}"
    ".khoan-result caption{text-align:left;font-weight:bold;padding:2px 8px}"
    ".khoan-result tr.total td{font-weight:bold;border-top:2px solid #999}"
    ".khoan-result tr.gap td{text-align:center;color:#666}"
    ".khoan-result small{color:#555}"
    "</style>"
)
_GAP = "\u2026 "  # the column standing for the columns left out
_PLAIN_INT = frozenset({"year", "class", "step", "payback_year", "month", "base_year"})


def _esc(v: Any) -> str:
    return _html.escape(str(v), quote=True)


def _cell(v: Any, money: bool, plain: bool, lang: str) -> tuple[str, bool]:
    """Formatted text of a value and whether it is numeric (right-aligned)."""
    if v is None or v is pd.NA or v is pd.NaT:
        return "", False
    if isinstance(v, bool | np.bool_):
        return text("có", "yes", lang) if v else text("không", "no", lang), False
    if isinstance(v, float | np.floating) and np.isnan(v):
        return "", False
    if money and isinstance(v, int | float | np.integer | np.floating):
        return vnd(v, lang), True
    if isinstance(v, int | np.integer):
        return (str(int(v)) if plain else number(int(v), 0, lang)), True
    if isinstance(v, float | np.floating):
        f = float(v)
        decimals = 0 if abs(f) >= 1000 else (2 if abs(f) >= 1 else 3)
        return number(f, decimals, lang), True
    if isinstance(v, pd.Timestamp | _dt.datetime | _dt.date):
        d = pd.Timestamp(v)
        return (d.strftime("%d/%m/%Y") if lang == "vi" else d.strftime("%Y-%m-%d")), False
    return str(v), False


def _value(v: Any, lang: str, money: bool = False, plain: bool = False) -> tuple[str, bool]:
    """Like :func:`_cell`, and a dict or list as short text (``8 mục: a, b, c, …``)."""
    if isinstance(v, Mapping):
        keys = [str(k) for k in v]
        head = ", ".join(keys[:3]) + (", …" if len(keys) > 3 else "")
        return text(f"{len(keys)} mục: {head}", f"{len(keys)} items: {head}", lang), False
    if isinstance(v, list | tuple) and not isinstance(v, str):
        if all(isinstance(x, int | float | np.integer | np.floating) for x in v):
            return "; ".join(_cell(x, money, plain, lang)[0] for x in v), False
        return "; ".join(str(x) for x in v), False
    return _cell(v, money, plain, lang)


def _summary_money(key: str, v: Any) -> bool:
    return (
        isinstance(v, int | np.integer)
        and not isinstance(v, bool)
        and key not in _PLAIN_INT
        and not key.endswith("_year")
        and not any(
            c in key
            for c in (
                "headcount",
                "leavers",
                "retirements",
                "hires",
                "posts",
                "communes",
                "reduction",
                "scenarios",
                "staff",
            )
        )
    )


def _summary_rows(summary: Mapping[str, Any], lang: str) -> str:
    rows = []
    for k, v in summary.items():
        key = str(k)
        if isinstance(v, Mapping):
            col = key.removeprefix("by_")  # by_type -> the codes of the column "type"
            inner = "".join(
                f"<tr><td>{_esc(category_label(col, a, lang))}</td>"
                f'<td class="num">{_esc(_value(b, lang)[0])}</td></tr>'
                for a, b in v.items()
            )
            shown = f"<table>{inner}</table>"
            rows.append(f"<tr><th>{_esc(label(key, lang))}</th><td>{shown}</td></tr>")
            continue
        plain = key in _PLAIN_INT or key.endswith("_year")
        text_, num = _value(v, lang, _summary_money(key, v), plain)
        cls = ' class="num"' if num else ""
        rows.append(f"<tr><th>{_esc(label(key, lang))}</th><td{cls}>{_esc(text_)}</td></tr>")
    return "".join(rows)


def _total_columns(df: pd.DataFrame, totals: bool | Sequence[Any] | None) -> list[Any]:
    """Columns the totals row sums: the additive ones (money and counts; over years, not the
    stocks and running totals), or those given."""
    if totals is None or totals is False:
        return []
    if totals is True:
        by_year = "year" in df.columns and df["year"].is_unique and len(df) > 1
        skip = STOCK_COLUMNS if by_year else frozenset()
        return [
            c
            for c in df.columns
            if c in ADDITIVE_COLUMNS
            and c not in skip
            and pd.api.types.is_numeric_dtype(df[c].dtype)
            and not pd.api.types.is_bool_dtype(df[c].dtype)
        ]
    return [c for c in totals if c in df.columns]


def _table_html(
    df: pd.DataFrame,
    lang: str,
    *,
    n: int,
    money: set[Any],
    totals: bool | Sequence[Any] | None = True,
    caption: str | None = None,
    max_cols: int = 20,
) -> tuple[str, int]:
    """A table cut like pandas' (first and last rows, "… N dòng …" between) with a totals row
    over every row. Returns the HTML and the number of rows left out."""
    all_cols = list(df.columns)
    if len(all_cols) > max_cols:  # like pandas: first and last columns, "…" between
        half = max_cols // 2
        cols: list[Any] = [*all_cols[:half], _GAP, *all_cols[-half:]]
        df = pd.concat(
            [df[all_cols[:half]], pd.DataFrame({_GAP: "…"}, index=df.index), df[all_cols[-half:]]],
            axis=1,
        )
    else:
        cols = all_cols
    rest = max(0, len(df) - n)
    if rest:
        head_n = n - n // 2
        shown = pd.concat([df.head(head_n), df.tail(n // 2)])
    else:
        head_n, shown = len(df), df
    shown = relabel_values(shown, lang)
    values = shown.to_numpy(dtype=object)
    header = "".join(f"<th>{'…' if c == _GAP else _esc(label(c, lang))}</th>" for c in cols)

    def row(i: int) -> str:
        cells = []
        for j, c in enumerate(cols):
            txt, num = _value(values[i, j], lang, c in money, c in _PLAIN_INT)
            cls = ' class="num"' if num else ""
            cells.append(f"<td{cls}>{_esc(txt)}</td>")
        return "<tr>" + "".join(cells) + "</tr>"

    body = [row(i) for i in range(min(head_n, len(shown)))]
    if rest:
        gap = text(f"… {number(rest, 0, lang)} dòng …", f"… {number(rest, 0, lang)} rows …", lang)
        body.append(f'<tr class="gap"><td colspan="{len(cols)}">{_esc(gap)}</td></tr>')
        body += [row(i) for i in range(head_n, len(shown))]
    sums = _total_columns(df, totals)
    if sums and len(df) > 1:
        first = next((c for c in cols if c not in sums), None)
        cells = []
        for c in cols:
            if c in sums:
                s = df[c].sum()
                s = int(s) if pd.api.types.is_integer_dtype(df[c].dtype) else float(s)
                txt, _ = _cell(s, c in money, False, lang)
                cells.append(f'<td class="num">{_esc(txt)}</td>')
            elif c == first and c != _GAP:
                cells.append(f"<td>{_esc(text('Tổng cộng', 'Total', lang))}</td>")
            else:
                cells.append("<td></td>")
        body.append('<tr class="total">' + "".join(cells) + "</tr>")
    cap = f"<caption>{_esc(caption)}</caption>" if caption else ""
    return (
        f"<table>{cap}<thead><tr>{header}</tr></thead><tbody>{''.join(body)}</tbody></table>",
        rest,
    )


def html_repr(
    title: str,
    summary: Mapping[str, Any] | None,
    table: pd.DataFrame | None,
    n: int = 10,
    lang: str = "vi",
    *,
    money_cols: Iterable[Any] | None = None,
    totals: bool | Sequence[Any] | None = True,
) -> str:
    """HTML of a result: title, summary figures and ``table`` cut to ``n`` rows.

    Parameters
    ----------
    title : str
        Heading (escaped).
    summary : dict, optional
        Headline figures; integer values (other than years and counts of people, posts,
        communes) are shown as đồng; a dict value as a small table.
    table : DataFrame, optional
        The result table; headers and category codes are labelled in ``lang``. Longer than
        ``n`` rows, its first ``n - n // 2`` and last ``n // 2`` rows are shown with a
        "… N dòng …" row between (as pandas does).
    n : int
        Rows shown.
    lang : {"vi", "en"}
        Language of labels and number format (``1.234.567`` / ``1,234,567``).
    money_cols : list, optional
        Columns shown as đồng (default: the known money columns).
    totals : bool or list
        A bold totals row over every row of the table: ``True`` sums the additive columns
        (money and counts; a by-year table leaves out stocks and running totals), a list
        sums those columns, ``False`` none. Sums are exact (int64 đồng).
    """
    check_lang(lang)
    parts = [_STYLE, '<div class="khoan-result">', f"<h4>{_esc(title)}</h4>"]
    if summary:
        parts.append(f"<table>{_summary_rows(summary, lang)}</table>")
    if table is not None:
        df = table
        if not isinstance(df.index, pd.RangeIndex) or df.index.name is not None:
            df = df.reset_index()
        money = (
            {c for c in df.columns if is_money(df, c)}
            if money_cols is None
            else set(money_cols) & set(df.columns)
        )
        html_table, rest = _table_html(df, lang, n=n, money=money, totals=totals)
        parts.append(html_table)
        rows, ncols = number(len(df), 0, lang), number(len(df.columns), 0, lang)
        shape = text(f"{rows} dòng × {ncols} cột", f"{rows} rows × {ncols} columns", lang)
        more = (
            text(
                f"; {number(rest, 0, lang)} dòng không hiển thị",
                f"; {number(rest, 0, lang)} more rows not shown",
                lang,
            )
            if rest > 0
            else ""
        )
        money_note = text("; số tiền: đồng", "; amounts in VND", lang) if money else ""
        parts.append(f"<p><small>{_esc(shape + more + money_note)}</small></p>")
    parts.append("</div>")
    return "".join(parts)


def _counts_table(counts: Mapping[Any, int], column: str, caption: str, lang: str) -> str:
    """A small table of counts by category code (labelled) with its total."""
    head = "".join(f"<th>{_esc(h)}</th>" for h in (label(column, lang), text("Số", "Count", lang)))
    body = "".join(
        f"<tr><td>{_esc(category_label(column, k, lang))}</td>"
        f'<td class="num">{_esc(number(int(v), 0, lang))}</td></tr>'
        for k, v in counts.items()
    )
    total = number(sum(int(v) for v in counts.values()), 0, lang)
    body += (
        f'<tr class="total"><td>{_esc(text("Tổng cộng", "Total", lang))}</td>'
        f'<td class="num">{_esc(total)}</td></tr>'
    )
    return (
        f"<table><caption>{_esc(caption)}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table>"
    )


def model_html(model: Any, lang: str = "vi", n: int = 10) -> str:
    """HTML view of a :class:`khoan.Model`: name and title, counts (communes by type and class,
    staff by category) as small tables, and the parameters the model's own ``params/`` sets
    (key, from, value, unit, reference, confidence), cut to ``n`` rows like a result table."""
    check_lang(lang)
    s = model.summary()
    years = model.years
    head = {
        "communes": s["communes"],
        "staff": s["staff"],
        text("Giai đoạn", "Years", lang): f"{years[0]}–{years[-1]}",
    }
    if model.synthetic:
        head[text("Dữ liệu", "Data", lang)] = text(
            "tổng hợp (minh họa)", "synthetic (illustrative)", lang
        )
    title = text("Mô hình", "Model", lang) + f" {model.name}: {model.title}"
    parts = [_STYLE, '<div class="khoan-result">', f"<h4>{_esc(title)}</h4>"]
    parts.append(f"<table>{_summary_rows(head, lang)}</table>")
    parts.append('<div style="display:flex;gap:16px;align-items:flex-start">')
    parts.append(
        _counts_table(s["by_type"], "type", text("Theo loại", "By type", lang), lang)
        + _counts_table(s["by_class"], "class", text("Theo phân loại", "By class", lang), lang)
        + _counts_table(
            s["by_category"], "category", text("Theo đối tượng", "By category", lang), lang
        )
    )
    parts.append("</div>")
    params = _model_params(model)
    if len(params):
        caption = text(
            "Tham số của tỉnh (thư mục params/ của mô hình)",
            "The province's parameters (the model's params/ folder)",
            lang,
        )
        html_table, _ = _table_html(params, lang, n=n, money=set(), totals=False, caption=caption)
        parts.append(html_table)
        rows = number(len(params), 0, lang)
        parts.append(
            f"<p><small>{_esc(text(f'{rows} tham số', f'{rows} parameters', lang))}</small></p>"
        )
    parts.append("</div>")
    return "".join(parts)


def _model_params(model: Any) -> pd.DataFrame:
    """The parameters set by the model's own ``params/`` (its entries of the overlay log),
    with unit, reference and confidence."""
    log = [
        e for e in getattr(model.params, "log", ()) if str(e.get("source", "")).endswith("params")
    ]
    if not log:
        return pd.DataFrame()
    rows = []
    for e in log:
        try:
            entry = model.params.entry(e["key"], e["date"])
        except (KhoanError, KeyError):  # a view does not fail on one odd entry
            entry = None
        rows.append(
            {
                "key": e["key"],
                "from": e["date"],
                "value": e["new"],
                "unit": getattr(entry, "unit", "") or "",
                "reference": getattr(entry, "reference", "") or "",
                "confidence": getattr(entry, "confidence", "") or "",
            }
        )
    return pd.DataFrame(rows)
