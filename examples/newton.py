"""Newton's method with the Hessian from `autodiff.func.hessian`: logistic regression in a
handful of steps.

The beans again (100 sizes x, toxic or not), now fitted by logistic regression with two
parameters theta = (w, b): p = sigmoid(w x + b), loss = mean BCE = mean(softplus(z) - y z) with
z = w x + b. Newton's method steps theta -= H^-1 g, where g is the gradient and H the Hessian of
the loss. `autodiff.func` turns the loss, a function of a plain float64 array theta, into
functions giving both: `value_and_grad(loss_of)` and `hessian(loss_of)` (the Jacobian of the
gradient, reverse mode over reverse mode). Newton reaches the tolerance in a handful of steps;
gradient descent with the largest safe constant step (1/L, L the gradient's Lipschitz
constant) needs thousands. The Hessian is also checked against the textbook formula
X^T diag(p (1 - p)) X / n.

    python examples/newton.py [--tol 1e-6] [--out out/newton]
"""
from __future__ import annotations

import argparse
import sys
from typing import Any, Callable

import numpy as np

import _plots
from _plots import BLUE, GREY, ORANGE, plt
from autodiff import Tensor, func
from nn.data import beans

Run = tuple[list[np.ndarray], list[float], list[float]]  # thetas, losses, gradient norms
Step = Callable[[np.ndarray, np.ndarray, np.ndarray], tuple[float, np.ndarray, np.ndarray]]


def loss_of(theta: Tensor, X: np.ndarray, y: np.ndarray) -> Tensor:
    """Mean binary cross-entropy of sigmoid(X theta) against y, in the stable logit form."""
    z = X @ theta
    return (z.softplus() - y * z).mean()


loss_and_gradient = func.value_and_grad(loss_of)  # (theta, X, y) -> (loss, d loss / d theta)
hessian = func.hessian(loss_of)                     # (theta, X, y) -> d^2 loss / d theta^2


def newton_step(theta: np.ndarray, X: np.ndarray, y: np.ndarray
                ) -> tuple[float, np.ndarray, np.ndarray]:
    """(loss, gradient, Newton step H^-1 g) at theta."""
    loss, g = loss_and_gradient(theta, X, y)
    return float(loss), g, np.linalg.solve(hessian(theta, X, y), g)


def gradient_step(lr: float) -> Step:
    """The (loss, gradient, step lr g) rule of gradient descent, first-order backward only."""
    def step(theta: np.ndarray, X: np.ndarray, y: np.ndarray
             ) -> tuple[float, np.ndarray, np.ndarray]:
        loss, g = loss_and_gradient(theta, X, y)
        return float(loss), g, lr * g
    return step


def minimise(step: Step, X: np.ndarray, y: np.ndarray, tol: float, max_steps: int) -> Run:
    """theta -= step(theta) from theta = 0 until |gradient| < tol: every iterate recorded."""
    theta = np.zeros(X.shape[1])
    thetas, losses, norms = [], [], []
    for _ in range(max_steps):
        loss, g, delta = step(theta, X, y)
        thetas.append(theta.copy())
        losses.append(loss)
        norms.append(float(np.linalg.norm(g)))
        if norms[-1] < tol:
            break
        theta = theta - delta
    return thetas, losses, norms


