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


def test_modules_of_the_same_name_are_also_the_functions():
    """``khoan.budget`` (and ``payroll``, ``allocate``) is the module and calls the function:
    ``import khoan.payroll as p`` gives the module, ``khoan.budget(model, year)`` the budget."""
    code = (
        "import inspect, types, khoan\n"
        "from khoan.budget import BudgetResult, budget\n"
        "import khoan.allocate.api, khoan.payroll as p\n"
        "from khoan.allocate import AllocationModel\n"
        "from khoan.allocate.api import allocate\n"
        "from khoan.payroll import payroll\n"
        "assert isinstance(p, types.ModuleType) and p is khoan.payroll\n"
        "for m, f in ((khoan.allocate, allocate), (khoan.budget, budget), (p, payroll)):\n"
        "    assert isinstance(m, types.ModuleType) and callable(m), m\n"
        "    assert inspect.signature(m) == inspect.signature(f), m\n"
        f"m = khoan.load({str(ROOT / 'tests' / 'fixtures' / 'two_communes')!r})\n"
        "b = khoan.budget(m, 2016)\n"
        "assert isinstance(b, BudgetResult)\n"
        "assert b.table.equals(budget(m, 2016).table)\n"
        "assert khoan.payroll(m, 2016).equals(payroll(m, 2016))\n"
        "print('ok')\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert out.stdout.strip() == "ok"
