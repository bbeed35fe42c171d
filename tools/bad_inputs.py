"""Run the bad-input corpus and print its figures (tried / located / vague / traceback / silent).

Usage::

    python tools/bad_inputs.py              # every case, CLI (in process) and API
    python tools/bad_inputs.py --subprocess # the CLI in a fresh process per case
    python tools/bad_inputs.py -k xlsx -v   # cases whose id contains "xlsx", with details

The cases are ``tests/bad_inputs/*.yaml``; docs/reliability.md shows this command's output.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if not os.environ.get("PYTHONPATH"):  # PYTHONPATH=<a khoan checkout> measures that checkout
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "bad_inputs"))

from corpus import figures, has_api, load_cases, run_case  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-k", default="", help="only cases whose id contains this text")
    ap.add_argument("-v", action="store_true", help="show every case's outcome")
    ap.add_argument("--subprocess", action="store_true", help="run the CLI in a new process")
    a = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    cases = [c for c in load_cases() if a.k in c.id]
    results = []
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        for i, c in enumerate(cases):
            runs = ["cli", "api"] if has_api(c) else ["cli"]
            for via in runs:
                r = run_case(c, Path(tmp) / f"{i}-{via}", via=via, subprocess_=a.subprocess)
                results.append(r)
                if a.v or r.outcome != "located":
                    miss = f"  missing: {r.missing}" if r.missing else ""
                    print(f"{r.outcome:9} {via:3} {c.id} (was {c.was}){miss}")
    print(figures(results, cases))
    print(f"\n{len(cases)} cases, {len(results)} runs in {time.monotonic() - t0:.0f} s")
    return 0 if all(r.outcome == "located" for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
