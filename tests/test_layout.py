"""The package's shape (issue 9): one concept per module, one way data flows.

Asserted by reading the source, so a new module that breaks a rule fails here by itself.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "aihubmix_frame"
MODULES = sorted(p for p in PACKAGE.rglob("*.py"))
MAX_LINES = 400
#: The floors of docs/ARCHITECTURE.md, from the ground up: a module imports only from its own
#: floor or below. A name is a top-level module or a whole subpackage (a wing or a face).
FLOORS: dict[str, int] = {
    **dict.fromkeys(("errors", "_version"), 0),
    **dict.fromkeys(("schema", "lists", "bundled", "progress", "relay"), 1),
    **dict.fromkeys(("query", "keywords"), 2),
    **dict.fromkeys(("values", "envelope", "families", "placeholders", "frame"), 3),
    **dict.fromkeys(("filters", "search", "quality", "plausibility", "upgrade", "sources"), 4),
    **dict.fromkeys(("http", "pricing", "store", "usage", "testing"), 5),
    "loader": 6,
    **dict.fromkeys(("accessor", "cost_methods", "operations", "widgets", "plot", "cli", "apps"), 7),
    **dict.fromkeys(("", "__main__"), 8),  # the package's face (__init__) and ``python -m``
}
#: The wings stand side by side on one floor and never import one another.
WINGS = ("http", "pricing", "store", "usage", "testing")
#: What a wing may take from below, where the floor alone allows too much: the HTTP layer knows no
#: pandas (so not the frame's floors); the reference server never reuses the code it is a
#: reference for (filters, frame, loader) and reads the raw snapshot itself.
WING_MAY_IMPORT = {
    "http": {"errors", "_version", "schema", "query", "keywords"},
    "testing": {"errors", "_version", "schema", "bundled"},
}
#: Modules the HTTP layer never imports, not even lazily.
NOT_IN_HTTP = ("pandas", "numpy", "pyarrow")


def _name(path: Path, package: Path | None = None) -> str:
    root = (package or PACKAGE).parent
    return ".".join(path.relative_to(root).with_suffix("").parts).removesuffix(".__init__")


def _imports(path: Path, package: Path | None = None) -> list[tuple[str, list[str]]]:
    """(absolute module, imported names) of every ``import``/``from ... import`` in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    name = _name(path, package)
    here = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = here.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.append((module, [a.name for a in node.names]))
        elif isinstance(node, ast.Import):
            found.extend((a.name, []) for a in node.names)
    return found


def test_the_package_has_the_documented_shape():
    for part in (
        "query.py",
        "frame.py",
        "schema.py",
        "errors.py",
        "_version.py",
        "loader.py",
        "http/client.py",
        "http/cache.py",
        "filters.py",
        "search.py",
        "accessor.py",
        "widgets",
        "cli",
        "testing",
    ):
        assert (PACKAGE / part).exists() or (PACKAGE / f"{part}.py").exists(), part


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_is_above_the_line_limit(path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.name} has {lines} lines; split it by concept (limit {MAX_LINES})"


BENCHMARKS = sorted((PACKAGE.parent / "benchmarks").glob("*.py"))


@pytest.mark.parametrize("path", MODULES + BENCHMARKS, ids=lambda p: str(p.relative_to(PACKAGE.parent)))
def test_no_module_imports_a_private_name_from_another(path):
    private = [
        (module, name)
        for module, names in _imports(path)
        if module.startswith("aihubmix_frame")
        for name in names
        if name.startswith("_") and not name.startswith("__")
    ]
    assert not private, f"{path.name} imports private names {private}; make them public or move them"


def _is_module(name: str, package: Path) -> bool:
    path = package.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def import_graph(package: Path = PACKAGE) -> dict[str, set[str]]:
    """Module -> the package's modules it imports, lazy imports inside functions included.

    ``from . import schema`` imports the module ``schema``; ``from .query import CatalogQuery`` the
    module ``query``.
    """
    graph: dict[str, set[str]] = {}
    for path in sorted(package.rglob("*.py")):
        source = _name(path, package)
        targets = set()
        for module, names in _imports(path, package):
            if module.split(".")[0] != package.name:
                continue
            subs = [f"{module}.{n}" for n in names if _is_module(f"{module}.{n}", package)]
            targets.update(subs or [module])
            if subs and len(subs) < len(names):
                targets.add(module)
        graph[source] = targets - {source}
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _unit(module: str) -> str:
    """The floor plan's name of a module: its top-level module or subpackage ('' is the package)."""
    parts = module.split(".")[1:]
    return parts[0] if parts else ""


