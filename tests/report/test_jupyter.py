"""Charts in Jupyter: a notebook executed in a fresh kernel, with no ``%matplotlib`` magic,
shows an image in every chart cell — khoan's charts and the user's own ``plt.plot`` after them.

(Before: the first khoan chart activated the inline backend inside a style context that then
switched interactive mode off again, and no later chart was shown.)
"""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]

SETUP = f"""\
import sys
sys.path.insert(0, {str(ROOT)!r})
import matplotlib.pyplot as plt
import khoan
from khoan.report import plots
model = khoan.examples.load("khanh_hoa_2016")
b = khoan.budget(model, 2017)
a = khoan.allocate(model, 2017, int(b.table["total"].sum()) * 102 // 100, corridor=False)
assert khoan.__file__.startswith({str(ROOT)!r}), khoan.__file__
"""

#: (cell source, is a chart cell)
CELLS = [
    (SETUP, False),
    ("ax = b.plot.components()", True),
    ("plt.plot([1, 2, 3], [3, 1, 2])", True),
    ("ax = b.plot.components(top=5)", True),
    ("b.table.head(3)", False),
    ("ax = a.plot.allocation_vs_target()", True),
    ("ax = a.plot.change()", True),
    ('fig, ax = plt.subplots()\nax.bar(["x", "y"], [1, 2])', True),
    ('ax = plots.waterfall({"salary_fund": 5e9, "operating": -1e9})', True),
    (
        "import matplotlib as mpl\n"
        "print(mpl.is_interactive(), mpl.rcParams['axes.grid'], mpl.get_backend())",
        False,
    ),
]


def test_every_chart_cell_shows_an_image_in_a_fresh_kernel(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(src) for src, _ in CELLS])
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}  # the kernel's default
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    client = NotebookClient(
        nb,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute(env=env)

    def images(cell) -> int:
        return sum("image/png" in out.get("data", {}) for out in cell.outputs)

    shown = [images(cell) for cell in nb.cells]
    expected = [1 if chart else 0 for _, chart in CELLS]
    assert shown == expected
    # the user's state after khoan's charts: interactive (inline backend), default rcParams
    text = "".join(o.get("text", "") for o in nb.cells[-1].outputs)
    assert text.split()[:2] == ["True", "False"]
    assert "inline" in text
    # the HTML view of a result is there too
    assert "text/html" in nb.cells[4].outputs[0]["data"]
