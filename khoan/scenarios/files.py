"""Scenario files: one TOML grammar for lists of scenarios and for grids, with file and line.

A scenario file lists scenarios, describes a grid, or both::

    title = "Kịch bản tinh giản 2016–2020"      # optional free text (also: description)

    [defaults]                      # optional: fields shared by every scenario of the file
    years = [2016, 2020]
    regime = "nd108"

    [overrides.base_salary_2020]    # optional: named parameter overrides (Calliope-style)
    description = "Base salary rises earlier"
    changes = { "salary.base" = { "2020-01-01" = 1600000 } }

    [scenarios.nq39_10pct]          # listed scenarios: one table per scenario
    policy = "early_retirement"
    target = { share = "reduction.targets.nq39.rate", base_year = 2015, by = 2020 }
    overrides = ["base_salary_2020"]

    name = "{base}-{policy}-{target}"   # grid only, optional: format of the generated names
                                        # (a top-level key: write it before the first table)
    [base]                          # grid: the fields every generated scenario starts from
    name = "nq39"
    overrides = ["base_salary_2020"]

    [grid]                          # grid: the cartesian product of these values
    policy = ["attrition", "early_retirement"]
    target = [{ share = 0.05 }, { share = 0.10 }]
    overrides = [[], ["base_salary_2020"]]

``[defaults]`` applies to the listed scenarios and to ``[base]``. Names of generated
scenarios follow :func:`khoan.scenarios.grid.grid`. Every error names the file, the line of
the offending key (or of its table), the scenario and the field, and suggests the closest
known name for a misspelt key (:class:`~khoan.errors.ScenarioError`).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import fields
from pathlib import Path
from typing import Any

from ..errors import ScenarioError
from ..params import Override
from .grid import grid, scenario_name
from .scenario import Scenario, ScenarioSource, Target, scenario_error
from .scenario import suggest as _suggest

__all__ = ["expand", "load_scenario", "load_scenarios", "scenarios_from_data"]

#: Top-level keys and tables of a scenario file.
TOP_LEVEL = ("title", "description", "name", "defaults", "overrides", "scenarios", "base", "grid")

_FIELDS = {f.name for f in fields(Scenario)} - {"name", "source"}
_TARGET_FIELDS = {f.name for f in fields(Target)}

# ---------------------------------------------------------------------------------------------
# line numbers of the keys of a TOML text

_HEADER = re.compile(r"^\s*\[\[?\s*(?P<key>[^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEYLINE = re.compile(
    r"""^\s*(?P<key>(?:[A-Za-z0-9_\-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_\-]+|"[^"]*"|'[^']*'))*)\s*="""
)
_INLINE_KEY = re.compile(r"""[{,]\s*(?P<key>[A-Za-z0-9_\-]+|"[^"]*")\s*=""")

Lines = dict[tuple[str, ...], int]


def _split_key(key: str) -> list[str]:
    parts = re.findall(r"""\s*("[^"]*"|'[^']*'|[^.\s]+)\s*(?:\.|$)""", key)
    return [p[1:-1] if p[:1] in "\"'" else p for p in parts]


def _locate(text: str) -> Lines:
    """The 1-based line on which each table and key is first written.

    Keys are full dotted paths as tuples: ``("scenarios", "nq39")`` for the header
    ``[scenarios.nq39]`` (or ``nq39 = {...}`` inside ``[scenarios]``),
    ``("scenarios", "nq39", "target", "share")`` for a key of an inline table,
    ``("grid", "policy")``, ``("name",)``.
    """
    found: Lines = {}
    table: tuple[str, ...] = ()
    for no, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0] if '"' not in raw and "'" not in raw else raw
        if not line.strip():
            continue
        m = _HEADER.match(line)
        if m and not _KEYLINE.match(line):
            table = tuple(_split_key(m.group("key")))
            for k in range(1, len(table) + 1):
                found.setdefault(table[:k], no)
            continue
        m = _KEYLINE.match(line)
        if not m:
            continue
        full = (*table, *_split_key(m.group("key")))
        for k in range(len(table) + 1, len(full) + 1):
            found.setdefault(full[:k], no)
        rest = line[m.end() :]
        if "{" in rest:
            for im in _INLINE_KEY.finditer(rest):
                found.setdefault((*full, im.group("key").strip("\"'")), no)
    return found


