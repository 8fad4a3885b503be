"""A models x (features, input and output modalities) matrix of a small, filtered catalog."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .. import schema
from .axes import axes_for, check_catalog, plain_texts

__all__ = ["feature_matrix", "feature_table"]


def feature_table(frame: pd.DataFrame) -> pd.DataFrame:
    """The matrix :func:`feature_matrix` draws: one boolean row per model, one column per feature
    (``thinking``...), input modality (``in: text``...) and output modality (``out: image``...; when
    some model of the frame lists its ``output_modalities``), indexed by ``model_id``."""
    columns: dict[str, Any] = {}
    for feature in schema.FEATURES:
        columns[feature] = frame[f"has_{feature}"].to_numpy(dtype=bool, na_value=False)
    for modality in schema.MODALITIES:
        columns[f"in: {modality}"] = frame[f"accepts_{modality}"].to_numpy(dtype=bool, na_value=False)
    if "output_modalities" in frame.columns and frame["output_modalities"].notna().any():
        for modality in schema.OUTPUT_MODALITIES:
            columns[f"out: {modality}"] = np.array(
                [
                    isinstance(cell, (list, tuple, np.ndarray)) and modality in list(cell)
                    for cell in frame["output_modalities"].astype(object)
                ],
                dtype=bool,
            )
    return pd.DataFrame(columns, index=pd.Index(frame["model_id"].astype(str).tolist(), name="model_id"))


def feature_matrix(frame: pd.DataFrame, *, max_models: int = 60, hide_empty: bool = True, ax: Any = None) -> Any:
    """A heatmap: models (rows, frame order) x features and input/output modalities (dark: has it).

    Meant for a filtered frame: beyond ``max_models`` rows only the first ``max_models`` are drawn
    and the title says so (filter or sort the frame first to choose them). Columns no drawn model
    has are left out (``hide_empty=False`` keeps them) and counted in the x label. Returns the Axes.
    """
    check_catalog(frame, (*schema.HAS_COLUMNS, *schema.ACCEPTS_COLUMNS), "feature_matrix")
    if isinstance(max_models, bool) or not isinstance(max_models, (int, np.integer)) or max_models < 1:
        raise ValueError(f"max_models must be a whole number >= 1, got {max_models!r}")
    if not len(frame):
        raise ValueError("feature_matrix: the frame has no models; loosen the filter")
    table = feature_table(frame.iloc[: int(max_models)])
    empty = [c for c in table.columns if not table[c].any()] if hide_empty else []
    if len(empty) < table.shape[1]:
        table = table.drop(columns=empty)
    else:
        empty = []
    ax = axes_for(ax, (min(3 + 0.42 * table.shape[1], 12), min(2 + 0.22 * len(table), 16)))
    ax.imshow(table.to_numpy(dtype=float), cmap="Blues", vmin=0, vmax=1.25, aspect="auto", interpolation="nearest")
    ax.set_xticks(np.arange(table.shape[1]), labels=list(table.columns), rotation=60, ha="right", fontsize=8)
    ax.set_yticks(np.arange(len(table)), labels=plain_texts(table.index), fontsize=7 if len(table) > 30 else 8)
    ax.set_xticks(np.arange(table.shape[1] + 1) - 0.5, minor=True)
    ax.set_yticks(np.arange(len(table) + 1) - 0.5, minor=True)
    ax.grid(which="minor", color="white", lw=0.8)
    ax.tick_params(which="minor", length=0)
    note = (
        f"first {len(table)} of {len(frame):,} models (filter the frame, or pass max_models=)"
        if len(frame) > len(table)
        else f"{len(table)} models"
    )
    ax.set_title(f"features and modalities: {note}", fontsize=10)
    served = any(c.startswith("out: ") for c in table.columns)
    ax.set_xlabel(
        (
            "feature / input modality (in:) / output modality (out:)"
            if served
            else "feature / input modality (in:); output modalities not served for these models"
        )
        + (f"\n{len(empty)} columns no model here has are left out" if empty else "")
    )
    return ax
