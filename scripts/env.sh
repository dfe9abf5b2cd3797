# Environment shared by the scripts: offline hub, no BentoML telemetry.
export HF_HUB_OFFLINE=1
export HF_DATASETS_OFFLINE=1
export TRANSFORMERS_NO_ADVISORY_WARNINGS=1
export BENTOML_DO_NOT_TRACK=true
export TOKENIZERS_PARALLELISM=false
