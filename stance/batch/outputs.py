"""A batch run's output read back as article analyses (the page's corpus view opens them).

Two outputs hold a corpus's statements and stances:

- `stance analyze --format json` (and `/analyze_batch`, and the page's JSON download): one
  `ArticleAnalysis` per line, read as it is;
- `stance score --mode articles` (JSONL, CSV or Parquet): one row per (statement, holder, target)
  stance, `article_rows`' layout. The rows of one input row (`row`) make one article again: its
  statements, stances and the target mentions they name, with the per-(holder, target) and per-target
  roll-ups recomputed by `roll_up`, so they are what `stance analyze` reports for the same article.
  What the rows do not hold stays empty or neutral: quotation spans, role descriptions, actors that no
  stance names, statements without stances, and the text between statements (`rebuilt_text` fills
  it with spaces, keeping every offset).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any, Literal, Optional

from pydantic import ValidationError

from stance.article.export import CSV_COLUMNS, CSV_METADATA
from stance.article.gazetteer import ActorGazetteer
from stance.article.rollup import roll_up
from stance.article.schema import ActorOut, ArticleAnalysis, MentionOut, StanceOut, StatementOut
from stance.batch.formats import Record
from stance.batch.rows import ARTICLE_COLUMNS, METADATA_COLUMNS
from stance.errors import InputError
from stance.schema import AUTHOR

Kind = Literal["articles", "analyses", "stance_rows"]
TASKS = ("stance", "sentiment")
ANALYSIS_KEYS = frozenset({"length", "actors", "statements", "stances", "pairs"})
# Outputs written before the metadata columns existed are stance rows too.
STANCE_ROW_KEYS = frozenset(name for name, _ in ARTICLE_COLUMNS) - {name for name, _ in METADATA_COLUMNS} | {
    "row", "stance", "sentiment"}
_INTEGERS = ("row", "statement", "statement_start", "statement_end", "target_start", "target_end")
_ID_TYPES = {"person": "person", "org": "organisation", "group": "group", "place": "place"}


def record_kind(fields: dict[str, Any]) -> Kind:
    """What one input record is: an article to analyse, an `ArticleAnalysis`, or a stance row of
    `stance score --mode articles`. InputError for the pair CSV of `stance analyze`, which has no text."""
    keys = set(fields)
    if ANALYSIS_KEYS <= keys:
        return "analyses"
    if STANCE_ROW_KEYS <= keys:
        return "stance_rows"
    if set(CSV_COLUMNS) - set(CSV_METADATA) <= keys:
        raise InputError("This is the pair table of `stance analyze --format csv`: it has no statement texts to "
                         "show as evidence. Fix: open the JSON Lines output (`stance analyze --format json`) or the "
                         "output of `stance score --mode articles`.")
    return "articles"


def analysis_record(fields: dict[str, Any]) -> ArticleAnalysis:
    """One line of `stance analyze --format json` output; InputError with the first field that is wrong."""
    try:
        return ArticleAnalysis.model_validate(fields)
    except ValidationError as err:
        first = err.errors()[0]
        place = ".".join(str(part) for part in first["loc"])
        raise InputError(f"not an article analysis: {place}: {first['msg']} (expected a line of "
                         "`stance analyze --format json` output, unchanged)") from None


def analyses_from_stance_rows(
    records: Iterable[Record], gazetteer: Optional[ActorGazetteer] = None
) -> tuple[list[ArticleAnalysis], list[dict[str, Any]]]:
    """The articles of a `stance score --mode articles` output, in the order of their input rows, and the
    records that could not be read back (`row`: the record's number in the file, `error`)."""
    known = (gazetteer or ActorGazetteer.default()).actors
    articles: dict[int, list[dict[str, Any]]] = {}
    rejects: list[dict[str, Any]] = []
    for record in records:
        if record.error:
            rejects.append({"row": record.row, "error": record.error})
            continue
        try:
            row = _stance_row(record.fields or {})
        except InputError as err:
            rejects.append({"row": record.row, "error": str(err)})
            continue
        articles.setdefault(row["row"], []).append(row)
    return [_analysis(rows, known) for rows in articles.values()], rejects


def _stance_row(fields: dict[str, Any]) -> dict[str, Any]:
    row = dict(fields)
    for name in _INTEGERS:
        row[name] = _integer(fields.get(name), name)
    for name in ("statement_text", "attribution", "holder", "target"):
        if not isinstance(fields.get(name), str) or not fields[name]:
            raise InputError(f"column {name!r} is empty or not text")
    for task in TASKS:
        probs = {key.removeprefix(f"{task}_"): _probability(value, key)
                 for key, value in fields.items() if key.startswith(f"{task}_")}
        if not probs:
            raise InputError(f"no {task}_<label> probability columns")
        row[f"{task}_probs"] = probs
    if row["statement_end"] - row["statement_start"] != len(row["statement_text"]):
        raise InputError(f"statement_start..statement_end ({row['statement_start']}..{row['statement_end']}) does not "
                         f"span statement_text ({len(row['statement_text'])} characters)")
    return row


def _integer(value: Any, name: str) -> int:
    if isinstance(value, bool) or value is None or value == "":
        raise InputError(f"column {name!r} is empty")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InputError(f"column {name!r} is {value!r}, expected an integer") from None
    if not number.is_integer():
        raise InputError(f"column {name!r} is {value!r}, expected an integer")
    return int(number)


def _probability(value: Any, name: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InputError(f"column {name!r} is {value!r}, expected a probability") from None
    if not (math.isfinite(number) and 0.0 <= number <= 1.0):
        raise InputError(f"column {name!r} is {value!r}, expected a probability in [0, 1]")
    return number


def _analysis(rows: list[dict[str, Any]], known: dict) -> ArticleAnalysis:
    statements: dict[int, StatementOut] = {}
    stances: list[StanceOut] = []
    names: dict[str, str] = {}
    mentions: dict[tuple[int, int, str], MentionOut] = {}
    for row in rows:
        index, holder = row["statement"], row["holder"]
        statements.setdefault(index, StatementOut(
            index=index, start=row["statement_start"], end=row["statement_end"], text=row["statement_text"],
            quoted=False, quotes=[], speaker=None if holder == AUTHOR else holder, attribution=row["attribution"]))
        stances.append(StanceOut(
            statement=index, holder=holder, target=row["target"], target_start=row["target_start"],
            target_end=row["target_end"], stance=row["stance"], stance_probs=row["stance_probs"],
            sentiment=row["sentiment"], sentiment_probs=row["sentiment_probs"]))
        if holder != AUTHOR:
            names.setdefault(holder, _text(row, "holder_name") or holder)
        names.setdefault(row["target"], _text(row, "target_name") or row["target"])
        offset = row["target_start"] - row["statement_start"]
        surface = row["statement_text"][offset:row["target_end"] - row["statement_start"]] if offset >= 0 else ""
        mentions.setdefault((row["target_start"], row["target_end"], row["target"]), MentionOut(
            start=row["target_start"], end=row["target_end"], text=surface, actor=row["target"], kind="target"))
    counts = {actor: sum(1 for m in mentions.values() if m.actor == actor) for actor in names}
    actors = [_actor(actor, name, counts[actor], known) for actor, name in names.items()]
    ordered = sorted(statements.values(), key=lambda s: s.index)
    pairs, targets = roll_up(stances, statements)
    first = rows[0]
    return ArticleAnalysis(
        id=_text(first, "id") or f"row {first['row']}", date=_text(first, "date"), source=_text(first, "source"),
        url=_text(first, "url"), title=_text(first, "title"), length=max(s.end for s in ordered), warnings=[],
        actors=actors, mentions=sorted(mentions.values(), key=lambda m: (m.start, m.end)), statements=ordered,
        stances=stances, pairs=pairs, targets=targets)


def _text(row: dict[str, Any], name: str) -> Optional[str]:
    value = row.get(name)
    return value if isinstance(value, str) and value else None


def _actor(actor: str, name: str, mentions: int, known: dict) -> ActorOut:
    entry = known.get(actor)
    if entry is not None:
        return ActorOut(id=actor, name=name, type=entry.type, source="gazetteer", mentions=mentions)
    prefix = actor.split(":", 1)[0] if ":" in actor else ""
    return ActorOut(id=actor, name=name, type=_ID_TYPES.get(prefix, "unknown"),
                    source="ner" if prefix in _ID_TYPES else "user", mentions=mentions)


def rebuilt_text(analysis: ArticleAnalysis) -> str:
    """A text of the analysis's length with each statement at its offsets and spaces elsewhere, so that
    mention and statement offsets point where they did in the article."""
    chars = [" "] * max([analysis.length, *(s.end for s in analysis.statements)])
    for s in analysis.statements:
        chars[s.start:s.end] = s.text[:s.end - s.start].ljust(s.end - s.start)  # the slice keeps its length
    return "".join(chars)
