"""cost_report: what a priced log could not price, warned on the client and returned as a small table."""

from __future__ import annotations

from typing import Any

import pandas as pd

from .dask_adapter import compute, is_dask, pricing_of
from .findings import Finding, findings_frame, warn_findings
from .partition import provenance_of, tally_findings, unpriced_rows

__all__ = ["cost_report"]


def cost_report(costed: Any, *, rows: bool = False, progress: bool | None = None) -> Any:
    """The warnings of a priced log, raised here, and one row per finding.

    ``costed`` is what :func:`~aihubmix_frame.estimate_cost` or :func:`~aihubmix_frame.reprice`
    returned (or a column selection of it). Columns: ``kind`` (``unknown_model``,
    ``missing_price``, ``not_per_token``, ``before_first_version``, ``context_length``,
    ``placeholder_price``, ``cache_read_at_input_price``, ...), ``warning`` (its class), ``rows``,
    ``unpriced`` (True: those rows cost NA), ``models`` and ``message``, the warning's text. Each
    finding is also raised as its warning, with the same wording and figures on both paths.
    ``attrs["aihubmix"]["cost_report"]`` holds ``rows`` (the log's) and ``unpriced_rows``.

    On a lazy dask log this computes the partitions' counts (the workers never warn) and shows
    dask's progress when someone watches. ``rows=True`` returns ``(priced rows as pandas, report)``
    from that one pass, for logs small enough to collect; otherwise write the rows where they
    belong (``costed.to_parquet(...)``) and call this for the report, which prices them once more.
    A pandas log repeats the warnings ``estimate_cost`` raised (they are kept in its attrs).

    >>> import pandas as pd, warnings, aihubmix_frame as ahf
    >>> log = pd.DataFrame({"model_id": ["gpt-4o", "no-such-model"], "input_tokens": [1_000, 1_000],
    ...                     "output_tokens": [100, 100]})
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     costed = ahf.estimate_cost(ahf.load_snapshot(), log)
    ...     report = ahf.cost_report(costed)
    >>> report[["kind", "warning", "rows", "unpriced"]].to_dict("records")
    [{'kind': 'unknown_model', 'warning': 'UnknownModelWarning', 'rows': 1, 'unpriced': True}]
    """
    if is_dask(costed):
        pricing = pricing_of(costed)
        if pricing is None:
            raise ValueError(
                "this dask frame was not priced by estimate_cost or reprice in this session (or rows were "
                "filtered or added since): call cost_report on the lazy frame they returned, before "
                "filtering rows"
            )
        if rows:
            values, tally = compute(costed, pricing.tally, progress=progress)
        else:
            (tally,) = compute(pricing.tally, progress=progress)
        findings = tally_findings(pricing.plan, tally)
        totals = {"rows": int(tally.rows), "unpriced_rows": unpriced_rows(pricing.plan, tally)}
        if rows:
            values.attrs.setdefault("aihubmix", {})["cost"] = provenance_of(
                pricing.provenance, pricing.plan, tally, findings
            )
    else:
        cost = ((getattr(costed, "attrs", None) or {}).get("aihubmix") or {}).get("cost")
        if not isinstance(costed, pd.DataFrame) or cost is None or "findings" not in cost:
            raise ValueError(
                "cost_report needs a log priced by estimate_cost or reprice (its attrs carry the findings); "
                f"got {type(costed).__name__} without them"
            )
        findings = [Finding.from_json(item) for item in cost["findings"]]
        totals = {"rows": len(costed), "unpriced_rows": int(cost.get("unpriced_rows", 0))}
    warn_findings(findings, stacklevel=2)
    report = findings_frame(findings)
    report.attrs["aihubmix"] = {"cost_report": totals}
    return (values, report) if is_dask(costed) and rows else report
