"""Usage flavours: how OpenAI, xAI, Anthropic and Gemini count tokens, and which flavour a record is.

Who counts what (docs/explanations/token-conventions.md): OpenAI's ``completion_tokens`` include the
reasoning tokens, xAI's exclude them (``flavor="xai"`` adds them; auto-detected only from the
xAI-only usage fields ``cost_in_usd_ticks`` / ``num_sources_used``, never from a ``grok-`` model id,
which gateways also serve with OpenAI's counting); Gemini's ``toolUsePromptTokenCount`` (search
grounding, URL context, code execution) is billed as input on top of ``promptTokenCount``; a
gateway's ``prompt_tokens_details.cache_write_tokens`` (OpenRouter, proxied Claude) is a cache write
inside ``prompt_tokens``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

__all__ = [
    "Flavor",
    "FLAVORS",
    "KNOWN_KEYS",
    "SPLIT_KEYS",
    "USAGE_PARENTS",
    "XAI_ONLY_KEYS",
    "usage_key",
    "detect",
    "resolve",
]

#: A count read from a record: alternatives tried in order, the first one present in a row wins;
#: the keys inside one alternative are summed (Gemini: candidates + thoughts).
Alternatives = tuple[tuple[str, ...], ...]

#: Objects holding the usage in a full response (Gemini calls it ``usageMetadata``).
USAGE_PARENTS = ("usage", "usageMetadata")

_5M = "cache_creation.ephemeral_5m_input_tokens"
_1H = "cache_creation.ephemeral_1h_input_tokens"
_GATEWAY_WRITE = "prompt_tokens_details.cache_write_tokens"
#: Usage fields only xAI's API writes: a record with one of them is xAI's, and counts as xAI does.
XAI_ONLY_KEYS: tuple[str, ...] = ("cost_in_usd_ticks", "num_sources_used")


@dataclass(frozen=True)
class Flavor:
    """One provider's usage record: where each canonical count comes from, and its convention."""

    name: str
    label: str
    input: Alternatives
    output: Alternatives
    cache_read: Alternatives
    cache_write: Alternatives
    reasoning: Alternatives | None  # None: the provider does not report it (NA, never 0)
    required: tuple[str, ...]
    input_includes_cache: bool
    signature: tuple[str, ...]  # keys only this flavour has (input/output_tokens are shared)

    @property
    def keys(self) -> set[str]:
        fields = (self.input, self.output, self.cache_read, self.cache_write, self.reasoning or ())
        return {key for alternatives in fields for alternative in alternatives for key in alternative}


FLAVORS: dict[str, Flavor] = {
    "openai_chat": Flavor(
        name="openai_chat",
        label="OpenAI Chat Completions",
        input=(("prompt_tokens",),),
        output=(("completion_tokens",),),  # reasoning tokens are inside it
        cache_read=(("prompt_tokens_details.cached_tokens",), ("cached_tokens",)),
        cache_write=((_GATEWAY_WRITE,),),  # gateways (OpenRouter): a write inside prompt_tokens
        reasoning=(("completion_tokens_details.reasoning_tokens",), ("reasoning_tokens",)),
        required=("prompt_tokens", "completion_tokens"),
        input_includes_cache=True,
        signature=(
            "prompt_tokens",
            "completion_tokens",
            "prompt_tokens_details.cached_tokens",
            "completion_tokens_details.reasoning_tokens",
            _GATEWAY_WRITE,
        ),
    ),
    "xai": Flavor(
        name="xai",
        label="xAI Chat Completions",
        input=(("prompt_tokens",),),  # includes the cached tokens, as OpenAI's
        # xAI's completion_tokens exclude the reasoning tokens (OpenAI's include them): add them.
        output=(("completion_tokens", "completion_tokens_details.reasoning_tokens"),),
        cache_read=(("prompt_tokens_details.cached_tokens",),),
        cache_write=(),
        reasoning=(("completion_tokens_details.reasoning_tokens",),),
        required=("prompt_tokens", "completion_tokens"),
        input_includes_cache=True,
        signature=XAI_ONLY_KEYS,  # with prompt_tokens; never the model id (see the module docstring)
    ),
    "openai_responses": Flavor(
        name="openai_responses",
        label="OpenAI Responses",
        input=(("input_tokens",),),
        output=(("output_tokens",),),  # reasoning tokens are inside it
        cache_read=(("input_tokens_details.cached_tokens",), ("cached_tokens",)),
        cache_write=(),
        reasoning=(("output_tokens_details.reasoning_tokens",), ("reasoning_tokens",)),
        required=("input_tokens", "output_tokens"),
        input_includes_cache=True,
        signature=("input_tokens_details.cached_tokens", "output_tokens_details.reasoning_tokens"),
    ),
    "anthropic": Flavor(
        name="anthropic",
        label="Anthropic Messages",
        input=(("input_tokens",),),  # excludes cache reads and writes
        output=(("output_tokens",),),  # thinking tokens are inside it, not reported apart
        cache_read=(("cache_read_input_tokens",),),
        cache_write=(("cache_creation_input_tokens",), (_5M, _1H)),
        reasoning=None,
        required=("input_tokens", "output_tokens"),
        input_includes_cache=False,
        signature=("cache_creation_input_tokens", "cache_read_input_tokens", _5M, _1H),
    ),
    "gemini": Flavor(
        name="gemini",
        label="Gemini usageMetadata",
        # promptTokenCount includes cachedContentTokenCount; the tool-use prompt (search grounding,
        # URL context, code execution) comes on top of it and is billed as input.
        input=(("promptTokenCount", "toolUsePromptTokenCount"),),
        # Thoughts are billed as output on top of the candidates. Gemini's JSON omits zero counts
        # (proto3), so a missing candidatesTokenCount is 0, not an error.
        output=(("candidatesTokenCount", "thoughtsTokenCount"),),
        cache_read=(("cachedContentTokenCount",),),
        cache_write=(),
        reasoning=(("thoughtsTokenCount",),),
        required=("promptTokenCount",),
        input_includes_cache=True,
        signature=(
            "promptTokenCount",
            "candidatesTokenCount",
            "cachedContentTokenCount",
            "thoughtsTokenCount",
            "toolUsePromptTokenCount",
        ),
    ),
}

