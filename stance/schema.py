"""The one example schema every dataset reader produces and every model consumes.

An `Item` is what inference takes: a statement, a target actor (a character span in the text, or a
name when the target is not in the text) and optionally the holder whose view is expressed (a span,
a name, or unknown = the author). An `Example` is an `Item` with its gold label and provenance.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from pydantic import BaseModel, ConfigDict, Field, model_validator

from stance.labels import LABEL_SETS, Task

AUTHOR = "author"
"""The holder when none is named: the text's author (the model reads this word as the holder's name;
article analysis uses it as the holder id of statements the text attributes to nobody)."""

Span = tuple[int, int]


def _check_span(text: str, span: Optional[Span], role: str) -> None:
    if span is None:
        return
    start, end = span
    if not 0 <= start < end <= len(text):
        raise ValueError(
            f"{role}_span {list(span)} is outside the text: expected 0 <= start < end <= {len(text)} "
            f"(the text's length). Fix: give character offsets into the text, end exclusive, or "
            f"give only {role} (a name) when the {role} is not in the text."
        )


class Item(BaseModel):
    """One (statement, target, holder) to classify."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    text: str = Field(min_length=1, description="The statement: a sentence or short passage.")
    target: Optional[str] = Field(
        None, description="The target actor's name. Defaults to the text at target_span."
    )
    target_span: Optional[Span] = Field(
        None, description="Character offsets [start, end) of the target mention in the text."
    )
    holder: Optional[str] = Field(
        None, description="The actor whose view is expressed; unset means the author."
    )
    holder_span: Optional[Span] = Field(
        None, description="Character offsets [start, end) of the holder mention in the text."
    )

    @model_validator(mode="after")
    def _spans_fit(self) -> "Item":
        if self.target is None and self.target_span is None:
            raise ValueError(
                "target is missing: expected a target name (target) or a character span "
                "(target_span). Fix: name the actor the stance is about."
            )
        _check_span(self.text, self.target_span, "target")
        _check_span(self.text, self.holder_span, "holder")
        return self

    @property
    def target_name(self) -> str:
        """The target as a name: `target`, else the text at `target_span`."""
        if self.target is not None:
            return self.target
        start, end = self.target_span  # type: ignore[misc]
        return self.text[start:end]

    @property
    def holder_name(self) -> Optional[str]:
        """The holder as a name, or None when the holder is the author / unknown."""
        if self.holder is not None:
            return self.holder
        if self.holder_span is None:
            return None
        return self.text[self.holder_span[0] : self.holder_span[1]]


class Example(Item):
    """A labelled item with its provenance, as written by `stance data build`."""

    id: str = Field(min_length=1)
    task: Task
    label: str
    dataset: str
    split: str

    @model_validator(mode="after")
    def _label_known(self) -> "Example":
        labels = LABEL_SETS[self.task]
        if self.label not in labels:
            raise ValueError(
                f"label {self.label!r} is not a {self.task} label: expected one of {list(labels)}."
            )
        return self

    def item(self) -> Item:
        """The unlabelled part, as inference sees it."""
        return Item(**self.model_dump(include=set(Item.model_fields)))


def read_examples(path: Path) -> list[Example]:
    """Read a JSONL file of `Example`s (one JSON object a line); a bad line raises InputError naming it."""
    from pydantic import ValidationError

    from stance.errors import InputError

    examples = []
    with open(path, encoding="utf-8") as handle:
        for line_no, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                examples.append(Example.model_validate_json(line))
            except ValidationError as err:
                problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'row'}: {e['msg']}" for e in err.errors())
                raise InputError(
                    f"{path}, line {line_no}: not a valid example ({problems}). Expected one JSON object a "
                    f"line with fields {sorted(Example.model_fields)}; fix or remove that line."
                ) from err
    return examples
