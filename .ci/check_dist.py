"""What the built distributions carry: the wheel is the package and its data, nothing of the tests.

Usage: python .ci/check_dist.py DIST_DIR   (after `python -m build --outdir DIST_DIR`)
Exits 1 and names every missing or unwanted file.
"""

from __future__ import annotations

import sys
import tarfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(dist: Path) -> int:
    wheels, sdists = sorted(dist.glob("*.whl")), sorted(dist.glob("*.tar.gz"))
    if len(wheels) != 1 or len(sdists) != 1:
        print(f"expected one wheel and one sdist in {dist}, found {wheels + sdists}")
        return 1
    names = set(zipfile.ZipFile(wheels[0]).namelist())
    package = ROOT / "aihubmix_frame"
    # Every file of the package folder (modules, py.typed, the app notebook, the data), none else.
    skipped = {"__pycache__", ".ipynb_checkpoints"}
    expected = {
        p.relative_to(ROOT).as_posix()
        for p in package.rglob("*")
        if p.is_file() and not skipped & set(p.parts) and p.suffix != ".pyc"
    }
    expected |= {"aihubmix_frame/py.typed"}
    problems = [f"missing from the wheel: {n}" for n in sorted(expected - names)]
    package_files = {n for n in names if not n.startswith("aihubmix_frame-")}
    problems += [f"unexpected in the wheel: {n}" for n in sorted(package_files - expected)]
    for data in ("aihubmix_frame/data/catalog_", "aihubmix_frame/data/modelsdev_"):
        if not any(n.startswith(data) and n.endswith(".json") for n in names):
            problems.append(f"the wheel has no {data}*.json")
    with tarfile.open(sdists[0]) as sdist:
        members = {m.split("/", 1)[1] for m in sdist.getnames() if "/" in m}
    for needed in ("pyproject.toml", "README.md", "LICENSE", "aihubmix_frame/py.typed", "tests/conftest.py"):
        if needed not in members:
            problems.append(f"missing from the sdist: {needed}")
    for problem in problems:
        print(problem)
    if not problems:
        print(f"{wheels[0].name}: {len(package_files)} files, as expected; {sdists[0].name}: {len(members)} files")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "dist")))
