"""The bad-input corpus: cases as data, one runner for pytest and for ``tools/bad_inputs.py``.

Every ``*.yaml`` file in this folder is a list of cases. A case copies a base model into a
temporary folder, breaks one thing, runs one command through the command line (in process, or
in a subprocess) and through the Python API, and compares the outcome with what it expects::

    - id: communes-special-tasks-int64      # unique over all files
      was: silent          # outcome before issue 12: located | vague | traceback | silent
      issue: "12.1"        # where the class comes from (optional)
      base: tiny           # tiny (2 communes, 5 staff; default) or a bundled model name
      mutate:              # applied in order; ``file`` is relative to the model folder
        - cell: {file: communes.csv, row: 2, column: special_tasks, value: "9e18"}
      run: budget {model} --year 2017       # CLI arguments; default "validate {model}"
      expect:
        exit: 1            # 1 user error, 2 usage error, 0 success
        text: ["communes.csv", "row 2", "special_tasks"]   # fragments of the message
        api_text: [...]    # fragments for the API run (default: text)
        absent: [...]      # fragments that must not appear (e.g. a cascade of lines)
        where: {file: communes.csv, row: 2, column: special_tasks}   # a located Problem
        api: true          # also run through the API (default: when the command has one)

Mutations (one key per item):

``cell``        ``{file, row, column, value}``: set a table cell; ``row`` is the spreadsheet row
                (header = 1, first data row = 2), a list of rows, or ``all``.
``header``      ``{file, from, to}``: rename a column header (``to`` may repeat another one).
``drop_column`` ``{file, column}``.
``keep_rows``   ``{file, n}``: keep the header and the first ``n`` data rows.
``replace``     ``{file, old, new}``: replace text (the case fails if ``old`` is absent).
``write``       ``{file, text}``: write a whole file (creating folders).
``delete``      ``{file}``.
``encode``      ``{file, encoding}``: re-encode a text file (e.g. ``cp1258``).
``yaml``        ``{file, key, value}``: set a dotted key of a YAML file (date keys as text).
``toml``        ``{key, value}``: set a dotted key of ``model.toml``.
``xlsx``        ``{file}``: turn a CSV table into ``<stem>.xlsx`` (sheet ``<stem>``, numbers as
                numbers) and point ``model.toml`` at it.
``formula``     ``{file, row, column, formula, cached}``: put a formula in a workbook cell,
                with a cached value (as Excel saves it) or none (``cached`` omitted, as a
                generator such as openpyxl leaves it).
``merge``       ``{file, column, rows: [first, last]}``: merge a column's cells (value kept in
                the first, as Excel does).
``mkdir``       ``{path, mode}`` and ``chmod`` ``{path, mode}``: folders for output cases;
                ``path`` may use ``{tmp}`` (the case's scratch folder) and ``{model}``.
``read_only``   ``{path}``: a folder nobody may write into: mode 0555, and when the corpus
                runs as root (who ignores modes) ``os.access``/``os.open``/``os.mkdir`` deny
                writes under it during the run, as a read-only mount would (also in the
                ``--subprocess`` mode, through ``KHOAN_CORPUS_READ_ONLY``).
``write_fault`` ``{errno}``: every ``os.replace`` (the last step of khoan's atomic writes)
                fails with that error (``ENOSPC`` a full disk, ``EROFS`` a read-only file
                system) during the run.
``touch``       ``{path}``: an existing regular file (a "parent that is a file", or a file
                where an output folder is expected).

Commands with an API run (:data:`API`): ``validate``, ``budget``, ``allocate`` (with
``--envelope`` and ``--no-corridor``), ``simulate`` (the three write ``--out`` ``.xlsx`` with
the result's ``to_excel``), ``template`` (``write_template``) and ``run`` (``run_batch`` with
``--out``, ``--jobs``, ``--scheduler``). ``demo`` and ``params`` are command-line only.

Outcomes: **located** (the expected exit code and every fragment), **vague** (an error, but
a fragment is missing, or an error where success with a note was expected), **traceback** (an
exception that is not a :class:`khoan.errors.KhoanError`, or a CLI traceback), **silent**
(success where an error was expected, or success without the expected note).
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
import traceback
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
OUTCOMES = ("located", "vague", "traceback", "silent")

sys.path.insert(0, str(HERE.parent))  # tiny_model, fs_faults

from fs_faults import deny_writes  # noqa: E402


@dataclass
class Case:
    """One bad input and what khoan must answer."""

    id: str
    was: str
    mutate: list[dict]
    run: list[str]
    expect: dict
    base: str = "tiny"
    issue: str = ""
    note: str = ""
    source: str = ""

    @property
    def command(self) -> str:
        return self.run[0] if self.run else ""


@dataclass
class Result:
    """What one run (CLI or API) of a case gave."""

    case: str
    via: str  # cli | api
    outcome: str  # located | vague | traceback | silent
    exit: int | None
    text: str
    missing: list[str] = field(default_factory=list)

    def explain(self) -> str:
        miss = f"; missing {self.missing}" if self.missing else ""
        return f"{self.case} [{self.via}]: {self.outcome} (exit {self.exit}{miss})\n{self.text}"


def load_cases(folder: Path = HERE) -> list[Case]:
    """Every case of every ``*.yaml`` file in ``folder`` (ids must be unique)."""
    cases: list[Case] = []
    seen: dict[str, str] = {}
    for f in sorted(folder.glob("*.yaml")):
        for d in yaml.safe_load(f.read_text(encoding="utf-8")) or []:
            cid = d["id"]
            if cid in seen:
                raise ValueError(f"{f.name}: case id {cid!r} already in {seen[cid]}")
            seen[cid] = f.name
            if d.get("was") not in OUTCOMES:
                raise ValueError(f"{f.name}: {cid}: was must be one of {OUTCOMES}")
            run = d.get("run", "validate {model}")
            cases.append(
                Case(
                    id=cid,
                    was=d["was"],
                    mutate=list(d.get("mutate") or []),
                    run=shlex.split(run) if isinstance(run, str) else [str(a) for a in run],
                    expect=dict(d.get("expect") or {}),
                    base=str(d.get("base", "tiny")),
                    issue=str(d.get("issue", "")),
                    note=str(d.get("note", "")),
                    source=f.name,
                )
            )
    return cases


# ---------------------------------------------------------------------------------------------
# building the broken model


def make_base(base: str, dest: Path) -> Path:
    """Copy the base model into ``dest`` (``tiny``: the two-commune test model with the
    Khánh Hòa 2016 provincial parameters and its outputs for those communes)."""
    if base == "tiny":
        from tiny_model import COMMUNES, STAFF, TOML

        dest.mkdir(parents=True)
        src = ROOT / "models" / "khanh_hoa_2016"
        (dest / "model.toml").write_text(TOML, encoding="utf-8")
        (dest / "communes.csv").write_text(COMMUNES, encoding="utf-8")
        (dest / "staff.csv").write_text(STAFF, encoding="utf-8")
        shutil.copytree(src / "params", dest / "params")
        shutil.copy(src / "scenarios.toml", dest / "scenarios.toml")
        lines = (src / "outputs.csv").read_text(encoding="utf-8").splitlines()
        keep = [lines[0]] + [ln for ln in lines[1:] if ln.split(",")[0] in ("22327", "22330")]
        (dest / "outputs.csv").write_text("\n".join(keep) + "\n", encoding="utf-8")
    else:
        shutil.copytree(ROOT / "models" / base, dest)
    return dest


def _sub(s: Any, model: Path, tmp: Path) -> Any:
    if isinstance(s, str):
        return s.replace("{model}", str(model)).replace("{tmp}", str(tmp))
    return s


def _table(path: Path):
    import csv

    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def _write_table(path: Path, rows) -> None:
    import csv

    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


def _rows(spec, n: int) -> list[int]:
    if spec == "all":
        return list(range(2, n + 1))
    return [int(r) for r in (spec if isinstance(spec, list) else [spec])]


def _set_dotted(d: dict, key: str, value: Any) -> None:
    parts = key.split(".")
    for p in parts[:-1]:
        match = [k for k in d if str(k) == p]
        if match:
            d = d[match[0]]
        else:
            d = d.setdefault(p, {})
    match = [k for k in d if str(k) == parts[-1]]
    d[match[0] if match else parts[-1]] = value


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    s = str(v).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{s}"'


def _dump_toml(meta: dict) -> str:
    lines = [f"{k} = {_toml_value(v)}" for k, v in meta.items() if not isinstance(v, dict)]
    for k, v in meta.items():
        if isinstance(v, dict):
            lines.append(f"\n[{k}]")
            lines += [f"{kk} = {_toml_value(vv)}" for kk, vv in v.items()]
    return "\n".join(lines) + "\n"


def _col_letter(i: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(i + 1)


def _xlsx_col(path: Path, column: str) -> int:
    import openpyxl

    wb = openpyxl.load_workbook(path)
    header = [c.value for c in wb.worksheets[0][1]]
    return header.index(column)


def _set_cached(path: Path, ref: str, cached: Any) -> None:
    """Give the formula in cell ``ref`` a cached value, as Excel does when it saves."""
    with zipfile.ZipFile(path) as z:
        items = {n: z.read(n) for n in z.namelist()}
    name = "xl/worksheets/sheet1.xml"
    xml = items[name].decode("utf-8")
    pat = re.compile(rf'(<c r="{ref}"[^>]*>)(<f>.*?</f>)(<v\s*/>|<v>.*?</v>)?(</c>)')
    if not pat.search(xml):
        raise ValueError(f"no formula in {ref}")
    xml = pat.sub(lambda m: f"{m.group(1)}{m.group(2)}<v>{cached}</v>{m.group(4)}", xml)
    items[name] = xml.encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, b in items.items():
            z.writestr(n, b)


@dataclass
class Faults:
    """What the run itself must meet: read-only folders, a failing ``os.replace``."""

    read_only: list[Path] = field(default_factory=list)
    replace_errno: int | None = None

    def env(self) -> dict[str, str]:
        return {
            "KHOAN_CORPUS_READ_ONLY": os.pathsep.join(str(f) for f in self.read_only),
            "KHOAN_CORPUS_WRITE_FAULT": str(self.replace_errno or ""),
        }


def apply(model: Path, tmp: Path, mutate: list[dict]) -> Faults:
    """Apply a case's mutations to the model folder ``model``; return the run's faults."""
    faults = Faults()
    for item in mutate:
        ((op, a),) = item.items()
        a = {k: _sub(v, model, tmp) for k, v in (a or {}).items()}
        f = model / a["file"] if "file" in a else None
        if op == "cell":
            rows = _table(f)
            j = rows[0].index(a["column"])
            for r in _rows(a["row"], len(rows)):
                rows[r - 1][j] = str(a["value"])
            _write_table(f, rows)
        elif op == "header":
            rows = _table(f)
            rows[0][rows[0].index(a["from"])] = a["to"]
            _write_table(f, rows)
        elif op == "drop_column":
            rows = _table(f)
            j = rows[0].index(a["column"])
            _write_table(f, [r[:j] + r[j + 1 :] for r in rows])
        elif op == "keep_rows":
            _write_table(f, _table(f)[: 1 + int(a["n"])])
        elif op == "replace":
            text = f.read_text(encoding="utf-8")
            if a["old"] not in text:
                raise ValueError(f"{a['file']}: {a['old']!r} not found")
            f.write_text(text.replace(a["old"], str(a["new"])), encoding="utf-8")
        elif op == "write":
            f.parent.mkdir(parents=True, exist_ok=True)
            f.write_text(a["text"], encoding="utf-8")
        elif op == "delete":
            f.unlink()
        elif op == "encode":
            f.write_bytes(f.read_text(encoding="utf-8").encode(a["encoding"], errors="replace"))
        elif op == "yaml":
            d = yaml.safe_load(f.read_text(encoding="utf-8"))
            _set_dotted(d, a["key"], a["value"])
            f.write_text(yaml.safe_dump(d, allow_unicode=True, sort_keys=False), "utf-8")
        elif op == "toml":
            t = model / "model.toml"
            meta = tomllib.loads(t.read_text(encoding="utf-8"))
            _set_dotted(meta, a["key"], a["value"])
            t.write_text(_dump_toml(meta), encoding="utf-8")
        elif op == "xlsx":
            import openpyxl

            rows = _table(f)
            wb = openpyxl.Workbook()
            ws = wb.active
            ws.title = f.stem
            for r in rows:
                out = []
                for v in r:
                    try:
                        out.append(int(v) if re.fullmatch(r"-?\d{1,15}", v) else float(v))
                    except ValueError:
                        out.append(v if v != "" else None)
                ws.append(out)
            dest = f.with_suffix(".xlsx")
            wb.save(dest)
            f.unlink()
            t = model / "model.toml"
            meta = tomllib.loads(t.read_text(encoding="utf-8"))
            meta.setdefault("tables", {})[f.stem] = f"{dest.name}#{f.stem}"
            t.write_text(_dump_toml(meta), encoding="utf-8")
        elif op == "formula":
            import openpyxl

            j = _xlsx_col(f, a["column"])
            wb = openpyxl.load_workbook(f)
            ws = wb.worksheets[0]
            ref = f"{_col_letter(j)}{int(a['row'])}"
            ws[ref] = a["formula"]
            wb.save(f)
            if a.get("cached") is not None:
                _set_cached(f, ref, a["cached"])
        elif op == "merge":
            import openpyxl

            j = _xlsx_col(f, a["column"])
            wb = openpyxl.load_workbook(f)
            ws = wb.worksheets[0]
            r0, r1 = (int(x) for x in a["rows"])
            ws.merge_cells(f"{_col_letter(j)}{r0}:{_col_letter(j)}{r1}")
            wb.save(f)
        elif op == "mkdir":
            p = Path(a["path"])
            p.mkdir(parents=True, exist_ok=True)
            if "mode" in a:
                p.chmod(int(a["mode"]))
        elif op == "chmod":
            Path(a["path"]).chmod(int(a["mode"]))
        elif op == "read_only":
            p = Path(a["path"])
            p.mkdir(parents=True, exist_ok=True)
            p.chmod(0o555)
            faults.read_only.append(p)
        elif op == "write_fault":
            import errno

            faults.replace_errno = getattr(errno, str(a["errno"]))
        elif op == "touch":
            p = Path(a["path"])
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text("x", encoding="utf-8")
        else:
            raise ValueError(f"unknown mutation {op!r}")
    return faults


def denied(faults: Faults):
    """The faults hold during the block (a context manager): writes under the read-only
    folders refused, for root too (``tests/fs_faults.py``); with ``replace_errno``,
    ``os.replace`` fails with that error."""
    return deny_writes(faults.read_only, faults.replace_errno)


def deny_from_env() -> None:
    """In a ``--subprocess`` run: the faults of ``KHOAN_CORPUS_READ_ONLY`` (folders,
    ``os.pathsep``-separated) and ``KHOAN_CORPUS_WRITE_FAULT`` (an errno) for the rest of the
    process."""
    folders = os.environ.get("KHOAN_CORPUS_READ_ONLY", "").split(os.pathsep)
    code = os.environ.get("KHOAN_CORPUS_WRITE_FAULT", "")
    faults = Faults([Path(f) for f in folders if f], int(code) if code else None)
    global _ACTIVE  # kept: a collected context manager would undo the faults
    _ACTIVE = denied(faults)
    _ACTIVE.__enter__()


_ACTIVE: Any = None


# ---------------------------------------------------------------------------------------------
# running


def _flat(text: str) -> str:
    """Whitespace collapsed (the console wraps long lines)."""
    return " ".join(text.split())


def _classify(case: Case, via: str, code: int | None, text: str, problems=None) -> Result:
    want = int(case.expect.get("exit", 1))
    key = "api_text" if via == "api" and "api_text" in case.expect else "text"
    frags = [str(t) for t in case.expect.get(key, [])]
    flat = _flat(text)
    missing = [t for t in frags if _flat(t) not in flat]
    missing += [f"absent: {t}" for t in case.expect.get("absent", []) if _flat(t) in flat]
    where = case.expect.get("where")
    if where and problems is not None:
        ok = any(all(str(getattr(p, k)) == str(v) for k, v in where.items()) for p in problems)
        if not ok:
            missing.append(f"problem at {where}")
    elif where and via == "cli":
        for k, v in where.items():
            frag = {"row": f"row {v}", "column": f"column '{v}'"}.get(k, str(v))
            if frag not in flat:
                missing.append(frag)
    if code is None:
        outcome = "traceback"
    elif want != 0 and code == 0:
        outcome = "silent"
    elif want == 0 and code == 0:
        outcome = "silent" if missing else "located"
    elif code != want:
        outcome = "vague"
        missing.append(f"exit {want}")
    else:
        outcome = "vague" if missing else "located"
    return Result(case.id, via, outcome, code, text, missing)


def run_cli(
    case: Case, model: Path, tmp: Path, subprocess_: bool = False, faults: Faults | None = None
) -> Result:
    """Run the case's command line, in this process (default) or a fresh one."""
    argv = [_sub(a, model, tmp) for a in case.run]
    if subprocess_:
        env = dict(
            os.environ,
            PYTHONPATH=os.pathsep.join([os.environ.get("PYTHONPATH") or str(ROOT), str(HERE)]),
            COLUMNS="110",
            **(faults or Faults()).env(),
        )
        code_ = "import corpus; corpus.deny_from_env(); from khoan.cli import main; main()"
        p = subprocess.run(
            [sys.executable, "-c", code_, *argv],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp,
            timeout=600,
        )
        text = p.stdout + p.stderr
        code = None if "Traceback (most recent call last)" in text else p.returncode
        return _classify(case, "cli", code, text)
    from khoan import cli

    out, err = io.StringIO(), io.StringIO()
    code: int | None = 0
    cwd = os.getcwd()
    try:
        os.chdir(tmp)
        with (
            denied(faults or Faults()),
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
        ):
            try:
                cli.main(argv)
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            except Exception:
                code = None
                err.write(traceback.format_exc())
    finally:
        os.chdir(cwd)
    return _classify(case, "cli", code, out.getvalue() + err.getvalue())


