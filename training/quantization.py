"""int8 quantization of the exported graph: per-channel int8 weights, per-token 7-bit activations.

ONNX Runtime's `quantize_dynamic` quantizes each MatMul's activations with ONE scale per tensor. In a
BERT encoder a few tokens and channels are far larger than the rest, so one scale per batch leaves the
other values a handful of levels: on NewsMTSC test-rw that changed 3.4% of the default model's labels
(parity bar: at most 1%, docs/benchmarks.md). Here each weight MatMul (Q, K, V, attention output, FFN)
becomes

    x ──Reshape[M,K]──▶ per-row min/max ──▶ QuantizeLinear(axis=0) ──▶ MatMulIntegerToFloat(x_u8, W_s8)
                                                                         − zero_point·scale ⊗ colsum(W)·w_scale

i.e. each token row gets its own scale and zero point (asymmetric, values 0..127) and each output
channel of W its own scale (symmetric int8, -127..127). The products run on ONNX Runtime's u8s8
integer GEMM; the extra per-row work is a few passes over vectors. A row's result does not depend on
the other rows of its batch.

Why 7-bit activations: without VNNI (AVX2 only) the u8s8 kernel adds pairs of u8 x s8 products in
int16 with saturation (`pmaddubsw`); with activations up to 255 a pair reaches 2 x 255 x 127 = 64770
and is clipped, so the same graph gave other labels on AVX2 machines than on VNNI ones (97.58% vs
99.62% agreement with fp32). With activations up to 127 a pair is at most 2 x 127 x 127 = 32258: no
kernel saturates, every CPU computes the same numbers, and the parity registration measures holds
wherever the model is served. Measured on the AVX2 machine (docs/benchmarks.md): 99.62% agreement,
the same as the exact u8 x u8 kernel and faster than it; 7-bit *weights* (ONNX Runtime's
`reduce_range`) lose more (99.11%).

Which MatMul stays fp32 is measured, not guessed: `sensitivity` runs the PyTorch model on a probe batch
with one Linear at a time in simulated int8 (the same arithmetic), and the most sensitive ones (`KEEP_FP32`) keep
their float weights (in the default MiniLM model the first is the first layer's FFN output, which
carries the outlier activations). Attention scores, softmax, LayerNorm and GELU stay fp32.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np
import torch

MS_DOMAIN = "com.microsoft"
KEEP_FP32 = 3
"""How many of the most sensitive MatMuls keep float weights (the parity/speed trade-off: docs/benchmarks.md;
with the stance_news default, 1 kept gave 98.80% agreement on its dev sets, 3 kept 99.22%)."""
ACTIVATION_LEVELS = 127
"""Activation rows are quantized to 0..ACTIVATION_LEVELS: 127 keeps AVX2's int16 pair sums exact (above)."""


ENCODER_PREFIX = "/model/encoder/"


def weight_matmuls(fp32_path: Path) -> list[str]:
    """Names of the encoder's MatMul nodes with a 2-D weight initializer (what `quantize_per_token`
    rewrites). The heads' few products stay in float."""
    import onnx

    graph = onnx.load(str(fp32_path), load_external_data=False).graph
    weights = {init.name: init for init in graph.initializer}
    return [node.name for node in graph.node if _rewritable(node, weights)]


def _rewritable(node, weights: dict) -> bool:
    """An encoder MatMul whose second input is a 2-D weight initializer."""
    weight = weights.get(node.input[1]) if node.op_type == "MatMul" else None
    return weight is not None and len(weight.dims) == 2 and node.name.startswith(ENCODER_PREFIX)


def module_of(node_name: str) -> str:
    """The PyTorch module a TorchScript-exported MatMul came from: '/model/a/b/MatMul' -> 'a.b'."""
    return node_name.removeprefix("/model/").rsplit("/", 1)[0].replace("/", ".")


def _int8_rows(x: torch.Tensor, levels: int = ACTIVATION_LEVELS) -> torch.Tensor:
    """Round trip through per-row asymmetric 0..levels, as the rewritten graph does."""
    lo, hi = x.amin(-1, keepdim=True).clamp(max=0), x.amax(-1, keepdim=True).clamp(min=0)
    scale = ((hi - lo) / levels).clamp_min(1e-8)
    zero = torch.round(-lo / scale)
    return (torch.clamp(torch.round(x / scale) + zero, 0, levels) - zero) * scale


