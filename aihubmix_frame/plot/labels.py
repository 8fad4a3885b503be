"""Text labels beside scatter points that do not overlap each other (a small greedy placement)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .axes import plain_text

__all__ = ["place_labels", "merge_same_points"]

# Offsets in points, tried in order until a label overlaps no label placed before it: close to the
# point first, then rings further out (a leader line joins a label set apart to its point).
_CANDIDATES = [
    (dx * ring, dy * ring)
    for ring in (1, 2, 3, 4, 5, 6, 8, 10, 12)
    for dx, dy in ((6, 4), (6, -6), (-6, 4), (-6, -6), (0, 9), (0, -9), (9, 0), (-9, 0))
]


def merge_same_points(
    points: Sequence[tuple[float, float]],
    texts: Sequence[str],
) -> tuple[list[tuple[float, float]], list[str]]:
    """One label per distinct point: the texts of models drawn on the same spot, one per line."""
    merged: dict[tuple[float, float], list[str]] = {}
    for point, text in zip(points, texts):
        merged.setdefault((float(point[0]), float(point[1])), []).append(text)
    return list(merged), ["\n".join(group) for group in merged.values()]


def _annotate(ax: Any, text: str, xy: tuple[float, float], dx: float, dy: float, fontsize: float) -> Any:
    annotation = ax.annotate(
        plain_text(text),  # catalog text: never parsed as mathtext
        xy,
        xytext=(dx, dy),
        textcoords="offset points",
        fontsize=fontsize,
        ha="left" if dx > 0 else "right" if dx < 0 else "center",
        va="bottom" if dy > 0 else "top",
        bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.75),
        arrowprops=dict(arrowstyle="-", color="0.5", lw=0.5) if abs(dx) + abs(dy) > 12 else None,
    )
    annotation.set_in_layout(False)  # labels never shrink the axes
    return annotation


def place_labels(
    ax: Any, points: Sequence[tuple[float, float]], texts: Sequence[str], *, fontsize: float = 7.5
) -> list[Any]:
    """Annotate each point with its text at the first offset where it stays inside the axes and
    overlaps no earlier label; models on the same spot share one label. A label with no free spot
    is left out (fewer labels rather than labels drawn over each other)."""
    points, texts = merge_same_points(points, texts)
    if not hasattr(ax.figure.canvas, "get_renderer"):  # a bare Figure(): give it an Agg canvas
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        FigureCanvasAgg(ax.figure)
    renderer = ax.figure.canvas.get_renderer()
    ax.figure.draw_without_rendering()  # lay the figure out first: the checks must see the final axes
    axes_box = ax.get_window_extent(renderer)
    placed: list[Any] = []
    boxes: list[Any] = []
    for xy, text in zip(points, texts):
        chosen = None
        for dx, dy in _CANDIDATES:
            annotation = _annotate(ax, text, xy, dx, dy, fontsize)
            box = annotation.get_window_extent(renderer)
            inside = box.x0 >= axes_box.x0 and box.x1 <= axes_box.x1 and box.y0 >= axes_box.y0 and box.y1 <= axes_box.y1
            annotation.remove()
            if inside and not any(box.overlaps(other) for other in boxes):
                chosen = (dx, dy)
                break
        if chosen is None:
            continue
        dx, dy = chosen
        annotation = _annotate(ax, text, xy, dx, dy, fontsize)
        boxes.append(annotation.get_window_extent(renderer))
        placed.append(annotation)
    return placed
