"""Scenario records and scenarios.toml: fields, validation, and errors with file lines."""

from __future__ import annotations

import dataclasses
import datetime as dt
import textwrap

import pytest

from khoan.errors import ScenarioError
from khoan.examples import path as example_path
from khoan.params import Override
from khoan.scenarios import Scenario, Target, load_scenario, load_scenarios
from khoan.scenarios.scenario import ScenarioSource


def write(tmp_path, text: str):
    p = tmp_path / "scenarios.toml"
    p.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return p


GOOD = """
    title = "test"

    [defaults]
    years = [2016, 2020]
    regime = "nd108"

    [overrides.higher_base]
    description = "base salary 2020"
    changes = { "salary.base" = { "2020-01-01" = 1600000 } }

    [scenarios.nq39]
    policy = "early_retirement"
    kinds = ["early_retirement", "resignation"]
    decision_date = 2016-01-01
    target = { share = "reduction.targets.nq39.rate", base_year = 2015, by = 2020 }
    overrides = ["higher_base"]

    [scenarios.attr]
    policy = "attrition"
    approved_falls = false

    [scenarios.percommune]
    policy = "resignation"
    years = [2017, 2019]

    [scenarios.percommune.target]
    count = 1
    scope = "commune"
"""


def test_load_scenarios_reads_every_field(tmp_path):
    sc = load_scenarios(write(tmp_path, GOOD))
    assert list(sc) == ["nq39", "attr", "percommune"]
    s = sc["nq39"]
    assert s.years == (2016, 2020)
    assert s.regime == "nd108"
    assert s.policy == "early_retirement"
    assert s.leave_kinds == ("early_retirement", "resignation")
    assert s.decision_date == dt.date(2016, 1, 1)
    assert s.target == Target(share="reduction.targets.nq39.rate", base_year=2015, by=2020)
    assert s.overrides == (
        Override("higher_base", {"salary.base": {"2020-01-01": 1600000}}, "base salary 2020"),
    )
    assert s.categories == ("can_bo", "cong_chuc")
    assert sc["attr"].approved_falls is False and sc["attr"].target is None
    assert sc["percommune"].years == (2017, 2019)
    assert sc["percommune"].target == Target(count=1, scope="commune")
    # line numbers are kept for error messages
    assert s.source.line == 11
    assert s.source.line_of("target.share") == 15


def test_from_toml_and_model_folder(tmp_path):
    p = write(tmp_path, GOOD)
    assert load_scenario(p, "attr").policy == "attrition"
    with pytest.raises(ScenarioError, match="holds 3 scenarios"):
        load_scenario(p)
    with pytest.raises(ScenarioError, match=r"no such scenario.*did you mean 'attr'"):
        load_scenario(p, "atr")
    # a model folder works too
    assert "nq39_10pct" in load_scenarios(example_path("khanh_hoa_2016"))


@pytest.mark.parametrize("model", ["khanh_hoa_2016", "khanh_hoa_2026"])
def test_example_files_load(model):
    sc = load_scenarios(example_path(model))
    assert len(sc) >= 6
    policies = {s.policy for s in sc.values()}
    assert {"attrition", "early_retirement", "resignation", "optimal"} <= policies


BAD = [
    # (text of the scenario table, field, line, words in the reason)
    ('policy = "early_retirment"', "policy", 3, "unknown policy 'early_retirment'"),
    ('regime = "nd109"', "regime", 3, "unknown regime 'nd109'"),
    ('polcy = "attrition"', "polcy", 3, "unknown field"),
    ("target = { share = 10 }", "target.share", 3, "not a fraction between 0 and 1"),
    ("target = { share = 0.1, count = 5 }", "target", 3, "exactly one of share, count or rate"),
    ("target = { share = 0.1, by = 2030 }", "target.by", 3, "outside the scenario's years"),
    ('categories = ["cadres"]', "categories", 3, "unknown category 'cadres'"),
    ('overrides = ["nope"]', "overrides", 3, "no [overrides.nope] table"),
    ("leave_month = 13", "leave_month", 3, "not a month"),
    ('order = "oldest"', "order", 3, "unknown order 'oldest'"),
    ('policy = "attrition"\nkinds = ["resignation"]', "kinds", 4, "no leavers"),
    ('regime = "nd154"\npolicy = "early_retirement"', "policy", 4, "NĐ 154"),
    ('regime = "nd154"\npolicy = "resignation"', "categories", 1, "non-professional"),
]


