"""quality_report: each check on hand-made cases, and every count on the real 804-model snapshot."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from pathlib import Path

import pandas as pd
import pytest

import aihubmix_frame as ahf
from aihubmix_frame import quality
from aihubmix_frame.errors import FieldValueWarning

README = Path(__file__).resolve().parents[1] / "docs" / "howto" / "data-quality.md"  # was the README's section

BASE = {
    "types": "llm",
    "features": "thinking",
    "input_modalities": "text",
    "max_output": 1000,
    "context_length": 8000,
    "pricing": {"input": 1, "output": 2},
}


def model(model_id: str, **fields) -> dict:
    record = {"model_id": model_id, **BASE, **fields}
    if "pricing" in fields:
        record["pricing"] = fields["pricing"]
    return record


#: check -> (records that must be reported as ``flagged``, records that must not be).
CASES = {
    "tools_vs_function_calling": (
        [model("flagged", features="tools"), model("flagged", features="function_calling")],
        [model("clean", features="tools,function_calling")],
    ),
    "reasoning_vs_thinking": (
        [model("flagged", reasoning=False), model("flagged", features="tools", reasoning=True)],
        [model("clean", reasoning=True), model("clean", features="", reasoning=None)],
    ),
    "tool_call_vs_features": (
        [model("flagged", tool_call=True), model("flagged", features="tools", tool_call=False)],
        [model("clean", features="function_calling", tool_call=True)],
    ),
    "cache_read_not_cheaper": (
        [model("flagged", pricing={"input": 1, "output": 2, "cache_read": 1})],
        [
            model("clean", pricing={"input": 1, "output": 2, "cache_read": 0.1}),
            model("clean", pricing={"input": 0, "output": 0, "cache_read": 0}),
        ],
    ),
    "cache_write_below_input": (
        [model("flagged", pricing={"input": 1, "output": 2, "cache_write": 0.5})],
        [model("clean", pricing={"input": 1, "output": 2, "cache_write": 1.25})],
    ),
    "placeholder_price": (
        [model("flagged", types="video", pricing={"input": 2, "output": 0})],
        [model("clean", types="llm", pricing={"input": 2, "output": 0})],
    ),
    "free_model": (
        [model("flagged", pricing={"input": 0, "output": 0})],
        [model("clean", pricing={"input": 0, "output": 1})],
    ),
    "implausible_price": (
        [
            model("flagged", pricing={"input": 0.00019, "output": 0.00019}),
            model("flagged", pricing={"input": 1, "output": 0.0005}),
        ],
        [
            model("clean", pricing={"input": 0, "output": 0}),
            model("clean", vendor="zhipu", pricing={"input": 1, "output": 3}),
            model("clean", types="video", pricing={"input": 0.0001, "output": 0}),
        ],
    ),
    "output_cheaper_than_input": ([model("flagged", pricing={"input": 2, "output": 1})], [model("clean")]),
    "max_output_unknown": ([model("flagged", max_output=0)], [model("clean")]),
    "max_output_not_below_context": (
        [model("flagged", max_output=8000), model("flagged", max_output=9000)],
        [model("clean"), model("clean", max_output=0)],
    ),
    "case_twin": (
        [model("flagged"), model("FLAGGED")],
        [model("clean"), model("Clean", pricing={"input": 9, "output": 9})],
    ),
    "case_twin_price": (
        [model("flagged"), model("FLAGGED", pricing={"input": 9, "output": 9})],
        [model("clean"), model("CLEAN")],
    ),
    "empty_types": ([model("flagged", types="")], [model("clean")]),
    "empty_features": ([model("flagged", features=" ， ")], [model("clean")]),
    "empty_input_modalities": ([model("flagged", input_modalities="")], [model("clean")]),
    "unknown_type": ([model("flagged", types="llm,hologram")], [model("clean", types="ocr,t2t")]),
    "unknown_feature": (
        [model("flagged", features="thinking,telepathy")],
        [model("clean", features="tool,reasoning")],
    ),
    "deprecated": ([model("flagged", retire_stage="deprecated")], [model("clean", retire_stage=None)]),
    "tiers_not_increasing": (
        [
            model(
                "flagged",
                pricing={"input": 1, "output": 2, "tiers": [{"input": 0.5, "tier": {"size": 1000}}]},
            ),
            model(
                "flagged",
                pricing={
                    "input": 1,
                    "output": 2,
                    "tiers": [{"input": 3, "tier": {"size": 1000}}, {"input": 2, "tier": {"size": 2000}}],
                },
            ),
            model(
                "flagged",
                pricing={
                    "input": 1,
                    "output": 2,
                    "tiers": [{"input": 2, "tier": {"size": 1000}}, {"input": 3, "tier": {"size": 1000}}],
                },
            ),
        ],
        [
            model(
                "clean",
                pricing={
                    "input": 1,
                    "output": 2,
                    "tiers": [
                        {"input": 2, "output": 3, "tier": {"size": 1000}},
                        {"input": 3, "tier": {"size": 2000}},
                    ],
                },
            )
        ],
    ),
    "variant_of_unlisted": (
        [model("flagged", variant_of="nowhere")],
        [model("clean", variant_of="base"), model("base")],
    ),
    "variant_of_loop": (
        [
            model("flagged", variant_of="FLAGGED"),
            model("FLAGGED", variant_of="flagged"),
            model("flagged-self", variant_of="flagged-self"),
        ],
        [model("clean", variant_of="base"), model("base")],
    ),
    "unreadable_value": (
        [model("flagged", release_date="2026-02-30")],
        [model("clean", release_date="2026-02-28")],
    ),
}


for _positive, _negative in CASES.values():  # repeated ids in one case get a suffix (no duplicate ids)
    for _records in (_positive, _negative):
        _seen: Counter = Counter()
        for _record in _records:
            _seen[_record["model_id"]] += 1
            if _seen[_record["model_id"]] > 1:
                _record["model_id"] += f"-{_seen[_record['model_id']]}"


def test_every_check_is_documented_and_has_cases():
    assert set(CASES) == set(quality.CHECKS)
    for name, (severity, _, _) in quality.CHECKS.items():
        assert re.search(rf"^{name}\s+{severity}\s", quality.__doc__, flags=re.M), name


@pytest.mark.parametrize("check", list(quality.CHECKS))
def test_each_check_flags_its_positive_case_and_not_its_negative(check):
    positive, negative = CASES[check]
    for records, expected in ((positive, True), (negative, False)):
        if check == "unreadable_value" and expected:
            with pytest.warns(FieldValueWarning):
                frame = ahf.catalog_to_frame(records)
        else:
            frame = ahf.catalog_to_frame(records)
        report = quality.quality_report(frame, checks=check)
        flagged = set(report["model_id"])
        if expected:
            assert flagged == {r["model_id"] for r in records}, (check, report)
            assert (report["severity"] == quality.CHECKS[check][0]).all()
            assert report["detail"].str.len().gt(0).all()
        else:
            assert flagged == set(), (check, report)


def test_selection_by_severity_and_check_and_bad_names(snapshot):
    full = quality.quality_report(snapshot)
    assert list(full.columns) == list(quality.REPORT_COLUMNS)
    assert all(isinstance(full[c].dtype, pd.StringDtype) for c in full.columns)
    warnings_only = quality.quality_report(snapshot, severity="warning")
    assert warnings_only.equals(full[full["severity"] == "warning"].reset_index(drop=True))
    two = quality.quality_report(snapshot, checks=["free_model", "empty_types"])
    assert set(two["check"]) == {"free_model", "empty_types"}
    with pytest.raises(ValueError, match="unknown check"):
        quality.quality_report(snapshot, checks="free")
    with pytest.raises(ValueError, match="unknown severity"):
        quality.quality_report(snapshot, severity="fatal")
    with pytest.raises(ahf.errors.NotACatalogError):
        quality.quality_report(pd.DataFrame({"x": [1]}))
    assert ahf.quality_report is quality.quality_report


# --- the real snapshot, counted with plain Python from the raw JSON ----------------------------------

FEATURE_ALIASES = {"tool": "tools", "tool_calling": "function_calling", "reasoning": "thinking"}
TYPE_ALIASES = {"t2t": "llm", "t2i": "image_generation", "t2v": "video", "reranking": "rerank"}
KNOWN_TYPES = {"llm", "image_generation", "video", "tts", "stt", "embedding", "rerank", "ocr", "search"}
KNOWN_FEATURES = {
    "thinking",
    "tools",
    "function_calling",
    "web",
    "deepsearch",
    "long_context",
    "structured_outputs",
}


def tokens(text, aliases=None):
    out = []
    for part in (text or "").replace("，", ",").split(","):
        token = part.strip().lower()
        token = (aliases or {}).get(token, token)
        if token and token not in out:
            out.append(token)
    return out


def plain_counts(records: list[dict]) -> Counter:
    counts: Counter = Counter()
    lowered = defaultdict(list)
    exact = Counter(r["model_id"] for r in records)
    for r in records:
        p = r.get("pricing") or {}
        i, o, cr, cw = p.get("input"), p.get("output"), p.get("cache_read"), p.get("cache_write")
        types, features = tokens(r.get("types"), TYPE_ALIASES), tokens(r.get("features"), FEATURE_ALIASES)
        counts["tools_vs_function_calling"] += ("tools" in features) != ("function_calling" in features)
        counts["cache_read_not_cheaper"] += cr is not None and i is not None and i > 0 and cr >= i
        counts["cache_write_below_input"] += cw is not None and i is not None and cw < i
        media = any(t in ("image_generation", "video") for t in types)
        counts["placeholder_price"] += media and (i, o) in ((2, 0), (2, 2))
        counts["free_model"] += i == 0 and o == 0
        # the snapshot has no vendor or family: only the absolute floor applies; media models are exempt
        not_token = media and "llm" not in types
        counts["implausible_price"] += not not_token and any(x is not None and 0 < x < 0.001 for x in (i, o))
        counts["output_cheaper_than_input"] += o is not None and i is not None and o < i
        max_output = int(r.get("max_output") or 0)
        context = int(r.get("context_length") or 0)
        counts["max_output_unknown"] += max_output == 0
        counts["max_output_not_below_context"] += max_output > 0 and context > 0 and max_output >= context
        counts["empty_types"] += not types
        counts["empty_features"] += not features
        counts["empty_input_modalities"] += not tokens(r.get("input_modalities"))
        counts["unknown_type"] += any(t not in KNOWN_TYPES for t in types)
        counts["unknown_feature"] += any(f not in KNOWN_FEATURES for f in features)
        counts["deprecated"] += bool(r.get("retire_stage"))
        counts["variant_of_unlisted"] += bool(r.get("variant_of"))
        counts["reasoning_vs_thinking"] += r.get("reasoning") is not None
        counts["tiers_not_increasing"] += bool(p.get("tiers"))
        if exact[r["model_id"]] == 1:
            lowered[r["model_id"].lower()].append((i, o, cr, cw))
    for group in lowered.values():
        if len(group) > 1:
            counts["case_twin_price" if len(set(group)) > 1 else "case_twin"] += len(group)
    return counts


def test_per_check_counts_on_the_bundled_snapshot(snapshot, load_json):
    raw = load_json("reconstructed_api_v1_models_from_publicproviderconf_2026-07-02.json")["data"]
    assert len(raw) == len(snapshot) == 804
    expected = plain_counts(raw)
    got = Counter(quality.quality_report(snapshot)["check"].tolist())
    for check in quality.CHECKS:
        assert got[check] == expected[check], (check, got[check], expected[check])
    # anchors from tests/data/README.md: 31 free models, 52 with cache_read equal to input, 322/518/339 empty
    assert (got["free_model"], got["cache_read_not_cheaper"]) == (31, 52)
    assert (got["empty_types"], got["empty_features"], got["empty_input_modalities"]) == (322, 518, 339)
    assert got["case_twin_price"] > 0 and got["case_twin"] > 0


def test_implausible_price_on_the_real_snapshot(snapshot: pd.DataFrame) -> None:
    """Issue 21: the unit slips of the bundled snapshot, each about 1,000x below the provider's list price."""
    report = quality.quality_report(snapshot, checks="implausible_price")
    assert sorted(report["model_id"]) == [
        "llama3-groq-70b-8192-tool-use-preview",  # Groq lists $0.89 per 1M; the catalog says 0.00089
        "llama3-groq-8b-8192-tool-use-preview",  # Groq lists $0.19 per 1M; the catalog says 0.00019
        "yi-vl-plus",  # 01.AI lists about $0.85 per 1M; the catalog says 0.000852
    ]
    assert (report["severity"] == "warning").all()
    assert report["detail"].str.contains("below 0.001").all()


