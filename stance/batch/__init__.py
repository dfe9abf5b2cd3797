"""Batch scoring: files of any size, locally (streaming, resumable) or on Spark.

`score_file` scores JSON Lines, CSV or Parquet rows in pairs mode (text + target [+ holder]) or
articles mode (article text → one row per statement, holder and target); `stance score` is its CLI.
"""

from stance.batch.rows import Columns
from stance.batch.score import ChunkScorer, ScoreOptions, ScoreSummary, score_file

__all__ = ["ChunkScorer", "Columns", "ScoreOptions", "ScoreSummary", "score_file"]
