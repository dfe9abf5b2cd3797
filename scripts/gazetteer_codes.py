"""Write each state's ISO 3166-1 alpha-3 code into stance/article/gazetteer.yaml, from pycountry.

    .venv/bin/python scripts/gazetteer_codes.py          # rewrites the `code:` lines; --check only compares

The code line goes right after the state's `type: state` line; comments and layout are kept. Needs the
development extra (pycountry). tests/test_data_files.py checks the file against pycountry the same way.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from stance.article.codes import iso_alpha3  # noqa: E402
from stance.article.gazetteer import DEFAULT_PATH, ActorGazetteer  # noqa: E402


def with_codes(text: str, codes: dict[str, str]) -> str:
    """`text` (the gazetteer YAML) with a `code:` line after each coded actor's `type:` line."""
    text = re.sub(r"(?m)^    code: .*\n", "", text)
    def add(match: re.Match) -> str:
        code = codes.get(match.group("id"))
        return match.group(0) + (f"    code: {code}\n" if code else "")
    return re.sub(r"(?m)^  - id: (?P<id>\S+)\n(?:    (?!type:).*\n)*?    type: .*\n", add, text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when the file differs from pycountry")
    args = parser.parse_args()
    gazetteer = ActorGazetteer.from_file(DEFAULT_PATH)
    codes = {e.id: iso_alpha3(e) for e in gazetteer.actors.values() if e.type == "state"}
    text = DEFAULT_PATH.read_text(encoding="utf-8")
    updated = with_codes(text, codes)
    if args.check:
        sys.exit(0 if updated == text else 1)
    DEFAULT_PATH.write_text(updated, encoding="utf-8")
    print(f"{len(codes)} state codes written to {DEFAULT_PATH}")


if __name__ == "__main__":
    main()
