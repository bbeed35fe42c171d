"""Settlement of the lump sum at year end: savings, income increase (TNTT) and their uses.

``settle(model, year, actual)`` (NĐ 130/2005/NĐ-CP Điều 12, amended by NĐ 117/2013/NĐ-CP;
TTLT 71/2014/TTLT-BTC-BNV Điều 6) compares each commune's lump sum (:func:`khoan.budget.budget`)
with its actual spending, caps the TNTT pool at ``tntt.cap_ratio`` × the salary fund by grade
(:func:`khoan.lumpsum.tntt_cap`), splits it per person exactly (largest remainder) and the rest
into rewards, welfare and reserve. ``khoan.settle`` and ``khoan.budget.settle`` are this
function.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .budget import BudgetResult, budget, budget_of_run
from .errors import ParameterError, Problem, ValidationError
from .lumpsum import CommuneArrays, tntt_cap, tntt_cap_ratio
from .notes import Note, vi_number
from .payroll import category_column, staffing_mask
from .periods import group_sum, largest_remainder, round_vnd
from .report.fmt import vnd
from .report.result import Result, digest_of

__all__ = [
    "RATINGS",
    "SETTLEMENT_KEYS",
    "SettlementPlot",
    "SettlementResult",
    "rating_weights",
    "settle",
]

#: Annual quality ratings, best first (NĐ 90/2020/NĐ-CP Điều 2, amended by NĐ 48/2023/NĐ-CP).
RATINGS = ("xuat_sac", "tot", "hoan_thanh", "khong_hoan_thanh")

#: Parameters the settlement reads besides the lump sum's (``tntt.cap_ratio_hcmc`` only for
#: Hồ Chí Minh City, ``province_code = "79"``).
SETTLEMENT_KEYS = (
    "tntt.cap_ratio",
    "tntt.cap_ratio_hcmc",
    "tntt.quarterly_advance_cap",
    "savings.shares",
)


class SettlementPlot:
    """Plots of a :class:`SettlementResult` (matplotlib; works with the Agg backend)."""

    def __init__(self, result: SettlementResult):
        self._r = result

    def uses(self, ax=None, *, top: int | None = 40, lang: str = "vi"):
        """Stacked bar of the uses of the savings by commune — TNTT, rewards, welfare,
        reserve (VND/year) — largest savings first.

        Parameters
        ----------
        ax : matplotlib Axes, optional
        top : int or None
            Show the ``top`` communes with the largest counted savings (None: all).
        lang : {"vi", "en"}

        Returns
        -------
        matplotlib.axes.Axes
        """
        from .report import plots
        from .report.labels import text

        return plots.top_communes(
            self._r.table,
            ["tntt", "rewards", "welfare", "reserve"],
            by="savings_counted",
            top=top,
            title=text(
                f"Sử dụng kinh phí tiết kiệm {self._r.year}",
                f"Uses of the savings {self._r.year}",
                lang,
            ),
            detail=text("tiết kiệm nhiều nhất", "largest savings first", lang),
            lang=lang,
            ax=ax,
        )

    def components(self, ax=None, *, top: int | None = 40, lang: str = "vi"):
        """The lump sum's components by commune (:meth:`khoan.budget.BudgetPlot.components`)."""
        return self._r.budget.plot.components(ax, top=top, lang=lang)


