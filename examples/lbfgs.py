"""Logistic regression on the two moons, fitted by SciPy's L-BFGS with gradients from autodiff.

200 points in two half-moons (`nn.data.moons(200, noise=0.1)`), labels 0 and 1. The moons are
not linearly separable, so the model is logistic regression on the monomials of (x1, x2) up to
degree 3 (10 features, the constant included): p = sigmoid(Phi theta). The loss is the mean
binary cross-entropy in its stable logit form, mean(softplus(z) - y z) with z = Phi theta, plus
1e-3 |theta|^2 / 2. `autodiff.func.value_and_grad(loss)` is a function of the plain float64
array theta returning (loss, gradient): exactly what `scipy.optimize.minimize(..., jac=True)`
asks for, so L-BFGS runs on it as it is. The gradient is checked against central differences
at the solution; the pictures are the fitted decision boundary and the loss per iteration.

    python examples/lbfgs.py [--points 200] [--seed 0] [--out out/lbfgs]
"""
from __future__ import annotations

import argparse
import sys
from typing import Callable

import numpy as np

import _plots
import nn
from _plots import plt
from autodiff import Tensor, func

DEGREE = 3
PENALTY = 1e-3

try:
    from scipy.optimize import minimize
except ImportError:  # pragma: no cover - the examples extra installs it
    sys.exit('this example needs SciPy: pip install -e ".[examples]" (or pip install scipy)')


def features(X: np.ndarray) -> np.ndarray:
    """The monomials x1^i x2^j with i + j <= DEGREE, one column each (the constant first)."""
    return np.column_stack([X[:, 0] ** (d - j) * X[:, 1] ** j
                            for d in range(DEGREE + 1) for j in range(d + 1)])


def loss(theta: Tensor, Phi: np.ndarray, y: np.ndarray) -> Tensor:
    """Mean binary cross-entropy of sigmoid(Phi theta) against y, plus the L2 penalty."""
    z = Phi @ theta
    return (z.softplus() - y * z).mean() + 0.5 * PENALTY * (theta * theta).sum()


def central_differences(f: Callable[[np.ndarray], float], theta: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """df/dtheta by central differences, one coordinate at a time."""
    steps = np.eye(theta.size) * eps
    return np.array([(f(theta + s) - f(theta - s)) / (2 * eps) for s in steps])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--points", type=int, default=200, help="number of points")
    parser.add_argument("--seed", type=int, default=0, help="seed of the data")
    parser.add_argument("--out", default="out/lbfgs", help="folder for the pictures")
    args = parser.parse_args(argv)
    timer = _plots.Timer()
    out = _plots.output_dir(args.out)

    X, y = nn.data.moons(args.points, noise=0.1, seed=args.seed)
    Phi = features(X)
    loss_and_gradient = func.value_and_grad(loss)  # (theta, Phi, y) -> (loss, gradient)
    losses: list[float] = []

    def record(intermediate_result: object) -> None:  # SciPy passes the iterate by this name
        losses.append(float(intermediate_result.fun))  # type: ignore[attr-defined]

    result = minimize(loss_and_gradient, np.zeros(Phi.shape[1]), args=(Phi, y), jac=True,
                      method="L-BFGS-B", options={"gtol": 1e-8}, callback=record)
    theta = result.x
    value, gradient = loss_and_gradient(theta, Phi, y)
    numeric = central_differences(lambda t: float(loss_and_gradient(t, Phi, y)[0]), theta)
    gap = float(np.abs(gradient - numeric).max())
    accuracy = nn.accuracy(Phi @ theta > 0, y > 0.5)

    print(f"lbfgs: logistic regression on {len(X)} moons points, {Phi.shape[1]} monomial "
          f"features up to degree {DEGREE}, L2 {PENALTY:g}")
    print(f"  scipy.optimize.minimize(value_and_grad(loss), jac=True, method='L-BFGS-B'): "
          f"{result.message}")
    print(f"  {result.nit} iterations, {result.nfev} loss-and-gradient evaluations, "
          f"final loss {float(value):.6f}, |gradient| {np.linalg.norm(gradient):.1e}")
    print(f"  gradient vs central differences at the solution: max gap {gap:.1e}")
    print(f"  training accuracy {100 * accuracy:.1f}%")

    fig, (map_ax, loss_ax) = plt.subplots(1, 2, figsize=(11, 4.3))
    _plots.decision_map(map_ax, lambda points: features(points) @ theta, X, y,
                        title=f"logistic regression on degree-{DEGREE} monomials",
                        colorbar_label="logit z")
    _plots.loss_curve(loss_ax, losses, log=True, xlabel="L-BFGS iteration",
                      title="loss per iteration")
    fig.suptitle("L-BFGS (SciPy) with gradients from autodiff.func.value_and_grad", x=0.01,
                 ha="left")
    fig.tight_layout()
    _plots.save(fig, out / "lbfgs.png")
    print(f"lbfgs: {result.nit} iterations, training accuracy {100 * accuracy:.1f}%; "
          f"run time {timer}")
    return 0 if result.success and gap < 1e-6 else 1


if __name__ == "__main__":
    sys.exit(main())
