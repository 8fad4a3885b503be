"""Hypothesis strategies for filter/sort parity tests (local reference and loopback server).

Every drawn value is valid (documented, an alias, a legacy code or present in the snapshot), so
both implementations must answer with models, never an error.
"""

from __future__ import annotations

from helpers_reference import (
    DOCUMENTED_FEATURES,
    DOCUMENTED_MODALITIES,
    DOCUMENTED_TYPES,
    FEATURE_SYNONYMS,
    LEGACY_TYPES,
    SORT_KEYS,
)
from hypothesis import strategies as st

from aihubmix_frame.loader import snapshot_payload

RECORDS: list[dict] = snapshot_payload()["data"]
IDS: list[str] = [r["model_id"] for r in RECORDS]

TYPE_VALUES = [*DOCUMENTED_TYPES, "ocr", "search", *LEGACY_TYPES]
FEATURE_VALUES = [*DOCUMENTED_FEATURES, *FEATURE_SYNONYMS]
MODALITY_VALUES = list(DOCUMENTED_MODALITIES)
#: Fragments of real ids with the characters that break naive URL or regex handling.
ID_FRAGMENTS = [
    "/",
    ":",
    "@",
    "(",
    ")",
    ":free",
    "@2024",
    "(33)",
    "Qwen/",
    "qwen/qwen",
    ".",
    "-4o",
    "claude-3-opus@",
    "META-LLAMA/",
    "8192(3",
]

_CASES = st.sampled_from([str.lower, str.upper, str.title, lambda s: s])


def _cased(values: list[str]):
    return st.tuples(st.sampled_from(values), _CASES).map(lambda pair: pair[1](pair[0]))


def value_list(values: list[str], *, server: bool, most: int = 3):
    """1-``most`` values as a comma string (or, locally, a list or a full-width-comma string)."""
    drawn = st.lists(_cased(values), min_size=1, max_size=most)
    if server:
        return drawn.map(",".join)
    joiners = st.sampled_from([",", ", ", " ,", "\uff0c"])
    return st.one_of(
        drawn,
        st.tuples(drawn, joiners).map(lambda pair: pair[1].join(pair[0])),
    )


def _substring(pair) -> str:
    model_id, start, length = pair
    start = start % len(model_id)
    return model_id[start : start + max(1, length)]


def model_text(*, server: bool):
    slices = st.tuples(st.sampled_from(IDS), st.integers(0, 60), st.integers(1, 12)).map(_substring)
    cased_slices = st.tuples(slices, _CASES).map(lambda pair: pair[1](pair[0]))
    fragments = st.sampled_from(ID_FRAGMENTS)
    noise = st.text(alphabet="abcgpt-_./:@()0123456789 ", min_size=1, max_size=4)
    # Mostly text that some id contains; sometimes arbitrary text (usually matching nothing).
    text = st.integers(0, 9).flatmap(lambda pick: cased_slices if pick < 6 else fragments if pick < 9 else noise)
    if server:
        # Whether a server trims spaces around the query is not specified: send none.
        text = text.map(str.strip).filter(bool)
    return optional(text)


def optional(strategy, *, none_weight: int = 2):
    """None (no condition) ``none_weight`` times as often as a value, so that results are rarely empty."""
    return st.integers(0, none_weight).flatmap(lambda pick: strategy if pick == 0 else st.none())


@st.composite
def filter_sort_params(draw, *, server: bool = False) -> dict:
    """Keyword arguments of the server's filters plus ``sort_by`` / ``sort_order``."""
    params = {
        "type": draw(optional(value_list(TYPE_VALUES, server=server))),
        "modalities": draw(optional(value_list(MODALITY_VALUES, server=server, most=2))),
        "features": draw(optional(value_list(FEATURE_VALUES, server=server, most=2))),
        "model": draw(model_text(server=server)),
        "sort_by": draw(st.one_of(st.none(), st.sampled_from(SORT_KEYS))),
        "sort_order": draw(st.sampled_from(["asc", "desc"])),
    }
    if not server:
        params.update(
            min_context=draw(optional(st.sampled_from([0, 1, 8192, 128_000, 200_000, 1_000_000]), none_weight=3)),
            min_output=draw(optional(st.sampled_from([0, 4096, 32_000, 128_000]), none_weight=3)),
            max_input_price=draw(optional(st.sampled_from([0, 0.1, 1, 2.5, 10.0]), none_weight=3)),
            max_output_price=draw(optional(st.sampled_from([0.0, 0.4, 2, 10, 80]), none_weight=3)),
        )
    return params
