"""`stance score` on inputs a careless user makes: each case, its expected status or reject and the message.

Real files, the real reader and the tiny model; a crash here is a failure, never an accepted outcome.
"""

from __future__ import annotations

import json
import os
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
from stance.errors import InputError
from tests.test_article_fixtures import tiny_model  # noqa: F401  (fixture)

TEXT = "Iran praised China over the talks."
GOOD = {"text": TEXT, "target": "China", "holder": "Iran"}
SURROGATE = "column {column!r} has a lone surrogate {char} at offset {offset}: expected text that can be written as UTF-8"


def score(source: Path, model: Path, output: str = "out.jsonl", **options) -> tuple:
    """Score `source` into `output` beside it; returns the summary, the output rows and the reject rows."""
    summary = score_file(source, source.with_name(output), model, ScoreOptions(progress=False, **options))
    out_format = output.rsplit(".", 1)[1]
    rows = [r.fields for r in read_records(Path(summary.output), out_format)]  # type: ignore[arg-type]
    rejects = [json.loads(line) for line in Path(summary.rejects).read_text(encoding="utf-8").splitlines()]
    assert summary.rows_read == summary.rows_scored + summary.rows_rejected
    assert not work_dir(Path(summary.output)).exists()
    return summary, rows, rejects


def jsonl(path: Path, rows: list[dict]) -> Path:
    # json.dumps escapes a lone surrogate as \udXXX, which is how one reaches a real JSONL file.
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="ascii")
    return path


# Item 8: text that cannot be written out is a reject naming the column and offset, never a crash.

@pytest.mark.parametrize("column, value, char, offset", [
    ("id", "r1\udc80", "\\udc80", 2),
    ("holder", "Ir\ud800an", "\\ud800", 2),
    ("target", "Chi\udfffna", "\\udfff", 3),
    ("text", "Iran \ud83d praised China.", "\\ud83d", 5),
    ("note", "x\udc80", "\\udc80", 1),
])
def test_a_lone_surrogate_in_any_written_column_rejects_the_row(tmp_path, tiny_model, column, value, char,  # noqa: F811
                                                               offset) -> None:
    source = jsonl(tmp_path / "in.jsonl", [{**GOOD, "id": "a", column: value}, {**GOOD, "id": "b"}])
    summary, rows, rejects = score(source, tiny_model, "out.csv", columns=Columns(keep=("note",)))
    assert (summary.rows_read, summary.rows_scored, summary.rows_rejected) == (2, 1, 1)
    assert [r["id"] for r in rows] == ["b"]
    assert rejects[0]["row"] == 1
    assert rejects[0]["reason"].startswith(SURROGATE.format(column=column, char=char, offset=offset))
    assert rejects[0]["reason"].endswith("Fix: repair or remove that character where the file is made.")
    if column == "id":
        assert rejects[0]["id"] == "r1\ufffd"  # readable in the rejects file, and writable


def test_undecodable_csv_bytes_are_rejected_naming_the_column_byte_and_offset(tmp_path, tiny_model) -> None:  # noqa: F811
    source = tmp_path / "in.csv"
    source.write_bytes(b"id,text,target\nr\xe91,Iran praised China.,China\nr2,Iran praised Ch\xffina.,China\n"
                       b"r3,Iran praised China.,China\n")
    summary, rows, rejects = score(source, tiny_model)
    assert (summary.rows_read, summary.rows_scored, summary.rows_rejected) == (3, 1, 2)
    assert [r["id"] for r in rows] == ["r3"]
    assert [(r["row"], r["id"]) for r in rejects] == [(1, "r\ufffd1"), (2, "r2")]
    assert rejects[0]["reason"] == ("line 2: column 'id' is not valid UTF-8: byte 0xe9 at offset 1 of the value. "
                                    "Fix: save the file as UTF-8 (e.g. `iconv -f cp1252 -t utf-8`), or repair the value.")
    assert rejects[1]["reason"].startswith("line 3: column 'text' is not valid UTF-8: byte 0xff at offset 15 ")


