"""IBM Debater Claim Stance (Bar-Haim et al., EACL 2017): Wikipedia claims vs. debate motions.

The copy we read was re-saved by a spreadsheet that took ';' as its delimiter: each line holds the
original CSV row as one quoted field, padded with ';' to five fields. Rows whose claim contained ';'
were cut into several fields there, and one claim with a line break became three lines; both are
undone here (see `_unwrap` and `_records`), which restores all 2,394 claims of the IBM readme.

Each claim gives up to two examples:
- stance: text = the claim, target = the motion's target (a name), label = claim stance toward the
  motion (PRO +1 / CON -1) times the motion's sentiment toward its target (+1 / -1), so PRO on
  "... should be banned" is against the thing to be banned;
- sentiment: text = the claim, target_span = the claim's own target, label = claimSentiment.

Splits: the file's train and test, and dev = the train topics whose sha1 sorts first (20%).
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Union

from stance.schema import Example
from training.datasets.base import Dropped, ReadResult, malformed, require_file

NAME = "ibm_claim_stance"
CSV = "claim_stance_dataset_v1.csv"
FILES = {"train+test": CSV}
COLUMNS = (
    "topicId", "split", "topicText", "topicTarget", "topicSentiment", "claims.claimId",
    "claims.stance", "claims.claimCorrectedText", "claims.claimOriginalText",
    "claims.article.rawFile", "claims.article.rawSpan.start", "claims.article.rawSpan.end",
    "claims.article.cleanFile", "claims.article.cleanSpan.start", "claims.article.cleanSpan.end",
    "claims.Compatible", "claims.claimTarget.text", "claims.claimTarget.span.start",
    "claims.claimTarget.span.end", "claims.claimSentiment", "claims.targetsRelation",
)  # fmt: skip
STANCE_SIGN = {"PRO": 1, "CON": -1}
SENTIMENT = {"1": "positive", "-1": "negative"}
DEV_FRACTION = 0.2
MAX_LINES_PER_ROW = 5
"""A row broken by line breaks is rejoined from at most this many lines; beyond that we give up."""
SPLIT_ORDER = ("test", "dev", "train")
"""Held-out splits keep a duplicated example; the copy in a later split is dropped."""

Row = dict[str, str]
Outcome = Union[Example, str]
"""An example, or the reason why the row gives none for that task."""


def _unwrap(line: str) -> tuple[str, bool]:
    """Undo the spreadsheet layer of one line; return the original CSV text and whether it was cut."""
    fields = next(csv.reader([line], delimiter=";"))
    # The padding is empty fields; the original row always ends with a quoted field, never with ';'.
    while fields and fields[-1] == "":
        fields.pop()
    return ";".join(fields), len(fields) > 1


def _records(path: Path, result: ReadResult) -> Iterator[tuple[int, list[str]]]:
    """Yield (first line number, fields) per original CSV row; drop lines that cannot be rejoined."""
    pending: list[tuple[int, str, bool]] = []
    with open(path, encoding="utf-8", newline="") as handle:
        for line_no, line in enumerate(handle, 1):
            if not pending and not line.strip():
                continue  # a blank line between rows (e.g. at the end of the file) holds no row
            pending.append((line_no, *_unwrap(line.rstrip("\r\n"))))
            text = "\n".join(part for _, part, _ in pending)
            if text.count('"') % 2 == 0:  # an odd count means a quoted field is still open
                yield pending[0][0], _fields(text, pending, result)
                pending = []
            elif len(pending) == MAX_LINES_PER_ROW:
                _drop_lines(pending, result, f"quoted field still open after {MAX_LINES_PER_ROW} lines")
                pending = []
    _drop_lines(pending, result, "quoted field still open at the end of the file")


def _fields(text: str, lines: list[tuple[int, str, bool]], result: ReadResult) -> list[str]:
    """Parse one rejoined row and count the repairs that were needed to rejoin it."""
    if any(cut for _, _, cut in lines):
        result.repair("row cut at ';' by the spreadsheet: fields rejoined with ';'")
    if len(lines) > 1:
        result.repair("row broken over several lines by a line break in the claim: lines rejoined")
    return next(csv.reader([text]))


def _drop_lines(lines: list[tuple[int, str, bool]], result: ReadResult, reason: str) -> None:
    """Record each of `lines` as dropped for `reason`."""
    for line_no, _, _ in lines:
        result.dropped.append(Dropped(NAME, CSV, line_no, reason))


def _rows(path: Path, result: ReadResult) -> list[tuple[int, Row]]:
    """Return (line number, row by column name) for every row with the 21 expected fields."""
    records = _records(path, result)
    header_line, header = next(records, (1, []))
    if tuple(header) != COLUMNS:
        raise malformed(NAME, path, header_line, f"expected the header {list(COLUMNS)}, found {header}")
    rows = []
    for line_no, fields in records:
        if len(fields) == len(COLUMNS):
            rows.append((line_no, dict(zip(COLUMNS, fields))))
        else:
            reason = f"row has {len(fields)} fields after decoding, expected {len(COLUMNS)}"
            result.dropped.append(Dropped(NAME, CSV, line_no, reason))
    return rows


def _dev_topics(rows: list[tuple[int, Row]]) -> set[str]:
    """The train topics moved to dev: the DEV_FRACTION of them whose sha1 hex digest sorts first."""
    topics = sorted({row["topicText"] for _, row in rows if row["split"] == "train"})
    topics.sort(key=lambda topic: hashlib.sha1(topic.encode("utf-8")).hexdigest())
    return set(topics[: round(len(topics) * DEV_FRACTION)])


def _claim_text(row: Row) -> str:
    # The one claim with a line break has it between two words ("word \nword"): one space.
    return re.sub(r"\s*\n\s*", " ", row["claims.claimCorrectedText"]).strip()


def _stance(row: Row, split: str) -> Outcome:
    """The stance example of a row: stance toward the motion times the motion's sentiment."""
    stance, sentiment = row["claims.stance"], row["topicSentiment"]
    if stance not in STANCE_SIGN or sentiment not in ("1", "-1") or not row["topicTarget"].strip():
        return "stance: claims.stance not PRO/CON, topicSentiment not +1/-1, or topicTarget empty"
    sign = STANCE_SIGN[stance] * int(sentiment)
    return Example(
        id=f"{NAME}/{split}/{row['claims.claimId']}/stance",
        text=_claim_text(row),
        target=row["topicTarget"],
        task="stance",
        label="favor" if sign > 0 else "against",
        dataset=NAME,
        split=split,
    )


