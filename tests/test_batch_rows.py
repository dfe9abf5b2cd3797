"""Batch scoring building blocks: streaming readers, row validation, chunk commits (no model needed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stance.batch.checkpoint import ChunkedOutput, work_dir
from stance.batch.formats import concatenate, count_rows, detect_format, read_records, write_chunk
from stance.batch.rows import Columns, find_mention, output_schema, pair_item
from stance.errors import InputError

LABELS = {"stance": ["against", "neutral", "favor"], "sentiment": ["negative", "neutral", "positive"]}


def test_jsonl_reader_turns_every_bad_line_into_a_numbered_record(tmp_path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_bytes(
        b'{"text": "a"}\n\n{"text": broken}\n[1, 2]\n{"text": "caf\xe9"}\n{"text": "last"}'  # no final newline
    )
    records = list(read_records(path, "jsonl"))
    assert [r.row for r in records] == [1, 2, 3, 4, 5]
    assert records[0].fields == {"text": "a"} and records[4].fields == {"text": "last"}
    assert "not valid JSON" in records[1].error
    assert "expected a JSON object" in records[2].error
    assert "not valid UTF-8: byte 0xe9" in records[3].error
    assert count_rows(path, "jsonl") == 6  # a cheap estimate for the progress bar (counts the blank line)
    assert [r.row for r in read_records(path, "jsonl", skip=3)] == [4, 5]


def test_csv_reader_rejects_wrong_field_counts_and_bad_bytes_alone(tmp_path) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(b'id,text,target\n1,"He said, ""yes"".",Iran\n2,too,many,fields\n3,caf\xe9,Iran\n4,"two\nlines",X\n')
    records = list(read_records(path, "csv"))
    assert [r.row for r in records] == [1, 2, 3, 4]
    assert records[0].fields == {"id": "1", "text": 'He said, "yes".', "target": "Iran"}
    assert "has 4 fields: expected 3" in records[1].error
    assert "not valid UTF-8" in records[2].error
    assert records[3].fields["text"] == "two\nlines"


def test_parquet_reader_skips_without_reading_skipped_batches(tmp_path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "in.parquet"
    pq.write_table(pa.table({"id": list(range(10)), "text": [f"t{i}" for i in range(10)]}), path, row_group_size=3)
    records = list(read_records(path, "parquet", skip=7, batch_rows=3))
    assert [(r.row, r.fields["id"]) for r in records] == [(8, 7), (9, 8), (10, 9)]
    assert count_rows(path, "parquet") == 10


def test_format_comes_from_the_extension_or_a_clear_error() -> None:
    assert detect_format(Path("a.PARQUET")) == "parquet" and detect_format(Path("a.ndjson")) == "jsonl"
    with pytest.raises(InputError, match="pass --format jsonl"):
        detect_format(Path("a.txt"))
    with pytest.raises(InputError, match="Unknown format 'xml'"):
        detect_format(Path("a.csv"), "xml")


@pytest.mark.parametrize(
    "fields, reason",
    [
        ({"target": "Iran"}, "missing text"),
        ({"text": "   ", "target": "Iran"}, "missing text"),
        ({"text": 5, "target": "Iran"}, "is a int, expected text"),
        ({"text": "Iran spoke."}, "missing target"),
        ({"text": "Iran spoke.", "target": "France"}, "target 'France' not found in the text"),
        ({"text": "x" * 100_001, "target": "x"}, "has 100,001 characters: the limit is 100,000"),
        ({"text": "Iran spoke.", "target": "I" * 201}, "the limit is 200"),
        ({"text": "Iran spoke.", "target_start": 0, "target_end": 99}, "outside the text"),
        ({"text": "Iran spoke.", "target_start": "a", "target_end": 4}, "is not two integers"),
    ],
)
def test_pair_rows_that_cannot_be_scored_say_why(fields, reason) -> None:
    with pytest.raises(InputError, match=reason):
        pair_item(fields, Columns())


def test_pair_rows_locate_target_and_holder_whole_words() -> None:
    item = pair_item({"text": "Iranian media: Iran thanked IRAN's ally.", "target": "iran", "holder": "Iran"}, Columns())
    assert item.target_span == (15, 19)  # exact case first ("Iran"), not inside "Iranian"
    assert item.holder_span is None  # the holder's only mention is the target mention itself
    assert find_mention("the U.S. said", "U.S.") == (4, 8)
    named = pair_item({"text": "Vote for him!", "target": "Biden"}, Columns(), absent_targets=True)
    assert named.target_span is None and named.target_name == "Biden"
    renamed = Columns(text="body", target="actor", target_start="s", target_end="e")
    assert pair_item({"body": "Iran spoke.", "s": 0, "e": 4}, renamed).target_name == "Iran"


def _rows(n: int, start: int = 0) -> list[dict]:
    base = {"id": None, "target": "Iran", "holder": None, "target_start": 0, "target_end": 4, "stance": "favor",
            "stance_against": 0.1, "stance_neutral": 0.2, "stance_favor": 0.7, "sentiment": "positive",
            "sentiment_negative": 0.1, "sentiment_neutral": 0.2, "sentiment_positive": 0.7}
    return [{**base, "row": start + i + 1, "id": f"r{start + i}"} for i in range(n)]


@pytest.mark.parametrize("format", ["jsonl", "csv", "parquet"])
def test_committed_chunks_join_into_one_output(tmp_path, format) -> None:
    schema = output_schema("pairs", LABELS, Columns())
    out = ChunkedOutput(tmp_path / f"out.{format}", format, schema, {"input": "x"})
    out.commit(3, _rows(2), [{"row": 3, "id": None, "reason": "bad"}], scored=2)
    out.commit(2, _rows(2, start=3), [], scored=2)
    output, rejects = out.finish()
    assert not work_dir(output).exists()
    ids = [r.fields["id"] for r in read_records(output, format)]
    assert ids == ["r0", "r1", "r3", "r4"]
    assert [json.loads(line)["reason"] for line in rejects.read_text().splitlines()] == ["bad"]


def test_a_run_refuses_to_clobber_and_resume_checks_the_settings(tmp_path) -> None:
    schema = output_schema("pairs", LABELS, Columns())
    output = tmp_path / "out.jsonl"
    first = ChunkedOutput(output, "jsonl", schema, {"input": "a", "chunk_rows": 10})
    first.commit(10, _rows(10), [], scored=10)
    # A crash after writing the next chunk's part but before its checkpoint: the part is stale.
    write_chunk(_rows(10, start=10), work_dir(output) / "out-000002.jsonl", "jsonl")
    with pytest.raises(InputError, match="pass --resume to continue it"):
        ChunkedOutput(output, "jsonl", schema, {"input": "a", "chunk_rows": 10})
    with pytest.raises(InputError, match=r"chunk_rows: was 10, now 20"):
        ChunkedOutput(output, "jsonl", schema, {"input": "a", "chunk_rows": 20}, resume=True)
    resumed = ChunkedOutput(output, "jsonl", schema, {"input": "a", "chunk_rows": 10}, resume=True)
    assert resumed.progress.rows_done == 10 and not (work_dir(output) / "out-000002.jsonl").exists()
    resumed.commit(5, _rows(5, start=10), [], scored=5)
    resumed.finish()
    assert [r.fields["row"] for r in read_records(output, "jsonl")] == list(range(1, 16))
    with pytest.raises(InputError, match="exists. Fix: choose another output path, or pass --overwrite"):
        ChunkedOutput(output, "jsonl", schema, {"input": "a"})


def test_concatenate_streams_csv_parts_under_one_header(tmp_path) -> None:
    schema = output_schema("pairs", LABELS, Columns(keep=("a,b",)))
    parts = []
    for index in range(2):
        parts.append(tmp_path / f"p{index}.csv")
        write_chunk([{**r, "a,b": "k"} for r in _rows(1, start=index)], parts[-1], "csv", schema)
    concatenate(parts, tmp_path / "all.csv", "csv", schema)
    records = list(read_records(tmp_path / "all.csv", "csv"))
    assert [r.fields["id"] for r in records] == ["r0", "r1"] and records[0].fields["a,b"] == "k"
