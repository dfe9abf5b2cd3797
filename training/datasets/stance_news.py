"""stance_news (this project, `data/stance_news/`): holder -> target stance in international-relations news.

The dataset lives in the repository (it is the project's own annotation, CC0 and public domain), so
its folder is `data/stance_news/` whatever `--data-dir` says; the reader compiles its sources with the
folder's own `compile.py` (only the sources are in git; the build hashes them into the manifest).
Each example becomes the `Item` article
analysis builds for a (statement, holder, target): the statement, the target's span, the holder's
canonical name and its span when the statement names it (none for the author). Splits are by source
(`splits.json`); nothing is dropped or repaired here (the compiler and its tests check the data).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from stance.schema import Example
from training.datasets.base import ReadResult, malformed, require_file

NAME = "stance_news"
COMPILER = "compile.py"
FILES: dict[str, str] = {}
"""No fixed raw files: the sources (source/*.txt, splits.json) are hashed by the build as they are."""


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


def compiled_rows(root: Path) -> list[dict]:
    """The examples `<root>/compile.py` makes from `<root>/source` (its errors name the source line)."""
    path = require_file(NAME, root, COMPILER)
    spec = importlib.util.spec_from_file_location("stance_news_compile", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.compile_examples(root / "source", root / "splits.json")


def read(root: Path) -> ReadResult:
    """Compile and read the dataset in `root` (the dataset's folder, `data/stance_news` in the repository)."""
    result = ReadResult()
    for row in compiled_rows(root):
        try:
            result.examples.append(_example(row))
        except ValueError as err:
            line = int(row["id"].split("-L")[1].split("-")[0])  # ids are <source>-L<line>-<target>
            raise malformed(NAME, root / "source" / f"{row['source_id']}.txt", line, str(err).splitlines()[0]) from err
    return result
