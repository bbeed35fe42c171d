"""``khoan report``: the printable PDF (the logic is in :mod:`khoan.report.pdf`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from . import common
from .common import Lang, app, check_out, say


@app.command("report")
def report_command(
    model: Annotated[str, typer.Argument(help="Model folder or example name.")],
    year: Annotated[int, typer.Option(help="Budget year.")],
    out: Annotated[Path, typer.Option(help="The PDF to write, e.g. bao-cao.pdf.")],
    scenario: Annotated[
        str | None, typer.Option(help="Add a scenario of the model's scenarios.toml.")
    ] = None,
    lang: Lang = "vi",
) -> None:
    """Printable report (PDF, A4): summary, charts, tables by district, parameters, provenance."""
    if out.suffix.lower() != ".pdf":
        raise typer.BadParameter(f"--out {out}: the report is a PDF, e.g. bao-cao.pdf")
    check_out(out, (".pdf",))
    from ..report.pdf import report_pdf

    path = report_pdf(common.resolve_model(model), year, out, scenario=scenario, lang=lang)
    say(lang, f"Đã ghi {path}", f"Wrote {path}")
