"""Start-up time: ``import khoan`` and ``khoan --help`` against ``import pandas``.

Run:  ``PYTHONPATH=. pytest benchmarks/bench_startup.py -s``. Each command runs in a fresh
interpreter, interleaved, best of seven (wall seconds); the ratios are printed. Which modules a
command imports: ``python -X importtime -m khoan.cli --help`` (tests/test_startup.py checks that
neither pandas nor Pyomo is among them).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

COMMANDS = {
    "python -c pass": ["-c", "pass"],
    "import pandas": ["-c", "import pandas"],
    "import khoan": ["-c", "import khoan"],
    "khoan --help": ["-m", "khoan.cli", "--help"],
}


def _run(args: list[str]) -> float:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    t0 = time.perf_counter()
    subprocess.run([sys.executable, *args], env=env, check=True, capture_output=True)
    return time.perf_counter() - t0


def test_startup_ratio():
    best = dict.fromkeys(COMMANDS, float("inf"))
    for _ in range(7):
        for name, args in COMMANDS.items():
            best[name] = min(best[name], _run(args))
    pandas = best["import pandas"]
    lines = [
        f"{name}: {t * 1e3:.0f} ms ({t / pandas:.2f}x import pandas)" for name, t in best.items()
    ]
    print("\nstart-up, best of 7:\n  " + "\n  ".join(lines))
    assert best["import khoan"] < pandas and best["khoan --help"] < 1.3 * pandas
