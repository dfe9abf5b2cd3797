"""Tests of the P-Stance reader on tiny invented CSV files and, if present, the real data."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from stance.errors import DataError
from training.datasets import pstance
from training.datasets.pstance import read

REAL_ROOT = Path(__file__).parents[2] / "shared" / "data" / pstance.NAME

ROWS = {
    "train/trump": [
        ["Great rally tonight, #MAGA", "Donald Trump", "FAVOR"],  # line 2
        ['He said "no, never"\nand left.', "Donald Trump", "AGAINST"],  # lines 3-4: quoted newline
        ["Great rally tonight, #MAGA", "Donald Trump", "FAVOR"],  # line 5: duplicate of line 2
        ["Worst week ever for him", "Donald Trump", "AGAINST"],  # line 6: also in test
    ],
    "train/biden": [
        ["Joe gets it done", "Joe Biden", "FAVOR"],  # line 2: conflict
        ["Joe gets it done", "Joe Biden", "AGAINST"],  # line 3: conflict
        ["Sleepy again", "Joe Biden", "AGAINST"],  # line 4: also in dev
    ],
    "train/bernie": [["Feel the Bern", "Bernie Sanders", "FAVOR"]],
    "dev/trump": [["Tax cuts for whom?", "Donald Trump", "AGAINST"]],
    "dev/biden": [
        ["Sleepy again", "Joe Biden", "AGAINST"],  # line 2
        ["Vote Joe in November", "Joe Biden", "FAVOR"],  # line 3: also in test
    ],
    "dev/bernie": [["Medicare for all now", "Bernie Sanders", "FAVOR"]],
    "test/trump": [["Worst week ever for him", "Donald Trump", "AGAINST"]],
    "test/biden": [["Vote Joe in November", "Joe Biden", "FAVOR"]],
    "test/bernie": [["Too old, too radical", "Bernie Sanders", "AGAINST"]],
}


def write_dataset(root: Path, rows: dict[str, list[list[str]]]) -> Path:
    """Write each file of `rows` as data/raw_<split>_<who>.csv with the real header; return root."""
    for key, records in rows.items():
        path = root / pstance.FILES[key]
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\r\n")
            writer.writerow(pstance.HEADER)
            writer.writerows(records)
    return root


def test_examples_have_target_names_and_labels(tmp_path: Path) -> None:
    examples = {e.id: e for e in read(write_dataset(tmp_path, ROWS)).examples}
    quoted = examples["pstance/train/trump/3"]
    assert quoted.text == 'He said "no, never"\nand left.'
    assert (quoted.target, quoted.target_span, quoted.holder, quoted.label) == (
        "Donald Trump", None, None, "against",
    )
    assert examples["pstance/train/bernie/2"].label == "favor"
    assert examples["pstance/test/bernie/2"].target_name == "Bernie Sanders"


def test_dropped_rows_name_file_line_and_reason(tmp_path: Path) -> None:
    result = read(write_dataset(tmp_path, ROWS))
    conflict = ("conflicting labels for the same (tweet, target)", "labels ['AGAINST', 'FAVOR'] on lines [2, 3]")
    assert sorted((d.file, d.line, (d.reason, d.detail)) for d in result.dropped) == [
        ("data/raw_train_biden.csv", 2, conflict),
        ("data/raw_train_biden.csv", 3, conflict),
        ("data/raw_train_biden.csv", 4, ("tweet also in dev or test (leakage)", "")),
        ("data/raw_train_trump.csv", 5, ("repeat of the same (tweet, target) and label", "first on line 2")),
        ("data/raw_train_trump.csv", 6, ("tweet also in dev or test (leakage)", "")),
        ("data/raw_val_biden.csv", 3, ("tweet also in test (leakage)", "")),
    ]
    assert result.repaired == {}


def test_splits_keep_test_whole(tmp_path: Path) -> None:
    result = read(write_dataset(tmp_path, ROWS))
    assert Counter(e.split for e in result.examples) == {"train": 3, "dev": 3, "test": 3}
    assert Counter(e.label for e in result.examples) == {"favor": 4, "against": 5}


@pytest.mark.parametrize(
    ("record", "problem"),
    [
        (["Too few fields", "Joe Biden"], "expected 3 fields"),
        (["Fine tweet", "Joe Biden", "NONE"], "expected Stance in \\['AGAINST', 'FAVOR'\\], found 'NONE'"),
        (["Fine tweet", "Donald Trump", "FAVOR"], "expected Target 'Joe Biden' in this file"),
        (["  ", "Joe Biden", "FAVOR"], "the Tweet field is empty"),
    ],
)
def test_unparseable_row_raises_with_file_and_line(tmp_path: Path, record: list[str], problem: str) -> None:
    write_dataset(tmp_path, {**ROWS, "dev/biden": [["Fine", "Joe Biden", "FAVOR"], record]})
    with pytest.raises(DataError, match=rf"raw_val_biden\.csv, line 3: {problem}"):
        read(tmp_path)


def test_wrong_header_raises(tmp_path: Path) -> None:
    write_dataset(tmp_path, ROWS)
    path = tmp_path / pstance.FILES["test/trump"]
    path.write_text("text,target,label\r\nA tweet,Donald Trump,FAVOR\r\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"raw_test_trump\.csv, line 1: expected the header"):
        read(tmp_path)


def test_missing_file_names_the_file(tmp_path: Path) -> None:
    write_dataset(tmp_path, ROWS)
    (tmp_path / pstance.FILES["dev/bernie"]).unlink()
    with pytest.raises(DataError, match="file data/raw_val_bernie.csv not found"):
        read(tmp_path)


@pytest.mark.skipif(not REAL_ROOT.is_dir(), reason=f"real data not at {REAL_ROOT}")
def test_real_data_counts_are_plausible() -> None:
    result = read(REAL_ROOT)
    splits = Counter(e.split for e in result.examples)
    assert splits["test"] == 2157  # the official test set is kept whole
    assert 2100 < splits["dev"] <= 2193
    assert 17000 < splits["train"] <= 17224
    assert {e.label for e in result.examples} == {"favor", "against"}
    texts = {split: {e.text for e in result.examples if e.split == split} for split in splits}
    assert not texts["train"] & (texts["dev"] | texts["test"])
    assert not texts["dev"] & texts["test"]
    assert len(result.dropped) < 20
