from __future__ import annotations

import pytest
from pydantic import ValidationError

from stance.errors import InputError
from stance.schema import Example, Item, read_examples


def test_span_outside_text_names_the_field_and_fix() -> None:
    with pytest.raises(ValidationError, match=r"target_span \[3, 40\] is outside the text.*Fix"):
        Item(text="short text", target_span=(3, 40))


def test_missing_target_is_explained() -> None:
    with pytest.raises(ValidationError, match="target is missing"):
        Item(text="short text")


def test_unknown_label_lists_the_valid_ones() -> None:
    with pytest.raises(ValidationError, match=r"'great' is not a stance label.*'against', 'neutral', 'favor'"):
        Example(id="1", text="t", target="x", task="stance", label="great", dataset="d", split="s")


def test_read_examples_reports_file_and_line(tmp_path) -> None:
    good = Example(id="1", text="Iran said", target_span=(0, 4), task="sentiment", label="neutral", dataset="d", split="s")
    path = tmp_path / "x.jsonl"
    path.write_text(good.model_dump_json() + "\n" + '{"id": "2"}\n')
    with pytest.raises(InputError, match=r"x.jsonl, line 2: not a valid example"):
        read_examples(path)
