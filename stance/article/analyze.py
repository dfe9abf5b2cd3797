"""`analyze_article` / `analyze_articles`: article text in, `ArticleAnalysis` out.

Stages: parse (spaCy, one `nlp.pipe` over every article's chunks) → statements, actors and speakers
(rules, per article) → directed stance (ONE `StanceClassifier.predict` over every (statement, actor)
pair of every article in the batch) → roll-up. `ArticleAnalyzer` loads spaCy, the gazetteer and the
classifier once; it accumulates seconds per stage in `timings` for benchmarks.
"""

from __future__ import annotations

import bisect
import re
import time
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator, Optional, Sequence

from stance.article.actors import ActorLinker, LinkedActors
from stance.article.gazetteer import ActorEntry, ActorGazetteer
from stance.article.metadata import METADATA_FIELDS, article_metadata
from stance.article.parsing import check_length, clean_text, load_pipeline, looks_english, parse_texts
from stance.article.rollup import roll_up
from stance.article.schema import ActorOut, AnalyzeRequest, ArticleAnalysis, MentionOut, StanceOut, StatementOut
from stance.article.speakers import SpeakerFinder
from stance.article.statements import Statement, split_statements
from stance.errors import InputError
from stance.pipelining import pipelined
from stance.schema import AUTHOR, Item

if TYPE_CHECKING:
    from spacy.tokens import Doc

    from stance.classifier import StanceClassifier

_ACCORDING_TO = re.compile(r"[Aa]ccording to (the )?$")
STAGES = ("spacy", "actors_speakers", "classifier", "rollup")


@dataclass
class _Pending:
    """One article between the rule stages and the classifier."""

    request: AnalyzeRequest
    text: str  # the cleaned original; `doc.text` has ’ normalised to ' (same offsets)
    doc: "Doc"
    linked: LinkedActors
    statements: list[Statement]
    pairs: list[tuple[Statement, object]] = field(default_factory=list)  # (statement, target Mention)
    warnings: list[str] = field(default_factory=list)


class ArticleAnalyzer:
    """Analyse articles with one spaCy pipeline, one gazetteer and one stance classifier."""

    def __init__(self, classifier: "StanceClassifier", gazetteer: Optional[ActorGazetteer] = None, nlp=None,
                 max_tokens: Optional[int] = None) -> None:
        self.classifier = classifier
        self.max_tokens = max_tokens
        """Tokens per `analyze_many` call (all its articles), checked before spaCy's pipeline runs; None: no limit."""
        self.nlp = nlp if nlp is not None else load_pipeline()
        self.gazetteer = gazetteer if gazetteer is not None else ActorGazetteer.default()
        self._linkers: dict[tuple, ActorLinker] = {(): ActorLinker(self.nlp, self.gazetteer)}
        self.timings: dict[str, float] = defaultdict(float)  # wall seconds per stage, for benchmarks
        self.cpu_timings: dict[str, float] = defaultdict(float)  # CPU seconds (all threads) per stage

    @classmethod
    def from_ref(cls, model: str | Path = "stance:latest", gazetteer: Optional[Path] = None, **kwargs) -> "ArticleAnalyzer":
        """Load the classifier from a model tag or directory and the gazetteer from a file (default: ours)."""
        from stance.classifier import StanceClassifier

        actors = ActorGazetteer.from_file(gazetteer) if gazetteer else ActorGazetteer.default()
        return cls(StanceClassifier.from_ref(model, **kwargs), actors)

    @contextmanager
    def _stage(self, name: str) -> Iterator[None]:
        start, cpu = time.perf_counter(), time.process_time()
        yield
        self.timings[name] += time.perf_counter() - start
        self.cpu_timings[name] += time.process_time() - cpu

    def _linker(self, actors: Sequence[ActorEntry]) -> ActorLinker:
        key = tuple(a.model_dump_json() for a in actors)
        if key not in self._linkers:
            if len(self._linkers) > 16:  # many distinct user lists: keep only the base linker
                self._linkers = {(): self._linkers[()]}
            gazetteer = ActorGazetteer(self.gazetteer.actors.values())
            for entry in actors:
                gazetteer.add(entry)
            self._linkers[key] = ActorLinker(self.nlp, gazetteer)
        return self._linkers[key]

    def analyze(self, request: AnalyzeRequest) -> ArticleAnalysis:
        """Analyse one article."""
        return self.analyze_many([request])[0]

    def analyze_many(self, requests: Sequence[AnalyzeRequest]) -> list[ArticleAnalysis]:
        """Analyse many articles: one spaCy pass, one classifier call. Results in input order."""
        return self.classify(self.prepare(requests))

    def analyze_stream(self, batches: Iterable[Sequence[AnalyzeRequest]]) -> Iterator[list[ArticleAnalysis]]:
        """`analyze_many` of each batch, in order, with the next batch's spaCy + rules (one core) running
        while the classifier (every core) runs on the current one."""
        return pipelined(batches, self.prepare, self.classify)

    def prepare(self, requests: Sequence[AnalyzeRequest]) -> list[_Pending]:
        """Check, parse and apply the rules (statements, actors, speakers, pairs): everything but the model."""
        texts = [clean_text(r.text) for r in requests]
        if any(r.actors_only and not r.actors for r in requests):
            raise InputError(
                "actors_only is set but no actors were given: expected a list of actors to restrict the "
                "output to. Fix: pass actors (request field `actors`, or `--actors FILE`), or unset actors_only."
            )
        for text in texts:
            check_length(text)
        with self._stage("spacy"):
            # The gazetteer writes apostrophes as ' ("Sana'a", "People's"): match news text's ’ too.
            docs = parse_texts(self.nlp, [t.replace("’", "'") for t in texts], max_tokens=self.max_tokens)
        with self._stage("actors_speakers"):
            return [self._rules(r, text, doc) for r, text, doc in zip(requests, texts, docs, strict=True)]

    def classify(self, pending: Sequence[_Pending]) -> list[ArticleAnalysis]:
        """Classify every (statement, target) pair of prepared articles in one call and roll them up."""
        with self._stage("classifier"):
            # One request per article: an article's stances do not depend on the others in the batch
            # (two copies of a wire story would otherwise share `multi` sequences).
            predictions = iter(self.classifier.predict_requests([pair_items([p]) for p in pending]))
        with self._stage("rollup"):
            return [_result(p, next(predictions)) for p in pending]

    def _rules(self, request: AnalyzeRequest, text: str, doc: "Doc") -> _Pending:
        """Statements, actors, speakers and the (statement, target) pairs to classify."""
        linked = self._linker(request.actors).link(doc)
        for mention in linked.mentions:
            mention.text = text[mention.start : mention.end]
        statements = split_statements(doc, text)
        SpeakerFinder(doc, linked).attribute(statements)
        pending = _Pending(request, text, doc, linked, statements)
        allowed = {a.id for a in request.actors} if request.actors_only else None
        if allowed is not None:
            _restrict(pending, allowed)
        pending.pairs = _pairs(pending)
        if not doc.text.strip():
            pending.warnings.append("The text is empty: nothing to analyse.")
        elif not looks_english(doc):
            pending.warnings.append("The text does not look like English: actors, speakers and stances are unreliable.")
        if not self.gazetteer.actors:
            pending.warnings.append("The actor gazetteer is empty: only spaCy entities are linked.")
        if doc.text.strip() and not pending.linked.mentions:
            pending.warnings.append("No actors found: no stances to report.")
        return pending


