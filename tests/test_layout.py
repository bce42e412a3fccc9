"""The package's imports point one way: no import circle among engine's modules, counting
the imports inside functions (they run too), not those under `if TYPE_CHECKING:`."""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "engine"


def _modules() -> dict[str, Path]:
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


def _runs(node: ast.AST) -> bool:
    return not (isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test))


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The engine modules `name` imports anywhere in its code (a `from package import
    submodule` counts as the submodule)."""
    tree = ast.parse(path.read_text())
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found: set[str] = set()
    stack = [n for n in tree.body if _runs(n)]
    while stack:
        node = stack.pop()
        stack.extend(n for n in ast.iter_child_nodes(node) if _runs(n))
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            subs = [f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in modules]
            found.update(subs if len(subs) == len(node.names) else [target, *subs])
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {m for m in found if m in modules and m != name}


def import_circles() -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    modules = _modules()
    graph = defaultdict(
        set, {name: _imports(name, path, modules) for name, path in modules.items()}
    )
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for name in sorted(modules):
        if name not in index:
            visit(name)
    return circles


def test_no_import_circle():
    assert import_circles() == []


def test_the_scanner_sees_a_circle(tmp_path, monkeypatch):
    """A lazy import inside a function closes a circle as well as a top-level one."""
    package = tmp_path / "engine"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from .b import thing\n")
    (package / "b.py").write_text("def thing():\n    from .a import x\n")
    (package / "c.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .a import thing\n"
    )
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", package)
    assert import_circles() == [["engine.a", "engine.b"]]
