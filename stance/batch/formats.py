"""Streaming readers and chunk writers for JSON Lines, CSV and Parquet.

Readers yield one `Record` per input row, in file order, without holding the file in memory. A row
that cannot be decoded (bad UTF-8, broken JSON, a CSV row with the wrong number of fields, a Parquet
string that is not UTF-8) is still a record: it carries the reason, so that it lands in the rejects
file and is counted. Where a CSV record ends is `stance.batch.csv_records`' business.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Literal, Optional, Sequence

from stance.batch.csv_records import CsvMode, Parsed, check_spanning, count_csv_records, parse_csv
from stance.batch.unicode import row_problem
from stance.errors import InputError
from stance.limits import MAX_LINE_BYTES

Format = Literal["jsonl", "csv", "parquet"]
FORMATS: tuple[str, ...] = ("jsonl", "csv", "parquet")
EXTENSIONS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}


@dataclass(frozen=True)
class Record:
    """One input row: its 1-based number, its fields, and the reason it cannot be used (then `fields` may be
    None, or hold what was read, e.g. a row's id next to a column that is not UTF-8)."""

    row: int
    fields: Optional[dict[str, Any]] = None
    error: Optional[str] = None


def detect_format(path: Path, given: Optional[str] = None) -> Format:
    """The format named by `given`, else by the file extension; InputError when neither says."""
    if given:
        if given not in FORMATS:
            raise InputError(f"Unknown format {given!r}: expected one of {list(FORMATS)}.")
        return given  # type: ignore[return-value]
    suffix = path.suffix.lower()
    if suffix in EXTENSIONS:
        return EXTENSIONS[suffix]  # type: ignore[return-value]
    raise InputError(
        f"Cannot tell the format of {path} from its extension {suffix!r}: expected one of "
        f"{sorted(EXTENSIONS)}. Fix: rename the file or pass --format jsonl|csv|parquet."
    )


def count_rows(path: Path, format: Format, csv_mode: CsvMode = "lenient") -> Optional[int]:
    """Rows in the file (JSONL: an estimate that counts blank lines; CSV lenient: lines minus the header, an
    estimate when fields hold newlines). CSV "lines" and "multiline": the exact count, parsed as the reader
    parses, with InputError when the file's records cannot be counted (`count_csv_records`)."""
    if format == "parquet":
        import pyarrow.parquet as pq

        return pq.ParquetFile(path).metadata.num_rows
    if format == "csv" and csv_mode != "lenient":
        with path.open(encoding="utf-8-sig", errors="surrogateescape", newline="") as handle:
            return count_csv_records(handle, csv_mode)
    with path.open("rb") as handle:
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
    if path.stat().st_size and not _ends_with_newline(path):
        lines += 1
    return max(0, lines - (1 if format == "csv" else 0))


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as handle:
        handle.seek(-1, 2)
        return handle.read(1) == b"\n"


def read_records(path: Path, format: Format, skip: int = 0, batch_rows: int = 4096,
                 csv_mode: CsvMode = "lenient") -> Iterator[Record]:
    """Every row of `path` as a `Record`, in order, after the first `skip` rows (JSONL, Parquet: not parsed;
    CSV: parsed only to find where records end). `csv_mode`: see `stance.batch.csv_records.CsvMode`."""
    if format == "jsonl":
        return _jsonl(path, skip)
    if format == "csv":
        return _csv(path, skip, csv_mode)
    return _parquet(path, skip, batch_rows)


def _jsonl(path: Path, skip: int) -> Iterator[Record]:
    number = 0
    with path.open("rb") as handle:
        for line in handle:
            if not line.strip():
                continue  # blank lines are not rows
            number += 1
            if number > skip:
                yield _json_record(number, line)


def _json_record(number: int, line: bytes) -> Record:
    if len(line) > MAX_LINE_BYTES:
        return Record(number, error=f"line has {len(line):,} bytes: the limit is {MAX_LINE_BYTES:,}")
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as err:
        return Record(number, error=f"not valid UTF-8: byte 0x{line[err.start]:02x} at offset {err.start} of the line")
    try:
        fields = json.loads(text)
    except json.JSONDecodeError as err:
        return Record(number, error=f"not valid JSON: {err.msg} at column {err.colno}")
    if not isinstance(fields, dict):
        return Record(number, error=f"expected a JSON object per line, found {type(fields).__name__}")
    return Record(number, fields)


def _csv(path: Path, skip: int, mode: CsvMode) -> Iterator[Record]:
    # surrogateescape: undecodable bytes survive as lone surrogates, so the row can be rejected alone.
    with path.open(encoding="utf-8-sig", errors="surrogateescape", newline="") as handle:
        records = parse_csv(handle, mode)
        header = next(records, None)
        if header is None:
            return
        if header.values is None:
            raise InputError(f"{path}, {header.where()} (the header): {header.error}")
        number = 0
        for parsed in records:
            number += 1
            if number > skip:
                yield _csv_record(number, header.values, parsed, mode)


def _csv_record(number: int, header: list[str], parsed: Parsed, mode: CsvMode) -> Record:
    if parsed.values is None:
        check_spanning(parsed, f"is {parsed.error}", mode)
        return Record(number, error=f"{parsed.where()}: {parsed.error}")
    if len(parsed.values) != len(header):
        check_spanning(parsed, f"has {len(parsed.values)} fields, expected {len(header)}", mode)
        return Record(number, error=f"{parsed.where()}: has {len(parsed.values)} fields: expected {len(header)} "
                                    "(the header's)")
    fields = dict(zip(header, parsed.values, strict=True))
    problem = row_problem(fields, undecodable=True)
    return Record(number, fields, f"{parsed.where()}: {problem}" if problem else None)


def _parquet(path: Path, skip: int, batch_rows: int) -> Iterator[Record]:
    import pyarrow.parquet as pq

    number = 0
    for batch in pq.ParquetFile(path).iter_batches(batch_size=batch_rows):
        if number + batch.num_rows <= skip:
            number += batch.num_rows
            continue
        for fields, error in _parquet_rows(batch):
            number += 1
            if number > skip:
                yield Record(number, fields, error)


def _parquet_rows(batch) -> list[tuple[dict[str, Any], Optional[str]]]:
    """The rows of a record batch, each with why it cannot be read (text that is not UTF-8) or None."""
    try:
        return [(fields, None) for fields in batch.to_pylist()]
    except UnicodeDecodeError:
        pass  # Arrow does not check UTF-8 when reading: decode column by column, value by value
    columns, errors = {}, [None] * batch.num_rows
    for name, column in zip(batch.schema.names, batch.columns):
        try:
            columns[name] = column.to_pylist()
        except UnicodeDecodeError:
            columns[name] = _decoded(name, column, errors)
    rows = [dict(zip(columns, values)) for values in zip(*columns.values())]
    return [(fields, error or row_problem(fields, undecodable=True)) for fields, error in zip(rows, errors)]


def _decoded(name: str, column, errors: list[Optional[str]]) -> list[Any]:
    """The values of a column holding invalid UTF-8: text decoded with surrogateescape (the row is then rejected
    naming the byte), other values (lists, structs) as they are or None, with the row's error set in `errors`."""
    import pyarrow as pa

    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        binary = pa.large_binary() if pa.types.is_large_string(column.type) else pa.binary()
        return [None if v is None else v.decode("utf-8", "surrogateescape") for v in column.view(binary).to_pylist()]
    values = []
    for index in range(len(column)):
        try:
            values.append(column[index].as_py())
        except UnicodeDecodeError as err:
            values.append(None)
            errors[index] = errors[index] or (
                f"column {name!r} holds text that is not valid UTF-8 (byte 0x{err.object[err.start]:02x} inside a "
                f"{str(column.type).split('<')[0]} value). Fix: write the file with valid UTF-8 strings."
            )
    return values


def write_chunk(rows: Sequence[dict[str, Any]], path: Path, format: Format, schema=None) -> None:
    """Write `rows` to `path` (a new file) in `format`; Parquet uses `schema` (a pyarrow schema)."""
    if format == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.Table.from_pylist(list(rows), schema=schema), path)
        return
    with path.open("w", encoding="utf-8", newline="") as handle:
        if format == "jsonl":
            handle.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
        else:
            writer = csv.DictWriter(handle, fieldnames=[f.name for f in schema] if schema else list(rows[0]),
                                    lineterminator="\n", extrasaction="ignore")
            writer.writerows(_csv_value(row) for row in rows)


def _csv_value(row: dict[str, Any]) -> dict[str, Any]:
    return {key: json.dumps(value) if isinstance(value, (dict, list)) else value for key, value in row.items()}


def concatenate(parts: Sequence[Path], out: Path, format: Format, schema=None) -> None:
    """Join chunk files into `out` (already-written parts, in order), streaming part by part."""
    if format == "parquet":
        import pyarrow.parquet as pq

        with pq.ParquetWriter(out, schema) as writer:
            for part in parts:
                writer.write_table(pq.read_table(part, schema=schema))
        return
    with out.open("wb") as target:
        if format == "csv":
            header = ",".join(_csv_header(f.name) for f in schema) if schema else ""
            target.write((header + "\n").encode("utf-8"))
        for part in parts:
            with part.open("rb") as source:
                while block := source.read(1 << 20):
                    target.write(block)


def _csv_header(name: str) -> str:
    return f'"{name}"' if any(c in name for c in ',"\n') else name
