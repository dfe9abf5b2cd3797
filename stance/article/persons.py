"""Persons within one article: merge name mentions of the same person and collect their roles.

Rules, applied to spaCy PERSON entities in text order:
1. Titles are not names: leading words from `TITLE_WORDS` ("Brigadier General", "President", "Mr.")
   are cut from the mention's name and kept as a role.
2. A name of two or more words joins the earlier person whose name ends with it or equals it;
   otherwise it starts a new person (an earlier surname-only person it ends with is upgraded).
3. A one-word name joins the latest person with that surname, else with that first name,
   else it starts a new person.
4. Roles: a title or compound before the name ("Iran's defense minister Ashtiani" → "Iran's defense
   minister"), and appositions on either side ("Ashtiani, Iran's defense minister," / "Iran's
   defense minister, Mohammad Reza Gharaei Ashtiani,").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Optional

from stance.article.gazetteer import slugify
from stance.article.parsing import TITLE_ABBREVIATIONS

if TYPE_CHECKING:
    from spacy.tokens import Span as SpacySpan
    from spacy.tokens import Token

_INITIAL = re.compile(r"[A-Z]\.?")
TITLE_WORDS = frozenset(
    """president vice prime minister secretary general brigadier lieutenant lt. major maj. colonel col. gen.
    admiral adm. commander captain capt. sergeant sgt. chief deputy foreign defense defence interior finance
    mr mr. mrs mrs. ms ms. dr dr. prof. professor sir dame lord lady king queen prince princess crown sheikh
    sheik emir sultan ayatollah imam pope cardinal bishop rabbi senator sen. rep. representative gov. governor
    mayor ambassador envoy spokesman spokeswoman spokesperson chancellor premier speaker supreme leader judge
    justice attorney state home health economy trade energy army air navy force forces advisor adviser
    first lady. president-elect brig gen lt col maj capt sgt adm cmdr rear marine corps press""".split()
) | {abbreviation.lower() for abbreviation in TITLE_ABBREVIATIONS}  # "Brig.", "Lt.": one token each
ROLE_NOUNS = frozenset(
    """president minister secretary general commander chief leader spokesman spokeswoman spokesperson
    ambassador envoy chancellor premier king queen prince emir sultan ayatollah senator governor mayor
    director head negotiator adviser advisor diplomat official officer lawmaker legislator judge prosecutor
    aide""".split()
)
"""Head nouns of role descriptions ("the minister", "Iran's top diplomat") that may refer to a person."""
PERSONAL_TITLES = frozenset(
    """president secretary minister spokesperson spokesman spokeswoman senator sen. ambassador envoy mr. mrs. ms.
    dr. chancellor premier ayatollah sheikh governor mayor""".split()
)
"""Titles that make an entity a person when proper names follow ("Spokesperson Ned Price" tagged ORG)."""


LEADER_HEADS = frozenset("president premier chancellor king queen emir sultan ayatollah leader prince".split())
"""Heads a "leader" description may refer to (and "prime minister")."""
GENERIC_HEADS = frozenset({"chief", "head", "official", "officer"})
"""Heads that name no office of their own: "the defense chief", "the top Iraqi military official"
refer to whoever holds a compatible office (same domain, same state)."""
SAME_OFFICE = (frozenset({"spokesman", "spokeswoman", "spokesperson"}), frozenset({"general", "commander"}),
               frozenset({"adviser", "advisor"}), frozenset({"lawmaker", "legislator", "senator"}))
DOMAINS = {
    "defense": "defense", "defence": "defense", "military": "defense", "pentagon": "defense", "war": "defense",
    "armed": "defense", "army": "defense", "foreign": "foreign", "diplomat": "foreign", "diplomatic": "foreign",
    "state": "foreign", "ambassador": "foreign", "envoy": "foreign", "interior": "interior", "home": "interior",
    "finance": "finance", "treasury": "finance", "economy": "finance", "trade": "trade", "commerce": "trade",
    "energy": "energy", "health": "health", "justice": "justice",
}
"""Words that place an office in a domain: a defense minister is "the Pentagon chief" or "the defense
chief", never "the top diplomat". ("state" counts only after "of": "Secretary of State".)"""
RANKS = frozenset({"deputy", "vice", "assistant", "under", "former", "acting", "junior"})
"""Words that make another office: "the deputy minister" is not the minister."""


