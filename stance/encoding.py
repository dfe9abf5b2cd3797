"""Input encoding: how (text, target, holder) becomes model input, for training and inference alike.

The default scheme `markers_pair` wraps the target mention in `[TGT] … [/TGT]` and the holder
mention in `[HLD] … [/HLD]` inside the statement, and adds a second segment
`[TGT] <target name> [HLD] <holder name | author>`. The marker tokens are added to the tokenizer as
special tokens, so the model can pool the hidden state at the first `[TGT]` / `[HLD]` (see
`stance.modeling`): that is the target mention when it is in the text, else the name in the second
segment. `docs/encoding.md` holds the ablation that chose this scheme.
"""

from __future__ import annotations

from typing import Literal, Sequence

from stance.schema import Item, Span

ENCODING_VERSION = 1
Scheme = Literal["brackets", "markers", "markers_pair"]
SCHEMES: tuple[str, ...] = ("brackets", "markers", "markers_pair")

TARGET_MARKERS = ("[TGT]", "[/TGT]")
HOLDER_MARKERS = ("[HLD]", "[/HLD]")
MARKER_TOKENS: tuple[str, ...] = TARGET_MARKERS + HOLDER_MARKERS
AUTHOR = "author"
WINDOW_CHARS = 700
"""Statements longer than this are cut to a window of this many characters around the target."""


def _neutralise(text: str) -> str:
    # A literal "[TGT]" typed in user text must not become a marker token: same length, no match.
    return text.replace("[TGT]", "(TGT)").replace("[/TGT]", "(/TGT)").replace("[HLD]", "(HLD)").replace(
        "[/HLD]", "(/HLD)"
    )


def _insert(text: str, spans: Sequence[tuple[Span, tuple[str, str]]]) -> str:
    """Insert (open, close) markers around each span; spans may not cross."""
    inserts: list[tuple[int, int, str]] = []
    for (start, end), (open_, close) in spans:
        inserts.append((start, 1, f"{open_} "))
        inserts.append((end, 0, f" {close}"))
    out = text
    # Right to left so earlier offsets stay valid; at one offset a close goes before an open.
    for offset, _, marker in sorted(inserts, key=lambda i: (i[0], i[1]), reverse=True):
        out = out[:offset] + marker + out[offset:]
    return out


def _window(item: Item, max_chars: int) -> tuple[str, Span | None, Span | None]:
    """Cut a long statement to `max_chars` around the target (and holder when it fits)."""
    text, tspan, hspan = item.text, item.target_span, item.holder_span
    if len(text) <= max_chars:
        return text, tspan, hspan
    centre = (tspan[0] + tspan[1]) // 2 if tspan else 0
    start = max(0, min(centre - max_chars // 2, len(text) - max_chars))
    end = start + max_chars

    def shift(span: Span | None) -> Span | None:
        if span is None or span[0] < start or span[1] > end:
            return None
        return (span[0] - start, span[1] - start)

    return text[start:end], shift(tspan), shift(hspan)


def _spans_cross(a: Span | None, b: Span | None) -> bool:
    return a is not None and b is not None and a[0] < b[1] and b[0] < a[1]


def encode_pair(item: Item, scheme: Scheme = "markers_pair", max_chars: int = WINDOW_CHARS) -> tuple[str, str | None]:
    """Return the (first segment, second segment or None) strings the tokenizer receives for `item`."""
    text, tspan, hspan = _window(item, max_chars)
    text = _neutralise(text)
    if _spans_cross(tspan, hspan):
        hspan = None  # holder and target overlap (e.g. "Iran's"): mark the target only
    if scheme == "brackets":
        marked = _insert(text, [(tspan, ("[", "]"))]) if tspan else text
        return marked, None if tspan else item.target_name
    spans = [(tspan, TARGET_MARKERS)] if tspan else []
    if hspan:
        spans.append((hspan, HOLDER_MARKERS))
    marked = _insert(text, spans)
    if scheme == "markers":
        return marked, None if tspan else f"{TARGET_MARKERS[0]} {_neutralise(item.target_name)}"
    holder = _neutralise(item.holder_name) if item.holder_name else AUTHOR
    return marked, f"{TARGET_MARKERS[0]} {_neutralise(item.target_name)} {HOLDER_MARKERS[0]} {holder}"


def encode_batch(tokenizer, items: Sequence[Item], scheme: Scheme, max_length: int) -> dict[str, list]:
    """Tokenize `items` (no padding: batches are padded dynamically). Returns the tokenizer's dict."""
    pairs = [encode_pair(item, scheme) for item in items]
    firsts = [p[0] for p in pairs]
    seconds = [p[1] for p in pairs]
    if all(s is None for s in seconds):
        return dict(tokenizer(firsts, truncation=True, max_length=max_length))
    seconds = [s or "" for s in seconds]
    return dict(tokenizer(firsts, seconds, truncation="only_first", max_length=max_length))
