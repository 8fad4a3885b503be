"""load_catalog / load_snapshot: the one place where IO meets pandas."""

from __future__ import annotations

import copy as copy_module
import json
import os
import threading
import warnings
from collections import OrderedDict
from datetime import UTC
from functools import lru_cache
from typing import Any

import pandas as pd

from . import schema
from .bundled import SNAPSHOT_DATE, SNAPSHOT_FILE, snapshot_text
from .filters import apply_query
from .frame import base_provenance, catalog_to_frame
from .http.verdict import check_records_with
from .keywords import accepts_query
from .query import CatalogQuery

__all__ = [
    "load_snapshot",
    "load_catalog",
    "load_legacy_models",
    "get_legacy_model",
    "snapshot_payload",
    "SNAPSHOT_DATE",
    "forget_converted_frames",
    "convert_body",
]


def snapshot_payload() -> dict[str, Any]:
    """The bundled snapshot as the raw JSON envelope (a fresh copy each call)."""
    return json.loads(snapshot_text())


def snapshot_provenance(payload: dict[str, Any]) -> dict[str, Any]:
    """Provenance of the bundled snapshot, for ``df.attrs["aihubmix"]``."""
    return {
        "source": "snapshot",
        "url": None,
        "params": {},
        "etag": None,
        "fetched_at": f"{SNAPSHOT_DATE}T04:09:00+00:00",
        "snapshot_date": SNAPSHOT_DATE,
        "snapshot_file": SNAPSHOT_FILE,
        "snapshot_note": payload.get("_reconstructed", ""),
    }


@lru_cache(maxsize=1)
def _snapshot_frame() -> pd.DataFrame:
    payload = snapshot_payload()
    return catalog_to_frame(payload, provenance=snapshot_provenance(payload))


def load_snapshot() -> pd.DataFrame:
    """The bundled catalog of 2026-07-02 (804 models) as the catalog frame; no network.

    >>> df = load_snapshot()
    >>> len(df), df.attrs["aihubmix"]["source"], df.attrs["aihubmix"]["snapshot_date"]
    (804, 'snapshot', '2026-07-02')
    """
    frame = _snapshot_frame()
    copy = frame.copy(deep=True)
    # Tier cells hold dicts: copy them so that editing one never changes the cached snapshot.
    copy["price_tiers"] = pd.array([copy_module.deepcopy(t) for t in frame["price_tiers"]], dtype=object)
    copy.attrs = copy_module.deepcopy(frame.attrs)
    return copy


# --- the live catalog --------------------------------------------------------------------------


def _snapshot_fallback(query: CatalogQuery, reason: str | None) -> pd.DataFrame:
    """The bundled snapshot, filtered and sorted locally with the server's semantics."""
    from datetime import date, datetime

    from .errors import StaleCatalogWarning, warn

    frame = apply_query(load_snapshot(), query)
    frame.attrs[schema.ATTRS_KEY]["params"] = query.to_params()
    if reason is not None:
        days = (datetime.now(UTC).date() - date.fromisoformat(SNAPSHOT_DATE)).days
        frame.attrs[schema.ATTRS_KEY]["fallback_reason"] = reason
        warn(
            f"{reason}; using the catalog snapshot bundled with aihubmix-frame ({SNAPSHOT_DATE}, "
            f"{days} days old), filtered locally. Prices and models may have changed: retry "
            f"later, or check base_url and your network.",
            StaleCatalogWarning,
        )
    return frame


