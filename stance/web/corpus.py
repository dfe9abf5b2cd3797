"""A corpus uploaded to the page: JSONL or CSV rows of articles, read by the batch readers.

The page analyses a corpus in one /analyze_batch call, so it takes what that call takes (`stance.limits`:
MAX_ARTICLES articles, MAX_REQUEST_CHARS characters in all). A larger corpus is refused with the
`stance score --mode articles` command that analyses it offline.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from stance.batch.formats import detect_format, read_records
from stance.errors import InputError
from stance.limits import MAX_ARTICLES, MAX_REQUEST_CHARS

TEXT_COLUMN, ID_COLUMN = "text", "id"


class CorpusTooLarge(InputError):
    """The corpus exceeds one /analyze_batch request; `command` analyses it offline."""

    def __init__(self, message: str, command: str) -> None:
        super().__init__(message)
        self.command = command


def offline_command(filename: str) -> str:
    """The command that analyses the file `filename` offline, in batches, with the served model's family."""
    name = Path(filename).name or "articles.jsonl"
    stem, suffix = Path(name).stem, Path(name).suffix
    return f"stance score {name} --mode articles -o {stem}.stances{suffix}"


def read_corpus(filename: Any, content: Any) -> tuple[list[dict[str, str]], list[dict[str, Any]]]:
    """The articles (`id`, `text`) of an uploaded JSONL/CSV file, and its rejected rows (`row`, `error`).

    Raises CorpusTooLarge when it holds more than one request's articles or characters, InputError when
    the file name or content is missing or its format unknown."""
    if not isinstance(filename, str) or not filename:
        raise InputError("filename is missing: expected the uploaded file's name (its extension gives the format).")
    if not isinstance(content, str):
        raise InputError("content is missing or not a string: expected the file's text.")
    suffix = Path(filename).suffix.lower()
    format = detect_format(Path(filename))
    if format not in ("jsonl", "csv"):
        raise InputError(f"{filename}: the page reads JSONL or CSV files, not {format}. Fix: use "
                         f"`{offline_command(filename)}`, or convert the file to JSONL or CSV.")
    if len(content) > 2 * MAX_REQUEST_CHARS:
        _too_large(filename, f"{len(content):,} characters")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_text(content, encoding="utf-8")
        articles, rejects = _articles(read_records(path, format))
    if not articles and not rejects:
        raise InputError(f"{filename} holds no rows: expected one article per line (JSONL) or row (CSV) "
                         f"with a {TEXT_COLUMN!r} field.")
    if len(articles) > MAX_ARTICLES:
        _too_large(filename, f"{len(articles)} articles")
    chars = sum(len(a["text"]) for a in articles)
    if chars > MAX_REQUEST_CHARS:
        _too_large(filename, f"{chars:,} characters of article text")
    return articles, rejects


def _articles(records) -> tuple[list[dict[str, str]], list[dict[str, Any]]]:
    articles, rejects = [], []
    for record in records:
        if record.error:
            rejects.append({"row": record.row, "error": record.error})
            continue
        text = record.fields.get(TEXT_COLUMN)
        if not isinstance(text, str) or not text.strip():
            rejects.append({"row": record.row, "error": f"no {TEXT_COLUMN!r} field with the article's text"})
            continue
        given = record.fields.get(ID_COLUMN)
        articles.append({"id": str(given) if given not in (None, "") else f"row {record.row}", "text": text})
    return articles, rejects


def _too_large(filename: str, found: str) -> None:
    command = offline_command(filename)
    raise CorpusTooLarge(
        f"{filename} has {found}: the page analyses at most {MAX_ARTICLES} articles and {MAX_REQUEST_CHARS:,} "
        f"characters at once. Fix: analyse it offline with `{command}`.", command)
