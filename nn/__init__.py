"""nn: modules, neurons, layers, MLPs, losses and optimisers on top of autodiff."""
from . import data

__all__ = ["data"]
