"""Speakers: who holds each statement, from reported speech, "according to" and continuation.

Rules, tried in this order for each statement (first hit wins):
0. Transcript turn (`stance.article.transcripts`): in an article whose paragraphs open with speaker
   labels ("SECRETARY BLINKEN: …"), a statement after a label is the labelled person's (the author's
   after an unnamed one, "MODERATOR:"), whatever it reports.
1. Reporting verb outside the statement's quotations (said, told, added, warned, accused, …, any
   inflection) with a subject: the subject's actor. The subject is the verb's `nsubj`, the agent of
   a passive ("was condemned by X"), or the subject of the verb it is coordinated with ("X met Y and
   said …"). A subject resolves to
   - the actor mentioned at its head word ("Ashtiani", "the minister" when linked to a person);
   - else an actor mentioned inside the subject phrase ("Iranian officials", "a Kremlin spokesman");
   - he / she: the last person who spoke, else the last person mentioned;
     they / it: the last non-person actor who spoke;
   - a role noun not linked to a person ("the minister added"): the last speaker holding that role.
2. "according to X": X's actor.
3. Continuation: a statement that is mostly a quotation with no attribution of its own belongs to
   the previous statement's speaker when that one is in the same or the preceding paragraph.
Everything else is the author's (speaker None).
"""

from __future__ import annotations

import bisect
from typing import TYPE_CHECKING, Optional

from stance.article.actors import LinkedActors, Mention
from stance.article.persons import ROLE_NOUNS
from stance.article.statements import Statement, in_quote

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

_VERBS = """say tell add stress warn accuse condemn praise call claim announce declare insist explain argue emphasise
emphasize urge deny reiterate assert tweet threaten vow pledge criticise criticize slam blame welcome reject
demand acknowledge confirm respond reply suggest thank hail dismiss denounce lament complain allege affirm
predict caution tout applaud commend decry convey reaffirm express underscore underline highlight voice
recognize recognise""".split()
_WEAK_VERBS = "state note write post charge ask describe promise question remember recall".split()
"""Verbs with a common non-reporting sense ("the state", "charge", "promise"): reporting only with a
clausal complement ("noted that …"), a quotation in the statement, an "as" complement ("described the
talks as candid") or, for `_OBJECT_VERBS` said of a person, a direct object ("the secretary noted the
strong ties", "for his part, Erdogan recalled the deal's benefits")."""
_OBJECT_VERBS = "note remember recall describe".split()
_VIEW_VERBS = "believe think hope want wish expect fear consider intend".split()
"""Verbs of a person's view, reporting only as the main verb, said of a person, with a clause or an
infinitive after them:
"Hamada also wants to work closely with the United States", "the minister believes that …"."""
_IRREGULAR = {"say": ["said"], "tell": ["told"], "speak": ["spoke", "spoken"], "write": ["wrote", "written"], "slam": ["slammed", "slamming"]}


def _forms(verb: str) -> set[str]:
    if verb in _IRREGULAR:
        past = _IRREGULAR[verb]
    elif verb.endswith("e"):
        past = [verb + "d"]
    elif verb.endswith("y") and verb[-2] not in "aeiou":
        past = [verb[:-1] + "ied"]
    else:
        past = [verb + "ed"]
    third = verb[:-1] + "ies" if verb.endswith("y") and verb[-2] not in "aeiou" else verb + ("es" if verb.endswith(("s", "sh", "ch")) else "s")
    ing = verb[:-1] + "ing" if verb.endswith("e") else verb + "ing"
    return {verb, third, ing, *past}


REPORTING_FORMS = frozenset(form for verb in _VERBS for form in _forms(verb))
"""Every inflected form of every reporting verb (the pipeline runs without its lemmatizer)."""
WEAK_FORMS = frozenset(form for verb in _WEAK_VERBS for form in _forms(verb))
OBJECT_FORMS = frozenset(form for verb in _OBJECT_VERBS for form in _forms(verb))
VIEW_FORMS = frozenset(form for verb in _VIEW_VERBS for form in _forms(verb))
PHRASAL_FORMS = frozenset(_forms("point") | {"laid", "lays", "lay", "spelled", "spelt", "spells"})
"""Reporting only with the particle "out": "pointed out", "laid out", "spelled out"; "point" also with
"to", said of a person ("the minister pointed to the progress made")."""
HOSTING_FORMS = frozenset(_forms("welcome"))
"""Not reporting when a person is welcomed to a place: "Hegseth welcomed Koizumi to Washington" is a visit."""
SOUND_FORMS = frozenset(_forms("sound"))
"""Reporting with "alarm" or "warning" as object: "X sounded the alarm about …"."""
PERSON_PRONOUNS = frozenset({"he", "she"})
GROUP_PRONOUNS = frozenset({"they", "it"})


