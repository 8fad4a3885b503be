"""Model families: the ``variant_of`` chains resolved to their root, and a model's routing variants."""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import repeat
from typing import Any

import numpy as np
import pandas as pd

from . import schema

__all__ = ["root_ids", "family_ids", "family_keys", "variants", "cycle_members", "DATED_SUFFIX"]


def _parents(model_ids: Sequence[str], variant_of: Sequence[Any]) -> np.ndarray:
    """Position of each row's listed parent; -1 when it has none or it is unlisted.

    Ids are matched exactly; when an id is listed twice, its first row is the parent.
    """
    n = len(model_ids)
    first = dict(zip(reversed(model_ids), range(n - 1, -1, -1)))  # the first row wins
    return np.fromiter(map(first.get, variant_of, repeat(-1)), dtype=np.int64, count=n)  # None, NA: -1


def _folded(listed: np.ndarray) -> np.ndarray:
    """Rows without a listed parent point at themselves (roots)."""
    return np.where(listed < 0, np.arange(len(listed)), listed)


def _terminals(parent: np.ndarray) -> np.ndarray:
    """Pointer jumping: the root, or a member of the cycle, that each row's chain ends in.

    After k rounds each row points 2**k steps up its chain; 2**k >= n steps reach a root or a
    cycle from anywhere, so ``n.bit_length() + 1`` rounds bound the work (a forest stops earlier).
    """
    reach = parent
    for _ in range(len(parent).bit_length() + 1):
        further = reach[reach]
        if np.array_equal(further, reach):
            break
        reach = further
    return reach


def cycle_members(model_ids: Sequence[str], variant_of: Sequence[Any]) -> list[list[str]]:
    """The ``variant_of`` loops of a catalog, each as its member ids in chain order (self-loops too).

    >>> cycle_members(["a", "b", "c", "d"], ["b", "a", None, "d"])
    [['a', 'b'], ['d']]
    """
    ids = list(model_ids)
    listed = _parents(ids, variant_of)
    loops = [[ids[i]] for i in np.flatnonzero(listed == np.arange(len(ids)))]  # names itself
    parent = _folded(listed)
    reach = _terminals(parent)
    seen: set[int] = set()
    for start in np.unique(reach[parent[reach] != reach]).tolist():
        if start in seen:
            continue
        loop, node = [], start
        while node not in seen:
            seen.add(node)
            loop.append(node)
            node = int(parent[node])
        if node == start:  # every start is on its cycle; the guard keeps a bug from looping forever
            first = loop.index(min(loop, key=ids.__getitem__))
            loops.append([ids[i] for i in loop[first:] + loop[:first]])
    return sorted(loops, key=lambda members: members[0])


def root_ids(model_ids: Sequence[str], variant_of: Sequence[Any]) -> list[str]:
    """The family id of each row: its ``variant_of`` chain followed up to the root.

    A chain that reaches an unlisted id stops at the last listed ancestor (a row whose parent is
    unlisted is its own root); a loop resolves to its smallest member id, whatever the row order.
    Linear in the rows (numpy pointer jumping, ``log2(n)`` rounds at most).

    >>> root_ids(["qwen3.8-max", "qwen3.8-max-preview", "x", "y", "p", "q"],
    ...          ["gone", "qwen3.8-max", None, "qwen3.8-max-preview", "q", "p"])
    ['qwen3.8-max', 'qwen3.8-max', 'x', 'qwen3.8-max', 'p', 'p']
    """
    ids = list(model_ids)
    if not any(isinstance(v, str) for v in variant_of):
        return ids
    parent = _folded(_parents(ids, variant_of))
    reach = _terminals(parent)
    looping = parent[reach] != reach
    if looping.any():
        positions = {model_id: i for i, model_id in reversed(list(enumerate(ids)))}
        representative = reach.copy()
        for loop in cycle_members(ids, variant_of):
            if len(loop) > 1:
                smallest = positions[loop[0]]
                for member in loop:
                    representative[positions[member]] = smallest
        reach = np.where(looping, representative[reach], reach)
    return list(map(ids.__getitem__, reach.tolist()))


