"""P-Stance (Li et al., Findings of ACL 2021): stance of political tweets toward three candidates.

Labels are favor / against only (P-Stance has no neutral class); the target is a name (Donald Trump,
Joe Biden, Bernie Sanders) and the holder is the tweet's author. Splits: train, dev (the val files)
and test, each the union of the three per-candidate files. Dropped: every copy of a (tweet, target)
with conflicting labels, later copies of a duplicate within a split, and train / dev tweets that also
occur in a later split (so the official test set stays whole).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from stance.schema import Example
from training.datasets.base import Dropped, ReadResult, drop_conflicts_and_repeats, malformed, require_file

NAME = "pstance"
SPLITS = {"train": "train", "dev": "val", "test": "test"}  # our split name -> the files' name
TARGETS = {"trump": "Donald Trump", "biden": "Joe Biden", "bernie": "Bernie Sanders"}
FILES = {
    f"{split}/{who}": f"data/raw_{raw}_{who}.csv" for split, raw in SPLITS.items() for who in TARGETS
}
HEADER = ["Tweet", "Target", "Stance"]
STANCES = {"FAVOR": "favor", "AGAINST": "against"}


@dataclass(frozen=True)
class Row:
    """One raw row and where it came from (file key as in FILES, first physical line)."""

    file: str
    line: int
    tweet: str
    target: str
    stance: str


def _parse(path: Path, line_no: int, fields: list[str], target: str) -> tuple[str, str, str]:
    """Check one record's fields; return (tweet, target, stance) or raise malformed()."""
    if len(fields) != 3:
        problem = f"expected 3 fields {HEADER}, found {len(fields)}: {fields!r:.200}"
        raise malformed(NAME, path, line_no, problem)
    tweet, found_target, stance = fields
    if not tweet.strip():
        raise malformed(NAME, path, line_no, "the Tweet field is empty")
    if found_target != target:
        problem = f"expected Target {target!r} in this file, found {found_target!r}"
        raise malformed(NAME, path, line_no, problem)
    if stance not in STANCES:
        raise malformed(NAME, path, line_no, f"expected Stance in {sorted(STANCES)}, found {stance!r}")
    return tweet, found_target, stance


def _read_file(root: Path, key: str) -> list[Row]:
    """Read one per-candidate CSV (quoted fields may span lines); return its rows."""
    path = require_file(NAME, root, FILES[key])
    target = TARGETS[key.split("/")[1]]
    rows = []
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, strict=True)
        try:
            header = next(reader, None)
            if header != HEADER:
                raise malformed(NAME, path, 1, f"expected the header {HEADER}, found {header}")
            start = reader.line_num + 1
            for fields in reader:
                if fields:
                    rows.append(Row(key, start, *_parse(path, start, fields, target)))
                start = reader.line_num + 1
        except csv.Error as err:
            raise malformed(NAME, path, reader.line_num, f"bad CSV quoting: {err}") from err
    return rows


def _drop_conflicts_and_duplicates(rows: list[Row], result: ReadResult) -> list[Row]:
    """Drop every copy of a (tweet, target) with two labels and later copies of the rest."""
    kept = drop_conflicts_and_repeats(
        rows,
        key=lambda row: (row.tweet, row.target),
        label=lambda row: row.stance,
        where=lambda row: (FILES[row.file], row.line),
        what="(tweet, target)",
        dataset=NAME,
        result=result,
    )
    return sorted(kept, key=lambda row: (row.file, row.line))


def _example(row: Row, split: str) -> Example:
    """The stance example of one kept row; its id names split, candidate file and line."""
    return Example(
        id=f"{NAME}/{split}/{row.file.split('/')[1]}/{row.line}",
        text=row.tweet,
        target=row.target,
        task="stance",
        label=STANCES[row.stance],
        dataset=NAME,
        split=split,
    )


def read(root: Path) -> ReadResult:
    """Read P-Stance from `root` (the dataset's folder); return examples, dropped rows (no repairs)."""
    result = ReadResult()
    held_out: set[str] = set()
    # Test first, then dev, then train: each is checked against the tweets of the splits read before.
    for split, leak_reason in (
        ("test", ""),
        ("dev", "tweet also in test (leakage)"),
        ("train", "tweet also in dev or test (leakage)"),
    ):
        rows = [row for who in TARGETS for row in _read_file(root, f"{split}/{who}")]
        for row in _drop_conflicts_and_duplicates(rows, result):
            if row.tweet in held_out:
                result.dropped.append(Dropped(NAME, FILES[row.file], row.line, leak_reason))
            else:
                result.examples.append(_example(row, split))
        held_out.update(row.tweet for row in rows)
    return result
