"""Directed sentiment in news (Park et al., ACL-IJCNLP 2021): who endorses or blames whom.

Each raw row is a sentence with two bracketed entity mentions and a label for the direction of
sentiment between them. It becomes two stance examples, one per direction (holder -> target): the
direction the label names gets favor (positive) or against (negative), the other gets neutral.

Splits: train, dev (valid.txt) and test. Repairs: bracket boundaries cut inside a word are moved to
the word's edges (minus a possessive 's or '), whitespace inside brackets is trimmed, and CSV-quoted
fields ("...""...") are decoded; `result.repaired` counts them per mention or field. Dropped: rows
without exactly two usable mentions, duplicates within a split, and train / dev rows whose sentence
also occurs in a later split (so the official test set stays whole).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from stance.schema import Example, Span
from training.datasets.base import Dropped, ReadResult, malformed, require_file

NAME = "directed_sentiment_news"
FILES = {"train": "dataset/train.txt", "dev": "dataset/valid.txt", "test": "dataset/test.txt"}
# (label of e1 -> e2, label of e2 -> e1) for each raw class, in the order of the authors' dse2qa.py.
DIRECTIONS: dict[int, tuple[str, str]] = {
    0: ("neutral", "neutral"),
    1: ("favor", "neutral"),
    2: ("neutral", "favor"),
    3: ("against", "neutral"),
    4: ("neutral", "against"),
}
APOSTROPHES = "'’"
# A mention that starts with the end of the previous word's possessive: "[’s Democratic Party]".
POSSESSIVE_TAIL = re.compile(r"(?:['’]s|s) +(?=\w)")


@dataclass(frozen=True)
class Row:
    """One parsed raw row: the sentence without brackets and the two mention spans in it."""

    line: int
    text: str
    spans: tuple[Span, Span]
    label: int
    repairs: tuple[str, ...]


class Unusable(Exception):
    """A row with a documented defect that cannot be repaired; the message is the drop reason."""


def _in_word(text: str, i: int) -> bool:
    """True if text[i] is part of a word: a letter or digit, or an apostrophe between two of them."""
    if not 0 <= i < len(text):
        return False
    if text[i].isalnum():
        return True
    between_letters = 0 < i < len(text) - 1 and text[i - 1].isalnum() and text[i + 1].isalnum()
    return text[i] in APOSTROPHES and between_letters


def _joined(text: str, i: int) -> bool:
    """True if text[i - 1] and text[i] belong to one word (a cut there splits a word)."""
    # "ReutersHarrison": sentences in the source were glued together without a space.
    if not (_in_word(text, i - 1) and _in_word(text, i)):
        return False
    return not (text[i - 1].islower() and text[i].isupper())


def _strip_brackets(sentence: str) -> tuple[str, list[Span]]:
    """Remove the four bracket characters; return the clean text and the two raw mention spans."""
    marks = [i for i, ch in enumerate(sentence) if ch in "[]"]
    pattern = "".join(sentence[i] for i in marks)
    if pattern != "[][]":
        raise Unusable(
            f"not exactly two [...] mentions: found {sentence.count('[')} '[' and "
            f"{sentence.count(']')} ']' in the order {pattern or 'none'}"
        )
    o1, c1, o2, c2 = marks
    pieces = ((0, o1), (o1 + 1, c1), (c1 + 1, o2), (o2 + 1, c2), (c2 + 1, len(sentence)))
    text = "".join(sentence[start:end] for start, end in pieces)
    # Each removed bracket shifts the offsets of what follows it by one character.
    return text, [(o1, c1 - 1), (o2 - 2, c2 - 3)]


def _ends_possessive(text: str, start: int, end: int) -> bool:
    """True if text[start:end] is a word plus a possessive 's or ’s."""
    return end - start > 2 and text[end - 2] in APOSTROPHES and text[end - 1] in "sS"


def _widen(text: str, start: int, end: int) -> Span:
    """Move a start or end that falls inside a word to that word's edge; return the new span."""
    tail = POSSESSIVE_TAIL.match(text, start, end)
    if tail and _joined(text, start):
        start = tail.end()  # "state[’s Democratic Party]" names the Democratic Party
    while _joined(text, start):
        start -= 1
    new_end = end
    while _joined(text, new_end):
        new_end += 1
    if new_end > end and _ends_possessive(text, start, new_end):
        new_end -= 2  # "[Kasich’]s" names Kasich, not "Kasich’s"
    return start, new_end


