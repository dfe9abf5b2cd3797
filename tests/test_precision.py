"""Device and precision resolution (`stance.precision`) for each kind of machine, and the run estimate."""

from __future__ import annotations

import json

import pytest

from stance.precision import Hardware, detect_hardware, resolve_precision
from training.estimate import estimate_run

AVX512_BF16 = Hardware("Intel Xeon Platinum 8480+", "AVX512", cpu_bf16=True, cpu_vnni=True, threads=2)
AVX2 = Hardware("AMD EPYC", "AVX2", cpu_bf16=False, cpu_vnni=False, threads=2)
CUDA_BF16 = Hardware("AMD EPYC", "AVX2", False, False, 16, cuda=True, cuda_name="NVIDIA H200", cuda_bf16=True)
CUDA_FP32 = Hardware("AMD EPYC", "AVX2", False, False, 16, cuda=True, cuda_name="Tesla T4", cuda_bf16=False)


@pytest.mark.parametrize(
    "hardware, precision, device",
    [(AVX512_BF16, "bf16", "cpu"), (AVX2, "fp32", "cpu"), (CUDA_BF16, "bf16", "cuda"), (CUDA_FP32, "fp32", "cuda")],
)
def test_auto_picks_bf16_only_where_it_is_native(hardware, precision, device) -> None:
    choice = resolve_precision("auto", hardware)
    assert (choice.precision, choice.device, choice.warning) == (precision, device, None)
    assert ("not native" in choice.reason) == (precision == "fp32")


def test_bf16_requested_on_an_avx2_cpu_runs_but_warns_with_the_slowdown() -> None:
    choice = resolve_precision("bf16", AVX2)
    assert (choice.precision, choice.device) == ("bf16", "cpu")
    assert choice.warning.startswith("bf16 was requested but the CPU AMD EPYC (AVX2 (no native bf16, no VNNI)) has no native bf16")
    assert "emulated, about 20-60x slower per training step than fp32" in choice.warning
    assert 'Fix: set train.precision = "auto" (or "fp32")' in choice.warning


def test_bf16_requested_on_a_gpu_without_it_warns() -> None:
    choice = resolve_precision("bf16", CUDA_FP32)
    assert choice.device == "cuda" and "GPU Tesla T4 does not support it" in choice.warning


def test_explicit_fp32_is_kept_everywhere_and_cuda_can_be_declined() -> None:
    for hardware in (AVX512_BF16, AVX2, CUDA_BF16):
        choice = resolve_precision("fp32", hardware)
        assert (choice.precision, choice.warning) == ("fp32", None)
    assert resolve_precision("auto", CUDA_BF16, use_cuda=False).device == "cpu"
    assert resolve_precision("bf16", AVX512_BF16).warning is None


def test_unknown_precision_names_the_choices() -> None:
    with pytest.raises(ValueError, match=r"Unknown precision 'fp16': expected one of \['auto', 'bf16', 'fp32'\]"):
        resolve_precision("fp16", AVX2)


def test_this_machine_is_described_and_resolves(monkeypatch) -> None:
    hardware = detect_hardware()
    assert hardware.threads >= 1 and hardware.cpu_name
    assert resolve_precision("auto", hardware).precision == ("bf16" if hardware.cpu_bf16 or hardware.cuda_bf16 else "fp32")
    # Reproducing AVX2 kernels on a faster machine must also reproduce the precision choice.
    monkeypatch.setenv("ATEN_CPU_CAPABILITY", "avx2")
    assert detect_hardware().cpu_bf16 is False
    assert json.dumps(resolve_precision("auto", hardware).as_dict(hardware))  # what the run dir stores


def test_the_config_rejects_the_old_bf16_switch_with_the_replacement(tmp_path) -> None:
    from stance.errors import ConfigError
    from training.config import load_config

    path = tmp_path / "old.toml"
    path.write_text('[data]\ntrain = [{dataset = "d", split = "train"}]\ndev = []\n[train]\nbf16 = false\n')
    with pytest.raises(ConfigError, match=r'train.bf16 was replaced by train.precision \(found bf16 = False\). Fix: write train.precision = "fp32"'):
        load_config(path)


def test_estimate_adds_training_steps_and_evaluation_passes() -> None:
    estimate = estimate_run(1482, 1.8, 32, evaluations=3, eval_sequences=600, after_sequences=4000,
                            precision="fp32", device="cpu", threads=2, seconds_per_eval_sequence=0.03)
    assert estimate.train_minutes == pytest.approx(1482 * 1.8 / 60, abs=0.05)
    assert estimate.total_minutes == pytest.approx((1482 * 1.8 + 0.03 * (3 * 600 + 4000)) / 60, abs=0.05)
    assert estimate.line().startswith("Estimate: 1482 steps x 1.80 s/step = 44.5 min of training, + 3 dev evaluations")
    assert "precision fp32 on cpu, 2 threads" in estimate.line()
    guessed = estimate_run(100, 3.0, 32, 1, 320, 0, "bf16", "cpu", 2)
    assert not guessed.eval_measured and guessed.seconds_per_eval_sequence == pytest.approx(3.0 / 32 / 3, rel=1e-3)
