"""Malformed 200 answers of the CatalogServer: a truncated body, an HTML error page, ``success: false``."""

from __future__ import annotations

from ..reply import HTML_TYPE, Reply, etag, json_bytes

__all__ = ["MALFORMED_KINDS", "malform"]

MALFORMED_KINDS = ("truncated", "html", "success_false")


def malform(reply: Reply, kind: str) -> Reply:
    """``reply`` (a 200) with its body broken the ``kind`` way."""
    if kind == "truncated":
        body = reply.body[: max(1, len(reply.body) // 2)]
        headers = dict(reply.headers)
    elif kind == "html":
        body = (
            b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>"
            b"<body><h1>Bad Gateway</h1><p>The upstream server is unavailable.</p></body></html>"
        )
        headers = {**reply.headers, "Content-Type": HTML_TYPE}
    else:
        body = json_bytes({"success": False, "message": "upstream error, please retry"})
        headers = dict(reply.headers)
    if "ETag" in headers:
        headers["ETag"] = etag(body)
    return Reply(200, body, headers, fault=f"malformed:{kind}")
