"""Digests of a small batch's outputs, to show that a change keeps the results.

Runs a small batch on the bundled ``khanh_hoa_2016`` model into a fresh folder: the user
guide's grid (4 scenarios, docs/user-guide.md §8) and three scenarios of the model's
``scenarios.toml``, and prints one line ``<sha256>  <what>`` per output:

- every stored table of every scenario **read back** (``BatchResult.results[name].<table>``)
  as ``<scenario>/<table>``: the digest covers the column names, the dtypes, the index and
  every value, not the Parquet bytes, so that it does not depend on how the tables are laid
  out in files (one file per scenario, or one per chunk of scenarios);
- ``summary.csv`` and ``summary.xlsx`` (bytes) and, separately, the cells of ``summary.xlsx``
  (so that a difference in the workbook can be told from one in its zip container).

The folder is always the same path (emptied first), because the workbook's provenance sheet
names it.

Run it before and after a change and compare the outputs::

    PYTHONPATH=$PWD python tools/check_batch_identity.py > /tmp/before.txt
    ... change the code ...
    PYTHONPATH=$PWD python tools/check_batch_identity.py > /tmp/after.txt
    diff /tmp/before.txt /tmp/after.txt && echo identical

``--compare FILE`` does the diff itself and exits 1 when a digest differs. Provenance fields
that name the khoan version are not in any of these outputs (they live in ``manifest.json``,
which is not compared).
"""

from __future__ import annotations

import argparse
import hashlib
import re
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: Scenarios of khanh_hoa_2016's scenarios.toml added to the guide's grid.
FROM_MODEL = 3


def _guide_grid() -> str:
    guide = (ROOT / "docs" / "user-guide.md").read_text("utf-8")
    m = re.search(r"```toml\n(\[base\].*?\[grid\].*?)```", guide, re.S)
    if m is None:
        raise SystemExit("docs/user-guide.md has no [base] + [grid] example")
    return m.group(1)


def _xlsx_digest(path: Path) -> str:
    """SHA-256 of every sheet's cell values (row by row), independent of the zip container."""
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    h = hashlib.sha256()
    for ws in wb.worksheets:
        h.update(f"[{ws.title}]\n".encode())
        for row in ws.iter_rows(values_only=True):
            h.update(repr(row).encode("utf-8") + b"\n")
    wb.close()
    return h.hexdigest()


def _frame_digest(df) -> str:
    """SHA-256 of a table's columns, dtypes, index and values (not of any file's bytes)."""
    import pandas as pd

    h = hashlib.sha256()
    h.update(repr([(str(c), str(d)) for c, d in df.dtypes.items()]).encode("utf-8"))
    h.update(repr((type(df.index).__name__, df.index.name, str(df.index.dtype))).encode())
    h.update(pd.util.hash_pandas_object(df, index=True).to_numpy().tobytes())
    h.update(df.to_csv().encode("utf-8"))  # values as text too: NaN vs None, float digits
    return h.hexdigest()


def digests(out: Path) -> list[str]:
    """Run the batch into ``out`` and return ``"<sha256>  <path>"`` lines, sorted by path."""
    import khoan
    import khoan.batch

    load = getattr(khoan.batch, "load_batch_scenarios", None)
    with tempfile.TemporaryDirectory() as d:
        f = Path(d) / "grid.toml"
        f.write_text(_guide_grid(), encoding="utf-8")
        scenarios = list(load(f)) if load else list(khoan.load_scenarios(f).values())
    model = khoan.examples.load("khanh_hoa_2016")
    from_model = list(khoan.load_scenarios(ROOT / "khoan/models/khanh_hoa_2016").values())
    scenarios += from_model[:FROM_MODEL]
    res = khoan.run_batch(model, scenarios, out=out, progress=False)
    lines = []
    for name in sorted(res.results):
        stored = res.results[name]
        for t in ("by_year", "by_commune", "leavers"):
            df = getattr(stored, t)
            if df is not None:
                lines.append(f"{_frame_digest(df)}  {name}/{t}")
    for p in sorted(out.glob("summary.*")):
        rel = p.relative_to(out).as_posix()
        if p.suffix == ".csv":
            lines.append(f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {rel}")
        elif p.suffix == ".xlsx":
            lines.append(f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {rel}")
            lines.append(f"{_xlsx_digest(p)}  {rel} (cells)")
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--out",
        type=Path,
        default=Path(tempfile.gettempdir()) / "khoan-batch-identity",
        help="output folder, emptied first (default: <temp>/khoan-batch-identity)",
    )
    ap.add_argument("--compare", type=Path, help="earlier output of this script to compare")
    args = ap.parse_args(argv)
    if args.out.exists():
        shutil.rmtree(args.out)
    lines = digests(args.out)
    text = "\n".join(lines) + "\n"
    if args.compare is None:
        sys.stdout.write(text)
        return 0
    before = args.compare.read_text("utf-8")
    if before == text:
        print(f"identical: {len(lines)} tables and files")
        return 0
    old, new = set(before.splitlines()), set(lines)
    for line in sorted(old - new):
        print(f"- {line}")
    for line in sorted(new - old):
        print(f"+ {line}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
