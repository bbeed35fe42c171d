"""One shape for every result: the base of BudgetResult, SettlementResult, AllocationResult,
ScenarioResult and BatchResult.

Every result has

- ``.table`` — the main pandas table (money int64 VND; totals equal the sum of their parts);
- ``.summary()`` — headline figures, a flat ``dict`` of ``str`` to a scalar (``int`` VND for
  money, ``float``, ``str``, ``bool`` or ``None``): one row of a comparison table;
- ``.plot.<kind>()`` — matplotlib charts returning labelled ``Axes``;
- ``.to_excel(path, lang="vi")`` — a workbook through
  :func:`khoan.report.excel.write_workbook`;
- ``.to_frame()``, ``.to_csv(path)``, ``.to_parquet(path)`` — the main table, flat (a named
  index becomes a column), for reporting tools; Parquet keeps int64 money as int64;
- ``.provenance`` — a ``dict`` whose first keys are :data:`PROVENANCE_KEYS`, the same
  everywhere (built by :func:`provenance`);
- ``_repr_html_()`` — the summary and the head of the table through
  :func:`khoan.report.html.html_repr` (every text escaped, at most ``HTML_ROWS`` rows).

A result class sets ``_html_title(lang)`` and may set ``_shown_summary(lang)`` (the summary as
people read it) and ``_money_columns()`` (columns shown as đồng).
"""

from __future__ import annotations

import abc
import datetime as _dt
import io
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from .._canonical import canonical_json, sha256
from .._files import atomic_write_bytes

__all__ = ["HTML_ROWS", "PROVENANCE_KEYS", "Result", "digest_of", "provenance"]

#: Keys every result's ``provenance`` starts with, in this order:
#:
#: ``khoan_version``
#:     version of khoan that computed the result;
#: ``model``, ``synthetic``
#:     model name, and whether its data are synthetic;
#: ``model_digest``, ``parameters_digest``
#:     SHA-256 of the model's tables and parameters, and of the parameter tree used (national
#:     law + provincial overlay + overrides);
#: ``overrides``
#:     every change applied to the national law, in order (the provincial overlay, then named
#:     overrides): ``source``, ``key``, ``date``, ``old``, ``new``;
#: ``inputs``
#:     SHA-256 of each input beyond the model (a scenario, the actual spending, the allocation
#:     options, the scenarios of a batch), by name; empty when there is none.
PROVENANCE_KEYS: tuple[str, ...] = (
    "khoan_version",
    "model",
    "synthetic",
    "model_digest",
    "parameters_digest",
    "overrides",
    "inputs",
)

#: Rows of the main table shown by ``_repr_html_``.
HTML_ROWS = 10


def digest_of(value: Any) -> str:
    """SHA-256 of the canonical JSON of ``value`` (a dict, list, table column...)."""
    if isinstance(value, pd.Series):
        value = {str(k): v for k, v in value.items()}
    return sha256(canonical_json(value).encode("utf-8"))


def _plain(entry: Mapping[str, Any]) -> dict[str, Any]:
    return {k: (str(v) if isinstance(v, _dt.date) else v) for k, v in entry.items()}


def provenance(
    model: Any,
    *,
    params: Any = None,
    inputs: Mapping[str, str] | None = None,
    model_digest: str | None = None,
    parameters_digest: str | None = None,
) -> dict[str, Any]:
    """The :data:`PROVENANCE_KEYS` of a result computed from ``model``.

    Parameters
    ----------
    model : khoan.Model or None
        The model (None: only the version and the inputs are known).
    params : ParameterTree, optional
        The tree used when it is not ``model.params`` (a scenario's overrides applied).
    inputs : dict, optional
        Digests of the other inputs, by name (see :func:`digest_of`).
    model_digest, parameters_digest : str, optional
        Digests already computed (they are not computed twice).
    """
    from .. import __version__

    p = params if params is not None else getattr(model, "params", None)
    return {
        "khoan_version": __version__,
        "model": getattr(model, "name", None),
        "synthetic": bool(getattr(model, "synthetic", False)),
        "model_digest": model_digest
        or (model.digest() if model is not None and hasattr(model, "digest") else None),
        "parameters_digest": parameters_digest or (p.digest() if p is not None else None),
        "overrides": [_plain(e) for e in getattr(p, "log", ())],
        "inputs": dict(inputs or {}),
        # a model loaded with ``registry = false`` says so on every output
        **({"registry": model.registry_note} if getattr(model, "registry_note", None) else {}),
    }


class Result(abc.ABC):
    """Methods shared by the result classes (see the module docstring).

    A subclass provides ``table`` (a DataFrame), ``summary()``, ``plot``, ``to_excel`` and
    ``provenance``, and ``_html_title(lang)``.
    """

    table: pd.DataFrame
    provenance: dict[str, Any]

    # -- the contract --------------------------------------------------------------------
    @abc.abstractmethod
    def summary(self) -> dict[str, Any]:
        """Headline figures: ``str`` -> ``int`` (VND) / ``float`` / ``str`` / ``bool`` / None."""

    def _html_title(self, lang: str = "vi") -> str:  # pragma: no cover - overridden
        return type(self).__name__

    def _shown_summary(self, lang: str = "vi") -> dict[str, Any]:
        """The summary as shown to people (HTML, workbook); by default :meth:`summary`."""
        return self.summary()

    def _money_columns(self) -> Iterable[Any] | None:
        """Columns of :attr:`table` shown as đồng (None: the known money columns)."""
        return None

    def _html_totals(self) -> bool:
        """Whether the HTML view adds a totals row under :attr:`table` (the additive columns;
        False where rows do not add up, e.g. one row per scenario)."""
        return True

    # -- tables for reporting tools --------------------------------------------------------
    def to_frame(self) -> pd.DataFrame:
        """A copy of :attr:`table`, flat: a named index (e.g. ``year``) becomes the first
        column. Money stays int64 VND."""
        df = self.table
        if not isinstance(df.index, pd.RangeIndex) or df.index.name is not None:
            df = df.reset_index()
        return df.copy()

    def to_csv(self, path: str | Path) -> Path:
        """Write :meth:`to_frame` as CSV (UTF-8 with byte-order mark, no index, text that a
        spreadsheet would read as a formula escaped; written atomically). Returns the path."""
        from .excel import csv_bytes

        return atomic_write_bytes(path, csv_bytes(self.to_frame()))

    def to_parquet(self, path: str | Path) -> Path:
        """Write :meth:`to_frame` as Parquet (int64 money stays int64; written atomically).
        Returns the path."""
        buf = io.BytesIO()
        self.to_frame().to_parquet(buf, index=False)
        return atomic_write_bytes(path, buf.getvalue())

    # -- Jupyter ---------------------------------------------------------------------------
    def _repr_html_(self) -> str:
        from .html import html_repr

        return html_repr(
            self._html_title(),
            self._shown_summary(),
            self.table,
            n=HTML_ROWS,
            money_cols=self._money_columns(),
            totals=self._html_totals(),
        )
