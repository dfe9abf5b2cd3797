"""Processed splits: where they are, which there are, how to read, sample and group them.

`stance data build` (training) writes `<processed_dir>/<dataset>/<split>.jsonl` of `Example`s plus a
manifest; training, `stance evaluate`, reports, distillation and the int8 parity check read them here.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Optional, Sequence

from stance.errors import DataError, InputError
from stance.schema import Example, read_examples


def split_path(processed_dir: Path, dataset: str, split: str) -> Path:
    return Path(processed_dir) / dataset / f"{split}.jsonl"


def list_splits(processed_dir: Path, dataset: str) -> list[str]:
    """The processed splits of `dataset` (file stems, sorted); InputError naming the known datasets if none."""
    folder = Path(processed_dir) / dataset
    found = sorted(p.stem for p in folder.glob("*.jsonl"))
    if not found:
        known = sorted(p.name for p in Path(processed_dir).glob("*") if p.is_dir())
        raise InputError(
            f"No processed splits of {dataset!r} in {folder}. Expected <processed-dir>/{dataset}/<split>.jsonl; "
            f"datasets found there: {known or 'none'}. Fix: run `stance data build --dataset {dataset}` or pass --processed-dir."
        )
    return found


def read_split(processed_dir: Path, dataset: str, split: str) -> list[Example]:
    """The examples of one processed split; a DataError naming the file (and line) when it is missing or bad."""
    path = split_path(processed_dir, dataset, split)
    if not path.is_file():
        found = sorted(p.stem for p in path.parent.glob("*.jsonl"))
        raise DataError(
            f"Processed split {path} not found. Expected one of the splits {found} of {dataset!r} "
            f"in {processed_dir}. Fix: check the split name, or build the dataset first (`stance data build`)."
        )
    try:
        return read_examples(path)
    except InputError as err:
        raise DataError(f"{err} The file was edited or written by another version. Fix: rebuild it with `stance data build`.") from err


def read_named(processed_dir: Path, name: str) -> list[Example]:
    """The examples of a `dataset:split` name, e.g. `newsmtsc:test-rw`."""
    dataset, sep, split = name.partition(":")
    if not sep or not dataset or not split:
        raise InputError(f"Split name {name!r}: expected dataset:split, e.g. newsmtsc:test-rw.")
    return read_split(processed_dir, dataset, split)


def sample_examples(examples: Sequence[Example], max_examples: Optional[int], seed: int) -> list[Example]:
    """At most `max_examples` of `examples`, drawn with `seed` independently of their order, sorted by id."""
    if max_examples is None or len(examples) <= max_examples:
        return list(examples)
    ordered = sorted(examples, key=lambda e: e.id)
    return sorted(random.Random(seed).sample(ordered, max_examples), key=lambda e: e.id)


def group_key(example: Example) -> str:
    """The evaluation set an example counts in: `dataset:split:task`."""
    return f"{example.dataset}:{example.split}:{example.task}"
