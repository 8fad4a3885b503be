"""BodyVerdict: is a catalog response body the catalog, an API error, or something broken?

The verdict is a typed value computed once per response and remembered beside it (a weak map, so
nothing is planted on the response object): the cache's ``filter_fn`` decides with it whether a
body may replace the cached copy, and the client reads the same verdict to decide what to return.
"""

from __future__ import annotations

import json
import weakref
from dataclasses import dataclass
from typing import Any

__all__ = ["BodyVerdict", "ResponseMemo", "judge_body", "verdict_of"]


@dataclass(frozen=True)
class BodyVerdict:
    """``kind`` is ``catalog`` (a usable envelope), ``api_error`` (``success: false``) or ``malformed``."""

    kind: str
    problem: str | None = None
    payload: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return self.kind == "catalog"


def judge_body(content: bytes | None, content_type: str | None = None) -> BodyVerdict:
    """The verdict on one body of ``GET /api/v1/models``.

    >>> judge_body(b'{"success": true, "data": []}').kind
    'catalog'
    >>> judge_body(b'{"success": false, "message": "bad type"}').problem
    'success=false: bad type'
    >>> judge_body(b'<html>login</html>', "text/html").problem
    'a body that is not JSON (text/html, 18 bytes)'
    """
    content = content or b""
    try:
        payload = json.loads(content)
    except (ValueError, UnicodeDecodeError):
        kind = content_type or "unknown content type"
        return BodyVerdict("malformed", f"a body that is not JSON ({kind}, {len(content)} bytes)")
    if not isinstance(payload, dict):
        return BodyVerdict("malformed", f"a JSON {type(payload).__name__} instead of the catalog envelope")
    if payload.get("success") is False:
        return BodyVerdict("api_error", f"success=false: {payload.get('message') or 'no message'}")
    if not isinstance(payload.get("data"), list):
        return BodyVerdict("malformed", "a JSON object without a 'data' list")
    return BodyVerdict("catalog", None, payload)


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
            ref = weakref.ref(response, lambda _ref, key=key: self._values.pop(key, None))
        except TypeError:  # cannot be weakly referenced: nothing is remembered
            return
        self._values[key] = (ref, value)

    def __contains__(self, response: Any) -> bool:
        return self.get(response, _MISSING) is not _MISSING


_MISSING = object()
_VERDICTS = ResponseMemo()


def verdict_of(response: Any) -> BodyVerdict:
    """The verdict on a response's body, computed on first use and remembered for that response."""
    verdict = _VERDICTS.get(response)
    if verdict is None:
        headers = getattr(response, "headers", None) or {}
        verdict = judge_body(getattr(response, "content", None), headers.get("Content-Type"))
        _VERDICTS.set(response, verdict)
    return verdict