class _Doc:
    """A scenario file being read: its name and the lines of its keys (none in memory)."""

    def __init__(self, file: str | None, lines: Lines | None = None):
        self.file = file
        self.lines = lines or {}

    def line(self, *key: str) -> int | None:
        return self.lines.get(key)

    def fields(self, *prefix: str) -> dict[str, int]:
        """Dotted key -> line, for the keys under the table ``prefix``."""
        n = len(prefix)
        return {
            ".".join(k[n:]): no for k, no in self.lines.items() if len(k) > n and k[:n] == prefix
        }

    def source(self, line: int | None, *tables: tuple[str, ...]) -> ScenarioSource | None:
        """Where a scenario was written: ``line`` of its table, fields of ``tables`` (later win)."""
        if self.file is None:
            return None
        fl: dict[str, int] = {}
        for t in tables:
            fl.update(self.fields(*t))
        return ScenarioSource(self.file, line, tuple(sorted(fl.items(), key=lambda x: x[1])))

    def error(self, key: tuple[str, ...], reason: str, field: str | None = None) -> ScenarioError:
        """An error about the file's key ``key`` (not about one scenario)."""
        line = None
        for k in range(len(key), 0, -1):
            line = self.lines.get(key[:k])
            if line is not None:
                break
        where = ""
        if self.file is not None:
            where = f"{self.file}, line {line}: " if line else f"{self.file}: "
        err = ScenarioError(f"{where}{reason}")
        err.scenario = None  # type: ignore[attr-defined]
        err.field = field  # type: ignore[attr-defined]
        err.file = self.file  # type: ignore[attr-defined]
        err.line = line  # type: ignore[attr-defined]
        return err


# ---------------------------------------------------------------------------------------------
# reading


def load_scenarios(path: str | Path) -> dict[str, Scenario]:
    """Read every scenario of a scenario file (or of a model folder's ``scenarios.toml``).

    The file lists scenarios (``[scenarios.NAME]`` tables), describes a grid (``[base]`` +
    ``[grid]``), or both; see :mod:`khoan.scenarios.files` for the grammar.

    Parameters
    ----------
    path : str or Path
        The file, or a model folder holding ``scenarios.toml``.

    Returns
    -------
    dict
        ``{name: Scenario}``: the listed scenarios in file order, then the grid's.

    Raises
    ------
    ScenarioError
        Naming the file, line, scenario, field and reason: invalid TOML, unknown table, field
        or grid field (with the closest known name), unknown policy or regime, malformed years,
        target or overrides, an override name that the file does not define, a name given
        twice. Checks that need a model's parameters (validity of the decision date for the
        regime, parameter coverage of the years) run in :func:`khoan.simulate`
        (:func:`khoan.scenarios.simulate.check`).
    """
    p = Path(path)
    if p.is_dir():
        p = p / "scenarios.toml"
    src0 = ScenarioSource(str(p))
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise scenario_error(None, None, "file not found", src0) from None
    except UnicodeDecodeError as exc:
        raise scenario_error(None, None, f"not UTF-8 text ({exc})", src0) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        src = ScenarioSource(str(p), int(m.group(1)) if m else None)
        raise scenario_error(None, None, f"not valid TOML: {exc}", src) from None
    return scenarios_from_data(data, _Doc(str(p), _locate(text)))


