"""Actor detection and linking: one hand-written sentence per rule (gazetteer, entities, persons, roles)."""

from __future__ import annotations

import pytest

from stance.article.gazetteer import ActorEntry, ActorGazetteer, parse_actor_entries, slugify
from stance.errors import InputError
from tests.test_article_fixtures import GAZETTEER, linked, nlp  # noqa: F401  (nlp is a fixture)


def links(nlp, text: str, entries=GAZETTEER) -> list[tuple[str, str]]:  # noqa: F811
    """(mention text, actor id) pairs of `text`, in order."""
    return [(m.text, m.actor) for m in linked(nlp, text, entries)[1].mentions]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The Kremlin rejected the claims.", [("Kremlin", "russia")]),  # metonym, "the" left out
        ("Officials in Tehran were silent.", [("Tehran", "iran")]),  # capital
        ("Iranians voted on Friday.", [("Iranians", "iran")]),  # demonym plural
        ("Daesh and ISIL are one group.", [("Daesh", "isis"), ("ISIL", "isis")]),  # aliases
        ("The Islamic Republic answered.", [("Islamic Republic", "iran")]),  # longest match
        ("The White House answered.", [("White House", "united-states")]),
        ("A U.S.-backed force met U.S.-Israel talks.", [("U.S.", "united-states"), ("U.S.", "united-states"),
                                                       ("Israel", "israel")]),  # inside hyphenated tokens
    ],
)
def test_gazetteer_surface_forms(nlp, text, expected) -> None:  # noqa: F811
    assert links(nlp, text) == expected


def test_an_ambiguous_alias_counts_only_as_an_entity_outside_capitalised_headlines(nlp) -> None:  # noqa: F811
    assert links(nlp, "US officials met Russian diplomats.") == [("US", "united-states"), ("Russian", "russia")]
    assert links(nlp, "US TROOPS LEAVE SYRIA AS IS EXPECTED") == []


def test_headline_case_and_loose_spelling_still_link(nlp) -> None:  # noqa: F811
    entries = [*GAZETTEER, ActorEntry(id="state-of-x", name="Xland", type="state", metonyms=["Xland administration"])]
    assert ("Xland Administration", "state-of-x") in links(nlp, "The Xland Administration said no.", entries)
    assert links(nlp, "On Monday the U.S announced sanctions.")[0] == ("U.S", "united-states")


def test_nothing_in_a_dateline_is_a_mention(nlp) -> None:  # noqa: F811
    assert links(nlp, "TEHRAN, Iran (AP) — Russia spoke.") == [("Russia", "russia")]


def test_a_state_organ_is_the_state(nlp) -> None:  # noqa: F811
    assert links(nlp, "The Iranian Foreign Ministry criticised the U.S. Defense Department.") == [
        ("Iranian Foreign Ministry", "iran"),
        ("U.S. Defense Department", "united-states"),
    ]


def test_an_organisation_named_after_a_city_is_its_own_actor(nlp) -> None:  # noqa: F811
    assert links(nlp, "The Washington Post reported the news.") == [("Washington Post", "org:washington-post")]


def test_entities_outside_the_gazetteer_become_article_actors(nlp) -> None:  # noqa: F811
    _, result = linked(nlp, "The Revolutionary Guards and Hezbollah met Shiite leaders.")
    assert [(m.text, m.actor) for m in result.mentions] == [
        ("Revolutionary Guards", "org:revolutionary-guards"),
        ("Hezbollah", "org:hezbollah"),
        ("Shiite", "group:shiite"),
    ]
    assert result.actors["org:hezbollah"].type == "organisation" and result.actors["group:shiite"].type == "group"


def test_full_name_title_and_surname_are_one_person(nlp) -> None:  # noqa: F811
    text = ("Mohammad Reza Gharaei Ashtiani spoke first. Later, Brigadier General Ashtiani said the army was "
            "ready. Ashtiani left.")
    _, result = linked(nlp, text)
    persons = [m for m in result.mentions if m.kind == "person"]
    assert len(persons) == 3 and {m.actor for m in persons} == {"person:mohammad-reza-gharaei-ashtiani"}
    assert "Brigadier General" in result.actors["person:mohammad-reza-gharaei-ashtiani"].roles


