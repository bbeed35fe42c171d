"""Fixtures of the report tests: a small valid model folder and result-like tables."""

from __future__ import annotations

import shutil
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")

EXAMPLE = Path(__file__).resolve().parents[2] / "khoan" / "models" / "khanh_hoa_2016"

STAFF = """id,commune,category,position,grade,step,coefficient,position_coef,tnvk_pct,bao_luu,birth_date,sex,insured_since,next_step_date,bhtn_covered,start_date,end_date
P1,22327,can_bo,chu_tich_ubnd,A1,3,3.00,0.25,0,0,1975-03-10,M,2000-01-01,2017-06-01,0,,
P2,22327,cong_chuc,cong_chuc,A1,1,2.34,0,0,0,1990-07-01,F,2014-01-01,2017-01-01,0,,
P3,22330,cong_chuc,cong_chuc,A1,9,4.98,0,7,0,1962-01-15,M,1985-01-01,2017-01-01,0,,
P4,22330,can_bo,bi_thu,cadre_untrained,1,2.35,0.30,0,0,1970-05-05,M,1995-01-01,,0,,
P5,22330,nhdkct,nhdkct,,,1.0,0,0,0,1985-05-05,F,2010-01-01,,0,,
"""

TOML = """name = "tiny"
title = "Tiny test model"
province_code = "56"
structure = "2016"
base_year = 2016
years = [2016, 2017]
"""


@pytest.fixture
def tiny_folder(tmp_path) -> Path:
    """A model folder with a few real Khánh Hòa communes, their staff and outputs.

    Rows come from the bundled khanh_hoa_2016 example when it has staff (first three
    communes); otherwise the staff rows are the validation tests' fixture.
    """
    d = tmp_path / "tiny"
    d.mkdir()
    communes = pd.read_csv(EXAMPLE / "communes.csv", dtype=str, keep_default_na=False)
    if (EXAMPLE / "staff.csv").is_file():
        communes = communes.head(3)
        codes = set(communes["code"])
        staff = pd.read_csv(EXAMPLE / "staff.csv", dtype=str, keep_default_na=False)
        staff = staff[staff["commune"].isin(codes)]
        staff.to_csv(d / "staff.csv", index=False)
        if (EXAMPLE / "outputs.csv").is_file():
            out = pd.read_csv(EXAMPLE / "outputs.csv", dtype=str, keep_default_na=False)
            out[out["commune"].isin(codes)].to_csv(d / "outputs.csv", index=False)
        if (EXAMPLE / "params").is_dir():
            shutil.copytree(EXAMPLE / "params", d / "params")
    else:
        communes = communes[communes["code"].isin(["22327", "22330"])]
        (d / "staff.csv").write_text(STAFF, encoding="utf-8")
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