@dataclass
class SettlementResult(Result):
    """Savings of every commune for one year and their uses.

    Attributes
    ----------
    year : int
    table : DataFrame
        One row per commune (VND/year, int64): ``code``, ``name``, ``lump_sum``, ``actual``,
        ``savings`` (lump sum − actual, negative = overspend), ``overspend`` (≥ 0),
        ``savings_counted`` (≥ 0), ``salary_fund_grade``, ``tntt_cap``, ``tntt`` (paid),
        ``rewards``, ``welfare``, ``reserve`` (``savings_counted`` = tntt + rewards + welfare +
        reserve exactly), ``advance_cap_q1`` … ``advance_cap_q4`` (quarterly TNTT advance
        caps), ``vacancy_saving`` (lump sum of the vacant posts and their contributions),
        ``commune_kept`` (what the commune keeps because actual staff is below approved:
        ``min(vacancy_saving, savings_counted)``), ``state_saving`` (lump sum at
        ``previous_approved_posts`` − lump sum now; 0 when not given).
    per_person : DataFrame
        Index ``id``: ``commune``, ``category``, ``weight``, ``tntt`` (VND/year).
    budget : BudgetResult
    shares : dict
        Split of savings left after TNTT actually used.
    """

    year: int
    table: pd.DataFrame
    per_person: pd.DataFrame
    budget: BudgetResult
    shares: dict[str, float]
    notes: list[str] = field(default_factory=list)

    @property
    def provenance(self) -> dict[str, Any]:
        """:data:`~khoan.report.result.PROVENANCE_KEYS` (``inputs``: the digest of the actual
        spending by commune), then ``year``, ``notes`` and the ``shares`` used."""
        out = self.budget.provenance
        out["inputs"] = {
            **out["inputs"],
            "actual": digest_of(self.table.set_index("code")["actual"]),
        }
        out["notes"] = [*out["notes"], *self.notes]
        out["shares"] = dict(self.shares)
        return out

    @property
    def params_used(self) -> pd.DataFrame:
        """Every parameter value in force in the year: the lump sum's and the settlement's
        (:data:`SETTLEMENT_KEYS`), with unit, reference and confidence."""
        model = self.budget._model
        if model is None:
            return self.budget.params_used
        hcmc = str(getattr(model, "meta", {}).get("province_code", "")) == "79"
        keys = [
            *self.budget.params_used["key"].drop_duplicates(),
            *(k for k in SETTLEMENT_KEYS if hcmc or k != "tntt.cap_ratio_hcmc"),
        ]
        return model.params.in_force(keys, _dt.date(self.year, 1, 1), _dt.date(self.year, 12, 31))

    def summary(self) -> dict[str, Any]:
        """Headline figures: ``year``, ``communes`` and the province total of every column
        of :attr:`table` (VND/year)."""
        prov = self.province.iloc[0]
        return {
            "year": int(self.year),
            "communes": len(self.table),
            **{k: int(v) for k, v in prov.items()},
        }

    @property
    def plot(self) -> SettlementPlot:
        """Plots: ``.plot.uses()`` (TNTT, rewards, welfare, reserve by commune) and
        ``.plot.components()`` (the lump sum)."""
        return SettlementPlot(self)

    @property
    def province(self) -> pd.DataFrame:
        """One-row table of the province totals (VND/year)."""
        cols = [c for c in self.table.columns if c not in ("code", "name")]
        return pd.DataFrame(
            [{c: int(self.table[c].sum()) for c in cols}],
            index=pd.Index([self.budget.model_name or "province"], name="model"),
        )

    def to_excel(self, path: str | Path, lang: str = "vi") -> Path:
        """Workbook: summary, savings by commune, TNTT per person, parameters, provenance."""
        from .report.excel import write_workbook
        from .report.labels import describe_params, text

        prov = self.province.iloc[0]
        model = self.budget._model
        params = self.params_used.drop(columns=["source"], errors="ignore")
        return write_workbook(
            path,
            title=text(
                f"Quyết toán kinh phí khoán năm {self.year}: tiết kiệm và thu nhập tăng thêm",
                f"Lump-sum settlement {self.year}: savings and income increase",
                lang,
            ),
            summary={
                k: (int(v) if isinstance(v, int | np.integer) else v) for k, v in prov.items()
            },
            sheets={"by_commune": self.table, "per_person": self.per_person.reset_index()},
            params=describe_params(params, getattr(model, "params", None)),
            provenance=self.provenance,
            lang=lang,
            totals={"by_commune": True, "per_person": True},
            communes=getattr(model, "communes", None),
            subtotals={"by_commune": ["district_name", "type"]},
        )

    def _html_title(self, lang: str = "vi") -> str:
        from .report.labels import text

        name = self.budget.model_name
        return text(
            f"Quyết toán tiết kiệm {self.year} — {name}",
            f"Savings settlement {self.year} — {name}",
            lang,
        )

    def __repr__(self) -> str:
        savings, tntt = (vnd(int(self.table[c].sum()), "en") for c in ("savings_counted", "tntt"))
        return f"<SettlementResult {self.year}: savings {savings} VND, TNTT {tntt} VND>"


