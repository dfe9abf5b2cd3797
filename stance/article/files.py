"""Article files in, analyses out: what `stance analyze` runs, importable without the CLI."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional, Sequence

from stance.article.schema import AnalyzeRequest, ArticleAnalysis
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


def text_requests(paths: Sequence[Path], encoding: str = "utf-8") -> list[AnalyzeRequest]:
    """One request per plain-text article file, its path as the id."""
    from stance.article.analyze import article_request

    return [article_request(read_article(path, encoding), str(path), (), False) for path in paths]


def analyze_files(paths: Sequence[Path], model: str = "stance:latest", gazetteer: Optional[Path] = None,
                  encoding: str = "utf-8", actors: Optional[Path] = None, actors_only: bool = False,
                  batch_size: int = 8, analyzer=None) -> list[ArticleAnalysis]:
    """Analyse plain-text article files (see `analyze_requests`)."""
    return analyze_requests(text_requests(paths, encoding), model, gazetteer, actors, actors_only, batch_size, analyzer)


def analyze_requests(requests: Sequence[AnalyzeRequest], model: str = "stance:latest", gazetteer: Optional[Path] = None,
                     actors: Optional[Path] = None, actors_only: bool = False, batch_size: int = 8,
                     analyzer=None) -> list[ArticleAnalysis]:
    """Analyse articles in batches of `batch_size` with `analyzer` (default: load `model` and `gazetteer`),
    each with the actor list `actors` added. Call it with every article already read and checked, so that
    bad input fails before the model is loaded."""
    from stance.article.analyze import ArticleAnalyzer, analyze_request_batches
    from stance.article.gazetteer import read_actor_file

    entries = read_actor_file(actors) if actors else []
    if actors_only and not entries:
        raise InputError("--actors-only needs --actors FILE: expected the actor list to restrict the output to.")
    requests = [r.model_copy(update={"actors": list(entries), "actors_only": actors_only}) for r in requests]
    analyzer = analyzer or ArticleAnalyzer.from_ref(model, gazetteer)
    return [result for batch in analyze_request_batches(analyzer, requests, batch_size) for result in batch]
