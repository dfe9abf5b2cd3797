"""The prediction service: a thin BentoML adapter over `StanceClassifier`.

    bentoml serve stance.service:StanceService --host 127.0.0.1 --port 3000

- POST /classify: a list of items -> one result per item, in order. Concurrent requests are merged by
  BentoML's adaptive batching into one `StanceClassifier.predict` call (which sorts by length and runs
  micro-batches).
- POST /analyze: one article -> its actors, speakers, directed stances and stance network
  (`ArticleAnalysis`, docs/analysis.md); POST /analyze_batch: several articles in one call. Both run in a
  child process with its own classifier, spaCy and gazetteer, at a lower CPU priority, one analysis at a
  time (`stance.article.process`), so a long analysis never delays /classify; the process starts on the
  first analysis, so a service that only classifies starts as fast and uses as little memory as before.
- GET /info (also POST, documented on the OpenAPI page): model tag, backend, label sets, limits.
- GET /: the analysts' page (`stance.web`, docs/webapp.md): paste an article, see who says what about whom.
- BentoML's own /healthz, /readyz, /livez, /metrics; its OpenAPI page at /docs (BentoML serves it at /, where
  the page is mounted in front of it), whose schema /docs.json declares the 4xx bodies the service sends.

Hardening (docs/service.md, Limits and errors): a body over STANCE_MAX_BODY_BYTES is refused with 413 before
it is read, and one that cannot be JSON text with a 400 that says why (`stance.http_limits.JSONBodies`);
/metrics has one series per route, not per path tried, and a 4xx is one log line (`stance.http_telemetry`);
over STANCE_MAX_ANALYSES analyses at once (running or queued), one more gets 503 + Retry-After
(`stance.http_limits.AnalysisAdmission`).

The model is `stance:latest` from the BentoML model store (BENTOML_HOME); `STANCE_MODEL` names another
tag, `STANCE_BACKEND` another backend (auto | torch | onnx-int8 | onnx-fp32), `STANCE_GAZETTEER` another
actor gazetteer than stance/article/gazetteer.yaml (bentofile.yaml puts that one in the Bento);
`STANCE_PRELOAD_ANALYZER=1` starts the analysis process at start-up instead of on the first /analyze. The model is
declared at class scope so that `bentoml build` packages it into the Bento.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Sequence

import bentoml
from bentoml.exceptions import InternalServerError, NotFound
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse
from starlette.routing import Route

from stance.api_schemas import (
    EXAMPLE_ITEMS, AnalyzeBatchRequest, ArticleRequest, Articles, ClassifyItem, ClassifyRequest, ErrorBody,
    InfoRequest, ItemResult, Items, Limits, ServiceInfo, check_article_count, check_request_chars,
    gazetteer_conflicts, public_base_model, validation_error,
)
from stance.article.gazetteer import DEFAULT_PATH, ActorGazetteer
from stance.article.process import AnalysisProcess, AnalysisProcessError
from stance.article.schema import AnalyzeRequest, ArticleAnalysis
from stance.classifier import StanceClassifier
from stance.errors import InputError, ModelNotFoundError
from stance.http_limits import ANALYSIS_ROUTES, AnalysisAdmission, JSONBodies, analyses_limit, body_limits
from stance.http_telemetry import bounded_service
from stance.limits import MAX_REQUEST_TOKENS
from stance.store import MODEL_NAME, registered, tier_tag
from stance.schema import AUTHOR
from stance.web import web_routes

MODEL_TAG = tier_tag(os.environ.get("STANCE_MODEL", f"{MODEL_NAME}:latest"))
"""`STANCE_MODEL` may name a tier (`stance:accurate`): the newest model registered with that tier is served."""
BACKEND = os.environ.get("STANCE_BACKEND", "auto")
GAZETTEER = Path(os.environ.get("STANCE_GAZETTEER") or DEFAULT_PATH)
PRELOAD_ANALYZER = os.environ.get("STANCE_PRELOAD_ANALYZER") == "1"
"""`STANCE_PRELOAD_ANALYZER=1` (set by scripts/main.sh, which serves the analysts' page): start the analysis
process (its classifier, spaCy and the gazetteer) at start-up and analyse one sentence before the service
reports ready, so that the first article does not wait for it."""
PRELOAD_TIMEOUT_S = 300
"""How long start-up waits for the preloaded analysis process (it took 5.1 s on 2 AVX-512 bf16 cores)."""
SERVICE_HINT = (
    "Fix: train and register the default model with `stance train` (the README's main command does it when "
    "the store is empty), or import one with `bentoml models import FILE`; to serve another registered model, "
    "set STANCE_MODEL=name:version or a tier (stance:fast, stance:accurate, stance:fast-distilled)."
)
MAX_BATCH_SIZE = 64
MAX_LATENCY_MS = 10_000
"""BentoML refuses a queued request (503 "overloaded") once its estimated latency would exceed this. It is
a shedding threshold, not a target: p95 under load is far lower (docs/benchmarks.md), and a low value
turns a burst into 503s."""

async def _info_endpoint(request: Request) -> JSONResponse:
    """GET /info for curl and browsers (BentoML API routes are POST only)."""
    service = bentoml.get_current_service()
    return JSONResponse(service.info_payload.model_dump())


class ServiceModelNotFound(ModelNotFoundError, NotFound):
    """ModelNotFoundError that `bentoml serve` / `bentoml build` print as a one-line error."""


class StoreModel(bentoml.models.BentoModel):
    """`BentoModel` that fails with the project's fix hint when the tag is not in the local store (the base
    class would try BentoCloud and report a missing cloud context)."""

    def _require_stored(self) -> None:
        if self.stored is None:
            known = [str(m.tag) for m in registered(self.tag.name)]
            raise ServiceModelNotFound(
                f"No model {str(self.tag)!r} in the BentoML model store ({_home()}/models). "
                f"Models in the store: {known or 'none'}. {SERVICE_HINT}"
            )

    def to_info(self, alias=None):
        self._require_stored()
        return super().to_info(alias)

    def resolve(self, base_path=None):
        self._require_stored()
        return super().resolve(base_path)


def _openapi_page(request: Request) -> FileResponse:
    """GET /docs: BentoML's OpenAPI page (Swagger UI). BentoML serves it at the root, where the analysts' page
    is mounted in front of it (mounted apps match before BentoML's index route); its assets (./static_content/,
    ./docs.json) are relative, so the same file works from /docs. The file is the one BentoML's index would pick."""
    import _bentoml_impl.server.app as bentoml_app
    from bentoml._internal.configuration.containers import BentoMLContainer

    name = "main-ui.html" if BentoMLContainer.new_index else "main-openapi.html"
    return FileResponse(Path(bentoml_app.__file__).parent / name)


