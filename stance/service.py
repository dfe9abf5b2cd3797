"""The prediction service: a thin BentoML adapter over `StanceClassifier`.

    bentoml serve stance.service:StanceService --host 127.0.0.1 --port 3000

- POST /classify: a list of items -> one result per item, in order. Concurrent requests are merged by
  BentoML's adaptive batching into one `StanceClassifier.predict` call (which sorts by length and runs
  micro-batches).
- POST /analyze: one article -> its actors, speakers, directed stances and stance network
  (`ArticleAnalysis`, docs/analysis.md); POST /analyze_batch: several articles in one call. Both run on the
  same `StanceClassifier`; spaCy and the actor gazetteer load on the first call, so a service that only
  classifies starts as fast and uses as little memory as before.
- GET /info (also POST, documented on the OpenAPI page): model tag, backend, label sets, limits.
- GET /: the analysts' page (`stance.web`, docs/webapp.md): paste an article, see who says what about whom.
- BentoML's own /healthz, /readyz, /livez, /metrics; its OpenAPI page at /docs (BentoML serves it at /, where
  the page is mounted in front of it).

The model is `stance:latest` from the BentoML model store (BENTOML_HOME); `STANCE_MODEL` names another
tag, `STANCE_BACKEND` another backend (auto | torch | onnx-int8 | onnx-fp32), `STANCE_GAZETTEER` another
actor gazetteer than stance/article/gazetteer.yaml (bentofile.yaml puts that one in the Bento);
`STANCE_PRELOAD_ANALYZER=1` loads spaCy at start-up instead of on the first /analyze. The model is
declared at class scope so that `bentoml build` packages it into the Bento.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Sequence

import bentoml
from bentoml.exceptions import NotFound
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse
from starlette.routing import Route

from stance.api_schemas import (
    EXAMPLE_ITEMS, ArticleRequest, Articles, ClassifyItem, ItemResult, Items, ServiceInfo, check_article_count,
    check_request_chars,
)
from stance.article.analyze import ArticleAnalyzer
from stance.article.gazetteer import DEFAULT_PATH, ActorGazetteer
from stance.article.schema import AnalyzeRequest, ArticleAnalysis
from stance.classifier import StanceClassifier
from stance.errors import InputError, ModelNotFoundError
from stance.store import MODEL_NAME, registered, tier_tag
from stance.schema import AUTHOR
from stance.web import web_routes

MODEL_TAG = tier_tag(os.environ.get("STANCE_MODEL", f"{MODEL_NAME}:latest"))
"""`STANCE_MODEL` may name a tier (`stance:accurate`): the newest model registered with that tier is served."""
BACKEND = os.environ.get("STANCE_BACKEND", "auto")
GAZETTEER = Path(os.environ.get("STANCE_GAZETTEER") or DEFAULT_PATH)
PRELOAD_ANALYZER = os.environ.get("STANCE_PRELOAD_ANALYZER") == "1"
"""`STANCE_PRELOAD_ANALYZER=1` (set by scripts/main.sh, which serves the analysts' page): load spaCy and the
gazetteer in the background at start-up, so that the first article does not wait for them."""
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


class JSONBodies:
    """ASGI middleware: POST bodies are JSON in UTF-8. curl's default form type is read as JSON (a forgotten
    `-H 'Content-Type: application/json'`); multipart gets 415 instead of reaching a parser that would
    answer a malformed body with a 500; a body that is not UTF-8 gets a 400 that says where and how to fix
    it, instead of pydantic's "Invalid JSON: invalid unicode code point"."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            headers = [(k, v) for k, v in scope.get("headers") or [] if k != b"content-type"]
            content_type = dict(scope.get("headers") or []).get(b"content-type", b"")
            media_type = content_type.split(b";")[0].strip().lower()
            if media_type == b"multipart/form-data":
                message = (
                    "Content-Type multipart/form-data is not supported: expected application/json. "
                    "Fix: send the items as a JSON body."
                )
                await JSONResponse({"error": message}, status_code=415)(scope, receive, send)
                return
            if media_type == b"application/x-www-form-urlencoded":
                scope = {**scope, "headers": [*headers, (b"content-type", b"application/json")]}
            if media_type != b"application/vnd.bentoml+pickle":  # BentoML refuses that one itself
                body = await _read_body(receive)
                if body is None:  # the client went away
                    return
                problem = _utf8_problem(body)
                if problem:
                    await JSONResponse({"error": problem}, status_code=400)(scope, receive, send)
                    return
                receive = _replay(body, receive)
        await self.app(scope, receive, send)


