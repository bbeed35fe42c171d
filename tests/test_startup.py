"""Start-up: ``import khoan`` and ``khoan --help`` load neither pandas nor Pyomo (issue 15)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("pandas", "pyomo", "pandera", "highspy", "scipy", "matplotlib")


def _imported(code: list[str]) -> set[str]:
    """Top-level packages imported by ``python -X importtime <code>`` (from its report)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-X", "importtime", *code],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    names = set()
    for line in out.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip().split(".")[0])
    assert "khoan" in names or "typer" in names  # the report was read
    return names


@pytest.mark.parametrize(
    "code", [["-c", "import khoan"], ["-m", "khoan.cli", "--help"]], ids=["import", "help"]
)
def test_startup_imports_no_heavy_package(code):
    names = _imported(code)
    assert not names & set(HEAVY), sorted(names & set(HEAVY))


def test_function_names_survive_submodule_imports():
    """``khoan.budget`` stays the function after ``from khoan.budget import ...``."""
    code = (
        "import khoan, types\n"
        "from khoan.budget import BudgetResult\n"
        "import khoan.allocate.api, khoan.payroll\n"
        "from khoan.allocate import AllocationModel\n"
        "for f in (khoan.allocate, khoan.budget, khoan.payroll):\n"
        "    assert isinstance(f, types.FunctionType), f\n"
        "from khoan.allocate.api import allocate\n"
        "from khoan.budget import budget\n"
        "assert khoan.allocate is allocate and khoan.budget is budget\n"
        "print('ok')\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert out.stdout.strip() == "ok"
