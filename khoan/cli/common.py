"""What every ``khoan`` command shares: the application, the consoles, model resolution.

Nothing heavy is imported here (no pandas, no Pyomo): ``khoan --help`` must stay fast. Each
command imports what it needs inside its function.
"""

from __future__ import annotations

import numbers
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from ..errors import KhoanError

__all__ = [
    "REFUSED",
    "WITH_PDF",
    "WRITERS",
    "Lang",
    "OutFile",
    "app",
    "cell",
    "check_out",
    "console",
    "err_console",
    "params_app",
    "resolve_model",
    "say",
    "state",
    "write_result",
]

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


def _width(stream) -> int | None:
    """The terminal's width (or ``COLUMNS`` when set); 110 columns when writing to a file."""
    return None if stream.isatty() or os.environ.get("COLUMNS", "").isdigit() else 110


console = Console(width=_width(sys.stdout))
err_console = Console(stderr=True, width=_width(sys.stderr))
state = {"debug": False}


def _version(value: bool) -> None:
    if value:
        from .. import __version__

        typer.echo(f"khoan {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", "-V", help="Phiên bản / version.", callback=_version, is_eager=True
        ),
    ] = False,
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
                soft_wrap=True,
            )
        if m.registry_note:
            err_console.print(
                f"[yellow]note[/yellow]: {m.registry_note}", highlight=False, soft_wrap=True
            )
        return m
    raise KhoanError(
        f"model {model!r} not found: give a model folder or one of {', '.join(examples.names())}"
    )


def lang_ok(value: str) -> str:
    if value not in ("vi", "en"):
        raise typer.BadParameter(f"{value!r}: vi (tiếng Việt) or en (English)")
    return value


#: ``--lang``, the same on every command: headers, labels, messages and numbers (1.234.567 /
#: 1,234,567) in Vietnamese (default) or English.
Lang = Annotated[
    str,
    typer.Option(
        "--lang", help="Ngôn ngữ / language: vi (1.234.567) or en (1,234,567).", callback=lang_ok
    ),
]

#: ``--out`` of the commands that write one result: the extension chooses the format.
OutFile = Annotated[
    Path | None,
    typer.Option(
        "--out",
        help="Ghi kết quả / write the result: .xlsx, .csv (UTF-8) or .parquet, by extension.",
    ),
]

#: ``--out`` extension -> how a result (:class:`khoan.report.result.Result`) is written there.
#: A new format is one line here.
WRITERS: dict[str, Callable[[Any, Path, str], Path]] = {
    ".xlsx": lambda r, path, lang: r.to_excel(path, lang=lang),
    ".csv": lambda r, path, lang: r.to_csv(path),
    ".parquet": lambda r, path, lang: r.to_parquet(path),
}
#: Extensions some commands write and others refuse, with what to do instead.
REFUSED: dict[str, str] = {
    ".pdf": "PDF reports: use `khoan report` (or `khoan budget` / `khoan simulate` --out x.pdf)"
}
#: What ``khoan budget`` and ``khoan simulate`` write: a table, or the printable report.
WITH_PDF: tuple[str, ...] = (*WRITERS, ".pdf")


def check_out(out: Path | None, formats: tuple[str, ...] | None = None) -> None:
    """An ``--out`` file that cannot be written, or whose extension names no format, is an
    error before any work is done (:class:`~khoan.errors.OutputError`).

    ``formats`` limits the extensions (default: every key of :data:`WRITERS`).
    """
    if out is None:
        return
    from .._files import check_file_target
    from ..errors import OutputError

    check_file_target(out)
    ext = out.suffix.lower()
    known = formats if formats is not None else tuple(WRITERS)
    if ext in known:
        return
    if ext in REFUSED and ext not in known:
        raise OutputError(out, REFUSED[ext])
    names = ", ".join(known[:-1]) + f" or {known[-1]}" if len(known) > 1 else known[0]
    raise OutputError(
        out,
        f"the extension chooses the format: {names}"
        + (f" (not {ext!r})" if ext else " (the name has no extension)"),
    )


def write_result(result: Any, out: Path, lang: str = "vi", *, model: Any = None) -> Path:
    """Write ``result`` to ``out`` in the format its extension chooses (:data:`WRITERS`) and
    say so.

    With the ``model`` it was computed from, ``.pdf`` writes the printable report
    (:func:`khoan.report.pdf.write_result_report`).
    """
    if out.suffix.lower() == ".pdf" and model is not None:
        check_out(out, WITH_PDF)
        from ..report.pdf import write_result_report

        path = write_result_report(out, model, result, lang=lang)
    else:
        check_out(out)
        path = WRITERS[out.suffix.lower()](result, out, lang)
    say(lang, f"Đã ghi {path}", f"Wrote {path}")
    return path


def text(lang: str, vi: str, en: str) -> str:
    """The Vietnamese or English wording."""
    return vi if lang == "vi" else en


def say(lang: str, vi: str, en: str, *, err: bool = False, **kw: Any) -> None:
    """Print a message in the language (on stderr with ``err``); no markup guessing."""
    kw.setdefault("highlight", False)
    (err_console if err else console).print(text(lang, vi, en), **kw)


def note(lang: str, vi: str, en: str) -> None:
    """A note on stderr (``ghi chú:`` / ``note:``)."""
    head = text(lang, "ghi chú", "note")
    err_console.print(
        f"[yellow]{head}[/yellow]: {text(lang, vi, en)}", highlight=False, soft_wrap=True
    )


def cell(v: Any, lang: str = "vi", column: str = "") -> str:
    """One value of a terminal table in the number format of ``lang`` (:mod:`khoan.report.fmt`):
    years as they are, shares as percentages, money and counts with thousands separators."""
    from ..report.fmt import percent, short

    if isinstance(v, str):
        return v
    if isinstance(v, bool) or type(v).__name__ == "bool_":
        return text(lang, "có", "yes") if v else text(lang, "không", "no")
    if "year" in column and isinstance(v, numbers.Real):
        return "" if v != v else str(int(v))
    if "share" in column and isinstance(v, numbers.Real) and not isinstance(v, numbers.Integral):
        return percent(v, lang, 2)
    if isinstance(v, dict | list):
        return str(v)
    return short(v, lang)
