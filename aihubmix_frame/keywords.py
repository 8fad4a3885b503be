"""accepts_query: the public keyword signatures, generated from the one query declaration."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

from .query import ANNOTATIONS, LOCAL_PARAMETERS, SERVER_PARAMETERS, SORT_PARAMETERS, CatalogQuery

__all__ = ["accepts_query"]


F = TypeVar("F", bound=Callable[..., Any])


def accepts_query(*, sort: bool = True, bounds: bool = True, positional: bool = True) -> Callable[[F], F]:
    """Give ``func(..., *, query, ...)`` the public keywords of :data:`QUERY_PARAMETERS`.

    The wrapped function receives ``query=`` (a :class:`CatalogQuery`); its callers may pass the
    keywords (``type=``, ``features=``, ...), or ``query=`` itself, not both. The generated
    signature shows in ``help()`` and ``inspect.signature``. With ``positional=True`` the four server
    filters and the sort may also be passed by position, as the API's parameter order.
    """
    names = [*SERVER_PARAMETERS, *(SORT_PARAMETERS if sort else ()), *(LOCAL_PARAMETERS if bounds else ())]

    def decorate(func: F) -> F:
        original = inspect.signature(func)
        if "query" not in original.parameters:
            raise TypeError(f"{func.__qualname__} must take a keyword-only 'query' parameter")
        head = [p for p in original.parameters.values() if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        tail = [
            p
            for p in original.parameters.values()
            if p.kind not in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.name != "query"
        ]
        kind_of = {
            n: (
                inspect.Parameter.POSITIONAL_OR_KEYWORD
                if positional and n in (*SERVER_PARAMETERS, *SORT_PARAMETERS)
                else inspect.Parameter.KEYWORD_ONLY
            )
            for n in names
        }
        generated = [inspect.Parameter(n, kind_of[n], default=None, annotation=ANNOTATIONS[n]) for n in names]
        ordered = (
            head
            + [p for p in generated if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD]
            + [p for p in generated if p.kind is inspect.Parameter.KEYWORD_ONLY]
            + [
                inspect.Parameter(
                    "query", inspect.Parameter.KEYWORD_ONLY, default=None, annotation="CatalogQuery | None"
                )
            ]
            + tail
        )
        signature = original.replace(parameters=ordered)

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            bound = signature.bind(*args, **kwargs)
            arguments = bound.arguments
            values = {n: arguments.pop(n) for n in names if n in arguments}
            query = arguments.pop("query", None)
            if query is None and isinstance(values.get("type"), CatalogQuery):
                query = values.pop("type")  # f(CatalogQuery(...)): the query passed by position
            query = CatalogQuery.of(query, **values)
            call_args = [arguments.pop(p.name) for p in head if p.name in arguments]
            return func(*call_args, query=query, **arguments)

        wrapper.__signature__ = signature  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate
