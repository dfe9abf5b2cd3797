"""A file uploaded to the page's corpus view: articles to analyse, or a batch run's output to open.

The file is read by the batch readers (JSONL, CSV; Parquet sent base64-encoded) and its first readable
record says what it is (`stance.batch.outputs.record_kind`):

- articles (a `text` column): the page analyses them in one /analyze_batch call, so it takes what that
  call takes (`stance.limits`: MAX_ARTICLES articles, MAX_REQUEST_CHARS characters in all). A larger
  corpus is refused with the `stance score --mode articles` command that analyses it offline;
- the output of `stance analyze --format json` or of `stance score --mode articles`: read back as
  analyses (no model work), up to MAX_OPENED_ARTICLES articles, each with a text rebuilt from its
  statements so that the article view can show the evidence in place.
"""

from __future__ import annotations

import base64
import binascii
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Optional

from stance.article.metadata import article_metadata
from stance.article.schema import ArticleAnalysis
from stance.batch.formats import Record, count_rows, detect_format, read_records
from stance.batch.outputs import analyses_from_stance_rows, analysis_record, rebuilt_text, record_kind
from stance.errors import InputError
from stance.limits import MAX_ARTICLES, MAX_OPENED_ARTICLES, MAX_REQUEST_CHARS, MAX_UPLOAD_CHARS

TEXT_COLUMN, ID_COLUMN = "text", "id"
SOURCES = {"analyses": "stance analyze output", "stance_rows": "stance score --mode articles output"}


class CorpusTooLarge(InputError):
    """The corpus exceeds what the page takes; `command` (when there is one) analyses it offline."""

    def __init__(self, message: str, command: Optional[str]) -> None:
        super().__init__(message)
        self.command = command


@dataclass
class Upload:
    """What an uploaded file holds: articles to analyse, or (an output) their analyses already."""

    kind: Literal["articles", "analyses"]
    articles: list[dict[str, str]]
    """`id` and `text` of each article (for an output: the text rebuilt from its statements), with the
    `date` (ISO 8601), `source`, `url` and `title` a file of articles gives."""
    rejects: list[dict[str, Any]] = field(default_factory=list)
    analyses: list[ArticleAnalysis] = field(default_factory=list)
    source: Optional[str] = None
    """For an output: which command wrote it."""

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"kind": self.kind, "articles": self.articles, "rejects": self.rejects}
        if self.kind == "analyses":
            body.update(source=self.source, analyses=[a.model_dump(mode="json") for a in self.analyses])
        return body


def offline_command(filename: str) -> str:
    """The command that analyses the file `filename` offline, in batches, with the served model's family."""
    name = Path(filename).name or "articles.jsonl"
    stem, suffix = Path(name).stem, Path(name).suffix
    return f"stance score {name} --mode articles -o {stem}.stances{suffix}"


def read_upload(filename: Any, content: Any = None, content_base64: Any = None) -> Upload:
    """The articles or analyses of an uploaded JSONL/CSV file (`content`, its text) or Parquet file
    (`content_base64`), with its rejected rows (`row`, `error`).

    Raises CorpusTooLarge past the page's limits, InputError when the file name or content is missing,
    its format unknown or its content neither articles nor a batch run's output."""
    if not isinstance(filename, str) or not filename:
        raise InputError("filename is missing: expected the uploaded file's name (its extension gives the format).")
    format = detect_format(Path(filename))
    data = _content(filename, format, content, content_base64)
    if len(data) > MAX_UPLOAD_CHARS:
        raise CorpusTooLarge(f"{filename} has {len(data):,} {'bytes' if format == 'parquet' else 'characters'}: the "
                             f"page opens files of at most {MAX_UPLOAD_CHARS:,}. Fix: split the file (the page opens "
                             f"up to {MAX_OPENED_ARTICLES:,} articles of a batch run's output at once); a file of "
                             f"articles can be analysed offline with `{offline_command(filename)}`.", offline_command(filename))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload.{format}"
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")
        # CSV: quoted fields may hold line breaks (a batch output's statement texts can), quotes are strict,
        # and a record whose extent is in doubt stops the upload with its lines named (never swallows rows)
        mode = "multiline" if format == "csv" else "lenient"
        expected = count_rows(path, format, mode)
        records = list(read_records(path, format, csv_mode=mode))
    if format == "csv" and expected != len(records):
        raise InputError(f"{filename}: {len(records)} records read, {expected} counted: the file's records could not "
                         "be told apart. Fix: check its quoting, or save it again as JSON Lines.")
    if not records:
        raise InputError(f"{filename} holds no rows: expected one article per line (JSONL) or row (CSV, Parquet) "
                         f"with a {TEXT_COLUMN!r} field, or the output of `stance analyze` or `stance score --mode articles`.")
    first = next((r for r in records if r.fields is not None), None)
    kind = record_kind(first.fields) if first else "articles"
    if kind == "articles":
        return _articles(filename, records)
    return _opened(filename, kind, records)


