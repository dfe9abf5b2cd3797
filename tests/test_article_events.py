"""Event-data exports: PLOVER JSON Lines against the committed schema, ICEWS CSV through pandas."""

from __future__ import annotations

import io
import json
from pathlib import Path

import jsonschema_rs  # schemathesis' validator (a dev dependency): draft 2020-12
import pandas as pd
import pytest

from stance.article.events import (
    CODER, ICEWS_COLUMNS, ICEWS_DATE_COLUMNS, ICEWS_DTYPES, plover_records, to_icews_csv, to_plover,
)
from stance.article.schema import ActorOut, AnalyzeRequest, ArticleAnalysis, MentionOut, StanceOut, StatementOut
from tests.test_article_fixtures import analyzer, nlp, tiny_model  # noqa: F401  (fixtures)

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "data" / "schemas" / "plover_record.schema.json"
ONE = ('Iran\'s defence minister, Mohammad-Reza Ashtiani, said "Israel will pay,\nand pay dearly." '
       "The Comité de Paix — «neutral», it insists — backed Israel.")
TWO = "The Comité de Paix thanked Iran,\u2028again."
THREE = "The UN, in a statement, rebuked the spokesman."
AGAINST = {"against": 0.9, "neutral": 0.07, "favor": 0.03}
FAVOR = {"against": 0.1, "neutral": 0.2, "favor": 0.7}
NEUTRAL = {"against": 0.2, "neutral": 0.6, "favor": 0.2}
NEGATIVE = {"negative": 0.8, "neutral": 0.15, "positive": 0.05}
POSITIVE = {"negative": 0.05, "neutral": 0.15, "positive": 0.8}

MINISTER = ActorOut(id="person:mohammad-reza-ashtiani", name="Mohammad-Reza Ashtiani", type="person", source="ner",
                    mentions=1, roles=["Iran's defence minister"], country="IRN", sector="GOV", code="IRNGOV")
ISRAEL = ActorOut(id="israel", name="Israel", type="state", source="gazetteer", mentions=2, country="ISR", code="ISR")
IRAN = ActorOut(id="iran", name="Iran", type="state", source="gazetteer", mentions=1, country="IRN", code="IRN")
COMITE = ActorOut(id="org:comite-de-paix", name="Comité de Paix", type="organisation", source="ner", mentions=1)
UN = ActorOut(id="un", name="United Nations", type="organisation", source="user", mentions=1, code="IGO")
SPOKESMAN = ActorOut(id="person:spokesman", name="the spokesman", type="person", source="ner", mentions=1,
                     sector="GOV", code="GOV")


def _span(text: str, words: str, after: int = 0) -> tuple[int, int]:
    start = text.index(words, after)
    return start, start + len(words)


def _statement(text: str, index: int, sentence: str, speaker=None, speaker_text=None, quoted=False) -> StatementOut:
    start, end = _span(text, sentence)
    return StatementOut(index=index, start=start, end=end, text=sentence, quoted=quoted, quotes=[], speaker=speaker,
                        speaker_text=speaker_text, attribution="reporting_verb" if speaker else "author")


def _stance(text: str, index: int, holder: str, target: ActorOut, words: str, probs: dict, sentiment: dict,
            after: int = 0) -> tuple[StanceOut, MentionOut]:
    start, end = _span(text, words, after)
    stance = StanceOut(statement=index, holder=holder, target=target.id, target_start=start, target_end=end,
                       stance=max(probs, key=probs.get), stance_probs=probs,
                       sentiment=max(sentiment, key=sentiment.get), sentiment_probs=sentiment)
    return stance, MentionOut(start=start, end=end, text=words, actor=target.id, kind="name")


def _analysis(text: str, actors, statements, stances, **metadata) -> ArticleAnalysis:
    return ArticleAnalysis(length=len(text), actors=actors, mentions=[m for _, m in stances], statements=statements,
                           stances=[s for s, _ in stances], pairs=[], targets=[], **metadata)


