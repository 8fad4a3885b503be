"""ipywidgets pickers over the catalog frame; ipywidgets is imported only when a picker is built."""

from __future__ import annotations

from .cost_explorer import CostExplorer
from .model_picker import ModelPicker

__all__ = ["ModelPicker", "CostExplorer"]
