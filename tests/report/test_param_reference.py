"""docs/parameters.md is generated from the law files and must be kept up to date."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _tool():
    spec = importlib.util.spec_from_file_location(
        "make_param_reference", ROOT / "tools" / "make_param_reference.py"
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_parameter_reference_is_up_to_date():
    tool = _tool()
    text = tool.render()
    committed = (ROOT / "docs" / "parameters.md").read_text(encoding="utf-8")
    assert committed == text, (
        "docs/parameters.md is stale: run python tools/make_param_reference.py"
    )


def test_parameter_reference_lists_every_key_with_its_references():
    from khoan.params import load_law

    text = (ROOT / "docs" / "parameters.md").read_text(encoding="utf-8")
    law = load_law()
    for key in law.keys():
        assert f"### `{key}`" in text
    assert "NĐ 47/2016/NĐ-CP" in text  # salary.base from 2016-05-01
    assert "| 2016-05-01 | 1 210 000 |" in text