@pytest.fixture(scope="module")
def analyses() -> list[ArticleAnalysis]:
    quote = 'Iran\'s defence minister, Mohammad-Reza Ashtiani, said "Israel will pay,\nand pay dearly."'
    own = "The Comité de Paix — «neutral», it insists — backed Israel."
    one = _analysis(ONE, [MINISTER, ISRAEL, IRAN, COMITE], [
        _statement(ONE, 0, quote, MINISTER.id, "Iran's defence minister", quoted=True), _statement(ONE, 1, own),
    ], [
        _stance(ONE, 0, MINISTER.id, ISRAEL, "Israel", AGAINST, NEGATIVE),
        _stance(ONE, 1, "author", COMITE, "Comité de Paix", NEUTRAL, NEGATIVE),
        _stance(ONE, 1, "author", ISRAEL, "Israel", FAVOR, POSITIVE, after=len(quote)),
    ], id="a1", date="2024-03-21T14:05:00+00:00", source="Le Monde, Paris", url="https://example.org/a1",
        title='"Pay dearly": Iran warns')
    two = _analysis(TWO, [COMITE, IRAN], [_statement(TWO, 0, TWO, COMITE.id, "The Comité de Paix")],
                    [_stance(TWO, 0, COMITE.id, IRAN, "Iran", FAVOR, POSITIVE)])  # no metadata at all
    three = _analysis(THREE, [UN, SPOKESMAN], [_statement(THREE, 0, THREE, UN.id, "The UN")],
                      [_stance(THREE, 0, UN.id, SPOKESMAN, "the spokesman", AGAINST, NEGATIVE)],
                      id="a3", date="2024-03")
    return [one, two, three]


@pytest.fixture(scope="module")
def validator():
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert jsonschema_rs.meta.is_valid(schema)
    return jsonschema_rs.Draft202012Validator(schema)


def _records(analyses) -> list[dict]:
    return [json.loads(line) for line in to_plover(analyses).split("\n")[:-1]]


def test_every_plover_record_validates_against_the_committed_schema(analyses, validator) -> None:
    records = _records(analyses)
    assert len(records) == sum(len(a.stances) for a in analyses) == 5
    for record in records:
        assert [e.message for e in validator.iter_errors(record)] == [], record["id"]
    assert len({r["id"] for r in records}) == len(records)


def test_records_of_a_real_analysis_validate(analyzer, validator) -> None:  # noqa: F811
    text = ("Iran's defence minister, Mohammad-Reza Ashtiani, said Israel would pay dearly. "
            "The Kremlin praised Iran. Sanctions on Russia are illegal.")
    requests = [AnalyzeRequest(text=text, id="real", date="21 March 2024", source="Reuters"), AnalyzeRequest(text=text)]
    analyses = analyzer.analyze_many(requests)
    records = list(plover_records(analyses))
    assert len(records) == sum(len(a.stances) for a in analyses) > 0
    for record in records:
        assert [e.message for e in validator.iter_errors(record)] == [], record["id"]
    assert {r["source"][0]["actor_type"] for r in records} >= {"person", "author"}


def test_the_schema_rejects_what_plover_forbids(analyses, validator) -> None:
    record = _records(analyses)[0]
    for field, value in [("date", "2024-03"), ("event", ["COMMENT"]), ("stance_quad", 2), ("invented", 1)]:
        assert not validator.is_valid({**record, field: value}), field
    assert not validator.is_valid({**record, "source": [{**record["source"][0], "code": "IRNGOV"}]})
    assert not validator.is_valid({**record, "source": [{**record["source"][0], "sector": "MEDIA"}]})
    assert not validator.is_valid({k: v for k, v in record.items() if k != "source"})


def test_one_plover_record_field_by_field(analyses) -> None:
    start = ONE.index("Israel")
    assert _records(analyses)[0] == {
        "id": "a1/0/israel", "has_event": False, "date": "2024-03-21", "time": "14:05:00+00:00",
        "source": [{"code": "IRN", "sector": "GOV", "actor_text": "Iran's defence minister",
                    "actor_id": "person:mohammad-reza-ashtiani", "actor_name": "Mohammad-Reza Ashtiani",
                    "actor_type": "person", "actor_code": "IRNGOV"}],
        "recipient": [{"code": "ISR", "sector": None, "actor_text": "Israel", "actor_id": "israel", "actor_name": "Israel",
                       "actor_type": "state", "actor_code": "ISR", "mention_start": start, "mention_end": start + 6}],
        "event": [],
        "event_text": ['Iran\'s defence minister, Mohammad-Reza Ashtiani, said "Israel will pay,\nand pay dearly."'],
        "mode": None, "context": None, "text_info": {"sequence": 0, "start": 0, "end": 88},
        "cite_info": {"citation": "a1", "url": "https://example.org/a1", "title": '"Pay dearly": Iran warns',
                      "publication": "Le Monde, Paris"},
        "coder": CODER, "stance": "against", "stance_score": -0.87, "stance_probs": AGAINST, "sentiment": "negative",
        "sentiment_probs": NEGATIVE, "stance_quad": 3, "article_date": "2024-03-21T14:05:00+00:00",
        "attribution": "reporting_verb", "quoted": True,
    }


