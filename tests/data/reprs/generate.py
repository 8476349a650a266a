"""Provides the fixture reprs: real output printed by torch, regenerated with
`.venv/bin/python tests/data/reprs/generate.py` (writes <name>.txt and errors.json here).

Each case is a cell as the interpreter runs it: what it prints, then the repr of its final
expression. The `*_cuda` cases are printed by torch's own repr code on CPU with
`Tensor.device` shadowed to report cuda:0, so the suffix lands, and wraps, exactly where
torch puts it (device first, then size, dtype, grad_fn/requires_grad).
"""

from __future__ import annotations

import contextlib
import io
import json
import pathlib
import sys

import torch

HERE = pathlib.Path(__file__).parent


def _x64():
    return torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)


def _seeded(seed, *shape):
    torch.manual_seed(seed)
    return torch.rand(*shape)


def _mixed(offset, label):
    x = torch.arange(6.0).reshape(2, 3) + offset
    print("x =", x)
    print(label, x.mean().item())
    return x.shape


def _changed(t, index, value):
    t = t.clone()
    t[index] = value
    return t


CASES = {
    "ones_3x4": lambda: torch.ones(3, 4),
    "ones_4x3": lambda: torch.ones(4, 3),
    "zeros_3x4": lambda: torch.zeros(3, 4),
    "ones_3x4_int": lambda: torch.ones(3, 4, dtype=torch.long),
    "ones_3x4_changed": lambda: _changed(torch.ones(3, 4), (1, 2), 3.5),
    "arange5": lambda: torch.arange(5.0),
    "frac": lambda: torch.tensor([1.0, 2.5]),
    "thirds": lambda: torch.ones(3) / 3,
    # Within rtol, yet printed one last digit apart: 0.3333 vs 0.3334.
    "near_a": lambda: torch.tensor([0.33334, 1.5]),
    "near_b": lambda: torch.tensor([0.33336, 1.5]),
    "scalar_f": lambda: torch.tensor(5.0),
    "scalar_f6": lambda: torch.tensor(6.0),
    "scalar_i": lambda: torch.tensor(5),
    "int64": lambda: torch.tensor([1, 2, 3]),
    "int64_b": lambda: torch.tensor([1, 2, 4]),
    "int32": lambda: torch.tensor([1, 2, 3], dtype=torch.int32),
    "float16": lambda: torch.tensor([1.5, 2.0], dtype=torch.float16),
    "float64": lambda: torch.tensor([1.0, 2.0], dtype=torch.float64),
    "float64_frac": lambda: torch.tensor([0.1, 0.2], dtype=torch.float64),
    "grad_fn": lambda: _x64() * 2,
    "grad_fn_add": lambda: _x64() + _x64(),
    "requires_grad": lambda: _x64(),
    "detached": lambda: (_x64() * 2).detach(),
    "sum_grad": lambda: _x64().sum(),
    "arange2000": lambda: torch.arange(2000.0),
    "arange1999": lambda: torch.arange(1999.0),
    "arange2000_int": lambda: torch.arange(2000),
    "ones100": lambda: torch.ones(100, 100),
    "ones100_changed": lambda: _changed(torch.ones(100, 100), (-1, 0), 2.0),
    "ones_2000x3": lambda: torch.ones(2000, 3),
    "ones_2000x4": lambda: torch.ones(2000, 4),
    "ones_10x10x10": lambda: torch.ones(10, 10, 10),
    "nan_inf": lambda: torch.tensor([float("nan"), float("inf"), -float("inf"), 1.5]),
    "nan_inf_b": lambda: torch.tensor([float("nan"), -float("inf"), -float("inf"), 1.5]),
    "bool": lambda: torch.arange(4) > 1,
    "bool_b": lambda: torch.arange(4) > 2,
    "size_3x4": lambda: torch.ones(3, 4).shape,
    "size_4x3": lambda: torch.ones(4, 3).shape,
    "size_scalar": lambda: torch.tensor(1.0).shape,
    "arange3d": lambda: torch.arange(24.0).reshape(2, 3, 4),
    "arange3d_changed": lambda: _changed(torch.arange(24.0).reshape(2, 3, 4), (1, 2, 3), 99.0),
    "sci": lambda: torch.tensor([1e-4, 1.0, 1e5]),
    "sci_b": lambda: torch.tensor([1.2e-4, 1.0, 1e5]),
    "complex": lambda: torch.tensor([1 + 2j, 3 - 1j]),
    "complex_sci": lambda: torch.tensor([1.5 + 2j, -3e5 - 1j]),
    "empty": lambda: torch.tensor([]),
    "empty_0x3": lambda: torch.zeros(0, 3),
    "empty_int": lambda: torch.zeros(0, dtype=torch.long),
    "parameter": lambda: torch.nn.Parameter(torch.ones(2)),
    "max_return": lambda: torch.tensor([[1.0, 5.0], [3.0, 2.0]]).max(dim=1),
    "wide": lambda: torch.arange(30.0) * 1000.123,
    "neg_zero": lambda: torch.tensor([-0.0, 1.0]),
    "quantized": lambda: torch.quantize_per_tensor(torch.tensor([1.0, 2.0]), 0.1, 0, torch.quint8),
    "quantized_scale": lambda: torch.quantize_per_tensor(
        torch.tensor([1.0, 2.0]), 0.2, 0, torch.quint8
    ),
    "mixed": lambda: _mixed(0.0, "mean:"),
    "mixed_offset": lambda: _mixed(0.5, "mean:"),
    "mixed_label": lambda: _mixed(0.0, "avg:"),
    "rand_3x4_seed0": lambda: _seeded(0, 3, 4),
    "rand_3x4_seed1": lambda: _seeded(1, 3, 4),
    "rand_4x3_seed0": lambda: _seeded(0, 4, 3),
}

