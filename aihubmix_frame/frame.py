"""Raw catalog JSON -> the typed, tidy wide frame; pure, no IO."""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from itertools import chain, repeat
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import schema
from . import values as norm
from .envelope import payload_records, record_error, unencodable_text_error
from .errors import DuplicateModelWarning, FieldValueWarning, SchemaError
from .families import root_ids
from .placeholders import PLACEHOLDER_PRICES, PLACEHOLDER_TYPES, placeholder_price_mask  # noqa: F401 (public here)

__all__ = [
    "catalog_to_frame",
    "empty_catalog_frame",
    "payload_records",
    "base_provenance",
    "placeholder_price_mask",
]

LIST_DTYPE = pd.ArrowDtype(pa.list_(pa.string()))
#: ``Any``: pandas-stubs does not declare the dtypes' ``__from_arrow__``, which we call.
STRING_DTYPE: Any = pd.StringDtype()
_FLOAT64: Any = pd.Float64Dtype()
_INT64: Any = pd.Int64Dtype()
_BOOLEAN: Any = pd.BooleanDtype()


def _field(dicts: list[dict], key: str) -> list:
    """``[d.get(key) for d in dicts]`` at C speed (the hot path on 100k-model payloads)."""
    return list(map(dict.get, dicts, repeat(key)))


_NONE = type(None)
_HASHABLE_SCALARS = {str, int, float, _NONE}


def _column(records: list[dict], field: str, convert: Callable[[Any], Any], values: list | None = None) -> list:
    """Apply ``convert`` to one field of every record, naming the record on failure.

    Catalog fields repeat a lot (``"llm"``, ``128000``), so each distinct scalar is converted once.
    """
    if values is None:
        values = _field(records, field)
    try:
        if set(map(type, values)) <= _HASHABLE_SCALARS:
            memo = {value: convert(value) for value in dict.fromkeys(values)}
            return list(map(memo.__getitem__, values))
        return [convert(v) for v in values]
    except norm.BadValue:
        for index, value in enumerate(values):
            try:
                convert(value)
            except norm.BadValue as exc:
                raise record_error(index, records[index], field, str(exc)) from None
        raise  # pragma: no cover - the loop above always finds the bad value


def _float_array(values: list) -> pd.arrays.FloatingArray:
    return _FLOAT64.__from_arrow__(pa.array(values, type=pa.float64()))


def _int_array(values: list) -> pd.arrays.IntegerArray:
    return _INT64.__from_arrow__(pa.array(values, type=pa.int64()))


def _string_array(values: list) -> pd.arrays.StringArray:
    return STRING_DTYPE.__from_arrow__(pa.array(values, type=pa.large_string()))


def _text_column(records: list[dict], field: str) -> pd.arrays.StringArray:
    """Optional text: missing, empty or blank strings become NA."""
    values = _field(records, field)
    if not set(map(type, values)) <= {str, _NONE}:
        values = _column(records, field, norm.text, values)
    array = pa.array(values, type=pa.large_string())
    blank = pc.equal(pc.utf8_trim_whitespace(array), "")
    return STRING_DTYPE.__from_arrow__(pc.if_else(blank, pa.scalar(None, pa.large_string()), array))


def _plain_numbers(values: list, arrow_type: pa.DataType) -> pa.Array | None:
    """The common case at C speed: JSON numbers (ints; floats too for prices), none negative or infinite.

    None means "take the slow path", which converts value by value and names a bad record.
    """
    kinds = set(map(type, values))
    if not (kinds <= {int, _NONE} or (arrow_type == pa.float64() and kinds <= {int, float, _NONE})):
        return None
    try:
        array = pa.array(values, type=arrow_type)
    except (pa.ArrowInvalid, OverflowError):
        return None
    numbers = array.drop_null()
    if len(numbers) and (
        pc.min(numbers).as_py() < 0 or not pc.all(pc.is_finite(numbers)).as_py()
        if arrow_type == pa.float64()
        else pc.min(numbers).as_py() < 0
    ):
        return None
    return array


def _limits_column(records: list[dict], field: str) -> pd.arrays.IntegerArray:
    values = _field(records, field)
    array = _plain_numbers(values, pa.int64())
    if array is None:
        return _int_array(_column(records, field, norm.limit, values))
    return _INT64.__from_arrow__(pc.if_else(pc.equal(array, 0), pa.scalar(None, pa.int64()), array))


