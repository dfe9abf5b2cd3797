"""A table of articles (JSON Lines, CSV or Parquet: text, id, date, source, url, title) read into analysis
requests, for `stance analyze` — which reads everything before it loads the model, so a bad row stops it
with the rows that are wrong and nothing is analysed. (`stance score --mode articles` reads the same
columns row by row and rejects only the bad rows.)"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from stance.article.analyze import article_request
from stance.article.schema import AnalyzeRequest
from stance.batch.formats import EXTENSIONS, Format, detect_format, read_records
from stance.batch.rows import Columns, article_fields, article_text, check_copied, row_id
from stance.errors import InputError

TABLE_SUFFIXES: frozenset[str] = frozenset(suffix for suffix in EXTENSIONS if suffix != ".json")
"""Files `stance analyze` reads as tables of articles; any other file is one article in plain text."""
SHOWN_ERRORS = 5


def is_article_table(path: Path) -> bool:
    return path.suffix.lower() in TABLE_SUFFIXES


def read_article_table(path: Path, columns: Columns = Columns(), format: Optional[Format] = None,
                       csv_multiline: bool = False) -> list[AnalyzeRequest]:
    """One request per row of `path`, with the row's id (default `<file name>:<row>`) and metadata.
    InputError listing the first rows that cannot be analysed (missing text, a date that is not a date, ...)."""
    if not path.is_file():
        raise InputError(f"Cannot read {path}: no such file. Fix: check the path.")
    requests: list[AnalyzeRequest] = []
    problems: list[str] = []
    count = 0
    for record in read_records(path, detect_format(path, format), csv_mode="multiline" if csv_multiline else "lines"):
        count += 1
        try:
            if record.error:
                raise InputError(record.error)
            fields = record.fields or {}
            check_copied(fields, columns)
            requests.append(article_request(article_text(fields, columns),
                                            row_id(fields, columns) or f"{path.name}:{record.row}", (), False,
                                            **article_fields(fields, columns)))
        except InputError as err:
            problems.append(f"row {record.row}: {err}")
    if problems:
        shown = "\n  ".join(problems[:SHOWN_ERRORS])
        more = f"\n  ... and {len(problems) - SHOWN_ERRORS:,} more" if len(problems) > SHOWN_ERRORS else ""
        raise InputError(f"{path}: {len(problems):,} of {count:,} rows cannot be analysed, so nothing was:\n  "
                         f"{shown}{more}\nFix: correct those rows, or use `stance score --mode articles`, "
                         "which sets bad rows aside in a rejects file and analyses the rest.")
    if not requests:
        raise InputError(f"{path} has no rows: expected one article per row with a {columns.text!r} column.")
    return requests
