"""Streaming readers and chunk writers for JSON Lines, CSV and Parquet.

Readers yield one `Record` per input row, in file order, without holding the file in memory. A row
that cannot be decoded (bad UTF-8, broken JSON, a CSV row with the wrong number of fields) is still a
record: it carries the reason instead of fields, so that it lands in the rejects file and is counted.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Literal, Optional, Sequence

from stance.errors import InputError
from stance.limits import MAX_LINE_BYTES

Format = Literal["jsonl", "csv", "parquet"]
FORMATS: tuple[str, ...] = ("jsonl", "csv", "parquet")
_EXTENSIONS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}
_SURROGATE = re.compile("[\udc80-\udcff]")


@dataclass(frozen=True)
class Record:
    """One input row: its 1-based number, and its fields or the reason it could not be read."""

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
    if suffix in _EXTENSIONS:
        return _EXTENSIONS[suffix]  # type: ignore[return-value]
    raise InputError(
        f"Cannot tell the format of {path} from its extension {suffix!r}: expected one of "
        f"{sorted(_EXTENSIONS)}. Fix: rename the file or pass --format jsonl|csv|parquet."
    )


def count_rows(path: Path, format: Format) -> Optional[int]:
    """Rows in the file, for the progress bar (CSV: lines minus the header, an estimate when fields hold newlines)."""
    if format == "parquet":
        import pyarrow.parquet as pq

        return pq.ParquetFile(path).metadata.num_rows
    with path.open("rb") as handle:
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
    if path.stat().st_size and not _ends_with_newline(path):
        lines += 1
    return max(0, lines - (1 if format == "csv" else 0))


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as handle:
        handle.seek(-1, 2)
        return handle.read(1) == b"\n"


def read_records(path: Path, format: Format, skip: int = 0, batch_rows: int = 4096) -> Iterator[Record]:
    """Every row of `path` as a `Record`, in order, after the first `skip` rows (which are not parsed)."""
    if format == "jsonl":
        return _jsonl(path, skip)
    if format == "csv":
        return _csv(path, skip)
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


def _csv(path: Path, skip: int) -> Iterator[Record]:
    csv.field_size_limit(MAX_LINE_BYTES)
    # surrogateescape: undecodable bytes survive as lone surrogates, so the row can be rejected alone.
    with path.open(encoding="utf-8-sig", errors="surrogateescape", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            return
        number = 0
        while True:
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as err:
                number += 1
                if number > skip:
                    yield Record(number, error=f"not valid CSV: {err}")
                continue
            number += 1
            if number > skip:
                yield _csv_record(number, header, values)


def _csv_record(number: int, header: list[str], values: list[str]) -> Record:
    if len(values) != len(header):
        return Record(number, error=f"has {len(values)} fields: expected {len(header)} (the header's)")
    if any(_SURROGATE.search(value) for value in values):
        return Record(number, error="not valid UTF-8 (undecodable bytes in a field)")
    return Record(number, dict(zip(header, values, strict=True)))


def _parquet(path: Path, skip: int, batch_rows: int) -> Iterator[Record]:
    import pyarrow.parquet as pq

    number = 0
    for batch in pq.ParquetFile(path).iter_batches(batch_size=batch_rows):
        if number + batch.num_rows <= skip:
            number += batch.num_rows
            continue
        for fields in batch.to_pylist():
            number += 1
            if number > skip:
                yield Record(number, fields)


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
