"""Sampled readouts: what a block's readouts would be if estimated from `shots` measurements.

Hardware never sees the state, only measurement outcomes. Given the exact state batch of a
simulation, this module draws the numbers a device would report:

- `expval`: every Pauli term is measured on its own (non-commuting terms need different bases,
  and hardware measures them in separate runs): `shots` outcomes +-1 in the term's eigenbasis, so
  the count of +1 outcomes is Binomial(shots, (1 + <P>) / 2) and the estimate of <P> is
  2 * count / shots - 1. A term without Paulis (the identity) is its coefficient, exactly.
- `probs`: the frequencies of a Multinomial(shots, p) draw over the 2**k outcomes.
- `samples`: as the readout itself says (its own `shots`), independent of the `shots` asked here.

Everything is drawn from the numpy Generator passed in (or one seeded with `seed`), in a fixed
order (readout by readout, term by term, the whole batch at once), so a seed gives the same
numbers on every run.

    >>> from qml_compiler.runtime.shots import sample_readouts
    >>> est = sample_readouts(runner.readouts, state, shots=1000, rng=np.random.default_rng(0))
"""

from __future__ import annotations

import numpy as np

from ..frontend.model import Expval, Probs, Samples

_PAULI_FLIP = {"X", "Y"}


def _rng(rng=None, seed: int | None = None) -> np.random.Generator:
    if rng is not None:
        return rng
    return np.random.default_rng(0 if seed is None else seed)


def _bit(n: int, q: int) -> np.ndarray:
    """The value of qubit q (0 = most significant) in every basis index of n qubits."""
    return (np.arange(2 ** n) >> (n - 1 - q)) & 1


def pauli_expectation(state: np.ndarray, n: int, ops) -> np.ndarray:
    """Exact <psi| P |psi> per sample for a Pauli string ((qubit, letter), ...) on a (2**n, batch)
    state; qubit 0 is the most significant bit of a basis index."""
    if not ops:
        return np.ones(state.shape[-1])
    idx = np.arange(2 ** n)
    flip = 0
    sign = np.ones(2 ** n)
    phase = 1.0 + 0j
    for q, letter in ops:
        b = _bit(n, q)
        if letter in _PAULI_FLIP:
            flip |= 1 << (n - 1 - q)
        if letter == "Z":
            sign = sign * (1 - 2 * b)
        elif letter == "Y":  # Y|b> = i (-1)^b |1-b>
            sign = sign * (1 - 2 * b)
            phase *= 1j
    # P|psi>[i ^ flip] = phase * sign[i] * psi[i]  =>  <psi|P|psi> = sum_i conj(psi[i^flip]) phase sign[i] psi[i]
    val = np.einsum("ib,ib->b", np.conj(state[idx ^ flip]), (phase * sign)[:, None] * state)
    return np.real(val)


def estimate_pauli(expectation: np.ndarray, shots: int, rng: np.random.Generator) -> np.ndarray:
    """Estimates of Pauli expectations from `shots` +-1 outcomes each (same shape as the input)."""
    p = np.clip((1.0 + np.asarray(expectation, dtype=float)) / 2.0, 0.0, 1.0)
    plus = rng.binomial(int(shots), p)
    return 2.0 * plus / shots - 1.0


def sample_frequencies(probs: np.ndarray, shots: int, rng: np.random.Generator) -> np.ndarray:
    """Frequencies of `shots` draws from each row of probs (batch, K): (batch, K)."""
    p = np.clip(np.asarray(probs, dtype=float), 0.0, None)
    p = np.round(p, 12)  # rounding noise must not change what is drawn
    p = p / p.sum(axis=1, keepdims=True)
    counts = rng.multinomial(int(shots), p)
    return counts / shots


def marginal_probs(state: np.ndarray, n: int, qubits) -> np.ndarray:
    """(batch, 2**k) probabilities of the outcomes on `qubits` (the first listed is the most
    significant bit of an outcome)."""
    probs = np.abs(state) ** 2
    out_idx = np.zeros(2 ** n, dtype=np.int64)
    for q in qubits:
        out_idx = (out_idx << 1) | _bit(n, q)
    out = np.zeros((2 ** len(qubits), state.shape[-1]))
    np.add.at(out, out_idx, probs)
    return out.T


def sample_readouts(readouts, state: np.ndarray, shots: int | None, rng: np.random.Generator | None = None,
                    seed: int | None = None) -> np.ndarray:
    """(batch, width) readouts of a (2**n, batch) state as estimated from `shots` measurements.

    `readouts` is a `runtime.readouts.Readouts` (its `items` and `n` are used). With shots=None
    the expectations and probabilities are exact (samples are still drawn)."""
    rng = _rng(rng, seed)
    n = readouts.n
    if shots is not None and int(shots) <= 0:
        raise ValueError(f"shots must be a positive number, got {shots}")
    batch = state.shape[-1]
    cols = []
    for r in readouts.items:
        if isinstance(r, Expval):
            total = np.zeros(batch)
            for t in r.terms:
                if not t.ops:
                    total += t.coeff
                    continue
                e = pauli_expectation(state, n, t.ops)
                total += t.coeff * (e if shots is None else estimate_pauli(e, shots, rng))
            cols.append(total[:, None])
        elif isinstance(r, Probs):
            p = marginal_probs(state, n, r.qubits)
            cols.append(p if shots is None else sample_frequencies(p, shots, rng))
        elif isinstance(r, Samples):
            cols.append(sample_frequencies(marginal_probs(state, n, r.qubits), r.shots, rng))
        else:  # pragma: no cover - the frontend knows only these three
            raise TypeError(f"unknown readout {r!r}")
    return np.concatenate(cols, axis=1) if cols else np.zeros((batch, 0))


def standard_errors(readouts, state: np.ndarray, shots: int) -> np.ndarray:
    """(batch, width) standard deviations of `sample_readouts` around the exact values: for an
    expval, sqrt(sum_t c_t^2 (1 - <P_t>^2) / shots); for a probability, sqrt(p (1 - p) / shots)."""
    n = readouts.n
    batch = state.shape[-1]
    cols = []
    for r in readouts.items:
        if isinstance(r, Expval):
            var = np.zeros(batch)
            for t in r.terms:
                if t.ops:
                    e = pauli_expectation(state, n, t.ops)
                    var += t.coeff ** 2 * np.clip(1 - e ** 2, 0, None) / shots
            cols.append(np.sqrt(var)[:, None])
        else:
            s = shots if isinstance(r, Probs) else r.shots
            p = marginal_probs(state, n, r.qubits)
            cols.append(np.sqrt(p * (1 - p) / s))
    return np.concatenate(cols, axis=1) if cols else np.zeros((batch, 0))
