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


def test_the_pages_have_blocks() -> None:
    assert len(BLOCKS) >= 20
    assert any(page == "README.md" for page, _, _ in BLOCKS)


@pytest.mark.parametrize(("page", "line", "code"), BLOCKS, ids=[f"{p}:{n}" for p, n, _ in BLOCKS])
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
