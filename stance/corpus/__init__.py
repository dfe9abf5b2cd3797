"""Corpus aggregation: many articles' stances → dyad time series, whole-corpus dyads and an HTML report.

`aggregate_files` reads `stance analyze` / `stance score --mode articles` outputs and aggregates them
(local engine: `stance.corpus.aggregate`; Spark: `stance.corpus.spark`); `write_corpus` writes the tables,
the summary and the report. `stance corpus` is the CLI.
"""

from __future__ import annotations

from stance.corpus.aggregate import CorpusResult, aggregate_rows
from stance.corpus.outputs import aggregate_files, write_corpus

__all__ = ["CorpusResult", "aggregate_files", "aggregate_rows", "write_corpus"]
