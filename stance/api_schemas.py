"""Request and response models of the HTTP service (`stance.service`): the OpenAPI page (/docs) is built
from these, so their descriptions and examples are the service's manual.

Every limit (`stance.limits`) is checked here, while the request is parsed: a violation is a 400
response naming the field and the limit, before the request joins an inference batch (/classify) or
an analysis (/analyze, /analyze_batch: `ArticleRequest`, `Articles`); /info lists them all.
"""

from __future__ import annotations

from typing import Annotated, Any, Optional

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from stance.article.schema import AnalyzeRequest
from stance.encoding import WINDOW_CHARS
from stance.errors import InputError
from stance.labels import SENTIMENT_LABELS, STANCE_LABELS
from stance.limits import MAX_ARTICLES, MAX_ITEMS, MAX_NAME_CHARS, MAX_REQUEST_CHARS, MAX_TEXT_CHARS
from stance.schema import AUTHOR, Item


def _example(value: Any) -> dict[str, Any]:
    """OpenAPI 3.0 `example` (BentoML's /docs page renders it; JSON-Schema `examples` it rejects)."""
    return {"example": value}


EXAMPLE_ITEMS: list[dict[str, Any]] = [
    {"text": "Iran praised its great ally China for the deal.", "target_span": [28, 33], "holder_span": [0, 4]},
    {"text": "The minister thanked Beijing for its support.", "target": "China", "holder": "Iran"},
]


class ClassifyItem(Item):
    """One statement and the actor it is about: the target as a character span in the text, or as a name."""

    model_config = ConfigDict(extra="forbid", frozen=True, json_schema_extra=_example(EXAMPLE_ITEMS[0]))

    text: str = Field(
        min_length=1,
        description=f"The statement: a sentence or short passage, at most {MAX_TEXT_CHARS} characters. Statements "
        f"longer than {WINDOW_CHARS} characters are classified on a {WINDOW_CHARS}-character window around the target.",
        json_schema_extra=_example("Iran praised its great ally China for the deal."),
    )
    target: Optional[str] = Field(
        None,
        description=f"The target actor's name (at most {MAX_NAME_CHARS} characters). Give it when the target is "
        "not mentioned in the text; otherwise it defaults to the text at target_span.",
        json_schema_extra=_example("China"),
    )
    target_span: Optional[tuple[int, int]] = Field(
        None,
        description="Character offsets [start, end) of the target mention in the text, end exclusive.",
        json_schema_extra=_example([28, 33]),
    )
    holder: Optional[str] = Field(
        None,
        description=f"The actor whose view is expressed (at most {MAX_NAME_CHARS} characters). Unset (and no "
        f"holder_span) means the author of the text.",
        json_schema_extra=_example("Iran"),
    )
    holder_span: Optional[tuple[int, int]] = Field(
        None,
        description="Character offsets [start, end) of the holder mention in the text.",
        json_schema_extra=_example([0, 4]),
    )

    @field_validator("text")
    @classmethod
    def _text_fits(cls, text: str) -> str:
        if len(text) > MAX_TEXT_CHARS:
            raise ValueError(
                f"text has {len(text)} characters: the limit is {MAX_TEXT_CHARS} per text. Fix: send one "
                f"statement per item (only {WINDOW_CHARS} characters around the target are read anyway)."
            )
        return text

    @field_validator("target", "holder")
    @classmethod
    def _name_fits(cls, name: Optional[str], info) -> Optional[str]:
        if name is None:
            return None
        if not name.strip():
            raise ValueError(f"{info.field_name} is blank: expected an actor's name. Fix: give a name or leave it out.")
        if len(name) > MAX_NAME_CHARS:
            raise ValueError(
                f"{info.field_name} has {len(name)} characters: the limit is {MAX_NAME_CHARS}. Fix: give the "
                f"actor's name, not a description."
            )
        return name


def check_item_count(items: Any) -> Any:
    """Reject an empty or oversized `items` list before its items are validated one by one."""
    if isinstance(items, list) and not 1 <= len(items) <= MAX_ITEMS:
        raise ValueError(
            f"items has {len(items)} entries: expected 1 to {MAX_ITEMS} per request. Fix: send at most "
            f"{MAX_ITEMS} items per request (the service batches concurrent requests itself)."
        )
    return items


