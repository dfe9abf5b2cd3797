"""Actor mentions: find people, organisations, states and groups in a parsed article and link them.

Sources, in order of precedence:
1. Gazetteer surface forms (`ActorGazetteer`), longest match first; ambiguous aliases only inside a
   spaCy entity of a sentence not written in capitals.
2. spaCy entities PERSON, ORG, GPE, NORP (none from sentences written in capitals):
   - GPE/NORP containing a gazetteer match: the match stands ("southern Lebanon" → Lebanon);
   - an ORG made of a state's name plus state-organ words ("Iranian Foreign Ministry", "the U.S.
     Treasury Department") is a mention of that state; one of organ words only is one when a state
     possesses it ("Iran's foreign ministry"), else no actor ("the Department": which one?);
   - any other ORG is its own actor; a state name or demonym inside it is still a mention ("Central
     Bank of Iran"), a capital or metonym is not ("the Washington Post");
   - an ORG that only qualifies a person's title is skipped ("U.S. National Security Advisor X");
   - a GPE/ORG that is a surname seen as PERSON elsewhere, or a name after a personal title
     ("Spokesperson Ned Price"), is a person;
   - an entity spelled a little differently from a gazetteer form ("U.S" for "U.S.") is linked.
   Other entities become article-local actors `org:…`, `group:…`, `place:…`.
   Nothing in a leading dateline ("TEHRAN, Iran (AP) — ") is a mention.
3. Persons (`persons.PersonRegistry`): name variants merged, roles collected; later role phrases
   ("the minister", "Iran's defense minister") link to the latest person holding that role.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from stance.article.codes import person_code
from stance.article.gazetteer import ActorGazetteer, slugify
from stance.article.parsing import dateline_end
from stance.article.transcripts import Label, speaker_labels
from stance.article.persons import (
    ROLE_NOUNS,
    TITLE_WORDS,
    PersonRegistry,
    Role,
    is_name_word,
    looks_personal,
    name_words,
    roles_of,
)

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc
    from spacy.tokens import Span as SpacySpan

SUBJECTS = frozenset({"nsubj", "nsubjpass"})
ENTITY_LABELS = {"PERSON": "person", "ORG": "organisation", "GPE": "place", "NORP": "group"}
ID_PREFIX = {"organisation": "org", "place": "place", "group": "group"}
STATE_ORGAN_WORDS = frozenset(
    """government ministry foreign defense defence interior army military navy air force forces armed embassy
    parliament administration cabinet state department office presidency mission delegation authorities regime
    officials affairs security national supreme council intelligence treasury justice commerce homeland energy
    finance economy trade health education agriculture labor labour coast guard consulate of 's ’s the and""".split()
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
    country: str | None = None
    """ISO 3166-1 alpha-3 of the state: the state's own, or the one a person's roles name."""
    sector: str | None = None
    """A person's sector from their roles (GOV, MIL, JUD, LEG, COP, REB, OPP; `stance.article.codes`)."""
    code: str | None = None
    """The event-data code: the gazetteer's (states, coded organisations) or country + sector (IRNGOV)."""


@dataclass
class LinkedActors:
    """The result of linking one article: actors by id and mentions in text order."""

    actors: dict[str, ActorInfo]
    mentions: list[Mention]
    turns: list[tuple[int, str | None]] = field(default_factory=list)
    """A transcript's turns (`stance.article.transcripts`): where each speaker label starts and the
    person it names (None: someone unnamed, the author's turn); [] when the article is no transcript."""


def _is_caps_sentence(span: "SpacySpan") -> bool:
    letters = [t for t in span.sent if t.is_alpha and len(t) > 1]
    return bool(letters) and sum(t.is_upper for t in letters) / len(letters) > 0.6


