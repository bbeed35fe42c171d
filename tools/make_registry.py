#!/usr/bin/env python
"""Build the official admin-unit registry CSVs shipped in ``khoan/data/registry/``.

This script is a one-off build tool; khoan never runs it at runtime. It reads the data files of
the ``vietnam-provinces`` package (https://pypi.org/project/vietnam-provinces/) and writes

``units_2016.csv``
    The pre-2025 structure (63 provinces, 3 tiers: province > district > commune-level unit),
    from ``vietnam-provinces==0.6.0`` (data retrieved 2025-01-04). Columns ``province_code,
    province_name, district_code, district_name, code, name, type``.
``units_2025.csv``
    The structure in force since 2025-07-01 (34 provinces, 2 tiers), from an installed
    ``vietnam-provinces`` 2025.x. Columns ``province_code, province_name, code, name, type``.

Codes are zero-padded as official (province 2 digits, district 3, commune-level unit 5); text is
NFC-normalised; rows are sorted by ``code``; files are UTF-8 without BOM, ``\\n`` line endings.

``type`` uses khoan's ASCII category codes:

* 2016: from the name's prefix, ``"Xã "`` -> ``xa``, ``"Phường "`` -> ``phuong``,
  ``"Thị trấn "`` -> ``thi_tran``. (In 0.6.0's JSON every unit's ``division_type`` reads "xã",
  so that field cannot be used.)
* 2025: from ``division_type`` ("xã" -> ``xa``, "phường" -> ``phuong``, "đặc khu" ->
  ``dac_khu``), checked against the name's prefix.

Version 0.6.0 and 2025.x cannot be installed side by side, so install 0.6.0 into a throwaway
virtual environment and point ``--vp06`` at its package folder::

    python -m venv /tmp/vp06 && /tmp/vp06/bin/pip install vietnam-provinces==0.6.0
    python tools/make_registry.py \\
        --vp06 /tmp/vp06/lib/python3.11/site-packages/vietnam_provinces

Run it with the interpreter that has ``vietnam-provinces`` 2025.x installed. Only the standard
library is needed. The script checks the counts it expects and stops if they differ.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT_DIR = REPO / "khoan" / "data" / "registry"

OLD_VERSION = "0.6.0"
PREFIX_TYPES_2016 = (("Thị trấn ", "thi_tran"), ("Phường ", "phuong"), ("Xã ", "xa"))
DIVISION_TYPES_2025 = {"xã": "xa", "phường": "phuong", "đặc khu": "dac_khu"}
PREFIX_2025 = {"xa": "Xã ", "phuong": "Phường ", "dac_khu": "Đặc khu "}

COLUMNS_2016 = [
    "province_code",
    "province_name",
    "district_code",
    "district_name",
    "code",
    "name",
    "type",
]
COLUMNS_2025 = ["province_code", "province_name", "code", "name", "type"]


def nfc(text: str) -> str:
    """Return ``text`` NFC-normalised with surrounding whitespace stripped."""
    return unicodedata.normalize("NFC", text).strip()


def package_version(package_dir: Path) -> str:
    """Read ``__version__`` from a ``vietnam_provinces`` package folder without importing it."""
    source = (package_dir / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r"^__version__\s*=\s*['\"]([^'\"]+)['\"]", source, re.M)
    if not match:
        raise SystemExit(f"no __version__ in {package_dir / '__init__.py'}")
    return match.group(1)


def type_from_prefix(name: str) -> str:
    """Category code of a pre-2025 unit from its name prefix."""
    for prefix, code in PREFIX_TYPES_2016:
        if name.startswith(prefix):
            return code
    raise SystemExit(f"unknown prefix in unit name {name!r}")


def rows_2016(package_dir: Path) -> list[dict[str, str]]:
    """Rows of ``units_2016.csv`` from the nested JSON of vietnam-provinces 0.6.0."""
    version = package_version(package_dir)
    if version != OLD_VERSION:
        raise SystemExit(f"--vp06 points at vietnam-provinces {version}, need {OLD_VERSION}")
    data = json.loads((package_dir / "data" / "nested-divisions.json").read_text(encoding="utf-8"))
    rows = []
    for province in data:
        for district in province["districts"]:
            # Five island districts (Bạch Long Vĩ, Cồn Cỏ, Hoàng Sa, Lý Sơn, Côn Đảo) have no
            # commune-level units; they contribute no rows.
            for unit in district["wards"]:
                name = nfc(unit["name"])
                rows.append(
                    {
                        "province_code": f"{province['code']:02d}",
                        "province_name": nfc(province["name"]),
                        "district_code": f"{district['code']:03d}",
                        "district_name": nfc(district["name"]),
                        "code": f"{unit['code']:05d}",
                        "name": name,
                        "type": type_from_prefix(name),
                    }
                )
    return sorted(rows, key=lambda r: r["code"])


def rows_2025() -> tuple[str, list[dict[str, str]]]:
    """Rows of ``units_2025.csv`` from the installed vietnam-provinces 2025.x."""
    import vietnam_provinces as vp

    if not vp.__version__.startswith("2025."):
        raise SystemExit(f"installed vietnam-provinces is {vp.__version__}, need 2025.x")
    data = json.loads(Path(vp.NESTED_DIVISIONS_JSON_PATH).read_text(encoding="utf-8"))
    rows = []
    for province in data:
        for unit in province["wards"]:
            name = nfc(unit["name"])
            kind = DIVISION_TYPES_2025[nfc(unit["division_type"])]
            if not name.startswith(PREFIX_2025[kind]):
                raise SystemExit(f"{name!r}: prefix disagrees with division_type {kind}")
            rows.append(
                {
                    "province_code": f"{province['code']:02d}",
                    "province_name": nfc(province["name"]),
                    "code": f"{unit['code']:05d}",
                    "name": name,
                    "type": kind,
                }
            )
    return vp.__version__, sorted(rows, key=lambda r: r["code"])


def write(path: Path, columns: list[str], rows: list[dict[str, str]]) -> None:
    """Write ``rows`` as UTF-8 CSV with ``\\n`` line endings."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def check(condition: bool, message: str) -> None:
    if not condition:
        raise SystemExit(f"check failed: {message}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--vp06",
        type=Path,
        required=True,
        help="folder of the vietnam_provinces package, version 0.6.0",
    )
    parser.add_argument(
        "--out", type=Path, default=OUT_DIR, help=f"output folder (default {OUT_DIR})"
    )
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    old = rows_2016(args.vp06)
    check(len({r["province_code"] for r in old}) == 63, "63 provinces in 0.6.0")
    check(len(old) == 10051, f"10,051 units in 0.6.0, got {len(old)}")
    check(len({r["code"] for r in old}) == len(old), "unique codes (2016)")
    kh_old = [r for r in old if r["province_code"] == "56"]
    check(
        len(kh_old) == 132 and len({r["district_code"] for r in kh_old}) == 9,
        "Khánh Hòa: 132 units in 9 districts",
    )
    check(
        Counter(r["type"] for r in kh_old) == {"xa": 96, "phuong": 30, "thi_tran": 6},
        "Khánh Hòa 2016: 96 xã, 30 phường, 6 thị trấn",
    )
    write(args.out / "units_2016.csv", COLUMNS_2016, old)

    version, new = rows_2025()
    check(len({r["province_code"] for r in new}) == 34, "34 provinces in 2025.x")
    check(len(new) == 3321, f"3,321 units in 2025.x, got {len(new)}")
    check(len({r["code"] for r in new}) == len(new), "unique codes (2025)")
    kh_new = [r for r in new if r["province_code"] == "56"]
    check(
        Counter(r["type"] for r in kh_new) == {"xa": 48, "phuong": 16, "dac_khu": 1},
        "Khánh Hòa 2025: 48 xã, 16 phường, 1 đặc khu",
    )
    write(args.out / "units_2025.csv", COLUMNS_2025, new)

    print(
        f"units_2016.csv: vietnam-provinces {OLD_VERSION}, {len(old)} units, "
        f"types {dict(Counter(r['type'] for r in old))}"
    )
    print(
        f"units_2025.csv: vietnam-provinces {version}, {len(new)} units, "
        f"types {dict(Counter(r['type'] for r in new))}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
