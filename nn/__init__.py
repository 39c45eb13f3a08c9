"""nn: modules, neurons, layers, MLPs, losses, optimisers and a training loop on autodiff.

The layers work on Tensors (a batch at a time, fast); `nn.scalar` has micrograd's Neuron, Layer
and MLP on scalar Values (one sample at a time, every multiply a node you can draw).
"""
from . import data, scalar
from .layers import MLP, Layer, Linear, Neuron
from .losses import (binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy,
                     hinge_loss, mse_loss)
from .module import Module
from .optim import SGD, Adam, Optimizer
from .train import History, accuracy, fit

__all__ = [
    "data", "scalar", "Module", "Linear", "Neuron", "Layer", "MLP",
    "mse_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy",
    "hinge_loss", "Optimizer", "SGD", "Adam", "fit", "History", "accuracy",
]
