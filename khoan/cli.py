"""The ``khoan`` command.

User errors (:class:`~khoan.errors.KhoanError`) are printed without a traceback and exit 1;
``khoan --debug ...`` shows the traceback. Usage errors exit 2.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from .errors import KhoanError

app = typer.Typer(
    name="khoan",
    help="Ngân sách khoán cấp xã — commune lump-sum budgets: payroll, allocation, staff reduction.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
params_app = typer.Typer(
    help="Tham số pháp lý — legal parameters in force on a date.", no_args_is_help=True
)
app.add_typer(params_app, name="params")

console = Console(width=None if sys.stdout.isatty() else 110)
err_console = Console(stderr=True, width=None if sys.stderr.isatty() else 110)
_state = {"debug": False}


@app.callback()
def _main(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")] = False,
) -> None:
    _state["debug"] = debug


def resolve_model(model: str):
    """Load a model from a folder path or the name of a bundled example."""
    from . import examples
    from .model import load

    p = Path(model)
    if p.exists() or model in examples.names():
        m = load(p) if p.exists() else examples.load(model)
        if m.synthetic:
            from .report.excel import SYNTHETIC_NOTICE_EN, SYNTHETIC_NOTICE_VI

            err_console.print(
                f"[yellow]note[/yellow]: {SYNTHETIC_NOTICE_VI} / {SYNTHETIC_NOTICE_EN}",
                highlight=False,
            )
        if m.registry_note:
            err_console.print(f"[yellow]note[/yellow]: {m.registry_note}", highlight=False)
        return m
    raise KhoanError(
        f"model {model!r} not found: give a model folder or one of {', '.join(examples.names())}"
    )


def _lang_ok(value: str) -> str:
    if value not in ("vi", "en"):
        raise typer.BadParameter(f"{value!r}: vi (tiếng Việt) or en (English)")
    return value


def _fmt(v) -> str:
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, float):
        return f"{v:,.4g}" if abs(v) < 1000 else f"{v:,.0f}"
    return str(v)


@params_app.command("list")
def params_list(
    model: Annotated[
        str | None, typer.Option(help="Model folder or example name (adds its overlay).")
    ] = None,
    prefix: Annotated[str, typer.Argument(help="Only keys starting with this.")] = "",
) -> None:
    """List parameter keys with their unit and description."""
    from .params import load_law

    tree = resolve_model(model).params if model else load_law()
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

    from .params import load_law

    tree = resolve_model(model).params if model else load_law()
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


@app.command()
def validate(
    path: Annotated[
        str,
        typer.Argument(help="Model folder (with model.toml), example name, or filled template."),
    ],
    strict: Annotated[
        bool, typer.Option(help="Treat normalisations (NFD text) as errors.")
    ] = False,
    province: Annotated[
        str | None, typer.Option(help="Workbook only: province code the communes belong to.")
    ] = None,
    structure: Annotated[
        str, typer.Option(help="Workbook only: registry structure, 2025 or 2016.")
    ] = "2025",
    no_registry: Annotated[
        bool, typer.Option("--no-registry", help="Workbook only: do not check codes.")
    ] = False,
) -> None:
    """Validate a model folder (or a filled template): every problem with file, row and column."""
    from . import examples
    from .model import load

    p = Path(path)
    if p.is_file() and p.suffix.lower() in (".xlsx", ".xlsm"):
        _validate_workbook(p, province, structure, not no_registry)
        return
    m = load(
        p if p.exists() or path not in examples.names() else examples.path(path), strict=strict
    )
    for n in m.notices:
        err_console.print(f"[yellow]note[/yellow]: {n}")
    s = m.summary()
    console.print(
        f"[green]OK[/green] {m.name}: {s['communes']} communes, {s['staff']} staff, "
        f"{len(m.outputs)} output rows"
    )


def _validate_workbook(xlsx: Path, province: str | None, structure: str, registry: bool) -> None:
    """``khoan validate filled.xlsx``: check the template as ``khoan init --from`` would, and
    say what to run next."""
    import tempfile

    from .errors import ValidationError
    from .report.template import template_to_model

    hint = "khoan init MY_MODEL --province " + (province or "CODE") + f" --from {xlsx}"
    if structure != "2025":
        hint += f" --structure {structure}"
    if not registry:
        hint += " --no-registry"
    with tempfile.TemporaryDirectory() as tmp:
        try:
            model = template_to_model(
                xlsx,
                Path(tmp) / "check",
                province_code=province,
                structure=structure,
                registry=registry,
            )
        except ValidationError as exc:
            raise ValidationError(
                exc.problems,
                title=f"Template {xlsx.name} is not valid (fix it, then run khoan validate "
                f"{xlsx} again; then: {hint})",
            ) from None
        from .model import load

        m = load(model)
    s = m.summary()
    console.print(
        f"[green]OK[/green] {xlsx.name}: {s['communes']} communes, {s['staff']} staff, "
        f"{len(m.outputs)} output rows",
        highlight=False,
    )
    if m.registry_note:
        err_console.print(f"[yellow]note[/yellow]: {m.registry_note}", highlight=False)
    console.print(f"Tạo mô hình / make the model: {hint}", highlight=False, soft_wrap=True)


def print_summary(model) -> None:
    """Communes by type and class, staff by category, key parameters in force."""
    import datetime as dt

    from .data.labels import label

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


@app.command()
def demo(
    model: Annotated[str, typer.Option(help="Example model or folder.")] = "khanh_hoa_2016",
    out: Annotated[Path, typer.Option(help="Report folder.")] = Path("khoan-report"),
) -> None:
    """Run the main job on a bundled Khánh Hòa model and write a report."""
    from ._files import check_folder_target
    from .demo import run_demo

    check_folder_target(out)
    run_demo(model, out, console, load_model=resolve_model, show_summary=print_summary)


@app.command()
def init(
    folder: Annotated[Path, typer.Argument(help="New model folder (must not exist or be empty).")],
    province: Annotated[str, typer.Option(help="Official province code, e.g. 56 (Khánh Hòa).")],
    from_: Annotated[
        Path | None, typer.Option("--from", help="A filled template (khoan template).")
    ] = None,
    structure: Annotated[
        str, typer.Option(help="Administrative structure: 2025 (two tiers) or 2016.")
    ] = "2025",
    base_year: Annotated[
        int | None, typer.Option(help="Roster year (default: this year); the model covers 5 years.")
    ] = None,
    no_registry: Annotated[
        bool,
        typer.Option(
            "--no-registry",
            help="Do not check codes against the official registry (made-up or future units); "
            "every output says so.",
        ),
    ] = False,
    lang: Annotated[str, typer.Option(help="Blank workbook language.", callback=_lang_ok)] = "vi",
) -> None:
    """Make a new province model: model.toml, tables, params/ to fill, scenarios.toml."""
    from .report.template import init_model

    if structure not in ("2025", "2016"):
        raise typer.BadParameter(f"--structure {structure}: 2025 or 2016")
    path = init_model(
        folder,
        province,
        xlsx=from_,
        structure=structure,
        base_year=base_year,
        registry=not no_registry,
        lang=lang,
    )
    console.print(f"Đã tạo / created {path}", highlight=False)
    for f in sorted(p for p in path.rglob("*") if p.is_file()):
        console.print(f"  {f.relative_to(path)}", highlight=False)
    if no_registry:
        err_console.print(
            "[yellow]note[/yellow]: registry = false — codes are not checked against the "
            "official registry; every output will say so",
            highlight=False,
        )
    steps = ([f"fill {path / 'input.xlsx'}", f"khoan validate {path}"] if from_ is None else []) + [
        f"put the province's parameters in {path / 'params'} (see params/README.md)",
        f"khoan budget {path} --year {_base_year(path)}",
    ]
    console.print("Tiếp theo / next:", highlight=False)
    for i, s in enumerate(steps, 1):
        console.print(f"  {i}. {s}", highlight=False, soft_wrap=True)


def _base_year(folder: Path) -> int:
    import tomllib

    return int(tomllib.loads((folder / "model.toml").read_text("utf-8"))["base_year"])


@app.command()
def template(
    out: Annotated[Path, typer.Argument(help="Workbook to write, e.g. nhap-lieu.xlsx")],
    lang: Annotated[str, typer.Option(help="Header language: vi or en.", callback=_lang_ok)] = "vi",
    model: Annotated[
        str | None, typer.Option(help="Fill the template with this model's tables.")
    ] = None,
) -> None:
    """Write a blank input workbook (communes, staff, outputs) with instructions and lists."""
    from ._files import check_file_target
    from .report.template import write_template

    check_file_target(out)
    path = write_template(out, lang=lang, model=resolve_model(model) if model else None)
    console.print(f"Đã ghi / wrote {path}")


def _money_table(
    title: str, rows: list[tuple[str, int]], unit: int = 1_000_000, lang: str = "vi"
) -> Table:
    """A two-column table in millions of đồng (rounded half up; the total row is exact), with
    the thousands separator of ``lang`` (1.234.567 in Vietnamese, 1,234,567 in English)."""
    from .report.fmt import vnd

    t = Table(title, "Triệu đồng / million VND", "Đồng / VND")
    for name, v in rows:
        t.add_row(name, vnd((int(v) + unit // 2) // unit, lang), vnd(int(v), lang))
    return t


def _check_out(out: Path | None) -> None:
    """An ``--out`` file that cannot be written is an error before any work is done."""
    if out is not None:
        from ._files import check_file_target

        check_file_target(out)


def _write_table(df, out: Path, writer) -> None:
    if out.suffix.lower() == ".csv":
        from ._files import atomic_write_bytes
        from .report.excel import csv_bytes

        atomic_write_bytes(out, csv_bytes(df))
    else:
        writer(out)
    console.print(f"Đã ghi / wrote {out}")


@app.command()
def budget(
    model: Annotated[str, typer.Argument(help="Model folder or example name.")],
    year: Annotated[int, typer.Option(help="Budget year.")],
    out: Annotated[Path | None, typer.Option(help="Write .xlsx or .csv.")] = None,
    lang: Annotated[str, typer.Option(help="vi or en.", callback=_lang_ok)] = "vi",
) -> None:
    """Lump sum of every commune for a year (dự toán khoán), by component."""
    from .budget import budget as _budget
    from .report.labels import label

    _check_out(out)
    m = resolve_model(model)
    b = _budget(m, year)
    prov = b.province.iloc[0]
    rows = [(label(k, lang), int(prov[k])) for k in b.province.columns if k != "total"]
    rows.append((label("total", lang), int(prov["total"])))
    console.print(_money_table(f"{m.title} — {year}", rows, lang=lang))
    console.print(
        f"{len(b.table)} communes; total = sum of components: "
        f"{int(b.table['total'].sum()) == int(prov['total'])}"
    )
    for n in b.notes:
        err_console.print(f"[yellow]note[/yellow]: {n}", highlight=False)
    if out:
        _write_table(b.table, out, lambda p: b.to_excel(p))


@app.command()
def allocate(
    model: Annotated[str, typer.Argument(help="Model folder or example name.")],
    year: Annotated[int, typer.Option(help="Budget year.")],
    envelope: Annotated[
        str, typer.Option(help="VND, or 'norm', 'norm+2%' (norm-based total ± a share).")
    ] = "norm",
    objective: Annotated[str, typer.Option(help="quadratic, absolute or minimax.")] = "quadratic",
    solver: Annotated[str, typer.Option(help="highs (default), kkt, glpk, ...")] = "highs",
    corridor: Annotated[
        float | None, typer.Option(help="Stability corridor ± share (default: parameter).")
    ] = None,
    no_corridor: Annotated[
        bool, typer.Option("--no-corridor", help="No stability corridor.")
    ] = False,
    out: Annotated[Path | None, typer.Option(help="Write .xlsx or .csv.")] = None,
    lang: Annotated[str, typer.Option(help="vi or en.", callback=_lang_ok)] = "vi",
) -> None:
    """Output-based allocation of an envelope among communes (Pyomo + HiGHS)."""
    from .allocate.api import allocate as _allocate
    from .allocate.api import parse_envelope
    from .budget import budget as _budget

    if objective not in ("quadratic", "absolute", "minimax"):
        raise typer.BadParameter("objective must be quadratic, absolute or minimax")
    if corridor is not None and not 0 <= corridor < 1:
        raise typer.BadParameter(
            f"--corridor {corridor}: a share of last year's allocation between 0 and 1 "
            "(e.g. 0.1 for ± 10 %)"
        )
    _check_out(out)
    relative = envelope.strip().lower().startswith("norm")
    if not relative:  # an amount: checked before the model is loaded
        parse_envelope(envelope, 0, what="--envelope")
    m = resolve_model(model)
    norm_total = int(_budget(m, year).table["total"].sum())
    env = parse_envelope(envelope, norm_total, what="--envelope")
    r = _allocate(
        m,
        year,
        env,
        objective=objective,
        solver=solver,
        corridor=False if no_corridor else corridor,
    )
    s = r.summary()
    console.print(
        _money_table(
            f"{m.title} — phân bổ {year} ({r.status})",
            [
                ("Tổng kinh phí / envelope", s["envelope"]),
                ("Tổng định mức / norm total", norm_total),
                ("Tổng mục tiêu / targets", s["sum_targets"]),
                ("Tổng mức sàn / floors", s["sum_floors"]),
                ("Tổng phân bổ / allocated", int(r.table["allocation"].sum())),
            ],
            lang=lang,
        )
    )
    console.print(
        f"Xã ở mức sàn / at floor: {s['communes_at_floor']}; ở biên độ / at corridor: "
        f"{s['communes_at_corridor']}; giá trị biên của tổng kinh phí / envelope dual: "
        f"{s['envelope_dual']:.6f}"
    )
    if out:
        _write_table(r.table, out, lambda p: r.to_excel(p, lang=lang))


@app.command()
def simulate(
    model: Annotated[str, typer.Argument(help="Model folder or example name.")],
    scenario: Annotated[str, typer.Option(help="Scenario name in the model's scenarios.toml.")],
    out: Annotated[Path | None, typer.Option(help="Write the result workbook (.xlsx).")] = None,
) -> None:
    """Staff-reduction scenario year by year: headcount, salary fund, one-off costs, savings."""
    from .scenarios import run_scenario_cli

    _check_out(out)
    r = run_scenario_cli(resolve_model(model), scenario, out=None)
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


# -- khoan report: the printable PDF (logic in khoan/report/pdf.py) --------------------------------
@app.command()
def report(
    model: Annotated[str, typer.Argument(help="Model folder or example name.")],
    year: Annotated[int, typer.Option(help="Budget year.")],
    out: Annotated[Path, typer.Option(help="The PDF to write, e.g. bao-cao.pdf.")],
    scenario: Annotated[
        str | None, typer.Option(help="Add a scenario of the model's scenarios.toml.")
    ] = None,
    lang: Annotated[str, typer.Option(help="vi or en.", callback=_lang_ok)] = "vi",
) -> None:
    """Printable report (PDF, A4): summary, charts, tables by district, parameters, provenance."""
    if out.suffix.lower() != ".pdf":
        raise typer.BadParameter(f"--out {out}: the report is a PDF, e.g. bao-cao.pdf")
    _check_out(out)
    from .report.pdf import report_pdf

    path = report_pdf(resolve_model(model), year, out, scenario=scenario, lang=lang)
    console.print(f"Đã ghi / wrote {path}", highlight=False)


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

    from .batch import MANIFEST, load_batch_scenarios, run_batch

    out_c = stdout or console
    err_c = stderr or err_console
    if jobs is not None and scheduler is not None:
        err_c.print("give --jobs or --scheduler, not both")
        return 2
    if jobs is not None and jobs < 1:
        err_c.print("--jobs must be at least 1")
        return 2
    m = resolve_model(os.fspath(model)) if isinstance(model, str | os.PathLike) else model
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


@app.command()
def run(
    scenarios: Annotated[Path, typer.Argument(help="Scenario file (TOML): a list or a grid.")],
    model: Annotated[str, typer.Option(help="Model folder or example name.")],
    out: Annotated[Path, typer.Option(help="Output folder (a rerun resumes).")],
    jobs: Annotated[int | None, typer.Option(help="Local worker processes.")] = None,
    scheduler: Annotated[
        str | None, typer.Option(help="Dask scheduler address, e.g. tcp://host:8786.")
    ] = None,
) -> None:
    """Run many scenarios (batch) on local cores or a Dask cluster; resumable."""
    from ._files import check_folder_target

    if jobs is not None and scheduler is not None:
        raise typer.BadParameter("give --jobs or --scheduler, not both")
    check_folder_target(out)
    code = run_batch_cli(scenarios, model, out, jobs=jobs, scheduler=scheduler)
    if code:
        raise typer.Exit(code)


@app.command()
def check(
    cases: Annotated[
        list[Path], typer.Argument(help="Case file(s) (YAML), e.g. tests/law/*.yaml.")
    ],
    model: Annotated[
        str | None,
        typer.Option(help="Model folder or example name for payroll / budget cases."),
    ] = None,
) -> None:
    """Check khoan against law cases (YAML): pass / fail per case; exit 1 on a failure."""
    from .lawcases import check as run_check

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


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``khoan`` command."""
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    try:
        code = app(args=argv, standalone_mode=False)
        if isinstance(code, int) and code:
            sys.exit(code)
    except KhoanError as exc:
        if debug:
            raise
        err_console.print(
            f"Lỗi / error: {exc}", style="red", highlight=False, markup=False, soft_wrap=True
        )
        sys.exit(1)
    except OSError as exc:  # a file system error no check foresaw: still one line
        if debug:
            raise
        where = f"{exc.filename}: " if exc.filename else ""
        reason = exc.strerror or type(exc).__name__
        err_console.print(
            f"Lỗi / error: {where}{reason}",
            style="red",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )
        sys.exit(1)
    except KeyboardInterrupt:
        err_console.print("interrupted")
        sys.exit(130)
    except SystemExit:
        raise
    except Exception as exc:  # usage errors of the (vendored) click library
        if type(exc).__name__ == "Abort":
            sys.exit(1)
        if hasattr(exc, "show") and hasattr(exc, "exit_code"):
            exc.show()
            sys.exit(exc.exit_code)
        raise


if __name__ == "__main__":  # pragma: no cover
    main()
