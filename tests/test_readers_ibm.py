"""The IBM claim stance reader on tiny invented files in the spreadsheet-re-saved format."""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

import pytest

from stance.errors import DataError
from stance.schema import Example
from training.datasets import ibm_claim_stance as ibm
from training.datasets.base import ReadResult

REAL = Path(__file__).parents[2] / "shared" / "data" / ibm.NAME
MOTION = "This house would ban widgets"


def _row(claim_id: int, claim: str = "", **fields: str) -> dict[str, str]:
    """One original 21-column row; PRO on a motion negative toward its target by default."""
    claim = claim or f"Widgets harm children of group {claim_id}"
    row = dict.fromkeys(ibm.COLUMNS, "")
    row.update({
        "topicId": "1", "split": "train", "topicText": MOTION, "topicTarget": "widgets",
        "topicSentiment": "-1", "claims.claimId": str(claim_id), "claims.stance": "PRO",
        "claims.claimCorrectedText": claim, "claims.claimOriginalText": claim,
        "claims.Compatible": "yes", "claims.claimTarget.text": "Widgets",
        "claims.claimTarget.span.start": "0", "claims.claimTarget.span.end": "7",
        "claims.claimSentiment": "-1", "claims.targetsRelation": "1",
    })  # fmt: skip
    row.update(fields)
    return row


def _spreadsheet(rows: list[list[str]]) -> str:
    """Encode rows the way the spreadsheet re-saved them: a CSV row per line, cut at ';', padded."""
    lines = []
    for row in rows:
        inner = io.StringIO()
        csv.writer(inner, quoting=csv.QUOTE_ALL, lineterminator="").writerow(row)
        for physical in inner.getvalue().split("\n"):
            outer = io.StringIO()
            cells = physical.split(";")
            csv.writer(outer, delimiter=";", lineterminator="").writerow(cells + [""] * (5 - len(cells)))
            lines.append(outer.getvalue() + "\r\n")
    return "".join(lines)


def _write(tmp_path: Path, rows: list[dict[str, str]], extra: str = "") -> Path:
    table = [list(ibm.COLUMNS)] + [[row[column] for column in ibm.COLUMNS] for row in rows]
    (tmp_path / ibm.CSV).write_text(_spreadsheet(table) + extra, encoding="utf-8", newline="")
    return tmp_path


def _by_id(result: ReadResult) -> dict[str, Example]:
    return {example.id: example for example in result.examples}


def test_stance_is_claim_stance_times_topic_sentiment(tmp_path: Path) -> None:
    rows = [
        _row(1),
        _row(2, "Widgets are harmless", **{"claims.stance": "CON"}),
        _row(3, topicSentiment="1"),
        _row(4, topicSentiment="1", **{"claims.stance": "CON"}),
    ]
    examples = _by_id(ibm.read(_write(tmp_path, rows)))
    labels = {claim: examples[f"{ibm.NAME}/train/{claim}/stance"].label for claim in (1, 2, 3, 4)}
    assert labels == {1: "against", 2: "favor", 3: "favor", 4: "against"}
    first = examples[f"{ibm.NAME}/train/1/stance"]
    assert (first.text, first.target, first.target_span, first.holder) == (
        "Widgets harm children of group 1", "widgets", None, None
    )


def test_sentiment_uses_claim_target_span(tmp_path: Path) -> None:
    rows = [_row(1), _row(2, **{"claims.claimSentiment": "1"})]
    examples = _by_id(ibm.read(_write(tmp_path, rows)))
    first = examples[f"{ibm.NAME}/train/1/sentiment"]
    assert (first.target_span, first.target_name, first.label) == ((0, 7), "Widgets", "negative")
    assert examples[f"{ibm.NAME}/train/2/sentiment"].label == "positive"


def test_semicolon_inside_claim_is_rejoined(tmp_path: Path) -> None:
    claim = "Widgets harm children; they also harm adults; and pets"
    result = ibm.read(_write(tmp_path, [_row(1, claim)]))
    assert _by_id(result)[f"{ibm.NAME}/train/1/stance"].text == claim
    assert result.repaired == {"row cut at ';' by the spreadsheet: fields rejoined with ';'": 1}
    assert result.dropped == []