class SpeakerFinder:
    """Attributes the statements of one article, in order, remembering who spoke last."""

    def __init__(self, doc: "Doc", linked: LinkedActors) -> None:
        self.doc = doc
        self.actors = linked.actors
        self.mentions = linked.mentions
        self.by_token: dict[int, list[Mention]] = {}
        for mention in linked.mentions:
            for i in range(mention.token_start, mention.token_end):
                self.by_token.setdefault(i, []).append(mention)
        self.spoken: list[str] = []  # actor ids of speakers, in order
        self.starts = [m.token_start for m in linked.mentions]  # mentions are sorted by position
        self.turns = linked.turns
        self.turn_starts = [start for start, _ in linked.turns]
        self.labels = {m.start: m for m in linked.mentions if m.start in set(self.turn_starts)}  # label mentions

    def attribute(self, statements: list[Statement]) -> None:
        """Set speaker, speaker_span, speaker_text and attribution (the rule used) on each statement."""
        previous: Optional[Statement] = None
        for statement in statements:
            turn = bisect.bisect_right(self.turn_starts, statement.start) - 1
            if turn >= 0:
                statement.speaker, statement.attribution = self.turns[turn][1], "transcript_turn"
                label = self.labels.get(self.turn_starts[turn])
                if statement.speaker and label is not None:
                    statement.speaker_text = label.text  # "SECRETARY BLINKEN"
                    if statement.start <= label.start < statement.end:
                        statement.speaker_span = (label.start, label.end)
                    self.spoken.append(statement.speaker)
                previous = statement
                continue
            found = self._reported(statement) or self._according_to(statement)
            if found:
                actor, subject, phrase, rule = found
                statement.speaker, statement.attribution = actor, rule
                statement.speaker_text = subject.text
                statement.speaker_span = (subject.start_char, subject.end_char)
                statement.speaker_phrase = phrase
                self.spoken.append(actor)
            elif (
                statement.quoted
                and previous is not None
                and previous.speaker
                and statement.paragraph - previous.paragraph <= 1
            ):
                statement.speaker, statement.attribution = previous.speaker, "continuation"
                statement.speaker_text = previous.speaker_text
            previous = statement

    def _reported(self, statement: Statement):
        tokens = self.doc[statement.token_start : statement.token_end]
        verbs = [(t, kind) for t in tokens if t.pos_ == "VERB" and not in_quote(statement, t.idx)
                 and (kind := _reporting(t, statement))]
        verbs.sort(key=lambda pair: (pair[0].dep_ != "ROOT", pair[0].i))
        for verb, kind in verbs:
            subject = _subject_of(verb)
            if subject is None or in_quote(statement, subject.idx):
                continue
            if kind == "of a person" and not self._names_person(subject):
                continue  # "the state noted the ties" is no report
            if any(child.dep_ == "conj" for child in subject.children):
                return None  # "the President and the Chancellor reaffirmed": a joint view, no single holder
            actor, rule = self._resolve(subject)
            voice = self._through(verb)
            if voice is not None:  # "the ministry said through spokesman Wu Qian that …": the spokesman speaks
                actor, subject, rule = voice.actor, self.doc[voice.token_start], "reporting_verb"
            elif subject.i > verb.i:  # '"…," said Treasury Under Secretary David S. Cohen': the person
                person = self._person_after(verb)
                if person is not None:
                    actor, subject, rule = person.actor, self.doc[person.token_start], "reporting_verb"
            if actor:
                return actor, self._subject_span(subject), _phrase_chars(subject), rule
        return None

    def _through(self, verb: "Token") -> Optional[Mention]:
        """The person a verb reports through ("said through spokesman Wu Qian"), if it names one."""
        for child in verb.children:
            if child.dep_ == "prep" and child.lower_ == "through":
                for object_ in child.children:
                    if object_.dep_ == "pobj":
                        for token in _phrase(object_):
                            for mention in self.by_token.get(token.i, []):
                                if self.actors[mention.actor].type == "person":
                                    return mention
        return None

    def _names_person(self, subject: "Token") -> bool:
        if subject.lower_ in PERSON_PRONOUNS:
            return True
        return any(self.actors[m.actor].type == "person" for m in self.by_token.get(subject.i, []))

    def _according_to(self, statement: Statement):
        tokens = self.doc[statement.token_start : statement.token_end]
        for token in tokens:
            if token.lower_ == "according" and token.i + 1 < len(self.doc) and self.doc[token.i + 1].lower_ == "to":
                for object_ in self.doc[token.i + 1].children:
                    if object_.dep_ == "pobj":
                        actor, _ = self._resolve(object_)
                        if actor:
                            return actor, self._subject_span(object_), _phrase_chars(object_), "according_to"
        return None

    def _resolve(self, subject: "Token") -> tuple[Optional[str], str]:
        """The actor a subject word refers to, and the rule that found it."""
        word = subject.lower_
        if word in PERSON_PRONOUNS:
            return self._last(lambda a: a.type == "person", subject.i, mentioned=True), "pronoun"
        if word in GROUP_PRONOUNS:
            return self._last(lambda a: a.type != "person", subject.i, mentioned=False), "pronoun"
        at_head = self.by_token.get(subject.i, [])
        if at_head:
            best = max(at_head, key=lambda m: (m.kind in ("person", "role"), m.token_end - m.token_start))
            return best.actor, "reporting_verb"
        for token in _phrase(subject):
            if token.i in self.by_token:
                return self.by_token[token.i][0].actor, "reporting_verb"
        if word in ROLE_NOUNS:
            return self._last(lambda actor: word in actor.role_heads, subject.i, mentioned=False), "role"
        return None, ""

    def _person_after(self, verb: "Token") -> Optional[Mention]:
        """The first person mentioned between a verb and the end of its sentence."""
        end = verb.sent.end
        for mention in self.mentions[bisect.bisect_right(self.starts, verb.i) :]:
            if mention.token_start >= end:
                break
            if self.actors[mention.actor].type == "person":
                return mention
        return None

    def _last(self, matches, before: int, mentioned: bool) -> Optional[str]:
        """The latest speaker whose actor `matches`; with `mentioned`, else the latest such mention."""
        for actor_id in reversed(self.spoken):
            if matches(self.actors[actor_id]):
                return actor_id
        if mentioned:
            for mention in reversed(self.mentions[: bisect.bisect_left(self.starts, before)]):
                if mention.token_end <= before and matches(self.actors[mention.actor]):
                    return mention.actor
        return None

    def _subject_span(self, subject: "Token"):
        """The subject phrase without a trailing clause: the mention at its head, else its left part."""
        at_head = self.by_token.get(subject.i)
        if at_head:
            best = max(at_head, key=lambda m: m.token_end - m.token_start)
            return self.doc[best.token_start : best.token_end]
        return self.doc[subject.left_edge.i : subject.i + 1]