@accepts_query()
def load_catalog(
    *,
    query: CatalogQuery,
    base_url: str | None = None,
    api_key: str | None = None,
    session: Any = None,
    refresh: bool = False,
    force_refresh: bool = False,
    offline: bool = False,
    timeout: float | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    retries: int | None = None,
    history: str | os.PathLike[str] | None = None,
    client: Any = None,
    accept_shrink: bool = False,
) -> pd.DataFrame:
    """The live catalog as the catalog frame: network through the HTTP cache, then fallbacks.

    Filters and sorting go to the server as query parameters (the server's semantics); the local
    bounds (``min_context``, ``max_input_price``, ...) and a sort by a column the server does not
    know are applied to its answer. The chain: a fresh cached copy (no request), else the
    server (a 304 revalidates the cached copy), else — when the server can't be reached, answers
    5xx, keeps answering 429/503 or sends a broken body — the stale cached copy, else the bundled
    snapshot filtered and sorted locally, each with a :class:`StaleCatalogWarning` that says
    which and how old. ``offline=True`` never touches the network (cache, else snapshot, no
    warning). 4xx answers raise :class:`APIError`. ``df.attrs["aihubmix"]`` says where the data
    came from (``source``: network, cache, revalidated, stale or snapshot); never the API key.

    Settings (or pass ``client=``, a :class:`~aihubmix_frame.http.client.CatalogClient`): base URL
    ``base_url=``, else ``$AIHUBMIX_BASE_URL``, else https://aihubmix.com; API key ``api_key=`` or
    ``$AIHUBMIX_API_KEY`` (optional for this endpoint); cache ``cache_dir=``, else
    ``$AIHUBMIX_CACHE_DIR``, else the user cache directory; ``timeout`` seconds per attempt and
    ``retries`` after a 429/503. ``history=folder`` records each unfiltered catalog that came from
    the API in a :class:`~aihubmix_frame.store.CatalogHistory` (only when its content changed).

    A new unfiltered catalog with 30 % fewer models or priced models than the previous cached copy
    (:mod:`aihubmix_frame.plausibility`) is not taken: the previous copy is put back and served
    with an :class:`~aihubmix_frame.errors.ImplausibleCatalogWarning` giving the figures, and
    nothing is recorded in ``history``. ``accept_shrink=True`` asks the server again (as
    ``refresh=True``) and takes its answer however much it shrank.

    >>> import tempfile
    >>> from aihubmix_frame.testing import CatalogServer
    >>> with CatalogServer() as server, tempfile.TemporaryDirectory() as tmp:
    ...     df = load_catalog(type="llm", features="thinking,tools", sort_by="context_length",
    ...                       sort_order="desc", base_url=server.url, cache_dir=tmp)
    ...     server.requests[-1].query
    ...     from aihubmix_frame.http.cache import close_sessions; close_sessions()
    {'type': 'llm', 'features': 'thinking,tools', 'sort_by': 'context_length', 'sort_order': 'desc'}
    >>> df.attrs["aihubmix"]["source"], bool(df["has_thinking"].all())
    ('network', True)
    """
    from .errors import OfflineError
    from .http.client import DEFAULT_TIMEOUT, MAX_RETRIES, CatalogClient

    if client is None:
        client = CatalogClient(
            base_url=base_url,
            api_key=api_key,
            session=session,
            cache_dir=cache_dir,
            timeout=DEFAULT_TIMEOUT if timeout is None else timeout,
            retries=MAX_RETRIES if retries is None else retries,
        )
    if not isinstance(accept_shrink, bool):
        raise TypeError(f"accept_shrink must be True or False, got {accept_shrink!r}")
    server_query = query.server_query()
    try:
        raw = client.fetch(
            query=server_query, refresh=refresh or accept_shrink, force_refresh=force_refresh, offline=offline
        )
    except OfflineError as exc:
        return _snapshot_fallback(query, None if offline else exc.reason)
    frame = _frame_of(raw, complete=not server_query.selects)
    if raw.source == "network" and not server_query.selects and not accept_shrink:
        frame = _unless_implausible(client, server_query, frame)
    if history is not None:
        from .store.fetch_hook import record_fetch

        record_fetch(frame, history)
    local = query.local_query()
    return frame if local.is_empty else apply_query(frame, local)


