"""The built wheel carries the example models, the law and the registry (examples load from it)."""

from __future__ import annotations

import subprocess
import sys
import zipfile


def test_wheel_contains_data(tmp_path):
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            ".",
            "--no-deps",
            "-w",
            str(tmp_path),
            "-q",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, r.stderr
    (whl,) = tmp_path.glob("khoan-*.whl")
    names = set(zipfile.ZipFile(whl).namelist())
    for required in [
        "khoan/models/khanh_hoa_2016/model.toml",
        "khoan/models/khanh_hoa_2016/staff.csv",
        "khoan/models/khanh_hoa_2016/params/norms/provincial.yaml",
        "khoan/models/khanh_hoa_2016/scenarios.toml",
        "khoan/models/khanh_hoa_2026/communes.csv",
        "khoan/params/law/salary/base.yaml",
        "khoan/data/registry/units_2016.csv",
        "khoan/data/registry/units_2025.csv",
        "khoan/data/schemas/staff.csv",
    ]:
        assert required in names, required
