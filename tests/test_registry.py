"""Tests of the official admin-unit registry and of the example models' commune tables."""

from __future__ import annotations

import unicodedata
from importlib.resources import files

import numpy as np
import pandas as pd
import pytest

from khoan.data.registry import STRUCTURES, check_codes, load_units, provinces
from khoan.errors import KhoanError

KHANH_HOA = "56"
PREFIXES = {"xa": "Xã ", "phuong": "Phường ", "thi_tran": "Thị trấn ", "dac_khu": "Đặc khu "}
COMMUNE_COLUMNS = [
    "code", "name", "type", "district_code", "district_name", "class", "population",
    "area_km2", "zone", "region_coef", "approved_posts", "approved_nhdkct", "villages_large",
    "villages_other", "special_tasks", "last_allocation",
]  # fmt: skip


def communes(model: str) -> pd.DataFrame:
    path = files("khoan").joinpath("models", model, "communes.csv")
    with path.open("r", encoding="utf-8") as fh:
        return pd.read_csv(fh, dtype={"code": str, "district_code": str})


# --- registry: counts ---------------------------------------------------------------------


def test_2016_counts():
    units = load_units("2016")
    assert len(units) == 10_051
    assert units["province_code"].nunique() == 63
    assert units["district_code"].nunique() == 691  # 696 in the package; 5 hold no unit
    assert units["type"].value_counts().to_dict() == {
        "xa": 7_717,
        "phuong": 1_716,
        "thi_tran": 618,
    }
    assert units["code"].is_unique


def test_2025_counts():
    units = load_units("2025")
    assert len(units) == 3_321
    assert units["province_code"].nunique() == 34
    assert units["type"].value_counts().to_dict() == {"xa": 2_621, "phuong": 687, "dac_khu": 13}
    assert units["code"].is_unique
    assert list(units.columns) == ["province_code", "province_name", "code", "name", "type"]


def test_khanh_hoa_2016():
    units = load_units("2016")
    kh = units[units["province_code"] == KHANH_HOA]
    assert len(kh) == 132
    assert kh["district_code"].nunique() == 9
    assert kh["type"].value_counts().to_dict() == {"xa": 96, "phuong": 30, "thi_tran": 6}
    assert set(kh["province_name"]) == {"Tỉnh Khánh Hòa"}
    by_district = kh.groupby("district_name").size().to_dict()
    assert by_district["Thành phố Nha Trang"] == 22
    assert by_district["Huyện Trường Sa"] == 3
    assert by_district["Huyện Khánh Sơn"] == 8


def test_khanh_hoa_2025():
    units = load_units("2025")
    kh = units[units["province_code"] == KHANH_HOA]
    assert len(kh) == 65
    assert kh["type"].value_counts().to_dict() == {"xa": 48, "phuong": 16, "dac_khu": 1}
    assert kh.loc[kh["type"] == "dac_khu", "name"].tolist() == ["Đặc khu Trường Sa"]


def test_provinces():
    old, new = provinces("2016"), provinces("2025")
    assert (len(old), len(new)) == (63, 34)
    assert old["n_units"].sum() == 10_051 and new["n_units"].sum() == 3_321
    kh = old.set_index("province_code").loc[KHANH_HOA]
    assert (kh["n_units"], kh["n_districts"]) == (132, 9)
    assert new.set_index("province_code").loc[KHANH_HOA, "n_units"] == 65
    assert old["province_code"].is_monotonic_increasing


# --- registry: format ---------------------------------------------------------------------


@pytest.mark.parametrize("structure", list(STRUCTURES))
def test_codes_are_zero_padded_strings_sorted(structure):
    units = load_units(structure)
    assert units["code"].str.fullmatch(r"\d{5}").all()
    assert units["province_code"].str.fullmatch(r"\d{2}").all()
    if "district_code" in units:
        assert units["district_code"].str.fullmatch(r"\d{3}").all()
    assert units["code"].is_monotonic_increasing
    assert all(pd.api.types.is_string_dtype(units[c]) for c in units.columns)
    assert load_units(structure).loc[0, "code"] == units.loc[0, "code"]
    assert units.loc[0, "code"].startswith("0")  # Hà Nội, leading zeros kept


@pytest.mark.parametrize("structure", list(STRUCTURES))
def test_type_matches_name_prefix(structure):
    units = load_units(structure)
    prefix = units["type"].map(PREFIXES)
    assert prefix.notna().all()
    assert all(n.startswith(p) for n, p in zip(units["name"], prefix, strict=True))


def test_2016_types_from_prefix_examples():
    units = load_units("2016").set_index("code")
    assert units.loc["22327", ["name", "type"]].tolist() == ["Phường Vĩnh Hòa", "phuong"]
    assert units.loc["22714", ["name", "type"]].tolist() == ["Thị trấn Tô Hạp", "thi_tran"]
    assert units.loc["22729", ["name", "type"]].tolist() == ["Xã Sơn Trung", "xa"]


@pytest.mark.parametrize("structure", list(STRUCTURES))
def test_text_is_nfc(structure):
    units = load_units(structure)
    for col in units.columns:
        assert all(unicodedata.is_normalized("NFC", v) for v in units[col].unique())


def test_load_units_returns_a_copy():
    units = load_units("2025")
    units.loc[0, "name"] = "changed"
    assert load_units("2025").loc[0, "name"] != "changed"


def test_unknown_structure():
    with pytest.raises(KhoanError, match="unknown registry structure"):
        load_units("2019")
    with pytest.raises(KhoanError):
        check_codes(["22327"], "2020")


# --- check_codes ----------------------------------------------------------------------------


def test_check_codes_true_false():
    got = check_codes(["22327", "22736", "99999", "", None, "abc", "2232"], "2016")
    assert got.dtype == bool
    assert got.tolist() == [True, True, False, False, False, False, False]


