"""Import circles between khoan's modules: module-level ones, and those through lazy imports.

Reads every module under ``khoan/`` with :mod:`ast` (nothing is imported) and prints the
strongly connected components of the import graph: first with module-level imports only
(what runs at import time; ``if TYPE_CHECKING:`` blocks are left out), then with the imports
inside functions too. Exit status 1 when there is a module-level circle.

    python tools/check_import_cycles.py [--package khoan/batch]
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _resolve(mod: str, is_pkg: bool, node: ast.ImportFrom) -> list[str]:
    if node.level:
        base = mod.split(".") if is_pkg else mod.split(".")[:-1]
        base = base[: len(base) - (node.level - 1)]
        target = ".".join([*base, *([node.module] if node.module else [])])
    else:
        target = node.module or ""
    names = [f"{target}.{a.name}" for a in node.names]
    return [target, *names]


def graph(lazy: bool) -> dict[str, set[str]]:
    """Module -> khoan modules it imports (at module level, or anywhere when ``lazy``)."""
    files = {_module(p): p for p in (ROOT / "khoan").rglob("*.py")}
    edges: dict[str, set[str]] = {m: set() for m in files}
    for mod, path in files.items():
        tree = ast.parse(path.read_text("utf-8"))
        is_pkg = path.name == "__init__.py"

        def visit(body, top: bool, mod: str = mod, is_pkg: bool = is_pkg) -> None:
            for node in body:
                if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                    continue
                if isinstance(node, ast.Import | ast.ImportFrom) and (top or lazy):
                    targets = (
                        [a.name for a in node.names]
                        if isinstance(node, ast.Import)
                        else _resolve(mod, is_pkg, node)
                    )
                    for t in targets:
                        if t in files and t != mod:
                            edges[mod].add(t)
                for child in ast.iter_child_nodes(node):
                    if isinstance(child, ast.stmt):
                        nested = isinstance(
                            node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
                        )
                        visit([child], top and not nested)

        visit(tree.body, True)
    # importing a submodule runs its package's __init__ first
    for mod in list(edges):
        for t in list(edges[mod]):
            parent = t.rpartition(".")[0]
            while parent and parent != "khoan":
                if parent in edges and parent != mod and not mod.startswith(parent + "."):
                    edges[mod].add(parent)
                parent = parent.rpartition(".")[0]
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]
    sys.setrecursionlimit(10000)

    def strong(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges[v]:
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

    for v in sorted(edges):
        if v not in index:
            strong(v)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--package", help="only circles touching this package (e.g. khoan.batch)")
    args = ap.parse_args(argv)
    status = 0
    for lazy in (False, True):
        found = cycles(graph(lazy))
        if args.package:
            found = [c for c in found if any(m.startswith(args.package) for m in c)]
        what = "with imports inside functions" if lazy else "module level"
        print(f"{what}: {len(found)} circle(s)")
        for c in found:
            print("  " + " <-> ".join(c))
        if found and not lazy:
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
