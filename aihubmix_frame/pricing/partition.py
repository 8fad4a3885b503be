"""The partition kernel: one pandas frame of requests priced by a :class:`PricingPlan`, with its tally.

Both paths call :func:`price_partition`: the pandas path once on the whole log, the dask path once
per partition (:mod:`.dask_path`). It never warns: what it could not price travels in the
:class:`Tally` it returns, and the caller turns the merged tallies into warnings on the client
(:func:`tally_findings`), with the same wording and figures on either path.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from .asof import AsOfTable, asof_source, utc_nanoseconds
from .findings import Finding, before_first_finding, report_findings
from .kernel import COST_COLUMNS, Report, ids_source, merge_reports, price_rows
from .table import CACHE_KINDS, PriceTable
from .workload import WorkloadSpec, convention_flags, diagnose, numeric_values

__all__ = [
    "PricingPlan",
    "Tally",
    "price_partition",
    "price_workload",
    "merge_tallies",
    "tally_findings",
    "provenance_of",
    "unpriced_rows",
    "REPRICED_PREFIX",
    "EXCEEDS_COLUMN",
]

REPRICED_PREFIX = "repriced_"
#: True where a row's whole prompt exceeds its model's context length.
EXCEEDS_COLUMN = "exceeds_context"


@dataclass(frozen=True)
class PricingPlan:
    """Everything a partition needs, resolved once at the entry: the prices, the columns, the target.

    ``asof`` (with ``at``, the timestamp column) prices each row as of its time; ``target`` reprices
    every row on one catalog row (an int, ``to_label`` its id) or each source model on another (an
    array indexed by the source's catalog row). ``progress``: a bar for long pandas runs (the dask
    path sets False: its progress is dask's). On dask the plan is one key of the graph, sent to
    each worker once.
    """

    table: PriceTable
    spec: WorkloadSpec
    asof: AsOfTable | None = None
    at: str | None = None
    target: int | np.ndarray | None = None
    to_label: str | None = None
    progress: bool | None = False

    def quiet(self) -> PricingPlan:
        """The plan for workers: no bar."""
        return replace(self, progress=False)


@dataclass
class Tally:
    """What one partition could not price (or priced with a caveat): counts only, small, picklable.

    ``report``: the log on its own models; ``repriced``: on the target models (reprice);
    ``versions``: as-of pricing, rows before the first version then rows per version.
    """

    report: Report
    repriced: Report | None = None
    versions: np.ndarray | None = None
    rows: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def _labels(table: PriceTable, target: np.ndarray) -> pd.arrays.ArrowStringArray:
    names = np.array([*table.model_ids, None], dtype=object)
    return pd.array(names[target], dtype="string")


def price_workload(
    workload: pd.DataFrame,
    table: PriceTable,
    spec: WorkloadSpec,
    target: int | np.ndarray | None = None,
    prefix: str = "",
    to_label: str | None = None,
    *,
    source: tuple | None = None,
    progress: bool | None = False,
) -> tuple[pd.DataFrame, Report]:
    """A pandas workload with the cost columns added (``prefix`` + name), and the kernel's report.

    Priced on its own ids or, with ``target``, on another model: one catalog row for every row (an
    int, ``to_label`` its id) or one per source model (an array indexed by the source's catalog row;
    the ids become the labels). ``source`` = (rows, unknown_names, counts) replaces the id lookup
    (as-of pricing). Bad counts raise ``ValueError`` naming the rows. The caller's frame is never
    changed. Nothing is warned here.
    """
    n_rows = len(workload)
    arrays = {column: numeric_values(workload, column) for column in spec.numeric_columns}
    tokens = {kind: arrays[c] if c is not None else None for kind, c in spec.tokens.items()}
    requests = arrays[spec.requests] if spec.requests is not None else None
    inclusive, flags = spec.input_includes_cache, None
    if spec.convention_column is not None:
        flags = convention_flags(workload, spec.convention_column)
        inclusive = bool(flags.all()) or bool(flags.any())
        if inclusive and not flags.all():  # mixed: bring the exclusive rows to the inclusive convention
            cached = sum(np.asarray(tokens[k]) for k in CACHE_KINDS if tokens[k] is not None)
            given = np.asarray(tokens["input"])
            tokens["input"] = np.where(flags, given, given + cached)
    labels = None
    if source is not None:
        rows_of, unknown_of, _ = source
    else:
        rows_of, unknown_of = ids_source(table, workload[spec.model_id])
    if isinstance(target, np.ndarray):
        source_rows = rows_of
        per_source = target

        def rows_of(lo: int, hi: int) -> np.ndarray:
            return per_source[source_rows(lo, hi)]

        unknown_of = None
        labels = _labels(table, per_source[source_rows(0, n_rows)])
    elif target is not None:

        def rows_of(lo: int, hi: int) -> np.ndarray:
            return np.full(hi - lo, target, dtype=np.intp)

        unknown_of = None
    costs, report = price_rows(
        table, n_rows, rows_of, tokens, requests, inclusive=inclusive, unknown_of=unknown_of, progress=progress
    )
    if report.bad:
        raise diagnose(workload.index, arrays, spec, None if flags is None else flags)
    # concat does not copy the new arrays (df[col] = array would); the caller's frame is never changed.
    names = [prefix + column for column in (*COST_COLUMNS, EXCEEDS_COLUMN)]
    kept = workload.drop(columns=[c for c in names if c in workload.columns])
    added = pd.DataFrame(dict(zip(names, [*costs, report.exceeds])), index=workload.index, copy=False)
    result = pd.concat([kept, added], axis=1) if len(kept.columns) else added
    result.attrs = {}
    if labels is not None or to_label is not None:
        result["repriced_model_id"] = (
            labels if labels is not None else pd.array([to_label] * len(result), dtype="string")
        )
        result["cost_difference_usd"] = result[REPRICED_PREFIX + "total_cost_usd"] - result["total_cost_usd"]
    report.exceeds = None  # the per-row flags are in the frame; the report keeps counts only
    return result, report


def price_partition(partition: pd.DataFrame, plan: PricingPlan) -> tuple[pd.DataFrame, Tally]:
    """Price one pandas frame by ``plan``: the priced rows, and the :class:`Tally` of what they hid.

    Module-level and free of warnings, so that dask can ship it to worker processes.
    """
    spec, source = plan.spec, None
    if plan.asof is not None:
        stamps, unit = utc_nanoseconds(partition, str(plan.at))
        source = asof_source(plan.asof, partition[spec.model_id], stamps, unit)
    frame, report = price_workload(partition, plan.table, spec, source=source, progress=plan.progress)
    tally = Tally(report=report, rows=len(partition))
    if source is not None:
        tally.versions = source[2]()
    if plan.target is not None:
        frame, tally.repriced = price_workload(
            frame, plan.table, spec, plan.target, REPRICED_PREFIX, plan.to_label, progress=plan.progress
        )
    return frame, tally


def merge_tallies(tallies: list[Tally]) -> Tally:
    """The tally of several partitions: counts summed, sets of names united."""
    width = next((t.report.counts.size for t in tallies if t.report.counts is not None), 1)
    reports = [t.report for t in tallies]
    repriced = [t.repriced for t in tallies if t.repriced is not None]
    versions = [t.versions for t in tallies if t.versions is not None]
    return Tally(
        report=merge_reports(reports, width),
        repriced=merge_reports(repriced, width) if repriced else None,
        versions=np.sum(versions, axis=0) if versions else None,
        rows=sum(t.rows for t in tallies),
    )


def tally_findings(plan: PricingPlan, tally: Tally) -> list[Finding]:
    """What the merged tally says, in the order the pandas path has always warned it."""
    before = int(tally.versions[0]) if tally.versions is not None else 0
    found = report_findings(plan.table, tally.report, before_first=before)
    if before and plan.asof is not None:
        found.append(before_first_finding(before, plan.asof.labels[0]))
    if tally.repriced is not None:
        found += report_findings(plan.table, tally.repriced)
    return found


def asof_provenance(plan: PricingPlan, tally: Tally) -> dict[str, Any] | None:
    """``attrs["aihubmix"]["cost"]["as_of"]``: the column, rows per version, rows before the first."""
    if plan.asof is None:
        return None
    counts = tally.versions if tally.versions is not None else np.zeros(len(plan.asof.labels) + 1, dtype=np.int64)
    return {
        "column": plan.at,
        "versions": dict(zip(plan.asof.labels, counts[1:].tolist())),
        "before_first_version": int(counts[0]),
    }


def provenance_of(base: Mapping[str, Any], plan: PricingPlan, tally: Tally, findings: list[Finding]) -> dict[str, Any]:
    """The ``cost`` provenance of a priced log: the columns and options, as-of counts, the findings."""
    out = dict(base)
    asof = asof_provenance(plan, tally)
    if asof is not None:
        out["as_of"] = asof
    out["findings"] = [f.to_json() for f in findings]
    out["unpriced_rows"] = unpriced_rows(plan, tally)
    return out


def unpriced_rows(plan: PricingPlan, tally: Tally) -> int:
    """Rows of the log (on its own models) whose cost is NA: unknown ids, no price, not per token, too early."""
    before = int(tally.versions[0]) if tally.versions is not None else 0
    own = report_findings(plan.table, tally.report, before_first=before)
    return before + int(sum(f.rows for f in own if f.unpriced))
