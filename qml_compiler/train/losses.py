"""Losses for training, each `(out, targets) -> (value, d value / d out)` with batch means, as
`CompiledModel.gradient` takes them. The runtime's `mse`, `cross_entropy` (on probabilities) and
`bce` are used as they are; added here:

- `softmax_cross_entropy`: cross-entropy of softmax(out) against class labels, for raw outputs
  such as expectation values (`cross_entropy(logits=true)` in a train section).
- `hinge`: on one output with labels -1/+1, mean max(0, 1 - t*out); on several outputs the
  multi-class (Crammer-Singer) hinge mean max(0, 1 + max_{j != y} out_j - out_y).
- `fidelity`: for one-qubit classifiers (Pérez-Salinas et al.): mean (1 - F)^2, where F is the
  fidelity of the qubit's state with its class's target state. On a `probs` readout the target
  states are the basis states, so F = p[y]; with `fidelity(bloch=true)` the output is the Bloch
  vector (<X>, <Y>, <Z>) and the k classes' target states are k points spread over the sphere
  (`class_states`), F = (1 + r . s_y) / 2, which lets one qubit separate up to 4 (or more) classes.
"""

from __future__ import annotations

import numpy as np

from ..runtime import losses as runtime_losses


def _onehot(y: np.ndarray, width: int) -> np.ndarray:
    t = np.zeros((len(y), width))
    t[np.arange(len(y)), y] = 1.0
    return t


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def softmax_cross_entropy(out: np.ndarray, y: np.ndarray):
    p = softmax(out)
    t = _onehot(np.asarray(y, dtype=np.intp), out.shape[1])
    value = -np.sum(t * np.log(np.maximum(p, 1e-300))) / len(out)
    return float(value), (p - t) / len(out)


def cross_entropy(out: np.ndarray, y: np.ndarray):
    return runtime_losses.cross_entropy(out, np.asarray(y, dtype=np.intp))


def hinge(out: np.ndarray, t: np.ndarray):
    n = len(out)
    if out.shape[1] == 1:
        t = np.asarray(t, dtype=float).reshape(-1, 1)
        margin = 1.0 - t * out
        active = margin > 0
        return float(np.sum(margin * active) / n), np.where(active, -t, 0.0) / n
    y = np.asarray(t, dtype=np.intp)
    rows = np.arange(n)
    others = out.copy()
    others[rows, y] = -np.inf
    j = np.argmax(others, axis=1)
    margin = 1.0 + others[rows, j] - out[rows, y]
    active = margin > 0
    g = np.zeros_like(out)
    g[rows[active], j[active]] = 1.0 / n
    g[rows[active], y[active]] = -1.0 / n
    return float(np.sum(margin * active) / n), g


def class_states(k: int) -> np.ndarray:
    """k unit Bloch vectors, as far apart as the classic choices make them: ±Z for 2, a triangle
    in the XZ plane for 3, a tetrahedron for 4, a Fibonacci spiral beyond."""
    if k == 2:
        return np.array([[0.0, 0.0, 1.0], [0.0, 0.0, -1.0]])
    if k == 3:
        a = 2 * np.pi * np.arange(3) / 3
        return np.stack([np.sin(a), np.zeros(3), np.cos(a)], axis=1)
    if k == 4:
        s = 1 / np.sqrt(3)
        return np.array([[s, s, s], [s, -s, -s], [-s, s, -s], [-s, -s, s]])
    i = np.arange(k) + 0.5
    z = 1 - 2 * i / k
    phi = np.pi * (1 + 5 ** 0.5) * i
    r = np.sqrt(1 - z ** 2)
    return np.stack([r * np.cos(phi), r * np.sin(phi), z], axis=1)


def fidelity_probs(out: np.ndarray, y: np.ndarray):
    n = len(out)
    rows = np.arange(n)
    y = np.asarray(y, dtype=np.intp)
    f = out[rows, y]
    g = np.zeros_like(out)
    g[rows, y] = -2.0 * (1.0 - f) / n
    return float(np.sum((1.0 - f) ** 2) / n), g


def fidelity_bloch(states: np.ndarray):
    def loss(out: np.ndarray, y: np.ndarray):
        n = len(out)
        s = states[np.asarray(y, dtype=np.intp)]
        f = 0.5 * (1.0 + np.sum(out * s, axis=1))
        return float(np.sum((1.0 - f) ** 2) / n), -(1.0 - f)[:, None] * s / n
    return loss
