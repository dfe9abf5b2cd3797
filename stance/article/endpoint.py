"""The HTTP adapter of article analysis: requests in, analyses out, input errors as HTTP 400.

The service's endpoints stay thin (docs/analysis.md has the methods to paste into the service):
they build an `ArticleAnalyzer` once and call `run_analysis`.
"""

from __future__ import annotations

from typing import Sequence

from stance.article.analyze import ArticleAnalyzer
from stance.article.schema import AnalyzeRequest, ArticleAnalysis
from stance.errors import InputError

MAX_BATCH = 64
"""Articles per /analyze_batch request: more would hold one worker for minutes."""


def run_analysis(analyzer: ArticleAnalyzer, requests: Sequence[AnalyzeRequest]) -> list[ArticleAnalysis]:
    """Analyse `requests` in one batch; an InputError becomes BentoML's InvalidArgument (HTTP 400)."""
    from bentoml.exceptions import InvalidArgument

    try:
        if len(requests) > MAX_BATCH:
            raise InputError(
                f"{len(requests)} articles in one request: expected at most {MAX_BATCH}. "
                f"Fix: send them in several requests."
            )
        return analyzer.analyze_many(list(requests))
    except InputError as err:
        raise InvalidArgument(str(err)) from err
