"""The import graph of app/ and bot/ stays as the house style describes it:

- no import circle between modules (counting every import: module level, inside functions and
  type-only ones — a circle hidden in a function is still a circle);
- a feature never imports another feature's views, forms or blueprint: what two features share
  lives in the owning feature's services or in a small neutral module (``app/core``);
- ``app/core`` depends on no feature.

Read from the source text (``ast``), so the test sees what a reader sees, not what happened to
be imported first.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("app", "bot")
# Modules that present a feature to people; other features must not import them.
PRESENTATION = {"views", "forms", "blueprint", "form_page"}
# The factory and the model registry wire every feature together by design.
WIRING = {"app", "app.models", "app.cli"}


def _modules() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules[".".join(parts)] = path
    return modules


MODULES = _modules()


def _imports(name: str, path: Path) -> Iterator[str]:
    """The project modules ``name`` imports (``from x import y`` counts y if it is a module)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{alias.name}" for alias in node.names]
            if not any(t in MODULES for t in targets):
                targets = [base]
        else:
            continue
        for target in targets:
            if target in MODULES and target != name:
                yield target


GRAPH = {name: sorted(set(_imports(name, path))) for name, path in MODULES.items()}


def _feature(module: str) -> str:
    parts = module.split(".")
    return parts[0] if parts[0] == "bot" else ".".join(parts[:2])


def _is_presentation(module: str) -> bool:
    return any(part in PRESENTATION for part in module.split(".")[2:])


def _cycles() -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in GRAPH[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(GRAPH):
        if node not in index:
            visit(node)
    return found


def test_the_graph_is_read():
    """The reader finds the imports it is meant to judge (a broken reader would pass all)."""
    assert "app.reports.intake" in GRAPH["app.web.views"]
    assert "app.routing.resolve" in GRAPH["app.routing.service"]
    assert len(MODULES) > 100


def test_no_import_circle():
    assert _cycles() == []


def test_no_feature_imports_another_features_views_or_forms():
    crossings = [
        f"{module} imports {target}"
        for module, targets in GRAPH.items()
        if module not in WIRING
        for target in targets
        if _is_presentation(target) and _feature(target) != _feature(module)
    ]
    assert crossings == []


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m.startswith("app.core")))
def test_core_depends_on_no_feature(module):
    features = [
        t for t in GRAPH[module] if not t.startswith(("app.core", "app.extensions")) and t != "app"
    ]
    assert features == [], f"{module} imports {features}"
