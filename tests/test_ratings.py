"""Annual performance ratings (NĐ 90/2020 amended by NĐ 48/2023), the NĐ 73/2024 bonus fund, and
the sharing of TNTT and the bonus fund by rating — hand-computed to the đồng.

The model: one commune (Phường Vĩnh Hòa, 22327) with three civil servants at A1 step 1
(coefficient 2.34) present all year, nobody with a step rise. Base salary 1,800,000 VND/month to
2024-06-30 and 2,340,000 from 2024-07-01 (NĐ 24/2023, NĐ 73/2024).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import khoan
from khoan.data import synth
from khoan.errors import ParameterError, ValidationError
from khoan.lumpsum import COMPONENTS
from khoan.model import load
from khoan.params import Override
from khoan.settlement import RATINGS, rating_weights

FIXTURES = Path(__file__).parent / "fixtures"
EXAMPLE_PARAMS = Path(khoan.__file__).parent / "models" / "khanh_hoa_2026" / "params"

COMMUNES = """code,name,type,district_code,district_name,class,population,area_km2,zone,region_coef,approved_posts,approved_nhdkct,villages_large,villages_other,special_tasks,last_allocation
22327,Phường Vĩnh Hòa,phuong,568,Thành phố Nha Trang,2,17970,2.92,urban,0.0,3,0,0,0,0,
"""
STAFF = """id,commune,category,position,grade,step,coefficient,position_coef,tnvk_pct,bao_luu,birth_date,sex,insured_since,next_step_date,bhtn_covered,start_date,end_date
X,22327,cong_chuc,cong_chuc,A1,1,2.34,0,0,0,1990-01-01,F,2014-01-01,,0,,
Y,22327,cong_chuc,cong_chuc,A1,1,2.34,0,0,0,1991-01-01,M,2014-01-01,,0,,
Z,22327,cong_chuc,cong_chuc,A1,1,2.34,0,0,0,1992-01-01,F,2014-01-01,,0,,
"""
TOML = """name = "rated"
title = "Three rated civil servants (synthetic test data)"
province_code = "56"
structure = "2016"
base_year = 2016
years = [2016, 2025]
"""
# Vietnamese labels and an abbreviation on input, mapped to the codes
RATINGS_CSV = """id,year,rating
X,2025,Hoàn thành xuất sắc nhiệm vụ
Y,2025,tot
Z,2025,HTNV
X,2024,xuat_sac
Y,2024,hoan_thanh
"""


def make(tmp_path, ratings: str | None = RATINGS_CSV) -> Path:
    d = tmp_path / "rated"
    d.mkdir(exist_ok=True)
    (d / "model.toml").write_text(TOML, encoding="utf-8")
    (d / "communes.csv").write_text(COMMUNES, encoding="utf-8")
    (d / "staff.csv").write_text(STAFF, encoding="utf-8")
    if ratings is not None:
        (d / "ratings.csv").write_text(ratings, encoding="utf-8")
    if not (d / "params").exists():
        shutil.copytree(FIXTURES / "two_communes" / "params", d / "params")
        # the illustrative coefficients per rating of the 2026 example model
        for key in ("tntt", "bonus_fund"):
            (d / "params" / key).mkdir()
            shutil.copy(EXAMPLE_PARAMS / key / "rating_weights.yaml", d / "params" / key)
    return d


@pytest.fixture()
def rated(tmp_path):
    return load(make(tmp_path))


# -- the table --------------------------------------------------------------------------------


def test_ratings_table_read_with_vietnamese_labels(rated):
    r = rated.ratings.sort_values(["year", "id"]).reset_index(drop=True)
    assert r["rating"].tolist() == ["xuat_sac", "hoan_thanh", "xuat_sac", "tot", "hoan_thanh"]
    assert r["year"].tolist() == [2024, 2024, 2025, 2025, 2025]


def test_model_without_ratings_has_an_empty_table(tmp_path):
    m = load(make(tmp_path, ratings=None))
    assert len(m.ratings) == 0
    # and everyone gets the `unrated` coefficient
    w = rating_weights(m, 2025)
    assert w.to_dict() == {"X": 1.0, "Y": 1.0, "Z": 1.0}


def test_bad_ratings_name_file_row_and_column(tmp_path):
    bad = "id,year,rating\nX,2025,tot\nY,2025,very good\nQ,2025,tot\nX,2025,xuat_sac\nZ,1900,tot\n"
    with pytest.raises(ValidationError) as exc:
        load(make(tmp_path, bad))
    got = {(p.file, p.row, p.column) for p in exc.value.problems}
    assert ("ratings.csv", 3, "rating") in got  # unknown level
    assert ("ratings.csv", 6, "year") in got  # below the schema's minimum year
    assert any("unknown value" in p.rule and p.value == "very good" for p in exc.value.problems)
    # unknown id and a second rating for one person and year are cross-table checks, found
    # once the columns themselves are valid
    bad2 = "id,year,rating\nX,2025,tot\nQ,2025,tot\nX,2025,xuat_sac\n"
    with pytest.raises(ValidationError) as exc:
        load(make(tmp_path, bad2))
    probs = {(p.file, p.row, p.column): p.rule for p in exc.value.problems}
    assert "not in the staff table" in probs[("ratings.csv", 3, "id")]
    assert "a second rating for this person and year" in probs[("ratings.csv", 4, "year")]


def test_rating_weights_by_year(rated):
    w = rating_weights(rated, 2025)
    assert w.to_dict() == {"X": 1.2, "Y": 1.0, "Z": 0.8}  # tntt.rating_weights (illustrative)
    w = rating_weights(rated, 2024, key="bonus_fund.rating_weights")
    assert w.to_dict() == {"X": 1.5, "Y": 0.5, "Z": 1.0}  # Z unrated in 2024
    assert set(RATINGS) == {"xuat_sac", "tot", "hoan_thanh", "khong_hoan_thanh"}


def test_rating_weights_missing_level_is_a_parameter_error(rated):
    m = rated.replace(
        params=rated.params.with_overrides(
            [Override("w", {"tntt.rating_weights": {"xuat_sac": 2.0, "tot": 1.0}})]
        )
    )
    with pytest.raises(ParameterError, match="no coefficient for hoan_thanh, khong_hoan_thanh"):
        rating_weights(m, 2025)


def test_rating_weights_not_set_by_the_model(tmp_path):
    d = make(tmp_path)
    shutil.rmtree(d / "params" / "tntt")
    m = load(d)
    with pytest.raises(ParameterError, match=r"'tntt.rating_weights' is not set.*params/tntt/"):
        khoan.settle(m, 2025, weights="rating")


def test_unknown_rating_given_in_memory_is_refused(rated):
    r = rated.ratings.copy()
    r.loc[1, "rating"] = "great"
    with pytest.raises(ValidationError) as exc:
        rating_weights(rated.replace(ratings=r), 2025)
    (p,) = exc.value.problems
    assert (p.file, p.row, p.column, p.value) == ("ratings", 3, "rating", "great")


# -- the bonus fund (NĐ 73/2024 Điều 4) -------------------------------------------------------


def test_bonus_fund_from_july_2024_outside_the_lump_sum(rated):
    # 2024: July–December only, 10 % × 2.34 × 2,340,000 × 6 months = 3,285,360 per person
    b = khoan.budget(rated, 2024)
    assert b.table["bonus_fund"].tolist() == [3 * 3_285_360]
    comps = b.table[list(COMPONENTS)].sum(axis=1)
    assert (b.table["total"] == comps).all()  # total is the lump sum only
    assert "bonus_fund.rate" in set(b.params_used["key"])
    assert any(n.startswith("bonus_fund 9,856,080 VND: NĐ 73/2024") for n in b.notes)
    # 2025: twelve months, 10 % × 2.34 × 2,340,000 × 12 = 6,570,720 per person
    assert khoan.budget(rated, 2025).table["bonus_fund"].tolist() == [3 * 6_570_720]
    # before NĐ 73/2024: no column at all (the tables of earlier years are unchanged)
    for y in (2016, 2023):
        assert "bonus_fund" not in khoan.budget(rated, y).table.columns


def test_bonus_fund_of_a_person_leaving_in_september_2024(tmp_path):
    staff = STAFF.replace("2014-01-01,,0,,\nY", "2014-01-01,,0,,2024-09-30\nY", 1)
    d = make(tmp_path)
    (d / "staff.csv").write_text(staff, encoding="utf-8")
    m = load(d)
    # X (end date 2024-09-30): July–September = 3 × 547,560 = 1,642,680
    # (10 % of 2.34 × 2,340,000 = 5,475,600 a month); Y and Z 3,285,360 each
    assert khoan.budget(m, 2024).table["bonus_fund"].tolist() == [1_642_680 + 2 * 3_285_360]


# -- sharing by rating, to the đồng -----------------------------------------------------------


def test_bonus_shared_by_rating_weights_largest_remainder(rated):
    # 2025 pool 19,712,160; weights 3 / 2.5 / 1.5 (sum 7) by an override of the coefficients:
    #   X 19,712,160 × 3/7   = 8,448,068.571 -> 8,448,068 + 1 (largest remainder)
    #   Y 19,712,160 × 2.5/7 = 7,040,057.143 -> 7,040,057
    #   Z 19,712,160 × 1.5/7 = 4,224,034.286 -> 4,224,034          (sum 19,712,159 + 1)
    w = {"xuat_sac": 3, "tot": 2.5, "hoan_thanh": 1.5, "khong_hoan_thanh": 0, "unrated": 1}
    m = rated.replace(
        params=rated.params.with_overrides([Override("w", {"bonus_fund.rating_weights": w})])
    )
    s = khoan.settle(m, 2025, weights="rating")
    assert s.per_person["bonus"].to_dict() == {"X": 8_448_069, "Y": 7_040_057, "Z": 4_224_034}
    assert s.table["bonus_fund"].tolist() == [19_712_160]
    # without weights: equal shares of the days present, 6,570,720 each
    s0 = khoan.settle(m, 2025)
    assert s0.per_person["bonus"].tolist() == [6_570_720] * 3


def test_tntt_shared_by_rating(rated):
    # actual spending 0: savings = lump sum, pool = cap = 1.0 × salary fund by grade
    #   = 3 × 2.34 × 2,340,000 × 12 = 197,121,600; tntt.rating_weights 1.2 / 1.0 / 0.8 (sum 3)
    s = khoan.settle(rated, 2025, actual={"22327": 0}, weights="rating")
    assert s.table["tntt"].tolist() == [197_121_600]
    assert s.per_person["tntt"].to_dict() == {"X": 78_848_640, "Y": 65_707_200, "Z": 52_565_760}
    # the bonus with bonus_fund.rating_weights 1.5 / 1.0 / 0.5 (sum 3) of 19,712,160
    assert s.per_person["bonus"].to_dict() == {"X": 9_856_080, "Y": 6_570_720, "Z": 3_285_360}
    # a "not completed" rating gets no TNTT (coefficient 0) and the others share the pool
    r = rated.ratings.copy()
    r.loc[r["id"].eq("Z") & r["year"].eq(2025), "rating"] = "khong_hoan_thanh"
    s = khoan.settle(rated.replace(ratings=r), 2025, actual={"22327": 0}, weights="rating")
    # 197,121,600 × 1.2/2.2 = 107,520,872.73 -> 107,520,873; × 1.0/2.2 = 89,600,727.27
    assert s.per_person["tntt"].to_dict() == {"X": 107_520_873, "Y": 89_600_727, "Z": 0}
    assert int(s.per_person["tntt"].sum()) == 197_121_600


# -- synthetic ratings ------------------------------------------------------------------------


def test_synthetic_ratings_are_plausible_and_deterministic():
    m = khoan.examples.load("khanh_hoa_2016")
    a = synth.ratings(m.staff, range(2014, 2021), 11)
    b = synth.ratings(m.staff, range(2014, 2021), 11)
    pd.testing.assert_frame_equal(a, b)
    cats = m.staff.set_index("id")["category"]
    assert set(cats[a["id"]].unique()) == {"can_bo", "cong_chuc"}
    assert not a.duplicated(["id", "year"]).any()
    share = a["rating"].value_counts(normalize=True)
    for level, p in synth.RATING_SHARES.items():
        assert abs(share[level] - p) < 0.02, (level, share[level])
    # kept from one year to the next more often than independent draws would (0.46)
    w = a.pivot(index="id", columns="year", values="rating")
    same = (w[2016] == w[2015]).mean()
    assert same > 0.6
    # the example model of 2026 ships them and they load
    m26 = khoan.examples.load("khanh_hoa_2026")
    assert len(m26.ratings) > 0 and set(m26.ratings["rating"]) == set(synth.RATING_SHARES)
    assert np.isin(m26.ratings["year"].astype(int), np.arange(2024, 2031)).all()
