"""``khoan params list|show`` (legal parameters in force) and ``khoan check`` (law cases)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from . import common
from .common import Lang, app, cell, console, params_app, text


@params_app.command("list")
def params_list(
    model: Annotated[
        str | None, typer.Option(help="Model folder or example name (adds its overlay).")
    ] = None,
    prefix: Annotated[str, typer.Argument(help="Only keys starting with this.")] = "",
    lang: Lang = "vi",
) -> None:
    """List parameter keys with their unit and description."""
    from ..params import load_law

    tree = common.resolve_model(model).params if model else load_law()
    t = Table(
        text(lang, "Khóa", "Key"), text(lang, "Đơn vị", "Unit"), text(lang, "Mô tả", "Description")
    )
    for k in tree.keys():
        if k.startswith(prefix):
            m = tree.meta(k)
            t.add_row(k, m["unit"], _description(m, lang))
    console.print(t)


def _description(meta: dict, lang: str) -> str:
    """The parameter's description in ``lang`` (the other language when it has none)."""
    d = meta["description"]
    return d.get(lang) or d.get("vi" if lang == "en" else "en", "")


def _lookup_table(value: dict, lang: str = "vi") -> Table:
    """A lookup parameter as a table: one row per key; nested mappings spread into columns."""
    inner = [v for v in value.values() if isinstance(v, dict)]
    if inner and len(inner) == len(value):
        cols = list(dict.fromkeys(k for v in inner for k in v))
        t = Table("", *[str(c) for c in cols])
        for k, v in value.items():
            t.add_row(
                str(k),
                *[
                    cell(v.get(c, ""), lang) if not isinstance(v.get(c), dict) else str(v.get(c))
                    for c in cols
                ],
            )
        return t
    t = Table(text(lang, "Khóa", "Key"), text(lang, "Giá trị", "Value"))
    for k, v in value.items():
        t.add_row(str(k), cell(v, lang))
    return t


@params_app.command("show")
def params_show(
    key: Annotated[str, typer.Argument(help="Parameter key, e.g. salary.base")],
    on: Annotated[
        str | None, typer.Option("--on", help="Date YYYY-MM-DD (default: today).")
    ] = None,
    model: Annotated[str | None, typer.Option(help="Model folder or example name.")] = None,
    history: Annotated[bool, typer.Option(help="Show every dated value.")] = False,
    lang: Lang = "vi",
) -> None:
    """Print the value in force on a date with its legal reference."""
    import datetime as dt

    from ..params import load_law

    tree = common.resolve_model(model).params if model else load_law()
    meta = tree.meta(key)
    console.print(f"[bold]{key}[/bold] — {_description(meta, lang)}", highlight=False)
    console.print(
        text(lang, "đơn vị", "unit")
        + f": {meta['unit']}   "
        + text(lang, "tệp", "file")
        + f": {meta['file']}",
        highlight=False,
    )
    entries = tree.history(key) if history else [tree.entry(key, on or dt.date.today())]
    for e in entries:
        end = e.end.isoformat() if e.end else "…"
        if isinstance(e.value, dict):
            console.print(f"  {e.start} → {end}:")
            console.print(_lookup_table(e.value, lang))
        else:
            console.print(f"  {e.start} → {end}: [bold]{cell(e.value, lang)}[/bold]")
        console.print(
            "      "
            + text(lang, "căn cứ", "reference")
            + f": {e.reference}   "
            + text(lang, "mức tin cậy", "confidence")
            + f": {e.confidence}",
            highlight=False,
        )
        if e.note:
            console.print("      " + text(lang, "ghi chú", "note") + f": {e.note}")


@app.command("check")
def check_command(
    cases: Annotated[
        list[Path], typer.Argument(help="Case file(s) (YAML), e.g. tests/law/*.yaml.")
    ],
    model: Annotated[
        str | None,
        typer.Option(help="Model folder or example name for payroll / budget cases."),
    ] = None,
    lang: Lang = "vi",
) -> None:
    """Check khoan against law cases (YAML): pass / fail per case; exit 1 on a failure."""
    from ..lawcases import check as run_check

    res = run_check(list(cases), model=model)
    t = res.table
    passed, failed = text(lang, "ĐẠT", "PASS"), text(lang, "KHÔNG ĐẠT", "FAIL")
    for (_f, name), g in t.groupby(["file", "case"], sort=False):
        bad = g[~g["passed"]]
        if bad.empty:
            console.print(f"[green]{passed}[/green] {name}", highlight=False)
            continue
        first = g.iloc[0]
        console.print(
            f"[red]{failed}[/red] {name}  ({first['file']}:{first['line']}; {first['source']})",
            highlight=False,
        )
        tab = Table(
            text(lang, "Thành phần", "Component"),
            text(lang, "Kỳ vọng", "Expected"),
            "khoan",
            text(lang, "Chênh lệch", "Difference"),
        )
        for _, r in bad.iterrows():
            tab.add_row(
                str(r["component"]),
                cell(r["expected"], lang),
                cell(r["got"], lang),
                cell(r["difference"], lang),
            )
        console.print(tab)
    n = len(res.cases)
    common.say(
        lang,
        f"{n - res.n_failed}/{n} trường hợp đạt"
        + (f"; {res.n_failed} không đạt" if res.n_failed else ""),
        f"{n - res.n_failed}/{n} cases passed"
        + (f"; {res.n_failed} failed" if res.n_failed else ""),
    )
    if not res.passed:
        raise typer.Exit(1)
