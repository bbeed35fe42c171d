"""The model as an LP file for tiny instances, compared with stored golden files.

Regenerate after an intended change of the formulation with
``KHOAN_UPDATE_GOLDEN=1 pytest tests/allocate/test_alloc_golden.py`` and review the diff
together with docs/allocation.md.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from alloc_helpers import M, three
from pyomo.repn.tests.lp_diff import lp_diff

from khoan.allocate.build import build_model

GOLDEN = Path(__file__).parent / "golden"


def _instances():
    last = np.array([100, 150, 300])
    groups = {
        "group_labels": {"district": np.array(["d1", "d1", "d2"])},
        "group_floor": {("district", "d1"): 260 * M},
        "group_cap": {("district", "d2"): 320 * M},
    }
    staff = {
        "floor": (20, 30, 40),
        "posts_min": [2, 5, 8],
        "posts_max": [10, 17, 20],
        "post_cost": 10 * M,
        "posts_total_max": 40,
    }
    return {
        "quadratic": (three(600, lower=last * 0.9, upper=last * 1.1, **groups), "quadratic"),
        "quadratic_staffing": (three(600, **staff), "quadratic"),
        "absolute": (three(540, lower=last * 0.9, upper=last * 1.1, **groups), "absolute"),
        "minimax_staffing": (three(540, **staff), "minimax"),
    }


@pytest.mark.parametrize("name", sorted(_instances()))
def test_lp_file_matches_golden(name, tmp_path):
    problem, objective = _instances()[name]
    model = build_model(problem, objective)
    out = tmp_path / f"{name}.lp"
    model.write(str(out), format="lp", io_options={"symbolic_solver_labels": True})
    golden = GOLDEN / f"{name}.lp"
    if os.environ.get("KHOAN_UPDATE_GOLDEN"):
        golden.write_text(out.read_text())
    base, test = lp_diff(golden.read_text(), out.read_text())
    assert base == test, f"{name}.lp differs from tests/allocate/golden/{name}.lp"
