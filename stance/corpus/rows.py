"""Analyses in, one flat stance row per (statement, holder, target) out: what `stance corpus` aggregates.

Three inputs hold a corpus's stances, told apart by their first record (`stance.batch.outputs.record_kind`):
`stance analyze --format json` (one `ArticleAnalysis` a line), and `stance score --mode articles` output
as JSON Lines, CSV or Parquet — a file, or the folder of Parquet parts the Spark engine writes. Every
input becomes `CorpusRow`s with the same fields, so the local and the Spark aggregation read the same thing.

A statement's holder is its speaker, or for the author's own statements `author:<source>` when the article
names its source (a State Department press statement is the Department's view), else `author`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Literal, Optional, Sequence

from stance.batch.formats import Record, detect_format, read_records
from stance.batch.outputs import analysis_record, record_kind
from stance.errors import InputError
from stance.schema import AUTHOR

Period = Literal["day", "week", "month", "year"]
PERIODS: tuple[str, ...] = ("day", "week", "month", "year")
NO_DATE = "~"
"""Sorts after every ISO date: an undated copy of a statement is the last one kept."""
ROW_FIELDS: tuple[str, ...] = (
    "article", "date", "source", "url", "title", "statement", "statement_text", "holder", "holder_name",
    "target", "target_name", "stance", "score", "key",
)


@dataclass(frozen=True)
class CorpusRow:
    """One stance of one statement, with what aggregation and the report need."""

    article: str
    date: Optional[str]
    source: Optional[str]
    url: Optional[str]
    title: Optional[str]
    statement: int
    statement_text: str
    holder: str
    holder_name: str
    target: str
    target_name: str
    stance: str
    score: float
    """P(favor) − P(against) of this statement toward the target."""
    key: str
    """The statement's duplicate key: a hash of its normalised text, holder and target."""

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in ROW_FIELDS}


def normalised(text: str) -> str:
    """The text wire copies of one sentence share: NFKC, case-folded, punctuation and spacing dropped."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(re.sub(r"[\W_]+", " ", text).split())


def duplicate_key(text: str, holder: str, target: str) -> str:
    digest = hashlib.blake2b(f"{normalised(text)}\x1f{holder}\x1f{target}".encode(), digest_size=12)
    return digest.hexdigest()


def period_of(date: Optional[str], period: Period) -> Optional[str]:
    """The period an ISO 8601 date falls in (day 2024-03-21, ISO week 2024-W12, month 2024-03, year 2024);
    None when the date is absent or less precise than the period (a month-only date has no week)."""
    if not date:
        return None
    if period == "year":
        return date[:4]
    if period == "month":
        return date[:7] if len(date) >= 7 else None
    if len(date) < 10:
        return None
    if period == "day":
        return date[:10]
    year, week, _ = dt.date.fromisoformat(date[:10]).isocalendar()
    return f"{year:04d}-W{week:02d}"


def holder_of(holder: Optional[str], holder_name: Optional[str], source: Optional[str]) -> tuple[str, str]:
    """Holder id and name; the author's own statements are held by `author:<source>` where there is one."""
    if holder and holder != AUTHOR:
        return holder, holder_name or holder
    return (f"{AUTHOR}:{source}", f"{source} (author)") if source else (AUTHOR, "author")


def corpus_rows(paths: Sequence[Path]) -> Iterator[CorpusRow]:
    """Every stance of every input, in input order. InputError for a file that holds neither analyses nor
    stance rows, or for a row that cannot be read (naming the file and row)."""
    for path in paths:
        yield from _file_rows(path)


def _records(path: Path) -> Iterator[Record]:
    if path.is_dir():  # the Parquet folder of a Spark run
        import pyarrow.dataset as ds

        number = 0
        for batch in ds.dataset(path, format="parquet").to_batches():
            for fields in batch.to_pylist():
                number += 1
                yield Record(number, fields)
        return
    if not path.is_file():
        raise InputError(f"Cannot read {path}: no such file or folder. Fix: check the path.")
    yield from read_records(path, detect_format(path))


def _file_rows(path: Path) -> Iterator[CorpusRow]:
    kind = None
    for record in _records(path):
        if record.error or record.fields is None:
            raise InputError(f"{path} row {record.row}: {record.error}. Fix: the file is not a batch output as "
                             "written; run the analysis again or remove the row.")
        kind = kind or record_kind(record.fields)
        if kind == "analyses":
            yield from _analysis_rows(analysis_record(record.fields), f"{path.name}:{record.row}")
        elif kind == "stance_rows":
            yield stance_row(record.fields, path, record.row)
        else:
            raise InputError(f"{path} holds articles to analyse, not analyses: expected the output of `stance "
                             "analyze --format json` or `stance score --mode articles`. Fix: run `stance score "
                             f"{path.name} --mode articles -o {path.stem}.stances.parquet` first and aggregate that.")


def _analysis_rows(analysis, fallback_id: str) -> Iterator[CorpusRow]:
    names = {actor.id: actor.name for actor in analysis.actors}
    statements = {s.index: s for s in analysis.statements}
    article = analysis.id or fallback_id
    for stance in analysis.stances:
        holder, holder_name = holder_of(stance.holder, names.get(stance.holder), analysis.source)
        text = statements[stance.statement].text
        yield CorpusRow(article, analysis.date, analysis.source, analysis.url, analysis.title, stance.statement, text,
                        holder, holder_name, stance.target, names.get(stance.target, stance.target), stance.stance,
                        _score(stance.stance_probs.get("favor"), stance.stance_probs.get("against")),
                        duplicate_key(text, holder, stance.target))


def stance_row(fields: dict[str, Any], path: Path, number: int) -> CorpusRow:
    try:
        source = fields.get("source") or None
        holder, holder_name = holder_of(fields["holder"], fields.get("holder_name"), source)
        text = fields["statement_text"]
        article = fields.get("id") or f"{path.name}:row {fields['row']}"
        return CorpusRow(str(article), fields.get("date") or None, source, fields.get("url") or None,
                         fields.get("title") or None, int(fields["statement"]), text, holder, holder_name,
                         fields["target"], fields.get("target_name") or fields["target"], fields["stance"],
                         _score(fields.get("stance_favor"), fields.get("stance_against")),
                         duplicate_key(text, holder, fields["target"]))
    except (KeyError, TypeError, ValueError) as err:
        raise InputError(f"{path} row {number}: not a stance row of `stance score --mode articles` ({err!r}). "
                         "Fix: aggregate the output as written.") from None


def _score(favor: Any, against: Any) -> float:
    """P(favor) − P(against), rounded to 6 places; ValueError when the probabilities are missing (a stance
    row turns it into an InputError naming the row)."""
    if favor is None or against is None:
        raise ValueError("stance_favor / stance_against probabilities missing")
    return round(float(favor) - float(against), 6)
