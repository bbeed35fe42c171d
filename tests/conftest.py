"""Test-suite settings shared by every test module.

Property tests (hypothesis) run derandomized by default: the same examples on every run, so
that CI (``.ci/run`` sets no ``CI`` variable) is deterministic and a result can be reproduced.
``HYPOTHESIS_PROFILE=dev`` explores new examples each run.

``read_only``: a fixture that makes folders read-only for one test (``tests/fs_faults.py``).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pytest
from fs_faults import deny_writes
from hypothesis import settings

settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture
def read_only():
    """``read_only(folder)``: the folder is read-only until the test ends — mode 0555 and, for
    root (who ignores modes), writes under it refused as on a read-only mount."""
    with contextlib.ExitStack() as stack:

        def deny(folder: Path) -> Path:
            folder.chmod(0o555)
            stack.callback(folder.chmod, 0o755)  # so that the temporary folder can be removed
            stack.enter_context(deny_writes([folder]))
            return folder

        yield deny