def _content(filename: str, format: str, content: Any, content_base64: Any) -> str | bytes:
    if format == "parquet":
        if not isinstance(content_base64, str):
            raise InputError(f"{filename}: a Parquet file is sent base64-encoded in content_base64, which is missing.")
        try:
            return base64.b64decode(content_base64, validate=True)
        except (binascii.Error, ValueError) as err:
            raise InputError(f"{filename}: content_base64 is not base64 ({err}).") from None
    if not isinstance(content, str):
        raise InputError("content is missing or not a string: expected the file's text.")
    return content


def _articles(filename: str, records: list[Record]) -> Upload:
    articles, rejects = [], []
    for record in records:
        if record.error:
            rejects.append({"row": record.row, "error": record.error})
            continue
        text = (record.fields or {}).get(TEXT_COLUMN)
        if not isinstance(text, str) or not text.strip():
            rejects.append({"row": record.row, "error": f"no {TEXT_COLUMN!r} field with the article's text"})
            continue
        try:  # date, source, url, title go with the article to /analyze_batch and come back in its analysis
            metadata = {k: v for k, v in article_metadata(record.fields or {}).items() if v is not None}
        except InputError as err:
            rejects.append({"row": record.row, "error": str(err)})
            continue
        given = (record.fields or {}).get(ID_COLUMN)
        articles.append({"id": str(given) if given not in (None, "") else f"row {record.row}", "text": text, **metadata})
    if len(articles) > MAX_ARTICLES:
        _too_large(filename, f"{len(articles)} articles")
    chars = sum(len(a["text"]) for a in articles)
    if chars > MAX_REQUEST_CHARS:
        _too_large(filename, f"{chars:,} characters of article text")
    return Upload("articles", articles, rejects)


def _opened(filename: str, kind: str, records: list[Record]) -> Upload:
    if kind == "stance_rows":
        analyses, rejects = analyses_from_stance_rows(records)
    else:
        analyses, rejects = [], []
        for record in records:
            try:
                if record.error:
                    raise InputError(record.error)
                analyses.append(analysis_record(record.fields or {}))
            except InputError as err:
                rejects.append({"row": record.row, "error": str(err)})
    if not analyses:
        raise InputError(f"{filename}: no row of this {SOURCES[kind]} could be read back ({len(rejects)} rejected; "
                         f"the first: {rejects[0]['error'] if rejects else 'none'}).")
    if len(analyses) > MAX_OPENED_ARTICLES:
        raise CorpusTooLarge(f"{filename} holds {len(analyses):,} articles: the page opens at most "
                             f"{MAX_OPENED_ARTICLES:,} at once. Fix: open it in parts (split the file by article).", None)
    articles = [{"id": a.id or f"article {i + 1}", "text": rebuilt_text(a)} for i, a in enumerate(analyses)]
    return Upload("analyses", articles, rejects, analyses, SOURCES[kind])


def _too_large(filename: str, found: str) -> None:
    command = offline_command(filename)
    raise CorpusTooLarge(
        f"{filename} has {found}: the page analyses at most {MAX_ARTICLES} articles and {MAX_REQUEST_CHARS:,} "
        f"characters at once. Fix: analyse it offline with `{command}`, then open its output here.", command)
