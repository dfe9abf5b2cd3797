"""Tests of the VAST reader on a tiny invented zip + CSV and, if present, the real data."""

from __future__ import annotations

import csv
import io
import zipfile
from collections import Counter
from pathlib import Path

import pytest

from stance.errors import DataError
from training.datasets import vast
from training.datasets.vast import is_dev_post, read

REAL_ROOT = Path(__file__).parents[2] / "shared" / "data" / vast.NAME

SODA = "Taxes on soda are a fine idea.\nThey cut sugar intake."  # a quoted field spanning two lines
NUCLEAR = "Nuclear power is the safest bet we have."  # lands in dev (see the test below)
ZOOS = "Zoos are cruel, close them."
BIKES = "Bike lanes make cities better."
TRAIN_HEADER = ["author", "post", "ori_topic", "new_topic", "label", "type_idx"]
TRAIN = [
    ["Ann", SODA, "soda", "soda tax", "1", "1"],  # lines 2-3
    ["Ann", SODA, "soda", "soda tax", "1", "3"],  # lines 4-5: repeat of line 2
    ["Ann", SODA, "sugar", "sugar", "2", "4"],  # lines 6-7
    ["Bo", ZOOS, "zoos", "zoos", "0", "1"],  # line 8: conflict
    ["Bo", ZOOS, "zoos", "zoos", "2", "4"],  # line 9: conflict
    ["Bo", ZOOS, "animals", "animal welfare", "1", "2"],  # line 10
    ["Cy", NUCLEAR, "nuclear", "nuclear power", "1", "1"],  # line 11: dev
]
SENTSWAP_HEADER = ["author", "post", "new_topic", "label", "change_type"]
SENTSWAP = [
    ["Di", BIKES, "bike lanes", "1", "pro_neg2pos"],  # line 2
    ["Di", BIKES, "bike lanes", "1", "pro_neg2pos"],  # line 3: repeat
    ["Ed", ZOOS, "zoos", "0", "con_pos2neg"],  # line 4: post also in train
]


def csv_text(header: list[str], rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def write_dataset(root: Path, train: list[list[str]], sentswap: list[list[str]]) -> Path:
    """Write the zipped train CSV and the sentswap CSV at the real relative paths; return root."""
    zipped = root / vast.FILES["train"]
    zipped.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr(vast.TRAIN_MEMBER, csv_text(TRAIN_HEADER, train))
    sentswap_path = root / vast.FILES["test-sentswap"]
    sentswap_path.parent.mkdir(parents=True, exist_ok=True)
    sentswap_path.write_text(csv_text(SENTSWAP_HEADER, sentswap), encoding="utf-8")
    return root


def test_dev_split_is_a_stable_hash_of_the_post() -> None:
    assert is_dev_post(NUCLEAR)
    assert not any(is_dev_post(post) for post in (SODA, ZOOS, BIKES))


def test_examples_have_topic_names_labels_and_splits(tmp_path: Path) -> None:
    examples = {e.id: e for e in read(write_dataset(tmp_path, TRAIN, SENTSWAP)).examples}
    ids = ["vast/dev/11", "vast/test-sentswap/2", "vast/train/10", "vast/train/2", "vast/train/6"]
    assert sorted(examples) == ids
    soda = examples["vast/train/2"]
    assert (soda.text, soda.target, soda.target_span, soda.holder) == (SODA, "soda tax", None, None)
    assert soda.label == "favor"
    assert examples["vast/train/6"].label == "neutral"
    assert (examples["vast/dev/11"].split, examples["vast/dev/11"].target_name) == ("dev", "nuclear power")
    assert examples["vast/test-sentswap/2"].split == "test-sentswap"


def test_dropped_rows_name_file_line_and_reason(tmp_path: Path) -> None:
    result = read(write_dataset(tmp_path, TRAIN, SENTSWAP))
    train_file = "datasets/VAST/vast_train.zip:vast_train.csv"
    conflict = ("conflicting labels for the same (post, topic)", "labels ['against', 'neutral'] on lines [8, 9]")
    repeat = ("repeat of the same (post, topic) and label", "first on line 2")
    assert [(d.file, d.line, (d.reason, d.detail)) for d in result.dropped] == [
        (train_file, 4, repeat),
        (train_file, 8, conflict),
        (train_file, 9, conflict),
        ("data/VAST/vast_test-sentswap.csv", 3, repeat),
        ("data/VAST/vast_test-sentswap.csv", 4, ("post also in the train file (train/dev leakage)", "")),
    ]
    assert result.repaired == {}


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        (["Fy", "A post.", "topic", "topic", "5", "1"], "expected label in \\['0', '1', '2'\\], found '5'"),
        (["Fy", "A post.", "topic", "topic", "1"], "expected 6 fields like the header, found 5"),
        (["Fy", " ", "topic", "topic", "1", "1"], "empty post or new_topic"),
    ],
)
def test_unparseable_row_raises_with_file_and_line(tmp_path: Path, row: list[str], problem: str) -> None:
    write_dataset(tmp_path, TRAIN + [row], SENTSWAP)
    with pytest.raises(DataError, match=rf"vast_train\.zip:vast_train\.csv, line 12: {problem}"):
        read(tmp_path)


def test_missing_column_and_missing_member_raise(tmp_path: Path) -> None:
    write_dataset(tmp_path, TRAIN, SENTSWAP)
    sentswap_path = tmp_path / vast.FILES["test-sentswap"]
    sentswap_path.write_text("author,post,topic,label\nDi,A post.,x,1\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"line 1: the header lacks the columns \['new_topic'\]"):
        read(tmp_path)
    with zipfile.ZipFile(tmp_path / vast.FILES["train"], "w") as archive:
        archive.writestr("other.csv", "post\n")
    with pytest.raises(DataError, match="cannot open vast_train.csv in the zip"):
        read(tmp_path)


@pytest.mark.skipif(not REAL_ROOT.is_dir(), reason=f"real data not at {REAL_ROOT}")
def test_real_data_counts_are_plausible() -> None:
    result = read(REAL_ROOT)
    splits = Counter(e.split for e in result.examples)
    # 9,838 distinct (post, topic) pairs, of which 2,471 carry conflicting labels.
    assert splits["train"] + splits["dev"] == 9838 - 2471
    assert 0.05 < splits["dev"] / (splits["train"] + splits["dev"]) < 0.15
    assert 850 < splits["test-sentswap"] <= 932
    posts = {split: {e.text for e in result.examples if e.split == split} for split in splits}
    assert not posts["train"] & posts["dev"]
    assert not posts["test-sentswap"] & (posts["train"] | posts["dev"])
    assert sum("conflicting labels" in d.reason for d in result.dropped if "train" in d.file) > 2 * 2471
