"""The partition kernel: one pandas frame of requests priced by a :class:`PricingPlan`, with its tally.

Both paths call :func:`price_partition`: the pandas path once on the whole log, the dask path once
per partition (:mod:`.dask_path`). It never warns: what it could not price travels in the
:class:`Tally` it returns, and the caller turns the merged tallies into warnings on the client
(:func:`tally_findings`), with the same wording and figures on either path.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ModelIdResolvedWarning
from .aggregates import AGGREGATE_MARKER, aggregate_mask, base_price_table, note_aggregates, note_batch
from .asof import AsOfTable, asof_source, utc_nanoseconds
from .findings import Finding, before_first_finding, report_findings
from .id_lookup import ID_MATCH, PRICED_AS, LoggedIds, merge_resolved, warn_resolved
from .kernel import COST_COLUMNS, Report, ids_source, merge_reports, price_rows
from .model_ids import IdResolver
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
    resolver: IdResolver | None = None  # logged ids -> catalog ids (:mod:`.model_ids`), applied before the lookup

    def quiet(self) -> PricingPlan:
        """The plan for workers: no bar."""
        return replace(self, progress=False)


@dataclass
class Tally:
    """What one partition could not price (or priced with a caveat): counts only, small, picklable.

    ``report``: the log on its own models; ``repriced``: on the target models (reprice);
    ``versions``: as-of pricing, rows before the first version then rows per version; ``resolved``:
    the ids priced as other catalog ids (:meth:`LoggedIds.resolved`); ``notes``: the other warnings
    of the pricing (usage-export totals, Batch API rows) as (class, text); ``attrs``: what the
    pricing recorded in ``attrs["aihubmix"]["cost"]`` (aggregates, batch).
    """

    report: Report
    repriced: Report | None = None
    versions: np.ndarray | None = None
    rows: int = 0
    resolved: list[dict[str, Any]] | None = None
    notes: list[tuple[type[Warning], str]] = field(default_factory=list)
    attrs: dict[str, Any] = field(default_factory=dict)


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
    resolver: IdResolver | None = None,
    progress: bool | None = False,
) -> tuple[pd.DataFrame, Report, LoggedIds | None]:
    """A pandas workload with the cost columns added (``prefix`` + name), and the kernel's report.

    Priced on its own ids or, with ``target``, on another model: one catalog row for every row (an
    int, ``to_label`` its id) or one per source model (an array indexed by the source's catalog row;
    the ids become the labels). ``source`` = (rows, unknown_names, counts, logged ids or None)
    replaces the id lookup (as-of pricing). With a ``resolver`` the ids are resolved
    (:mod:`.model_ids`) and, when ``target`` is None, the ``priced_as`` and ``id_match`` columns
    added. Bad counts raise ``ValueError`` naming the rows. The caller's frame is never changed.
    Nothing is warned here.
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
    labels, logged = None, None
    if source is not None:
        rows_of, unknown_of, _, logged = source
    elif resolver is not None:
        per_key = table.lookup_rows if table.lookup_rows is not None else np.arange(table.n_models + 1)
        logged = LoggedIds(workload[spec.model_id], table.lookup_ids, resolver, per_key.astype(np.intp))
        rows_of, unknown_of = logged.keys, logged.unknown
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
    columns = dict(zip(names, [*costs, report.exceeds]))
    if logged is not None and target is None:
        columns.update(logged.columns())  # priced_as, id_match
    kept = workload.drop(columns=[c for c in columns if c in workload.columns])
    added = pd.DataFrame(columns, index=workload.index, copy=False)
    result = pd.concat([kept, added], axis=1) if len(kept.columns) else added
    result.attrs = {}
    if labels is not None or to_label is not None:
        result["repriced_model_id"] = (
            labels if labels is not None else pd.array([to_label] * len(result), dtype="string")
        )
        result["cost_difference_usd"] = result[REPRICED_PREFIX + "total_cost_usd"] - result["total_cost_usd"]
    report.exceeds = None  # the per-row flags are in the frame; the report keeps counts only
    return result, report, (logged if target is None else None)


