"""Build processed splits from raw dataset files: verify, read, write JSONL and a manifest.

`build_splits` writes, for each dataset, `<out_dir>/<dataset>/<split>.jsonl` (one `Example` per
line, sorted by id) and one `<out_dir>/manifest.json` with the label counts, dropped rows, repairs
and the hashes of every input and output file. `manifest_sha256` is the hash a trained model
records as the version of its data.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from stance.errors import DataError
from stance.labels import LABEL_SETS, Task
from stance.schema import Example
from training.datasets import reader
from training.datasets.base import Dropped, ReadResult, require_file, sha256

DESCRIPTORS_DIR = Path(__file__).resolve().parents[1] / "data" / "datasets"
MANIFEST = "manifest.json"
SPLIT_NAME = re.compile(r"[A-Za-z0-9_+-][A-Za-z0-9_.+-]*")
MAX_LOCATIONS = 20
"""How many (file, line) locations the manifest lists per drop reason."""


class FileDescriptor(BaseModel):
    """One raw file a reader uses: path relative to the dataset's folder, size, sha256, download URL."""

    model_config = ConfigDict(extra="forbid")
    path: str
    size: int = Field(ge=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    url: str


class DatasetDescriptor(BaseModel):
    """The contents of data/datasets/<name>.toml: provenance, licence, labels and raw files."""

    model_config = ConfigDict(extra="forbid")
    name: str
    title: str
    url: str
    commit: str
    licence: str
    citation: str
    tasks: list[Task]
    labels: dict[str, str]
    notes: str = ""
    in_repository: bool = False
    """True for the project's own datasets: the folder is `data/<name>/` of the repository, not of --data-dir,
    and its files are hashed as they are (they change with the sources) instead of checked against `files`."""
    files: list[FileDescriptor] = []

    @model_validator(mode="after")
    def _files_listed(self) -> "DatasetDescriptor":
        if not self.files and not self.in_repository:
            raise ValueError("files is empty: expected at least one [[files]] entry (path, size, sha256, url)")
        return self


class DropGroup(BaseModel):
    """The rows dropped for one reason: how many, and where the first MAX_LOCATIONS of them are."""

    model_config = ConfigDict(extra="forbid")
    reason: str
    count: int
    locations: list[tuple[str, int, str]]
    """(file, line, detail) of the first rows dropped for this reason."""


class DatasetManifest(BaseModel):
    """What was built from one dataset."""

    model_config = ConfigDict(extra="forbid")
    inputs: dict[str, str] = Field(description="raw file (relative path) -> sha256")
    outputs: dict[str, str] = Field(description="split -> sha256 of <split>.jsonl")
    counts: dict[str, dict[str, dict[str, int]]] = Field(description="split -> task -> label -> n")
    dropped: list[DropGroup]
    repaired: dict[str, int]


class Manifest(BaseModel):
    """The manifest of one build; `manifest_sha256` hashes the canonical JSON of `datasets`."""

    model_config = ConfigDict(extra="forbid")
    datasets: dict[str, DatasetManifest]
    manifest_sha256: str


def canonical_sha256(value: object) -> str:
    """The sha256 of `value` as canonical JSON (sorted keys, no spaces, UTF-8)."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load_descriptor(name: str, descriptors_dir: Path = DESCRIPTORS_DIR) -> DatasetDescriptor:
    """Read and validate `<descriptors_dir>/<name>.toml`."""
    path = descriptors_dir / f"{name}.toml"
    if not path.is_file():
        raise DataError(
            f"Dataset {name!r}: descriptor {path} not found. Expected one .toml per dataset in "
            f"{descriptors_dir}. Fix: add it (see data/datasets/newsmtsc.toml for the fields)."
        )
    try:
        descriptor = DatasetDescriptor.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except (tomllib.TOMLDecodeError, ValidationError) as err:
        raise DataError(f"Dataset {name!r}: descriptor {path} is invalid: {err}") from err
    if descriptor.name != name:
        raise DataError(
            f"Descriptor {path} names the dataset {descriptor.name!r}, expected {name!r} (its file "
            f"name). Fix: make `name` in the file and the file name agree."
        )
    return descriptor


def dataset_folder(descriptor: DatasetDescriptor, data_dir: Path) -> Path:
    """The dataset's folder: under data_dir, or the repository's data/ for the project's own datasets."""
    return (DESCRIPTORS_DIR.parent if descriptor.in_repository else Path(data_dir)) / descriptor.name


def _check_folder(descriptor: DatasetDescriptor, data_dir: Path) -> Path:
    """Return the dataset's folder (`dataset_folder`), or raise a DataError saying where to get it."""
    folder = dataset_folder(descriptor, data_dir)
    if not folder.is_dir():
        raise DataError(
            f"Dataset {descriptor.name!r}: folder {folder} not found. Expected {data_dir} to contain "
            f"{descriptor.name}/ with {descriptor.files[0].path} and the other files listed in "
            f"data/datasets/{descriptor.name}.toml. Fix: point --data-dir at the folder containing "
            f"{descriptor.name}/ (e.g. ../shared/data), or download the dataset from {descriptor.url}."
        )
    return folder


def _verify_files(descriptor: DatasetDescriptor, folder: Path) -> dict[str, str]:
    """Check every raw file's sha256 against the descriptor; return path -> sha256. A dataset of the
    repository has every file of its folder hashed instead (its sources are versioned by git)."""
    if descriptor.in_repository:
        files = sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
        return {p.relative_to(folder).as_posix(): sha256(p) for p in files if p.name != "examples.jsonl"}
    hashes = {}
    for entry in descriptor.files:
        found = sha256(require_file(descriptor.name, folder, entry.path))
        if found != entry.sha256:
            raise DataError(
                f"Dataset {descriptor.name!r}: {folder / entry.path} has sha256 {found}, expected "
                f"{entry.sha256} (data/datasets/{descriptor.name}.toml). The file is corrupted or of "
                f"another version. Fix: download it again from {entry.url}; if you mean to use a "
                f"new version, update its size and sha256 in the descriptor and check the reader."
            )
        hashes[entry.path] = found
    return hashes


def _by_split(name: str, examples: list[Example]) -> dict[str, list[Example]]:
    """Group examples by split, sorted by id; raise a DataError on a duplicate id or wrong dataset."""
    ids = Counter(example.id for example in examples)
    repeated = sorted(id_ for id_, n in ids.items() if n > 1)
    wrong = sorted({example.dataset for example in examples} - {name})
    bad_splits = sorted({e.split for e in examples if not SPLIT_NAME.fullmatch(e.split)})
    if repeated or wrong or bad_splits:
        raise DataError(
            f"Dataset {name!r}: the reader returned duplicate ids {repeated[:5]}, examples of other "
            f"datasets {wrong} or split names unfit for a file name {bad_splits}. Expected unique "
            f"ids, dataset={name!r} and splits of letters, digits, '_', '-', '+' or '.'. Fix the reader."
        )
    splits: dict[str, list[Example]] = defaultdict(list)
    for example in sorted(examples, key=lambda example: example.id):
        splits[example.split].append(example)
    return dict(sorted(splits.items()))


def _write_splits(dataset_dir: Path, splits: dict[str, list[Example]]) -> dict[str, str]:
    """Write <split>.jsonl files (replacing earlier ones); return split -> sha256 of the file."""
    dataset_dir.mkdir(parents=True, exist_ok=True)
    for stale in dataset_dir.glob("*.jsonl"):
        stale.unlink()  # a split the reader no longer produces must not survive a rebuild
    hashes = {}
    for split, examples in splits.items():
        path = dataset_dir / f"{split}.jsonl"
        path.write_text("".join(example.model_dump_json() + "\n" for example in examples), "utf-8")
        hashes[split] = sha256(path)
    return hashes


def _count_labels(splits: dict[str, list[Example]]) -> dict[str, dict[str, dict[str, int]]]:
    """split -> task -> label -> count, with a 0 for every label of a task the split has."""
    counts: dict[str, dict[str, dict[str, int]]] = {}
    for split, examples in splits.items():
        per_task = Counter((example.task, example.label) for example in examples)
        tasks = sorted({task for task, _ in per_task})
        counts[split] = {t: {label: per_task[(t, label)] for label in LABEL_SETS[t]} for t in tasks}
    return counts


def _group_drops(dropped: list[Dropped]) -> list[DropGroup]:
    """Dropped rows grouped by reason, the largest group first, locations in file order."""
    groups: dict[str, list[tuple[str, int, str]]] = defaultdict(list)
    for row in dropped:
        groups[row.reason].append((row.file, row.line, row.detail))
    ordered = sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))
    return [
        DropGroup(reason=reason, count=len(places), locations=sorted(places)[:MAX_LOCATIONS])
        for reason, places in ordered
    ]


