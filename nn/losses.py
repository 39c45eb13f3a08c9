"""Loss functions: squared error, binary cross-entropy (on probabilities and on logits),
cross-entropy over classes, and the hinge loss.

Each takes a prediction (a Tensor) and targets (a Tensor or anything numpy reads), which never
get a gradient. Prediction and targets must have the same shape: a loss never broadcasts, since
a (batch, 1) prediction against (batch,) targets would silently become a (batch, batch) loss.
`reduction` is "mean" (the default), "sum" or "none" (the per-element losses).
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

import autodiff
from autodiff import Tensor
from autodiff.numerics import quiet

from .module import as_tensor

REDUCTIONS = ("mean", "sum", "none")
LOG_FLOOR = -100.0  # binary_cross_entropy clamps its logs here, as PyTorch does


def _reduced(losses: Tensor, reduction: str, where: str) -> Tensor:
    """The mean, the sum, or all of the per-element losses."""
    if reduction == "mean":
        return losses.mean()
    if reduction == "sum":
        return losses.sum()
    if reduction == "none":
        return losses
    raise ValueError(f"{where}: reduction must be one of {REDUCTIONS}, got {reduction!r}")


def _pair(where: str, pred: Any, targets: Any) -> tuple[Tensor, np.ndarray]:
    """pred as a Tensor and targets as an array of the same shape, or a ValueError."""
    pred = as_tensor(pred)
    # Targets as a plain array (no graph node: no gradient) in pred's dtype (float32 stays).
    target = np.asarray(targets.data if isinstance(targets, Tensor) else targets, dtype=pred.dtype)
    if target.shape != pred.shape:
        raise ValueError(f"{where}: prediction has shape {pred.shape} but targets have shape "
                         f"{target.shape}; they must match (losses do not broadcast)")
    return pred, target


def mse_loss(pred: Any, targets: Any, reduction: str = "mean") -> Tensor:
    """Squared error (pred - t)^2, averaged (or summed) over all elements."""
    pred, t = _pair("mse_loss", pred, targets)
    diff = pred - t
    return _reduced(diff * diff, reduction, "mse_loss")


def binary_cross_entropy(probs: Any, targets: Any, reduction: str = "mean") -> Tensor:
    """-(t ln p + (1 - t) ln(1 - p)), each log clamped below at -100 so p = 0 or 1 stays finite.

    p and t must lie in [0, 1] (a ValueError otherwise, nan included, as in PyTorch): a p outside
    it would give a negative or nan loss.

    The clamp clips p (and 1 - p) at e^-100 (in float32 at its smallest normal number, where
    ln is about -87.3), so a clamped term passes no gradient, and no log of 0 is ever taken.
    """
    p, t = _pair("binary_cross_entropy", probs, targets)
    _check_unit_interval("probabilities", p.data, "; for unbounded scores (logits) use "
                         "binary_cross_entropy_with_logits")
    _check_unit_interval("targets", t)
    floor = max(math.exp(LOG_FLOOR), float(np.finfo(p.dtype).tiny))
    log_p = p.clip(floor, None).log()
    log_q = (1.0 - p).clip(floor, None).log()
    losses = t * -log_p + (1.0 - t) * -log_q  # negated first: a zero loss is +0, not -0
    return _reduced(losses, reduction, "binary_cross_entropy")


def _check_unit_interval(what: str, values: np.ndarray, hint: str = "") -> None:
    """A ValueError naming the values outside [0, 1] (nan among them), as PyTorch refuses them."""
    outside = ~((values >= 0.0) & (values <= 1.0))
    if outside.any():
        raise ValueError(f"binary_cross_entropy: {what} must lie in [0, 1], got "
                         f"{np.unique(values[outside])[:5].tolist()}{hint}")


@quiet  # IEEE values (inf - inf is nan) without warnings
def _bce_with_logits(z: np.ndarray, t: Any) -> np.ndarray:
    return np.logaddexp(0.0, z) - t * z


def _bce_with_logits_float(z: float, t: float) -> float:
    return max(z, 0.0) + math.log1p(math.exp(-math.fabs(z))) - t * z


def _bce_with_logits_grad(g: Any, y: Any, z: Any, t: Any) -> Any:
    """g (sigmoid(z) - t), with sigmoid(z) = e^(z - softplus(z)) = e^((1 - t) z - y): the output
    reused; the exponent is never positive (softplus(z) >= z), so it never overflows."""
    return g * (autodiff.exp((1.0 - t) * z - y) - t)


bce_with_logits = autodiff.register(
    "binary_cross_entropy_with_logits", _bce_with_logits, _bce_with_logits_grad, None,
    signature="logits, targets", scalar=_bce_with_logits_float,
    doc="binary_cross_entropy_with_logits(z, t) = softplus(z) - t z, the loss of "
        "p = sigmoid(z), stable for any z; d/dz = sigmoid(z) - t; no gradient to the targets")


def binary_cross_entropy_with_logits(logits: Any, targets: Any,
                                     reduction: str = "mean") -> Tensor:
    """Binary cross-entropy of p = sigmoid(z), as softplus(z) - t z: stable for any z.

    Equal to -(t ln sigmoid(z) + (1 - t) ln(1 - sigmoid(z))); its gradient is sigmoid(z) - t.
    One op of the registry per element (a fused node, as PyTorch's), the targets an input
    without a derivative: a Tensor of targets is passed on as it is (so `compile` traces it).
    """
    z = as_tensor(logits)
    if isinstance(targets, Tensor) and targets.dtype == z.dtype:
        t: Any = targets
    else:
        t = np.asarray(targets.data if isinstance(targets, Tensor) else targets, dtype=z.dtype)
    if t.shape != z.shape:
        raise ValueError(f"binary_cross_entropy_with_logits: prediction has shape {z.shape} "
                         f"but targets have shape {t.shape}; they must match (losses do not "
                         f"broadcast)")
    return _reduced(bce_with_logits(z, t), reduction, "binary_cross_entropy_with_logits")


def cross_entropy(logits: Any, labels: Any, reduction: str = "mean") -> Tensor:
    """-sum_k t_k log_softmax(z)_k per row of logits z (batch, classes).

    labels are integer classes of shape (batch,) (then the loss is -log_softmax(z)_label) or
    one-hot / probability targets t of shape (batch, classes). The mean is over the batch.
    """
    z = as_tensor(logits)
    if z.ndim != 2:
        raise ValueError(f"cross_entropy: logits must have shape (batch, classes), "
                         f"got {z.shape}")
    log_probs = z.log_softmax(axis=1)
    t = labels.data if isinstance(labels, Tensor) else np.asarray(labels)
    if t.shape == z.shape:
        losses = -(log_probs * t.astype(z.dtype, copy=False)).sum(axis=1)
    elif t.shape == z.shape[:1]:
        losses = -log_probs[np.arange(len(t)), _class_indices(t, z.shape[1])]
    else:
        raise ValueError(f"cross_entropy: logits have shape {z.shape} but labels have shape "
                         f"{t.shape}; expected ({z.shape[0]},) class indices or "
                         f"{z.shape} probabilities")
    return _reduced(losses, reduction, "cross_entropy")


def _class_indices(labels: np.ndarray, classes: int) -> np.ndarray:
    """Labels as int64 class indices in [0, classes), or a ValueError naming the bad ones."""
    indices = labels.astype(np.int64)
    bad = (indices != labels) | (indices < 0) | (indices >= classes)
    if bad.any():
        raise ValueError(f"cross_entropy: labels must be integers in [0, {classes}), got "
                         f"{np.unique(labels[bad])[:5].tolist()}")
    return indices


def hinge_loss(scores: Any, targets: Any, reduction: str = "mean") -> Tensor:
    """max(0, 1 - t s) for targets t in {-1, +1} and scores s (micrograd's demo loss)."""
    s, t = _pair("hinge_loss", scores, targets)
    if not np.isin(t, (-1.0, 1.0)).all():
        raise ValueError(f"hinge_loss: targets must be -1 or +1, got "
                         f"{np.unique(t[~np.isin(t, (-1.0, 1.0))])[:5].tolist()}")
    return _reduced((1.0 - t * s).relu(), reduction, "hinge_loss")
