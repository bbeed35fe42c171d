"""``ScenarioResult.summary()`` read from the column arrays equals the figures read through
pandas (the way it was computed before), to the đồng, for every bundled scenario."""

from __future__ import annotations

from typing import Any

import pytest

from khoan.scenarios.result import payback_year


def reference_summary(r) -> dict[str, Any]:
    """The headline figures through pandas Series (the slow, obvious reading)."""
    by = r.by_year
    sc = r.scenario
    start = int(by["headcount_start"].iloc[0])
    end = int(by["headcount_end"].iloc[-1])
    base = int(by["base_headcount"].iloc[0]) if "base_headcount" in by.columns else start
    return {
        "scenario": sc.name,
        "model": r.model_name,
        "policy": sc.policy,
        "regime": sc.regime,
        "first_year": int(sc.years[0]),
        "last_year": int(sc.years[1]),
        "headcount_start": start,
        "headcount_end": end,
        "headcount_change": end - start,
        "share_reduced": (base - end) / base if base else 0.0,
        "target_met": bool((by["target_gap"] == 0).all()) if "target_gap" in by else None,
        "leavers": int(by["leavers"].sum()),
        "retirements": int(by["retirements"].sum()),
        "hires": int(by["hires"].sum()),
        "one_off_cost": int(by["one_off_cost"].sum()),
        "recurring_savings": int(by["recurring_savings"].sum()),
        "state_savings": int(by["state_savings"].sum()),
        "cumulative_net_savings": int(by["cumulative_net_savings"].iloc[-1]),
        "cumulative_state_net_savings": int(by["cumulative_state_net_savings"].iloc[-1]),
        "payback_year": payback_year(by["cumulative_net_savings"], by["one_off_cost"]),
        "state_payback_year": payback_year(by["cumulative_state_net_savings"], by["one_off_cost"]),
        "tntt_per_person": int(by["tntt_per_person"].iloc[-1]),
        "baseline_tntt_per_person": int(by["baseline_tntt_per_person"].iloc[-1]),
    }


def _results(model):
    from khoan.examples import path as example_path
    from khoan.scenarios import Scenario, Target, load_scenarios, simulate

    scs = list(load_scenarios(example_path("khanh_hoa_2016")).values())
    scs += [
        Scenario("no_target", years=(2016, 2018)),
        Scenario("one_year", years=(2017, 2017), target=Target(share=0.01)),
    ]
    return [simulate(model, s) for s in scs]


def test_summary_equals_the_pandas_reading_for_every_bundled_scenario(kh2016):
    results = _results(kh2016)
    assert len(results) >= 5
    for r in results:
        fast, ref = r.summary(), reference_summary(r)
        assert fast == ref, r.scenario.name
        assert [type(v) for v in fast.values()] == [type(v) for v in ref.values()]


@pytest.mark.parametrize("late", [0, 10**12])
def test_summary_follows_changes_to_the_result_table(kh2016, late):
    """The figures are read from the table each time (no stale copy)."""
    r = _results(kh2016)[0]
    by = r.by_year
    by.loc[by.index[-1], "one_off_cost"] = late
    by["net_savings"] = by["recurring_savings"] - by["one_off_cost"]
    by["cumulative_net_savings"] = by["net_savings"].cumsum()
    assert r.summary() == reference_summary(r)
