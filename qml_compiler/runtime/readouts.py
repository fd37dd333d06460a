"""Readouts from a batch of states, and the adjoint states that their gradients start from.

Every exact readout is an expectation of a Hermitian operator: a weighted Pauli sum, or a
projector onto an outcome of some qubits (probabilities). So the gradient of a loss L with respect
to the state is lam = sum_k (dL/d out_k) O_k psi, computed here, and the kernels' backward pass
carries it through the circuit. `samples` draws outcomes with a seeded generator (no gradient:
sampled readouts train with parameter shift or SPSA).
"""

from __future__ import annotations

import functools

import numpy as np

from ..frontend.model import Expval, Probs, Samples


def _apply_pauli(state: np.ndarray, n: int, ops) -> np.ndarray:
    out = state.copy()
    for q, letter in ops:
        v = out.reshape(2 ** q, 2, 2 ** (n - q - 1), out.shape[-1])
        if letter == "Z":
            v[:, 1] *= -1
        elif letter == "X":
            v[:, [0, 1]] = v[:, [1, 0]]
        else:  # Y = [[0, -i], [i, 0]]
            a = v[:, 0].copy()
            v[:, 0] = -1j * v[:, 1]
            v[:, 1] = 1j * a
    return out


class Readouts:
    """The readouts of one block, prepared for an n-qubit state."""

    def __init__(self, readouts, n_qubits: int):
        self.items = list(readouts)
        self.n = n_qubits
        self.width = sum(r.width for r in self.items)
        self._signs: dict = {}
        self._outcomes: dict = {}
        # Expectations of diagonal (Z and identity) Pauli sums, the common case, are one matrix
        # product with the probabilities: column j of `_zmat` is sum_t coeff_t * signs_t. Built
        # on first use: a block too large to simulate must reach the memory check of its first
        # run (which says what to change) rather than fail here allocating 2**n signs.
        self._zcols, col = [], 0
        for r in self.items:
            if isinstance(r, Expval) and all(p == "Z" for t in r.terms for _, p in t.ops):
                self._zcols.append(col)
            col += r.width

    @functools.cached_property
    def _zdiag(self) -> tuple[np.ndarray, np.ndarray]:
        cols, consts = [], []
        zitems = [r for r in self.items if isinstance(r, Expval) and all(p == "Z" for t in r.terms for _, p in t.ops)]
        for r in zitems:
            v = np.zeros(2 ** self.n)
            c = 0.0
            for t in r.terms:
                if t.ops:
                    v += t.coeff * self._z_signs([q for q, _ in t.ops])
                else:
                    c += t.coeff
            cols.append(v)
            consts.append(c)
        return (np.stack(cols, axis=1) if cols else np.zeros((2 ** self.n, 0))), np.array(consts)

    @property
    def _zmat(self) -> np.ndarray:
        return self._zdiag[0]

    @property
    def _zconst(self) -> np.ndarray:
        return self._zdiag[1]

    def _z_signs(self, qubits) -> np.ndarray:
        key = tuple(qubits)
        if key not in self._signs:
            idx = np.arange(2 ** self.n)
            parity = np.zeros(2 ** self.n, dtype=np.int64)
            for q in qubits:
                parity ^= (idx >> (self.n - 1 - q)) & 1
            self._signs[key] = 1.0 - 2.0 * parity
        return self._signs[key]

    def _outcome_index(self, qubits) -> np.ndarray:
        """For each basis state, the index of its outcome on `qubits` (first listed = MSB)."""
        key = tuple(qubits)
        if key not in self._outcomes:
            idx = np.arange(2 ** self.n)
            out = np.zeros(2 ** self.n, dtype=np.int64)
            for q in qubits:
                out = (out << 1) | ((idx >> (self.n - 1 - q)) & 1)
            self._outcomes[key] = out
        return self._outcomes[key]

    def _expval(self, state, probs, r: Expval) -> np.ndarray:
        total = np.zeros(state.shape[-1])
        for t in r.terms:
            if not t.ops:
                total += t.coeff
            elif all(p == "Z" for _, p in t.ops):
                total += t.coeff * (self._z_signs([q for q, _ in t.ops]) @ probs)
            else:
                total += t.coeff * np.real(np.einsum("ib,ib->b", np.conj(state), _apply_pauli(state, self.n, t.ops)))
        return total

    def _probs(self, probs, qubits) -> np.ndarray:
        """(batch, 2**k) marginal probabilities of `qubits` (first listed = most significant)."""
        batch = probs.shape[-1]
        v = probs.reshape((2,) * self.n + (batch,))
        others = tuple(q for q in range(self.n) if q not in qubits)
        m = v.sum(axis=others) if others else v
        kept = sorted(qubits)
        m = np.transpose(m, [kept.index(q) for q in qubits] + [len(kept)])
        return m.reshape(2 ** len(qubits), batch).T

    CHUNK = 1 << 14
    """Rows of the state handled at a time for diagonal readouts, so that temporaries stay in
    cache instead of costing state-sized allocations (half a second each at 20 qubits)."""

    def _zvalues(self, state: np.ndarray) -> np.ndarray:
        out = np.zeros((state.shape[-1], len(self._zcols)))
        for i in range(0, state.shape[0], self.CHUNK):
            chunk = state[i:i + self.CHUNK]
            out += (chunk.real ** 2 + chunk.imag ** 2).T @ self._zmat[i:i + self.CHUNK]
        return out + self._zconst

    def evaluate(self, state: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
        """(batch, width) readout values of a (2**n, batch) state."""
        zvals = self._zvalues(state) if self._zcols else None
        if len(self._zcols) == len(self.items):
            return zvals
        probs = state.real ** 2 + state.imag ** 2
        cols = []
        col = 0
        for r in self.items:
            if isinstance(r, Expval) and col in self._zcols:
                cols.append(zvals[:, self._zcols.index(col), None])
            elif isinstance(r, Expval):
                cols.append(self._expval(state, probs, r)[:, None])
            elif isinstance(r, Probs):
                cols.append(self._probs(probs, r.qubits))
            else:
                p = self._probs(probs, r.qubits)
                rng = rng or np.random.default_rng(0)
                p = np.clip(np.round(p, 12), 0, None)
                counts = np.stack([rng.multinomial(r.shots, row / row.sum()) for row in p])
                cols.append(counts / r.shots)
            col += r.width
        if len(cols) == 1:
            return cols[0]
        return np.concatenate(cols, axis=1) if cols else np.zeros((state.shape[-1], 0))

    @property
    def differentiable(self) -> bool:
        return not any(isinstance(r, Samples) for r in self.items)

    def adjoint_seed(self, state: np.ndarray, g: np.ndarray) -> np.ndarray:
        """lam = sum_k g[:, k] O_k psi for upstream gradients g (batch, width)."""
        lam = np.zeros_like(state) if len(self._zcols) < len(self.items) else np.empty_like(state)
        if self._zcols:
            gz = g[:, self._zcols].T
            for i in range(0, state.shape[0], self.CHUNK):
                rows = slice(i, i + self.CHUNK)
                np.multiply(self._zmat[rows] @ gz, state[rows], out=lam[rows])
        col = 0
        for r in self.items:
            if isinstance(r, Expval) and col in self._zcols:
                col += 1
                continue
            if isinstance(r, Expval):
                gk = g[:, col]
                for t in r.terms:
                    if not t.ops:
                        continue
                    if all(p == "Z" for _, p in t.ops):
                        lam += (t.coeff * self._z_signs([q for q, _ in t.ops]))[:, None] * state * gk[None, :]
                    else:
                        lam += t.coeff * _apply_pauli(state, self.n, t.ops) * gk[None, :]
                col += 1
            elif isinstance(r, Probs):
                w = g[:, col:col + r.width]  # (batch, 2**k)
                lam += w.T[self._outcome_index(r.qubits)] * state
                col += r.width
            else:
                raise ValueError("sampled readouts have no exact gradient")
        return lam
