"""An article's metadata (id, date, source, url, title): the date parsed leniently into ISO 8601.

Dates come as feeds and scrapers write them: `2024-03-21`, `2024-03-21T14:05:00Z`, `21 March 2024`,
`March 21, 2024`, `Thu, 21 Mar 2024 14:05:00 GMT` (RSS), `2024/03/21`, `20240321`, or only a month
(`2024-03`, `March 2024`) or a year. They become ISO 8601 at the precision given: `2024-03-21`,
`2024-03-21T14:05:00+00:00` when a time is given (kept in its own offset; no offset stays naive),
`2024-03` or `2024`. Ambiguous numeric dates (`03/04/2024`) are read month first, as U.S. feeds write
them, unless the first number is over 12. Anything else is an InputError that quotes the value.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any, Optional

from stance.errors import InputError

METADATA_FIELDS: tuple[str, ...] = ("date", "source", "url", "title")
MAX_METADATA_CHARS = 2_000
_YEAR = re.compile(r"^(\d{4})$")
_YEAR_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_ISO_DAY = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
# Two defaults that differ in every field: a field that comes out different was not in the text.
_DEFAULTS = (dt.datetime(1, 1, 1, 0, 0, 0), dt.datetime(2, 2, 2, 1, 1, 1))
FIX = ("Fix: write the date as ISO 8601 (2024-03-21, 2024-03-21T14:05:00Z, 2024-03 or 2024), "
       "or leave the cell empty when the date is unknown.")


def normalize_date(value: Any, where: str = "date") -> Optional[str]:
    """`value` as an ISO 8601 date (or datetime) string; None for None or a blank string.
    InputError naming `where` and the value when it is not a date."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if not isinstance(value, str):
        raise InputError(f"{where}: expected a date as text, found {type(value).__name__} {value!r}. {FIX}")
    text = value.strip()
    if not text:
        return None
    try:
        return _parse(text)
    except (ValueError, OverflowError):
        raise InputError(f"{where}: {_quote(text)} is not a date I can read. {FIX}") from None


def _parse(text: str) -> str:
    if match := _YEAR.match(text):
        return f"{_year(int(match[1])):04d}"
    if match := _YEAR_MONTH.match(text):
        return dt.date(_year(int(match[1])), int(match[2]), 1).isoformat()[:7]
    if match := _COMPACT.match(text) or _ISO_DAY.match(text):
        return dt.date(_year(int(match[1])), int(match[2]), int(match[3])).isoformat()
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).isoformat()
    except ValueError:
        pass
    return _parse_free(text)


def _parse_free(text: str) -> str:
    from dateutil import parser  # pandas' dependency; only free-form dates need it

    first, second = (parser.parse(text, default=d, dayfirst=_day_first(text)) for d in _DEFAULTS)
    given = {name: getattr(first, name) == getattr(second, name) for name in ("year", "month", "day", "hour")}
    if not given["year"]:
        raise ValueError("no year")
    _year(first.year)
    if given["hour"]:
        return first.isoformat()
    if given["day"] and given["month"]:
        return first.date().isoformat()
    if given["month"] and not given["day"]:
        return first.date().isoformat()[:7]
    if not given["month"] and not given["day"]:
        return f"{first.year:04d}"
    raise ValueError("a day without a month")


def _day_first(text: str) -> bool:
    match = re.match(r"^(\d{1,2})[/.-](\d{1,2})[/.-]\d{2,4}$", text)
    return bool(match) and int(match[1]) > 12


def _year(year: int) -> int:
    if not 1800 <= year <= 2200:
        raise ValueError(f"year {year} out of range")
    return year


def _quote(text: str) -> str:
    return repr(text if len(text) <= 80 else text[:77] + "...")


def check_text_field(value: Any, where: str) -> Optional[str]:
    """A source/url/title cell: None when absent or blank, else the stripped text (≤ 2,000 characters)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if not isinstance(value, str):
        raise InputError(f"{where}: expected text, found {type(value).__name__} {value!r}. "
                         "Fix: quote the value, or leave the cell empty.")
    text = value.strip()
    if len(text) > MAX_METADATA_CHARS:
        raise InputError(f"{where}: {len(text):,} characters, expected at most {MAX_METADATA_CHARS:,}. "
                         "Fix: this column holds article text, not metadata? Check the column options.")
    return text or None


def article_metadata(record: dict[str, Any], columns: Optional[dict[str, str]] = None,
                     where: str = "") -> dict[str, Optional[str]]:
    """date/source/url/title of one input record, read from `columns` (field → column name; default the
    field's own name), checked and normalised. InputError names the column and `where` (a row)."""
    columns = columns or {}
    out: dict[str, Optional[str]] = {}
    for field in METADATA_FIELDS:
        column = columns.get(field, field)
        label = f"{where}column {column!r}" if where else f"column {column!r}"
        value = record.get(column)
        out[field] = normalize_date(value, label) if field == "date" else check_text_field(value, label)
    return out
