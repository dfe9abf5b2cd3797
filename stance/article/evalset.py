"""Score article analysis against our annotated evaluation set (data/evalset/articles.jsonl).

Metrics, summed over all articles (micro-averaged):
- mention recall: gold mentions overlapped by a system mention;
- linking accuracy: of those, the share whose best-overlapping system mention (largest overlap, then
  the tightest span) links to the gold actor;
- speaker accuracy: gold statements whose best-overlapping system statement has the gold speaker
  (null = author);
- triples: (statement, holder, target, stance) precision/recall/F1, a system stance placed in the gold
  statement that contains its target mention; also the same without neutral triples ("polar"), and
  (holder, target) pairs regardless of stance.
System actors are mapped to gold ids first: gazetteer ids are shared; a system person matches a gold
person by full name, else by surname; other article-local actors match by their name's slug.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from stance.article.gazetteer import slugify
from stance.article.schema import ArticleAnalysis
from stance.errors import InputError
from stance.schema import AUTHOR

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "data" / "evalset" / "articles.jsonl"


class _Gold(BaseModel):
    model_config = ConfigDict(extra="allow")


class GoldActor(_Gold):
    id: str
    type: str
    name: Optional[str] = None


class GoldMention(_Gold):
    start: int
    end: int
    text: str = ""
    actor: str


class GoldStatement(_Gold):
    start: int
    end: int
    speaker: Optional[str] = None


class GoldTriple(_Gold):
    statement: int
    holder: str
    target: str
    stance: Literal["favor", "against", "neutral"]


class GoldArticle(_Gold):
    id: str
    text: str = Field(min_length=1)
    actors: list[GoldActor] = Field(default_factory=list)
    mentions: list[GoldMention] = Field(default_factory=list)
    statements: list[GoldStatement] = Field(default_factory=list)
    triples: list[GoldTriple] = Field(default_factory=list)
    split: Optional[str] = Field(None, description="A part's own split (data/evalset/part2: dev or blind).")


def read_evalset(path: Path) -> list[GoldArticle]:
    """The gold articles of a JSONL file; a malformed line raises InputError naming it."""
    if not path.exists():
        raise InputError(f"Evaluation set {path} does not exist. Fix: pass --evalset PATH (JSONL, one article a line).")
    articles = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            articles.append(GoldArticle.model_validate_json(line))
        except ValidationError as err:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in err.errors()[:3])
            raise InputError(f"{path}, line {number}: not a valid gold article ({problems}).") from err
    return articles


def _words(name: str) -> list[str]:
    return slugify(name).split("-")


def actor_map(gold: GoldArticle, system: ArticleAnalysis) -> dict[str, str]:
    """System actor id → gold actor id, for the system actors that correspond to a gold actor."""
    gold_ids = {a.id for a in gold.actors}
    gold_words = {a.id: _words(a.name or a.id.split(":", 1)[-1]) for a in gold.actors}
    mapping: dict[str, str] = {}
    for actor in system.actors:
        if actor.id in gold_ids:
            mapping[actor.id] = actor.id
            continue
        words = _words(actor.name)
        prefix_ok = [g for g in gold_ids if (g.startswith("person:") == (actor.type == "person"))]
        exact = [g for g in prefix_ok if gold_words[g] == words]
        surname = [g for g in prefix_ok if actor.type == "person" and gold_words[g][-1:] == words[-1:]]
        slug = [g for g in prefix_ok if g.split(":", 1)[-1] == slugify(actor.name)]
        for candidates in (exact, slug, surname):
            if len(candidates) == 1:
                mapping[actor.id] = candidates[0]
                break
    return mapping


def _overlap(a_start: int, a_end: int, b_start: int, b_end: int) -> int:
    return max(0, min(a_end, b_end) - max(a_start, b_start))


def _prf(system: set, gold: set) -> dict[str, float]:
    hits = len(system & gold)
    precision = hits / len(system) if system else 0.0
    recall = hits / len(gold) if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
            "system": len(system), "gold": len(gold), "hits": hits}


def score_article(gold: GoldArticle, system: ArticleAnalysis) -> dict:
    """Counts for one article (summed by `score`) and the triple sets."""
    mapping = actor_map(gold, system)
    found = linked = 0
    for mention in gold.mentions:
        overlaps = [(m, _overlap(m.start, m.end, mention.start, mention.end)) for m in system.mentions]
        overlaps = [(m, o) for m, o in overlaps if o > 0]
        if overlaps:
            found += 1
            best = max(overlaps, key=lambda pair: (pair[1], -(pair[0].end - pair[0].start)))[0]
            linked += mapping.get(best.actor) == mention.actor
    speakers_right = 0
    for statement in gold.statements:
        overlaps = [(s, _overlap(s.start, s.end, statement.start, statement.end)) for s in system.statements]
        best = max(overlaps, key=lambda pair: pair[1], default=(None, 0))
        speaker = mapping.get(best[0].speaker, best[0].speaker) if best[1] and best[0].speaker else None
        speakers_right += speaker == statement.speaker
    gold_triples = {(t.statement, t.holder, t.target, t.stance) for t in gold.triples}
    system_triples = set()
    for stance in system.stances:
        index = next((i for i, s in enumerate(gold.statements) if s.start <= stance.target_start < s.end), None)
        if index is not None:
            holder = AUTHOR if stance.holder == AUTHOR else mapping.get(stance.holder, stance.holder)
            system_triples.add((index, holder, mapping.get(stance.target, stance.target), stance.stance))
    return {"mentions": len(gold.mentions), "found": found, "linked": linked, "statements": len(gold.statements),
            "speakers_right": speakers_right, "system_triples": system_triples, "gold_triples": gold_triples}


def score(golds: list[GoldArticle], systems: list[ArticleAnalysis]) -> dict:
    """Micro-averaged metrics over the articles (see the module docstring)."""
    parts = [score_article(g, s) for g, s in zip(golds, systems, strict=True)]
    total = {k: sum(p[k] for p in parts) for k in ("mentions", "found", "linked", "statements", "speakers_right")}
    system = {(i, *t) for i, p in enumerate(parts) for t in p["system_triples"]}
    gold = {(i, *t) for i, p in enumerate(parts) for t in p["gold_triples"]}
    polar = lambda triples: {t for t in triples if t[-1] != "neutral"}  # noqa: E731
    pairs = lambda triples: {t[:-1] for t in triples}  # noqa: E731
    return {
        "articles": len(golds),
        **total,
        "mention_recall": round(total["found"] / total["mentions"], 4) if total["mentions"] else 0.0,
        "linking_accuracy": round(total["linked"] / total["found"], 4) if total["found"] else 0.0,
        "speaker_accuracy": round(total["speakers_right"] / total["statements"], 4) if total["statements"] else 0.0,
        "triples": _prf(system, gold),
        "triples_polar": _prf(polar(system), polar(gold)),
        "holder_target_pairs": _prf(pairs(system), pairs(gold)),
    }


def evaluate_evalset(analyzer, path: Path = DEFAULT_PATH, split: Optional[str] = None) -> dict:
    """Analyse every gold article with `analyzer` (one batch), or those of `split`, and score the result."""
    from stance.article.analyze import analyze_articles

    golds = read_evalset(path)
    if split is not None:
        splits = sorted({g.split for g in golds if g.split})
        golds = [g for g in golds if g.split == split]
        if not golds:
            raise InputError(f"{path} has no article of split {split!r}: its splits are {splits}. Fix: pass one of "
                             "them, or leave out --split.")
    systems = analyze_articles(analyzer, [g.text for g in golds], ids=[g.id for g in golds])
    return score(golds, systems)
