from __future__ import annotations

import pandas as pd
import pytest

from khoan.report.labels import COLUMN_LABELS, MONEY_COLUMNS, is_money, label, relabel

COMPONENTS = """salary position_allowance tnvk commune_class_allowance public_service_allowance
regional_allowance bao_luu nhdkct_allowance bhxh bhyt kpcd bhtn salary_fund_grade total
salary_fund vacancy_fund contributions nhdkct_fund village_fund operating special_tasks
score target floor lower upper allocation change binding
headcount_start retirements leavers hires headcount_end lump_sum one_off_cost
recurring_savings net_savings cumulative_net_savings payback_year commune_kept tntt_per_person
code name type district_name class year zone population commune scenario status""".split()


@pytest.mark.parametrize("col", COMPONENTS)
def test_every_component_has_both_labels(col):
    vi, en = label(col, "vi"), label(col, "en")
    assert vi and en and vi != col and en != col


def test_schema_columns_are_labelled():
    from khoan.data.schema import get_schema

    for t in ("communes", "staff", "outputs"):
        for c in get_schema(t).names:
            assert c in COLUMN_LABELS, (t, c)


def test_unknown_column_keeps_its_name():
    assert label("mystery_column") == "mystery_column"
    assert label(2016) == "2016"


def test_bad_language():
    with pytest.raises(ValueError, match="lang"):
        label("total", "fr")


def test_relabel_columns_and_categories():
    df = pd.DataFrame({"type": ["xa", "phuong", "other"], "sex": ["M", "F", None], "x": [1, 2, 3]})
    vi = relabel(df)
    assert list(vi.columns) == ["Loại đơn vị", "Giới tính", "x"]
    assert list(vi["Loại đơn vị"]) == ["Xã", "Phường", "other"]
    assert vi["Giới tính"].iloc[0] == "Nam"
    en = relabel(df, "en", values=False)
    assert list(en.columns) == ["Unit type", "Sex", "x"]
    assert list(en["Unit type"]) == ["xa", "phuong", "other"]
    assert list(df.columns) == ["type", "sex", "x"]  # input untouched


def test_money_detection():
    df = pd.DataFrame({"total": [1], "bao_luu": [0.5], "year": [2016], "salary": [1.0]})
    assert is_money(df, "total") and is_money(df, "salary")
    assert not is_money(df, "bao_luu")  # a coefficient in the staff table
    assert not is_money(df, "year")
    assert is_money(pd.DataFrame({"bao_luu": [100]}), "bao_luu")  # an amount in the payroll
    assert "tntt_per_person" in MONEY_COLUMNS


def test_result_codes_and_summary_keys_are_labelled():
    # a Vietnamese report shows no English codes: leavers' kind and regime, allocation summary
    # keys and budget details columns all have labels
    from khoan.report.labels import relabel_values

    df = pd.DataFrame({"kind": ["early_retirement", "resignation"], "regime": ["nd108", "x"]})
    vi = relabel_values(df, "vi")
    assert vi["kind"].tolist() == ["Nghỉ hưu trước tuổi", "Thôi việc"]
    assert vi["regime"].tolist() == ["NĐ 108/2014 và sửa đổi", "x"]
    assert relabel_values(df, "en")["kind"].tolist() == ["Early retirement", "Resignation"]
    for key in ("sum_targets", "envelope_dual", "communes_at_floor", "filled_posts", "band"):
        assert label(key, "vi") != key and label(key, "en") != key