def _build_dataset(descriptor: DatasetDescriptor, data_dir: Path, out_dir: Path) -> DatasetManifest:
    """Verify, read and write one dataset; return its part of the manifest."""
    folder = _check_folder(descriptor, data_dir)
    inputs = _verify_files(descriptor, folder)
    result: ReadResult = reader(descriptor.name)(folder)
    splits = _by_split(descriptor.name, result.examples)
    return DatasetManifest(
        inputs=inputs,
        outputs=_write_splits(out_dir / descriptor.name, splits),
        counts=_count_labels(splits),
        dropped=_group_drops(result.dropped),
        repaired=dict(sorted(result.repaired.items())),
    )


def build_splits(
    data_dir: Path,
    out_dir: Path,
    datasets: Sequence[str],
    descriptors_dir: Path = DESCRIPTORS_DIR,
) -> Manifest:
    """Build `datasets` from `data_dir` into `out_dir`; write and return the manifest."""
    descriptors = [load_descriptor(name, descriptors_dir) for name in datasets]
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    built = {d.name: _build_dataset(d, Path(data_dir), Path(out_dir)) for d in descriptors}
    content = {name: part.model_dump(mode="json") for name, part in built.items()}
    manifest = Manifest(datasets=built, manifest_sha256=canonical_sha256(content))
    path = Path(out_dir) / MANIFEST
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(manifest.model_dump_json(indent=2) + "\n", encoding="utf-8")
    temporary.replace(path)  # a reader of manifest.json never sees half a file
    return manifest
