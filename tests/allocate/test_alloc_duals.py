"""Duals: ∂objective/∂(right-hand side), signs checked by finite differences."""

from __future__ import annotations

import numpy as np
import pytest
from alloc_helpers import M, random_problem, three

from khoan.allocate import solve_allocation


def _objective(p, **kw):
    return solve_allocation(p, **kw).objective


@pytest.mark.parametrize("shortfall", [0.05, -0.05])
def test_envelope_dual_is_the_change_per_vnd_kkt(shortfall):
    # the exact solution: raising E by 1 VND changes F by the dual (VND per VND)
    p = random_problem(132, 7, shortfall=shortfall)
    r = solve_allocation(p, solver="kkt")
    f1 = _objective(p.replace(envelope=p.envelope + 1), solver="kkt")
    assert f1 - r.objective == pytest.approx(r.duals["envelope"], rel=1e-4)
    # short envelope -> negative dual (more money brings x closer to t); surplus -> positive
    assert np.sign(r.duals["envelope"]) == -np.sign(shortfall)


@pytest.mark.parametrize("shortfall", [0.05, -0.05])
def test_envelope_dual_highs(shortfall):
    p = random_problem(132, 8, shortfall=shortfall)
    r = solve_allocation(p)
    f1 = _objective(p.replace(envelope=p.envelope + 1))
    assert f1 - r.objective == pytest.approx(r.duals["envelope"], rel=1e-3)
    h = 1_000_000  # central difference over ±1 million VND
    fp = _objective(p.replace(envelope=p.envelope + h))
    fm = _objective(p.replace(envelope=p.envelope - h))
    assert (fp - fm) / (2 * h) == pytest.approx(r.duals["envelope"], rel=1e-6)


def test_envelope_dual_absolute():
    # hand case: the marginal đồng comes from c (t = 300 M): dF/dE = −1/(300 M) per VND
    p = three(540)
    r = solve_allocation(p, objective="absolute")
    f1 = _objective(p.replace(envelope=p.envelope + 1_000), objective="absolute")
    assert (f1 - r.objective) / 1_000 == pytest.approx(r.duals["envelope"], rel=1e-6)
    assert r.duals["envelope"] < 0


def test_envelope_dual_minimax():
    # max relative cut 0.1 at E = 540 M, 60 M short of 600 M: s = (600 − E)/600 M,
    # ds/dE = −1/(600 M) per VND
    r = solve_allocation(three(540), objective="minimax")
    assert r.duals["envelope"] == pytest.approx(-1 / (600 * M), rel=1e-6)


def _groups(floor_share=None, cap_share=None):
    p = random_problem(40, 3, shortfall=0.05, corridor=None)
    lab = np.array(["north" if k % 2 else "south" for k in range(p.n)])
    north = p.target[lab == "north"].sum()
    kw = {"group_labels": {"district": lab}}
    if floor_share is not None:
        kw["group_floor"] = {("district", "north"): float(round(north * floor_share))}
    if cap_share is not None:
        kw["group_cap"] = {("district", "north"): float(round(north * cap_share))}
    return p.replace(**kw)


def test_group_floor_dual_non_negative_and_exact():
    # north's share would be 95 % of its targets; a floor at 99 % binds
    p = _groups(floor_share=0.99)
    r = solve_allocation(p)
    key = ("group_floor", "district", "north")
    assert key in r.duals and r.duals[key] > 0
    assert all(
        "district=north:floor" in b
        for b, lab in zip(r.binding, p.group_labels["district"], strict=True)
        if lab == "north"
    )
    h = 1_000_000
    up = p.replace(group_floor={("district", "north"): p.group_floor[("district", "north")] + h})
    dn = p.replace(group_floor={("district", "north"): p.group_floor[("district", "north")] - h})
    fd = (_objective(up) - _objective(dn)) / (2 * h)
    assert fd == pytest.approx(r.duals[key], rel=1e-6)


def test_group_cap_dual_non_positive_and_exact():
    p = _groups(cap_share=0.9)
    r = solve_allocation(p)
    key = ("group_cap", "district", "north")
    assert key in r.duals and r.duals[key] < 0
    h = 1_000_000
    cap = p.group_cap[("district", "north")]
    up = p.replace(group_cap={("district", "north"): cap + h})
    dn = p.replace(group_cap={("district", "north"): cap - h})
    fd = (_objective(up) - _objective(dn)) / (2 * h)
    assert fd == pytest.approx(r.duals[key], rel=1e-6)


def test_non_binding_group_has_no_dual():
    p = _groups(floor_share=0.5)
    r = solve_allocation(p)
    assert list(r.duals) == ["envelope"]
