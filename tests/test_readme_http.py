"""The live-catalog how-to (once the README's section) runs as written and prints what its comments say."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "docs" / "howto" / "live-catalog.md"


def section_code(heading: str, language: str) -> list[str]:
    text = README.read_text(encoding="utf-8")
    start = text.index(f"# {heading}\n")
    return re.findall(rf"```{language}\n(.*?)```", text[start:], flags=re.S)


def test_live_catalog_example_runs_and_matches_its_comments(cache_dir, capsys):
    (code,) = section_code("Live catalog, caching and offline use", "python")
    exec(compile(code, str(README), "exec"), {})
    printed = capsys.readouterr().out.splitlines()
    assert printed[:3] == ["network", "cache", "revalidated"]
    assert printed[3] == "network True True"
    assert printed[4]  # owned_by of gpt-4o


def test_readme_documents_every_cli_command_and_environment_variable():
    text = README.read_text(encoding="utf-8")
    from aihubmix_frame import cli

    commands = cli.build_parser()._subparsers._group_actions[0].choices
    for command in ("serve", "cache", "models"):
        assert command in commands and f"aihubmix-frame {command}" in text
    for variable in ("AIHUBMIX_BASE_URL", "AIHUBMIX_API_KEY", "AIHUBMIX_CACHE_DIR"):
        assert variable in text
    for name in ("load_legacy_models", "get_legacy_model", "fetch_catalog", "StaleCatalogWarning"):
        assert name in text
