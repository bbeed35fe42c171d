"""The national law files: values on both sides of every change date, and their provenance.

Each case reads the shipped parameters (``khoan/params/law``) the day before and the day a
rule changes, with the decree that changed it (shared/DOMAIN.md is the source of the numbers).
The value-on-a-date cases that are plain data (base salary timeline, contribution rates,
commune-class allowance, class thresholds, TNTT caps, national norms, the round-2 decisions)
are in tests/law/parameters.yaml; what stays here needs Python (lookups over arrays, monthly
values, checks over every parameter).
"""

from __future__ import annotations

import unicodedata

import numpy as np
import pytest

from khoan.params import load_law


@pytest.fixture(scope="module")
def law():
    return load_law()


def test_base_salary_2016_months(law):
    m = law.monthly("salary.base", 2016)
    assert list(m) == [1_150_000] * 4 + [1_210_000] * 8


def test_bhtn_default_coverage(law):
    # the contribution rates around 2017-06-01 are cases of tests/law/parameters.yaml
    cover = law.value("contributions.bhtn_default", "2017-06-01")
    assert cover["cong_chuc"] is False and cover["hop_dong"] is True


def test_quotas_around_2019_and_2023(law):
    key = "staffing.quota.cadres_civil_servants"
    types = ["xa", "xa", "xa", "phuong", "phuong", "phuong"]
    cls = [1, 2, 3, 1, 2, 3]
    np.testing.assert_array_equal(law.lookup(key, "2019-06-24", types, cls), [25, 23, 21] * 2)
    np.testing.assert_array_equal(law.lookup(key, "2019-06-25", types, cls), [23, 21, 19] * 2)
    np.testing.assert_array_equal(law.lookup(key, "2023-07-31", types, cls), [23, 21, 19] * 2)
    np.testing.assert_array_equal(
        law.lookup(key, "2023-08-01", types, cls), [22, 20, 18, 23, 21, 19]
    )
    assert law.value(key, "2025-07-01") is None  # no national quota in the two-tier structure
    nh = "staffing.quota.nhdkct"
    np.testing.assert_array_equal(law.lookup(nh, "2019-06-24", [1, 2, 3]), [22, 20, 19])
    np.testing.assert_array_equal(law.lookup(nh, "2019-06-25", [1, 2, 3]), [14, 12, 10])
    np.testing.assert_array_equal(law.lookup(nh, "2025-07-01", [1, 2, 3]), [0, 0, 0])


def test_nhdkct_and_village_funds(law):
    f = "staffing.nhdkct_fund"
    np.testing.assert_allclose(law.lookup(f, "2019-06-24", [1, 2, 3]), [20.3, 18.6, 17.6])
    np.testing.assert_allclose(law.lookup(f, "2019-06-25", [1, 2, 3]), [16.0, 13.7, 11.4])
    np.testing.assert_allclose(law.lookup(f, "2023-08-01", [1, 2, 3]), [21.0, 18.0, 15.0])
    assert law.value("staffing.nhdkct_fund_extra_per_worker", "2023-07-31") == 0
    assert law.value("staffing.nhdkct_fund_extra_per_worker", "2023-08-01") == 1.5
    v = "staffing.village_fund"
    assert law.value(v, "2023-07-31") == {"large": 5.0, "other": 3.0}
    assert law.value(v, "2023-08-01") == {"large": 6.0, "other": 4.5}
    assert law.entry(v, "2018-01-01").confidence == "illustrative"  # no national fund yet


def test_position_allowances_both_regimes(law):
    k = "allowances.position.commune"
    pos = [
        "bi_thu",
        "pho_bi_thu",
        "chu_tich_hdnd",
        "chu_tich_ubnd",
        "pho_chu_tich_ubnd",
        "chu_tich_mttq",
        "truong_doan_the",
        "cong_chuc",
    ]
    np.testing.assert_allclose(
        law.lookup(k, "2025-12-31", pos), [0.30, 0.25, 0.25, 0.25, 0.20, 0.20, 0.15, 0.0]
    )
    after = law.lookup(
        k, "2026-01-01", ["chu_tich_ubnd", "pho_chu_tich_ubnd", "truong_phong", "pho_truong_phong"]
    )
    np.testing.assert_allclose(after, [0.60, 0.50, 0.25, 0.15])
    special = law.lookup(
        "allowances.position.commune_special_city",
        "2026-01-01",
        ["chu_tich_ubnd", "pho_chu_tich_ubnd", "truong_phong", "pho_truong_phong"],
    )
    np.testing.assert_allclose(special, [0.70, 0.60, 0.35, 0.20])


def test_scales_and_untrained_cadres(law):
    s = law.value("salary.scales", "2016-01-01")
    a1 = s["A1"]
    assert a1["first"] + a1["increment"] * (a1["steps"] - 1) == pytest.approx(4.98)
    a0 = s["A0"]
    assert a0["first"] + a0["increment"] * (a0["steps"] - 1) == pytest.approx(4.89)
    b = s["B"]
    assert b["first"] + b["increment"] * (b["steps"] - 1) == pytest.approx(4.06)
    assert (a1["years_per_step"], b["years_per_step"]) == (3, 2)
    u = law.value("salary.cadre_untrained", "2016-01-01")
    assert u["bi_thu"] == [2.35, 2.85] and u["truong_doan_the"] == [1.75, 2.25]
    assert law.value("salary.vacancy_coefficient", "2016-01-01") == 2.34


def test_allowance_rates(law):
    assert law.value("allowances.public_service.rate", "2016-01-01") == 0.25
    t = law.value("allowances.tnvk", "2016-01-01")
    assert (t["start_pct"], t["increment_pct"]) == (5, 1)
    assert t["years_at_top"]["A1"] == 3 and t["years_at_top"]["B"] == 2
    assert 1.0 in law.value("allowances.regional.levels", "2016-01-01")


def test_lump_sum_regime_change(law):
    assert (
        "71/2014"
        in str(law.value("lump_sum.regime", "2026-04-30"))
        + law.entry("lump_sum.regime", "2026-04-30").reference
    )
    e = law.entry("lump_sum.regime", "2026-05-01")
    assert "75/2026" in str(e.value) + e.reference and e.confidence == "unconfirmed"


def test_every_value_has_reference_confidence_and_bilingual_description(law):
    for key in law.keys():
        meta = law.meta(key)
        assert meta["description"].get("vi") and meta["description"].get("en"), key
        for e in law.history(key):
            assert e.reference.strip(), key
            assert e.confidence in {"confirmed", "unconfirmed", "illustrative"}, key
            assert unicodedata.is_normalized("NFC", e.reference), key
