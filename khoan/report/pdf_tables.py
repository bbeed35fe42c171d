"""The tables of the printable report (:mod:`khoan.report.pdf`): pure pandas, testable without
a PDF, and the formatting of values, dates and short texts that the report prints.

Tables in millions of đồng are rounded once, commune by commune, with the largest-remainder
method (:func:`khoan.report.fmt.to_millions`); district rows and the province row are sums of
the rounded commune rows, so every displayed total is the sum of the displayed parts.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import KhoanError
from ..notes import note_text
from .fmt import number, to_millions, vnd
from .labels import category_label, check_lang, label, text

__all__ = [
    "budget_parts",
    "by_commune_table",
    "by_district_table",
    "date_text",
    "money_rows",
    "params_table",
    "provenance_rows",
    "province_name",
    "scenario_year_table",
    "value_text",
]

#: Longest parameter value or provenance value shown (characters); the workbooks hold all.
_MAX_VALUE = 160


# -- tables (pure functions: what the PDF shows, testable without a PDF) ---------------------------


def budget_parts(b: Any) -> list[str]:
    """The lump-sum components present in the budget table, in the order of
    :data:`khoan.lumpsum.COMPONENTS`."""
    from ..lumpsum import COMPONENTS

    return [c for c in COMPONENTS if c in b.table.columns]


def _commune_millions(b: Any, model: Any) -> pd.DataFrame:
    """The budget table in millions of đồng (largest remainder per commune), with the commune's
    district (or unit type) as ``group``/``group_order``."""
    parts = budget_parts(b)
    t = to_millions(b.table[["code", "name", *parts, "total"]], parts, "total")
    c = model.communes.set_index(model.communes["code"].astype(str))
    codes = t["code"].astype(str)
    has_district = "district_name" in c.columns and c["district_name"].notna().all()
    if has_district:
        t["group"] = codes.map(c["district_name"]).to_numpy()
        t["group_order"] = codes.map(c["district_code"].astype(str)).to_numpy()
    else:
        t["group"] = codes.map(c["type"]).to_numpy()
        t["group_order"] = t["group"]
    t.attrs["grouped_by"] = "district_name" if has_district else "type"
    return t


def by_district_table(b: Any, model: Any, lang: str = "vi") -> pd.DataFrame:
    """Lump sums by district (by unit type where the model has no districts), in millions of
    đồng, with a last row of province totals.

    Parameters
    ----------
    b : BudgetResult
    model : khoan.Model
    lang : {"vi", "en"}

    Returns
    -------
    DataFrame
        Columns ``group`` (district name, or unit type label), ``communes`` (count), the
        components present in the budget and ``total`` (int64, millions of đồng). Each row's
        parts add up to its total; the last row (``Tổng cộng`` / ``Total``) is the sum of the
        rows above. ``attrs["grouped_by"]`` is ``"district_name"`` or ``"type"``.
    """
    check_lang(lang)
    parts = budget_parts(b)
    t = _commune_millions(b, model)
    g = t.groupby(["group_order", "group"], sort=True)[[*parts, "total"]].sum()
    g.insert(0, "communes", t.groupby(["group_order", "group"], sort=True).size())
    g = g.reset_index(level="group").reset_index(drop=True)
    if t.attrs["grouped_by"] == "type":
        g["group"] = [category_label("type", v, lang) for v in g["group"]]
    tot = g[["communes", *parts, "total"]].sum()
    g.loc[len(g)] = {"group": label("total", lang), **{k: int(v) for k, v in tot.items()}}
    g = g.astype({c: np.int64 for c in ["communes", *parts, "total"]})
    g.attrs["grouped_by"] = t.attrs["grouped_by"]
    return g


def by_commune_table(b: Any, model: Any, lang: str = "vi") -> pd.DataFrame:
    """Lump sum of each commune in millions of đồng (``code``, ``name``, ``group``, ``total``),
    ordered by district (or unit type) and code, with a last row of totals (their sum)."""
    check_lang(lang)
    t = _commune_millions(b, model)
    t = t.sort_values(["group_order", "code"], kind="stable")
    if t.attrs.get("grouped_by") == "type":
        t["group"] = [category_label("type", v, lang) for v in t["group"]]
    out = t[["code", "name", "group", "total"]].reset_index(drop=True)
    out.loc[len(out)] = {
        "code": "",
        "name": label("total", lang),
        "group": "",
        "total": int(out["total"].sum()),
    }
    return out.astype({"total": np.int64})


#: Columns of the scenario's year-by-year table: (column, money, summed over years).
_SCENARIO_COLUMNS: tuple[tuple[str, bool, bool], ...] = (
    ("headcount_start", False, False),
    ("retirements", False, True),
    ("leavers", False, True),
    ("hires", False, True),
    ("headcount_end", False, False),
    ("one_off_cost", True, True),
    ("recurring_savings", True, True),
    ("net_savings", True, True),
    ("cumulative_net_savings", True, False),
)


def scenario_year_table(s: Any) -> pd.DataFrame:
    """The scenario year by year: persons, and money in millions of đồng (rounded half up).

    Returns
    -------
    DataFrame
        Index ``year`` then a last row ``"total"``: flows (retirements, leavers, hires, one-off
        cost, recurring and net savings) summed over the displayed years; stocks (headcounts)
        and the running total left empty (``pd.NA``). ``net_savings`` is computed from the
        rounded ``recurring_savings − one_off_cost``, so each row adds up as displayed.
    """
    from .fmt import MILLION, round_half_up

    by = s.by_year
    out = pd.DataFrame(index=pd.Index([int(y) for y in by.index], name="year"))
    for col, money, _ in _SCENARIO_COLUMNS:
        if col not in by.columns:
            continue
        v = by[col].to_numpy(dtype=np.int64)
        out[col] = round_half_up(v, MILLION) if money else v
    if {"recurring_savings", "one_off_cost", "net_savings"} <= set(out.columns):
        out["net_savings"] = out["recurring_savings"] - out["one_off_cost"]
        if "cumulative_net_savings" in out.columns:
            out["cumulative_net_savings"] = out["net_savings"].cumsum()
    total = {
        col: (int(out[col].sum()) if summed else pd.NA)
        for col, _, summed in _SCENARIO_COLUMNS
        if col in out.columns
    }
    out = out.astype(object)
    out.loc["total"] = total
    return out


def params_table(results: Sequence[Any]) -> pd.DataFrame:
    """The parameters used by ``results`` (their ``params_used``), one row per key and period.

    Parameters
    ----------
    results : sequence of results
        A budget and, optionally, a scenario; a result without ``params_used`` is skipped.

    Returns
    -------
    DataFrame
        Columns of ``params_used`` without ``source``; ``from`` / ``to`` as ``YYYY-MM-DD``
        text (``…`` for an open end); duplicates dropped, sorted by key and start.
    """
    frames = [getattr(r, "params_used", None) for r in results]
    frames = [f for f in frames if isinstance(f, pd.DataFrame) and len(f)]
    if not frames:
        return pd.DataFrame(columns=["key", "from", "to", "value", "unit", "reference"])
    df = pd.concat(frames, ignore_index=True)
    df = df.drop(columns=["source"], errors="ignore")
    for c in ("from", "to"):
        df[c] = [date_text(v, "en") for v in df[c]]
    return df.drop_duplicates(subset=["key", "from", "to"]).sort_values(
        ["key", "from"], kind="stable"
    )


# -- formatting ------------------------------------------------------------------------------------


def _short(s: str, n: int = _MAX_VALUE) -> str:
    """``s`` cut to ``n`` characters, the last one an ellipsis."""
    return s if len(s) <= n else s[: n - 1] + "…"


def value_text(v: Any, lang: str) -> str:
    """A parameter or provenance value as text: numbers in the language's format, structures as
    compact JSON (shortened)."""
    if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
        return ""
    if isinstance(v, bool | np.bool_):
        return text("có", "yes", lang) if v else text("không", "no", lang)
    if isinstance(v, int | np.integer):
        return number(int(v), 0, lang)
    if isinstance(v, float | np.floating):
        f = float(v)
        if f.is_integer() and abs(f) >= 1000:
            return number(int(f), 0, lang)
        s = f"{f:.6g}"
        return s.replace(".", ",") if lang == "vi" else s
    if isinstance(v, Mapping | list | tuple):
        return _short(json.dumps(v, ensure_ascii=False, default=str, separators=(", ", ": ")))
    return _short(str(v))


def date_text(d: Any, lang: str) -> str:
    """``YYYY-MM-DD`` (English) or ``DD/MM/YYYY`` (Vietnamese); a missing date (an open end) is
    ``…``."""
    if d is None or d is pd.NaT or (isinstance(d, float) and np.isnan(d)):
        return "…"
    if str(d) in ("", "None", "NaT", "nan", "…"):
        return "…"
    s = str(d)[:10]
    if lang == "vi" and len(s) == 10 and s[4] == "-":
        return f"{s[8:10]}/{s[5:7]}/{s[0:4]}"
    return s


def province_name(model: Any) -> str:
    """The name of the model's province from the registry (``meta.province_code`` and the
    model's structure), or ``""`` when the model has no province code or the registry has no
    such province."""
    code = (getattr(model, "meta", None) or {}).get("province_code")
    if code is None:
        return ""
    try:
        from ..data.registry import provinces

        p = provinces(str(getattr(model, "structure", "2025")))
        row = p[p["province_code"] == str(code).zfill(2)]
        return str(row["province_name"].iloc[0]) if len(row) else ""
    except (KhoanError, KeyError, ValueError, OSError):
        return ""


# -- rows of the report's tables (text, as printed) ------------------------------------------------


def money_rows(b: Any, model: Any, lang: str) -> list[list[str]]:
    """Summary rows: component, millions (the totals row of :func:`by_district_table`, so the
    summary and the tables show the same figures), exact đồng."""
    prov = b.province.iloc[0]
    mil = by_district_table(b, model, lang).iloc[-1]
    return [
        [label(c, lang), number(int(mil[c]), 0, lang), vnd(int(prov[c]), lang)]
        for c in [*budget_parts(b), "total"]
    ]


def provenance_rows(prov: Mapping[str, Any], lang: str) -> list[list[str]]:
    """Provenance as ``[item, value]`` rows: nested keys joined with dots, the parameter list
    counted (the parameters have their own section), each override on one row.

    Parameters
    ----------
    prov : Mapping
        A result's ``provenance`` (run-specific entries dropped by
        :func:`khoan.report.excel.stable_provenance`).
    lang : {"vi", "en"}

    Returns
    -------
    list of [str, str]
    """
    from .excel import stable_provenance

    rows: list[list[str]] = []

    def walk(d: Mapping[str, Any], prefix: str) -> None:
        for k, v in d.items():
            key = f"{prefix}{k}"
            if k == "parameters" and isinstance(v, list):
                rows.append(
                    [
                        key,
                        text(f"{len(v)} tham số (mục Tham số)", f"{len(v)} (see Parameters)", lang),
                    ]
                )
            elif k == "overrides" and isinstance(v, list):
                if not v:
                    rows.append([key, text("không có", "none", lang)])
                for o in v:
                    if isinstance(o, Mapping):
                        rows.append(
                            [
                                key,
                                _short(
                                    f"{o.get('key')} ({date_text(o.get('date'), lang)}): "
                                    f"{value_text(o.get('old'), lang)} → "
                                    f"{value_text(o.get('new'), lang)}"
                                    f" [{o.get('source', '')}]"
                                ),
                            ]
                        )
                    else:
                        rows.append([key, value_text(o, lang)])
            elif k == "notes" and isinstance(v, list) and v:  # each in the reader's language
                rows.extend([key, _short(note_text(n, lang))] for n in v)
            elif isinstance(v, Mapping) and v:
                walk(v, key + ".")
            else:
                rows.append([key, value_text(v, lang)])

    walk(stable_provenance(prov), "")
    return rows
