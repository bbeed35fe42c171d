"""The national-scale shortcuts give exactly what the plain computations give.

- :class:`~khoan.scenarios.monthly_pay.MonthlyPay` rebuilds the payroll engine's monthly floats bit
  for bit (January values + changes carried forward);
- :func:`~khoan.scenarios.policies.greedy_select` orders candidates as a stable argsort would,
  with distinct ranks (placed by rank) and with tied ranks (the sort);
- :func:`~khoan.scenarios.policies.priority` with ``id_rank`` breaks ties as the ids do;
- the retirement helpers' shortcuts (month index, flags) agree with the general path.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from khoan.retirement import as_flags, retirement_date
from khoan.scenarios.monthly_pay import MonthlyPay
from khoan.scenarios.policies import greedy_select, priority


def _months(rng: np.random.Generator, nd: int) -> list[np.ndarray]:
    """Monthly amounts like the engine's: a rate change in July, step rises, zero components."""
    out = []
    for k in range(5):
        if k == 3:
            out.append(np.zeros((12, nd)))
            continue
        coef = rng.uniform(1.86, 6.2, nd)
        base = np.r_[np.full(6, 1_210_000.0), np.full(6, 1_300_000.0)]
        a = coef[None, :] * base[:, None] * (0.1 + 0.3 * k)
        rise = rng.integers(0, 13, nd)  # 12: no rise this year
        for m in range(12):
            a[m, rise <= m] *= 1.0 + 0.34 / 3.0
        out.append(a)
    return out


def test_monthly_pay_is_exact() -> None:
    rng = np.random.default_rng(7)
    arrays = _months(rng, 257)
    dense = np.stack(arrays)  # (K, 12, nd)
    mp = MonthlyPay.from_months(arrays)
    assert mp.nbytes < dense.nbytes
    sel = np.array([5, 0, 256, 17, 100])
    assert np.array_equal(mp.take(sel), dense[:, :, sel])
    assert np.array_equal(mp.take(np.arange(257)), dense)
    for m in (0, 5, 6, 11):
        assert np.array_equal(mp.month(m), dense[:, m, :])


def _reference_changes(arrays: list[np.ndarray]) -> tuple[np.ndarray, ...]:
    """The changes as np.nonzero lists them, sorted by month (stable): the plain computation."""
    months, comps, people, values = [], [], [], []
    for k, a in enumerate(arrays):
        m, p = np.nonzero(a[1:] != a[:-1])
        months.append(m + 1)
        comps.append(np.full(len(m), k, dtype=np.int16))
        people.append(p.astype(np.int32))
        values.append(a[m + 1, p])
    month = np.concatenate(months)
    o = np.argsort(month, kind="stable")
    starts = np.searchsorted(month[o], np.arange(13), side="left")
    return np.concatenate(comps)[o], np.concatenate(people)[o], np.concatenate(values)[o], starts


def test_monthly_pay_lists_changes_as_nonzero_would() -> None:
    arrays = _months(np.random.default_rng(11), 1000)
    mp = MonthlyPay.from_months(arrays)
    comp, person, value, starts = _reference_changes(arrays)
    assert np.array_equal(mp.comp, comp) and mp.comp.dtype == comp.dtype
    assert np.array_equal(mp.person, person) and mp.person.dtype == person.dtype
    assert np.array_equal(mp.value, value)
    assert np.array_equal(mp.starts, starts)
    still = MonthlyPay.from_months([np.ones((12, 4))])  # nothing changes
    assert len(still.value) == 0 and np.array_equal(still.starts, np.zeros(13))
    assert np.array_equal(still.take(np.arange(4)), np.ones((1, 12, 4)))


def _reference_select(rank, commune, room, need, per_commune=False):
    n = len(rank)
    out = np.zeros(n, dtype=bool)
    idx = np.flatnonzero(rank >= 0)
    idx = idx[np.argsort(rank[idx], kind="stable")]
    c = commune[idx]
    o = np.argsort(c, kind="stable")
    cs = c[o]
    within = np.empty(len(idx), dtype=np.int64)
    within[o] = np.arange(len(idx)) - np.searchsorted(cs, cs, side="left")
    if per_commune:
        take = within < np.minimum(room, np.maximum(need, 0))[c]
        out[idx[take]] = True
        return out
    out[idx[within < room[c]][: max(int(need), 0)]] = True
    return out


