"""``khoan demo``: the main job on a bundled Khánh Hòa model, with a report folder.

Steps (each with its result written to the report folder):

1. load and validate the model; summary of communes and staff, key parameters in force;
2. the lump sum (dự toán khoán) of every commune for the model's base year;
3. the output-based allocation of the next year's envelope (norm-based total + 2 %);
4. the plan's staff-reduction scenario (≥ 10 % by 2021, NQ 39-NQ/TW, for ``khanh_hoa_2016``;
   the first scenario of ``scenarios.toml`` otherwise) over the model's years;
5. a workbook per analysis, PNG charts, a Markdown summary (``tom-tat.md``) and the printable
   report of the base year with the scenario (``bao-cao.pdf``, :mod:`khoan.report.pdf`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

__all__ = ["run_demo"]

#: Scenario shown by the demo for each bundled model (else the first in scenarios.toml).
DEMO_SCENARIO = {"khanh_hoa_2016": "nq39_10pct", "khanh_hoa_2026": "kl40_5pct"}
#: Envelope of the demo's allocation: the norm-based total of the year plus this share.
DEMO_ENVELOPE_GROWTH = 0.02


def _d(v: float, lang: str = "vi") -> str:
    """Đồng (or a count) with the thousands separators of ``lang`` (1.234.567 / 1,234,567)."""
    from .report.fmt import vnd

    return vnd(v, lang)


def _pct(v: float, lang: str = "vi") -> str:
    """A share as a percentage in the style of ``lang`` (10,5% / 10.5%)."""
    from .report.fmt import percent

    return percent(v, lang)


def _payback(year) -> str:
    """Payback year, or a plain statement that the period does not pay back."""
    if year is None or (isinstance(year, float) and year != year):
        return "chưa hoàn vốn trong kỳ / no payback within the period"
    return f"hoàn vốn năm {int(year)} / payback {int(year)}"


def _component_rows(b, label, lang: str = "vi") -> list[tuple[str, str, str]]:
    """(label, millions, đồng) per component and total; the millions add up to the total
    (largest-remainder rounding, :func:`khoan.report.fmt.largest_remainder`)."""
    import numpy as np

    from .report.fmt import largest_remainder

    prov = b.province.iloc[0]
    parts = [c for c in b.province.columns if c != "total"]
    vals = np.array([[int(prov[c]) for c in parts]], dtype=np.int64)
    mil = largest_remainder(vals, 1_000_000)[0]
    rows = [
        (label(c, lang), _d(int(m), lang), _d(prov[c], lang))
        for c, m in zip(parts, mil, strict=True)
    ]
    rows.append((label("total", lang), _d(int(mil.sum()), lang), _d(prov["total"], lang)))
    return rows


def _load(model_name: str):
    """A model from a folder path or the name of a bundled example."""
    from . import examples
    from .errors import KhoanError
    from .model import load

    p = Path(model_name)
    if p.exists():
        return load(p)
    if model_name in examples.names():
        return examples.load(model_name)
    raise KhoanError(
        f"model {model_name!r} not found: give a model folder or one of "
        f"{', '.join(examples.names())}"
    )


def run_demo(
    model_name: str,
    out: Path,
    console: Console | None = None,
    *,
    load_model: Callable[[str], Any] | None = None,
    show_summary: Callable[[Any], None] | None = None,
    lang: str = "vi",
) -> Path:
    """Run the demo on ``model_name`` and write the report into ``out``.

    Parameters
    ----------
    model_name : str
        A bundled example's name or a model folder.
    out : Path
        Parent of the report folder.
    console : rich Console, optional
    load_model, show_summary : callable, optional
        How to load the model and show its summary (the command line passes its own, which
        print the synthetic-data notice and the model's tables); default: load quietly, no
        summary.
    lang : {"vi", "en"}
        Language of the workbooks and of the numbers printed and written in the summary
        (1.234.567 / 1,234,567).

    Returns
    -------
    Path
        The report folder (``out/<model name>``).
    """
    from ._files import atomic_write_bytes, check_folder_target, make_folder
    from .allocate.api import allocate
    from .budget import budget
    from .report.labels import label
    from .report.plots import save
    from .scenarios import load_scenarios, simulate

    console = console or Console()
    check_folder_target(out)
    folder = make_folder(Path(out) / Path(model_name).name)
    files: list[Path] = []
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as progress:
        task = progress.add_task("Nạp mô hình / loading", total=5)
        model = (load_model or _load)(model_name)
        progress.update(task, advance=1, description="Dự toán khoán / lump sums")

        y0 = model.base_year
        b = budget(model, y0)
        files.append(b.to_excel(folder / f"du-toan-{y0}.xlsx", lang=lang))
        ax = b.plot.components()
        files.append(save(ax, folder / f"du-toan-{y0}.png"))
        progress.update(task, advance=1, description="Phân bổ theo kết quả / allocation")

        y1 = y0 + 1
        norm1 = int(budget(model, y1).table["total"].sum())
        envelope = int(round(norm1 * (1 + DEMO_ENVELOPE_GROWTH)))
        a = allocate(model, y1, envelope)
        files.append(a.to_excel(folder / f"phan-bo-{y1}.xlsx", lang=lang))
        files.append(save(a.plot.allocation_vs_target(), folder / f"phan-bo-{y1}.png"))
        files.append(save(a.plot.change(), folder / f"phan-bo-{y1}-thay-doi.png"))
        progress.update(task, advance=1, description="Tinh giản biên chế / staff reduction")

        scenarios = load_scenarios(model.path) if model.path else {}
        name = DEMO_SCENARIO.get(model.name)
        if name not in scenarios:
            name = next(iter(scenarios), None)
        s = simulate(model, scenarios[name]) if name else None
        if s is not None:
            files.append(s.to_excel(folder / f"tinh-gian-{name}.xlsx", lang=lang))
            files.append(save(s.plot.headcount(), folder / f"tinh-gian-{name}-bien-che.png"))
            files.append(save(s.plot.cumulative(), folder / f"tinh-gian-{name}-luy-ke.png"))
            files.append(save(s.plot.waterfall(), folder / f"tinh-gian-{name}-thac-nuoc.png"))
        progress.update(task, advance=1, description="Ghi báo cáo / writing the report")
        from .report.pdf import write_report

        files.append(write_report(folder / "bao-cao.pdf", model, b, s))

        md = _summary_md(model, b, a, s, name, envelope, files, label, lang)
        atomic_write_bytes(folder / "tom-tat.md", md.encode("utf-8"))
        files.append(folder / "tom-tat.md")
        progress.update(task, advance=1, description="Xong / done")

    if show_summary is not None:
        show_summary(model)
    from rich.table import Table

    vi = lang == "vi"
    t = Table(
        f"Dự toán khoán {y0}" if vi else f"Lump sums {y0}",
        "Triệu đồng" if vi else "Million VND",
        "Đồng" if vi else "VND",
    )
    t.columns[1].justify = t.columns[2].justify = "right"
    for row in _component_rows(b, label, lang):
        t.add_row(*row)
    console.print(t)
    n, env, total = len(a.table), _d(envelope, lang), _d(a.table["allocation"].sum(), lang)
    console.print(
        f"Phân bổ {y1}: {n} xã, tổng {env} đồng = Σ phân bổ {total} ({a.status})"
        if vi
        else f"Allocation {y1}: {n} communes, envelope {env} VND = Σ allocated {total} "
        f"({a.status})",
        highlight=False,
    )
    if s is not None:
        sm = s.summary()
        h0, h1 = _d(sm["headcount_start"], lang), _d(sm["headcount_end"], lang)
        share, cost = _pct(sm["share_reduced"], lang), _d(sm["one_off_cost"], lang)
        net = _d(sm["cumulative_net_savings"], lang)
        console.print(
            f"Kịch bản {name}: biên chế {h0} → {h1} ({share}); chi trả một lần {cost} đồng; "
            f"tiết kiệm ròng lũy kế {net} đồng; {_payback(sm['payback_year'])}"
            if vi
            else f"Scenario {name}: headcount {h0} → {h1} ({share}); one-off cost {cost} VND; "
            f"cumulative net savings {net} VND; {_payback(sm['payback_year'])}",
            highlight=False,
        )
    console.print(f"[bold]Báo cáo / report:[/bold] {folder.resolve()}  ({len(files)} tệp / files)")
    return folder


def _summary_md(model, b, a, s, name, envelope, files, label, lang: str = "vi") -> str:
    y0, y1 = b.year, a.year
    prov = b.province.iloc[0]
    lines = [
        f"# {model.title} — báo cáo mẫu / demo report",
        "",
        "> **Dữ liệu tổng hợp (synthetic).** Tên, mã và loại đơn vị hành chính là chính thức; "
        "dân số, diện tích, phân loại, danh sách cán bộ và chỉ tiêu đầu ra là dữ liệu tổng hợp "
        "theo quy tắc có tài liệu (xem README của mô hình). Định mức của tỉnh là giá trị minh họa.",
        "",
        f"## 1. Dự toán khoán năm {y0} / lump sums {y0}",
        "",
        "| Thành phần / component | Triệu đồng | Đồng |",
        "|---|---:|---:|",
    ]
    for row in _component_rows(b, label, lang):
        lines.append("| " + " | ".join(row) + " |")
    lines += [
        "",
        f"Tổng = tổng các thành phần, đến từng đồng: "
        f"{int(b.table['total'].sum()) == int(prov['total'])}. "
        f"Chi tiết: `du-toan-{y0}.xlsx`.",
        "",
        f"![Dự toán {y0}](du-toan-{y0}.png)",
        "",
        f"## 2. Phân bổ theo kết quả đầu ra năm {y1} / output-based allocation {y1}",
        "",
        f"Tổng kinh phí (định mức + {_pct(DEMO_ENVELOPE_GROWTH, lang)}): "
        f"{_d(envelope, lang)} đồng; "
        f"tổng mục tiêu {_d(a.diagnostics['sum_targets'], lang)} đồng; "
        f"tổng mức sàn {_d(a.diagnostics['sum_floors'], lang)} đồng; trạng thái: {a.status}. "
        f"Σ phân bổ = {_d(a.table['allocation'].sum(), lang)} đồng.",
        "",
        f"![Phân bổ {y1}](phan-bo-{y1}.png)",
        f"![Thay đổi {y1}](phan-bo-{y1}-thay-doi.png)",
        "",
    ]
    if s is not None:
        sm = s.summary()
        lines += [
            f"## 3. Kịch bản tinh giản biên chế `{name}` / staff-reduction scenario",
            "",
            "| Chỉ tiêu | Giá trị |",
            "|---|---:|",
            f"| Biên chế đầu kỳ / start | {_d(sm['headcount_start'], lang)} |",
            f"| Biên chế cuối kỳ / end | {_d(sm['headcount_end'], lang)} |",
            f"| Tỷ lệ tinh giản / reduced | {_pct(sm['share_reduced'], lang)} |",
            f"| Chi trả chế độ một lần / one-off cost (đồng) | {_d(sm['one_off_cost'], lang)} |",
            f"| Tiết kiệm quỹ lương / recurring savings (đồng) | "
            f"{_d(sm['recurring_savings'], lang)} |",
            f"| Tiết kiệm ròng lũy kế / cumulative net savings (đồng) | "
            f"{_d(sm['cumulative_net_savings'], lang)} |",
            f"| Năm hoàn vốn / payback year | {_payback(sm['payback_year'])} |",
            "",
            f"![Biên chế](tinh-gian-{name}-bien-che.png)",
            f"![Lũy kế](tinh-gian-{name}-luy-ke.png)",
            "",
        ]
    lines += ["## Tệp / files", ""] + [f"- `{Path(f).name}`" for f in files] + [""]
    return "\n".join(lines)