def scenarios_from_data(data: Mapping[str, Any], doc: _Doc | None = None) -> dict[str, Any]:
    """Scenarios of a scenario file already parsed (or of the same mapping built in code).

    In code, ``scenarios`` may also be a list, and ``base`` (or a listed scenario) a scenario
    object rather than a table of fields.
    """
    doc = doc or _Doc(None)
    unknown = [k for k in data if k not in TOP_LEVEL]
    if unknown:
        k = unknown[0]
        raise doc.error(
            (k,),
            f"unknown top-level table or key {k!r}{_suggest(k, TOP_LEVEL)}: a scenario file "
            "has [scenarios.NAME] tables and/or [base] + [grid], with [defaults] and "
            "[overrides.NAME]",
        )
    defaults = data.get("defaults", {})
    named = data.get("overrides", {})
    if not isinstance(defaults, Mapping):
        raise doc.error(("defaults",), "[defaults] must be a table of fields")
    if not isinstance(named, Mapping):
        raise doc.error(("overrides",), "[overrides] must hold named tables", "overrides")
    listed = data.get("scenarios", {})
    has_grid = "grid" in data
    if not has_grid:
        extra = [k for k in ("base", "name") if k in data]
        if extra:
            raise doc.error(
                (extra[0],), f"{extra[0]!r} belongs to a grid: add a [grid] table of values"
            )
        if not listed:
            raise scenario_error(None, None, "no [scenarios.NAME] table", doc.source(None))
    if not isinstance(listed, Mapping | list | tuple):
        raise doc.error(("scenarios",), "[scenarios] must hold one table per scenario")

    out: dict[str, Any] = {}

    def add(sc: Any, key: tuple[str, ...]) -> None:
        n = scenario_name(sc)
        if n in out:
            raise doc.error(key, f"scenario name {n!r} given twice")
        out[n] = sc

    items = listed.items() if isinstance(listed, Mapping) else ((None, b) for b in listed)
    for name, body in items:
        if name is not None and not isinstance(body, Mapping):
            raise scenario_error(
                name, None, "must be a table of fields", doc.source(doc.line("scenarios", name))
            )
        if not isinstance(body, Mapping):
            add(body, ("scenarios",))
            continue
        n = str(name) if name is not None else str(body.get("name", "base"))
        src = doc.source(doc.line("scenarios", n), ("defaults",), ("scenarios", n))
        body = {k: v for k, v in body.items() if k != "name"}
        add(_from_mapping(n, {**defaults, **body}, named, src), ("scenarios", n))
    if has_grid:
        for sc in _grid(data, defaults, named, doc):
            add(sc, ("grid",))
    return out


def _grid(
    data: Mapping[str, Any], defaults: Mapping[str, Any], named: Mapping[str, Any], doc: _Doc
) -> list[Any]:
    g = data["grid"]
    if not isinstance(g, Mapping) or not g:
        raise doc.error(("grid",), "[grid] must be a table: field = [values, ...]")
    base = data.get("base", {})
    if isinstance(base, Mapping):
        n = str(base.get("name", "base"))
        header = doc.line("base") or doc.line("grid")
        src = doc.source(header, ("defaults",), ("base",), ("grid",))
        body = {k: v for k, v in base.items() if k != "name"}
        base = _from_mapping(n, {**defaults, **body}, named, src)
    if isinstance(base, Scenario):
        for k in g:
            if k not in _FIELDS:
                raise doc.error(
                    ("grid", k),
                    f"[grid], field {k!r}: unknown field{_suggest(k, sorted(_FIELDS))}",
                    k,
                )
    g = dict(g)
    if "overrides" in g:
        if isinstance(g["overrides"], str | Mapping) or not isinstance(g["overrides"], Iterable):
            raise doc.error(
                ("grid", "overrides"),
                "[grid], field 'overrides': a list of choices, each a list of override names",
                "overrides",
            )
        g["overrides"] = [tuple(_override_tables(v, named, doc)) for v in g["overrides"]]
    fmt = data.get("name")
    if fmt is not None and not isinstance(fmt, str):
        raise doc.error(("name",), 'name = "..." is the format of the generated names')
    try:
        return grid(base, name=fmt, **g)
    except ScenarioError as exc:
        if getattr(exc, "file", None) or doc.file is None:
            raise
        k = getattr(exc, "field", None)
        raise doc.error(("grid", k) if k else ("grid",), str(exc), k) from None


def _override_tables(value: Any, named: Mapping[str, Any], doc: _Doc) -> list[Any]:
    """Override names of a grid value -> ``{"name", "changes", "description"}`` tables."""
    items = [value] if isinstance(value, str | Mapping) else list(value)
    out = []
    for o in items:
        if isinstance(o, str):
            body = named.get(o)
            if not isinstance(body, Mapping) or "changes" not in body:
                raise doc.error(
                    ("grid", "overrides"),
                    f"[grid], field 'overrides': no [overrides.{o}] table with 'changes' in "
                    f"the file{_suggest(o, list(named))}",
                    "overrides",
                )
            out.append({"name": o, **dict(body)})
        else:
            out.append(o)
    return out


