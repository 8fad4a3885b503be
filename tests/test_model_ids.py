"""Model-id resolution (issue 18, item 1): each rule and an id it must not take, exact wins, aliases,
the warning and attrs, resolve_ids=False, family-safe suggestions, and the ids through at=, reprice,
summarize_cost and dask. Ids are the bundled snapshot's; prices are checked by hand."""

from __future__ import annotations

import re
import warnings

import pandas as pd
import pytest

import aihubmix_frame as ahf
from aihubmix_frame.errors import ModelIdResolvedWarning, UnknownModelWarning
from aihubmix_frame.pricing.model_ids import RULES, IdResolver, family_key
from aihubmix_frame.pricing.table import suggest_model_ids

CATALOG = ahf.load_snapshot()
IDS = CATALOG["model_id"].tolist()


def price(log_ids: list, **options) -> pd.DataFrame:
    """estimate_cost of one 1,000-in / 100-out request per id, every warning recorded (none raised)."""
    log = pd.DataFrame({"model_id": pd.array(log_ids, dtype="string"), "input_tokens": 1_000, "output_tokens": 100})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ModelIdResolvedWarning)
        warnings.simplefilter("ignore", UnknownModelWarning)
        return ahf.estimate_cost(CATALOG, log, **options)


def cost_of(model_id: str) -> float:
    """1,000 input and 100 output tokens at the catalog's base prices (USD per 1M)."""
    row = CATALOG.set_index("model_id").loc[model_id]
    return (1_000 * row["input_usd_per_1m"] + 100 * row["output_usd_per_1m"]) / 1e6


# (logged id, the catalog id it is priced as, id_match): one line per rule, then chains.
RESOLVED = [
    ("openai/gpt-4o", "gpt-4o", "provider_prefix"),
    ("google/gemini-2.5-pro", "gemini-2.5-pro", "provider_prefix"),
    ("openrouter/openai/gpt-5", "gpt-5", "provider_prefix+provider_prefix"),
    ("models/gemini-2.5-pro", "gemini-2.5-pro", "resource_name"),
    (
        "projects/p1/locations/us-central1/publishers/google/models/gemini-2.5-flash",
        "gemini-2.5-flash",
        "resource_name",
    ),
    ("anthropic.claude-3-sonnet-20240229-v1:0", "claude-3-sonnet-20240229", "bedrock"),
    ("anthropic.claude-sonnet-4-5-20250929-v1:0", "claude-sonnet-4-5", "bedrock+dated_snapshot"),
    ("us.anthropic.claude-sonnet-4-5-20250929-v1:0", "claude-sonnet-4-5", "bedrock+dated_snapshot"),
    ("eu.anthropic.claude-haiku-4-5-20251001-v1:0", "claude-haiku-4-5", "bedrock+dated_snapshot"),
    ("apac.anthropic.claude-sonnet-4-5-20250929-v1:0", "claude-sonnet-4-5", "bedrock+dated_snapshot"),
    ("global.anthropic.claude-opus-4-5-20251101-v1:0", "claude-opus-4-5", "bedrock+dated_snapshot"),
    ("bedrock/us.anthropic.claude-opus-4-1-20250805-v1:0", "claude-opus-4-1", "provider_prefix+bedrock+dated_snapshot"),
    (
        "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0",
        "claude-sonnet-4-5",
        "bedrock+dated_snapshot",
    ),
    ("anthropic.claude-3-sonnet-20240229-v1:0:28k", "claude-3-sonnet-20240229", "bedrock"),
    ("vertex_ai/claude-sonnet-4-5@20250929", "claude-sonnet-4-5", "provider_prefix+vertex_version"),
    (
        "openrouter/anthropic/claude-3.7-sonnet",
        "claude-3-7-sonnet",
        "provider_prefix+provider_prefix+claude_dotted_version",
    ),
    ("claude-sonnet-4-5@20250929", "claude-sonnet-4-5", "vertex_version"),
    ("claude-3-sonnet@20240229", "claude-3-sonnet-20240229", "vertex_version"),  # Anthropic's dated id first
    ("gpt-5-2025-08-07", "gpt-5", "dated_snapshot"),
    ("o3-2025-04-16", "o3", "dated_snapshot"),
    ("claude-sonnet-4-5-20250929", "claude-sonnet-4-5", "dated_snapshot"),
    ("claude-opus-4-1-20250805", "claude-opus-4-1", "dated_snapshot"),
    ("anthropic/claude-sonnet-4.5", "claude-sonnet-4-5", "provider_prefix+claude_dotted_version"),
    ("openai/gpt-5-2025-08-07", "gpt-5", "provider_prefix+dated_snapshot"),
]

