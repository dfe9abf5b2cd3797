"""Strings that cannot be written out: lone surrogates and bytes that are not UTF-8.

Readers decode CSV and (when needed) Parquet text with `surrogateescape`, so an undecodable byte
survives as one character U+DC80..U+DCFF and the row can be rejected alone; a JSON `\\ud800` escape
without its partner gives a lone surrogate too. Either one makes every later UTF-8 write (output,
rejects, the tokenizer) fail, so each is found once, where the row is read, and names its column.
"""

from __future__ import annotations

import re
from typing import Any, Optional

_SURROGATE = re.compile("[\ud800-\udfff]")


def unicode_problem(column: str, value: str, undecodable: bool = False) -> Optional[str]:
    """Why `value` (of `column`) cannot be written as UTF-8, or None when it can.

    `undecodable`: the value was decoded with `surrogateescape`, so U+DC80..U+DCFF stand for bytes."""
    match = _SURROGATE.search(value)
    if match is None:
        return None
    char, offset = match.group(), match.start()
    if undecodable and "\udc80" <= char <= "\udcff":
        return (
            f"column {column!r} is not valid UTF-8: byte 0x{ord(char) - 0xDC00:02x} at offset {offset} of the value. "
            "Fix: save the file as UTF-8 (e.g. `iconv -f cp1252 -t utf-8`), or repair the value."
        )
    return (
        f"column {column!r} has a lone surrogate {ascii(char)[1:-1]} at offset {offset}: expected text that can "
        "be written as UTF-8 (a surrogate is half of a UTF-16 pair, e.g. a JSON '\\ud83d' escape without its "
        "second half). Fix: repair or remove that character where the file is made."
    )


def row_problem(fields: dict[str, Any], undecodable: bool = False) -> Optional[str]:
    """The first column of `fields` whose text cannot be written (see `unicode_problem`), or None."""
    for column, value in fields.items():
        if isinstance(value, str):
            problem = unicode_problem(str(column), value, undecodable)
            if problem:
                return problem
    return None


def writable(value: Any) -> Any:
    """`value` with lone surrogates replaced by U+FFFD when it is text (for reject rows); else as it is."""
    return _SURROGATE.sub("\ufffd", value) if isinstance(value, str) else value
