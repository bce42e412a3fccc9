"""The column types of the tables parcours writes. Each figure module states its table's
schema once, with these names; its column tuple, the output files' schemas
(engine.outputs.registry) and the tests all derive from it."""

from __future__ import annotations

import pyarrow as pa

TEXT = pa.string()
INT = pa.int64()
FLOAT = pa.float64()
BOOL = pa.bool_()
TEXT_LIST = pa.list_(pa.string())
UTC_TIME = pa.timestamp("ns", tz="UTC")


def table_schema(*parts: pa.Schema | tuple[str, pa.DataType], **columns: pa.DataType) -> pa.Schema:
    """A schema from other schemas' fields and (name, type) pairs, in order, then keywords."""
    fields: list[pa.Field] = []
    for part in parts:
        fields.extend(part if isinstance(part, pa.Schema) else [pa.field(*part)])
    fields.extend(pa.field(name, kind) for name, kind in columns.items())
    return pa.schema(fields)


def without(schema: pa.Schema, *names: str) -> pa.Schema:
    """The schema less the named columns."""
    return pa.schema([field for field in schema if field.name not in names])
