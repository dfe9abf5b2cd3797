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

from pydantic import BaseModel

from stance.batch.checkpoint import ChunkedOutput, check_destination, sibling
from stance.batch.formats import Format, Record, count_rows, detect_format, read_records
from stance.batch.rows import (
    MODES, Columns, Mode, article_rows, article_text, base_row, output_schema, pair_item, pair_row, reject_row,
)
from stance.errors import InputError, StanceError

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


@dataclass
class ChunkResult:
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
        result = ChunkResult()
        accepted: list[tuple[dict[str, Any], Any]] = []
        for record in records:
            base = base_row(record.row, record.fields, self.columns)
            try:
                if record.error:
                    raise InputError(record.error)
                accepted.append((base, self._parse(record.fields or {})))
            except InputError as err:
                result.rejects.append(reject_row(base, str(err)))
        if self.mode == "pairs":
            self._pairs(accepted, result)
        else:
            self._articles(accepted, result)
        return result

    def _parse(self, fields: dict[str, Any]):
        if self.mode == "pairs":
            return pair_item(fields, self.columns, self.absent_targets)
        return article_text(fields, self.columns)

    def _pairs(self, accepted: list[tuple[dict, Any]], result: ChunkResult) -> None:
        predictions = self.classifier.predict([item for _, item in accepted])
        for (base, item), prediction in zip(accepted, predictions, strict=True):
            result.rows.append(pair_row(base, item, prediction, self.label_sets))
        result.scored += len(accepted)

    def _articles(self, accepted: list[tuple[dict, Any]], result: ChunkResult) -> None:
        from stance.article.analyze import analyze_articles

        try:
            analyses = analyze_articles(self.analyzer, [text for _, text in accepted], [b["id"] for b, _ in accepted])
        except StanceError:
            analyses = None  # one article is bad: analyse one by one to reject only that one
        for index, (base, text) in enumerate(accepted):
            try:
                analysis = analyses[index] if analyses else analyze_articles(self.analyzer, [text], [base["id"]])[0]
            except StanceError as err:
                result.rejects.append(reject_row(base, str(err)))
                continue
            result.rows.extend(article_rows(base, analysis, self.label_sets))
            result.scored += 1


def check_columns(columns: Columns) -> None:
    clash = sorted(RESERVED.intersection(columns.keep))
    if clash:
        raise InputError(f"--keep {clash}: these names are output columns already. Fix: keep other columns.")


def fingerprint(input: Path, format: Format, mode: Mode, columns: Columns, model_path: Path, **options: Any) -> dict:
    """What must not change between a run and its --resume: the input file, model and options."""
    stat = input.stat()
    return {
        "input": str(input.resolve()), "input_bytes": stat.st_size, "input_mtime_ns": stat.st_mtime_ns,
        "format": format, "mode": mode, "columns": {**asdict(columns), "keep": list(columns.keep)},
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


def score_file(input: Path, output: Path, model: str | Path = "stance:latest", mode: Mode = "pairs",
               columns: Columns = Columns(), format: Optional[str] = None, output_format: Optional[str] = None,
               chunk_rows: Optional[int] = None, resume: bool = False, overwrite: bool = False,
               absent_targets: bool = False, progress: bool = True, scorer: Optional[ChunkScorer] = None,
               gazetteer: Optional[Path] = None) -> ScoreSummary:
    """Score every row of `input` into `output` (see `stance score --help`). Returns the run's summary."""
    from stance.store import resolve_model_path

    check_columns(columns)
    in_format, out_format = detect_format(input, format), detect_format(output, output_format)
    if not input.is_file():
        raise InputError(f"Input file {input} not found. Fix: check the path.")
    check_destination(output, resume, overwrite)  # before the model loads: bad arguments fail fast
    model_path = resolve_model_path(model) if scorer is None else Path(str(model))
    chunk_rows = chunk_rows or (2048 if mode == "pairs" else 32)
    stamp = fingerprint(input, in_format, mode, columns, model_path, chunk_rows=chunk_rows, absent_targets=absent_targets)
    scorer = scorer or load_scorer(model_path, mode, columns, absent_targets, gazetteer)
    out = ChunkedOutput(output, out_format, output_schema(mode, scorer.label_sets, columns), stamp, resume, overwrite)
    started, first_row = time.perf_counter(), out.progress.rows_done
    bar = _progress_bar(count_rows(input, in_format), first_row, enabled=progress)
    for chunk in chunks(read_records(input, in_format, skip=first_row), chunk_rows):
        result = scorer(chunk)
        out.commit(len(chunk), result.rows, result.rejects, result.scored)
        bar.update(len(chunk))
    bar.close()
    done = out.progress
    output, rejects = out.finish()
    seconds = time.perf_counter() - started
    summary = ScoreSummary(
        input=str(input), output=str(output), rejects=str(rejects), mode=mode, rows_read=done.rows_done,
        rows_scored=done.scored, rows_rejected=done.rejected, output_rows=done.output_rows,
        seconds=round(seconds, 3), rows_per_second=round((done.rows_done - first_row) / max(seconds, 1e-9), 1),
        resumed_at_row=first_row,
    )
    sibling(output, "summary.json").write_text(summary.model_dump_json(indent=2) + "\n")
    return summary


def _progress_bar(total: Optional[int], initial: int, enabled: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=initial, unit=" rows", dynamic_ncols=True, smoothing=0.05, disable=not enabled,
                desc="scoring")
