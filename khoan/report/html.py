"""HTML summaries of results for Jupyter (``_repr_html_``).

``html_repr(title, summary, table)`` renders the headline figures and the first rows of the
result table, with labelled headers and money with thousands separators. Every piece of text
(titles, keys, cells, headers) is HTML-escaped.
"""

from __future__ import annotations

import datetime as _dt
import html as _html
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from .fmt import number, vnd
from .labels import check_lang, is_money, label, relabel_values, text

__all__ = ["html_repr"]

_STYLE = (
    "<style>"
    ".khoan-result table{border-collapse:collapse;margin:4px 0 8px 0;font-size:90%}"
    ".khoan-result th,.khoan-result td{padding:2px 8px;border-bottom:1px solid #ddd}"
    ".khoan-result td.num{text-align:right;font-variant-numeric:tabular-nums}"
    ".khoan-result th{text-align:left;background:#eef3f8}"
    "</style>"
)
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


def _summary_rows(summary: Mapping[str, Any], lang: str) -> str:
    rows = []
    for k, v in summary.items():
        key = str(k)
        money = (
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
                )
            )
        )
        if isinstance(v, Mapping):
            shown = ", ".join(f"{a}: {b}" for a, b in v.items())
            num = False
        else:
            shown, num = _cell(v, money, key in _PLAIN_INT or key.endswith("_year"), lang)
        cls = ' class="num"' if num else ""
        rows.append(f"<tr><th>{_esc(label(key, lang))}</th><td{cls}>{_esc(shown)}</td></tr>")
    return "".join(rows)


def html_repr(
    title: str,
    summary: Mapping[str, Any] | None,
    table: pd.DataFrame | None,
    n: int = 10,
    lang: str = "vi",
    *,
    money_cols: Iterable[Any] | None = None,
) -> str:
    """HTML of a result: title, summary figures and the first ``n`` rows of ``table``.

    Parameters
    ----------
    title : str
        Heading (escaped).
    summary : dict, optional
        Headline figures; integer values (other than years) are shown as đồng.
    table : DataFrame, optional
        The result table; headers and category codes are labelled in ``lang``.
    n : int
        Rows shown; the number of rows left out is stated below the table.
    lang : {"vi", "en"}
        Language of labels and number format (``1.234.567`` / ``1,234,567``).
    money_cols : list, optional
        Columns shown as đồng (default: the known money columns).
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
        head = relabel_values(df.head(n), lang)
        header = "".join(f"<th>{_esc(label(c, lang))}</th>" for c in df.columns)
        body = []
        cols = list(df.columns)
        values = head.to_numpy(dtype=object)
        for i in range(len(head)):
            cells = []
            for j, c in enumerate(cols):
                shown, num = _cell(values[i, j], c in money, c in _PLAIN_INT, lang)
                cls = ' class="num"' if num else ""
                cells.append(f"<td{cls}>{_esc(shown)}</td>")
            body.append("<tr>" + "".join(cells) + "</tr>")
        parts.append(
            f"<table><thead><tr>{header}</tr></thead><tbody>{''.join(body)}</tbody></table>"
        )
        rest = len(df) - len(head)
        shape = text(
            f"{len(df):,} dòng × {len(cols)} cột".replace(",", "."),
            f"{len(df):,} rows × {len(cols)} columns",
            lang,
        )
        more = (
            text(
                f"; {rest:,} dòng không hiển thị".replace(",", "."),
                f"; {rest:,} more rows not shown",
                lang,
            )
            if rest > 0
            else ""
        )
        money_note = text("; số tiền: đồng", "; amounts in VND", lang) if money else ""
        parts.append(f"<p><small>{_esc(shape + more + money_note)}</small></p>")
    parts.append("</div>")
    return "".join(parts)
