"""Bad input gets one clear ValidationError listing every problem with its location.

Each test writes a tiny model folder (two real Khánh Hòa communes), breaks one thing, and
asserts the file, row and column named in the message.
"""

from __future__ import annotations

import unicodedata

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tiny_model import COMMUNES, STAFF, TOML

import khoan
from khoan.errors import ValidationError
from khoan.model import load


def make(tmp_path, communes=COMMUNES, staff=STAFF, toml=TOML, staff_name="staff.csv"):
    d = tmp_path / "m"
    d.mkdir(exist_ok=True)
    (d / "model.toml").write_text(toml, encoding="utf-8")
    (d / "communes.csv").write_text(communes, encoding="utf-8")
    if staff is not None:
        (d / staff_name).write_text(staff, encoding="utf-8")
    return d


def problems(tmp_path, **kw):
    with pytest.raises(ValidationError) as exc:
        load(make(tmp_path, **kw))
    return exc.value


def test_valid_tiny_model_loads(tmp_path):
    m = load(make(tmp_path))
    assert len(m.communes) == 2 and len(m.staff) == 5
    assert m.staff["birth_date"].dtype.kind == "M"
    assert m.communes["population"].sum() == 17970 + 14820
    assert m.notices == []


def test_missing_column(tmp_path):
    e = problems(tmp_path, staff=STAFF.replace(",sex,", ",gender,"))
    assert any(p.column == "sex" and p.row == 1 and "missing" in p.rule for p in e.problems)
    assert any(p.column == "gender" and "unknown column" in p.rule for p in e.problems)


def test_wrong_type_and_every_problem_listed(tmp_path):
    bad = STAFF.replace(
        "P2,22327,cong_chuc,cong_chuc,A1,1,2.34", "P2,22327,cong_chuc,cong_chuc,A1,one,abc"
    )
    bad = bad.replace("1962-01-15", "15/13/1962")
    e = problems(tmp_path, staff=bad)
    where = {(p.file, p.row, p.column) for p in e.problems}
    assert ("staff.csv", 3, "step") in where
    assert ("staff.csv", 3, "coefficient") in where
    assert ("staff.csv", 4, "birth_date") in where
    assert "staff.csv, row 3, column 'coefficient'" in str(e)


def test_negative_and_missing_amount(tmp_path):
    bad = COMMUNES.replace("140000000", "-5").replace("17970", "")
    e = problems(tmp_path, communes=bad)
    assert any(p.row == 3 and p.column == "special_tasks" and "≥ 0" in p.rule for p in e.problems)
    assert any(p.row == 2 and p.column == "population" and "missing" in p.rule for p in e.problems)


def test_duplicate_staff_id(tmp_path):
    e = problems(tmp_path, staff=STAFF.replace("P3,", "P1,"))
    dup = [p for p in e.problems if "duplicate" in p.rule]
    assert dup and dup[0].row == 4 and dup[0].column == "id" and "row 2" in dup[0].rule


def test_staff_in_unknown_commune(tmp_path):
    e = problems(tmp_path, staff=STAFF.replace("P5,22330", "P5,22999"))
    assert any(
        p.row == 6 and p.column == "commune" and "not in the communes table" in p.rule
        for p in e.problems
    )


def test_commune_code_not_in_registry(tmp_path):
    # 00001 is Phường Phúc Xá (Hà Nội): in the registry, but not of province 56
    bad = (
        COMMUNES.replace("22330,", "00001,")
        + "99999,Xã Không Có,xa,568,X,3,100,1,lowland,0,21,19,0,0,0,\n"
    )
    e = problems(tmp_path, communes=bad, staff=STAFF.replace("22330", "22327"))
    rows = {p.row for p in e.problems if p.column == "code" and "registry" in p.rule}
    assert rows == {3, 4}


