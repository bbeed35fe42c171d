"""Monthly rates of a payroll year, read once from the dated parameters.

The codes the payroll works with (pay components, employer contributions, staff categories)
and, for one year, every rate the engine of :mod:`khoan.payroll` multiplies by a person's
coefficients: the base salary month by month, the commune-class and public-service allowance
rates, the employer contribution rates (Luật BHXH 2014 Điều 86; Luật BHYT; Luật Công đoàn;
Luật Việc làm), the NĐ 17/2015 additional salary of the low paid, and the terms of each salary
base (``*.base`` parameters) and of the salary fund by grade (TTLT 71/2014) and of the NĐ 73/2024
bonus fund. A rate that changes inside a month is day-weighted (:meth:`ParameterTree.segments`).
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .errors import ParameterError
from .periods import month_bounds

__all__ = [
    "BASE_TERMS",
    "CATEGORIES",
    "COMPONENTS",
    "CONTRIBUTIONS",
    "CONTRIBUTION_EXTRA_TERMS",
    "PAY_COMPONENTS",
    "PUBLIC_SERVICE_CATEGORIES",
    "STAFFING_CATEGORIES",
    "TERM_COMPONENTS",
    "Rates",
    "bonus_terms",
    "category_mask",
    "contribution_rates",
    "grade_terms",
    "low_pay_rates",
    "monthly_rates",
    "param_error",
]

#: Pay components (VND/year), in the column order of :func:`payroll`.
PAY_COMPONENTS: tuple[str, ...] = (
    "salary",
    "position_allowance",
    "tnvk",
    "commune_class_allowance",
    "public_service_allowance",
    "regional_allowance",
    "bao_luu",
    "low_pay_supplement",
    "nhdkct_allowance",
)
#: Employer contributions (VND/year).
CONTRIBUTIONS: tuple[str, ...] = ("bhxh", "bhyt", "kpcd", "bhtn")
#: Every component of ``total``.
COMPONENTS: tuple[str, ...] = PAY_COMPONENTS + CONTRIBUTIONS

#: Staff categories (schema ``staff.category``).
CATEGORIES = ("can_bo", "cong_chuc", "nhdkct", "hop_dong")
#: Categories on the approved staffing (biên chế): cadres and civil servants (NĐ 33/2023 Điều 3).
STAFFING_CATEGORIES = ("can_bo", "cong_chuc")
#: Categories paid the public-service allowance (NĐ 34/2012 Điều 1).
PUBLIC_SERVICE_CATEGORIES = ("can_bo", "cong_chuc")


@dataclass
class Rates:
    """Parameter values of one year, month by month, prepared once.

    ``*_eff`` arrays combine a rate with the categories it applies to, day-weighted over the
    sub-periods of each month in which both are in force (so an allowance abolished on the
    25th, by its rate and by its categories at once, is counted 24/30 of June, not less).
    ``catcode`` indexes :data:`CATEGORIES`.
    """

    year: int
    bounds: np.ndarray  # 13 day numbers
    base: np.ndarray  # (12,) VND/month
    class_eff: np.ndarray  # (12, n_communes, 4) rate
    ps_eff: np.ndarray  # (12, 4) rate
    contrib_eff: dict[str, np.ndarray]  # component -> (12, 4) rate
    bases: dict[str, tuple[str, ...]]  # allowance -> terms of its salary base
    keys: list[str] = field(default_factory=list)
    supp_eff: np.ndarray = field(default_factory=lambda: np.zeros((12, len(CATEGORIES))))
    supp_max: float = 0.0  # highest coefficient paid the NĐ 17/2015 supplement

    @property
    def supp_any(self) -> bool:
        """Whether the NĐ 17/2015 additional salary (or its kept difference) is paid in the year."""
        return bool(self.supp_eff.any())

    @property
    def class_any(self) -> bool:
        """Whether any commune-class allowance is in force in the year."""
        return bool(self.class_eff.any())


#: Terms a salary base may name (``*.base`` parameters) -> monthly amount of the term.
BASE_TERMS = ("coefficient", "position_coef", "tnvk", "bao_luu")
#: Allowances that ``contributions.base`` may name besides :data:`BASE_TERMS`.
CONTRIBUTION_EXTRA_TERMS = ("commune_class_allowance",)


def category_mask(cats: Any) -> np.ndarray:
    cats = set(cats or [])
    return np.array([1.0 if c in cats else 0.0 for c in CATEGORIES])


def param_error(year: int, what: str, exc: ParameterError) -> ParameterError:
    return ParameterError(f"{what} for {year}: {exc}")


def _base_terms(params, key: str, year: int, extra: tuple[str, ...] = ()) -> tuple[str, ...]:
    lists = {tuple(seg.values[0] or ()) for seg in params.segments([key], year)}
    if len(lists) != 1:
        raise ParameterError(
            f"parameter {key!r} changes inside {year}: a salary base that changes within a "
            "year is not supported — put the change on 1 January"
        )
    return _known_terms(key, lists.pop(), BASE_TERMS + extra)


def _known_terms(key: str, terms: tuple, allowed: tuple[str, ...]) -> tuple[str, ...]:
    """``terms`` of parameter ``key`` when each is one of ``allowed``; else a ParameterError."""
    bad = [t for t in terms if t not in allowed]
    if bad:
        raise ParameterError(
            f"parameter {key!r}: unknown base term(s) {', '.join(map(str, bad))} "
            f"(allowed: {', '.join(allowed)})"
        )
    return terms


def contribution_rates(params, year: int) -> dict[str, np.ndarray]:
    """Employer contribution rates by month and staff category: ``{name: (12, 4)}``.

    ``rate[m, k]`` = Σ over the sub-periods of month ``m`` of the rate in force × [category
    ``k`` listed in ``contributions.covered_categories``] × day share.
    """
    k_cov = "contributions.covered_categories"
    out = {}
    for c in CONTRIBUTIONS:
        k = f"contributions.employer.{c}"
        eff = np.zeros((12, len(CATEGORIES)))
        for seg in params.segments([k, k_cov], year):
            eff += np.outer(seg.weights * seg.number(0), category_mask(seg.values[1]))
        out[c] = eff
    return out


def monthly_rates(model, year: int) -> Rates:
    """Read every monthly parameter the payroll needs for ``year``.

    Raises
    ------
    ParameterError
        A parameter has no value in force for part of the year (the year lies outside the
        parameters' coverage), naming the key and file.
    """
    p = model.params
    keys: list[str] = []
    try:
        keys.append("salary.base")
        base = np.asarray(p.monthly("salary.base", year), dtype=float)
        # the communes' classes are few: look each distinct one up once
        cls_code, cls = model.communes["class"].factorize(use_na_sentinel=False)
        k_rate, k_cat = "allowances.commune_class.rate", "allowances.commune_class.categories"
        keys += [k_rate, k_cat]
        class_eff = np.zeros((12, len(cls_code), len(CATEGORIES)))
        for seg in p.segments([k_rate, k_cat], year):
            if seg.values[0] is None:
                continue
            rate = np.asarray(p.lookup(k_rate, seg.starts[0], np.asarray(cls)), dtype=float)[
                cls_code
            ]
            class_eff += (
                seg.weights[:, None, None]
                * rate[None, :, None]
                * category_mask(seg.values[1])[None, None, :]
            )
        k_ps = "allowances.public_service.rate"
        keys.append(k_ps)
        ps_eff = np.outer(
            np.asarray(p.monthly(k_ps, year), dtype=float), category_mask(PUBLIC_SERVICE_CATEGORIES)
        )
        keys.append("contributions.covered_categories")
        keys += [f"contributions.employer.{c}" for c in CONTRIBUTIONS]
        contrib_eff = contribution_rates(p, year)
        bases = {}
        for name, k in (
            ("tnvk", "allowances.tnvk_base"),
            ("commune_class_allowance", "allowances.commune_class.base"),
            ("public_service_allowance", "allowances.public_service.base"),
            ("contributions", "contributions.base"),
        ):
            keys.append(k)
            extra = CONTRIBUTION_EXTRA_TERMS if name == "contributions" else ()
            bases[name] = _base_terms(p, k, year, extra)
        if "tnvk" in bases["tnvk"]:
            raise ParameterError("allowances.tnvk_base cannot contain tnvk itself")
        supp_eff, supp_max, supp_keys = low_pay_rates(p, year, base)
        keys += supp_keys
    except ParameterError as exc:
        raise param_error(year, "payroll", exc) from None
    return Rates(
        year=year,
        bounds=month_bounds(year),
        base=base,
        class_eff=class_eff,
        ps_eff=ps_eff,
        contrib_eff=contrib_eff,
        bases=bases,
        keys=keys,
        supp_eff=supp_eff,
        supp_max=supp_max,
    )


_LOW_PAY = "salary.low_pay"


def low_pay_rates(params, year: int, base: np.ndarray) -> tuple[np.ndarray, float, list[str]]:
    """NĐ 17/2015 additional salary per unit of salary coefficient, by month and category.

    ``eff[m, k]`` (VND/month per coefficient point) = Σ over the sub-periods of month ``m`` of
    ``u × [category k listed in salary.low_pay.categories] × day share``, where ``u`` is
    ``rate × L_m`` while ``salary.low_pay.frozen_base`` is null (2015-01-01 – 2016-04-30) and
    ``max(0, (1 + rate) × frozen_base − L_m)`` once it is set (the kept difference from
    2016-05-01, NĐ 47/2016; TT 103/2016/TT-BTC); 0 where ``rate`` is null (before 2015 and
    from 2017-07-01). A model whose parameters lack the keys pays none.

    Returns
    -------
    (eff, max_coefficient, keys)
        ``eff`` (12, 4) VND/month per coefficient point; the highest salary coefficient paid
        (``salary.low_pay.max_coefficient``, one value per year); the keys read.

    Raises
    ------
    ParameterError
        ``max_coefficient`` changes inside the year.
    """
    keys = [f"{_LOW_PAY}.{k}" for k in ("rate", "frozen_base", "max_coefficient", "categories")]
    eff = np.zeros((12, len(CATEGORIES)))
    if any(k not in params for k in keys):
        return eff, 0.0, []
    k_rate, k_frozen, k_max, k_cat = keys
    jan1, dec31 = _dt.date(year, 1, 1), _dt.date(year, 12, 31)

    def in_year(key: str) -> list:
        return [
            e for e in params.history(key) if e.start <= dec31 and (e.end is None or e.end >= jan1)
        ]

    if all(e.value is None for e in in_year(k_rate)):
        return eff, 0.0, []
    for seg in params.segments([k_rate, k_frozen, k_cat], year):
        r, fz, cats = seg.values
        if r is None:
            continue
        u = float(r) * base if fz is None else np.maximum(0.0, (1.0 + float(r)) * fz - base)
        eff += np.outer(seg.weights * u, category_mask(cats))
    vals = {float(e.value) for e in in_year(k_max)}
    if len(vals) != 1:
        raise ParameterError(
            f"parameter {k_max!r} changes inside {year}: put the change on 1 January"
        )
    return eff, vals.pop(), keys


#: Annual component(s) that carry each term of the salary fund by grade (NHĐKCT have no grade).
TERM_COMPONENTS = {
    "coefficient": ("salary",),
    "position_coef": ("position_allowance",),
    "tnvk": ("tnvk",),
    "bao_luu": ("bao_luu",),
}


def grade_terms(params, year: int) -> tuple[str, ...]:
    """Terms of the salary fund by grade, step and position (``tntt.base``, TTLT 71/2014).

    Falls back to (coefficient, position_coef) for the months before the parameter's first
    date. In the year of that date (TTLT 71/2014 took effect on 2014-07-18, inside the first
    year of commune lump sums under NĐ 117/2013) the fallback covers the months before it and
    the parameter the months from it; both must name the same terms.
    """
    key = "tntt.base"
    fallback = ("coefficient", "position_coef")
    if key not in params:
        return fallback
    p = params.parameter(key)
    first = p.dates[0]
    if first.year > year:
        return fallback
    if first.year < year or first == _dt.date(year, 1, 1):
        return _base_terms(params, key, year)
    # first value starts inside the year: fallback before it, dated values after it
    within = {tuple(e.value or ()) for e in params.history(key) if e.start.year == year}
    if within != {fallback}:
        raise ParameterError(
            f"parameter {key!r} changes inside {year}: its first value "
            f"{', '.join(map(str, sorted(within)))} differs from the terms used before "
            f"{first} ({', '.join(fallback)}) — a salary base that changes within a year is not "
            "supported"
        )
    return fallback


def bonus_terms(params, year: int) -> tuple[str, ...]:
    """Terms of the salary fund of the NĐ 73/2024 bonus fund (``bonus_fund.base``).

    Empty for a year that ends before the parameter's first date (2024-07-01). In 2024 the
    terms in force from July are used for the whole year; the rate (``bonus_fund.rate``, 0
    before July) limits the fund to the months from 2024-07-01.
    """
    key = "bonus_fund.base"
    if key not in params:
        return ()
    if params.parameter(key).dates[0].year > year:
        return ()
    return _known_terms(key, tuple(params.value(key, _dt.date(year, 12, 31)) or ()), BASE_TERMS)
