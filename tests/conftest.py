"""Test-suite settings shared by every test module.

Property tests (hypothesis) run derandomized by default: the same examples on every run, so
that CI (``.ci/run`` sets no ``CI`` variable) is deterministic and a result can be reproduced.
``HYPOTHESIS_PROFILE=dev`` explores new examples each run.
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