def _invalid_utf8(values: list[bytes]):
    import pyarrow as pa

    return pa.array(values, pa.binary()).view(pa.string())  # Arrow does not check UTF-8 here, nor on reading


def test_invalid_utf8_in_a_parquet_column_rejects_those_rows_not_the_run(tmp_path, tiny_model) -> None:  # noqa: F811
    import pyarrow as pa
    import pyarrow.parquet as pq

    n = 10
    ids = [f"r{i}".encode() for i in range(n)]
    ids[3] = b"r\xff3"
    texts = [TEXT.encode()] * n
    texts[7] = b"Iran praised \xc3\x28 China."
    tags = pa.ListArray.from_arrays(pa.array(list(range(n + 1))), _invalid_utf8([b"t"] * 5 + [b"\xfe"] + [b"t"] * 4))
    table = pa.table({"id": _invalid_utf8(ids), "text": _invalid_utf8(texts), "target": ["China"] * n, "tags": tags})
    pq.write_table(table, tmp_path / "in.parquet", row_group_size=4)
    summary, rows, rejects = score(tmp_path / "in.parquet", tiny_model, "out.parquet")
    assert (summary.rows_read, summary.rows_scored, summary.rows_rejected) == (10, 7, 3)
    assert sorted(r["row"] for r in rows) == [1, 2, 3, 5, 7, 9, 10]
    reasons = {r["row"]: r["reason"] for r in rejects}
    assert reasons[4].startswith("column 'id' is not valid UTF-8: byte 0xff at offset 1 of the value.")
    assert reasons[6].startswith("column 'tags' holds text that is not valid UTF-8 (byte 0xfe inside a list value). "
                                 "Fix: write the file with valid UTF-8 strings.")
    assert reasons[8].startswith("column 'text' is not valid UTF-8: byte 0xc3 at offset 13 of the value.")
    assert {r["row"]: r["id"] for r in rejects} == {4: "r\ufffd3", 6: "r5", 8: "r7"}


# Item 9: an unmatched quote can no longer swallow CSV records.

def write_csv(path: Path, n: int, lines: dict[int, str] | None = None) -> Path:
    """`n` records `r<i>,<text>,<target>,<holder>`, record i replaced by `lines[i]` where given."""
    body = [f"r{i},Iran praised China in week {i}.,China,Iran" for i in range(n)]
    for index, line in (lines or {}).items():
        body[index] = line
    path.write_text("id,text,target,holder\n" + "\n".join(body) + "\n", encoding="utf-8")
    return path


UNMATCHED = {500: 'r500,"Iran praised China in week 500.,China,Iran',
             930: 'r930,"Iran, in week 930, praised China.",China,Iran'}  # the next quote in the file


def test_an_unmatched_quote_stops_the_run_before_scoring_naming_the_line(tmp_path, tiny_model) -> None:  # noqa: F811
    source = write_csv(tmp_path / "in.csv", 1000, UNMATCHED)
    with pytest.raises(InputError) as caught:
        score_file(source, tmp_path / "out.jsonl", tiny_model, ScoreOptions(progress=False))
    assert str(caught.value) == (
        "1 line(s) leave a quote open, so where their records end is in doubt: line 502. Line 502: the quote at "
        "offset 5 opens field 2 and is not closed on this line: a quote is missing, or the field holds a line "
        'break. Fix: close the quote (a quote inside a quoted field is written twice: ""), or pass --csv-multiline '
        "if quoted fields hold line breaks."
    )
    assert not (tmp_path / "out.jsonl").exists() and not work_dir(tmp_path / "out.jsonl").exists()
    result = CliRunner().invoke(_app(), ["score", str(source), "-o", str(tmp_path / "x.jsonl"), "--model",
                                         str(tiny_model), "--no-progress"])
    assert result.exit_code == 2 and "line 502" in result.output, result.output


