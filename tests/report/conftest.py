"""Fixtures of the report tests: a small valid model folder and result-like tables."""

from __future__ import annotations

import shutil
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest
from tiny_model import TOML  # tests/ is on sys.path (tests/conftest.py)

matplotlib.use("Agg")

EXAMPLE = Path(__file__).resolve().parents[2] / "khoan" / "models" / "khanh_hoa_2016"


@pytest.fixture
def tiny_folder(tmp_path) -> Path:
    """A model folder with a few real Khánh Hòa communes, their staff and outputs.

    Rows are the first three communes of the bundled khanh_hoa_2016 example, their staff,
    outputs and provincial parameters.
    """
    d = tmp_path / "tiny"
    d.mkdir()
    communes = pd.read_csv(EXAMPLE / "communes.csv", dtype=str, keep_default_na=False).head(3)
    codes = set(communes["code"])
    for name in ("staff.csv", "outputs.csv"):
        table = pd.read_csv(EXAMPLE / name, dtype=str, keep_default_na=False)
        table[table["commune"].isin(codes)].to_csv(d / name, index=False)
    shutil.copytree(EXAMPLE / "params", d / "params")
    communes.to_csv(d / "communes.csv", index=False)
    (d / "model.toml").write_text(TOML, encoding="utf-8")
    return d


@pytest.fixture
def budget_table() -> pd.DataFrame:
    """A BudgetResult-like table: one row per commune, components and their total (int64)."""
    rng = np.random.default_rng(7)
    n = 12
    parts = {
        "salary_fund": rng.integers(1_000_000_000, 3_000_000_000, n),
        "vacancy_fund": rng.integers(0, 200_000_000, n),
        "contributions": rng.integers(100_000_000, 600_000_000, n),
        "nhdkct_fund": rng.integers(100_000_000, 400_000_000, n),
        "village_fund": rng.integers(0, 300_000_000, n),
        "operating": rng.integers(200_000_000, 500_000_000, n),
        "special_tasks": rng.integers(0, 150_000_000, n),
    }
    df = pd.DataFrame(
        {
            "code": [f"{22327 + 3 * i:05d}" for i in range(n)],
            "name": [f"Xã Thử {i}" for i in range(n)],
            "type": ["xa", "phuong", "thi_tran"] * 4,
            "class": [1, 2, 3] * 4,
            **{k: np.asarray(v, dtype=np.int64) for k, v in parts.items()},
        }
    )
    df["total"] = df[list(parts)].sum(axis=1).astype(np.int64)
    return df
