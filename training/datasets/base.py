"""What every dataset reader returns, and the shared checks on raw files."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Hashable, Sequence, TypeVar

from stance.errors import DataError
from stance.schema import Example


@dataclass(frozen=True)
class Dropped:
    """A raw row left out of the processed data, with where it was and why."""

    dataset: str
    file: str
    line: int
    reason: str
    """A fixed phrase, so that the manifest can group drops by reason."""
    detail: str = ""
    """What varies from row to row (the other line, the labels), listed with the location."""


@dataclass
class ReadResult:
    """The validated examples of one dataset plus every row dropped and every repair made."""

    examples: list[Example] = field(default_factory=list)
    dropped: list[Dropped] = field(default_factory=list)
    repaired: dict[str, int] = field(default_factory=dict)

    def repair(self, what: str) -> None:
        self.repaired[what] = self.repaired.get(what, 0) + 1


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def require_file(dataset: str, root: Path, relative: str) -> Path:
    """Return root/relative or raise a DataError that names the dataset, the file and the fix."""
    path = root / relative
    if not path.is_file():
        raise DataError(
            f"Dataset {dataset!r}: file {relative} not found under {root}. Expected the files listed "
            f"in data/datasets/{dataset}.toml. Fix: point --data-dir at the folder holding {dataset}/ "
            f"(e.g. ../shared/data), or download the dataset from the URL in that file."
        )
    return path


def malformed(dataset: str, path: Path, line: int, problem: str) -> DataError:
    """The error for a raw row that cannot be read: names dataset, file, line and the problem."""
    return DataError(
        f"Dataset {dataset!r}: {path}, line {line}: {problem}. The file may be corrupted or of "
        f"another version: compare its sha256 with data/datasets/{dataset}.toml and re-download it."
    )


Row = TypeVar("Row")


def drop_conflicts_and_repeats(
    rows: Sequence[Row],
    key: Callable[[Row], Hashable],
    label: Callable[[Row], str],
    where: Callable[[Row], tuple[str, int]],
    what: str,
    dataset: str,
    result: ReadResult,
) -> list[Row]:
    """Keep the first row of each `key` group whose labels agree; drop later repeats and every row
    of a group with conflicting labels (recorded in `result.dropped`). Returns the kept rows in order."""
    groups: dict[Hashable, list[Row]] = defaultdict(list)
    for row in rows:
        groups[key(row)].append(row)
    kept: list[Row] = []
    for group in groups.values():
        labels = sorted({label(row) for row in group})
        for index, row in enumerate(group):
            file, line = where(row)
            if len(labels) > 1:
                lines = [where(other)[1] for other in group]
                result.dropped.append(Dropped(dataset, file, line, f"conflicting labels for the same {what}", f"labels {labels} on lines {lines}"))
            elif index > 0:
                result.dropped.append(Dropped(dataset, file, line, f"repeat of the same {what} and label", f"first on line {where(group[0])[1]}"))
            else:
                kept.append(row)
    return kept
