#!/usr/bin/env bash
# Install (if needed), check the import layers and run the default test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/env.sh
# The import layers (pyproject.toml [tool.importlinter]): a broken contract fails the run.
.venv/bin/lint-imports --no-cache
exec .venv/bin/python -m pytest "$@"
