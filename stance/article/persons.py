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

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Optional

from stance.article.gazetteer import slugify

if TYPE_CHECKING:
    from spacy.tokens import Span as SpacySpan
    from spacy.tokens import Token

TITLE_WORDS = frozenset(
    """president vice prime minister secretary general brigadier lieutenant lt. major maj. colonel col. gen.
    admiral adm. commander captain capt. sergeant sgt. chief deputy foreign defense defence interior finance
    mr mr. mrs mrs. ms ms. dr dr. prof. professor sir dame lord lady king queen prince princess crown sheikh
    sheik emir sultan ayatollah imam pope cardinal bishop rabbi senator sen. rep. representative gov. governor
    mayor ambassador envoy spokesman spokeswoman spokesperson chancellor premier speaker supreme leader judge
    justice attorney state home health economy trade energy army air navy force forces
    first lady. president-elect""".split()
)
ROLE_NOUNS = frozenset(
    """president minister secretary general commander chief leader spokesman spokeswoman spokesperson
    ambassador envoy chancellor premier king queen prince emir sultan ayatollah senator governor mayor
    director head negotiator adviser advisor diplomat official officer lawmaker legislator judge prosecutor""".split()
)
"""Head nouns of role descriptions ("the minister", "Iran's top diplomat") that may refer to a person."""


@dataclass
class Person:
    """One person of the article: id, the longest name seen, name words and role descriptions."""

    words: list[str]
    key: str
    roles: list[str] = field(default_factory=list)
    positions: list[int] = field(default_factory=list)

    @property
    def last_seen(self) -> int:
        return self.positions[-1] if self.positions else -1

    @property
    def name(self) -> str:
        return " ".join(self.words)

    @property
    def id(self) -> str:
        return f"person:{slugify(self.name)}"


def name_words(ent: "SpacySpan") -> tuple[list[str], int]:
    """The name words of a PERSON entity (titles and possessive cut) and the index of the first one."""
    tokens = [t for t in ent if t.text not in ("'s", "’s", "'", "’") and not t.is_punct]
    first = 0
    while first < len(tokens) - 1 and tokens[first].text.lower() in TITLE_WORDS:
        first += 1
    words = [t.text for t in tokens[first:]]
    return words, (tokens[first].i if tokens else ent.start)


class PersonRegistry:
    """The persons of one article; `link` maps each PERSON mention to its person."""

    def __init__(self) -> None:
        self.persons: list[Person] = []

    def link(self, words: list[str], position: int) -> Person:
        """The person a mention with these name words refers to (a new one when none matches)."""
        person = self._find(words)
        if person is None:
            person = Person(list(words), key=f"#person{len(self.persons)}")
            self.persons.append(person)
        elif len(words) > len(person.words) and words[-len(person.words) :] == person.words:
            person.words = list(words)  # "Ashtiani" first, "Mohammad ... Ashtiani" later: keep the full name
        person.positions.append(position)
        return person

    def _find(self, words: list[str]) -> Optional[Person]:
        latest = sorted(self.persons, key=lambda p: p.last_seen, reverse=True)
        if len(words) >= 2:
            for person in latest:
                n = min(len(words), len(person.words))
                if person.words[-n:] == words[-n:] and (n == len(words) or n == len(person.words)):
                    return person
            return None
        word = words[0]
        for person in latest:
            if person.words[-1] == word:
                return person
        for person in latest:
            if person.words[0] == word and len(person.words) > 1:
                return person
        return None

    def by_role(self, head: str, words: set[str], before: int) -> Optional[Person]:
        """The person named latest before token `before` with a role headed by `head` containing `words`."""
        seen = [(max(i for i in p.positions if i < before), p) for p in self.persons if p.positions[0] < before]
        for _, person in sorted(seen, key=lambda pair: pair[0], reverse=True):
            for role in person.roles:
                role_words = set(role.lower().replace("'s", "").replace("’s", "").split())
                if role.lower().split()[-1] == head and words <= role_words:
                    return person
        return None


def _role_span(tokens: list["Token"]) -> Optional["SpacySpan"]:
    """The span of a role phrase without leading determiners and trailing punctuation (None if empty)."""
    while tokens and (tokens[0].dep_ == "det" or tokens[0].is_punct):
        tokens = tokens[1:]
    while tokens and tokens[-1].is_punct:
        tokens = tokens[:-1]
    return tokens[0].doc[tokens[0].i : tokens[-1].i + 1] if tokens else None


def roles_of(ent: "SpacySpan", name_start: int) -> list[tuple[str, Optional["SpacySpan"]]]:
    """Role descriptions of a PERSON mention (titles, preceding compounds, appositions), each with the
    span of an appositive role phrase (itself a mention of the person) or None."""
    doc = ent.doc
    head = ent.root
    roles: list[tuple[str, Optional["SpacySpan"]]] = []
    # Title words inside the entity plus the contiguous modifiers just before it ("Iran's defense minister").
    left = ent.start
    while left > 0:
        token = doc[left - 1]
        if token.is_punct or token.is_space or token.dep_ == "det" or token.ent_type_ == "PERSON":
            break
        # Part of the phrase when it attaches to the right (inside it), or is the "'s" of a possessor.
        if not (left <= token.head.i < ent.end or token.dep_ == "case"):
            break
        left -= 1
    prefix = _role_span(list(doc[left:name_start]))
    if prefix is not None and any(t.text.lower() in TITLE_WORDS or t.text.lower() in ROLE_NOUNS for t in prefix):
        roles.append((prefix.text, None))
    # Apposition: the name is an appositive of a role noun, or a role noun is an appositive of the name.
    if head.dep_ == "appos" and head.head.text.lower() in ROLE_NOUNS:
        span = _role_span([t for t in head.head.subtree if t.i < ent.start])
        roles.append((span.text, span) if span is not None else ("", None))
    for child in head.children:
        if child.dep_ == "appos" and child.text.lower() in ROLE_NOUNS:
            after = [t for t in child.subtree if t.i > child.i]
            cut = next((k for k, t in enumerate(after) if t.is_punct), len(after))
            span = _role_span([t for t in child.subtree if t.i <= child.i] + after[:cut])
            roles.append((span.text, span) if span is not None else ("", None))
    return [r for r in roles if r[0]]