CUDA_CASES = {
    "grad_fn_cuda": CASES["grad_fn"],
    "scalar_f_cuda": CASES["scalar_f"],
    "ones100_cuda": CASES["ones100"],
    "wide_cuda": CASES["wide"],
    "empty_0x3_cuda": CASES["empty_0x3"],
}


class _Cuda0:
    type = "cuda"
    index = 0

    def __str__(self) -> str:
        return "cuda:0"


def run_cell(case) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        value = case()
    return out.getvalue() + repr(value) + "\n"


def run_cuda_style(case) -> str:
    value = case()
    real = torch.Tensor.device
    torch.Tensor.device = property(lambda self: _Cuda0())
    try:
        return repr(value) + "\n"
    finally:
        torch.Tensor.device = real


def _error(code: str) -> dict:
    try:
        exec(code, {"torch": torch})
    except Exception as exc:
        return {"code": code, "type": type(exc).__name__, "message": str(exc)}
    raise AssertionError(f"{code!r} did not raise")


ERRORS = {
    "item_of_three": "torch.tensor([1., 2., 3.]).item()",
    "add_size_mismatch": "torch.ones(3) + torch.ones(4)",
    "matmul_shapes": "torch.ones(2, 3) @ torch.ones(2, 3)",
    "norm_of_int": "torch.linalg.norm(torch.tensor([3, 4]))",
    "index_out_of_range": "torch.ones(3)[5]",
    "singular": "torch.linalg.inv(torch.zeros(2, 2))",
}


def main() -> None:
    for name, case in CASES.items():
        (HERE / f"{name}.txt").write_text(run_cell(case))
    for name, case in CUDA_CASES.items():
        (HERE / f"{name}.txt").write_text(run_cuda_style(case))
    errors = {name: _error(code) for name, code in ERRORS.items()}
    (HERE / "errors.json").write_text(json.dumps(errors, indent=2) + "\n")
    (HERE / "VERSION").write_text(f"torch {torch.__version__}\n")
    print(
        f"wrote {len(CASES) + len(CUDA_CASES)} reprs and {len(errors)} errors to {HERE}",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
