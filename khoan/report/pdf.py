"""A printable report (PDF, A4) of a model's lump sums for a year, with an optional scenario.

Leaders read paper. :func:`report_pdf` writes one PDF in Vietnamese (or English) with

1. a title page: province, model, budget year, scenario, date of the report, the synthetic-data
   and registry notices when they apply;
2. the summary: the province's lump sum by component (millions of đồng and exact đồng), the
   scenario's headline figures, and the charts (the result classes' ``.plot`` accessors,
   rendered to PNG in memory);
3. the key tables: lump sums by district (by unit type where the model has no districts, as
   in the two-tier structure of 1 July 2025) and by commune, in millions of đồng;
4. with a scenario: its figures year by year and its charts;
5. the parameters used, with their legal references and confidence;
6. the provenance (khoan version, model and parameter digests, overrides applied).

Tables in millions of đồng are rounded once, commune by commune, with the largest-remainder
method (:func:`khoan.report.fmt.to_millions`); district rows and the province row are sums of
the rounded commune rows, so every displayed total is the sum of the displayed parts. The exact
totals in đồng are in the summary.

The PDF is made with fpdf2 (pure Python, maintained; embeds a subset of a TrueType font with
Unicode text) in DejaVu Sans, the font that ships with matplotlib and has every Vietnamese
glyph: nothing is downloaded. The document's creation date is the report's date (midnight
UTC), so the same inputs on the same date give the same bytes.
"""

from __future__ import annotations

import datetime as _dt
import io
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._files import atomic_write_bytes
from ..errors import KhoanError
from .fmt import number, to_millions, vnd
from .labels import category_label, check_lang, label, text

__all__ = [
    "by_commune_table",
    "by_district_table",
    "font_files",
    "report_pdf",
    "scenario_year_table",
    "write_report",
]

#: Page layout (mm): A4, margins.
_MARGIN = 15.0
_FONT = "DejaVu"
#: Longest parameter value or provenance value shown (characters); the workbooks hold all.
_MAX_VALUE = 160
_HEAD_FILL = (221, 235, 247)


