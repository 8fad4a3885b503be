"""Model-id resolution: the documented, deterministic rules that take the ids real logs carry to catalog ids.

Providers answer with ids the catalog does not list as such: dated snapshots (``gpt-5-2025-08-07``,
``claude-sonnet-4-5-20250929``), gateway prefixes (``openai/gpt-4o``), Gemini's REST resource names
(``models/gemini-2.5-pro``), Bedrock ids (``us.anthropic.claude-sonnet-4-5-20250929-v1:0``), Vertex
versions (``claude-sonnet-4-5@20250929``). The order, for each distinct logged id:

1. the exact catalog id (case-sensitive; an exact dated id such as ``gpt-4o-2024-08-06`` is itself);
2. the caller's ``aliases`` (checked against the catalog up front);
3. the rules of :data:`RULES`, chained breadth-first (shortest chain first, rules in their order):
   a rule rewrites an id, and only a rewrite that ends on an exact catalog id prices anything.

Nothing here folds case or guesses: an id no rule takes to a catalog id stays unknown. Pure Python
(no pandas); the vectorised application to a log is :mod:`aihubmix_frame.pricing.id_lookup`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

__all__ = [
    "RULES",
    "PROVIDER_PREFIXES",
    "IdResolver",
    "check_aliases",
    "family_key",
    "same_family",
    "EXACT",
    "ALIAS",
]

EXACT = "exact"
ALIAS = "alias"
_MAX_CHAIN = 4

#: First path segments stripped by the ``provider_prefix`` rule: provider and gateway names as
#: LiteLLM, OpenRouter and similar gateways write them. Any other segment stays (``Pro/THUDM/...`` is
#: a different, differently priced catalog id from ``THUDM/...``).
PROVIDER_PREFIXES: frozenset[str] = frozenset(
    {
        "openai",
        "azure",
        "azure_ai",
        "anthropic",
        "google",
        "gemini",
        "vertex_ai",
        "vertex_ai_beta",
        "bedrock",
        "bedrock_converse",
        "openrouter",
        "x-ai",
        "xai",
        "mistral",
        "mistralai",
        "deepseek",
        "cohere",
        "groq",
        "together_ai",
        "fireworks_ai",
        "perplexity",
        "moonshotai",
        "qwen",
        "z-ai",
        "aihubmix",
        "litellm_proxy",
    }
)

_RESOURCE = re.compile(r"^(?:projects/[^/]+/locations/[^/]+/)?(?:publishers/[^/]+/)?models/(?P<model>[^/]+)$")
_BEDROCK = re.compile(
    r"^(?:arn:aws[\w-]*:bedrock:[\w-]*:\d*:(?:foundation-model|inference-profile|"
    r"system-defined-inference-profile)/)?"
    r"(?:(?:us|us-gov|eu|apac|jp|au|ca|global)\.)?"
    r"(?:anthropic|meta|amazon|mistral|cohere|ai21|deepseek|openai|qwen|writer|moonshot|minimax|google)\."
    r"(?P<model>[^.:/][^/]*?)"
    r"(?:-v\d+(?::\d+)?|-\d+:\d+)?(?::\d+k)?$"
)
_DATE = r"20\d\d(?P<sep>-?)(?:0[1-9]|1[0-2])(?P=sep)(?:0[1-9]|[12]\d|3[01])"
_DATED = re.compile(rf"^(?P<model>.+?)-{_DATE}$")
_VERTEX = re.compile(r"^(?P<model>[^@]+)@(?P<date>20\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]))$")
_CLAUDE_DOT = re.compile(r"(?<=\d)\.(?=\d)")


def _provider_prefix(model_id: str) -> list[str]:
    head, slash, rest = model_id.partition("/")
    return [rest] if slash and rest and head in PROVIDER_PREFIXES else []


def _resource_name(model_id: str) -> list[str]:
    match = _RESOURCE.match(model_id)
    return [match["model"]] if match else []


def _bedrock(model_id: str) -> list[str]:
    match = _BEDROCK.match(model_id)
    return [match["model"]] if match else []


def _vertex_version(model_id: str) -> list[str]:
    match = _VERTEX.match(model_id)
    if not match:
        return []
    return [f"{match['model']}-{match['date']}", match["model"]]  # Anthropic's dated id first, then undated


def _dated_snapshot(model_id: str) -> list[str]:
    match = _DATED.match(model_id)
    return [match["model"]] if match else []


def _claude_dotted_version(model_id: str) -> list[str]:
    if not model_id.startswith("claude-"):
        return []
    dashed = _CLAUDE_DOT.sub("-", model_id)
    return [dashed] if dashed != model_id else []


#: The rules, in the order they are tried: (name, rewrite, an example logged id -> the id it tries).
RULES: tuple[tuple[str, Callable[[str], list[str]], str], ...] = (
    ("provider_prefix", _provider_prefix, "openai/gpt-4o -> gpt-4o"),
    ("resource_name", _resource_name, "models/gemini-2.5-pro -> gemini-2.5-pro"),
    (
        "bedrock",
        _bedrock,
        "us.anthropic.claude-sonnet-4-5-20250929-v1:0 -> claude-sonnet-4-5-20250929",
    ),
    (
        "vertex_version",
        _vertex_version,
        "claude-sonnet-4-5@20250929 -> claude-sonnet-4-5-20250929, then claude-sonnet-4-5",
    ),
    ("dated_snapshot", _dated_snapshot, "gpt-5-2025-08-07 -> gpt-5; claude-opus-4-1-20250805 -> claude-opus-4-1"),
    ("claude_dotted_version", _claude_dotted_version, "claude-sonnet-4.5 -> claude-sonnet-4-5"),
)


def check_aliases(aliases: Any, known: frozenset[str] | set[str], *, suggest: Callable[[str], str]) -> dict[str, str]:
    """``aliases`` as a plain ``{logged id: catalog id}`` dict; ``TypeError``/``ValueError`` naming a bad entry.

    Every target must be an exact catalog id; a key that is itself a catalog id would never apply
    (exact ids are priced as themselves) and is refused too.
    """
    if aliases is None:
        return {}
    if not isinstance(aliases, Mapping):
        raise TypeError(f"aliases must be a mapping {{logged id: catalog id}}, got {type(aliases).__name__}")
    checked: dict[str, str] = {}
    for logged, target in aliases.items():
        if not isinstance(logged, str) or not isinstance(target, str):
            raise TypeError(f"aliases maps model ids (strings) to catalog ids; got {logged!r}: {target!r}")
        if target not in known:
            raise ValueError(
                f"aliases: {logged!r} -> {target!r}, but {target!r} is not in the catalog{suggest(target)}; "
                "alias to an exact catalog id (ids match exactly, case-sensitive)"
            )
        if logged in known:
            raise ValueError(
                f"aliases: {logged!r} is itself a catalog id, and exact ids are priced as themselves; drop that "
                "alias, or price those rows on another model with reprice(catalog, log, to={...})"
            )
        checked[logged] = target
    return checked


class IdResolver:
    """Resolves logged ids to catalog ids: aliases, then the :data:`RULES` (``rules=False``: aliases only).

    Deterministic: the same id, catalog ids and aliases always give the same answer, so a dask log
    can be resolved partition by partition. Plain data (picklable).

    >>> resolver = IdResolver(["gpt-5", "claude-sonnet-4-5", "gpt-4o"])
    >>> resolver.resolve("us.anthropic.claude-sonnet-4-5-20250929-v1:0")
    ('claude-sonnet-4-5', 'bedrock+dated_snapshot')
    >>> resolver.resolve("gpt-5-2025-08-07"), resolver.resolve("GPT-5-2025-08-07")
    (('gpt-5', 'dated_snapshot'), None)
    """

    def __init__(
        self,
        known: Iterable[str],
        *,
        aliases: Mapping[str, str] | None = None,
        rules: bool = True,
        suggest: Callable[[str], str] | None = None,
    ) -> None:
        self.known = frozenset(known)
        self.aliases = check_aliases(aliases, self.known, suggest=suggest or (lambda _: ""))
        self.rules = bool(rules)

    def resolve(self, model_id: Any) -> tuple[str, str] | None:
        """``(catalog id, how)`` for an id that is not itself a catalog id; ``None`` if nothing resolves it.

        ``how`` is ``"alias"`` or the names of the rules applied, joined with ``+``.
        """
        if not isinstance(model_id, str) or model_id in self.known:
            return None
        if model_id in self.aliases:
            return self.aliases[model_id], ALIAS
        if not self.rules:
            return None
        return resolve_by_rules(model_id, self.known)


def resolve_by_rules(model_id: str, known: frozenset[str] | set[str]) -> tuple[str, str] | None:
    """The first catalog id the rules reach from ``model_id`` (breadth-first), with the chain's rule names."""
    frontier: list[tuple[str, tuple[str, ...]]] = [(model_id, ())]
    seen = {model_id}
    for _ in range(_MAX_CHAIN):
        following: list[tuple[str, tuple[str, ...]]] = []
        for candidate, chain in frontier:
            for name, rewrite, _example in RULES:
                for rewritten in rewrite(candidate):
                    if rewritten in seen:
                        continue
                    seen.add(rewritten)
                    if rewritten in known:
                        return rewritten, "+".join((*chain, name))
                    following.append((rewritten, (*chain, name)))
        if not following:
            return None
        frontier = following
    return None


