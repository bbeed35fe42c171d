"""Atomic file writes shared by batch runs, workbooks, charts and CSV exports.

A file is written to a temporary name in its folder (suffix :data:`TMP_SUFFIX`), flushed with
``fsync``, given the permissions of a normally created file (0666 minus the umask, so that a
report on a shared drive is readable by colleagues) and moved into place with ``os.replace``:
readers see the old file or the new one, never part of one.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from pathlib import Path

__all__ = ["TMP_SUFFIX", "atomic_write_bytes", "file_mode", "fsync_dir"]

#: Suffix of the temporary files (a crash may leave one; a batch rerun removes them).
TMP_SUFFIX = ".khoan-tmp"

_UMASK: int | None = None


def file_mode() -> int:
    """Permissions of a file created normally: 0666 minus the process umask."""
    global _UMASK
    if _UMASK is None:
        _UMASK = os.umask(0)
        os.umask(_UMASK)
    return 0o666 & ~_UMASK


def fsync_dir(folder: Path) -> None:
    """Make a rename inside ``folder`` durable (POSIX)."""
    if os.name != "posix":  # pragma: no cover
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write_bytes(path: str | Path, data: bytes, *, sync_dir: bool = True) -> Path:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never part.

    The bytes go to a temporary file in the same folder (suffix ``.khoan-tmp``), are flushed
    with ``fsync``, and the file is moved into place with ``os.replace``; the folder is synced
    too unless ``sync_dir`` is false (the caller then syncs it once for several files). On any
    error (including ``KeyboardInterrupt``) the temporary file is removed. Returns the path.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.{uuid.uuid4().hex[:12]}{TMP_SUFFIX}"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0))
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if hasattr(os, "chmod"):
            os.chmod(tmp, file_mode())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    if sync_dir:
        fsync_dir(path.parent)
    return path
