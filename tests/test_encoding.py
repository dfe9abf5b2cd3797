from __future__ import annotations

from stance.encoding import encode_pair
from stance.schema import Item

TEXT = "Iran's defence minister said the U.S. assassination of Soleimani was a great crime"


def test_markers_pair_marks_target_and_holder() -> None:
    item = Item(text=TEXT, target_span=(33, 37), holder_span=(7, 23))
    first, second = encode_pair(item, "markers_pair")
    assert first == "Iran's [HLD] defence minister [/HLD] said the [TGT] U.S. [/TGT] assassination of Soleimani was a great crime"
    assert second == "[TGT] U.S. [HLD] defence minister"


def test_unknown_holder_is_the_author() -> None:
    _, second = encode_pair(Item(text=TEXT, target_span=(0, 4)), "markers_pair")
    assert second == "[TGT] Iran [HLD] author"


def test_target_by_name_only_goes_to_second_segment() -> None:
    first, second = encode_pair(Item(text="Build the wall!", target="Donald Trump"), "markers_pair")
    assert first == "Build the wall!"
    assert second == "[TGT] Donald Trump [HLD] author"


def test_overlapping_holder_is_dropped_not_crossed() -> None:
    first, _ = encode_pair(Item(text=TEXT, target_span=(0, 4), holder_span=(0, 23)), "markers_pair")
    assert first.startswith("[TGT] Iran [/TGT]'s defence")
    assert "[HLD]" not in first


def test_brackets_scheme_is_the_plain_baseline() -> None:
    first, second = encode_pair(Item(text=TEXT, target_span=(33, 37)), "brackets")
    assert "the [ U.S. ] assassination" in first and second is None


def test_literal_marker_text_cannot_forge_a_marker() -> None:
    first, _ = encode_pair(Item(text="They wrote [TGT] here about Iran", target_span=(28, 32)), "markers_pair")
    assert first.count("[TGT]") == 1 and "(TGT)" in first


def test_long_text_is_windowed_around_the_target() -> None:
    text = "x " * 2000 + "Iran" + " y" * 2000
    start = text.index("Iran")
    first, _ = encode_pair(Item(text=text, target_span=(start, start + 4)), "markers_pair", max_chars=200)
    assert "[TGT] Iran [/TGT]" in first and len(first) < 230
