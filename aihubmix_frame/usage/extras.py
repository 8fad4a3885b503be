"""What a per-request record counts that the catalog has no price for, said once at read time.

The token prices bill tokens; some records also count billed items that are not tokens (Anthropic's
server-side web searches, xAI's Live Search sources) or tokens billed at their own rate (OpenAI's
audio tokens, inside ``prompt_tokens`` / ``completion_tokens`` and so priced at the text rates).
A row with a non-zero count of these costs more than the estimate: :func:`note_unpriced_items`
names the totals in one :class:`~aihubmix_frame.errors.UsageColumnsWarning` and returns the columns
(kept as they are) for ``attrs["aihubmix"]["usage"]["unpriced_columns"]``, as the usage-export
readers do. Zeros (every real OpenAI response carries ``audio_tokens: 0``) raise nothing.
"""

from __future__ import annotations

import pandas as pd

from ..errors import UsageColumnsWarning, warn

__all__ = ["UNPRICED_ITEMS", "note_unpriced_items"]

#: (usage key, what it is and how the estimate treats it), for full responses (``usage.`` prefix) and bare usage.
UNPRICED_ITEMS: tuple[tuple[str, str], ...] = (
    ("server_tool_use.web_search_requests", "Anthropic web searches, billed per search: left out"),
    ("num_sources_used", "xAI Live Search sources, billed per source: left out"),
    (
        "prompt_tokens_details.audio_tokens",
        "OpenAI audio input tokens, inside prompt_tokens: priced at the text input rate, below the audio rate",
    ),
    (
        "completion_tokens_details.audio_tokens",
        "OpenAI audio output tokens, inside completion_tokens: priced at the text output rate, below the audio rate",
    ),
)


def _total(column: pd.Series) -> int:
    if not pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
        return 0
    return int(pd.to_numeric(column, errors="coerce").fillna(0).clip(lower=0).sum())


def note_unpriced_items(frame: pd.DataFrame) -> list[str]:
    """The columns of ``frame`` with non-zero unpriced items, said in one warning (none: no warning)."""
    found: list[str] = []
    said: list[str] = []
    for key, what in UNPRICED_ITEMS:
        for name in (f"usage.{key}", key):
            if name in frame.columns:
                total = _total(frame[name])
                if total:
                    found.append(name)
                    said.append(f"{name}={total:,} ({what})")
    if said:
        warn(
            f"the log has {'; '.join(said)}. The catalog has no price for them, so estimate_cost does not bill "
            "them at their own rates: those rows cost more than estimated (the columns are kept: price them "
            "yourself if they matter)",
            UsageColumnsWarning,
        )
    return found
