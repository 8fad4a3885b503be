"""Ranked fuzzy search over model ids, display names and descriptions (rapidfuzz)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

__all__ = ["search_catalog", "search_scores", "DEFAULT_MIN_SCORE", "MAX_QUERY_CHARS"]

#: Rows scoring below this (0-100) are not returned: at 60 a one-letter typo in a word of the id
#: still matches (``sonet`` scores 72 on ``claude-sonnet-4-5``), unrelated text does not.
DEFAULT_MIN_SCORE = 60.0

#: Longest search text accepted, in characters (leading and trailing spaces aside). Fuzzy scoring
#: costs grow with the query times each field: 200 characters score the 804-model catalog in about
#: 0.3 s, 20,000 took 30 s. Model ids and names are far shorter; a description phrase fits.
MAX_QUERY_CHARS = 200

# Weights: an exact (separator-blind) match of the whole id or name scores 100, so ``gpt5`` ranks
# ``gpt-5`` above ``gpt-5-codex``; the query found inside the id or name word by word scores at
# most 90, found only across separators (``o1`` in ``doubao-1.5``) at most 85; a match in the
# description alone scores at most 70, below any good id or name match.
_CONTAINED = 0.9
_ACROSS_SEPARATORS = 0.85
_DESCRIPTION = 0.7

_NON_WORD = re.compile(r"[\W_]+")


def _compact(text: str) -> str:
    """Lower case without separators: ``GPT-5.1`` and ``gpt 5 1`` both become ``gpt51``."""
    return _NON_WORD.sub("", text.casefold())


def _words(text: str) -> str:
    """Lower case with every run of separators as one space: ``claude-opus-4-1`` -> ``claude opus 4 1``."""
    return _NON_WORD.sub(" ", text.casefold()).strip()


def _texts(frame: pd.DataFrame, column: str) -> list[str]:
    if column not in frame.columns:
        return [""] * len(frame)
    return [value if isinstance(value, str) else "" for value in frame[column].astype(object)]


def _query(text: str) -> tuple[str, str]:
    if not isinstance(text, str):
        raise TypeError(f"search text must be a string, got {type(text).__name__}")
    length = len(text.strip())
    if length > MAX_QUERY_CHARS:
        raise ValueError(
            f"a search of {length:,} characters is too long: the limit is {MAX_QUERY_CHARS} (model ids and "
            "names are far shorter); search for part of a model id, a name or a description, e.g. 'claude opus'"
        )
    compact, words = _compact(text), _words(text)
    if not compact:
        raise ValueError(
            f"nothing to search for in {text!r}; pass part of a model id, name or description, "
            "e.g. 'gpt5' or 'claude opus'"
        )
    return compact, words


def search_scores(frame: pd.DataFrame, text: str) -> np.ndarray:
    """Match score 0-100 of every row of ``frame`` for ``text`` (see :func:`search_catalog`).

    >>> import aihubmix_frame as ahf
    >>> df = ahf.load_snapshot()
    >>> scores = search_scores(df, "gpt5")
    >>> df["model_id"].iloc[int(scores.argmax())], float(scores.max())
    ('gpt-5', 100.0)
    """
    from rapidfuzz import fuzz, process  # runtime dependency, imported only when searching

    query_compact, query_words = _query(text)
    scores = np.zeros(len(frame), dtype=float)
    if not len(frame):
        return scores
    for column in ("model_id", "model_name"):
        raw = _texts(frame, column)
        compact = [_compact(value) for value in raw]
        words = [_words(value) for value in raw]
        whole = process.cdist([query_compact], compact, scorer=fuzz.ratio, workers=1)[0]
        in_words = process.cdist([query_words], words, scorer=fuzz.partial_ratio, workers=1)[0]
        in_compact = process.cdist([query_compact], compact, scorer=fuzz.partial_ratio, workers=1)[0]
        inside = np.maximum(_CONTAINED * in_words, _ACROSS_SEPARATORS * in_compact)
        # A field shorter than the query cannot contain it: "opus" must not match "claude opus 4".
        inside[np.fromiter(map(len, compact), dtype=int, count=len(compact)) < len(query_compact)] = 0
        by_word = _CONTAINED * process.cdist([query_words], words, scorer=fuzz.token_set_ratio, workers=1)[0]
        scores = np.maximum(scores, np.maximum(whole, np.maximum(inside, by_word)))
    descriptions = [_words(value) for value in _texts(frame, "desc")]
    in_desc = process.cdist([query_words], descriptions, scorer=fuzz.partial_ratio, workers=1)[0]
    return np.round(np.maximum(scores, _DESCRIPTION * in_desc), 1)


def search_catalog(
    frame: pd.DataFrame, text: str, *, limit: int | None = 10, min_score: float = DEFAULT_MIN_SCORE
) -> pd.DataFrame:
    """Rows of ``frame`` that match ``text`` best, best first, with a ``score`` column (0-100).

    Fuzzy over ``model_id``, ``model_name`` and ``desc``: case, separators and small typos are
    forgiven (``gpt5`` finds ``gpt-5``, ``sonet`` finds the sonnets, ``claude opus`` finds
    ``claude-opus-*``). Equal scores keep the frame's row order (server order for a loaded
    catalog). ``limit=None`` returns every row scoring at least ``min_score``.

    >>> import aihubmix_frame as ahf
    >>> hits = search_catalog(ahf.load_snapshot(), "sonet", limit=3)
    >>> hits["model_id"].str.contains("sonnet").all(), list(hits.columns[-1:])
    (np.True_, ['score'])
    """
    _query(text)  # validate the text before the limits and before any scoring
    if limit is not None:
        if isinstance(limit, bool) or not isinstance(limit, (int, np.integer)):
            raise TypeError(f"limit must be a positive whole number or None, got {limit!r}")
        if limit < 1:
            raise ValueError(f"limit must be at least 1 (or None for every match), got {limit}")
    if (
        isinstance(min_score, bool)
        or not isinstance(min_score, (int, float, np.integer, np.floating))
        or not 0 <= min_score <= 100
    ):
        raise ValueError(f"min_score must be a number from 0 to 100, got {min_score!r}")
    scores = search_scores(frame, text)
    ranked = np.argsort(-scores, kind="stable")
    ranked = ranked[scores[ranked] >= min_score]
    if limit is not None:
        ranked = ranked[:limit]
    result = frame.iloc[ranked].copy()
    result["score"] = pd.array(scores[ranked], dtype="Float64")
    return result
