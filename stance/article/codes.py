"""Actor codes analysts' event-data tools understand: ISO 3166-1 alpha-3 for states, a CAMEO-style sector
for persons (defence minister → GOV, general → MIL), joined as ICEWS and PLOVER write them ("IRNGOV").

States: each gazetteer state carries `code`, written into stance/article/gazetteer.yaml from the
`pycountry` package by `python scripts/gazetteer_codes.py` (never typed in) and checked against it by
tests/test_data_files.py; `iso_alpha3` is that lookup. Kosovo has no ISO 3166-1 code: it gets XKX, the
user-assigned code the European Commission, the IMF and ISO 3166's own users use for it.

Organisations and armed groups: the gazetteer carries the CAMEO code the Phoenix/PETRARCH actor
dictionaries give them (NATO IGOWSTNAT, Hamas PSEREBHMS), written by the same script from
data/actors/organisation_codes.yaml, which names each code's dictionary entry; those without one have none.

Persons: `sector` reads the head noun and words of a role description (`persons.Role`) — an office of
government, the armed forces, the judiciary, a legislature, the police, or a rebel or militant group —
and `person_code` joins it to the one state the person's roles name ("Iran's defence minister" → IRN,
GOV → IRNGOV). Unknown stays None: no code is better than a wrong one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, Optional

if TYPE_CHECKING:
    from stance.article.gazetteer import ActorEntry
    from stance.article.persons import Role

NOT_IN_ISO = {"kosovo": "XKX"}
"""States without an ISO 3166-1 code, and the code used for them instead."""
PYCOUNTRY_NAMES = {
    "democratic-republic-of-the-congo": "Congo, The Democratic Republic of the",
    "palestine": "Palestine, State of",
    "holy-see": "Holy See (Vatican City State)",
}
"""Gazetteer states whose names and aliases pycountry spells otherwise: its name for them."""

SECTORS: tuple[tuple[str, frozenset[str]], ...] = (  # every sector but GOV (`GOV_CUES`)
    ("MIL", frozenset("""general commander admiral colonel lieutenant major captain sergeant brigadier marshal
        officer army navy military troops soldier forces gen. col. lt. maj. capt. sgt. adm. brig. cmdr.""".split())),
    ("COP", frozenset("police policeman policewoman constable".split())),
    ("JUD", frozenset("judge justice prosecutor court attorney-general magistrate".split())),
    ("LEG", frozenset("lawmaker legislator senator parliamentarian congressman congresswoman mp speaker "
                      "representative deputy-speaker".split())),
    ("REB", frozenset("rebel rebels militant militants insurgent insurgents fighter fighters guerrilla".split())),
    ("OPP", frozenset("opposition dissident".split())),
)
"""Sector codes (CAMEO's actor types) other than GOV and the role words that give them, in the order
`sector` tries them."""
OFFICES = frozenset("""president minister secretary chancellor premier king queen prince emir sultan ayatollah
    ambassador envoy diplomat governor mayor cabinet government""".split())
"""GOV heads that are offices themselves: a minister is GOV whatever the ministry."""
GOV_CUES = OFFICES | frozenset("""leader spokesman spokeswoman spokesperson official adviser advisor negotiator
    head chief director""".split())
"""Role words of government; those not in OFFICES are generic heads that take their words' sector."""


def iso_alpha3(entry: "ActorEntry") -> str:
    """The ISO 3166-1 alpha-3 code of a gazetteer state, looked up in pycountry by its name, then its
    aliases (a development dependency: the shipped gazetteer carries the result)."""
    import pycountry

    if entry.id in NOT_IN_ISO:
        return NOT_IN_ISO[entry.id]
    names = [PYCOUNTRY_NAMES[entry.id]] if entry.id in PYCOUNTRY_NAMES else [entry.name, *entry.aliases]
    for name in names:
        try:
            return pycountry.countries.lookup(name).alpha_3
        except LookupError:
            continue
    raise LookupError(f"pycountry knows none of {names} (state {entry.id!r}): add its pycountry name to PYCOUNTRY_NAMES.")


def sector(role: "Role") -> Optional[str]:
    """The sector of a role description; None when none applies. A head noun that is itself an office or
    a rank decides (a judge is JUD, a general MIL, a minister GOV whatever the ministry: "justice
    minister" is GOV); a generic head (leader, spokesman, chief, head, official) takes the sector of its
    words ("rebel leader" REB, "army chief" and "military spokesman" MIL), else GOV."""
    for code, cues in SECTORS:
        if role.head in cues:
            return code
    if role.head in OFFICES:
        return "GOV"
    by_words = next((code for code, cues in SECTORS if role.words & cues), None)
    if role.head in GOV_CUES:
        return by_words or "GOV"
    return by_words or ("GOV" if role.words & GOV_CUES else None)


PREFERENCE = ("REB", "OPP", "JUD", "LEG", "GOV", "COP", "MIL")
"""When a person's roles give several sectors, the first of these: an office over a rank ("Brigadier
General …, Iran's defence minister" is GOV), membership of a rebel group over any office."""


def person_code(roles: Iterable["Role"], state_codes: dict[str, str]) -> tuple[Optional[str], Optional[str]]:
    """(country code, sector) of a person from their role descriptions: the one state they name (None when
    none or several) and the sector their roles give (`PREFERENCE` among several)."""
    roles = list(roles)
    states = {state for role in roles for state in role.countries}
    country = state_codes.get(states.pop()) if len(states) == 1 else None
    sectors = {s for s in (sector(role) for role in roles) if s}
    return country, next((s for s in PREFERENCE if s in sectors), None)
