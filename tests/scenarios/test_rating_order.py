"""Reductions take first the people the law names by their ratings (NĐ 29/2023 Điều 2).

The ``three`` model (tests/scenarios/conftest.py): A (not eligible for early retirement), B
(eligible), C (young, the cheapest to pay off: the default resignation order takes C first).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from khoan import simulate
from khoan.data.synth import to_schema
from khoan.errors import ScenarioError
from khoan.params import Override
from khoan.scenarios import Scenario, Target, load_scenarios
from khoan.scenarios.policies import named_by_rating, named_first

FLOOR = Override("floor", {"scenarios.min_staffing.share_of_approved": 0.3})


def with_ratings(model, rows):
    return model.replace(
        ratings=to_schema(pd.DataFrame(rows, columns=["id", "year", "rating"]), "ratings")
    )


def one_leaver(**kw) -> Scenario:
    base = dict(
        name="r",
        years=(2016, 2017),
        policy="resignation",
        target=Target(count=1),
        overrides=(FLOOR,),
    )
    base.update(kw)
    return Scenario(**base)


def leavers(model, sc) -> list[tuple[str, int, str]]:
    lv = simulate(model, sc).leavers
    return list(zip(lv["id"], lv["year"], lv["kind"], strict=True))


def test_not_completed_the_year_before_leaves_first(three):
    m = with_ratings(
        three, [("A", 2015, "khong_hoan_thanh"), ("B", 2015, "tot"), ("C", 2015, "tot")]
    )
    # default resignation order: lowest one-off cost first -> C
    assert leavers(m, one_leaver()) == [("C", 2016, "resignation")]
    assert leavers(m, one_leaver(rating_first=True)) == [("A", 2016, "resignation")]


def test_completed_after_not_completed_is_named_too(three):
    # NĐ 29/2023 Điều 2 khoản 1 điểm đ: one year "completed", one "not completed", in the two
    # years before the review
    m = with_ratings(three, [("A", 2014, "khong_hoan_thanh"), ("A", 2015, "hoan_thanh")])
    assert leavers(m, one_leaver(rating_first=True)) == [("A", 2016, "resignation")]
    # ratings of 2013 and 2014 are not those of the two years before 2016: C again
    m = with_ratings(three, [("A", 2013, "khong_hoan_thanh"), ("A", 2014, "khong_hoan_thanh")])
    assert leavers(m, one_leaver(rating_first=True)) == [("C", 2016, "resignation")]


def test_named_person_leaves_under_the_kind_open_to_him(three):
    # early retirement preferred, resignation allowed: B is the only one eligible to retire
    # early, but A, rated "not completed", is taken first and resigns
    m = with_ratings(three, [("A", 2015, "khong_hoan_thanh")])
    sc = one_leaver(policy="early_retirement", kinds=("early_retirement", "resignation"))
    assert leavers(m, sc) == [("B", 2016, "early_retirement")]
    assert leavers(m, sc.with_(rating_first=True)) == [("A", 2016, "resignation")]


def test_rating_first_needs_ratings_and_a_greedy_policy(three):
    with pytest.raises(ScenarioError, match=r"field 'rating_first': the model has no ratings"):
        simulate(three, one_leaver(rating_first=True))
    for policy in ("attrition", "optimal"):
        with pytest.raises(ScenarioError, match=r"field 'rating_first'.*does not take leavers"):
            one_leaver(policy=policy, rating_first=True)
    with pytest.raises(ScenarioError, match=r"field 'rating_first'.*not true or false"):
        one_leaver(rating_first="yes")


def test_rating_first_off_keeps_the_scenario_digest_fields(three):
    assert "rating_first" not in one_leaver().to_dict()
    assert one_leaver(rating_first=True).to_dict()["rating_first"] is True


def test_rating_first_from_a_scenario_file(tmp_path):
    p = tmp_path / "s.toml"
    p.write_text(
        '[scenarios.r]\nyears = [2016, 2017]\npolicy = "resignation"\nrating_first = true\n'
        "target = { count = 1 }\n",
        encoding="utf-8",
    )
    assert load_scenarios(p)["r"].rating_first is True


def test_named_by_rating_and_named_first():
    before = np.array(["khong_hoan_thanh", "hoan_thanh", "hoan_thanh", None, "tot"], dtype=object)
    two = np.array([None, "khong_hoan_thanh", "tot", "khong_hoan_thanh", "khong_hoan_thanh"])
    assert named_by_rating(before, two).tolist() == [True, True, False, False, False]
    rank = np.array([0, 1, 2, 3, -1])
    named = np.array([False, False, True, False, True])
    # named first in their own order; a candidate that may not leave stays -1
    assert named_first(rank, named).tolist() == [1, 2, 0, 3, -1]
