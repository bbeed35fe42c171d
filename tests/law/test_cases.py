"""Law cases as data: every case of tests/law/*.yaml is one pytest item (khoan.lawcases).

The YAML files hold the hand-computed and published dated cases (inputs, expected values,
source); this module only runs them. The checker itself (errors, failures naming the
component, the ``khoan check`` command) is tested in tests/law/test_checker.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from khoan.lawcases import load_cases, run_cases

HERE = Path(__file__).parent
FILES = sorted(HERE.glob("*.yaml"))
CASES = [c for f in FILES for c in load_cases(f)]


def test_there_are_cases_of_every_kind():
    assert {c.kind for c in CASES} == {
        "benefit",
        "retirement_date",
        "payroll",
        "budget",
        "parameter",
    }


@pytest.mark.parametrize("case", CASES, ids=[f"{Path(c.file).stem}: {c.name}" for c in CASES])
def test_case(case):
    res = run_cases([case])
    bad = res.table[~res.table["passed"]]
    assert bad.empty, "\n" + bad[["component", "expected", "got", "difference"]].to_string()
