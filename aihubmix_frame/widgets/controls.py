"""What both pickers share: ipywidgets on first use, the catalog check, vocabularies, held updates."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import pandas as pd

from .. import schema

__all__ = [
    "ANY",
    "ipywidgets",
    "check_catalog",
    "vocabulary",
    "type_options",
    "Recomputer",
    "pick_one",
    "check_choices",
    "whole_labels",
    "wrapping_row",
]

#: The value of "any type" in a type dropdown (read it back as None with ``control.value or None``).
ANY = ""


def ipywidgets() -> Any:
    try:
        import ipywidgets as widgets
    except ImportError:  # pragma: no cover - exercised only without the extra
        raise ImportError("the pickers need ipywidgets: pip install 'aihubmix-frame[widgets]'") from None
    return widgets


def check_catalog(frame: Any) -> pd.DataFrame:
    schema.require_columns(frame, (*schema.REQUIRED_COLUMNS, "input_usd_per_1m"), needed_for="a picker")
    return frame


def vocabulary(frame: pd.DataFrame, column: str, documented: tuple[str, ...]) -> list[str]:
    """The tokens of a list column that occur in the frame: documented ones first, then the rest."""
    present = {token for cell in frame[column] for token in cell}
    return [*[t for t in documented if t in present], *sorted(present - set(documented))]


def type_options(frame: pd.DataFrame) -> list[tuple[str, str | None]]:
    types = vocabulary(frame, "types", (*schema.DOCUMENTED_TYPES, *schema.OBSERVED_TYPES))
    # "" and not None: ipywidgets shows a blank box for a None value, not its label.
    return [("any type", ANY), *[(t, t) for t in types]]


def pick_one(name: str, values: tuple[str, ...], options: list[Any]) -> Any:
    """The one value a single-choice control takes, checked against its options."""
    if not values:
        return ANY
    allowed = [o[1] if isinstance(o, tuple) else o for o in options]
    if len(values) > 1:
        raise ValueError(
            f"the picker's {name} control takes one value, got {list(values)}; filter "
            f"further with df.aihub.filter({name}=...) first"
        )
    if values[0] not in allowed:
        raise ValueError(
            f"{name} {values[0]!r} is not in this catalog; choose one of "
            f"{', '.join(str(a) for a in allowed if a != ANY)}"
        )
    return values[0]


def check_choices(name: str, values: tuple[str, ...], options: list[str]) -> tuple[str, ...]:
    unknown = [v for v in values if v not in options]
    if unknown:
        raise ValueError(f"{name} {unknown} not in this catalog; choose from {', '.join(options)}")
    return values


class Recomputer:
    """Runs ``compute`` once per change of the controls, or once for a batch inside :meth:`hold`.

    ``count`` says how many times ``compute`` ran (a picker recomputes once at construction).
    """

    def __init__(self, compute: Callable[[], None]):
        self._compute = compute
        self._held = 0
        self._pending = False
        self.count = 0

    def __call__(self, _change: Any = None) -> None:
        if self._held:
            self._pending = True
            return
        self.count += 1
        self._compute()

    @contextlib.contextmanager
    def hold(self) -> Iterator[None]:
        """Changes inside the block recompute once, at its end (and only if something changed)."""
        self._held += 1
        try:
            yield
        finally:
            self._held -= 1
            if not self._held and self._pending:
                self._pending = False
                self()


def whole_labels(*controls: Any) -> None:
    """Show every control's label whole: labels take the width they need (``description_width``
    ``initial``), check boxes drop their indent and size to their text."""
    w = ipywidgets()
    for control in controls:
        if isinstance(control, w.Checkbox):
            control.indent = False
            control.layout.width = "auto"
        else:
            control.style.description_width = "initial"


def wrapping_row(children: list[Any]) -> Any:
    """An ``HBox`` whose columns wrap onto the next line when the page is narrow (nothing is cut)."""
    w = ipywidgets()
    return w.HBox(children, layout=w.Layout(flex_flow="row wrap", grid_gap="4px 16px"))
