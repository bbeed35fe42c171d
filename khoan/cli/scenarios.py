"""``khoan simulate`` (one staff-reduction scenario) and ``khoan run`` (many, in batch)."""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from . import common
from .common import app, console, err_console
from .common import check_out as _check_out


@app.command("simulate")
def simulate_command(
    model: Annotated[str, typer.Argument(help="Model folder or example name.")],
    scenario: Annotated[str, typer.Option(help="Scenario name in the model's scenarios.toml.")],
    out: Annotated[Path | None, typer.Option(help="Write the result workbook (.xlsx).")] = None,
) -> None:
    """Staff-reduction scenario year by year: headcount, salary fund, one-off costs, savings."""
    from ..scenarios import run_scenario_cli

    _check_out(out)
    r = run_scenario_cli(common.resolve_model(model), scenario, out=None)
    by = r.by_year
    t = Table(
        "Năm / year",
        "Đầu kỳ",
        "Nghỉ hưu",
        "Tinh giản",
        "Tuyển",
        "Cuối kỳ",
        "Chi một lần (tr.đ)",
        "Tiết kiệm (tr.đ)",
        "Ròng lũy kế (tr.đ)",
    )
    for y, row in by.iterrows():
        t.add_row(
            str(y if "year" not in by.columns else row["year"]),
            f"{int(row['headcount_start']):,}",
            f"{int(row['retirements']):,}",
            f"{int(row['leavers']):,}",
            f"{int(row['hires']):,}",
            f"{int(row['headcount_end']):,}",
            f"{int(row['one_off_cost']) / 1e6:,.0f}",
            f"{int(row['recurring_savings']) / 1e6:,.0f}",
            f"{int(row['cumulative_net_savings']) / 1e6:,.0f}",
        )
    console.print(t)
    sm = r.summary()
    console.print(
        f"{scenario}: {sm['headcount_start']:,} → {sm['headcount_end']:,} "
        f"({sm['share_reduced']:.1%}); "
        + (
            f"năm hoàn vốn / payback year: {sm['payback_year']}"
            if sm["payback_year"] is not None
            else "chưa hoàn vốn trong kỳ / no payback within the period"
        )
    )
    if sm.get("target_met") is False:
        gap = int(r.by_year["target_gap"].iloc[-1]) if "target_gap" in r.by_year else None
        err_console.print(
            "[yellow]note[/yellow]: chưa đạt chỉ tiêu tinh giản / the reduction target is not "
            "met"
            + (f" ({gap:,} persons short in {r.by_year.index[-1]})" if gap else "")
            + ": see the target_gap column",
            highlight=False,
        )
    if out:
        console.print(f"Đã ghi / wrote {r.to_excel(out)}")


#: Headline columns of the summary table printed by ``khoan run`` (when present).
_CLI_COLUMNS = ("leavers", "one_off_cost", "cumulative_net_savings", "payback_year")
#: Rows of that table at most (failed scenarios first).
_CLI_ROWS = 40


def _fmt_cell(v: Any, column: str = "") -> str:
    import numpy as np
    import pandas as pd

    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, bool | np.bool_):
        return str(bool(v))
    if isinstance(v, int | np.integer):
        return str(int(v)) if "year" in column else f"{int(v):,}"
    if isinstance(v, float | np.floating) and "share" in column:
        return f"{float(v):.2%}"
    if isinstance(v, float | np.floating):
        return f"{float(v):,.4g}" if abs(v) < 1000 else f"{float(v):,.0f}"
    return str(v)


