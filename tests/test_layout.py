"""The package's shape (issue 9): one concept per module, one way data flows.

Asserted by reading the source, so a new module that breaks a rule fails here by itself.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "aihubmix_frame"
MODULES = sorted(p for p in PACKAGE.rglob("*.py"))
# 400 lines of hand-wrapped code before the formatter; ruff format spreads long calls over lines
# (about 20 % more), so the same size of concept now reads as up to 500.
MAX_LINES = 500
#: The ground floor and the pure layers may not reach up into the wings or the faces.
PURE = (
    "frame.py",
    "schema.py",
    "query.py",
    "keywords.py",
    "errors.py",
    "_version.py",
    "values.py",
    "envelope.py",
)
UPPER = ("http", "store", "pricing", "usage", "accessor", "widgets", "cli", "plot", "testing", "loader")


def _name(path: Path) -> str:
    return ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__")


def _imports(path: Path) -> list[tuple[str, list[str]]]:
    """(absolute module, imported names) of every ``import``/``from ... import`` in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = _name(path) if path.name == "__init__.py" else _name(path).rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
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


@pytest.mark.parametrize("path", [PACKAGE / name for name in PURE], ids=lambda p: p.name)
def test_pure_layers_import_nothing_from_the_wings_or_faces(path):
    upward = [
        module for module, _ in _imports(path) if module.startswith("aihubmix_frame.") and module.split(".")[1] in UPPER
    ]
    assert not upward, f"{path.name} imports {upward}: a lower layer may not import an upper one"


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