def test_check_codes_pads_numbers():
    # Hà Nội's Phường Phúc Xá is "00001"; spreadsheets drop the leading zeros.
    got = check_codes([1, "1", 1.0, "00001", np.int64(1), 1.5, True], "2016")
    assert got.tolist() == [True, True, True, True, True, False, False]


def test_check_codes_by_province():
    # 22327 Phường Vĩnh Hòa is Khánh Hòa; 00001 is Hà Nội.
    assert check_codes(["22327", "00001"], "2016", province_code="56").tolist() == [True, False]
    assert check_codes(["22327", "00001"], "2016", province_code=1).tolist() == [False, True]
    assert check_codes(["22327"], "2016", province_code="99").tolist() == [False]


def test_check_codes_structures_differ():
    # 22327 (Phường Vĩnh Hòa) is gone since 2025; 22366 (Phường Tân Tiến) is reused by
    # Phường Nha Trang.
    assert check_codes(["22327", "22366"], "2025").tolist() == [False, True]
    assert check_codes(["22327", "22366"], "2016").tolist() == [True, True]


def test_check_codes_vectorised_inputs():
    codes = load_units("2025")["code"]
    assert check_codes(codes, "2025").all()
    assert check_codes(codes.to_numpy(), "2025", province_code="56").sum() == 65
    assert check_codes(codes.astype(int).to_numpy(), "2025").all()
    assert check_codes([], "2025").shape == (0,)
    assert check_codes(iter(["22736"]), "2025").tolist() == [True]


# --- example commune tables -----------------------------------------------------------------


def test_khanh_hoa_2016_communes():
    df = communes("khanh_hoa_2016")
    assert list(df.columns) == COMMUNE_COLUMNS
    assert len(df) == 132 and df["district_code"].nunique() == 9
    assert check_codes(df["code"], "2016", province_code=KHANH_HOA).all()
    reg = load_units("2016").set_index("code").loc[df["code"]]
    for col in ("name", "type", "district_code", "district_name"):
        assert df[col].tolist() == reg[col].tolist()
    assert df["population"].sum() == pytest.approx(1_230_000, rel=0.01)
    assert df["area_km2"].sum() == pytest.approx(5_199.62, abs=0.01)
    assert set(df["class"]) <= {1, 2, 3}
    assert (df["approved_posts"] == df["class"].map({1: 25, 2: 23, 3: 21})).all()
    assert (df["approved_nhdkct"] == df["class"].map({1: 22, 2: 20, 3: 19})).all()
    ts = df["district_name"] == "Huyện Trường Sa"
    assert (df.loc[ts, "zone"] == "highland_island").all()
    assert (df.loc[ts, "region_coef"] == 1.0).all()
    urban = df["type"].isin(["phuong", "thi_tran"]) & ~ts
    assert (df.loc[urban, "zone"] == "urban").all()
    mountain = df["district_name"].isin(["Huyện Khánh Sơn", "Huyện Khánh Vĩnh"])
    assert (df.loc[mountain & (df["type"] == "xa"), "zone"] == "mountain").all()
    assert df.loc[mountain, "region_coef"].between(0.1, 0.2).all()
    assert df["last_allocation"].isna().all()
    wards = df.loc[df["type"] == "phuong", "population"].median()
    assert wards > df.loc[df["type"] == "xa", "population"].median()


def test_khanh_hoa_2026_communes():
    df = communes("khanh_hoa_2026")
    assert list(df.columns) == COMMUNE_COLUMNS
    assert len(df) == 65
    assert check_codes(df["code"], "2025", province_code=KHANH_HOA).all()
    reg = load_units("2025").set_index("code").loc[df["code"]]
    assert df["name"].tolist() == reg["name"].tolist()
    assert df["type"].value_counts().to_dict() == {"xa": 48, "phuong": 16, "dac_khu": 1}
    assert df["district_code"].isna().all() and df["district_name"].isna().all()
    assert df["population"].sum() == pytest.approx(2_240_000, rel=0.01)
    assert df["area_km2"].sum() == pytest.approx(8_555.86, abs=0.01)
    assert df["approved_posts"].mean() == pytest.approx(32, abs=0.5)
    assert df["approved_posts"].between(28, 40).all()
    assert (df["approved_nhdkct"] == 0).all()
    ts = df[df["type"] == "dac_khu"].iloc[0]
    assert (ts["zone"], ts["region_coef"]) == ("highland_island", 1.0)
    zone = df.set_index("name")["zone"]
    assert zone["Xã Khánh Sơn"] == "mountain" and zone["Xã Bác Ái Tây"] == "mountain"
    assert zone["Phường Nha Trang"] == "urban" and zone["Xã Cam Lâm"] == "lowland"


@pytest.mark.parametrize("model", ["khanh_hoa_2016", "khanh_hoa_2026"])
def test_communes_file_format(model):
    path = files("khoan").joinpath("models", model, "communes.csv")
    text = path.read_bytes().decode("utf-8")
    assert unicodedata.is_normalized("NFC", text)
    assert "\r" not in text and not text.startswith("\ufeff")
    df = communes(model)
    ints = ["class", "population", "approved_posts", "approved_nhdkct", "villages_large",
            "villages_other", "special_tasks"]  # fmt: skip
    for col in ints:
        assert pd.api.types.is_integer_dtype(df[col]), col
    assert df["code"].is_unique and df["code"].is_monotonic_increasing
    assert df["zone"].isin(["urban", "lowland", "mountain", "highland_island"]).all()
    assert df["region_coef"].between(0.0, 1.0).all()
    assert (df[["villages_large", "villages_other", "special_tasks"]] >= 0).all().all()
