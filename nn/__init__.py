"""nn: modules, neurons, layers, MLPs, losses, optimisers and a training loop on autodiff."""
from . import data
from .layers import MLP, Layer, Linear, Neuron
from .losses import (binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy,
                     hinge_loss, mse_loss)
from .module import Module
from .optim import SGD, Adam, Optimizer
from .train import History, accuracy, fit

__all__ = [
    "data", "Module", "Linear", "Neuron", "Layer", "MLP",
    "mse_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy",
    "hinge_loss", "Optimizer", "SGD", "Adam", "fit", "History", "accuracy",
]
