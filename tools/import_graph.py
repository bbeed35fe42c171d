"""Import graph of the khoan package: circles, upward imports and private names across modules.

Usage::

    python tools/import_graph.py          # prints problems; exit 1 if any
    python tools/import_graph.py --graph  # also prints every edge, module by module

Every ``import`` / ``from … import`` in ``khoan/**/*.py`` counts, at module level or inside a
function (a deferred import is still a dependency), except under ``if TYPE_CHECKING:`` and in a
module-level ``__getattr__`` (PEP 562: an old import path kept as an alias, e.g.
``khoan.budget.settle``, is not a dependency of the module).

Checks:

1. **circles** — strongly connected components of the module graph (one module = one file;
   a package's ``__init__`` is its own node);
2. **upward imports** — every module belongs to a layer (``LAYERS`` below, lowest first); a
   module may import its own layer or a lower one, never a higher one. The package's public
   ``khoan/__init__.py`` sits on top and may import anything; nothing inside khoan imports it
   except for ``__version__`` (provenance), which is allowed;
3. **private names** — ``from khoan.x import _name`` across modules (a package's ``__init__``
   importing from its own submodules is allowed).
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PKG = ROOT / "khoan"

#: Layers, lowest first. A module is in the layer of its longest listed prefix.
LAYERS: list[tuple[str, ...]] = [
    (
        "khoan.errors",
        "khoan._callable",
        "khoan._files",
        "khoan._canonical",
        "khoan._frames",
        "khoan.periods",
        "khoan.notes",
    ),  # days, months, đồng, bilingual notes; no law
    ("khoan.params", "khoan.params.parameter"),  # dated parameters (one file; the tree)
    ("khoan.data",),  # schemas, readers, registry of admin units
    (
        "khoan.payroll_rates",  # codes and monthly rates of a payroll year
        "khoan.payroll_inputs",  # the roster's checks and per-person arrays
        "khoan.payroll_fullyear",  # people present all year: prefix sums of the rates
        "khoan.payroll",  # the engine: pay month by month, annual sums
        "khoan.salary_history",
        "khoan.retirement",  # retirement ages (NĐ 135/2020), year rounding
        "khoan.benefit_inputs",  # the checks of a table of people for benefits.compute
        "khoan.benefits",
    ),  # pay; one-off benefits
    ("khoan.lumpsum",),  # the lump-sum rules, once
    # labels, formats, workbooks, charts; the printable report's tables and fpdf primitives
    (
        "khoan.report",
        "khoan.report.labels_data",
        "khoan.report.plots_style",
        "khoan.report.excel_cells",
        "khoan.report.excel_content",
        "khoan.report.excel_rows",
        "khoan.report.template_write",
        "khoan.report.pdf_tables",
        "khoan.report.pdf_layout",
    ),
    # a model: tables + params, its cross-table checks; the input template read back
    (
        "khoan.model",
        "khoan.model_check",
        "khoan.examples",
        "khoan.report.template",
        "khoan.report.template_read",
    ),
    ("khoan.data.synth", "khoan.data.synth_staff"),  # synthetic models
    ("khoan.budget",),  # lump sum of a model and year
    ("khoan.settlement",),  # savings and TNTT at year end
    # allocation; staff-reduction projection (inside khoan.scenarios, top-down:
    # monthly_pay → universe → benefit_tables → plan → projection → simulate; no circle)
    (
        "khoan.allocate",
        "khoan.scenarios",
        "khoan.scenarios.monthly_pay",
        "khoan.scenarios.year_pay",
        "khoan.scenarios.universe",
        "khoan.scenarios.benefit_tables",
        "khoan.scenarios.plan",
        "khoan.scenarios.projection",
        "khoan.scenarios.simulate",
    ),
    ("khoan.batch",),  # many scenarios
    ("khoan.report.pdf",),  # the printable report: a budget and a scenario on paper
    ("khoan.lawcases", "khoan.lawcases_read"),  # law cases as data (khoan check)
    ("khoan.demo", "khoan.cli"),  # the command line
    ("khoan",),  # public API (lazy)
]
#: Private names imported across modules that belong to other work in progress (owner noted);
#: each is still printed, as a note, but does not fail the check.
ALLOWED_PRIVATE: set[tuple[str, str, str]] = set()


notes: list[str] = []


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _type_checking(node: ast.If) -> bool:
    t = node.test
    return (isinstance(t, ast.Name) and t.id == "TYPE_CHECKING") or (
        isinstance(t, ast.Attribute) and t.attr == "TYPE_CHECKING"
    )


def imports(path: Path, modules: set[str]) -> list[tuple[str, list[str], int]]:
    """(imported module, names imported, line) for every khoan import in ``path``."""
    me = module_name(path)
    is_pkg = path.name == "__init__.py"
    base = me.split(".") if is_pkg else me.split(".")[:-1]
    out: list[tuple[str, list[str], int]] = []
    tree = ast.parse(path.read_text(encoding="utf-8"))

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _type_checking(child):
                for sub in child.orelse:
                    visit(sub)
                continue
            if isinstance(child, ast.FunctionDef) and node is tree and child.name == "__getattr__":
                continue
            if isinstance(child, ast.Import):
                for a in child.names:
                    if a.name.split(".")[0] == "khoan":
                        out.append((a.name, [], child.lineno))
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    anchor = base[: len(base) - (child.level - 1)]
                    target = ".".join(anchor + ([child.module] if child.module else []))
                else:
                    target = child.module or ""
                if target.split(".")[0] != "khoan":
                    continue
                names = [a.name for a in child.names]
                # ``from . import x`` may import a submodule
                subs = [f"{target}.{n}" for n in names if f"{target}.{n}" in modules]
                for s in subs:
                    out.append((s, [], child.lineno))
                rest = [n for n in names if f"{target}.{n}" not in modules]
                if rest or not subs:
                    out.append((target, rest, child.lineno))
            elif isinstance(child, ast.Call):
                # importlib.import_module("khoan.x")
                f = child.func
                if (
                    isinstance(f, ast.Attribute)
                    and f.attr == "import_module"
                    and child.args
                    and isinstance(child.args[0], ast.Constant)
                    and str(child.args[0].value).startswith("khoan")
                ):
                    out.append((str(child.args[0].value), [], child.lineno))
            visit(child)

    visit(tree)
    return out


def layer(mod: str) -> int:
    best, where = -1, len(LAYERS) - 1
    for i, group in enumerate(LAYERS):
        for prefix in group:
            if (mod == prefix or mod.startswith(prefix + ".")) and len(prefix) > best:
                best, where = len(prefix), i
    return where


def graph() -> tuple[dict[str, set[str]], list[str]]:
    files = sorted(PKG.rglob("*.py"))
    modules = {module_name(f) for f in files}
    edges: dict[str, set[str]] = {m: set() for m in modules}
    problems: list[str] = []
    notes.clear()
    for f in files:
        me = module_name(f)
        for target, names, line in imports(f, modules):
            while target not in modules and "." in target:
                target = target.rsplit(".", 1)[0]
            if target == me or target not in modules:
                continue
            where = f"{f.relative_to(ROOT)}:{line}"
            if target == "khoan" and names == ["__version__"]:
                continue
            edges[me].add(target)
            if layer(target) > layer(me):
                problems.append(
                    f"upward import: {me} (layer {layer(me)}) imports {target} "
                    f"(layer {layer(target)}) at {where}"
                )
            own = me == target.rsplit(".", 1)[0] and f.name == "__init__.py"
            private = [n for n in names if n.startswith("_") and not n.startswith("__")]
            if private and not own:
                msg = f"private name: {me} imports {', '.join(private)} from {target} at {where}"
                if all((me, target, n) in ALLOWED_PRIVATE for n in private):
                    notes.append("note (allowed for now): " + msg)
                else:
                    problems.append(msg)
    return edges, problems


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def strong(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10_000)
    for v in sorted(edges):
        if v not in index:
            strong(v)
    return out


def main(argv: list[str]) -> int:
    edges, problems = graph()
    for comp in cycles(edges):
        problems.insert(0, "import circle: " + " -> ".join(comp))
    if "--graph" in argv:
        for m in sorted(edges):
            print(f"{m} [layer {layer(m)}] -> {', '.join(sorted(edges[m])) or '-'}")
    for p in [*notes, *problems]:
        print(p)
    n = sum(len(v) for v in edges.values())
    print(f"{len(edges)} modules, {n} imports, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
