"""`stance score --engine spark`: the same scoring as `score_file`, as a PySpark job.

The model directory is shipped to the executors with `SparkContext.addFile`, and each Python worker
loads it once (a module-level cache; Spark reuses Python workers across tasks). Rows are scored by
`mapInPandas` with the local engine's `ChunkScorer`, so both engines accept, reject and write the same
rows. Input and output are Parquet. (`bentoml.batch.run_in_spark` targets the pre-1.2 Runner API and
does not work with BentoML 1.4 services, so we do not use it.)
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Iterator, Optional

from stance.batch.checkpoint import sibling
from stance.batch.formats import Record
from stance.batch.rows import Columns, Mode, output_schema
from stance.batch.score import ChunkScorer, ScoreSummary, check_columns, load_scorer
from stance.errors import InputError

ROW = "__stance_row"
_SCORERS: dict[tuple, ChunkScorer] = {}


def _session(master: str, batch_rows: int):
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise InputError("--engine spark needs PySpark. Fix: pip install 'stance[spark]'.") from None
    # Workers run this interpreter, so they import the same stance, torch and onnxruntime.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    return (
        SparkSession.builder.master(master).appName("stance-score")
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", str(batch_rows))
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )


def _numbered(frame):
    """`frame` with ROW = 1-based row number in read order, computed in the JVM (no Python round trip)."""
    from pyspark.sql import functions as F

    mid = F.monotonically_increasing_id()
    frame = frame.withColumn(ROW, mid)
    part, index = F.shiftright(F.col(ROW), 33), F.col(ROW).bitwiseAND((1 << 33) - 1)
    counts = sorted((r["part"], r["count"]) for r in frame.groupBy(part.alias("part")).count().collect())
    offsets, total = [], 0
    for number, count in counts:
        offsets += [F.lit(number), F.lit(total)]
        total += count
    if not offsets:
        return frame, 0
    return frame.withColumn(ROW, F.create_map(*offsets)[part] + index + 1), total


def _worker_scorer(key: tuple) -> ChunkScorer:
    """This Python worker's scorer, loaded on first use from the shipped model folder."""
    if key not in _SCORERS:
        from pyspark import SparkFiles

        name, mode, columns, absent_targets, gazetteer, threads = key
        model = Path(SparkFiles.get(name))
        _SCORERS[key] = load_scorer(model, mode, columns, absent_targets, gazetteer, threads=threads)
    return _SCORERS[key]


def _score_batches(key: tuple, names: list[str], batches: Iterator[Any]) -> Iterator[Any]:
    import pandas as pd

    scorer = _worker_scorer(key)
    schema = output_schema(scorer.mode, scorer.label_sets, scorer.columns)
    for frame in batches:
        records = [Record(int(fields.pop(ROW)), fields) for fields in frame.to_dict("records")]
        result = scorer(records)
        rows = result.rows + result.rejects
        out = pd.DataFrame.from_records(rows, columns=names) if rows else pd.DataFrame(columns=names)
        yield _typed(out, schema)


def _typed(out, schema):
    """`out` with the column types Spark's Arrow writer takes for the output schema. Integers are nullable
    (reject rows have no offsets). Text columns are object columns holding str or None: pandas 3 infers a
    column with no text (`reason` in a batch without rejects) as float NaN, and that column's conversion to
    an Arrow string array gives a ChunkedArray, which PySpark 4.3's `RecordBatch.from_arrays` refuses."""
    for field in schema:
        if str(field.type) == "int64":
            out[field.name] = out[field.name].astype("Int64")
    for name in [f.name for f in schema if str(f.type) == "string"] + ["reason"]:
        column = out[name]
        out[name] = column.astype(object).where(column.notna(), None)
    return out


def _spark_schema(arrow_schema):
    from pyspark.sql.types import DoubleType, LongType, StringType, StructField, StructType

    types = {"int64": LongType(), "double": DoubleType(), "string": StringType()}
    fields = [StructField(f.name, types[str(f.type)], True) for f in arrow_schema]
    return StructType(fields + [StructField("reason", StringType(), True)])


def _is_uri(path: str) -> bool:
    return "://" in path or path.startswith(("hdfs:", "s3a:", "gs:", "abfss:"))


def _sibling(output: str, suffix: str) -> str:
    return str(sibling(Path(output), suffix)) if not _is_uri(output) else output.rsplit(".", 1)[0] + "." + suffix


def _check_paths(input: str, output: str, rejects: str, overwrite: bool) -> None:
    """Local paths are checked before Spark starts; URIs (hdfs://, s3a:// ...) are left to Spark."""
    if not _is_uri(input) and not Path(input).exists():
        raise InputError(f"Input {input} not found. Fix: check the path (a Parquet file or folder).")
    for path in (output, rejects):
        if not _is_uri(path) and Path(path).exists() and not overwrite:
            raise InputError(f"{path} exists. Fix: choose another output path, or pass --overwrite.")