def _commune_values(
    model, values: Any, *, name: str, column: str, allow_missing: bool = False
) -> np.ndarray:
    """Align ``values`` (Series by code, mapping, or DataFrame commune/value) on the communes.

    Raises ValidationError naming every unknown commune, duplicate, missing, non-numeric or
    negative value (row = 1-based spreadsheet row of the table given, header = row 1).
    """
    codes = model.communes["code"].astype(str).to_numpy()
    if isinstance(values, pd.DataFrame):
        df = values
        if "commune" in df.columns:
            keys = df["commune"]
        else:
            keys = pd.Series(df.index, index=df.index)
        if column in df.columns:
            vals = df[column]
        elif df.shape[1] - ("commune" in df.columns) == 1:
            vals = df[next(c for c in df.columns if c != "commune")]
        else:
            raise ValidationError(
                [Problem(name, None, 1, column, None, f"a column {column!r} is required")]
            )
    elif isinstance(values, pd.Series):
        keys, vals = pd.Series(values.index, index=values.index), values
    elif isinstance(values, Mapping):
        keys, vals = pd.Series(list(values.keys())), pd.Series(list(values.values()))
    else:
        raise ValidationError(
            [
                Problem(
                    name,
                    None,
                    None,
                    None,
                    type(values).__name__,
                    "give a DataFrame (commune, value), a Series or a dict",
                )
            ]
        )
    keys = keys.astype(str).str.strip().to_numpy()
    raw = vals.to_numpy(dtype=object)
    num = pd.to_numeric(pd.Series(raw), errors="coerce").to_numpy(dtype=float)
    rows = np.arange(len(keys)) + 2
    problems: list[Problem] = []
    pos = pd.Index(codes).get_indexer(keys)
    for i in np.flatnonzero(pos < 0):
        problems.append(
            Problem(
                name,
                None,
                int(rows[i]),
                "commune",
                keys[i],
                "unknown commune (not in the model's communes table)",
            )
        )
    dup = pd.Series(keys).duplicated().to_numpy()
    for i in np.flatnonzero(dup):
        problems.append(
            Problem(name, None, int(rows[i]), "commune", keys[i], "commune appears more than once")
        )
    for i in np.flatnonzero(~np.isfinite(num)):
        problems.append(
            Problem(name, None, int(rows[i]), column, raw[i], "missing or not a number (VND)")
        )
    for i in np.flatnonzero(num < 0):
        problems.append(
            Problem(name, None, int(rows[i]), column, raw[i], "must not be negative (VND)")
        )
    if not allow_missing:
        given = set(keys)
        for code in codes:
            if code not in given:
                problems.append(
                    Problem(name, None, None, "commune", code, "no value given for this commune")
                )
    if problems:
        raise ValidationError(problems, title=f"{name} cannot be used")
    out = np.full(len(codes), np.nan)
    out[pos] = num
    return out


