"""The analysts' page: paste an article (or upload a small corpus), see who says what about whom.

`web_routes()` are Starlette routes that `stance.service` mounts beside BentoML's API: the page at `/`,
its static files under `/web/static/`, and two helpers the page calls next to `/analyze` and
`/analyze_batch`: `/web/export` (the CLI's JSON/CSV/GraphML exporters) and `/web/corpus` (a JSONL/CSV
upload read by the batch readers). docs/webapp.md describes the page.
"""

from __future__ import annotations

from stance.web.app import STATIC_DIR, web_routes

__all__ = ["STATIC_DIR", "web_routes"]