def test_coefficient_off_the_legal_scale(tmp_path):
    bad = STAFF.replace("A1,1,2.34", "A1,1,2.50").replace("A1,9,4.98,0,7", "A1,9,4.98,0,7")
    bad = bad.replace("cadre_untrained,1,2.35", "cadre_untrained,1,2.40")
    e = problems(tmp_path, staff=bad)
    assert any(p.row == 3 and p.column == "coefficient" and "2.34" in p.rule for p in e.problems)
    assert any(
        p.row == 5 and p.column == "coefficient" and "2.35 or 2.85" in p.rule for p in e.problems
    )


def test_tnvk_only_at_top_step(tmp_path):
    e = problems(tmp_path, staff=STAFF.replace("A1,1,2.34,0,0", "A1,1,2.34,0,5"))
    assert any(p.row == 3 and p.column == "tnvk_pct" for p in e.problems)


def test_decomposed_unicode_is_normalised_and_noted(tmp_path):
    nfd = unicodedata.normalize("NFD", COMMUNES)
    assert nfd != COMMUNES
    m = load(make(tmp_path, communes=nfd))
    assert m.communes.loc[0, "name"] == "Phường Vĩnh Hòa"
    assert unicodedata.is_normalized("NFC", m.communes.loc[0, "name"])
    assert {(n.row, n.column) for n in m.notices} >= {(2, "name"), (3, "name")}
    with pytest.raises(ValidationError, match="row 2, column 'name': text in decomposed Unicode"):
        load(make(tmp_path, communes=nfd), strict=True)


def test_empty_file(tmp_path):
    e = problems(tmp_path, staff="")
    assert any(p.file.endswith("staff.csv") and "empty" in p.rule for p in e.problems)


def test_corrupt_xlsx(tmp_path):
    toml = TOML + '[tables]\nstaff = "staff.xlsx"\n'
    d = make(tmp_path, toml=toml, staff=None)
    (d / "staff.xlsx").write_bytes(b"PK\x03\x04 this is not a workbook")
    with pytest.raises(ValidationError, match="staff.xlsx.*not a readable Excel workbook"):
        load(d)


def test_xlsx_input_with_sheet_and_vietnamese_labels(tmp_path):
    toml = TOML + '[tables]\nstaff = "input.xlsx#Nhân sự"\n'
    d = make(tmp_path, toml=toml, staff=None)
    df = pd.read_csv(pd.io.common.StringIO(STAFF), dtype=str, keep_default_na=False)
    df["category"] = df["category"].map(
        {
            "can_bo": "Cán bộ",
            "cong_chuc": "Công chức",
            "nhdkct": "Người hoạt động không chuyên trách",
        }
    )
    df["sex"] = df["sex"].map({"M": "Nam", "F": "Nữ"})
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Nhân sự"
    ws.append(list(df.columns))
    for row in df.itertuples(index=False):
        ws.append(list(row))
    ws.cell(row=3, column=df.columns.get_loc("coefficient") + 1, value="x")
    wb.save(d / "input.xlsx")
    with pytest.raises(ValidationError) as exc:
        load(d)
    p = exc.value.problems[0]
    assert (p.file, p.sheet, p.row, p.column) == ("input.xlsx", "Nhân sự", 3, "coefficient")
    # a problem found after the table checks (commune not in the communes table, salary off
    # the legal scale) names the sheet too
    ws.cell(row=3, column=df.columns.get_loc("coefficient") + 1, value=2.34)
    ws.cell(row=4, column=df.columns.get_loc("commune") + 1, value="22717")
    wb.save(d / "input.xlsx")
    with pytest.raises(ValidationError) as exc:
        load(d)
    (p,) = exc.value.problems
    assert (p.file, p.sheet, p.row, p.column) == ("input.xlsx", "Nhân sự", 4, "commune")
    assert "Nhân sự" in str(exc.value)
    ws.cell(row=4, column=df.columns.get_loc("commune") + 1, value=df["commune"].iloc[2])
    wb.save(d / "input.xlsx")
    m = load(d)
    assert list(m.staff["category"]) == ["can_bo", "cong_chuc", "cong_chuc", "can_bo", "nhdkct"]
    assert list(m.staff["sex"]) == ["M", "F", "M", "M", "F"]


def test_error_is_a_khoan_error(tmp_path):
    with pytest.raises(khoan.KhoanError):
        load(tmp_path / "does-not-exist")