def family_ids(frame: pd.DataFrame) -> pd.Series:
    """A ``family_id`` per row (pandas string, the frame's index), from ``model_id`` and ``variant_of``.

    A frame without ``variant_of`` (a catalog from before 2026) gives every model its own family.

    >>> import aihubmix_frame as ahf
    >>> df = ahf.catalog_to_frame([{"model_id": "glm-5"}, {"model_id": "coding-glm-5", "variant_of": "glm-5"},
    ...                            {"model_id": "coding-glm-5-free", "variant_of": "coding-glm-5"}])
    >>> family_ids(df).tolist()
    ['glm-5', 'glm-5', 'glm-5']
    """
    schema.require_columns(frame, ("model_id",), needed_for="family_ids")
    ids = frame["model_id"].tolist()
    if "variant_of" in frame.columns:
        parents = [None if pd.isna(v) else v for v in frame["variant_of"].tolist()]
    else:
        parents = [None] * len(ids)
    return pd.Series(root_ids(ids, parents), index=frame.index, dtype="string", name="family_id")


def variants(frame: pd.DataFrame, model_id: str) -> pd.DataFrame:
    """The other models of ``model_id``'s family, with their prices minus its prices.

    One row per family member except the model itself, in frame order: ``model_id``,
    ``variant_of``, the four ``*_usd_per_1m`` prices and ``*_usd_per_1m_diff`` (member minus the
    given model; negative = cheaper). Ids match exactly. Does not mutate ``frame``.

    >>> import aihubmix_frame as ahf
    >>> df = ahf.catalog_to_frame([
    ...     {"model_id": "glm-5", "pricing": {"input": 1, "output": 3}},
    ...     {"model_id": "glm-5-free", "variant_of": "glm-5", "pricing": {"input": 0, "output": 0}},
    ...     {"model_id": "gpt-5", "pricing": {"input": 1.25, "output": 10}}])
    >>> variants(df, "glm-5")[["model_id", "input_usd_per_1m_diff", "output_usd_per_1m_diff"]]
         model_id  input_usd_per_1m_diff  output_usd_per_1m_diff
    1  glm-5-free                   -1.0                    -3.0
    """
    schema.require_columns(frame, ("model_id", *schema.PRICE_COLUMNS), needed_for="variants")
    matches = np.flatnonzero((frame["model_id"] == model_id).to_numpy(dtype=bool, na_value=False))
    if not len(matches):
        lowered = frame["model_id"][frame["model_id"].str.lower() == str(model_id).lower()].tolist()
        hint = f" Did you mean {lowered[0]!r}? Ids match exactly." if lowered else ""
        raise ValueError(f"model id {model_id!r} is not in the frame.{hint} List the ids with df['model_id'].")
    families = frame["family_id"] if "family_id" in frame.columns else family_ids(frame)
    here = matches[0]
    same = (families == families.iloc[here]).to_numpy(dtype=bool, na_value=False)
    same[here] = False
    columns = ["model_id", *(["variant_of"] if "variant_of" in frame.columns else []), *schema.PRICE_COLUMNS]
    result = frame.loc[same, columns].copy()
    for column in schema.PRICE_COLUMNS:
        result[f"{column}_diff"] = result[column] - frame[column].iloc[here]
    return result


#: A dated-snapshot or alias suffix: ``-2025-07-28``, ``-20250728``, ``-250615``, ``-latest``.
DATED_SUFFIX = re.compile(r"-(?:\d{4}-\d{2}-\d{2}|\d{8}|\d{6}|latest)$")


def family_keys(frame: pd.DataFrame) -> pd.Series:
    """One key per family, for "one row per family": ``family_id``, then dated snapshots folded.

    The ``variant_of`` root (:func:`family_ids`) first; then a root whose id ends in a dated-snapshot
    or alias suffix (:data:`DATED_SUFFIX`) joins the id without it, when that id is in the frame
    (``qwen-turbo-2025-04-28`` and ``qwen-turbo-latest`` join ``qwen-turbo``). Exact ids, case kept.

    >>> import aihubmix_frame as ahf
    >>> df = ahf.catalog_to_frame([{"model_id": "qwen-turbo"}, {"model_id": "qwen-turbo-latest"},
    ...                            {"model_id": "qwen-flash-2025-07-28"}, {"model_id": "coding-glm-5", "variant_of": "glm-5"},
    ...                            {"model_id": "glm-5"}])
    >>> family_keys(df).tolist()
    ['qwen-turbo', 'qwen-turbo', 'qwen-flash-2025-07-28', 'glm-5', 'glm-5']
    """
    roots = frame["family_id"] if "family_id" in frame.columns else family_ids(frame)
    roots = roots.astype("string").fillna(frame["model_id"].astype("string"))
    listed = set(frame["model_id"].dropna().tolist())
    stripped = roots.str.replace(DATED_SUFFIX, "", regex=True)
    keep = stripped.isin(listed) & (stripped != roots)
    return stripped.where(keep, roots).rename("family_key")
