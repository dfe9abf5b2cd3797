"""The page's routes: the page itself, its static files, downloads and corpus uploads.

The page is plain HTML + one JS file + one CSS file (package data in `static/`), served from this
process only: a Content-Security-Policy of `'self'` keeps it from loading anything from another host.
Downloads go through the CLI's exporters (`stance.article.export.render`), so a file saved from the
page is byte for byte what `stance analyze --format ...` writes for the same analyses.
"""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from stance.errors import InputError
from stance.web.corpus import CorpusTooLarge, read_upload
from stance.web.downloads import DOWNLOADS, export_analyses

STATIC_DIR = Path(__file__).parent / "static"
PAGE_HEADERS = {
    # Everything from this server, nothing from another host; data: for the empty favicon, blob: for downloads.
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data: blob:; object-src 'none'; base-uri 'none'",
    "Cache-Control": "no-cache",
}


async def page(request: Request) -> FileResponse:
    """GET /: the analysts' page."""
    return FileResponse(STATIC_DIR / "index.html", headers=PAGE_HEADERS)


async def export(request: Request) -> Response:
    """POST /web/export?format=json|csv|graphml with `{"analyses": [ArticleAnalysis, ...]}`: the file the CLI
    writes for those analyses, as a download. A bad format or body is a 400 that says why."""
    try:
        body = await _json_object(request)
        format = request.query_params.get("format", "")
        content = export_analyses(body.get("analyses"), format)
    except InputError as err:
        return _error(str(err))
    media_type, suffix = DOWNLOADS[format]
    headers = {"Content-Disposition": f'attachment; filename="stance-analysis.{suffix}"'}
    return Response(content, media_type=media_type, headers=headers)


async def corpus(request: Request) -> JSONResponse:
    """POST /web/corpus with `{"filename": "x.jsonl", "content": "..."}` (Parquet: `content_base64`): for a
    file of articles, `kind` "articles", their `id` and `text` and the rejected rows, read as `stance score
    --mode articles` reads them; for the output of `stance analyze` or `stance score --mode articles`, `kind`
    "analyses" and the analyses read back. A file over the page's limits is a 413 whose `command` (when not
    null) runs it offline instead."""
    try:
        body = await _json_object(request)
        upload = read_upload(body.get("filename"), body.get("content"), body.get("content_base64"))
    except CorpusTooLarge as err:
        return JSONResponse({"error": str(err), "command": err.command}, status_code=413)
    except InputError as err:
        return _error(str(err))
    return JSONResponse(upload.to_json())


async def _json_object(request: Request) -> dict:
    try:
        body = await request.json()
    except ValueError as err:
        raise InputError(f"The request body is not valid JSON ({err}). Fix: send a JSON object.") from err
    if not isinstance(body, dict):
        raise InputError(f"Expected a JSON object as the request body, found {type(body).__name__}.")
    return body


def _error(message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=400)


def web_routes() -> list[BaseRoute]:
    """The routes to mount at the service's root: `/`, `/web/static/*`, `/web/export`, `/web/corpus`."""
    return [
        Route("/", page, methods=["GET"]),
        Route("/web/export", export, methods=["POST"]),
        Route("/web/corpus", corpus, methods=["POST"]),
        Mount("/web/static", StaticFiles(directory=STATIC_DIR), name="web-static"),
    ]

