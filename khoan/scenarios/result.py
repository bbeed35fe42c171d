"""The result of :func:`khoan.simulate`: tables, headline figures, plots, Excel, provenance."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._frames import column_arrays
from ..periods import FAR_FUTURE, FAR_PAST, day_number
from ..report.result import Result

__all__ = ["MONEY_COLUMNS", "ScenarioPlot", "ScenarioResult", "payback_text", "payback_year"]

#: Money columns (int64 VND) of ``by_year``, ``by_commune`` and ``leavers``.
MONEY_COLUMNS = (
    "payroll_total",
    "baseline_payroll_total",
    "recurring_savings",
    "lump_sum",
    "baseline_lump_sum",
    "state_savings",
    "one_off_cost",
    "net_savings",
    "state_net_savings",
    "cumulative_net_savings",
    "cumulative_state_net_savings",
    "commune_kept",
    "baseline_commune_kept",
    "tntt",
    "baseline_tntt",
    "tntt_per_person",
    "baseline_tntt_per_person",
    "monthly_salary",
    "average_salary",
    "early_months_lump",
    "early_years",
    "insured_first",
    "insured_further",
    "severance",
    "per_insured_year",
    "job_search",
    "at_retirement_age",
    "total",
    "salary_saved_to_horizon",
)

_TEXT = {
    "headcount_end": ("Số người cuối năm (kịch bản)", "Headcount at end (scenario)"),
    "baseline_headcount_end": ("Số người cuối năm (gốc)", "Headcount at end (baseline)"),
    "target_headcount": ("Số người theo chỉ tiêu", "Headcount at target"),
    "cumulative_net_savings": (
        "Tiết kiệm ròng lũy kế (khu vực công)",
        "Cumulative net savings (public sector)",
    ),
    "cumulative_state_net_savings": (
        "Tiết kiệm ròng lũy kế (ngân sách nhà nước)",
        "Cumulative net savings (State budget)",
    ),
    "recurring": ("tiết kiệm lương", "salary savings"),
    "one_off": ("chi trợ cấp", "one-off benefits"),
    "net": ("Tiết kiệm ròng lũy kế", "Cumulative net savings"),
}


def _t(key: str, lang: str) -> str:
    vi, en = _TEXT[key]
    return vi if lang == "vi" else en


def payback_year(cumulative: pd.Series, one_off: pd.Series | None = None) -> int | None:
    """The year from which the scenario has paid back its one-off cost, or ``None``.

    The payback year is the first year ``t`` such that

    - the cumulative net savings are positive (> 0) at the end of ``t`` **and of every later
      year of the horizon** — a year whose positive running total a later one-off payment
      turns negative again is not a payback;
    - ``t`` is not before the first year with a one-off payment: savings made before anything
      was paid out pay nothing back (a scenario with no one-off payment at all, e.g. attrition,
      gets the first year from which its cumulative savings stay positive).

    ``None`` means "not within the horizon": the cumulative net savings are not positive at the
    end of the last year, or no such year exists (:func:`payback_text` says so in words).

    Parameters
    ----------
    cumulative : Series
        Cumulative net savings (VND) by year, index ``year`` in increasing order.
    one_off : Series, optional
        One-off cost (VND) by year, same index.

    Returns
    -------
    int or None
    """
    return _payback(
        np.asarray(cumulative, dtype=np.int64),
        np.asarray(cumulative.index, dtype=np.int64),
        None if one_off is None else np.asarray(one_off, dtype=np.int64),
    )


def _payback(cumulative: Any, years: Any, one_off: Any | None) -> int | None:
    """:func:`payback_year` on arrays (cumulative and one-off VND by year, the years)."""
    cum = np.asarray(cumulative, dtype=np.int64)
    if not len(cum):
        return None
    # positive from year k to the end: suffix minimum > 0
    stays = np.minimum.accumulate(cum[::-1])[::-1] > 0
    if one_off is not None:
        paid = np.flatnonzero(np.asarray(one_off, dtype=np.int64) > 0)
        if len(paid):
            stays[: paid[0]] = False
    ok = np.flatnonzero(stays)
    return int(years[ok[0]]) if len(ok) else None


def _column_arrays(df: pd.DataFrame) -> dict[str, Any]:
    """Column name -> values as an array, without building a Series per column (the
    headline figures read about twenty columns of a five-row table)."""
    return dict(zip(df.columns.tolist(), column_arrays(df), strict=True))


def payback_text(year: int | None, horizon: tuple[int, int], lang: str = "vi") -> str:
    """The payback year in words: ``"2018"``, or that there is none within the horizon.

    Parameters
    ----------
    year : int or None
        From :func:`payback_year`.
    horizon : (first year, last year)
    lang : {"vi", "en"}
    """
    if year is not None:
        return str(int(year))
    a, b = horizon
    if lang == "vi":
        return f"không hoàn vốn trong kỳ {a}–{b}"
    return f"not within the horizon {a}–{b}"


class ScenarioPlot:
    """Plots of a :class:`ScenarioResult` (matplotlib Axes, Vietnamese labels by default)."""

    def __init__(self, result: ScenarioResult):
        self._r = result

    def headcount(self, ax=None, *, lang: str = "vi"):
        """Headcount at the end of each year: scenario, baseline and the target path.

        The scenario's line is drawn above the others (a scenario that meets its target
        follows the dashed target line; the baseline is dotted).
        """
        by = self._r.by_year
        df = by[["headcount_end", "baseline_headcount_end"]].copy()
        if "target_reduction" in by.columns:
            df["target_headcount"] = by["base_headcount"] - by["target_reduction"]
        title = "Số cán bộ, công chức theo năm" if lang == "vi" else "Headcount by year"
        from ..report.plots import line

        return line(
            df,
            title=title,
            lang=lang,
            money=False,
            names={c: _t(c, lang) for c in df.columns},
            ax=ax,
            ylabel="người" if lang == "vi" else "persons",
        )

    def waterfall(self, ax=None, *, lang: str = "vi"):
        """Savings waterfall: each year's salary savings (up) and one-off benefits (down),
        ending in the cumulative net savings of the public sector."""
        by = self._r.by_year
        steps: dict[str, float] = {}
        for y, row in by.iterrows():
            steps[f"{y}: {_t('recurring', lang)}"] = float(row["recurring_savings"])
            if row["one_off_cost"]:
                steps[f"{y}: {_t('one_off', lang)}"] = -float(row["one_off_cost"])
        title = (
            f"Tiết kiệm ròng — {self._r.scenario.name}"
            if lang == "vi"
            else f"Net savings — {self._r.scenario.name}"
        )
        from ..report.plots import waterfall

        return waterfall(
            pd.Series(steps),
            total_label=_t("net", lang),
            title=title,
            lang=lang,
            ax=ax,
            xlabel="",
        )

    def cumulative(self, ax=None, *, lang: str = "vi"):
        """Cumulative net savings, public sector and State budget; zero line at payback."""
        cols = ["cumulative_net_savings", "cumulative_state_net_savings"]
        title = "Tiết kiệm ròng lũy kế" if lang == "vi" else "Cumulative net savings"
        from ..report.plots import line

        return line(
            self._r.by_year[cols],
            title=title,
            lang=lang,
            money=True,
            names={c: _t(c, lang) for c in cols},
            ax=ax,
        )


@dataclass
class ScenarioResult(Result):
    """A simulated staff-reduction scenario against its baseline.

    Attributes
    ----------
    scenario : Scenario
    model_name : str
    by_year : DataFrame
        Province, one row per year (index ``year``). Counts of the scenario's categories:
        ``headcount_start``, ``retirements``, ``exits``, ``leavers``, ``hires``,
        ``headcount_end`` (= start − retirements − exits − leavers + hires),
        ``baseline_headcount_end``; with a target ``base_headcount``, ``target_reduction``
        (cumulative cut required), ``reduction`` (base − end), ``target_gap``; posts
        ``approved_posts``, ``baseline_approved_posts``; money (VND, int64):
        ``payroll_total`` / ``baseline_payroll_total`` (pay and employer contributions of the
        whole roster), ``recurring_savings``, ``lump_sum`` / ``baseline_lump_sum``,
        ``state_savings``, ``one_off_cost``, ``net_savings`` (recurring − one-off),
        ``state_net_savings`` (State savings − one-off), their cumulative sums,
        ``commune_kept`` / ``baseline_commune_kept`` (savings the communes keep), ``tntt`` /
        ``baseline_tntt`` (income increase paid), ``tntt_per_person`` /
        ``baseline_tntt_per_person`` (per full-time person in post).
    by_commune : DataFrame
        The same per commune and year (columns ``commune``, ``year``; no target columns).
    leavers : DataFrame
        One row per leaver: id, commune, category, position, year, leave date, kind, band,
        retirement date, months and years early, insured years, months after the decision,
        monthly (current) salary, each benefit component, ``total``, and
        ``salary_saved_to_horizon`` (pay with contributions to the end of the horizon, VND).
    provenance : dict
        khoan version, model, scenario fields, regime, policy, overrides log, the parameters
        used with their legal references, solver details, timings.
    """

    scenario: Any
    model_name: str
    by_year: pd.DataFrame
    by_commune: pd.DataFrame
    leavers: pd.DataFrame
    provenance: dict[str, Any]
    _universe: Any = field(default=None, repr=False)
    _runs: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def table(self) -> pd.DataFrame:
        """The main table: ``by_year``."""
        return self.by_year

    @property
    def plot(self) -> ScenarioPlot:
        """``.plot.headcount()``, ``.plot.waterfall()``, ``.plot.cumulative()``."""
        return ScenarioPlot(self)

    # -- headline figures -------------------------------------------------------------------
    def summary(self) -> dict[str, Any]:
        """Headline figures (one row of a batch table).

        Keys: scenario, model, policy, regime, first_year, last_year, headcount_start,
        headcount_end, headcount_change, share_reduced (cut / base headcount), target_met,
        leavers, retirements, hires, one_off_cost, recurring_savings, state_savings,
        cumulative_net_savings, cumulative_state_net_savings, payback_year (the first year
        from which the cumulative net savings stay positive to the end of the horizon, not
        before the first one-off payment — :func:`payback_year`; None: not within the
        horizon), state_payback_year (the same on the State budget's savings),
        tntt_per_person (last year), baseline_tntt_per_person. Excel, HTML and ``repr`` show
        a missing payback year in words (:func:`payback_text`).
        """
        by = self.by_year
        sc = self.scenario
        col = _column_arrays(by)
        years = np.asarray(by.index)
        start = int(col["headcount_start"][0])
        end = int(col["headcount_end"][-1])
        base = int(col["base_headcount"][0]) if "base_headcount" in col else start
        one_off = col["one_off_cost"]
        cum = col["cumulative_net_savings"]
        cum_state = col["cumulative_state_net_savings"]
        out: dict[str, Any] = {
            "scenario": sc.name,
            "model": self.model_name,
            "policy": sc.policy,
            "regime": sc.regime,
            "first_year": int(sc.years[0]),
            "last_year": int(sc.years[1]),
            "headcount_start": start,
            "headcount_end": end,
            "headcount_change": end - start,
            "share_reduced": (base - end) / base if base else 0.0,
            "target_met": bool((col["target_gap"] == 0).all()) if "target_gap" in col else None,
            "leavers": int(col["leavers"].sum()),
            "retirements": int(col["retirements"].sum()),
            "hires": int(col["hires"].sum()),
            "one_off_cost": int(one_off.sum()),
            "recurring_savings": int(col["recurring_savings"].sum()),
            "state_savings": int(col["state_savings"].sum()),
            "cumulative_net_savings": int(cum[-1]),
            "cumulative_state_net_savings": int(cum_state[-1]),
            "payback_year": _payback(cum, years, one_off),
            "state_payback_year": _payback(cum_state, years, one_off),
            "tntt_per_person": int(col["tntt_per_person"][-1]),
            "baseline_tntt_per_person": int(col["baseline_tntt_per_person"][-1]),
        }
        return out

    def _shown_summary(self, lang: str = "vi") -> dict[str, Any]:
        """:meth:`summary` for people: a missing payback year said in words."""
        out = self.summary()
        horizon = (out["first_year"], out["last_year"])
        for k in ("payback_year", "state_payback_year"):
            if out[k] is None:
                out[k] = payback_text(None, horizon, lang)
        return out

    # -- rosters (for audit and reconciliation) ----------------------------------------------
    def roster(self, year: int, run: str = "scenario") -> pd.DataFrame:
        """The roster paid in ``year`` by one run, in the staff schema.

        Everyone present at some time in the year, aged to 1 January (regular rises applied by
        :func:`~khoan.scenarios.roster.advance_roster`), with ``start_date`` / ``end_date``
        giving hires' first days and leavers' and retirees' last days. ``khoan.payroll(model,
        year, staff=result.roster(year))`` pays it; its ``total`` sums to ``payroll_total``.
        """
        from .roster import advance_roster

        u = self._universe
        r = self._runs[run]
        if year not in r.counts:
            raise KeyError(f"{year} is not a simulated year of this result")
        d0, d1 = day_number(_dt.date(year, 1, 1)), day_number(_dt.date(year + 1, 1, 1))
        pres = (r.start < r.stop) & (r.start < d1) & (r.stop > d0)
        idx = np.flatnonzero(pres)
        rows = u.rows.iloc[idx].copy()
        st, sp = r.start[idx], r.stop[idx]
        rows["start_date"] = pd.DatetimeIndex(
            np.where(st <= FAR_PAST, np.datetime64("NaT"), st.astype("datetime64[D]"))
        )
        rows["end_date"] = pd.DatetimeIndex(
            np.where(sp >= FAR_FUTURE, np.datetime64("NaT"), (sp - 1).astype("datetime64[D]"))
        )
        rows = advance_roster(rows, _dt.date(year, 1, 1), u.params)
        return rows.reset_index(drop=True)

    def model_at(self, year: int, run: str = "scenario"):
        """The model as simulated in ``year``: the run's roster, approved posts and parameters
        (with the scenario's overrides) — e.g. ``khoan.budget.budget(result.model_at(y), y)``."""
        u = self._universe
        r = self._runs[run]
        communes = u.model.communes.copy()
        communes["approved_posts"] = r.money[year]["approved_posts"]
        return u.model.replace(staff=self.roster(year, run), communes=communes)

    # -- output ------------------------------------------------------------------------------
    def _html_title(self, lang: str = "vi") -> str:
        sc = self.scenario
        head = "Kịch bản tinh giản" if lang == "vi" else "Staff-reduction scenario"
        return f"{head} {sc.name} — {self.model_name} {sc.years[0]}–{sc.years[1]}"

    @property
    def params_used(self) -> pd.DataFrame | None:
        """Every value of the parameters read, in force at some day of the horizon (not only
        on its first day): key, dates, value, unit, reference, confidence, source. None for a
        result without its shared work (e.g. rebuilt from stored tables)."""
        u = self._universe
        if u is None:
            return None
        y0, y1 = self.provenance.get("horizon") or self.scenario.years
        return u.params.in_force(
            sorted({p["key"] for p in self.provenance.get("parameters", [])}),
            _dt.date(int(y0), 1, 1),
            _dt.date(int(y1), 12, 31),
        )

    def _money_columns(self) -> list[str]:
        return [c for c in MONEY_COLUMNS if c in self.by_year]

    def to_excel(self, path: str | Path, lang: str = "vi") -> Path:
        """Workbook: summary, by year, by commune, leavers, parameters used, provenance."""
        from ..notes import translate_basis_note
        from ..report.excel import write_workbook
        from ..report.labels import ADDITIVE_COLUMNS, STOCK_COLUMNS, describe_params, text

        by = self.by_year.reset_index()
        leavers = self.leavers
        if lang == "vi" and "basis_note" in leavers.columns:  # the column stays English
            leavers = leavers.assign(basis_note=leavers["basis_note"].map(translate_basis_note))
        sheets = {"by_year": by, "by_commune": self.by_commune, "leavers": leavers}
        u = self._universe
        params = self.params_used
        params = None if params is None else params.drop(columns=["source"])
        # over years, flows add up (savings, costs, leavers); stocks (headcounts, posts) and
        # running totals do not: their totals cells stay empty
        flows = ADDITIVE_COLUMNS - STOCK_COLUMNS
        stock_note = text(
            "Ghi chú: số người và biên chế là số tại một thời điểm, không cộng qua các năm "
            "(ô tổng cộng để trống); các khoản tiền và số người nghỉ, tuyển mới được cộng.",
            "Note: headcounts and posts are stocks at a date and are not added over years "
            "(their total cells are empty); amounts and numbers of leavers and hires are.",
            lang,
        )
        return write_workbook(
            path,
            title=self._html_title(lang),
            summary=self._shown_summary(lang),
            sheets=sheets,
            totals={
                "by_year": [c for c in by.columns if c in flows],
                "by_commune": [c for c in self.by_commune.columns if c in flows],
            },
            params=describe_params(params, None if u is None else u.params),
            provenance=self.provenance,
            lang=lang,
            money_cols=list(MONEY_COLUMNS),
            communes=None if u is None else u.model.communes,
            notes={"by_year": stock_note, "by_commune": stock_note},
        )

    def __repr__(self) -> str:
        s = self.summary()
        return (
            f"<ScenarioResult {s['scenario']} ({s['policy']}, {s['regime']}) "
            f"{s['first_year']}–{s['last_year']}: headcount {s['headcount_start']} → "
            f"{s['headcount_end']}, one-off {s['one_off_cost']:,} VND, cumulative net "
            f"{s['cumulative_net_savings']:,} VND, payback "
            f"{payback_text(s['payback_year'], (s['first_year'], s['last_year']), 'en')}>"
        )
