"""The outcome of a batch: the summary table, the stored results, plots and a workbook."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import KhoanError
from ..report.result import Result
from .chunks import TableRef, read_table
from .store import FIRST

__all__ = ["BatchResult", "StoredResult"]

#: Provenance of how a batch ran (not of its results): kept out of ``summary.xlsx``.
_OF_THE_RUN = ("counts", "executor", "out", "reused", "timings", "workers")


class StoredResult(Result):
    """A finished scenario as stored by a batch: tables read from Parquet on first use.

    Each table is the scenario's row group of its chunk's file (:mod:`khoan.batch.chunks`),
    read back equal to the table the scenario function returned (columns, dtypes, index).

    Shares the result base (:class:`khoan.report.result.Result`): ``to_frame``, ``to_csv``,
    ``to_parquet`` and the Jupyter view of :attr:`table` (the ``by_year`` table).

    Attributes
    ----------
    name : str
        Scenario name.
    status : str
        ``"ok"``.
    provenance : dict
        The scenario's manifest entry (inputs, provenance of the run, timings).
    """

    def __init__(
        self, name: str, entry: dict[str, Any], sources: Mapping[str, TableRef | bytes | Path]
    ):
        self.name = name
        self.status = entry.get("status", "ok")
        self.provenance = entry
        self._sources = dict(sources)
        self._cache: dict[str, pd.DataFrame] = {}

    def _table(self, key: str) -> pd.DataFrame | None:
        if key not in self._cache:
            src = self._sources.get(key)
            if src is None:
                return None
            self._cache[key] = read_table(src)
        return self._cache[key]

    @property
    def by_year(self) -> pd.DataFrame | None:
        """Province totals, one row per year."""
        return self._table("by_year")

    @property
    def by_commune(self) -> pd.DataFrame | None:
        """Commune × year table."""
        return self._table("by_commune")

    @property
    def leavers(self) -> pd.DataFrame | None:
        """One row per leaver with benefit components."""
        return self._table("leavers")

    @property
    def table(self) -> pd.DataFrame | None:
        """The main table (``by_year``)."""
        return self.by_year

    def summary(self) -> dict[str, Any]:
        """Headline figures of the scenario (as in the batch summary row)."""
        return dict(self.provenance.get("summary", {}))

    def _html_title(self, lang: str = "vi") -> str:
        head = "Kịch bản (đã lưu)" if lang == "vi" else "Stored scenario"
        return f"{head} {self.name}"

    def __repr__(self) -> str:
        return f"<khoan StoredResult {self.name!r}: {', '.join(self._sources)}>"


class _Results(Mapping):
    """Scenario name -> :class:`StoredResult`, for the scenarios that finished ``ok``."""

    def __init__(self, items: dict[str, tuple[dict[str, Any], dict[str, TableRef | bytes | Path]]]):
        self._items = items
        self._loaded: dict[str, StoredResult] = {}

    def __getitem__(self, name: str) -> StoredResult:
        if name not in self._loaded:
            entry, sources = self._items[name]
            self._loaded[name] = StoredResult(name, entry, sources)
        return self._loaded[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"<khoan batch results: {len(self)} scenarios>"


def _label(col: str, lang: str) -> str:
    from ..report.labels import label

    return label(col, lang)


class _PlotAccessor:
    def __init__(self, result: BatchResult):
        self._r = result

    def compare(self, metric: str | None = None, ax=None, *, lang: str = "vi"):
        """Same as :meth:`BatchResult.compare`."""
        return self._r.compare(metric=metric, ax=ax, lang=lang)

    __call__ = compare


@dataclasses.dataclass
class BatchResult(Result):
    """Outcome of :func:`run_batch`.

    Attributes
    ----------
    table : DataFrame
        One row per scenario, in the order given: ``name``, ``status`` (``ok`` / ``failed``),
        the scenario's headline figures (money in VND as int64: totals, one-off cost,
        cumulative net savings, payback year, ...) and ``error`` (empty when ok).
    provenance : dict
        :data:`~khoan.report.result.PROVENANCE_KEYS` (``inputs``: the digest of the
        scenarios' digests, by name), the manifest ``format``, the ``runner``, the
        ``executor`` and ``workers``, ``counts`` (computed, reused, failed), ``out`` and
        ``timings``.
    out : Path or None
        Output folder.
    """

    table: pd.DataFrame
    provenance: dict[str, Any]
    out: Path | None = None
    _items: dict[str, tuple[dict[str, Any], dict[str, TableRef | bytes | Path]]] = (
        dataclasses.field(default_factory=dict, repr=False)
    )
    _entries: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict, repr=False)

    @property
    def results(self) -> Mapping[str, StoredResult]:
        """Scenario name -> result, for the scenarios that finished; tables load lazily."""
        return _Results(self._items)

    @property
    def failed(self) -> list[str]:
        """Names of the scenarios that failed, in the order given."""
        return self.table.loc[self.table["status"] != "ok", "name"].tolist()

    @property
    def ok(self) -> bool:
        """True when every scenario finished."""
        return not self.failed

    @property
    def errors(self) -> dict[str, str]:
        """Scenario name -> error message and traceback, for the failed scenarios."""
        return {
            n: (e.get("error") or "") + "\n" + (e.get("traceback") or "")
            for n, e in self._entries.items()
            if e.get("status") != "ok"
        }

    @property
    def plot(self) -> _PlotAccessor:
        """Plots: ``.plot.compare(metric)``."""
        return _PlotAccessor(self)

    def _default_metric(self) -> str:
        numeric = [
            c
            for c in self.table.columns
            if c not in (*FIRST, "error") and pd.api.types.is_numeric_dtype(self.table[c])
        ]
        for pref in ("cumulative_net_savings", "net_savings", "total_net_savings"):
            for c in numeric:
                if c == pref or c.startswith(pref):
                    return c
        for c in numeric:
            if "saving" in c:
                return c
        if not numeric:
            raise KhoanError("the batch table has no numeric column to compare")
        return numeric[0]

    def compare(self, metric: str | None = None, ax=None, *, lang: str = "vi"):
        """Plot scenarios side by side.

        Parameters
        ----------
        metric : str, optional
            A column of :attr:`table` (one bar per scenario), or a column of the scenarios'
            ``by_year`` tables (one line per scenario over the years). Default: cumulative net
            savings.
        ax : matplotlib Axes, optional
            Where to draw; a new figure by default.
        lang : {"vi", "en"}
            Language of the labels.

        Returns
        -------
        matplotlib.axes.Axes
            Labelled axes (money in millions or billions of đồng).
        """
        from ..report import plots
        from ..report.labels import is_money, text

        metric = metric or self._default_metric()
        ok = self.table[self.table["status"] == "ok"]
        title = f"{text('So sánh kịch bản', 'Scenarios compared', lang)}: {_label(metric, lang)}"
        if metric in self.table.columns:
            df = pd.DataFrame({"scenario": ok["name"].astype(str), metric: ok[metric]})
            return plots.bar_compare(
                df,
                [metric],
                x="scenario",
                horizontal=True,
                money=is_money(df, metric),
                lang=lang,
                ax=ax,
                title=title,
            )
        series = {}
        money = False
        for name in ok["name"]:
            by_year = self.results[name].by_year
            if by_year is None:
                continue
            df = by_year if "year" not in by_year.columns else by_year.set_index("year")
            if metric in df.columns:
                series[name] = df[metric]
                money = money or is_money(df, metric)
        if not series:
            raise KhoanError(
                f"no column {metric!r} in the batch table or in the scenarios' by_year tables"
            )
        wide = pd.DataFrame(series)
        wide.index.name = "year"
        ax = plots.line(
            wide,
            list(series),
            money=money,
            lang=lang,
            ax=ax,
            title=title,
        )
        if len(series) == 1:
            plots.outside_legend(ax, title=text("Kịch bản", "Scenario", lang))
        return ax

    def _html_totals(self) -> bool:
        return False  # one row per scenario: their figures do not add up

    def summary(self) -> dict[str, Any]:
        """Headline figures: model, number of scenarios, ok, failed, reused, executor."""
        return self._headline()

    def _headline(self) -> dict[str, Any]:
        c = self.provenance.get("counts", {})
        return {
            "model": self.provenance.get("model"),
            "scenarios": c.get("scenarios", len(self.table)),
            "ok": c.get("ok"),
            "failed": c.get("failed"),
            "reused": c.get("reused"),
            "executor": self.provenance.get("executor"),
        }

    def to_excel(self, path: str | Path, lang: str = "vi") -> Path:
        """Write the summary table, the failures and the provenance to a workbook.

        Through :func:`khoan.report.excel.write_workbook`: labelled headers, money as numbers,
        text that starts with ``= + - @`` escaped, written atomically and deterministically.
        The workbook describes the results, not the run that produced them: the same inputs
        give the same bytes whatever the executor, the output folder, or how many scenarios a
        rerun reused (those facts are in :attr:`provenance` and ``manifest.json``).
        """
        from ..report.excel import write_workbook
        from ..report.labels import text

        sheets = {"scenarios": self.table.drop(columns=["error"])}
        errors = self.table.loc[self.table["status"] != "ok", ["name", "error"]]
        if len(errors):
            sheets["errors"] = errors.reset_index(drop=True)
        headline = {k: v for k, v in self._headline().items() if k not in _OF_THE_RUN}
        prov = {k: v for k, v in self.provenance.items() if k not in _OF_THE_RUN}
        return write_workbook(
            path,
            title=text("Kết quả chạy nhiều kịch bản", "Batch of scenarios", lang),
            summary=headline,
            sheets=sheets,
            provenance=prov,
            lang=lang,
            totals=False,
        )

    def _html_title(self, lang: str = "vi") -> str:
        title = f"khoan.BatchResult — {len(self.table)} kịch bản / scenarios"
        if self.out is not None:
            title += f" → {self.out}"
        return title

    def __repr__(self) -> str:
        c = self.provenance.get("counts", {})
        return (
            f"<khoan.BatchResult: {len(self.table)} scenarios, {c.get('ok', 0)} ok, "
            f"{c.get('failed', 0)} failed>"
        )
