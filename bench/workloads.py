"""The timed workloads: sizes, targets, tolerances and which code runs each system."""

from __future__ import annotations

import numpy as np

from bench import compiled, data, pytorch, scalar, scalar_floor, tensor, tensor_floor
from bench.case import Workload

LR, ALPHA = 0.01, 1e-4  # S1: micrograd demo's hinge loss with L2
BEANS_W0, BEANS_B0, BEANS_LR = 0.1, -0.1, 0.05
CHAIN_X0 = 0.5
T4_CYCLES = 333  # 333 x (mul, add, tanh) + the final sum = 1000 ops
TORCH_MLP = "addmm per layer (= nn.Linear) + torch.nn.functional loss, SGD in place under no_grad"


def selected(name: str, wanted: list[str] | None) -> bool:
    """Whether a workload is chosen by --only (S2 selects S2-1e4, S2-2e5, ...)."""
    name = name.upper()  # --only takes S2-1E4 or s2-1e4 alike
    return wanted is None or any(name == w or name.startswith(w + "-") for w in wanted)


def scalar_workloads(quick: bool) -> list[Workload]:
    """S1, S2 (one per chain length) and S4."""
    layers = data.mlp_weights([2, 16, 16, 1])
    n_points = 30 if quick else 100
    points, labels = data.two_moons(n_points)
    s1 = Workload("S1", f"micrograd demo step: MLP(2,[16,16,1]) ReLU, {n_points} two-moons points, hinge + L2, SGD",
                  {"floor": lambda: scalar_floor.mlp_case(layers, points, labels, LR, ALPHA),
                   "micrograd": lambda: scalar.mlp_case("micrograd", layers, points, labels, LR, ALPHA),
                   "torch": lambda: pytorch.scalar_mlp_case(layers, points, labels, LR, ALPHA),
                   "autodiff": lambda: scalar.mlp_case("autodiff", layers, points, labels, LR, ALPHA),
                   "compiled": lambda: compiled.mlp_case(layers, points, labels, LR, ALPHA)},
                  rounds=3 if quick else 10, target=15.0, compiled_target=2.0, rtol=1e-7, atol=1e-10,
                  notes={"floor": "Python floats, hand-derived backprop",
                         "micrograd": "micrograd.nn.MLP; inputs wrapped in Value as in its demo",
                         "torch": "one batched float64 MLP (addmm), not scalar nodes",
                         "autodiff": "scalar MLP of autodiff.Value (bench/scalar.py), raw float inputs",
                         "compiled": "the same MLP; one compiled call gives loss and gradients"})
    chains = [(10**4, 10)] if quick else [(10**4, 10), (2 * 10**5, 5), (10**6, 2)]
    workloads = [s1] + [chain_workload(n, 3 if quick else rounds) for n, rounds in chains]
    xs, ys = data.beans(100)
    epochs = 20 if quick else 500
    args = (xs, ys, BEANS_W0, BEANS_B0, epochs, BEANS_LR)
    workloads.append(Workload(
        "S4", f"beans logistic neuron: 100 points, per-sample SGD, {epochs} epochs ({100 * epochs} graphs)",
        {"floor": lambda: scalar_floor.beans_case(*args),
         "micrograd": lambda: scalar.beans_case("micrograd", *args),
         "torch": lambda: pytorch.beans_case(*args),
         "autodiff": lambda: scalar.beans_case("autodiff", *args),
         "compiled": lambda: compiled.beans_case(*args)},
        rounds=3 if quick else 5, target=30.0, compiled_target=3.0, rtol=1e-7, atol=1e-10,
        notes={"micrograd": "sigmoid added as a micrograd-style node (0.1.0 has none)",
               "torch": "0-d float64 tensors", "compiled": "one compiled call per sample"}))
    return workloads


def chain_workload(n: int, rounds: int) -> Workload:
    """S2 at one chain length: x -> tanh(1.0001 x + 0.1) n times, backward."""
    label = f"{n:.0e}".replace("+0", "").replace("+", "")
    return Workload(
        f"S2-{label}", f"chain of {n} x tanh(1.0001 x + 0.1) ({3 * n} nodes), backward",
        {"floor": lambda: scalar_floor.chain_case(n, CHAIN_X0),
         "micrograd": lambda: scalar.chain_case("micrograd", n, CHAIN_X0),
         "torch": lambda: pytorch.chain_case(n, CHAIN_X0),
         "autodiff": lambda: scalar.chain_case("autodiff", n, CHAIN_X0),
         "compiled": lambda: compiled.chain_case(n, CHAIN_X0)},
        rounds=rounds, target=25.0 if n == 2 * 10**5 else None, must_work=n == 10**6,
        compiled_target=2.0 if n == 10**4 else None,
        rtol=1e-9, atol=1e-300,
        notes={"micrograd": "tanh added as a micrograd-style node; recursive backward probed in a subprocess",
               "torch": "0-d float64 tensors",
               "check": "d(final)/dx underflows to ~0 past N ~ 1600, so agreement rests on the final value"})