def _restrict(pending: _Pending, allowed: set[str]) -> None:
    """Keep only the user's actors; statements by other speakers are neither theirs nor the author's."""
    pending.linked.mentions = [m for m in pending.linked.mentions if m.actor in allowed]
    pending.linked.actors = {k: v for k, v in pending.linked.actors.items() if k in allowed}
    for statement in pending.statements:
        if statement.speaker and statement.speaker not in allowed:
            statement.speaker, statement.attribution = None, "excluded"


def _pairs(pending: _Pending) -> list[tuple[Statement, object]]:
    """Each statement with the first mention of every actor in it, except the holder and its own phrase."""
    pairs = []
    mentions = pending.linked.mentions  # sorted by start
    starts = [m.start for m in mentions]
    for statement in pending.statements:
        if statement.attribution == "excluded":
            continue
        seen: set[str] = {statement.speaker} if statement.speaker else set()
        holder_span = statement.speaker_phrase or statement.speaker_span or (-1, -1)
        first = bisect.bisect_left(starts, statement.start)
        for mention in mentions[first : bisect.bisect_left(starts, statement.end, first)]:
            if mention.end > statement.end or mention.actor in seen:
                continue
            if holder_span[0] <= mention.start and mention.end <= holder_span[1]:
                continue  # "Iran's defense minister said": the minister's stance toward Iran is not stated
            if _ACCORDING_TO.search(pending.text, max(0, mention.start - 20), mention.start):
                continue  # a source ("according to Reuters") is not a target
            seen.add(mention.actor)
            pairs.append((statement, mention))
    return pairs


def pair_items(pending: Sequence[_Pending]) -> list[Item]:
    """The classifier items of prepared articles' (statement, target) pairs, article by article, in order."""
    return [_item(p, statement, mention) for p in pending for statement, mention in p.pairs]


def _item(pending: _Pending, statement: Statement, mention) -> Item:
    text = pending.text[statement.start : statement.end]
    holder = pending.linked.actors[statement.speaker].name if statement.speaker in pending.linked.actors else None
    span = statement.speaker_span
    holder_span = None
    if span and statement.start <= span[0] and span[1] <= statement.end:
        holder_span = (span[0] - statement.start, span[1] - statement.start)
    return Item(
        text=text,
        target_span=(mention.start - statement.start, mention.end - statement.start),
        holder=holder,
        holder_span=holder_span if holder else None,
    )