def test_a_surname_first_takes_the_full_name_given_later(nlp) -> None:  # noqa: F811
    _, result = linked(nlp, "Blinken arrived on Monday. Secretary of State Antony Blinken then met reporters.")
    assert [m.actor for m in result.mentions] == ["person:antony-blinken", "person:antony-blinken"]
    assert result.actors["person:antony-blinken"].roles == ["Secretary of State"]


def test_middle_initials_do_not_split_a_person(nlp) -> None:  # noqa: F811
    _, result = linked(nlp, "Antony J. Blinken met Lavrov. Antony Blinken said little.")
    assert {m.actor for m in result.mentions if m.text.startswith("Antony")} == {"person:antony-blinken"}


def test_different_first_names_are_different_people_and_a_surname_goes_to_the_latest(nlp) -> None:  # noqa: F811
    _, result = linked(nlp, "President Joe Biden and his son Hunter Biden arrived. Biden said nothing.")
    assert [m.actor for m in result.mentions] == ["person:joe-biden", "person:hunter-biden", "person:hunter-biden"]


def test_roles_from_appositions_and_later_role_mentions(nlp) -> None:  # noqa: F811
    text = ("Iran's defense minister, Brigadier General Mohammad Reza Gharaei Ashtiani, spoke on Sunday. "
            "The minister met Sergei Lavrov, Russia's foreign minister. The foreign minister left early.")
    _, result = linked(nlp, text)
    ashtiani, lavrov = "person:mohammad-reza-gharaei-ashtiani", "person:sergei-lavrov"
    roles = [(m.text, m.actor) for m in result.mentions if m.kind == "role"]
    assert roles == [
        ("Iran's defense minister", ashtiani),
        ("minister", ashtiani),
        ("Russia's foreign minister", lavrov),
        ("foreign minister", lavrov),
    ]
    assert "Iran's defense minister" in result.actors[ashtiani].roles
    assert ("Iran", "iran") in [(m.text, m.actor) for m in result.mentions]  # the possessor is still a mention


def test_an_indefinite_role_phrase_is_someone_new(nlp) -> None:  # noqa: F811
    _, result = linked(nlp, "Sergei Lavrov, Russia's foreign minister, spoke. A minister from Chad replied.")
    assert [m.text for m in result.mentions if m.kind == "role"] == ["Russia's foreign minister"]


def test_a_title_before_a_name_tagged_org_makes_a_person(nlp) -> None:  # noqa: F811
    _, result = linked(nlp, "The following is attributable to Spokesperson Ned Price.")
    assert [m.actor for m in result.mentions] == ["person:ned-price"]


def test_user_actors_extend_the_gazetteer() -> None:
    gazetteer = ActorGazetteer(GAZETTEER)
    gazetteer.add(ActorEntry(id="iran", name="Iran", type="state", metonyms=["Persia"]))
    gazetteer.add(ActorEntry(name="Houthis", type="group", aliases=["Ansar Allah"]))
    table = gazetteer.surface_table()
    assert table["Persia"] == ("iran", "metonym") and table["Tehran"] == ("iran", "capital")
    assert table["Ansar Allah"] == ("houthis", "alias")


def test_a_bad_actor_list_names_the_problem() -> None:
    with pytest.raises(InputError, match=r"my-list: not a valid actor list \(actors.0.type: .*person\|state"):
        parse_actor_entries({"actors": [{"name": "X", "type": "country"}]}, "my-list")
    assert parse_actor_entries([{"name": "Antony Blinken", "type": "person"}])[0].id == "person:antony-blinken"


def test_slugify_folds_accents() -> None:
    assert slugify("Sauli Niinistö") == "sauli-niinisto" and slugify("O'Brien") == "obrien"
