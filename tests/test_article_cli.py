"""`stance analyze` and `stance evalset` through typer's CliRunner, as the lead registers them."""

from __future__ import annotations

import json

import pytest
import typer
from typer.testing import CliRunner

from stance.article.files import read_article
from stance.cli.analyze import analyze_cmd, evalset_cmd
from stance.errors import InputError
from tests.test_article_evalset import GOLD
from tests.test_article_fixtures import GAZETTEER, tiny_model  # noqa: F401  (fixture)

app = typer.Typer()
app.command("analyze")(analyze_cmd)
app.command("evalset")(evalset_cmd)
runner = CliRunner()


@pytest.fixture()
def files(tmp_path, tiny_model):  # noqa: F811
    """An article, a gazetteer and a user actor list on disk, plus the common options."""
    import yaml

    (tmp_path / "a.txt").write_text("Sergei Lavrov said Iran was right. The Kremlin praised Iran.", encoding="utf-8")
    (tmp_path / "b.txt").write_text("Russia praised China.", encoding="utf-8")
    gazetteer = tmp_path / "gazetteer.yaml"
    gazetteer.write_text(yaml.safe_dump({"actors": [e.model_dump() for e in GAZETTEER]}))
    (tmp_path / "mine.yaml").write_text("actors:\n  - {id: china, name: China, type: state, aliases: [China]}\n")
    return tmp_path, ["--model", str(tiny_model), "--gazetteer", str(gazetteer)]


def test_analyze_writes_json_lines(files) -> None:
    folder, options = files
    result = runner.invoke(app, ["analyze", str(folder / "a.txt"), str(folder / "b.txt"), *options])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["id"] for line in lines] == [str(folder / "a.txt"), str(folder / "b.txt")]
    assert lines[0]["statements"][0]["speaker"] == "person:sergei-lavrov"


def test_analyze_graphml_to_a_file_with_user_actors(files) -> None:
    folder, options = files
    out = folder / "out" / "net.graphml"
    args = ["analyze", str(folder / "b.txt"), "-f", "graphml", "--actors", str(folder / "mine.yaml"), "-o", str(out)]
    result = runner.invoke(app, [*args, *options])
    assert result.exit_code == 0, result.output
    assert '<node id="china">' in out.read_text() and 'source="russia" target="china"' in out.read_text()


def test_non_utf8_bytes_fail_with_the_file_and_a_fix(files) -> None:
    folder, options = files
    (folder / "latin.txt").write_bytes("Téhéran said no.".encode("latin-1"))
    result = runner.invoke(app, ["analyze", str(folder / "latin.txt"), *options])
    assert result.exit_code == 2
    assert "latin.txt is not valid utf-8: byte 0xe9 at offset 1" in result.output and "--encoding cp1252" in result.output
    ok = runner.invoke(app, ["analyze", str(folder / "latin.txt"), "--encoding", "latin-1", *options])
    assert ok.exit_code == 0 and json.loads(ok.stdout)["length"] == 16


def test_bad_options_fail_cleanly(files) -> None:
    folder, options = files
    for args, message in [
        (["-f", "xml"], "Unknown format 'xml'"),
        (["--actors-only"], "--actors-only needs --actors FILE"),
        (["--actors", str(folder / "nope.yaml")], "nope.yaml does not exist"),
    ]:
        result = runner.invoke(app, ["analyze", str(folder / "a.txt"), *args, *options])
        assert result.exit_code == 2 and message in result.output
    result = runner.invoke(app, ["analyze", str(folder / "missing.txt"), *options])
    assert result.exit_code == 2 and "Cannot read" in result.output


def test_a_byte_order_mark_is_not_text(tmp_path) -> None:
    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbfIran said no.")
    assert read_article(path) == "Iran said no."
    with pytest.raises(InputError, match="Unknown encoding 'klingon'"):
        read_article(path, "klingon")


def test_evalset_prints_the_metrics(files) -> None:
    folder, options = files
    gold = folder / "gold.jsonl"
    gold.write_text(json.dumps(GOLD) + "\n")
    out = folder / "metrics.json"
    result = runner.invoke(app, ["evalset", "--evalset", str(gold), "-o", str(out), *options])
    assert result.exit_code == 0, result.output
    assert "mention_recall" in result.stdout and "triples P/R/F1" in result.stdout
    assert json.loads(out.read_text())["articles"] == 1


def test_a_table_of_articles_carries_id_date_source_and_url_into_every_output(files) -> None:
    folder, options = files
    rows = [{"key": "k1", "text": "Russia praised China.", "published": "21 March 2024", "source": "Wire",
             "url": "https://example.org/1"},
            {"text": "The Kremlin praised Iran.", "published": "2023-04"}]
    table = folder / "articles.jsonl"
    table.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    columns = ["--id-column", "key", "--date-column", "published"]
    result = runner.invoke(app, ["analyze", str(table), str(folder / "b.txt"), *columns, *options])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(x["id"], x["date"], x["source"], x["url"]) for x in lines] == [
        ("k1", "2024-03-21", "Wire", "https://example.org/1"), ("articles.jsonl:2", "2023-04", None, None),
        (str(folder / "b.txt"), None, None, None)]
    csv_out = runner.invoke(app, ["analyze", str(table), "-f", "csv", *columns, *options])
    assert csv_out.exit_code == 0, csv_out.output
    header, first = csv_out.stdout.splitlines()[:2]
    assert header.startswith("article,date,source,url,holder") and first.startswith("k1,2024-03-21,Wire,https://example.org/1,")


def test_a_table_with_bad_rows_stops_before_the_model_naming_every_bad_row(files) -> None:
    folder, _ = files
    table = folder / "articles.csv"
    table.write_text("id,text,date\na,Russia praised China.,last week\nb,,2020\nc,Iran.,2021-05-01\n", encoding="utf-8")
    result = runner.invoke(app, ["analyze", str(table), "--model", str(folder / "no-such-model")])
    assert result.exit_code == 2
    assert "articles.csv: 2 of 3 rows cannot be analysed, so nothing was:" in result.output
    assert "row 1: column 'date': 'last week' is not a date I can read" in result.output
    assert "row 2: missing text (column 'text' is empty or absent)" in result.output
    assert "stance score --mode articles" in result.output