def price_partition(partition: pd.DataFrame, plan: PricingPlan) -> tuple[pd.DataFrame, Tally]:
    """Price one pandas frame by ``plan``: the priced rows, and the :class:`Tally` of what they hid.

    Module-level and free of warnings, so that dask can ship it to worker processes: the notes the
    pricing of usage-export totals and Batch API rows would warn are kept in the tally instead.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        frame, tally = _price(partition, plan)
    tally.notes = [(w.category, str(w.message)) for w in caught]
    if plan.target is not None:
        frame, tally.repriced, _ = price_workload(
            frame,
            plan.table,
            plan.spec,
            plan.target,
            REPRICED_PREFIX,
            plan.to_label,
            resolver=plan.resolver,  # a mapping moves the rows priced as its keys
            progress=plan.progress,
        )
    return frame, tally


def _price(partition: pd.DataFrame, plan: PricingPlan) -> tuple[pd.DataFrame, Tally]:
    """The rows on their own models; usage-export totals (:mod:`.aggregates`) at base prices, marked."""
    spec, table, source = plan.spec, plan.table, None
    if plan.asof is not None:
        stamps, unit = utc_nanoseconds(partition, str(plan.at))
        source = asof_source(plan.asof, partition[spec.model_id], stamps, unit, resolver=plan.resolver)
    mask = aggregate_mask(partition)
    options: dict[str, Any] = {"resolver": plan.resolver, "progress": plan.progress}
    if mask is None or not mask.any() or mask.all() or source is not None:
        if mask is not None and source is not None and mask.any() and not mask.all():
            raise ValueError(
                "at= prices a log of requests or a log of usage-export totals, not both at once: split the log "
                "on its request_count column (totals have request_count != 1) and price each part"
            )
        totals = mask is not None and bool(mask.any())
        frame, report, logged = price_workload(
            partition, base_price_table(table) if totals else table, spec, source=source, **options
        )
        resolved = logged.resolved() if logged is not None else None
        if mask is not None and not totals:
            frame[AGGREGATE_MARKER] = False
    else:
        positions = np.concatenate([np.flatnonzero(mask), np.flatnonzero(~mask)])
        parts = [
            price_workload(
                partition.iloc[np.flatnonzero(part)], base_price_table(table) if total else table, spec, **options
            )
            for part, total in ((mask, True), (~mask, False))
        ]
        frame = pd.concat([p[0] for p in parts]).iloc[np.argsort(positions, kind="stable")]
        for name in (PRICED_AS, ID_MATCH):  # concat of two categoricals with other categories: strings
            if name in frame.columns and isinstance(parts[0][0][name].dtype, pd.CategoricalDtype):
                frame[name] = frame[name].astype("category")
        report = merge_reports([p[1] for p in parts], table.n_models + 1)
        logs = [p[2] for p in parts if p[2] is not None]
        resolved = merge_resolved(*(log.resolved() for log in logs)) if logs else None
    if mask is not None and mask.any():
        note_aggregates(frame, mask, table, spec.model_id, stacklevel=2)
    note_batch(frame, stacklevel=2)
    tally = Tally(report=report, rows=len(partition), resolved=resolved)
    tally.attrs = dict(frame.attrs.get("aihubmix", {}).get("cost", {}))
    if source is not None:
        tally.versions = source[2]()
    return frame, tally


def merge_tallies(tallies: list[Tally]) -> Tally:
    """The tally of several partitions: counts summed, sets of names united."""
    width = next((t.report.counts.size for t in tallies if t.report.counts is not None), 1)
    reports = [t.report for t in tallies]
    repriced = [t.repriced for t in tallies if t.repriced is not None]
    versions = [t.versions for t in tallies if t.versions is not None]
    resolved = [t.resolved for t in tallies if t.resolved is not None]
    notes = list(dict.fromkeys(note for t in tallies for note in t.notes))  # a text once, in order
    return Tally(
        report=merge_reports(reports, width),
        repriced=merge_reports(repriced, width) if repriced else None,
        versions=np.sum(versions, axis=0) if versions else None,
        rows=sum(t.rows for t in tallies),
        resolved=merge_resolved(*resolved) if resolved else None,
        notes=notes,
        attrs=next((t.attrs for t in tallies if t.attrs), {}),
    )


def tally_findings(plan: PricingPlan, tally: Tally) -> list[Finding]:
    """What the merged tally says, in the order the pandas path has always warned it."""
    before = int(tally.versions[0]) if tally.versions is not None else 0
    found = report_findings(plan.table, tally.report, before_first=before)
    if tally.resolved:
        with warnings.catch_warnings(record=True) as caught:  # its text, as warn_resolved words it
            warnings.simplefilter("always")
            warn_resolved(tally.resolved)
        rows = sum(int(e["rows"]) for e in tally.resolved)
        models = tuple(dict.fromkeys(str(e["priced_as"]) for e in tally.resolved))
        found += [Finding("resolved_ids", ModelIdResolvedWarning, str(w.message), rows, False, models) for w in caught]
    found += [Finding(category.__name__, category, text, 0, False) for category, text in tally.notes]
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
    out = {**dict(base), **tally.attrs}
    if plan.resolver is not None and tally.resolved is not None:
        out["ids"] = {
            "resolve_ids": bool(plan.resolver.rules),
            "aliases": dict(plan.resolver.aliases),
            "resolved": tally.resolved,
        }
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
