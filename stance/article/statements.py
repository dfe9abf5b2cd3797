"""Statements: the article cut into sentences, with quotations kept whole and quoted spans marked.

A statement is one spaCy sentence, or several when a quotation runs across sentence boundaries
(`He said: "We will respond. We are ready."` is one statement). Quotations are found by scanning
the characters: straight double quotes pair up in order, typographic ones (“ ” „ « » ‹ ›) open and
close, and typographic single quotes (‘ ’) count only at word edges, because ’ is also the
apostrophe (don’t). Straight single quotes are never quotation marks (too ambiguous with
apostrophes). A quotation still open at the end of a paragraph ends there — news style reopens a
multi-paragraph quote in each paragraph — and one longer than `MAX_QUOTE_CHARS` is treated as a
stray mark, so one unmatched quote cannot swallow a whole article into one statement.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from stance.article.transcripts import LABEL_ONLY
from stance.schema import Span

if TYPE_CHECKING:
    from spacy.tokens import Doc

OPENERS = {"“": "”", "„": "“”", "«": "»", "‹": "›", "‘": "’"}
MAX_QUOTE_CHARS = 3000
QUOTED_SHARE = 0.5
"""A statement is `quoted` when quotations cover at least this share of its non-space characters."""


@dataclass
class Statement:
    """One statement: character span, token span, quotations inside it and (later) its speaker."""

    index: int
    start: int
    end: int
    token_start: int
    token_end: int
    quotes: list[Span] = field(default_factory=list)
    quoted: bool = False
    paragraph: int = 0
    speaker: str | None = None
    speaker_span: Span | None = None
    speaker_phrase: Span | None = None
    speaker_text: str | None = None
    attribution: str = "author"


def _is_word_char(ch: str) -> bool:
    return ch.isalnum()


def find_quotes(text: str, max_chars: int = MAX_QUOTE_CHARS) -> list[Span]:
    """Character spans of quotations in `text`, quote marks included, in order, never nested."""
    spans: list[Span] = []
    open_at: int | None = None
    closers = ""
    for i, ch in enumerate(text):
        if open_at is not None:
            if ch == "\n":  # a paragraph ends an open quotation
                if text[open_at] != "‘":
                    spans.append((open_at, i))
                open_at = None
            elif ch in closers and not (ch == "’" and i + 1 < len(text) and _is_word_char(text[i + 1])):
                spans.append((open_at, i + 1))
                open_at = None
            continue
        if ch == '"':
            open_at, closers = i, '"'
        elif ch in OPENERS:
            if ch == "‘" and i > 0 and _is_word_char(text[i - 1]):
                continue  # a mid-word ‘ is not a quotation mark
            open_at, closers = i, OPENERS[ch]
    if open_at is not None and text[open_at] != "‘":
        spans.append((open_at, len(text.rstrip())))
    return [(s, e) for s, e in spans if 1 < e - s <= max_chars]


def _paragraph_starts(text: str) -> list[int]:
    """Offsets where paragraphs start: after each run of line breaks (blank lines count once)."""
    return [0, *(m.end() for m in re.finditer(r"\n\s*", text))]


def _lines(doc: "Doc"):
    """spaCy's sentences, also cut at line breaks: a statement never runs across paragraphs."""
    for sent in doc.sents:
        start = sent.start
        for token in sent:
            if "\n" in token.whitespace_ or (token.is_space and "\n" in token.text):
                yield doc[start : token.i + 1]
                start = token.i + 1
        if start < sent.end:
            yield doc[start : sent.end]


def split_statements(doc: "Doc", text: str | None = None) -> list[Statement]:
    """The statements of a parsed article, in order, with their quotations marked. `text` is the
    original when the parsed text was normalised (same length; quotation marks are read from it)."""
    import bisect

    text = doc.text if text is None else text
    quotes = find_quotes(text)
    paragraphs = _paragraph_starts(text)
    # Sentence spans without surrounding whitespace; empty (whitespace-only) sentences dropped.
    sents: list[tuple[int, int, int, int]] = []
    for piece in _lines(doc):
        tokens = [t for t in piece if not t.is_space]
        if tokens:
            sents.append((tokens[0].idx, tokens[-1].idx + len(tokens[-1]), tokens[0].i, tokens[-1].i + 1))
    quote_starts = [q_start for q_start, _ in quotes]  # quotations are sorted and never overlap

    def quotes_in(start: int, end: int) -> list[Span]:
        first = max(0, bisect.bisect_right(quote_starts, start) - 1)
        return [q for q in quotes[first : bisect.bisect_left(quote_starts, end)] if q[1] > start]

    merged: list[list[int]] = []
    for start, end, tok_start, tok_end in sents:
        # Join this sentence to the previous statement when a quotation crosses the boundary, or when
        # that one is only a transcript's speaker label on the same line ("SECRETARY OF STATE X: Good …").
        previous = merged[-1] if merged else None
        label = previous and LABEL_ONLY.fullmatch(text, previous[0], previous[1]) and "\n" not in text[previous[1] : start]
        quoted = previous and any(q_start < start < q_end for q_start, q_end in quotes_in(previous[1] - 1, start + 1))
        if label or quoted:
            merged[-1][1], merged[-1][3] = end, tok_end
        else:
            merged.append([start, end, tok_start, tok_end])
    statements = []
    for index, (start, end, tok_start, tok_end) in enumerate(merged):
        inside = [(max(s, start), min(e, end)) for s, e in quotes_in(start, end)]
        quoted_chars = sum(len(text[s:e].replace(" ", "")) for s, e in inside)
        visible = len(text[start:end].replace(" ", "")) or 1
        statements.append(
            Statement(
                index=index,
                start=start,
                end=end,
                token_start=tok_start,
                token_end=tok_end,
                quotes=inside,
                quoted=quoted_chars / visible >= QUOTED_SHARE,
                paragraph=bisect.bisect_right(paragraphs, start) - 1,
            )
        )
    return statements


def in_quote(statement: Statement, char: int) -> bool:
    """True when character offset `char` lies inside one of the statement's quotations."""
    return any(start < char < end for start, end in statement.quotes)
