"""The "parameters used" of a scenario workbook cover the whole horizon, not its first day."""

from __future__ import annotations

import openpyxl

from khoan.scenarios import Scenario, simulate


def test_scenario_workbook_lists_every_value_in_force_over_the_years(three, tmp_path):
    r = simulate(three, Scenario("plain", years=(2016, 2017)))
    wb = openpyxl.load_workbook(r.to_excel(tmp_path / "s.xlsx"))
    ws = wb["Tham số"]
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    col = rows[0].index("Giá trị")
    base = [row[col] for row in rows if row[0] == "salary.base"]
    # in force over 2016–2017: NĐ 66/2013, NĐ 47/2016 (from 2016-05-01), NĐ 47/2017 (2017-07-01)
    assert base == [1_150_000, 1_210_000, 1_300_000]
    # the provenance lists the same values
    refs = [p for p in r.provenance["parameters"] if p["key"] == "salary.base"]
    assert [p["from"] for p in refs] == ["2013-07-01", "2016-05-01", "2017-07-01"]
