"""Which log column is which: canonical names, providers' names (OpenAI, Anthropic) and unused token counts.

The rule (README "Cost modelling"): a name given by the caller is used as it is; otherwise the
canonical column (``input_tokens``, ...) when the log has it; otherwise a provider's name the
package recognises, with that provider's convention. OpenAI's names (``prompt_tokens``,
``completion_tokens``, ``cached_tokens``) count the cache inside the input
(``input_includes_cache=True``); Anthropic's (``cache_read_input_tokens``,
``cache_creation_input_tokens``) keep it outside (``False``). ``reasoning_tokens`` is inside the
output count of both, so it is never added. A mapping is stated once per call (a
:class:`~aihubmix_frame.errors.UsageColumnsWarning` and the result's provenance), and a column whose
name says it holds tokens but which no rule reads is named in a warning, never ignored in silence.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..errors import UsageColumnsWarning

__all__ = ["ColumnChoice", "choose_columns", "REDUNDANT_TOKEN_COLUMNS", "CONVENTION_COLUMN", "warn_columns"]

#: A boolean column holding each row's convention (``read_usage`` writes it).
CONVENTION_COLUMN = "input_includes_cache"

#: Token-count columns that are not billed apart, by their last dotted part: reasoning is inside the
#: output count, totals are sums of billed counts, Anthropic's 5-minute / 1-hour split is inside the
#: cache write count. Breakdowns under a ``*_tokens_details`` / ``*TokensDetails`` parent (OpenAI's
#: ``audio_tokens``, ``accepted_prediction_tokens``; Gemini's per-modality counts) are inside a
#: priced count too, and never warned about.
REDUNDANT_TOKEN_COLUMNS: frozenset[str] = frozenset(
    {
        "reasoning_tokens",
        "total_tokens",
        "totalTokenCount",
        "ephemeral_5m_input_tokens",
        "ephemeral_1h_input_tokens",
    }
)

# kind -> [(provider name, provider, convention: input includes cache)]
_PROVIDER_NAMES: dict[str, list[tuple[str, str, bool | None]]] = {
    "model_id": [("model", "", None)],
    "input": [("prompt_tokens", "OpenAI", True)],
    "output": [("completion_tokens", "OpenAI", True)],
    "cache_read": [("cached_tokens", "OpenAI", True), ("cache_read_input_tokens", "Anthropic", False)],
    "cache_write": [("cache_creation_input_tokens", "Anthropic", False)],
}
_CANONICAL = {
    "model_id": "model_id",
    "input": "input_tokens",
    "output": "output_tokens",
    "cache_read": "cache_read_tokens",
    "cache_write": "cache_write_tokens",
}


@dataclass
class ColumnChoice:
    """The columns chosen for each kind, the convention, and what to tell the user about them."""

    names: dict[str, Any]  # kind -> column name, None where the log has none
    requests: str | None
    input_includes_cache: bool
    convention_column: str | None
    mapped: dict[str, str] = field(default_factory=dict)  # canonical name -> the log's column
    providers: set[str] = field(default_factory=set)
    unused: list[str] = field(default_factory=list)

    def provenance(self) -> dict[str, Any]:
        return {
            "columns": {_CANONICAL.get(k, k): v for k, v in self.names.items()} | {"requests": self.requests},
            "mapped_by_name": dict(self.mapped),
            "input_includes_cache": (
                f"per row, column {self.convention_column!r}" if self.convention_column else self.input_includes_cache
            ),
            "unused_token_columns": list(self.unused),
        }


def _looks_like_tokens(name: Any) -> bool:
    return isinstance(name, str) and "token" in name.lower()


def _is_details(part: str) -> bool:
    return part.endswith("_tokens_details") or part.endswith("TokensDetails")


def _is_breakdown(name: str) -> bool:
    """A breakdown of counts already priced: under a ``*_tokens_details`` / ``*TokensDetails`` parent, or
    such an object itself when it stayed whole (null in every row, or Gemini's per-modality lists).

    >>> [_is_breakdown(n) for n in ("usage.prompt_tokens_details", "usageMetadata.promptTokensDetails",
    ...                             "usage.completion_tokens_details.audio_tokens", "usage.image_tokens")]
    [True, True, True, False]
    """
    return any(_is_details(part) for part in name.split("."))


def choose_columns(
    columns: Any, *, given: dict[str, str | None], requests: str | None, input_includes_cache: bool | None
) -> ColumnChoice:
    """Resolve the log's columns by the rule of the module docstring; ``ValueError`` for duplicates.

    >>> choice = choose_columns(["model", "prompt_tokens", "completion_tokens", "cached_tokens", "total_tokens"],
    ...     given={}, requests=None, input_includes_cache=None)
    >>> choice.names["cache_read"], choice.input_includes_cache, choice.mapped["input_tokens"]
    ('cached_tokens', True, 'prompt_tokens')
    """
    present = list(columns)
    index = pd.Index(present)
    names: dict[str, str | None] = {}
    mapped: dict[str, str] = {}
    conventions: dict[str, bool] = {}
    for kind, canonical in _CANONICAL.items():
        name = given.get(kind)
        if name is None and canonical in present:
            name = canonical
        if name is None:
            for candidate, provider, convention in _PROVIDER_NAMES[kind]:
                if candidate in present:
                    name = candidate
                    mapped[canonical] = candidate
                    if convention is not None:
                        conventions[provider] = convention
                    break
        if name is None and kind in ("model_id", "input", "output"):
            name = canonical  # absent: WorkloadSpec.resolve names it in its error
        names[kind] = name
    if requests is None and "requests" in present:
        requests = "requests"

    used = [n for n in (*names.values(), requests) if n is not None]
    duplicated = sorted({n for n in used if n in present and int((index == n).sum()) > 1})
    if duplicated:
        raise ValueError(
            f"the log has several columns named {duplicated}: a count cannot be read from two columns. Rename "
            "or drop the duplicates, e.g. log.loc[:, ~log.columns.duplicated()]"
        )

    convention_column = None
    if input_includes_cache is None:
        if CONVENTION_COLUMN in present and not conventions:
            convention_column = CONVENTION_COLUMN
            inclusive = True
        elif len(set(conventions.values())) > 1:
            raise ValueError(
                f"the log mixes OpenAI and Anthropic column names ({', '.join(mapped.values())}), whose token "
                "conventions differ; pass input_includes_cache=True (OpenAI: input counts include the cache) "
                "or False (Anthropic: they exclude it), or name the columns with the keyword options"
            )
        else:
            inclusive = next(iter(conventions.values()), True)
    else:
        inclusive = input_includes_cache
    used_set = set(used) | ({convention_column} if convention_column else set())
    unused = [
        c
        for c in present
        if _looks_like_tokens(c)
        and c not in used_set
        and c.rsplit(".", 1)[-1] not in REDUNDANT_TOKEN_COLUMNS
        and not _is_breakdown(c)
    ]
    return ColumnChoice(
        names=names,
        requests=requests,
        input_includes_cache=inclusive,
        convention_column=convention_column,
        mapped=mapped,
        providers=set(conventions),
        unused=unused,
    )


def warn_columns(choice: ColumnChoice, *, stacklevel: int, said: Any = ()) -> None:
    """One warning stating the name mapping, one naming the unused token columns (when there are any).

    ``said``: columns ``read_usage`` already named as unpriced (``attrs["aihubmix"]["usage"]
    ["unpriced_columns"]``): not named twice; ``choice.provenance()`` still lists them."""
    if choice.mapped:
        pairs = ", ".join(f"{column!r} as {canonical}" for canonical, column in choice.mapped.items())
        providers = " and ".join(sorted(choice.providers))
        convention = (
            "input includes the cached tokens"
            if choice.input_includes_cache
            else "input excludes the cache reads and writes"
        )
        warnings.warn(
            f"estimate_cost read the log's columns by their {providers or 'provider'} names: {pairs} "
            f"(input_includes_cache={choice.input_includes_cache}: {convention}; reasoning_tokens is inside the "
            "output count and never added). Name the columns with the keyword options (input_tokens=..., "
            "cache_read_tokens=..., input_includes_cache=...) to make this explicit",
            UsageColumnsWarning,
            stacklevel=stacklevel,
        )
    unused = [c for c in choice.unused if c not in set(said)]
    if unused:
        warnings.warn(
            f"the log's column(s) {unused} look like token counts but are not priced (only "
            f"{[n for n in (*choice.names.values(), choice.requests) if n is not None]} are). If they hold "
            "billed tokens, name them with the keyword options (e.g. cache_read_tokens='...'); otherwise drop "
            "them to silence this",
            UsageColumnsWarning,
            stacklevel=stacklevel,
        )