def _prices_column(records: list[dict], pricings: list[dict], key: str) -> pd.arrays.FloatingArray:
    values = _field(pricings, key)
    array = _plain_numbers(values, pa.float64())
    if array is None:
        return _float_array(_column(records, f"pricing.{key}", norm.price, values))
    return _FLOAT64.__from_arrow__(array)


def _list_column(records: list[dict], field: str) -> pa.ListArray:
    values = _field(records, field)
    if set(map(type, values)) <= {str, _NONE}:  # comma strings: split each distinct one once
        encoded = pa.array(values, type=pa.string()).dictionary_encode()
        distinct = [norm.tokens(v, field) for v in encoded.dictionary.to_pylist()]
        tokens = pa.array(distinct, type=pa.list_(pa.string())).take(encoded.indices)
        return tokens if not tokens.null_count else pc.if_else(tokens.is_null(), pa.scalar([], tokens.type), tokens)
    tokens = _column(records, field, lambda v: norm.tokens(v, field), values)
    return pa.array(tokens, type=pa.list_(pa.string()))


def _model_ids(records: list[dict]) -> list[str]:
    model_ids = _field(records, "model_id")
    if set(map(type, model_ids)) - {str} or not all(map(str.strip, model_ids)):
        for index, model_id in enumerate(model_ids):
            if not isinstance(model_id, str) or not model_id.strip():
                raise record_error(index, records[index], "model_id", "every model needs a non-empty string 'model_id'")
    return model_ids


def _pricing_objects(records: list[dict]) -> list[dict]:
    pricings = _field(records, "pricing")
    if set(map(type, pricings)) - {dict}:
        for index, pricing in enumerate(pricings):
            if pricing is None:
                pricings[index] = {}
            elif not isinstance(pricing, dict):
                raise record_error(
                    index,
                    records[index],
                    "pricing",
                    f"expected an object of prices, got {type(pricing).__name__}",
                )
    return pricings


def _membership(lists: pa.ListArray, vocabulary: Sequence[str], n: int) -> dict[str, np.ndarray]:
    """One boolean mask per vocabulary token: does each row's list contain it?"""
    flat = lists.flatten()
    parents = pc.list_parent_indices(lists).to_numpy()
    masks = {}
    for token in vocabulary:
        mask = np.zeros(n, dtype=bool)
        mask[parents[pc.equal(flat, token).to_numpy(zero_copy_only=False)]] = True
        masks[token] = mask
    return masks


def _extra_values(values: list) -> Any:
    """Keep an unknown field as sent; infer a dtype only where every value is a plain scalar."""
    if any(isinstance(v, (dict, list)) for v in values):
        return pd.array(values, dtype=object)
    try:
        return pd.Series(values).array
    except (TypeError, ValueError, OverflowError):
        return pd.array(values, dtype=object)


def _typed_column(
    records: list[dict], field: str, convert: Callable[[Any], Any], arrow_type: pa.DataType, unreadable: dict[str, list]
) -> pa.Array:
    """One lenient 2026 field as an Arrow array: ``convert`` runs once per distinct string.

    A value ``convert`` cannot read (:data:`values.UNREADABLE`) becomes null and its model id is
    noted in ``unreadable`` for the one warning of the call.
    """
    raw = _field(records, field)
    kinds = set(map(type, raw))
    if kinds <= {_NONE} or (kinds <= {bool, _NONE} and arrow_type == pa.bool_()):
        return pa.array(raw, type=arrow_type)
    indices = None
    if kinds <= {str, _NONE} and arrow_type == pa.string():  # text: blank -> null, vectorised
        array = pa.array(raw, type=pa.string())
        return pc.if_else(pc.equal(pc.utf8_trim_whitespace(array), ""), pa.scalar(None, pa.string()), array)
    if kinds <= {str, _NONE}:  # few distinct values: dates
        encoded = pa.array(raw, type=pa.string()).dictionary_encode()
        converted = [convert(v) for v in encoded.dictionary.to_pylist()]
        indices = encoded.indices
    elif arrow_type == pa.bool_():  # e.g. interleaved: true/false/null and a few objects
        converted = [v if v is None or type(v) is bool else convert(v) for v in raw]
    else:
        converted = [convert(v) for v in raw]
    bad: list[int] | np.ndarray = (
        [i for i, v in enumerate(converted) if v is norm.UNREADABLE] if norm.UNREADABLE in converted else []
    )
    if bad:
        for i in bad:
            converted[i] = None
        if indices is not None:
            bad = np.flatnonzero(pc.is_in(indices, pa.array(bad, type=indices.type)).to_numpy(zero_copy_only=False))
        unreadable[field] = [records[i]["model_id"] for i in bad]
    array = pa.array(converted, type=arrow_type)
    return array if indices is None else array.take(indices)


