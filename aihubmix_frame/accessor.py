"""The ``.aihub`` DataFrame accessor: thin, stateless, never mutates, returns new frames."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from . import filters, schema
from .cost_methods import CostMethods
from .keywords import accepts_query
from .operations import with_provenance
from .query import CatalogQuery

__all__ = ["AihubAccessor"]

_EXPLODABLE = {
    "types": "type",
    "features": "feature",
    "input_modalities": "modality",
}


@pd.api.extensions.register_dataframe_accessor("aihub")
class AihubAccessor(CostMethods):
    """Catalog operations on a frame from ``load_catalog``, ``load_snapshot`` or ``catalog_to_frame``.

    >>> import aihubmix_frame as ahf
    >>> df = ahf.load_snapshot()
    >>> df.aihub.filter(type="llm", features="thinking").shape[0] > 0
    True
    """

    def __init__(self, frame: pd.DataFrame):
        # pandas turns an AttributeError raised here into "no attribute 'aihub'": keep its text.
        try:
            schema.require_columns(frame, schema.REQUIRED_COLUMNS, needed_for="the .aihub accessor")
        except ValueError as exc:
            raise AttributeError(str(exc)) from None
        self._frame = frame

    # --- filter and sort ---------------------------------------------------------------------

    @accepts_query(sort=False)
    def filter(self, *, query: CatalogQuery) -> pd.DataFrame:
        """Models that meet every condition (logical AND), as the server filters.

        ``type`` matches any of a model's types (several types: any of them) and accepts legacy
        codes (``t2t`` is ``llm``); every modality and feature listed (comma string or list) is
        required; ``model`` is a case-insensitive substring of ``model_id``. The numeric bounds
        never match a missing limit or price. A value the package does not know (neither
        documented nor in this frame) gets an ``UnknownValueWarning`` with a did-you-mean and
        matches nothing. Takes ``query=`` (a :class:`~aihubmix_frame.query.CatalogQuery`) instead
        of the keywords too. Never mutates the frame.

        >>> import aihubmix_frame as ahf
        >>> df = ahf.load_snapshot()
        >>> hits = df.aihub.filter(type="t2t", modalities="text,image", features=["thinking"], model="GPT-5")
        >>> "gpt-5" in set(hits["model_id"])
        True
        >>> bool(hits["has_thinking"].all() and hits["accepts_image"].all())
        True
        """
        result = filters.filter_catalog(self._frame, query=query)
        applied = {k: v for k, v in query.to_dict().items() if k not in ("sort_by", "sort_order")}
        return with_provenance(result, self._frame, "filter", applied)

    @property
    def plot(self) -> Any:
        """Plots of this frame: ``price_map``, ``context_map``, ``feature_matrix``, ``cost_bars``,
        ``price_history`` (see :mod:`aihubmix_frame.plot`; matplotlib is imported when one is drawn).

        >>> import aihubmix_frame as ahf
        >>> ax = ahf.load_snapshot().aihub.filter(model="claude-opus").aihub.plot.feature_matrix()
        >>> ax.get_yticklabels()[0].get_text().startswith("claude-opus"), ahf.plot.pyplot().close("all")
        (True, None)
        """
        from .plot import CatalogPlots

        return CatalogPlots(self._frame)

    # --- search ------------------------------------------------------------------------

    def search(self, text: str, limit: int | None = 10, *, min_score: float = 60.0) -> pd.DataFrame:
        """Models whose id, display name or description match ``text``, best first, plus ``score``.

        Fuzzy and forgiving: case, separators and small typos do not matter (``gpt5`` finds
        ``gpt-5``, ``sonet`` the sonnets, ``claude opus`` the ``claude-opus-*`` family). ``score``
        runs 0-100 (100: the whole id or name, separators aside); rows under ``min_score`` are
        left out; equal scores keep the frame's row order (server order for a loaded catalog).
        See :mod:`aihubmix_frame.search` for the scoring.

        >>> import aihubmix_frame as ahf
        >>> hits = ahf.load_snapshot().aihub.search("claude opus", limit=3)
        >>> hits["model_id"].str.startswith("claude-opus-").all(), bool(hits["score"].is_monotonic_decreasing)
        (np.True_, True)
        """
        from .search import search_catalog

        result = search_catalog(self._frame, text, limit=limit, min_score=min_score)
        return with_provenance(result, self._frame, "search", {"text": text, "limit": limit, "min_score": min_score})

    def sort(self, by: str = "order", order: str = "asc") -> pd.DataFrame:
        """Sort by ``model_ratio``, ``context_length``, ``coding``, ``order`` or any scalar column.

        ``model_ratio`` sorts by the input price: the gateway's input price is 2 x its one-api model
        ratio (checked in the test suite on 366 ids seen in both the 2025-10 ratios and the
        2025-11 prices), so the order is the same. ``coding`` puts coding models first (see
        ``filters.CODING_PATTERN``: ``code``, ``coder``, ``codex``, ``coding`` or ``codestral`` as a
        word of the id or display name), the rest in their current order, and ignores ``order``;
        ``order`` restores server order (the index is the server position; ``desc`` reverses it).
        Missing values go last whatever the order; ties keep their order (stable).

        >>> import aihubmix_frame as ahf
        >>> df = ahf.load_snapshot()
        >>> top = df.aihub.sort("context_length", order="desc")
        >>> int(top["context_length"].iloc[0]) == int(df["context_length"].max())
        True
        >>> top.aihub.sort("order").index.equals(df.index)
        True
        """
        result = filters.sort_catalog(self._frame, by=by, order=order)
        return with_provenance(result, self._frame, "sort", {"by": by, "order": order})

    # --- long views ----------------------------------------------------------------------------

    def explode(self, column: str = "features", *, keep_empty: bool = False) -> pd.DataFrame:
        """One row per model x value of a list column (``types``, ``features``, ``input_modalities``).

        The exploded column becomes a string column; other columns keep their dtypes. Models with
        an empty list are dropped unless ``keep_empty=True`` (then they have one row with NA).

        >>> import aihubmix_frame as ahf
        >>> long = ahf.load_snapshot().aihub.explode("types")
        >>> str(long["types"].dtype), bool((long["types"] == "llm").any())
        ('string', True)
        """
        if column not in _EXPLODABLE:
            raise ValueError(f"cannot explode {column!r}; list columns are: {', '.join(_EXPLODABLE)}")
        result = self._frame.explode(column)
        result[column] = result[column].astype("string")
        if not keep_empty:
            result = result[result[column].notna().to_numpy()]
        return with_provenance(result, self._frame, "explode", {"column": column})

    def _long(self, column: str) -> pd.DataFrame:
        value_name = _EXPLODABLE[column]
        exploded = self._frame[["model_id", column]].explode(column)
        exploded = exploded[exploded[column].notna().to_numpy()]
        return pd.DataFrame(
            {
                "model_id": exploded["model_id"].astype("string").array,
                value_name: exploded[column].astype("string").array,
            }
        )

    @property
    def features(self) -> pd.DataFrame:
        """Long table ``(model_id, feature)``: one row per model and canonical feature.

        >>> import aihubmix_frame as ahf
        >>> df = ahf.load_snapshot()
        >>> int((df.aihub.features["feature"] == "thinking").sum()) == int(df["has_thinking"].sum())
        True
        """
        return self._long("features")

    @property
    def modalities(self) -> pd.DataFrame:
        """Long table ``(model_id, modality)``: one row per model and input modality.

        >>> import aihubmix_frame as ahf
        >>> df = ahf.load_snapshot()
        >>> int((df.aihub.modalities["modality"] == "pdf").sum()) == int(df["accepts_pdf"].sum())
        True
        """
        return self._long("input_modalities")

    @property
    def types(self) -> pd.DataFrame:
        """Long table ``(model_id, type)``: one row per model and type.

        >>> import aihubmix_frame as ahf
        >>> long = ahf.load_snapshot().aihub.types
        >>> list(long.columns), bool(((long["model_id"] == "gpt-5") & (long["type"] == "llm")).any())
        (['model_id', 'type'], True)
        """
        return self._long("types")

    # --- checks and families (quality.py, families.py, sources/) ------------------------------

    def quality(
        self, *, severity: str | Iterable[str] | None = None, checks: str | Iterable[str] | None = None
    ) -> pd.DataFrame:
        """Findings about the catalog's known traps: ``model_id, check, severity, detail``.

        See :func:`aihubmix_frame.quality.quality_report` for the checks. Does not mutate.

        >>> import aihubmix_frame as ahf
        >>> found = ahf.load_snapshot().aihub.quality(severity="error")
        >>> list(found.columns), set(found["severity"]) <= {"error"}
        (['model_id', 'check', 'severity', 'detail'], True)
        """
        from .quality import quality_report

        return quality_report(self._frame, severity=severity, checks=checks)

    def variants(self, model_id: str) -> pd.DataFrame:
        """The routing variants of ``model_id`` (same ``family_id``) with their price differences.

        See :func:`aihubmix_frame.families.variants`.

        >>> import aihubmix_frame as ahf
        >>> family = ahf.catalog_to_frame([
        ...     {"model_id": "glm-5", "pricing": {"input": 1, "output": 3}},
        ...     {"model_id": "coding-glm-5", "variant_of": "glm-5", "pricing": {"input": 1.5, "output": 3}}])
        >>> family.aihub.variants("glm-5")[["model_id", "input_usd_per_1m_diff"]].to_dict("records")
        [{'model_id': 'coding-glm-5', 'input_usd_per_1m_diff': 0.5}]
        """
        from .families import variants

        return variants(self._frame, model_id)

    def compare(self, other: pd.DataFrame, **options: Any) -> pd.DataFrame:
        """Per model and field, this catalog's value against ``other``'s (e.g. ``ahf.load_modelsdev()``).

        See :func:`aihubmix_frame.sources.compare.compare_sources`.

        >>> import aihubmix_frame as ahf
        >>> found = ahf.load_snapshot().aihub.compare(ahf.load_modelsdev(), fields="input_usd_per_1m")
        >>> int((found["status"] == "differs").sum())
        10
        """
        from .sources.compare import compare_sources

        return compare_sources(self._frame, other, **options)

    def enrich(self, other: pd.DataFrame, **options: Any) -> pd.DataFrame:
        """Fill what this catalog lacks from ``other`` without overwriting a value it has; a new frame.

        See :func:`aihubmix_frame.sources.compare.enrich`.

        >>> import warnings, aihubmix_frame as ahf
        >>> df = ahf.load_snapshot()
        >>> with warnings.catch_warnings(record=True) as caught:  # tiers over other base prices are not copied
        ...     warnings.simplefilter("always")
        ...     rich = df.aihub.enrich(ahf.load_modelsdev(), fields=["price_tiers"])
        >>> bool(rich["input_usd_per_1m"].equals(df["input_usd_per_1m"])), int(rich["price_tiers"].notna().sum()) > 0
        (True, True)
        >>> caught[0].category.__name__
        'PriceWarning'
        """
        from .sources.compare import enrich

        return enrich(self._frame, other, **options)

    # --- export (store/) --------------------------------------------------------------------

    def to_parquet(self, path: str | os.PathLike[str], *, compression: str = "zstd") -> Path:
        """Write the frame to Parquet atomically; ``ahf.read_parquet(path)`` gives it back exactly.

        Every dtype, the index and ``attrs`` round-trip; the schema version and provenance are in
        the file's metadata; DuckDB, Polars and pyarrow read the file without this package.
        Returns the path written.

        >>> import aihubmix_frame as ahf, tempfile, pathlib
        >>> df = ahf.load_snapshot().aihub.filter(type="llm")
        >>> path = df.aihub.to_parquet(pathlib.Path(tempfile.mkdtemp()) / "llm.parquet")
        >>> back = ahf.read_parquet(path)
        >>> back.equals(df) and back.attrs == df.attrs
        True
        """
        from .store.parquet import write_parquet

        return write_parquet(self._frame, path, compression=compression)

    def to_csv(self, path: str | os.PathLike[str]) -> Path:
        """Write the frame as CSV atomically (list columns joined with ``,``); see ``ahf.read_csv``.

        >>> import aihubmix_frame as ahf, tempfile, pathlib
        >>> path = ahf.load_snapshot().aihub.to_csv(pathlib.Path(tempfile.mkdtemp()) / "c.csv")
        >>> len(ahf.read_csv(path))
        804
        """
        from .store.csv import write_csv

        return write_csv(self._frame, path)
