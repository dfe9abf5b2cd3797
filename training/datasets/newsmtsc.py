"""NewsMTSC (Hamborg & Donnay, EACL 2021): target-dependent sentiment in news, HF-style files.

Splits: train (shared by rw and mt), dev-rw / test-rw (real-world distribution) and dev-mt / test-mt
(sentences with two or more targets). Train rows whose sentence also occurs in a dev or test file,
and exact duplicate (sentence, span) rows, are dropped.
"""

from __future__ import annotations

import json
from pathlib import Path

from stance.schema import Example
from training.datasets.base import Dropped, ReadResult, malformed, require_file

NAME = "newsmtsc"
HF_DIR = "NewsSentiment/experiments/default/datasets"
FILES = {
    "train": f"{HF_DIR}/newsmtsc-rw-hf/train.jsonl",
    "dev-rw": f"{HF_DIR}/newsmtsc-rw-hf/dev.jsonl",
    "test-rw": f"{HF_DIR}/newsmtsc-rw-hf/test.jsonl",
    "dev-mt": f"{HF_DIR}/newsmtsc-mt-hf/dev.jsonl",
    "test-mt": f"{HF_DIR}/newsmtsc-mt-hf/test.jsonl",
}
POLARITY = {-1: "negative", 0: "neutral", 1: "positive"}


def _parse(path: Path, line_no: int, line: str, split: str) -> Example:
    try:
        row = json.loads(line)
        span = (int(row["from"]), int(row["to"]))
        label = POLARITY[int(row["polarity"])]
        return Example(
            id=f"{NAME}/{split}/{row['id']}",
            text=row["sentence"],
            target_span=span,
            task="sentiment",
            label=label,
            dataset=NAME,
            split=split,
        )
    except (ValueError, KeyError, TypeError) as err:
        raise malformed(NAME, path, line_no, f"{type(err).__name__}: {err}") from err


def _read_split(root: Path, split: str) -> list[tuple[int, Example]]:
    path = require_file(NAME, root, FILES[split])
    rows = []
    with open(path, encoding="utf-8") as handle:
        for line_no, line in enumerate(handle, 1):
            if line.strip():
                rows.append((line_no, _parse(path, line_no, line, split)))
    return rows


def read(root: Path) -> ReadResult:
    """Read NewsMTSC from `root` (the dataset's folder); return examples and dropped rows."""
    result = ReadResult()
    held_out: set[str] = set()
    for split in ("dev-rw", "test-rw", "dev-mt", "test-mt"):
        for _, example in _read_split(root, split):
            held_out.add(example.text)
            result.examples.append(example)
    seen: set[tuple[str, tuple[int, int] | None]] = set()
    for line_no, example in _read_split(root, "train"):
        key = (example.text, example.target_span)
        if example.text in held_out:
            result.dropped.append(Dropped(NAME, FILES["train"], line_no, "sentence also in a dev/test split"))
        elif key in seen:
            result.dropped.append(Dropped(NAME, FILES["train"], line_no, "exact duplicate (sentence, span)"))
        else:
            seen.add(key)
            result.examples.append(example)
    return result
