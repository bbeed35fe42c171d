"""``khoan budget`` (the lump sum of a year) and ``khoan demo`` (the main job, with a report)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from . import common
from .common import app, console, err_console
from .common import check_out as _check_out
from .common import fmt_value as _fmt
from .common import lang_ok as _lang_ok
from .common import write_table as _write_table


def print_summary(model) -> None:
    """Communes by type and class, staff by category, key parameters in force."""
    import datetime as dt

    from ..data.labels import label

    s = model.summary()
    console.print(f"[bold]{model.title}[/bold]  ({model.name})")
    t = Table("Loại đơn vị / type", "Số / count")
    for k, v in s["by_type"].items():
        t.add_row(label("type", k), str(v))
    t.add_row("[bold]Tổng / total[/bold]", f"[bold]{s['communes']}[/bold]")
    console.print(t)
    t = Table("Phân loại / class", "Số / count")
    for k, v in s["by_class"].items():
        t.add_row(f"Loại {k}", str(v))
    console.print(t)
    t = Table("Đối tượng / category", "Số người / persons")
    for k, v in s["by_category"].items():
        t.add_row(label("category", k), f"{v:,}")
    t.add_row("[bold]Tổng / total[/bold]", f"[bold]{s['staff']:,}[/bold]")
    console.print(t)
    on = dt.date(model.base_year, 1, 1)
    t = Table(
        f"Tham số ngày {on} / parameter", "Giá trị / value", "Căn cứ / reference", "Mức tin cậy"
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
            t.add_row(key, _fmt(e.value), e.reference, e.confidence)
    console.print(t)


@app.command("demo")
def demo_command(
    model: Annotated[str, typer.Option(help="Example model or folder.")] = "khanh_hoa_2016",
    out: Annotated[Path, typer.Option(help="Report folder.")] = Path("khoan-report"),
) -> None:
    """Run the main job on a bundled Khánh Hòa model and write a report."""
    from .._files import check_folder_target
    from ..demo import run_demo

    check_folder_target(out)
    run_demo(model, out, console, load_model=common.resolve_model, show_summary=print_summary)


def money_table(
    title: str, rows: list[tuple[str, int]], unit: int = 1_000_000, lang: str = "vi"
) -> Table:
    """A two-column table in millions of đồng (rounded half up; the total row is exact), with
    the thousands separator of ``lang`` (1.234.567 in Vietnamese, 1,234,567 in English)."""
    from ..report.fmt import vnd

    t = Table(title, "Triệu đồng / million VND", "Đồng / VND")
    for name, v in rows:
        t.add_row(name, vnd((int(v) + unit // 2) // unit, lang), vnd(int(v), lang))
    return t


@app.command("budget")
def budget_command(
    model: Annotated[str, typer.Argument(help="Model folder or example name.")],
    year: Annotated[int, typer.Option(help="Budget year.")],
    out: Annotated[Path | None, typer.Option(help="Write .xlsx or .csv.")] = None,
    lang: Annotated[str, typer.Option(help="vi or en.", callback=_lang_ok)] = "vi",
) -> None:
    """Lump sum of every commune for a year (dự toán khoán), by component."""
    from ..budget import budget as _budget
    from ..report.labels import label

    _check_out(out)
    m = common.resolve_model(model)
    b = _budget(m, year)
    prov = b.province.iloc[0]
    rows = [(label(k, lang), int(prov[k])) for k in b.province.columns if k != "total"]
    rows.append((label("total", lang), int(prov["total"])))
    console.print(money_table(f"{m.title} — {year}", rows, lang=lang))
    console.print(
        f"{len(b.table)} communes; total = sum of components: "
        f"{int(b.table['total'].sum()) == int(prov['total'])}"
    )
    for n in b.notes:
        err_console.print(f"[yellow]note[/yellow]: {n}", highlight=False)
    if out:
        _write_table(b.table, out, lambda p: b.to_excel(p))
