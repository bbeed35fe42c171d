"""``khoan init``, ``khoan template`` and ``khoan validate``: a new model from its inputs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from . import common
from .common import Lang, app, cell, check_out, console, note, say, text


@app.command("validate")
def validate_command(
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
    lang: Lang = "vi",
) -> None:
    """Validate a model folder (or a filled template): every problem with file, row and column."""
    from .. import examples
    from ..model import load

    p = Path(path)
    if p.is_file() and p.suffix.lower() in (".xlsx", ".xlsm"):
        _validate_workbook(p, province, structure, not no_registry, lang)
        return
    m = load(
        p if p.exists() or path not in examples.names() else examples.path(path), strict=strict
    )
    for n in m.notices:
        note(lang, n, n)
    _say_ok(m.name, m, lang)


def _say_ok(name: str, m, lang: str) -> None:
    """``OK name: 132 communes, 1,650 staff, 2,640 output rows`` in the language."""
    s = m.summary()
    communes, staff, rows = (cell(v, lang) for v in (s["communes"], s["staff"], len(m.outputs)))
    console.print(
        "[green]OK[/green] "
        + text(
            lang,
            f"{name}: {communes} đơn vị cấp xã, {staff} người, {rows} dòng chỉ tiêu đầu ra",
            f"{name}: {communes} communes, {staff} staff, {rows} output rows",
        ),
        highlight=False,
    )


def _validate_workbook(
    xlsx: Path, province: str | None, structure: str, registry: bool, lang: str = "vi"
) -> None:
    """``khoan validate filled.xlsx``: check the template as ``khoan init --from`` would, and
    say what to run next."""
    import tempfile

    from ..errors import ValidationError
    from ..report.template import template_to_model

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
                title=text(
                    lang,
                    f"Mẫu nhập liệu {xlsx.name} chưa hợp lệ (sửa rồi chạy lại khoan validate "
                    f"{xlsx}; sau đó: {hint})",
                    f"Template {xlsx.name} is not valid (fix it, then run khoan validate "
                    f"{xlsx} again; then: {hint})",
                ),
            ) from None
        from ..model import load

        m = load(model)
    _say_ok(xlsx.name, m, lang)
    if m.registry_note:
        note(lang, m.registry_note, m.registry_note)
    say(lang, f"Tạo mô hình: {hint}", f"Make the model: {hint}", soft_wrap=True)


@app.command("init")
def init_command(
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
    lang: Lang = "vi",
) -> None:
    """Make a new province model: model.toml, tables, params/ to fill, scenarios.toml."""
    from ..report.template import init_model

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
    say(lang, f"Đã tạo {path}", f"Created {path}")
    for f in sorted(p for p in path.rglob("*") if p.is_file()):
        console.print(f"  {f.relative_to(path)}", highlight=False)
    if no_registry:
        note(
            lang,
            "registry = false — mã đơn vị không được đối chiếu với danh mục chính thức; mọi "
            "kết quả đều ghi rõ điều này",
            "registry = false — codes are not checked against the official registry; every "
            "output will say so",
        )
    fill = text(lang, f"điền {path / 'input.xlsx'}", f"fill {path / 'input.xlsx'}")
    params = text(
        lang,
        f"đặt các tham số của tỉnh vào {path / 'params'} (xem params/README.md)",
        f"put the province's parameters in {path / 'params'} (see params/README.md)",
    )
    steps = ([fill, f"khoan validate {path}"] if from_ is None else []) + [
        params,
        f"khoan budget {path} --year {_base_year(path)}" + ("" if lang == "vi" else " --lang en"),
    ]
    say(lang, "Tiếp theo:", "Next:")
    for i, s in enumerate(steps, 1):
        console.print(f"  {i}. {s}", highlight=False, soft_wrap=True)


def _base_year(folder: Path) -> int:
    import tomllib

    return int(tomllib.loads((folder / "model.toml").read_text("utf-8"))["base_year"])


@app.command("template")
def template_command(
    out: Annotated[Path, typer.Argument(help="Workbook to write, e.g. nhap-lieu.xlsx")],
    lang: Lang = "vi",
    model: Annotated[
        str | None, typer.Option(help="Fill the template with this model's tables.")
    ] = None,
) -> None:
    """Write a blank input workbook (communes, staff, outputs) with instructions and lists."""
    from ..report.template import write_template

    check_out(out, (".xlsx",))
    path = write_template(out, lang=lang, model=common.resolve_model(model) if model else None)
    say(lang, f"Đã ghi {path}", f"Wrote {path}")
