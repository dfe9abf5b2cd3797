"""Where a CSV record starts and ends: one per line (`stance score`'s default), or spanning lines.

A CSV field that opens with a quote runs to the next quote, across line breaks. One unmatched quote
therefore swallows every line up to the next quote into one field, and the file's records can no
longer be counted. `stance score` reads one record per line unless `--csv-multiline` is given, and
before any model work checks that no line leaves a quote open (`count_csv_records`); with
`--csv-multiline` a malformed record that spans lines stops the run, because the records inside it
cannot be counted. The page (`stance.web`) keeps Python's lenient reading of its own outputs.
"""

from __future__ import annotations

import csv
from typing import Iterator, Literal, NamedTuple, Optional, TextIO

from stance.errors import InputError
from stance.limits import MAX_CSV_BAD_LINES_LISTED, MAX_LINE_BYTES

CsvMode = Literal["lenient", "lines", "multiline"]
"""lenient: records may span lines, quotes read as Python's csv does (the page);
lines: one record per physical line, a quote left open on its line is an error (`stance score`);
multiline: records may span lines, quotes strict, and a malformed record that spans lines stops the run."""
_NEWLINES = ("\n", "\r")
MULTILINE_FIX = "pass --csv-multiline if quoted fields hold line breaks"


class Parsed(NamedTuple):
    """One CSV record: its first and last physical line, its values or why it could not be parsed."""

    first: int
    last: int
    values: Optional[list[str]]
    error: Optional[str] = None
    open_quote: bool = False
    """The record is one line that leaves a quote open (mode "lines")."""

    def where(self) -> str:
        return f"line {self.first}" if self.first == self.last else f"lines {self.first}-{self.last}"


def parse_csv(handle: TextIO, mode: CsvMode) -> Iterator[Parsed]:
    """Every record of `handle` (the header first) in `mode`; blank lines are skipped except in lenient mode."""
    csv.field_size_limit(MAX_LINE_BYTES)
    if mode == "lines":
        return _lines(handle)
    return _multiline(handle, strict=mode == "multiline")


def _lines(handle: TextIO) -> Iterator[Parsed]:
    for number, line in enumerate(handle, 1):
        if line.strip("\r\n"):
            yield _line(number, line)


def _line(number: int, line: str) -> Parsed:
    # A final line without a line break gets one, so that a quote left open shows as a break inside the field.
    text = line if line.endswith(_NEWLINES) else line + "\n"
    try:
        values = next(csv.reader((text,)))
    except csv.Error as err:
        return Parsed(number, number, None, f"not valid CSV: {err}")
    if values and values[-1].endswith(_NEWLINES):  # only an open quote puts the line break inside a field
        offset, field = open_quote(line)
        return Parsed(number, number, None, (
            f"the quote at offset {offset} opens field {field} and is not closed on this line: a quote is missing, "
            f"or the field holds a line break. Fix: close the quote (a quote inside a quoted field is written "
            f"twice: \"\"), or {MULTILINE_FIX}"), open_quote=True)
    return Parsed(number, number, values)


def open_quote(line: str) -> tuple[int, int]:
    """The offset of the quote left open at the end of `line` and the 1-based number of the field it opens."""
    field, in_quotes, at_start, opened, index = 1, False, True, -1, 0
    while index < len(line):
        char = line[index]
        if in_quotes and char == '"':
            if line[index + 1:index + 2] == '"':
                index += 2  # an escaped quote inside the field
                continue
            in_quotes = False
        elif not in_quotes and char == '"' and at_start:
            in_quotes, opened = True, index
        elif not in_quotes and char == ",":
            field += 1
        at_start = not in_quotes and char == ","
        index += 1
    return opened, field


def _multiline(handle: TextIO, strict: bool) -> Iterator[Parsed]:
    reader = csv.reader(handle, strict=strict)
    while True:
        first = reader.line_num + 1
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as err:
            yield Parsed(first, max(first, reader.line_num), None, f"not valid CSV: {err}")
            continue
        if values or not strict:  # lenient mode keeps its old habit of reporting blank lines as rows
            yield Parsed(first, reader.line_num, values)


def check_spanning(parsed: Parsed, problem: str, mode: CsvMode) -> None:
    """In multiline mode, raise InputError when a record that spans lines is malformed: its extent is unknown."""
    if mode == "multiline" and parsed.last > parsed.first:
        raise InputError(
            f"{parsed.where()}: one record runs over {parsed.last - parsed.first + 1} lines and {problem}, so a quote "
            f"opened on line {parsed.first} probably swallowed the lines after it and the records in them cannot be "
            "counted. Fix: close the quote on that line (a quote inside a quoted field is written twice: \"\")."
        )


def count_csv_records(handle: TextIO, mode: CsvMode) -> int:
    """Records after the header, parsed as `mode` reads them; InputError listing the lines whose quote is
    left open (mode "lines") or naming a malformed record that spans lines (mode "multiline")."""
    records = parse_csv(handle, mode)
    header = next(records, None)
    if header is None:
        return 0
    width = len(header.values or ())
    count, open_lines = 0, [header] if header.open_quote else []
    for parsed in records:
        if parsed.open_quote:
            open_lines.append(parsed)
        elif parsed.error:
            check_spanning(parsed, f"is {parsed.error}", mode)
        elif parsed.values is not None and len(parsed.values) != width:
            check_spanning(parsed, f"has {len(parsed.values)} fields, expected {width}", mode)
        count += 1
    if open_lines:
        shown = open_lines[:MAX_CSV_BAD_LINES_LISTED]
        more = len(open_lines) - len(shown)
        raise InputError(
            f"{len(open_lines):,} line(s) leave a quote open, so where their records end is in doubt: line "
            f"{', '.join(str(p.first) for p in shown)}{f' and {more:,} more' if more else ''}. Line "
            f"{open_lines[0].first}: {open_lines[0].error}."
        )
    return count
