"""The law-case checker (khoan.lawcases) and the ``khoan check`` command.

A wrong expected value must fail naming the component (not raise); a malformed file must raise
LawCaseError naming the file, the case and its line.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from khoan.errors import KhoanError
from khoan.lawcases import LawCaseError, check, load_cases

FIXTURE = Path(__file__).parent.parent / "fixtures" / "two_communes"

GOOD = """\
model: {fixture}
cases:
  - name: B step 1, 2015
    source: NĐ 17/2015/NĐ-CP
    kind: payroll
    inputs:
      year: 2015
      person: {{commune: "22717", category: cong_chuc, grade: B, step: 1, coefficient: 1.86}}
    expected:
      low_pay_supplement: 2053440
      bhxh: {bhxh}
  - name: man born 1961-01
    source: NĐ 135/2020/NĐ-CP, Phụ lục I
    kind: retirement_date
    inputs: {{sex: M, birth_date: 1961-01-15}}
    expected: {{retirement_date: {date}, age_years: 60, age_months: 3}}
"""


def write(tmp_path: Path, text: str, name: str = "cases.yaml") -> Path:
    p = tmp_path / name
    p.write_text(textwrap.dedent(text), encoding="utf-8")
    return p


def good(tmp_path, bhxh=4620240, date="2021-05-01"):
    return write(tmp_path, GOOD.format(fixture=FIXTURE, bhxh=bhxh, date=date))


def test_passing_file(tmp_path):
    r = check(good(tmp_path))
    assert r.passed and r.n_failed == 0
    assert list(r.cases["case"]) == ["B step 1, 2015", "man born 1961-01"]
    assert len(r.table) == 5 and r.table["passed"].all()
    assert r.table.loc[0, "source"] == "NĐ 17/2015/NĐ-CP"


def test_wrong_value_fails_naming_component_and_difference(tmp_path):
    r = check(good(tmp_path, bhxh=4620000, date="2021-06-01"))
    assert not r.passed and r.n_failed == 2
    bad = r.table[~r.table["passed"]].set_index("component")
    assert list(bad.index) == ["bhxh", "retirement_date"]
    assert bad.loc["bhxh", "expected"] == 4_620_000
    assert bad.loc["bhxh", "got"] == 4_620_240
    assert bad.loc["bhxh", "difference"] == 240
    assert bad.loc["retirement_date", "difference"] == -31  # days
    # the line of the failing component in the file
    assert bad.loc["bhxh", "line"] == 11
    assert list(r.cases["failed_components"]) == ["bhxh", "retirement_date"]


def test_tolerance(tmp_path):
    p = write(
        tmp_path,
        f"""\
        - name: within 300
          source: test
          kind: payroll
          tolerance: {{bhxh: 300}}
          inputs:
            year: 2015
            model: {FIXTURE}
            person: {{commune: "22717", category: cong_chuc, grade: B, step: 1, coefficient: 1.86}}
          expected: {{bhxh: 4620000, low_pay_supplement: 2053440}}
        """,
    )
    assert check(p).passed


def test_model_option_and_missing_model(tmp_path):
    text = """\
    - name: needs a model
      source: test
      kind: budget
      inputs: {year: 2016, commune: "22717"}
      expected: {nhdkct_fund: 289884000}
    """
    p = write(tmp_path, text)
    with pytest.raises(LawCaseError, match=r"cases.yaml:1: case 'needs a model'.*needs a model"):
        check(p)
    assert check(p, model=str(FIXTURE)).passed


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("cases: [\n  - {name: a\n", r"cases.yaml:\d+: not valid YAML"),
        (
            "- {name: a, source: s, kind: salary, inputs: {x: 1}, expected: {y: 1}}\n",
            r"cases.yaml:1: case 'a': unknown kind 'salary'",
        ),
        (
            "- {name: a, source: s, kind: benefit, inputs: {regime: nd178}, expected: {total: 1}}\n",
            r"case 'a': kind 'benefit' needs input\(s\) kind, date",
        ),
        (
            "- {name: a, source: s, kind: parameter, inputs: {key: salary.base, date: 2016-01-01,"
            " colour: red}, expected: {value: 1}}\n",
            r"unknown input field\(s\) colour",
        ),
        (
            "- {name: a, kind: parameter, inputs: {key: k, date: 2016-01-01}, expected: {value: 1}}\n",
            r"case 'a': missing field\(s\) source",
        ),
        (
            "- {name: a, source: s, kind: parameter, inputs: {key: salary.base, date: 2016-01-01},"
            " expected: {value: 1}}\n- {name: a, source: s, kind: parameter, inputs: {key: k,"
            " date: 2016-01-01}, expected: {value: 1}}\n",
            r"cases.yaml:2: case 'a': the name repeats",
        ),
        (
            "- {name: a, source: s, kind: parameter, inputs: {key: salary.base, date: 2016-01-01},"
            " expected: {value: 1}, tolerance: -1}\n",
            r"tolerance must be a number",
        ),
        ("just text\n", r"no list of cases"),
    ],
)
def test_malformed_files_name_file_case_and_line(tmp_path, text, match):
    p = write(tmp_path, text)
    with pytest.raises(LawCaseError, match=match) as e:
        check(p)
    assert isinstance(e.value, KhoanError)


def test_unknown_component_names_its_line(tmp_path):
    p = write(
        tmp_path,
        """\
        - name: typo
          source: s
          kind: parameter
          inputs: {key: salary.base, date: 2016-05-01}
          expected:
            value: 1210000
            valeu: 1
        """,
    )
    with pytest.raises(LawCaseError, match=r"case 'typo': unknown component 'valeu' \(line 7\)"):
        check(p)


def test_computation_error_names_the_case(tmp_path):
    p = write(
        tmp_path,
        """\
        - name: before NĐ 178
          source: s
          kind: benefit
          inputs: {regime: nd178, kind: resignation, date: 2024-06-01, sex: M,
                   birth_date: 1970-01-01, insured_since: 1995-01-01, monthly_salary: 1}
          expected: {total: 0}
        """,
    )
    with pytest.raises(LawCaseError, match=r"cases.yaml:1: case 'before NĐ 178': .*validity"):
        check(p)


def test_load_cases_reads_lines(tmp_path):
    cases = load_cases(good(tmp_path))
    assert [c.line for c in cases] == [3, 12]
    assert cases[0].expected_lines == {"low_pay_supplement": 10, "bhxh": 11}


def run_cli(*args):
    env = dict(os.environ, COLUMNS="150")
    return subprocess.run(
        [sys.executable, "-m", "khoan.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def test_cli_check_pass_and_fail(tmp_path):
    ok = run_cli("check", str(good(tmp_path)))
    assert ok.returncode == 0, ok.stderr
    assert "ĐẠT" in ok.stdout and "2/2" in ok.stdout
    bad_dir = tmp_path / "bad"
    bad_dir.mkdir()
    r = run_cli("check", str(good(bad_dir, bhxh=4620000)), "--lang", "en")
    assert r.returncode == 1
    assert "FAIL" in r.stdout and "bhxh" in r.stdout
    assert "4,620,000" in r.stdout and "4,620,240" in r.stdout and "240" in r.stdout
    assert "1/2" in r.stdout
    vi = run_cli("check", str(bad_dir / "cases.yaml")).stdout
    assert "KHÔNG ĐẠT" in vi and "4.620.000" in vi and "1/2 trường hợp đạt" in vi
    assert "Traceback" not in r.stderr


def test_cli_check_error_exits_1_without_traceback(tmp_path):
    p = write(tmp_path, "- {name: a, source: s, kind: nope, inputs: {a: 1}, expected: {b: 1}}\n")
    r = run_cli("check", str(p))
    assert r.returncode == 1
    assert "unknown kind 'nope'" in " ".join(r.stderr.split()) and "Traceback" not in r.stderr


def test_cli_check_with_model_option(tmp_path):
    p = write(
        tmp_path,
        """\
        - name: budget with --model
          source: s
          kind: budget
          inputs: {year: 2016, commune: "22327"}
          expected: {nhdkct_fund: 265608000}
        """,
    )
    r = run_cli("check", str(p), "--model", str(FIXTURE))
    assert r.returncode == 0, r.stdout + r.stderr


def test_docs_example_file_passes():
    ex = Path(__file__).parent.parent.parent / "docs" / "law-cases-example.yaml"
    r = check(ex)
    assert r.passed, r.table[~r.table["passed"]].to_string()
    assert set(r.table["kind"]) == {"payroll", "budget", "benefit", "retirement_date", "parameter"}
