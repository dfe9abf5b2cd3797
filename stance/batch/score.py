"""Score a file of any size: stream rows in chunks through the one `StanceClassifier`, commit each chunk.

`score_file` is what `stance score` runs locally; `ChunkScorer` is shared with the Spark job, so both
engines accept, reject and write the same rows.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any, Iterable, Iterator, Optional, Sequence

from pydantic import BaseModel, Field

from stance.batch.checkpoint import ChunkedOutput, check_destination, sibling
from stance.batch.csv_records import CsvMode
from stance.batch.duplicates import DuplicateId, DuplicateIds
from stance.batch.formats import Format, Record, count_rows, detect_format, read_records
from stance.batch.rows import (
    METADATA_COLUMNS, MODES, Columns, Mode, article_fields, article_rows, article_text, base_row, check_copied,
    output_schema, pair_item, pair_row, reject_row,
)
from stance.errors import InputError, StanceError
from stance.pipelining import pipelined

RESERVED = {"row", "id", "reason"}


class ScoreSummary(BaseModel):
    """The account of one run: rows read = rows scored + rows rejected."""

    input: str
    output: str
    rejects: str
    mode: str
    engine: str = "local"
    rows_read: int
    rows_scored: int
    rows_rejected: int
    output_rows: int
    seconds: float
    rows_per_second: float
    resumed_at_row: int = 0
    duplicate_ids: int = 0
    """Rows whose id an earlier row has (scored, or with --dedupe-ids rejected)."""
    duplicate_id_examples: list[DuplicateId] = Field(default_factory=list)
    """The first few of them."""
    dedupe_ids: bool = False


@dataclass
class ChunkResult:
    read: int = 0  # input rows in the chunk
    rows: list[dict[str, Any]] = field(default_factory=list)
    rejects: list[dict[str, Any]] = field(default_factory=list)
    scored: int = 0


class ChunkScorer:
    """Scores a chunk of `Record`s in `mode`: output rows, reject rows (with reasons) and the scored count."""

    def __init__(self, mode: Mode, columns: Columns, classifier=None, analyzer=None, absent_targets: bool = False):
        if mode not in MODES:
            raise InputError(f"Unknown mode {mode!r}: expected one of {list(MODES)}.")
        self.mode, self.columns, self.absent_targets = mode, columns, absent_targets
        self.analyzer = analyzer
        self.classifier = classifier or analyzer.classifier
        self.label_sets = self.classifier.spec.label_sets

    def __call__(self, records: Sequence[Record]) -> ChunkResult:
        return self.finish(self.prepare(records))

    def prepare(self, records: Sequence[Record]) -> "_Prepared":
        """Everything before the model: parse and validate rows (and, for articles, spaCy + rules)."""
        prepared = _Prepared(result=ChunkResult(read=len(records)))
        for record in records:
            base = base_row(record.row, record.fields, self.columns)
            try:
                if record.error:
                    raise InputError(record.error)
                check_copied(record.fields or {}, self.columns)
                prepared.accepted.append((base, self._parse(record.fields or {})))
            except InputError as err:
                prepared.result.rejects.append(reject_row(base, str(err)))
        if self.mode == "articles":
            self._prepare_articles(prepared)
        return prepared

    def finish(self, prepared: "_Prepared") -> ChunkResult:
        """Run the model on a prepared chunk and build its output rows."""
        result = prepared.result
        if self.mode == "pairs":
            predictions = self.classifier.predict([item for _, item in prepared.accepted])
            for (base, item), prediction in zip(prepared.accepted, predictions, strict=True):
                result.rows.append(pair_row(base, item, prediction, self.label_sets))
        else:
            analyses = self.analyzer.classify([pending for _, pending in prepared.accepted])
            for (base, _), analysis in zip(prepared.accepted, analyses, strict=True):
                result.rows.extend(article_rows(base, analysis, self.label_sets))
        result.scored += len(prepared.accepted)
        return result

    def _parse(self, fields: dict[str, Any]):
        if self.mode == "pairs":
            return pair_item(fields, self.columns, self.absent_targets)
        return article_text(fields, self.columns), article_fields(fields, self.columns)

    def _prepare_articles(self, prepared: "_Prepared") -> None:
        """Replace each accepted article text by its prepared analysis; reject the ones that fail."""
        from stance.article.analyze import article_request

        requests = [article_request(text, base["id"], (), False, **metadata)
                    for base, (text, metadata) in prepared.accepted]
        try:
            prepared.accepted = list(zip([b for b, _ in prepared.accepted], self.analyzer.prepare(requests)))
            return
        except StanceError:
            pass  # one article is bad: prepare one by one to reject only that one
        kept = []
        for (base, _), request in zip(prepared.accepted, requests):
            try:
                kept.append((base, self.analyzer.prepare([request])[0]))
            except StanceError as err:
                prepared.result.rejects.append(reject_row(base, str(err)))
        prepared.accepted = kept


@dataclass
class _Prepared:
    """A chunk between `ChunkScorer.prepare` and `ChunkScorer.finish`."""

    accepted: list[tuple[dict[str, Any], Any]] = field(default_factory=list)
    result: ChunkResult = field(default_factory=ChunkResult)


def check_columns(columns: Columns, mode: Mode = "pairs") -> None:
    reserved = RESERVED | ({name for name, _ in METADATA_COLUMNS} if mode == "articles" else set())
    clash = sorted(reserved.intersection(columns.keep))
    if clash:
        raise InputError(f"--keep {clash}: these names are output columns already"
                         + (" (articles mode writes date, source, url and title itself)" if mode == "articles" else "")
                         + ". Fix: keep other columns.")


def _columns_stamp(columns: Columns) -> dict[str, Any]:
    """The column options a --resume must match; metadata columns only when not the default, so that a run
    started before they existed can still be resumed."""
    stamp = {**asdict(columns), "keep": list(columns.keep)}
    for name, column in Columns().metadata.items():
        if stamp[name] == column:
            del stamp[name]
    return stamp


def fingerprint(input: Path, format: Format, mode: Mode, columns: Columns, model_path: Path, **options: Any) -> dict:
    """What must not change between a run and its --resume: the input file, model and options."""
    stat = input.stat()
    return {
        "input": str(input.resolve()), "input_bytes": stat.st_size, "input_mtime_ns": stat.st_mtime_ns,
        "format": format, "mode": mode, "columns": _columns_stamp(columns),
        "model": str(model_path), **options,
    }


def chunks(records: Iterable[Record], size: int) -> Iterator[list[Record]]:
    iterator = iter(records)
    while chunk := list(islice(iterator, size)):
        yield chunk


def load_scorer(model: str | Path, mode: Mode, columns: Columns, absent_targets: bool = False,
                gazetteer: Optional[Path] = None, **classifier_options: Any) -> ChunkScorer:
    """A `ChunkScorer` with the model at `model` (tag or directory) loaded."""
    if mode == "articles":
        from stance.article.analyze import ArticleAnalyzer

        return ChunkScorer(mode, columns, analyzer=ArticleAnalyzer.from_ref(model, gazetteer, **classifier_options))
    from stance.classifier import StanceClassifier

    return ChunkScorer(mode, columns, StanceClassifier.from_ref(model, **classifier_options), absent_targets=absent_targets)


@dataclass(frozen=True)
class ScoreOptions:
    """How `score_file` reads, scores and writes (the options of `stance score`, local engine)."""

    mode: Mode = "pairs"
    columns: Columns = Columns()
    format: Optional[str] = None
    """Input format (jsonl, csv, parquet); default: from the extension."""
    output_format: Optional[str] = None
    chunk_rows: Optional[int] = None
    """Rows per committed chunk; default 2048 pairs, 32 articles."""
    resume: bool = False
    overwrite: bool = False
    absent_targets: bool = False
    """Score targets named but not found in the text instead of rejecting the row."""
    progress: bool = True
    gazetteer: Optional[Path] = None
    csv_multiline: bool = False
    """CSV records may span lines (quoted fields with line breaks); default: one record per line."""
    dedupe_ids: bool = False
    """Reject rows whose id an earlier row has, instead of scoring them too."""

    @property
    def csv_mode(self) -> CsvMode:
        return "multiline" if self.csv_multiline else "lines"

    def changed(self) -> dict[str, Any]:
        """The options, beyond the defaults of older versions, that a --resume must match (only when set, so
        that a run started before they existed can still be resumed)."""
        return {name: True for name in ("csv_multiline", "dedupe_ids") if getattr(self, name)}


def score_file(input: Path, output: Path, model: str | Path = "stance:latest", options: ScoreOptions = ScoreOptions(),
               scorer: Optional[ChunkScorer] = None) -> ScoreSummary:
    """Score every row of `input` into `output` (see `stance score --help`). Returns the run's summary."""
    from stance.store import resolve_model_path

    o = options
    check_columns(o.columns, o.mode)
    in_format, out_format = detect_format(input, o.format), detect_format(output, o.output_format)
    if not input.is_file():
        raise InputError(f"Input file {input} not found. Fix: check the path.")
    check_destination(output, o.resume, o.overwrite)  # before the model loads: bad arguments fail fast
    # CSV: parsed once here, so that a file whose records cannot be counted stops before any model work.
    total = count_rows(input, in_format, o.csv_mode)
    model_path = resolve_model_path(model) if scorer is None else Path(str(model))
    chunk_rows = o.chunk_rows or (2048 if o.mode == "pairs" else 32)
    stamp = fingerprint(input, in_format, o.mode, o.columns, model_path, chunk_rows=chunk_rows,
                        absent_targets=o.absent_targets, **o.changed())
    scorer = scorer or load_scorer(model_path, o.mode, o.columns, o.absent_targets, o.gazetteer)
    schema = output_schema(o.mode, scorer.label_sets, o.columns)
    out = ChunkedOutput(output, out_format, schema, stamp, o.resume, o.overwrite)
    started, first_row = time.perf_counter(), out.progress.rows_done
    bar = _progress_bar(total, first_row, enabled=o.progress)
    duplicates = DuplicateIds(o.columns, drop=o.dedupe_ids)
    records = duplicates.mark(read_records(input, in_format, csv_mode=o.csv_mode))
    for _ in islice(records, first_row):
        pass  # rows committed before a --resume: read again only for their ids
    # The next chunk is parsed (articles: spaCy + rules) while the model runs on this one.
    for result in pipelined(chunks(records, chunk_rows), scorer.prepare, scorer.finish):
        out.commit(result.read, result.rows, result.rejects, result.scored)
        bar.update(result.read)
    bar.close()
    done = out.progress
    _check_all_read(done.rows_done, total if in_format == "csv" else None, input)
    output, rejects = out.finish()
    seconds = time.perf_counter() - started
    summary = ScoreSummary(
        input=str(input), output=str(output), rejects=str(rejects), mode=o.mode, rows_read=done.rows_done,
        rows_scored=done.scored, rows_rejected=done.rejected, output_rows=done.output_rows,
        seconds=round(seconds, 3), rows_per_second=round((done.rows_done - first_row) / max(seconds, 1e-9), 1),
        resumed_at_row=first_row, duplicate_ids=duplicates.count, duplicate_id_examples=duplicates.examples,
        dedupe_ids=o.dedupe_ids,
    )
    sibling(output, "summary.json").write_text(summary.model_dump_json(indent=2) + "\n")
    return summary


def _check_all_read(rows_read: int, records: Optional[int], input: Path) -> None:
    """Raise InputError (leaving the run unfinished) when the rows read are not the records counted first."""
    if records is not None and rows_read != records:
        raise InputError(
            f"{input}: {rows_read:,} rows were read but the file holds {records:,} records, so some were lost or "
            "split. Fix: report this with the file; --csv-multiline or its absence may read it as intended."
        )


def _progress_bar(total: Optional[int], initial: int, enabled: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=initial, unit=" rows", dynamic_ncols=True, smoothing=0.05, disable=not enabled,
                desc="scoring")
