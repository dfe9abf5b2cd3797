"""`stance corpus --engine spark`: the local aggregation as a Spark job over `stance score` Parquet output.

Each step is the local engine's, in Spark terms: rows are derived by the same Python function
(`stance.corpus.rows`, in `mapInPandas`), the copies of each statement sorted as SQLite sorts them (date,
article id, statement; strings compared by code point in both) and kept by the same `copies_kept`
(`applyInPandas` per duplicate key), and every
(holder, target, period) group handed to the same `group_stats` (`applyInPandas`). So counts are exact
and scores equal to the local run's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator, Optional, Sequence

from stance.corpus.aggregate import (
    ALL, DUPLICATE_WINDOW_DAYS, EVIDENCE_FIELDS, EVIDENCE_PER_SIDE, CorpusResult, named, top_dyads,
)
from stance.corpus.rows import NO_DATE, ROW_FIELDS, Period, stance_row, period_of
from stance.corpus.stats import SERIES_COLUMNS, copies_kept, display_names, group_stats
from stance.errors import InputError

_TYPES = {"string": "string", "int64": "bigint", "double": "double"}
_ROW_TYPES = {"statement": "bigint", "score": "double"}


def _row_schema() -> str:
    return ", ".join(f"{name} {_ROW_TYPES.get(name, 'string')}" for name in (*ROW_FIELDS, "sortdate", "period"))


def _series_schema() -> str:
    return ", ".join(f"{name} {_TYPES[kind]}" for name, kind in SERIES_COLUMNS if not name.endswith("_name"))


def _corpus_batches(batches: Iterator[Any], file_name: str, period: Period) -> Iterator[Any]:
    import pandas as pd

    path = Path(file_name)
    for frame in batches:
        out = []
        for fields in frame.to_dict("records"):
            fields = {k: (None if isinstance(v, float) and v != v else v) for k, v in fields.items()}
            row = stance_row(fields, path, int(fields.get("row") or 0))  # the input row it came from
            out.append({**row.as_dict(), "sortdate": row.date or NO_DATE, "period": period_of(row.date, period)})
        yield pd.DataFrame(out, columns=[*ROW_FIELDS, "sortdate", "period"])


def _kept_copies(frame: Any, window_days: Optional[int]) -> Any:
    """The copies of one statement that count (`copies_kept`), in the order SQLite sorts them."""
    order = sorted(range(len(frame)), key=lambda i: (frame["sortdate"].iat[i], frame["article"].iat[i],
                                                     int(frame["statement"].iat[i])))
    frame = frame.iloc[order].reset_index(drop=True)
    flags = copies_kept(frame["sortdate"].tolist(), window_days)
    frame = frame.assign(copies=[0 if f is None else f for f in flags])
    return frame[[f is not None for f in flags]]


def _group(frame: Any) -> Any:
    import pandas as pd

    first = frame.iloc[0]
    stats = group_stats(first["holder"], first["target"], first["period"], frame["article"].tolist(),
                        frame["stance"].tolist(), frame["score"].tolist(), frame["copies"].tolist())
    return pd.DataFrame([stats])


def aggregate_spark(paths: Sequence[str | Path], period: Period = "month", dedupe: bool = True, top: int = 12,
                    master: str = "local[*]", spark=None,
                    window_days: Optional[int] = DUPLICATE_WINDOW_DAYS) -> CorpusResult:
    """`aggregate_rows` of the stance rows in the Parquet files/folders `paths`, on Spark."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    from stance.batch.spark import _session

    session = spark
    if session is None:
        session = _session(master, 4096)
        # A corpus's groups are small: Spark's default 200 shuffle partitions would mostly run empty tasks.
        session.conf.set("spark.sql.shuffle.partitions", str(max(2, 2 * session.sparkContext.defaultParallelism)))
    frames = []
    for path in paths:
        name = Path(str(path)).name
        if not str(path).endswith((".parquet", ".pq")) and not Path(str(path)).is_dir():
            raise InputError(f"{path}: --engine spark reads the Parquet output of `stance score --mode articles`. "
                             "Fix: aggregate JSON Lines or CSV with --engine local, or score to .parquet.")
        frames.append(session.read.parquet(str(path)).mapInPandas(
            lambda batches, name=name: _corpus_batches(batches, name, period), _row_schema()))
    rows = frames[0]
    for frame in frames[1:]:
        rows = rows.unionByName(frame)
    rows = rows.persist()
    read = rows.count()
    if dedupe:
        # Most statements have one copy: only those with more go through Python (one pandas frame per key).
        counted = rows.withColumn("_n", F.count("*").over(Window.partitionBy("key")))
        single = counted.filter("_n = 1").drop("_n").withColumn("copies", F.lit(0).cast("bigint"))
        several = counted.filter("_n > 1").drop("_n").groupBy("key").applyInPandas(
            lambda frame: _kept_copies(frame, window_days), f"{_row_schema()}, copies bigint")
        kept = single.unionByName(several)
    else:
        kept = rows.withColumn("copies", F.lit(0))
    kept = kept.persist()
    pairs = [tuple(r) for r in kept.select("holder", "holder_name").union(kept.select("target", "target_name"))
             .distinct().collect()]
    names = display_names(pairs)
    series = _stats(kept.filter(F.col("period").isNotNull()), names)
    dyads = _stats(kept.withColumn("period", F.lit(ALL)), names)
    totals = kept.agg(F.count("*").alias("kept"), F.sum(F.col("period").isNull().cast("int")).alias("undated"),
                      F.countDistinct("article").alias("articles"), F.min("date").alias("first"),
                      F.max("date").alias("last")).collect()[0]
    summary = {
        "rows_read": read, "duplicates_dropped": read - totals["kept"], "dedupe": dedupe,
        "duplicate_window_days": window_days if dedupe else None,
        "statements_kept": totals["kept"], "statements_without_period": totals["undated"] or 0,
        "articles": totals["articles"], "period": period, "first_date": totals["first"], "last_date": totals["last"],
        "dyads": len(dyads), "series_rows": len(series),
    }
    evidence = {(d["holder"], d["target"]): _evidence(kept, d["holder"], d["target"]) for d in top_dyads(dyads, top)}
    kept.unpersist()
    rows.unpersist()
    return CorpusResult(series, dyads, evidence, summary)


def _stats(frame, names: dict[str, str]) -> list[dict[str, Any]]:
    groups = frame.groupBy("holder", "target", "period").applyInPandas(_group, _series_schema()).collect()
    rows = sorted((r.asDict() for r in groups), key=lambda r: (r["holder"], r["target"], r["period"]))
    return named(rows, names)


def _evidence(kept, holder: str, target: str) -> list[dict[str, Any]]:
    from pyspark.sql import functions as F

    out: list[dict[str, Any]] = []
    for stance, score in (("favor", F.col("score").desc()), ("against", F.col("score").asc())):
        picked = (kept.filter((F.col("holder") == holder) & (F.col("target") == target) & (F.col("stance") == stance))
                  .orderBy(score, "sortdate", "article", "statement").limit(EVIDENCE_PER_SIDE)
                  .select(*EVIDENCE_FIELDS).collect())
        out += [r.asDict() for r in picked]
    return out