# Ids that must stay unknown, and why.
UNRESOLVED = [
    "Pro/THUDM/GLM-4-9B-0414",  # 'Pro/' is not a provider prefix: SiliconFlow's Pro ids are priced apart
    "OpenAI/gpt-4o",  # prefixes match exactly, like ids
    "GPT-5-2025-08-07",  # never fold case
    "models/gemini-9-ultra",  # the remainder is no catalog id
    "xx.anthropic.claude-sonnet-4-5-20250929-v1:0",  # not a Bedrock region
    "claude-sonnet-4-5-v1:0",  # a Bedrock suffix without the vendor prefix is not a Bedrock id
    "claude-sonnet-4-5@latest",  # Vertex versions are dates
    "claude-sonnet-4-5@2025",
    "gpt-5-2025-13-07",  # no month 13
    "gpt-5-20250832",  # no August 32
    "gpt-5-08-07",  # not a full date
    "claude-3-5-sonnet-20241022",  # the undated id is not in the catalog either
    "claude-sonnet-4.5.1",
    "gpt-5-mini-2025-08-07-extra",
]


@pytest.mark.parametrize(("logged", "priced_as", "how"), RESOLVED)
def test_each_rule_prices_the_id_as_its_catalog_model(logged, priced_as, how):
    out = price([logged])
    assert out["priced_as"].iloc[0] == priced_as
    assert out["id_match"].iloc[0] == how
    assert out["total_cost_usd"].iloc[0] == pytest.approx(cost_of(priced_as), rel=1e-12)


@pytest.mark.parametrize("logged", UNRESOLVED)
def test_an_id_no_rule_takes_to_a_catalog_id_stays_unpriced(logged):
    assert logged not in IDS
    out = price([logged])
    assert pd.isna(out["priced_as"].iloc[0]) and pd.isna(out["id_match"].iloc[0])
    assert pd.isna(out["total_cost_usd"].iloc[0])


def test_every_rule_is_exercised_by_a_test():
    used = {name for _, _, how in RESOLVED for name in how.split("+")}
    assert used == {name for name, _, _ in RULES}


def test_exact_ids_win_over_every_rule():
    # Each of these is itself a catalog id, though a rule could rewrite it.
    exact = [
        "gpt-4o-2024-08-06",
        "gpt-4o-2024-05-13",
        "claude-3-haiku@20240307",
        "google/gemini-exp-1114",
        "Qwen/Qwen3-32B",
    ]
    assert all(i in IDS for i in exact)
    out = price(exact)
    assert out["priced_as"].astype(str).tolist() == exact
    assert out["id_match"].astype(str).tolist() == ["exact"] * len(exact)
    assert out["total_cost_usd"].tolist() == pytest.approx([cost_of(i) for i in exact], rel=1e-12)


def test_a_dated_snapshot_keeps_its_own_price():
    # gpt-4o-2024-05-13 is listed at 5 / 15 USD per 1M, gpt-4o at 2.5 / 10: exact wins, and says so.
    out = price(["gpt-4o-2024-05-13", "gpt-4o"])
    assert out["total_cost_usd"].tolist() == pytest.approx(
        [(1_000 * 5 + 100 * 15) / 1e6, (1_000 * 2.5 + 100 * 10) / 1e6]
    )
    assert out["id_match"].astype(str).tolist() == ["exact", "exact"]


def test_the_warning_names_each_resolved_id_with_its_rows_and_attrs_record_them():
    log = pd.DataFrame(
        {
            "model_id": ["gpt-5-2025-08-07"] * 3 + ["openai/gpt-4o", "gpt-4o"],
            "input_tokens": [1_000] * 5,
            "output_tokens": [100] * 5,
        }
    )
    with pytest.warns(ModelIdResolvedWarning) as caught:
        out = ahf.estimate_cost(CATALOG, log)
    assert len(caught) == 1
    message = str(caught[0].message)
    assert message.startswith("4 row(s) carry model ids that are not catalog ids")
    assert "'gpt-5-2025-08-07' -> 'gpt-5' (dated_snapshot, 3 rows)" in message
    assert "'openai/gpt-4o' -> 'gpt-4o' (provider_prefix, 1 row)" in message
    assert "'gpt-4o' -> 'gpt-4o'" not in message  # exact ids are not named
    assert caught[0].filename == __file__  # points at the caller's line
    record = out.attrs["aihubmix"]["cost"]["ids"]
    assert record == {
        "resolve_ids": True,
        "aliases": {},
        "resolved": [
            {"logged": "gpt-5-2025-08-07", "priced_as": "gpt-5", "id_match": "dated_snapshot", "rows": 3},
            {"logged": "openai/gpt-4o", "priced_as": "gpt-4o", "id_match": "provider_prefix", "rows": 1},
        ],
    }
    assert out["total_cost_usd"].sum() == pytest.approx(3 * cost_of("gpt-5") + 2 * cost_of("gpt-4o"))


