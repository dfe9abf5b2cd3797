"""Rows whose id an earlier row has: counted and named in the run's summary, or dropped (`--dedupe-ids`).

A row claims its id when it is read without error; a later row with the same id is a duplicate,
whatever became of the first one (scored or rejected). The tracker sees rows in file order in the
thread that reads them, so a resumed run rebuilds the same state by replaying the committed rows.
Memory grows with the distinct ids (about 120 bytes each: a million ids take ~120 MB).
"""

from __future__ import annotations

from typing import Iterable, Iterator

from pydantic import BaseModel

from stance.batch.formats import Record
from stance.batch.rows import Columns, row_id
from stance.batch.unicode import writable
from stance.limits import MAX_DUPLICATE_IDS_LISTED


class DuplicateId(BaseModel):
    """One duplicate: the id, the first row that has it and the later row."""

    id: str
    first_row: int
    row: int


class DuplicateIds:
    """Finds rows whose id an earlier row has; with `drop`, turns each into a reject saying so."""

    def __init__(self, columns: Columns, drop: bool = False) -> None:
        self.columns, self.drop = columns, drop
        self.first_rows: dict[str, int] = {}
        self.count = 0
        self.examples: list[DuplicateId] = []

    def mark(self, records: Iterable[Record]) -> Iterator[Record]:
        """`records` in order, the duplicates among them rejected when dropping."""
        for record in records:
            yield self.check(record)

    def check(self, record: Record) -> Record:
        """`record`, or (when dropping a duplicate) a copy carrying the reason it is rejected."""
        if record.error or record.fields is None:
            return record
        key = row_id(record.fields, self.columns)
        if key is None:
            return record
        first = self.first_rows.setdefault(key, record.row)
        if first == record.row:
            return record
        self.count += 1
        if len(self.examples) < MAX_DUPLICATE_IDS_LISTED:
            self.examples.append(DuplicateId(id=writable(key), first_row=first, row=record.row))
        if not self.drop:
            return record
        return Record(record.row, record.fields, error=(
            f"duplicate id {key!r} (column {self.columns.id!r}): row {first} has it already, and --dedupe-ids "
            "keeps only the first row of each id"))
