"""What every ``khoan`` command shares: the application, the consoles, model resolution.

Nothing heavy is imported here (no pandas, no Pyomo): ``khoan --help`` must stay fast. Each
command imports what it needs inside its function.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from ..errors import KhoanError

__all__ = ["app", "console", "err_console", "params_app", "resolve_model", "state"]

#: ``-h`` is ``--help`` everywhere (the application and every group).
CONTEXT = {"help_option_names": ["-h", "--help"]}

app = typer.Typer(
    name="khoan",
    help="Ngân sách khoán cấp xã — commune lump-sum budgets: payroll, allocation, staff reduction.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings=CONTEXT,
)
params_app = typer.Typer(
    help="Tham số pháp lý — legal parameters in force on a date.",
    no_args_is_help=True,
    context_settings=CONTEXT,
)
app.add_typer(params_app, name="params")

console = Console(width=None if sys.stdout.isatty() else 110)
err_console = Console(stderr=True, width=None if sys.stderr.isatty() else 110)
state = {"debug": False}


@app.callback()
def _main(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")] = False,
) -> None:
    state["debug"] = debug


def resolve_model(model: str):
    """Load a model from a folder path or the name of a bundled example."""
    from .. import examples
    from ..model import load

    p = Path(model)
    if p.exists() or model in examples.names():
        m = load(p) if p.exists() else examples.load(model)
        if m.synthetic:
            from ..report.excel import SYNTHETIC_NOTICE_EN, SYNTHETIC_NOTICE_VI

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


def lang_ok(value: str) -> str:
    if value not in ("vi", "en"):
        raise typer.BadParameter(f"{value!r}: vi (tiếng Việt) or en (English)")
    return value


def fmt_value(v) -> str:
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, float):
        return f"{v:,.4g}" if abs(v) < 1000 else f"{v:,.0f}"
    return str(v)


def check_out(out: Path | None) -> None:
    """An ``--out`` file that cannot be written is an error before any work is done."""
    if out is not None:
        from .._files import check_file_target

        check_file_target(out)


def write_table(df, out: Path, writer) -> None:
    if out.suffix.lower() == ".csv":
        from .._files import atomic_write_bytes
        from ..report.excel import csv_bytes

        atomic_write_bytes(out, csv_bytes(df))
    else:
        writer(out)
    console.print(f"Đã ghi / wrote {out}")