def test_exact_only_logs_raise_no_resolution_warning():
    log = pd.DataFrame({"model_id": ["gpt-4o", "gpt-5"], "input_tokens": [10, 10], "output_tokens": [1, 1]})
    out = ahf.estimate_cost(CATALOG, log)  # an AihubmixWarning would fail the test
    assert out["id_match"].astype(str).tolist() == ["exact", "exact"]
    assert out.attrs["aihubmix"]["cost"]["ids"]["resolved"] == []
    assert list(out.columns)[-2:] == ["priced_as", "id_match"]
    assert isinstance(out["priced_as"].dtype, pd.CategoricalDtype)


def test_resolve_ids_false_restores_exact_matching():
    out = price(["gpt-5-2025-08-07", "openai/gpt-4o", "gpt-4o"], resolve_ids=False)
    assert out["total_cost_usd"].isna().tolist() == [True, True, False]
    assert out["id_match"].astype("string").tolist() == [pd.NA, pd.NA, "exact"]
    log = pd.DataFrame({"model_id": ["gpt-5-2025-08-07"], "input_tokens": [1], "output_tokens": [1]})
    with pytest.warns(UnknownModelWarning, match=r"'gpt-5-2025-08-07'.*did you mean 'gpt-5'\?"):
        ahf.estimate_cost(CATALOG, log, resolve_ids=False)
    with pytest.raises(TypeError, match="resolve_ids must be True or False"):
        ahf.estimate_cost(CATALOG, log, resolve_ids="no")


def test_aliases_price_deployment_names_and_are_checked_up_front():
    out = price(["prod-chat", "prod-chat", "gpt-4o"], aliases={"prod-chat": "gpt-5"})
    assert out["priced_as"].astype(str).tolist() == ["gpt-5", "gpt-5", "gpt-4o"]
    assert out["id_match"].astype(str).tolist() == ["alias", "alias", "exact"]
    assert out.attrs["aihubmix"]["cost"]["ids"]["aliases"] == {"prod-chat": "gpt-5"}
    # aliases apply with resolve_ids=False too: they are the caller's own exact names
    assert price(["prod-chat"], aliases={"prod-chat": "gpt-5"}, resolve_ids=False)["id_match"].iloc[0] == "alias"
    # an alias beats the rules for its own id
    assert price(["gpt-5-2025-08-07"], aliases={"gpt-5-2025-08-07": "gpt-5-mini"})["priced_as"].iloc[0] == "gpt-5-mini"
    log = pd.DataFrame({"model_id": ["x"], "input_tokens": [1], "output_tokens": [1]})
    with pytest.raises(ValueError, match=r"'prod-chat' -> 'gpt-55'.*'gpt-55' is not in the catalog"):
        ahf.estimate_cost(CATALOG, log, aliases={"prod-chat": "gpt-55"})
    with pytest.raises(ValueError, match=r"'GPT-4o' is not in the catalog; did you mean 'gpt-4o'"):
        ahf.estimate_cost(CATALOG, log, aliases={"prod-chat": "GPT-4o"})
    with pytest.raises(ValueError, match="'gpt-4o' is itself a catalog id"):
        ahf.estimate_cost(CATALOG, log, aliases={"gpt-4o": "gpt-5"})
    with pytest.raises(TypeError, match="aliases must be a mapping"):
        ahf.estimate_cost(CATALOG, log, aliases=[("prod-chat", "gpt-5")])


def test_unknown_ids_are_only_offered_models_of_their_own_family():
    assert suggest_model_ids("claude-sonnet-4-5-20250929", IDS) == "; did you mean 'claude-sonnet-4-5'?"
    assert suggest_model_ids("claude-sonnet-9-9-20990101", IDS) == ""
    assert suggest_model_ids("claude-sonet-4-5", IDS).startswith("; did you mean 'claude-sonnet-4-5'")
    assert "claude-3" not in suggest_model_ids("claude-sonnet-4-7-20250929", IDS)
    assert suggest_model_ids("GPT-4o", IDS) == "; did you mean 'gpt-4o'?"
    assert family_key("claude-sonnet-4-5-20250929") != family_key("claude-3-sonnet-20240229")
    log = pd.DataFrame({"model_id": ["claude-sonnet-9-9-20990101"], "input_tokens": [1_000], "output_tokens": [100]})
    with pytest.warns(UnknownModelWarning) as caught:
        ahf.estimate_cost(CATALOG, log)
    assert "did you mean" not in str(caught[0].message) and "claude-3" not in str(caught[0].message)


