"""The request and result of article analysis, as pydantic models (the service's JSON schema)."""

from __future__ import annotations

from typing import Optional

from pydantic import BaseModel, ConfigDict, Field, field_validator

from stance.article.gazetteer import ActorEntry
from stance.article.metadata import normalize_date
from stance.errors import InputError


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AnalyzeRequest(_Model):
    """One article to analyse (the body of POST /analyze)."""

    text: str = Field(min_length=1, description="The article as plain text (any length up to 2,000,000 characters).")
    id: Optional[str] = Field(None, description="Your id for the article, echoed in the result.")
    date: Optional[str] = Field(None, max_length=100, description="Publication date, ISO 8601 or a common "
                                "form (21 March 2024, RSS dates); echoed as ISO 8601 (2024-03-21).")
    source: Optional[str] = Field(None, max_length=2000, description="The publisher, echoed in the result.")
    url: Optional[str] = Field(None, max_length=2000, description="The article's address, echoed in the result.")
    title: Optional[str] = Field(None, max_length=2000, description="The headline, echoed in the result.")
    actors: list[ActorEntry] = Field(
        default_factory=list, description="Actors to add to the gazetteer (same fields as stance/article/gazetteer.yaml)."
    )
    actors_only: bool = Field(False, description="Report only the actors given in `actors` (holders and targets).")

    @field_validator("date")
    @classmethod
    def _iso_date(cls, value: Optional[str]) -> Optional[str]:
        try:
            return normalize_date(value)
        except InputError as err:
            raise ValueError(str(err)) from None


class ActorOut(_Model):
    id: str = Field(description="Canonical id: a gazetteer id, person:<name>, org:/group:/place:<name> or a user id.")
    name: str = Field(description="Display name (for persons, the longest name used in the article).")
    type: str = Field(description="person, state, organisation, group or place.")
    source: str = Field(description="gazetteer, user or ner (found by spaCy only).")
    mentions: int = Field(description="How many times the article mentions the actor.")
    roles: list[str] = Field(default_factory=list, description="Role descriptions the text gives a person.")
    country: Optional[str] = Field(None, description="ISO 3166-1 alpha-3 code of the state (IRN), or of the one "
                                   "state a person's roles name (\"Iran's defence minister\" → IRN).")
    sector: Optional[str] = Field(None, description="A person's sector from their roles, CAMEO-style: GOV, MIL, "
                                  "JUD, LEG, COP, REB, OPP.")
    code: Optional[str] = Field(None, description="Event-data code as ICEWS/PLOVER write it: a state's ISO code, "
                                "a person's country + sector (IRNGOV), or a code given in the actor list.")


class MentionOut(_Model):
    start: int = Field(description="Character offset of the mention in the article.")
    end: int = Field(description="End offset (exclusive).")
    text: str
    actor: str = Field(description="The id of the actor mentioned.")
    kind: str = Field(description="How it was linked: name, alias, demonym, capital, metonym, ambiguous, organ, "
                                  "entity, person, role.")


class StatementOut(_Model):
    index: int
    start: int = Field(description="Character offset of the statement in the article.")
    end: int
    text: str
    quoted: bool = Field(description="True when the statement is mostly a quotation.")
    quotes: list[tuple[int, int]] = Field(description="Quotation spans (article offsets, marks included).")
    speaker: Optional[str] = Field(description="The holder's actor id; null when the author speaks.")
    speaker_text: Optional[str] = Field(None, description="The words naming the speaker (\"He\", \"the minister\").")
    attribution: str = Field(description="The rule that found the speaker: reporting_verb, pronoun, role, "
                                         "according_to, continuation, transcript_turn, or author.")


class StanceOut(_Model):
    statement: int = Field(description="Index of the statement.")
    holder: str = Field(description="Holder actor id, or \"author\".")
    target: str = Field(description="Target actor id.")
    target_start: int = Field(description="Offset of the target mention used (article offsets).")
    target_end: int
    stance: str = Field(description="against, neutral or favor.")
    stance_probs: dict[str, float]
    sentiment: str = Field(description="negative, neutral or positive (toward the target).")
    sentiment_probs: dict[str, float]


class Evidence(_Model):
    statement: int
    start: int
    end: int
    text: str
    stance: str
    score: float = Field(description="P(favor) - P(against) for this statement.")


class StanceSummary(_Model):
    holder: Optional[str] = Field(None, description="Holder id (absent in per-target summaries: all holders).")
    target: str
    stance: str = Field(description="The label with the highest mean probability over the evidence.")
    score: float = Field(description="Mean P(favor) - P(against), in [-1, 1].")
    confidence: float = Field(description="Mean probability of the chosen label, in [0, 1].")
    count: int = Field(description="Number of statements.")
    evidence: list[Evidence]


class ArticleAnalysis(_Model):
    """Everything found in one article: actors, mentions, statements, directed stances, roll-ups."""

    id: Optional[str] = None
    date: Optional[str] = Field(None, description="Publication date, ISO 8601 at the precision given "
                                "(2024-03-21, 2024-03-21T14:05:00+00:00, 2024-03, 2024).")
    source: Optional[str] = Field(None, description="Publisher, as given with the article.")
    url: Optional[str] = Field(None, description="Address of the article, as given.")
    title: Optional[str] = Field(None, description="Headline, as given.")
    length: int = Field(description="Length of the text in characters.")
    warnings: list[str] = Field(default_factory=list, description="Why results may be unreliable or empty.")
    actors: list[ActorOut]
    mentions: list[MentionOut]
    statements: list[StatementOut]
    stances: list[StanceOut] = Field(description="One per (statement, actor mentioned in it), except the holder.")
    pairs: list[StanceSummary] = Field(description="Roll-up per (holder, target).")
    targets: list[StanceSummary] = Field(description="Roll-up per target over all holders.")