def _from_mapping(
    name: str,
    body: Mapping[str, Any],
    named: Mapping[str, Any],
    src: ScenarioSource | None,
) -> Scenario:
    unknown = [k for k in body if k not in _FIELDS]
    if unknown:
        k = unknown[0]
        raise scenario_error(name, k, f"unknown field{_suggest(k, sorted(_FIELDS))}", src)
    kw: dict[str, Any] = dict(body)
    if "years" not in kw:
        raise scenario_error(name, "years", "missing: give years = [first, last]", src)
    t = kw.get("target")
    if t is not None and not isinstance(t, Target):
        if not isinstance(t, Mapping):
            raise scenario_error(
                name, "target", "must be a table (share/count/rate, scope, ...)", src
            )
        bad = [k for k in t if k not in _TARGET_FIELDS]
        if bad:
            raise scenario_error(
                name,
                f"target.{bad[0]}",
                f"unknown field{_suggest(bad[0], sorted(_TARGET_FIELDS))}",
                src,
            )
        kw["target"] = Target(**t)
    ovs = kw.get("overrides", ())
    if isinstance(ovs, str | Mapping):
        ovs = [ovs]
    resolved = []
    for o in ovs:
        if isinstance(o, str):
            if o not in named:
                raise scenario_error(
                    name,
                    "overrides",
                    f"no [overrides.{o}] table in the file{_suggest(o, list(named))}",
                    src,
                )
            body_o = named[o]
            if not isinstance(body_o, Mapping) or "changes" not in body_o:
                raise scenario_error(
                    name, "overrides", f"[overrides.{o}] needs a 'changes' table", src
                )
            resolved.append(
                Override(o, dict(body_o["changes"]), str(body_o.get("description", "")))
            )
        else:
            resolved.append(o)
    kw["overrides"] = resolved
    for f in ("categories", "order", "kinds"):
        if isinstance(kw.get(f), list):
            kw[f] = tuple(kw[f])
    return Scenario(name=name, source=src, **kw)


def expand(scenarios: Any) -> list[Any]:
    """A list of scenarios from a list, a single scenario, or the mapping of a scenario file.

    The mapping is what :func:`load_scenarios` reads from TOML (``base``, ``grid``, ``name``,
    ``defaults``, ``overrides``, ``scenarios``); in code ``base`` may be a scenario object.
    Mappings in a list are tables of :class:`~khoan.Scenario` fields.
    """
    if isinstance(scenarios, Mapping):
        return list(scenarios_from_data(scenarios).values())
    if isinstance(scenarios, str | bytes) or not isinstance(scenarios, Iterable):
        return [scenarios]
    out = []
    for s in scenarios:
        if isinstance(s, Mapping):
            body = dict(s)
            n = str(body.pop("name", None) or "")
            if not n:
                raise ScenarioError(f"a scenario has no name: {s!r}")
            s = _from_mapping(n, body, {}, None)
        out.append(s)
    return out


def load_scenario(path: str | Path, name: str | None = None) -> Scenario:
    """Read one scenario of a scenario file (``name`` may be omitted when it holds one).

    Raises
    ------
    ScenarioError
        As :func:`load_scenarios`; also when ``name`` is not in the file (with the closest
        name), or is omitted while the file holds several scenarios.
    """
    found = load_scenarios(path)
    if name is None:
        if len(found) != 1:
            raise scenario_error(
                None,
                None,
                f"the file holds {len(found)} scenarios ({', '.join(found)}): name one",
                ScenarioSource(str(path)),
            )
        return next(iter(found.values()))
    if name not in found:
        raise scenario_error(
            name,
            None,
            f"no such scenario in the file{_suggest(name, list(found))} "
            f"(scenarios: {', '.join(found) or 'none'})",
            ScenarioSource(str(path)),
        )
    return found[name]