Items = Annotated[
    list[ClassifyItem],
    BeforeValidator(check_item_count),
    Field(description=f"The items to classify, 1 to {MAX_ITEMS}.", json_schema_extra={"example": EXAMPLE_ITEMS}),
]
"""The body of POST /classify: `{"items": Items}`."""


class ItemResult(BaseModel):
    """The model's verdicts on one item, in the order of the request's items."""

    stance: str = Field(
        description="Stance of the holder toward the target: the most probable stance label.",
        json_schema_extra=_example("favor"),
    )
    stance_probs: dict[str, float] = Field(
        description="Probability of each stance label (they sum to 1).",
        json_schema_extra=_example({"against": 0.02, "neutral": 0.08, "favor": 0.9}),
    )
    sentiment: str = Field(
        description="Sentiment expressed toward the target: the most probable sentiment label.",
        json_schema_extra=_example("positive"),
    )
    sentiment_probs: dict[str, float] = Field(
        description="Probability of each sentiment label (they sum to 1).",
        json_schema_extra=_example({"negative": 0.03, "neutral": 0.12, "positive": 0.85}),
    )
    target: str = Field(
        description="The target as classified (the name, or the text at target_span).",
        json_schema_extra=_example("China"),
    )
    holder: str = Field(
        description=f"The holder as classified, {AUTHOR!r} when none was given.", json_schema_extra=_example("Iran")
    )


EXAMPLE_ARTICLE: dict[str, Any] = {
    "text": "Sergei Lavrov said the sanctions on Iran were illegal. The Kremlin praised Tehran.",
    "id": "a1",
}


def check_article_count(count: int) -> None:
    """Raise InputError unless 1 <= `count` <= MAX_ARTICLES."""
    if not 1 <= count <= MAX_ARTICLES:
        raise InputError(
            f"articles has {count} entries: expected 1 to {MAX_ARTICLES} per request. "
            f"Fix: send at most {MAX_ARTICLES} articles per request (several requests for more)."
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
        description=f"The articles, 1 to {MAX_ARTICLES}, with at most {MAX_REQUEST_CHARS:,} characters in all.",
        json_schema_extra={"example": [EXAMPLE_ARTICLE, {"text": "Iran condemned the attack.", "id": "a2"}]},
    ),
]


class Limits(BaseModel):
    """Request limits: exceeding one is a 400 naming the field and the limit."""

    max_items_per_request: int = MAX_ITEMS
    max_text_chars: int = MAX_TEXT_CHARS
    max_name_chars: int = MAX_NAME_CHARS
    window_chars: int = Field(
        WINDOW_CHARS, description="Longer texts are read in a window of this size around the target."
    )
    max_articles_per_request: int = Field(MAX_ARTICLES, description="Articles per /analyze_batch request.")
    max_article_chars_per_request: int = Field(
        MAX_REQUEST_CHARS, description="Characters per /analyze or /analyze_batch request, all articles together."
    )


class ServiceInfo(BaseModel):
    """Which model answers, with what labels and limits."""

    model: str = Field(
        description="Model-store tag of the served model (name:version).",
        json_schema_extra=_example("stance:q4yx3lqkbgw2bqna"),
    )
    backend: str = Field(
        description="Inference backend: onnx-int8, onnx-fp32 or torch.", json_schema_extra=_example("onnx-int8")
    )
    int8_probe: Optional[dict] = Field(
        None,
        description="The int8 check run at load on this CPU (agreement with fp32 labels, mean/max probability "
        "drift; reproduced: whether this CPU gave the int8 probabilities of registration, int8_max_diff; passed); "
        "when it failed, the backend is onnx-fp32. null when no probe ran.",
        json_schema_extra=_example({"n": 256, "agreement": 0.998, "mean_drift": 0.0021, "max_drift": 0.061, "passed": True, "checked": "onnx-int8"}),
    )
    label_sets: dict[str, list[str]] = Field(
        description="Labels of each head, in model order.",
        json_schema_extra=_example({"stance": list(STANCE_LABELS), "sentiment": list(SENTIMENT_LABELS)}),
    )
    base_model: str = Field("", description="The pre-trained encoder the model was fine-tuned from.")
    created: str = Field("", description="When the model was registered (ISO 8601).")
    test_f1m: dict[str, float] = Field(
        default_factory=dict, description="Headline test F1m per evaluation set, measured at registration."
    )
    max_length: int = Field(description="Tokens per (statement, target, holder) input.")
    limits: Limits = Field(default_factory=Limits)
