"""Speaker attribution: one hand-written passage per rule."""

from __future__ import annotations

import pytest

from stance.article.speakers import REPORTING_FORMS, SpeakerFinder
from stance.article.statements import split_statements
from tests.test_article_fixtures import linked, nlp  # noqa: F401  (nlp is a fixture)

LAVROV, BLINKEN = "person:sergei-lavrov", "person:antony-blinken"


def speakers(nlp, text: str) -> list[tuple[str | None, str]]:  # noqa: F811
    """(speaker, rule) of each statement of `text`."""
    doc, result = linked(nlp, text)
    statements = split_statements(doc)
    SpeakerFinder(doc, result).attribute(statements)
    return [(s.speaker, s.attribution) for s in statements]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Sergei Lavrov said the sanctions were illegal.", [(LAVROV, "reporting_verb")]),
        ('"The sanctions are illegal," said Sergei Lavrov.', [(LAVROV, "reporting_verb")]),
        ("Sergei Lavrov told reporters the talks were over.", [(LAVROV, "reporting_verb")]),
        ("Iranian officials accused Israel of sabotage.", [("iran", "reporting_verb")]),
        ("Israel was condemned by the IAEA.", [("iaea", "reporting_verb")]),
        ("Antony Blinken visited Israel and praised its restraint.", [(BLINKEN, "reporting_verb")]),
        ("According to the IAEA, Iran enriched uranium.", [("iaea", "according_to")]),
        ("Iran enriched uranium last year.", [(None, "author")]),
        ("TEHRAN, Iran (AP) — Iran's foreign minister on Monday accused Israel of lying.", [("iran", "reporting_verb")]),
    ],
)
def test_one_sentence_rules(nlp, text, expected) -> None:  # noqa: F811
    assert speakers(nlp, text) == expected


def test_a_reporting_verb_inside_a_quotation_is_content_not_attribution(nlp) -> None:  # noqa: F811
    assert speakers(nlp, '"The US said nothing," Sergei Lavrov told reporters.') == [(LAVROV, "reporting_verb")]
    assert speakers(nlp, 'Analysts doubt it: "Iran said it would comply."') == [(None, "author")]


def test_he_also_said_goes_to_the_last_person_who_spoke(nlp) -> None:  # noqa: F811
    text = "Sergei Lavrov said talks were over. Antony Blinken met reporters. He also said Iran must stop."
    assert speakers(nlp, text) == [(LAVROV, "reporting_verb"), (None, "author"), (LAVROV, "pronoun")]


def test_he_falls_back_to_the_last_person_mentioned(nlp) -> None:  # noqa: F811
    text = "Antony Blinken met reporters. He also said Iran must stop."
    assert speakers(nlp, text) == [(None, "author"), (BLINKEN, "pronoun")]


def test_it_goes_to_the_last_organisation_or_state_that_spoke(nlp) -> None:  # noqa: F811
    text = "The Kremlin condemned the strike. It warned Washington."
    assert speakers(nlp, text) == [("russia", "reporting_verb"), ("russia", "pronoun")]


def test_the_minister_added_goes_to_the_person_with_that_role(nlp) -> None:  # noqa: F811
    text = "Sergei Lavrov, Russia's foreign minister, spoke in Moscow. The minister added that talks were over."
    assert speakers(nlp, text) == [(None, "author"), (LAVROV, "reporting_verb")]


def test_a_quotation_continues_the_previous_speaker(nlp) -> None:  # noqa: F811
    text = 'Sergei Lavrov said the West was wrong. "We will not bow. We never have."\n\n"Never," he added.'
    assert speakers(nlp, text) == [(LAVROV, "reporting_verb"), (LAVROV, "continuation"), (LAVROV, "pronoun")]


def test_a_quotation_after_an_unattributed_statement_is_the_authors(nlp) -> None:  # noqa: F811
    assert speakers(nlp, 'Talks resumed in Vienna. "We will not bow."') == [(None, "author"), (None, "author")]


def test_a_continuation_does_not_jump_two_paragraphs(nlp) -> None:  # noqa: F811
    text = 'Sergei Lavrov said the West was wrong.\n\nTalks resumed.\n\n"We will not bow."'
    assert speakers(nlp, text)[2] == (None, "author")


def test_a_joint_statement_has_no_single_holder(nlp) -> None:  # noqa: F811
    text = "Antony Blinken and Sergei Lavrov said the talks were useful."
    assert speakers(nlp, text) == [(None, "author")]


def test_a_title_before_an_inverted_speaker_does_not_hide_the_person(nlp) -> None:  # noqa: F811
    text = '"We will act," said U.S. Treasury Under Secretary Antony Blinken.'
    assert speakers(nlp, text) == [(BLINKEN, "reporting_verb")]


def test_weak_reporting_verbs_need_a_clause_and_phrasal_ones_a_particle(nlp) -> None:  # noqa: F811
    assert speakers(nlp, "Antony Blinken noted that Iran had agreed.") == [(BLINKEN, "reporting_verb")]
    assert speakers(nlp, "Antony Blinken wrote a book about Iran.") == [(None, "author")]
    assert speakers(nlp, "Antony Blinken pointed out that Iran had agreed.") == [(BLINKEN, "reporting_verb")]


def test_reporting_forms_cover_inflections() -> None:
    assert {"say", "says", "said", "saying", "told", "accused", "criticizes", "denied", "slammed"} <= REPORTING_FORMS
