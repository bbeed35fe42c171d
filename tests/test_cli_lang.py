"""The command line in one language and one number format (issue 14 §2): ``--lang`` on every
command, ``--out`` chosen by its extension, ``--version``/``-h``, ``khoan run`` in 80 columns."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from rich.console import Console
from typer.testing import CliRunner

from khoan import cli
from khoan.cli.common import REFUSED, WITH_PDF, WRITERS, cell
from khoan.report.fmt import percent, short

ROOT = Path(__file__).resolve().parents[1]
TWO = str(ROOT / "tests" / "fixtures" / "two_communes")
#: budget of the two-commune fixture in 2016 (tests/test_budget.py computes it by hand)
TOTAL_2016 = 1_593_345_948

runner = CliRunner()


def invoke(*args: str):
    r = runner.invoke(cli.app, list(args))
    assert r.exit_code == 0, (r.output, r.exception)
    return r.output


def main(args: list[str], capsys) -> tuple[int, str, str]:
    """Run ``khoan ARGS`` as the console script does (errors printed, exit code)."""
    with pytest.raises(SystemExit) as ex:
        cli.main(args)
        raise SystemExit(0)
    out = capsys.readouterr()
    return ex.value.code, out.out, out.err


# --------------------------------------------------------------------------- number format


def test_short_and_percent_follow_the_language():
    assert short(1_234_567, "vi") == "1.234.567" and short(1_234_567, "en") == "1,234,567"
    assert short(0.325, "vi") == "0,325" and short(0.325, "en") == "0.325"
    assert short(1234.4, "vi") == "1.234" and short(-0.5, "en") == "-0.5"
    assert short(2.0, "en") == "2" and short(float("nan"), "vi") == ""
    assert percent(0.105, "vi") == "10,5%" and percent(0.105, "en") == "10.5%"
    assert cell(2016, "vi", "payback_year") == "2016"  # a year has no separator
    assert cell(1_210_000, "vi") == "1.210.000" and cell(True, "en") == "yes"


def test_budget_numbers_vi_with_dots_en_with_commas():
    vi = invoke("budget", TWO, "--year", "2016")
    en = invoke("budget", TWO, "--year", "2016", "--lang", "en")
    assert "1.593.345.948" in vi and "1,593,345,948" not in vi
    assert "1,593,345,948" in en and "1.593.345.948" not in en
    # millions: the parts are rounded by largest remainder and add up to the shown total
    assert re.search(r"Tổng cộng\s*│\s*1\.593\s*│", vi)
    assert re.search(r"Total\s*│\s*1,593\s*│", en)
    assert "Quỹ lương, phụ cấp" in vi and "Salary and allowance fund" in en
    assert "Salary" not in vi
    assert "tổng = tổng các thành phần: có" in vi and "sum of components: yes" in en


def test_params_show_in_the_language():
    vi = invoke("params", "show", "salary.base", "--on", "2016-05-01")
    en = invoke("params", "show", "salary.base", "--on", "2016-05-01", "--lang", "en")
    assert "1.210.000" in vi and "căn cứ: NĐ 47/2016" in vi and "1,210,000" not in vi
    assert "1,210,000" in en and "reference: NĐ 47/2016" in en
    assert "1,150,000" in invoke(
        "params", "show", "salary.base", "--on", "2016-04-30", "--lang", "en"
    )


@pytest.mark.parametrize(
    "args",
    [
        ["validate"],
        ["demo"],
        ["init"],
        ["template"],
        ["budget"],
        ["allocate"],
        ["simulate"],
        ["run"],
        ["check"],
        ["params", "list"],
        ["params", "show"],
    ],
)
def test_every_command_has_lang_and_short_help(args):
    text = invoke(*args, "-h")
    assert "--lang" in text and "--help" in text


def test_lang_is_checked():
    r = runner.invoke(cli.app, ["params", "list", "--lang", "fr"])
    assert r.exit_code == 2 and "vi (tiếng Việt) or en" in r.output


# --------------------------------------------------------------------------- version, help


def test_version_and_short_help():
    from khoan import __version__

    assert invoke("--version").strip() == f"khoan {__version__}"
    assert invoke("-V").strip() == f"khoan {__version__}"
    assert "Commands" in invoke("-h") and "budget" in invoke("-h")


# --------------------------------------------------------------------------- --out


def test_out_pdf_is_refused_before_any_work(tmp_path, capsys, monkeypatch):
    loaded = []
    monkeypatch.setattr(cli.common, "resolve_model", lambda *a, **k: loaded.append(a))
    for command in (["allocate", TWO, "--year", "2017"],):
        code, _, err = main([*command, "--out", str(tmp_path / "bao-cao.pdf")], capsys)
        assert code == 1
        assert "PDF reports: use `khoan report`" in err and "Traceback" not in err
    code, _, err = main(
        ["simulate", TWO, "--scenario", "x", "--out", str(tmp_path / "x.txt")], capsys
    )
    assert code == 1 and "'.txt'" in err and ".xlsx, .csv, .parquet or .pdf" in err
    code, _, err = main(["template", str(tmp_path / "t.csv")], capsys)
    assert code == 1 and ".xlsx" in err
    assert loaded == [] and list(tmp_path.iterdir()) == []


def test_the_dispatch_is_a_table():
    assert set(WRITERS) == {".xlsx", ".csv", ".parquet"}
    assert ".pdf" in REFUSED and ".pdf" not in WRITERS
    assert set(WITH_PDF) == {*WRITERS, ".pdf"}


def test_out_pdf_writes_the_printable_report(tmp_path):
    from pypdf import PdfReader

    pdf = tmp_path / "bao-cao.pdf"
    assert f"Đã ghi {pdf}" in invoke("budget", TWO, "--year", "2016", "--out", str(pdf))
    text = "\n".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "Tổng cộng" in text and "Trang 1/" in text and "1.593.345.948" in text


def test_out_csv_and_parquet_are_written_and_read_back(tmp_path):
    from khoan import budget, load

    expected = budget(load(TWO), 2016).to_frame()
    csv, parquet = tmp_path / "du-toan.csv", tmp_path / "du-toan.parquet"
    assert f"Đã ghi {csv}" in invoke("budget", TWO, "--year", "2016", "--out", str(csv))
    out = invoke("budget", TWO, "--year", "2016", "--out", str(parquet), "--lang", "en")
    assert f"Wrote {parquet}" in out
    assert csv.read_bytes().startswith(b"\xef\xbb\xbf")  # UTF-8 with byte-order mark
    back = pd.read_csv(csv, dtype={"code": str}, encoding="utf-8-sig")
    assert int(back["total"].sum()) == TOTAL_2016 == int(expected["total"].sum())
    assert list(back.columns) == list(expected.columns)
    pq = pd.read_parquet(parquet)
    assert pq["total"].dtype == "int64" and int(pq["total"].sum()) == TOTAL_2016
    pd.testing.assert_frame_equal(pq, expected.reset_index(drop=True), check_dtype=False)


# --------------------------------------------------------------------------- khoan run


GRID = """\
[defaults]
years = [2016, 2018]
regime = "nd108"
decision_date = 2016-01-01
[scenarios.ke_hoach_tinh_gian_bien_che_giai_doan_2016_2018_theo_nghi_quyet_39]
policy = "attrition"
target = { share = 0.02, by = 2018 }
[scenarios.b]
policy = "attrition"
"""


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_run_table_fits_80_columns_with_full_headers(tmp_path, lang):
    toml = tmp_path / "grid.toml"
    toml.write_text(GRID, encoding="utf-8")
    out, err = Console(record=True, width=80), Console(record=True, width=80)
    code = cli.run_batch_cli(toml, TWO, tmp_path / "out", stdout=out, stderr=err, lang=lang)
    text = out.export_text()
    assert code == 0, err.export_text()
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 80, text
    assert "…" not in text  # nothing cut short
    heads = (
        ["Kịch bản", "Kết quả", "Tinh giản", "(người)", "Chi một lần", "(tr.đ)", "Hoàn vốn"]
        if lang == "vi"
        else ["Scenario", "Status", "Leavers", "(persons)", "One-off", "(VND m)", "Payback"]
    )
    for h in heads:
        assert h in text, h
    assert ("2 xong, 0 lỗi" if lang == "vi" else "2 ok, 0 failed") in text
    # the long name folds onto several lines, whole
    assert "".join(re.findall(r"│ (\S+)\s*│", text)).startswith("ke_hoach_tinh_gian")


def test_run_and_simulate_tables_in_a_terminal_of_80_columns(tmp_path):
    toml = tmp_path / "grid.toml"
    toml.write_text(GRID, encoding="utf-8")
    env = dict(os.environ, COLUMNS="80", PYTHONPATH=str(ROOT))
    args = ["run", str(toml), "--model", TWO, "--out", str(tmp_path / "o")]
    r = subprocess.run(
        [sys.executable, "-m", "khoan.cli", *args], capture_output=True, text=True, env=env
    )
    assert r.returncode == 0, r.stderr
    assert max(len(line) for line in r.stdout.splitlines()) <= 80, r.stdout
    assert "Tinh giản" in r.stdout and "…" not in r.stdout


def test_simulate_out_pdf_writes_the_report_with_the_scenario(tmp_path):
    from pypdf import PdfReader

    pdf = tmp_path / "kich-ban.pdf"
    out = invoke("simulate", "khanh_hoa_2026", "--scenario", "kl40_5pct", "--out", str(pdf))
    assert f"Đã ghi {pdf}" in out
    text = "\n".join(page.extract_text() for page in PdfReader(pdf).pages)
    # the scenario's own section beside the first year's budget
    assert "kl40_5pct" in text and "Tổng cộng" in text and "2026" in text
