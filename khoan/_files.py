"""Atomic file writes shared by batch runs, workbooks, charts and CSV exports.

A file is written to a temporary name in its folder (suffix :data:`TMP_SUFFIX`), flushed with
``fsync``, given the permissions of a normally created file (0666 minus the umask, so that a
report on a shared drive is readable by colleagues) and moved into place with ``os.replace``:
readers see the old file or the new one, never part of one.

A destination that cannot be written is an :class:`~khoan.errors.OutputError` naming the path
and the reason (read-only folder or file system, a parent that is a file, a file name that is a
folder, a full disk...). Commands check their destination with :func:`check_file_target` or
:func:`check_folder_target` before computing anything, so that no work is lost to a typo in
``--out``; the writers map the operating system's errors to the same messages.
"""

from __future__ import annotations

import contextlib
import errno
import os
import uuid
from pathlib import Path

from .errors import OutputError

__all__ = [
    "TMP_SUFFIX",
    "atomic_write_bytes",
    "check_file_target",
    "check_folder_target",
    "file_mode",
    "fsync_dir",
    "make_folder",
    "output_error",
]

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


#: Reasons shown for the operating system's error numbers.
_REASONS = {
    errno.EACCES: "permission denied (the folder is read-only for you)",
    errno.EPERM: "permission denied (the folder is read-only for you)",
    errno.EROFS: "the file system is read-only",
    errno.ENOSPC: "the disk is full",
    errno.EISDIR: "it is a folder, not a file",
    errno.ENOTDIR: "a parent in the path is a file, not a folder",
    errno.ENAMETOOLONG: "the name is too long",
    errno.EEXIST: "a file of that name is in the way",
    errno.ENOENT: "a parent folder does not exist and cannot be created",
    errno.EIO: "input/output error of the disk",
}
if hasattr(errno, "EDQUOT"):  # not on every platform
    _REASONS[errno.EDQUOT] = "the disk quota is exceeded"


def output_error(path: str | Path, exc: OSError) -> OutputError:
    """The :class:`OutputError` for an operating system error while writing ``path``."""
    reason = _REASONS.get(exc.errno or -1) or (exc.strerror or type(exc).__name__).lower()
    where = exc.filename if exc.filename not in (None, str(path)) else None
    if where is not None and exc.errno in (errno.EACCES, errno.EPERM, errno.ENOTDIR):
        reason = f"{reason}: {where}"
    return OutputError(path, reason)


def _existing_ancestor(path: Path) -> Path:
    """The nearest part of ``path`` (itself or a parent) that exists."""
    p = path
    while not p.exists() and p != p.parent:
        p = p.parent
    return p


def _check_folder_usable(target: Path, folder: Path) -> None:
    """``folder`` is, or can be created as, a writable folder; else :class:`OutputError`."""
    anc = _existing_ancestor(folder)
    if not anc.is_dir():
        raise OutputError(target, f"{anc} is a file, not a folder")
    if not os.access(anc, os.W_OK | os.X_OK):
        raise OutputError(target, f"the folder {anc} is read-only (no permission to write)")


def check_file_target(path: str | Path) -> Path:
    """Check that a file can be written at ``path`` before any work is done.

    Raises :class:`OutputError` when ``path`` is a folder, when a part of its folder path is a
    file, or when the folder (or the nearest existing parent, for folders still to be created)
    is not writable. Returns ``path`` as a :class:`Path`.
    """
    p = Path(path)
    if p.is_dir():
        raise OutputError(
            p, f"it is a folder; give a file name, e.g. {p / ('ket-qua' + (p.suffix or '.xlsx'))}"
        )
    if p.name in ("", ".", ".."):
        raise OutputError(p, "give a file name, e.g. ket-qua.xlsx")
    _check_folder_usable(p, p.parent)
    return p


def check_folder_target(path: str | Path) -> Path:
    """Check that ``path`` is, or can be created as, a writable folder (for report folders
    and batch runs); :class:`OutputError` otherwise. Returns ``path`` as a :class:`Path`."""
    p = Path(path)
    if p.exists() and not p.is_dir():
        raise OutputError(p, "it is a file, not a folder; give a folder name")
    _check_folder_usable(p, p)
    return p


def make_folder(path: str | Path) -> Path:
    """``mkdir -p`` with an :class:`OutputError` (path and reason) instead of an ``OSError``."""
    p = Path(path)
    if p.exists() and not p.is_dir():
        raise OutputError(p, "it is a file, not a folder")
    anc = _existing_ancestor(p)
    if not anc.is_dir():
        raise OutputError(p, f"{anc} is a file, not a folder")
    try:
        p.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise OutputError(p, f"{_existing_ancestor(p)} is a file, not a folder") from None
    except OSError as exc:
        raise output_error(p, exc) from None
    return p


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

    Raises
    ------
    OutputError
        The file cannot be written (path and reason: read-only, parent is a file, is a folder,
        disk full...). Nothing is left behind.
    """
    path = Path(path)
    if path.is_dir():
        raise OutputError(path, "it is a folder, not a file")
    make_folder(path.parent)
    tmp = path.parent / f".{path.name}.{uuid.uuid4().hex[:12]}{TMP_SUFFIX}"
    try:
        _write_replace(tmp, path, data)
    except OSError as exc:
        raise output_error(path, exc) from None
    if sync_dir:
        fsync_dir(path.parent)
    return path


def _write_replace(tmp: Path, path: Path, data: bytes) -> None:
    """Write ``tmp``, fsync it and move it onto ``path``; remove ``tmp`` on any error."""
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
