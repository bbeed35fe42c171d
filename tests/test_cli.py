"""The ``khoan`` command as a user runs it: exit codes, messages, files written."""

from __future__ import annotations

import os
import subprocess
import sys

import openpyxl
import pandas as pd
import pytest


def run(*args, cwd=None):
    env = dict(os.environ, MPLBACKEND="Agg", COLUMNS="150")
    return subprocess.run(
        [sys.executable, "-m", "khoan.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=300,
    )


def test_params_show_value_and_reference():
    r = run("params", "show", "salary.base", "--on", "2016-05-01")
    assert r.returncode == 0, r.stderr
    assert "1.210.000" in r.stdout and "NĐ 47/2016" in r.stdout
    r = run("params", "show", "salary.base", "--on", "2016-04-30", "--lang", "en")
    assert "1,150,000" in r.stdout


def test_params_list():
    r = run("params", "list", "contributions")
    assert r.returncode == 0
    assert "contributions.employer.bhxh" in r.stdout
    assert "salary.base" not in r.stdout


def test_user_error_has_no_traceback_and_exits_1(tmp_path):
    r = run("validate", str(tmp_path))
    assert r.returncode == 1
    assert "model.toml not found" in r.stderr
    assert "Traceback" not in r.stderr
    r = run("--debug", "validate", str(tmp_path))
    assert r.returncode == 1 and "Traceback" in r.stderr


def test_usage_error_exits_2():
    r = run("budget", "khanh_hoa_2016")  # --year missing
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    assert run("no-such-command").returncode == 2


def test_validate_example():
    r = run("validate", "khanh_hoa_2016")
    assert r.returncode == 0 and "OK" in r.stdout


def test_budget_writes_csv_and_xlsx(tmp_path):
    r = run("budget", "khanh_hoa_2016", "--year", "2016", "--out", str(tmp_path / "b.csv"))
    assert r.returncode == 0, r.stderr
    df = pd.read_csv(tmp_path / "b.csv", dtype={"code": str})
    from khoan.budget import COMPONENTS as parts

    assert (df[list(parts)].sum(axis=1) == df["total"]).all()
    assert len(df) == 132
    # Vietnamese thousands separator by default (1.234.567), English with --lang en
    assert f"{int(df['total'].sum()):,}".replace(",", ".") in r.stdout
    r_en = run("budget", "khanh_hoa_2016", "--year", "2016", "--lang", "en")
    assert f"{int(df['total'].sum()):,}" in r_en.stdout
    r = run("budget", "khanh_hoa_2016", "--year", "2016", "--out", str(tmp_path / "b.xlsx"))
    assert r.returncode == 0, r.stderr
    assert openpyxl.load_workbook(tmp_path / "b.xlsx").sheetnames


def test_budget_year_outside_parameters():
    r = run("budget", "khanh_hoa_2016", "--year", "1990")
    assert r.returncode == 1
    assert "1990" in r.stderr and "Traceback" not in r.stderr


def test_allocate_envelope_forms(tmp_path):
    r = run(
        "allocate",
        "khanh_hoa_2016",
        "--year",
        "2017",
        "--envelope",
        "norm+2%",
        "--out",
        str(tmp_path / "a.csv"),
    )
    assert r.returncode == 0, r.stderr
    df = pd.read_csv(tmp_path / "a.csv")
    assert "optimal" in r.stdout
    r2 = run("allocate", "khanh_hoa_2016", "--year", "2017", "--envelope", "1e9")
    assert r2.returncode == 1 and "floors exceed the envelope" in r2.stderr
    r3 = run("allocate", "khanh_hoa_2016", "--year", "2017", "--envelope", "lots")
    assert r3.returncode == 1 and "--envelope" in r3.stderr
    assert df["allocation"].sum() > 0


def test_template(tmp_path):
    r = run("template", str(tmp_path / "t.xlsx"))
    assert r.returncode == 0, r.stderr
    wb = openpyxl.load_workbook(tmp_path / "t.xlsx")
    assert len(wb.sheetnames) >= 4


@pytest.mark.parametrize("model", ["khanh_hoa_2016", "khanh_hoa_2026"])
def test_demo_writes_report(tmp_path, model):
    r = run("demo", "--model", model, "--out", str(tmp_path / "rep"))
    assert r.returncode == 0, r.stderr
    folder = tmp_path / "rep" / model
    files = {p.name for p in folder.iterdir()}
    assert "tom-tat.md" in files
    assert sum(f.endswith(".xlsx") for f in files) == 3
    assert sum(f.endswith(".png") for f in files) == 6
    md = (folder / "tom-tat.md").read_text(encoding="utf-8")
    assert "synthetic" in md and "None" not in md
    for f in files:
        if f.endswith(".xlsx"):
            assert openpyxl.load_workbook(folder / f).sheetnames


def test_simulate_prints_years_and_writes_workbook(tmp_path):
    r = run(
        "simulate", "khanh_hoa_2016", "--scenario", "nq39_10pct", "--out", str(tmp_path / "s.xlsx")
    )
    assert r.returncode == 0, r.stderr
    for y in range(2016, 2021):
        assert str(y) in r.stdout
    assert (tmp_path / "s.xlsx").is_file()
    bad = run("simulate", "khanh_hoa_2016", "--scenario", "nope")
    assert bad.returncode == 1 and "nope" in bad.stderr and "Traceback" not in bad.stderr


def test_run_batch_from_cli(tmp_path):
    toml = tmp_path / "b.toml"
    toml.write_text(
        '[defaults]\nyears = [2016, 2018]\nregime = "nd108"\ndecision_date = 2016-01-01\n'
        '[scenarios.a]\npolicy = "attrition"\ntarget = { share = 0.02, by = 2018 }\n'
        '[scenarios.b]\npolicy = "early_retirement"\nkinds = ["early_retirement", "resignation"]\n'
        "target = { share = 0.05, by = 2018 }\n",
        encoding="utf-8",
    )
    r = run("run", str(toml), "--model", "khanh_hoa_2016", "--out", str(tmp_path / "out"))
    assert r.returncode == 0, r.stdout + r.stderr
    assert (tmp_path / "out" / "manifest.json").is_file()
    assert (
        run(
            "run",
            str(toml),
            "--model",
            "khanh_hoa_2016",
            "--out",
            str(tmp_path / "o2"),
            "--jobs",
            "2",
            "--scheduler",
            "tcp://127.0.0.1:1",
        ).returncode
        == 2
    )


def test_run_exits_nonzero_and_names_failed_scenario(tmp_path):
    toml = tmp_path / "b.toml"
    toml.write_text(
        '[defaults]\nyears = [2016, 2017]\nregime = "nd108"\ndecision_date = 2016-01-01\n'
        '[scenarios.fine]\npolicy = "attrition"\ntarget = { share = 0.01, by = 2017 }\n'
        # more than everyone: cannot be met within the people available
        '[scenarios.impossible]\npolicy = "resignation"\ntarget = { share = 0.99, by = 2017 }\n',
        encoding="utf-8",
    )
    r = run("run", str(toml), "--model", "khanh_hoa_2016", "--out", str(tmp_path / "out"))
    assert r.returncode == 1, r.stdout + r.stderr
    assert "impossible" in r.stderr
    assert "Traceback" not in r.stderr


def test_params_show_lookup_as_table():
    r = run("params", "show", "staffing.quota.cadres_civil_servants", "--on", "2024-01-01")
    assert r.returncode == 0, r.stderr
    row = next(line for line in r.stdout.splitlines() if "phuong" in line)
    assert [c.strip() for c in row.strip("│ ").split("│")] == ["phuong", "23", "21", "19"]
    assert "NĐ 33/2023" in r.stdout


def test_synthetic_example_data_says_so(tmp_path):
    # DOMAIN §7: synthetic example data says so wherever it is shown: on the command line and
    # on the summary sheet of every workbook (and in the provenance)
    out = tmp_path / "b.xlsx"
    r = run("budget", "khanh_hoa_2016", "--year", "2016", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert "DỮ LIỆU TỔNG HỢP" in r.stderr and "SYNTHETIC DATA" in r.stderr
    wb = openpyxl.load_workbook(out)
    assert wb.worksheets[0]["A3"].value.startswith("DỮ LIỆU TỔNG HỢP")
    prov = {row[0].value: row[1].value for row in wb.worksheets[-1].iter_rows(min_row=2)}
    assert any(str(k).lower().startswith("synthetic") for k in prov) or "synthetic" in str(prov)
    # a model of real data (no ``synthetic = true``) shows no such line
    import shutil

    from khoan.examples import path as example_path

    real = tmp_path / "real"
    shutil.copytree(example_path("khanh_hoa_2016"), real)
    toml = real / "model.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("synthetic = true", ""), "utf-8")
    out2 = tmp_path / "r.xlsx"
    r = run("budget", str(real), "--year", "2016", "--out", str(out2))
    assert r.returncode == 0, r.stderr
    assert "SYNTHETIC" not in r.stderr
    assert openpyxl.load_workbook(out2).worksheets[0]["A3"].value is None


@pytest.mark.parametrize(
    "args,code,expect",
    [
        (["budget", "khanh_hoa_2016", "--year", "2016", "--lang", "fr"], 2, "vi (tiếng Việt)"),
        (
            ["allocate", "khanh_hoa_2016", "--year", "2017", "--corridor", "-1"],
            2,
            "between 0 and 1",
        ),
        (
            ["allocate", "khanh_hoa_2016", "--year", "2017", "--solver", "nosuch"],
            1,
            "not available",
        ),
        (
            ["allocate", "khanh_hoa_2016", "--year", "2017", "--solver", "glpk"],
            1,
            "linear models only",
        ),
    ],
)
def test_bad_options_are_one_line_without_traceback(args, code, expect):
    r = run(*args)
    assert r.returncode == code, r.stderr
    assert expect in " ".join(r.stderr.split())
    assert "Traceback" not in r.stderr and "WARNING" not in r.stderr


def test_year_outside_the_model_and_missed_target_are_noted():
    r = run("budget", "khanh_hoa_2016", "--year", "2030")
    assert r.returncode == 0, r.stderr
    assert "Năm 2030 nằm ngoài các năm của mô hình 2016–2020" in " ".join(r.stderr.split())
    r = run("budget", "khanh_hoa_2016", "--year", "2030", "--lang", "en")
    assert r.returncode == 0, r.stderr
    assert "2030 is outside the model's years 2016–2020" in " ".join(r.stderr.split())
    r = run("simulate", "khanh_hoa_2016", "--scenario", "attrition_only")
    assert r.returncode == 0, r.stderr
    assert "chưa đạt chỉ tiêu tinh giản" in " ".join(r.stderr.split())
    # no one-off cost; cumulative savings > 0 from 2016 (Trường Sa cadres retiring at the
    # reduced age, NĐ 135/2020 Phụ lục II, are not replaced)
    assert "năm hoàn vốn: 2016" in r.stdout
