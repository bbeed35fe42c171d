"""Target paths, minimum staffing, and the selection rules of the policies (pure functions)."""

from __future__ import annotations

import numpy as np
import pytest

from khoan.errors import SolverError
from khoan.scenarios.policies import (
    greedy_select,
    optimal_select,
    priority,
    staffing_floor,
    target_path,
)


def test_target_path_share_linear():
    # 10 % of 2,860 by the 5th year: 286, in steps of 57.2 rounded up
    p = target_path("share", 0.10, np.array([2860]), 5)
    assert p[:, 0].tolist() == [58, 115, 172, 229, 286]


def test_target_path_rate_count_end_and_by():
    assert target_path("rate", 0.015, np.array([2860]), 3)[:, 0].tolist() == [43, 86, 129]
    assert target_path("count", 10, np.array([0]), 4, k_by=2)[:, 0].tolist() == [5, 10, 10, 10]
    assert target_path("share", 0.05, np.array([1979]), 3, k_by=1)[:, 0].tolist() == [99] * 3
    assert target_path("count", 3, np.array([0]), 3, path="end")[:, 0].tolist() == [0, 0, 3]
    # per commune: one value for each
    p = target_path("share", np.array([0.1, 0.2]), np.array([20, 21]), 2)
    assert p.tolist() == [[1, 3], [2, 5]]
    # floating-point noise does not add a person: 0.07 × 100 = 7.000000000000001
    assert target_path("share", 0.07, np.array([100]), 1)[0, 0] == 7


def test_staffing_floor():
    f = staffing_floor(np.array([23, 21, 3]), np.array([11, 18, 0]), 0.8)
    assert f.tolist() == [19, 18, 3]  # ceil(18.4), the 18 must-fill posts, ceil(2.4)


def test_priority_orders():
    ids = np.array(["a", "b", "c", "d"])
    retire = np.array([300, 100, 200, 100])
    birth = np.array([10, 50, 30, 40])
    cost = np.array([5.0, 5.0, 1.0, 9.0])
    r = priority("closest_to_retirement", ids=ids, retire_day=retire, birth_day=birth)
    assert ids[np.argsort(r)].tolist() == ["b", "d", "c", "a"]  # ties by id
    r = priority("youngest", ids=ids, retire_day=retire, birth_day=birth)
    assert ids[np.argsort(r)].tolist() == ["b", "d", "c", "a"]
    r = priority("cost", ids=ids, retire_day=retire, birth_day=birth, cost=cost)
    assert ids[np.argsort(r)].tolist() == ["c", "b", "a", "d"]  # equal cost: youngest first
    r = priority(("d", "a"), ids=ids, retire_day=retire, birth_day=birth)
    assert r.tolist() == [1, -1, -1, 0]


def test_greedy_respects_rank_room_and_need():
    rank = np.array([0, 1, 2, 3, 4, -1])
    commune = np.array([0, 0, 1, 1, 1, 1])
    room = np.array([1, 5])
    sel = greedy_select(rank, commune, room, 3)
    assert sel.tolist() == [True, False, True, True, False, False]
    # per commune needs
    sel = greedy_select(rank, commune, room, np.array([2, 1]), per_commune=True)
    assert sel.tolist() == [True, False, True, False, False, False]
    # not enough: returns what it can
    assert greedy_select(rank, commune, np.array([0, 0]), 2).sum() == 0


def test_optimal_select_small_milp():
    # 3 candidates, 2 years, one kind. Cost = benefit − salary saved (VND).
    cost = np.array([[[-10.0], [-4.0]], [[-8.0], [-7.0]], [[5.0], [1.0]]]) * 1e6
    allowed = np.ones((3, 2, 1), dtype=bool)
    still = np.ones((3, 2), dtype=bool)
    commune = np.array([0, 0, 1])
    room = np.array([[2, 2], [1, 1]])
    # one leaver by year 1, two by year 2
    res = optimal_select(cost, allowed, still, commune, room, need=np.array([1, 2]))
    chosen = sorted(zip(res.person.tolist(), res.year.tolist(), strict=True))
    # the cut is exactly 1 by year 0 and 2 by year 1: person 0 in year 0 (−10) and person 1 in
    # year 1 (−7) = −17 beat person 1 in year 0 and person 0 in year 1 (−8 − 4 = −12)
    assert chosen == [(0, 0), (1, 1)]
    assert res.objective == pytest.approx(-17e6)
    # the floor of commune 0 allows only one: the second must come from commune 1
    res = optimal_select(
        cost, allowed, still, commune, np.array([[1, 1], [1, 1]]), need=np.array([1, 2])
    )
    assert sorted(zip(res.person.tolist(), res.year.tolist(), strict=True)) == [(0, 0), (2, 1)]
    with pytest.raises(SolverError) as exc:
        optimal_select(
            cost, allowed, still, commune, np.array([[0, 0], [1, 1]]), need=np.array([1, 2])
        )
    assert exc.value.status == "infeasible"


def test_optimal_picks_the_cheaper_kind():
    # one person, one year, two kinds: resignation (benefit 3) cheaper than early retirement (9)
    cost = np.array([[[9.0, 3.0]]]) * 1e6
    allowed = np.ones((1, 1, 2), dtype=bool)
    res = optimal_select(
        cost, allowed, np.ones((1, 1), bool), np.array([0]), np.array([[1]]), need=np.array([1])
    )
    assert res.kind.tolist() == [1]
    allowed[0, 0, 1] = False
    res = optimal_select(
        cost, allowed, np.ones((1, 1), bool), np.array([0]), np.array([[1]]), need=np.array([1])
    )
    assert res.kind.tolist() == [0]


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("distinct", [False, True])
@pytest.mark.parametrize("costs", ["nan", "whole", "fraction", "huge"])
def test_priority_with_id_ranks_is_lexsort(seed, distinct, costs):
    """The folded integer keys give numpy.lexsort's permutation (ties, duplicate ids, NaN;
    distinct ids and whole costs: the default sort on distinct keys)."""
    from khoan.scenarios.policies import priority

    rng = np.random.default_rng(seed)
    n = 2_000
    # duplicate ids: equal ranks
    id_rank = rng.permutation(n) if distinct else rng.integers(0, n // 3, n)
    retire = rng.integers(18_000, 18_050, n).astype(np.int64)
    retire[:5] = 2_932_896  # a far-future day
    birth = rng.integers(-3_000, -2_950, n).astype(np.int64)
    cost = rng.integers(-3, 20, n).astype(float) * 1e6  # ties
    if costs == "nan":
        cost[7] = np.nan
    elif costs == "fraction":
        cost[::3] += 0.25
    elif costs == "huge":
        cost[9] = 2.0**60
    ids = np.array([f"P{i:05d}" for i in id_rank], dtype=object)
    for order, keys in (
        ("closest_to_retirement", (id_rank, retire)),
        ("youngest", (id_rank, -birth)),
        ("cost", (id_rank, -birth, cost)),
    ):
        want = np.empty(n, dtype=np.int64)
        want[np.lexsort(keys)] = np.arange(n)
        got = priority(
            order, ids=ids, retire_day=retire, birth_day=birth, cost=cost, id_rank=id_rank
        )
        assert np.array_equal(got, want), order
