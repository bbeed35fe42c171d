"""Shortcuts of the shared work checked against the plain computation they replace."""

from __future__ import annotations

import numpy as np
import pytest

from khoan.scenarios.universe import text_ranks


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_text_ranks_are_np_unique_inverse(seed):
    rng = np.random.default_rng(seed)
    roster = [f"VN16-{i:06d}" for i in range(1, 3000)]
    hires = [f"{v}+h" for v in rng.choice(roster, 200, replace=False)]
    ids = np.array(roster + sorted(hires) + ["Ă-1", "a", "B", "b", "10", "9", "", "VN16-000007"])
    if seed:
        ids = ids[rng.permutation(len(ids))]  # any order, with a duplicate
    ids = ids.astype(object)
    ref = np.unique(np.asarray(ids, dtype=str), return_inverse=True)[1]
    got = text_ranks(ids)
    assert got.dtype == np.int64 and np.array_equal(got, ref)
    assert np.array_equal(text_ranks(np.array([], dtype=object)), np.zeros(0, dtype=np.int64))


def _plain_age_months(sex, born, tables):
    """The retirement age per person, every person's schedule computed on its own row."""
    out = np.zeros(len(born), dtype=np.int64)
    for code, (pre, years, ages) in tables.items():
        for i in np.flatnonzero(sex == code):
            b = born[i]
            if len(years) == 0:
                out[i] = pre
                continue
            reach = b + ages
            holds = list(reach // 12 == years)
            holds[-1] = reach[-1] // 12 >= years[-1]
            cand = [(b + pre) // 12 < years[0], *holds]
            out[i] = np.concatenate([[pre], ages])[int(np.argmax(cand))]
    return out


@pytest.mark.parametrize("wide", [False, True])
@pytest.mark.parametrize("reduced", [False, True])
def test_age_once_per_birth_month_is_per_person(wide, reduced):
    from khoan.params import load_law
    from khoan.retirement import _age_months, _age_tables

    rng = np.random.default_rng(3)
    n = 2000
    born = rng.integers(1950 * 12, 2000 * 12, n)
    if wide:  # a range too wide for the table: the sorted distinct months
        born[:3] = [100 * 12, 3000 * 12, 9000 * 12]
    sex = np.where(rng.random(n) < 0.5, "M", "F").astype(object)
    law = load_law()
    flags = np.full(n, reduced)
    for on in (None, "2019-06-30"):
        got = _age_months(sex, born, law, on, flags)
        ref = _plain_age_months(sex, born, _age_tables(law, on, reduced))
        assert np.array_equal(got, ref)


def test_reduced_age_reads_the_commune_as_text():
    import pandas as pd

    from khoan.params import load_law
    from khoan.scenarios.roster import reduced_age

    communes = pd.DataFrame({"code": ["1", "2", "nan"], "region_coef": [0.7, 0.1, 1.0]})
    staff = pd.DataFrame(
        {
            "commune": pd.Series([1, "1", 2.0, None, np.nan, "2", 3], dtype=object),
            "sex": ["M", "F", "M", "F", "M", "F", "M"],
            "birth_date": pd.to_datetime(["1965-03-01"] * 7),
            "insured_since": pd.to_datetime(["1990-01-01"] * 7),
        }
    )
    out = reduced_age(staff, communes, load_law(), "2021-01-01")
    # as `.astype(str).map(...)`: 1 and "1" are "1", 2.0 is "2.0" (unknown), missing stays
    # missing (not the code "nan")
    assert out["in_area"].tolist() == [True, True, False, False, False, False, False]


def test_positions_in_is_get_indexer():
    import pandas as pd

    from khoan.scenarios.universe import positions_in

    index = np.array(["22327", "22717", "1", "nan"], dtype=object)
    values = np.array(["1", "22717", "9", None, np.nan, "22327", "1", "nan", ""], dtype=object)
    ref = pd.Index(index).get_indexer(values)
    got = positions_in(index, values)
    assert np.array_equal(got, ref) and got.dtype == ref.dtype
    with pytest.raises(pd.errors.InvalidIndexError):
        positions_in(np.array(["1", "1"], dtype=object), values)
    with pytest.raises(pd.errors.InvalidIndexError):
        pd.Index(np.array(["1", "1"], dtype=object)).get_indexer(values)


def test_sex_check_once_per_value_names_the_same_people(kh2016):
    from khoan.errors import ScenarioError
    from khoan.scenarios import Scenario, simulate

    staff = kh2016.staff.copy()
    staff["sex"] = staff["sex"].astype(object)
    staff.loc[staff.index[:3], "sex"] = ["m", " F", "X"]  # lower case passes, " F" and X fail
    staff.loc[staff.index[3], "sex"] = None
    m = kh2016.replace(staff=staff)
    with pytest.raises(ScenarioError) as e:
        simulate(m, Scenario("s", years=(2016, 2017), categories=tuple(staff["category"].unique())))
    assert "3 person(s)" in str(e.value)


def test_ids_equal_as_values_but_not_as_text_are_duplicates(kh2016):
    # the shared work skips the duplicate-id check when the ids are all text and distinct as
    # text; ids 7 and 7.0 are distinct as text but the same value: still found, as before
    from khoan.examples import path as example_path
    from khoan.scenarios import load_scenarios
    from khoan.scenarios import universe as U

    scenario = load_scenarios(example_path("khanh_hoa_2016"))["nq39_10pct"]
    U.clear_cache()
    u, _ = U.shared_work(kh2016, scenario)
    assert u.pay_path == "arrays"
    a, b = int(np.flatnonzero(~u.movable[: u.n_roster])[0]), int(u.midx[0])
    staff = kh2016.staff.copy()
    ids = np.arange(len(staff)).astype(object)
    staff["id"] = ids
    U.clear_cache()
    v, _ = U.shared_work(kh2016.replace(staff=staff), scenario)
    assert v.pay_path == "arrays"  # distinct numbers: checked by value, distinct
    ids = ids.copy()
    ids[b] = float(ids[a])
    staff["id"] = ids
    U.clear_cache()
    w, _ = U.shared_work(kh2016.replace(staff=staff), scenario)
    assert w.pay_path == "tables"  # a duplicate by value (as before): the tables' path
    U.clear_cache()


def test_reduced_age_dates_are_retirement_date(kh2016):
    import pandas as pd

    from khoan.retirement import retirement_date
    from khoan.scenarios.roster import reduced_age

    staff = kh2016.staff.copy()
    rng = np.random.default_rng(4)
    n = len(staff)
    staff["birth_date"] = pd.to_datetime(rng.integers(-9_000, 3_000, n), unit="D")
    staff["reduced_age_years"] = np.where(rng.random(n) < 0.6, 20.0, np.nan)
    out = reduced_age(staff, kh2016.communes, kh2016.params, "2016-01-01")
    red = out["reduced"].to_numpy()
    assert red.any() and not red.all()
    sex = staff["sex"].to_numpy(dtype=object)
    want = retirement_date(sex, staff["birth_date"].to_numpy(), kh2016.params, reduced=red)
    assert np.array_equal(out["retirement_date"].to_numpy(dtype="datetime64[D]"), want)