def _opt(argv: list[str], name: str, default=None):
    return argv[argv.index(name) + 1] if name in argv else default


def _api_validate(model: Path, argv: list[str]):
    import khoan

    m = khoan.load(argv[1], strict="--strict" in argv)
    return m, [str(n) for n in m.notices]


def _write_out(result, argv: list[str]) -> None:
    """The API side of ``--out``: the result's own ``to_excel``."""
    out = _opt(argv, "--out")
    if out is not None:
        result.to_excel(out)


def _api_budget(model: Path, argv: list[str]):
    import khoan

    m = khoan.load(argv[1])
    b = khoan.budget(m, int(_opt(argv, "--year")))
    _write_out(b, argv)
    return b, [str(n) for n in m.notices] + [str(n) for n in b.notes]


def _api_allocate(model: Path, argv: list[str]):
    import khoan

    m = khoan.load(argv[1])
    year = int(_opt(argv, "--year"))
    kw = {"corridor": False} if "--no-corridor" in argv else {}
    r = khoan.allocate(m, year, _opt(argv, "--envelope", "norm"), **kw)
    _write_out(r, argv)
    return r, [str(n) for n in m.notices] + [str(n) for n in getattr(r, "notes", [])]


def _api_simulate(model: Path, argv: list[str]):
    import khoan
    from khoan.scenarios import run_scenario_cli

    m = khoan.load(argv[1])
    r = run_scenario_cli(m, _opt(argv, "--scenario"))
    _write_out(r, argv)
    return r, [str(n) for n in m.notices] + [str(n) for n in getattr(r, "notes", [])]


