"""Is a new catalog a plausible successor of the previous good copy? (a pure rule over two frames)

A broken deployment, a proxy or a half-migrated database can answer ``200`` with a valid envelope
that has lost half its models or every price. Such a body converts fine, so only a comparison
with the copy we had can tell. The rule, applied to complete (unfiltered) catalogs when the
previous copy had at least :data:`MIN_MODELS` models:

- **models**: the new catalog has at least :data:`MAX_DROP` (30 %) fewer models than the previous;
- **priced models** (an input or an output price): at least 30 % fewer;
- **usable models** (a price or a type): none at all.

Any one of these makes the new catalog implausible. A moderate change (a few models added,
removed or repriced) is plausible. The loader serves the previous copy instead, with an
:class:`~aihubmix_frame.errors.ImplausibleCatalogWarning` giving these figures, and
``load_catalog(accept_shrink=True)`` (CLI ``--accept-shrink``) accepts the new one deliberately.

>>> import aihubmix_frame as ahf
>>> old = ahf.load_snapshot()
>>> check_plausible(old, old.iloc[:700]) is None                 # 13 % fewer: plausible
True
>>> print(check_plausible(old, old.iloc[:402]))
402 models where the previous copy had 804 (-50%); 402 priced models where the previous copy had 804 (-50%)
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

__all__ = ["MAX_DROP", "MIN_MODELS", "CatalogCounts", "Implausible", "catalog_counts", "check_plausible"]

#: A drop of at least this share of the models, or of the priced models, is implausible.
MAX_DROP = 0.30
#: The rule applies when the previous copy had at least this many models (test catalogs are tiny).
MIN_MODELS = 50

_PRICES = ("input_usd_per_1m", "output_usd_per_1m")


@dataclass(frozen=True)
class CatalogCounts:
    """What the rule compares: models, priced models (an input or output price), usable models."""

    models: int
    priced: int
    usable: int


def catalog_counts(frame: pd.DataFrame) -> CatalogCounts:
    """The counts of one catalog frame.

    >>> import aihubmix_frame as ahf
    >>> catalog_counts(ahf.catalog_to_frame([{"model_id": "x"}, {"model_id": "y", "types": "llm"}]))
    CatalogCounts(models=2, priced=0, usable=1)
    """
    rows = len(frame)
    priced = pd.Series(False, index=frame.index)
    for column in _PRICES:
        if column in frame.columns:
            priced |= frame[column].notna().to_numpy(dtype=bool)
    typed = (
        pd.Series([hasattr(cell, "__len__") and len(cell) > 0 for cell in frame["types"]], index=frame.index)
        if "types" in frame.columns
        else pd.Series(False, index=frame.index)
    )
    return CatalogCounts(models=rows, priced=int(priced.sum()), usable=int((priced | typed).sum()))


@dataclass(frozen=True)
class Implausible:
    """Why a new catalog is implausible: the counts of both copies and the problems found."""

    previous: CatalogCounts
    new: CatalogCounts
    problems: tuple[str, ...]

    def __str__(self) -> str:
        return "; ".join(self.problems)


def _drop(before: int, after: int) -> float:
    return (before - after) / before if before else 0.0


def check_plausible(
    previous: pd.DataFrame, new: pd.DataFrame, *, max_drop: float = MAX_DROP, min_models: int = MIN_MODELS
) -> Implausible | None:
    """None when ``new`` is a plausible successor of ``previous``; else what is implausible about it.

    Both are complete catalog frames. See the module docstring for the rule and its thresholds.
    """
    if not 0 < max_drop <= 1:
        raise ValueError(f"max_drop must be a share above 0 and at most 1, got {max_drop!r}")
    before, after = catalog_counts(previous), catalog_counts(new)
    if before.models < min_models:
        return None
    problems = []
    if _drop(before.models, after.models) >= max_drop:
        problems.append(
            f"{after.models:,} models where the previous copy had {before.models:,} "
            f"(-{_drop(before.models, after.models):.0%})"
        )
    if before.priced and _drop(before.priced, after.priced) >= max_drop:
        problems.append(
            f"{after.priced:,} priced models where the previous copy had {before.priced:,} "
            f"(-{_drop(before.priced, after.priced):.0%})"
        )
    if before.usable and not after.usable:
        problems.append("no usable model (none has a price or a type)")
    return Implausible(before, after, tuple(problems)) if problems else None
