"""stance_news (this project, `data/stance_news/`): holder -> target stance in international-relations news.

The dataset lives in the repository (it is the project's own annotation, CC0 and public domain), so
its folder is `data/stance_news/` whatever `--data-dir` says; `examples.jsonl` is what
`data/stance_news/compile.py` writes from the sources. Each example becomes the `Item` article
analysis builds for a (statement, holder, target): the statement, the target's span, the holder's
canonical name and its span when the statement names it (none for the author). Splits are by source
(`splits.json`); nothing is dropped or repaired here (the compiler and its tests check the data).
"""

from __future__ import annotations

import json
from pathlib import Path

from stance.schema import Example
from training.datasets.base import ReadResult, malformed, require_file

NAME = "stance_news"
FILE = "examples.jsonl"
FILES = {"examples": FILE}
FIELDS = {"id", "split", "text", "holder", "holder_name", "holder_span", "target_span", "stance"}


def _example(row: dict) -> Example:
    holder = row["holder_name"] if row["holder"] != "author" else None
    return Example(
        id=f"{NAME}:{row['id']}",
        task="stance",
        label=row["stance"],
        dataset=NAME,
        split=row["split"],
        text=row["text"],
        target_span=tuple(row["target_span"]),
        holder=holder,
        holder_span=tuple(row["holder_span"]) if holder and row["holder_span"] else None,
    )


def read(root: Path) -> ReadResult:
    """Read `<root>/examples.jsonl` (root: the dataset's folder, `data/stance_news` in the repository)."""
    path = require_file(NAME, root, FILE)
    result = ReadResult()
    for line_no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        try:
            row = json.loads(line)
        except json.JSONDecodeError as err:
            raise malformed(NAME, path, line_no, f"not JSON ({err})") from err
        missing = sorted(FIELDS - set(row))
        if missing:
            raise malformed(NAME, path, line_no, f"missing fields {missing}")
        try:
            result.examples.append(_example(row))
        except ValueError as err:
            raise malformed(NAME, path, line_no, str(err).splitlines()[0]) from err
    return result