def _api_template(model: Path, argv: list[str]):
    from khoan.report.template import write_template

    path = write_template(argv[1], lang=_opt(argv, "--lang", "vi"))
    return path, [f"wrote {path}"]


def _api_run(model: Path, argv: list[str]):
    import khoan
    from khoan.batch import load_batch_scenarios

    scenarios = load_batch_scenarios(argv[1])
    m = khoan.load(_opt(argv, "--model"))
    jobs = int(_opt(argv, "--jobs", "1"))
    executor = _opt(argv, "--scheduler") or ("processes" if jobs > 1 else None)
    r = khoan.run_batch(m, scenarios, _opt(argv, "--out"), executor, progress=False, jobs=jobs)
    return r, [f"{len(r.table)} scenarios, {len(r.failed)} failed"]


#: The API call of each command: ``f(model, argv)`` with ``argv`` the case's command line after
#: substitution (``argv[1]`` is the model folder, or the workbook of ``template``, or the grid
#: file of ``run``); returns (result, notes as text).
API = {
    "validate": _api_validate,
    "budget": _api_budget,
    "allocate": _api_allocate,
    "simulate": _api_simulate,
    "template": _api_template,
    "run": _api_run,
}


def has_api(case: Case) -> bool:
    return case.command in API and case.expect.get("api", True) is not False


