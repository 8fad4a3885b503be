"""Errors and warnings raised by aihubmix_frame; every message says what to do next."""

from __future__ import annotations

import os
import sys
import warnings
from types import FrameType
from typing import cast

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def warn(message: str, category: type[Warning]) -> None:
    """``warnings.warn`` pointing at the first caller outside this package (the user's line)."""
    level, frame = 2, cast(FrameType | None, sys._getframe(1))
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)


class AihubmixError(Exception):
    """Base class of every error this package raises."""


class APIError(AihubmixError):
    """The AIHubMix server answered with an error (HTTP 4xx/5xx or ``success: false``)."""

    def __init__(self, message: str, *, status: int | None = None, url: str | None = None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.url = url


class NotFoundError(APIError):
    """The server answered 404: the model or endpoint does not exist."""


class AuthenticationError(APIError):
    """The server answered 401 or 403: the API key is missing, wrong or not allowed."""


class SchemaError(AihubmixError, ValueError):
    """A catalog payload or record does not have the shape the API documents."""


class NotACatalogError(SchemaError):
    """A frame lacks catalog columns; build it with load_catalog(), load_snapshot() or catalog_to_frame()."""


class APIKeyError(AihubmixError, ValueError):
    """The API key cannot be sent in an HTTP header (a character outside Latin-1, or a control character); copy it again."""


class OfflineError(AihubmixError, ConnectionError):
    """No network answer and no cached copy or snapshot to fall back to."""

    def __init__(self, message: str, *, reason: str | None = None):
        super().__init__(message)
        #: Why the network gave nothing (e.g. "could not connect ... at URL"), for fallback notes.
        self.reason = reason if reason is not None else message


class AihubmixWarning(UserWarning):
    """Base class of every warning this package emits."""


class StaleCatalogWarning(AihubmixWarning):
    """The catalog came from a stale cache or the bundled snapshot, not from the server."""


class ImplausibleCatalogWarning(StaleCatalogWarning):
    """The server's new catalog lost too many models or prices; the previous good copy is served instead."""


class UnknownModelWarning(AihubmixWarning):
    """Some model ids are not in the catalog; their costs are NA, never $0."""


class UnknownValueWarning(AihubmixWarning):
    """A filter value the package does not know; it is still used (check the spelling in the message)."""


class DuplicateModelWarning(AihubmixWarning):
    """The payload lists the same exact model id more than once."""


class ExportError(AihubmixError, ValueError):
    """A frame cannot be written to, or read back from, a Parquet or CSV file losslessly."""


class CacheWarning(AihubmixWarning):
    """The HTTP cache file could not be used (corrupt, locked, unwritable); loading went on without it."""


class HistoryWarning(AihubmixWarning):
    """A catalog was not recorded in the price history (filtered, or the folder is not writable)."""


class PriceWarning(AihubmixWarning):
    """Some costs rest on a fallback, placeholder or missing price; read the message before trusting them."""


class CachePriceWarning(PriceWarning):
    """Cache tokens were billed at the input price because the model has no cache price."""


class PlaceholderPriceWarning(PriceWarning):
    """Costs use an image or video model's placeholder token price, not its real price."""


class MissingPriceWarning(PriceWarning):
    """Models in the catalog have no input or output price; those costs are NA, never $0."""


class AihubmixDeprecationWarning(AihubmixWarning, DeprecationWarning):
    """A call uses a form that stops working in the next release; the message says what to call instead."""


class CacheWriteDurationWarning(PriceWarning):
    """Cache writes of several durations (Anthropic's 5-minute and 1-hour) are billed at the one cache_write price."""


class FieldValueWarning(AihubmixWarning):
    """Some 2026 field values (a date, a true/false flag) could not be read and are missing; the message names the models."""


class UsageColumnsWarning(AihubmixWarning):
    """A request log's columns were read by their provider names, or some token-count columns were left unused."""


class BadLinesWarning(AihubmixWarning):
    """Lines of a log that are not one JSON object were skipped (``on_bad_lines="warn"``); the message names them."""


class ContextLengthWarning(PriceWarning):
    """Some requests' prompts exceed their model's context length (priced anyway; see the exceeds_context column)."""


class NotPerTokenWarning(PriceWarning):
    """Models not priced per token (image, video, placeholder prices) were given NA costs, not token-rate guesses."""


class AsOfWarning(PriceWarning):
    """Some requests predate the first catalog version of the history; their costs are NA."""


class AggregateUsageWarning(PriceWarning):
    """Rows of a usage export (bucket totals) were priced at base prices: no context tier or length can be checked per request."""


class BatchPriceWarning(PriceWarning):
    """Batch API rows were priced at the catalog's standard prices: the catalog has no batch discount."""


class ModelIdResolvedWarning(PriceWarning):
    """Some logged model ids were priced as other catalog ids (alias, prefix, dated snapshot); the message names each."""
