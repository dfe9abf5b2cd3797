"""Transcripts: turns opened by a speaker label ("SECRETARY BLINKEN: Well, good evening").

Press-conference and remarks transcripts (State and Defense Department releases, parliamentary records)
open each turn with its speaker in capitals and a colon, at the start of a paragraph. Every statement of
a turn is its speaker's, up to the next label. A label's name words are what is left after the titles
("SECRETARY OF DEFENSE PETE HEGSETH" → Pete Hegseth; "FOREIGN MINISTER COLONNA" → Colonna); a label
without one ("MODERATOR:", "QUESTION:", "Q:") opens a turn of someone unnamed, which is the author's.

An article is read as a transcript when at least two labels name someone, or one names someone with a
title of office ("FOREIGN MINISTER CAVUSOGLU:", the one turn of a shortened copy of remarks): a lone
"UPDATE:" or "EDITOR'S NOTE:" at the start of a paragraph opens no turn.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from stance.article.persons import ROLE_NOUNS, TITLE_WORDS

_WORD = r"[A-Z][A-Z.'’\-]*"
LABEL = re.compile(rf"(?m)^[ \t]*(?P<label>{_WORD}(?: {_WORD}){{0,7}}):[ \t]+(?=\S)")
"""A paragraph-initial run of up to eight words in capitals ending in a colon, then the turn's text."""
LABEL_ONLY = re.compile(rf"{_WORD}(?: {_WORD}){{0,7}}:")
"""A sentence that is only a label (spaCy ends a sentence after a long one): it joins the turn's first."""
MIN_NAMED_LABELS = 2
_NOT_NAMES = frozenset({"of", "the", "and", "for", "to", "u.s.", "us", "ph"})


@dataclass(frozen=True)
class Label:
    """One speaker label: its characters in the text, the name words (title-cased) and the title words."""

    start: int
    end: int
    text: str
    name: tuple[str, ...]
    title: tuple[str, ...]

    @property
    def role_head(self) -> Optional[str]:
        """The title's head noun ("secretary" of "SECRETARY OF DEFENSE"), if it has one."""
        before_of = self.title[: self.title.index("of")] if "of" in self.title else self.title
        heads = [w for w in before_of if w in ROLE_NOUNS]
        return heads[-1] if heads else None


def speaker_labels(text: str) -> list[Label]:
    """The speaker labels of `text` in order, or [] when it is not a transcript (fewer than
    `MIN_NAMED_LABELS` labels name someone, and none names someone with an office)."""
    labels = []
    for match in LABEL.finditer(text):
        words = match.group("label").split()
        lowered = [word.lower() for word in words]
        title = tuple(word for word in lowered if word in TITLE_WORDS or word in _NOT_NAMES)
        name = tuple(
            _title_case(word) for word, low in zip(words, lowered)
            if low not in TITLE_WORDS and low not in _NOT_NAMES and len(word.strip(".")) > 1
            and _title_case(word) not in _UNNAMED
        )
        labels.append(Label(match.start("label"), match.end("label"), match.group("label"), name, title))
    named = [label for label in labels if label.name]
    if len(named) >= MIN_NAMED_LABELS or any(label.role_head for label in named):
        return labels
    return []


_UNNAMED = frozenset({"Moderator", "Question", "Questioner", "Participant", "Operator", "Audience", "Reporter",
                      "Unknown", "Announcer", "Emcee", "Narrator", "Host", "Anchor", "Interviewer", "Presenter",
                      "Journalist", "Staff", "Unidentified", "Voice", "Male", "Female", "Interpreter", "Answer",
                      "Update", "Note", "Editor's", "Editor’s", "Correction", "Transcript", "Source", "Photo",
                      "Video", "Related", "Background", "Contact", "Summary", "Watch", "Read"})
"""Label words that name no one: the turn is the author's (the transcript's own narration or a journalist)."""


def _title_case(word: str) -> str:
    """HEGSETH → Hegseth, AL-ABBASI → Al-Abbasi, O'BRIEN → O'Brien."""
    return re.sub(r"[A-Za-z]+", lambda m: m.group().capitalize(), word)
