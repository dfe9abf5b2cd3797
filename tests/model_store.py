"""A BentoML model store in a folder of the test's: what every store fixture points BentoML at."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest


@contextmanager
def model_store_at(home: Path) -> Iterator[Path]:
    """BENTOML_HOME = `home` (its `models/` created) for the block, then BentoML's own again.

    BentoML caches its home and store as singletons: both are pointed at `home`, then reset."""
    from bentoml._internal.configuration.containers import BentoMLContainer
    from bentoml._internal.models import ModelStore

    (home / "models").mkdir(parents=True, exist_ok=True)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BENTOML_HOME", str(home))
        BentoMLContainer.bentoml_home.set(str(home))
        BentoMLContainer.model_store.set(ModelStore(str(home / "models")))
        try:
            yield home
        finally:
            BentoMLContainer.model_store.reset()
            BentoMLContainer.bentoml_home.reset()
