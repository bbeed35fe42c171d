"""``khoan allocate``: output-based allocation of an envelope among communes."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from . import common
from .budget import money_table as _money_table
from .common import app, console
from .common import check_out as _check_out
from .common import lang_ok as _lang_ok
from .common import write_table as _write_table


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
    out: Annotated[Path | None, typer.Option(help="Write .xlsx or .csv.")] = None,
    lang: Annotated[str, typer.Option(help="vi or en.", callback=_lang_ok)] = "vi",
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
    _check_out(out)
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
