"""``khoan params list|show`` (legal parameters in force) and ``khoan check`` (law cases)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from . import common
from .common import app, console, params_app
from .common import fmt_value as _fmt


@params_app.command("list")
def params_list(
    model: Annotated[
        str | None, typer.Option(help="Model folder or example name (adds its overlay).")
    ] = None,
    prefix: Annotated[str, typer.Argument(help="Only keys starting with this.")] = "",
) -> None:
    """List parameter keys with their unit and description."""
    from ..params import load_law

    tree = common.resolve_model(model).params if model else load_law()
    t = Table("key", "unit", "mô tả / description")
    for k in tree.keys():
        if k.startswith(prefix):
            m = tree.meta(k)
            t.add_row(
                k, m["unit"], f"{m['description'].get('vi', '')} / {m['description'].get('en', '')}"
            )
    console.print(t)


def _lookup_table(value: dict) -> Table:
    """A lookup parameter as a table: one row per key; nested mappings spread into columns."""
    inner = [v for v in value.values() if isinstance(v, dict)]
    if inner and len(inner) == len(value):
        cols = list(dict.fromkeys(k for v in inner for k in v))
        t = Table("", *[str(c) for c in cols])
        for k, v in value.items():
            t.add_row(
                str(k),
                *[
                    _fmt(v.get(c, "")) if not isinstance(v.get(c), dict) else str(v.get(c))
                    for c in cols
                ],
            )
        return t
    t = Table("khóa / key", "giá trị / value")
    for k, v in value.items():
        t.add_row(str(k), _fmt(v) if not isinstance(v, dict | list) else str(v))
    return t


@params_app.command("show")
def params_show(
    key: Annotated[str, typer.Argument(help="Parameter key, e.g. salary.base")],
    on: Annotated[
        str | None, typer.Option("--on", help="Date YYYY-MM-DD (default: today).")
    ] = None,
    model: Annotated[str | None, typer.Option(help="Model folder or example name.")] = None,
    history: Annotated[bool, typer.Option(help="Show every dated value.")] = False,
) -> None:
    """Print the value in force on a date with its legal reference."""
    import datetime as dt

    from ..params import load_law

    tree = common.resolve_model(model).params if model else load_law()
    meta = tree.meta(key)
    console.print(
        f"[bold]{key}[/bold] — {meta['description'].get('vi', '')} / {meta['description'].get('en', '')}"
    )
    console.print(f"unit: {meta['unit']}   file: {meta['file']}")
    entries = tree.history(key) if history else [tree.entry(key, on or dt.date.today())]
    for e in entries:
        end = e.end.isoformat() if e.end else "…"
        if isinstance(e.value, dict):
            console.print(f"  {e.start} → {end}:")
            console.print(_lookup_table(e.value))
        else:
            console.print(f"  {e.start} → {end}: [bold]{_fmt(e.value)}[/bold]")
        console.print(f"      reference: {e.reference}   confidence: {e.confidence}")
        if e.note:
            console.print(f"      note: {e.note}")


@app.command("check")
def check_command(
    cases: Annotated[
        list[Path], typer.Argument(help="Case file(s) (YAML), e.g. tests/law/*.yaml.")
    ],
    model: Annotated[
        str | None,
        typer.Option(help="Model folder or example name for payroll / budget cases."),
    ] = None,
) -> None:
    """Check khoan against law cases (YAML): pass / fail per case; exit 1 on a failure."""
    from ..lawcases import check as run_check

    res = run_check(list(cases), model=model)
    t = res.table
    for (_f, name), g in t.groupby(["file", "case"], sort=False):
        bad = g[~g["passed"]]
        if bad.empty:
            console.print(f"[green]PASS[/green] {name}", highlight=False)
            continue
        first = g.iloc[0]
        console.print(
            f"[red]FAIL[/red] {name}  ({first['file']}:{first['line']}; {first['source']})",
            highlight=False,
        )
        tab = Table("thành phần / component", "kỳ vọng / expected", "khoan", "chênh lệch / diff")
        for _, r in bad.iterrows():
            tab.add_row(
                str(r["component"]), _fmt(r["expected"]), _fmt(r["got"]), _fmt(r["difference"])
            )
        console.print(tab)
    n = len(res.cases)
    console.print(
        f"{n - res.n_failed}/{n} trường hợp đạt / cases passed"
        + (f"; {res.n_failed} không đạt / failed" if res.n_failed else "")
    )
    if not res.passed:
        raise typer.Exit(1)
