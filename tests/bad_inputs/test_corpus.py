"""The bad-input corpus (``tests/bad_inputs/*.yaml``) through the command line and the API.

Each case must end in a located error (or, where it expects success, in success that says what
it did): no traceback, no silent answer, no vague message. ``python tools/bad_inputs.py``
prints the figures of docs/reliability.md from the same cases.
"""

from __future__ import annotations

import pytest
from corpus import has_api, load_cases, run_case

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
