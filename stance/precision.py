"""Which device and number format to compute in, decided from the hardware this process runs on.

bf16 halves the memory traffic of a matrix product and, on CPUs with native bf16 (AVX-512 BF16 or AMX),
runs it on dedicated instructions: training there is several times faster than in fp32. On a CPU
without them (AVX2 only, e.g. many AMD EPYC servers) PyTorch emulates bf16 and a training step becomes
about 35-60x slower than in fp32 on the same machine (docs/benchmarks.md). So `auto` means: bf16 where
it is native (a CPU with AVX-512 BF16/AMX, or a CUDA device that supports it), fp32 everywhere else.
Asking for bf16 where it is emulated is allowed (results are the same) but warned about.

`Hardware` is what was detected; `resolve_precision` is a pure function of it, so every case can be
tested without the machine.
"""

from __future__ import annotations

import logging
import os
import platform
from dataclasses import asdict, dataclass
from typing import Literal, Optional

import torch

logger = logging.getLogger(__name__)

Precision = Literal["auto", "bf16", "fp32"]
PRECISIONS: tuple[str, ...] = ("auto", "bf16", "fp32")
EMULATED_BF16_SLOWDOWN = "about 20-60x slower per training step than fp32 on the same CPU (38-113 s vs 1.77 s measured on a 2-core AVX2 AMD EPYC)"
"""Quoted in the warning; the measurement is in docs/benchmarks.md (Training, per precision and CPU class)."""


@dataclass(frozen=True)
class Hardware:
    """The compute this process sees."""

    cpu_name: str
    cpu_capability: str
    """PyTorch's kernel level: DEFAULT, AVX2, AVX512 (honours ATEN_CPU_CAPABILITY)."""
    cpu_bf16: bool
    """AVX-512 BF16 or AMX: bf16 products run natively."""
    cpu_vnni: bool
    """AVX-512 VNNI / AVX-VNNI: int8 products accumulate in int32 without saturation."""
    threads: int
    cuda: bool = False
    cuda_name: str = ""
    cuda_bf16: bool = False

    @property
    def cpu_class(self) -> str:
        """A short name for the CPU class numbers are recorded under, e.g. 'AVX2 (no native bf16, no VNNI)'."""
        if self.cpu_bf16:
            return "AVX-512 with native bf16" + (" and VNNI" if self.cpu_vnni else "")
        return f"{self.cpu_capability} (no native bf16{', VNNI' if self.cpu_vnni else ', no VNNI'})"


@dataclass(frozen=True)
class PrecisionChoice:
    """The resolved compute setting and why."""

    requested: str
    precision: str
    """bf16 or fp32."""
    device: str
    """cpu or cuda."""
    reason: str
    warning: Optional[str] = None

    def as_dict(self, hardware: Hardware) -> dict:
        """For logs, the run directory and model metadata (which takes no None values)."""
        fields = {key: value for key, value in asdict(self).items() if value is not None}
        return {**fields, "cpu": hardware.cpu_name, "cpu_class": hardware.cpu_class, "threads": hardware.threads,
                **({"gpu": hardware.cuda_name} if self.device == "cuda" else {})}


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def detect_hardware() -> Hardware:
    """What this process can compute on now."""
    cuda = torch.cuda.is_available()
    return Hardware(
        cpu_name=_cpu_name(),
        cpu_capability=torch.backends.cpu.get_cpu_capability(),
        cpu_bf16=cpu_bf16_native(),
        cpu_vnni=bool(torch.cpu._is_vnni_supported()),
        threads=torch.get_num_threads(),
        cuda=cuda,
        cuda_name=torch.cuda.get_device_name(0) if cuda else "",
        cuda_bf16=bool(cuda and torch.cuda.is_bf16_supported()),
    )


def cpu_bf16_native() -> bool:
    """True when the CPU runs bf16 matrix products natively (else autocast is slower, not faster).

    `ATEN_CPU_CAPABILITY=avx2` (used to reproduce AVX2 kernels on a faster machine) counts as no."""
    if os.environ.get("ATEN_CPU_CAPABILITY", "").lower() in ("avx2", "default"):
        return False
    return torch.backends.mkldnn.is_available() and (torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported())


def resolve_precision(requested: str, hardware: Hardware, use_cuda: bool = True) -> PrecisionChoice:
    """The device and precision for `requested` (auto | bf16 | fp32) on `hardware`.

    CUDA is used when present (unless `use_cuda` is False); `auto` picks bf16 only where it is native."""
    if requested not in PRECISIONS:
        raise ValueError(f"Unknown precision {requested!r}: expected one of {list(PRECISIONS)}.")
    if use_cuda and hardware.cuda:
        device, native, where = "cuda", hardware.cuda_bf16, f"GPU {hardware.cuda_name}"
    else:
        device, native, where = "cpu", hardware.cpu_bf16, f"CPU {hardware.cpu_name} ({hardware.cpu_class})"
    if requested == "fp32":
        return PrecisionChoice(requested, "fp32", device, f"fp32 requested; {where}")
    if requested == "auto":
        if native:
            return PrecisionChoice(requested, "bf16", device, f"bf16 is native on the {where}")
        return PrecisionChoice(requested, "fp32", device, f"bf16 is not native on the {where}: fp32")
    if native:
        return PrecisionChoice(requested, "bf16", device, f"bf16 requested; native on the {where}")
    warning = (
        f"bf16 was requested but the {where} has no native bf16: it is emulated, {EMULATED_BF16_SLOWDOWN}. "
        f"Fix: set train.precision = \"auto\" (or \"fp32\") unless you need bf16 numerics on this machine."
    )
    if device == "cuda":
        warning = f"bf16 was requested but the {where} does not support it. Fix: set train.precision = \"auto\" (or \"fp32\")."
    return PrecisionChoice(requested, "bf16", device, f"bf16 requested; emulated on the {where}", warning)


def choose_precision(requested: str, use_cuda: bool = True) -> tuple[PrecisionChoice, Hardware]:
    """`resolve_precision` on this machine; logs the choice and any warning."""
    hardware = detect_hardware()
    choice = resolve_precision(requested, hardware, use_cuda)
    logger.info("Precision %s on %s: %s (%d threads)", choice.precision, choice.device, choice.reason, hardware.threads)
    if choice.warning:
        logger.warning(choice.warning)
    return choice, hardware
