"""Actor mentions: find people, organisations, states and groups in a parsed article and link them.

Sources, in order of precedence:
1. Gazetteer surface forms (`ActorGazetteer`), longest match first; ambiguous aliases only inside a
   spaCy entity of a sentence not written in capitals.
2. spaCy entities PERSON, ORG, GPE, NORP. An entity that contains a gazetteer match:
   - GPE/NORP: the gazetteer match stands ("southern Lebanon" → Lebanon);
   - ORG made of a state's name plus state-organ words ("Iranian Foreign Ministry", "the U.S. State
     Department") is a mention of that state;
   - any other ORG/PERSON is its own actor and the inner match is dropped ("the Washington Post").
   Entities not in the gazetteer become article-local actors `org:…`, `group:…`, `place:…`.
3. Persons (`persons.PersonRegistry`): name variants merged, roles collected; later role phrases
   ("the minister", "Iran's defense minister") link to the latest person holding that role.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from stance.article.gazetteer import ActorGazetteer, slugify
from stance.article.persons import ROLE_NOUNS, TITLE_WORDS, PersonRegistry, name_words, roles_of

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc
    from spacy.tokens import Span as SpacySpan

ENTITY_LABELS = {"PERSON": "person", "ORG": "organisation", "GPE": "place", "NORP": "group"}
ID_PREFIX = {"organisation": "org", "place": "place", "group": "group"}
STATE_ORGAN_WORDS = frozenset(
    """government ministry foreign defense defence interior army military navy air force forces armed embassy
    parliament administration cabinet state department office presidency mission delegation authorities regime
    officials affairs security national supreme council intelligence of 's ’s the and""".split()
)


@dataclass
class Mention:
    """One mention of an actor: character and token span, text, actor id and how it was found."""

    start: int
    end: int
    token_start: int
    token_end: int
    text: str
    actor: str
    kind: str


@dataclass
class ActorInfo:
    """An actor seen in the article: id, display name, type, where it came from, roles."""

    id: str
    name: str
    type: str
    source: str
    roles: list[str] = field(default_factory=list)
    role_heads: set[str] = field(default_factory=set)


@dataclass
class LinkedActors:
    """The result of linking one article: actors by id and mentions in text order."""

    actors: dict[str, ActorInfo]
    mentions: list[Mention]


def _is_caps_sentence(span: "SpacySpan") -> bool:
    letters = [t for t in span.sent if t.is_alpha and len(t) > 1]
    return bool(letters) and sum(t.is_upper for t in letters) / len(letters) > 0.6