def test_greedy_select_orders_as_a_stable_sort() -> None:
    rng = np.random.default_rng(3)
    for trial in range(40):
        n, nc = int(rng.integers(1, 400)), int(rng.integers(1, 30))
        if trial % 2:
            rank = rng.permutation(n).astype(np.int64)  # distinct ranks
        else:
            rank = rng.integers(0, max(n // 3, 1), n).astype(np.int64)  # ties
        rank[rng.random(n) < 0.2] = -1
        commune = rng.integers(0, nc, n)
        room = rng.integers(0, 6, nc)
        need = int(rng.integers(0, n + 1))
        got = greedy_select(rank, commune, room, need)
        assert np.array_equal(got, _reference_select(rank, commune, room, need))
        need_c = rng.integers(0, 5, nc)
        got = greedy_select(rank, commune, room, need_c, per_commune=True)
        assert np.array_equal(got, _reference_select(rank, commune, room, need_c, True))


def test_priority_id_rank_breaks_ties_as_ids() -> None:
    rng = np.random.default_rng(5)
    ids = np.array([f"P{v:05d}" for v in rng.permutation(3000)], dtype=object)
    retire = rng.integers(18_000, 18_050, 3000)  # many ties
    birth = rng.integers(-5_000, -4_990, 3000)
    cost = rng.integers(0, 4, 3000).astype(float)
    id_rank = np.unique(ids.astype(str), return_inverse=True)[1]
    for order in ("closest_to_retirement", "youngest", "cost"):
        plain = priority(order, ids=ids, retire_day=retire, birth_day=birth, cost=cost)
        fast = priority(
            order, ids=ids, retire_day=retire, birth_day=birth, cost=cost, id_rank=id_rank
        )
        assert np.array_equal(plain, fast)


def test_retirement_shortcuts_agree() -> None:
    births = pd.Series(pd.to_datetime(["1961-01-15", "1966-01-31", "1958-12-01", "1970-06-30"]))
    sex = pd.Series(["M", " m", "F", "f "])
    flags = np.array([False, True, False, True])
    fast = retirement_date(sex, births, reduced=flags)
    plain = retirement_date(sex, births, reduced=flags.astype(object))
    assert fast.equals(plain)
    # a man born 1961-01 reaches 60y3m in 2021-04 (NĐ 135/2020 Phụ lục I): pension 2021-05-01
    assert fast.iloc[0] == pd.Timestamp("2021-05-01")
    # reduced age (Phụ lục II): a man born 1966-01 reaches 55y3m in 2021-04
    assert fast.iloc[1] == pd.Timestamp("2021-05-01")
    assert as_flags(np.array([True]), 3).tolist() == [True, True, True]
    assert as_flags(np.array([None, True, False], dtype=object), 3).tolist() == [
        False,
        True,
        False,
    ]


# ---------------------------------------------------------------------------------------------
# the warm path of a run: headcounts, the year's money, the leavers' table


def _run_of(name: str = "nq39_10pct"):
    from khoan import examples
    from khoan.scenarios import load_scenarios, simulate

    m = examples.load("khanh_hoa_2016")
    sc = load_scenarios(examples.path("khanh_hoa_2016"))[name]
    res = simulate(m, sc)
    return res, res._universe, res._runs


def test_counts_at_equals_the_plain_count() -> None:
    """Counts from the fresh run's cached counts + the changed people = counting everyone."""
    from khoan.scenarios.plan import counts_at

    _res, u, runs = _run_of()
    times = [int(u.month_starts[k]) - 1 for k in (1, 12, 30, 59)]
    rng = np.random.default_rng(3)
    for run in (runs["baseline"], runs["scenario"]):
        assert (run.left < 2**40).any() or run is runs["baseline"]
        for floor in (False, True):
            pop = u.floor_pop if floor else u.affected
            expect = np.stack(
                [
                    np.bincount(u.cidx[pop & (run.start <= t) & (run.stop > t)], minlength=u.nc)
                    for t in times
                ]
            )
            assert np.array_equal(counts_at(u, run, times, floor=floor), expect)
    # a run changed at random (people leaving early, hires starting) against the plain count
    r = runs["scenario"]
    start, stop = r.start.copy(), r.stop.copy()
    who = rng.choice(len(start), 200, replace=False)
    r.stop[who] = np.minimum(r.stop[who], times[1])
    hires = np.flatnonzero(u.is_hire)[:50]
    r.start[hires] = u.start[hires]
    try:
        expect = np.stack(
            [
                np.bincount(u.cidx[u.affected & (r.start <= t) & (r.stop > t)], minlength=u.nc)
                for t in times
            ]
        )
        assert np.array_equal(counts_at(u, r, times), expect)
    finally:
        r.start[:], r.stop[:] = start, stop


def test_tally_equals_month_by_month() -> None:
    """The year's money from the precomputed full-year sums equals adding every movable
    person's months present in calendar order, rounding per component, summing by commune."""
    from khoan.lumpsum import components, tntt_cap
    from khoan.periods import group_sum, group_sum_2d, round_vnd

    _res, u, runs = _run_of()
    for run in runs.values():
        ms_start, ms_stop = run.start[u.midx], run.stop[u.midx]
        mci, st = u.cidx[u.midx], u.staffing[u.midx]
        for y, yc in u.years.items():
            b = yc.bounds
            pm = (ms_start[None, :] <= b[:12, None]) & (ms_stop[None, :] > b[:12, None])
            mon = np.where(pm[None], yc.monthly.take(np.arange(len(u.midx))), 0.0)
            acc = mon[:, 0, :].copy()
            for m in range(1, 12):
                acc += mon[:, m, :]
            ints = round_vnd(acc)
            money = run.money[y]
            assert np.array_equal(
                money["payroll_total"], yc.fixed_total + group_sum(mci, ints.sum(axis=0), u.nc)
            )
            days = yc.fixed_days + group_sum_2d(mci[st], (pm[:, st] * np.diff(b)[:, None]).T, u.nc)
            assert np.array_equal(money["fte"], days.sum(axis=1) / np.diff(b).sum())

            def by_commune(idx: np.ndarray, ints=ints, mci=mci, st=st) -> np.ndarray:
                return group_sum(mci[st], ints[idx].sum(axis=0)[st], u.nc)

            sf = yc.fixed_sf + by_commune(u.sf_idx)
            co = yc.fixed_contrib + by_commune(u.co_idx)
            grade = yc.fixed_grade + by_commune(yc.gterm_idx)
            ls = components(yc.lump, money["approved_posts"], days, sf, co)
            assert np.array_equal(money["lump_sum"], ls.total)
            assert np.array_equal(money["commune_kept"], ls.vacancy_saving)
            tntt = np.where(
                days.sum(axis=1) > 0,
                np.minimum(ls.vacancy_saving, tntt_cap(yc.cap_ratio, grade)),
                0,
            )
            assert np.array_equal(money["tntt"], tntt)
        assert set(run.money) == set(u.years)


def test_leavers_table_order_and_types() -> None:
    """Leavers sorted by year, commune code and id as text; text columns typed as pandas types
    a DataFrame of the same Python strings."""
    res, _u, _runs = _run_of()
    lv = res.leavers
    assert len(lv) > 10
    o = np.lexsort((lv["id"].astype(str), lv["commune"].astype(str), lv["year"]))
    assert np.array_equal(o, np.arange(len(lv)))
    for c in ("id", "commune", "category", "position", "kind", "band", "basis_note"):
        plain = pd.DataFrame({c: np.asarray(lv[c].to_numpy(dtype=object), dtype=object)})
        assert lv[c].dtype == plain[c].dtype, c
        assert lv[c].equals(plain[c]), c
