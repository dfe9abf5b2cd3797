"""`StanceClassifier`: backends, input order, micro-batching, long inputs, backend selection."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest
import torch

from stance.classifier import StanceClassifier
from stance.encoding import WINDOW_CHARS
from stance.errors import ModelNotFoundError
from stance.modeling import ModelSpec, build_model
from stance.model_dir import ONNX_INT8, ONNX_REPORT
from training.onnx_export import export_and_quantize
from stance.schema import Item

TEXTS = [
    ("Iran praised its great ally China for the deal.", (28, 33), (0, 4)),
    ("Russia condemned the terrible attack by the United States.", (44, 57), (0, 6)),
    ("The minister met Iran on Tuesday.", (17, 21), None),
    ("Iran is a good friend, he said.", (0, 4), None),
    ("The Kremlin was accused of a crime.", (4, 11), None),
    ("China has talks in Moscow.", (0, 5), None),
]


def items() -> list[Item]:
    out = [Item(text=t, target_span=span, holder_span=holder) for t, span, holder in TEXTS]
    out.append(Item(text="They said the sanctions were a crime.", target="United States", holder="Iran"))
    return out


def tiny_model_dir(tiny_bert, tmp_path_factory, scheme: str):
    """A tiny untrained model of `scheme` with its ONNX graphs (as registration writes them)."""
    path = tmp_path_factory.mktemp(f"classifier-{scheme}") / "model"
    model, tokenizer = build_model(str(tiny_bert), ModelSpec.default(scheme, "markers", 64, str(tiny_bert)))
    model.save(path, tokenizer)
    export_and_quantize(path)
    return path


@pytest.fixture(scope="module")
def model_dir(tiny_bert, tmp_path_factory):
    """One sequence per item (`markers_pair`, encoding version 1)."""
    return tiny_model_dir(tiny_bert, tmp_path_factory, "markers_pair")


@pytest.fixture(scope="module")
def multi_model_dir(tiny_bert, tmp_path_factory):
    """All targets of a statement and holder in one pass (`multi`, the default)."""
    return tiny_model_dir(tiny_bert, tmp_path_factory, "multi")


def shared_statement_items() -> list[Item]:
    """Items of which several share a statement and holder (one `multi` sequence each)."""
    text = "Iran praised China but condemned the United States and Russia."
    return [
        Item(text=text, target_span=(37, 50), holder_span=(0, 4)),
        Item(text=text, target_span=(13, 18), holder_span=(0, 4)),
        Item(text=text, target_span=(55, 61)),
        Item(text=text, target="Israel", holder_span=(0, 4)),
        *items(),
        Item(text=text, target_span=(55, 61), holder_span=(0, 4)),
    ]


def test_multi_reads_each_target_at_its_marker_in_one_pass(multi_model_dir) -> None:
    import torch

    from stance.encoding import encode_items
    from stance.modeling import load_model_dir

    model, tokenizer, spec = load_model_dir(multi_model_dir)
    batch = shared_statement_items()
    got = StanceClassifier(model, tokenizer, spec, bf16=False).logits(batch)
    encoded = encode_items(tokenizer, batch, spec.scheme, spec.max_length)
    assert sorted(len(t) for t in encoded.targets)[-1] == 4  # Iran on China, the U.S., Russia, Israel
    for row, targets in enumerate(encoded.targets):
        inputs = {k: torch.tensor([v[row]]) for k, v in encoded.features.items()}
        with torch.inference_mode():
            logits = model(**inputs, target_positions=torch.tensor([encoded.positions[row]]))["logits"][0]
        assert (got[targets] - logits).abs().max() < 1e-5


@pytest.mark.parametrize("backend", ["onnx-fp32", "onnx-int8"])
def test_multi_onnx_agrees_with_torch(multi_model_dir, backend) -> None:
    reference = StanceClassifier.from_path(multi_model_dir, backend="torch", bf16=False).logits(shared_statement_items())
    got = StanceClassifier.from_path(multi_model_dir, backend=backend, batch_size=2).logits(shared_statement_items())
    assert (got - reference).abs().max() < (1e-4 if backend == "onnx-fp32" else 0.05)


def test_multi_results_come_back_in_input_order(multi_model_dir) -> None:
    classifier = StanceClassifier.from_path(multi_model_dir, batch_size=2)
    batch = shared_statement_items()
    shuffled = list(range(len(batch)))
    random.Random(1).shuffle(shuffled)
    expected = classifier.logits(batch)
    assert (classifier.logits([batch[i] for i in shuffled]) - expected[shuffled]).abs().max() < 1e-5


@pytest.mark.parametrize("backend", ["torch", "onnx-fp32", "onnx-int8"])
def test_batched_and_one_by_one_predictions_match(model_dir, backend) -> None:
    classifier = StanceClassifier.from_path(model_dir, backend=backend, batch_size=3, bf16=False)
    batch = items()
    batched = classifier.logits(batch)
    for i, item in enumerate(batch):
        assert (classifier.logits([item])[0] - batched[i]).abs().max() < 1e-4


def test_results_come_back_in_input_order(model_dir) -> None:
    classifier = StanceClassifier.from_path(model_dir, batch_size=2)
    batch = items() * 3
    shuffled = list(range(len(batch)))
    random.Random(0).shuffle(shuffled)
    expected = classifier.predict(batch)
    got = classifier.predict([batch[i] for i in shuffled])
    assert got == [expected[i] for i in shuffled]


def test_predictions_carry_both_heads_with_probabilities(model_dir) -> None:
    classifier = StanceClassifier.from_path(model_dir)
    (prediction,) = classifier.predict(items()[:1])
    assert set(prediction.stance_probs) == {"against", "neutral", "favor"}
    assert prediction.stance == max(prediction.stance_probs, key=prediction.stance_probs.get)
    assert abs(sum(prediction.sentiment_probs.values()) - 1) < 1e-4
    assert classifier.predict([]) == []


def test_onnx_backends_agree_with_torch(model_dir) -> None:
    reference = StanceClassifier.from_path(model_dir, backend="torch", bf16=False).logits(items())
    fp32 = StanceClassifier.from_path(model_dir, backend="onnx-fp32").logits(items())
    int8 = StanceClassifier.from_path(model_dir, backend="onnx-int8").logits(items())
    assert (fp32 - reference).abs().max() < 1e-4
    assert (int8 - reference).abs().max() < 0.05


def test_statements_longer_than_the_window_are_classified(model_dir) -> None:
    filler = "The talks went on. " * 200
    text = filler + "Iran praised China. " + filler
    start = text.index("China")
    long_items = [
        Item(text=text, target_span=(start, start + 5), holder_span=(start - 13, start - 9)),
        Item(text=text, target="Iran"),
        Item(text="Short.", target="a very long name " * 40, holder="another long holder " * 30),
    ]
    assert len(text) > 10 * WINDOW_CHARS
    for backend in ("torch", "onnx-int8"):
        predictions = StanceClassifier.from_path(model_dir, backend=backend).predict(long_items)
        assert len(predictions) == 3


def test_auto_backend_is_int8_when_exported_else_torch(model_dir, tmp_path) -> None:
    assert StanceClassifier.from_path(model_dir).backend_name == "onnx-int8"
    plain = tmp_path / "plain"
    shutil.copytree(model_dir, plain, ignore=shutil.ignore_patterns("*.onnx", ONNX_REPORT))
    assert StanceClassifier.from_path(plain).backend_name == "torch"


def test_auto_backend_skips_int8_that_missed_the_parity_bar(model_dir, tmp_path) -> None:
    failed = tmp_path / "failed"
    shutil.copytree(model_dir, failed)
    report = json.loads((failed / ONNX_REPORT).read_text())
    report["int8_parity"] = {"agreement": 0.95, "passed": False}
    (failed / ONNX_REPORT).write_text(json.dumps(report))
    # never torch fp32 when the fp32 ONNX graph is there
    assert StanceClassifier.from_path(failed).backend_name == "onnx-fp32"
    assert StanceClassifier.from_path(failed, backend="onnx-int8").backend_name == "onnx-int8"


def probed_copy(model_dir, tmp_path, reference_dir, int8_dir=None) -> Path:
    """A copy of `model_dir` whose stored probe holds `reference_dir`'s int8 probabilities as the
    reference and, with `int8_dir`, that model's int8 probabilities as the ones seen at registration."""
    from stance.int8_probe import write_probe

    copy = tmp_path / f"probed-{reference_dir.name}-{int8_dir.name if int8_dir else 'none'}"
    shutil.copytree(model_dir, copy)
    probe = items()
    reference = StanceClassifier.from_path(reference_dir, backend="onnx-int8").probabilities(probe)
    int8 = StanceClassifier.from_path(int8_dir, backend="onnx-int8").probabilities(probe) if int8_dir else None
    write_probe(copy, probe, reference, made_with="test", int8_probs=int8)
    return copy


