"""build_splits / load_split on a fake NewsMTSC layout, the dataset registry and the descriptors."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import pytest

from stance.errors import DataError
from stance.splits import read_split
from training import build
from training.datasets import DATASETS, MODULES, READERS, newsmtsc, reader
from training.datasets.base import sha256

REAL = Path(__file__).parents[2] / "shared" / "data"
REAL_DATASETS = ("newsmtsc", "ibm_claim_stance", "persent")


def _line(id_: str, sentence: str, polarity: int) -> str:
    mention = sentence.split()[0]
    row = {"id": id_, "sentence": sentence, "mention": mention, "from": 0, "to": len(mention)}
    return json.dumps({**row, "polarity": polarity}) + "\n"


def _total(tasks: dict[str, dict[str, int]]) -> int:
    return sum(sum(labels.values()) for labels in tasks.values())


def _fake_newsmtsc(tmp_path: Path) -> tuple[Path, Path]:
    """Write a tiny NewsMTSC folder and a matching descriptor; return (data_dir, descriptors_dir)."""
    rows = {
        "train": [_line("t1", "Merkel praised Macron.", 1), _line("t2", "Biden blamed Putin.", -1)]
        + [_line("t3", "Biden blamed Putin.", -1), _line("t4", "Lee met Kim.", 0)],  # t3: a duplicate
        "dev-rw": [_line("d1", "Kim left.", 0)],
        "test-rw": [_line("s1", "Obama smiled.", 1)],
        "dev-mt": [_line("d2", "Xi spoke.", 0)],
        "test-mt": [_line("s2", "Lee met Kim.", 0)],  # also in train: the train copy is dropped
    }
    folder = tmp_path / "data" / "newsmtsc"
    entries = []
    for split, lines in rows.items():
        path = folder / newsmtsc.FILES[split]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(lines), encoding="utf-8")
        entries.append(
            f'[[files]]\npath = "{newsmtsc.FILES[split]}"\nsize = {path.stat().st_size}\n'
            f'sha256 = "{sha256(path)}"\nurl = "https://example.org/{split}.jsonl"\n'
        )
    descriptors = tmp_path / "descriptors"
    descriptors.mkdir()
    (descriptors / "newsmtsc.toml").write_text(
        'name = "newsmtsc"\ntitle = "t"\nurl = "https://example.org/newsmtsc"\ncommit = "abc"\n'
        'licence = "MIT"\ncitation = "@misc{x}"\ntasks = ["sentiment"]\n[labels]\nsentiment = "s"\n\n'
        + "\n".join(entries),
        encoding="utf-8",
    )
    return tmp_path / "data", descriptors


def test_build_writes_sorted_splits_and_manifest(tmp_path: Path) -> None:
    data_dir, descriptors = _fake_newsmtsc(tmp_path)
    out = tmp_path / "processed"
    manifest = build.build_splits(data_dir, out, ["newsmtsc"], descriptors_dir=descriptors)
    part = manifest.datasets["newsmtsc"]
    assert part.counts["train"] == {"sentiment": {"negative": 1, "neutral": 0, "positive": 1}}
    assert sorted(part.counts) == ["dev-mt", "dev-rw", "test-mt", "test-rw", "train"]
    assert [(g.reason, g.count, g.locations) for g in part.dropped] == [
        ("exact duplicate (sentence, span)", 1, [(newsmtsc.FILES["train"], 3, "")]),
        ("sentence also in a dev/test split", 1, [(newsmtsc.FILES["train"], 4, "")]),
    ]
    assert set(part.inputs) == set(newsmtsc.FILES.values())
    train = read_split(out, "newsmtsc", "train")
    assert [e.id for e in train] == ["newsmtsc/train/t1", "newsmtsc/train/t2"]
    assert part.outputs["train"] == sha256(out / "newsmtsc" / "train.jsonl")
    on_disk = build.Manifest.model_validate_json((out / build.MANIFEST).read_text(encoding="utf-8"))
    assert on_disk == manifest
    content = {"newsmtsc": part.model_dump(mode="json")}
    assert manifest.manifest_sha256 == build.canonical_sha256(content)


def test_build_is_deterministic_and_removes_stale_splits(tmp_path: Path) -> None:
    data_dir, descriptors = _fake_newsmtsc(tmp_path)
    out = tmp_path / "processed"
    first = build.build_splits(data_dir, out, ["newsmtsc"], descriptors_dir=descriptors)
    (out / "newsmtsc" / "old-split.jsonl").write_text("{}\n", encoding="utf-8")
    second = build.build_splits(data_dir, out, ["newsmtsc"], descriptors_dir=descriptors)
    assert first.manifest_sha256 == second.manifest_sha256
    assert not (out / "newsmtsc" / "old-split.jsonl").exists()


def test_checksum_mismatch_names_file_hashes_and_fix(tmp_path: Path) -> None:
    data_dir, descriptors = _fake_newsmtsc(tmp_path)
    changed = data_dir / "newsmtsc" / newsmtsc.FILES["dev-rw"]
    expected = sha256(changed)
    changed.write_text(_line("d1", "Kim stayed.", 0), encoding="utf-8")
    with pytest.raises(DataError) as caught:
        build.build_splits(data_dir, tmp_path / "out", ["newsmtsc"], descriptors_dir=descriptors)
    message = str(caught.value)
    assert f"newsmtsc-rw-hf/dev.jsonl has sha256 {sha256(changed)}, expected {expected}" in message
    assert "Fix: download it again from https://example.org/dev-rw.jsonl" in message


def test_missing_folder_names_dataset_folder_and_fix(tmp_path: Path) -> None:
    _, descriptors = _fake_newsmtsc(tmp_path)
    with pytest.raises(DataError) as caught:
        build.build_splits(tmp_path / "nowhere", tmp_path / "out", ["newsmtsc"], descriptors_dir=descriptors)
    message = str(caught.value)
    assert f"Dataset 'newsmtsc': folder {tmp_path / 'nowhere' / 'newsmtsc'} not found" in message
    assert "Fix: point --data-dir at the folder containing newsmtsc/" in message
    assert "download the dataset from https://example.org/newsmtsc" in message


def test_missing_file_and_missing_descriptor_are_reported(tmp_path: Path) -> None:
    data_dir, descriptors = _fake_newsmtsc(tmp_path)
    (data_dir / "newsmtsc" / newsmtsc.FILES["test-mt"]).unlink()
    with pytest.raises(DataError, match=r"file .*newsmtsc-mt-hf/test.jsonl not found"):
        build.build_splits(data_dir, tmp_path / "out", ["newsmtsc"], descriptors_dir=descriptors)
    with pytest.raises(DataError, match=r"Dataset 'vast': descriptor .*vast.toml not found"):
        build.build_splits(data_dir, tmp_path / "out", ["vast"], descriptors_dir=descriptors)


def test_load_split_reports_file_and_line_of_a_bad_row(tmp_path: Path) -> None:
    data_dir, descriptors = _fake_newsmtsc(tmp_path)
    out = tmp_path / "processed"
    build.build_splits(data_dir, out, ["newsmtsc"], descriptors_dir=descriptors)
    path = out / "newsmtsc" / "train.jsonl"
    path.write_text(path.read_text(encoding="utf-8") + '{"id": "x"}\n', encoding="utf-8")
    with pytest.raises(DataError, match=rf"{path}, line 3: not a valid example"):
        read_split(out, "newsmtsc", "train")
    with pytest.raises(DataError, match=r"Expected one of the splits \['dev-mt', 'dev-rw', 'test-mt'"):
        read_split(out, "newsmtsc", "validation")


def test_registry_names_the_known_datasets() -> None:
    assert set(READERS) == set(DATASETS) == {
        "newsmtsc", "directed_sentiment_news", "pstance", "vast", "ibm_claim_stance", "persent", "stance_news"
    }
    assert reader("newsmtsc") is newsmtsc.read
    with pytest.raises(DataError, match=r"Unknown dataset 'imdb': expected one of \['directed_sentiment_"):
        reader("imdb")


def test_missing_reader_module_is_reported_only_when_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(MODULES, "ghost", "ghost")
    with pytest.raises(DataError, match=r"reader module training.datasets.ghost is not installed"):
        reader("ghost")
    assert READERS["ibm_claim_stance"].__name__ == "read_ibm_claim_stance"


@pytest.mark.parametrize("name", DATASETS)
def test_descriptor_is_valid_and_lists_the_reader_files(name: str) -> None:
    descriptor = build.load_descriptor(name)
    assert descriptor.name == name and descriptor.citation.startswith("@")
    try:
        module = importlib.import_module(f"training.datasets.{MODULES[name]}")
    except ModuleNotFoundError:
        pytest.skip(f"reader module for {name} not written yet")
    listed = {entry.path for entry in descriptor.files}
    assert set(getattr(module, "FILES", {}).values()) == listed


@pytest.mark.skipif(not REAL.is_dir(), reason="real data folder absent")
@pytest.mark.parametrize("name", DATASETS)
def test_descriptor_hashes_match_the_real_files(name: str) -> None:
    descriptor = build.load_descriptor(name)
    for entry in descriptor.files:
        path = build.dataset_folder(descriptor, REAL) / entry.path
        assert (path.stat().st_size, sha256(path)) == (entry.size, entry.sha256)


@pytest.mark.skipif(not REAL.is_dir(), reason="real data folder absent")
def test_build_real_datasets(tmp_path: Path) -> None:
    manifest = build.build_splits(REAL, tmp_path, REAL_DATASETS)
    totals = {
        name: {split: _total(tasks) for split, tasks in part.counts.items()}
        for name, part in manifest.datasets.items()
    }
    assert totals == {
        "newsmtsc": {"train": 8667, "dev-rw": 343, "test-rw": 803, "dev-mt": 442, "test-mt": 1034},
        "ibm_claim_stance": {"train": 1773, "dev": 234, "test": 2640},
        "persent": {"dev": 3382, "random_test": 3392, "fixed_test": 5222},
    }
    ibm = manifest.datasets["ibm_claim_stance"].counts
    assert sum(ibm[split]["stance"][label] for split in ibm for label in ("against", "favor")) == 2394
    assert len(read_split(tmp_path, "persent", "fixed_test")) == 5222


@pytest.mark.skipif(not REAL.is_dir(), reason="real data folder absent")
@pytest.mark.parametrize("name", sorted(set(DATASETS) - set(REAL_DATASETS)))
def test_build_other_real_datasets(name: str, tmp_path: Path) -> None:
    try:
        importlib.import_module(f"training.datasets.{MODULES[name]}")
    except ModuleNotFoundError:
        pytest.skip(f"reader module for {name} not written yet")
    part = build.build_splits(REAL, tmp_path, [name]).datasets[name]
    assert part.counts and all(_total(tasks) for tasks in part.counts.values())


def test_the_projects_own_dataset_is_read_from_the_repository(tmp_path) -> None:
    """stance_news lives in data/stance_news/: --data-dir does not need it, and its sha256 is checked."""
    manifest = build.build_splits(tmp_path / "elsewhere", tmp_path / "out", ["stance_news"])
    counts = manifest.datasets["stance_news"].counts
    assert set(counts) == {"train", "dev", "test"}
    assert all(sum(c["stance"].values()) > 500 for c in counts.values())
    inputs = manifest.datasets["stance_news"].inputs  # the sources as built, hashed
    assert {"splits.json", "source/w101.txt", "compile.py"} <= set(inputs) and "examples.jsonl" not in inputs
