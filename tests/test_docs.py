"""Every ```python block of README.md and docs/**/*.md runs on its own in a fresh interpreter (issue 21).

Modelled on sqlite-utils' tests/test_docs.py: the blocks are enumerated, one test each, so a new
page is tested without a line here. Each block runs in a subprocess in its own temporary folder,
offline (``AIHUBMIX_BASE_URL`` points at a closed port, the cache in the temp folder), with
``AihubmixWarning``s shown, not raised: a page may show a warning on purpose.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
FENCE = re.compile(r"^```python\n(.*?)^```", flags=re.S | re.M)


def _blocks() -> list[tuple[str, int, str]]:
    found = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for match in FENCE.finditer(text):
            line = text.count("\n", 0, match.start()) + 2
            found.append((str(page.relative_to(ROOT)), line, match.group(1)))
    return found


BLOCKS = _blocks()
#: Blocks that start dask or draw with matplotlib take over 3 s each: the quick loop leaves them out.
_HEAVY = re.compile(r"\bdask\b|\.plot\b|\bplot\.")
PARAMS = [
    pytest.param(page, line, code, id=f"{page}:{line}", marks=[pytest.mark.slow] if _HEAVY.search(code) else [])
    for page, line, code in BLOCKS
]


def test_the_pages_have_blocks() -> None:
    assert len(BLOCKS) >= 20
    assert any(page == "README.md" for page, _, _ in BLOCKS)


@pytest.mark.parametrize(("page", "line", "code"), PARAMS)
def test_block_runs_on_its_own(page: str, line: int, code: str, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        "AIHUBMIX_BASE_URL": "http://127.0.0.1:9",  # nothing listens: no block may need the network
        "AIHUBMIX_CACHE_DIR": str(tmp_path / "cache"),
        "MPLBACKEND": "Agg",
    }
    script = tmp_path / "block.py"
    script.write_text(code, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, f"{page}:{line} failed on its own:\n{code}\n--- stderr ---\n{done.stderr[-3000:]}"


def _documented_objects() -> set[str]:
    """Every ``::: identifier`` of the reference pages."""
    found: set[str] = set()
    for page in (ROOT / "docs" / "reference").glob("*.md"):
        found |= set(re.findall(r"^::: ([\w.]+)", page.read_text(encoding="utf-8"), flags=re.M))
    return found


def test_reference_covers_every_public_name() -> None:
    """Each name of ``aihubmix_frame.__all__`` and of the submodules users import has a reference
    entry: its own ``::: module.name`` line, or its module's."""
    import importlib
    import inspect

    import aihubmix_frame as ahf

    documented = _documented_objects()
    missing = []
    for name in ahf.__all__:
        value = getattr(ahf, name)
        module = value.__module__ if inspect.isclass(value) or inspect.isfunction(value) else None
        places = {f"{module}.{name}", module} if module else set()
        if name in ("PRICE_UNIT", "__version__"):
            places = {"aihubmix_frame.schema.PRICE_UNIT", "aihubmix_frame._version.__version__"}
        if not places & documented:
            missing.append(name)
    for submodule in ("widgets", "plot", "testing", "store", "usage"):
        module = importlib.import_module(f"aihubmix_frame.{submodule}")
        for name in module.__all__:
            if not {f"aihubmix_frame.{submodule}", f"aihubmix_frame.{submodule}.{name}"} & documented:
                missing.append(f"{submodule}.{name}")
    assert not missing, f"add these to a page of docs/reference/: {missing}"


def test_every_page_is_in_the_nav() -> None:
    """A page outside the nav would be built but unreachable; mkdocs only says so at INFO level."""
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    pages = [p.relative_to(ROOT / "docs").as_posix() for p in (ROOT / "docs").rglob("*.md")]
    pages += [p.relative_to(ROOT / "docs").as_posix() for p in (ROOT / "docs" / "tutorials").glob("*.ipynb")]
    missing = [page for page in pages if page not in nav]
    assert not missing, f"add these pages to the nav of mkdocs.yml: {missing}"


@pytest.mark.slow
def test_site_builds_strictly(tmp_path: Path) -> None:
    """``mkdocs build --strict`` (the tutorials not executed here: .ci/run builds them executed)."""
    pytest.importorskip("mkdocs", reason='the [docs] extra is not installed (pip install ".[docs]")')
    pytest.importorskip("mkdocstrings")
    pytest.importorskip("mkdocs_jupyter")
    env = {
        **os.environ,
        "DOCS_EXECUTE": "false",
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    assert (tmp_path / "site" / "reference" / "costs" / "index.html").exists()
    assert "estimate_cost" in (tmp_path / "site" / "reference" / "costs" / "index.html").read_text(encoding="utf-8")


def _extra_distributions(extra: str) -> set[str]:
    """The distributions an extra of pyproject.toml installs (nested self-extras resolved), normalised."""
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]
    found = {re.split(r"[<>=\[ ;]", r, maxsplit=1)[0].lower().replace("_", "-") for r in project["dependencies"]}

    def walk(name: str) -> None:
        for requirement in extras[name]:
            if requirement.startswith("aihubmix-frame["):
                for inner in requirement.split("[", 1)[1].rstrip("]").split(","):
                    walk(inner.strip())
            else:
                found.add(re.split(r"[<>=\[ ;]", requirement, maxsplit=1)[0].lower().replace("_", "-"))

    walk(extra)
    return found


@pytest.mark.parametrize("extra", ["notebooks", "all"])
def test_the_tutorials_need_only_the_extra_the_readme_names(extra: str) -> None:
    """Issue 21: `pip install ".[all]"` (or `.[notebooks]`) is enough for every tutorial notebook.
    Every module a notebook imports is the standard library, this package, or installed by the extra."""
    import importlib.metadata
    import json

    # what the listed ones bring for certain: IPython with ipykernel, numpy with pandas
    installs = _extra_distributions(extra) | {"ipython", "matplotlib-inline", "numpy"}
    owners = importlib.metadata.packages_distributions()
    missing = {}
    for notebook in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        modules = set(re.findall(r"^\s*(?:from|import) ([A-Za-z_]\w*)", code, flags=re.M))
        for module in modules - set(sys.stdlib_module_names) - {"aihubmix_frame"}:
            distributions = {d.lower().replace("_", "-") for d in owners.get(module, [module])}
            if not distributions & installs:
                missing.setdefault(notebook.name, []).append(module)
    assert not missing, f'pip install ".[{extra}]" lacks what these notebooks import: {missing}'
    assert "duckdb" in installs  # notebook 03 reads its Parquet file back with DuckDB
