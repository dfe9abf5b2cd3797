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
the service's 60 s timeout a request gets a 504 while its analysis finishes in the analysis process
(stance.article.process), which /classify never waits for; `stance analyze` takes longer texts."""

# Any POST to the service (stance.http_limits): refused with 413 before it is read or parsed
MAX_BODY_BYTES = 4 * 1024 * 1024
"""Bytes per request body on the API routes (/classify, /analyze, /analyze_batch, /info); the environment
variable STANCE_MAX_BODY_BYTES sets another. The largest valid /classify body (64 texts of 5,000
characters, every character a 6-byte \\uXXXX escape) is under 2.1 MB."""
MAX_PAGE_BODY_BYTES = 128 * 1024 * 1024
"""Bytes per request body on the page's routes (/web/corpus, /web/export; STANCE_MAX_PAGE_BODY_BYTES):
an uploaded file of MAX_UPLOAD_CHARS, base64 or JSON-escaped, and the analyses the page exports."""
MAX_REQUEST_TOKENS = 35_000
"""spaCy tokens per /analyze or /analyze_batch request, all articles together, counted before the
pipeline runs. News has 0.17-0.20 tokens a character (data/evalset), so 100,000 characters of news are
about 20,000 tokens; text dense in short tokens ("a a a …", symbols with spaces) reaches 0.5 and took
16 s at 100,000 characters on 2 idle AVX-512 bf16 EPYC cores: at this limit the slowest took 12.3 s there
(docs/benchmarks.md, Hardening; an AVX2-only CPU is slower)."""
MAX_ANALYSES_ADMITTED = 4
"""/analyze and /analyze_batch requests in the service at once, one running in the analysis process and the
rest queued (stance.http_limits.AnalysisAdmission; STANCE_MAX_ANALYSES sets another): a fifth gets 503.
Four 100,000-character articles take about a minute on 2 cores, the service's request timeout."""
ANALYSIS_RETRY_AFTER_S = 10
"""Retry-After of that 503, in seconds: about one long analysis."""
MAX_ID_CHARS = 2048
"""Characters of an article `id` (/analyze echoes it): room for a URL."""
MAX_USER_ACTORS = 1000
"""Actors a request may add to the gazetteer (`actors` of /analyze)."""

# The page (stance.web): opening a batch run's output needs no model work, only reading and drawing
MAX_OPENED_ARTICLES = 2000
"""Articles of a batch run's output the page opens (and exports again) at once."""
MAX_UPLOAD_CHARS = 40_000_000
"""Characters (Parquet: bytes) of a file uploaded to the page's corpus view: room for the output of a
batch run of MAX_OPENED_ARTICLES news articles (`stance score --mode articles` JSON Lines of the
evalset's articles: 12.4 MB per 1,000 articles), sent JSON-escaped within MAX_PAGE_BODY_BYTES."""

# Article analysis anywhere (CLI, batch articles mode)
MAX_ARTICLE_CHARS = 2_000_000
"""A longer article is refused with an InputError (a reject row in batch) rather than parsed for minutes."""

# Batch scoring rows
MAX_PAIR_TEXT_CHARS = 100_000
"""A pair row's text may be this long; the classifier reads a window around the target anyway."""
MAX_LINE_BYTES = 10_000_000
"""A JSONL line or CSV field longer than this is rejected without being parsed."""
MAX_CSV_BAD_LINES_LISTED = 5
"""Line numbers named when a CSV file's lines leave a quote open (the error gives the total too)."""
MAX_DUPLICATE_IDS_LISTED = 5
"""Duplicate ids named in a run's summary (the summary gives the total too)."""
