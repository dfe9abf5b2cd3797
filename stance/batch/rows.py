"""Input rows → classifier items, and predictions → output rows (pairs mode and articles mode).

The same functions serve local scoring and the Spark job, so both engines accept, reject and write
exactly the same rows.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Literal, Optional, Sequence

from pydantic import ValidationError

from stance.article.metadata import article_metadata
from stance.batch.unicode import unicode_problem, writable
from stance.classifier import Prediction
from stance.errors import InputError
from stance.limits import MAX_ARTICLE_CHARS, MAX_NAME_CHARS, MAX_PAIR_TEXT_CHARS
from stance.schema import Item, Span

Mode = Literal["pairs", "articles"]
MODES: tuple[str, ...] = ("pairs", "articles")


@dataclass(frozen=True)
class Columns:
    """Input column names. Optional columns are used when a row has them."""

    text: str = "text"
    target: str = "target"
    holder: str = "holder"
    target_start: str = "target_start"
    target_end: str = "target_end"
    id: str = "id"
    keep: tuple[str, ...] = ()
    """Further input columns copied to every output row."""
    date: str = "date"
    source: str = "source"
    url: str = "url"
    title: str = "title"
    """Article metadata (articles mode): read when a row has them, written to every output row as
    `date` (ISO 8601), `source`, `url`, `title`."""

    @property
    def metadata(self) -> dict[str, str]:
        """Metadata field → input column."""
        return {"date": self.date, "source": self.source, "url": self.url, "title": self.title}


def find_mention(text: str, name: str) -> Optional[Span]:
    """The first whole-word occurrence of `name` in `text` (exact case first, then any case), or None."""
    pattern = r"(?<!\w)" + re.escape(name) + r"(?!\w)"
    match = re.search(pattern, text) or re.search(pattern, text, re.IGNORECASE)
    return match.span() if match else None


def _value(fields: dict[str, Any], column: str) -> Any:
    value = fields.get(column)
    if value is None or (isinstance(value, float) and value != value):  # None, or a pandas NaN
        return None
    return value


def _present(fields: dict[str, Any], column: str) -> Any:
    """The cell's value, or None when it is absent, null, NaN or blank text (a CSV cannot say null)."""
    value = _value(fields, column)
    return None if isinstance(value, str) and not value.strip() else value


def _string(fields: dict[str, Any], column: str, what: str, limit: int, required: bool, missing: str = "",
            check_unicode: bool = True) -> Optional[str]:
    value = _present(fields, column)
    if value is None:
        if required:
            raise InputError(f"missing {what} (column {column!r} is empty or absent{missing})")
        return None
    if not isinstance(value, str):
        raise InputError(f"{what} (column {column!r}) is a {type(value).__name__}, expected text")
    problem = unicode_problem(column, value) if check_unicode else None
    if problem:
        raise InputError(problem)
    if len(value) > limit:
        raise InputError(f"{what} (column {column!r}) has {len(value):,} characters: the limit is {limit:,}")
    return value


def _span(fields: dict[str, Any], columns: Columns) -> Optional[Span]:
    """The target's offsets; None when both cells are empty (then the target's name is searched for)."""
    names = (columns.target_start, columns.target_end)
    start, end = (_present(fields, name) for name in names)
    if start is None and end is None:
        return None
    if start is None or end is None:
        given, empty = (names[1], names[0]) if start is None else names
        raise InputError(f"target span: {given} is {(end if start is None else start)!r} but {empty} is empty. "
                         "Fix: give both offsets, or neither (then the target's name is searched for in the text)")
    offsets = (_offset(start), _offset(end))
    if None in offsets:
        raise InputError(f"target span ({names[0]}, {names[1]}) = ({start!r}, {end!r}) is not two integers")
    return offsets  # type: ignore[return-value]


def _offset(value: Any) -> Optional[int]:
    """An integer offset from an int, an integral float (Parquet/pandas) or a decimal string (CSV), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, str) and value.isascii():
        try:
            return int(value)
        except ValueError:
            number = _float(value)  # "12.0": how pandas writes an integer column with gaps
            return int(number) if number is not None and number.is_integer() else None
    return None


def _float(value: str) -> Optional[float]:
    try:
        return float(value)
    except ValueError:
        return None


def pair_item(fields: dict[str, Any], columns: Columns, absent_targets: bool = False) -> Item:
    """The `Item` of one pairs-mode row; InputError with the reason when the row cannot be scored."""
    text = _string(fields, columns.text, "text", MAX_PAIR_TEXT_CHARS, required=True)
    span = _span(fields, columns)
    no_span = f", and no span is given in {columns.target_start}/{columns.target_end}"
    target = _string(fields, columns.target, "target", MAX_NAME_CHARS, required=span is None, missing=no_span)
    holder = _string(fields, columns.holder, "holder", MAX_NAME_CHARS, required=False)
    if span is None:
        span = find_mention(text, target)  # type: ignore[arg-type]
        if span is None and not absent_targets:
            raise InputError(
                f"target {target!r} not found in the text (whole words, any case); give its offsets in "
                f"{columns.target_start}/{columns.target_end}, or pass --absent-targets to score targets "
                "that are named but not mentioned"
            )
    holder_span = find_mention(text, holder) if holder else None
    if holder_span and span and holder_span[0] < span[1] and span[0] < holder_span[1]:
        holder_span = None  # the holder's name is inside the target mention: keep the name only
    try:
        return Item(text=text, target=target, target_span=span, holder=holder, holder_span=holder_span)
    except ValidationError as err:
        raise InputError("; ".join(e["msg"].removeprefix("Value error, ") for e in err.errors())) from None


def article_text(fields: dict[str, Any], columns: Columns) -> str:
    """The article text of one articles-mode row; InputError with the reason when it cannot be analysed."""
    # Lone surrogates in an article are replaced by article parsing (`stance.article.parsing.clean_text`).
    return _string(fields, columns.text, "text", MAX_ARTICLE_CHARS, required=True,  # type: ignore[return-value]
                   check_unicode=False)


def article_fields(fields: dict[str, Any], columns: Columns) -> dict[str, Optional[str]]:
    """The date (ISO 8601), source, url and title of one articles-mode row; InputError naming the column
    when the date is not a date."""
    return article_metadata(fields, columns.metadata)


def check_copied(fields: dict[str, Any], columns: Columns) -> None:
    """Raise InputError when the id or a --keep column holds text that cannot be written out (UTF-8)."""
    for column in (columns.id, *columns.keep):
        value = fields.get(column)
        problem = unicode_problem(column, value) if isinstance(value, str) else None
        if problem:
            raise InputError(problem)


def base_row(row: int, fields: Optional[dict[str, Any]], columns: Columns) -> dict[str, Any]:
    """The columns every output and reject row starts with: the row number, the id and kept columns
    (lone surrogates replaced, so that a row rejected for holding them can still be written)."""
    fields = fields or {}
    out: dict[str, Any] = {"row": row, "id": writable(_plain(_value(fields, columns.id)))}
    for column in columns.keep:
        out[column] = writable(_plain(_value(fields, column)))
    return out


def row_id(fields: Optional[dict[str, Any]], columns: Columns) -> Optional[str]:
    """The row's id as written out, or None when it has none (absent, null or blank)."""
    value = _plain(_present(fields or {}, columns.id))
    return value if value else None