ERROR_STATUSES = {
    "400": "Bad input: `detail` names each field (`loc`) and says what was expected and how to fix it.",
    "413": "The request body is over the limit (GET /info: limits.max_body_bytes); it was not read.",
    "415": "A Content-Type other than JSON (multipart/form-data).",
}
ANALYSIS_ERROR_STATUSES = {
    "503": "The service holds as many analyses as it takes at once (GET /info: limits.max_analyses_at_once): "
    "retry after the Retry-After header's seconds.",
}


def openapi_spec() -> dict[str, Any]:
    """BentoML's OpenAPI document of the service, with the 4xx bodies it really sends: BentoML declares a
    400's `detail` as a string, the service sends `ErrorBody` (a list of `{type, loc, msg}`); and with the
    Optional fields nullable, as OpenAPI 3.0 writes it (tests/adversarial/test_schemathesis.py checks each
    response against it)."""
    spec = StanceService.openapi_spec.asdict()
    schema = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(schema.pop("$defs", {}))
    schemas["ErrorBody"] = schema
    content = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
    for path, item in spec.get("paths", {}).items():
        operation = item.get("post")
        if operation is None or "requestBody" not in operation:
            continue
        responses = {str(code): response for code, response in operation.get("responses", {}).items()}
        errors = {**ERROR_STATUSES, **(ANALYSIS_ERROR_STATUSES if path in ANALYSIS_ROUTES else {})}
        responses.update({code: {"description": text, "content": content} for code, text in errors.items()})
        operation["responses"] = responses
        _reference_components(operation, schemas)
    return openapi30_nullable(spec)