def run_batch_cli(
    scenarios_path: str | Path,
    model: Any,
    out: str | Path,
    jobs: int | None = None,
    scheduler: str | None = None,
    *,
    stdout: Console | None = None,
    stderr: Console | None = None,
    fn: Callable | None = None,
) -> int:
    """``khoan run SCENARIOS.toml --model PATH --out DIR [--jobs N | --scheduler ADDRESS]``.

    Parameters
    ----------
    scenarios_path : str or Path
        Scenario file: listed scenarios and/or a grid (``[base]`` + ``[grid]``), read by
        :func:`khoan.scenarios.load_scenarios`.
    model : str, Path or Model
        Model folder, name of a bundled example, or a loaded model.
    out : str or Path
        Output folder (created; a rerun resumes).
    jobs : int, optional
        Local worker processes; ``None`` or 1 runs in this process.
    scheduler : str, optional
        Address of a Dask scheduler (``tcp://host:8786``); excludes ``jobs``.
    stdout, stderr : rich.console.Console, optional
        Where to print (default the command's consoles on stdout / stderr).
    fn : callable, optional
        Replaces :func:`khoan.scenarios.simulate` (tests).

    Returns
    -------
    int
        0 when every scenario finished, 1 when any failed (they are named on stderr), 2 for
        conflicting options.

    Raises
    ------
    KhoanError
        The model or the scenario file cannot be read (the CLI prints it, exit 1).
    """
    import pandas as pd
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from ..batch import MANIFEST, load_batch_scenarios, run_batch

    out_c = stdout or console
    err_c = stderr or err_console
    if jobs is not None and scheduler is not None:
        err_c.print("give --jobs or --scheduler, not both")
        return 2
    if jobs is not None and jobs < 1:
        err_c.print("--jobs must be at least 1")
        return 2
    m = common.resolve_model(os.fspath(model)) if isinstance(model, str | os.PathLike) else model
    scenarios = load_batch_scenarios(scenarios_path)
    executor: Any = scheduler if scheduler else ("processes" if jobs and jobs > 1 else None)

    columns = [
        TextColumn("[bold]khoan run"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        TextColumn("{task.fields[last]}"),
    ]
    failed_live: list[str] = []
    with Progress(*columns, console=err_c, transient=False) as bar:
        task = bar.add_task("run", total=len(scenarios), last="")

        def on_done(p: dict[str, Any]) -> None:
            if p["status"] != "ok":
                failed_live.append(p["name"])
            mark = "✓" if p["status"] == "ok" else "✗"
            bar.update(task, advance=1, last=f"{mark} {p['name'][:50]}")

        res = run_batch(m, scenarios, out, executor, progress=on_done, fn=fn, jobs=jobs)
        bar.update(task, completed=len(scenarios))

    t = res.table
    headline = [c for c in _CLI_COLUMNS if c in t.columns]
    if not headline:
        headline = [c for c in t.columns if c not in ("name", "status", "error")][:6]
    show = ["name", "status", *headline]
    table = Table(title=f"khoan run — {len(t)} scenarios → {out}")
    for c in show:
        if c == "name":
            longest = max((len(str(n)) for n in t["name"]), default=4)
            table.add_column(c, overflow="fold", min_width=min(longest, 40))
        else:
            table.add_column(c, no_wrap=True, justify="left" if c == "status" else "right")
    shown = t
    if len(t) > _CLI_ROWS:  # the failed ones, then the first ok ones
        shown = pd.concat([t[t["status"] != "ok"], t[t["status"] == "ok"]]).head(_CLI_ROWS)
        table.caption = f"{_CLI_ROWS} of {len(t)} rows; all in {Path(out) / 'summary.csv'}"
    for _, row in shown.iterrows():
        cells = [_fmt_cell(row[c], c) for c in show]
        if row["status"] != "ok":
            cells[1] = f"[red]{cells[1]}[/red]"
        table.add_row(*cells)
    out_c.print(table)
    c = res.provenance["counts"]
    out_c.print(
        f"{c['ok']} ok, {c['failed']} failed, {c['reused']} reused from an earlier run; "
        f"manifest: {Path(out) / MANIFEST}"
    )
    if res.failed:
        err_c.print(
            f"Lỗi / error: {len(res.failed)} scenario(s) failed: {', '.join(res.failed)}",
            style="red",
            highlight=False,
            markup=False,
        )
        for name in res.failed:
            err = t.loc[t["name"] == name, "error"].iloc[0]
            err_c.print(f"  - {name}: {err}", highlight=False, markup=False)
        return 1
    return 0


@app.command("run")
def run_command(
    scenarios: Annotated[Path, typer.Argument(help="Scenario file (TOML): a list or a grid.")],
    model: Annotated[str, typer.Option(help="Model folder or example name.")],
    out: Annotated[Path, typer.Option(help="Output folder (a rerun resumes).")],
    jobs: Annotated[int | None, typer.Option(help="Local worker processes.")] = None,
    scheduler: Annotated[
        str | None, typer.Option(help="Dask scheduler address, e.g. tcp://host:8786.")
    ] = None,
) -> None:
    """Run many scenarios (batch) on local cores or a Dask cluster; resumable."""
    from .._files import check_folder_target

    if jobs is not None and scheduler is not None:
        raise typer.BadParameter("give --jobs or --scheduler, not both")
    check_folder_target(out)
    code = run_batch_cli(scenarios, model, out, jobs=jobs, scheduler=scheduler)
    if code:
        raise typer.Exit(code)
