"""The dated parameter engine, on small parameter folders written by the tests."""

from __future__ import annotations

import datetime as dt
import textwrap

import numpy as np
import pytest

from khoan.errors import ParameterError
from khoan.params import Override, ParameterTree, load_dir

BASE = """
description: {vi: Mức lương cơ sở, en: Base salary}
unit: VND/month
values:
  2013-07-01: {value: 1150000, reference: NĐ 66/2013/NĐ-CP, confidence: confirmed}
  2016-05-01: {value: 1210000, reference: NĐ 47/2016/NĐ-CP, confidence: confirmed}
  2019-07-01: {value: 1490000, reference: NĐ 38/2019/NĐ-CP, confidence: confirmed}
"""

QUOTA = """
description: {vi: Số lượng cán bộ công chức cấp xã, en: Commune posts}
unit: posts
values:
  2010-01-01:
    value: {xa: {"1": 25, "2": 23, "3": 21}, phuong: {"1": 25, "2": 23, "3": 21}}
    reference: NĐ 92/2009/NĐ-CP, Điều 4
    confidence: confirmed
  2019-06-25:
    value: {xa: {"1": 23, "2": 21, "3": 19}, phuong: {"1": 23, "2": 21, "3": 19}}
    reference: NĐ 34/2019/NĐ-CP, Điều 1
    confidence: confirmed
"""

FAMILY = """
description: {vi: Đóng góp, en: Employer contributions}
bhxh:
  description: {vi: BHXH, en: Social insurance}
  unit: rate
  values:
    2016-01-01: {value: 0.18, reference: Luật BHXH 2014, confidence: confirmed}
    2017-06-01: {value: 0.175, reference: NĐ 44/2017/NĐ-CP, confidence: confirmed}
bhyt:
  description: {vi: BHYT, en: Health insurance}
  unit: rate
  values:
    2016-01-01: {value: 0.03, reference: Luật BHYT, confidence: confirmed}
"""


def write(tmp_path, rel, text):
    p = tmp_path / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(textwrap.dedent(text), encoding="utf-8")
    return p


@pytest.fixture
def tree(tmp_path):
    write(tmp_path, "law/salary/base.yaml", BASE)
    write(tmp_path, "law/staffing/quota.yaml", QUOTA)
    write(tmp_path, "law/contributions/employer.yaml", FAMILY)
    return ParameterTree(load_dir(tmp_path / "law"))


def test_keys_follow_folder_tree(tree):
    assert tree.keys() == [
        "contributions.employer.bhxh",
        "contributions.employer.bhyt",
        "salary.base",
        "staffing.quota",
    ]


def test_value_on_both_sides_of_change(tree):
    assert tree.value("salary.base", "2016-04-30") == 1_150_000
    assert tree.value("salary.base", "2016-05-01") == 1_210_000
    assert tree.value("contributions.employer.bhxh", dt.date(2017, 5, 31)) == 0.18
    assert tree.value("contributions.employer.bhxh", dt.date(2017, 6, 1)) == 0.175


def test_entry_carries_reference_and_validity(tree):
    e = tree.entry("salary.base", "2017-01-01")
    assert e.reference == "NĐ 47/2016/NĐ-CP"
    assert e.confidence == "confirmed"
    assert e.start == dt.date(2016, 5, 1)
    assert e.end == dt.date(2019, 6, 30)


def test_before_first_value_is_an_error(tree):
    with pytest.raises(ParameterError, match="salary.base.*2013-07-01"):
        tree.value("salary.base", "2010-01-01")


def test_vectorised_nested_lookup(tree):
    types = np.array(["xa", "phuong", "xa", "xa"])
    cls = np.array([1, 2, 3, 1])
    before = tree.lookup("staffing.quota", "2019-06-24", types, cls)
    after = tree.lookup("staffing.quota", "2019-06-25", types, cls)
    np.testing.assert_array_equal(before, [25, 23, 21, 25])
    np.testing.assert_array_equal(after, [23, 21, 19, 23])


def test_lookup_unknown_category_names_it(tree):
    with pytest.raises(ParameterError, match="dac_khu/1"):
        tree.lookup("staffing.quota", "2020-01-01", ["dac_khu"], [1])


def test_monthly_values_and_annual_sum(tree):
    m = tree.monthly("salary.base", 2016)
    np.testing.assert_array_equal(m, [1_150_000] * 4 + [1_210_000] * 8)
    assert m.sum() == 4 * 1_150_000 + 8 * 1_210_000


def test_monthly_lookup_day_weighted_inside_a_month(tree):
    m = tree.monthly_lookup("staffing.quota", 2019, ["xa"], ["1"])
    # June 2019: 24 days at 25 posts, 6 days at 23 posts
    assert m.shape == (1, 12)
    assert m[0, 4] == 25
    assert m[0, 5] == pytest.approx((24 * 25 + 6 * 23) / 30)
    assert m[0, 6] == 23


