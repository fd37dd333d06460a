"""Batched density-matrix and Monte-Carlo trajectory simulation of a noisy circuit.

Both work on tensors with one axis of size 2 per qubit and the batch last (as the runtime's
state vectors do), so that a per-sample gate coefficient of shape (batch,) broadcasts over the
slices it multiplies:

- A density matrix of n qubits is a 2n-axis tensor, rows first: axis q is qubit q of the row
  index and axis n + q the same qubit of the column index. A gate U is applied as U on the row
  axes and conj(U) on the column axes (rho -> U rho U^dagger); channels act on the (q, n + q)
  pairs directly: depolarising mixes with the partial trace, damping rescales and moves entries.
- Trajectories are state vectors (n axes), `K` per sample, the columns sample-major. A
  depolarising error is a random Pauli drawn per column; amplitude damping a quantum jump with
  its state-dependent probability; phase damping (a mixed-unitary channel) a random Z. The
  average over trajectories is the density matrix's prediction; its spread gives error bars.

Randomness comes only from the Generator passed in, in a fixed order, so a seed fixes the result.
"""

from __future__ import annotations

import numpy as np

from ..diagnostics import LimitError
from ..runtime.program import KIND_CX, KIND_CZ, KIND_M1, KIND_M2, KIND_SWAP
from .model import NoiseModel
from .plan import Plan

PAULIS = np.array([np.eye(2), [[0, 1], [1, 0]], [[0, -1j], [1j, 0]], [[1, 0], [0, -1]]], dtype=complex)


def _ix(ndim: int, assign: dict) -> tuple:
    idx = [slice(None)] * ndim
    for axis, v in assign.items():
        idx[axis] = v
    return tuple(idx)


def apply1(T: np.ndarray, U: np.ndarray, ax: int) -> None:
    """T <- U on axis ax, in place; U is (2, 2) or (columns, 2, 2) per column. Diagonal U (Rz,
    half the gates of a native circuit) costs two in-place products."""
    nd = T.ndim
    a0, a1 = T[_ix(nd, {ax: 0})], T[_ix(nd, {ax: 1})]
    u00, u01, u10, u11 = U[..., 0, 0], U[..., 0, 1], U[..., 1, 0], U[..., 1, 1]
    if not np.any(u01) and not np.any(u10):
        a0 *= u00
        a1 *= u11
        return
    t0 = a0 * u00
    t0 += a1 * u01
    a1 *= u11
    a1 += a0 * u10
    a0[...] = t0


def apply2(T: np.ndarray, U: np.ndarray, a: int, b: int, kind: int = KIND_M2) -> None:
    """T <- U on axes (a, b) (a the more significant), in place; fast paths for CX, CZ, SWAP."""
    nd = T.ndim
    idx = [_ix(nd, {a: i, b: j}) for i in (0, 1) for j in (0, 1)]
    if kind == KIND_CX:
        T[idx[2]], T[idx[3]] = T[idx[3]].copy(), T[idx[2]].copy()
        return
    if kind == KIND_CZ:
        T[idx[3]] *= -1
        return
    if kind == KIND_SWAP:
        T[idx[1]], T[idx[2]] = T[idx[2]].copy(), T[idx[1]].copy()
        return
    parts = [T[i].copy() for i in idx]
    for r in range(4):
        acc = U[..., r, 0] * parts[0]
        for c in range(1, 4):
            acc = acc + U[..., r, c] * parts[c]
        T[idx[r]] = acc


def depolarising_lambda(p: float, n: int) -> float:
    """The weight of the maximally mixed state in a depolarising channel whose Pauli error
    probability is p: lam = p * 4**n / (4**n - 1)."""
    d2 = 4 ** n
    return p * d2 / (d2 - 1)


# ---- density matrices ----------------------------------------------------------------------------