def _unless_implausible(client: Any, query: CatalogQuery, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (a new network catalog), or the previous cached copy when ``frame`` is implausible."""
    import dataclasses

    from .errors import ImplausibleCatalogWarning, warn
    from .http.previous import previous_catalog, restore_previous
    from .plausibility import MAX_DROP, check_plausible

    previous = previous_catalog(client, query)
    if previous is None:
        return frame
    finding = check_plausible(_frame_of(previous, complete=True), frame)
    if finding is None:
        return frame
    restore_previous(client, query)
    reason = f"the server's new catalog looks broken: {finding}"
    served = _frame_of(dataclasses.replace(previous, reason=f"{reason} at {previous.url}"), complete=True)
    warn(
        f"{reason} (a drop of {MAX_DROP:.0%} or more, at {previous.url}). It was not cached, and the previous "
        f"copy (last confirmed {previous.fetched_at}) is served instead. If the change is real, accept it "
        f"deliberately with load_catalog(accept_shrink=True) (CLI: --accept-shrink)",
        ImplausibleCatalogWarning,
    )
    return served


#: Frames of recently converted bodies, by body hash: a cache hit or a 304 of the same body
#: reuses the frame (a copy) instead of parsing and converting the JSON again.
_RECENT_FRAMES: OrderedDict[str, tuple[pd.DataFrame, list]] = OrderedDict()
_RECENT_LIMIT = 8
_RECENT_LOCK = threading.Lock()


def forget_converted_frames() -> None:
    """Drop the frames kept for identical bodies, so the next load parses and converts again."""
    with _RECENT_LOCK:
        _RECENT_FRAMES.clear()


def _copy_frame(frame: pd.DataFrame) -> pd.DataFrame:
    copy = frame.copy(deep=True)
    # Object cells (tiers, unknown nested fields) hold dicts and lists: copy them too, so that
    # editing one frame never changes another.
    for column in copy.columns[copy.dtypes == object]:
        copy[column] = pd.array([copy_module.deepcopy(v) for v in frame[column]], dtype=object)
    return copy


def convert_body(payload: dict[str, Any]) -> tuple[pd.DataFrame, list[tuple[Warning | str, type[Warning]]]]:
    """``catalog_to_frame`` of a fetched envelope, with the warnings it raised (said when loaded).

    It is also the HTTP layer's deep check of every catalog body (registered below): whether a body
    is a catalog is decided here, where the frame is known; an invalid record raises.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")  # e.g. duplicate ids: kept, said when the frame is loaded
        frame = catalog_to_frame(payload)
    return frame, [(w.message, w.category) for w in caught]


check_records_with(convert_body)


def _frame_of(raw: Any, *, complete: bool) -> pd.DataFrame:
    """``catalog_to_frame`` of a fetched body, reusing the frame of an identical earlier body.

    ``complete``: the query had no server filter, so the frame is the whole catalog (its
    fingerprint goes into the provenance; see :func:`aihubmix_frame.schema.is_complete_catalog`).
    """
    digest = raw.content_digest
    with _RECENT_LOCK:
        hit = _RECENT_FRAMES.get(digest) if digest is not None else None
        if hit is not None:
            _RECENT_FRAMES.move_to_end(digest)
    if hit is None and raw.converted is not None:
        hit = raw.converted  # converted once already, while the body was checked before caching
    if hit is None:
        hit = convert_body(raw.payload)
    if digest is not None:
        with _RECENT_LOCK:
            _RECENT_FRAMES[digest] = hit
            _RECENT_FRAMES.move_to_end(digest)
            while len(_RECENT_FRAMES) > _RECENT_LIMIT:
                _RECENT_FRAMES.popitem(last=False)
    frame, caught_warnings = hit
    for message, category in caught_warnings:  # e.g. duplicate ids: said on every load
        warnings.warn(message, category, stacklevel=3)
    result = _copy_frame(frame)
    provenance = {**base_provenance(), **raw.provenance}
    if complete:
        provenance[schema.COMPLETE_KEY] = frame.attrs[schema.ATTRS_KEY][schema.COMPLETE_KEY]
    result.attrs = {schema.ATTRS_KEY: provenance}
    return result


# --- legacy endpoints ------------------------------------------------------------------------------


def load_legacy_models(
    *,
    api_key: str | None = None,
    base_url: str | None = None,
    session: Any = None,
    timeout: float | None = None,
) -> pd.DataFrame:
    """``GET /v1/models`` (the models your API key can use) as a frame, one row per model.

    Columns: ``id``, ``object``, ``owned_by``, ``created`` (UTC datetime), ``root``, ``parent``,
    then the model's first permission object flattened to ``permission_<field>`` columns and
    ``permission_count``. Not cached: the answer depends on the API key.

    >>> from aihubmix_frame.testing import CatalogServer
    >>> with CatalogServer() as server:
    ...     legacy = load_legacy_models(base_url=server.url)
    >>> len(legacy), str(legacy["created"].dt.tz), bool(legacy["permission_allow_sampling"].all())
    (804, 'UTC', True)
    """
    from .errors import SchemaError
    from .http.client import DEFAULT_TIMEOUT
    from .http.legacy import fetch_legacy_models

    body = fetch_legacy_models(
        api_key=api_key,
        base_url=base_url,
        session=session,
        timeout=DEFAULT_TIMEOUT if timeout is None else timeout,
    )
    rows = []
    for index, record in enumerate(body["data"]):
        if not isinstance(record, dict) or not isinstance(record.get("id"), str):
            raise SchemaError(f"legacy model {index} has no string 'id'; check base_url")
        permissions = record.get("permission") or []
        if not isinstance(permissions, list):
            raise SchemaError(f"legacy model {record['id']!r}: 'permission' is not a list")
        row = {k: v for k, v in record.items() if k != "permission"}
        first = permissions[0] if permissions and isinstance(permissions[0], dict) else {}
        row.update({f"permission_{k}": v for k, v in first.items()})
        row["permission_count"] = len(permissions)
        rows.append(row)
    leading = ["id", "object", "owned_by", "created", "root", "parent"]
    frame = pd.DataFrame(rows)
    for column in leading:
        if column not in frame.columns:
            frame[column] = pd.NA
    frame = frame[leading + [c for c in frame.columns if c not in leading]]
    for column in ("id", "object", "owned_by", "root"):
        frame[column] = frame[column].astype("string")
    frame["created"] = pd.to_datetime(frame["created"].astype("Int64"), unit="s", utc=True)
    if "permission_created" in frame.columns:
        frame["permission_created"] = pd.to_datetime(frame["permission_created"].astype("Int64"), unit="s", utc=True)
    from .http.client import resolve_base_url
    from .http.result import public_url

    frame.attrs["aihubmix"] = {
        "source": "network",
        "endpoint": "legacy /v1/models",
        "url": public_url(resolve_base_url(base_url) + "/v1/models"),
    }
    return frame


def get_legacy_model(
    model_id: str,
    *,
    api_key: str | None = None,
    base_url: str | None = None,
    session: Any = None,
    timeout: float | None = None,
) -> dict[str, Any]:
    """``GET /v1/models/{model}`` as a dict; :class:`NotFoundError` for an unknown id.

    Ids may contain ``/``, ``:``, ``@`` and parentheses: they are URL-quoted.

    >>> from aihubmix_frame.testing import CatalogServer
    >>> with CatalogServer() as server:
    ...     get_legacy_model("gpt-4o", base_url=server.url)["id"]
    'gpt-4o'
    """
    from .http.client import DEFAULT_TIMEOUT
    from .http.legacy import fetch_legacy_model

    return fetch_legacy_model(
        model_id,
        api_key=api_key,
        base_url=base_url,
        session=session,
        timeout=DEFAULT_TIMEOUT if timeout is None else timeout,
    )
