"""What the service tells its operators: bounded /metrics series and one log line per client error.

BentoML 1.4.40 labels its HTTP metrics (`bentoml_service_request_total`, `..._request_duration_seconds`,
`..._request_in_progress`) with the raw request path (`RunnerTrafficMetricsMiddleware`, the outermost
middleware of the app, reads `scope["path"]`), so every path a scanner tries became a series of its own:
5,000 random GETs grew /metrics from 107 KB to 20.6 MB. BentoML has no option for it, and a middleware
added with `add_asgi_middleware` runs inside the metrics one. So `RouteLabels` wraps the whole app (the
service's `to_asgi`, `bounded_service`): the metrics middleware sees the route a path matches (its
template, `/web/static/{path}` for files) or `UNMATCHED` for none, and `RealPaths`, the first middleware
inside it, puts the real path back before anything routes on it. BentoML's access log and tracing, which
sit between the two, see the label too.

BentoML logs every error of an API call with its traceback, a 400 included (`log_exception` in
`_bentoml_impl/server/app.py`): 313k lines for one fuzz run. `ClientErrorLines` turns the record of a
4xx into one line (status, path, field, message); a 5xx keeps its traceback.
"""

from __future__ import annotations

import logging
from typing import Any, Optional

from starlette.routing import Match, Mount, Router

UNMATCHED = "/_unmatched"
"""The metrics label of every path no route matches (BentoML answers them 404)."""
REAL_PATH = "stance.real_path"
"""Scope key that carries the real path past the metrics middleware."""
BENTOML_ERROR_LOGGER = "bentoml._internal.server.http_app"
"""Where `log_exception` logs ("Exception on %s [%s]", with the traceback)."""
MAX_LOGGED_CHARS = 300


def route_label(routes: list, scope: dict[str, Any]) -> str:
    """The metrics label of `scope`'s path: the template of the route it matches (a mount's prefix plus
    `/{path}` for a mounted file server), or UNMATCHED."""
    for route in routes:
        match, child = route.matches(scope)
        if match == Match.NONE:
            continue
        if isinstance(route, Mount):
            inner = getattr(route.app, "routes", None)
            if inner is None:  # StaticFiles and other plain ASGI apps: one series for the mount
                return route.path + "/{path}"
            label = route_label(inner, {**scope, **child})
            return UNMATCHED if label == UNMATCHED else route.path + label
        return getattr(route, "path", UNMATCHED)
    return UNMATCHED


class RouteLabels:
    """Outermost ASGI wrapper: BentoML's metrics see each request's route, never a raw unknown path."""

    def __init__(self, app) -> None:
        self.app = app
        router = getattr(app, "router", app)
        self.routes = router.routes if isinstance(router, Router) else []

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] in ("http", "websocket"):
            label = route_label(self.routes, scope)
            if label != scope["path"]:
                scope = {**scope, "path": label, REAL_PATH: scope["path"]}
        await self.app(scope, receive, send)


class RealPaths:
    """ASGI middleware, the first inside BentoML's metrics: restores the path `RouteLabels` relabelled."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if REAL_PATH in scope:
            scope = {**scope, "path": scope[REAL_PATH]}
        await self.app(scope, receive, send)


def client_error(exc: BaseException) -> Optional[tuple[int, str, str]]:
    """(status, field, message) of an exception BentoML answers with a 4xx, or None (a 5xx, or unknown)."""
    from bentoml.exceptions import BentoMLException
    from pydantic import ValidationError

    if isinstance(exc, ValidationError):
        errors = exc.errors(include_url=False, include_context=False, include_input=False)
        first = errors[0] if errors else {"loc": (), "msg": str(exc)}
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        return 400, ".".join(map(str, first["loc"])) or "-", first["msg"] + more
    if isinstance(exc, BentoMLException) and exc.error_code.value < 500:
        return exc.error_code.value, "-", str(exc)
    return None


def _one_line(text: Any) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= MAX_LOGGED_CHARS else flat[: MAX_LOGGED_CHARS - 1] + "…"


class ClientErrorLines(logging.Filter):
    """Logging filter: BentoML's error record of a 4xx becomes one WARNING line without the traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None and record.msg == "Exception on %s [%s]":
            found = client_error(record.exc_info[1])
            if found is not None:
                status, field, message = found
                path = record.args[0] if isinstance(record.args, tuple) and record.args else "?"
                record.msg, record.args = "%s %s field=%s: %s", (status, _one_line(path), field, _one_line(message))
                record.exc_info, record.exc_text = None, None
                record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


def log_client_errors_in_one_line() -> None:
    """Install `ClientErrorLines` on BentoML's error logger (once; called when the app is built, not at import)."""
    logger = logging.getLogger(BENTOML_ERROR_LOGGER)
    if not any(isinstance(f, ClientErrorLines) for f in logger.filters):
        logger.addFilter(ClientErrorLines())


def bounded_service(service) -> None:
    """Make `service` (a `bentoml.Service`) build its app wrapped in `RouteLabels`, with `RealPaths` as its
    first middleware and 4xx logged in one line.

    BentoML has no hook around its own middleware: the only place is the service's `to_asgi`, which
    `bentoml serve` and the tests call. The service object's class becomes a subclass that overrides it
    (same slots, nothing else changes)."""
    base = type(service)
    if getattr(base, "_stance_bounded", False):
        return

    class BoundedService(base):  # type: ignore[misc, valid-type]
        __slots__ = ()
        _stance_bounded = True

        def to_asgi(self, is_main: bool = True, **kwargs: Any):
            log_client_errors_in_one_line()
            return RouteLabels(super().to_asgi(is_main, **kwargs))

    BoundedService.__name__ = BoundedService.__qualname__ = base.__name__
    BoundedService.__module__ = base.__module__
    service.middlewares.insert(0, (RealPaths, {}))
    service.__class__ = BoundedService