def test_implausible_price_relative_to_family_and_vendor() -> None:
    frame = ahf.catalog_to_frame(
        [
            model("glm-5", vendor="zhipu", pricing={"input": 1, "output": 3}),
            model("glm-5-slip", vendor="zhipu", pricing={"input": 0.005, "output": 3}),  # 200x below glm-5
            model("glm-4-flash", vendor="zhipu", pricing={"input": 0.6, "output": 2}),  # the cheapest other: 120x
            model("coding-x", variant_of="x", pricing={"input": 0.002, "output": 0.01}),
            model("x", pricing={"input": 0.6, "output": 2}),  # coding-x is 300x below its family root
            model("lonely", vendor="solo", pricing={"input": 0.002, "output": 0.002}),  # no other to compare
        ]
    )
    report = quality.quality_report(frame, checks="implausible_price").set_index("model_id")["detail"]
    assert sorted(report.index) == ["coding-x", "glm-5-slip"]
    assert "zhipu" in report["glm-5-slip"] and "x family" in report["coding-x"]


def test_readme_quality_families_and_modelsdev_examples_run():
    text = README.read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert blocks
    namespace: dict = {}
    with (
        pytest.warns(ahf.errors.ContextLengthWarning, match="claude-opus-4-6-think"),  # as the page says
        pytest.warns(ahf.errors.PriceWarning, match="context tiers were not copied onto 11 model"),
    ):
        for block in blocks:
            exec(compile(block, str(README), "exec"), namespace)
    assert namespace["rich"].attrs["aihubmix"]["enriched"]["fields"] == {"price_tiers": 13}
    assert namespace["report"]["check"].isin(list(quality.CHECKS)).all()
    assert len(namespace["diff"]) == 10


def test_readme_table_of_counts_per_check_matches_the_raw_json(load_json):
    raw = load_json("reconstructed_api_v1_models_from_publicproviderconf_2026-07-02.json")["data"]
    expected = plain_counts(raw)
    text = README.read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `(\w+)` \| \w+ \| (\d+) \|$", text, flags=re.M))
    assert set(rows) == set(quality.CHECKS), "the docs table lists every check, and only those"
    for check, count in rows.items():
        assert int(count) == expected[check], (check, count, expected[check])