def settle(
    model,
    year: int,
    actual: Any = None,
    *,
    shares: Mapping[str, float] | None = None,
    weights: Any = None,
    previous_approved_posts: Any = None,
) -> SettlementResult:
    """Savings of every commune at year end and their uses (NĐ 130/2005 Điều 12, amended by
    NĐ 117/2013; TTLT 71/2014/TTLT-BTC-BNV Điều 6).

    Parameters
    ----------
    model : khoan.Model
    year : int
    actual : DataFrame, Series or mapping, optional
        Actual spending per commune, VND/year (DataFrame with ``commune`` and ``actual``
        columns, or a Series/dict indexed by commune code). Every commune needs a value.
        Default: derived from the roster actually paid — the payroll and contributions of the
        cadres and civil servants present, plus the NHĐKCT and village funds, operating spending
        at the norm and the special tasks, as budgeted (so the savings are the vacant posts'
        share of the lump sum).
    shares : mapping, optional
        Split of the savings left after TNTT, ``{"rewards", "welfare", "reserve"}`` (rates);
        default ``savings.shares`` (illustrative: units set it in their internal spending
        rules). Must be non-negative and sum to at most 1; any share not given goes to the
        reserve, which also receives the rounding remainder.
    weights : Series or str, optional
        TNTT weight per person (Series indexed by staff id, or the name of a staff column).
        The law pays TNTT by work results, not equally; by default every cadre and civil
        servant present gets the same amount per day present (weight = share of the year
        present). ``"rating"``: by the person's rating of ``year`` in ``model.ratings`` —
        weight = share of the year present × ``tntt.rating_weights`` of the rating (and the
        bonus fund with ``bonus_fund.rating_weights``), see :func:`rating_weights`.
    previous_approved_posts : Series or mapping, optional
        Approved staffing before a reduction, by commune code: ``state_saving`` is the lump sum
        at that staffing minus the lump sum now.

    Returns
    -------
    SettlementResult

    Notes
    -----
    - ``savings = lump_sum − actual``; only positive savings are counted (``savings_counted``);
      an overspend is shown in ``overspend``.
    - TNTT pool = ``min(savings_counted, tntt_cap)``; ``tntt_cap`` = ``tntt.cap_ratio`` (in force
      on 31 December) × the salary fund by grade, step and position of the cadres and civil
      servants present (``tntt.base``: salary + position allowance; other allowances and
      contributions excluded).
    - TNTT per person splits the pool by weight, exactly (largest remainder); a commune with no
      eligible person pays no TNTT and its pool goes to the reserve.
    - From 2024-07-01 the bonus fund of NĐ 73/2024 Điều 4 (``BudgetResult.table
      ["bonus_fund"]``, outside the lump sum) is shared the same way among the cadres and civil
      servants present (``per_person["bonus"]``, by ``bonus_fund.rating_weights`` with
      ``weights="rating"``); ``table["bonus_fund"]`` is its total per commune. Both columns are
      absent before 2024.
    - Quarterly advance caps: ``tntt.quarterly_advance_cap`` × the quarter's salary fund by
      grade (the value in force at the quarter's end).
    - Rounding: each amount is rounded half up to the đồng; rewards and rewards + welfare are
      rounded (cumulatively, so they never exceed what is left), the reserve takes the
      remainder, so ``savings_counted = tntt + rewards + welfare + reserve`` exactly.

    Raises
    ------
    ValidationError
        Actual spending for an unknown commune, negative, missing or duplicated; weights for
        unknown people or negative.
    ParameterError
        Year outside the parameters' coverage; shares that are negative or exceed 1.
    """
    b = budget(model, year)
    r = b._run
    year = b.year
    p = model.params
    c = model.communes
    nc = len(c)
    t = b.table
    lump = t["total"].to_numpy(dtype=np.int64)
    vac_saving = t["vacancy_fund"].to_numpy(dtype=np.int64) + b.details[
        "vacancy_contributions"
    ].to_numpy(dtype=np.int64)
    notes: list[str] = []
    if actual is None:
        act = lump - vac_saving
        notes.append(
            Note(
                "actual spending derived from the roster actually paid",
                "chi thực tế tính từ danh sách cán bộ thực trả lương",
            )
        )
    else:
        act = round_vnd(_commune_values(model, actual, name="actual spending", column="actual"))
    savings = lump - act
    counted = np.maximum(savings, 0)
    overspend = np.maximum(-savings, 0)
    dec31 = _dt.date(year, 12, 31)
    try:
        cap_ratio, cap_key = tntt_cap_ratio(model, p, dec31)
        if cap_key != "tntt.cap_ratio":
            notes.append(
                Note(
                    f"TNTT cap {cap_ratio:g} × salary fund by grade ({cap_key})",
                    f"Mức trần thu nhập tăng thêm {vi_number(float(cap_ratio))} × quỹ lương "
                    f"theo ngạch, bậc ({cap_key})",
                )
            )
        if shares is None:
            shares = dict(p.value("savings.shares", dec31))
        adv_key = "tntt.quarterly_advance_cap"
        # the value in force on the last day of each quarter
        q_end = [_dt.date(year, 3 * q + 4, 1) - _dt.timedelta(days=1) for q in range(3)]
        q_end.append(dec31)
        adv = [float(p.number(adv_key, d)) for d in q_end]
    except ParameterError as exc:
        msg = str(exc)
        raise (
            exc
            if msg.startswith(f"settlement for {year}")
            else ParameterError(f"settlement for {year}: {msg}")
        ) from None
    shares = {k: float(v) for k, v in dict(shares).items()}
    bad = [k for k in shares if k not in ("rewards", "welfare", "reserve")]
    if bad or any(v < 0 for v in shares.values()) or sum(shares.values()) > 1 + 1e-9:
        raise ParameterError(
            f"savings shares {shares} are not valid: use rewards, welfare and reserve, each ≥ 0, "
            "summing to at most 1 (savings.shares)"
        )
    grade = b.details["salary_fund_grade"].to_numpy(dtype=np.int64)
    cap = tntt_cap(cap_ratio, grade)
    pool = np.minimum(counted, cap)

    inp = r.inputs
    staffing = staffing_mask(inp)
    b_ = r.rates.bounds
    lo = np.maximum(inp.start, b_[0])
    hi = np.minimum(inp.end, b_[12])
    present = np.maximum(hi - lo, 0) / (b_[12] - b_[0])
    eligible = staffing & (present > 0)
    by_rating = isinstance(weights, str) and weights == "rating"
    if weights is None:
        w = present.astype(float)
    elif by_rating:
        w = present * rating_weights(model, year, ids=inp.ids).to_numpy()
    else:
        w = _person_weights(model, inp, weights)
    w = np.where(eligible, w, 0.0)
    tntt_person = largest_remainder(inp.cidx, w, pool, nc)
    bonus_pool = t["bonus_fund"].to_numpy(dtype=np.int64) if "bonus_fund" in t.columns else None
    if bonus_pool is not None:
        wb = w
        if by_rating:
            coef = rating_weights(model, year, key="bonus_fund.rating_weights", ids=inp.ids)
            wb = np.where(eligible, present * coef.to_numpy(), 0.0)
        bonus_person = largest_remainder(inp.cidx, wb, bonus_pool, nc)
    paid = group_sum(inp.cidx, tntt_person, nc)
    rest = counted - paid
    # cumulative rounding: rewards + welfare never exceed what is left (shares sum ≤ 1)
    s_r, s_w = shares.get("rewards", 0.0), shares.get("welfare", 0.0)
    rewards = round_vnd(rest * s_r)
    welfare = round_vnd(rest * min(s_r + s_w, 1.0)) - rewards
    reserve = rest - rewards - welfare
    if (reserve < 0).any():  # pragma: no cover - only with shares summing above 1
        raise ParameterError("savings shares exceed the savings after rounding")
    gm = r.grade_fund_monthly  # (nc, 12)
    table = pd.DataFrame({"code": t["code"], "name": t["name"]})
    table["lump_sum"] = lump
    table["actual"] = act.astype(np.int64)
    table["savings"] = savings
    table["overspend"] = overspend
    table["savings_counted"] = counted
    table["salary_fund_grade"] = grade
    table["tntt_cap"] = cap
    table["tntt"] = paid
    table["rewards"] = rewards
    table["welfare"] = welfare
    table["reserve"] = reserve
    for q in range(4):
        table[f"advance_cap_q{q + 1}"] = round_vnd(adv[q] * gm[:, 3 * q : 3 * q + 3].sum(axis=1))
    if bonus_pool is not None:
        table["bonus_fund"] = group_sum(inp.cidx, bonus_person, nc)
    table["vacancy_saving"] = vac_saving
    table["commune_kept"] = np.minimum(vac_saving, counted)
    if previous_approved_posts is not None:
        prev = _commune_values(
            model,
            previous_approved_posts,
            name="previous_approved_posts",
            column="approved_posts",
            allow_missing=True,
        )
        comm = c.copy()
        now = CommuneArrays.from_table(c).approved
        comm["approved_posts"] = np.where(np.isnan(prev), now, prev).astype(np.int64)
        old = budget_of_run(model.replace(communes=comm), r).table["total"].to_numpy(dtype=np.int64)
        table["state_saving"] = old - lump
    else:
        table["state_saving"] = np.zeros(nc, dtype=np.int64)
        notes.append(
            Note(
                "state_saving is 0: previous_approved_posts not given",
                "Ngân sách nhà nước tiết kiệm (state_saving) bằng 0: không có số biên chế được "
                "giao năm trước (previous_approved_posts)",
            )
        )
    per_person = pd.DataFrame(
        {
            "commune": inp.commune.array,
            "category": category_column(inp),
            "weight": w,
            "tntt": tntt_person,
        },
        index=pd.Index(inp.ids, name="id"),
    )
    if bonus_pool is not None:
        per_person["bonus"] = bonus_person
    return SettlementResult(
        year=year, table=table, per_person=per_person, budget=b, shares=shares, notes=notes
    )