def test_line_break_inside_claim_is_rejoined(tmp_path: Path) -> None:
    claim = "Widgets are meant to help \nsmall shops"
    result = ibm.read(_write(tmp_path, [_row(1, claim), _row(2)]))
    examples = _by_id(result)
    assert examples[f"{ibm.NAME}/train/1/stance"].text == "Widgets are meant to help small shops"
    assert examples[f"{ibm.NAME}/train/1/sentiment"].target_name == "Widgets"
    assert f"{ibm.NAME}/train/2/stance" in examples  # the row after the broken one is still found
    assert result.repaired == {
        "row broken over several lines by a line break in the claim: lines rejoined": 1
    }


def test_incompatible_and_mismatched_spans_drop_only_sentiment(tmp_path: Path) -> None:
    rows = [
        _row(1),
        _row(2, **{"claims.Compatible": "no", "claims.claimSentiment": "", "claims.claimTarget.text": ""}),
        _row(3, **{"claims.claimTarget.span.start": "1"}),
    ]
    result = ibm.read(_write(tmp_path, rows))
    assert sorted(e.id for e in result.examples if e.task == "stance") == [
        f"{ibm.NAME}/train/{claim}/stance" for claim in (1, 2, 3)
    ]
    assert [(d.line, d.reason) for d in result.dropped] == [
        (3, "sentiment: claims.Compatible is not 'yes' (no claim target or sentiment annotated)"),
        (4, "sentiment: claim text at claims.claimTarget.span differs from claims.claimTarget.text"),
    ]


def test_rows_with_wrong_field_count_or_open_quote_are_dropped_with_line(tmp_path: Path) -> None:
    short = '"1,""train"",""only three fields"""' + ";;;;\r\n"
    open_quote = '"1,""train"",""never closed' + ";;;;\r\n"
    result = ibm.read(_write(tmp_path, [_row(1)], extra=short + open_quote))
    assert [(d.file, d.line, d.reason) for d in result.dropped] == [
        (ibm.CSV, 3, "row has 3 fields after decoding, expected 21"),
        (ibm.CSV, 4, "quoted field still open at the end of the file"),
    ]
    assert len(result.examples) == 2


def test_dev_is_the_train_topics_whose_sha1_sorts_first(tmp_path: Path) -> None:
    topics = [f"This house would ban widget model {k}" for k in range(5)]
    rows = [_row(k, topicText=topic, topicId=str(k)) for k, topic in enumerate(topics)]
    rows.append(_row(9, topicText="A test motion", split="test"))
    result = ibm.read(_write(tmp_path, rows))
    first = min(topics, key=lambda topic: hashlib.sha1(topic.encode()).hexdigest())
    dev = {e.id for e in result.examples if e.split == "dev"}
    assert dev == {f"{ibm.NAME}/dev/{topics.index(first)}/{task}" for task in ("stance", "sentiment")}
    assert {e.split for e in result.examples} == {"train", "dev", "test"}


def test_claim_repeated_in_test_drops_the_train_sentiment_copy(tmp_path: Path) -> None:
    claim = "Widgets harm children"
    test_topic = {"topicText": "This house would tax widgets", "topicTarget": "x", "split": "test"}
    rows = [_row(1, claim), _row(2, claim, **test_topic)]
    result = ibm.read(_write(tmp_path, rows))
    assert [(d.line, d.reason) for d in result.dropped] == [
        (2, "sentiment: same claim and target as a test example")
    ]
    assert {e.id for e in result.examples} == {
        f"{ibm.NAME}/test/2/stance", f"{ibm.NAME}/test/2/sentiment", f"{ibm.NAME}/train/1/stance"
    }


def test_wrong_header_raises_with_expected_and_found(tmp_path: Path) -> None:
    (tmp_path / ibm.CSV).write_text(_spreadsheet([["topicId", "split"]]), encoding="utf-8", newline="")
    expected = r"line 1: expected the header \['topicId'.*found \['topicId', 'split'\]"
    with pytest.raises(DataError, match=expected):
        ibm.read(tmp_path)


def test_missing_file_names_the_fix(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"file claim_stance_dataset_v1.csv not found .* --data-dir"):
        ibm.read(tmp_path)


@pytest.mark.skipif(not REAL.is_dir(), reason="real data folder absent")
def test_real_file_gives_all_2394_claims() -> None:
    result = ibm.read(REAL)
    stance = [e for e in result.examples if e.task == "stance"]
    assert len(stance) == 2394  # the IBM readme's count: all 7 broken lines were repaired
    assert sum(result.repaired.values()) == 5
    assert len(result.examples) == 4647
    assert not [d for d in result.dropped if not d.reason.startswith("sentiment: ")]
