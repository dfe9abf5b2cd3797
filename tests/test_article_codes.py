"""Actor codes (`stance.article.codes`): the sector of role phrases, a person's country + sector, the
organisations' and groups' dictionary codes, and the codes in an analysis. The states' ISO codes are checked
against pycountry in tests/test_data_files.py."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from stance.article.codes import person_code, sector
from stance.article.persons import Role
from tests.test_article_fixtures import nlp, tiny_model  # noqa: F401  (fixtures)

ORGANISATION_CODES = Path(__file__).resolve().parents[1] / "data" / "actors" / "organisation_codes.yaml"
PLOVER_NON_STATE = {"IGO", "NGO", "ISM", "IMG", "MNC"}
"""PLOVER's non-state actor codes: what a `generic` entry's code must be."""


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


def test_organisations_and_groups_carry_the_code_their_dictionary_entry_gives() -> None:
    """Each entry of data/actors/organisation_codes.yaml is a gazetteer organisation or group, quotes the
    dictionary entry its code is in and names a listed source; the gazetteer carries that code
    (scripts/gazetteer_codes.py wrote it) and no other organisation or group has one."""
    from stance.article.gazetteer import ActorGazetteer

    data = yaml.safe_load(ORGANISATION_CODES.read_text(encoding="utf-8"))
    gazetteer = ActorGazetteer.default()
    problems = []
    for entry in data["codes"]:
        actor, code, where = gazetteer.actors.get(entry["id"]), entry["code"], f"{entry['id']} {entry['code']}"
        if actor is None or actor.type not in ("organisation", "group"):
            problems.append(f"{where}: not a gazetteer organisation or group")
        elif actor.code != code:
            problems.append(f"{where}: the gazetteer has {actor.code}; run scripts/gazetteer_codes.py")
        if not re.fullmatch(r"[A-Z]{3}[A-Z0-9]{0,9}", code) or not re.search(rf"\[{code}[\] ]", entry["entry"]):
            problems.append(f"{where}: not a code, or not the one in its entry {entry['entry']!r}")
        if entry["source"] not in data["sources"] or entry["specificity"] not in ("specific", "shared", "generic"):
            problems.append(f"{where}: source {entry['source']!r}, specificity {entry['specificity']!r}")
        if (entry["specificity"] == "generic") != (code in PLOVER_NON_STATE):
            problems.append(f"{where}: `generic` is for PLOVER's bare codes {sorted(PLOVER_NON_STATE)} only")
    assert not problems, problems
    listed = [entry["id"] for entry in data["codes"]]
    assert len(listed) == len(set(listed)), "an actor is listed twice"
    unlisted = {a.id: a.code for a in gazetteer.actors.values() if a.type != "state" and a.code and a.id not in listed}
    assert not unlisted, f"codes not from organisation_codes.yaml: {unlisted}"
    assert all(re.fullmatch(r"[0-9a-f]{40}", source["commit"]) for source in data["sources"].values())
    codes = {actor_id: gazetteer.actors[actor_id].code for actor_id in ("united-nations", "nato", "european-union", "hamas")}
    assert codes == {"united-nations": "IGOUNO", "nato": "IGOWSTNAT", "european-union": "IGOEUREEC", "hamas": "PSEREBHMS"}


def test_an_analysis_gives_an_organisation_its_code(tiny_model, nlp) -> None:  # noqa: F811
    from stance.article.analyze import ArticleAnalyzer, analyze_article
    from stance.article.gazetteer import ActorGazetteer
    from stance.classifier import StanceClassifier

    analyzer = ArticleAnalyzer(StanceClassifier.from_path(tiny_model, bf16=False), ActorGazetteer.default(), nlp)
    codes = {a.id: a.code for a in analyze_article(analyzer, "NATO condemned Russia.").actors}
    assert codes == {"nato": "IGOWSTNAT", "russia": "RUS"}
