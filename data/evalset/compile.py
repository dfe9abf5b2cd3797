"""Compile the annotated sources in data/evalset/source/*.txt into data/evalset/articles.jsonl.

The sources are written in a small markup so that character offsets never have to be typed by hand:

    id: a01
    title: Secretary Blinken's Meeting with Egyptian President El-Sisi
    source: U.S. Department of State, readout '...', 2024-03-21
    url: https://www.state.gov/...
    licence: public domain (U.S. federal government work)
    person: person:antony-blinken = Antony Blinken
    ---
    author | [[Secretary Blinken|person:antony-blinken]] met [[Egyptian|egypt]] officials.
    person:antony-blinken | The [[Secretary|person:antony-blinken]] condemned [[Houthi|houthis]] attacks. || houthis=against

- Header lines `key: value` up to the `---` line; `person:` lines (repeatable) declare the persons.
- Body: one statement (sentence) per line, `speaker | sentence`, where speaker is `author` (the
  author's own, unattributed statement) or an actor id. Consecutive lines form a paragraph and are
  joined with one space; a blank line starts a new paragraph ("\n\n" in the text).
- `[[surface|actor-id]]` marks a mention; mentions do not nest.
- `|| target=stance, ...` sets the holder's stance toward actors mentioned in the statement; every
  other actor mentioned in the statement (except the holder) gets a `neutral` triple.
- Lines starting with `#` are comments.

Run from the repository root: `python data/evalset/compile.py` (or `--check` to verify that
articles.jsonl is up to date). Needs PyYAML (to read actor types from the gazetteer) and the
installed `stance` package (for the stance labels and the error class).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import yaml

from stance.article.gazetteer import DEFAULT_PATH as GAZETTEER_PATH
from stance.errors import DataError
from stance.labels import STANCE_LABELS

EVALSET_DIR = Path(__file__).resolve().parent
SOURCE_DIR = EVALSET_DIR / "source"
OUTPUT_PATH = EVALSET_DIR / "articles.jsonl"
PART2_DIR = EVALSET_DIR / "part2"
"""The second, separate test part (a blind test of speakers, part2/README.md): part2/source/*.txt →
part2/articles.jsonl, with the split of each article (`part_split`: `dev` or `blind`) in its `split` field."""
PART3_DIR = EVALSET_DIR / "part3"
"""The third test part (a new blind test of speakers, part3/README.md): part3/source/*.txt → part3/articles.jsonl,
with the split of each article (`part_split`: `dev` or `blind`, as in part 2) in its `split` field."""
PARTS = (
    (SOURCE_DIR, OUTPUT_PATH),
    (PART2_DIR / "source", PART2_DIR / "articles.jsonl"),
    (PART3_DIR / "source", PART3_DIR / "articles.jsonl"),
)

HEADER_KEYS = ("id", "title", "source", "url", "licence")
MENTION = re.compile(r"\[\[([^\[\]|]+)\|([^\[\]|]+)\]\]")


class SourceError(DataError):
    """A source file does not follow the markup described in this module's docstring."""


def load_actor_types(gazetteer_path: Path = GAZETTEER_PATH) -> dict[str, str]:
    """Return {actor id: type} for every actor in the gazetteer."""
    data = yaml.safe_load(gazetteer_path.read_text(encoding="utf-8"))
    return {actor["id"]: actor["type"] for actor in data["actors"]}


def _parse_sentence(markup: str, offset: int, where: str) -> tuple[str, list[dict[str, Any]]]:
    """Strip the mention markup from one sentence; return its text and mentions (offsets into the article)."""
    text_parts: list[str] = []
    mentions: list[dict[str, Any]] = []
    position = 0
    for match in MENTION.finditer(markup):
        text_parts.append(markup[position : match.start()])
        start = offset + sum(len(part) for part in text_parts)
        surface, actor = match.group(1), match.group(2).strip()
        text_parts.append(surface)
        mentions.append({"start": start, "end": start + len(surface), "text": surface, "actor": actor})
        position = match.end()
    text_parts.append(markup[position:])
    text = "".join(text_parts)
    if "[[" in text or "]]" in text:
        raise SourceError(f"{where}: unbalanced or nested mention markup in {markup!r}")
    return text, mentions


def parse_source(path: Path, actor_types: dict[str, str]) -> dict[str, Any]:
    """Parse one annotated source file into an article record (the format of articles.jsonl)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    header: dict[str, str] = {}
    persons: dict[str, str] = {}
    try:
        separator = lines.index("---")
    except ValueError:
        raise SourceError(f"{path.name}: no '---' line between the header and the body") from None
    for number, line in enumerate(lines[:separator], start=1):
        if not line.strip() or line.startswith("#"):
            continue
        key, _, value = line.partition(":")
        key, value = key.strip(), value.strip()
        if key == "person":
            person_id, _, name = value.partition("=")
            persons[person_id.strip()] = name.strip()
        elif key in HEADER_KEYS:
            header[key] = value
        else:
            raise SourceError(f"{path.name}:{number}: unknown header key {key!r}; expected one of {HEADER_KEYS} or 'person'")
    missing = [key for key in HEADER_KEYS if key not in header]
    if missing:
        raise SourceError(f"{path.name}: header is missing {missing}")

    paragraphs: list[list[tuple[int, str]]] = [[]]
    for number, line in enumerate(lines[separator + 1 :], start=separator + 2):
        if line.startswith("#"):
            continue
        if not line.strip():
            if paragraphs[-1]:
                paragraphs.append([])
            continue
        paragraphs[-1].append((number, line))
    paragraphs = [paragraph for paragraph in paragraphs if paragraph]

    text = ""
    mentions: list[dict[str, Any]] = []
    statements: list[dict[str, Any]] = []
    triples: list[dict[str, Any]] = []
    used: list[str] = []

    def use(actor: str, where: str) -> None:
        if actor.startswith("person:"):
            if actor not in persons:
                raise SourceError(f"{where}: person {actor!r} is not declared in the header ('person: {actor} = Full Name')")
        elif actor not in actor_types:
            raise SourceError(f"{where}: actor {actor!r} is not in the gazetteer ({GAZETTEER_PATH.name})")
        if actor not in used:
            used.append(actor)

    for paragraph_index, paragraph in enumerate(paragraphs):
        if paragraph_index:
            text += "\n\n"
        for line_index, (number, line) in enumerate(paragraph):
            where = f"{path.name}:{number}"
            if line_index:
                text += " "
            speaker_field, bar, rest = line.partition(" | ")
            if not bar:
                raise SourceError(f"{where}: expected 'speaker | sentence', found {line!r}")
            markup, _, stance_field = rest.partition(" || ")
            speaker_name = speaker_field.strip()
            speaker = None if speaker_name == "author" else speaker_name
            sentence, sentence_mentions = _parse_sentence(markup.strip(), len(text), where)
            statement_index = len(statements)
            statements.append({"start": len(text), "end": len(text) + len(sentence), "speaker": speaker})
            text += sentence
            if speaker is not None:
                use(speaker, where)
            for mention in sentence_mentions:
                use(mention["actor"], where)
            mentions.extend(sentence_mentions)

            holder = speaker or "author"
            stances: dict[str, str] = {}
            for item in filter(None, (part.strip() for part in stance_field.split(","))):
                target, equals, stance = item.partition("=")
                target, stance = target.strip(), stance.strip()
                if not equals or stance not in STANCE_LABELS:
                    raise SourceError(f"{where}: bad stance {item!r}; expected target=one of {STANCE_LABELS}")
                stances[target] = stance
            targets = list(dict.fromkeys(m["actor"] for m in sentence_mentions if m["actor"] != holder))
            unknown = sorted(set(stances) - set(targets))
            if unknown:
                raise SourceError(f"{where}: stance given for {unknown}, which are not mentioned in the statement (or are its holder)")
            for target in targets:
                triples.append({"statement": statement_index, "holder": holder, "target": target, "stance": stances.get(target, "neutral")})

    unused = sorted(set(persons) - set(used))
    if unused:
        raise SourceError(f"{path.name}: persons declared but never mentioned: {unused}")
    actors = [
        {"id": actor, "type": "person", "name": persons[actor]} if actor.startswith("person:") else {"id": actor, "type": actor_types[actor]}
        for actor in used
    ]
    return {
        "id": header["id"],
        "title": header["title"],
        "source": header["source"],
        "url": header["url"] or None,
        "licence": header["licence"],
        "text": text,
        "actors": actors,
        "mentions": mentions,
        "statements": statements,
        "triples": triples,
    }


def compile_sources(source_dir: Path = SOURCE_DIR, gazetteer_path: Path = GAZETTEER_PATH) -> list[dict[str, Any]]:
    """Parse every source file (sorted by name) and return the article records."""
    actor_types = load_actor_types(gazetteer_path)
    return [parse_source(path, actor_types) for path in sorted(source_dir.glob("*.txt"))]


def render_jsonl(articles: list[dict[str, Any]]) -> str:
    """Serialise article records as JSON Lines, one article per line."""
    return "".join(json.dumps(article, ensure_ascii=False) + "\n" for article in articles)


def check_current(path: Path, rendered: str, command: str) -> int:
    """0 when `path` holds `rendered`, else 1 with a message naming the `command` that rewrites it."""
    current = path.read_text(encoding="utf-8") if path.exists() else ""
    if current != rendered:
        print(f"{path} is out of date: run `{command}`", file=sys.stderr)
        return 1
    return 0


def part_split(article_id: str) -> str:
    """`dev` or `blind` for a part-2 or part-3 article, fixed before any rule was changed for the part: odd
    numbers (c01, c03, ..., d01, d03, ...) are dev, where rules may be improved; even numbers are the blind
    half, reported once."""
    return "dev" if int(article_id.lstrip("cd")) % 2 else "blind"





def main(argv: list[str]) -> int:
    failed = 0
    for source_dir, output in PARTS:
        articles = compile_sources(source_dir)
        if source_dir.parent in (PART2_DIR, PART3_DIR):
            articles = [{**article, "split": part_split(article["id"])} for article in articles]
        rendered = render_jsonl(articles)
        if "--check" in argv:
            failed |= check_current(output, rendered, "python data/evalset/compile.py")
            continue
        output.write_text(rendered, encoding="utf-8")
        print(f"wrote {output} ({rendered.count(chr(10))} articles)")
    return failed


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
