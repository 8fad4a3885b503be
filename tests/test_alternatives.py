"""Cheaper equivalents (issue 11): df.aihub.alternatives on the real snapshot against a plain-Python
reference read from the raw records, and reprice(..., to=mapping | "cheapest_equivalent")."""

from __future__ import annotations

import re

import pandas as pd
import pytest

import aihubmix_frame as ahf

pytestmark = pytest.mark.filterwarnings("ignore::aihubmix_frame.errors.CachePriceWarning")

ALIASES = {
    "tool": "tools",
    "tool_calling": "function_calling",
    "reasoning": "thinking",
    "t2t": "llm",
    "t2i": "image_generation",
    "t2v": "video",
    "reranking": "rerank",
}
MEDIA_IDS = (
    "dall-e",
    "cogview",
    "flux",
    "midjourney",
    "stable-diffusion",
    "imagen-",
    "veo-",
    "sora-",
    "kling",
    "seedance",
    "seedream",
    "ideogram",
    "recraft",
)


def tokens(value) -> set[str]:
    if not value:
        return set()
    parts = value if isinstance(value, list) else re.split("[,，]", value)
    return {ALIASES.get(p.strip().lower(), p.strip().lower()) for p in parts if p.strip()}


def reference(records, model_id, prompt_tokens, input_tokens, output_tokens=1_000):
    """The rule of alternatives(), written again per record from the raw JSON."""
    first = {}
    for record in records:
        first.setdefault(record["model_id"], record)

    def caps(r):
        features = {"tools" if f == "function_calling" else f for f in tokens(r.get("features"))}
        return tokens(r.get("types")), features, tokens(r.get("input_modalities"))

    def cost(r):
        p = r.get("pricing") or {}
        return (input_tokens * p["input"] + output_tokens * p["output"]) / 1e6

    def per_token(r):
        p, types = r.get("pricing") or {}, tokens(r.get("types"))
        media = bool(types & {"image_generation", "video"}) and "llm" not in types
        placeholder = media and (p.get("input"), p.get("output")) in ((2, 0), (2, 2))
        return not (media or placeholder or any(m in r["model_id"].lower() for m in MEDIA_IDS))

    own = first[model_id]
    want = caps(own)
    out = []
    for r in first.values():
        p = r.get("pricing") or {}
        context = int(r.get("context_length") or 0)
        if r["model_id"] == model_id or p.get("input") is None or p.get("output") is None or not per_token(r):
            continue
        if context < prompt_tokens or r.get("retire_stage") == "deprecated":
            continue
        if all(have >= need for have, need in zip(caps(r), want)):
            out.append((r["model_id"], cost(r) / cost(own)))
    return sorted(out, key=lambda pair: pair[1])  # stable: catalog order among equal costs


@pytest.fixture(scope="module")
def catalog():
    return ahf.load_snapshot()


@pytest.fixture(scope="module")
def records():
    return ahf.loader.snapshot_payload()["data"]


@pytest.mark.parametrize(
    "model_id, prompt",
    [("gpt-4o", 100_000), ("claude-opus-4-6", 150_000), ("gemini-2.5-flash", 500_000), ("gpt-5", 20_000)],
)
def test_alternatives_match_the_plain_python_reference(catalog, records, model_id, prompt):
    got = catalog.aihub.alternatives(model_id, prompt_tokens=prompt)
    want = reference(records, model_id, prompt, prompt)
    assert got["model_id"].tolist() == [m for m, _ in want]
    assert got["price_ratio"].astype(float).tolist() == pytest.approx([r for _, r in want], rel=1e-12)
    assert len(got) > 3 and (got["price_ratio"] < 1).any()
    assert {"input_usd_per_1m", "output_usd_per_1m", "context_length", "free", "deprecated"} <= set(got.columns)


def test_tools_and_function_calling_are_one_capability_unless_told(catalog):
    merged = set(catalog.aihub.alternatives("gpt-4o", prompt_tokens=10_000)["model_id"])
    strict = set(catalog.aihub.alternatives("gpt-4o", prompt_tokens=10_000, tools_equivalent=False)["model_id"])
    assert strict < merged