def _dm_depolarise(T: np.ndarray, n: int, qubits: tuple[int, ...], p: float) -> None:
    """rho <- (1 - lam) rho + lam Tr_S(rho) (x) I/d on the qubits S."""
    lam = depolarising_lambda(p, len(qubits))
    nd = T.ndim
    diag = [dict(zip([q for q in qubits] + [n + q for q in qubits], list(bits) + list(bits)))
            for bits in np.ndindex(*(2,) * len(qubits))]
    tr = sum(T[_ix(nd, d)] for d in diag)
    T *= 1 - lam
    share = lam / 2 ** len(qubits)
    for d in diag:
        T[_ix(nd, d)] += share * tr


def _dm_amp(T: np.ndarray, n: int, q: int, g: float) -> None:
    nd = T.ndim
    e = {(i, j): _ix(nd, {q: i, n + q: j}) for i in (0, 1) for j in (0, 1)}
    T[e[0, 0]] += g * T[e[1, 1]]
    T[e[1, 1]] *= 1 - g
    s = np.sqrt(1 - g)
    T[e[0, 1]] *= s
    T[e[1, 0]] *= s


def _dm_phase(T: np.ndarray, n: int, q: int, lam: float) -> None:
    nd = T.ndim
    s = np.sqrt(1 - lam)
    T[_ix(nd, {q: 0, n + q: 1})] *= s
    T[_ix(nd, {q: 1, n + q: 0})] *= s


def _noisy(gate, noise: NoiseModel) -> bool:
    return gate.name not in noise.virtual


def dm_bytes(n: int, batch: int) -> int:
    return 16 * 4 ** n * batch


def simulate_density(plan: Plan, X: np.ndarray, noise: NoiseModel, memory_limit: int | None = None) -> np.ndarray:
    """The final density matrices of a batch: a (2,)*2n + (B,) tensor (readout error not applied)."""
    n, B = plan.n, X.shape[0]
    need = 3 * dm_bytes(n, B)
    limit = memory_limit if memory_limit is not None else 8 << 30
    if need > limit:
        raise LimitError(f"density matrices of {n} qubits for a batch of {B} need about {need / 2**30:.1f} GiB",
                         hint="use method='trajectories' (state vectors), a smaller batch, or fewer qubits")
    mats1, mats2 = plan.matrices(X)
    T = np.zeros((2,) * (2 * n) + (B,), dtype=complex)
    T[(0,) * (2 * n)] = 1.0
    for g in plan.gates:
        if g.kind == KIND_M1:
            q = g.qubits[0]
            U = mats1[g.slot]
            apply1(T, U, q)
            apply1(T, U.conj(), n + q)
        else:
            a, b = g.qubits
            U = mats2[g.slot] if g.kind == KIND_M2 else None
            apply2(T, U, a, b, g.kind)
            apply2(T, None if U is None else U.conj(), n + a, n + b, g.kind)
        if not _noisy(g, noise):
            continue
        p = noise.p1(g.device[0]) if len(g.qubits) == 1 else noise.p2(*g.device)
        if p:
            _dm_depolarise(T, n, g.qubits, p)
        for q in g.qubits:
            if noise.amp:
                _dm_amp(T, n, q, noise.amp)
            if noise.phase:
                _dm_phase(T, n, q, noise.phase)
    return T


def density_probs(T: np.ndarray, n: int, rotations: dict[int, np.ndarray] | None = None) -> np.ndarray:
    """Basis-state probabilities (2,)*n + (B,) of density matrices, after the single-qubit
    basis changes `rotations` (qubit -> 2x2) if any."""
    if rotations:
        T = T.copy()
        for q, R in rotations.items():
            apply1(T, R, q)
            apply1(T, R.conj(), n + q)
    B = T.shape[-1]
    M = T.reshape(2 ** n, 2 ** n, B)
    return np.einsum("iib->ib", M).real.reshape((2,) * n + (B,)).copy()


# ---- trajectories --------------------------------------------------------------------------------