def _reference_components(operation: dict[str, Any], schemas: dict[str, Any]) -> None:
    """Point each body schema of `operation` that BentoML inlines (the request, /analyze's and /info's result)
    at its component of the same title: BentoML drops the null branch of an Optional field from the inline
    copy (a null `id` or `int8_probe` in a response would violate it), the component keeps it."""
    bodies = [operation.get("requestBody", {}), *operation.get("responses", {}).values()]
    for media in (media for body in bodies for media in body.get("content", {}).values()):
        title = media.get("schema", {}).get("title")
        if title in schemas:
            media["schema"] = {"$ref": f"#/components/schemas/{title}"}


def openapi30_nullable(node: Any) -> Any:
    """`node` with each pydantic `anyOf: [X, {"type": "null"}]` (an Optional field) written the OpenAPI 3.0
    way, X with `nullable: true`: the document says 3.0, where a "null" type does not exist, so a validator
    reads the field as X alone and a null `id` or `int8_probe` in a response as a violation. Returns a copy."""
    if isinstance(node, list):
        return [openapi30_nullable(value) for value in node]
    if not isinstance(node, dict):
        return node
    converted = {key: openapi30_nullable(value) for key, value in node.items()}
    branches = converted.get("anyOf")
    if isinstance(branches, list) and {"type": "null"} in branches:
        kept = [branch for branch in branches if branch != {"type": "null"}]
        del converted["anyOf"]
        if len(kept) == 1 and "$ref" not in kept[0]:
            converted = {**kept[0], **converted}
        else:  # a $ref ignores its siblings in 3.0: keep it in a one-branch anyOf
            converted["anyOf"] = kept
        converted["nullable"] = True
    return converted


async def _openapi_document(request: Request) -> JSONResponse:
    """GET /docs.json: `openapi_spec()` (in front of BentoML's own route of that name)."""
    return JSONResponse(openapi_spec())


EXTRA_ROUTES = Starlette(
    routes=[
        Route("/info", _info_endpoint, methods=["GET"]),
        Route("/docs", _openapi_page, methods=["GET"]),
        Route("/docs.json", _openapi_document, methods=["GET"]),
        *web_routes(),
    ]
)


