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
    import bentoml
    from bentoml.exceptions import BentoMLException, NotFound

    tag = str(ref)
    try:
        return Path(bentoml.models.get(tag).path)
    except NotFound as err:
        known = [str(m.tag) for m in registered()]
        raise ModelNotFoundError(
            f"No model {tag!r} in the BentoML model store (BENTOML_HOME) and no such directory. "
            f"Models in the store: {known or 'none'}. {TRAIN_HINT}"
        ) from err
    except (BentoMLException, ValueError) as err:
        raise ModelNotFoundError(f"{tag!r} is neither a directory nor a valid model tag ({err}). {TRAIN_HINT}") from err


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
                "base_model": meta.get("base_model", ""),
                "test_f1m": meta.get("headline", {}),
            }
        )
    return rows
