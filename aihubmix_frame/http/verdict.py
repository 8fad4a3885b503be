"""BodyVerdict: is a catalog response body the whole catalog, an API error, or something broken?

A body may replace the cached copy only when it is the whole catalog: JSON (not nested absurdly
deep), the documented envelope, every record passing the records check (ids, prices, tiers, text),
and a plausible size (an unfiltered catalog is never empty). The HTTP layer knows no pandas: the
records check is the loader's (``catalog_to_frame``), handed down with :func:`check_records_with`.
The verdict is a typed value computed once per response and remembered beside it
(:class:`ResponseMemo`, so nothing is planted on the response object): the cache's ``filter_fn``
decides with it whether a body may be stored, and the client reads the same verdict to decide what
to return.
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from ..errors import AihubmixError

__all__ = [
    "BodyVerdict",
    "ResponseMemo",
    "judge_body",
    "verdict_of",
    "check_records_with",
    "RecordsCheck",
    "FILTER_PARAMETERS",
]

#: Query parameters that select a subset of the catalog (an empty answer is then plausible).
FILTER_PARAMETERS = ("type", "modalities", "features", "model")


#: The deep check of a catalog's records: takes the parsed envelope, returns what it made of it
#: (kept in the verdict as ``converted``, so the body is converted once) and raises
#: :class:`AihubmixError` (or ``RecursionError``) on an invalid record.
RecordsCheck = Callable[[dict[str, Any]], Any]
_RECORDS_CHECK: dict[str, RecordsCheck] = {}


def check_records_with(check: RecordsCheck) -> None:
    """Set the deep check of every catalog body; the loader sets ``catalog_to_frame`` when imported."""
    _RECORDS_CHECK["check"] = check


@dataclass(frozen=True)
class BodyVerdict:
    """``kind`` is ``catalog`` (a usable envelope), ``api_error`` (``success: false``) or ``malformed``.

    ``deep`` says whether every record was checked (new bodies) or only the envelope (bodies the
    cache stored after such a check).
    """

    kind: str
    problem: str | None = None
    payload: dict[str, Any] | None = None
    deep: bool = False
    #: The records check's result (the loader's: the frame and the warnings it raised), so the
    #: loader need not convert the same body a second time.
    converted: Any = None

    @property
    def ok(self) -> bool:
        return self.kind == "catalog"


def _is_filtered(url: str | None) -> bool:
    query = dict(parse_qsl(urlsplit(url or "").query))
    return any(query.get(name) for name in FILTER_PARAMETERS)


def judge_body(
    content: bytes | None, content_type: str | None = None, *, deep: bool = True, url: str | None = None
) -> BodyVerdict:
    """The verdict on one body of ``GET /api/v1/models`` (``url``: the request, for its filters).

    >>> judge_body(b'{"success": true, "data": [{"model_id": "m"}]}').kind
    'catalog'
    >>> judge_body(b'{"success": false, "message": "bad type"}').problem
    'success=false: bad type'
    >>> judge_body(b'<html>login</html>', "text/html").problem
    'a body that is not JSON (text/html, 18 bytes)'
    >>> judge_body(b'{"data": []}').problem
    'an empty catalog (data: []) for a query without filters'
    >>> judge_body(b'{"data": [{"model_id": 42}]}').problem.startswith("an invalid catalog: record 0 (model_id=42)")
    True
    """
    content = content or b""
    try:
        payload = json.loads(content)
    except RecursionError:
        return BodyVerdict("malformed", f"JSON nested too deep ({len(content)} bytes)", deep=deep)
    except (ValueError, UnicodeDecodeError):
        kind = content_type or "unknown content type"
        return BodyVerdict("malformed", f"a body that is not JSON ({kind}, {len(content)} bytes)", deep=deep)
    if not isinstance(payload, dict):
        return BodyVerdict("malformed", f"a JSON {type(payload).__name__} instead of the catalog envelope", deep=deep)
    if payload.get("success") is False:
        return BodyVerdict("api_error", f"success=false: {payload.get('message') or 'no message'}", deep=deep)
    if not isinstance(payload.get("data"), list):
        return BodyVerdict("malformed", "a JSON object without a 'data' list", deep=deep)
    if not deep:
        return BodyVerdict("catalog", None, payload, deep=False)
    if not payload["data"] and not _is_filtered(url):
        return BodyVerdict("malformed", "an empty catalog (data: []) for a query without filters", deep=True)
    check = _RECORDS_CHECK.get("check")
    if check is None:  # only the envelope could be checked
        return BodyVerdict("catalog", None, payload, deep=False)
    try:
        converted = check(payload)
    except (AihubmixError, RecursionError) as exc:
        return BodyVerdict("malformed", f"an invalid catalog: {exc}", deep=True)
    return BodyVerdict("catalog", None, payload, deep=True, converted=converted)


class ResponseMemo:
    """Values remembered per response object, by identity, dropped when the response is freed.

    requests-cache's response classes are unhashable (attrs classes), so a WeakKeyDictionary
    cannot hold them; ``id()`` plus a weak-reference callback can.
    """

    def __init__(self) -> None:
        self._values: dict[int, tuple[weakref.ref, Any]] = {}

    def get(self, response: Any, default: Any = None) -> Any:
        entry = self._values.get(id(response))
        return entry[1] if entry is not None and entry[0]() is response else default

    def set(self, response: Any, value: Any) -> None:
        key = id(response)
        try:
            ref = weakref.ref(response, lambda _ref, key=key: self._values.pop(key, None))  # type: ignore[misc]
        except TypeError:  # cannot be weakly referenced: nothing is remembered
            return
        self._values[key] = (ref, value)

    def __contains__(self, response: Any) -> bool:
        return self.get(response, _MISSING) is not _MISSING


_MISSING = object()
_VERDICTS = ResponseMemo()


def verdict_of(response: Any, *, deep: bool = True) -> BodyVerdict:
    """The verdict on a response's body, computed on first use and remembered for that response.

    ``deep=False`` checks the envelope only (for bodies our cache stored after a deep check).
    """
    verdict = _VERDICTS.get(response)
    if verdict is None or (deep and not verdict.deep):
        headers = getattr(response, "headers", None) or {}
        request = getattr(response, "request", None)
        verdict = judge_body(
            getattr(response, "content", None),
            headers.get("Content-Type"),
            deep=deep,
            url=getattr(request, "url", None) or getattr(response, "url", None),
        )
        _VERDICTS.set(response, verdict)
    return verdict