def test_semicolon_csv_is_named(tmp_path):
    # Excel on a comma-decimal system saves "CSV" with ';': one clear problem, not eleven
    # "required column is missing"
    e = problems(tmp_path, staff=STAFF.replace(",", ";"))
    (p,) = e.problems
    assert p.file.endswith("staff.csv") and "separated by ';'" in p.rule


def test_non_numeric_coefficient_is_one_problem(tmp_path):
    # "abc" is not a number: reported once, not also as "not on the legal scale (value nan)"
    bad = STAFF.replace(
        "P2,22327,cong_chuc,cong_chuc,A1,1,2.34", "P2,22327,cong_chuc,cong_chuc,A1,1,abc"
    )
    e = problems(tmp_path, staff=bad)
    coef = [p for p in e.problems if p.column == "coefficient"]
    assert len(coef) == 1 and "legal scale" not in coef[0].rule


# ---- issue 12: overflow, plausibility, workbooks, parameters -----------------------------

_SPECIAL_MAX = 1_000_000_000_000  # communes schema: special_tasks max (VND/year)


def _tiny_with_params(d):
    """The tiny model plus the Khánh Hòa 2016 provincial norms (so that budget() runs)."""
    import shutil
    from pathlib import Path

    src = Path(__file__).resolve().parents[1] / "models" / "khanh_hoa_2016" / "params"
    shutil.copytree(src, d / "params", dirs_exist_ok=True)
    return d


def _communes_with(special: tuple[int, int], posts: tuple[int, int] = (23, 23)) -> str:
    lines = COMMUNES.strip().split("\n")
    out = [lines[0]]
    for line, sp, po in zip(lines[1:], special, posts, strict=True):
        f = line.split(",")
        f[10], f[14] = str(po), str(sp)
        out.append(",".join(f))
    return "\n".join(out) + "\n"


@settings(max_examples=12, deadline=None)
@given(
    special=st.tuples(
        st.one_of(st.integers(0, _SPECIAL_MAX), st.integers(0, 2**63 - 1)),
        st.one_of(st.integers(0, _SPECIAL_MAX), st.integers(0, 2**63 - 1)),
    ),
    posts=st.tuples(st.integers(0, 10**15), st.integers(0, 1000)),
)
def test_extreme_amounts_give_a_located_error_or_exact_totals(special, posts):
    """Property: extreme but well-typed amounts never wrap. Either a ValidationError names each
    cell beyond the schema's bound, or the budget's totals are exact integer sums with the
    special-task amounts passed through unchanged."""
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        d = _tiny_with_params(make(Path(tmp), communes=_communes_with(special, posts)))
        over = {(2 + i, "special_tasks") for i, v in enumerate(special) if v > _SPECIAL_MAX}
        over |= {(2 + i, "approved_posts") for i, v in enumerate(posts) if v > 1000}
        if over:
            with pytest.raises(ValidationError) as exc:
                load(d)
            located = {(p.row, p.column) for p in exc.value.problems if "must be ≤" in p.rule}
            assert over <= located
            return
        b = khoan.budget(load(d), 2017)
        t = b.table
        assert t["special_tasks"].tolist() == list(special)
        parts = [c for c in b.province.columns if c != "total"]
        assert (t[parts].sum(axis=1) == t["total"]).all()
        assert int(b.province["total"].iloc[0]) == sum(int(v) for v in t["total"])
        assert (t[parts] >= 0).all().all()


def test_checked_total_refuses_a_wrap():
    from khoan.errors import KhoanError
    from khoan.periods import checked_total

    a = np.array([3, 4], dtype=np.int64)
    assert checked_total({"a": a, "b": a}).tolist() == [6, 8]
    big = np.array([2**62 - 1, 2**62 - 1], dtype=np.int64)
    with pytest.raises(KhoanError, match="int64 would overflow"):
        checked_total({"a": big, "b": big})  # each fits; the sum would wrap to a negative