def test_with_csv_multiline_a_quote_that_swallows_lines_stops_the_run(tmp_path, tiny_model) -> None:  # noqa: F811
    source = write_csv(tmp_path / "in.csv", 1000, UNMATCHED)
    with pytest.raises(InputError, match=(
        r"^lines 502-932: one record runs over 431 lines and is not valid CSV: ',' expected after '\"', so a quote "
        r"opened on line 502 probably swallowed the lines after it and the records in them cannot be counted\. "
        r"Fix: close the quote on that line")):
        score_file(source, tmp_path / "out.jsonl", tiny_model, ScoreOptions(progress=False, csv_multiline=True))
    assert not work_dir(tmp_path / "out.jsonl").exists()


def test_every_one_of_1000_records_is_accounted_for_once_the_quote_is_fixed_or_literal(tmp_path, tiny_model) -> None:  # noqa: F811
    fixed = {500: 'r500,"Iran praised China in week 500.",China,Iran', 930: UNMATCHED[930],
             # a quote inside an unquoted field is a literal character, not the start of a quoted field
             700: 'r700,Iran said "no" to China and "more,China,Iran', 10: "r10,too,many,fields,here"}
    summary, rows, rejects = score(write_csv(tmp_path / "in.csv", 1000, fixed), tiny_model)
    assert (summary.rows_read, summary.rows_scored, summary.rows_rejected) == (1000, 999, 1)
    assert sorted(r["row"] for r in rows + rejects) == list(range(1, 1001))
    assert rejects == [{"row": 11, "id": None, "reason": "line 12: has 5 fields: expected 4 (the header's)"}]
    assert {r["id"]: r["target_start"] for r in rows}["r930"] == len("Iran, in week 930, praised ")


def test_quoted_line_breaks_need_csv_multiline_and_then_score(tmp_path, tiny_model) -> None:  # noqa: F811
    source = tmp_path / "in.csv"
    source.write_text('id,text,target\nr1,Iran praised China.,China\nr2,"Iran praised\nChina.",China\n\n',
                      encoding="utf-8")
    with pytest.raises(InputError, match="line 3. Line 3: the quote at offset 3 opens field 2 and is not closed"):
        score_file(source, tmp_path / "out.jsonl", tiny_model, ScoreOptions(progress=False))
    summary, rows, _ = score(source, tiny_model, csv_multiline=True)
    assert (summary.rows_read, summary.rows_scored) == (2, 2)  # the blank last line is not a row
    assert [(r["id"], r["target_start"]) for r in rows] == [("r1", 13), ("r2", 13)]


# Item 11: empty optional cells are absent; a missing target says so; duplicate ids are reported.

def test_empty_span_cells_mean_no_span_and_each_bad_span_says_why(tmp_path, tiny_model) -> None:  # noqa: F811
    source = tmp_path / "in.csv"
    source.write_text(
        "id,text,target,target_start,target_end\n"
        f"r1,{TEXT},China,,\n"  # no span: the name is searched for
        f"r2,{TEXT},,13,18\n"  # no name: the span gives it
        f"r3,{TEXT},China,13.0,18.0\n"  # pandas writes integer columns with gaps as floats
        f"r4,{TEXT},,,\n"
        f"r5,{TEXT},China,13,\n"
        f"r6,{TEXT},China,13.5,18\n"
        f"r7,{TEXT},China, , \n",  # blank is empty too
        encoding="utf-8")
    _, rows, rejects = score(source, tiny_model)
    assert [(r["id"], r["target"], r["target_start"], r["target_end"]) for r in rows] == [
        ("r1", "China", 13, 18), ("r2", "China", 13, 18), ("r3", "China", 13, 18), ("r7", "China", 13, 18)]
    assert {r["id"]: r["reason"] for r in rejects} == {
        "r4": "missing target (column 'target' is empty or absent, and no span is given in target_start/target_end)",
        "r5": "target span: target_start is '13' but target_end is empty. Fix: give both offsets, or neither (then "
              "the target's name is searched for in the text)",
        "r6": "target span (target_start, target_end) = ('13.5', '18') is not two integers",
    }


