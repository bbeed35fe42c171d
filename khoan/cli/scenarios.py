"""``khoan simulate`` (one staff-reduction scenario) and ``khoan run`` (many, in batch)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from . import common
from .common import Lang, OutFile, app, cell, check_out, console, err_console, note, text

#: Columns of the year-by-year table of ``khoan simulate`` (money in millions of đồng).
_SIMULATE_COLUMNS = (
    "headcount_start",
    "retirements",
    "leavers",
    "hires",
    "headcount_end",
    "one_off_cost",
    "recurring_savings",
    "cumulative_net_savings",
)


def _shown(v: Any, column: str, lang: str) -> str:
    """A cell of a terminal table: money (:data:`~khoan.report.labels.MONEY_COLUMNS`) in
    millions of đồng, other values by :func:`~khoan.cli.common.cell`."""
    from ..report.fmt import millions
    from ..report.labels import MONEY_COLUMNS

    if column in MONEY_COLUMNS and not isinstance(v, str):
        return millions(v, lang)
    return cell(v, lang, column)


@app.command("simulate")
def simulate_command(
    model: Annotated[str, typer.Argument(help="Model folder or example name.")],
    scenario: Annotated[str, typer.Option(help="Scenario name in the model's scenarios.toml.")],
    out: OutFile = None,
    lang: Lang = "vi",
) -> None:
    """Staff-reduction scenario year by year: headcount, salary fund, one-off costs, savings."""
    from ..report.labels import short_label
    from ..scenarios import run_scenario_cli

    check_out(out, common.WITH_PDF)
    m = common.resolve_model(model)
    r = run_scenario_cli(m, scenario, out=None)
    by = r.by_year
    cols = [c for c in _SIMULATE_COLUMNS if c in by.columns]
    t = Table(
        short_label("year", lang),
        box=box.SIMPLE_HEAD,
        caption=text(lang, "người; tiền: triệu đồng", "persons; money: million VND"),
    )
    for c in cols:  # the unit goes in the caption: the table fits 80 columns
        head = short_label(c, lang).split("\n")[0]
        t.add_column(head, justify="right", min_width=max(map(len, head.split())))
    for y, row in by.iterrows():
        year = row["year"] if "year" in by.columns else y
        t.add_row(cell(year, lang, "year"), *[_shown(row[c], c, lang) for c in cols])
    console.print(t)
    sm = r.summary()
    start, end = cell(sm["headcount_start"], lang), cell(sm["headcount_end"], lang)
    share = cell(sm["share_reduced"], lang, "share")
    payback = sm["payback_year"]
    common.say(
        lang,
        f"{scenario}: {start} → {end} người ({share}); "
        + (f"năm hoàn vốn: {payback}" if payback is not None else "chưa hoàn vốn trong kỳ"),
        f"{scenario}: {start} → {end} persons ({share}); "
        + (f"payback year: {payback}" if payback is not None else "no payback within the period"),
    )
    if sm.get("target_met") is False:
        gap = int(r.by_year["target_gap"].iloc[-1]) if "target_gap" in r.by_year else None
        last = r.by_year.index[-1]
        note(
            lang,
            "chưa đạt chỉ tiêu tinh giản"
            + (f" (còn thiếu {cell(gap, lang)} người năm {last})" if gap else "")
            + ": xem cột «Số người còn thiếu so với chỉ tiêu»",
            "the reduction target is not met"
            + (f" ({cell(gap, lang)} persons short in {last})" if gap else "")
            + ": see the target_gap column",
        )
    if out:
        common.write_result(r, out, lang, model=m)


#: Headline columns of the summary table printed by ``khoan run`` (when present).
_CLI_COLUMNS = ("leavers", "one_off_cost", "cumulative_net_savings", "payback_year")
#: Rows of that table at most (failed scenarios first).
_CLI_ROWS = 40
#: Width of the scenario-name column at least (longer names fold onto more lines).
_NAME_WIDTH = 12


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
    lang: str = "vi",
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
    lang : {"vi", "en"}
        Headers, messages and numbers of the printed table (money in millions of đồng;
        the columns fit an 80-column terminal, long scenario names fold).

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
    from ..report.labels import STATUS_LABELS, short_label

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
            bar.update(task, advance=1, last=f"{mark} {p['name'][:30]}")

        res = run_batch(m, scenarios, out, executor, progress=on_done, fn=fn, jobs=jobs)
        bar.update(task, completed=len(scenarios))

    t = res.table
    headline = [c for c in _CLI_COLUMNS if c in t.columns]
    if not headline:
        headline = [c for c in t.columns if c not in ("name", "status", "error")][:4]
    show = ["name", "status", *headline]
    table = Table(
        title=text(lang, f"khoan run — {len(t)} kịch bản", f"khoan run — {len(t)} scenarios")
    )
    for c in show:
        if c == "name":
            longest = max((len(str(n)) for n in t["name"]), default=4)
            table.add_column(
                short_label(c, lang), overflow="fold", min_width=min(longest, _NAME_WIDTH)
            )
        else:
            table.add_column(
                short_label(c, lang), no_wrap=True, justify="left" if c == "status" else "right"
            )
    shown = t
    if len(t) > _CLI_ROWS:  # the failed ones, then the first ok ones
        shown = pd.concat([t[t["status"] != "ok"], t[t["status"] == "ok"]]).head(_CLI_ROWS)
        table.caption = text(
            lang,
            f"{_CLI_ROWS} trên {len(t)} dòng; đủ cả trong {Path(out) / 'summary.csv'}",
            f"{_CLI_ROWS} of {len(t)} rows; all in {Path(out) / 'summary.csv'}",
        )
    k = 0 if lang == "vi" else 1
    for _, row in shown.iterrows():
        cells = [_shown(row[c], c, lang) for c in show]
        status = str(row["status"])
        cells[1] = STATUS_LABELS.get(status, (status, status))[k]
        if status != "ok":
            cells[1] = f"[red]{cells[1]}[/red]"
        table.add_row(*cells)
    out_c.print(table)
    n = res.provenance["counts"]
    where = Path(out)
    out_c.print(
        text(
            lang,
            f"{n['ok']} xong, {n['failed']} lỗi, {n['reused']} dùng lại từ lần chạy trước; "
            f"kết quả: {where}; sổ theo dõi: {where / MANIFEST}",
            f"{n['ok']} ok, {n['failed']} failed, {n['reused']} reused from an earlier run; "
            f"results: {where}; manifest: {where / MANIFEST}",
        ),
        highlight=False,
    )
    if res.failed:
        err_c.print(
            text(
                lang,
                f"Lỗi: {len(res.failed)} kịch bản không chạy được: {', '.join(res.failed)}",
                f"Error: {len(res.failed)} scenario(s) failed: {', '.join(res.failed)}",
            ),
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
    lang: Lang = "vi",
) -> None:
    """Run many scenarios (batch) on local cores or a Dask cluster; resumable."""
    from .._files import check_folder_target

    if jobs is not None and scheduler is not None:
        raise typer.BadParameter("give --jobs or --scheduler, not both")
    check_folder_target(out)
    code = run_batch_cli(scenarios, model, out, jobs=jobs, scheduler=scheduler, lang=lang)
    if code:
        raise typer.Exit(code)
