#!/usr/bin/env python
"""Write the synthetic tables of the example models from their ``communes.csv``.

Run from the repository root::

    python tools/make_example_models.py            # both models
    python tools/make_example_models.py khanh_hoa_2016
    python tools/make_example_models.py --ratings khanh_hoa_2026   # only ratings.csv

For each model in ``khoan/models/`` it reads ``communes.csv`` (written by
``tools/make_example_communes.py``) and the model's ``params/`` overlay, then writes

* ``model.toml`` — name, title, province, structure, years, table files;
* ``staff.csv`` — :func:`khoan.data.synth.staff_roster` on the roster date, with the model's
  seed, under the law overlaid with the model's ``params/`` (so a provincial quota applies);
* ``outputs.csv`` — :func:`khoan.data.synth.outputs` for the year before the base year through
  the last model year, with seed + 1;
* ``ratings.csv`` (models listed in ``RATED``, or with ``--ratings``: only this file, from the
  model's existing ``staff.csv``) — :func:`khoan.data.synth.ratings` of the cadres and civil
  servants for the two years before the base year through the last model year, with seed + 2.

The output is byte-for-byte the same on every run. The hand-written files (``params/``,
``README.md``) are not touched. Every rule of the synthetic data is documented in
``khoan/data/synth.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from khoan.data.io import read_raw
from khoan.data.schema import coerce_table, get_schema
from khoan.data.synth import outputs, ratings, staff_roster
from khoan.params import load_law

REPO = Path(__file__).resolve().parent.parent
MODELS = REPO / "khoan" / "models"

SPECS: dict[str, dict] = {
    "khanh_hoa_2016": {
        "title": "Khánh Hòa 2016–2020 (132 đơn vị hành chính cấp xã)",
        "province_code": "56",
        "structure": "2016",
        "base_year": 2016,
        "years": [2016, 2020],
        "roster_date": "2016-01-01",
        "seed": 2016,
        "id_prefix": "KH16",
        "output_years": range(2015, 2021),
    },
    "khanh_hoa_2026": {
        "title": "Khánh Hòa 2026–2030 (65 đơn vị hành chính cấp xã)",
        "province_code": "56",
        "structure": "2025",
        "base_year": 2026,
        "years": [2026, 2030],
        "roster_date": "2026-01-01",
        "seed": 2026,
        "id_prefix": "KH26",
        "output_years": range(2025, 2031),
    },
}


#: Models that ship a ratings table (khanh_hoa_2016 does not, so that its outputs and digest
#: stay those of the published demo).
RATED = ("khanh_hoa_2026",)


def make_ratings(name: str, staff: pd.DataFrame | None = None) -> str:
    """Write ``ratings.csv`` of model ``name`` (from ``staff``, default its ``staff.csv``)."""
    spec = SPECS[name]
    folder = MODELS / name
    if staff is None:
        raw = read_raw(folder / "staff.csv")
        staff, problems, _ = coerce_table(raw, get_schema("staff"), "staff.csv", unique=("id",))
        if problems:
            raise SystemExit("\n".join(map(str, problems)))
    years = range(spec["base_year"] - 2, spec["years"][1] + 1)
    r = ratings(staff, years, spec["seed"] + 2)
    write_csv(r, folder / "ratings.csv")
    return f"{name}: {len(r)} ratings ({years[0]}–{years[-1]})"


def model_toml(name: str, spec: dict) -> str:
    return (
        f'name = "{name}"\n'
        f'title = "{spec["title"]}"\n'
        f'province_code = "{spec["province_code"]}"\n'
        f'structure = "{spec["structure"]}"\n'
        f"base_year = {spec['base_year']}\n"
        f"years = [{spec['years'][0]}, {spec['years'][1]}]\n"
        "# Synthetic staff and outputs: python tools/make_example_models.py (see README.md)\n"
        "synthetic = true\n"
        f'roster_date = "{spec["roster_date"]}"\n'
        f"seed = {spec['seed']}\n"
        "\n"
        "[tables]\n"
        'communes = "communes.csv"\n'
        'staff = "staff.csv"\n'
        'outputs = "outputs.csv"\n'
    )


def read_communes(folder: Path) -> pd.DataFrame:
    raw = read_raw(folder / "communes.csv")
    df, problems, _ = coerce_table(raw, get_schema("communes"), "communes.csv", unique=("code",))
    if problems:
        raise SystemExit("\n".join(map(str, problems)))
    return df


def write_csv(df: pd.DataFrame, path: Path) -> None:
    out = df.copy()
    for c in out.columns:
        if str(out[c].dtype) == "boolean":
            out[c] = out[c].map({True: "true", False: "false"}).fillna("")
    out.to_csv(path, index=False, encoding="utf-8", lineterminator="\n", date_format="%Y-%m-%d")


def make(name: str) -> str:
    spec = SPECS[name]
    folder = MODELS / name
    communes = read_communes(folder)
    params = load_law()
    if (folder / "params").is_dir():
        params = params.overlay(folder / "params", name=f"{name}/params")
    staff = staff_roster(
        communes, params, spec["roster_date"], spec["seed"], id_prefix=spec["id_prefix"]
    )
    outs = outputs(communes, spec["output_years"], spec["seed"] + 1)
    (folder / "model.toml").write_text(model_toml(name, spec), encoding="utf-8")
    write_csv(staff, folder / "staff.csv")
    write_csv(outs, folder / "outputs.csv")
    if name in RATED:
        make_ratings(name, staff)
    counts = staff["category"].value_counts().sort_index().to_dict()
    return f"{name}: {len(communes)} communes, {len(staff)} staff {counts}, {len(outs)} output rows"


def main(argv: list[str]) -> int:
    only_ratings = "--ratings" in argv
    names = [a for a in argv if a != "--ratings"] or list(RATED if only_ratings else SPECS)
    for name in names:
        if name not in SPECS:
            print(f"unknown model {name!r} (known: {', '.join(SPECS)})", file=sys.stderr)
            return 2
        print(make_ratings(name) if only_ratings else make(name))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
