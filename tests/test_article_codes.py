"""Actor codes (`stance.article.codes`): the sector of role phrases, a person's country + sector, and the
codes in an analysis. The states' ISO codes are checked against pycountry in tests/test_data_files.py."""

from __future__ import annotations

import pytest

from stance.article.codes import person_code, sector
from stance.article.persons import Role
from tests.test_article_fixtures import nlp  # noqa: F401  (a fixture)


def role(phrase: str, countries: frozenset[str] = frozenset()) -> Role:
    """A role record as `persons.role_key` makes it: the last word is the head, all words lower-cased."""
    words = phrase.lower().split()
    return Role(words[-1], frozenset(words), countries)


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("defence minister", "GOV"), ("justice minister", "GOV"), ("Secretary", "GOV"), ("foreign ministry spokesman", "GOV"),
        ("top diplomat", "GOV"), ("ambassador", "GOV"), ("prime minister", "GOV"), ("supreme leader", "GOV"),
        ("Brigadier General", "MIL"), ("army chief", "MIL"), ("military spokesman", "MIL"), ("navy commander", "MIL"),
        ("Army Gen.", "MIL"), ("Chief Justice", "JUD"), ("chief prosecutor", "JUD"), ("judge", "JUD"),
        ("Senator", "LEG"), ("lawmaker", "LEG"), ("rebel leader", "REB"), ("militant commander", "MIL"),
        ("opposition leader", "OPP"), ("police chief", "COP"), ("veteran", None), ("analyst", None),
    ],
)
def test_the_sector_of_a_role_phrase(phrase, expected) -> None:
    assert sector(role(phrase)) == expected


def test_a_persons_code_is_the_state_their_roles_name_and_their_sector() -> None:
    codes = {"iran": "IRN", "israel": "ISR"}
    assert person_code([role("Brigadier General"), role("iran's defence minister", frozenset({"iran"}))], codes) == ("IRN", "GOV")
    assert person_code([role("army chief")], codes) == (None, "MIL")
    # two states named: which one is the person's is not known
    assert person_code([role("iranian envoy", frozenset({"iran"})), role("israeli adviser", frozenset({"israel"}))], codes)[0] is None


def test_the_analysis_codes_states_and_persons(nlp) -> None:  # noqa: F811
    from stance.article.actors import ActorLinker
    from stance.article.gazetteer import ActorGazetteer

    text = "Iranian Defense Minister Mohammad Ashtiani said Israel would pay."
    actors = ActorLinker(nlp, ActorGazetteer.default()).link(nlp(text)).actors
    assert (actors["iran"].code, actors["israel"].code) == ("IRN", "ISR")
    person = actors["person:mohammad-ashtiani"]
    assert (person.country, person.sector, person.code) == ("IRN", "GOV", "IRNGOV")


def test_a_user_actor_list_may_set_codes(nlp) -> None:  # noqa: F811
    from stance.article.actors import ActorLinker
    from stance.article.gazetteer import ActorEntry, ActorGazetteer
    from tests.test_article_fixtures import GAZETTEER

    gazetteer = ActorGazetteer([*GAZETTEER, ActorEntry(name="Acme Corp", type="organisation", aliases=["Acme"], code="BUSACME")])
    result = ActorLinker(nlp, gazetteer).link(nlp("Acme praised Iran."))
    assert result.actors["acme-corp"].code == "BUSACME"
    with pytest.raises(ValueError, match="code"):
        ActorEntry(name="Bad", code="irn")
