"""Package-level promises: light import, explicit exports, README in step with the API."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import aihubmix_frame as ahf

ROOT = Path(__file__).resolve().parents[1]


def documentation() -> str:
    """The README and every docs page: the user documentation, wherever a topic now lives."""
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    return "\n".join(p.read_text(encoding="utf-8") for p in pages)


def test_import_stays_light():
    code = (
        "import sys, aihubmix_frame; heavy = ('ipywidgets', 'dask', 'matplotlib', 'requests_cache'); "
        "print([m for m in heavy if m in sys.modules])"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_every_public_name_resolves():
    missing = [name for name in ahf.__all__ if not hasattr(ahf, name)]
    assert not missing, f"__all__ names that do not resolve: {missing}"


def test_readme_starts_with_exactly_two_commands_that_use_the_public_cli():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    top = readme.split("## ", 1)[0]
    blocks = re.findall(r"```bash\n(.*?)```", top, flags=re.S)
    assert len(blocks) == 2 and all(len(b.strip().splitlines()) == 1 for b in blocks)
    assert "aihubmix-frame models" in blocks[0] and "pytest" in blocks[1]
    assert "per 1M" in readme


def test_docs_column_table_names_every_schema_column():
    readme = (ROOT / "docs" / "explanations" / "catalog-frame.md").read_text(encoding="utf-8")
    from aihubmix_frame import schema

    missing = [c for c in schema.COLUMNS if f"`{c}`" not in readme]
    assert not missing, f"the catalog-frame column table lacks {missing}"


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    test_command = re.findall(r"```bash\n(.*?)```", readme, flags=re.S)[1].strip()
    for part in test_command.split("&&")[1:]:
        assert part.strip() in ci, f"CI does not run {part.strip()!r}"


def test_docs_name_every_public_function_command_accessor_method_and_variable():
    """sqlite-utils' test_docs idea: enumerate the API, so a new name without docs fails by itself.
    The README is short now (issue 21); the names must be in the README or a docs page."""
    readme = documentation()
    missing = [name for name in ahf.__all__ if name not in readme and not name.startswith("__")]
    from aihubmix_frame import cli
    from aihubmix_frame.accessor import AihubAccessor

    commands = cli.build_parser()._subparsers._group_actions[0].choices
    missing += [f"aihubmix-frame {c}" for c in commands if f"aihubmix-frame {c}" not in readme]
    methods = [m for m, _ in __import__("inspect").getmembers(AihubAccessor) if not m.startswith("_")]
    missing += [f"df.aihub.{m}" for m in methods if f".aihub.{m}" not in readme]
    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "aihubmix_frame").rglob("*.py"))
    variables = sorted(set(re.findall(r'"(AIHUBMIX_[A-Z_]+)"', source)))
    missing += [v for v in variables if v not in readme]
    assert not missing, f"neither the README nor the docs mention {missing}"


def test_readme_is_short_and_links_into_the_docs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 200
    assert "docs/images/price_map.png" in readme and (ROOT / "docs" / "images" / "price_map.png").exists()
    links = re.findall(r"\]\((docs/[^)#]+)", readme)
    assert links and all((ROOT / link).exists() for link in links), links


def test_readme_first_command_lists_paid_models_only(capsys):
    """The README's first command (issue 11): `--no-free` keeps $0 trial models off its first screen."""
    import shlex

    from aihubmix_frame.cli import main

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first = re.findall(r"```bash\n(.*?)```", readme, flags=re.S)[0].strip()
    argv = shlex.split(first.split("aihubmix-frame", 1)[1])
    assert "--no-free" in argv
    assert main(argv) == 0
    shown = capsys.readouterr().out
    catalog = ahf.load_snapshot()
    free = set(catalog.loc[ahf.placeholders.free_price_mask(catalog), "model_id"])
    listed = [line.split()[0] for line in shown.splitlines()[1:] if line.strip()]
    assert listed and not free & set(listed)
    assert main([a for a in argv if a != "--no-free"]) == 0  # without it, free models fill the top
    assert free & {line.split()[0] for line in capsys.readouterr().out.splitlines()[1:] if line.strip()}
