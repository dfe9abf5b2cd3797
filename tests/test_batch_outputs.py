"""A batch run's output read back as analyses (`stance.batch.outputs`): the rows of `stance score --mode
articles` give back the statements, stances and roll-ups `stance analyze` reports for the same articles."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stance.article.analyze import analyze_articles
from stance.article.export import to_csv, to_jsonl
from stance.batch.formats import Record, concatenate, read_records, write_chunk
from stance.batch.outputs import analyses_from_stance_rows, analysis_record, rebuilt_text, record_kind
from stance.batch.rows import Columns, article_rows, base_row, output_schema
from stance.errors import InputError
from tests.test_article_fixtures import analyzer, gazetteer, nlp, tiny_model  # noqa: F401  (fixtures)

ARTICLES = [
    ("a1", "Iran's foreign minister said the United States was to blame. China praised Iran.\n\n"
           "Russia said NATO was a threat, and China agreed with Russia."),
    ("a2", "It rained all day in the valley."),
    ("a3", "The United States condemned Iran. Iran condemned the United States."),
]


@pytest.fixture(scope="module")
def analyses(analyzer):  # noqa: F811
    return analyze_articles(analyzer, [text for _, text in ARTICLES], [id for id, _ in ARTICLES])


def stance_rows(analyses, label_sets) -> list[dict]:
    rows = []
    for number, analysis in enumerate(analyses, start=1):
        rows += article_rows(base_row(number, {"id": analysis.id}, Columns()), analysis, label_sets)
    return rows


def comparable(analysis) -> dict:
    """What a stance row keeps of an analysis: statements with stances, stances, roll-ups."""
    used = {s.statement for s in analysis.stances}
    statements = [(s.index, s.start, s.end, s.text, s.speaker, s.attribution) for s in analysis.statements if s.index in used]
    return {"id": analysis.id, "statements": statements, "stances": [s.model_dump() for s in analysis.stances],
            "pairs": [p.model_dump() for p in analysis.pairs], "targets": [t.model_dump() for t in analysis.targets]}


@pytest.mark.parametrize("format", ["jsonl", "csv", "parquet"])
def test_stance_rows_read_back_as_the_analyses_they_came_from(tmp_path, analyses, analyzer, format) -> None:  # noqa: F811
    label_sets = analyzer.classifier.spec.label_sets
    path, schema = tmp_path / f"out.{format}", output_schema("articles", label_sets, Columns())
    write_chunk(stance_rows(analyses, label_sets), tmp_path / "part", format, schema)
    concatenate([tmp_path / "part"], path, format, schema)  # as `stance score` writes its output
    records = list(read_records(path, format))
    assert {record_kind(r.fields) for r in records} == {"stance_rows"}
    back, rejects = analyses_from_stance_rows(records, gazetteer())
    assert rejects == []
    with_stances = [a for a in analyses if a.stances]
    assert [a.id for a in back] == [a.id for a in with_stances] == ["a1", "a3"]
    assert [comparable(a) for a in back] == [comparable(a) for a in with_stances]
    first, original = back[0], with_stances[0]
    assert {a.id: a.type for a in first.actors} == {a.id: a.type for a in original.actors
                                                    if a.id in {s.target for s in original.stances} | {s.holder for s in original.stances}}
    text = rebuilt_text(first)
    assert len(text) == first.length == max(s.end for s in first.statements)
    for statement in first.statements:
        assert text[statement.start:statement.end] == ARTICLES[0][1][statement.start:statement.end]
    for mention in first.mentions:
        assert mention.text == ARTICLES[0][1][mention.start:mention.end] and mention.kind == "target"


def test_bad_stance_rows_are_rejected_one_by_one(analyses, analyzer) -> None:  # noqa: F811
    rows = stance_rows(analyses, analyzer.classifier.spec.label_sets)
    broken = [dict(rows[0], statement_start="x"), dict(rows[1], stance_favor=1.5),
              dict(rows[2], statement_text=rows[2]["statement_text"] + " extra"), dict(rows[3], target="")]
    records = [Record(i + 1, fields) for i, fields in enumerate(broken + rows[4:])] + [Record(99, error="not valid JSON")]
    back, rejects = analyses_from_stance_rows(records, gazetteer())
    assert rejects == [
        {"row": 1, "error": "column 'statement_start' is 'x', expected an integer"},
        {"row": 2, "error": "column 'stance_favor' is 1.5, expected a probability in [0, 1]"},
        {"row": 3, "error": f"statement_start..statement_end ({rows[2]['statement_start']}..{rows[2]['statement_end']}) "
                            f"does not span statement_text ({len(rows[2]['statement_text']) + 6} characters)"},
        {"row": 4, "error": "column 'target' is empty or not text"},
        {"row": 99, "error": "not valid JSON"},
    ]
    assert sum(len(a.stances) for a in back) == len(rows) - 4


def test_analyze_output_lines_are_analyses_and_its_pair_csv_is_refused(analyses) -> None:
    line = json.loads(to_jsonl(analyses[:1]))
    assert record_kind(line) == "analyses" and analysis_record(line) == analyses[0]
    assert record_kind({"id": "x", "text": "Iran praised China."}) == "articles"
    with pytest.raises(InputError, match="not an article analysis: statements.0.text: Field required"):
        analysis_record({**line, "statements": [{k: v for k, v in line["statements"][0].items() if k != "text"}]})
    header = to_csv(analyses).splitlines()[0].split(",")
    with pytest.raises(InputError, match=r"pair table of `stance analyze --format csv`.*Fix: open the JSON Lines"):
        record_kind(dict.fromkeys(header, ""))


def test_a_real_articles_mode_run_opens_as_its_analyses(tmp_path, tiny_model, analyses) -> None:  # noqa: F811
    import yaml

    from stance.article.gazetteer import ActorGazetteer
    from stance.batch import ScoreOptions, score_file

    source = tmp_path / "articles.jsonl"
    source.write_text("".join(json.dumps({"id": id, "text": text}) + "\n" for id, text in ARTICLES))
    entries = tmp_path / "gazetteer.yaml"
    entries.write_text(yaml.safe_dump({"actors": [e.model_dump() for e in gazetteer().actors.values()]}))
    summary = score_file(source, tmp_path / "out.csv", tiny_model,
                         ScoreOptions(mode="articles", progress=False, gazetteer=entries))
    back, rejects = analyses_from_stance_rows(read_records(Path(summary.output), "csv"), ActorGazetteer.from_file(entries))
    assert rejects == []
    # `stance score` picks its own precision (bf16 where native), so probabilities differ in the 4th place
    # from the fp32 fixture's; what was found, and how it rolls up, is the same
    assert [structure(a) for a in back] == [structure(a) for a in analyses if a.stances]


def structure(analysis) -> dict:
    shape = comparable(analysis)
    shape["stances"] = [(s["statement"], s["holder"], s["target"], s["target_start"], s["target_end"]) for s in shape["stances"]]
    shape["pairs"] = sorted((p["holder"], p["target"], p["count"], [e["statement"] for e in p["evidence"]]) for p in shape["pairs"])
    del shape["targets"]
    return shape