class ActorLinker:
    """Finds and links actor mentions; build once per (pipeline, gazetteer), call `link` per doc."""

    def __init__(self, nlp: "Language", gazetteer: ActorGazetteer) -> None:
        from spacy.matcher import PhraseMatcher

        self.gazetteer = gazetteer
        self.surfaces = gazetteer.surface_table()
        self.ambiguous = gazetteer.ambiguous_table()
        self.matcher = PhraseMatcher(nlp.vocab, attr="ORTH")
        for surface in [*self.surfaces, *self.ambiguous]:
            self.matcher.add(surface, [nlp.make_doc(surface)])

    def _gazetteer_mentions(self, doc: "Doc") -> list[Mention]:
        from spacy.util import filter_spans

        spans = []
        for match_id, start, end in self.matcher(doc):
            span = doc[start:end]
            surface = doc.vocab.strings[match_id]
            if surface in self.surfaces:
                actor, kind = self.surfaces[surface]
            elif all(t.ent_type_ for t in span) and not _is_caps_sentence(span):
                actor, kind = self.ambiguous[surface], "ambiguous"
            else:
                continue
            span.label_ = f"{actor}\t{kind}"
            spans.append(span)
        return [_mention(s, *s.label_.split("\t")) for s in filter_spans(spans)]

    def link(self, doc: "Doc") -> LinkedActors:
        """All actor mentions of `doc` (sorted by position) and the actors they refer to."""
        actors: dict[str, ActorInfo] = {}
        found = self._gazetteer_mentions(doc)
        for mention in found:
            entry = self.gazetteer.actors[mention.actor]
            actors.setdefault(entry.id, ActorInfo(entry.id, entry.name, entry.type, "gazetteer"))
        persons = PersonRegistry()
        # spaCy sometimes labels a surname GPE or ORG ("Blinken arrived"): a word that is a person's
        # name elsewhere in the article is a person.
        person_words = {t.text for e in doc.ents if e.label_ == "PERSON" for t in e if t.is_title}
        for ent in doc.ents:
            kind = ENTITY_LABELS.get(ent.label_)
            if kind is None or not any(ch.isalpha() for ch in ent.text) or _is_caps_sentence(ent):
                continue  # entities in headlines written in capitals are guesses
            if all(t.lower_ in TITLE_WORDS or t.is_punct for t in ent):
                continue  # "State" in "Secretary of State": part of a title
            if kind != "person" and len(ent) == 1 and ent.text in person_words:
                kind = "person"
            if ent[0].dep_ == "det":
                ent = ent[1:]
                if not len(ent):
                    continue
            inner = [m for m in found if m.token_start < ent.end and m.token_end > ent.start]
            if inner:
                if kind in ("place", "group") or all(ent.start >= m.token_start and ent.end <= m.token_end for m in inner):
                    continue
                state = self._organ_of(ent, inner)
                for m in inner:
                    found.remove(m)
                if state:
                    found.append(_mention(ent, state, "organ"))
                    continue
            if kind == "person":
                words, name_start = name_words(ent)
                if not words:
                    continue
                person = persons.link(words, ent.start)
                for role_span, is_mention in roles_of(ent, name_start):
                    person.add_role(role_span)
                    if is_mention:
                        found.append(_mention(role_span, person.key, "role"))
                found.append(_mention(ent, person.key, "person"))
                continue
            name = ent.text.removesuffix("'s").removesuffix("’s")
            actor_id = f"{ID_PREFIX[kind]}:{slugify(name.rstrip('s') if kind == 'group' and len(name) > 4 else name)}"
            actors.setdefault(actor_id, ActorInfo(actor_id, name, kind, "ner"))
            found.append(_mention(ent, actor_id, "entity"))
        found.extend(self._role_mentions(doc, persons, found))
        for person in persons.persons:
            heads = {head for head, _ in person.role_keys}
            actors[person.id] = ActorInfo(person.id, person.name, "person", "ner", list(person.roles), heads)
        # A person's id is known only at the end, when the longest name has been seen ("Ashtiani"
        # first, "Mohammad Reza Gharaei Ashtiani" later): mentions carry a placeholder key until then.
        final = {p.key: p.id for p in persons.persons}
        for mention in found:
            mention.actor = final.get(mention.actor, mention.actor)
        found.sort(key=lambda m: (m.start, -m.end))
        return LinkedActors(actors, found)

    def _organ_of(self, ent: "SpacySpan", inner: list[Mention]) -> str | None:
        states = {m.actor for m in inner if self.gazetteer.actors[m.actor].type == "state"}
        covered = {i for m in inner for i in range(m.token_start, m.token_end)}
        rest = [t for t in ent if t.i not in covered]
        if len(states) == 1 and all(t.is_punct or t.text.lower() in STATE_ORGAN_WORDS for t in rest):
            return states.pop()
        return None

    def _role_mentions(self, doc: "Doc", persons: PersonRegistry, found: list[Mention]) -> list[Mention]:
        """Role phrases ("the minister") after a person with that role was named."""
        taken = {i for m in found if m.kind in ("person", "role") for i in range(m.token_start, m.token_end)}
        mentions = []
        for chunk in doc.noun_chunks:
            head = chunk.root.text.lower()
            if head not in ROLE_NOUNS or chunk.root.i in taken or chunk.root.tag_ in ("NNS", "NNPS"):
                continue
            words = {t.text.lower() for t in chunk if t.dep_ not in ("det", "case") and not t.is_punct} - {head}
            person = persons.by_role(head, words, before=chunk.start)
            if person is not None:
                span = chunk[1:] if chunk[0].dep_ == "det" else chunk
                mentions.append(_mention(span, person.key, "role"))
        return mentions


def _mention(span: "SpacySpan", actor: str, kind: str) -> Mention:
    return Mention(span.start_char, span.end_char, span.start, span.end, span.text, actor, kind)
