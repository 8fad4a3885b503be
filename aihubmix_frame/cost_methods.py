"""The ``.aihub`` accessor's cost methods (``cost``, ``cheapest``, ``alternatives``), mixed into it.

The rules live in :mod:`aihubmix_frame.pricing`; these methods only delegate and record provenance.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from .keywords import accepts_query
from .operations import with_provenance
from .query import CatalogQuery

__all__ = ["CostMethods"]


class CostMethods:
    """Cost methods of :class:`~aihubmix_frame.accessor.AihubAccessor` (needs ``self._frame``)."""

    _frame: Any

    def cost(
        self,
        input_tokens: float,
        output_tokens: float,
        cache_read_tokens: float = 0,
        cache_write_tokens: float = 0,
        requests: float = 1,
        input_includes_cache: bool = True,
        *,
        token_rate_estimates: bool = False,
    ) -> pd.DataFrame:
        """What ``requests`` requests of this shape cost on every model: one row per model.

        Columns ``model_id``, ``input_cost_usd``, ``cache_read_cost_usd``, ``cache_write_cost_usd``,
        ``output_cost_usd``, ``total_cost_usd`` (Float64, USD; prices are USD per 1M tokens), the unit
        prices used (``*_usd_per_1m``), ``context_length`` and ``note``: no cache price (billed at the
        input price), not priced per token (image/video: cost NA unless ``token_rate_estimates=True``),
        tier applied, free model, prompt longer than the context. ``input_tokens`` includes cached
        tokens (OpenAI's ``prompt_tokens``) unless ``input_includes_cache=False`` (Anthropic's usage).

        >>> import aihubmix_frame as ahf
        >>> costs = ahf.load_snapshot().aihub.cost(input_tokens=2_000, output_tokens=500)
        >>> round(float(costs.set_index("model_id").loc["gpt-5", "total_cost_usd"]), 9)  # (2000*1.25 + 500*10) / 1M
        0.0075
        """
        from .pricing import scenario_cost

        result = scenario_cost(
            self._frame,
            input_tokens,
            output_tokens,
            cache_read_tokens,
            cache_write_tokens,
            requests,
            input_includes_cache,
            token_rate_estimates=token_rate_estimates,
        )
        return with_provenance(
            result,
            self._frame,
            "cost",
            dict(
                input_tokens=input_tokens,
                output_tokens=output_tokens,
                cache_read_tokens=cache_read_tokens,
                cache_write_tokens=cache_write_tokens,
                requests=requests,
                input_includes_cache=input_includes_cache,
                token_rate_estimates=token_rate_estimates,
            ),
        )

    @accepts_query(sort=False, positional=False)
    def cheapest(
        self,
        n: int = 10,
        input_tokens: float = 1_000,
        output_tokens: float = 1_000,
        cache_read_tokens: float = 0,
        cache_write_tokens: float = 0,
        requests: float = 1,
        input_includes_cache: bool = True,
        *,
        query: CatalogQuery,
        include_placeholder: bool = False,
        include_short_context: bool = False,
        include_implausible: bool = False,
        per_family: bool = False,
    ) -> pd.DataFrame:
        """The ``n`` cheapest models for this request shape, cheapest first, as rows of :meth:`cost`.

        Takes the filters of :meth:`filter`. Models not priced per token (image and video models,
        placeholder prices) are left out unless ``include_placeholder=True`` (their token price is
        not real); models whose context cannot hold the prompt unless ``include_short_context=True``;
        deprecated models unless ``include_deprecated=True``; free models are kept unless
        ``include_free=False``; models without a price are left out; models with an implausible
        (unit-slip) price unless ``include_implausible=True``. ``per_family=True`` keeps one row per
        family (variants and dated snapshots collapsed, a ``family`` column added). How many models
        were left out per rule is in ``result.attrs["aihubmix"]["left_out"]``. See
        :func:`aihubmix_frame.pricing.scenarios.cheapest_models`.

        >>> import aihubmix_frame as ahf
        >>> top = ahf.load_snapshot().aihub.cheapest(5, 20_000, 1_000, type="llm", features="thinking",
        ...                                          include_free=False)
        >>> len(top), bool(top["total_cost_usd"].is_monotonic_increasing), bool((top["total_cost_usd"] > 0).all())
        (5, True, True)
        """
        from .pricing import cheapest_models

        result = cheapest_models(
            self._frame,
            n,
            input_tokens,
            output_tokens,
            cache_read_tokens,
            cache_write_tokens,
            requests,
            input_includes_cache,
            query=query,
            include_placeholder=include_placeholder,
            include_short_context=include_short_context,
            include_implausible=include_implausible,
            per_family=per_family,
        )
        return with_provenance(
            result,
            self._frame,
            "cheapest",
            {
                "n": n,
                "input_tokens": input_tokens,
                "output_tokens": output_tokens,
                "cache_read_tokens": cache_read_tokens,
                "cache_write_tokens": cache_write_tokens,
                "requests": requests,
                "input_includes_cache": input_includes_cache,
                "include_placeholder": include_placeholder,
                "include_short_context": include_short_context,
                "include_implausible": include_implausible,
                "per_family": per_family,
                **query.to_dict(),
            },
        )

    def alternatives(
        self,
        model_id: str,
        *,
        prompt_tokens: float | None = None,
        input_tokens: float | None = None,
        output_tokens: float = 1_000,
        tools_equivalent: bool = True,
        include_deprecated: bool = False,
        include_free: bool = True,
        include_implausible: bool = False,
    ) -> pd.DataFrame:
        """The models that can do what ``model_id`` does, cheapest first, with the price ratio to it.

        The same capabilities (type, features, modalities, context), not the same quality.

        Same or wider types, features (``tools`` = ``function_calling`` unless ``tools_equivalent=False``)
        and input modalities, a context of at least ``prompt_tokens`` (default: the model's own);
        deprecated models left out unless ``include_deprecated=True``, implausible (unit-slip) prices
        unless ``include_implausible=True``; free ones marked. See
        :func:`aihubmix_frame.pricing.alternatives.alternatives`.

        >>> import aihubmix_frame as ahf
        >>> alt = ahf.load_snapshot().aihub.alternatives("claude-opus-4-6", prompt_tokens=50_000)
        >>> bool((alt["price_ratio"] < 1).any()), "claude-opus-4-6" in set(alt["model_id"])
        (True, False)
        """
        from .pricing import alternatives

        result = alternatives(
            self._frame,
            model_id,
            prompt_tokens=prompt_tokens,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            tools_equivalent=tools_equivalent,
            include_deprecated=include_deprecated,
            include_free=include_free,
            include_implausible=include_implausible,
        )
        return with_provenance(
            result,
            self._frame,
            "alternatives",
            {
                "model_id": model_id,
                "prompt_tokens": prompt_tokens,
                "input_tokens": input_tokens,
                "output_tokens": output_tokens,
                "tools_equivalent": tools_equivalent,
                "include_deprecated": include_deprecated,
                "include_free": include_free,
                "include_implausible": include_implausible,
            },
        )