def test_snapshot_attribute_and_item_access(tree):
    snap = tree.at("2017-06-01")
    assert snap["salary.base"] == 1_210_000
    assert snap.contributions.employer.bhxh == 0.175


def test_overrides_are_applied_and_logged(tree):
    t2 = tree.with_overrides(
        [
            Override("raise", {"salary.base": {"2018-01-01": 1_400_000}}),
            Override("flat", {"contributions.employer.bhyt": 0.045}),
        ]
    )
    assert t2.value("salary.base", "2017-12-31") == 1_210_000
    assert t2.value("salary.base", "2018-01-01") == 1_400_000
    assert t2.value("contributions.employer.bhyt", "2016-01-01") == 0.045
    assert tree.value("salary.base", "2018-01-01") == 1_210_000  # original untouched
    assert {x["key"] for x in t2.log} == {"salary.base", "contributions.employer.bhyt"}
    assert t2.entry("salary.base", "2018-02-01").confidence == "override"


def test_overlapping_overrides_refused(tree):
    with pytest.raises(ParameterError, match="'a' and 'b' both set 'salary.base'"):
        tree.with_overrides([Override("a", {"salary.base": 1}), Override("b", {"salary.base": 2})])


def test_override_of_unknown_key_refused(tree):
    with pytest.raises(ParameterError, match="no parameter 'salary.bse'"):
        tree.with_overrides([Override("typo", {"salary.bse": 1})])


def test_overlay_merges_dated_values(tree, tmp_path):
    write(
        tmp_path,
        "prov/salary/base.yaml",
        """
        description: {vi: Lương cơ sở (tỉnh), en: Base salary}
        unit: VND/month
        values:
          2020-01-01: {value: 1600000, reference: test, confidence: illustrative}
        """,
    )
    write(
        tmp_path,
        "prov/norms/provincial.yaml",
        """
        per_post:
          description: {vi: Định mức, en: Norm per post}
          unit: VND/person/year
          values:
            2016-01-01: {value: 30000000, reference: NQ HĐND (minh họa), confidence: illustrative}
        """,
    )
    t = tree.overlay(tmp_path / "prov")
    assert t.value("salary.base", "2019-12-31") == 1_490_000
    assert t.value("salary.base", "2020-01-01") == 1_600_000
    assert t.value("norms.provincial.per_post", "2016-06-01") == 30_000_000
    assert len(t.log) == 2


def test_overlay_unit_mismatch(tree, tmp_path):
    write(
        tmp_path,
        "prov/salary/base.yaml",
        """
        description: {vi: x, en: x}
        unit: VND/year
        values:
          2020-01-01: {value: 1, reference: test, confidence: illustrative}
        """,
    )
    with pytest.raises(ParameterError, match="unit 'VND/year'"):
        tree.overlay(tmp_path / "prov")


@pytest.mark.parametrize(
    "body, message",
    [
        (
            """
         description: {vi: a, en: a}
         unit: VND
         values:
           2016-01-01: {value: 1, reference: r, confidence: confirmed}
           2016-01-01: {value: 2, reference: r, confidence: confirmed}
         """,
            "duplicate key",
        ),
        (
            """
         description: {vi: a, en: a}
         unit: VND
         values:
           sometime: {value: 1, reference: r, confidence: confirmed}
         """,
            "'sometime' is not a date",
        ),
        (
            """
         description: {vi: a, en: a}
         unit: VND
         values:
           2016-01-01: {value: 1, confidence: confirmed}
         """,
            "no reference",
        ),
        (
            """
         description: {vi: a, en: a}
         unit: dollars
         values:
           2016-01-01: {value: 1, reference: r, confidence: confirmed}
         """,
            "unknown unit 'dollars'",
        ),
        (
            """
         description: {vi: a, en: a}
         unit: VND
         values:
           2016-01-01: {value: 1, reference: r, confidence: maybe}
         """,
            "confidence 'maybe'",
        ),
    ],
)
def test_bad_parameter_files_name_file_and_key(tmp_path, body, message):
    p = write(tmp_path, "law/x/bad.yaml", body)
    with pytest.raises(ParameterError, match=message) as exc:
        load_dir(tmp_path / "law")
    assert str(p) in str(exc.value)
    if "duplicate" not in message:
        assert "x.bad" in str(exc.value)


def test_digest_changes_with_values(tree):
    t2 = tree.with_overrides([Override("o", {"salary.base": 1})])
    assert tree.digest() != t2.digest()
    assert (
        tree.digest() == ParameterTree(dict((k, tree.parameter(k)) for k in tree.keys())).digest()
    )