def _repair_span(text: str, span: Span, which: str) -> tuple[Span, list[str]]:
    """Trim whitespace, move cut boundaries to word edges; return the span and the repairs made."""
    start, end = span
    mention = text[start:end]
    if not any(ch.isalnum() for ch in mention):
        raise Unusable(f"a mention has no letters or digits: {which} {mention!r}")
    repairs = []
    if mention != mention.strip():
        repairs.append("whitespace trimmed inside brackets")
        start += len(mention) - len(mention.lstrip())
        end -= len(mention) - len(mention.rstrip())
    # The raw offsets are often one or more characters short ("[Los Angele]s"): widen to whole words.
    new_start, new_end = _widen(text, start, end)
    if new_start != start:
        repairs.append("bracket opened inside a word")
    if new_end != end:
        repairs.append("bracket closed inside a word")
    # "[Bernie Sanders’]": the apostrophe of a plural possessive is not part of the name.
    name = text[new_start:new_end].rstrip(APOSTROPHES).rstrip()
    if len(name) < new_end - new_start:
        repairs.append("trailing possessive apostrophe removed")
        new_end = new_start + len(name)
    return (new_start, new_end), repairs


def _parse(path: Path, line_no: int, line: str) -> Row:
    """Parse one TSV line into a Row; raise malformed() or Unusable (a documented defect)."""
    try:
        # Fields holding a '"' are CSV-quoted ("...""..."), so read the line with csv, not split().
        fields = next(csv.reader([line.rstrip("\r\n")], delimiter="\t", strict=True))
    except csv.Error as err:
        raise malformed(NAME, path, line_no, f"bad quoting: {err}") from err
    if len(fields) != 4 or fields[3].strip() not in {str(k) for k in DIRECTIONS}:
        expected = "4 tab-separated fields (sentence, entity1, entity2, label 0-4)"
        raise malformed(NAME, path, line_no, f"expected {expected}, found {fields!r:.200}")
    sentence, entity1, entity2, label = fields
    text, raw_spans = _strip_brackets(sentence)
    span1, repairs1 = _repair_span(text, raw_spans[0], "first")
    span2, repairs2 = _repair_span(text, raw_spans[1], "second")
    if span1[1] > span2[0]:
        mentions = f"{text[span1[0]:span1[1]]!r} and {text[span2[0]:span2[1]]!r}"
        raise Unusable(f"the two mentions overlap after repair: {mentions}")
    repairs = repairs1 + repairs2
    if any(raw.startswith('"') for raw in line.split("\t")):
        repairs.append("CSV-quoted field decoded")
    bracketed = [text[start:end].strip() for start, end in raw_spans]
    if bracketed != [entity1.strip(), entity2.strip()]:
        repairs.append("bracketed text differs from the entity column (bracketed span used)")
    return Row(line_no, text, (span1, span2), int(label), tuple(repairs))


def _examples(row: Row, split: str) -> list[Example]:
    """The two directed examples of a row: holder = first mention, then holder = second mention."""
    forward, backward = DIRECTIONS[row.label]
    first, second = row.spans
    return [
        Example(
            id=f"{NAME}/{split}/{row.line}/{direction}",
            text=row.text,
            holder_span=holder,
            target_span=target,
            task="stance",
            label=label,
            dataset=NAME,
            split=split,
        )
        for direction, holder, target, label in (
            ("e1->e2", first, second, forward),
            ("e2->e1", second, first, backward),
        )
    ]


def _read_split(root: Path, split: str, result: ReadResult) -> list[Row]:
    """Parse one split file; record unusable and duplicate rows in `result`; return the kept rows."""
    path = require_file(NAME, root, FILES[split])
    rows: list[Row] = []
    first_line: dict[tuple[str, tuple[Span, Span], int], int] = {}
    with open(path, encoding="utf-8") as handle:
        for line_no, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                row = _parse(path, line_no, line)
            except Unusable as err:
                reason, _, detail = str(err).partition(": ")
                result.dropped.append(Dropped(NAME, FILES[split], line_no, reason, detail))
                continue
            key = (row.text, row.spans, row.label)
            if key in first_line:
                detail = f"first on line {first_line[key]}"
                result.dropped.append(Dropped(NAME, FILES[split], line_no, "duplicate row in the same split", detail))
                continue
            first_line[key] = line_no
            rows.append(row)
    return rows


def read(root: Path) -> ReadResult:
    """Read the dataset from `root` (its folder); return two examples per kept row, drops and repairs."""
    result = ReadResult()
    held_out: set[str] = set()
    # Test first, then dev, then train: each is checked against the sentences of the splits read before.
    for split, leak_reason in (
        ("test", ""),
        ("dev", "sentence also in test (leakage)"),
        ("train", "sentence also in dev or test (leakage)"),
    ):
        rows = _read_split(root, split, result)
        for row in rows:
            if row.text in held_out:
                result.dropped.append(Dropped(NAME, FILES[split], row.line, leak_reason))
                continue
            for what in row.repairs:
                result.repair(what)
            result.examples.extend(_examples(row, split))
        held_out.update(row.text for row in rows)
    return result
