"""A log's model ids looked up against the catalog, with the resolution rules applied to the distinct misses.

:class:`LoggedIds` gives the pricing kernel a key per row, block by block: exact ids hit the
catalog's value set; the distinct ids a block misses are resolved once
(:class:`~aihubmix_frame.pricing.model_ids.IdResolver`) and added to the value set, so later blocks
find them in the same hash lookup. Nothing runs per row in Python, and a log whose ids are all
exact costs one lookup per row, as before. Each row's key is kept, which gives the ``priced_as``
and ``id_match`` columns (categoricals built from codes) and the per-id row counts of the report.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import ModelIdResolvedWarning, warn
from .kernel import arrow_ids
from .model_ids import EXACT, IdResolver

__all__ = ["LoggedIds", "PRICED_AS", "ID_MATCH", "warn_resolved", "merge_resolved"]

#: The catalog id whose prices a row was billed at (NA when it matched none).
PRICED_AS = "priced_as"
#: How the row's id matched: ``"exact"``, ``"alias"`` or the rules applied (NA when it matched none).
ID_MATCH = "id_match"


class LoggedIds:
    """The model-id column of a log, keyed against ``known`` ids (a catalog's, or all versions').

    Keys ``0 .. len(known) - 1`` are known ids; higher keys are logged ids the resolver took to a
    known id; ``-1`` matches nothing. ``per_known`` maps a known key to what the caller looks up
    (a catalog row), its last entry standing for no match. :meth:`keys` returns that value for each
    row's *priced* key (a resolved id's target), in one take, and keeps the row's own key for
    :meth:`columns` and :meth:`resolved`.
    """

    def __init__(self, series: pd.Series, known: pa.Array, resolver: IdResolver | None, per_known: np.ndarray) -> None:
        self.known = known
        self.per_known = per_known
        self.resolver = resolver
        self.recorded: np.ndarray | None = None  # each row's own key (string ids)
        self._lost: np.ndarray | None = None  # rows forgotten (category ids)
        self._seen: list[np.ndarray] = []  # per block: bincount of (key + 1), or of (category code + 1)
        self._extras: list[str] = []
        self._extra_set: set[str] = set()
        self._how: list[str] = []
        self._targets = np.array([*range(len(known)), -1], dtype=np.intp)  # key -> priced key; last: -1
        self._priced_values = per_known  # key -> what keys() gives for it (per_known of its priced key)
        self._tried: set[str] = set()
        self._lock = threading.Lock()
        self._value_set = known
        self._category_keys: np.ndarray | None = None
        dtype = series.dtype
        if isinstance(dtype, pd.CategoricalDtype) or (
            isinstance(dtype, pd.ArrowDtype) and pa.types.is_dictionary(dtype.pyarrow_dtype)
        ):
            if isinstance(dtype, pd.CategoricalDtype):
                categories = arrow_ids(pd.Series(dtype.categories), series.name)
                self._codes = series.cat.codes.to_numpy()
            else:
                array = pa.array(series.array)
                if isinstance(array, pa.ChunkedArray):
                    array = array.unify_dictionaries().combine_chunks()
                categories = arrow_ids(pd.Series(array.dictionary.to_pylist(), dtype=object), series.name)
                self._codes = array.indices.fill_null(-1).to_numpy(zero_copy_only=False)
            self._names = np.array([*categories.to_pylist(), None], dtype=object)
            self._category_keys = np.append(self._raw_keys(categories), -1).astype(np.intp)
            self._category_priced = self._priced_values[self._category_keys]  # categories are resolved up front
        else:
            self._ids = arrow_ids(series, series.name)
            self.recorded = np.full(len(series), -1, dtype=np.int32)

    def _lookup(self, ids: pa.Array) -> np.ndarray:
        value_set = self._value_set
        if ids.type != value_set.type:
            value_set = value_set.cast(ids.type)
        found = pc.fill_null(pc.index_in(ids, value_set=value_set), -1)
        return found.to_numpy(zero_copy_only=False).astype(np.int32, copy=False)

    def _raw_keys(self, ids: pa.Array) -> np.ndarray:
        """Each id's own key; misses are resolved (once per distinct id) and looked up again."""
        keys = self._lookup(ids)
        if self.resolver is None:
            return keys
        missed = keys == -1
        if not missed.any():
            return keys
        names = pc.unique(ids.filter(pa.array(missed))).to_pylist()
        fresh = [n for n in names if n is not None and n not in self._tried]
        if fresh:
            self._learn(fresh)
        if any(n in self._extra_set for n in names):
            keys = keys.copy() if not keys.flags.writeable else keys
            keys[missed] = self._lookup(ids.filter(pa.array(missed)))
        return keys

    def _learn(self, names: list[str]) -> None:
        """Resolve new distinct ids and add those that resolve to the value set (under a lock: blocks run on threads)."""
        with self._lock:
            added = []
            for name in names:
                if name in self._tried:
                    continue
                resolved = self.resolver.resolve(name) if self.resolver is not None else None
                if resolved is not None:
                    target = pc.index_in(pa.array([resolved[0]], type=self.known.type), value_set=self.known)[0]
                    if target.is_valid:
                        added.append((name, int(target.as_py()), resolved[1]))
            for name, _target, how in added:
                self._extras.append(name)
                self._how.append(how)
            if added:
                targets = self._targets[:-1].tolist() + [t for _, t, _ in added] + [-1]
                value_set = pa.concat_arrays([self.known, pa.array(self._extras, type=self.known.type)])
                self._targets = np.array(targets, dtype=np.intp)
                self._priced_values = self.per_known[self._targets]
                self._value_set = value_set
                self._extra_set.update(name for name, _, _ in added)
            self._tried.update(names)  # published last: a reader that sees a name tried sees its key

    def keys(self, lo: int, hi: int) -> np.ndarray:
        """``per_known`` of the priced key of rows ``lo:hi``; each row's own key is recorded."""
        if self.recorded is None:
            codes = self._codes[lo:hi]
            self._seen.append(np.bincount(codes.astype(np.intp) + 1))
            return self._category_priced[codes]
        raw = self._raw_keys(self._ids.slice(lo, hi - lo))
        self.recorded[lo:hi] = raw
        self._seen.append(np.bincount(raw + 1))
        return self._priced_values[raw]

    def forget(self, lo: int, hi: int, mask: np.ndarray) -> None:
        """Rows ``lo:hi`` where ``mask`` were not priced after all (as-of: no version lists the id then)."""
        if not mask.any():
            return
        if self.recorded is None:
            self._seen.append(-np.bincount(self._codes[lo:hi][mask].astype(np.intp) + 1))
            if self._lost is None:
                self._lost = np.zeros(len(self._codes), dtype=bool)
            self._lost[lo:hi] |= mask
        else:
            self._seen.append(-np.bincount(self.recorded[lo:hi][mask] + 1))
            self.recorded[lo:hi][mask] = -1

    def _key_counts(self) -> np.ndarray:
        """Rows per key (the rows each key priced), from the per-block counts."""
        n_keys = len(self._targets) - 1
        width = max((len(c) for c in self._seen), default=0)
        total = np.zeros(width, dtype=np.int64)
        for block in self._seen:
            total[: len(block)] += block
        if self.recorded is not None or self._category_keys is None:
            return np.pad(total[1:], (0, max(0, n_keys - len(total[1:]))))[:n_keys]
        category_keys = self._category_keys
        per_category = np.pad(total[1:], (0, max(0, len(category_keys) - 1 - len(total[1:]))))
        keys = category_keys[:-1]
        mapped = keys >= 0
        return np.bincount(keys[mapped], weights=per_category[mapped], minlength=n_keys).astype(np.int64)

    def unknown(self, lo: int, hi: int, mask: np.ndarray) -> set:
        """The logged ids of rows ``lo:hi`` where ``mask`` (for the unknown-id warning)."""
        if self.recorded is None:
            return set(self._names[np.unique(self._codes[lo:hi][mask])].tolist())
        return set(pc.unique(self._ids.slice(lo, hi - lo).filter(pa.array(mask))).to_pylist())

    def columns(self) -> dict[str, Any]:
        """``priced_as`` and ``id_match`` per row, as categoricals of the values that occur."""
        n_keys = len(self._targets) - 1
        used = np.flatnonzero(self._key_counts()).tolist()
        known_names = self.known.to_pylist()
        priced_of_key = self._targets[:-1]
        priced_names = sorted({known_names[priced_of_key[k]] for k in used})
        how_of_key = [EXACT] * len(self.known) + self._how
        how_names = sorted({how_of_key[k] for k in used}, key=lambda h: (h != EXACT, h))
        priced_code = {name: code for code, name in enumerate(priced_names)}
        how_code = {name: code for code, name in enumerate(how_names)}
        priced_lut = np.full(n_keys + 1, -1, dtype=np.int32)  # last entry: key -1
        how_lut = np.full(n_keys + 1, -1, dtype=np.int32)
        for key in used:
            priced_lut[key] = priced_code[known_names[priced_of_key[key]]]
            how_lut[key] = how_code[how_of_key[key]]
        if self.recorded is not None:
            priced, how = priced_lut[self.recorded], how_lut[self.recorded]
        else:  # per category first, then one take per column over the codes (code -1: the last entry)
            priced, how = priced_lut[self._category_keys][self._codes], how_lut[self._category_keys][self._codes]
            if self._lost is not None:
                priced[self._lost] = how[self._lost] = -1
        return {PRICED_AS: _categorical(priced, priced_names), ID_MATCH: _categorical(how, how_names)}

    def resolved(self) -> list[dict[str, Any]]:
        """The logged ids priced as another id: ``logged``, ``priced_as``, ``id_match``, ``rows`` (most rows first)."""
        n_known = len(self.known)
        if not self._extras:
            return []
        counts = self._key_counts()[n_known:]
        names = self.known.to_pylist()
        entries = [
            {"logged": logged, "priced_as": names[self._targets[n_known + i]], "id_match": how, "rows": int(count)}
            for i, (logged, how, count) in enumerate(zip(self._extras, self._how, counts.tolist()))
            if count
        ]
        return sorted(entries, key=lambda e: (-e["rows"], e["logged"]))


