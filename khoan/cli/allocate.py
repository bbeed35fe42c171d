"""``khoan allocate``: output-based allocation of an envelope among communes."""

from __future__ import annotations

from typing import Annotated

import typer

from . import common
from .budget import money_table
from .common import Lang, OutFile, app, cell, check_out, console, text, write_result


@app.command("allocate")
def allocate_command(
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
    out: OutFile = None,
    lang: Lang = "vi",
) -> None:
    """Output-based allocation of an envelope among communes (Pyomo + HiGHS)."""
    from ..allocate.api import allocate as _allocate
    from ..allocate.api import parse_envelope
    from ..budget import budget as _budget

    if objective not in ("quadratic", "absolute", "minimax"):
        raise typer.BadParameter("objective must be quadratic, absolute or minimax")
    if corridor is not None and not 0 <= corridor < 1:
        raise typer.BadParameter(
            f"--corridor {corridor}: a share of last year's allocation between 0 and 1 "
            "(e.g. 0.1 for ± 10 %)"
        )
    check_out(out)
    relative = envelope.strip().lower().startswith("norm")
    if not relative:  # an amount: checked before the model is loaded
        parse_envelope(envelope, 0, what="--envelope")
    m = common.resolve_model(model)
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
    rows = [
        (text(lang, "Tổng kinh phí", "Envelope"), s["envelope"]),
        (text(lang, "Tổng định mức", "Norm-based total"), norm_total),
        (text(lang, "Tổng mục tiêu", "Targets"), s["sum_targets"]),
        (text(lang, "Tổng mức sàn", "Floors"), s["sum_floors"]),
        (text(lang, "Tổng phân bổ", "Allocated"), int(r.table["allocation"].sum())),
    ]
    title = text(lang, f"phân bổ {year}", f"allocation {year}")
    console.print(money_table(f"{m.title} — {title} ({r.status})", rows, lang))
    dual = cell(round(float(s["envelope_dual"]), 6), lang)
    common.say(
        lang,
        f"Xã ở mức sàn: {cell(s['communes_at_floor'], lang)}; ở biên độ ổn định: "
        f"{cell(s['communes_at_corridor'], lang)}; giá trị biên của tổng kinh phí: {dual}",
        f"Communes at their floor: {cell(s['communes_at_floor'], lang)}; at the corridor: "
        f"{cell(s['communes_at_corridor'], lang)}; envelope dual: {dual}",
    )
    if out:
        write_result(r, out, lang)
