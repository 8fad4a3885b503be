"""The API key checked once, before any request: HTTP headers carry Latin-1 text without control characters."""

from __future__ import annotations

from ..errors import APIKeyError
from .transport import API_KEY_ENV

__all__ = ["check_api_key"]


def check_api_key(key: str) -> str:
    """``key`` if HTTP can carry it; else :class:`APIKeyError`, raised before any request.

    The message names the character's position and code point, never the key itself.

    >>> check_api_key("sk-ok")
    'sk-ok'
    >>> check_api_key("sk-\u2014x")
    Traceback (most recent call last):
    ...
    aihubmix_frame.errors.APIKeyError: the API key cannot be sent: its character 4 of 5 is U+2014 (EM DASH), ...
    """
    import unicodedata

    for position, char in enumerate(key, start=1):
        code = ord(char)
        if code > 0xFF or code < 0x20 or code == 0x7F:
            name = unicodedata.name(char, "a control character")
            raise APIKeyError(
                f"the API key cannot be sent: its character {position} of {len(key)} is U+{code:04X} "
                f"({name}), which an HTTP header cannot carry (Latin-1 only, no control characters). "
                f"Such a character usually comes from copying the key out of a web page or a document: "
                f"copy it again from the AIHubMix console, and check api_key= or ${API_KEY_ENV}"
            ) from None
    return key
