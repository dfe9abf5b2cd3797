"""Article files in, analyses out: what `stance analyze` runs, importable without the CLI."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional, Sequence

from stance.article.schema import ArticleAnalysis
from stance.errors import InputError


def read_article(path: Path, encoding: str = "utf-8") -> str:
    """The text of an article file ('-' = standard input); undecodable bytes raise InputError naming the file."""
    try:
        raw = sys.stdin.buffer.read() if str(path) == "-" else path.read_bytes()
    except OSError as err:
        raise InputError(f"Cannot read {path}: {err.strerror}. Fix: check the path.") from err
    try:
        # utf-8-sig: a byte-order mark some editors write is not part of the text.
        return raw.decode("utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding)
    except UnicodeDecodeError as err:
        raise InputError(
            f"{path} is not valid {encoding}: byte 0x{raw[err.start]:02x} at offset {err.start} cannot be decoded. "
            f"Expected {encoding} text. Fix: convert the file (`iconv -f cp1252 -t utf-8 {path}`) or pass its "
            f"encoding, e.g. `--encoding cp1252` or `--encoding latin-1`."
        ) from err
    except LookupError as err:
        raise InputError(f"Unknown encoding {encoding!r}. Fix: pass a Python codec name such as utf-8 or cp1252.") from err


def analyze_files(paths: Sequence[Path], model: str = "stance:latest", gazetteer: Optional[Path] = None,
                  encoding: str = "utf-8", actors: Optional[Path] = None, actors_only: bool = False,
                  batch_size: int = 8, analyzer=None) -> list[ArticleAnalysis]:
    """Analyse article files in batches of `batch_size` with `analyzer` (default: load `model` and
    `gazetteer`). Every file is read and checked before the model is loaded, so bad input fails fast."""
    from stance.article.analyze import ArticleAnalyzer, analyze_batches
    from stance.article.gazetteer import read_actor_file

    texts = [read_article(path, encoding) for path in paths]
    entries = read_actor_file(actors) if actors else []
    if actors_only and not entries:
        raise InputError("--actors-only needs --actors FILE: expected the actor list to restrict the output to.")
    analyzer = analyzer or ArticleAnalyzer.from_ref(model, gazetteer)
    batches = analyze_batches(analyzer, texts, ids=[str(p) for p in paths], actors=entries, actors_only=actors_only,
                              batch_size=batch_size)
    return [result for batch in batches for result in batch]
