"""A reference evaluator of intermediate graphs, written to be obviously right, not fast.

Circuits run on pytket's own statevector simulator (`Circuit.get_statevector`, one sample at a
time), readouts are computed from the state with NumPy, classical layers are plain NumPy. Passes
are tested by evaluating a graph before and after them on random inputs and parameters; the
runtime's fast engine is tested against the same function.

Parameters are a dict: `"{block}.{param}"` -> flat array of the parameter's elements (row-major),
`"{layer}.weight"` -> (out, in) array and `"{layer}.bias"` -> (out,) array.
"""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import sympy

from ..frontend.model import Expval, Probs, Samples
from ..ir.graph import args, ordered
from ..ir.nodes import (Activation, Concat, Constant, Dense, Input, Output, QuantumBlock, Scale,
                        Slice)

PAULI = {"X": np.array([[0, 1], [1, 0]], dtype=complex), "Y": np.array([[0, -1j], [1j, 0]]),
         "Z": np.array([[1, 0], [0, -1]], dtype=complex), "I": np.eye(2, dtype=complex)}


def random_params(g: nx.DiGraph, seed: int = 0) -> dict[str, np.ndarray]:
    """Random values for every trainable parameter of the graph, drawn from its initialiser
    (a `zeros` or `constant` initialiser is replaced by uniform noise so tests see variety)."""
    rng = np.random.default_rng(seed)
    out: dict[str, np.ndarray] = {}
    for n in ordered(g):
        o = g.nodes[n]["op"]
        if isinstance(o, QuantumBlock):
            for owner, p in o.params:
                key = f"{owner}.{p.name}"
                if key not in out:
                    out[key] = rng.uniform(0, 2 * math.pi, p.size)
        elif isinstance(o, Dense):
            out.setdefault(f"{o.layer}.weight", rng.uniform(-0.5, 0.5, (o.width, o.in_width)))
            if o.bias:
                out.setdefault(f"{o.layer}.bias", rng.uniform(-0.5, 0.5, o.width))
    return out


def bind(block: QuantumBlock, params: dict, xs: list[np.ndarray]):
    """The block's circuit with every symbol replaced by its number for one sample."""
    values = {}
    for s in block.symbols:
        v = params[f"{s.block}.{s.name}"][s.index] if s.kind == "param" else xs[s.port][s.index]
        values[sympy.Symbol(s.symbol)] = float(v)
    c = block.circuit.copy()
    c.symbol_substitution(values)
    return c


def statevector(block: QuantumBlock, params: dict, xs: list[np.ndarray], start=None) -> np.ndarray:
    """The block's output state for one sample: pytket's simulator where it can (up to 11
    qubits, from |0...0>), else gate by gate with each gate's pytket unitary."""
    c = bind(block, params, xs)
    if start is None and c.n_qubits <= 11:
        return np.asarray(c.get_statevector())
    n = c.n_qubits
    psi = np.zeros(2 ** n, dtype=complex)
    psi[0] = 1
    psi = (psi if start is None else np.asarray(start, dtype=complex)).reshape((2,) * n)
    index = {q: i for i, q in enumerate(c.qubits)}
    for cmd in c.get_commands():
        axes = [index[q] for q in cmd.args]
        k = len(axes)
        u = np.asarray(cmd.op.get_unitary()).reshape((2,) * (2 * k))
        psi = np.moveaxis(np.tensordot(u, psi, axes=(list(range(k, 2 * k)), axes)), list(range(k)), axes)
    return psi.reshape(-1) * np.exp(1j * np.pi * float(c.phase))


def apply_pauli(state: np.ndarray, n: int, ops) -> np.ndarray:
    """P |state> for a Pauli string ((qubit, letter), ...); qubit 0 is the most significant."""
    psi = state.reshape((2,) * n)
    for q, letter in ops:
        psi = np.moveaxis(np.tensordot(PAULI[letter], psi, axes=([1], [q])), 0, q)
    return psi.reshape(-1)


def readout(state: np.ndarray, n: int, r, rng: np.random.Generator) -> np.ndarray:
    if isinstance(r, Expval):
        return np.array([sum(t.coeff * np.vdot(state, apply_pauli(state, n, t.ops)).real for t in r.terms)])
    probs = np.abs(state.reshape((2,) * n)) ** 2
    others = tuple(q for q in range(n) if q not in r.qubits)
    marg = probs.sum(axis=others) if others else probs
    kept = sorted(r.qubits)
    marg = np.transpose(marg, [kept.index(q) for q in r.qubits]).reshape(-1)
    if isinstance(r, Probs):
        return marg
    assert isinstance(r, Samples)
    p = np.round(marg, 12)  # rounding noise must not change which outcomes are drawn
    counts = rng.multinomial(r.shots, p / p.sum())
    return counts / r.shots


def _activation(kind: str, x: np.ndarray) -> np.ndarray:
    if kind == "relu":
        return np.maximum(x, 0)
    if kind == "tanh":
        return np.tanh(x)
    if kind == "sigmoid":
        return 1 / (1 + np.exp(-x))
    if kind == "softmax":
        e = np.exp(x - x.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)
    return x


def evaluate(g: nx.DiGraph, inputs: dict[str, np.ndarray], params: dict, seed: int = 0) -> dict[str, np.ndarray]:
    """The model's outputs, by output name, for a batch of inputs (name -> (batch, width))."""
    rng = np.random.default_rng(seed)
    batch = len(next(iter(inputs.values())))
    values: dict = {}
    states: dict = {}
    outputs = {}
    for n in ordered(g):
        o = g.nodes[n]["op"]
        xs = [values.get(a) for a in args(g, n)]
        if isinstance(o, Input):
            values[n] = np.asarray(inputs[o.name], dtype=float).reshape(batch, o.width)
        elif isinstance(o, Constant):
            values[n] = np.tile(np.array(o.values), (batch, 1))
        elif isinstance(o, Dense):
            y = xs[0] @ params[f"{o.layer}.weight"].T
            values[n] = y + params[f"{o.layer}.bias"] if o.bias else y
        elif isinstance(o, Activation):
            values[n] = _activation(o.function, xs[0])
        elif isinstance(o, Scale):
            values[n] = o.factor * xs[0]
        elif isinstance(o, Concat):
            values[n] = np.concatenate(xs, axis=1)
        elif isinstance(o, Slice):
            values[n] = xs[0][:, o.start:o.stop]
        elif isinstance(o, QuantumBlock):
            start = states[args(g, n)[0]] if o.from_state else None
            rows, sv = [], []
            for b in range(batch):
                sample = [x[b] if x is not None else None for x in xs]
                psi = statevector(o, params, sample, None if start is None else start[b])
                if o.state:
                    sv.append(psi)
                else:
                    rows.append(np.concatenate([readout(psi, o.n_qubits, r, rng) for r in o.readouts]))
            if o.state:
                states[n] = sv
            else:
                values[n] = np.array(rows)
        elif isinstance(o, Output):
            outputs[o.name] = xs[0]
    return outputs
