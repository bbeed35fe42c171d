"""``khoan budget`` (the lump sum of a year) and ``khoan demo`` (the main job, with a report)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from . import common
from .common import Lang, OutFile, app, cell, check_out, console, note, text, write_result


def print_summary(model, lang: str = "vi") -> None:
    """Communes by type and class, staff by category, key parameters in force."""
    import datetime as dt

    from ..data.labels import label as category
    from ..report.labels import label

    s = model.summary()
    console.print(f"[bold]{model.title}[/bold]  ({model.name})")
    total = f"[bold]{label('total', lang)}[/bold]"
    t = Table(label("type", lang), text(lang, "Số đơn vị", "Units"))
    for k, v in s["by_type"].items():
        t.add_row(category("type", k, lang), cell(v, lang))
    t.add_row(total, f"[bold]{cell(s['communes'], lang)}[/bold]")
    console.print(t)
    t = Table(label("class", lang), text(lang, "Số đơn vị", "Units"))
    for k, v in s["by_class"].items():
        t.add_row(text(lang, f"Loại {k}", f"Class {k}"), cell(v, lang))
    console.print(t)
    t = Table(label("category", lang), label("persons", lang))
    for k, v in s["by_category"].items():
        t.add_row(category("category", k, lang), cell(v, lang))
    t.add_row(total, f"[bold]{cell(s['staff'], lang)}[/bold]")
    console.print(t)
    on = dt.date(model.base_year, 1, 1)
    t = Table(
        text(lang, f"Tham số ngày {on}", f"Parameter on {on}"),
        text(lang, "Giá trị", "Value"),
        text(lang, "Căn cứ", "Reference"),
        text(lang, "Mức tin cậy", "Confidence"),
    )
    for key in (
        "salary.base",
        "contributions.employer.bhxh",
        "allowances.public_service.rate",
        "salary.vacancy_coefficient",
        "norms.provincial.per_post",
    ):
        if key in model.params:
            e = model.params.entry(key, on)
            t.add_row(key, cell(e.value, lang), e.reference, e.confidence)
    console.print(t)


@app.command("demo")
def demo_command(
    model: Annotated[str, typer.Option(help="Example model or folder.")] = "khanh_hoa_2016",
    out: Annotated[Path, typer.Option(help="Report folder.")] = Path("khoan-report"),
    lang: Lang = "vi",
) -> None:
    """Run the main job on a bundled Khánh Hòa model and write a report."""
    from .._files import check_folder_target
    from ..demo import run_demo

    check_folder_target(out)
    run_demo(
        model,
        out,
        console,
        load_model=common.resolve_model,
        show_summary=lambda m: print_summary(m, lang),
        lang=lang,
    )


def money_table(
    title: str, rows: list[tuple[str, int]], lang: str = "vi", *, total: bool = False
) -> Table:
    """A table of amounts in millions of đồng and in đồng, with the separators of ``lang``
    (1.234.567 in Vietnamese, 1,234,567 in English).

    With ``total``, the last row is the sum of the others and the millions are rounded by
    largest remainder (:func:`khoan.report.fmt.largest_remainder`) so that the displayed parts
    add up to the displayed total; otherwise each amount is rounded half up.
    """
    import numpy as np

    from ..report.fmt import MILLION, largest_remainder, millions, number, vnd

    t = Table(title, text(lang, "Triệu đồng", "Million VND"), text(lang, "Đồng", "VND"))
    t.columns[1].justify = t.columns[2].justify = "right"
    amounts = [int(v) for _, v in rows]
    if total:
        parts = np.array([amounts[:-1]], dtype=np.int64)
        mil = [*largest_remainder(parts, MILLION, np.array([amounts[-1]]))[0].tolist()]
        shown = [number(m, 0, lang) for m in [*mil, sum(mil)]]
    else:
        shown = [millions(v, lang) for v in amounts]
    for (name, v), m in zip(rows, shown, strict=True):
        t.add_row(name, m, vnd(v, lang))
    return t


@app.command("budget")
def budget_command(
    model: Annotated[str, typer.Argument(help="Model folder or example name.")],
    year: Annotated[int, typer.Option(help="Budget year.")],
    out: OutFile = None,
    lang: Lang = "vi",
) -> None:
    """Lump sum of every commune for a year (dự toán khoán), by component."""
    from ..budget import budget
    from ..notes import note_text
    from ..report.labels import label

    check_out(out, common.WITH_PDF)
    m = common.resolve_model(model)
    b = budget(m, year)
    prov = b.province.iloc[0]
    rows = [(label(k, lang), int(prov[k])) for k in b.province.columns if k != "total"]
    rows.append((label("total", lang), int(prov["total"])))
    console.print(money_table(f"{m.title} — {year}", rows, lang, total=True))
    exact = int(b.table["total"].sum()) == int(prov["total"])
    common.say(
        lang,
        f"{cell(len(b.table), lang)} đơn vị cấp xã; tổng = tổng các thành phần: {cell(exact, lang)}",
        f"{cell(len(b.table), lang)} communes; total = sum of components: {cell(exact, lang)}",
    )
    for n in b.notes:
        note(lang, note_text(n, "vi"), str(n))
    if out:
        write_result(b, out, lang, model=m)