def _plain(value: Any) -> Optional[str]:
    """Ids and kept columns as text, so every format and engine writes the same column type."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return json.dumps(value) if isinstance(value, (dict, list)) else str(value)


def label_columns(label_sets: dict[str, Sequence[str]]) -> list[str]:
    """Output columns of the predictions: `stance`, `stance_<label>` probabilities, `sentiment`, ...."""
    names: list[str] = []
    for task, labels in label_sets.items():
        names += [task] + [f"{task}_{label}" for label in labels]
    return names


def prediction_columns(prediction: Prediction, label_sets: dict[str, Sequence[str]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for task, labels in label_sets.items():
        out[task] = prediction.label(task)
        probs = prediction.probs(task)
        out.update({f"{task}_{label}": probs[label] for label in labels})
    return out


def pair_row(base: dict[str, Any], item: Item, prediction: Prediction, label_sets: dict) -> dict[str, Any]:
    span = item.target_span
    return {
        **base,
        "target": item.target_name,
        "holder": item.holder_name,
        "target_start": span[0] if span else None,
        "target_end": span[1] if span else None,
        **prediction_columns(prediction, label_sets),
    }


PAIR_COLUMNS: tuple[tuple[str, str], ...] = (
    ("target", "string"), ("holder", "string"), ("target_start", "int64"), ("target_end", "int64"),
)
METADATA_COLUMNS: tuple[tuple[str, str], ...] = (
    ("date", "string"), ("source", "string"), ("url", "string"), ("title", "string"),
)
ARTICLE_COLUMNS: tuple[tuple[str, str], ...] = METADATA_COLUMNS + (
    ("statement", "int64"), ("statement_start", "int64"), ("statement_end", "int64"), ("statement_text", "string"),
    ("attribution", "string"), ("holder", "string"), ("holder_name", "string"), ("target", "string"),
    ("target_name", "string"), ("target_start", "int64"), ("target_end", "int64"),
)


def article_rows(base: dict[str, Any], analysis, label_sets: dict) -> list[dict[str, Any]]:
    """One row per (statement, holder, target) stance of an `ArticleAnalysis`."""
    names = {actor.id: actor.name for actor in analysis.actors}
    statements = {s.index: s for s in analysis.statements}
    rows = []
    for stance in analysis.stances:
        statement = statements[stance.statement]
        prediction = Prediction(stance=stance.stance, stance_probs=stance.stance_probs,
                                sentiment=stance.sentiment, sentiment_probs=stance.sentiment_probs)
        rows.append({
            **base,
            "date": analysis.date, "source": analysis.source, "url": analysis.url, "title": analysis.title,
            "statement": statement.index, "statement_start": statement.start, "statement_end": statement.end,
            "statement_text": statement.text, "attribution": statement.attribution,
            "holder": stance.holder, "holder_name": names.get(stance.holder, stance.holder),
            "target": stance.target, "target_name": names.get(stance.target, stance.target),
            "target_start": stance.target_start, "target_end": stance.target_end,
            **prediction_columns(prediction, label_sets),
        })
    return rows


def output_schema(mode: Mode, label_sets: dict[str, Sequence[str]], columns: Columns):
    """The pyarrow schema of the output rows (fixed, so every chunk and engine writes the same)."""
    import pyarrow as pa

    types = {"string": pa.string(), "int64": pa.int64(), "double": pa.float64()}
    fields = [("row", "int64"), ("id", "string")] + [(c, "string") for c in columns.keep]
    fields += list(PAIR_COLUMNS if mode == "pairs" else ARTICLE_COLUMNS)
    for task, labels in label_sets.items():
        fields += [(task, "string")] + [(f"{task}_{label}", "double") for label in labels]
    return pa.schema([(name, types[kind]) for name, kind in fields])


def reject_row(base: dict[str, Any], reason: str) -> dict[str, Any]:
    return {**base, "reason": writable(reason)}
