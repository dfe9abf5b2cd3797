"""The dataset readers by name: each module `training.datasets.<name>` has `read(root) -> ReadResult`.

Modules are imported when a reader is first used, so one reader that is missing or broken does not
stop the others (or `import training.datasets`) from working.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Callable

from stance.errors import DataError
from training.datasets.base import ReadResult

Reader = Callable[[Path], ReadResult]

MODULES: dict[str, str] = {
    "newsmtsc": "newsmtsc",
    "directed_sentiment_news": "directed",
    "pstance": "pstance",
    "vast": "vast",
    "ibm_claim_stance": "ibm_claim_stance",
    "persent": "persent",
    "stance_news": "stance_news",
}
"""Dataset name -> module name under training.datasets."""

DATASETS: tuple[str, ...] = tuple(MODULES)


def reader(name: str) -> Reader:
    """Import the reader module of dataset `name` and return its `read` function."""
    if name not in MODULES:
        raise DataError(
            f"Unknown dataset {name!r}: expected one of {sorted(MODULES)}. Fix: use one of these "
            f"names, or add a reader module under training/datasets/ and register it in MODULES."
        )
    module_name = f"training.datasets.{MODULES[name]}"
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as err:
        if err.name != module_name:
            raise  # a dependency of the reader is missing: show the real error
        raise DataError(
            f"Dataset {name!r}: its reader module {module_name} is not installed. Expected the file "
            f"training/datasets/{MODULES[name]}.py. Fix: update your checkout of the project."
        ) from err
    read: Reader = module.read
    return read


def _lazy(name: str) -> Reader:
    """A read function that imports the real reader on its first call."""

    def read(root: Path) -> ReadResult:
        return reader(name)(root)

    read.__name__ = read.__qualname__ = f"read_{name}"
    read.__doc__ = f"Read dataset {name!r} from `root`; see training.datasets.{MODULES[name]}.read."
    return read


READERS: dict[str, Reader] = {name: _lazy(name) for name in DATASETS}
"""Dataset name -> read function; each imports its module only when called."""
