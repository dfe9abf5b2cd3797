"""Compile data/stance_news/source/*.txt into examples (one per triple): what the training reader,
the tests and the benchmarks read. Only the sources are in git; `examples.jsonl` is written on request.

The sources use the markup of the evaluation set (`data/evalset/compile.py`, whose parser this
script reuses): a header (`id`, `title`, `source`, `url`, `licence`, `person:` lines), `---`, then
one statement per line as `holder | sentence || target=stance, ...` with mentions as
`[[surface|actor-id]]`. Unlike the evaluation set, each line stands alone: the sentence is the
whole context the classifier gets, and the same sentence may appear on several lines with
different holders. `docs/annotation.md` is the annotation guide.

Each example: `id` (`<file>-L<source line>-<target>`), `source_id` (the file: the unit of the splits),
`split` (from `splits.json`), `text` (the statement), `holder` / `holder_name` / `holder_span`
(`author` / null / null for the author's own statements; the span of the holder's first mention in
the statement, else null), `target` / `target_name` / `target_span` (the target's first mention),
`target_type`, `stance`, `tags` (constructions found by `construction_tags`), `licence`, `url`.

Run from the repository root: `python data/stance_news/compile.py` writes `examples.jsonl` (ignored by
git, for reading the data with other tools); `--stats` prints the counts the README reports; `--file
PATH` checks one source on its own and prints its counts.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from stance.article.gazetteer import DEFAULT_PATH as GAZETTEER_PATH
from stance.errors import DataError

SET_DIR = Path(__file__).resolve().parent
SOURCE_DIR = SET_DIR / "source"
SPLITS_PATH = SET_DIR / "splits.json"
OUTPUT_PATH = SET_DIR / "examples.jsonl"
EVALSET_COMPILER = SET_DIR.parent / "evalset" / "compile.py"
SPLITS = ("train", "dev", "test")

NEGATION = re.compile(r"\b(not|never|no|n't|nor|neither|without|refused|declined|denied|rejected claims)\b", re.I)
HEDGE = re.compile(r"\b(may|might|could|appeared|seemed|reportedly|possibly|some concern|suggested)\b", re.I)
CONDITIONAL = re.compile(r"\b(if|unless|provided that|as long as|once)\b", re.I)
FIRST_PARTY_PREFIXES = ("f", "p")
"""Source-id prefixes of first-party texts, where the author is the issuing government or body: `f`
federal documents typed in, `p` written first-party statements; `w` is written news (a neutral reporter)."""
REPORTING = re.compile(r"\b(said|says|told|added|according to|stated|declared|asked|wrote|tweeted)\b|\"|“", re.I)


def _evalset_compiler():
    """The evaluation set's compiler module (one parser for both sets)."""
    spec = importlib.util.spec_from_file_location("evalset_compile", EVALSET_COMPILER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_gazetteer(path: Path = GAZETTEER_PATH) -> dict[str, dict[str, Any]]:
    """{actor id: gazetteer entry} for every actor."""
    return {actor["id"]: actor for actor in yaml.safe_load(path.read_text(encoding="utf-8"))["actors"]}


def load_splits(path: Path = SPLITS_PATH) -> dict[str, str]:
    """{source id: split} from splits.json ({"train": [ids], "dev": [...], "test": [...]})."""
    data = json.loads(path.read_text(encoding="utf-8"))
    unknown = sorted(set(data) - set(SPLITS))
    if unknown:
        raise DataError(f"{path.name}: unknown split names {unknown}; expected {list(SPLITS)}")
    out: dict[str, str] = {}
    for split, ids in data.items():
        for source_id in ids:
            if source_id in out:
                raise DataError(f"{path.name}: {source_id!r} is in both {out[source_id]!r} and {split!r}; a source belongs to one split")
            out[source_id] = split
    return out


def construction_tags(
    text: str, holder: str, target_mention: str, target_entry: dict | None, stances: dict[str, str],
    first_party: bool = False,
) -> list[str]:
    """The constructions of one example that the benchmarks report separately (found by rule, not typed);
    `first_party`: the source is a first-party text (`FIRST_PARTY_PREFIXES`)."""
    tags = ["first_party_author"] if first_party and holder == "author" else []
    if NEGATION.search(text):
        tags.append("negation")
    if HEDGE.search(text):
        tags.append("hedge")
    if CONDITIONAL.search(text):
        tags.append("conditional")
    if "?" in text:
        tags.append("question")
    if holder != "author" and REPORTING.search(text):
        tags.append("reported_speech")
    polar = {label for label in stances.values() if label != "neutral"}
    if len(stances) >= 2 and len(set(stances.values())) >= 2 and polar:
        tags.append("multi_target_contrast")
    if target_entry is not None:
        if target_mention in target_entry.get("metonyms", []) or target_mention == target_entry.get("capital"):
            tags.append("metonym")
        if target_mention in target_entry.get("demonyms", []):
            tags.append("demonym")
        tags.append(target_entry["type"])
    else:
        tags.append("person")
    return tags


def _first(mentions: list[dict], actor: str, start: int, end: int) -> dict | None:
    return next((m for m in mentions if m["actor"] == actor and start <= m["start"] and m["end"] <= end), None)


def statement_lines(path: Path) -> list[int]:
    """The line number of each statement of a source, in order (the body's lines that are neither
    blank nor comments): example ids use them, so that commenting a line out changes no other id."""
    lines = path.read_text(encoding="utf-8").splitlines()
    body = lines.index("---") + 1
    return [n for n, line in enumerate(lines[body:], start=body + 1) if line.strip() and not line.startswith("#")]


def article_examples(
    article: dict[str, Any], gazetteer: dict[str, dict], split: str, lines: list[int]
) -> list[dict[str, Any]]:
    """One example per triple of a compiled source (the evaluation set's article record); `lines`:
    each statement's line number in the source."""
    names = {a["id"]: a["name"] for a in article["actors"] if a["type"] == "person"}
    text = article["text"]
    by_statement: dict[int, dict[str, str]] = {}
    for triple in article["triples"]:
        by_statement.setdefault(triple["statement"], {})[triple["target"]] = triple["stance"]
    examples = []
    for index, statement in enumerate(article["statements"]):
        start, end = statement["start"], statement["end"]
        holder = statement["speaker"] or "author"
        stances = by_statement.get(index, {})
        holder_mention = _first(article["mentions"], holder, start, end)
        for target, stance in stances.items():
            mention = _first(article["mentions"], target, start, end)
            entry = gazetteer.get(target)
            examples.append({
                "id": f"{article['id']}-L{lines[index]:03d}-{target}",
                "source_id": article["id"],
                "split": split,
                "text": text[start:end],
                "holder": holder,
                "holder_name": None if holder == "author" else names.get(holder) or gazetteer[holder]["name"],
                "holder_span": [holder_mention["start"] - start, holder_mention["end"] - start] if holder_mention else None,
                "target": target,
                "target_name": names.get(target) or entry["name"],
                "target_span": [mention["start"] - start, mention["end"] - start],
                "target_type": entry["type"] if entry else "person",
                "stance": stance,
                "tags": construction_tags(text[start:end], holder, mention["text"], entry, stances,
                                          first_party=article["id"].startswith(FIRST_PARTY_PREFIXES)),
                "licence": article["licence"],
                "url": article["url"],
            })
    return examples


def compile_examples(source_dir: Path = SOURCE_DIR, splits_path: Path = SPLITS_PATH) -> list[dict[str, Any]]:
    """Parse every source (sorted by name) and return its examples; every source must be in a split."""
    compiler = _evalset_compiler()
    gazetteer = load_gazetteer()
    actor_types = {actor_id: entry["type"] for actor_id, entry in gazetteer.items()}
    splits = load_splits(splits_path)
    paths = sorted(source_dir.glob("*.txt"))
    missing = [p.stem for p in paths if p.stem not in splits]
    if missing:
        raise DataError(f"{splits_path.name}: sources {missing} are in no split. Fix: add each id to one of {list(SPLITS)}.")
    examples = []
    for path in paths:
        article = compiler.parse_source(path, actor_types)
        if article["id"] != path.stem:
            raise DataError(f"{path.name}: header id {article['id']!r} differs from the file name; expected {path.stem!r}")
        examples += article_examples(article, gazetteer, splits[path.stem], statement_lines(path))
    return examples


def statistics(examples: list[dict[str, Any]]) -> dict[str, Any]:
    """Counts per split, label, holder kind and construction (what the README's tables show)."""
    out: dict[str, Any] = {"examples": len(examples), "sources": len({e["source_id"] for e in examples})}
    out["statements"] = len({(e["source_id"], e["text"], e["holder"]) for e in examples})
    out["by_split"] = {s: dict(Counter(e["stance"] for e in examples if e["split"] == s)) for s in SPLITS}
    out["by_label"] = dict(Counter(e["stance"] for e in examples))
    out["holder_author"] = sum(e["holder"] == "author" for e in examples)
    out["by_licence"] = dict(Counter(e["licence"] for e in examples))
    out["tags"] = dict(sorted(Counter(t for e in examples for t in e["tags"]).items()))
    return out


def render_jsonl(examples: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(example, ensure_ascii=False) + "\n" for example in examples)


def check_file(path: Path) -> list[dict[str, Any]]:
    """Parse one source on its own (split `unassigned` when splits.json does not list it yet)."""
    compiler = _evalset_compiler()
    gazetteer = load_gazetteer()
    article = compiler.parse_source(path, {actor_id: entry["type"] for actor_id, entry in gazetteer.items()})
    return article_examples(article, gazetteer, load_splits().get(path.stem, "unassigned"), statement_lines(path))


def main(argv: list[str]) -> int:
    if "--file" in argv:  # --file PATH: check one source and print its counts
        print(json.dumps(statistics(check_file(Path(argv[argv.index("--file") + 1]))), indent=2))
        return 0
    examples = compile_examples()
    if "--stats" in argv:
        print(json.dumps(statistics(examples), indent=2))
        return 0
    OUTPUT_PATH.write_text(render_jsonl(examples), encoding="utf-8")
    print(f"wrote {OUTPUT_PATH} ({len(examples)} examples)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
