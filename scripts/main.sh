#!/usr/bin/env bash
# The main job on a fresh machine: install, build the data, train and register the default model if
# the model store has none, then serve it over HTTP on localhost (Ctrl-C stops the server).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/env.sh
DATA_DIR=${STANCE_DATA_DIR:-../shared/data}
.venv/bin/stance train default.toml --if-missing --set "data.dir=\"$DATA_DIR\""
echo "The analysts' page: http://127.0.0.1:${STANCE_PORT:-3000}/ (the HTTP API's manual: /docs)"
STANCE_PRELOAD_ANALYZER=1 exec .venv/bin/bentoml serve stance.service:StanceService --host 127.0.0.1 --port "${STANCE_PORT:-3000}"