def test_deprecated_models_are_left_out_unless_asked():
    records = [
        {
            "model_id": "base",
            "types": "llm",
            "features": "tools",
            "context_length": 1000,
            "pricing": {"input": 4, "output": 8},
        },
        {
            "model_id": "old",
            "types": "llm",
            "features": "function_calling",
            "context_length": 1000,
            "retire_stage": "deprecated",
            "pricing": {"input": 1, "output": 1},
        },
        {
            "model_id": "free",
            "types": "llm",
            "features": "tools",
            "context_length": 1000,
            "pricing": {"input": 0, "output": 0},
        },
        {
            "model_id": "small",
            "types": "llm",
            "features": "tools",
            "context_length": 500,
            "pricing": {"input": 1, "output": 1},
        },
    ]
    catalog = ahf.catalog_to_frame(records)
    assert catalog.aihub.alternatives("base")["model_id"].tolist() == ["free"]
    both = catalog.aihub.alternatives("base", include_deprecated=True)
    assert both["model_id"].tolist() == ["free", "old"] and both["deprecated"].tolist() == [False, True]
    assert both["free"].tolist() == [True, False]
    assert catalog.aihub.alternatives("base", prompt_tokens=400)["model_id"].tolist() == ["free", "small"]


def test_reprice_to_a_mapping_and_to_the_cheapest_equivalents(catalog):
    log = pd.DataFrame(
        {
            "model_id": ["gpt-4o", "claude-opus-4-6", "gpt-4o", "gpt-5"],
            "input_tokens": [20_000, 30_000, 5_000, 1_000],
            "output_tokens": [500, 800, 100, 50],
        }
    )
    mapped = ahf.reprice(catalog, log, to={"gpt-4o": "gpt-5"})
    assert mapped["repriced_model_id"].tolist() == ["gpt-5", "claude-opus-4-6", "gpt-5", "gpt-5"]
    assert mapped["cost_difference_usd"].iloc[1] == 0
    cheapest = ahf.reprice(catalog, log, to="cheapest_equivalent")
    chosen = cheapest.attrs["aihubmix"]["cost"]["repriced_to"]
    for source, target in chosen.items():
        options = catalog.aihub.alternatives(
            source,
            prompt_tokens=log.loc[log["model_id"] == source, "input_tokens"].max(),
            include_free=False,
            input_tokens=float(log.loc[log["model_id"] == source, "input_tokens"].mean()),
            output_tokens=float(log.loc[log["model_id"] == source, "output_tokens"].mean()),
        )
        assert target == options["model_id"].iloc[0]
    assert (cheapest["cost_difference_usd"] <= 0).all()
    per_model = ahf.reprice(catalog, log, to="cheapest_equivalent", by_model=True)
    assert per_model["rows"].sum() == len(log) and set(per_model["model_id"]) == set(log["model_id"])
    with pytest.raises(ValueError, match="not in the catalog"):
        ahf.reprice(catalog, log, to={"gpt-4o": "no-such-model"})


def test_alternatives_and_cheapest_equivalent_skip_unit_slip_prices() -> None:
    """Issue 21: a price typo (1,000x too low) is never offered as the cheaper equivalent."""
    import pandas as pd

    import aihubmix_frame as ahf

    catalog = ahf.catalog_to_frame(
        [
            {"model_id": "big", "types": "llm", "context_length": 128_000, "pricing": {"input": 3, "output": 15}},
            {
                "model_id": "slip",
                "types": "llm",
                "context_length": 128_000,
                "pricing": {"input": 0.0003, "output": 0.0015},
            },
            {"model_id": "small", "types": "llm", "context_length": 128_000, "pricing": {"input": 0.3, "output": 1.5}},
        ]
    )
    alt = catalog.aihub.alternatives("big")
    assert alt["model_id"].tolist() == ["small"] and alt.attrs["aihubmix"]["left_out"] == {"implausible_price": 1}
    assert catalog.aihub.alternatives("big", include_implausible=True)["model_id"].iloc[0] == "slip"
    log = pd.DataFrame({"model_id": ["big"], "input_tokens": [1_000], "output_tokens": [100]})
    assert ahf.reprice(catalog, log, to="cheapest_equivalent")["repriced_model_id"].tolist() == ["small"]
