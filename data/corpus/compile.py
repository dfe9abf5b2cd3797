"""Compile the dated corpus in data/corpus/source/*.txt into data/corpus/articles.jsonl.

Each source file holds one article: header lines `key: value`, one blank line, then the text, its
paragraphs separated by exactly one blank line:

    id: voa-2006-10-12-north-korea-claims-nuclear-test
    title: North Korea Claims Nuclear Test
    date: 2006-10-12
    source: Voice of America (editorial)
    url: https://editorials.voa.gov/amp/a-41-2006-10-12-voa5-83105532/1479545.html
    licence: public domain (U.S. federal government work, 17 U.S.C. § 105)
    note: date taken from the editorial's address          (optional line)

    The government of North Korea says that it has conducted a nuclear test. ...

    "Nonetheless, such a claim itself constitutes a threat to international peace and security. ..."

- Required header keys: `id`, `title`, `date`, `source`, `url`, `licence`; `document` (what kind of text, and which copy) and `note` are optional
  (null in the output when absent). No other keys, no key twice.
- `id`: lowercase `[a-z0-9]` words joined by single hyphens, unique across the corpus.
- `date`: ISO 8601 calendar date `YYYY-MM-DD`, or `YYYY-MM` when only the month is known (the
  article's `note` says how the date is known).
- `url`: an absolute http(s) address of the copy the text was read from.
- Text: non-empty, at most 12,000 characters, no line with only spaces or tabs, no run of two or
  more blank lines, no spaces at the ends of lines.

Files are read in name order (001.txt, 002.txt, ...). Each output line is one JSON object with the
keys `id, title, date, source, document, url, licence, note, text`.

Run from the repository root: `python data/corpus/compile.py` rewrites articles.jsonl;
`python data/corpus/compile.py --check` only verifies that it is up to date (exit status 1 if not).
Standard library only.
"""

from __future__ import annotations

import datetime
import json
import re
import sys
from pathlib import Path
from urllib.parse import urlparse

CORPUS_DIR = Path(__file__).resolve().parent
SOURCE_DIR = CORPUS_DIR / "source"
OUTPUT_PATH = CORPUS_DIR / "articles.jsonl"
COMMAND = "python data/corpus/compile.py"

REQUIRED_KEYS = ("id", "title", "date", "source", "url", "licence")
OPTIONAL_KEYS = ("document", "note")
OUTPUT_KEYS = ("id", "title", "date", "source", "document", "url", "licence", "note", "text")
ID_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
HEADER_LINE = re.compile(r"([a-z]+): (.*)")
MAX_TEXT_CHARS = 12_000


class SourceError(ValueError):
    """A source file does not follow the format described in this module's docstring."""


def check_date(value: str, where: str) -> None:
    """Raise SourceError unless `value` is a real calendar date `YYYY-MM-DD` or month `YYYY-MM`."""
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            datetime.date.fromisoformat(value)
        elif re.fullmatch(r"\d{4}-\d{2}", value):
            datetime.date.fromisoformat(value + "-01")
        else:
            raise ValueError(value)
    except ValueError:
        raise SourceError(f"{where}: date {value!r} is not ISO 8601 YYYY-MM-DD or YYYY-MM") from None


def check_url(value: str, where: str) -> None:
    """Raise SourceError unless `value` is an absolute http(s) URL."""
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc or " " in value:
        raise SourceError(f"{where}: url {value!r} is not an absolute http(s) address")


def check_text(text: str, where: str) -> None:
    """Raise SourceError unless the article text is non-empty, short enough and well formed."""
    if not text.strip():
        raise SourceError(f"{where}: the article text is empty")
    if len(text) > MAX_TEXT_CHARS:
        raise SourceError(f"{where}: the text has {len(text)} characters, more than {MAX_TEXT_CHARS}")
    for number, line in enumerate(text.split("\n"), 1):
        if line != line.rstrip() or (line and not line.strip()):
            raise SourceError(f"{where}: text line {number} has trailing or only whitespace")
    if "\n\n\n" in text:
        raise SourceError(f"{where}: paragraphs must be separated by exactly one blank line")


def parse_header(lines: list[str], where: str) -> dict[str, str]:
    """Parse the `key: value` header lines into a dict, checking keys and values."""
    header: dict[str, str] = {}
    for line in lines:
        match = HEADER_LINE.fullmatch(line)
        if match is None:
            raise SourceError(f"{where}: header line {line!r} is not `key: value`")
        key, value = match.group(1), match.group(2).strip()
        if key not in REQUIRED_KEYS + OPTIONAL_KEYS:
            raise SourceError(f"{where}: unknown header key {key!r}")
        if key in header:
            raise SourceError(f"{where}: header key {key!r} appears twice")
        if not value:
            raise SourceError(f"{where}: header key {key!r} has an empty value")
        header[key] = value
    missing = [key for key in REQUIRED_KEYS if key not in header]
    if missing:
        raise SourceError(f"{where}: missing header key(s): {', '.join(missing)}")
    return header


def parse_source(path: Path) -> dict[str, str | None]:
    """Parse one source file into an article record with the keys OUTPUT_KEYS."""
    where = str(path)
    raw = path.read_text(encoding="utf-8")
    if "\r" in raw:
        raise SourceError(f"{where}: use Unix line endings")
    head, separator, body = raw.partition("\n\n")
    if not separator:
        raise SourceError(f"{where}: no blank line between the header and the text")
    header = parse_header(head.split("\n"), where)
    if not ID_PATTERN.fullmatch(header["id"]):
        raise SourceError(f"{where}: id {header['id']!r} must be lowercase [a-z0-9] words joined by hyphens")
    check_date(header["date"], where)
    check_url(header["url"], where)
    text = body.rstrip("\n")
    if text.startswith("\n"):
        raise SourceError(f"{where}: exactly one blank line must separate the header and the text")
    check_text(text, where)
    record: dict[str, str | None] = {key: header.get(key) for key in OUTPUT_KEYS if key != "text"}
    record["text"] = text
    return record


def compile_sources(source_dir: Path = SOURCE_DIR) -> list[dict[str, str | None]]:
    """Parse every source file (sorted by name) and return the article records; ids must be unique."""
    paths = sorted(source_dir.glob("*.txt"))
    if not paths:
        raise SourceError(f"{source_dir}: no source files (*.txt)")
    articles: list[dict[str, str | None]] = []
    seen: dict[str, Path] = {}
    for path in paths:
        article = parse_source(path)
        article_id = str(article["id"])
        if article_id in seen:
            raise SourceError(f"{path}: id {article_id!r} is already used by {seen[article_id]}")
        seen[article_id] = path
        articles.append(article)
    return articles


def render_jsonl(articles: list[dict[str, str | None]]) -> str:
    """Serialise article records as JSON Lines, one article per line."""
    return "".join(json.dumps(article, ensure_ascii=False) + "\n" for article in articles)


def check_current(path: Path, rendered: str) -> int:
    """0 when `path` holds `rendered`, else 1 with a message naming the command that rewrites it."""
    current = path.read_text(encoding="utf-8") if path.exists() else ""
    if current != rendered:
        print(f"{path} is out of date: run `{COMMAND}`", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str]) -> int:
    try:
        rendered = render_jsonl(compile_sources())
    except SourceError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if "--check" in argv:
        return check_current(OUTPUT_PATH, rendered)
    OUTPUT_PATH.write_text(rendered, encoding="utf-8")
    print(f"wrote {OUTPUT_PATH} ({rendered.count(chr(10))} articles)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
