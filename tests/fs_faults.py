"""Read-only folders faked for tests: one implementation for pytest and the bad-input corpus.

Mode 0555 makes a folder read-only for other users; root ignores modes, so for root
``os.access``, ``os.open`` and ``os.mkdir`` refuse writes under the folders (``EACCES``), as a
read-only mount would. Used by the ``read_only`` fixture (``tests/conftest.py``) and by
``tests/bad_inputs/corpus.py`` (which also runs outside pytest, from ``tools/bad_inputs.py``).
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Iterable, Iterator
from pathlib import Path


@contextlib.contextmanager
def deny_writes(folders: Iterable[Path], replace_errno: int | None = None) -> Iterator[None]:
    """During the block: writes under ``folders`` refused for root as for other users (the
    caller sets mode 0555); with ``replace_errno``, ``os.replace`` fails with that error."""
    real_access, real_open, real_mkdir, real_replace = os.access, os.open, os.mkdir, os.replace
    roots = [Path(f).resolve() for f in folders] if os.geteuid() == 0 else []

    def inside(p) -> bool:
        return any(Path(p).resolve().is_relative_to(r) for r in roots)

    def access(p, mode, *a, **k):
        return False if inside(p) and mode & os.W_OK else real_access(p, mode, *a, **k)

    def open_(p, flags, *a, **k):
        if inside(p) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            raise PermissionError(errno.EACCES, "Permission denied", str(p))
        return real_open(p, flags, *a, **k)

    def mkdir(p, *a, **k):
        if inside(p):
            raise PermissionError(errno.EACCES, "Permission denied", str(p))
        return real_mkdir(p, *a, **k)

    def replace(src, dst, *a, **k):
        raise OSError(replace_errno, os.strerror(replace_errno), str(dst))

    if roots:
        os.access, os.open, os.mkdir = access, open_, mkdir
    if replace_errno:
        os.replace = replace
    try:
        yield
    finally:
        os.access, os.open, os.mkdir, os.replace = real_access, real_open, real_mkdir, real_replace
