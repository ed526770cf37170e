"""The project's import graph read with ``ast`` (nothing is imported): for the layering and
import-cycle tests. Every ``import`` counts, also one inside a function."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: the project's packages (those that exist in this checkout)
PACKAGES = ("analysis", "storage", "ui", "jobs", "cli")


def module_name(path: Path) -> str:
    """Dotted name of a file under :data:`ROOT` (``storage/importers/__init__.py`` -> ``storage.importers``)."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules(packages: tuple[str, ...] = PACKAGES) -> dict[str, Path]:
    """``{dotted name: file}`` of every module of ``packages`` (default :data:`PACKAGES`)."""
    files = [p for pkg in packages if (ROOT / pkg).is_dir() for p in sorted((ROOT / pkg).rglob("*.py"))]
    return {module_name(p): p for p in files}


def imports_of(path: Path, known: set[str] | None = None) -> set[str]:
    """Dotted names a file imports. ``from a import b`` gives ``a.b`` when that is a module in
    ``known``, else ``a``; relative imports are resolved against the file's package."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                name = module_name(path)
                package = name if path.name == "__init__.py" else name.rpartition(".")[0]
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            for a in node.names:
                sub = f"{base}.{a.name}"
                out.add(sub if known is not None and sub in known else base)
    return out


def graph(packages: tuple[str, ...] = PACKAGES) -> dict[str, set[str]]:
    """``{module: modules of packages it imports}``."""
    mods = project_modules(packages)
    known = set(mods)
    return {m: {i for i in imports_of(p, known) if i in known and i != m} for m, p in mods.items()}


def cycles(g: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in g.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(g):
        if v not in index:
            visit(v)
    return out