class ActorLinker:
    """Finds and links actor mentions; build once per (pipeline, gazetteer), call `link` per doc."""

    def __init__(self, nlp: "Language", gazetteer: ActorGazetteer) -> None:
        from spacy.matcher import PhraseMatcher

        self.gazetteer = gazetteer
        self.state_codes = {e.id: e.code for e in gazetteer.actors.values() if e.type == "state" and e.code}
        self.surfaces = gazetteer.surface_table()
        self.ambiguous = gazetteer.ambiguous_table()
        self.matcher = PhraseMatcher(nlp.vocab, attr="ORTH")
        for surface in [*self.surfaces, *self.ambiguous]:
            self.matcher.add(surface, [nlp.make_doc(surface)])
        # Entities spelled a little differently from every listed form ("U.S" for "U.S.", "U.N." for "UN").
        self.loose = {_loosen(s): actor for s, (actor, _) in self.surfaces.items()}
        self.loose.update((_loosen(s), actor) for s, actor in self.ambiguous.items())

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
        mentions = [_mention(s, *s.label_.split("\t")) for s in filter_spans(spans)]
        covered = {i for m in mentions for i in range(m.token_start, m.token_end)}
        return sorted(mentions + self._hyphenated(doc, covered), key=lambda m: m.start)

    def _hyphenated(self, doc: "Doc", covered: set[int]) -> list[Mention]:
        """Mentions inside one hyphenated token spaCy does not split ("U.S.-backed", "U.S.-Greece")."""
        mentions = []
        for token in doc:
            if "-" not in token.text or token.i in covered:
                continue
            offset = 0
            for part in token.text.split("-"):
                if part in self.surfaces:
                    actor, kind = self.surfaces[part]
                    start = token.idx + offset
                    mentions.append(Mention(start, start + len(part), token.i, token.i + 1, part, actor, kind))
                offset += len(part) + 1
        return mentions

    def link(self, doc: "Doc") -> LinkedActors:
        """All actor mentions of `doc` (sorted by position) and the actors they refer to."""
        # A dateline ("TEHRAN, Iran (AP) — ") says where the news was written, not who is in it.
        skip = dateline_end(doc.text)
        found = [m for m in self._gazetteer_mentions(doc) if m.start >= skip]
        # Token → gazetteer mention, so that each entity finds the matches inside it in constant time.
        # (A local, not an attribute: one linker serves concurrent requests in the service.)
        by_token = {i: m for m in found for i in range(m.token_start, m.token_end)}
        actors: dict[str, ActorInfo] = {}
        for mention in found:
            entry = self.gazetteer.actors[mention.actor]
            country = entry.code if entry.type == "state" else None
            actors.setdefault(entry.id, ActorInfo(entry.id, entry.name, entry.type, "gazetteer", country=country,
                                                  code=entry.code))
        persons = PersonRegistry()
        labels = speaker_labels(doc.text[skip:])
        labelled = {i for label in labels for i in self._label_tokens(doc, label, skip)}
        found = [m for m in found if not labelled & set(range(m.token_start, m.token_end))]
        by_token = {i: m for m in found for i in range(m.token_start, m.token_end)}
        turns: list[tuple[int, str | None]] = []
        pending = list(labels)
        # spaCy sometimes labels a surname GPE or ORG ("Blinken arrived"): a word that is a person's
        # name elsewhere in the article is a person.
        person_words = {t.text for e in doc.ents if e.label_ == "PERSON" for t in e if t.is_title}
        for ent in doc.ents:
            while pending and pending[0].start + skip <= ent.start_char:
                turns.append(self._label(doc, pending.pop(0), skip, persons, found))
            if labelled & set(range(ent.start, ent.end)):
                continue  # a speaker label: its person is linked from the label
            kind = ENTITY_LABELS.get(ent.label_)
            if kind is None or not any(ch.isalpha() for ch in ent.text) or _is_caps_sentence(ent) or ent.start_char < skip:
                continue  # entities in headlines written in capitals are guesses
            if all(t.lower_ in TITLE_WORDS or t.is_punct for t in ent):
                continue  # "State" in "Secretary of State": part of a title
            if ent[0].dep_ == "det":
                ent = ent[1:]
                if not len(ent):
                    continue
            if kind != "person" and looks_personal(ent, person_words):
                kind = "person"  # "Spokesperson Ned Price" tagged ORG, "Blinken arrived" tagged GPE
            elif kind == "organisation" and _in_title(ent):
                continue  # part of a title: "U.S. National Security Advisor Michael Flynn"
            elif kind == "organisation" and all(t.lower_ in STATE_ORGAN_WORDS for t in ent):
                state = self._possessor_state(ent, by_token)
                if state:  # "Iran's foreign ministry"
                    found.append(_mention(ent, state, "organ"))
                continue  # a bare "the Department" or "the foreign ministry" names no actor we can identify
            inner = _inner(ent, by_token)
            if kind != "person" and not inner and _loosen(ent.text) in self.loose:
                # "U.S" without its last period, "U.N." for "UN"
                found.append(_mention(ent, self.loose[_loosen(ent.text)], "alias"))
                continue
            if inner and self._absorb(ent, kind, inner, found):
                continue
            if kind == "person":
                self._person(ent, persons, found)
                continue
            name = ent.text.removesuffix("'s").removesuffix("’s")
            actor_id = f"{ID_PREFIX[kind]}:{slugify(name.rstrip('s') if kind == 'group' and len(name) > 4 else name)}"
            actors.setdefault(actor_id, ActorInfo(actor_id, name, kind, "ner"))
            found.append(_mention(ent, actor_id, "entity"))
        turns.extend(self._label(doc, label, skip, persons, found) for label in pending)
        found = [m for m in found if m.kind != "dropped"]
        found.extend(self._role_mentions(doc, persons, found))
        for person in persons.persons:
            heads = {role.head for role in person.role_keys}
            country, sector = person_code(person.role_keys, self.state_codes)
            code = f"{country or ''}{sector or ''}" or None
            actors[person.id] = ActorInfo(person.id, person.name, "person", "ner", list(person.roles), heads,
                                          country, sector, code)
        # A person's id is known only at the end, when the longest name has been seen ("Ashtiani"
        # first, "Mohammad Reza Gharaei Ashtiani" later): mentions carry a placeholder key until then.
        final = {p.key: p.id for p in persons.persons}
        for mention in found:
            mention.actor = final.get(mention.actor, mention.actor)
        found.sort(key=lambda m: (m.start, -m.end))
        return LinkedActors(actors, found, [(start, final.get(key, key) if key else None) for start, key in turns])

    @staticmethod
    def _label_tokens(doc: "Doc", label: Label, skip: int) -> range:
        span = doc.char_span(label.start + skip, label.end + skip, alignment_mode="expand")
        return range(span.start, span.end) if span is not None else range(0)

    @staticmethod
    def _label(doc: "Doc", label: Label, skip: int, persons: PersonRegistry, found: list[Mention]) -> tuple[int, str | None]:
        """Link a speaker label's person (a mention of them) and return the turn it opens."""
        if not label.name:
            return label.start + skip, None
        span = doc.char_span(label.start + skip, label.end + skip, alignment_mode="expand")
        person = persons.link(list(label.name), span.start)
        if label.role_head:
            person.add_title(" ".join(label.title), label.role_head, frozenset(label.title) - {"of", "the"})
        found.append(_mention(span, person.key, "person"))
        return label.start + skip, person.key

    def _absorb(self, ent: "SpacySpan", kind: str, inner: list[Mention], found: list[Mention]) -> bool:
        """Settle an entity that overlaps gazetteer matches; True when it needs no mention of its own."""
        covered = {i for m in inner for i in range(m.token_start, m.token_end)}
        rest = [t for t in ent if t.i not in covered and not (t.is_punct or t.dep_ in ("case", "det", "cc", "prep"))]
        if kind in ("place", "group") or not rest:
            return True  # "southern Lebanon", or matches cover the entity ("IRGC's Qods Force"): they stand
        state = self._organ_of(ent, inner)
        if state:
            for m in inner:
                m.kind = "dropped"
            found.append(_mention(ent, state, "organ"))
            return True
        # Its own actor ("Central Bank of Iran"): a name or demonym inside still mentions that actor
        # (as our evaluation set annotates it), a city or building inside does not ("the Washington Post").
        for m in inner:
            if m.kind in ("capital", "metonym"):
                m.kind = "dropped"
        return False

    def _possessor_state(self, ent: "SpacySpan", by_token: dict[int, Mention]) -> str | None:
        """The state mentioned just before an entity ("Iran's" or "Iranian" foreign ministry), if any."""
        before = ent.start - (2 if ent.start > 1 and ent.doc[ent.start - 1].dep_ == "case" else 1)
        mention = by_token.get(before)
        if mention is not None and mention.kind != "dropped" and self.gazetteer.actors[mention.actor].type == "state":
            return mention.actor
        return None

    def _person(self, ent: "SpacySpan", persons: PersonRegistry, found: list[Mention]) -> None:
        doc, start = ent.doc, ent.start
        while start > 0 and is_name_word(doc[start - 1]) and start <= doc[start - 1].head.i < ent.end:
            start -= 1  # "Antony" left out of the entity "J. Blinken"
        ent = doc[start : ent.end]
        words, name_start = name_words(ent)
        if not words:
            return
        root = ent.root
        subject = root.dep_ in SUBJECTS or (root.dep_ == "appos" and root.head.dep_ in SUBJECTS)
        person = persons.link(words, ent.start, subject=subject)
        for role_span, is_mention in roles_of(ent, name_start):
            person.add_role(role_span, self._states_in(role_span, found))
            if is_mention:
                found.append(_mention(role_span, person.key, "role"))
        found.append(_mention(ent, person.key, "person"))

    def _states_in(self, span: "SpacySpan", found: list[Mention]) -> frozenset[str]:
        """The states a role phrase names: by name, demonym or metonym ("Iran's", "Chinese", "Pentagon")."""
        return frozenset(
            m.actor for m in found
            if span.start <= m.token_start and m.token_end <= span.end and m.kind != "dropped"
            and m.actor in self.gazetteer.actors and self.gazetteer.actors[m.actor].type == "state"
        )

    def _organ_of(self, ent: "SpacySpan", inner: list[Mention]) -> str | None:
        states = {m.actor for m in inner if self.gazetteer.actors[m.actor].type == "state"}
        covered = {i for m in inner for i in range(m.token_start, m.token_end)}
        rest = [t for t in ent if t.i not in covered]
        if len(states) == 1 and all(t.is_punct or t.text.lower() in STATE_ORGAN_WORDS for t in rest):
            return states.pop()
        return None

    def _role_mentions(self, doc: "Doc", persons: PersonRegistry, found: list[Mention]) -> list[Mention]:
        """Definite role phrases ("the minister", "Iran's foreign minister") after a person with that
        role was named, unless a name follows (then it is a title, handled with the name)."""
        taken = {i for m in found if m.kind in ("person", "role") for i in range(m.token_start, m.token_end)}
        mentions = []
        for token in doc:
            if token.lower_ not in ROLE_NOUNS or token.i in taken or token.tag_ in ("NNS", "NNPS"):
                continue
            if token.i + 1 < len(doc) and doc[token.i + 1].ent_type_ == "PERSON":
                continue
            left = token.i
            while left > 0 and doc[left - 1].dep_ in ("compound", "amod", "poss", "case", "det") and not doc[left - 1].is_punct:
                left -= 1
            if doc[left].lower_ not in ("the", "this", "that") and doc[left].dep_ != "poss":
                continue  # "a minister" introduces someone new
            words = frozenset(t.lower_ for t in doc[left : token.i] if t.dep_ not in ("det", "case") and not t.is_punct)
            role = Role(token.lower_, words, self._states_in(doc[left : token.i + 1], found))
            person = persons.by_role(role, before=left)
            if person is not None:
                start = left + 1 if doc[left].lower_ in ("the", "this", "that") else left
                mentions.append(_mention(doc[start : token.i + 1], person.key, "role"))
        return mentions


def _inner(ent: "SpacySpan", by_token: dict[int, Mention]) -> list[Mention]:
    """The (not dropped) gazetteer mentions overlapping `ent`."""
    inner = {id(m): m for i in range(ent.start, ent.end) if (m := by_token.get(i)) and m.kind != "dropped"}
    return list(inner.values())


def _loosen(surface: str) -> str:
    return surface.replace(".", "").replace("’", "'").removesuffix("'s").strip()


def _in_title(ent: "SpacySpan") -> bool:
    """An organisation that only qualifies a person's title: "U.S. National Security [Advisor] Michael Flynn"."""
    doc = ent.doc
    if ent.root.dep_ == "compound" and ent.root.head.ent_type_ == "PERSON":
        return True
    after = doc[ent.end : ent.end + 3]
    return len(after) > 1 and after[0].lower_ in TITLE_WORDS | ROLE_NOUNS and after[1].ent_type_ == "PERSON"


def _mention(span: "SpacySpan", actor: str, kind: str) -> Mention:
    return Mention(span.start_char, span.end_char, span.start, span.end, span.text, actor, kind)