def simulate_trajectories(plan: Plan, X: np.ndarray, noise: NoiseModel, k: int,
                          rng: np.random.Generator, memory_limit: int | None = None) -> np.ndarray:
    """State vectors of `k` trajectories per sample: a (2,)*n + (B * k,) tensor, columns
    sample-major (column b * k + j is trajectory j of sample b)."""
    n, B = plan.n, X.shape[0]
    C = B * k
    need = 3 * 16 * 2 ** n * C
    limit = memory_limit if memory_limit is not None else 8 << 30
    if need > limit:
        raise LimitError(f"{k} trajectories of {n} qubits for a batch of {B} need about {need / 2**30:.1f} GiB",
                         hint="use fewer trajectories or a smaller batch")
    mats1, mats2 = plan.matrices(X)
    T = np.zeros((2,) * n + (C,), dtype=complex)
    T[(0,) * n] = 1.0
    for g in plan.gates:
        if g.kind == KIND_M1:
            apply1(T, np.repeat(mats1[g.slot], k, axis=0), g.qubits[0])
        else:
            U = np.repeat(mats2[g.slot], k, axis=0) if g.kind == KIND_M2 else None
            apply2(T, U, *g.qubits, g.kind)
        if not _noisy(g, noise):
            continue
        p = noise.p1(g.device[0]) if len(g.qubits) == 1 else noise.p2(*g.device)
        if p:
            _pauli_errors(T, g.qubits, p, rng)
        for q in g.qubits:
            if noise.amp:
                _jump_amp(T, q, noise.amp, rng)
            if noise.phase:
                # Phase damping lam is the dephasing channel that applies Z with probability
                # (1 - sqrt(1 - lam)) / 2: same coherences, and a unitary per trajectory.
                _pauli_errors(T, (q,), (1 - np.sqrt(1 - noise.phase)) / 2, rng, only_z=True)
    return T


def _pauli_errors(T: np.ndarray, qubits: tuple[int, ...], p: float, rng: np.random.Generator,
                  only_z: bool = False) -> None:
    """With probability p per column, a uniformly drawn non-identity Pauli on `qubits`."""
    C = T.shape[-1]
    hit = rng.random(C) < p
    cols = np.flatnonzero(hit)
    m = len(qubits)
    if only_z:
        which = np.full((len(cols), 1), 3)
    else:
        w = rng.integers(1, 4 ** m, size=len(cols))
        which = np.stack([(w >> (2 * (m - 1 - i))) & 3 for i in range(m)], axis=1)
    if not len(cols):
        return
    sub = T[..., cols]
    for i, q in enumerate(qubits):
        apply1(sub, PAULIS[which[:, i]], q)
    T[..., cols] = sub


def _jump_amp(T: np.ndarray, q: int, g: float, rng: np.random.Generator) -> None:
    """Amplitude damping as a quantum jump: K1 = sqrt(g)|0><1| with probability g P(q = 1),
    else K0 = diag(1, sqrt(1 - g)); the state is renormalised either way."""
    nd = T.ndim
    one = T[_ix(nd, {q: 1})]
    axes = tuple(range(nd - 2))
    p1 = np.sum(np.abs(one) ** 2, axis=axes) if axes else np.abs(one) ** 2
    norm = np.sum(np.abs(T) ** 2, axis=tuple(range(nd - 1)))
    p1 = p1 / norm
    jump = rng.random(T.shape[-1]) < g * p1
    zero_i, one_i = _ix(nd, {q: 0}), _ix(nd, {q: 1})
    # no jump: |1> amplitudes shrink by sqrt(1 - g); jump: |1> amplitudes move to |0>
    new0 = np.where(jump, T[one_i], T[zero_i])
    new1 = np.where(jump, 0.0, T[one_i] * np.sqrt(1 - g))
    T[zero_i] = new0
    T[one_i] = new1
    T /= np.sqrt(np.sum(np.abs(T) ** 2, axis=tuple(range(nd - 1))))


def state_probs(T: np.ndarray, n: int, rotations: dict[int, np.ndarray] | None = None) -> np.ndarray:
    """Basis-state probabilities (2,)*n + (C,) of state vectors after optional basis changes."""
    if rotations:
        T = T.copy()
        for q, R in rotations.items():
            apply1(T, R, q)
    return T.real ** 2 + T.imag ** 2