@pytest.fixture(scope="module")
def other_dir(model_dir, tmp_path_factory):
    """The model with other head weights, large enough to move every probability, exported."""
    from stance.modeling import load_model_dir

    other = tmp_path_factory.mktemp("other") / "other"
    model, tokenizer, _ = load_model_dir(model_dir)
    generator = torch.Generator().manual_seed(7)
    with torch.no_grad():
        model.head.weight.copy_(torch.randn(model.head.weight.shape, generator=generator))
    model.save(other, tokenizer)
    export_and_quantize(other)
    return other


def test_int8_that_reproduces_registration_is_served_though_its_fp32_agreement_is_low(model_dir, other_dir, tmp_path) -> None:
    """The CPU computes what registration measured (where parity passed): int8 holds here."""
    copy = probed_copy(model_dir, tmp_path, other_dir, int8_dir=model_dir)
    classifier = StanceClassifier.from_path(copy)
    assert classifier.backend_name == "onnx-int8"
    assert classifier.probe["reproduced"] and classifier.probe["int8_max_diff"] <= 1e-3
    assert classifier.probe["passed"] and classifier.probe["mean_drift"] > 0.02


def test_int8_that_does_not_reproduce_registration_needs_the_fp32_bar(model_dir, other_dir, tmp_path) -> None:
    copy = probed_copy(model_dir, tmp_path, other_dir, int8_dir=other_dir)
    classifier = StanceClassifier.from_path(copy)
    assert classifier.backend_name == "onnx-fp32"
    assert not classifier.probe["reproduced"] and not classifier.probe["passed"]


