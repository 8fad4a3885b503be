"""What `import aihubmix_frame` adds over `import pandas`, measured with `python -X importtime`."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_MS = 150.0
HEAVY = ("ipywidgets", "dask", "matplotlib", "requests_cache", "rapidfuzz")


def added_ms() -> float:
    """Cumulative import time of the aihubmix_frame entry when pandas is already imported."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import pandas; import aihubmix_frame"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+\d+\s+\|\s+(\d+)\s+\|\s?(\S.*)$", line)
        if match and match.group(2).strip() == "aihubmix_frame":
            return int(match.group(1)) / 1000
    raise RuntimeError("aihubmix_frame not found in -X importtime output")


def heavy_modules() -> list[str]:
    code = f"import sys, aihubmix_frame; print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return [m for m in done.stdout.strip().split(",") if m]


def main() -> int:
    runs = [added_ms() for _ in range(7)]
    best = min(runs)
    heavy = heavy_modules()
    print(
        f"import aihubmix_frame after import pandas: best {best:.0f} ms, "
        f"median {sorted(runs)[len(runs) // 2]:.0f} ms over {len(runs)} runs (target <= {TARGET_MS:.0f} ms)"
    )
    print(f"heavy optional modules imported: {heavy or 'none'}")
    return 0 if best <= TARGET_MS and not heavy else 1


if __name__ == "__main__":
    sys.exit(main())
