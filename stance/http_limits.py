"""What a request must be before BentoML parses it: a body small enough, JSON, UTF-8 (`JSONBodies`); an
analysis, room for it (`AnalysisAdmission`).

BentoML reads a body whole and only then validates it: a 1 GiB POST was read into memory and answered
after 14 s. `JSONBodies` checks Content-Length before reading, counts the bytes while reading (a
chunked body has no Content-Length) and refuses a body over the limit with 413; it also refuses, with
a message that says what to do, the bodies pydantic would answer with a riddle (not UTF-8, a byte order
mark, a lone surrogate escape). Its responses have the shape of BentoML's validation errors
(`error_body`), the one 400 shape the OpenAPI page declares.

Analyses run one at a time in their own process (stance.article.process); `AnalysisAdmission` lets at most
STANCE_MAX_ANALYSES of them into the service at once (running or queued) and answers the next with 503 and
Retry-After at once, instead of queueing work that would time out.
"""

from __future__ import annotations

import os
import re
from typing import Any, Awaitable, Callable, Mapping, Optional

from starlette.responses import JSONResponse

from stance.errors import InputError
from stance.limits import ANALYSIS_RETRY_AFTER_S, MAX_ANALYSES_ADMITTED, MAX_BODY_BYTES, MAX_PAGE_BODY_BYTES

Receive = Callable[[], Awaitable[dict]]
BODY_LIMIT_ENV = "STANCE_MAX_BODY_BYTES"
PAGE_BODY_LIMIT_ENV = "STANCE_MAX_PAGE_BODY_BYTES"
ANALYSES_ENV = "STANCE_MAX_ANALYSES"
ANALYSIS_ROUTES = frozenset({"/analyze", "/analyze_batch"})
PAGE_PREFIX = "/web/"
"""The page's upload and export routes (stance.web) take files, not requests: they get the page limit."""
# A \uD800-\uDBFF escape not followed by a \uDC00-\uDFFF one, or a low one without a high one before it; an
# even run of backslashes before the "u" is escaped text ("\\ud800" is the six characters \ud800), not an escape.
_HIGH_ALONE = rb"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})"
_LOW_ALONE = rb"(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}"
_LONE_SURROGATE = re.compile(rb"(?<!\\)(?:\\\\)*(?:" + _HIGH_ALONE + rb"|" + _LOW_ALONE + rb")")


def body_limits(environ: Mapping[str, str] = os.environ) -> tuple[int, int]:
    """(API routes, page routes) body limits in bytes: `stance.limits`, or the environment variables."""
    return (
        _positive_setting(environ, BODY_LIMIT_ENV, MAX_BODY_BYTES),
        _positive_setting(environ, PAGE_BODY_LIMIT_ENV, MAX_PAGE_BODY_BYTES),
    )


def analyses_limit(environ: Mapping[str, str] = os.environ) -> int:
    """Analyses admitted at once (running or queued): `stance.limits`, or STANCE_MAX_ANALYSES."""
    return _positive_setting(environ, ANALYSES_ENV, MAX_ANALYSES_ADMITTED, unit="analyses")


def _positive_setting(environ: Mapping[str, str], name: str, default: int, unit: str = "bytes") -> int:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        shown = f"{default}, {default // 1024 // 1024} MiB" if unit == "bytes" else str(default)
        raise InputError(
            f"{name}={raw!r} is not a number of {unit}: expected a positive integer (the default is {shown}). "
            f"Fix: set {name}={default}, or unset it."
        )
    return int(raw)


def error_body(message: str, kind: str, loc: tuple[Any, ...] = ()) -> dict[str, Any]:
    """A JSON error in the shape of BentoML's validation errors: `{"error", "detail": [{type, loc, msg}]}`."""
    return {"error": message, "detail": [{"type": kind, "loc": list(loc), "msg": message}]}


def _refuse(status: int, message: str, kind: str) -> JSONResponse:
    # The body may be left unread: uvicorn then closes the connection after the response.
    return JSONResponse(error_body(message, kind), status_code=status, headers={"Connection": "close"})


class JSONBodies:
    """ASGI middleware: request bodies are at most the limit and, when POSTed, JSON in UTF-8.

    Over the limit is a 413, from Content-Length before a byte is read, or as soon as the bytes read pass
    it. curl's default form type is read as JSON (a forgotten `-H 'Content-Type: application/json'`);
    multipart gets 415 instead of reaching a parser that would answer a malformed body with a 500; a body
    that is not UTF-8, starts with a byte order mark or holds a lone surrogate escape gets a 400 that says
    where and how to fix it, instead of pydantic's "invalid unicode code point", "expected value at line 1
    column 1" or "unexpected end of hex escape"."""

    def __init__(self, app) -> None:
        self.app = app
        self.api_limit, self.page_limit = body_limits()

    def limit(self, path: str) -> int:
        """The body limit of `path` in bytes."""
        return self.page_limit if path.startswith(PAGE_PREFIX) else self.api_limit

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit(scope["path"])
        headers = dict(scope.get("headers") or [])
        declared = _content_length(headers.get(b"content-length"))
        if declared is not None and declared > limit:
            await _refuse(413, too_large(declared, limit, scope["path"], "has"), "body_too_large")(scope, receive, send)
            return
        if scope["method"] == "POST":
            media_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
            if media_type == b"multipart/form-data":
                message = (
                    "Content-Type multipart/form-data is not supported: expected application/json. "
                    "Fix: send the items as a JSON body."
                )
                await _refuse(415, message, "unsupported_media_type")(scope, receive, send)
                return
            if media_type == b"application/x-www-form-urlencoded":
                kept = [(k, v) for k, v in scope.get("headers") or [] if k != b"content-type"]
                scope = {**scope, "headers": [*kept, (b"content-type", b"application/json")]}
            if media_type != b"application/vnd.bentoml+pickle":  # BentoML refuses that one itself
                body = await read_body(receive, limit)
                if body is None:  # the client went away
                    return
                if len(body) > limit:
                    message = too_large(limit, limit, scope["path"], "has more than")  # the rest is never read
                    await _refuse(413, message, "body_too_large")(scope, receive, send)
                    return
                problem = body_problem(body)
                if problem:
                    await _refuse(400, problem, "body_invalid")(scope, receive, send)
                    return
                receive = _replay(body, receive)
        await self.app(scope, receive, send)


