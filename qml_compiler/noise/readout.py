"""From measurement outcomes to readout values, as hardware computes them.

A device measures in the computational basis only. A readout is therefore a set of
*measurement settings*: the qubits measured, each after a basis change (X: H; Y: H S^dagger).
Pauli terms that agree qubit by qubit share a setting (all-Z readouts, the common case, need one
circuit per sample). A setting yields a distribution over the outcomes of its qubits (first
listed qubit = most significant bit); readout error acts on that distribution; an expectation is
the average of the product of +-1 outcomes; `probs` is a marginal, `samples` a draw from it.

    >>> plan = ReadoutPlan([Expval((PauliString(1.0, ((0, "Z"),)),)), Probs((0, 1))])
    >>> plan.settings
    [((0, 'Z'), (1, 'Z'))]
"""

from __future__ import annotations

import numpy as np

from ..diagnostics import ConfigError
from ..frontend.model import Expval, PauliString, Probs, Samples

BASIS_CHANGE = {
    "X": np.array([[1, 1], [1, -1]], dtype=complex) / np.sqrt(2),           # H
    "Y": np.array([[1, -1j], [1, 1j]], dtype=complex) / np.sqrt(2),         # H S^dagger
}


def pauli(text: str, coeff: float = 1.0) -> Expval:
    """An expectation readout from text: `"Z0"`, `"Z0 Z1"`, `"0.5*X0 Y2 + Z1"`."""
    terms = []
    for part in text.split("+"):
        part = part.strip()
        c = coeff
        if "*" in part:
            num, part = part.split("*", 1)
            c *= float(num)
        ops = []
        for tok in part.split():
            letter, q = tok[0].upper(), tok[1:]
            if letter not in "XYZ" or not q.isdigit():
                raise ConfigError(f"bad Pauli `{tok}` in `{text}`", hint="write e.g. Z0 Z1 or 0.5*X0")
            ops.append((int(q), letter))
        terms.append(PauliString(c, tuple(sorted(ops))))
    return Expval(tuple(terms))


def as_readouts(readouts) -> list:
    """Readout specs from specs or text (`"Z0"`, `"Z0 Z1"`)."""
    if readouts is None:
        raise ConfigError("no readouts given", hint="pass readouts, e.g. ['Z0', 'Z1'] or a block's readouts")
    if isinstance(readouts, (str, Expval, Probs, Samples)):
        readouts = [readouts]
    return [pauli(r) if isinstance(r, str) else r for r in readouts]


class ReadoutPlan:
    """The settings that a list of readouts needs, and how to read each readout off them."""

    def __init__(self, readouts):
        self.items = as_readouts(readouts)
        self.width = sum(r.width for r in self.items)
        settings: list[dict[int, str]] = []

        def place(need: dict[int, str]) -> int:
            for i, s in enumerate(settings):
                if all(s.get(q, b) == b for q, b in need.items()):
                    s.update(need)
                    return i
            settings.append(dict(need))
            return len(settings) - 1

        self._where = []  # per item: setting index per term / for the item
        for r in self.items:
            if isinstance(r, Expval):
                self._where.append([place(dict(t.ops)) if t.ops else None for t in r.terms])
            else:
                self._where.append(place({q: "Z" for q in r.qubits}))
        self.settings = [tuple(sorted(s.items())) for s in settings]

    @property
    def qubits(self) -> list[int]:
        """Every measured qubit (readout numbering)."""
        return sorted({q for s in self.settings for q, _ in s})

    def values(self, dists: list[np.ndarray], rng: np.random.Generator | None = None) -> np.ndarray:
        """(batch, width) readout values from one distribution (batch, 2**k) per setting."""
        batch = dists[0].shape[0] if dists else 1
        cols = []
        for r, where in zip(self.items, self._where):
            if isinstance(r, Expval):
                v = np.zeros(batch)
                for t, s in zip(r.terms, where):
                    if s is None:
                        v += t.coeff
                    else:
                        v += t.coeff * parity_mean(dists[s], self._axes(s, [q for q, _ in t.ops]))
                cols.append(v[:, None])
            else:
                m = marginal(dists[where], self._axes(where, list(r.qubits)))
                if isinstance(r, Samples):
                    rng = rng or np.random.default_rng(0)
                    p = np.clip(m, 0, None)
                    p = p / p.sum(axis=1, keepdims=True)
                    m = rng.multinomial(r.shots, p) / r.shots
                cols.append(m)
        return np.concatenate(cols, axis=1) if cols else np.zeros((batch, 0))

    def _axes(self, s: int, qubits: list[int]) -> list[int]:
        order = [q for q, _ in self.settings[s]]
        return [order.index(q) for q in qubits]


def marginal(dist: np.ndarray, axes: list[int]) -> np.ndarray:
    """(batch, 2**len(axes)) marginal of (batch, 2**k) on outcome bits `axes` (in that order,
    the first the most significant)."""
    batch, size = dist.shape
    k = size.bit_length() - 1
    v = dist.reshape((batch,) + (2,) * k)
    others = tuple(1 + a for a in range(k) if a not in axes)
    m = v.sum(axis=others) if others else v
    kept = sorted(axes)
    m = np.transpose(m, [0] + [1 + kept.index(a) for a in axes])
    return m.reshape(batch, 2 ** len(axes))


def parity_mean(dist: np.ndarray, axes: list[int]) -> np.ndarray:
    """E[prod (-1)^bit] over outcome bits `axes` of (batch, 2**k) distributions."""
    k = dist.shape[1].bit_length() - 1
    idx = np.arange(dist.shape[1])
    parity = np.zeros_like(idx)
    for a in axes:
        parity ^= (idx >> (k - 1 - a)) & 1
    return dist @ (1.0 - 2.0 * parity)


def confusion(p01: float, p10: float) -> np.ndarray:
    """A[m, b] = P(read m | state b) of one qubit."""
    return np.array([[1 - p01, p10], [p01, 1 - p10]])


def apply_per_qubit(dist: np.ndarray, mats: list[np.ndarray]) -> np.ndarray:
    """(batch, 2**k) distributions with a 2x2 matrix applied to each outcome bit (bit i by
    mats[i]; None leaves it)."""
    batch, size = dist.shape
    k = len(mats)
    v = dist.reshape((batch,) + (2,) * k)
    for i, A in enumerate(mats):
        if A is None:
            continue
        v = np.moveaxis(np.tensordot(A, v, axes=([1], [1 + i])), 0, 1 + i)
    return np.ascontiguousarray(v).reshape(batch, size)


def sample_counts(dist: np.ndarray, shots: int, rng: np.random.Generator) -> np.ndarray:
    """Frequencies of `shots` draws from each row of (batch, K) distributions."""
    p = np.clip(np.round(dist, 14), 0.0, None)
    p = p / p.sum(axis=1, keepdims=True)
    return rng.multinomial(int(shots), p) / shots
