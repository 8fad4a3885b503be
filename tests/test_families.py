"""Families: variant_of chains followed to their root, loops and unlisted parents, and variants()."""

from __future__ import annotations

import random

import pandas as pd
import pytest

import aihubmix_frame as ahf
from aihubmix_frame.families import cycle_members, family_ids, root_ids, variants


def reference_root(ids: list[str], parents: list) -> list[str]:
    """Plain walk: follow listed parents, stop at an unlisted one; a loop -> its smallest member."""
    first = {}
    for i, model_id in enumerate(ids):
        first.setdefault(model_id, i)
    roots = []
    for i in range(len(ids)):
        path, node = [], i
        while node not in path:
            path.append(node)
            parent = parents[node]
            if parent is None or parent not in first or first[parent] == node:
                return_node = node
                break
            node = first[parent]
        else:
            loop = path[path.index(node) :]
            return_node = min(loop, key=lambda k: ids[k])
        roots.append(ids[return_node])
    return roots


def test_chains_unlisted_parents_and_loops():
    ids = [
        "qwen3.8-max",
        "qwen3.8-max-preview",
        "coding-qwen3.8-max-preview",
        "ox-alpha",
        "a",
        "b",
        "c",
        "self",
        "d",
    ]
    parents = [None, "qwen3.8-max", "qwen3.8-max-preview", "glm-5.3-flash", "b", "c", "a", "self", "a"]
    roots = root_ids(ids, parents)
    assert roots == ["qwen3.8-max"] * 3 + ["ox-alpha", "a", "a", "a", "self", "a"]
    assert roots == reference_root(ids, parents)
    assert cycle_members(ids, parents) == [["a", "b", "c"], ["self"]]


def test_a_loop_resolves_to_the_same_member_whatever_the_row_order():
    ids, parents = ["z", "y", "x"], ["y", "x", "z"]
    assert root_ids(ids, parents) == ["x", "x", "x"]
    assert root_ids(ids[::-1], parents[::-1]) == ["x", "x", "x"]


def test_random_graphs_match_the_plain_walk():
    rng = random.Random(7)
    for _ in range(200):
        n = rng.randint(1, 12)
        ids = [f"m{rng.randint(0, 14)}" for _ in range(n)]
        parents = [rng.choice([None, f"m{rng.randint(0, 14)}"]) for _ in range(n)]
        assert root_ids(ids, parents) == reference_root(ids, parents), (ids, parents)


def test_a_long_chain_is_resolved_without_hanging():
    n = 50_000
    ids = [f"m{i}" for i in range(n)]
    parents = [None, *ids[:-1]]
    assert set(root_ids(ids, parents)) == {"m0"}
    loop = [f"m{(i + 1) % n}" for i in range(n)]
    assert set(root_ids(ids, loop)) == {"m0"}


def test_family_id_column_and_family_ids_agree():
    frame = ahf.catalog_to_frame(
        [
            {"model_id": "glm-5", "pricing": {"input": 1, "output": 3}},
            {"model_id": "coding-glm-5", "variant_of": "glm-5", "pricing": {"input": 1.5, "output": 3}},
            {
                "model_id": "coding-glm-5-free",
                "variant_of": "coding-glm-5",
                "pricing": {"input": 0, "output": 0},
            },
            {"model_id": "gpt-5", "pricing": {"input": 1.25, "output": 10}},
        ]
    )
    assert frame["family_id"].tolist() == ["glm-5", "glm-5", "glm-5", "gpt-5"]
    assert family_ids(frame).equals(frame["family_id"])
    assert family_ids(frame.drop(columns=["variant_of"])).tolist() == frame["model_id"].tolist()

    found = variants(frame, "coding-glm-5")
    assert found["model_id"].tolist() == ["glm-5", "coding-glm-5-free"]
    assert found["input_usd_per_1m_diff"].tolist() == [-0.5, -1.5]
    assert found["output_usd_per_1m_diff"].tolist() == [0.0, -3.0]
    assert variants(frame, "gpt-5").empty
    with pytest.raises(ValueError, match="Did you mean 'glm-5'"):
        variants(frame, "GLM-5")


def test_every_snapshot_model_is_its_own_family(snapshot):
    assert (snapshot["family_id"] == snapshot["model_id"]).all()
    assert variants(snapshot, "gpt-4o").empty
    assert isinstance(family_ids(snapshot).dtype, pd.StringDtype)