class AnalysisAdmission:
    """ASGI middleware: at most `limit` POSTs to /analyze and /analyze_batch in the service at once (one
    runs, the others wait their turn in the analysis process's queue); one more is answered at once with
    503, Retry-After and a message that says what to do. /classify and the other routes never wait here."""

    def __init__(self, app) -> None:
        self.app = app
        self.limit = analyses_limit()
        self.admitted = 0  # one event loop per worker: no lock needed

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] not in ANALYSIS_ROUTES:
            await self.app(scope, receive, send)
            return
        if self.admitted >= self.limit:
            message = (
                f"The service is analysing {self.admitted} article requests already (the limit is {self.limit} "
                f"at once, one running and the rest queued): expected fewer analyses at a time. Fix: retry after "
                f"{ANALYSIS_RETRY_AFTER_S} s (Retry-After), send one analysis at a time, or analyse large sets "
                f"offline with `stance score --mode articles`; a server operator can raise {ANALYSES_ENV}."
            )
            response = JSONResponse(
                error_body(message, "overloaded"), status_code=503,
                headers={"Retry-After": str(ANALYSIS_RETRY_AFTER_S), "Connection": "close"},
            )
            await response(scope, receive, send)
            return
        self.admitted += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.admitted -= 1


def _content_length(raw: Optional[bytes]) -> Optional[int]:
    """The declared body length, or None when absent or unreadable (uvicorn refuses a malformed one)."""
    return int(raw) if raw is not None and raw.strip().isdigit() else None


def too_large(size: int, limit: int, path: str, verb: str) -> str:
    """The 413 message: what was sent, the limit, and the fix."""
    name = PAGE_BODY_LIMIT_ENV if path.startswith(PAGE_PREFIX) else BODY_LIMIT_ENV
    return (
        f"The request body {verb} {size:,} bytes: the limit is {limit:,} bytes ({limit / 1024 / 1024:g} MiB) "
        f"per request. Fix: send fewer items or articles per request (GET /info lists the per-field limits), "
        f"or analyse large inputs offline with `stance score` / `stance analyze`; a server operator can raise "
        f"the limit with {name}."
    )


async def read_body(receive: Receive, limit: int) -> Optional[bytes]:
    """The request body, read up to one chunk past `limit` bytes (a longer result means "over the limit";
    the rest is never read), or None when the client disconnected."""
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        body += message.get("body", b"")
        if len(body) > limit or not message.get("more_body", False):
            return bytes(body)


def _replay(body: bytes, receive: Receive) -> Receive:
    """An ASGI `receive` that yields `body` once, then defers to `receive` (for the disconnect)."""
    sent = False

    async def replay() -> dict:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


def body_problem(body: bytes) -> Optional[str]:
    """Why `body` cannot be JSON text as RFC 8259 defines it (not UTF-8, a byte order mark, a lone surrogate
    escape), with the fix; None when it can."""
    if body.startswith(b"\xef\xbb\xbf"):
        return (
            "The request body starts with a UTF-8 byte order mark (bytes ef bb bf): expected JSON text, which "
            "has none (RFC 8259). Fix: save the file as UTF-8 without BOM (in Python, read it with "
            "encoding='utf-8-sig'; in PowerShell 5, use Out-File -Encoding utf8NoBOM or Python), or strip the "
            "first three bytes."
        )
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as err:
        return (
            f"The request body is not valid UTF-8: byte 0x{body[err.start]:02x} at offset {err.start}. Expected "
            f"JSON encoded as UTF-8. Fix: convert the text to UTF-8 before putting it in the JSON (e.g. "
            f"`iconv -f cp1252 -t utf-8 article.txt`, or read the file with its encoding), or send non-ASCII "
            f"characters as \\uXXXX escapes."
        )
    lone = _LONE_SURROGATE.search(body) if b"\\u" in body else None
    if lone:
        escape = lone.group().lstrip(b"\\").decode()
        return (
            f"The request body holds a lone surrogate escape \\{escape} at offset {lone.end() - 6}: expected a "
            f"high surrogate (\\ud800-\\udbff) followed by a low one (\\udc00-\\udfff), which together are one "
            f"character; alone it is no character and not valid text. Fix: repair the text before encoding it "
            f"(in Python, text.encode('utf-8', 'replace').decode('utf-8') replaces such characters), or send "
            f"the characters themselves in UTF-8."
        )
    return None
