"""The world's usage records read into the canonical workload columns.

One concept per module: ``source`` (files, iterables and frames opened as Arrow), ``lines`` (JSON
Lines read line by line when the fast read refuses a file: bad lines named, long lines measured),
``flavors`` (which provider's usage shape a record has, and its field paths), ``read``
(:func:`read_usage`: records to the canonical columns), ``canonical`` (the canonical columns),
``documents`` (which saved document a source is: usage-export pages, OTLP exports), ``exports``
(OpenAI's Usage API and Anthropic's usage report), ``otlp`` (OpenTelemetry GenAI spans),
``gateways`` (what was billed: LiteLLM, OpenRouter, xAI), ``extras`` (billed items the catalog has
no price for: web searches, live-search sources, audio tokens), ``nested`` (nested Arrow data flattened). Pricing never parses a provider's format:
it takes the columns this wing writes.
"""

from __future__ import annotations

from .flavors import FLAVORS
from .read import USAGE_COLUMNS, read_usage

__all__ = ["read_usage", "USAGE_COLUMNS", "FLAVORS"]
