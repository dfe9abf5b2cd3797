"""The HTTP adapter of article analysis: request models with the service's limits, and `run_analysis`.

`stance.service` serves POST /analyze (body: `ArticleRequest`) and POST /analyze_batch (body:
`{"articles": Articles}`). Limits are checked while the request is parsed, as for /classify: a violation
is a 400 naming the field and the limit. What only the analysis can tell (`actors_only` without actors)
is an `InputError` that `run_analysis` turns into BentoML's InvalidArgument, also a 400.
"""

from __future__ import annotations

from typing import Annotated, Any, Sequence

from pydantic import AfterValidator, BeforeValidator, ConfigDict, Field, field_validator

from stance.article.analyze import ArticleAnalyzer
from stance.article.schema import AnalyzeRequest, ArticleAnalysis
from stance.errors import InputError

MAX_BATCH = 64
"""Articles per /analyze_batch request."""
MAX_REQUEST_CHARS = 100_000
"""Characters per /analyze or /analyze_batch request, all articles together. Analysis time grows with
the text: 100,000 characters of news (~26 articles of 600 words) take about 15 s on an idle 2-core
machine with the int8 model and 40 s under load (projected from docs/analysis.md, Throughput). Past
the service's 60 s timeout a request gets a 504 while its analysis goes on holding the worker;
`stance analyze` takes longer texts."""

EXAMPLE_ARTICLE: dict[str, Any] = {
    "text": "Sergei Lavrov said the sanctions on Iran were illegal. The Kremlin praised Tehran.",
    "id": "a1",
}


def check_article_count(count: int) -> None:
    """Raise InputError unless 1 <= `count` <= MAX_BATCH."""
    if not 1 <= count <= MAX_BATCH:
        raise InputError(
            f"articles has {count} entries: expected 1 to {MAX_BATCH} per request. "
            f"Fix: send at most {MAX_BATCH} articles per request (several requests for more)."
        )


def check_request_chars(chars: int, field: str = "text") -> None:
    """Raise InputError when a request's `chars` characters (in `field`) exceed MAX_REQUEST_CHARS."""
    if chars > MAX_REQUEST_CHARS:
        raise InputError(
            f"{field} has {chars:,} characters: the limit is {MAX_REQUEST_CHARS:,} per request. "
            f"Fix: split long articles into parts (e.g. by section) and send them in several requests, "
            f"or analyse long texts offline with `stance analyze FILE`."
        )


class ArticleRequest(AnalyzeRequest):
    """One article to analyse: the body of POST /analyze, an element of /analyze_batch's `articles`."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"example": EXAMPLE_ARTICLE})

    text: str = Field(
        description=f"The article as plain text, 1 to {MAX_REQUEST_CHARS:,} characters (in /analyze_batch, "
        f"{MAX_REQUEST_CHARS:,} for all its articles together).",
        json_schema_extra={"example": EXAMPLE_ARTICLE["text"]},
    )

    @field_validator("text")
    @classmethod
    def _text_fits(cls, text: str) -> str:
        if not text:
            raise InputError(
                "text is empty: expected the article as plain text. Fix: send the article's text, "
                "or leave the article out."
            )
        check_request_chars(len(text))
        return text


def _count_before_validation(articles: Any) -> Any:
    # Before the articles are validated one by one: 10,000 of them are refused without parsing each.
    if isinstance(articles, list):
        check_article_count(len(articles))
    return articles


def _chars_after_validation(articles: list[ArticleRequest]) -> list[ArticleRequest]:
    check_request_chars(sum(len(a.text) for a in articles), "articles")
    return articles


Articles = Annotated[
    list[ArticleRequest],
    BeforeValidator(_count_before_validation),
    AfterValidator(_chars_after_validation),
    Field(
        description=f"The articles, 1 to {MAX_BATCH}, with at most {MAX_REQUEST_CHARS:,} characters in all.",
        json_schema_extra={"example": [EXAMPLE_ARTICLE, {"text": "Iran condemned the attack.", "id": "a2"}]},
    ),
]


def run_analysis(analyzer: ArticleAnalyzer, requests: Sequence[AnalyzeRequest]) -> list[ArticleAnalysis]:
    """Analyse `requests` in one batch; an InputError becomes BentoML's InvalidArgument (HTTP 400)."""
    from bentoml.exceptions import InvalidArgument

    try:
        # Also checked while an HTTP request is parsed; here for callers of the service class itself.
        check_article_count(len(requests))
        check_request_chars(sum(len(r.text) for r in requests), "articles")
        return analyzer.analyze_many(list(requests))
    except InputError as err:
        raise InvalidArgument(str(err)) from err
