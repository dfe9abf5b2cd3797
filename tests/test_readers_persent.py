"""The PerSenT reader on tiny invented CSV files with multi-line DOCUMENT fields."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Optional, Sequence

import pytest

from stance.errors import DataError
from training.datasets import persent
from training.datasets.base import ReadResult

REAL = Path(__file__).parents[2] / "shared" / "data" / persent.NAME
NO_MENTION = "paragraph does not mention the target (full name or last name)"


def _document(index: int, entity: str, paragraphs: Sequence[str], labels: Sequence[str]) -> list[str]:
    labels = list(labels) + [""] * (persent.MAX_PARAGRAPHS - len(labels))
    document = "\n".join(paragraphs)
    return [str(index), "A title", entity, document, document, "Neutral", *labels]


def _write(root: Path, split: str, documents: Sequence[list[str]]) -> None:
    with open(root / persent.FILES[split], "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(persent.COLUMNS)
        writer.writerows(documents)


def _read(
    tmp_path: Path, dev: Sequence[list[str]] = (), random_test: Sequence[list[str]] = (),
    fixed_test: Sequence[list[str]] = (),
) -> ReadResult:
    _write(tmp_path, "dev", dev)
    _write(tmp_path, "random_test", random_test)
    _write(tmp_path, "fixed_test", fixed_test)
    return persent.read(tmp_path)


def _mention(result: ReadResult, id_: str) -> Optional[str]:
    for example in result.examples:
        if example.id == id_:
            return example.target_name
    return None


def test_paragraphs_with_a_mention_become_examples(tmp_path: Path) -> None:
    paragraphs = [
        "Ann Lee won the race.",
        " Later Lee said she was tired.",  # the real files start later paragraphs with a space
        "The crowd went home.",
    ]
    result = _read(tmp_path, dev=[_document(7, "Ann Lee", paragraphs, ["Positive", "Neutral", "Negative"])])
    first, second = sorted(result.examples, key=lambda example: example.id)
    assert (first.id, first.text, first.target_span, first.label) == (
        "persent/dev/7/p0", "Ann Lee won the race.", (0, 7), "positive"
    )
    assert (second.text, second.target_name, second.label, second.holder) == (
        "Later Lee said she was tired.", "Lee", "neutral", None
    )
    assert [(d.file, d.line, d.reason) for d in result.dropped] == [("dev.csv", 2, NO_MENTION)]


@pytest.mark.parametrize(
    ("entity", "text", "found"),
    [
        ("Donald Trump", "Donald Trump spoke.", "Donald Trump"),
        ("Donald Trump", "Then Trump spoke.", "Trump"),
        ("Donald Trump", "Then trump spoke.", None),  # case-sensitive
        ("Donald Trump", "Trumpism spread.", None),  # whole words only
        ("John Smith Jr.", "Smith won.", "Smith"),  # a suffix is not the last name
        ("Obama", "Obama spoke.", "Obama"),
    ],
)
def test_find_mention(entity: str, text: str, found: Optional[str]) -> None:
    span = persent.find_mention(text, entity)
    assert (text[span[0] : span[1]] if span else None) == found


def test_documents_whose_labels_do_not_fit_are_dropped(tmp_path: Path) -> None:
    # Line numbers are those where each document's row starts: DOCUMENT and MASKED_DOCUMENT both
    # span one line per paragraph and share one, so a 2-paragraph row takes 3 lines.
    documents = [
        _document(1, "Ann Lee", ["Lee one.", "Lee two."], []),
        _document(2, "Ann Lee", ["Lee one.", "Lee two.", "Lee three."], ["Neutral", "Neutral"]),
        _document(3, "Ann Lee", ["Lee three.", "Lee four."], ["Neutral", "", "Neutral"]),
    ]
    result = _read(tmp_path, random_test=documents)
    assert result.examples == []
    assert [(d.file, d.line, d.reason) for d in result.dropped] == [
        ("random_test.csv", 2, "document has no paragraph labels (only a document-level label)"),
        ("random_test.csv", 5, "number of paragraph labels differs from the number of paragraphs"),
        ("random_test.csv", 10, "number of paragraph labels differs from the number of paragraphs"),
    ]


def test_later_copy_of_a_document_is_dropped(tmp_path: Path) -> None:
    copy = ["Barack Obama spoke.", "Obama left."]
    documents = [_document(1, "Barack Obama", copy, ["Neutral"] * 2)] * 2
    result = _read(tmp_path, fixed_test=documents)
    assert sorted(e.id for e in result.examples) == ["persent/fixed_test/1/p0", "persent/fixed_test/1/p1"]
    assert [(d.line, d.reason) for d in result.dropped] == [(5, "duplicate of an earlier document")]


def test_repeated_paragraphs_keep_one_copy_or_none_if_labels_conflict(tmp_path: Path) -> None:
    paragraphs = ["Lee won.", "Lee lost.", "Lee won."]
    dev = [_document(1, "Ann Lee", paragraphs, ["Positive", "Negative", "Positive"])]
    random_test = [_document(2, "Ann Lee", ["Lee lost.", "Lee spoke."], ["Neutral", "Neutral"])]
    result = _read(tmp_path, dev=dev, random_test=random_test)
    assert sorted(e.id for e in result.examples) == ["persent/dev/1/p0", "persent/random_test/2/p1"]
    assert sorted((d.file, d.reason) for d in result.dropped) == [
        ("dev.csv", "duplicate of a paragraph kept in dev"),
        ("dev.csv", "paragraph repeated with conflicting labels"),
        ("random_test.csv", "paragraph repeated with conflicting labels"),
    ]


def test_mojibake_is_decoded_so_the_name_is_found(tmp_path: Path) -> None:
    garbled = "’".encode("utf-8").decode("latin-1")
    document = _document(1, "Donald Trump", [f"Trump{garbled}s wall.", "CafÃ© talk."], ["Negative"] * 2)
    result = _read(tmp_path, dev=[document])
    assert [e.text for e in result.examples] == ["Trump’s wall."]
    assert result.repaired == {"document with UTF-8 read as Latin-1 (mojibake): characters decoded again": 1}


def test_wrong_header_raises_with_expected_and_found(tmp_path: Path) -> None:
    (tmp_path / "dev.csv").write_text("DOCUMENT_INDEX,TITLE\r\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"dev.csv, line 1: expected the header \['DOCUMENT_INDEX'.*found"):
        persent.read(tmp_path)


def test_missing_file_names_the_fix(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"file dev.csv not found .* --data-dir"):
        persent.read(tmp_path)


@pytest.mark.skipif(not REAL.is_dir(), reason="real data folder absent")
def test_real_files_give_the_documented_counts() -> None:
    result = persent.read(REAL)
    by_split = {split: sum(1 for e in result.examples if e.split == split) for split in persent.FILES}
    assert by_split == {"dev": 3382, "random_test": 3392, "fixed_test": 5222}
    reasons = {d.reason for d in result.dropped}
    assert "number of paragraph labels differs from the number of paragraphs" not in reasons
    assert sum(d.reason == "duplicate of an earlier document" for d in result.dropped) == 4
