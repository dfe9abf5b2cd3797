"""The import structure of the runtime: no module of `stance` imports itself in a circle, lazy imports
included (grimp reads every import statement, also those inside functions). The layer order itself is
the import-linter contract in pyproject.toml, run by scripts/test.sh."""

from __future__ import annotations

import grimp


def import_cycles(graph: grimp.ImportGraph, package: str) -> list[list[str]]:
    """Every strongly connected group of more than one module of `package` (Tarjan): each is a cycle."""
    modules = sorted(m for m in graph.modules if m == package or m.startswith(package + "."))
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for other in sorted(graph.find_modules_directly_imported_by(module)):
            if not (other == package or other.startswith(package + ".")):
                continue
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in on_stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            group = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                group.append(top)
                if top == module:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for module in modules:
        if module not in index:
            visit(module)
    return groups


def test_the_runtime_has_no_import_cycle() -> None:
    graph = grimp.build_graph("stance")
    assert import_cycles(graph, "stance") == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = grimp.ImportGraph()
    for module in ("pkg", "pkg.a", "pkg.b", "pkg.c"):
        graph.add_module(module)
    graph.add_import(importer="pkg.a", imported="pkg.b")
    graph.add_import(importer="pkg.b", imported="pkg.a")
    graph.add_import(importer="pkg.c", imported="pkg.a")
    assert import_cycles(graph, "pkg") == [["pkg.a", "pkg.b"]]


def test_the_runtime_never_imports_training() -> None:
    graph = grimp.build_graph("stance", "training")
    imported = {m for m in graph.modules if m.startswith("stance")}
    assert not [m for m in imported if any(o.startswith("training") for o in graph.find_modules_directly_imported_by(m))]
