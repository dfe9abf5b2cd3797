"""Find stance models: a BentoML model-store tag (`stance:latest`, `stance:<version>`) or a directory."""

from __future__ import annotations

from pathlib import Path

from stance.errors import ModelNotFoundError

MODEL_NAME = "stance"
TRAIN_HINT = (
    "Fix: train and register one with `stance train` (see README), import one with "
    "`bentoml models import FILE`, or pass the `model/` folder of a training run."
)


def resolve_model_path(ref: str | Path) -> Path:
    """The directory of model `ref`: an existing path as is, else the model-store entry for the tag."""
    path = Path(ref).expanduser()
    if path.is_dir():
        return path
    return Path(store_entry(str(ref)).path)


def store_entry(tag: str):
    """The model-store entry of `tag`: `name:version`, `name:latest`, or `name:<tier>` (the newest model
    registered with that tier label, e.g. `stance:accurate`)."""
    import bentoml
    from bentoml.exceptions import BentoMLException, NotFound

    try:
        return bentoml.models.get(tier_tag(tag))
    except NotFound as err:
        known = [f"{m.tag} ({m.info.labels.get('tier', 'no tier')})" for m in registered()]
        raise ModelNotFoundError(
            f"No model {tag!r} in the BentoML model store (BENTOML_HOME), no model of tier "
            f"{tag.partition(':')[2]!r}, and no such directory. Models in the store: {known or 'none'}. {TRAIN_HINT}"
        ) from err
    except (BentoMLException, ValueError) as err:
        raise ModelNotFoundError(f"{tag!r} is neither a directory nor a valid model tag ({err}). {TRAIN_HINT}") from err


def tier_tag(tag: str) -> str:
    """`name:<tier>` as the tag of the newest `name` model registered with that tier label (e.g.
    `stance:accurate` -> `stance:<version>`); a tag that names a version, `latest`, or no known tier unchanged."""
    import bentoml
    from bentoml.exceptions import BentoMLException, NotFound

    name, _, version = tag.partition(":")
    if not version or version == "latest":
        return tag
    try:
        bentoml.models.get(tag)
        return tag
    except (NotFound, BentoMLException, ValueError):
        of_tier = [m for m in registered(name) if m.info.labels.get("tier") == version]
        return str(of_tier[0].tag) if of_tier else tag


def load(ref: str | Path = f"{MODEL_NAME}:latest"):
    """Load a stance model from a tag or a path: returns (model, tokenizer, spec)."""
    from stance.modeling import load_model_dir

    return load_model_dir(resolve_model_path(ref))


def registered(name: str = MODEL_NAME) -> list:
    """The model-store entries named `name`, newest first (empty when there are none)."""
    import bentoml
    from bentoml.exceptions import NotFound

    try:
        models = bentoml.models.list(name)
    except NotFound:
        return []
    return sorted(models, key=lambda m: m.info.creation_time, reverse=True)


def list_models(name: str = MODEL_NAME) -> list[dict]:
    """The registered models, newest first, with their creation time and headline test metrics."""
    rows = []
    for model in registered(name):
        meta = model.info.metadata
        rows.append(
            {
                "tag": str(model.tag),
                "created": model.info.creation_time.isoformat(timespec="seconds"),
                "tier": model.info.labels.get("tier", ""),
                "base_model": meta.get("base_model", ""),
                "test_f1m": meta.get("headline", {}),
            }
        )
    return rows