def mlp_workload(name: str, title: str, sizes: list[int], dtype: type, batch: int, target: float,
                 rounds: int) -> Workload:
    """T2/T3: ReLU MLP on random data, softmax cross-entropy with integer labels, one SGD step."""
    layers = data.mlp_weights(sizes, dtype)
    x, labels = data.classification_batch(batch, sizes[0], sizes[-1], dtype)
    args = (layers, "relu", x, labels, "ce", 0.1)
    tight = np.dtype(dtype) == np.float64
    return Workload(name, title, {"floor": lambda: tensor_floor.mlp_case(*args),
                                  "torch": lambda: pytorch.mlp_case(*args),
                                  "autodiff": lambda: tensor.mlp_case(*args)},
                    # float32: sums over 1024 terms in another order (torch's BLAS) differ by ~1e-6
                    rounds=rounds, target=target, rtol=1e-9 if tight else 1e-4, atol=1e-12 if tight else 1e-5,
                    notes={"torch": TORCH_MLP, "floor": "numpy, hand backward, no input gradient"})


def tensor_workloads(quick: bool) -> list[Workload]:
    """T1, T2 (float32 and float64), T3 and T4."""
    rounds = 5 if quick else 15
    points, labels = data.two_moons(100)
    t1_args = (data.mlp_weights([2, 16, 16, 1]), "tanh", points, ((labels + 1.0) / 2.0)[:, None], "bce", 0.1)
    t1 = Workload("T1", "Tensor MLP 2-16-16-1 tanh, batch 100, BCE with logits, float64, one SGD step",
                  {"floor": lambda: tensor_floor.mlp_case(*t1_args),
                   "torch": lambda: pytorch.mlp_case(*t1_args),
                   "autodiff": lambda: tensor.mlp_case(*t1_args),
                   "compiled": lambda: compiled.tensor_mlp_case(*t1_args)},
                  rounds=rounds, target=1.5, compiled_target=1.15, rtol=1e-9, atol=1e-12,
                  notes={"torch": TORCH_MLP, "floor": "numpy, hand backward, no input gradient",
                         "autodiff": "autodiff.linear per layer (as nn.Linear) and nn's BCE-with-logits op",
                         "compiled": "the same step compiled; it returns the gradients"})
    t2 = [mlp_workload(f"T2-{bits}", f"Tensor MLP 784-256-10 ReLU, batch 128, cross-entropy, {dtype.__name__}",
                       [784, 256, 10], dtype, 128, 1.10, rounds)
          for bits, dtype in (("f32", np.float32), ("f64", np.float64))]
    hidden, batch = (512, 128) if quick else (1024, 512)
    t3 = mlp_workload("T3", f"Tensor MLP 784-{hidden}-{hidden}-10 ReLU, batch {batch}, cross-entropy, float32",
                      [784, hidden, hidden, 10], np.float32, batch, 1.05, 3 if quick else 10)
    x0 = np.array([-0.5, 0.1, 0.4, 0.9])
    t4 = Workload("T4", f"{3 * T4_CYCLES} elementwise ops (mul, add, tanh) on a shape-(4,) tensor + sum, backward",
                  {"floor": lambda: tensor_floor.elementwise_case(x0, T4_CYCLES),
                   "torch": lambda: pytorch.elementwise_case(x0, T4_CYCLES),
                   "autodiff": lambda: tensor.elementwise_case(x0, T4_CYCLES),
                   "compiled": lambda: compiled.elementwise_case(x0, T4_CYCLES)},
                  rounds=rounds, target=2.5, compiled_target=1.3, rtol=1e-9, atol=1e-300)
    return [t1, *t2, t3, t4]


def all_workloads(quick: bool) -> list[Workload]:
    """Every timed workload in report order (S3, memory, is measured separately)."""
    return scalar_workloads(quick) + tensor_workloads(quick)
