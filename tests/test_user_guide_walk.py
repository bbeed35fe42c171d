"""The user guide's walk of a new province (docs/user-guide.md §2.2), run as written.

Every line of the section's ``bash`` blocks is a ``khoan`` command or a ``cp``; they run in
order in a scratch folder, from the template filled with the bundled example to the PDF report.
"""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

from pypdf import PdfReader

from khoan import cli

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "user-guide.md"


def walk_commands() -> list[list[str]]:
    text = GUIDE.read_text(encoding="utf-8")
    section = text.split("### 2.2 ", 1)[1].split("\n### ", 1)[0]
    lines = []
    for block in re.findall(r"```bash\n(.*?)```", section, re.S):
        for line in block.splitlines():
            line = line.split(" #", 1)[0].strip()
            if line and not line.startswith("#"):
                lines.append(shlex.split(line))
    return lines


def test_the_walk_is_the_whole_path():
    cmds = [c[:2] for c in walk_commands()]
    steps = [c[1] for c in cmds if c[0] == "khoan"]
    assert steps == [
        "template",
        "validate",
        "init",
        "validate",
        "budget",
        "simulate",
        "allocate",
        "report",
    ]
    assert {c[0] for c in cmds} == {"khoan", "cp"}


def test_user_guide_walk_runs_from_init_to_the_report(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    for argv in walk_commands():
        if argv[0] == "cp":
            shutil.copyfile(argv[1], argv[2])
            continue
        assert argv[0] == "khoan", argv
        try:
            cli.main(argv[1:])
        except SystemExit as exc:  # an error: show what the command said
            out = capsys.readouterr()
            raise AssertionError(f"{' '.join(argv)} exited {exc.code}:\n{out.err}") from None
        out = capsys.readouterr()
        assert "Lỗi" not in out.err, (argv, out.err)
        if argv[1] == "validate":
            assert "OK" in out.out
    assert (tmp_path / "tinh_x" / "model.toml").is_file()
    assert (tmp_path / "du-toan-2026.xlsx").is_file() and (tmp_path / "cut_5pct.xlsx").is_file()
    r = PdfReader(tmp_path / "bao-cao.pdf")
    txt = "\n".join(p.extract_text() for p in r.pages)
    assert "Khánh Hòa" in txt and "cut_5pct" in txt and "Tổng cộng" in txt
    assert "Năm ngân sách: 2026" in txt