async def _read_body(receive) -> bytes | None:
    """The whole request body (BentoML reads it whole anyway), or None when the client disconnected."""
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        body += message.get("body", b"")
        if not message.get("more_body", False):
            return bytes(body)


def _replay(body: bytes, receive):
    """An ASGI `receive` that yields `body` once, then defers to `receive` (for the disconnect)."""
    sent = False

    async def replay():
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


def _utf8_problem(body: bytes) -> str | None:
    """Why `body` is not UTF-8 (JSON must be, RFC 8259), or None when it is."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as err:
        return (
            f"The request body is not valid UTF-8: byte 0x{body[err.start]:02x} at offset {err.start}. Expected "
            f"JSON encoded as UTF-8. Fix: convert the text to UTF-8 before putting it in the JSON (e.g. "
            f"`iconv -f cp1252 -t utf-8 article.txt`, or read the file with its encoding), or send non-ASCII "
            f"characters as \\uXXXX escapes."
        )
    return None


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


EXTRA_ROUTES = Starlette(
    routes=[
        Route("/info", _info_endpoint, methods=["GET"]),
        Route("/docs", _openapi_page, methods=["GET"]),
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
            base_model=self.classifier.spec.base_model,
            created=stored.info.creation_time.isoformat(timespec="seconds"),
            test_f1m=meta.get("headline", {}),
            max_length=self.classifier.spec.max_length,
        )
        # Warm-up, so that the first request does not pay for lazy initialisation.
        self.classifier.predict([ClassifyItem(**item) for item in EXAMPLE_ITEMS])
        self._analyzer: ArticleAnalyzer | None = None
        self._analyzer_lock = threading.Lock()
        self._preload: threading.Thread | None = None
        if PRELOAD_ANALYZER:  # spaCy only: the classifier is never called off the API thread
            self._preload = threading.Thread(target=self._article_analyzer, kwargs={"warm": True}, daemon=True)
            self._preload.start()

    @bentoml.api(batchable=True, max_batch_size=MAX_BATCH_SIZE, max_latency_ms=MAX_LATENCY_MS)
    def classify(self, items: Items) -> list[ItemResult]:
        """Stance and sentiment toward each item's target, one result per item in request order.

        Give the target as a character span in the text (`target_span`, end exclusive) or as a name
        (`target`) when it is not mentioned; the holder likewise, or leave it out for the author.
        Bad input gets a 400 naming the field, e.g. a span outside the text or a text over the limit.
        """
        predictions = self.classifier.predict(items)
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
    def analyze(self, **request) -> ArticleAnalysis:
        """Actors, speakers, directed stances and the stance network of one news article.

        Every (statement, actor mentioned in it) pair is classified, with the statement's speaker as the
        holder (or the author); `pairs` and `targets` roll the stances up per (holder, target) and per
        target. Add actors the gazetteer lacks in `actors`. Bad input gets a 400 naming the field, e.g. an
        empty text or one over the character limit (GET /info lists the limits).
        """
        return run_analysis(self._article_analyzer(), [ArticleRequest(**request)])[0]

    @bentoml.api(route="/analyze_batch")
    def analyze_batch(self, articles: Articles) -> list[ArticleAnalysis]:
        """Several articles in one call (one spaCy pass, one classifier call); one result per article, in order."""
        return run_analysis(self._article_analyzer(), articles)

    def _article_analyzer(self, warm: bool = False) -> ArticleAnalyzer:
        """The article analyzer over `self.classifier`, built on the first /analyze call (or at start-up with
        `STANCE_PRELOAD_ANALYZER=1`; `warm` then also runs spaCy once): spaCy and the gazetteer take about a
        second and 85 MB that a service used only for /classify never needs."""
        # BentoML runs sync APIs on one thread (`threads` defaults to 1), so /classify batches and analyses
        # never use the classifier (and its tokenizer) at once; the lock guards the load for any caller.
        if self._analyzer is None:
            with self._analyzer_lock:
                if self._analyzer is None:
                    self._analyzer = ArticleAnalyzer(self.classifier, ActorGazetteer.from_file(GAZETTEER))
                    if warm:
                        self._analyzer.nlp(EXAMPLE_ITEMS[0]["text"])
        return self._analyzer

    @bentoml.api(route="/info")
    def info(self) -> ServiceInfo:
        """The served model's tag, backend, label sets and the request limits (also at GET /info)."""
        return self.info_payload


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


def _home() -> str:
    return os.environ.get("BENTOML_HOME", str(Path.home() / "bentoml"))


StanceService.add_asgi_middleware(JSONBodies)