def _reporting(verb: "Token", statement: Statement) -> bool | str:
    """Is `verb` a verb of reporting here? True, False, or "of a person" (only with a person as subject)."""
    word = verb.lower_
    children = list(verb.children)
    if word in HOSTING_FORMS and _hosts(children):
        return False
    if word in REPORTING_FORMS:
        return True
    if word in PHRASAL_FORMS:
        if any(c.dep_ == "prt" and c.lower_ == "out" for c in children):
            return True
        return "of a person" if word.startswith("point") and any(c.lower_ == "to" for c in children) else False
    if word in VIEW_FORMS:  # the main verb only: "the very thing Putin wanted to avoid" is the author's
        main = verb.dep_ == "ROOT" and any(c.dep_ in ("ccomp", "xcomp") for c in children)
        return "of a person" if main else False
    if word in SOUND_FORMS:
        return any(c.dep_ == "dobj" and c.lower_ in ("alarm", "warning") for c in children)
    if word not in WEAK_FORMS:
        return False
    if statement.quotes or any(c.dep_ == "ccomp" or (c.dep_ == "prep" and c.lower_ == "as") for c in children):
        return True
    return "of a person" if word in OBJECT_FORMS and any(c.dep_ == "dobj" for c in children) else False


def _hosts(children: list) -> bool:
    """"welcomed <a person> to <a place>": the verb's object is a person (a name or a role noun) and a
    "to" phrase says where."""
    person = any(c.dep_ == "dobj" and (c.ent_type_ == "PERSON" or c.lower_ in ROLE_NOUNS) for c in children)
    return person and any(c.dep_ == "prep" and c.lower_ == "to" for c in children)


def _phrase(head: "Token"):
    """The tokens of a noun phrase, without its clauses ("officials [who met Iran's envoy]")."""
    yield head
    for child in head.children:
        if child.dep_ not in ("relcl", "acl", "advcl", "ccomp"):
            yield from _phrase(child)


def _phrase_chars(head: "Token") -> tuple[int, int]:
    """Character span of a noun phrase (see `_phrase`): from its first to its last token."""
    tokens = sorted(_phrase(head), key=lambda t: t.i)
    return tokens[0].idx, tokens[-1].idx + len(tokens[-1])


def _subject_of(verb: "Token") -> Optional["Token"]:
    """The subject of a reporting verb: nsubj (the nearest, when a dateline such as "TEHRAN, Iran (AP) —"
    was parsed as a second one), passive agent, the subject of the verb it joins, or of the verb whose
    "by" it completes ("opened by saying")."""
    subjects = sorted((c for c in verb.children if c.dep_ == "nsubj"), key=lambda c: abs(c.i - verb.i))
    if subjects:
        return subjects[0]
    for child in verb.children:
        if child.dep_ == "agent":
            for object_ in child.children:
                if object_.dep_ == "pobj":
                    return object_
    if verb.dep_ in ("conj", "advcl", "xcomp") and verb.head is not verb:
        return _subject_of(verb.head)
    by = verb.head
    if verb.dep_ == "pcomp" and by.lower_ == "by" and by.head is not by and by.head.pos_ in ("VERB", "AUX"):
        return _subject_of(by.head)  # "Austin opened by saying that …"
    return None
