"""Input encoding: how (text, target, holder) becomes model input, for training and inference alike.

Every scheme wraps target mentions in `[TGT] … [/TGT]` and the holder mention in `[HLD] … [/HLD]`
(special tokens added to the tokenizer), so the model reads each target at its own `[TGT]` token
and the holder at the first `[HLD]` (see `stance.modeling`).

- `markers_pair` (the layout of encoding version 1; kept as the one-pass-per-target comparison and the
  benchmarks' naive baseline): one sequence per item; the target is marked in the statement
  and a second segment `[TGT] <target name> [HLD] <holder name | author>` names both.
- `multi` (version 2): one sequence per (statement, holder): *every* target asked about in that
  statement is marked, and the second segment is `[HLD] <holder | author>` followed by
  `[TGT] <name>` for targets that are not in the text. Each target is classified at its own marker,
  so one forward pass serves all targets of a statement, and the model sees which other actors
  are being judged in the same sentence.

`encode_items` is the one entry point for training and inference: it groups items into sequences,
tokenizes them and returns where each item is read. `docs/encoding.md` holds the ablations.

Because a `multi` item is read beside the other targets of its sequence, its probabilities depend on
which items it is grouped with: a caller that merges several requests into one call (the service's
adaptive batching) passes `groups`, one key per item, and items of different keys never share a
sequence, so each request gets the answer it would get alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Hashable, Literal, Optional, Sequence

from stance.schema import AUTHOR, Item, Span

ENCODING_VERSION = 2
Scheme = Literal["markers_pair", "multi"]
MULTI = "multi"
Pooling = Literal["markers"]
"""What the heads read (`stance.modeling`): [CLS] ⊕ target marker ⊕ holder marker."""
REMOVED = {"scheme": ("brackets", "markers"), "pooling": ("cls", "target_holder")}
"""Ablation-only options of `docs/encoding.md`, no longer built or read (reproducible at commit 43687b8)."""
MAX_TARGETS = 8
"""At most this many targets share one `multi` sequence (bounds its length)."""
MAX_NAMED = 4
"""At most this many of them may be names that are not in the text (they lengthen the second segment)."""

TARGET_MARKERS = ("[TGT]", "[/TGT]")
HOLDER_MARKERS = ("[HLD]", "[/HLD]")
MARKER_TOKENS: tuple[str, ...] = TARGET_MARKERS + HOLDER_MARKERS
NAME_ROOM = 8
"""Tokens a sequence keeps besides its names: [CLS], two [SEP] and a few of the statement."""
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
    """Return the (first segment, second segment or None) strings the tokenizer receives for `item` alone."""
    if scheme == MULTI:
        first, second, _ = encode_multi([item], max_chars)
        return first, second
    text, tspan, hspan = _window(item, max_chars)
    text = _neutralise(text)
    if _spans_cross(tspan, hspan):
        hspan = None  # holder and target overlap (e.g. "Iran's"): mark the target only
    spans = [(tspan, TARGET_MARKERS)] if tspan else []
    if hspan:
        spans.append((hspan, HOLDER_MARKERS))
    marked = _insert(text, spans)
    holder = _neutralise(item.holder_name) if item.holder_name else AUTHOR
    return marked, f"{TARGET_MARKERS[0]} {_neutralise(item.target_name)} {HOLDER_MARKERS[0]} {holder}"


def encode_multi(items: Sequence[Item], max_chars: int = WINDOW_CHARS) -> tuple[str, str, list[int]]:
    """The `multi` encoding of items sharing one text and holder: (first, second, marker order).

    `order[k]` is the index (into `items`) of the target read at the k-th `[TGT]` token: targets in
    the text from left to right, then targets given by name only."""
    first = items[0]
    if len(items) == 1:
        text, tspan, hspan = _window(first, max_chars)
        tspans = [tspan]
    else:  # `group_items` only groups statements that fit the window, with disjoint target spans
        text, hspan = first.text, first.holder_span
        tspans = [item.target_span for item in items]
    if any(_spans_cross(span, hspan) for span in tspans):
        hspan = None  # holder and target overlap (e.g. "Iran's"): mark the target only
    in_text = sorted((j for j, span in enumerate(tspans) if span), key=lambda j: tspans[j][0])  # type: ignore[index]
    named = [j for j, span in enumerate(tspans) if span is None]
    spans = [(tspans[j], TARGET_MARKERS) for j in in_text] + ([(hspan, HOLDER_MARKERS)] if hspan else [])
    holder = _neutralise(first.holder_name) if first.holder_name else AUTHOR
    names = "".join(f" {TARGET_MARKERS[0]} {_neutralise(items[j].target_name)}" for j in named)
    return _insert(_neutralise(text), spans), f"{HOLDER_MARKERS[0]} {holder}{names}", in_text + named


def group_items(items: Sequence[Item], scheme: Scheme, groups: Optional[Sequence[Hashable]] = None) -> list[list[int]]:
    """Which items share a sequence: for `multi`, items with the same text and holder (and the same
    key in `groups`, when given) whose target spans do not overlap (each other or the holder), up to
    `MAX_TARGETS`; otherwise one item each. Returns lists of indices into `items`."""
    if scheme != MULTI:
        return [[i] for i in range(len(items))]
    keys = check_groups(items, groups)
    by_statement: dict[tuple, list[int]] = {}
    for i, item in enumerate(items):
        by_statement.setdefault((keys[i], item.text, item.holder_span, item.holder_name), []).append(i)
    groups: list[list[int]] = []
    for members in by_statement.values():
        if len(items[members[0]].text) > WINDOW_CHARS:
            groups.extend([i] for i in members)  # each windowed around its own target
            continue
        start = len(groups)
        for i in members:
            slot = next((g for g in groups[start:] if _fits(items, g, i)), None)
            if slot is None:
                groups.append([i])
            else:
                slot.append(i)
    return groups


def check_groups(items: Sequence[Item], groups: Optional[Sequence[Hashable]]) -> Sequence[Hashable]:
    """The group key of each item: `groups`, or one key for all when None. Raises ValueError when
    `groups` does not have one key per item (a caller's bug, not user input)."""
    if groups is None:
        return [None] * len(items)
    if len(groups) != len(items):
        raise ValueError(
            f"{len(items)} items but {len(groups)} group keys: expected one key per item (e.g. the index of "
            f"the request it came from), or groups=None when all items come from one request."
        )
    return groups


def _fits(items: Sequence[Item], group: list[int], i: int) -> bool:
    item = items[i]
    if len(group) >= MAX_TARGETS or any(_spans_cross(items[j].target_span, item.holder_span) for j in [*group, i]):
        return False  # a target overlapping the holder (e.g. "Iran's") is encoded alone, holder unmarked
    if item.target_span is None:
        return sum(items[j].target_span is None for j in group) < MAX_NAMED
    return not any(_spans_cross(item.target_span, items[j].target_span) for j in group)


@dataclass
class Encoded:
    """Tokenized sequences and where each item is read in them."""

    features: dict[str, list]
    """The tokenizer's output, one row per sequence (unpadded: batches are padded dynamically)."""
    targets: list[list[int]]
    """Per sequence, the indices of the items it classifies, in marker order."""
    positions: list[list[int]]
    """Per sequence, the token index each of those items is read at (0, [CLS], if it has no marker)."""


def encode_items(tokenizer, items: Sequence[Item], scheme: Scheme, max_length: int,
                 groups: Optional[Sequence[Hashable]] = None) -> Encoded:
    """Group (`group_items`: only items of one key in `groups` together), encode and tokenize `items`;
    each item appears in exactly one sequence."""
    sequences = group_items(items, scheme, groups)
    encoded = _tokenize(tokenizer, items, sequences, scheme, max_length)
    # A multi-target sequence cut by the token limit lost markers: its items are encoded one by one.
    cut = [r for r, targets in enumerate(encoded.targets) if len(targets) != len(encoded.positions[r])]
    if not cut:
        return encoded
    singles = _tokenize(tokenizer, items, [[i] for r in cut for i in encoded.targets[r]], scheme, max_length)
    dropped = set(cut)
    keep = [r for r in range(len(encoded.targets)) if r not in dropped]
    features = {key: [values[r] for r in keep] + singles.features[key] for key, values in encoded.features.items()}
    return Encoded(
        features,
        [encoded.targets[r] for r in keep] + singles.targets,
        [encoded.positions[r] for r in keep] + singles.positions,
    )


def _tokenize(tokenizer, items: Sequence[Item], groups: list[list[int]], scheme: Scheme, max_length: int) -> Encoded:
    segments = [_segments(items, group, scheme) for group in groups]
    if any(second is not None for _, second, _ in segments):
        # The names (second segment) are never truncated: a sequence whose names alone fill the window
        # is encoded again with its names cut (`short_names`), so that every item has a place.
        lengths = tokenizer([second or "" for _, second, _ in segments], add_special_tokens=False)["input_ids"]
        for g, ids in enumerate(lengths):
            if len(ids) + NAME_ROOM > max_length:
                short = [short_names(item, max_length) for item in items]
                segments[g] = _segments(short, groups[g], scheme)
    firsts = [first for first, _, _ in segments]
    seconds = [second for _, second, _ in segments]
    targets = [order for _, _, order in segments]
    if all(s is None for s in seconds):
        features = dict(tokenizer(firsts, truncation=True, max_length=max_length))
    else:
        features = dict(tokenizer(firsts, [s or "" for s in seconds], truncation="only_first", max_length=max_length))
    marker = tokenizer.convert_tokens_to_ids(TARGET_MARKERS[0])
    positions = []
    for ids, group in zip(features["input_ids"], targets):
        found = [p for p, token in enumerate(ids) if token == marker]
        # One item: read at its first marker (or [CLS] when truncation or the scheme left none).
        positions.append((found[:1] or [0]) if len(group) == 1 else found[: len(group)])
    return Encoded(features, targets, positions)


def _segments(items: Sequence[Item], group: list[int], scheme: Scheme) -> tuple[str, str | None, list[int]]:
    """The (first, second, item indices in marker order) of one sequence."""
    if scheme == MULTI:
        first, second, order = encode_multi([items[i] for i in group])
        return first, second, [group[k] for k in order]
    first, second = encode_pair(items[group[0]], scheme)
    return first, second, list(group)


def short_names(item: Item, max_length: int) -> Item:
    """`item` with target / holder names cut to a tenth of the window (at least 8 characters), so that
    they fit beside the text."""
    limit = max(8, max_length // 10)
    update = {}
    if item.target is not None and len(item.target) > limit:
        update["target"] = item.target[:limit]
    if item.holder is not None and len(item.holder) > limit:
        update["holder"] = item.holder[:limit]
    return item.model_copy(update=update) if update else item
