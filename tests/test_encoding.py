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


def test_literal_marker_text_cannot_forge_a_marker() -> None:
    first, _ = encode_pair(Item(text="They wrote [TGT] here about Iran", target_span=(28, 32)), "markers_pair")
    assert first.count("[TGT]") == 1 and "(TGT)" in first


def test_long_text_is_windowed_around_the_target() -> None:
    text = "x " * 2000 + "Iran" + " y" * 2000
    start = text.index("Iran")
    first, _ = encode_pair(Item(text=text, target_span=(start, start + 4)), "markers_pair", max_chars=200)
    assert "[TGT] Iran [/TGT]" in first and len(first) < 230


# --- multi: every target of a (statement, holder) in one sequence -------------------------------

from stance.encoding import MAX_TARGETS, encode_items, encode_multi, group_items  # noqa: E402

HOLDER = (7, 23)  # "defence minister"


def test_multi_marks_every_target_and_names_the_holder_once() -> None:
    items = [Item(text=TEXT, target_span=(55, 64), holder_span=HOLDER), Item(text=TEXT, target_span=(33, 37), holder_span=HOLDER)]
    first, second, order = encode_multi(items)
    assert first == (
        "Iran's [HLD] defence minister [/HLD] said the [TGT] U.S. [/TGT] assassination of [TGT] Soleimani [/TGT] "
        "was a great crime"
    )
    assert second == "[HLD] defence minister"
    assert order == [1, 0]  # markers from left to right: U.S. (item 1), then Soleimani (item 0)


def test_multi_puts_targets_not_in_the_text_in_the_second_segment() -> None:
    items = [Item(text=TEXT, target="Israel"), Item(text=TEXT, target_span=(33, 37))]
    first, second, order = encode_multi(items)
    assert first.count("[TGT]") == 1 and second == "[HLD] author [TGT] Israel"
    assert order == [1, 0]


def test_grouping_needs_the_same_text_and_holder_and_disjoint_spans() -> None:
    items = [
        Item(text=TEXT, target_span=(33, 37), holder_span=HOLDER),
        Item(text=TEXT, target_span=(55, 64), holder_span=HOLDER),
        Item(text=TEXT, target_span=(55, 64)),  # other holder (the author)
        Item(text=TEXT, target_span=(33, 50), holder_span=HOLDER),  # overlaps "U.S."
        Item(text=TEXT, target_span=(0, 4), holder_span=(0, 23)),  # target inside the holder: alone
        Item(text=TEXT + ".", target_span=(33, 37), holder_span=HOLDER),  # other text
    ]
    assert group_items(items, "multi") == [[0, 1], [3], [2], [4], [5]]
    assert group_items(items, "markers_pair") == [[i] for i in range(6)]


def test_groups_are_capped() -> None:
    text = " and ".join(["Iran"] * (MAX_TARGETS + 3))
    items = [Item(text=text, target_span=(i * 9, i * 9 + 4)) for i in range(MAX_TARGETS + 3)]
    assert [len(g) for g in group_items(items, "multi")] == [MAX_TARGETS, 3]


def test_encode_items_reads_each_item_at_its_own_marker(tiny_tokenizer) -> None:
    items = [
        Item(text=TEXT, target_span=(55, 64), holder_span=HOLDER),
        Item(text=TEXT, target="Israel", holder_span=HOLDER),
        Item(text=TEXT, target_span=(33, 37), holder_span=HOLDER),
    ]
    encoded = encode_items(tiny_tokenizer, items, "multi", 128)
    assert encoded.targets == [[2, 0, 1]]
    ids = encoded.features["input_ids"][0]
    marker = tiny_tokenizer.convert_tokens_to_ids("[TGT]")
    assert [ids[p] for p in encoded.positions[0]] == [marker] * 3
    assert encoded.positions[0] == sorted(encoded.positions[0])


def test_a_multi_sequence_cut_by_the_token_limit_falls_back_to_one_item_each(tiny_tokenizer) -> None:
    text = "Iran met " + "officials of many countries " * 6 + "and then Iraq."
    items = [Item(text=text, target_span=(0, 4)), Item(text=text, target_span=(text.index("Iraq"), text.index("Iraq") + 4))]
    encoded = encode_items(tiny_tokenizer, items, "multi", 24)
    assert sorted(encoded.targets) == [[0], [1]]
    assert all(len(p) == 1 for p in encoded.positions)
