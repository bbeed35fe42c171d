"""The notebooks are plain source: stored without outputs or execution counts, valid nbformat,
and ruff-clean (lint and format, the project's settings). pytest executes them (nbmake)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_the_four_notebooks_are_there():
    assert [p.name for p in NOTEBOOKS] == [
        "01_quickstart.ipynb",
        "02_output_based_allocation.ipynb",
        "03_staff_reduction.ipynb",
        "04_batch_dask.ipynb",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_stored_without_outputs(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    assert nb["nbformat"] == 4
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code
    for c in code:
        assert c.get("outputs") == [], f"{path.name}: cell {c.get('id')} has outputs"
        assert c.get("execution_count") is None, f"{path.name}: cell {c.get('id')} was run"
    ids = [c.get("id") for c in nb["cells"]]
    assert all(ids) and len(set(ids)) == len(ids), f"{path.name}: cell ids missing or repeated"
    # stored as Jupyter writes them (one-space indent, UTF-8 text), so that diffs stay small
    assert path.read_text(encoding="utf-8") == json.dumps(nb, indent=1, ensure_ascii=False) + "\n"


def _ruff(*args: str) -> subprocess.CompletedProcess:
    from ruff.__main__ import find_ruff_bin

    return subprocess.run(
        [find_ruff_bin(), *args, "--no-cache", *map(str, NOTEBOOKS)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_ruff_clean():
    lint = _ruff("check")
    assert lint.returncode == 0, lint.stdout + lint.stderr
    fmt = _ruff("format", "--check")
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr


def test_ruff_sees_a_problem_in_a_notebook(tmp_path):
    """The check above would catch an unused import (it lints notebooks, not nothing)."""
    from ruff.__main__ import find_ruff_bin

    nb = json.loads(NOTEBOOKS[0].read_text(encoding="utf-8"))
    nb["cells"].append(
        {
            "cell_type": "code",
            "execution_count": None,
            "id": "bad",
            "metadata": {},
            "outputs": [],
            "source": ["import os\n"],
        }
    )
    bad = tmp_path / "bad.ipynb"
    bad.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    out = subprocess.run(
        [find_ruff_bin(), "check", "--no-cache", "--config", str(ROOT / "pyproject.toml"), bad],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 1 and "F401" in out.stdout, out.stdout + out.stderr


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_matplotlib_magic_needed(path):
    """Charts show without ``%matplotlib inline`` (tests/report/test_jupyter.py runs a notebook
    in a fresh kernel): the notebooks do not carry it."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    sources = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    assert not any("%matplotlib" in s for s in sources)


def test_readme_says_how_to_open_the_notebooks():
    import tomllib

    extras = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"][
        "optional-dependencies"
    ]
    assert any(d.startswith("jupyterlab>=") for d in extras["notebooks"])
    assert not any("jupyter" in d for d in extras["dev"])  # the Quickstart does not install it
    readme = (ROOT / "README.md").read_text("utf-8")
    quickstart = readme.split("## Quickstart")[1].split("\n## ")[0]
    assert "jupyter" not in quickstart.lower()
    assert 'pip install -e ".[notebooks]"' in readme and "jupyter lab notebooks/" in readme
