"""The files of a model directory (a training run's `model/`, or a model-store entry).

`encoder/` (Hugging Face format, safetensors, with the tokenizer), `heads.safetensors` and `stance.json`
(the `ModelSpec`) are written by `StanceModel.save`; registration adds the ONNX graphs and their report
(`training.onnx_export`) and the int8 probe (`stance.int8_probe`). Only names live here, so that every
layer can find a file without importing the code that writes it.
"""

from __future__ import annotations

SPEC_FILE = "stance.json"
HEADS_FILE = "heads.safetensors"
ENCODER_DIR = "encoder"
ONNX_FP32 = "model.onnx"
ONNX_INT8 = "model.int8.onnx"
ONNX_REPORT = "onnx.json"
ONNX_FILES = {"onnx-int8": ONNX_INT8, "onnx-fp32": ONNX_FP32}
"""The graph each ONNX backend runs."""
