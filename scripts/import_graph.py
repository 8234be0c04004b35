"""Print the import graph of the project in figures: statements between layers, upward ones, cycles.

Usage: .venv/bin/python scripts/import_graph.py [ROOT] [--layers a,b,c]  (highest layer first;
default: workers, server.web, server.services, server.adapters, server.core). A statement
is one ``import``/``from ... import`` line naming a module of ours; a cycle is a strongly
connected group of two or more of our modules (found with grimp, import-linter's engine).
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections import Counter
from pathlib import Path

import grimp

DEFAULT_LAYERS = "workers,server.web,server.services,server.adapters,server.core"


def _module_name(root: Path, path: Path) -> str:
    name = ".".join(path.relative_to(root).with_suffix("").parts)
    return name.removesuffix(".__init__")


def _imports(root: Path, path: Path) -> list[str]:
    """Return the modules of ours each import statement of `path` names (one per statement)."""
    found = []
    package = _module_name(root, path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.split(".")[0] in ("server", "workers")]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                found.append(".".join([*base, *([node.module] if node.module else [])]))
            elif node.module and node.module.split(".")[0] in ("server", "workers"):
                found.append(node.module)
    return found


def _layer(module: str, layers: list[str]) -> int | None:
    for rank, layer in enumerate(layers):
        if module == layer or module.startswith(layer + "."):
            return rank
    return None


def _cycles(graph: grimp.ImportGraph) -> list[set[str]]:
    """Return the strongly connected groups of two or more modules (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []
    sys.setrecursionlimit(10_000)

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in graph.find_modules_directly_imported_by(module):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == module:
                    break
            if len(group) > 1:
                groups.append(group)

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return groups


def main() -> None:
    """Print the figures for the tree at ROOT."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", nargs="?", default=".")
    parser.add_argument("--layers", default=DEFAULT_LAYERS)
    args = parser.parse_args()
    root = Path(args.root).resolve()
    layers = args.layers.split(",")
    crossing: Counter[tuple[str, str]] = Counter()
    upward = 0
    paths = [*root.glob("server/**/*.py"), *root.glob("workers/**/*.py")]
    for path in sorted(p for p in paths if "versions" not in p.parts):
        source = _layer(_module_name(root, path), layers)
        for imported in _imports(root, path):
            target = _layer(imported, layers)
            if source is None or target is None or source == target:
                continue
            crossing[(layers[source], layers[target])] += 1
            upward += target < source
    sys.path.insert(0, str(root))
    groups = _cycles(grimp.build_graph("server", "workers", cache_dir=None))
    print(f"layers (highest first): {', '.join(layers)}")
    for (source, target), count in sorted(crossing.items()):
        arrow = "UP  " if layers.index(target) < layers.index(source) else "down"
        print(f"  {arrow} {source} -> {target}: {count} import statements")
    mutual = sorted({tuple(sorted(pair)) for pair in crossing if pair[::-1] in crossing})
    print(f"upward import statements: {upward}")
    print(f"layers importing each other: {len(mutual)}", *(f"{a} <-> {b}" for a, b in mutual))
    print(
        f"import cycles (groups of modules): {len(groups)}, modules in them: "
        f"{sum(len(g) for g in groups)}"
    )
    for group in groups:
        print("  cycle:", ", ".join(sorted(group)))


if __name__ == "__main__":
    main()