def rating_weights(
    model, year: int, *, key: str = "tntt.rating_weights", ids: Any = None
) -> pd.Series:
    """Coefficient of each person's rating of ``year`` (``model.ratings``), by staff id.

    Parameters
    ----------
    model : khoan.Model
    year : int
        The year rated (the settlement's year: the annual rating is made at its end).
    key : str
        Lookup parameter rating -> coefficient: ``tntt.rating_weights`` (TNTT, TTLT 71/2014
        Điều 6: paid by work results) or ``bonus_fund.rating_weights`` (NĐ 73/2024 Điều 4).
        Provincial coefficients (a model's ``params/``; illustrative ones in the
        ``khanh_hoa_2026`` example); ``unrated`` applies to people with no rating for the year.
        The value in force on 31 December is used.
    ids : array, optional
        Staff ids to return, in that order (default: the staff table's).

    Returns
    -------
    Series of float (coefficients), index ``id``.

    Raises
    ------
    ValidationError
        A rating outside :data:`RATINGS` (table ``ratings``, row, column ``rating``).
    ParameterError
        ``key`` not set by the model, not in force on 31 December, or missing a level.
    """
    dec31 = _dt.date(year, 12, 31)
    if key not in model.params:
        raise ParameterError(
            f"sharing by rating in {year}: parameter {key!r} is not set — the coefficients per "
            "rating are provincial: add params/"
            + key.replace(".", "/")
            + ".yaml to the model (example: khoan/models/khanh_hoa_2026/params/)"
        )
    try:
        table = dict(model.params.value(key, dec31) or {})
    except ParameterError as exc:
        raise ParameterError(f"sharing by rating in {year}: {exc}") from None
    missing = [k for k in (*RATINGS, "unrated") if k not in table]
    if missing:
        raise ParameterError(
            f"parameter {key!r} in force on {dec31} has no coefficient for "
            f"{', '.join(missing)} (give one per rating: {', '.join(RATINGS)}, unrated)"
        )
    if ids is None:
        ids = model.staff["id"].astype(str).to_numpy()
    ids = pd.Index(np.asarray(ids, dtype=str), name="id")
    out = pd.Series(float(table["unrated"]), index=ids)
    r = getattr(model, "ratings", None)
    if r is None or not len(r):
        return out
    years = pd.to_numeric(r["year"], errors="coerce").to_numpy()
    rat = r["rating"].astype(object).to_numpy()
    bad = ~pd.Series(rat).isin(RATINGS).to_numpy()
    if bad.any():
        raise ValidationError(
            [
                Problem("ratings", None, int(i) + 2, "rating", rat[i], f"not one of {RATINGS}")
                for i in np.flatnonzero(bad)
            ],
            title="ratings cannot be used",
        )
    sel = years == year
    coef = pd.Series(rat[sel]).map({k: float(table[k]) for k in RATINGS}).to_numpy()
    pos = ids.get_indexer(r["id"].astype(str).to_numpy()[sel])
    keep = pos >= 0
    vals = out.to_numpy().copy()
    vals[pos[keep]] = coef[keep]
    return pd.Series(vals, index=ids)


def _person_weights(model, inp, weights: Any) -> np.ndarray:
    if isinstance(weights, str):
        if weights not in model.staff.columns:
            raise ValidationError(
                [
                    Problem(
                        "staff",
                        None,
                        1,
                        weights,
                        None,
                        "weight column not found in the staff table",
                    )
                ]
            )
        vals = pd.to_numeric(model.staff[weights], errors="coerce").to_numpy(dtype=float)
        src = pd.Series(vals, index=pd.Index(inp.ids))
    else:
        src = pd.Series(weights)
    problems: list[Problem] = []
    known = pd.Index(inp.ids)
    pos = known.get_indexer(src.index)
    v = pd.to_numeric(src, errors="coerce").to_numpy(dtype=float)
    for i in np.flatnonzero(pos < 0):
        problems.append(Problem("weights", None, i + 2, "id", src.index[i], "unknown staff id"))
    for i in np.flatnonzero(~np.isfinite(v) | (v < 0)):
        problems.append(
            Problem("weights", None, i + 2, "weight", src.iloc[i], "weight must be a number ≥ 0")
        )
    if problems:
        raise ValidationError(problems, title="TNTT weights cannot be used")
    out = np.zeros(inp.n)
    out[pos] = v
    return out
