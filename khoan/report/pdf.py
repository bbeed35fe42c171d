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

This module holds the sections; the tables and the text of their rows are in
:mod:`khoan.report.pdf_tables` (pure pandas), the fpdf2 primitives (font, document, headings,
tables, charts) in :mod:`khoan.report.pdf_layout`.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from .._files import atomic_write_bytes
from ..errors import KhoanError
from ..notes import note_text
from .fmt import number, vnd
from .labels import check_lang, label, text
from .pdf_layout import (
    FONT,
    font_files,
    heading,
    image,
    new_pdf,
    paragraph,
    plain_table,
    table,
)
from .pdf_tables import (
    budget_parts,
    by_commune_table,
    by_district_table,
    date_text,
    money_rows,
    params_table,
    provenance_rows,
    province_name,
    scenario_year_table,
    value_text,
)

__all__ = [
    "by_commune_table",
    "by_district_table",
    "font_files",
    "report_pdf",
    "scenario_year_table",
    "write_report",
    "write_result_report",
]


# -- the sections ----------------------------------------------------------------------------------


def _title_page(pdf: Any, model: Any, b: Any, s: Any, lang: str, on: _dt.date) -> None:
    from .. import __version__

    pdf.add_page()
    pdf.ln(30)
    pdf.set_font(FONT, "B", 22)
    pdf.multi_cell(0, 11, text("BÁO CÁO", "REPORT", lang), align="C", new_x="LMARGIN")
    pdf.set_font(FONT, "B", 15)
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
    prov = province_name(model)
    if prov:
        pdf.set_font(FONT, "B", 16)
        pdf.multi_cell(0, 9, prov, align="C", new_x="LMARGIN")
    if model.title != prov:
        pdf.set_font(FONT, "", 12)
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
    lines.append(text(f"Ngày lập: {date_text(on, lang)}", f"Date: {date_text(on, lang)}", lang))
    pdf.set_font(FONT, "", 11)
    for line in lines:
        pdf.multi_cell(0, 7, line, align="C", new_x="LMARGIN")
    pdf.ln(10)
    if getattr(model, "synthetic", False):
        from .excel import SYNTHETIC_NOTICE_EN, SYNTHETIC_NOTICE_VI

        pdf.set_text_color(160, 40, 0)
        paragraph(pdf, text(SYNTHETIC_NOTICE_VI, SYNTHETIC_NOTICE_EN, lang), 10, bold=True)
        pdf.set_text_color(0, 0, 0)
    note = getattr(model, "registry_note", None)
    if note:
        paragraph(pdf, note, 9)
    pdf.set_y(pdf.h - 40)
    paragraph(
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
    heading(pdf, text("1. Tóm tắt", "1. Summary", lang))
    n = len(b.table)
    paragraph(
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
    table(
        pdf,
        [text("Thành phần", "Component", lang), text("Triệu đồng", "Million đồng", lang), "Đồng"],
        money_rows(b, model, lang),
        [90, 40, 50],
        ["LEFT", "RIGHT", "RIGHT"],
        size=9,
        bold_last=True,
    )
    if "bonus_fund" in b.table.columns:
        paragraph(
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
        paragraph(pdf, f"• {note_text(note, lang)}", 8.5)
    if s is not None:
        _scenario_headline(pdf, s, lang)
    pdf.ln(2)
    image(pdf, b.plot.components(top=30, lang=lang), "components")


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
    paragraph(
        pdf,
        text(
            f"Kịch bản {s.scenario.name} ({horizon[0]}–{horizon[1]}):",
            f"Scenario {s.scenario.name} ({horizon[0]}–{horizon[1]}):",
            lang,
        ),
        9.5,
        bold=True,
    )
    table(pdf, ["", ""], rows, [90, 90], ["LEFT", "RIGHT"], size=9)


def _district_section(pdf: Any, model: Any, b: Any, lang: str) -> None:
    d = by_district_table(b, model, lang)
    parts = [c for c in budget_parts(b) if d[c].any()]
    by_type = d.attrs.get("grouped_by") == "type"
    pdf.add_page(orientation="L")
    heading(
        pdf,
        text(
            f"2. Dự toán năm {b.year} theo " + ("loại đơn vị" if by_type else "huyện"),
            f"2. Lump sums {b.year} by " + ("unit type" if by_type else "district"),
            lang,
        ),
    )
    paragraph(
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
    table(
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
    image(pdf, ax, "by district")


def _commune_section(pdf: Any, model: Any, b: Any, lang: str) -> None:
    t = by_commune_table(b, model, lang)
    by_type = model.communes["district_name"].isna().any()
    pdf.add_page(orientation="P")
    heading(
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
    plain_table(
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
    heading(
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
                f"Chỉ tiêu: {target.kind} = {value_text(target.value, lang)}",
                f"Target: {target.kind} = {value_text(target.value, lang)}",
                lang,
            )
        )
    if getattr(sc, "title", ""):
        desc.insert(0, sc.title)
    paragraph(pdf, "; ".join(desc) + ".", 9)
    paragraph(
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
    table(
        pdf,
        header,
        rows,
        [w0, *[w] * len(cols)],
        ["LEFT", *["RIGHT"] * len(cols)],
        size=8,
        bold_last=True,
    )
    pdf.add_page(orientation="P")
    image(pdf, s.plot.headcount(lang=lang), "headcount")
    image(pdf, s.plot.cumulative(lang=lang), "cumulative")
    image(pdf, s.plot.waterfall(lang=lang), "waterfall")


def _params_section(pdf: Any, model: Any, results: Sequence[Any], lang: str, n: int) -> None:
    df = params_table(results)
    pdf.add_page(orientation="L")
    heading(pdf, text(f"{n}. Tham số đã sử dụng", f"{n}. Parameters used", lang))
    paragraph(
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
                f"{date_text(r['from'], lang)} – {date_text(r['to'], lang)}",
                value_text(r["value"], lang),
                str(r.get("unit", "") or ""),
                str(r.get("reference", "") or ""),
                str(r.get("confidence", "") or ""),
            ]
        )
    table(
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


def _provenance_section(pdf: Any, b: Any, s: Any, lang: str, n: int) -> None:
    pdf.add_page(orientation="P")
    heading(pdf, text(f"{n}. Nguồn gốc số liệu", f"{n}. Provenance", lang))
    paragraph(
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
        paragraph(pdf, title, 9.5, bold=True)
        table(
            pdf,
            [label("item", lang), label("value", lang)],
            provenance_rows(prov, lang),
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
    pdf = new_pdf(lang, running, on)
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


def write_result_report(path: str | Path, model: Any, result: Any, *, lang: str = "vi") -> Path:
    """The printable report of one result already computed (``--out x.pdf``).

    A budget (:class:`~khoan.budget.BudgetResult`) is reported alone; a scenario
    (:class:`~khoan.scenarios.ScenarioResult`) beside the budget of its first year.

    Parameters
    ----------
    path : str or Path
        The PDF to write.
    model : khoan.Model
        The model ``result`` was computed from.
    result : BudgetResult or ScenarioResult
    lang : {"vi", "en"}

    Returns
    -------
    Path
    """
    from ..budget import BudgetResult
    from ..budget import budget as _budget

    if isinstance(result, BudgetResult):
        return write_report(path, model, result, lang=lang)
    by = result.by_year
    first = int(by["year"].iloc[0] if "year" in by else by.index[0])
    return write_report(path, model, _budget(model, first), result, lang=lang)
