"""The prediction service: a thin BentoML adapter over `StanceClassifier`.

    bentoml serve stance.service:StanceService --host 127.0.0.1 --port 3000

- POST /classify: a list of items -> one result per item, in order. Concurrent requests are merged by
  BentoML's adaptive batching into one `StanceClassifier.predict` call (which sorts by length and runs
  micro-batches).
- GET /info (also POST, documented on the OpenAPI page): model tag, backend, label sets, limits.
- BentoML's own /healthz, /readyz, /livez, /metrics; its OpenAPI page at / (and /docs, a redirect).

The model is `stance:latest` from the BentoML model store (BENTOML_HOME); `STANCE_MODEL` names another
tag, `STANCE_BACKEND` another backend (auto | torch | onnx-int8 | onnx-fp32). The model is declared at
class scope so that `bentoml build` packages it into the Bento.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import bentoml
from bentoml.exceptions import NotFound
from pydantic import BeforeValidator, Field
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse
from starlette.routing import Route

from stance.api_schemas import EXAMPLE_ITEMS, MAX_ITEMS, ClassifyItem, ItemResult, ServiceInfo, check_item_count
from stance.classifier import StanceClassifier
from stance.encoding import AUTHOR
from stance.errors import ModelNotFoundError
from stance.store import MODEL_NAME, registered

MODEL_TAG = os.environ.get("STANCE_MODEL", f"{MODEL_NAME}:latest")
BACKEND = os.environ.get("STANCE_BACKEND", "auto")
SERVICE_HINT = (
    "Fix: train and register the default model with `stance train` (the README's main command does it when "
    "the store is empty), or import one with `bentoml models import FILE`; to serve another registered model, "
    "set STANCE_MODEL=name:version."
)
MAX_BATCH_SIZE = 64
MAX_LATENCY_MS = 10_000
"""BentoML refuses a queued request (503 "overloaded") once its estimated latency would exceed this. It is
a shedding threshold, not a target: p95 under load is far lower (docs/benchmarks.md), and a low value
turns a burst into 503s."""

Items = Annotated[
    list[ClassifyItem],
    BeforeValidator(check_item_count),
    Field(description=f"The items to classify, 1 to {MAX_ITEMS}.", json_schema_extra={"example": EXAMPLE_ITEMS}),
]


async def _info_endpoint(request: Request) -> JSONResponse:
    """GET /info for curl and browsers (BentoML API routes are POST only)."""
    service = bentoml.get_current_service()
    return JSONResponse(service.info_payload.model_dump())


class JSONBodies:
    """ASGI middleware: POST bodies are JSON. curl's default form type is read as JSON (a forgotten
    `-H 'Content-Type: application/json'`); multipart gets 415 instead of reaching a parser that would
    answer a malformed body with a 500."""

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
        await self.app(scope, receive, send)


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


def _docs_redirect(request: Request) -> RedirectResponse:
    """GET /docs: BentoML serves its OpenAPI page (Swagger UI) at the root."""
    return RedirectResponse("/")


EXTRA_ROUTES = Starlette(
    routes=[Route("/info", _info_endpoint, methods=["GET"]), Route("/docs", _docs_redirect, methods=["GET"])]
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
            label_sets=self.classifier.spec.label_sets,
            base_model=self.classifier.spec.base_model,
            created=stored.info.creation_time.isoformat(timespec="seconds"),
            test_f1m=meta.get("headline", {}),
            max_length=self.classifier.spec.max_length,
        )
        # Warm-up, so that the first request does not pay for lazy initialisation.
        self.classifier.predict([ClassifyItem(**item) for item in EXAMPLE_ITEMS])

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

    @bentoml.api(route="/info")
    def info(self) -> ServiceInfo:
        """The served model's tag, backend, label sets and the request limits (also at GET /info)."""
        return self.info_payload


def _home() -> str:
    return os.environ.get("BENTOML_HOME", str(Path.home() / "bentoml"))


StanceService.add_asgi_middleware(JSONBodies)
