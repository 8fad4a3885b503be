"""Draw the committed pictures of the README and the docs from the bundled snapshot (no network).

Run from the repository root after a change to the plots: ``python docs/make_images.py``.
"""

from __future__ import annotations

from pathlib import Path

import aihubmix_frame as ahf

HERE = Path(__file__).resolve().parent / "images"


def main() -> None:
    plt = ahf.plot.pyplot()
    HERE.mkdir(exist_ok=True)
    df = ahf.load_snapshot()
    fig, ax = plt.subplots(figsize=(9, 5.6), layout="constrained")
    df.aihub.filter(type="llm").aihub.plot.price_map(color_by="type", label_cheapest=10, ax=ax)
    fig.savefig(HERE / "price_map.png", dpi=110)
    plt.close("all")


if __name__ == "__main__":
    main()
