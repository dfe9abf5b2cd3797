"""VAST (Allaway & McKeown, EMNLP 2020): stance of New York Times comments toward varied topics.

Only the train file and the sentiment-swapped test file are public in a usable form, so the splits
are: train and dev (a deterministic ~10% of the train posts, chosen by a sha1 of the post text, so
all topics of one post land in the same split) and test-sentswap. The target is the topic phrase
(`new_topic`) as a name; the holder is the comment's author. Dropped: every copy of a (post, topic)
with conflicting labels, later copies of a repeated (post, topic) within a file, and sentswap rows
whose post also occurs in the train file.
"""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from stance.schema import Example
from training.datasets.base import Dropped, ReadResult, drop_conflicts_and_repeats, malformed, require_file

NAME = "vast"
FILES = {"train": "datasets/VAST/vast_train.zip", "test-sentswap": "data/VAST/vast_test-sentswap.csv"}
TRAIN_MEMBER = "vast_train.csv"
COLUMNS = ("post", "new_topic", "label")
LABELS = {"0": "against", "1": "favor", "2": "neutral"}  # 0 = con, 1 = pro, 2 = neutral
DEV_BUCKETS = 10  # a post goes to dev when sha1(post) % DEV_BUCKETS == 0, i.e. about 10% of posts


@dataclass(frozen=True)
class Row:
    """One raw row: its first physical line, the post, the topic and the raw label ("0"-"2")."""

    line: int
    post: str
    topic: str
    label: str


def _parse(path: Path, line_no: int, fields: list[str], index: dict[str, int], width: int) -> Row:
    """Check one record against the header; return a Row or raise malformed()."""
    if len(fields) != width:
        raise malformed(NAME, path, line_no, f"expected {width} fields like the header, found {len(fields)}")
    post, topic, label = (fields[index[column]] for column in COLUMNS)
    if not post.strip() or not topic.strip():
        raise malformed(NAME, path, line_no, f"empty post or new_topic: {post!r:.80}, {topic!r:.80}")
    if label not in LABELS:
        raise malformed(NAME, path, line_no, f"expected label in {sorted(LABELS)}, found {label!r}")
    return Row(line_no, post, topic, label)


def _parse_csv(path: Path, lines: Iterable[str]) -> list[Row]:
    """Parse a VAST CSV (header with at least COLUMNS; quoted fields may span lines); return rows."""
    reader = csv.reader(lines, strict=True)
    rows = []
    try:
        header = next(reader, [])
        missing = [column for column in COLUMNS if column not in header]
        if missing:
            raise malformed(NAME, path, 1, f"the header lacks the columns {missing}: found {header}")
        index = {column: header.index(column) for column in COLUMNS}
        start = reader.line_num + 1
        for fields in reader:
            if fields:
                rows.append(_parse(path, start, fields, index, len(header)))
            start = reader.line_num + 1
    except csv.Error as err:
        raise malformed(NAME, path, reader.line_num, f"bad CSV quoting: {err}") from err
    return rows


def _read_train(root: Path) -> list[Row]:
    """Read vast_train.csv from inside the zip, without extracting it; return its rows."""
    path = require_file(NAME, root, FILES["train"])
    member = Path(f"{path}:{TRAIN_MEMBER}")
    try:
        with zipfile.ZipFile(path) as archive, archive.open(TRAIN_MEMBER) as raw:
            return _parse_csv(member, io.TextIOWrapper(raw, encoding="utf-8", newline=""))
    except (zipfile.BadZipFile, KeyError) as err:
        raise malformed(NAME, member, 0, f"cannot open {TRAIN_MEMBER} in the zip: {err}") from err


def _read_sentswap(root: Path) -> list[Row]:
    """Read the sentiment-swapped test file; return its rows."""
    path = require_file(NAME, root, FILES["test-sentswap"])
    with open(path, encoding="utf-8", newline="") as handle:
        return _parse_csv(path, handle)


def _drop_conflicts_and_repeats(rows: list[Row], file: str, result: ReadResult) -> list[Row]:
    """Drop every copy of a (post, topic) with two labels and later copies of the rest; return kept."""
    kept = drop_conflicts_and_repeats(
        rows,
        key=lambda row: (row.post, row.topic),
        label=lambda row: LABELS[row.label],
        where=lambda row: (file, row.line),
        what="(post, topic)",
        dataset=NAME,
        result=result,
    )
    return sorted(kept, key=lambda row: row.line)


def is_dev_post(post: str) -> bool:
    """True if `post` belongs to the dev split: a stable hash, the same on every machine and run."""
    digest = hashlib.sha1(post.encode("utf-8")).hexdigest()
    return int(digest, 16) % DEV_BUCKETS == 0


def _example(row: Row, split: str) -> Example:
    """The stance example of one kept row; its id names the split and the raw line."""
    return Example(
        id=f"{NAME}/{split}/{row.line}",
        text=row.post,
        target=row.topic,
        task="stance",
        label=LABELS[row.label],
        dataset=NAME,
        split=split,
    )


def read(root: Path) -> ReadResult:
    """Read VAST from `root` (the dataset's folder); return examples and dropped rows (no repairs)."""
    result = ReadResult()
    train_file = f"{FILES['train']}:{TRAIN_MEMBER}"
    train_rows = _read_train(root)
    for row in _drop_conflicts_and_repeats(train_rows, train_file, result):
        result.examples.append(_example(row, "dev" if is_dev_post(row.post) else "train"))
    train_posts = {row.post for row in train_rows}
    for row in _drop_conflicts_and_repeats(_read_sentswap(root), FILES["test-sentswap"], result):
        if row.post in train_posts:
            reason = "post also in the train file (train/dev leakage)"
            result.dropped.append(Dropped(NAME, FILES["test-sentswap"], row.line, reason))
        else:
            result.examples.append(_example(row, "test-sentswap"))
    return result
