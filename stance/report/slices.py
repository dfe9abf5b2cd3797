"""Slices of an evaluation set: single vs multi-target statements, holder known or not, target type, length.

The processed examples carry no target type, so `TargetTyper` derives one: a gazetteer name (alias,
demonym, metonym or capital) gives its actor's type (state, organisation, group); party and
movement plurals ("Democrats", "rebels") are groups and unknown acronyms ("FBI") organisations; a
name that looks like a person's (capitalised words, a personal pronoun, a role noun such as
"president") is a person; anything else (topics such as "gun control") is "other". No spaCy: the
report must run where only the runtime package is installed.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import Optional, Sequence

from stance.article.persons import ROLE_NOUNS as PERSON_ROLE_NOUNS
from stance.schema import Example

SLICE_KINDS = ("targets", "holder", "target type", "length")
LENGTH_BUCKETS = ((15, "1–15 words"), (30, "16–30 words"), (60, "31–60 words"), (None, "over 60 words"))
PRONOUNS = frozenset({"he", "she", "him", "her", "his", "hers", "himself", "herself"})
ROLE_NOUNS = PERSON_ROLE_NOUNS | frozenset(
    # Beyond the article pipeline's role heads: the roles the datasets' target names use (PStance, VAST).
    "vice-president congressman congresswoman prime candidate nominee chairman ceo pope".split()
)
GROUP_WORDS = frozenset(
    """Democrats Republicans GOP Conservatives Liberals Tories Labour Socialists Communists Progressives
    protesters protestors rebels insurgents militants voters liberals conservatives""".split()
)
NAME_PARTICLES = frozenset({"de", "da", "del", "van", "von", "der", "bin", "ibn", "al", "el", "la", "le", "di", "jr.", "sr."})
_WORD = re.compile(r"[\w'’.-]+")


class TargetTyper:
    """Assigns person | state | organisation | group | other to a target name (see the module docstring)."""

    def __init__(self, gazetteer_path: Optional[Path] = None) -> None:
        from stance.article.gazetteer import ActorGazetteer

        gazetteer = ActorGazetteer.from_file(gazetteer_path) if gazetteer_path else ActorGazetteer.default()
        self.types = {surface: gazetteer.actors[actor].type for surface, (actor, _) in gazetteer.surface_table().items()}
        self.types.update({alias: gazetteer.actors[actor].type for alias, actor in gazetteer.ambiguous_table().items()})
        # Longest surfaces first, so "Republic of Korea" inside a longer target wins over "Korea".
        self._longest = sorted(self.types, key=len, reverse=True)
        self._cache: dict[str, str] = {}

    def type_of(self, target: str) -> str:
        """The target's type; cached, since the same few targets recur across a split."""
        if target not in self._cache:
            self._cache[target] = self._classify(target)
        return self._cache[target]

    def _classify(self, target: str) -> str:
        name = re.sub(r"^(the|The)\s+", "", target.strip().replace("’", "'"))
        name = re.sub(r"'s?$", "", name)  # possessive: "Iran's" → "Iran"
        if name in self.types:
            return self.types[name]
        words = _WORD.findall(name)
        if not words:
            return "other"
        lowered = [w.lower() for w in words]
        if len(words) == 1 and lowered[0] in PRONOUNS:
            return "person"
        if words[-1] in GROUP_WORDS:  # "Democrats", "House Republicans", "the rebels"
            return "group"
        if len(words) == 1 and re.fullmatch(r"[A-Z]{2,6}", words[0]):  # "FBI", "EPA": acronyms not in the gazetteer
            return "organisation"
        if self._looks_like_person(words):
            return "person"
        if any(w in ROLE_NOUNS for w in lowered):  # "the president", "Russian President Vladimir Putin"
            return "person"
        return self._contained(name) or "other"

    def _contained(self, name: str) -> Optional[str]:
        """The type of the longest gazetteer surface inside `name` as whole words ("Iranian officials" → state)."""
        if len(name) > 80:  # a long topic phrase is not an actor name, whatever it mentions
            return None
        for surface in self._longest:
            if len(surface) < len(name) and surface in name and re.search(rf"(?<!\w){re.escape(surface)}(?!\w)", name):
                return self.types[surface]
        return None

    def _looks_like_person(self, words: list[str]) -> bool:
        """1–4 capitalised words (particles and initials allowed), not all capitals, none a gazetteer name."""
        if not 1 <= len(words) <= 4 or any(w in self.types for w in words):
            return False
        if all(w.isupper() for w in words if len(w) > 1) and any(len(w) > 1 for w in words):
            return False  # "NATO", "FBI": acronyms are organisations, not people
        if words[0].lower() in ROLE_NOUNS:
            return False
        return all(w[:1].isupper() or w.lower() in NAME_PARTICLES for w in words)


def length_bucket(text: str) -> str:
    """The label of the word-count bucket of `text`."""
    n = len(text.split())
    for limit, label in LENGTH_BUCKETS:
        if limit is None or n <= limit:
            return label
    raise AssertionError("unreachable: the last bucket has no limit")


def _target_key(example: Example) -> str:
    return f"{example.target_span}" if example.target_span is not None else example.target_name


def slice_labels(examples: Sequence[Example], typer: TargetTyper) -> list[dict[str, str]]:
    """For each example, its slice per kind: {"targets": ..., "holder": ..., "target type": ..., "length": ...}.

    "multi-target" means the split has examples of two or more different targets in the same text
    (NewsMTSC's mt sentences, both directions of a directed pair); holder "known" means the example
    names a holder other than the author.
    """
    targets_per_text: dict[str, set[str]] = defaultdict(set)
    for example in examples:
        targets_per_text[example.text].add(_target_key(example))
    return [
        {
            "targets": "multi-target" if len(targets_per_text[e.text]) > 1 else "single-target",
            "holder": "holder known" if e.holder_name else "holder unknown (author)",
            "target type": typer.type_of(e.target_name),
            "length": length_bucket(e.text),
        }
        for e in examples
    ]
