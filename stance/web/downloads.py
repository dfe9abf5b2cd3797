"""Downloads from the page: analyses in, the CLI's JSON Lines / CSV / GraphML / PLOVER / ICEWS CSV out
(`stance.article.export`)."""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter, ValidationError

from stance.article.export import FORMATS, render
from stance.article.schema import ArticleAnalysis
from stance.errors import InputError
from stance.limits import MAX_OPENED_ARTICLES

DOWNLOADS: dict[str, tuple[str, str]] = {
    "json": ("application/x-ndjson", "jsonl"),
    "csv": ("text/csv; charset=utf-8", "csv"),
    "graphml": ("application/graphml+xml", "graphml"),
    "plover": ("application/x-ndjson", "plover.jsonl"),
    "icews-csv": ("text/csv; charset=utf-8", "icews.csv"),
}
"""format -> (media type, file suffix); the formats are `stance analyze --format`'s."""
_ANALYSES = TypeAdapter(list[ArticleAnalysis])


def export_analyses(analyses: Any, format: str) -> str:
    """`analyses` (the JSON of /analyze or /analyze_batch results) rendered in `format` by the CLI's exporter.

    Raises InputError naming the problem: an unknown format, no or too many analyses, or one that is not
    an `ArticleAnalysis` (the first error's place and message)."""
    if format not in FORMATS:
        raise InputError(f"Unknown format {format!r}: expected one of {list(FORMATS)}.")
    if not isinstance(analyses, list):
        raise InputError("analyses is missing or not a list: expected the results of /analyze or /analyze_batch.")
    if not 1 <= len(analyses) <= MAX_OPENED_ARTICLES:
        raise InputError(f"analyses has {len(analyses)} entries: expected 1 to {MAX_OPENED_ARTICLES:,} (what the page "
                         f"analyses or opens at once). Fix: export larger corpora with `stance analyze`.")
    try:
        parsed = _ANALYSES.validate_python(analyses)
    except ValidationError as err:
        first = err.errors()[0]
        place = ".".join(str(part) for part in first["loc"])
        raise InputError(f"analyses.{place}: {first['msg']}. Expected the results of /analyze unchanged.") from err
    return render(parsed, format)  # type: ignore[arg-type]