def test_duplicate_ids_are_counted_and_named_and_dropped_with_dedupe_ids(tmp_path, tiny_model) -> None:  # noqa: F811
    ids = ["a", "b", "a", "", "c", "b", "a", "", 7, "7"]
    source = jsonl(tmp_path / "in.jsonl", [{**GOOD, "id": i} for i in ids])
    summary, rows, rejects = score(source, tiny_model)
    assert (summary.rows_scored, summary.duplicate_ids) == (10, 4)  # blank ids are no ids; 7 and "7" are one
    assert [(d.id, d.first_row, d.row) for d in summary.duplicate_id_examples] == [
        ("a", 1, 3), ("b", 2, 6), ("a", 1, 7), ("7", 9, 10)]
    deduped, rows, rejects = score(source, tiny_model, "deduped.jsonl", dedupe_ids=True)
    assert (deduped.rows_scored, deduped.rows_rejected, deduped.duplicate_ids) == (6, 4, 4)
    assert [r["row"] for r in rows] == [1, 2, 4, 5, 8, 9]
    assert rejects[0] == {"row": 3, "id": "a", "reason": "duplicate id 'a' (column 'id'): row 1 has it already, "
                                                          "and --dedupe-ids keeps only the first row of each id"}
    result = CliRunner().invoke(_app(), ["score", str(source), "-o", str(tmp_path / "cli.jsonl"), "--model",
                                         str(tiny_model), "--no-progress"])
    assert result.exit_code == 0, result.output
    assert ("duplicate ids: 4 rows repeat an earlier row's id, scored as well; pass --dedupe-ids to keep only the "
            "first row of each id. First: 'a' (rows 1 and 3), 'b' (rows 2 and 6)") in result.output


def _app():
    from stance.cli import app

    return app


def _committed_parts(output: Path) -> int:
    try:
        return json.loads((work_dir(output) / CHECKPOINT).read_text())["parts"]
    except (OSError, ValueError):
        return 0


def test_dedupe_ids_after_kill_9_and_resume_matches_the_uninterrupted_run(tmp_path, tiny_model) -> None:  # noqa: F811
    rows = [{**GOOD, "id": f"r{i % 700}", "text": f"{TEXT} Week {i}."} for i in range(1500)]  # 800 duplicates
    source = jsonl(tmp_path / "in.jsonl", rows)
    common = ["--model", str(tiny_model), "--chunk-rows", "50", "--no-progress", "--dedupe-ids"]
    code = "from stance.cli import app; app()"

    def run(output: Path, *extra: str) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-c", code, "score", str(source), "-o", str(output), *common, *extra],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    reference = run(tmp_path / "ref.jsonl")
    _, errors = reference.communicate(timeout=300)
    assert reference.returncode == 0, errors.decode()
    output = tmp_path / "out.jsonl"
    process = run(output)
    deadline = time.monotonic() + 120
    while _committed_parts(output) < 20 and process.poll() is None and time.monotonic() < deadline:  # row 1,000
        time.sleep(0.005)
    assert process.poll() is None, "the run finished before it could be killed: use a larger input"
    os.kill(process.pid, signal.SIGKILL)
    process.communicate()
    final = run(output, "--resume")
    _, errors = final.communicate(timeout=300)
    assert final.returncode == 0, errors.decode()
    assert b"rows read 1,500 = scored 700 + rejected 800" in errors and b"800 rows repeat" in errors
    assert output.read_bytes() == (tmp_path / "ref.jsonl").read_bytes()
    assert (tmp_path / "out.rejects.jsonl").read_bytes() == (tmp_path / "ref.rejects.jsonl").read_bytes()
    summary = json.loads((tmp_path / "out.summary.json").read_text())
    reference_summary = json.loads((tmp_path / "ref.summary.json").read_text())
    assert summary["resumed_at_row"] >= 1000
    for key in ("rows_scored", "rows_rejected", "duplicate_ids", "duplicate_id_examples"):
        assert summary[key] == reference_summary[key], key
    assert (summary["rows_scored"], summary["duplicate_ids"]) == (700, 800)