def layer_breaks(graph: dict[str, set[str]]) -> list[str]:
    """Every import that goes up a floor, from one wing to another, or below what a wing may use."""
    breaks = []
    for source, targets in sorted(graph.items()):
        here = _unit(source)
        for target in sorted(targets):
            there = _unit(target)
            if here == there:
                continue  # inside one wing or face: only circles are forbidden there
            if here not in FLOORS or there not in FLOORS:
                missing = here if here not in FLOORS else there
                breaks.append(f"{source} -> {target}: give {missing!r} a floor in FLOORS (and the docs)")
            elif FLOORS[there] > FLOORS[here]:
                breaks.append(f"{source} -> {target}: up from floor {FLOORS[here]} to floor {FLOORS[there]}")
            elif here in WINGS and there in WINGS:
                breaks.append(f"{source} -> {target}: one wing imports another")
            elif here in WING_MAY_IMPORT and there not in WING_MAY_IMPORT[here]:
                breaks.append(f"{source} -> {target}: {here} may import only {sorted(WING_MAY_IMPORT[here])}")
    return breaks


def test_no_two_modules_import_each_other():
    found = circles(import_graph())
    assert not found, f"import circles (lazy imports count): {found}; move what both need down a floor"


def test_imports_only_point_down_the_floors():
    breaks = layer_breaks(import_graph())
    assert not breaks, "imports against docs/ARCHITECTURE.md's floors:\n" + "\n".join(breaks)


def test_every_module_has_a_floor():
    missing = sorted({_unit(m) for m in import_graph()} - set(FLOORS))
    assert not missing, f"{missing} stand on no floor: add them to FLOORS here and to docs/ARCHITECTURE.md"


@pytest.mark.parametrize("path", sorted((PACKAGE / "http").rglob("*.py")), ids=lambda p: p.name)
def test_the_http_layer_knows_no_pandas(path):
    used = sorted({m for m, _ in _imports(path) if m.split(".")[0] in NOT_IN_HTTP})
    assert not used, f"http/{path.name} imports {used}; whether a body is a catalog is the loader's decision"


def test_no_module_imports_the_version_back_from_the_package():
    offenders = [
        _name(p)
        for p in MODULES
        if any(module == "aihubmix_frame" and "__version__" in names for module, names in _imports(p))
    ]
    assert not offenders, f"import __version__ from aihubmix_frame._version in {offenders}"


def test_the_layout_checks_can_fail(tmp_path):
    """The checks above read real import statements: show that they see a violation."""
    bad = tmp_path / "aihubmix_frame" / "bad.py"
    bad.parent.mkdir()
    bad.write_text("from .http.cache import _secret\nfrom . import __version__\n")
    global PACKAGE
    saved, PACKAGE = PACKAGE, tmp_path / "aihubmix_frame"
    try:
        assert _imports(bad) == [
            ("aihubmix_frame.http.cache", ["_secret"]),
            ("aihubmix_frame", ["__version__"]),
        ]
    finally:
        PACKAGE = saved


def test_the_floor_checks_can_fail(tmp_path):
    """A lazy import that closes a circle, an upward import and a wing reaching into pandas are seen."""
    package = tmp_path / "aihubmix_frame"
    (package / "http").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "http" / "__init__.py").write_text("")
    (package / "query.py").write_text("def apply():\n    from .filters import apply_query\n")
    (package / "filters.py").write_text("from . import query, schema\n")
    (package / "schema.py").write_text("")
    (package / "http" / "verdict.py").write_text("from ..frame import catalog_to_frame\nfrom .. import store\n")
    (package / "frame.py").write_text("")
    (package / "store.py").write_text("")
    graph = import_graph(package)
    assert graph["aihubmix_frame.filters"] == {"aihubmix_frame.query", "aihubmix_frame.schema"}
    assert circles(graph) == [["aihubmix_frame.filters", "aihubmix_frame.query"]]
    assert layer_breaks(graph) == [
        "aihubmix_frame.http.verdict -> aihubmix_frame.frame: http may import only "
        "['_version', 'errors', 'keywords', 'query', 'schema']",
        "aihubmix_frame.http.verdict -> aihubmix_frame.store: one wing imports another",
        "aihubmix_frame.query -> aihubmix_frame.filters: up from floor 2 to floor 4",
    ]