@pytest.mark.parametrize("dtype", ["category", "dictionary"])
def test_category_and_dictionary_id_columns_resolve_alike(dtype):
    import pyarrow as pa

    ids = ["gpt-5-2025-08-07", "gpt-4o", None, "models/gemini-2.5-pro", "nope-1", "gpt-5-2025-08-07"]
    plain = price(ids)
    series = pd.Series(ids, dtype="string")
    if dtype == "category":
        column = series.astype("category")
    else:
        column = pd.Series(pd.arrays.ArrowExtensionArray(pa.array(ids).dictionary_encode()))
    log = pd.DataFrame({"model_id": column, "input_tokens": 1_000, "output_tokens": 100})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ModelIdResolvedWarning)
        with pytest.warns(UnknownModelWarning, match="'nope-1'"):
            out = ahf.estimate_cost(CATALOG, log)
    for column in ("total_cost_usd", "priced_as", "id_match"):
        assert out[column].astype("string").equals(plain[column].astype("string")), column
    assert [e["rows"] for e in out.attrs["aihubmix"]["cost"]["ids"]["resolved"]] == [2, 1]


def test_resolution_is_the_same_across_blocks(monkeypatch):
    # Blocks of 4 rows on several threads: ids met in later blocks, and the same id met by two blocks at once.
    from aihubmix_frame.pricing import kernel

    monkeypatch.setattr(kernel, "BLOCK_ROWS", 4)
    ids = ["gpt-4o", "openai/gpt-4o", "gpt-5-2025-08-07", "x-1"] * 50 + ["models/gemini-2.5-pro"]
    out = price(ids)
    assert out["priced_as"].astype("string").tolist() == (
        ["gpt-4o", "gpt-4o", "gpt-5", pd.NA] * 50 + ["gemini-2.5-pro"]
    )
    resolved = {e["logged"]: e["rows"] for e in out.attrs["aihubmix"]["cost"]["ids"]["resolved"]}
    assert resolved == {"openai/gpt-4o": 50, "gpt-5-2025-08-07": 50, "models/gemini-2.5-pro": 1}


def test_resolver_is_deterministic_and_plain():
    import pickle

    resolver = IdResolver(IDS, aliases={"prod": "gpt-5"})
    again = pickle.loads(pickle.dumps(resolver))
    for logged, priced_as, how in RESOLVED:
        assert resolver.resolve(logged) == again.resolve(logged) == (priced_as, how)
    assert resolver.resolve("gpt-4o") is None  # exact ids are not "resolved"
    assert resolver.resolve(None) is None


def test_reprice_and_summaries_use_the_priced_as_model():
    log = pd.DataFrame(
        {
            "model_id": ["claude-sonnet-4-5-20250929", "claude-sonnet-4-5", "gpt-5-2025-08-07"],
            "input_tokens": [1_000] * 3,
            "output_tokens": [100] * 3,
        }
    )
    with pytest.warns(ModelIdResolvedWarning):
        out = ahf.reprice(CATALOG, log, to={"claude-sonnet-4-5": "gpt-5"})
    assert out["repriced_total_cost_usd"].tolist() == pytest.approx([cost_of("gpt-5")] * 3)
    assert out["cost_difference_usd"].tolist() == pytest.approx(
        [cost_of("gpt-5") - cost_of("claude-sonnet-4-5")] * 2 + [0.0]
    )
    with pytest.warns(ModelIdResolvedWarning):
        costed = ahf.estimate_cost(CATALOG, log)
    summary = ahf.summarize_cost(costed, by="priced_as")
    assert summary["priced_as"].astype(str).tolist() == ["claude-sonnet-4-5", "gpt-5"]
    assert summary["rows"].tolist() == [2, 1]
    assert summary["total_cost_usd"].tolist() == pytest.approx([2 * cost_of("claude-sonnet-4-5"), cost_of("gpt-5")])
    by_match = ahf.summarize_cost(costed, by=["priced_as", "id_match"])
    assert by_match["rows"].tolist() == [1, 1, 1]
    from aihubmix_frame.plot import cost_components

    bars = cost_components(summary)  # the categorical key labels the bars
    assert sorted(bars["label"]) == ["claude-sonnet-4-5", "gpt-5"]


