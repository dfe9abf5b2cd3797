"""`ActorGazetteer`: canonical actors and every surface form that names them.

The gazetteer is a YAML (or JSON) file with an `actors:` list; each entry has an `id`, `name`,
`type` and optional `aliases`, `demonyms`, `capital`, `metonyms` and `ambiguous_aliases`. Matching
is case-sensitive; multi-word forms also match in headline case ("Biden Administration"). A surface form starting with "the " is matched without it ("the Kremlin" →
"Kremlin"), so the mention is the same whether or not a sentence starts with "The". Demonyms also
match their plural ("Iranian" → "Iranians"). Ambiguous aliases ("US", "IS") match only where spaCy
tags an entity and the sentence is not written in capitals (a headline "US TROOPS LEAVE" says nothing).
Users add actors, or restrict the output to theirs, with the same format (`user_actors`).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Iterable, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from stance.errors import InputError

ActorType = Literal["person", "state", "organisation", "group", "place"]
DEFAULT_PATH = Path(__file__).resolve().parent / "gazetteer.yaml"
"""The gazetteer shipped inside the package (package data: installed with the wheel and put in the Bento)."""
SurfaceKind = Literal["name", "alias", "demonym", "capital", "metonym", "ambiguous"]
_NO_PLURAL = re.compile(r"(s|sh|ch|ese|x|z)$")


def slugify(name: str) -> str:
    """Lower-case, hyphen-separated ASCII id part: "Sauli Niinistö" → "sauli-niinisto"."""
    import unicodedata

    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower().replace("'", "")).strip("-") or "unnamed"


class ActorEntry(BaseModel):
    """One canonical actor as written in a gazetteer or a user's actor list."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field("", description="Stable id (lowercase-hyphen); derived from the name when empty.")
    name: str = Field(min_length=1, description="Canonical display name.")
    type: ActorType = Field("group", description="person, state, organisation, group or place.")
    aliases: list[str] = Field(default_factory=list, description="Other names, matched case-sensitively.")
    demonyms: list[str] = Field(default_factory=list, description="Demonyms and adjective forms (Iranian).")
    capital: Optional[str] = Field(None, description="Capital city, used as a metonym (Tehran).")
    metonyms: list[str] = Field(default_factory=list, description="Metonyms (the Kremlin, the Islamic Republic).")
    ambiguous_aliases: list[str] = Field(
        default_factory=list, description="Aliases that are also common words (US, IS): matched only as entities."
    )
    code: Optional[str] = Field(
        None, pattern=r"^[A-Z]{3}[A-Z0-9]{0,9}$",
        description="Event-data code: a state's ISO 3166-1 alpha-3 (IRN), or any code of your coding scheme in "
        "capitals (NATO, IGOUNO).",
    )

    def model_post_init(self, _context) -> None:
        if not self.id:
            self.id = (f"person:{slugify(self.name)}" if self.type == "person" else slugify(self.name))

    def surfaces(self) -> Iterable[tuple[str, SurfaceKind]]:
        """Every surface form with its kind: name, aliases, demonyms (+ plurals), capital, metonyms."""
        yield self.name, "name"
        for alias in self.aliases:
            yield alias, "alias"
        for demonym in self.demonyms:
            yield demonym, "demonym"
            if not _NO_PLURAL.search(demonym):
                yield demonym + "s", "demonym"
        if self.capital:
            yield self.capital, "capital"
        for metonym in self.metonyms:
            yield metonym, "metonym"


class ActorFile(BaseModel):
    model_config = ConfigDict(extra="allow")  # files may carry a version, source notes ...

    actors: list[ActorEntry]


def _strip_article(surface: str) -> str:
    return surface[4:] if surface[:4] in ("the ", "The ") and len(surface) > 4 else surface


_SMALL_WORDS = frozenset({"of", "the", "and", "for", "in", "on", "de", "al", "el", "bin", "ibn"})


def _headline_case(surface: str) -> str:
    """`surface` with its lower-case words capitalised, as headlines and titles write names."""
    words = surface.split(" ")
    if len(words) < 2:
        return surface
    return " ".join(w[:1].upper() + w[1:] if w[:1].islower() and w not in _SMALL_WORDS else w for w in words)


class ActorGazetteer:
    """Actors by id, and lookup tables from surface form to (actor id, kind)."""

    def __init__(self, entries: Iterable[ActorEntry]) -> None:
        self.actors: dict[str, ActorEntry] = {}
        for entry in entries:
            self.add(entry)

    def add(self, entry: ActorEntry) -> None:
        """Add an actor; an existing id gains the new entry's surface forms (user lists extend ours)."""
        known = self.actors.get(entry.id)
        if known is None:
            self.actors[entry.id] = entry.model_copy(deep=True)
            return
        for key in ("aliases", "demonyms", "metonyms", "ambiguous_aliases"):
            merged = list(dict.fromkeys([*getattr(known, key), *getattr(entry, key)]))
            setattr(known, key, merged)
        if entry.code:  # a user list may code an actor of ours in its own scheme
            known.code = entry.code

    def surface_table(self) -> dict[str, tuple[str, SurfaceKind]]:
        """Unambiguous surface → (actor id, kind); the first actor listed wins a shared surface."""
        table: dict[str, tuple[str, SurfaceKind]] = {}
        for entry in self.actors.values():
            for surface, kind in entry.surfaces():
                table.setdefault(_strip_article(surface.strip()), (entry.id, kind))
        for surface, value in list(table.items()):
            table.setdefault(_headline_case(surface), value)  # "Biden administration" → "Biden Administration"
        return table

    def ambiguous_table(self) -> dict[str, str]:
        """Ambiguous alias → actor id."""
        return {alias: e.id for e in self.actors.values() for alias in e.ambiguous_aliases}

    @classmethod
    def from_file(cls, path: Path | str) -> "ActorGazetteer":
        """Load a gazetteer / actor list (YAML or JSON); a bad file raises InputError naming it."""
        return cls(read_actor_file(Path(path)))

    @classmethod
    def default(cls) -> "ActorGazetteer":
        """The gazetteer shipped with the package (`DEFAULT_PATH`)."""
        if not DEFAULT_PATH.is_file():
            raise InputError(
                f"The shipped actor gazetteer {DEFAULT_PATH} is missing: expected it as package data of "
                f"stance. Fix: reinstall the package (`pip install .`), or pass a gazetteer file explicitly."
            )
        return cls.from_file(DEFAULT_PATH)


def read_actor_file(path: Path) -> list[ActorEntry]:
    """Actor entries from a YAML/JSON file holding `actors: [...]` or a bare list."""
    import yaml

    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise InputError(f"Actor file {path} does not exist. Fix: pass the path of a YAML or JSON actor list.") from err
    except (yaml.YAMLError, UnicodeDecodeError) as err:
        raise InputError(f"Actor file {path} is not valid UTF-8 YAML/JSON: {err}") from err
    return parse_actor_entries(raw, str(path))


def parse_actor_entries(raw: object, where: str = "actors") -> list[ActorEntry]:
    """Validate a decoded actor list (`{"actors": [...]}` or `[...]`); raise InputError naming bad entries."""
    if isinstance(raw, list):
        raw = {"actors": raw}
    try:
        return ActorFile.model_validate(raw).actors
    except ValidationError as err:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in err.errors()[:5])
        raise InputError(
            f"{where}: not a valid actor list ({problems}). Expected `actors:` followed by entries with "
            f"name (required), id, type (one of person|state|organisation|group|place), aliases, demonyms, "
            f"capital, metonyms. Example: {json.dumps({'actors': [{'name': 'Hamas', 'type': 'group'}]})}"
        ) from err
