"""autodiff: a small, fast, correct automatic-differentiation engine.

A scalar `Value` and a numpy `Tensor` record the operations applied to them and backpropagate
with the chain rule. Every op is one record in one registry (see `register`).
"""
from .activations import (bent_identity, elu, gelu, leaky_relu, log_sigmoid, relu, sigmoid,
                          silu, softplus, tanh)
from .engine import backward, enable_grad, grad, is_grad_enabled, no_grad, topological_order
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .ops import (REGISTRY, Domain, Op, abs, add, cos, div, exp, log, mul, neg, power, register,
                  sign, sin, sqrt, sub, unregister)
from .value import Value
from .tensor import Tensor
from .linalg import matmul, mT
from .reductions import log_softmax, logsumexp, mean, softmax, std, var
from .selection import clip, masked, where
from .shapes import concatenate, embed, expand, getitem, reshape, stack, sum_to, transpose
from .viz import draw_graph, save_graph, to_dot

__version__ = "0.1.0"

__all__ = [
    "Value", "Op", "Domain", "REGISTRY", "register", "unregister",
    "backward", "grad", "no_grad", "enable_grad", "is_grad_enabled", "topological_order",
    "add", "sub", "mul", "div", "power", "neg", "exp", "log", "sqrt", "abs", "sign", "sin", "cos",
    "sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus", "log_sigmoid", "bent_identity",
    "silu", "gelu",
    "to_dot", "draw_graph", "save_graph",
    "gradcheck", "gradgradcheck", "GradcheckError",
    "Tensor", "matmul", "mT", "softmax", "log_softmax", "logsumexp", "mean", "var", "std",
    "where", "masked", "clip", "concatenate", "stack", "reshape", "transpose", "expand", "sum_to",
    "getitem", "embed",
]
