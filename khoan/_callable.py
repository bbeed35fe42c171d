"""Modules that are also their main function.

``khoan.budget``, ``khoan.payroll`` and ``khoan.allocate`` are modules (``import khoan.budget
as m``, ``from khoan.budget import BudgetResult``) *and* the public functions
(``khoan.budget(model, 2016)``): calling the module calls the function of the same name, with
its signature (``inspect.signature``) and documentation (``khoan.budget.budget.__doc__``).
"""

from __future__ import annotations

import importlib
import inspect
import sys
import types
from collections.abc import Callable
from typing import Any

__all__ = ["CallableModule", "make_callable"]


class CallableModule(types.ModuleType):
    """A module whose call is its main function (``__call_target__``: ``"module:function"``)."""

    def _function(self) -> Callable[..., Any]:
        module, _, name = self.__dict__["__call_target__"].partition(":")
        return getattr(importlib.import_module(module), name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._function()(*args, **kwargs)

    @property
    def __signature__(self) -> inspect.Signature:
        return inspect.signature(self._function())


def make_callable(module: str, target: str) -> None:
    """Make the module ``module`` call ``target`` (``"package.module:function"``, imported on
    the first call)."""
    mod = sys.modules[module]
    mod.__class__ = CallableModule
    mod.__call_target__ = target  # type: ignore[attr-defined]