def _categorical(codes: np.ndarray, names: list[str]) -> Any:
    """A categorical of ``names`` (pandas strings) from codes (-1: NA)."""
    return pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(pd.Index(names, dtype="string")))


def warn_resolved(entries: list[dict[str, Any]], *, limit: int = 8) -> None:
    """One :class:`~aihubmix_frame.errors.ModelIdResolvedWarning` naming each resolved id, its target and rows."""
    if not entries:
        return
    shown = "; ".join(
        f"{e['logged']!r} -> {e['priced_as']!r} ({e['id_match']}, {e['rows']:,} row{'s' if e['rows'] != 1 else ''})"
        for e in entries[:limit]
    )
    more = f"; and {len(entries) - limit} more ids" if len(entries) > limit else ""
    rows = sum(e["rows"] for e in entries)
    # Only where a date was dropped: a prefix or a Bedrock/resource wrapper names the same model.
    dated = any(rule in e["id_match"] for e in entries for rule in _DATE_RULES)
    caveat = "A dated snapshot can be priced differently from its undated id. " if dated else ""
    warn(
        f"{rows:,} row(s) carry model ids that are not catalog ids and were priced as catalog models: {shown}{more}. "
        f"{caveat}See the priced_as and id_match columns, pass aliases={{...}} to choose, or resolve_ids=False to "
        "price exact ids only",
        ModelIdResolvedWarning,
    )


#: Rules that drop a snapshot date (the dated id may have had its own price).
_DATE_RULES = ("dated_snapshot", "vertex_version")


def merge_resolved(*parts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The entries of :meth:`LoggedIds.resolved` of several parts of one log, rows summed per id (most rows first)."""
    rows: dict[tuple[str, str, str], int] = {}
    for entries in parts:
        for e in entries:
            key = (e["logged"], e["priced_as"], e["id_match"])
            rows[key] = rows.get(key, 0) + int(e["rows"])
    merged = [{"logged": k[0], "priced_as": k[1], "id_match": k[2], "rows": n} for k, n in rows.items()]
    return sorted(merged, key=lambda e: (-e["rows"], e["logged"]))
