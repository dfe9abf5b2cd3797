"""Tests of the directed sentiment news reader on tiny invented files and, if present, the real data."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from stance.errors import DataError
from training.datasets import directed
from training.datasets.directed import read

REAL_ROOT = Path(__file__).parents[2] / "shared" / "data" / directed.NAME

TRAIN = [
    "[Los Angele]s officials praised [Congre]ss on Monday.\tLos Angele\tCongre\t1",  # 1: cut brackets
    "[Smith’]s aides blamed [Jones] for the delay.\tSmith’\tJones\t4",  # 2: possessive
    "The city[’s Harbor Board] thanked [Mayor Lee] twice.\t’s Harbor Board\tMayor Lee\t2",  # 3
    "[Acme] sued [Beta] and [Gamma].\tAcme\tBeta\t3",  # 4: three mentions
    "[Dana] left the room[.]\tDana\t.\t0",  # 5: punctuation "mention"
    "[Los Angele]s officials praised [Congre]ss on Monday.\tLos Angele\tCongre\t1",  # 6: duplicate
    "[Kim] criticised [Park] in a speech.\tKim\tPark\t3",  # 7: sentence also in test
    '"[Ann] said ""no"" to [Bob]."\tAnn\tBob\t3',  # 8: CSV-quoted
    "[Ann] met [ Bob] again.\tAnn\tRobert\t0",  # 9: column differs, space inside bracket
    "The s[enator] met [Obama]Later he left.\tenator\tObama\t0",  # 10: glued sentences
    "[Bernie Sanders’] plan drew praise from [Ohio].\tBernie Sanders’\tOhio\t2",  # 11: plural possessive
]
DEV = [
    "[Lee] thanked [Kim] for the visit.\tLee\tKim\t1",  # 1: sentence also in test
    "[Ohio] sued [Texas] over water.\tOhio\tTexas\t3",  # 2
]
TEST = [
    "[Kim] criticised [Park] in a speech.\tKim\tPark\t3",
    "[Lee] thanked [Kim] for the visit.\tLee\tKim\t1",
]


def write_dataset(root: Path, train: list[str], dev: list[str], test: list[str]) -> Path:
    """Write the three split files under root/dataset/ like the real dataset; return root."""
    for split, lines in (("train", train), ("dev", dev), ("test", test)):
        path = root / directed.FILES[split]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return root


def by_id(examples: list) -> dict:
    return {example.id: example for example in examples}


def test_cut_brackets_are_widened_to_whole_words(tmp_path: Path) -> None:
    examples = by_id(read(write_dataset(tmp_path, TRAIN, DEV, TEST)).examples)
    forward = examples["directed_sentiment_news/train/1/e1->e2"]
    assert forward.text == "Los Angeles officials praised Congress on Monday."
    assert (forward.holder_span, forward.target_span) == ((0, 11), (30, 38))
    assert (forward.holder_name, forward.target_name) == ("Los Angeles", "Congress")
    assert forward.holder is None and forward.target is None
    assert forward.label == "favor"
    backward = examples["directed_sentiment_news/train/1/e2->e1"]
    assert (backward.holder_name, backward.target_name) == ("Congress", "Los Angeles")
    assert backward.label == "neutral"


def test_possessive_is_cut_off_and_direction_follows_label(tmp_path: Path) -> None:
    examples = by_id(read(write_dataset(tmp_path, TRAIN, DEV, TEST)).examples)
    forward = examples["directed_sentiment_news/train/2/e1->e2"]
    backward = examples["directed_sentiment_news/train/2/e2->e1"]
    assert forward.text == "Smith’s aides blamed Jones for the delay."
    assert forward.holder_span == (0, 5) and forward.holder_name == "Smith"
    assert (forward.label, backward.label) == ("neutral", "against")
    assert (backward.holder_name, backward.target_name) == ("Jones", "Smith")
    plural = examples["directed_sentiment_news/train/11/e2->e1"]
    assert (plural.holder_name, plural.target_name, plural.label) == ("Ohio", "Bernie Sanders", "favor")


def test_bracket_opened_after_a_possessive_starts_at_the_next_word(tmp_path: Path) -> None:
    examples = by_id(read(write_dataset(tmp_path, TRAIN, DEV, TEST)).examples)
    backward = examples["directed_sentiment_news/train/3/e2->e1"]
    assert backward.text == "The city’s Harbor Board thanked Mayor Lee twice."
    assert (backward.holder_name, backward.target_name) == ("Mayor Lee", "Harbor Board")
    assert backward.label == "favor"


def test_word_cut_at_start_is_widened_but_glued_sentences_are_not(tmp_path: Path) -> None:
    examples = by_id(read(write_dataset(tmp_path, TRAIN, DEV, TEST)).examples)
    example = examples["directed_sentiment_news/train/10/e1->e2"]
    assert (example.holder_name, example.target_name) == ("senator", "Obama")


def test_csv_quoting_and_entity_column_mismatch(tmp_path: Path) -> None:
    examples = by_id(read(write_dataset(tmp_path, TRAIN, DEV, TEST)).examples)
    quoted = examples["directed_sentiment_news/train/8/e1->e2"]
    assert quoted.text == 'Ann said "no" to Bob.'
    assert (quoted.holder_name, quoted.target_name, quoted.label) == ("Ann", "Bob", "against")
    mismatch = examples["directed_sentiment_news/train/9/e1->e2"]
    assert mismatch.text == "Ann met  Bob again."
    assert mismatch.target_span == (9, 12) and mismatch.target_name == "Bob"


def test_dropped_rows_name_file_line_and_reason(tmp_path: Path) -> None:
    result = read(write_dataset(tmp_path, TRAIN, DEV, TEST))
    dropped = {(row.file, row.line): (row.reason, row.detail) for row in result.dropped}
    three_mentions = "found 3 '[' and 3 ']' in the order [][][]"
    assert dropped == {
        ("dataset/train.txt", 4): ("not exactly two [...] mentions", three_mentions),
        ("dataset/train.txt", 5): ("a mention has no letters or digits", "second '.'"),
        ("dataset/train.txt", 6): ("duplicate row in the same split", "first on line 1"),
        ("dataset/train.txt", 7): ("sentence also in dev or test (leakage)", ""),
        ("dataset/valid.txt", 1): ("sentence also in test (leakage)", ""),
    }
    assert all(row.dataset == "directed_sentiment_news" for row in result.dropped)


def test_repairs_are_counted(tmp_path: Path) -> None:
    result = read(write_dataset(tmp_path, TRAIN, DEV, TEST))
    assert result.repaired == {
        "bracket closed inside a word": 3,  # Los Angeles, Congress, Smith (shortened to drop ’s)
        "bracket opened inside a word": 2,
        "CSV-quoted field decoded": 1,
        "whitespace trimmed inside brackets": 1,
        "trailing possessive apostrophe removed": 1,
        "bracketed text differs from the entity column (bracketed span used)": 1,
    }


def test_splits_and_counts(tmp_path: Path) -> None:
    result = read(write_dataset(tmp_path, TRAIN, DEV, TEST))
    assert Counter(example.split for example in result.examples) == {"train": 14, "dev": 2, "test": 4}
    assert {example.task for example in result.examples} == {"stance"}


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("[Ann] met [Bob].\tAnn\tBob", "expected 4 tab-separated fields"),
        ("[Ann] met [Bob].\tAnn\tBob\t7", "expected 4 tab-separated fields"),
    ],
)
def test_unparseable_row_raises_with_file_and_line(tmp_path: Path, line: str, problem: str) -> None:
    write_dataset(tmp_path, TRAIN[:2] + [line], DEV, TEST)
    with pytest.raises(DataError, match=rf"train\.txt, line 3: {problem}"):
        read(tmp_path)


def test_missing_file_names_the_file(tmp_path: Path) -> None:
    write_dataset(tmp_path, TRAIN, DEV, TEST)
    (tmp_path / "dataset" / "valid.txt").unlink()
    with pytest.raises(DataError, match="file dataset/valid.txt not found"):
        read(tmp_path)


@pytest.mark.skipif(not REAL_ROOT.is_dir(), reason=f"real data not at {REAL_ROOT}")
def test_real_data_counts_are_plausible() -> None:
    result = read(REAL_ROOT)
    splits = Counter(example.split for example in result.examples)
    assert 2 * 1500 < splits["test"] < 2 * 1623
    assert 2 * 1300 < splits["dev"] < 2 * 1461
    assert 2 * 9000 < splits["train"] < 2 * 13144
    texts = {split: {e.text for e in result.examples if e.split == split} for split in splits}
    assert not texts["train"] & (texts["dev"] | texts["test"])
    assert not texts["dev"] & texts["test"]
    assert all("[" not in e.holder_name and "]" not in e.target_name for e in result.examples)
    assert all(e.target_name == e.target_name.strip() for e in result.examples)
    assert result.repaired["bracket closed inside a word"] > 4000
