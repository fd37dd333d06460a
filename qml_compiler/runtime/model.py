"""A compiled model that runs: forward over a batch, and gradients of a loss by back-propagation
through the classical layers and adjoint differentiation through the quantum blocks.

    >>> import qml_compiler as qc
    >>> cm = qc.compile("examples/moons.qml")
    >>> params = cm.init_params(seed=0)
    >>> out = cm.forward({"x": X}, params)["y"]             # (batch, 2)
    >>> loss, grads = cm.gradient({"x": X}, params, loss="cross_entropy", targets=labels)

Parameters are a dict: "{block}.{param}" -> array of the declared shape, "{layer}.weight" (out,
in) and "{layer}.bias" (out,).
"""

from __future__ import annotations

import math

import networkx as nx
import numpy as np

from ..diagnostics import ConfigError, ShapeError, UnknownName
from ..frontend.model import InitSpec
from ..ir.graph import args as arg_nodes, ordered
from ..ir.nodes import (Activation, Concat, Constant, Dense, Input, Output, QuantumBlock, Scale,
                        Slice)
from . import losses
from .executor import BlockRunner


class CompiledModel:
    def __init__(self, graph: nx.DiGraph, engine: str = "numba", memory_limit: int | None = None,
                 report: dict | None = None, precision: str = "double"):
        self.ir = graph
        self.name = graph.graph.get("model")
        self.engine = engine
        self.memory_limit = memory_limit
        self.report = report or {}
        self.order = ordered(graph)
        self.args = {n: arg_nodes(graph, n) for n in self.order}
        self.ops = {n: graph.nodes[n]["op"] for n in self.order}  # the graph is not changed later
        self.precision = precision
        self.runners = {n: BlockRunner(graph.nodes[n]["op"], engine, precision=precision) for n in self.order
                        if isinstance(graph.nodes[n]["op"], QuantumBlock)}
        # Blocks whose arguments are all data (inputs, constants) need no gradient for them.
        self._want_inputs = {n: not all(isinstance(graph.nodes[a]["op"], (Input, Constant))
                                        for a in self.args[n]) for n in self.runners}
        self._adjoint_everywhere = all(
            graph.nodes[n]["op"].gradient in (None, "adjoint") and r.readouts.differentiable
            for n, r in self.runners.items())
        self.inputs = {o.name: o.width for o in self._ops(Input)}
        self.outputs = {o.name: o.width for o in self._ops(Output)}
        self.param_specs: dict[str, tuple[tuple[int, ...], InitSpec]] = {}
        for n in self.order:
            o = graph.nodes[n]["op"]
            if isinstance(o, QuantumBlock):
                for owner, spec in o.params:
                    self.param_specs.setdefault(f"{owner}.{spec.name}", (spec.shape, spec.init))
            elif isinstance(o, Dense):
                self.param_specs.setdefault(f"{o.layer}.weight", ((o.width, o.in_width), o.init))
                if o.bias:
                    self.param_specs.setdefault(f"{o.layer}.bias", ((o.width,), o.init))

    @property
    def _sizes(self) -> dict[str, int]:
        if not hasattr(self, "_size_cache"):
            self._size_cache = {k: math.prod(shape) for k, (shape, _) in self.param_specs.items()}
        return self._size_cache

    def _ops(self, kind):
        return [self.ir.nodes[n]["op"] for n in self.order if isinstance(self.ir.nodes[n]["op"], kind)]

    @property
    def engine_used(self) -> str:
        return next((r.engine for r in self.runners.values()), self.engine)

    # ---- parameters ---------------------------------------------------------------------------------

    def init_params(self, seed: int = 0) -> dict[str, np.ndarray]:
        """Fresh parameters drawn from each declaration's initialiser, in declaration order."""
        rng = np.random.default_rng(seed)
        out = {}
        for name, (shape, init) in self.param_specs.items():
            size = math.prod(shape)
            if init.kind == "uniform":
                v = rng.uniform(init.args[0], init.args[1], size)
            elif init.kind == "normal":
                v = rng.normal(init.args[0], init.args[1], size)
            elif init.kind == "constant":
                v = np.full(size, init.args[0])
            else:
                v = np.zeros(size)
            out[name] = v.reshape(shape)
        return out

    def _check_params(self, params: dict) -> dict:
        missing = [k for k in self.param_specs if k not in params]
        if missing:
            raise UnknownName(f"parameters missing: {', '.join(missing)}", hint="start from init_params()")
        for k, size in self._sizes.items():
            if np.size(params[k]) != size:
                shape = self.param_specs[k][0]
                raise ShapeError(f"parameter `{k}` should have shape {list(shape)}, got "
                                 f"{list(np.shape(params[k]))}")
        return params

    def _check_inputs(self, inputs) -> dict[str, np.ndarray]:
        if not isinstance(inputs, dict):
            if len(self.inputs) != 1:
                raise ShapeError(f"model `{self.name}` has inputs {', '.join(self.inputs)}: pass a dict")
            inputs = {next(iter(self.inputs)): inputs}
        out = {}
        batch = None
        for name, width in self.inputs.items():
            if name not in inputs:
                raise UnknownName(f"input `{name}` is missing", hint=f"inputs: {', '.join(self.inputs)}")
            x = np.asarray(inputs[name], dtype=float)
            if x.ndim == 1 and width == 1:
                x = x[:, None]
            if x.ndim != 2 or x.shape[1] != width:
                raise ShapeError(f"input `{name}` must have shape (batch, {width}), got {list(x.shape)}")
            if not np.all(np.isfinite(x)):
                raise ShapeError(f"input `{name}` contains NaN or infinite values")
            if batch is not None and x.shape[0] != batch:
                raise ShapeError(f"inputs have different batch sizes ({batch} and {x.shape[0]})")
            batch = x.shape[0]
            out[name] = x
        return out

    # ---- running ------------------------------------------------------------------------------------

    def _run(self, inputs: dict, params: dict, keep: bool, rng=None):
        inputs = self._check_inputs(inputs)
        params = self._check_params(params)
        batch = next(iter(inputs.values())).shape[0] if inputs else 1
        values: dict = {}
        caches: dict = {}
        for n in self.order:
            o = self.ops[n]
            xs = [values[a] for a in self.args[n]]
            if isinstance(o, Input):
                values[n] = inputs[o.name]
            elif isinstance(o, Constant):
                values[n] = np.tile(np.asarray(o.values), (batch, 1))
            elif isinstance(o, Dense):
                y = xs[0] @ np.asarray(params[f"{o.layer}.weight"]).reshape(o.width, o.in_width).T
                values[n] = y + np.asarray(params[f"{o.layer}.bias"]).reshape(-1) if o.bias else y
            elif isinstance(o, Activation):
                values[n] = _activate(o.function, xs[0])
            elif isinstance(o, Scale):
                values[n] = o.factor * xs[0]
            elif isinstance(o, Concat):
                values[n] = np.concatenate(xs, axis=1)
            elif isinstance(o, Slice):
                values[n] = xs[0][:, o.start:o.stop]
            elif isinstance(o, QuantumBlock):
                runner = self.runners[n]
                runner.check_memory(batch, self.memory_limit)
                start = xs[0] if o.from_state else None
                values[n], caches[n] = runner.forward(params, xs, batch, start=start, keep=keep, rng=rng)
            elif isinstance(o, Output):
                values[n] = xs[0]
        outputs = {self.ops[n].name: values[n] for n in self.order if isinstance(self.ops[n], Output)}
        return outputs, values, caches, params

    def forward(self, inputs, params: dict, rng=None, shots: int | None = None,
                seed: int = 0) -> dict[str, np.ndarray]:
        """The model's outputs for a batch: output name -> (batch, width). With `shots`, every
        readout is estimated from that many measurements, as hardware would report it."""
        if shots is not None:
            from .shift import forward as sampled
            return sampled(self, inputs, params, shots=shots, seed=seed, rng=rng)
        return self._run(inputs, params, keep=False, rng=rng)[0]

    def backward(self, values: dict, caches: dict, params: dict, seeds: dict[str, np.ndarray]):
        """Gradients of every parameter given dL/d(output) per output name."""
        grads = {k: np.zeros(shape) for k, (shape, _) in self.param_specs.items()}
        d: dict = {}
        lam: dict = {}

        def add(node, g):
            d[node] = g if node not in d else d[node] + g

        for n in self.order:
            o = self.ops[n]
            if isinstance(o, Output) and o.name in seeds:
                add(self.args[n][0], np.asarray(seeds[o.name], dtype=float))
        for n in reversed(self.order):
            o = self.ops[n]
            ins = self.args[n]
            if isinstance(o, QuantumBlock):
                if n not in d and n not in lam:
                    continue
                dparams, dargs, lam_start = self.runners[n].backward(caches[n], g=d.get(n), lam=lam.get(n),
                                                                     want_inputs=self._want_inputs[n])
                for key, g in dparams.items():
                    grads[key] += g.reshape(grads[key].shape)
                for a, g in zip(ins, dargs):
                    if g is not None:
                        add(a, g)
                if lam_start is not None:
                    lam[ins[0]] = lam_start
                continue
            if n not in d:
                continue
            g = d[n]
            if isinstance(o, Dense):
                W = np.asarray(params[f"{o.layer}.weight"]).reshape(o.width, o.in_width)
                x = values[ins[0]]
                grads[f"{o.layer}.weight"] += g.T @ x
                if o.bias:
                    grads[f"{o.layer}.bias"] += g.sum(axis=0)
                add(ins[0], g @ W)
            elif isinstance(o, Activation):
                add(ins[0], _activate_backward(o.function, values[ins[0]], values[n], g))
            elif isinstance(o, Scale):
                add(ins[0], o.factor * g)
            elif isinstance(o, Concat):
                start = 0
                for a in ins:
                    w = values[a].shape[1]
                    add(a, g[:, start:start + w])
                    start += w
            elif isinstance(o, Slice):
                full = np.zeros_like(values[ins[0]])
                full[:, o.start:o.stop] = g
                add(ins[0], full)
        return grads

    def gradient(self, inputs, params: dict, loss="mse", targets=None, output: str | None = None,
                 method: str | None = None, shots: int | None = None, seed: int = 0):
        """(loss value, gradients like params) for a batch; `loss` is a name (mse, cross_entropy,
        bce) or a function (out, targets) -> (value, d value / d out).

        The method is each block's recorded one (adjoint unless the passes chose otherwise: a
        `samples` readout, shots or hardware mean parameter shift), or `method` for all blocks:
        adjoint, parameter_shift, spsa (stochastic, seeded) or finite_diff (for checking).
        With `shots`, readouts are sampled, as on hardware."""
        if method not in (None, "adjoint") or shots is not None or not self._adjoint_everywhere:
            from .shift import gradient as by_method
            return by_method(self, inputs, params, loss, targets, output=output, method=method,
                             shots=shots, seed=seed)
        if output is None:
            if len(self.outputs) != 1:
                raise ConfigError(f"model `{self.name}` has outputs {', '.join(self.outputs)}: say which "
                                  "one the loss is on (output=...)")
            output = next(iter(self.outputs))
        outputs, values, caches, params = self._run(inputs, params, keep=True)
        value, g = losses.get(loss)(outputs[output], targets)
        return value, self.backward(values, caches, params, {output: g})

    # ---- training (qml_compiler.train) ----------------------------------------------------------------

    def train(self, data=None, **settings):
        """Train this model with its `train` section, `settings` overriding it (`epochs=5`,
        `optimizer="sgd(lr=0.1)"`, `out="runs/x"` for a checkpoint and logs); `data` replaces the
        section's data (a path, a set such as "moons(n_samples=200)", or `(X, y)` arrays).
        Returns a `qml_compiler.train.TrainResult`; see docs/training.md."""
        from ..train.api import train
        return train(self, data, **settings)

    def predict(self, X, trained):
        """Predicted labels (or values) for raw features `X`, with the weights, scaling and classes
        of `trained`: a checkpoint path or a `TrainResult`."""
        if isinstance(trained, str):
            from ..train.api import load_trained
            return load_trained(self, trained)[0].predict(X)
        return trained.predictor.predict(X)


def _activate(kind: str, x: np.ndarray) -> np.ndarray:
    if kind == "relu":
        return np.maximum(x, 0.0)
    if kind == "tanh":
        return np.tanh(x)
    if kind == "sigmoid":
        return 0.5 * (1.0 + np.tanh(0.5 * x))
    if kind == "softmax":
        e = np.exp(x - x.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    return x


def _activate_backward(kind: str, x: np.ndarray, y: np.ndarray, g: np.ndarray) -> np.ndarray:
    if kind == "relu":
        return g * (x > 0)
    if kind == "tanh":
        return g * (1.0 - y ** 2)
    if kind == "sigmoid":
        return g * y * (1.0 - y)
    if kind == "softmax":
        return y * (g - np.sum(g * y, axis=1, keepdims=True))
    return g