def plot(path: Any, runs: dict[str, Run], tol: float, x: np.ndarray, y: np.ndarray) -> None:
    """Loss gap and gradient norm per iteration (log scales), and the fitted curve."""
    best = min(min(losses) for _, losses, _ in runs.values())
    fig, (gap_ax, norm_ax, fit_ax) = plt.subplots(1, 3, figsize=(15, 4.3))
    for (name, (_, losses, norms)), color in zip(runs.items(), (ORANGE, BLUE)):
        steps = np.arange(len(losses))
        marker = "o" if len(losses) < 30 else None
        gap = np.array(losses) - best
        above = gap > 0  # the minimum itself has no place on a log scale
        gap_ax.plot(steps[above], gap[above], color=color, lw=2, marker=marker, label=name)
        norm_ax.plot(steps, norms, color=color, lw=2, marker=marker,
                     label=f"{name}: {len(losses) - 1} steps")
    for ax, label in ((gap_ax, "loss - minimum"), (norm_ax, "|gradient|")):
        ax.set_xscale("symlog", linthresh=10)
        ax.set_yscale("log")
        ax.set_xlabel("iteration (linear to 10, then log)")
        ax.set_ylabel(label)
        ax.legend()
    norm_ax.axhline(tol, color=GREY, ls=":", lw=1.2)
    norm_ax.annotate(f"tolerance {tol:g}", (15, tol), textcoords="offset points",
                     xytext=(0, -12), color=GREY, fontsize=9)
    gap_ax.set_title("loss above its minimum")
    norm_ax.set_title("gradient norm")

    theta = runs["Newton"][0][-1]
    grid = np.linspace(0, 1, 200)
    jitter = np.random.default_rng(0).uniform(-0.03, 0.03, len(y))
    fit_ax.scatter(x, y + jitter, c=np.where(y > 0.5, ORANGE, BLUE), s=18, alpha=0.8,
                   edgecolors="none")
    fit_ax.plot(grid, 1 / (1 + np.exp(-(theta[0] * grid + theta[1]))), color="black", lw=2,
                label=f"sigmoid({theta[0]:.2f} x {theta[1]:+.2f})")
    fit_ax.axvline(-theta[1] / theta[0], color=GREY, ls="--", lw=1,
                   label=f"p = 0.5 at x = {-theta[1] / theta[0]:.3f}")
    fit_ax.set_xlabel("bean size x")
    fit_ax.set_ylabel("P(toxic)")
    fit_ax.set_title("the fitted logistic curve (points: 0 safe, 1 toxic)")
    fit_ax.legend(loc="center right")
    fig.suptitle("logistic regression on the beans: Newton (Hessian by func.hessian) "
                 "vs gradient descent", x=0.01, ha="left")
    fig.tight_layout()
    _plots.save(fig, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--tol", type=float, default=1e-6, help="stop when |gradient| < tol")
    parser.add_argument("--max-gd-steps", type=int, default=20000,
                        help="at most this many gradient-descent steps")
    parser.add_argument("--out", default="out/newton", help="folder for the pictures")
    args = parser.parse_args(argv)
    timer = _plots.Timer()
    out = _plots.output_dir(args.out)

    x, y = beans(100, seed=0)
    X = np.column_stack([x, np.ones_like(x)])  # theta = (w, b)
    lipschitz = np.linalg.eigvalsh(X.T @ X / len(X)).max() / 4  # sigmoid' <= 1/4
    runs = {"Newton": minimise(newton_step, X, y, args.tol, 50),
            "gradient descent": minimise(gradient_step(1 / lipschitz), X, y, args.tol,
                                         args.max_gd_steps)}

    print(f"newton: logistic regression on {len(x)} beans, theta = (w, b), float64, "
          f"stop at |gradient| < {args.tol:g}")
    for step, (theta, loss, norm) in enumerate(zip(*runs["Newton"])):
        print(f"  Newton step {step}: loss {loss:.12f}  |g| {norm:.2e}  "
              f"w {theta[0]:+9.5f}  b {theta[1]:+9.5f}")
    theta = runs["Newton"][0][-1]
    p = 1 / (1 + np.exp(-(X @ theta)))
    textbook = X.T @ (X * (p * (1 - p))[:, None]) / len(X)
    hessian_gap = float(np.abs(hessian(theta, X, y) - textbook).max())

    converged = True
    for name, (thetas, losses, norms) in runs.items():
        final = thetas[-1]
        steps = len(losses) - 1
        reached = norms[-1] < args.tol
        converged &= reached
        print(f"  {name:<17}: {steps:>5} steps{'' if reached else ' (NOT converged)'}, "
              f"final loss {losses[-1]:.12f}, |g| {norms[-1]:.1e}, "
              f"w {final[0]:+.6f}, b {final[1]:+.6f}")
    print(f"  step size of gradient descent: 1/L = {1 / lipschitz:.3f}")
    print(f"  func.hessian vs X^T diag(p(1-p)) X / n: max gap {hessian_gap:.1e}")
    plot(out / "convergence.png", runs, args.tol, x, y)
    steps = {name: len(losses) - 1 for name, (_, losses, _) in runs.items()}
    print(f"newton: Newton converged in {steps['Newton']} steps, gradient descent in "
          f"{steps['gradient descent']}; run time {timer}")
    return 0 if converged and hessian_gap < 1e-10 else 1


if __name__ == "__main__":
    sys.exit(main())
