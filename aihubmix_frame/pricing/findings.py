"""What a priced log could not price (or priced with a caveat), as data: findings, then warnings.

The kernel reports counts (:class:`~aihubmix_frame.pricing.kernel.Report`); this module turns them
into :class:`Finding` s, each one warning's category, wording and figures. The pandas path warns
them at once; the dask path gathers the partitions' counts, merges them and warns the same findings
on the client, once per computation. Findings are kept in ``attrs["aihubmix"]["cost"]["findings"]``
(JSON) and shown by :func:`aihubmix_frame.cost_report`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .. import errors
from ..errors import (
    AsOfWarning,
    CachePriceWarning,
    ContextLengthWarning,
    MissingPriceWarning,
    NotPerTokenWarning,
    PlaceholderPriceWarning,
    UnknownModelWarning,
    warn,
)
from .kernel import Report
from .table import PriceTable, suggest_model_ids

__all__ = ["Finding", "report_findings", "before_first_finding", "warn_findings", "findings_frame", "FINDING_COLUMNS"]

#: The columns of :func:`findings_frame` (and of :func:`aihubmix_frame.cost_report`).
FINDING_COLUMNS = ("kind", "warning", "rows", "unpriced", "models", "message")


@dataclass(frozen=True)
class Finding:
    """One thing said about a priced log: its warning class, its message, rows and models concerned.

    ``unpriced``: whether those rows cost NA (True) or were priced with a caveat (False).
    """

    kind: str
    category: type[Warning]
    message: str
    rows: int
    unpriced: bool
    models: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "warning": self.category.__name__,
            "message": self.message,
            "rows": self.rows,
            "unpriced": self.unpriced,
            "models": list(self.models),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Finding:
        category = getattr(errors, str(data["warning"]), errors.PriceWarning)
        return cls(
            kind=str(data["kind"]),
            category=category,
            message=str(data["message"]),
            rows=int(data["rows"]),
            unpriced=bool(data["unpriced"]),
            models=tuple(data.get("models", ())),
        )


def _quote(names: list, limit: int = 8) -> str:
    names = list(dict.fromkeys(names))  # a model listed in several catalog versions is named once
    shown = ", ".join("<NA>" if n is None else repr(n) for n in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def report_findings(table: PriceTable, report: Report, *, before_first: int = 0) -> list[Finding]:
    """The findings a priced workload deserves: unknown ids, missing, non-token and cache prices, context.

    ``before_first`` rows (as-of pricing: before the first catalog version) are not unknown ids.
    """
    found: list[Finding] = []
    per_model = report.counts
    if per_model is None:
        return found
    unknown_rows = int(per_model[-1] - before_first)
    # No names: rows repriced from unknown ids (reprice's target side), already said by their own pricing.
    if unknown_rows and report.unknown:
        names = sorted(report.unknown, key=lambda n: (n is None, str(n)))
        hints = "".join(suggest_model_ids(n, table.model_ids) for n in names[:3] if n is not None)
        # A missing id is no typo: usage exports not grouped by model carry none.
        missing = (
            " <NA> stands for rows without a model id (a usage export names the model only when grouped by it: "
            "group_by=model for OpenAI's Usage API, group_by[]=model for Anthropic's usage report)."
            if None in report.unknown
            else ""
        )
        found.append(
            Finding(
                "unknown_model",
                UnknownModelWarning,
                f"{unknown_rows} row(s) name model ids that are not in the catalog: {_quote(names)}; "
                f"their costs are NA (no exact catalog id, alias or id rule matches them; case-sensitive{hints}).{missing} "
                "Fix the ids, pass aliases={logged id: catalog id}, or load a "
                "newer catalog with load_catalog()",
                unknown_rows,
                True,
                tuple("<NA>" if n is None else str(n) for n in names),
            )
        )
    used = per_model[:-1] > 0
    unpriced = np.flatnonzero(used & table.unpriced[:-1] & ~table.withheld[:-1])
    if unpriced.size:
        models = [table.model_ids[r] for r in unpriced]
        found.append(
            Finding(
                "missing_price",
                MissingPriceWarning,
                f"the catalog has no input or output price for {_quote(models)}; their costs are NA",
                int(per_model[:-1][unpriced].sum()),
                True,
                tuple(models),
            )
        )
    withheld = np.flatnonzero(used & table.withheld[:-1])
    if withheld.size:
        rows = int(per_model[:-1][withheld].sum())
        models = [table.model_ids[r] for r in withheld]
        found.append(
            Finding(
                "not_per_token",
                NotPerTokenWarning,
                f"{rows} row(s) use models not priced per token (image or video models, placeholder prices): "
                f"{_quote(models)}; their costs are NA, because their real "
                "per-image or per-second price is not in the API. Pass token_rate_estimates=True to bill them "
                "at their listed token rates anyway (an estimate, not their price)",
                rows,
                True,
                tuple(dict.fromkeys(models)),
            )
        )
    placeholder = np.flatnonzero(used & table.placeholder[:-1] & ~table.withheld[:-1])
    if placeholder.size:
        models = [table.model_ids[r] for r in placeholder]
        found.append(
            Finding(
                "placeholder_price",
                PlaceholderPriceWarning,
                f"{_quote(models)} are not priced per token (image or video "
                "models, placeholder prices): these costs use their listed token rates, not their real "
                "per-image or per-second price, so they are estimates, not prices",
                int(per_model[:-1][placeholder].sum()),
                False,
                tuple(dict.fromkeys(models)),
            )
        )
    if report.over_context is not None:
        over = np.flatnonzero(report.over_context[:-1])
        rows = int(report.over_context.sum())
        found.append(
            Finding(
                "context_length",
                ContextLengthWarning,
                f"{rows} row(s) have a prompt longer than their model's context length "
                f"({_quote([f'{table.model_ids[r]} ({table.context[r]:,.0f})' for r in over])}); they are priced, "
                "since the requests went through, and marked in the exceeds_context column: check the model ids "
                "and token counts",
                rows,
                False,
                tuple(dict.fromkeys(table.model_ids[r] for r in over)),
            )
        )
    for kind, hits in report.fallback_hits.items():
        models = [table.model_ids[r] for r in hits]
        found.append(
            Finding(
                f"{kind}_at_input_price",
                CachePriceWarning,
                f"{kind} tokens were billed at the input price for {_quote(models)}: "
                f"the catalog has no {kind} price for them",
                int(per_model[hits].sum()),
                False,
                tuple(dict.fromkeys(models)),
            )
        )
    return found


def before_first_finding(rows: int, first_version: str) -> Finding:
    """Rows dated before the first catalog version of an as-of pricing (their costs are NA)."""
    return Finding(
        "before_first_version",
        AsOfWarning,
        f"{rows} row(s) are dated before the first catalog version ({first_version}); their costs are NA. "
        "Record an older catalog in the history, or drop those rows",
        rows,
        True,
    )


def warn_findings(findings: list[Finding], *, stacklevel: int = 2) -> None:
    """Each finding as its warning; ``stacklevel`` as the caller of this function would give ``warnings.warn``."""
    for finding in findings:  # at the first line outside the package: ``stacklevel`` is kept for callers
        warn(finding.message, finding.category)


def findings_frame(findings: list[Finding]) -> pd.DataFrame:
    """One row per finding: ``kind``, ``warning`` (class name), ``rows``, ``unpriced``, ``models``, ``message``."""
    return pd.DataFrame(
        {
            "kind": pd.array([f.kind for f in findings], dtype="string"),
            "warning": pd.array([f.category.__name__ for f in findings], dtype="string"),
            "rows": np.array([f.rows for f in findings], dtype=np.int64),
            "unpriced": np.array([f.unpriced for f in findings], dtype=bool),
            "models": [list(f.models) for f in findings],
            "message": pd.array([f.message for f in findings], dtype="string"),
        },
        columns=list(FINDING_COLUMNS),
    )