def _options_column(records: list[dict]) -> Any:
    """``reasoning_options`` cells; equal option lists (by ``repr``) are read once and share one cell object."""
    raw = _field(records, "reasoning_options")
    keys = list(map(repr, raw))
    try:
        read = {key: norm.reasoning_options(value) for key, value in dict(zip(keys, raw)).items()}
    except norm.BadValue:
        _column(records, "reasoning_options", norm.reasoning_options, raw)  # raises, naming the record
        raise
    return pd.array([pd.NA if cell is None else cell for cell in map(read.__getitem__, keys)], dtype=object)


def _columns_2026(records: list[dict], model_ids: list[str], n: int, unreadable: dict[str, list]) -> dict[str, Any]:
    """The columns of the fields served since 2026; all missing when the payload lacks them.

    Values that could not be read are noted in ``unreadable`` (field -> model ids) and warned about once.
    """
    labels = {
        f: _typed_column(records, f, norm.label, pa.string(), unreadable)
        for f in ("vendor", "variant_of", "retire_stage", "pricing_source")
    }
    columns: dict[str, Any] = {f: STRING_DTYPE.__from_arrow__(labels[f]) for f in ("vendor", "variant_of")}
    parents = labels["variant_of"]
    columns["family_id"] = _string_array(
        model_ids if parents.null_count == n else root_ids(model_ids, parents.to_pylist())
    )
    outputs = _list_column(records, "output_modalities")
    columns["output_modalities"] = pd.arrays.ArrowExtensionArray(outputs)
    for modality, mask in _membership(outputs, schema.OUTPUT_MODALITIES, n).items():
        columns[f"produces_{modality}"] = mask
    for field in schema.FLAG_FIELDS:
        flags = _typed_column(records, field, norm.flag, pa.bool_(), unreadable)
        columns[field] = _BOOLEAN.__from_arrow__(flags)
    columns["reasoning_options"] = _options_column(records)
    for field in schema.DATE_FIELDS:
        days = _typed_column(records, field, norm.date, pa.date32(), unreadable)
        columns[field] = days.cast(pa.timestamp("s")).to_numpy(zero_copy_only=False)
    for field in ("retire_stage", "pricing_source"):
        columns[field] = STRING_DTYPE.__from_arrow__(labels[field])
    if unreadable:
        named = "; ".join(
            f"{field} of {ids[:5]}" + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")
            for field, ids in unreadable.items()
        )
        warnings.warn(
            f"could not read {sum(map(len, unreadable.values()))} value(s), stored as missing: "
            f"{named}. Dates must be YYYY-MM-DD, flags true/false; check those records.",
            FieldValueWarning,
            stacklevel=3,
        )
    return columns


def _unknown_keys(dicts: list[dict], known: Any) -> list:
    """Keys outside ``known``, in order of first appearance; set().union finds whether any exist at C speed."""
    if set().union(*dicts) <= set(known):
        return []
    return [k for k in dict.fromkeys(chain.from_iterable(dicts)) if k not in known]


def base_provenance() -> dict[str, Any]:
    """The provenance keys every catalog frame carries, before its source fills them in."""
    from ._version import __version__

    return {
        "source": None,
        "url": None,
        "params": {},
        "etag": None,
        "fetched_at": None,
        "price_unit": schema.PRICE_UNIT,
        "package_version": __version__,
    }


