"""Write the actors' event-data codes into stance/article/gazetteer.yaml: each state's ISO 3166-1 alpha-3
from pycountry, each coded organisation's and armed group's CAMEO code from data/actors/organisation_codes.yaml.

    .venv/bin/python scripts/gazetteer_codes.py          # rewrites the `code:` lines; --check only compares

The code line goes right after the actor's `type:` line; comments and layout are kept. Needs the
development extra (pycountry). tests/test_data_files.py checks the file against pycountry the same way,
tests/test_article_codes.py against organisation_codes.yaml (which names the dictionary entry of each code).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from stance.article.codes import iso_alpha3  # noqa: E402
from stance.article.gazetteer import DEFAULT_PATH, ActorGazetteer  # noqa: E402

ORGANISATION_CODES = ROOT / "data" / "actors" / "organisation_codes.yaml"
CODED_TYPES = ("organisation", "group")
"""Actor types whose codes come from ORGANISATION_CODES (states' come from pycountry)."""


def organisation_codes(gazetteer: ActorGazetteer, path: Path = ORGANISATION_CODES) -> dict[str, str]:
    """Actor id → code from `path`; raises ValueError naming the entries that are not a gazetteer
    organisation or group, that name an unknown source, or that list an actor twice."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    sources, entries = set(data["sources"]), data["codes"]
    problems = []
    for index, entry in enumerate(entries):
        where = f"codes[{index}] {entry['id']!r}"
        actor = gazetteer.actors.get(entry["id"])
        if actor is None or actor.type not in CODED_TYPES:
            found = f"a {actor.type}" if actor else "no actor"
            problems.append(f"{where}: the gazetteer has {found} of that id, expected one of type {CODED_TYPES}")
        if entry["source"] not in sources:
            problems.append(f"{where}: source {entry['source']!r} is not one of {sorted(sources)}")
    ids = [entry["id"] for entry in entries]
    problems += [f"{i!r} is listed {ids.count(i)} times" for i in sorted(set(ids)) if ids.count(i) > 1]
    if problems:
        raise ValueError(f"{path}: {'; '.join(problems)}. Fix the entries (ids as in stance/article/gazetteer.yaml).")
    return {entry["id"]: entry["code"] for entry in entries}


def with_codes(text: str, codes: dict[str, str]) -> str:
    """`text` (the gazetteer YAML) with a `code:` line after each coded actor's `type:` line."""
    text = re.sub(r"(?m)^    code: .*\n", "", text)
    def add(match: re.Match) -> str:
        code = codes.get(match.group("id"))
        return match.group(0) + (f"    code: {code}\n" if code else "")
    return re.sub(r"(?m)^  - id: (?P<id>\S+)\n(?:    (?!type:).*\n)*?    type: .*\n", add, text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="exit 1 when the file differs from pycountry or organisation_codes.yaml")
    args = parser.parse_args()
    gazetteer = ActorGazetteer.from_file(DEFAULT_PATH)
    states = {e.id: iso_alpha3(e) for e in gazetteer.actors.values() if e.type == "state"}
    others = organisation_codes(gazetteer)
    text = DEFAULT_PATH.read_text(encoding="utf-8")
    updated = with_codes(text, {**states, **others})
    if args.check:
        sys.exit(0 if updated == text else 1)
    DEFAULT_PATH.write_text(updated, encoding="utf-8")
    print(f"{len(states)} state and {len(others)} organisation/group codes written to {DEFAULT_PATH}")


if __name__ == "__main__":
    main()