def test_cheapest_equivalent_reprices_resolved_ids():
    log = pd.DataFrame({"model_id": ["claude-opus-4-1-20250805"], "input_tokens": [1_000], "output_tokens": [100]})
    with pytest.warns(ModelIdResolvedWarning):
        out = ahf.reprice(CATALOG, log, to="cheapest_equivalent")
    assert out["priced_as"].iloc[0] == "claude-opus-4-1"
    assert out["repriced_model_id"].iloc[0] != "claude-opus-4-1"  # it had a cheaper equivalent
    assert out["cost_difference_usd"].iloc[0] < 0


@pytest.mark.parametrize("dtype", ["string", "category"])
def test_as_of_pricing_resolves_against_every_version(dtype):
    july = ahf.load_snapshot()
    august = july.copy()
    august.loc[august["model_id"] == "gpt-5", ["input_usd_per_1m", "output_usd_per_1m"]] = [1.0, 8.0]
    history = {"2026-07-01T00:00:00Z": july, "2026-08-01T00:00:00Z": august}
    log = pd.DataFrame(
        {
            "timestamp": pd.to_datetime(["2026-06-30", "2026-07-15", "2026-08-15", "2026-08-15"], utc=True),
            "model_id": pd.Series(["gpt-5-2025-08-07", "gpt-5-2025-08-07", "gpt-5-2025-08-07", "gpt-5"], dtype=dtype),
            "input_tokens": [1_000] * 4,
            "output_tokens": [100] * 4,
        }
    )
    resolved = pytest.warns(ModelIdResolvedWarning, match=r"'gpt-5-2025-08-07' -> 'gpt-5' \(dated_snapshot, 2 rows\)")
    with resolved, pytest.warns(ahf.AsOfWarning):
        out = ahf.estimate_cost(history, log, at="timestamp")
    assert out["total_cost_usd"].tolist()[1:] == pytest.approx(
        [cost_of("gpt-5"), (1_000 * 1.0 + 100 * 8.0) / 1e6, (1_000 * 1.0 + 100 * 8.0) / 1e6]
    )
    assert pd.isna(out["total_cost_usd"].iloc[0]) and pd.isna(out["priced_as"].iloc[0])  # before the first version
    assert out["id_match"].astype("string").tolist() == [pd.NA, "dated_snapshot", "dated_snapshot", "exact"]
    with pytest.raises(ValueError, match="'gpt-99' is not in the catalog"):
        ahf.estimate_cost(history, log, at="timestamp", aliases={"x": "gpt-99"})


def test_empty_log_has_the_id_columns():
    log = pd.DataFrame({"model_id": pd.Series([], dtype="string"), "input_tokens": [], "output_tokens": []})
    out = ahf.estimate_cost(CATALOG, log.astype({"input_tokens": "int64", "output_tokens": "int64"}))
    assert len(out) == 0 and list(out.columns)[-2:] == ["priced_as", "id_match"]


def test_rules_table_documents_each_rule_with_a_working_example():
    resolver = IdResolver(IDS)
    for name, _, example in RULES:
        logged, _, target = example.split(";")[0].partition(" -> ")
        target = re.split(r",| then ", target)[0].strip()
        result = resolver.resolve(logged)
        assert result is not None and name in result[1], (name, logged, result)
        assert result[0] == target or target not in IDS, (name, logged, result)


def test_dask_logs_resolve_per_partition_like_pandas():
    dd = pytest.importorskip("dask.dataframe")
    ids = ["gpt-5-2025-08-07", "gpt-4o", "openai/gpt-4o", "nope-1"] * 3
    log = pd.DataFrame({"model_id": pd.array(ids, dtype="string"), "input_tokens": 1_000, "output_tokens": 100})
    lazy = ahf.estimate_cost(CATALOG, dd.from_pandas(log, npartitions=3))
    got = lazy.compute(scheduler="synchronous")
    want = price(ids)
    for column in ("total_cost_usd", "priced_as", "id_match"):
        assert got[column].astype("string").tolist() == want[column].astype("string").tolist(), column


def test_a_hand_built_catalog_resolves_too():
    # The rules read only the catalog's ids.
    catalog = ahf.catalog_to_frame([{"model_id": "m-1", "pricing": {"input": 1, "output": 2}}])
    log = pd.DataFrame({"model_id": ["openai/m-1"], "input_tokens": [1_000_000], "output_tokens": [0]})
    with pytest.warns(ModelIdResolvedWarning):
        out = ahf.estimate_cost(catalog, log)
    assert out["total_cost_usd"].iloc[0] == 1.0