@pytest.mark.parametrize(("body", "field", "line", "why"), BAD)
def test_bad_fields_name_scenario_field_line_and_reason(tmp_path, body, field, line, why):
    p = write(tmp_path, f"[scenarios.bad]\nyears = [2016, 2020]\n{body}\n")
    with pytest.raises(ScenarioError) as exc:
        load_scenarios(p)
    msg = str(exc.value)
    assert f"scenarios.toml, line {line}:" in msg
    assert "scenario 'bad'" in msg
    assert f"field {field!r}" in msg
    assert why in msg
    assert exc.value.scenario == "bad" and exc.value.field == field and exc.value.line == line


def test_invalid_toml_names_the_line(tmp_path):
    p = write(tmp_path, '[scenarios.x]\nyears = [2016, 2020]\npolicy = "attrition\n')
    with pytest.raises(ScenarioError, match=r"line 3.*not valid TOML"):
        load_scenarios(p)


def test_missing_years_and_empty_file(tmp_path):
    with pytest.raises(ScenarioError, match=r"line 1: scenario 'x', field 'years': missing"):
        load_scenarios(write(tmp_path, '[scenarios.x]\npolicy = "attrition"\n'))
    with pytest.raises(ScenarioError, match=r"no \[scenarios.NAME\] table"):
        load_scenarios(write(tmp_path, 'title = "nothing"\n'))
    with pytest.raises(ScenarioError, match="file not found"):
        load_scenarios(tmp_path / "missing.toml")


def test_dataclass_validation_and_defaults():
    s = Scenario("a", years=(2016, 2020))
    assert s.policy == "attrition" and s.regime == "nd108" and s.approved_falls
    assert s.decision == dt.date(2016, 1, 1)
    assert s.leave_date(2017) == dt.date(2017, 1, 1)
    s2 = Scenario("b", years=[2016, 2020], decision_date="2016-03-15", leave_month=1)
    assert s2.leave_date(2016) == dt.date(2016, 4, 1)  # first of the month after the decision
    assert s2.leave_date(2017) == dt.date(2017, 1, 1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.policy = "optimal"  # type: ignore[misc]
    with pytest.raises(ScenarioError, match="field 'name'"):
        Scenario("a b/c", years=(2016, 2020))
    with pytest.raises(ScenarioError, match="field 'years'"):
        Scenario("a", years=(2020, 2016))
    # mappings are accepted for target and overrides (batch files build scenarios this way)
    s3 = Scenario(
        "c",
        years=[2016, 2020],
        policy="resignation",
        target={"rate": 0.015},
        overrides=[{"name": "o", "changes": {"salary.base": 1}}],
    )
    assert s3.target == Target(rate=0.015)
    assert s3.overrides[0].name == "o"
    assert s3.with_(policy="optimal").policy == "optimal"
    assert s3.to_dict()["target"] == {"rate": 0.015, "scope": "province", "path": "linear"}


def test_error_without_file_has_no_line():
    with pytest.raises(ScenarioError) as exc:
        Scenario("x", years=(2016, 2020), regime="nd100")
    assert str(exc.value).startswith("scenario 'x', field 'regime': unknown regime 'nd100'")
    assert exc.value.line is None


def test_source_line_of_falls_back_to_header():
    src = ScenarioSource("f.toml", 10, (("target", 12), ("target.share", 12), ("policy", 11)))
    assert src.line_of("target.by") == 12
    assert src.line_of("policy") == 11
    assert src.line_of("regime") == 10
