"""Provenance of accessor operations: each call is appended to ``attrs["aihubmix"]["operations"]``."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from . import schema

__all__ = ["with_provenance", "jsonable"]


#: What an operation reports about its own result (``cheapest``/``alternatives``: the models left out):
#: kept from the result when the source's provenance replaces its attrs.
RESULT_FINDINGS: tuple[str, ...] = ("left_out",)


def with_provenance(result: pd.DataFrame, source: pd.DataFrame, step: str, params: dict) -> pd.DataFrame:
    """Copy ``attrs`` onto ``result`` and append the operation to its provenance."""
    own = result.attrs.get(schema.ATTRS_KEY, {}) if isinstance(result.attrs, dict) else {}
    findings = {key: copy.deepcopy(own[key]) for key in RESULT_FINDINGS if key in own}
    attrs = copy.deepcopy(source.attrs)
    provenance = attrs.setdefault(schema.ATTRS_KEY, {})
    provenance.update(findings)
    applied = {k: jsonable(v) for k, v in params.items() if v is not None}
    provenance.setdefault("operations", []).append({"op": step, **applied})
    result.attrs = attrs
    return result


def jsonable(value: Any) -> Any:
    """A parameter as JSON-serialisable provenance (numpy scalars as numbers, iterables as lists)."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Iterable):
        return [jsonable(v) for v in value]
    return str(value)