def _result(pending: _Pending, predictions: list) -> ArticleAnalysis:
    text = pending.text
    counts: dict[str, int] = defaultdict(int)
    for mention in pending.linked.mentions:
        counts[mention.actor] += 1
    user_ids = {a.id for a in pending.request.actors}
    actors = [
        ActorOut(id=a.id, name=a.name, type=a.type, source="user" if a.id in user_ids else a.source,
                 mentions=counts[a.id], roles=a.roles, country=a.country, sector=a.sector, code=a.code)
        for a in pending.linked.actors.values() if counts[a.id] or a.id in {s.speaker for s in pending.statements}
    ]
    statements = [
        StatementOut(index=s.index, start=s.start, end=s.end, text=text[s.start : s.end], quoted=s.quoted,
                     quotes=s.quotes, speaker=s.speaker, speaker_text=s.speaker_text, attribution=s.attribution)
        for s in pending.statements
    ]
    stances = [
        StanceOut(statement=s.index, holder=s.speaker or AUTHOR, target=m.actor, target_start=m.start,
                  target_end=m.end, stance=p.stance, stance_probs=p.stance_probs, sentiment=p.sentiment,
                  sentiment_probs=p.sentiment_probs)
        for (s, m), p in zip(pending.pairs, predictions, strict=True)
    ]
    pairs, targets = roll_up(stances, statements) if stances else ([], [])
    return ArticleAnalysis(
        id=pending.request.id,
        date=pending.request.date,
        source=pending.request.source,
        url=pending.request.url,
        title=pending.request.title,
        length=len(text),
        warnings=pending.warnings,
        actors=sorted(actors, key=lambda a: (-a.mentions, a.id)),
        mentions=[MentionOut(start=m.start, end=m.end, text=m.text, actor=m.actor, kind=m.kind) for m in pending.linked.mentions],
        statements=statements,
        stances=stances,
        pairs=pairs,
        targets=targets,
    )


def analyze_article(analyzer: ArticleAnalyzer, text: str, id: Optional[str] = None, actors: Sequence[ActorEntry] = (),
                    actors_only: bool = False, **metadata: Optional[str]) -> ArticleAnalysis:
    """Analyse one article text with `analyzer` (see `ArticleAnalyzer`); `metadata` (date, source, url, title)
    is checked (the date read into ISO 8601) and echoed. Returns its `ArticleAnalysis`."""
    return analyzer.analyze_many([article_request(text, id, actors, actors_only, **checked_metadata(metadata))])[0]


def analyze_articles(analyzer: ArticleAnalyzer, texts: Sequence[str], ids: Optional[Sequence[str]] = None,
                     actors: Sequence[ActorEntry] = (), actors_only: bool = False) -> list[ArticleAnalysis]:
    """Analyse many articles in one batch (one spaCy pass, one classifier call); results in input order."""
    return analyzer.analyze_many(_requests(texts, ids, actors, actors_only))


def analyze_batches(analyzer: ArticleAnalyzer, texts: Sequence[str], ids: Optional[Sequence[str]] = None,
                    actors: Sequence[ActorEntry] = (), actors_only: bool = False,
                    batch_size: int = 8) -> Iterator[list[ArticleAnalysis]]:
    """Analyse many articles in batches of `batch_size`, pipelined (`ArticleAnalyzer.analyze_stream`):
    yields each batch's results in input order."""
    return analyze_request_batches(analyzer, _requests(texts, ids, actors, actors_only), batch_size)


def analyze_request_batches(analyzer: ArticleAnalyzer, requests: Sequence[AnalyzeRequest],
                            batch_size: int = 8) -> Iterator[list[ArticleAnalysis]]:
    """`analyze_batches` for ready requests (text, id, metadata, actors each)."""
    return analyzer.analyze_stream(requests[i : i + batch_size] for i in range(0, len(requests), batch_size))


def _requests(texts: Sequence[str], ids: Optional[Sequence[str]], actors: Sequence[ActorEntry],
              actors_only: bool) -> list[AnalyzeRequest]:
    ids = list(ids) if ids is not None else [None] * len(texts)
    if len(ids) != len(texts):
        raise InputError(f"{len(texts)} texts but {len(ids)} ids: expected one id per text (or no ids).")
    return [article_request(t, i, actors, actors_only) for t, i in zip(texts, ids, strict=True)]


def checked_metadata(metadata: dict[str, Optional[str]]) -> dict[str, Optional[str]]:
    """`metadata` with only the known fields (InputError naming an unknown one), the date as ISO 8601."""
    unknown = sorted(set(metadata) - set(METADATA_FIELDS))
    if unknown:
        raise InputError(f"Unknown article metadata {unknown}: expected some of {list(METADATA_FIELDS)}.")
    return article_metadata(metadata)


def article_request(text: str, id: Optional[str], actors: Sequence[ActorEntry], actors_only: bool,
                    **metadata: Optional[str]) -> AnalyzeRequest:
    """The request for one article; `metadata` (date, source, url, title) must already be checked
    (`checked_metadata`, `stance.article.metadata.article_metadata`)."""
    # model_construct: an empty text is allowed here (it yields an empty result with a warning);
    # the service's request model still rejects it with a 4xx.
    return AnalyzeRequest.model_construct(text=text, id=id, actors=list(actors), actors_only=actors_only, **metadata)
