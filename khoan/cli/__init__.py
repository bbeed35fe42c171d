"""The ``khoan`` command.

User errors (:class:`~khoan.errors.KhoanError`) are printed without a traceback and exit 1;
``khoan --debug ...`` shows the traceback. Usage errors exit 2.

Layout: :mod:`.common` holds the application, the consoles and what the commands share; one
module per group of commands registers them on import:

- :mod:`.inputs`: ``init``, ``template``, ``validate``;
- :mod:`.budget`: ``budget``, ``demo``;
- :mod:`.allocate`: ``allocate``;
- :mod:`.scenarios`: ``simulate``, ``run``;
- :mod:`.report`: ``report`` (the printable PDF);
- :mod:`.params`: ``params list|show``, ``check``.

None of them imports pandas or Pyomo at module level (``khoan --help`` stays fast).
"""

from __future__ import annotations

import importlib
import os
import sys

from ..errors import KhoanError

# the commands register in the order of the analyst's work (as ``khoan --help`` lists them)
for _group in ("inputs", "budget", "allocate", "scenarios", "report", "params"):
    importlib.import_module(f".{_group}", __name__)

from .budget import print_summary  # noqa: E402
from .common import app, console, err_console, resolve_model  # noqa: E402
from .scenarios import run_batch_cli  # noqa: E402

__all__ = [
    "app",
    "console",
    "err_console",
    "main",
    "print_summary",
    "resolve_model",
    "run_batch_cli",
]


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``khoan`` command."""
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    # the command draws to files only: no window backend (the library leaves it to the user)
    os.environ.setdefault("MPLBACKEND", "Agg")
    try:
        code = app(args=argv, standalone_mode=False)
        if isinstance(code, int) and code:
            sys.exit(code)
    except KhoanError as exc:
        if debug:
            raise
        err_console.print(
            f"Lỗi / error: {exc}", style="red", highlight=False, markup=False, soft_wrap=True
        )
        sys.exit(1)
    except OSError as exc:  # a file system error no check foresaw: still one line
        if debug:
            raise
        where = f"{exc.filename}: " if exc.filename else ""
        reason = exc.strerror or type(exc).__name__
        err_console.print(
            f"Lỗi / error: {where}{reason}",
            style="red",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )
        sys.exit(1)
    except KeyboardInterrupt:
        err_console.print("interrupted")
        sys.exit(130)
    except SystemExit:
        raise
    except Exception as exc:  # usage errors of the (vendored) click library
        if type(exc).__name__ == "Abort":
            sys.exit(1)
        if hasattr(exc, "show") and hasattr(exc, "exit_code"):
            exc.show()
            sys.exit(exc.exit_code)
        raise