def font_files() -> tuple[Path, Path]:
    """DejaVu Sans regular and bold, as shipped inside matplotlib (every Vietnamese glyph).

    Raises
    ------
    KhoanError
        matplotlib's font folder has no DejaVu Sans (a broken matplotlib installation).
    """
    import matplotlib

    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    files = (folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf")
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise KhoanError(
            f"font not found: {', '.join(missing)} (the PDF report uses DejaVu Sans from "
            "matplotlib): reinstall matplotlib"
        )
    return files


# -- tables (pure functions: what the PDF shows, testable without a PDF) ---------------------------


def _parts(b: Any) -> list[str]:
    from ..lumpsum import COMPONENTS

    return [c for c in COMPONENTS if c in b.table.columns]


def _commune_millions(b: Any, model: Any) -> pd.DataFrame:
    """The budget table in millions of đồng (largest remainder per commune), with the commune's
    district (or unit type) as ``group``/``group_order``."""
    parts = _parts(b)
    t = to_millions(b.table[["code", "name", *parts, "total"]], parts, "total")
    c = model.communes.set_index(model.communes["code"].astype(str))
    codes = t["code"].astype(str)
    has_district = "district_name" in c.columns and c["district_name"].notna().all()
    if has_district:
        t["group"] = codes.map(c["district_name"]).to_numpy()
        t["group_order"] = codes.map(c["district_code"].astype(str)).to_numpy()
    else:
        t["group"] = codes.map(c["type"]).to_numpy()
        t["group_order"] = t["group"]
    t.attrs["grouped_by"] = "district_name" if has_district else "type"
    return t


def by_district_table(b: Any, model: Any, lang: str = "vi") -> pd.DataFrame:
    """Lump sums by district (by unit type where the model has no districts), in millions of
    đồng, with a last row of province totals.

    Parameters
    ----------
    b : BudgetResult
    model : khoan.Model
    lang : {"vi", "en"}

    Returns
    -------
    DataFrame
        Columns ``group`` (district name, or unit type label), ``communes`` (count), the
        components present in the budget and ``total`` (int64, millions of đồng). Each row's
        parts add up to its total; the last row (``Tổng cộng`` / ``Total``) is the sum of the
        rows above. ``attrs["grouped_by"]`` is ``"district_name"`` or ``"type"``.
    """
    check_lang(lang)
    parts = _parts(b)
    t = _commune_millions(b, model)
    g = t.groupby(["group_order", "group"], sort=True)[[*parts, "total"]].sum()
    g.insert(0, "communes", t.groupby(["group_order", "group"], sort=True).size())
    g = g.reset_index(level="group").reset_index(drop=True)
    if t.attrs["grouped_by"] == "type":
        g["group"] = [category_label("type", v, lang) for v in g["group"]]
    tot = g[["communes", *parts, "total"]].sum()
    g.loc[len(g)] = {"group": label("total", lang), **{k: int(v) for k, v in tot.items()}}
    g = g.astype({c: np.int64 for c in ["communes", *parts, "total"]})
    g.attrs["grouped_by"] = t.attrs["grouped_by"]
    return g


def by_commune_table(b: Any, model: Any, lang: str = "vi") -> pd.DataFrame:
    """Lump sum of each commune in millions of đồng (``code``, ``name``, ``group``, ``total``),
    ordered by district (or unit type) and code, with a last row of totals (their sum)."""
    check_lang(lang)
    t = _commune_millions(b, model)
    t = t.sort_values(["group_order", "code"], kind="stable")
    if t.attrs.get("grouped_by") == "type":
        t["group"] = [category_label("type", v, lang) for v in t["group"]]
    out = t[["code", "name", "group", "total"]].reset_index(drop=True)
    out.loc[len(out)] = {
        "code": "",
        "name": label("total", lang),
        "group": "",
        "total": int(out["total"].sum()),
    }
    return out.astype({"total": np.int64})


#: Columns of the scenario's year-by-year table: (column, money, summed over years).
_SCENARIO_COLUMNS: tuple[tuple[str, bool, bool], ...] = (
    ("headcount_start", False, False),
    ("retirements", False, True),
    ("leavers", False, True),
    ("hires", False, True),
    ("headcount_end", False, False),
    ("one_off_cost", True, True),
    ("recurring_savings", True, True),
    ("net_savings", True, True),
    ("cumulative_net_savings", True, False),
)


def scenario_year_table(s: Any) -> pd.DataFrame:
    """The scenario year by year: persons, and money in millions of đồng (rounded half up).

    Returns
    -------
    DataFrame
        Index ``year`` then a last row ``"total"``: flows (retirements, leavers, hires, one-off
        cost, recurring and net savings) summed over the displayed years; stocks (headcounts)
        and the running total left empty (``pd.NA``). ``net_savings`` is computed from the
        rounded ``recurring_savings − one_off_cost``, so each row adds up as displayed.
    """
    from .fmt import MILLION, round_half_up

    by = s.by_year
    out = pd.DataFrame(index=pd.Index([int(y) for y in by.index], name="year"))
    for col, money, _ in _SCENARIO_COLUMNS:
        if col not in by.columns:
            continue
        v = by[col].to_numpy(dtype=np.int64)
        out[col] = round_half_up(v, MILLION) if money else v
    if {"recurring_savings", "one_off_cost", "net_savings"} <= set(out.columns):
        out["net_savings"] = out["recurring_savings"] - out["one_off_cost"]
        if "cumulative_net_savings" in out.columns:
            out["cumulative_net_savings"] = out["net_savings"].cumsum()
    total = {
        col: (int(out[col].sum()) if summed else pd.NA)
        for col, _, summed in _SCENARIO_COLUMNS
        if col in out.columns
    }
    out = out.astype(object)
    out.loc["total"] = total
    return out


def _params_table(results: Sequence[Any]) -> pd.DataFrame:
    frames = [getattr(r, "params_used", None) for r in results]
    frames = [f for f in frames if isinstance(f, pd.DataFrame) and len(f)]
    if not frames:
        return pd.DataFrame(columns=["key", "from", "to", "value", "unit", "reference"])
    df = pd.concat(frames, ignore_index=True)
    df = df.drop(columns=["source"], errors="ignore")
    for c in ("from", "to"):
        df[c] = [_date(v, "en") for v in df[c]]
    return df.drop_duplicates(subset=["key", "from", "to"]).sort_values(
        ["key", "from"], kind="stable"
    )


# -- formatting ------------------------------------------------------------------------------------


def _short(s: str, n: int = _MAX_VALUE) -> str:
    return s if len(s) <= n else s[: n - 1] + "…"


def _value(v: Any, lang: str) -> str:
    """A parameter or provenance value as text: numbers in the language's format, structures as
    compact JSON (shortened)."""
    if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
        return ""
    if isinstance(v, bool | np.bool_):
        return text("có", "yes", lang) if v else text("không", "no", lang)
    if isinstance(v, int | np.integer):
        return number(int(v), 0, lang)
    if isinstance(v, float | np.floating):
        f = float(v)
        if f.is_integer() and abs(f) >= 1000:
            return number(int(f), 0, lang)
        s = f"{f:.6g}"
        return s.replace(".", ",") if lang == "vi" else s
    if isinstance(v, Mapping | list | tuple):
        return _short(json.dumps(v, ensure_ascii=False, default=str, separators=(", ", ": ")))
    return _short(str(v))


def _date(d: Any, lang: str) -> str:
    """``YYYY-MM-DD`` (English) or ``DD/MM/YYYY`` (Vietnamese); a missing date (an open end) is
    ``…``."""
    if d is None or d is pd.NaT or (isinstance(d, float) and np.isnan(d)):
        return "…"
    if str(d) in ("", "None", "NaT", "nan", "…"):
        return "…"
    s = str(d)[:10]
    if lang == "vi" and len(s) == 10 and s[4] == "-":
        return f"{s[8:10]}/{s[5:7]}/{s[0:4]}"
    return s


def _province_name(model: Any) -> str:
    code = (getattr(model, "meta", None) or {}).get("province_code")
    if code is None:
        return ""
    try:
        from ..data.registry import provinces

        p = provinces(str(getattr(model, "structure", "2025")))
        row = p[p["province_code"] == str(code).zfill(2)]
        return str(row["province_name"].iloc[0]) if len(row) else ""
    except (KhoanError, KeyError, ValueError, OSError):
        return ""


# -- the document ----------------------------------------------------------------------------------


def _new_pdf(lang: str, running_title: str, on: _dt.date) -> Any:
    from fpdf import FPDF

    regular, bold = font_files()
    footer_word = text("Trang", "Page", lang)

    class _Report(FPDF):
        def header(self) -> None:
            if self.page_no() == 1:
                return
            self.set_font(_FONT, "", 7.5)
            self.set_text_color(90, 90, 90)
            self.cell(0, 5, running_title, new_x="LMARGIN", new_y="NEXT", align="L")
            self.set_text_color(0, 0, 0)
            self.ln(2)

        def footer(self) -> None:
            self.set_y(-12)
            self.set_font(_FONT, "", 8)
            self.set_text_color(90, 90, 90)
            self.cell(0, 6, f"{footer_word} {self.page_no()}/{{nb}}", align="C")
            self.set_text_color(0, 0, 0)

    pdf = _Report(orientation="P", unit="mm", format="A4")
    pdf.set_margins(_MARGIN, _MARGIN, _MARGIN)
    pdf.set_auto_page_break(True, margin=16)
    pdf.add_font(_FONT, "", str(regular))
    pdf.add_font(_FONT, "B", str(bold))
    pdf.set_creation_date(_dt.datetime(on.year, on.month, on.day, tzinfo=_dt.UTC))
    pdf.set_lang("vi" if lang == "vi" else "en")
    pdf.set_title(running_title)
    pdf.set_creator("khoan")
    return pdf


def _heading(pdf: Any, s: str, size: float = 13) -> None:
    if pdf.get_y() > pdf.h - 50:
        pdf.add_page()
    pdf.ln(2)
    pdf.set_font(_FONT, "B", size)
    pdf.multi_cell(0, size * 0.5, s, new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.ln(1.5)
    pdf.set_font(_FONT, "", 9.5)


def _para(pdf: Any, s: str, size: float = 9.5, bold: bool = False) -> None:
    pdf.set_font(_FONT, "B" if bold else "", size)
    pdf.multi_cell(0, size * 0.5, s, new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.set_font(_FONT, "", 9.5)


def _table(
    pdf: Any,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    widths: Sequence[float],
    align: Sequence[str],
    *,
    size: float = 8.0,
    bold_last: bool = False,
) -> None:
    from fpdf.fonts import FontFace

    pdf.set_font(_FONT, "", size)
    bold = FontFace(emphasis="BOLD")
    with pdf.table(
        col_widths=tuple(widths),
        width=min(sum(widths), pdf.epw),
        text_align=tuple(align),
        line_height=size * 0.48,
        headings_style=FontFace(emphasis="BOLD", fill_color=_HEAD_FILL),
        padding=0.8,
        align="LEFT",
    ) as t:
        r = t.row()
        for h in header:
            r.cell(h, align="CENTER")
        for i, row in enumerate(rows):
            r = t.row()
            last = bold_last and i == len(rows) - 1
            for v in row:
                r.cell(str(v), style=bold if last else None)
    pdf.set_font(_FONT, "", 9.5)
    pdf.ln(2)


def _plain_table(
    pdf: Any,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    widths: Sequence[float],
    align: Sequence[str],
    *,
    size: float = 8.0,
    bold_last: bool = False,
) -> None:
    """A long table of one-line cells, drawn cell by cell (much faster than ``pdf.table``); the
    header is repeated on every page."""
    h = size * 0.5
    al = {"LEFT": "L", "RIGHT": "R", "CENTER": "C"}

    def head() -> None:
        pdf.set_font(_FONT, "B", size)
        pdf.set_fill_color(*_HEAD_FILL)
        for w, t in zip(widths, header, strict=True):
            pdf.cell(w, h + 1, t, border=1, align="C", fill=True)
        pdf.ln(h + 1)
        pdf.set_font(_FONT, "", size)

    head()
    for i, row in enumerate(rows):
        if pdf.get_y() + h > pdf.page_break_trigger:
            pdf.add_page(same=True)
            head()
        if bold_last and i == len(rows) - 1:
            pdf.set_font(_FONT, "B", size)
        for w, t, a in zip(widths, row, align, strict=True):
            pdf.cell(w, h, str(t), border=1, align=al[a])
        pdf.ln(h)
    pdf.set_font(_FONT, "", 9.5)
    pdf.ln(2)


def _png(ax: Any) -> tuple[bytes, float]:
    """The figure of ``ax`` as PNG bytes (closed afterwards) and its height / width ratio."""
    import matplotlib.pyplot as plt

    from .plots import khoan_style

    fig = ax.figure
    try:
        w, h = fig.get_size_inches()
        buf = io.BytesIO()
        with khoan_style():
            fig.savefig(buf, format="png", dpi=110, metadata={"Software": None})
    finally:
        plt.close(fig)
    return buf.getvalue(), float(h / w)


def _image(pdf: Any, ax: Any, title: str) -> None:
    data, ratio = _png(ax)
    w = pdf.epw
    max_h = pdf.eph - 12
    h = w * ratio
    if h > max_h:
        h, w = max_h, max_h / ratio
    if pdf.get_y() + h > pdf.page_break_trigger:
        pdf.add_page()
    pdf.image(io.BytesIO(data), x=pdf.l_margin + (pdf.epw - w) / 2, w=w, h=h, alt_text=title)
    pdf.ln(3)


def _money_rows(b: Any, model: Any, lang: str) -> list[list[str]]:
    """Summary rows: component, millions (the totals row of :func:`by_district_table`, so the
    summary and the tables show the same figures), exact đồng."""
    prov = b.province.iloc[0]
    mil = by_district_table(b, model, lang).iloc[-1]
    return [
        [label(c, lang), number(int(mil[c]), 0, lang), vnd(int(prov[c]), lang)]
        for c in [*_parts(b), "total"]
    ]


def _title_page(pdf: Any, model: Any, b: Any, s: Any, lang: str, on: _dt.date) -> None:
    from .. import __version__

    pdf.add_page()
    pdf.ln(30)
    pdf.set_font(_FONT, "B", 22)
    pdf.multi_cell(0, 11, text("BÁO CÁO", "REPORT", lang), align="C", new_x="LMARGIN")
    pdf.set_font(_FONT, "B", 15)
    pdf.multi_cell(
        0,
        8,
        text(
            "Kinh phí khoán quản lý hành chính cấp xã",
            "Administrative lump sums of the communes",
            lang,
        ),
        align="C",
        new_x="LMARGIN",
    )
    pdf.ln(6)
    prov = _province_name(model)
    if prov:
        pdf.set_font(_FONT, "B", 16)
        pdf.multi_cell(0, 9, prov, align="C", new_x="LMARGIN")
    if model.title != prov:
        pdf.set_font(_FONT, "", 12)
        pdf.multi_cell(0, 7, model.title, align="C", new_x="LMARGIN")
    pdf.ln(8)
    lines = [text(f"Năm ngân sách: {b.year}", f"Budget year: {b.year}", lang)]
    if s is not None:
        sc = s.scenario
        y0, y1 = sc.years
        name = sc.name + (f" — {sc.title}" if getattr(sc, "title", "") else "")
        lines.append(
            text(
                f"Kịch bản tinh giản biên chế: {name} ({y0}–{y1})",
                f"Staff-reduction scenario: {name} ({y0}–{y1})",
                lang,
            )
        )
    lines.append(text(f"Ngày lập: {_date(on, lang)}", f"Date: {_date(on, lang)}", lang))
    pdf.set_font(_FONT, "", 11)
    for line in lines:
        pdf.multi_cell(0, 7, line, align="C", new_x="LMARGIN")
    pdf.ln(10)
    if getattr(model, "synthetic", False):
        from .excel import SYNTHETIC_NOTICE_EN, SYNTHETIC_NOTICE_VI

        pdf.set_text_color(160, 40, 0)
        _para(pdf, text(SYNTHETIC_NOTICE_VI, SYNTHETIC_NOTICE_EN, lang), 10, bold=True)
        pdf.set_text_color(0, 0, 0)
    note = getattr(model, "registry_note", None)
    if note:
        _para(pdf, note, 9)
    pdf.set_y(pdf.h - 40)
    _para(
        pdf,
        text(
            f"Lập bằng khoan {__version__} (mô hình {model.name}). Đơn vị tính: triệu đồng, trừ "
            "khi ghi khác; số đồng chính xác ở mục 1.",
            f"Made with khoan {__version__} (model {model.name}). Amounts in millions of đồng "
            "unless stated; exact đồng in section 1.",
            lang,
        ),
        8.5,
    )


def _summary(pdf: Any, model: Any, b: Any, s: Any, lang: str) -> None:
    pdf.add_page()
    _heading(pdf, text("1. Tóm tắt", "1. Summary", lang))
    n = len(b.table)
    _para(
        pdf,
        text(
            f"Dự toán kinh phí khoán năm {b.year} của {n} đơn vị hành chính cấp xã: tổng "
            f"{vnd(int(b.table['total'].sum()), lang)} đồng, bằng tổng các thành phần đến "
            "từng đồng.",
            f"Lump sums {b.year} of {n} communes: total {vnd(int(b.table['total'].sum()), lang)} "
            "đồng, the exact sum of the components.",
            lang,
        ),
    )
    pdf.ln(1)
    _table(
        pdf,
        [text("Thành phần", "Component", lang), text("Triệu đồng", "Million đồng", lang), "Đồng"],
        _money_rows(b, model, lang),
        [90, 40, 50],
        ["LEFT", "RIGHT", "RIGHT"],
        size=9,
        bold_last=True,
    )
    if "bonus_fund" in b.table.columns:
        _para(
            pdf,
            text(
                f"Ngoài kinh phí khoán: {label('bonus_fund', lang)} "
                f"{vnd(int(b.table['bonus_fund'].sum()), lang)} đồng (NĐ 73/2024/NĐ-CP Điều 4).",
                f"Outside the lump sum: {label('bonus_fund', lang)} "
                f"{vnd(int(b.table['bonus_fund'].sum()), lang)} đồng (NĐ 73/2024/NĐ-CP Art. 4).",
                lang,
            ),
            9,
        )
    for note in getattr(b, "notes", []) or []:
        _para(pdf, f"• {note}", 8.5)
    if s is not None:
        _scenario_headline(pdf, s, lang)
    pdf.ln(2)
    _image(pdf, b.plot.components(top=30, lang=lang), "components")


def _scenario_headline(pdf: Any, s: Any, lang: str) -> None:
    from ..scenarios.result import payback_text

    sm = s.summary()
    horizon = (sm["first_year"], sm["last_year"])
    rows = [
        [label("headcount_start", lang), number(sm["headcount_start"], 0, lang)],
        [label("headcount_end", lang), number(sm["headcount_end"], 0, lang)],
        [
            text("Tỷ lệ tinh giản", "Share reduced", lang),
            number(100 * sm["share_reduced"], 1, lang) + " %",
        ],
        [
            text(f"{label('one_off_cost', lang)} (đồng)", "One-off cost (đồng)", lang),
            vnd(sm["one_off_cost"], lang),
        ],
        [
            text(
                f"{label('cumulative_net_savings', lang)} (đồng)",
                "Cumulative net savings (đồng)",
                lang,
            ),
            vnd(sm["cumulative_net_savings"], lang),
        ],
        [
            text("Năm hoàn vốn", "Payback year", lang),
            str(sm["payback_year"])
            if sm["payback_year"] is not None
            else payback_text(None, horizon, lang),
        ],
    ]
    _para(
        pdf,
        text(
            f"Kịch bản {s.scenario.name} ({horizon[0]}–{horizon[1]}):",
            f"Scenario {s.scenario.name} ({horizon[0]}–{horizon[1]}):",
            lang,
        ),
        9.5,
        bold=True,
    )
    _table(pdf, ["", ""], rows, [90, 90], ["LEFT", "RIGHT"], size=9)


def _district_section(pdf: Any, model: Any, b: Any, lang: str) -> None:
    d = by_district_table(b, model, lang)
    parts = [c for c in _parts(b) if d[c].any()]
    by_type = d.attrs.get("grouped_by") == "type"
    pdf.add_page(orientation="L")
    _heading(
        pdf,
        text(
            f"2. Dự toán năm {b.year} theo " + ("loại đơn vị" if by_type else "huyện"),
            f"2. Lump sums {b.year} by " + ("unit type" if by_type else "district"),
            lang,
        ),
    )
    _para(
        pdf,
        text(
            "Đơn vị: triệu đồng. Mỗi xã được làm tròn một lần (phương pháp phần dư lớn nhất); "
            "dòng huyện và dòng tổng là tổng các xã đã làm tròn, nên mọi tổng đều khớp.",
            "Million đồng. Each commune is rounded once (largest remainder); district rows and "
            "the total row are sums of the rounded communes, so every total adds up.",
            lang,
        ),
        8.5,
    )
    pdf.ln(1)
    group = label("type", lang) if by_type else label("district_name", lang)
    header = [group, text("Số xã", "Communes", lang), *[label(c, lang) for c in parts]]
    header.append(label("total", lang))
    rows = [
        [str(r["group"]), number(int(r["communes"]), 0, lang)]
        + [number(int(r[c]), 0, lang) for c in [*parts, "total"]]
        for _, r in d.iterrows()
    ]
    money_w = (pdf.epw - 52 - 14) / (len(parts) + 1)
    _table(
        pdf,
        header,
        rows,
        [52, 14, *[money_w] * (len(parts) + 1)],
        ["LEFT", "RIGHT", *["RIGHT"] * (len(parts) + 1)],
        size=7.5,
        bold_last=True,
    )
    # chart of the same table (without the total row)
    from .plots import bar_stacked

    df = d.iloc[:-1].set_index("group")[parts]
    df = df.mul(1_000_000)  # back to đồng: the chart chooses its unit
    ax = bar_stacked(
        df,
        parts,
        title=text(
            f"Kinh phí khoán {b.year} theo " + ("loại đơn vị" if by_type else "huyện"),
            f"Lump sums {b.year} by " + ("unit type" if by_type else "district"),
            lang,
        ),
        lang=lang,
        horizontal=True,
    )
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=3, frameon=False)
    pdf.add_page(orientation="P")
    _image(pdf, ax, "by district")


def _commune_section(pdf: Any, model: Any, b: Any, lang: str) -> None:
    t = by_commune_table(b, model, lang)
    by_type = model.communes["district_name"].isna().any()
    pdf.add_page(orientation="P")
    _heading(
        pdf,
        text(
            f"3. Dự toán năm {b.year} theo đơn vị cấp xã (triệu đồng)",
            f"3. Lump sums {b.year} by commune (million đồng)",
            lang,
        ),
    )
    rows = [
        [str(r["code"]), str(r["name"]), str(r["group"]), number(int(r["total"]), 0, lang)]
        for _, r in t.iterrows()
    ]
    _plain_table(
        pdf,
        [
            label("code", lang),
            label("commune_name", lang),
            label("type", lang) if by_type else label("district_name", lang),
            label("total", lang),
        ],
        rows,
        [22, 68, 60, 30],
        ["LEFT", "LEFT", "LEFT", "RIGHT"],
        size=7.5,
        bold_last=True,
    )


def _scenario_section(pdf: Any, s: Any, lang: str, number_: int) -> None:
    sc = s.scenario
    y0, y1 = sc.years
    pdf.add_page(orientation="L")
    _heading(
        pdf,
        text(
            f"{number_}. Kịch bản tinh giản biên chế {sc.name} ({y0}–{y1})",
            f"{number_}. Staff-reduction scenario {sc.name} ({y0}–{y1})",
            lang,
        ),
    )
    sm = s.summary()
    target = getattr(sc, "target", None)
    desc = [
        text(f"Chính sách: {sm['policy']}", f"Policy: {sm['policy']}", lang),
        text(f"Chế độ: {sm['regime']}", f"Regime: {sm['regime']}", lang),
    ]
    if target is not None:
        desc.append(
            text(
                f"Chỉ tiêu: {target.kind} = {_value(target.value, lang)}",
                f"Target: {target.kind} = {_value(target.value, lang)}",
                lang,
            )
        )
    if getattr(sc, "title", ""):
        desc.insert(0, sc.title)
    _para(pdf, "; ".join(desc) + ".", 9)
    _para(
        pdf,
        text(
            "Người: số người; tiền: triệu đồng (làm tròn từng năm). Dòng tổng cộng chỉ cộng các "
            "dòng chảy (nghỉ hưu, tinh giản, tuyển, chi phí và tiết kiệm), không cộng số người.",
            "Persons; money in million đồng (each year rounded). The total row sums the flows "
            "(retirements, leavers, hires, costs and savings), not the headcounts.",
            lang,
        ),
        8.5,
    )
    pdf.ln(1)
    t = scenario_year_table(s)
    cols = list(t.columns)
    header = [label("year", lang), *[label(c, lang) for c in cols]]
    rows = []
    for idx, r in t.iterrows():
        first = label("total", lang) if idx == "total" else str(idx)
        rows.append([first, *["" if pd.isna(r[c]) else number(int(r[c]), 0, lang) for c in cols]])
    w0 = 22
    w = (pdf.epw - w0) / len(cols)
    _table(
        pdf,
        header,
        rows,
        [w0, *[w] * len(cols)],
        ["LEFT", *["RIGHT"] * len(cols)],
        size=8,
        bold_last=True,
    )
    pdf.add_page(orientation="P")
    _image(pdf, s.plot.headcount(lang=lang), "headcount")
    _image(pdf, s.plot.cumulative(lang=lang), "cumulative")
    _image(pdf, s.plot.waterfall(lang=lang), "waterfall")


def _params_section(pdf: Any, model: Any, results: Sequence[Any], lang: str, n: int) -> None:
    df = _params_table(results)
    pdf.add_page(orientation="L")
    _heading(pdf, text(f"{n}. Tham số đã sử dụng", f"{n}. Parameters used", lang))
    _para(
        pdf,
        text(
            "Mỗi giá trị có hiệu lực trong kỳ, với căn cứ pháp lý và mức tin cậy "
            "(confirmed: đã đối chiếu văn bản; unconfirmed: chưa đối chiếu; illustrative: giá trị "
            "minh họa, cần thay bằng quyết định của tỉnh). Giá trị dài được rút gọn; bảng đầy đủ "
            "ở trang tính Tham số của các tệp Excel.",
            "Every value in force during the period, with its legal reference and confidence "
            "(confirmed: checked against the text; unconfirmed: not yet; illustrative: replace it "
            "with the province's decision). Long values are shortened; the workbooks' Parameters "
            "sheet has them all.",
            lang,
        ),
        8.5,
    )
    pdf.ln(1)
    params = getattr(model, "params", None)
    rows = []
    for _, r in df.iterrows():
        key = str(r["key"])
        desc = ""
        if params is not None:
            try:
                desc = str(params.meta(key)["description"].get(lang, ""))
            except (KeyError, KhoanError, AttributeError):
                desc = ""
        rows.append(
            [
                key + (f"\n{desc}" if desc else ""),
                f"{_date(r['from'], lang)} – {_date(r['to'], lang)}",
                _value(r["value"], lang),
                str(r.get("unit", "") or ""),
                str(r.get("reference", "") or ""),
                str(r.get("confidence", "") or ""),
            ]
        )
    _table(
        pdf,
        [
            label("key", lang),
            text("Hiệu lực", "In force", lang),
            label("value", lang),
            label("unit", lang),
            label("reference", lang),
            label("confidence", lang),
        ],
        rows,
        [62, 34, 56, 28, 67, 20],
        ["LEFT"] * 6,
        size=6.8,
    )


def _provenance_rows(prov: Mapping[str, Any], lang: str) -> list[list[str]]:
    from .excel import stable_provenance

    rows: list[list[str]] = []

    def walk(d: Mapping[str, Any], prefix: str) -> None:
        for k, v in d.items():
            key = f"{prefix}{k}"
            if k == "parameters" and isinstance(v, list):
                rows.append(
                    [
                        key,
                        text(f"{len(v)} tham số (mục Tham số)", f"{len(v)} (see Parameters)", lang),
                    ]
                )
            elif k == "overrides" and isinstance(v, list):
                if not v:
                    rows.append([key, text("không có", "none", lang)])
                for o in v:
                    if isinstance(o, Mapping):
                        rows.append(
                            [
                                key,
                                _short(
                                    f"{o.get('key')} ({_date(o.get('date'), lang)}): "
                                    f"{_value(o.get('old'), lang)} → {_value(o.get('new'), lang)}"
                                    f" [{o.get('source', '')}]"
                                ),
                            ]
                        )
                    else:
                        rows.append([key, _value(o, lang)])
            elif isinstance(v, Mapping) and v:
                walk(v, key + ".")
            else:
                rows.append([key, _value(v, lang)])

    walk(stable_provenance(prov), "")
    return rows


def _provenance_section(pdf: Any, b: Any, s: Any, lang: str, n: int) -> None:
    pdf.add_page(orientation="P")
    _heading(pdf, text(f"{n}. Nguồn gốc số liệu", f"{n}. Provenance", lang))
    _para(
        pdf,
        text(
            "Cùng mô hình (mã băm), cùng tham số và cùng phiên bản khoan cho cùng số liệu.",
            "The same model (digest), parameters and khoan version give the same figures.",
            lang,
        ),
        8.5,
    )
    parts = [(text("Dự toán", "Lump sums", lang), b.provenance)]
    if s is not None:
        parts.append((text("Kịch bản", "Scenario", lang), s.provenance))
    for title, prov in parts:
        _para(pdf, title, 9.5, bold=True)
        _table(
            pdf,
            [label("item", lang), label("value", lang)],
            _provenance_rows(prov, lang),
            [50, 130],
            ["LEFT", "LEFT"],
            size=7,
        )


def write_report(
    path: str | Path,
    model: Any,
    budget: Any,
    scenario: Any = None,
    *,
    lang: str = "vi",
    date: _dt.date | None = None,
) -> Path:
    """Write the PDF report of results already computed (what :func:`report_pdf` and
    ``khoan demo`` call).

    Parameters
    ----------
    path : str or Path
        The PDF to write (atomically).
    model : khoan.Model
    budget : BudgetResult
        The lump sums of the report's year (:func:`khoan.budget`).
    scenario : ScenarioResult, optional
        A simulated staff-reduction scenario (:func:`khoan.simulate`).
    lang : {"vi", "en"}
    date : datetime.date, optional
        Date printed on the title page and stored as the document's creation date (default:
        today).

    Returns
    -------
    Path
    """
    check_lang(lang)
    on = date or _dt.date.today()
    running = text(
        f"{model.title} — dự toán khoán năm {budget.year}",
        f"{model.title} — lump sums {budget.year}",
        lang,
    )
    pdf = _new_pdf(lang, running, on)
    _title_page(pdf, model, budget, scenario, lang, on)
    _summary(pdf, model, budget, scenario, lang)
    _district_section(pdf, model, budget, lang)
    _commune_section(pdf, model, budget, lang)
    n = 4
    if scenario is not None:
        _scenario_section(pdf, scenario, lang, n)
        n += 1
    results = [budget] + ([scenario] if scenario is not None else [])
    _params_section(pdf, model, results, lang, n)
    _provenance_section(pdf, budget, scenario, lang, n + 1)
    return atomic_write_bytes(path, bytes(pdf.output()))


def report_pdf(
    model: Any,
    year: int,
    path: str | Path,
    *,
    scenario: Any = None,
    lang: str = "vi",
    date: _dt.date | None = None,
) -> Path:
    """Compute the lump sums of ``year`` (and a scenario) and write the printable report.

    Parameters
    ----------
    model : khoan.Model
    year : int
        Budget year (one of the model's years).
    path : str or Path
        The PDF to write, e.g. ``bao-cao.pdf``.
    scenario : str or Scenario, optional
        A scenario of the model's ``scenarios.toml`` by name, or a :class:`khoan.Scenario`.
    lang : {"vi", "en"}
        Language of every label (Vietnamese by default).
    date : datetime.date, optional
        Date of the report (default today).

    Returns
    -------
    Path
        The PDF written.

    Raises
    ------
    KhoanError
        The year is not covered by the parameters, the scenario is unknown or fails, or the
        file cannot be written.

    Examples
    --------
    >>> khoan.report_pdf(model, 2017, "bao-cao.pdf", scenario="nq39_10pct")  # doctest: +SKIP
    """
    from ..budget import budget as _budget

    check_lang(lang)
    b = _budget(model, year)
    s = None
    if scenario is not None:
        from ..scenarios import run_scenario_cli, simulate

        s = (
            run_scenario_cli(model, scenario)
            if isinstance(scenario, str)
            else simulate(model, scenario)
        )
    return write_report(path, model, b, s, lang=lang, date=date)