def test_twenty_digit_number_is_a_located_error(tmp_path):
    e = problems(tmp_path, communes=COMMUNES.replace("17970", "99999999999999999999"))
    p = [p for p in e.problems if p.column == "population"]
    assert p[0].row == 2 and "must be ≤ 1,000,000" in p[0].rule
    assert p[0].value == "99999999999999999999"


def test_implausible_staff_dates(tmp_path):
    bad = STAFF.replace(
        "P2,22327,cong_chuc,cong_chuc,A1,1,2.34,0,0,0,1990-07-01,F,2014-01-01",
        "P2,22327,cong_chuc,cong_chuc,A1,1,2.34,0,0,0,2030-07-01,F,2014-01-01",
    )
    bad = bad.replace("1962-01-15,M,1985-01-01", "1962-01-15,M,1976-01-14")  # P3, aged 13
    e = problems(tmp_path, staff=bad)
    by = {(p.row, p.column): p.rule for p in e.problems}
    assert "aged -15 on 2016-01-01" in by[(3, "birth_date")]
    assert "insured before the 15th birthday (born 1962-01-15" in by[(4, "insured_since")]
    # one day later, P3 is 15: no problem
    ok = STAFF.replace("1962-01-15,M,1985-01-01", "1962-01-15,M,1977-01-15")
    assert load(make(tmp_path, staff=ok)).staff["insured_since"].min().year == 1977


def test_empty_staff_table_is_an_error(tmp_path):
    e = problems(tmp_path, staff=STAFF.split("\n")[0] + "\n")
    assert any(p.file == "staff.csv" and "no data rows" in p.rule for p in e.problems)


def test_cascade_of_one_missing_commune_is_one_problem(tmp_path):
    e = problems(tmp_path, communes=COMMUNES.replace("22330,", "22333,", 1))
    staff = [p for p in e.problems if p.file == "staff.csv"]
    assert len(staff) == 1
    assert staff[0].row == 4 and "3 rows refer to commune 22330" in staff[0].rule
    assert "rows 4, 5, 6" in staff[0].rule


def test_model_toml_years(tmp_path):
    e = problems(tmp_path, toml=TOML.replace("years = [2016, 2017]", "years = [2017, 2016]"))
    assert e.problems[0].column == "years" and "reversed" in e.problems[0].rule


def test_xlsx_formula_cached_value_and_merged_cells(tmp_path):
    from openpyxl import Workbook

    from khoan.data.io import read_raw

    wb = Workbook()
    ws = wb.active
    ws.title = "t"
    ws.append(["a", "b"])
    ws.append([1, "=1+1"])
    ws.append([2, 3])
    wb.save(tmp_path / "f.xlsx")
    with pytest.raises(ValidationError) as exc:
        read_raw(tmp_path / "f.xlsx")
    p = exc.value.problems[0]
    assert (p.sheet, p.row, p.column) == ("t", 2, "b") and "no saved value" in p.rule
    ws["B2"] = 7
    ws.merge_cells("A2:A3")
    wb.save(tmp_path / "m.xlsx")
    with pytest.raises(ValidationError) as exc:
        read_raw(tmp_path / "m.xlsx")
    p = exc.value.problems[0]
    assert (p.row, p.column) == (3, "a") and "merged cells A2:A3" in p.rule


def test_parameter_value_types_and_ranges():
    from khoan.params.engine import Parameter, value_problems

    p = Parameter("x.norm", "VND/year", {"en": "x"}, "x.yaml", (), ())
    assert value_problems(p, 28_000_000, "w") == []
    assert "is not a number" in value_problems(p, "hai mươi tám triệu", "w")[0]
    assert "must be ≥ 0" in value_problems(p, -28_000_000, "w")[0]
    assert "must be ≤ 1,000,000,000,000" in value_problems(p, 9 * 10**18, "w")[0]
    assert "w[1]: value True" in value_problems(p, [1, True], "w")[0]
    q = Parameter("i", "rate", {"en": "i"}, "i.yaml", (), (), {"text_fields": ("kind",)})
    assert value_problems(q, {"a": {"kind": "service", "weight": 0.2}}, "w") == []
    assert "not a number" in value_problems(q, {"a": {"weight": "0.2"}}, "w")[0]
