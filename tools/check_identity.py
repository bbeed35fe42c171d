"""Fingerprint the demo's outputs and a table of totals, to show a refactor changes nothing.

Usage (from a worktree, with that worktree's khoan first on the path)::

    PYTHONPATH=$PWD python tools/check_identity.py /tmp/identity_before.txt
    ... refactor ...
    PYTHONPATH=$PWD python tools/check_identity.py /tmp/identity_after.txt
    diff /tmp/identity_before.txt /tmp/identity_after.txt

What is fingerprinted:

- ``khoan demo`` for both bundled models (lump sums, allocation, scenario; workbooks, charts and
  the Markdown summary). A workbook (.xlsx) is hashed by its cell values, one line per sheet,
  without the provenance rows that name the version or time the run; every other file by its
  bytes.
- ``budget()`` province totals by component for a few years of each model, every parameter
  listed under "parameters used" (key, dates, value), and the settlement totals of the base year;
- ``simulate()`` per-year totals (payroll, lump sum, kept, TNTT, headcount) of a few scenarios,
  and the parameters the scenario lists as used.

The fingerprint (one line per item) goes to the file named, else to standard output (where the\ndemo's console summary is printed too).
"""

from __future__ import annotations

import hashlib
import io
import sys
import tempfile
from pathlib import Path

YEARS = {"khanh_hoa_2016": (2016, 2017, 2019, 2020), "khanh_hoa_2026": (2026, 2027, 2028)}
SCENARIOS = {
    "khanh_hoa_2016": ("nq39_10pct", "attrition_only", "resignation_10pct"),
    "khanh_hoa_2026": ("kl40_5pct", "early_retirement_10pct"),
}


def xlsx_digests(path: Path) -> dict[str, str]:
    """Digest of each sheet's cell values, by sheet name (in the workbook's order).

    openpyxl writes the time of writing into ``docProps/``, which cell values do not see;
    provenance rows that name the khoan version or measure run time (``khoan``,
    ``khoan_version``, ``timings.*``) are left out.
    """
    import openpyxl

    out = {}
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        h = hashlib.sha256()
        for row in ws.iter_rows(values_only=True):
            first = str(row[0]) if row else ""
            if first in ("khoan", "khoan_version") or first.startswith("timings."):
                continue
            h.update(repr(row).encode())
        out[ws.title] = h.hexdigest()[:16]
    return out


def demo_lines(out: Path) -> list[str]:
    from rich.console import Console

    from khoan.demo import run_demo

    lines = []
    for name in YEARS:
        folder = run_demo(name, out, Console(file=io.StringIO()))
        for f in sorted(folder.iterdir()):
            if f.suffix == ".xlsx":
                for sheet, d in xlsx_digests(f).items():
                    lines.append(f"demo {name} {f.name} [{sheet}] {d}")
            else:
                d = hashlib.sha256(f.read_bytes()).hexdigest()[:16]
                lines.append(f"demo {name} {f.name} {d}")
    return lines


def totals_lines() -> list[str]:
    from khoan import examples
    from khoan.budget import budget, settle
    from khoan.scenarios import load_scenarios, simulate

    lines = []
    for name, years in YEARS.items():
        m = examples.load(name)
        for y in years:
            b = budget(m, y)
            prov = b.province.iloc[0]
            lines.append(f"budget {name} {y} " + " ".join(f"{k}={int(v)}" for k, v in prov.items()))
            lines.append(
                f"budget {name} {y} table_digest "
                + hashlib.sha256(b.table.to_csv(index=False).encode()).hexdigest()[:16]
                + " details_digest "
                + hashlib.sha256(b.details.to_csv(index=False).encode()).hexdigest()[:16]
            )
            for row in b.params_used.itertuples(index=False):
                lines.append(f"budget {name} {y} param {row.key} {row[1]} {row[2]} {row.value}")
            lines.append(f"budget {name} {y} notes {b.notes}")
        s = settle(m, years[0])
        prov = s.province.iloc[0]
        lines.append(
            f"settle {name} {years[0]} " + " ".join(f"{k}={int(v)}" for k, v in prov.items())
        )
        sc = load_scenarios(m.path)
        for sname in SCENARIOS[name]:
            r = simulate(m, sc[sname])
            lines.append(
                f"simulate {name} {sname} by_year_digest "
                + hashlib.sha256(r.by_year.to_csv().encode()).hexdigest()[:16]
            )
            for row in r.by_year.reset_index().itertuples(index=False):
                lines.append(f"simulate {name} {sname} {tuple(row)}")
            used = getattr(r, "params_used", None)
            if used is not None:
                for row in used.itertuples(index=False):
                    lines.append(f"simulate {name} {sname} param {tuple(row)[:4]}")
    return lines


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        lines = demo_lines(Path(tmp))
    lines += totals_lines()
    text = "\n".join(lines) + "\n"
    if len(sys.argv) > 1:
        Path(sys.argv[1]).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