#: Every key a flavour reads, relative to the usage object (nested keys joined with ".").
KNOWN_KEYS: frozenset[str] = frozenset({*(k for f in FLAVORS.values() for k in f.keys), *XAI_ONLY_KEYS})
#: Keys read but kept as columns too: the 5-minute / 1-hour split is not in the canonical columns.
SPLIT_KEYS: frozenset[str] = frozenset({_5M, _1H, *XAI_ONLY_KEYS})
# Flat exports drop the parent object of some keys.
_ALIASES = {"ephemeral_5m_input_tokens": _5M, "ephemeral_1h_input_tokens": _1H}
_FLAT_OPENAI = ("cached_tokens", "reasoning_tokens")


def usage_key(column: str) -> str | None:
    """The usage key a column holds (``usage.prompt_tokens`` -> ``prompt_tokens``), or None.

    >>> usage_key("usage.prompt_tokens_details.cached_tokens"), usage_key("ephemeral_1h_input_tokens")
    ('prompt_tokens_details.cached_tokens', 'cache_creation.ephemeral_1h_input_tokens')
    >>> usage_key("usage.total_tokens") is None
    True
    """
    for parent in USAGE_PARENTS:
        if column.startswith(parent + "."):
            column = column[len(parent) + 1 :]
            break
    column = _ALIASES.get(column, column)
    return column if column in KNOWN_KEYS else None


def detect(valid: Mapping[str, np.ndarray], n: int) -> np.ndarray:
    """Per row, the position of its flavour in ``FLAVORS``; -1 fits none, -2 fits several.

    A row with only ``input_tokens`` / ``output_tokens`` reads as OpenAI Responses: without cache
    counts both conventions give the same numbers. ``valid`` maps a key to where it is present.
    """
    none = np.zeros(n, dtype=bool)

    def present(*keys: str) -> np.ndarray:
        out = none.copy()
        for key in keys:
            if key in valid:
                out |= valid[key]
        return out

    anthropic = present(*FLAVORS["anthropic"].signature)
    both = present("input_tokens", "output_tokens")
    xai = present(*XAI_ONLY_KEYS) & present("prompt_tokens")  # xAI's Chat Completions, by its own fields
    fits = {
        "openai_chat": present(*FLAVORS["openai_chat"].signature) & ~xai,
        "xai": xai,
        "openai_responses": present(*FLAVORS["openai_responses"].signature)
        | (both & (~anthropic | present(*_FLAT_OPENAI))),
        "anthropic": anthropic,
        "gemini": present(*FLAVORS["gemini"].signature),
    }
    stacked = np.stack([fits[name] for name in FLAVORS])
    code = np.argmax(stacked, axis=0).astype(np.int8)
    count = stacked.sum(axis=0)
    code[count == 0] = -1
    code[count > 1] = -2
    return code


def resolve(
    alternatives: Alternatives, values: Mapping[str, np.ndarray], valid: Mapping[str, np.ndarray], n: int
) -> np.ndarray:
    """The count per row: the first alternative present in the row, its keys summed; else 0."""
    out = np.zeros(n, dtype=np.int64)
    found = np.zeros(n, dtype=bool)
    for alternative in alternatives:
        here = [key for key in alternative if key in values]
        if not here:
            continue
        total = np.zeros(n, dtype=np.int64)
        present = np.zeros(n, dtype=bool)
        for key in here:
            total += values[key]  # 0 where missing
            present |= valid[key]
        take = present & ~found
        out[take] = total[take]
        found |= present
    return out