@dataclass(frozen=True)
class Role:
    """A role description reduced to what coreference compares: head noun, words, states named."""

    head: str
    words: frozenset[str]
    countries: frozenset[str] = frozenset()

    @property
    def domain(self) -> str | None:
        domains = {DOMAINS[w] for w in self.words if w in DOMAINS and w != "state"}
        if "state" in self.words and "of" in self.words:
            domains.add("foreign")  # "Secretary of State"
        if self.head == "diplomat":
            domains.add("foreign")
        return domains.pop() if len(domains) == 1 else None

    @property
    def leads(self) -> bool:
        return self.head in LEADER_HEADS or (self.head == "minister" and "prime" in self.words)

    def fits(self, held: "Role") -> bool:
        """Can a later description `self` ("the Chinese leader", "the top U.S. diplomat") refer to a person
        who holds `held` ("Chinese President", "U.S. Secretary of State")? Offices must be compatible
        (same head, a synonym, a leader for a head of state, a generic head or "diplomat" of the same
        domain), and no domain, state or rank word may contradict."""
        if self.countries and held.countries and not self.countries & held.countries:
            return False
        if self.domain and held.domain and self.domain != held.domain:
            return False
        if (self.words & RANKS) != (held.words & RANKS):
            return False
        if self.head == held.head or any({self.head, held.head} <= same for same in SAME_OFFICE):
            return True
        if self.head == "leader":
            return held.leads
        if self.head in GENERIC_HEADS | {"diplomat"}:
            same_domain = self.domain is not None and self.domain == held.domain
            return same_domain or (self.head == "official" and self.domain is None)
        return False


@dataclass
class Person:
    """One person of the article: id, the longest name seen, name words and role descriptions."""

    words: list[str]
    key: str
    roles: list[str] = field(default_factory=list)
    role_keys: list[Role] = field(default_factory=list)
    positions: list[int] = field(default_factory=list)
    subject_positions: list[int] = field(default_factory=list)
    """Where the person is the subject of a clause (named, or as the apposition of one): the salient ones."""

    def add_role(self, span: "SpacySpan", countries: frozenset[str] = frozenset()) -> None:
        """Record a role description ("Iran's defense minister") with its head noun, words and the
        states it names (`countries`)."""
        if span.text not in self.roles:
            head, words = role_key(span)
            self.roles.append(span.text)
            self.role_keys.append(Role(head, words, countries))

    def add_title(self, text: str, head: str, words: frozenset[str]) -> None:
        """Record a title read from elsewhere than a parsed phrase (a transcript's speaker label)."""
        if text not in self.roles:
            self.roles.append(text)
            self.role_keys.append(Role(head, words))

    @property
    def last_seen(self) -> int:
        return self.positions[-1] if self.positions else -1

    @property
    def name(self) -> str:
        return " ".join(self.words)

    @property
    def id(self) -> str:
        return f"person:{slugify(' '.join(_key(self.words)))}"


GENERATIONAL = frozenset({"Jr.", "Jr", "Sr.", "Sr", "II", "III", "IV"})
"""Suffixes that are no part of the name a person is referred to by ("Lloyd J. Austin III" is Austin)."""


def _key(words: list[str]) -> list[str]:
    """Name words without middle initials and generational suffixes: "Antony J. Blinken" and "Antony
    Blinken" are one name, "Lloyd J. Austin III" and "Lloyd Austin" too."""
    kept = [w for w in words if not _INITIAL.fullmatch(w) and w not in GENERATIONAL]
    return kept or words


def name_words(ent: "SpacySpan") -> tuple[list[str], int]:
    """The name words of a PERSON entity (titles and possessive cut) and the index of the first one."""
    tokens = [t for t in ent if t.text not in ("'s", "’s", "'", "’") and not t.is_punct]
    first = 0
    # Titles, and lower-case words spaCy swept into the name ("beg Kim"), are not part of it.
    while first < len(tokens) - 1 and (tokens[first].lower_ in TITLE_WORDS or tokens[first].text[:1].islower()):
        first += 1
    words = [t.text for t in tokens[first:]]
    return words, (tokens[first].i if tokens else ent.start)


class PersonRegistry:
    """The persons of one article; `link` maps each PERSON mention to its person."""

    def __init__(self) -> None:
        self.persons: list[Person] = []

    def link(self, words: list[str], position: int, subject: bool = False) -> Person:
        """The person a mention with these name words refers to (a new one when none matches); `subject`:
        the mention is a clause's subject."""
        person = self._find(_key(words))
        if person is None:
            person = Person(list(words), key=f"#person{len(self.persons)}")
            self.persons.append(person)
        elif len(words) > len(person.words):
            person.words = list(words)  # "Ashtiani" first, "Mohammad ... Ashtiani" later: keep the full name
        person.positions.append(position)
        if subject:
            person.subject_positions.append(position)
        return person

    def _find(self, words: list[str]) -> Optional[Person]:
        latest = sorted(self.persons, key=lambda p: p.last_seen, reverse=True)
        if len(words) >= 2:
            for person in latest:
                known = _key(person.words)
                n = min(len(words), len(known))
                if known[-n:] == words[-n:]:
                    return person
            return None
        word = words[0]
        for person in latest:
            if _key(person.words)[-1] == word:
                return person
        for person in latest:
            if person.words[0] == word and len(person.words) > 1:
                return person
        return None

    def by_role(self, role: Role, before: int) -> Optional[Person]:
        """The person a definite description `role` before token `before` refers to: among the persons
        named before it with a role the description fits (`Role.fits`), one whose role contains all its
        words if any (the description repeats the title), else one whose role names the same state, else the
        most salient: the one last named as a
        clause's subject ("China's top diplomat, Wang Yi, told Blinken …. The veteran diplomat" is Wang),
        then the one seen latest."""
        def salience(person: Person) -> tuple[int, int]:
            subject = max((i for i in person.subject_positions if i < before), default=-1)
            return subject, max(i for i in person.positions if i < before)

        latest = sorted((p for p in self.persons if p.positions[0] < before), key=salience, reverse=True)
        fitting = [p for p in latest if any(role.fits(held) for held in p.role_keys)]
        repeated = [p for p in fitting if any(role.head == h.head and role.words <= h.words for h in p.role_keys)]
        # "the top U.S. diplomat": one known to be American before one whose state is not known
        confirmed = [p for p in fitting if role.countries and any(role.countries & h.countries for h in p.role_keys)]
        return (repeated or confirmed or fitting or [None])[0]