_TOKENS = re.compile(r"[A-Za-z]+|\d+")


def _stem(model_id: str) -> str:
    """The id with the structural parts the rules strip (prefixes, Bedrock, ``@version``, dates) removed."""
    stem = model_id.rsplit("/", 1)[-1]
    for rewrite in (_bedrock, _vertex_version, _dated_snapshot, _claude_dotted_version):
        rewritten = rewrite(stem)
        if rewritten:
            stem = rewritten[-1]
    return stem


def family_key(model_id: str) -> tuple[str, tuple[str, ...]]:
    """(line, generation) of an id: its first word (lower-case) and its version numbers.

    Date-like numbers (four digits or more) are left out, so snapshots of one model share a key,
    and another generation never does.

    >>> family_key("claude-sonnet-4-5-20250929"), family_key("claude-3-sonnet-20240229")
    (('claude', ('4', '5')), ('claude', ('3',)))
    """
    tokens = _TOKENS.findall(_stem(model_id))
    words = [t.lower() for t in tokens if t.isalpha()]
    numbers = tuple(str(int(t)) for t in tokens if t.isdigit() and len(t) < 4)
    return (words[0] if words else "", numbers)


def same_family(a: str, b: str) -> bool:
    """True when two ids have the same line and generation (:func:`family_key`)."""
    return family_key(a) == family_key(b)