def test_auto_serves_int8_when_its_probe_agrees_on_this_cpu(model_dir, tmp_path) -> None:
    agreeing = probed_copy(model_dir, tmp_path, model_dir)
    classifier = StanceClassifier.from_path(agreeing)
    assert classifier.backend_name == "onnx-int8"
    assert classifier.probe["passed"] and classifier.probe["agreement"] == 1.0 and classifier.probe["checked"] == "onnx-int8"


def test_auto_falls_back_to_fp32_onnx_when_the_probe_was_made_with_other_weights(model_dir, other_dir, tmp_path, caplog) -> None:
    disagreeing = probed_copy(model_dir, tmp_path, other_dir)
    with caplog.at_level("WARNING", logger="stance.classifier"):
        classifier = StanceClassifier.from_path(disagreeing)
    assert classifier.backend_name == "onnx-fp32"
    assert not classifier.probe["passed"] and classifier.probe["mean_drift"] > 0.02
    assert "int8 probe failed on this CPU" in caplog.text and "serving onnx-fp32 instead" in caplog.text
    # asking for int8 explicitly is not second-guessed
    assert StanceClassifier.from_path(disagreeing, backend="onnx-int8").probe is None


def test_missing_onnx_file_names_the_fix(model_dir, tmp_path) -> None:
    plain = tmp_path / "plain"
    shutil.copytree(model_dir, plain, ignore=shutil.ignore_patterns(ONNX_INT8))
    with pytest.raises(ModelNotFoundError, match=r"needs model.int8.onnx.*python -m training.onnx_export"):
        StanceClassifier.from_path(plain, backend="onnx-int8")
    with pytest.raises(ValueError, match=r"Unknown backend 'tensorrt': expected one of \['auto', 'torch'"):
        StanceClassifier.from_path(model_dir, backend="tensorrt")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("encoding_version", 1, r"encoding version 1; this version of stance reads version 2 or later.*train it again"),
        ("pooling", "cls", r"pooling 'cls', an ablation-only option.*expected one of \['markers'\].*train it again"),
        ("scheme", "brackets", r"scheme 'brackets', an ablation-only option.*train it again"),
    ],
)
def test_models_the_runtime_no_longer_reads_are_refused_with_the_fix(multi_model_dir, tmp_path, field, value, message) -> None:
    old = tmp_path / "old"
    shutil.copytree(multi_model_dir, old)
    spec = json.loads((old / "stance.json").read_text())
    (old / "stance.json").write_text(json.dumps({**spec, field: value}))
    for backend in ("torch", "onnx-fp32"):
        with pytest.raises(ModelNotFoundError, match=message):
            StanceClassifier.from_path(old, backend=backend)


def test_repeated_items_are_read_alike(multi_model_dir) -> None:
    classifier = StanceClassifier.from_path(multi_model_dir, backend="torch", bf16=False)
    batch = shared_statement_items()
    twice = classifier.logits(batch + batch[:3])
    assert (twice[len(batch) :] - twice[:3]).abs().max() == 0
    assert (twice[: len(batch)] - classifier.logits(batch)).abs().max() < 1e-6
