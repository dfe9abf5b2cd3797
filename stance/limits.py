"""Every input limit of the service and of batch scoring, in one place (`GET /info` lists the HTTP ones).

A limit is checked where the input is parsed, so that a violation is a clear 400 (HTTP) or a reject
row (batch) naming the field and the limit, before any model work.
"""

from __future__ import annotations

# POST /classify
MAX_ITEMS = 64
"""Items per request (one request is at most one inference batch)."""
MAX_TEXT_CHARS = 5000
"""Characters per statement. Longer statements are classified on a window around the target
(`stance.encoding.WINDOW_CHARS`)."""
MAX_NAME_CHARS = 200
"""Characters per target or holder name (HTTP and batch rows)."""

# POST /analyze, /analyze_batch
MAX_ARTICLES = 64
"""Articles per /analyze_batch request."""
MAX_REQUEST_CHARS = 100_000
"""Characters per /analyze or /analyze_batch request, all articles together. Analysis time grows with
the text: 100,000 characters of news (~26 articles of 600 words) take about 15 s on an idle 2-core
machine with the int8 model and 40 s under load (projected from docs/analysis.md, Throughput). Past
the service's 60 s timeout a request gets a 504 while its analysis goes on holding the worker;
`stance analyze` takes longer texts."""

# The page (stance.web): opening a batch run's output needs no model work, only reading and drawing
MAX_OPENED_ARTICLES = 2000
"""Articles of a batch run's output the page opens (and exports again) at once."""
MAX_UPLOAD_CHARS = 20_000_000
"""Characters (Parquet: bytes) of a file uploaded to the page's corpus view."""

# Article analysis anywhere (CLI, batch articles mode)
MAX_ARTICLE_CHARS = 2_000_000
"""A longer article is refused with an InputError (a reject row in batch) rather than parsed for minutes."""

# Batch scoring rows
MAX_PAIR_TEXT_CHARS = 100_000
"""A pair row's text may be this long; the classifier reads a window around the target anyway."""
MAX_LINE_BYTES = 10_000_000
"""A JSONL line or CSV field longer than this is rejected without being parsed."""
