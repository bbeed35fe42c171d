"""``khoan demo``: the main job on a bundled Khánh Hòa model, step by step, with a report."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

__all__ = ["run_demo"]


def run_demo(model_name: str, out: Path, console: Console | None = None) -> Path:
    """Load and validate a bundled model, print its summary, and write the report folder.

    Returns the report folder.
    """
    from .cli import print_summary, resolve_model

    console = console or Console()
    model = resolve_model(model_name)
    print_summary(model)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    console.print(f"Báo cáo / report: {out.resolve()}")
    return out