def _int8_weight(weight: np.ndarray, axis: int, levels: int = 127) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric int8 of `weight` with one scale per output channel (`axis` is the input axis, which the
    scale is constant along), values in [-levels, levels]: (int8 values as float, scales). 63 levels
    (7 bits) keep AVX2's int16 pair sums (255 x 63 x 2 < 32767) from saturating."""
    scale = np.abs(weight).max(axis=axis, keepdims=True) / levels
    scale[scale == 0] = 1.0
    return np.clip(np.round(weight / scale), -levels, levels), scale


@torch.inference_mode()
def sensitivity(model: torch.nn.Module, batch: dict[str, np.ndarray], node_names: Sequence[str]) -> dict[str, float]:
    """Mean |logit change| on `batch` when only the Linear behind each node runs in int8."""
    inputs = {k: torch.from_numpy(v) for k, v in batch.items()}
    reference = model(**inputs)["logits"]
    out = {}
    for name in node_names:
        linear = model.get_submodule(module_of(name))
        values, scale = _int8_weight(linear.weight.numpy(), axis=1)  # torch stores [out, in]
        weight = torch.from_numpy((values * scale).astype(np.float32))
        original = linear.forward
        linear.forward = lambda x, linear=linear, weight=weight: torch.nn.functional.linear(
            _int8_rows(x), weight, linear.bias
        )
        try:
            out[name] = float((model(**inputs)["logits"] - reference).abs().mean())
        finally:
            linear.forward = original
    return out


def most_sensitive(scores: dict[str, float], count: int = KEEP_FP32) -> list[str]:
    """The `count` nodes whose int8 error moves the logits most."""
    return sorted(scores, key=scores.get, reverse=True)[:count]


