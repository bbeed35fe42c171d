"""Both example models load, validate, and agree with their generator and their README."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import khoan.model as km
from khoan.data import synth

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "khoan" / "models"
NAMES = ["khanh_hoa_2016", "khanh_hoa_2026"]
EXPECT = {
    "khanh_hoa_2016": dict(
        units=132,
        structure="2016",
        years=list(range(2016, 2021)),
        roster="2016-01-01",
        seed=2016,
        prefix="KH16",
        out=range(2015, 2021),
    ),
    "khanh_hoa_2026": dict(
        units=65,
        structure="2025",
        years=list(range(2026, 2031)),
        roster="2026-01-01",
        seed=2026,
        prefix="KH26",
        out=range(2025, 2031),
    ),
}


@pytest.fixture(scope="module", params=NAMES)
def model(request):
    return km.load(MODELS / request.param)


def test_loads_and_validates(model):
    e = EXPECT[model.name]
    assert len(model.communes) == e["units"]
    assert model.structure == e["structure"]
    assert model.years == e["years"]
    assert model.meta["province_code"] == "56"
    assert km.check_model(model) == []
    assert model.notices == []
    assert len(model.staff) > 0 and len(model.outputs) > 0
    assert set(model.outputs["indicator"]) == set(synth.INDICATORS)


def test_strict_load(model):
    """Strict loading (notices are errors) gives the same tables as the normal load."""
    strict = km.load(model.path, strict=True)
    assert strict.notices == []
    assert strict.digest() == model.digest()
    assert len(strict.communes) == EXPECT[model.name]["units"]


def test_tables_are_what_the_generator_writes(model):
    """staff.csv and outputs.csv are current: run `python tools/make_example_models.py` if not."""
    e = EXPECT[model.name]
    staff = synth.staff_roster(
        model.communes, model.params, e["roster"], e["seed"], id_prefix=e["prefix"]
    )
    pd.testing.assert_frame_equal(model.staff, staff, obj=f"{model.name}/staff.csv")
    outs = synth.outputs(model.communes, e["out"], e["seed"] + 1)
    pd.testing.assert_frame_equal(model.outputs, outs, obj=f"{model.name}/outputs.csv")


def test_within_quota_of_roster_date(model):
    on = dt.date.fromisoformat(EXPECT[model.name]["roster"])
    q = model.params.lookup(
        "staffing.quota.cadres_civil_servants", on, model.communes["type"], model.communes["class"]
    )
    n = (
        model.staff[model.staff["category"].isin(["can_bo", "cong_chuc"])]
        .groupby("commune")
        .size()
        .reindex(model.communes["code"], fill_value=0)
        .to_numpy()
    )
    assert (n <= np.minimum(q, model.communes["approved_posts"].to_numpy(dtype=float))).all()


def test_provincial_norms_flagged_illustrative(model):
    on = dt.date(model.base_year, 1, 1)
    for key in (
        "norms.provincial.per_post",
        "norms.provincial.per_commune",
        "norms.provincial.purchases_repairs",
    ):
        e = model.params.entry(key, on)
        assert e.confidence == "illustrative"
        assert e.unit in ("VND/person/year", "VND/year")
    per_post = model.params.value("norms.provincial.per_post", on)
    assert 10_000_000 <= per_post <= 100_000_000


def test_2026_framework_overrides_quota():
    m = km.load(MODELS / "khanh_hoa_2026")
    assert m.params.value("staffing.framework_average", "2026-01-01") == 32
    assert m.params.value("staffing.quota.cadres_civil_servants", "2025-07-01") is not None
    assert m.params.entry("staffing.quota.cadres_civil_servants", "2026-01-01").confidence == (
        "illustrative"
    )
    assert m.communes["approved_posts"].mean() == 32
    assert (m.staff["category"] != "nhdkct").all()
    # before the reform the national quota still applies
    assert m.params.value("staffing.quota.cadres_civil_servants", "2025-06-30")["xa"]["1"] == 22


def test_readme_says_what_is_synthetic(model):
    text = (model.path / "README.md").read_text(encoding="utf-8")
    assert "synthetic" in text and "real" in text
    assert "python tools/make_example_models.py" in text
    assert "ILLUSTRATIVE" in text
