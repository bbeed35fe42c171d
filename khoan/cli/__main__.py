"""``python -m khoan.cli``: the ``khoan`` command."""

from . import main

main()
