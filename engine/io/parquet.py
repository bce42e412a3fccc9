"""Parquet reader (a file or a folder of files), reading only the requested columns.

A single file is handed over in batches (see batches.py); a folder, whose files may add
partition columns, is read as one table. The files of a folder must agree on the type of
each column read: differences that lose nothing (width, unit, text or dictionary
encoding) are unified explicitly, others are refused naming the files, since a reader left
to cast on its own would read one file's epoch seconds as another's microseconds.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import InputError, one_line
from ._columns import check_columns
from .batches import TableBatches, prefetched

#: Rows per batch when streaming a file, at most: large enough for vectorized work, small
#: enough that one batch of text columns stays in the tens of megabytes.
BATCH_ROWS = 1 << 17
#: ... and at least, when a file is cut into `BATCHES` batches (see batch_rows).
MIN_BATCH_ROWS = 1 << 15
BATCHES = 80
#: Bytes read from the file at a time: without it a column's whole chunk of a row group
#: (often tens of megabytes) is read into memory before its first page is decoded.
READ_BUFFER = 1 << 20


def parquet_columns(path: Path) -> list[str]:
    """The columns of a file, or of all the files of a folder (and its partition keys)."""
    if path.is_file():
        try:
            return list(pq.read_schema(path).names)
        except (pa.ArrowException, OSError, ValueError) as exc:
            raise _unreadable(path, exc) from None
    dataset, schemas = _folder_schemas(path)
    names = list(dataset.schema.names)
    for schema in schemas.values():
        names += [name for name in schema.names if name not in names]
    return names


def read_parquet(
    path: Path, *, columns: Sequence[str] | None, roles: Mapping[str, str] | None = None
) -> pa.Table | TableBatches:
    check_columns(columns, parquet_columns(path), where=f"'{path}'", roles=roles)
    wanted = list(columns) if columns is not None else None
    if path.is_file():
        try:
            return _file_batches(path, wanted, _activities(roles))
        except (pa.ArrowException, OSError, ValueError) as exc:
            raise _unreadable(path, exc) from None
    schema = _folder_schema(path, wanted)
    try:
        table = pq.read_table(path, columns=wanted, schema=schema)
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise _unreadable(path, exc) from None
    check_text(table, path)
    return table


def check_text(table: pa.Table, path: Path) -> None:
    """Refuse text that is not UTF-8: Parquet readers do not check it, and case ids or
    names that cannot be decoded would fail later, far from the file."""
    for name, column in zip(table.column_names, table.columns, strict=True):
        kind = column.type
        if pa.types.is_dictionary(kind):
            kind = kind.value_type
        if not (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
            continue
        try:
            column.validate(full=True)
        except pa.ArrowInvalid as exc:
            raise InputError(
                f"'{path}' has text in column '{name}' that is not valid UTF-8 "
                f"({one_line(exc)}); the file is corrupt or was written in another "
                "encoding: re-export it"
            ) from None


def _folder_schemas(path: Path) -> tuple[pq.ParquetDataset, dict[str, pa.Schema]]:
    """The folder's dataset and each file's own schema (read from its footer)."""
    try:
        dataset = pq.ParquetDataset(path)
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise _unreadable(path, exc) from None
    schemas = {}
    for file in dataset.files:
        try:
            schemas[file] = pq.read_schema(file)
        except (pa.ArrowException, OSError, ValueError) as exc:
            raise _unreadable(Path(file), exc) from None
    return dataset, schemas


def _folder_schema(path: Path, columns: list[str] | None) -> pa.Schema | None:
    """The folder's schema with each read column's type unified over its files (None
    when they agree already), or an error naming the files that disagree."""
    return unified_schema(path, columns, *_folder_schemas(path))


def unified_schema(
    path: Path,
    columns: list[str] | None,
    dataset: pq.ParquetDataset,
    schemas: dict[str, pa.Schema],
) -> pa.Schema | None:
    """_folder_schema from the folder's dataset and file schemas (_folder_schemas), for a
    caller that reads them for more checks of its own."""
    schema = original = dataset.schema
    for name in columns if columns is not None else schema.names:
        types = {file: s.field(name).type for file, s in schemas.items() if name in s.names}
        if not types:
            continue  # a partition key: in the folder names, not in the files
        lacking = [file for file in schemas if file not in types]
        if lacking:
            raise InputError(
                f"{_files(path, lacking)} of '{path}' {'has' if len(lacking) == 1 else 'have'} "
                f"no column '{name}', which the other files have; write every file with the "
                "same columns, or read the files one by one"
            )
        common = common_type(list(types.values()))
        if common is None:
            times = any(pa.types.is_timestamp(t) for t in types.values())
            why = " (epoch numbers read as timestamps would be wrong)" if times else ""
            raise InputError(
                f"column '{name}' has different types in the files of '{path}': "
                f"{_types_by_file(path, types)}; parcours does not guess which one is "
                f"meant{why}: write every file with one type, or read the files one by one"
            )
        field = pa.field(name, common)
        if name in schema.names:
            schema = schema.set(schema.get_field_index(name), field)
        else:
            schema = schema.append(field)
    if schema.equals(original):
        return None
    # Partition keys given in a schema are parsed as plain values, not dictionaries.
    in_files = {name for s in schemas.values() for name in s.names}
    for index, field in enumerate(schema):
        if field.name not in in_files and pa.types.is_dictionary(field.type):
            schema = schema.set(index, field.with_type(field.type.value_type))
    return schema


def common_type(types: list[pa.DataType]) -> pa.DataType | None:
    """The type that holds every type of `types` exactly, or None when they differ in kind
    (numbers and timestamps, naive and aware times, text and numbers, ...)."""
    present = [t for t in types if not pa.types.is_null(t)]  # all-null files fit anything
    if not present:
        return types[0]
    first = present[0]
    if all(t == first for t in present):
        return first
    if all(pa.types.is_dictionary(t) for t in present):
        values = {t.value_type for t in present}
        if len(values) == 1:
            return pa.dictionary(pa.int32(), first.value_type)
    plain = [t.value_type if pa.types.is_dictionary(t) else t for t in present]
    if all(pa.types.is_string(t) or pa.types.is_large_string(t) for t in plain):
        return pa.large_string() if any(pa.types.is_large_string(t) for t in plain) else pa.string()
    if all(pa.types.is_integer(t) and t != pa.uint64() for t in plain):
        return pa.int64()
    if all(pa.types.is_floating(t) for t in plain):
        return pa.float64()
    if all(pa.types.is_timestamp(t) for t in plain):
        zones = {t.tz for t in plain}
        if len(zones) == 1 or None not in zones:  # all naive, or all instants
            units = ["s", "ms", "us", "ns"]
            finest = max((t.unit for t in plain), key=units.index)
            return pa.timestamp(finest, tz=plain[0].tz)
        return None
    if all(pa.types.is_date(t) for t in plain):
        return pa.date64()
    return None


def _files(path: Path, files: list[str], *, limit: int = 3) -> str:
    names = [repr(os.path.relpath(file, path)) for file in files[:limit]]
    more = f" and {len(files) - limit:,} more" if len(files) > limit else ""
    return ("file " if len(files) == 1 else "files ") + ", ".join(names) + more


def _types_by_file(path: Path, types: dict[str, pa.DataType]) -> str:
    groups: dict[str, list[str]] = {}
    for file, kind in types.items():
        groups.setdefault(str(kind), []).append(file)
    return ", ".join(f"{kind} in {_files(path, files)}" for kind, files in groups.items())


def _activities(roles: Mapping[str, str] | None) -> list[str]:
    """The activity column, whose few names repeat on every row: decoded as a dictionary
    where the file has one (see _dictionary_pages)."""
    return [column for column, role in (roles or {}).items() if role == "activity"]


def _file_batches(
    path: Path, columns: list[str] | None, activities: Sequence[str] = ()
) -> TableBatches:
    file = pq.ParquetFile(path)
    names = columns if columns is not None else list(file.schema_arrow.names)
    schema = file.schema_arrow
    text = [
        name
        for name in activities
        if name in schema.names and _is_plain_text(schema.field(name).type)
    ]
    dictionaries = [name for name in text if _dictionary_pages(file, name)]
    # Text read plain is coded from its buffers, whose names' UTF-8 the coder checks.
    coded = [name for name in text if name not in dictionaries]

    n = file.metadata.num_rows
    rows = batch_rows(n)

    def apart(only: list[str] | None = None) -> Iterator[pa.Table]:
        wanted = only or names
        chosen = [n for n in dictionaries if n in wanted]
        return _read_batches(path, wanted, chosen, rows, unchecked=coded)

    def batches(only: list[str] | None = None) -> Iterator[pa.Table]:
        return prefetched(apart(only))

    return TableBatches(n, names, batches, where=f"'{path}'", apart=apart)


def _dictionary_pages(file: pq.ParquetFile, name: str) -> bool:
    """Whether the file wrote column `name` with dictionary pages (in any row group). Such
    a column is decoded as a dictionary, its few values once; one written plain is
    decoded as plain text, since a dictionary built while decoding costs more than coding
    the text afterwards (kernels.text.code_text)."""
    metadata = file.metadata
    leaves = [metadata.schema.column(i).path for i in range(metadata.num_columns)]
    if name not in leaves:
        return False
    index = leaves.index(name)
    for group in range(metadata.num_row_groups):
        chunk = metadata.row_group(group).column(index)
        if chunk.has_dictionary_page:
            return True
    return False


def batch_rows(n_rows: int) -> int:
    """Rows per batch for a file of `n_rows`: about 1/BATCHES of it, within MIN_BATCH_ROWS
    and BATCH_ROWS. The batches in flight then add a few percent at most to the read's
    peak (at 5M rows, 62k-row batches lower it by about 10 MB against 128k-row ones,
    reading as fast), while a large file is not cut into thousands of batches, each with
    its own cost (at 100M rows, 64k-row batches took 1.5 s longer end to end)."""
    return min(BATCH_ROWS, max(MIN_BATCH_ROWS, -(-n_rows // BATCHES)))


def _is_plain_text(kind: pa.DataType) -> bool:
    return pa.types.is_string(kind) or pa.types.is_large_string(kind)


def _read_batches(
    path: Path,
    names: list[str],
    dictionaries: Sequence[str],
    rows: int,
    *,
    unchecked: Sequence[str] = (),
) -> Iterator[pa.Table]:
    """Consecutive tables of `rows` rows; text columns checked for UTF-8, but those in
    `unchecked` (checked by the code that reads them).

    Each batch is decoded on one thread: Arrow's threads cost more than they save on a
    batch this size (the plain text of 5M rows decoded in 0.25 s with them, 0.13 s
    without). Freed memory is not handed back to the system between batches: the next
    batches would fault those pages back in (at 5M rows a release every fourth batch
    cost 0.13 s, a sixth of the read, and lowered the peak by under 3%).
    """
    reader = pq.ParquetFile(
        path, pre_buffer=False, buffer_size=READ_BUFFER, read_dictionary=list(dictionaries) or None
    )
    checked = [name for name in names if name not in unchecked]
    try:
        for batch in reader.iter_batches(batch_size=rows, columns=names, use_threads=False):
            table = pa.Table.from_batches([batch])
            check_text(table.select(checked), path)
            yield table
            del batch
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise _unreadable(path, exc) from None
    finally:
        reader.close()


def _unreadable(path: Path, exc: BaseException) -> InputError:
    return InputError(
        f"'{path}' is not a readable Parquet file ({one_line(exc)}); "
        "it may be truncated or corrupt: re-export it"
    )
