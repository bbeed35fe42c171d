"""Test-suite settings shared by every test module.

Property tests (hypothesis) run derandomized under CI (``CI=true``): the same examples on every
run, so that a CI result can be reproduced; locally they explore new examples each run.
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else "dev")