def _shipped_name(model_dir: Path) -> str:
    """The name the model folder is shipped under: its own name and a digest of its resolved path, so that two
    models whose folders share a name (`.../a/model`, `.../b/model`) neither collide in one Spark session's
    files nor share a Python worker's cached scorer."""
    digest = hashlib.sha1(str(model_dir.resolve()).encode()).hexdigest()[:12]
    return f"{model_dir.name}-{digest}"


def _staged(model_dir: Path, name: str) -> Path:
    """A copy of `model_dir` named `name` in a staging folder (Spark ships a folder under its own name and does
    not follow links): hard links where the file system allows, so that staging costs no space."""
    staged = Path(tempfile.gettempdir()) / "stance-spark-models" / name
    if not staged.is_dir():
        partial = staged.with_name(f"{name}.{os.getpid()}.partial")
        shutil.rmtree(partial, ignore_errors=True)
        shutil.copytree(model_dir.resolve(), partial, copy_function=_link_or_copy)
        try:
            partial.rename(staged)
        except OSError:  # staged meanwhile by another run of the same model
            shutil.rmtree(partial, ignore_errors=True)
    return staged


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def score_spark(input: str | Path, output: str | Path, model: str | Path = "stance:latest", mode: Mode = "pairs",
                columns: Columns = Columns(), master: str = "local[*]", absent_targets: bool = False,
                overwrite: bool = False, gazetteer: Optional[Path] = None, batch_rows: int = 2048,
                spark=None) -> ScoreSummary:
    """Score the Parquet file or folder `input` into the Parquet folder `output` on Spark (`master`).

    Paths may be local or URIs Spark can read (hdfs://, s3a:// ...). Rejects go to `<output name>.rejects/`
    (JSON Lines parts); the summary to `<output name>.summary.json` when the output is local.
    """
    from pyspark.sql import functions as F

    from stance.store import resolve_model_path

    check_columns(columns, mode)
    input, output = str(input), str(output)
    rejects = _sibling(output, "rejects")
    _check_paths(input, output, rejects, overwrite)
    model_dir = resolve_model_path(model)
    arrow_schema = output_schema(mode, model_label_sets(model_dir), columns)
    session = spark or _session(master, batch_rows)
    started = time.perf_counter()
    shipped = _shipped_name(model_dir)
    session.sparkContext.addFile(str(_staged(model_dir, shipped)), recursive=True)
    threads = int(session.conf.get("spark.task.cpus", "1"))
    key = (shipped, mode, columns, absent_targets, gazetteer, threads)
    frame, rows_read = _numbered(session.read.parquet(input))
    cores = session.sparkContext.defaultParallelism
    if frame.rdd.getNumPartitions() < cores:  # a small file is one partition: use every core anyway
        frame = frame.repartition(cores)
    names = [f.name for f in arrow_schema] + ["reason"]
    scored = frame.mapInPandas(lambda batches: _score_batches(key, names, batches), _spark_schema(arrow_schema))
    scored = scored.persist()
    write_mode = "overwrite" if overwrite else "errorifexists"
    is_reject = F.col("reason").isNotNull()
    order = ["row"] if mode == "pairs" else ["row", "statement", "holder", "target"]  # input order in the files
    scored.filter(~is_reject).drop("reason").orderBy(*order).write.mode(write_mode).parquet(output)
    scored.filter(is_reject).select("row", "id", *columns.keep, "reason").orderBy("row").write.mode(write_mode).json(
        rejects
    )
    rejected, output_rows = scored.filter(is_reject).count(), scored.filter(~is_reject).count()
    scored.unpersist()
    seconds = time.perf_counter() - started
    summary = ScoreSummary(
        input=input, output=output, rejects=rejects, mode=mode, engine=f"spark {master}",
        rows_read=rows_read, rows_scored=rows_read - rejected, rows_rejected=rejected, output_rows=output_rows,
        seconds=round(seconds, 3), rows_per_second=round(rows_read / max(seconds, 1e-9), 1),
    )
    if not _is_uri(output):
        Path(_sibling(output, "summary.json")).write_text(summary.model_dump_json(indent=2) + "\n")
    return summary


def model_label_sets(model_dir: Path) -> dict[str, list[str]]:
    """The label sets of the model in `model_dir` (read from its spec, without loading weights)."""
    from stance.modeling import load_tokenizer_and_spec

    return load_tokenizer_and_spec(model_dir)[1].label_sets
