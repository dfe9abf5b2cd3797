"""PerSenT (Bastan et al., COLING 2020): the author's sentiment toward a person in news paragraphs.

Each document comes with labels Paragraph0..Paragraph15, one per paragraph in order; DOCUMENT
separates its paragraphs with a single "\\n", and in every labelled document the number of
paragraphs equals the number of non-empty labels. We keep a paragraph when it is labelled and
mentions TARGET_ENTITY (the full name, else its last name, as whole words, case-sensitive), and
give that mention as the target span; the holder is the author.

Repaired: characters of UTF-8 text that had been read as Latin-1 ("â\\x80\\x99" for "’").

Splits: dev, random_test ("Test Standard") and fixed_test ("Test Frequent": four popular
entities). train.csv is not available. Dropped: documents whose labels do not line up with their
paragraphs (all of them here: they have no paragraph labels at all), later copies of a duplicated
document, paragraphs that do not name the target, and repeated paragraphs (the first copy is kept,
in a test split if any; all copies when their labels conflict).
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Optional, Union

from stance.schema import Example, Span
from training.datasets.base import Dropped, ReadResult, malformed, require_file

NAME = "persent"
FILES = {"dev": "dev.csv", "random_test": "random_test.csv", "fixed_test": "fixed_test.csv"}
MAX_PARAGRAPHS = 16
LABEL_COLUMNS = tuple(f"Paragraph{k}" for k in range(MAX_PARAGRAPHS))
COLUMNS = ("DOCUMENT_INDEX", "TITLE", "TARGET_ENTITY", "DOCUMENT", "MASKED_DOCUMENT", "TRUE_SENTIMENT")
COLUMNS += LABEL_COLUMNS
SENTIMENT = {"Negative": "negative", "Neutral": "neutral", "Positive": "positive"}
NAME_SUFFIXES = {"Jr.", "Jr", "Sr.", "Sr", "II", "III", "IV"}
"""Generational suffixes are not a last name: "John Smith Jr." is found as "Smith"."""

KEEP_ORDER = ("random_test", "fixed_test", "dev")
"""A paragraph repeated across splits is kept in the first of these: a test set keeps its copy."""

MOJIBAKE = re.compile(r"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
"""One UTF-8 encoded character read as Latin-1, e.g. "â\\x80\\x99" for "’" (in ~800 documents)."""

Document = dict[str, str]
Found = tuple[str, int, Example]
"""(file, line of its document, example) of a labelled paragraph that names the target."""


def _documents(path: Path) -> Iterator[tuple[int, Document]]:
    """Yield (first line number, row by column name) for each document of one CSV file."""
    # newline="" keeps the line breaks inside quoted DOCUMENT fields; they separate paragraphs.
    # The longest field is ~54k characters, under csv's default limit of 131,072: no need to raise it.
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, [])
        if tuple(header) != COLUMNS:
            raise malformed(NAME, path, 1, f"expected the header {list(COLUMNS)}, found {header}")
        start = reader.line_num + 1
        for fields in reader:
            if len(fields) != len(COLUMNS):
                problem = f"expected {len(COLUMNS)} fields, found {len(fields)}"
                raise malformed(NAME, path, start, problem)
            yield start, dict(zip(COLUMNS, fields))
            start = reader.line_num + 1


def _decode_utf8(match: re.Match[str]) -> str:
    try:
        return match.group().encode("latin-1").decode("utf-8")
    except UnicodeDecodeError:  # a truncated sequence: leave it as it is
        return match.group()


def _fix_mojibake(document: Document, result: ReadResult) -> Document:
    """Return the document with UTF-8 characters that were read as Latin-1 decoded again."""
    fixed = {column: MOJIBAKE.sub(_decode_utf8, value) for column, value in document.items()}
    if fixed != document:
        # "Trumpâ\x80\x99s" hides the name from a whole-word search; "Trump’s" does not.
        result.repair("document with UTF-8 read as Latin-1 (mojibake): characters decoded again")
    return fixed


def _paragraphs(document: Document) -> Union[list[tuple[str, str]], str]:
    """Return (paragraph, raw label) pairs, or why the labels do not line up with the paragraphs."""
    paragraphs = document["DOCUMENT"].split("\n")
    labels = [document[column] for column in LABEL_COLUMNS]
    count = sum(1 for label in labels if label)
    if count == 0:
        return "document has no paragraph labels (only a document-level label)"
    # Labels must fill Paragraph0..N-1 with no gap, N being the number of paragraphs.
    if "" in labels[:count] or count != len(paragraphs):
        return "number of paragraph labels differs from the number of paragraphs"
    return list(zip(paragraphs, labels))


def _whole_word(text: str, name: str) -> Optional[Span]:
    match = re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text)
    return match.span() if match else None


def find_mention(text: str, entity: str) -> Optional[Span]:
    """The span of the first whole-word mention of `entity` in `text`, else of its last name, or None."""
    words = [word for word in entity.split() if word not in NAME_SUFFIXES] or entity.split()
    span = _whole_word(text, entity.strip()) if entity.strip() else None
    if span is None and len(words) > 1:
        span = _whole_word(text, words[-1])
    return span


def _examples(
    document: Document, split: str, pairs: list[tuple[str, str]]
) -> Iterator[Union[Example, str]]:
    """Yield an example per labelled paragraph that mentions the target, else the drop reason."""
    entity = document["TARGET_ENTITY"]
    for number, (paragraph, raw_label) in enumerate(pairs):
        text = paragraph.strip()
        if raw_label not in SENTIMENT:
            yield f"paragraph label {raw_label!r} is not Negative, Neutral or Positive"
            continue
        span = find_mention(text, entity)
        if span is None:
            yield "paragraph does not mention the target (full name or last name)"
            continue
        yield Example(
            id=f"{NAME}/{split}/{document['DOCUMENT_INDEX']}/p{number}",
            text=text,
            target_span=span,
            task="sentiment",
            label=SENTIMENT[raw_label],
            dataset=NAME,
            split=split,
        )


def _read_split(root: Path, split: str, seen: set[str], result: ReadResult) -> list[Found]:
    """Return the paragraph examples of one file; record dropped documents and paragraphs."""
    relative, found = FILES[split], []
    for line_no, document in _documents(require_file(NAME, root, relative)):
        if document["DOCUMENT"] in seen:
            result.dropped.append(Dropped(NAME, relative, line_no, "duplicate of an earlier document"))
            continue
        seen.add(document["DOCUMENT"])
        document = _fix_mojibake(document, result)
        pairs = _paragraphs(document)
        if isinstance(pairs, str):
            result.dropped.append(Dropped(NAME, relative, line_no, pairs))
            continue
        for outcome in _examples(document, split, pairs):
            if isinstance(outcome, str):
                result.dropped.append(Dropped(NAME, relative, line_no, outcome))
            else:
                found.append((relative, line_no, outcome))
    return found


def _deduplicate(found: list[Found], result: ReadResult) -> None:
    """Keep one copy of each repeated paragraph (a test copy first); drop all if labels conflict."""
    copies: dict[tuple[str, Optional[Span]], list[Found]] = defaultdict(list)
    for item in sorted(found, key=lambda item: KEEP_ORDER.index(item[2].split)):
        copies[(item[2].text, item[2].target_span)].append(item)
    for items in copies.values():
        if len({example.label for _, _, example in items}) > 1:
            drops, reason = items, "paragraph repeated with conflicting labels"
        else:
            result.examples.append(items[0][2])
            drops, reason = items[1:], f"duplicate of a paragraph kept in {items[0][2].split}"
        for relative, line_no, _ in drops:
            result.dropped.append(Dropped(NAME, relative, line_no, reason))


def read(root: Path) -> ReadResult:
    """Read PerSenT's three files from `root` (the dataset's folder); return paragraph examples."""
    result = ReadResult()
    seen: set[str] = set()
    found: list[Found] = []
    for split in FILES:
        found.extend(_read_split(root, split, seen, result))
    _deduplicate(found, result)
    return result
