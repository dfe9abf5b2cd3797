"""Crash-safe chunked output: every chunk is a part file, and a checkpoint says which parts are done.

Layout while a run is going: `<output>.partial/` holds `out-000001.<ext>`, `rej-000001.jsonl`, ... and
`checkpoint.json`. A chunk is committed by writing its parts under temporary names, renaming them
(atomic), then rewriting the checkpoint (atomic rename). A crash, even `kill -9`, therefore leaves
either the old checkpoint (the chunk is redone; its stale parts are overwritten) or the new one; no row
is written twice or lost. `finish` joins the parts into the output and the rejects file.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any, Sequence

from pydantic import BaseModel

from stance.batch.formats import Format, concatenate, write_chunk
from stance.errors import InputError

CHECKPOINT = "checkpoint.json"


class Progress(BaseModel):
    """What a run has committed so far (the checkpoint's content)."""

    fingerprint: dict[str, Any]
    rows_done: int = 0
    scored: int = 0
    rejected: int = 0
    output_rows: int = 0
    parts: int = 0


def work_dir(output: Path) -> Path:
    return output.with_name(output.name + ".partial")


def sibling(output: Path, suffix: str) -> Path:
    """A file next to `output`: `scores.parquet` → `scores.<suffix>` (rejects.jsonl, summary.json)."""
    return output.with_name(output.name.rsplit(".", 1)[0] + "." + suffix)


def check_destination(output: Path, resume: bool, overwrite: bool) -> bool:
    """True when a run can resume at `output`; raise InputError when `output` may not be written."""
    folder = work_dir(output)
    if resume and (folder / CHECKPOINT).is_file():
        return True
    if folder.exists() and not overwrite:
        raise InputError(
            f"An unfinished run's output is in {folder}. Fix: pass --resume to continue it, or "
            "--overwrite to discard it and start again."
        )
    if output.exists() and not overwrite:
        done = f" The run that wrote it finished: its account is in {sibling(output, 'summary.json')}." if resume else ""
        raise InputError(f"{output} exists.{done} Fix: choose another output path, or pass --overwrite.")
    return False


def _write_atomic(path: Path, write) -> None:
    tmp = path.with_name(path.name + ".tmp")
    write(tmp)
    with tmp.open("rb") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, path)


class ChunkedOutput:
    """The output of one scoring run, committed chunk by chunk (see the module docstring)."""

    def __init__(self, output: Path, format: Format, schema, fingerprint: dict[str, Any], resume: bool = False,
                 overwrite: bool = False) -> None:
        self.output, self.format, self.schema = output, format, schema
        self.dir = work_dir(output)
        self.progress = self._start(fingerprint, resume, overwrite)

    def _start(self, fingerprint: dict[str, Any], resume: bool, overwrite: bool) -> Progress:
        if check_destination(self.output, resume, overwrite):
            progress = Progress.model_validate_json((self.dir / CHECKPOINT).read_text())
            _check_same_run(progress.fingerprint, fingerprint, self.dir)
            self._drop_uncommitted(progress.parts)
            return progress
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir.mkdir(parents=True)
        progress = Progress(fingerprint=fingerprint)
        self._save(progress)
        return progress

    def _drop_uncommitted(self, parts: int) -> None:
        # Parts written by a chunk whose checkpoint never landed: that chunk is redone from scratch.
        for path in self.dir.iterdir():
            stem = path.name.split(".", 1)[0]
            if path.name.endswith(".tmp") or (stem[:4] in ("out-", "rej-") and int(stem[4:]) > parts):
                path.unlink()

    def _part(self, kind: str, number: int) -> Path:
        extension = "jsonl" if kind == "rej" else self.format
        return self.dir / f"{kind}-{number:06d}.{extension}"

    def commit(self, rows_done: int, rows: Sequence[dict[str, Any]], rejects: Sequence[dict[str, Any]],
               scored: int) -> None:
        """Make one chunk durable: `rows_done` input rows consumed, `scored` of them scored into `rows`."""
        number = self.progress.parts + 1
        if rows:
            _write_atomic(self._part("out", number), lambda p: write_chunk(rows, p, self.format, self.schema))
        if rejects:
            _write_atomic(self._part("rej", number), lambda p: write_chunk(rejects, p, "jsonl"))
        progress = self.progress.model_copy(update={
            "rows_done": self.progress.rows_done + rows_done, "scored": self.progress.scored + scored,
            "rejected": self.progress.rejected + len(rejects), "output_rows": self.progress.output_rows + len(rows),
            "parts": number,
        })
        self._save(progress)
        self.progress = progress

    def _save(self, progress: Progress) -> None:
        _write_atomic(self.dir / CHECKPOINT, lambda p: p.write_text(progress.model_dump_json()))

    def finish(self) -> tuple[Path, Path]:
        """Join the committed parts into the output and rejects files; remove the work folder."""
        numbers = range(1, self.progress.parts + 1)
        parts = [p for p in (self._part("out", n) for n in numbers) if p.exists()]
        rejected = [p for p in (self._part("rej", n) for n in numbers) if p.exists()]
        self.output.parent.mkdir(parents=True, exist_ok=True)
        _write_atomic(self.output, lambda p: concatenate(parts, p, self.format, self.schema))
        rejects = sibling(self.output, "rejects.jsonl")
        _write_atomic(rejects, lambda p: concatenate(rejected, p, "jsonl"))
        shutil.rmtree(self.dir)
        return self.output, rejects


def _check_same_run(saved: dict[str, Any], now: dict[str, Any], folder: Path) -> None:
    changed = sorted(key for key in saved.keys() | now.keys() if saved.get(key) != now.get(key))
    if changed:
        details = "; ".join(f"{key}: was {saved.get(key)!r}, now {now.get(key)!r}" for key in changed)
        raise InputError(
            f"--resume: the run in {folder} was started with other settings ({details}). Fix: resume with the "
            "same input, model and options, or pass --overwrite to start again."
        )