@bentoml.asgi_app(EXTRA_ROUTES, path="/")
@bentoml.service(name="stance", workers=1, traffic={"timeout": 60})
class StanceService:
    """Stance and sentiment of a holder toward a target actor in news statements."""

    model_ref = StoreModel(MODEL_TAG)

    def __init__(self) -> None:
        stored = self.model_ref
        self.classifier = StanceClassifier.from_path(stored.path, backend=BACKEND)
        meta = stored.info.metadata
        self.info_payload = ServiceInfo(
            model=str(stored.tag),
            backend=self.classifier.backend_name,
            int8_probe=self.classifier.probe,
            label_sets=self.classifier.spec.label_sets,
            base_model=public_base_model(self.classifier.spec.base_model),
            created=stored.info.creation_time.isoformat(timespec="seconds"),
            test_f1m=meta.get("headline", {}),
            max_length=self.classifier.spec.max_length,
            limits=Limits(max_body_bytes=body_limits()[0], max_analyses_at_once=analyses_limit()),
        )
        # Warm-up, so that the first request does not pay for lazy initialisation.
        self.classifier.predict([ClassifyItem(**item) for item in EXAMPLE_ITEMS])
        # Analyses run in a child process of their own, so that a long one never delays a classification
        # (stance.article.process); it starts on the first /analyze, or now with STANCE_PRELOAD_ANALYZER=1.
        self.analysis = AnalysisProcess(Path(stored.path), BACKEND, GAZETTEER, max_tokens=MAX_REQUEST_TOKENS)
        self._gazetteer: ActorGazetteer | None = None
        if PRELOAD_ANALYZER:  # ready means ready to analyse too: the first article does not wait
            self.analysis.start(warm=True).result(timeout=PRELOAD_TIMEOUT_S)

    @bentoml.api(
        batchable=True, max_batch_size=MAX_BATCH_SIZE, max_latency_ms=MAX_LATENCY_MS, input_spec=ClassifyRequest
    )
    def classify(self, items: Items) -> list[ItemResult]:
        """Stance and sentiment toward each item's target, one result per item in request order.

        Give the target as a character span in the text (`target_span`, end exclusive) or as a name
        (`target`) when it is not mentioned; the holder likewise, or leave it out for the author.
        Bad input gets a 400 naming the field, e.g. a span outside the text or a text over the limit.
        """
        # BentoML hands over the items of several requests concatenated: group by request (`mark_request`)
        predictions = self.classifier.predict(items, groups=[item._request for item in items])
        return [
            ItemResult(
                stance=p.stance,
                stance_probs=p.stance_probs,
                sentiment=p.sentiment,
                sentiment_probs=p.sentiment_probs,
                target=item.target_name,
                holder=item.holder_name or AUTHOR,
            )
            for item, p in zip(items, predictions)
        ]

    @bentoml.api(route="/analyze", input_spec=ArticleRequest)
    async def analyze(self, **request) -> ArticleAnalysis:
        """Actors, speakers, directed stances and the stance network of one news article.

        Every (statement, actor mentioned in it) pair is classified, with the statement's speaker as the
        holder (or the author); `pairs` and `targets` roll the stances up per (holder, target) and per
        target. Add actors the gazetteer lacks in `actors`. Bad input gets a 400 naming the field, e.g. an
        empty text or one over the character limit (GET /info lists the limits); a 503 with Retry-After
        when the service holds as many analyses as it takes at once.
        """
        return (await self._analyze([ArticleRequest(**request)]))[0]

    @bentoml.api(route="/analyze_batch", input_spec=AnalyzeBatchRequest)
    async def analyze_batch(self, articles: Articles) -> list[ArticleAnalysis]:
        """Several articles in one call (one spaCy pass, one classifier call); one result per article, in order."""
        return await self._analyze(articles, batch=True)

    async def _analyze(self, requests: Sequence[AnalyzeRequest], batch: bool = False) -> list[ArticleAnalysis]:
        check_analysis_requests(self.gazetteer(), requests, batch)
        try:
            return await self.analysis.analyze(requests)
        except InputError as err:
            raise validation_error([(_named_field(str(err)), str(err))]) from err
        except AnalysisProcessError as err:  # a 500 that says what happened and what to do
            raise InternalServerError(str(err)) from err

    def gazetteer(self) -> ActorGazetteer:
        """The gazetteer the analysis process uses, read here too (0.5 s, a few MB) to check user actors'
        ids before an analysis is queued."""
        if self._gazetteer is None:
            self._gazetteer = ActorGazetteer.from_file(GAZETTEER)
        return self._gazetteer

    @bentoml.api(route="/info", input_spec=InfoRequest)
    def info(self) -> ServiceInfo:
        """The served model's tag, backend, label sets and the request limits (also at GET /info)."""
        return self.info_payload


def check_analysis_requests(gazetteer: ActorGazetteer, requests: Sequence[AnalyzeRequest], batch: bool) -> None:
    """Raise a pydantic ValidationError, which BentoML answers with a 400 of the same shape as the errors
    found while parsing (`ErrorBody`), for requests the analysis would refuse (`batch`: from /analyze_batch,
    whose errors name the article): too many articles or characters, user actors whose id collides."""
    try:
        # Also checked while an HTTP request is parsed; here for callers of the service class itself.
        check_article_count(len(requests))
        check_request_chars(sum(len(r.text) for r in requests), "articles")
    except InputError as err:
        raise validation_error([((), str(err))]) from err
    check_actor_ids(gazetteer, requests, batch)


def _named_field(message: str) -> tuple[str, ...]:
    """`loc` of an analysis error: the request field its message starts with ("actors_only is set but ..."),
    as the errors found while parsing name theirs (the page shows each next to its input); else ()."""
    first = message.split(" ", 1)[0]
    return (first,) if first in AnalyzeRequest.model_fields else ()


def check_actor_ids(gazetteer: ActorGazetteer, requests: Sequence[AnalyzeRequest], batch: bool) -> None:
    """Raise a ValidationError naming each user actor whose id the gazetteer uses for another actor (the
    merge would keep the gazetteer's name and type and drop the user's without a word)."""
    problems = [
        ((("articles", number) if batch else ()) + ("actors", index), message)
        for number, request in enumerate(requests)
        for index, message in gazetteer_conflicts(request.actors, gazetteer.actors)
    ]
    if problems:
        raise validation_error(problems)


def _home() -> str:
    return os.environ.get("BENTOML_HOME", str(Path.home() / "bentoml"))


StanceService.add_asgi_middleware(JSONBodies)
StanceService.add_asgi_middleware(AnalysisAdmission)
bounded_service(StanceService)