def quantize_per_token(
    fp32_path: Path,
    out: Path,
    keep_fp32: Sequence[str] = (),
    levels: int = 127,
    unsigned_weights: bool = False,
    activation_levels: int = ACTIVATION_LEVELS,
) -> int:
    """Write the int8 version of the ONNX model at `fp32_path` to `out`; return how many MatMuls changed.

    MatMul nodes named in `keep_fp32`, and those outside the encoder (the heads), stay in fp32. `levels`:
    weight values in [-levels, levels]; `unsigned_weights`: store them as uint8 with zero point 128, so
    that ONNX Runtime runs its u8 x u8 kernels (exact int32 sums on AVX2) instead of u8 x s8;
    `activation_levels`: activation rows in [0, activation_levels] (127, the default: 7-bit
    activations, whose products with 8-bit weights cannot saturate AVX2's int16 pair sums; 255: the
    full uint8 range, exact only on VNNI and u8 x u8 kernels)."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(fp32_path))
    graph = model.graph
    weights = {init.name: init for init in graph.initializer}
    constants = _Constants(activation_levels)
    nodes, changed = [], 0
    quantized: dict[str, str] = {}  # input tensor -> prefix of its quantized rows (Q, K, V share one input)
    for node in graph.node:
        if not _rewritable(node, weights) or node.name in keep_fp32:
            nodes.append(node)
            continue
        weight = weights[node.input[1]]
        x = node.input[0]
        if x not in quantized:
            quantized[x] = f"x{len(quantized)}_"
            nodes += _quantized_rows(x, weight.dims[0], quantized[x], constants)
        values = numpy_helper.to_array(weight).astype(np.float32)
        nodes += _int8_product(node, values, quantized[x], f"q{changed}_", constants, levels, unsigned_weights)
        changed += 1
    del graph.node[:]
    graph.node.extend(nodes)
    graph.initializer.extend(constants.tensors)
    used = {name for node in graph.node for name in node.input}
    kept = [init for init in graph.initializer if init.name in used]  # drop the fp32 weights
    del graph.initializer[:]
    graph.initializer.extend(kept)
    if not any(opset.domain == MS_DOMAIN for opset in model.opset_import):
        model.opset_import.append(onnx.helper.make_opsetid(MS_DOMAIN, 1))
    onnx.save(model, str(out))
    return changed


class _Constants:
    """Initializers added by the rewrite, shared ones created once."""

    def __init__(self, activation_levels: int = ACTIVATION_LEVELS) -> None:
        from onnx import numpy_helper

        self._from_array = numpy_helper.from_array
        self.tensors: list = []
        for name, value in (
            ("zero", np.array(0, np.float32)),
            ("u8_max", np.array(activation_levels, np.float32)),
            ("eps", np.array(1e-8, np.float32)),
            ("first", np.array([0], np.int64)),
            ("last", np.array([-1], np.int64)),
        ):
            self.add(f"q_{name}", value)

    def add(self, name: str, value: np.ndarray) -> str:
        self.tensors.append(self._from_array(np.asarray(value), name))
        return name


def _quantized_rows(x: str, k: int, p: str, c: _Constants) -> list:
    """Nodes quantizing the rows of `x` ([..., k]) to uint8 over each row's own range: outputs p+'x_u8'
    [M, k], p+'scale' and p+'zp_scaled' (zero point x scale) [M, 1], p+'lead' (x's shape without k)."""
    from onnx import TensorProto
    from onnx.helper import make_node as op

    c.add(p + "rows_k", np.array([-1, k], np.int64))
    return [
        op("Reshape", [x, p + "rows_k"], [p + "x"]),
        op("ReduceMin", [p + "x"], [p + "min"], axes=[1], keepdims=1),
        op("ReduceMax", [p + "x"], [p + "max"], axes=[1], keepdims=1),
        op("Min", [p + "min", "q_zero"], [p + "lo"]),  # the range must contain 0 (exact zero point)
        op("Max", [p + "max", "q_zero"], [p + "hi"]),
        op("Sub", [p + "hi", p + "lo"], [p + "range"]),
        op("Div", [p + "range", "q_u8_max"], [p + "scale_raw"]),
        op("Max", [p + "scale_raw", "q_eps"], [p + "scale"]),  # [M, 1]
        op("Div", [p + "lo", p + "scale"], [p + "lo_scaled"]),
        op("Neg", [p + "lo_scaled"], [p + "zp_raw"]),
        op("Round", [p + "zp_raw"], [p + "zp"]),  # [M, 1] float, in [0, levels]
        op("Cast", [p + "zp"], [p + "zp_u8"], to=TensorProto.UINT8),
        op("Reshape", [p + "scale", "q_last"], [p + "scale_1d"]),
        op("Reshape", [p + "zp_u8", "q_last"], [p + "zp_1d"]),
        op("QuantizeLinear", [p + "x", p + "scale_1d", p + "zp_1d"], [p + "x_u8"], axis=0),
        op("Mul", [p + "zp", p + "scale"], [p + "zp_scaled"]),
        op("Shape", [x], [p + "x_shape"]),
        op("Slice", [p + "x_shape", "q_first", "q_last"], [p + "lead"]),
    ]


def _int8_product(
    node, weight: np.ndarray, xp: str, p: str, c: _Constants, levels: int = 127, unsigned: bool = False
) -> list:
    """Nodes computing `node`'s output, x @ weight (weight [K, N]), from the rows quantized under `xp`."""
    from onnx.helper import make_node as op

    values, w_scale = _int8_weight(weight, axis=0, levels=levels)  # ONNX stores [in, out]
    w_int8, w_scale = values.astype(np.int8), w_scale.reshape(-1)
    product_inputs = [xp + "x_u8", p + "w", xp + "scale", p + "w_scale"]
    if unsigned:  # w + 128 as uint8, zero point 128: the same product on ONNX Runtime's u8 x u8 kernel
        c.add(p + "w", (w_int8.astype(np.int16) + 128).astype(np.uint8))
        c.add(p + "w_zp", np.full(w_int8.shape[1], 128, np.uint8))
        product_inputs += ["", p + "w_zp"]
    else:
        c.add(p + "w", w_int8)
    c.add(p + "w_scale", w_scale.astype(np.float32))
    c.add(p + "colsum", (w_int8.astype(np.int64).sum(axis=0) * w_scale).astype(np.float32))
    c.add(p + "n", np.array([weight.shape[1]], np.int64))
    return [
        op("MatMulIntegerToFloat", product_inputs, [p + "prod"], domain=MS_DOMAIN),
        # (x_u8 - zp) @ w = x_u8 @ w - zp * colsum(w): ONNX Runtime takes one zero point per tensor only.
        op("Mul", [xp + "zp_scaled", p + "colsum"], [p + "offset"]),
        op("Sub", [p + "prod", p + "offset"], [p + "y"]),
        op("Concat", [xp + "lead", p + "n"], [p + "y_shape"], axis=0),
        op("Reshape", [p + "y", p + "y_shape"], [node.output[0]]),
    ]