def role_key(span: "SpacySpan") -> tuple[str, frozenset[str]]:
    """A role phrase's head noun (its rightmost word attached outside it) and its content words."""
    heads = [t for t in span if not (span.start <= t.head.i < span.end) or t.head is t]
    # A title cut off from its name is a compound of that name, not the head: "aide to President [Putin]".
    heads = [t for t in heads if t.dep_ != "compound"] or heads
    head = (heads[-1] if heads else span[-1]).lower_
    words = frozenset(t.lower_ for t in span if not (t.is_punct or t.dep_ in ("det", "case")))
    return head, words


def _noun_phrase(noun: "Token") -> list["Token"]:
    """A noun with its modifiers: the subtree left of it, and right of it up to the first punctuation."""
    left = [t for t in noun.subtree if t.i <= noun.i]
    right = [t for t in noun.subtree if t.i > noun.i]
    cut = next((k for k, t in enumerate(right) if t.is_punct or t.ent_type_ == "PERSON"), len(right))
    # Only the contiguous run up to the noun: a comma before it ends the phrase on the left too.
    start = max((k + 1 for k, t in enumerate(left) if t.is_punct), default=0)
    return left[start:] + right[:cut]


def _role_span(tokens: list["Token"]) -> Optional["SpacySpan"]:
    """The span of a role phrase without leading determiners and trailing punctuation (None if empty)."""
    while tokens and (tokens[0].dep_ == "det" or tokens[0].is_punct):
        tokens = tokens[1:]
    while tokens and tokens[-1].is_punct:
        tokens = tokens[:-1]
    return tokens[0].doc[tokens[0].i : tokens[-1].i + 1] if tokens else None


def roles_of(ent: "SpacySpan", name_start: int) -> list[tuple["SpacySpan", bool]]:
    """Role phrases of a PERSON mention: titles and modifiers before the name ("Iran's defense minister
    Ashtiani", "Secretary of State Antony Blinken") and appositions on either side. Each comes with
    True when the phrase is a separate mention of the person (an apposition), else False."""
    doc = ent.doc
    head = ent.root
    roles: list[tuple["SpacySpan", bool]] = []
    left = ent.start
    while left > 0:
        token = doc[left - 1]
        if token.is_punct or token.is_space or token.dep_ == "det" or token.ent_type_ == "PERSON":
            break
        # Part of the phrase when it attaches to the right (inside it), is the "'s" of a possessor,
        # or belongs to a title ("Secretary of State").
        if not (left <= token.head.i < ent.end or token.dep_ == "case" or token.lower_ in TITLE_WORDS | {"of"}):
            break
        left -= 1
    prefix = _role_span(list(doc[left:name_start]))
    if prefix is not None and any(t.lower_ in TITLE_WORDS or t.lower_ in ROLE_NOUNS for t in prefix):
        roles.append((prefix, False))
    # Apposition: the name is an appositive of a role noun, or a role noun is an appositive of the name.
    nouns = [head.head] if head.dep_ == "appos" else []
    nouns += [child for child in head.children if child.dep_ == "appos"]
    for noun in nouns:
        if noun.lower_ in ROLE_NOUNS and not (ent.start <= noun.i < ent.end):
            span = _role_span(_noun_phrase(noun))
            if span is not None:
                roles.append((span, True))
    return roles


def is_name_word(token: "Token") -> bool:
    """A capitalised proper noun that is no title or role word: part of a name."""
    return (token.pos_ == "PROPN" and token.is_title and token.lower_ not in TITLE_WORDS
            and token.lower_ not in ROLE_NOUNS and token.ent_type_ in ("", "PERSON"))


def looks_personal(ent: "SpacySpan", person_words: set[str]) -> bool:
    """A non-PERSON entity that is a person: a surname seen as a person elsewhere, or a name after a
    personal title ("Spokesperson Ned Price", "President Sauli Niinistö" tagged ORG)."""
    if len(ent) == 1 and ent.text in person_words:
        return True
    names = ent[1:] if ent[0].lower_ in PERSONAL_TITLES else ent
    titled = ent[0].lower_ in PERSONAL_TITLES or (ent.start > 0 and ent.doc[ent.start - 1].lower_ in PERSONAL_TITLES)
    return titled and len(names) > 0 and all(t.pos_ == "PROPN" and t.is_title for t in names)
