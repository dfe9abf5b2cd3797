"""ONNX export and int8 quantization at registration: files, dynamic shapes, fidelity, parity report."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from stance.encoding import encode_items
from stance.errors import StanceError
from stance.modeling import ModelSpec, build_model, load_model_dir
from stance.batching import pad_batch
from stance.model_dir import ONNX_FP32, ONNX_INT8, ONNX_REPORT
from training.onnx_export import export_and_quantize, int8_parity, run_onnx
from training.quantization import module_of
from stance.schema import Example, Item

SENTENCES = [
    "Iran praised its great ally China for the deal.",
    "Russia condemned the terrible attack by the United States on Tuesday, the minister said.",
    "China has talks in Moscow.",
]


@pytest.fixture(scope="module")
def exported(tiny_bert, tmp_path_factory):
    path = tmp_path_factory.mktemp("onnx") / "model"
    model, tokenizer = build_model(str(tiny_bert), ModelSpec.default("multi", "markers", 64, str(tiny_bert)))
    model.save(path, tokenizer)
    return path, export_and_quantize(path)


def batch_of(path, texts: list[str]) -> dict[str, np.ndarray]:
    _, tokenizer, spec = load_model_dir(path)
    items = [Item(text=t, target_span=(0, 4)) for t in texts]
    encoded = encode_items(tokenizer, items, spec.scheme, spec.max_length)
    return pad_batch(encoded.features, range(len(items)), tokenizer.pad_token_id)


def test_export_writes_both_graphs_and_a_report(exported) -> None:
    path, report = exported
    assert (path / ONNX_FP32).is_file() and (path / ONNX_INT8).is_file()
    assert json.loads((path / ONNX_REPORT).read_text()) == report
    assert report["fp32_max_abs_diff"] < 1e-4
    assert report["int8_probe_agreement"] == 1.0
    assert "per token" in report["quantization"]


@pytest.mark.parametrize("texts", [SENTENCES[:1], SENTENCES, SENTENCES * 3])
def test_graphs_take_any_batch_and_sequence_length(exported, texts) -> None:
    path, _ = exported
    model, _, _ = load_model_dir(path)
    batch = batch_of(path, texts)
    with torch.inference_mode():
        reference = model(**{k: torch.from_numpy(v) for k, v in batch.items()})["logits"].numpy()
    assert np.abs(run_onnx(path / ONNX_FP32, batch) - reference).max() < 1e-4
    assert np.abs(run_onnx(path / ONNX_INT8, batch) - reference).max() < 0.05


def test_int8_graph_keeps_only_the_most_sensitive_matmuls_in_float(exported) -> None:
    import onnx

    from training.quantization import KEEP_FP32

    path, report = exported
    graph = onnx.load(str(path / ONNX_INT8)).graph
    weights = {init.name for init in graph.initializer}
    float_matmuls = [
        n.name for n in graph.node if n.op_type == "MatMul" and n.input[1] in weights and n.name.startswith("/model/encoder/")
    ]
    # 2 layers x (Q, K, V, attention output, FFN in, FFN out), KEEP_FP32 of them kept in float
    assert [n.op_type for n in graph.node].count("MatMulIntegerToFloat") == report["int8_matmuls"] == 12 - KEEP_FP32
    assert len(float_matmuls) == KEEP_FP32
    assert sorted(module_of(name) for name in float_matmuls) == sorted(report["fp32_matmuls_kept"])


def test_int8_rows_do_not_depend_on_their_batch(exported) -> None:
    path, _ = exported
    alone = run_onnx(path / ONNX_INT8, batch_of(path, SENTENCES[:1]))[0]
    together = run_onnx(path / ONNX_INT8, batch_of(path, SENTENCES))[0]
    assert np.abs(alone - together[: len(alone)]).max() < 1e-4  # per-token scales: no cross-talk through a shared scale


def test_parity_report_on_labelled_examples(exported) -> None:
    path, _ = exported
    examples = [
        Example(id=str(i), text=t, target_span=(0, 4), task=task, label=label, dataset="toy", split="dev")
        for i, (t, task, label) in enumerate(
            [
                (SENTENCES[0], "stance", "favor"),
                (SENTENCES[1], "stance", "against"),
                (SENTENCES[2], "sentiment", "neutral"),
            ]
        )
    ]
    parity = int8_parity(path, examples)
    assert parity["n"] == 3 and 0.0 <= parity["agreement"] <= 1.0
    assert set(parity["f1m"]) == {"toy:dev:stance", "toy:dev:sentiment"}
    drops = [v["fp32"] - v["int8"] for v in parity["f1m"].values()]
    assert parity["passed"] == (parity["agreement"] >= 0.99 and sum(drops) / len(drops) <= 0.5 and max(drops) <= 1.0)


@pytest.mark.parametrize(
    ("agreement", "drops", "passed"),
    [
        (0.9922, [0.69, -0.29, 0.23], True),  # the fast model of 2026-12-02: noise on one 442-item set
        (0.9922, [1.2, -0.5, -0.5], False),  # one set falls by more than a point
        (0.9922, [0.6, 0.6, 0.6], False),  # the selection mean falls by more than 0.5
        (0.9890, [0.0, 0.0, 0.0], False),  # agreement below 99%
    ],
)
def test_the_parity_bar(agreement, drops, passed) -> None:
    from training.onnx_export import parity_passed

    assert parity_passed(agreement, drops) is passed


def test_an_export_that_does_not_match_pytorch_is_refused_and_removed(exported, tmp_path, monkeypatch) -> None:
    import training.onnx_export as onnx_export

    path, _ = exported
    copy = tmp_path / "model"
    shutil.copytree(path, copy, ignore=shutil.ignore_patterns("*.onnx", ONNX_REPORT))
    monkeypatch.setattr(onnx_export, "run_onnx", lambda p, batch: np.full((*batch["input_ids"].shape, 6), 9.0))
    with pytest.raises(StanceError, match=r"does not reproduce PyTorch.*backend='torch'"):
        export_and_quantize(copy)
    assert not (copy / ONNX_FP32).exists() and not (copy / ONNX_INT8).exists()


def test_register_stores_the_onnx_graphs_in_the_model_store(exported, bentoml_home, tmp_path) -> None:
    import bentoml

    from training.register import register

    path, _ = exported
    copy = tmp_path / "model"
    shutil.copytree(path, copy, ignore=shutil.ignore_patterns("*.onnx", ONNX_REPORT))
    tag = register(copy, "stance", {"name": "tiny"}, {"test": {}}, "abc")
    entry = bentoml.models.get(tag)
    assert {ONNX_FP32, ONNX_INT8, ONNX_REPORT} <= {p.name for p in Path(entry.path).iterdir()}
    assert entry.info.metadata["onnx"]["fp32_max_abs_diff"] < 1e-4


@pytest.mark.parametrize(
    "options", [{"levels": 63, "activation_levels": 255}, {"unsigned_weights": True, "activation_levels": 255}, {"activation_levels": 255}]
)
def test_int8_variants_for_cpus_without_vnni_compute_the_same_product(exported, tmp_path, options) -> None:
    from training.quantization import quantize_per_token

    path, _ = exported
    variant = tmp_path / "variant.onnx"
    assert quantize_per_token(path / ONNX_FP32, variant, **options) > 0
    batch = batch_of(path, SENTENCES)
    reference = run_onnx(path / ONNX_FP32, batch)
    assert np.abs(run_onnx(variant, batch) - reference).max() < 0.05


def test_the_registered_int8_graph_cannot_saturate_avx2_pair_sums(exported) -> None:
    """Activations in 0..127 times weights in -127..127: a pair of products fits int16 (AVX2 pmaddubsw)."""
    import onnx
    from onnx import numpy_helper

    from training.quantization import ACTIVATION_LEVELS

    path, _ = exported
    graph = onnx.load(str(path / ONNX_INT8)).graph
    constants = {init.name: numpy_helper.to_array(init) for init in graph.initializer}
    assert float(constants["q_u8_max"]) == ACTIVATION_LEVELS
    weights = [v for name, v in constants.items() if name.endswith("_w") and v.dtype == np.int8]
    assert weights and max(int(np.abs(w.astype(np.int32)).max()) for w in weights) <= 127
    assert 2 * ACTIVATION_LEVELS * 127 <= np.iinfo(np.int16).max
