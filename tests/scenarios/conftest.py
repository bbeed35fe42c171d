"""Fixtures: a three-person commune small enough to compute by hand, and the example models."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import khoan.examples
from khoan.model import Model, load

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"

COMMUNES = """code,name,type,district_code,district_name,class,population,area_km2,zone,region_coef,approved_posts,approved_nhdkct,villages_large,villages_other,special_tasks,last_allocation
22327,Phường Vĩnh Hòa,phuong,568,Thành phố Nha Trang,2,17970,2.92,urban,0.0,3,0,0,0,0,
"""

# A: civil servant, man born 1957-06-10 -> 60 in 2017-06 -> pension from 2017-07-01; only 19 insured
#    years in 2016, so not eligible for early retirement (NĐ 108: 20 years).
# B: civil servant, man born 1958-09-15 -> 60 in 2018-09 -> pension from 2018-10-01; insured since
#    1990-01-01 (26 years on 2016-01-01): eligible, 33 months early (band 2_5).
# C: young civil servant who stays.
# Nobody has a step rise due (no next_step_date), so salaries only move with the base salary.
STAFF = """id,commune,category,position,grade,step,coefficient,position_coef,tnvk_pct,bao_luu,birth_date,sex,insured_since,next_step_date,bhtn_covered,start_date,end_date
A,22327,cong_chuc,cong_chuc,A1,5,3.66,0,0,0,1957-06-10,M,1997-01-01,,,,
B,22327,cong_chuc,cong_chuc,A1,9,4.98,0,0,0,1958-09-15,M,1990-01-01,,,,
C,22327,cong_chuc,cong_chuc,A1,1,2.34,0,0,0,1990-03-03,F,2014-01-01,,,,
"""

TOML = """name = "three"
title = "Three civil servants (synthetic test data)"
province_code = "56"
structure = "2016"
base_year = 2016
years = [2016, 2017]
roster_date = "2016-01-01"
"""


@pytest.fixture(scope="session")
def three(tmp_path_factory) -> Model:
    d = tmp_path_factory.mktemp("three")
    (d / "model.toml").write_text(TOML, encoding="utf-8")
    (d / "communes.csv").write_text(COMMUNES, encoding="utf-8")
    (d / "staff.csv").write_text(STAFF, encoding="utf-8")
    shutil.copytree(FIXTURES / "two_communes" / "params", d / "params")
    return load(d)


@pytest.fixture(scope="session")
def kh2016() -> Model:
    return khoan.examples.load("khanh_hoa_2016")


@pytest.fixture(scope="session")
def kh2026() -> Model:
    return khoan.examples.load("khanh_hoa_2026")