def _sentiment(row: Row, split: str) -> Outcome:
    """The sentiment example of a row: the claim's sentiment toward its own target span."""
    if row["claims.Compatible"] != "yes":
        return "sentiment: claims.Compatible is not 'yes' (no claim target or sentiment annotated)"
    if row["claims.claimSentiment"] not in SENTIMENT:
        return "sentiment: claims.claimSentiment is not +1 or -1"
    text, target = _claim_text(row), row["claims.claimTarget.text"]
    try:
        span = (int(row["claims.claimTarget.span.start"]), int(row["claims.claimTarget.span.end"]))
    except ValueError:
        return "sentiment: claims.claimTarget.span.start/end are not integers"
    if text[span[0] : span[1]] != target or not target:
        return "sentiment: claim text at claims.claimTarget.span differs from claims.claimTarget.text"
    return Example(
        id=f"{NAME}/{split}/{row['claims.claimId']}/sentiment",
        text=text,
        target_span=span,
        task="sentiment",
        label=SENTIMENT[row["claims.claimSentiment"]],
        dataset=NAME,
        split=split,
    )


def _split_of(row: Row, dev_topics: set[str]) -> str:
    """The split a row goes to: dev for a dev topic, else the file's own split."""
    return "dev" if row["topicText"] in dev_topics else row["split"]


def _check_splits(path: Path, rows: list[tuple[int, Row]]) -> None:
    """Raise a DataError naming the line of the first row whose split is not train or test."""
    for line_no, row in rows:
        if row["split"] not in ("train", "test"):
            raise malformed(NAME, path, line_no, f"split {row['split']!r} is not 'train' or 'test'")


def _keep(
    outcome: Outcome, line_no: int, first_split: dict[tuple[object, ...], str], result: ReadResult
) -> None:
    """Add an example to `result` unless it is a drop reason or repeats an example already kept."""
    if isinstance(outcome, str):
        result.dropped.append(Dropped(NAME, CSV, line_no, outcome))
        return
    key = (outcome.task, outcome.text, outcome.target, outcome.target_span)
    if key in first_split:
        reason = f"{outcome.task}: same claim and target as a {first_split[key]} example"
        result.dropped.append(Dropped(NAME, CSV, line_no, reason))
        return
    first_split[key] = outcome.split
    result.examples.append(outcome)


def read(root: Path) -> ReadResult:
    """Read the claim stance CSV from `root` (the dataset's folder); return examples and drops."""
    result = ReadResult()
    path = require_file(NAME, root, CSV)
    rows = _rows(path, result)
    _check_splits(path, rows)
    dev_topics = _dev_topics(rows)
    rows.sort(key=lambda item: SPLIT_ORDER.index(_split_of(item[1], dev_topics)))
    first_split: dict[tuple[object, ...], str] = {}
    for line_no, row in rows:
        split = _split_of(row, dev_topics)
        if not _claim_text(row):
            result.dropped.append(Dropped(NAME, CSV, line_no, "claims.claimCorrectedText is empty"))
            continue
        for outcome in (_stance(row, split), _sentiment(row, split)):
            _keep(outcome, line_no, first_split, result)
    return result
