"""Outputs that cannot be written and bad CLI values: one line, exit 1, no traceback.

Every command that writes (``budget``, ``allocate``, ``simulate``, ``template``, ``run``,
``demo``) is run against each kind of unwritable destination: a read-only folder, a parent that
is a file, an ``--out`` that is a folder (a file for the folder-writing ``run`` and ``demo``).
The check comes before any work: the commands fail before loading the model.
The same cases run in the bad-input corpus (``tests/bad_inputs/outputs.yaml``).
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from khoan import cli
from khoan._files import (
    TMP_SUFFIX,
    atomic_write_bytes,
    check_file_target,
    check_folder_target,
    make_folder,
)
from khoan.errors import KhoanError, OutputError

#: command -> (argument list given the destination, whether the destination is a folder)
COMMANDS = {
    "budget": (lambda out: ["budget", "khanh_hoa_2016", "--year", "2016", "--out", out], False),
    "budget-csv": (
        lambda out: ["budget", "khanh_hoa_2016", "--year", "2016", "--out", out + ".csv"],
        False,
    ),
    "allocate": (
        lambda out: ["allocate", "khanh_hoa_2016", "--year", "2017", "--out", out],
        False,
    ),
    "simulate": (
        lambda out: ["simulate", "khanh_hoa_2016", "--scenario", "nq39_10pct", "--out", out],
        False,
    ),
    "template": (lambda out: ["template", out], False),
    "run": (lambda out: ["run", "grid.toml", "--model", "khanh_hoa_2016", "--out", out], True),
    "demo": (lambda out: ["demo", "--out", out], True),
}

KINDS = ["read_only", "parent_is_file", "wrong_kind"]


def _destination(kind: str, tmp_path: Path, folder: bool, read_only) -> tuple[str, str]:
    """(destination, expected message fragment) for an unwritable kind."""
    if kind == "read_only":
        ro = tmp_path / "ro"
        ro.mkdir()
        read_only(ro)
        return str(ro / ("out" if folder else "out.xlsx")), "read-only"
    if kind == "parent_is_file":
        f = tmp_path / "notes.txt"
        f.write_text("x")
        return str(f / ("out" if folder else "out.xlsx")), "is a file, not a folder"
    # wrong kind: a folder where a file is written, a file where a folder is written
    if folder:
        f = tmp_path / "report.xlsx"
        f.write_text("x")
        return str(f), "it is a file, not a folder"
    d = tmp_path / "existing"
    d.mkdir()
    return str(d), "it is a folder"


def _run(args: list[str], capsys) -> tuple[int, str]:
    with pytest.raises(SystemExit) as ex:
        cli.main(args)
    return ex.value.code, capsys.readouterr().err


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("command", list(COMMANDS))
def test_unwritable_output_is_one_line_exit_1(
    command, kind, tmp_path, monkeypatch, capsys, read_only
):
    make_args, folder = COMMANDS[command]
    dest, fragment = _destination(kind, tmp_path, folder, read_only)
    if command == "budget-csv" and kind == "wrong_kind":
        Path(dest + ".csv").mkdir()
    loaded = []
    monkeypatch.setattr(cli.common, "resolve_model", lambda *a, **k: loaded.append(a))
    code, err = _run(make_args(dest), capsys)
    assert code == 1, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert lines[0].startswith("Lỗi / error: cannot write")
    assert fragment in lines[0]
    assert str(Path(dest).name) in lines[0]
    assert loaded == []  # refused before any work
    for p in tmp_path.rglob("*"):
        assert not p.name.endswith(TMP_SUFFIX)


@pytest.mark.parametrize(
    "args,fragment",
    [
        (["--envelope", "inf"], "give an amount in VND"),
        (["--envelope", "1e400"], "must be a finite amount"),
        (["--envelope", "9e18", "--no-corridor"], "larger than 9,007,199,254,740,992 VND"),
        (["--envelope", "-5"], "must be positive"),
        (["--envelope", "0", "--no-corridor"], "must be positive"),
        (["--envelope", "lots"], "give an amount in VND"),
    ],
)
def test_bad_envelope_is_one_line_exit_1(args, fragment, capsys):
    code, err = _run(["allocate", "khanh_hoa_2016", "--year", "2017", *args], capsys)
    assert code == 1, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    assert fragment in lines[0] and "--envelope" in lines[0]


def test_norm_relative_envelope_below_zero_is_one_line(capsys):
    code, err = _run(
        ["allocate", "khanh_hoa_2016", "--year", "2017", "--envelope", "norm-150%"], capsys
    )
    assert code == 1 and "Traceback" not in err, err
    assert "must be positive" in err.splitlines()[-1]


def test_envelope_through_the_api_is_checked_too():
    from khoan import allocate, examples

    m = examples.load("khanh_hoa_2016")
    for bad in (float("inf"), float("nan"), 9 * 10**18, -1):
        with pytest.raises(KhoanError, match="envelope"):
            allocate(m, 2017, bad)


# -- the writer itself -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "code,reason",
    [
        (errno.ENOSPC, "the disk is full"),
        (errno.EROFS, "the file system is read-only"),
        (errno.EACCES, "permission denied"),
    ],
)
def test_write_errors_become_output_errors_and_leave_nothing(tmp_path, monkeypatch, code, reason):
    real_replace = os.replace

    def fail(src, dst):
        raise OSError(code, os.strerror(code), str(dst))

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OutputError, match=reason) as ex:
        atomic_write_bytes(tmp_path / "x.xlsx", b"data")
    assert ex.value.path == str(tmp_path / "x.xlsx") and reason in ex.value.reason
    assert list(tmp_path.iterdir()) == []
    monkeypatch.setattr(os, "replace", real_replace)
    assert atomic_write_bytes(tmp_path / "x.xlsx", b"data").read_bytes() == b"data"


def test_full_disk_through_the_cli_is_one_line(tmp_path, monkeypatch, capsys):
    def full(src, dst):
        raise OSError(errno.ENOSPC, "No space left on device", str(dst))

    monkeypatch.setattr(os, "replace", full)
    out = tmp_path / "t.xlsx"
    code, err = _run(["template", str(out)], capsys)
    assert code == 1 and len(err.strip().splitlines()) == 1, err
    assert f"cannot write {out}: the disk is full" in err
    assert list(tmp_path.iterdir()) == []


def test_checks_accept_writable_destinations(tmp_path):
    assert check_file_target(tmp_path / "new" / "deeper" / "a.xlsx") == (
        tmp_path / "new" / "deeper" / "a.xlsx"
    )
    (tmp_path / "a.xlsx").write_bytes(b"old")
    assert check_file_target(tmp_path / "a.xlsx")  # replacing a file is allowed
    assert check_folder_target(tmp_path) == tmp_path
    assert check_folder_target(tmp_path / "new-folder")
    assert not (tmp_path / "new").exists()  # checking creates nothing
    assert make_folder(tmp_path / "x" / "y").is_dir()


def test_writing_onto_a_folder_and_under_a_file_name_the_path(tmp_path):
    (tmp_path / "d").mkdir()
    with pytest.raises(OutputError, match="it is a folder"):
        atomic_write_bytes(tmp_path / "d", b"x")
    (tmp_path / "f").write_text("x")
    with pytest.raises(OutputError, match=r"f is a file, not a folder"):
        atomic_write_bytes(tmp_path / "f" / "sub" / "a.xlsx", b"x")
    with pytest.raises(OutputError, match="is a file, not a folder"):
        make_folder(tmp_path / "f")
