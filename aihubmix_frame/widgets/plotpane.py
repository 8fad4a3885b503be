"""A PNG plot inside a picker: drawn off the change path (debounced), from a sample of big results."""

from __future__ import annotations

import io
import threading
from collections.abc import Callable
from typing import Any

import pandas as pd

__all__ = ["PlotPane", "MAX_POINTS", "CSS_PX_PER_INCH", "PIXEL_DENSITY", "sharp_image_layout"]

#: CSS pixels per inch of figure size (the browser's reference pixel), and how many PNG pixels are
#: rendered per CSS pixel: 2, so the image stays sharp on high-density (2x) displays.
CSS_PX_PER_INCH = 72
PIXEL_DENSITY = 2

#: At most this many models are drawn; a bigger result is drawn from a fixed random sample of it
#: (the title says so). Drawing cost then stays flat however many models match.
MAX_POINTS = 2_000


class PlotPane:
    """An ``ipywidgets.Image`` showing ``draw(frame, ax)`` of the latest result.

    With ``delay=None`` every :meth:`update` draws at once. With ``delay`` in seconds the drawing
    runs on a timer thread ``delay`` seconds after the last update (a burst of changes, such as
    typing a search, draws once, the final result); :meth:`wait` blocks until it is drawn and
    :meth:`refresh` draws now. ``figure`` is the last matplotlib Figure drawn, ``drawn`` the frame
    that was drawn (the sample, for big results).

    The PNG is rendered at :data:`PIXEL_DENSITY` (2) pixels per CSS pixel and the image is laid out
    at its CSS width (``size`` inches x 72 px), at most the width of its container, with its height
    following the aspect ratio: sharp on a 2x display, never stretched.
    """

    def __init__(
        self,
        image: Any,
        draw: Callable[[pd.DataFrame, Any], Any],
        *,
        delay: float | None,
        size: tuple[float, float] = (9.0, 5.2),
        dpi: int = CSS_PX_PER_INCH * PIXEL_DENSITY,
    ):
        if delay is not None and (isinstance(delay, bool) or not isinstance(delay, (int, float)) or delay < 0):
            raise ValueError(f"plot_delay must be None (draw at once) or seconds >= 0, got {delay!r}")
        self.image = image
        sharp_image_layout(image, size[0])
        self._draw = draw
        self._delay = delay
        self._size, self._dpi = size, dpi
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self._frame: pd.DataFrame | None = None
        self._generation = 0
        self._drawn_generation = 0
        self._done = threading.Event()
        self.figure: Any = None
        self.drawn: pd.DataFrame | None = None
        self.draws = 0

    def update(self, frame: pd.DataFrame) -> None:
        """Draw ``frame`` now (no delay) or schedule it (debounced)."""
        with self._lock:
            self._frame = frame
            self._generation += 1
            self._done.clear()
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            if self._delay is not None:
                self._timer = threading.Timer(self._delay, self.refresh)
                self._timer.daemon = True
                self._timer.start()
                return
        self.refresh()

    def refresh(self) -> None:
        """Draw the latest frame now (nothing to do if it is drawn already)."""
        with self._lock:
            generation, frame = self._generation, self._frame
            if frame is None or generation == self._drawn_generation:
                return
        try:
            png, figure, drawn = self._render(frame)
        except Exception as exc:  # one odd catalog entry must never leave the pane dead (or a thread)
            png, figure, drawn = self._render_failure(exc), None, frame.iloc[:0]
        with self._lock:
            if generation < self._drawn_generation:
                return  # a newer result was drawn meanwhile
            self.image.value = png
            self.figure, self.drawn, self._drawn_generation = figure, drawn, generation
            self.draws += 1
            if generation == self._generation:
                self._done.set()

    def wait(self, timeout: float = 30.0) -> bool:
        """Block until the latest result is drawn; False if ``timeout`` seconds passed first."""
        return self._done.wait(timeout)

    @property
    def stale(self) -> bool:
        """True while the image shows an older result than the picker's."""
        return self._drawn_generation != self._generation

    def _render_failure(self, exc: Exception) -> bytes:
        """A PNG saying the chart could not be drawn, and why (plain text, no math parsing)."""
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        figure = Figure(figsize=self._size, dpi=self._dpi)
        FigureCanvasAgg(figure)
        reason = f"{type(exc).__name__}: {exc}"[:200]
        figure.text(
            0.5, 0.5, f"the chart could not be drawn\n{reason}", ha="center", va="center", wrap=True, parse_math=False
        )
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
        return buffer.getvalue()

    def _render(self, frame: pd.DataFrame) -> tuple[bytes, Any, pd.DataFrame]:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        drawn = frame.sample(n=MAX_POINTS, random_state=0).sort_index() if len(frame) > MAX_POINTS else frame
        # A bare Figure (no pyplot): nothing is registered globally, safe off the main thread.
        figure = Figure(figsize=self._size, dpi=self._dpi, layout="constrained")
        FigureCanvasAgg(figure)
        ax = figure.add_subplot()
        if len(drawn):
            self._draw(drawn, ax)
            if len(drawn) < len(frame):
                ax.set_title(f"{ax.get_title()}; a sample of {len(drawn):,} of {len(frame):,} matches", fontsize=9)
        else:
            ax.text(0.5, 0.5, "no models match", ha="center", va="center", transform=ax.transAxes)
            ax.set_axis_off()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
        return buffer.getvalue(), figure, drawn


def sharp_image_layout(image: Any, width_inches: float) -> None:
    """Lay an ``ipywidgets.Image`` out at ``width_inches`` x 72 CSS px, never wider than its
    container, its height from the PNG's aspect ratio (so it is never stretched)."""
    image.layout.width = f"{round(width_inches * CSS_PX_PER_INCH)}px"
    image.layout.max_width = "100%"
    image.layout.height = "auto"
    image.layout.object_fit = "contain"
