"""The bad-input corpus (``tests/bad_inputs/*.yaml``) through the command line and the API.

Each case must end in a located error (or, where it expects success, in success that says what
it did): no traceback, no silent answer, no vague message. ``python tools/bad_inputs.py``
prints the figures of docs/reliability.md from the same cases.
"""

from __future__ import annotations

import re

import pytest
from corpus import ROOT, has_api, load_cases, run_case

CASES = load_cases()


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_cli(case, tmp_path):
    r = run_case(case, tmp_path, via="cli")
    assert r.outcome == "located", r.explain()


@pytest.mark.parametrize(
    "case", [c for c in CASES if has_api(c)], ids=[c.id for c in CASES if has_api(c)]
)
def test_api(case, tmp_path):
    r = run_case(case, tmp_path, via="api")
    assert r.outcome == "located", r.explain()


def test_corpus_is_large_and_unique():
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids))
    assert len([c for c in CASES if c.source == "cases.yaml"]) >= 60


def test_output_side_covers_every_writing_command_and_kind():
    ids = {c.id for c in CASES if c.source == "outputs.yaml"}
    for command in ("budget", "budget-csv", "allocate", "simulate", "template"):
        for kind in ("read-only", "parent-is-file", "out-is-a-folder"):
            assert f"out-{command}-{kind}" in ids
    for command in ("run", "demo"):
        for kind in ("read-only", "parent-is-file", "out-is-a-file"):
            assert f"out-{command}-{kind}" in ids


def test_every_readme_command_runs_on_both_bundled_models():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = set(re.findall(r"`khoan ([a-z]+)", readme))
    assert {"demo", "validate", "budget", "allocate", "simulate", "run", "template"} <= commands
    for model in sorted(p.name for p in (ROOT / "models").iterdir() if p.is_dir()):
        runs = {c.command for c in CASES if c.base == model and c.expect.get("exit") == 0}
        runs |= {c.command for c in CASES if f"--model {model}" in " ".join(c.run)}
        assert commands <= runs, (model, commands - runs)