def test_author_org_without_code_and_missing_or_partial_metadata(analyses) -> None:
    by_id = {r["id"]: r for r in _records(analyses)}
    author = by_id["a1/1/org:comite-de-paix"]
    assert author["source"] == [{"code": None, "sector": "JRN", "actor_text": "Le Monde, Paris", "actor_id": "author",
                                  "actor_name": "Le Monde, Paris", "actor_type": "author", "actor_code": None}]
    assert author["recipient"][0]["code"] is None and author["recipient"][0]["sector"] is None
    assert author["stance_quad"] is None and by_id["a1/1/israel"]["stance_quad"] == 1
    bare = by_id["1/0/iran"]  # no id: the article's position; no date, no cite_info
    assert bare["date"] is None and bare["article_date"] is None and "time" not in bare and "cite_info" not in bare
    assert bare["event_text"] == [TWO] and bare["source"][0]["code"] is None
    partial = by_id["a3/0/person:spokesman"]
    assert partial["date"] is None and partial["article_date"] == "2024-03"
    assert partial["source"][0]["code"] == "IGO"  # a 3-letter code from the actor list
    recipient = partial["recipient"][0]  # a person with a sector but no country
    assert (recipient["code"], recipient["sector"], recipient["actor_code"]) == (None, "GOV", "GOV")


def test_plover_lines_survive_unicode_line_separators(analyses) -> None:
    text = to_plover(analyses)
    assert len(text.splitlines()) == len(text.split("\n")) - 1 == 5
    assert "Comité" in text and "\\u2028" in text


def _read_icews(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text), dtype=ICEWS_DTYPES, parse_dates=list(ICEWS_DATE_COLUMNS),
                       keep_default_na=False, na_values=[""])


def test_icews_csv_loads_in_pandas_with_the_documented_dtypes(analyses) -> None:
    frame = _read_icews(to_icews_csv(analyses))
    assert tuple(frame.columns) == ICEWS_COLUMNS and len(frame) == 5
    assert pd.api.types.is_datetime64_any_dtype(frame["Event Date"])
    assert frame["Sentence Number"].dtype == "Int64" and frame["Stance Score"].dtype == "float64"
    strings = [c for c in ICEWS_COLUMNS if c not in ("Event Date", "Sentence Number", "Stance Score")]
    assert all(frame[c].dtype == "string" for c in strings)
    first = frame.iloc[0]
    assert first["Event ID"] == "a1/0/israel" and first["Event Date"] == pd.Timestamp("2024-03-21")
    source = (first["Source Name"], first["Source Sectors"], first["Source Country"])
    assert source == ("Mohammad-Reza Ashtiani", "GOV", "IRN")
    assert (first["Target Name"], first["Target Country"], first["Target Code"]) == ("Israel", "ISR", "ISR")
    assert pd.isna(first["Target Sectors"]) and first["Story ID"] == "a1" and first["Sentence Number"] == 0
    assert first["Sentence"] == 'Iran\'s defence minister, Mohammad-Reza Ashtiani, said "Israel will pay,\nand pay dearly."'
    assert first["Stance"] == "against" and first["Stance Score"] == pytest.approx(-0.87)
    assert first["Publisher"] == "Le Monde, Paris"
    author = frame.iloc[1]
    assert (author["Source ID"], author["Source Name"], author["Source Sectors"]) == ("author", "Le Monde, Paris", "JRN")
    assert pd.isna(author["Source Country"]) and pd.isna(author["Target Code"])
    assert author["Target Name"] == "Comité de Paix"
    bare, partial = frame.iloc[3], frame.iloc[4]
    assert bare["Story ID"] == "1" and pd.isna(bare["Event Date"]) and pd.isna(bare["Publisher"])
    assert bare["Sentence"] == TWO
    assert pd.isna(partial["Event Date"]) and partial["Article Date"] == "2024-03"


def test_empty_input_gives_a_header_only_csv_and_empty_json_lines(analyses) -> None:
    no_stances = analyses[0].model_copy(update={"stances": []})
    for given in ([], [no_stances]):
        assert to_plover(given) == "" and list(plover_records(given)) == []
        assert to_icews_csv(given) == ",".join(ICEWS_COLUMNS) + "\n"
        frame = _read_icews(to_icews_csv(given))
        assert tuple(frame.columns) == ICEWS_COLUMNS and frame.empty
