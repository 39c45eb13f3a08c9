"""autodiff: a small, fast, correct automatic-differentiation engine.

A scalar `Value` and a numpy `Tensor` record the operations applied to them and backpropagate
with the chain rule. Every op is one record in one registry (see `register`), which declares
its signature: `inspect.signature(autodiff.leaky_relu)` is `(x, slope=0.01)`.

`abs`, `compile` (reached as `autodiff.compile`) and the reductions `sum`, `max`, `min`
(reached as `autodiff.REGISTRY["sum"]` or as Tensor methods) are left out of `__all__`, so
`from autodiff import *` shadows no builtin.
`autodiff.tensor` is the constructor function, as `torch.tensor` is; it hides the submodule of
that name as an attribute, whose contents `from autodiff.tensor import ...` still reaches.
"""
from . import ops as _ops
from .activations import (bent_identity, elu, gelu, leaky_relu, log_sigmoid, logistic, relu,
                          sigmoid, silu, softplus, swish, tanh)
from .anomaly import AnomalyError, detect_anomaly
from .arithmetic import abs, add, cos, div, exp, log, mul, neg, power, sign, sin, sqrt, step, sub
from .compile import compile
from .creation import (arange, eye, full, full_like, linspace, ones, ones_like, rand, randn,
                       tensor, zeros, zeros_like)
from .dtypes import cast
from .engine import backward, grad, topological_order
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .linalg import linear, matmul, mT
from .node import HookHandle, Node, TraceError, enable_grad, is_grad_enabled, no_grad
from .ops import REGISTRY, Domain, Op, UnknownOpError, lookup, register, unregister
from .reductions import log_softmax, logsumexp, mean, softmax, std, var
from .selection import clip, where
from .shapes import concatenate, embed, expand, getitem, reshape, stack, sum_to, transpose
from .tensor import Tensor
from .value import Value
from .viz import animate, draw_graph, explain, save_graph, to_dot
from . import func

_ops.freeze_built_ins()

__version__ = "0.1.0"

__all__ = [
    "Value", "Tensor", "Node", "Op", "Domain", "REGISTRY", "register", "unregister", "lookup",
    "UnknownOpError",
    "backward", "grad", "no_grad", "enable_grad", "is_grad_enabled", "topological_order",
    "detect_anomaly", "AnomalyError", "HookHandle",
    "add", "sub", "mul", "div", "power", "neg", "exp", "log", "sqrt", "sign", "step", "sin",
    "cos", "sigmoid", "logistic", "tanh", "relu", "leaky_relu", "elu", "softplus",
    "log_sigmoid", "bent_identity", "silu", "swish", "gelu",
    "to_dot", "draw_graph", "save_graph", "explain", "animate",
    "gradcheck", "gradgradcheck", "GradcheckError",
    "matmul", "mT", "linear", "softmax", "log_softmax", "logsumexp", "mean", "var", "std",
    "where", "clip", "concatenate", "stack", "reshape", "transpose", "expand", "sum_to",
    "getitem", "embed", "cast", "func", "TraceError",
    "tensor", "zeros", "ones", "full", "arange", "linspace", "eye", "rand", "randn",
    "zeros_like", "ones_like", "full_like",
]
