"""Event-data exports: PLOVER JSON Lines and ICEWS-style CSV, one record per (statement, holder, target).

PLOVER (`to_plover`) follows the manual's record layout (openeventdata/PLOVER, PLOVER_MANUAL.tex,
DRAFT Version 0.8, commit 6b85b9a; chapter "Data Fields") and is checked by
data/schemas/plover_record.schema.json, whose README names the source of every field.

A stance is not an event. It is what a statement says about an actor, and PLOVER codes no comments:
it dropped CAMEO's 01 MAKE PUBLIC STATEMENT and 02 APPEAL. An "against" stance may be a demand, an
accusation, a rejection or a threat, and the classifier does not say which. So a record has
`has_event: false` (the manual's flag for a record with no event coded) and `event: []`, and leaves
`quad_code`, `mode` and `context` unset. The manual leaves a field null when no value applies.
Our own fields carry the stance: `stance`, `stance_score` (P(favor) − P(against)), `stance_probs`,
`sentiment`, `sentiment_probs`, and `stance_quad`. That last one is the quad a statement of this
stance would fall in if it were coded: favor → 1, verbal cooperation, as SUPPORT is "express
support for, commend, approve policy, action, or actor"; against → 3, verbal conflict, as ACCUSE
is "express disapprovals … condemn, decry … criticize"; neutral → null. A statement is verbal, so 2
and 4 (material) never occur.

Actors: `source` is the holder and `recipient` the target, one actor each. This matches the manual's
rule that different source/recipient pairs make separate records. `code` is the manual's 3-letter
top-level code: the actor's ISO 3166-1 alpha-3 country, else the first three letters of an
organisation's or group's CAMEO code (IGOWSTNAT → IGO, PSEREBHMS → PSE). `sector` is the person's
sector (GOV, MIL ...). Unknown stays null: IRNGOV becomes
code IRN + sector GOV, and an organisation with no code gets null; nothing is guessed. The
analysis' code is kept verbatim in `actor_code`. The author's own statements (holder "author") have
the publisher (the article's `source`) as `actor_text` and sector JRN: the manual's sector for
"journalists, newspapers, radio, television, web sites". The manual's MED means health. The
author's country is unknown, so `code` is null.

Other fields. `date` is the publication date: the statement is dated when it was reported. It is
YYYY-MM-DD, with `time` split off an ISO datetime; it is null when the date is absent or partial
(2024-03), and the date as given is kept in `article_date`. `event_text` holds the statement's text.
`text_info` holds the statement's index and its offsets in the article, and the recipient carries
the target mention's `mention_start`/`mention_end`. `cite_info` takes citation (article id), url,
title and publication (publisher) where given. `id` is "<article id or position>/<statement>/<target>".

ICEWS (`to_icews_csv`) uses the column names of the ICEWS Coded Event Data .tab files (Dataverse
doi:10.7910/DVN/28075, read as the andybega/icews package reads them). Event Text, CAMEO Code and
Intensity are left out, since there is no event. The location columns are left out, since none
are coded. Our own columns follow. Source/Target Country is the ISO alpha-3 code where ICEWS writes
the country's name, and Sectors is a sector code where ICEWS writes sector names. Load it with:

    pd.read_csv(path, dtype=ICEWS_DTYPES, parse_dates=list(ICEWS_DATE_COLUMNS), keep_default_na=False, na_values=[""])

Event Date becomes datetime64 (NaT when unknown or partial). The `na_values` options keep a name
such as "NA" or "None" as text.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Any, Iterator, Optional, Sequence

from stance import __version__
from stance.article.rollup import statement_score
from stance.article.schema import ActorOut, ArticleAnalysis, StanceOut, StatementOut
from stance.schema import AUTHOR

STANCE_QUAD: dict[str, Optional[int]] = {"favor": 1, "against": 3, "neutral": None}
"""The PLOVER quad category (1 verbal cooperation, 3 verbal conflict) of each stance; neutral has none."""
AUTHOR_SECTOR = "JRN"
"""PLOVER's sector for journalists and news media: the author of an article's unattributed statements."""
CODER = f"stance {__version__}"
ICEWS_COLUMNS: tuple[str, ...] = (
    "Event ID", "Event Date", "Source Name", "Source Sectors", "Source Country", "Target Name", "Target Sectors",
    "Target Country", "Story ID", "Sentence Number", "Publisher",  # ICEWS's own names, in its order
    "Sentence", "Stance", "Stance Score", "Sentiment", "Source ID", "Target ID", "Source Code", "Target Code",
    "Article Date", "URL",
)
ICEWS_DATE_COLUMNS: tuple[str, ...] = ("Event Date",)
ICEWS_DTYPES: dict[str, str] = {
    **{c: "string" for c in ICEWS_COLUMNS if c not in ICEWS_DATE_COLUMNS},
    "Sentence Number": "Int64",
    "Stance Score": "float64",
}
"""`pandas.read_csv(dtype=...)` for every column but Event Date (give that one to `parse_dates`)."""
# Python's str.splitlines (and some JSON Lines readers) also break lines at these: escape them.
_LINE_BREAKS = str.maketrans({"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})


@dataclass(frozen=True)
class _Row:
    """One stance with everything both formats need from its article."""

    analysis: ArticleAnalysis
    story: str
    stance: StanceOut
    statement: StatementOut
    holder: Optional[ActorOut]
    target: Optional[ActorOut]
    target_text: Optional[str]

    @property
    def id(self) -> str:
        return f"{self.story}/{self.stance.statement}/{self.stance.target}"


def _rows(analyses: Sequence[ArticleAnalysis]) -> Iterator[_Row]:
    for number, analysis in enumerate(analyses):
        actors = {a.id: a for a in analysis.actors}
        statements = {s.index: s for s in analysis.statements}
        mentions = {(m.start, m.end, m.actor): m.text for m in analysis.mentions}
        for stance in analysis.stances:
            target_text = mentions.get((stance.target_start, stance.target_end, stance.target))
            yield _Row(analysis, analysis.id or str(number), stance, statements[stance.statement],
                       actors.get(stance.holder), actors.get(stance.target), target_text)


def _three_letters(code: Optional[str]) -> Optional[str]:
    return code if code and len(code) == 3 and code.isalpha() and code.isupper() else None


def _top_code(actor: ActorOut) -> Optional[str]:
    """PLOVER's 3-letter actor code: the country, else for a non-person the first three letters of its
    CAMEO code, which are PLOVER's top level (IGOWSTNAT → IGO, NGOHRIAMN → NGO, PSEREBHMS → PSE)."""
    if actor.country:
        return _three_letters(actor.country)
    return _three_letters(actor.code[:3]) if actor.type != "person" and actor.code else None