def run_api(case: Case, model: Path, tmp: Path, faults: Faults | None = None) -> Result:
    """Run the case through the Python API (the command's entry in :data:`API`)."""
    from khoan.errors import KhoanError

    argv = [_sub(a, model, tmp) for a in case.run]
    try:
        with denied(faults or Faults()):
            _, notes = API[case.command](model, argv)
    except KhoanError as exc:
        want = int(case.expect.get("exit", 1))
        code = want if want != 0 else 1  # the API has no exit codes: an error is "an error"
        return _classify(case, "api", code, str(exc), getattr(exc, "problems", None))
    except Exception:
        return _classify(case, "api", None, traceback.format_exc())
    return _classify(case, "api", 0, "\n".join(notes), None)


def run_case(case: Case, tmp: Path, via: str = "cli", subprocess_: bool = False) -> Result:
    """Build the broken model under ``tmp`` and run the case ``via`` cli or api."""
    tmp.mkdir(parents=True, exist_ok=True)
    model = make_base(case.base, tmp / "model")
    faults = apply(model, tmp, case.mutate)
    try:
        if via == "api":
            return run_api(case, model, tmp, faults)
        return run_cli(case, model, tmp, subprocess_, faults)
    finally:
        for f in faults.read_only:  # so that the scratch folder can be removed
            f.chmod(0o755)


def figures(results: list[Result], cases: list[Case]) -> str:
    """The table of figures: classes tried, and how many of each outcome before issue 12 and
    now, for each case file and for all of them. A case counts as its worst run (CLI or API)."""
    by_case: dict[str, str] = {}
    order = {o: i for i, o in enumerate(("traceback", "silent", "vague", "located"))}
    for r in results:
        prev = by_case.get(r.case)
        if prev is None or order[r.outcome] < order[prev]:
            by_case[r.case] = r.outcome
    lines = [
        "| cases | | tried | located error | vague | traceback | silent |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    sources = sorted({c.source for c in cases})
    groups = [(f"`{s}`", [c for c in cases if c.source == s]) for s in sources]
    if len(groups) > 1:
        groups.append(("all", cases))
    for name, group in groups:
        was = [c.was for c in group]
        now = [by_case[c.id] for c in group if c.id in by_case]
        for label, outs in (("before issue 12", was), ("now", now)):
            counts = " | ".join(str(outs.count(o)) for o in OUTCOMES)
            lines.append(f"| {name} | {label} | {len(outs)} | {counts} |")
    return "\n".join(lines)
