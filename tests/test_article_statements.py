"""Statements: quotation finding, sentence merging across quotations, chunked parsing of long texts."""

from __future__ import annotations

import pytest
from tests.test_article_fixtures import nlp  # noqa: F401  (fixture)

from stance.article.parsing import chunk_text, clean_text, looks_english, parse_texts
from stance.article.statements import find_quotes, split_statements


def quoted(text: str) -> list[str]:
    return [text[s:e] for s, e in find_quotes(text)]


def test_straight_and_typographic_double_quotes() -> None:
    assert quoted('He said "no" and “yes”.') == ['"no"', "“yes”"]


def test_apostrophes_are_not_quotation_marks() -> None:
    assert quoted("Iran’s minister said ‘we are ready’ and didn’t elaborate.") == ["‘we are ready’"]
    assert quoted("It's the minister's view.") == []


def test_an_open_quote_ends_with_its_paragraph() -> None:
    text = '"We will respond.\n"We are ready," he said.'
    assert quoted(text) == ['"We will respond.', '"We are ready,"']


def test_a_quotation_across_sentences_is_one_statement(nlp) -> None:  # noqa: F811
    text = 'Putin said: "We support Iran. America is wrong." The talks ended.'
    statements = split_statements(nlp(text))
    assert [text[s.start : s.end] for s in statements] == [
        'Putin said: "We support Iran. America is wrong."',
        "The talks ended.",
    ]
    assert statements[0].quotes == [(12, 48)]
    assert not statements[1].quotes


def test_a_mostly_quoted_statement_is_marked_quoted(nlp) -> None:  # noqa: F811
    text = '"We will never accept these sanctions against our people," the minister said. Talks resume today.'
    statements = split_statements(nlp(text))
    assert [s.quoted for s in statements] == [True, False]


def test_paragraph_numbers(nlp) -> None:  # noqa: F811
    statements = split_statements(nlp("Iran spoke.\n\nRussia spoke. China spoke."))
    assert [s.paragraph for s in statements] == [0, 1, 1]


def test_chunks_concatenate_to_the_text_and_prefer_paragraph_breaks() -> None:
    text = ("Iran said no. " * 40 + "\n\n") * 10
    chunks = chunk_text(text, size=1000)
    assert "".join(chunks) == text
    assert all(len(c) <= 1000 for c in chunks)
    assert all(c.endswith("\n\n") for c in chunks[:-1])
    unbroken = "x" * 2500
    assert chunk_text(unbroken, size=1000) == ["x" * 1000, "x" * 1000, "x" * 500]


def test_a_chunked_parse_keeps_original_offsets(nlp) -> None:  # noqa: F811
    from stance.article import parsing

    text = "Iran praised Russia. " * 2000  # 42,000 characters: three chunks
    (doc,) = parse_texts(nlp, [text])
    assert doc.text == text and len(chunk_text(text)) == 3 > 1 and parsing.CHUNK_CHARS < len(text)
    iran = [e for e in doc.ents if e.text == "Iran"]
    assert len(iran) > 1900 and all(text[e.start_char : e.end_char] == "Iran" for e in iran)


def test_clean_text_keeps_length_and_removes_lone_surrogates() -> None:
    text = "Iran\ud800 said\x00 no"
    cleaned = clean_text(text)
    assert len(cleaned) == len(text) and cleaned == "Iran\ufffd said  no"
    cleaned.encode("utf-8")


@pytest.mark.parametrize(
    ("text", "english"),
    [
        ("The minister said on Sunday that the country would not accept the terms of the deal, and that "
         "talks with the United States were over for now, according to a statement.", True),
        ("Le ministre a déclaré dimanche que le pays n'accepterait pas les conditions de l'accord et que "
         "les pourparlers avec les États-Unis étaient terminés pour le moment, selon un communiqué.", False),
    ],
)
def test_language_check(nlp, text: str, english: bool) -> None:  # noqa: F811
    assert looks_english(nlp(text)) is english