def _day_and_time(date: Optional[str]) -> tuple[Optional[str], Optional[str]]:
    """(YYYY-MM-DD, time) of an ISO date at any precision; None for what it does not give."""
    if not date or len(date) < 10:
        return None, None
    time = date[11:] if "T" in date else ""
    return date[:10], time or None


def _actor(actor: Optional[ActorOut], actor_id: str, text: Optional[str]) -> dict[str, Any]:
    if actor is None:  # an id the analysis lists no actor for: say only what is known
        return {"code": None, "sector": None, "actor_text": text, "actor_id": actor_id, "actor_name": None,
                "actor_type": None, "actor_code": None}
    return {"code": _top_code(actor), "sector": actor.sector, "actor_text": text or actor.name, "actor_id": actor.id,
            "actor_name": actor.name, "actor_type": actor.type, "actor_code": actor.code}


def _source(row: _Row) -> dict[str, Any]:
    if row.stance.holder == AUTHOR:
        publisher = row.analysis.source
        return {"code": None, "sector": AUTHOR_SECTOR, "actor_text": publisher, "actor_id": AUTHOR,
                "actor_name": publisher, "actor_type": "author", "actor_code": None}
    return _actor(row.holder, row.stance.holder, row.statement.speaker_text)


def _cite_info(analysis: ArticleAnalysis) -> dict[str, str]:
    given = {"citation": analysis.id, "url": analysis.url, "title": analysis.title, "publication": analysis.source}
    return {key: value for key, value in given.items() if value is not None}


def _plover_record(row: _Row) -> dict[str, Any]:
    """The PLOVER record (a JSON-ready dict) of one stance."""
    stance, statement = row.stance, row.statement
    day, time = _day_and_time(row.analysis.date)
    recipient = _actor(row.target, stance.target, row.target_text)
    recipient.update(mention_start=stance.target_start, mention_end=stance.target_end)
    record: dict[str, Any] = {"id": row.id, "has_event": False, "date": day}
    if time:
        record["time"] = time
    record.update({
        "source": [_source(row)], "recipient": [recipient], "event": [], "event_text": [statement.text],
        "mode": None, "context": None,
        "text_info": {"sequence": statement.index, "start": statement.start, "end": statement.end},
    })
    if cite := _cite_info(row.analysis):
        record["cite_info"] = cite
    record.update({
        "coder": CODER, "stance": stance.stance, "stance_score": statement_score(stance.stance_probs),
        "stance_probs": stance.stance_probs, "sentiment": stance.sentiment, "sentiment_probs": stance.sentiment_probs,
        "stance_quad": STANCE_QUAD.get(stance.stance), "article_date": row.analysis.date,
        "attribution": statement.attribution, "quoted": statement.quoted,
    })
    return record


def plover_records(analyses: Sequence[ArticleAnalysis]) -> Iterator[dict[str, Any]]:
    """The PLOVER record of every stance of every article, in order."""
    return (_plover_record(row) for row in _rows(analyses))


def to_plover(analyses: Sequence[ArticleAnalysis]) -> str:
    """PLOVER records as JSON Lines (UTF-8 text, one record per line; empty for no stances)."""
    return "".join(json.dumps(r, ensure_ascii=False).translate(_LINE_BREAKS) + "\n" for r in plover_records(analyses))


def _icews_row(row: _Row) -> list[Any]:
    stance, analysis = row.stance, row.analysis
    source, target = _source(row), _actor(row.target, stance.target, row.target_text)
    holder_country = row.holder.country if row.holder and stance.holder != AUTHOR else None
    target_country = row.target.country if row.target else None
    return [
        row.id, _day_and_time(analysis.date)[0], source["actor_name"], source["sector"], holder_country,
        target["actor_name"], target["sector"], target_country, row.story, stance.statement, analysis.source,
        row.statement.text, stance.stance, statement_score(stance.stance_probs), stance.sentiment,
        source["actor_id"], target["actor_id"], source["actor_code"], target["actor_code"], analysis.date, analysis.url,
    ]


def to_icews_csv(analyses: Sequence[ArticleAnalysis]) -> str:
    """One ICEWS-style CSV row per stance under the `ICEWS_COLUMNS` header (header only for no stances)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(ICEWS_COLUMNS)
    writer.writerows(_icews_row(row) for row in _rows(analyses))
    return out.getvalue()