def catalog_to_frame(payload: Any, *, provenance: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Convert the raw JSON of ``GET /api/v1/models`` (the envelope or its ``data`` list) to the frame.

    Pure: no IO. One row per model in server order (the index is the server position), the
    columns and dtypes of :data:`aihubmix_frame.schema.COLUMNS`, then any unknown field as an extra
    column. Prices are USD per 1M tokens. ``provenance`` is merged into ``df.attrs["aihubmix"]``.
    The 2026 columns are always there; a date or flag that does not read is missing, with one
    :class:`~aihubmix_frame.errors.FieldValueWarning` per call naming the models.

    >>> df = catalog_to_frame([{"model_id": "doubao-x", "types": "t2t",
    ...                         "features": "Thinking，tools,tool", "context_length": "256000",
    ...                         "max_output": 0, "pricing": {"input": 0.8, "output": 2}}])
    >>> df.loc[0, "types"], df.loc[0, "features"], df.loc[0, "max_output"]
    (['llm'], ['thinking', 'tools'], <NA>)
    >>> float(df.loc[0, "input_usd_per_1m"]), int(df.loc[0, "context_length"])
    (0.8, 256000)

    Raises :class:`~aihubmix_frame.errors.APIError` for ``success: false`` and
    :class:`~aihubmix_frame.errors.SchemaError` naming the record, model id and field for a
    record that does not fit the documented shape.
    """
    records = payload_records(payload)
    try:
        return _convert(records, provenance)
    except UnicodeEncodeError:
        raise unencodable_text_error(records) from None


def _convert(records: list, provenance: Mapping[str, Any] | None) -> pd.DataFrame:
    n = len(records)
    if set(map(type, records)) - {dict}:
        for index, record in enumerate(records):
            if not isinstance(record, Mapping):
                raise SchemaError(
                    f"record {index} is a {type(record).__name__}, expected a JSON object with a "
                    "'model_id'; fix or drop that record before converting"
                )
        records = [r if type(r) is dict else dict(r) for r in records]

    model_ids = _model_ids(records)
    unique = len(set(model_ids)) == n
    duplicates = [] if unique else [mid for mid, count in Counter(model_ids).items() if count > 1]
    if duplicates:
        warnings.warn(
            f"the catalog lists {len(duplicates)} model id(s) more than once "
            f"(e.g. {duplicates[:3]}); all rows are kept, cost lookups use the first",
            DuplicateModelWarning,
            stacklevel=2,
        )
    pricings = _pricing_objects(records)

    columns: dict[str, Any] = {}
    columns["model_id"] = _string_array(model_ids)
    for field in ("model_name", "desc"):
        columns[field] = _text_column(records, field)

    lists = {field: _list_column(records, field) for field in schema.LIST_COLUMNS}
    for field in schema.LIST_COLUMNS:
        columns[field] = pd.arrays.ArrowExtensionArray(lists[field])
    for feature, mask in _membership(lists["features"], schema.FEATURES, n).items():
        columns[f"has_{feature}"] = mask
    for modality, mask in _membership(lists["input_modalities"], schema.MODALITIES, n).items():
        columns[f"accepts_{modality}"] = mask

    for field in schema.LIMIT_FIELDS:
        columns[field] = _limits_column(records, field)
    for key, column in schema.PRICE_FIELDS.items():
        columns[column] = _prices_column(records, pricings, key)
    tiers = _column(records, "pricing.tiers", norm.tiers, _field(pricings, "tiers"))
    columns["price_tiers"] = pd.array([t if t is not None else pd.NA for t in tiers], dtype=object)
    unreadable: dict[str, list] = {}
    columns.update(_columns_2026(records, model_ids, n, unreadable))

    # Unknown record fields and unknown pricing keys are kept, never dropped.
    # dict.fromkeys(chain(...)) lists every key once, in order of first appearance, at C speed.
    extra_fields = _unknown_keys(records, schema.KNOWN_FIELDS)
    extra_pricing = _unknown_keys(pricings, {*schema.PRICE_FIELDS, "tiers"})
    for key in extra_fields:
        name = key if key not in columns else f"{key}_raw"
        columns[name] = _extra_values(_field(records, key))
    for key in extra_pricing:
        name = f"pricing_{key}"
        name = name if name not in columns else f"{name}_raw"
        columns[name] = _extra_values(_field(pricings, key))

    frame = pd.DataFrame(columns, index=pd.RangeIndex(n))
    frame.attrs[schema.ATTRS_KEY] = {
        **base_provenance(),
        schema.COMPLETE_KEY: schema.catalog_fingerprint(model_ids),
        **({schema.UNREADABLE_KEY: unreadable} if unreadable else {}),
        **(dict(provenance) if provenance else {}),
    }
    return frame


def empty_catalog_frame(*, provenance: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """A catalog frame with no rows and the full schema."""
    return catalog_to_frame([], provenance=provenance)
