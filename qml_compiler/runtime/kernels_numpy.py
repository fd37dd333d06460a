"""The simulator's kernels in plain NumPy: the reference for the compiled (numba) kernels, and the
path used where numba is missing. Both implement the same two functions on the same program.

A program is an int64 array of rows (kind, a, b, slot):
  KIND_M1 (0): apply mats1[slot] (batch, 2, 2) to qubit a
  KIND_M2 (1): apply mats2[slot] (batch, 4, 4) to qubits (a, b), a the more significant
  KIND_CX (2): CNOT, control a, target b;  KIND_CZ (3);  KIND_SWAP (4)
The state is (2**n, batch) complex: the batch is the last axis, so each gate touches contiguous
slices. Qubit 0 is the most significant bit of the basis index.

`backward` runs the program in reverse on the final state psi and the adjoint state lam (the
loss's derivative operator applied to psi), un-computing both (psi <- U^dagger psi, lam <- U^dagger
lam) instead of storing every intermediate state, and returns for each slot that needs it
G[b, r, c] = sum over the other qubits of conj(lam_after[r]) * psi_before[c].
"""

from __future__ import annotations

import numpy as np

from .program import KIND_CX, KIND_CZ, KIND_M1, KIND_M2


def _view1(state: np.ndarray, n: int, q: int) -> np.ndarray:
    return state.reshape(2 ** q, 2, 2 ** (n - q - 1), state.shape[-1])


def _pair(state: np.ndarray, n: int, a: int, b: int):
    """The four slices s[i][j] (qubit a = i, qubit b = j) of the state, as views."""
    lo, hi = min(a, b), max(a, b)
    v = state.reshape(2 ** lo, 2, 2 ** (hi - lo - 1), 2, 2 ** (n - hi - 1), state.shape[-1])
    if a < b:
        return [[v[:, i, :, j] for j in range(2)] for i in range(2)]
    return [[v[:, j, :, i] for j in range(2)] for i in range(2)]


_scratch: dict = {}


def _buffers(shape, count: int = 2, dtype=np.complex128):
    """Reusable scratch arrays: allocating a fresh half-state per gate costs more than the
    arithmetic (page faults). Buffers are kept by size, so every qubit's slices of a state
    (all of one size, in different shapes) share the same two."""
    size = int(np.prod(shape))
    key = (size, np.dtype(dtype).char)
    bufs = _scratch.get(key)
    if bufs is None or len(bufs) < count:
        if len(_scratch) > 4:
            _scratch.clear()
        bufs = _scratch[key] = [np.empty(size, dtype=dtype) for _ in range(max(count, 2))]
    return [b.reshape(shape) for b in bufs[:count]]


def _apply1(state, n, q, m):
    v = _view1(state, n, q)
    a, b = v[:, 0], v[:, 1]
    t1, t2 = _buffers(a.shape, 2, state.dtype)
    m00, m01, m10, m11 = (m[..., r, c] for r in range(2) for c in range(2))
    np.multiply(m10, a, out=t1)  # new b, from the old a and b
    np.multiply(m11, b, out=t2)
    np.add(t1, t2, out=t1)
    np.multiply(a, m00, out=a)  # new a, in place
    np.multiply(m01, b, out=t2)
    np.add(a, t2, out=a)
    b[...] = t1


def _apply2(state, n, qa, qb, m):
    s = _pair(state, n, qa, qb)
    old = [s[0][0].copy(), s[0][1].copy(), s[1][0].copy(), s[1][1].copy()]
    for r in range(4):
        acc = m[..., r, 0] * old[0]
        for c in range(1, 4):
            acc = acc + m[..., r, c] * old[c]
        s[r >> 1][r & 1][...] = acc


def _cx(state, n, c, t):
    s = _pair(state, n, c, t)
    (tmp,) = _buffers(s[1][0].shape, 1, state.dtype)
    np.copyto(tmp, s[1][0])
    s[1][0][...] = s[1][1]
    s[1][1][...] = tmp


def _cz(state, n, a, b):
    s = _pair(state, n, a, b)
    s[1][1][...] *= -1


def _swap(state, n, a, b):
    s = _pair(state, n, a, b)
    (tmp,) = _buffers(s[0][1].shape, 1, state.dtype)
    np.copyto(tmp, s[0][1])
    s[0][1][...] = s[1][0]
    s[1][0][...] = tmp


def _n_of(state) -> int:
    return int(state.shape[0]).bit_length() - 1


def forward(state: np.ndarray, code: np.ndarray, mats1: np.ndarray, mats2: np.ndarray) -> None:
    """Apply the program to the batch of states, in place."""
    n = _n_of(state)
    for kind, a, b, slot in code:
        if kind == KIND_M1:
            _apply1(state, n, a, mats1[slot])
        elif kind == KIND_M2:
            _apply2(state, n, a, b, mats2[slot])
        elif kind == KIND_CX:
            _cx(state, n, a, b)
        elif kind == KIND_CZ:
            _cz(state, n, a, b)
        else:
            _swap(state, n, a, b)


def _adjoint(m: np.ndarray) -> np.ndarray:
    return np.conj(np.swapaxes(m, -1, -2))


def _cross1(psi, lam, n, q):
    vp, vl = _view1(psi, n, q), _view1(lam, n, q)
    G = np.empty((psi.shape[-1], 2, 2), dtype=complex)
    (conj,) = _buffers(vl[:, 0].shape, 1, lam.dtype)
    for r in range(2):
        np.conjugate(vl[:, r], out=conj)  # once per row, into scratch
        for c in range(2):
            G[:, r, c] = np.einsum("ikb,ikb->b", conj, vp[:, c])
    return G


def _cross2(psi, lam, n, a, b):
    sp, sl = _pair(psi, n, a, b), _pair(lam, n, a, b)
    G = np.empty((psi.shape[-1], 4, 4), dtype=complex)
    for r in range(4):
        lr = np.conj(sl[r >> 1][r & 1])
        for c in range(4):
            G[:, r, c] = np.einsum("ijkb,ijkb->b", lr, sp[c >> 1][c & 1])
    return G


def backward(psi: np.ndarray, lam: np.ndarray, code: np.ndarray, mats1: np.ndarray,
             mats2: np.ndarray, need1: np.ndarray, need2: np.ndarray):
    """Un-compute psi and lam through the program in reverse; return (G1, G2) for the slots
    flagged in need1/need2 (other entries are left zero). psi and lam are changed in place."""
    n = _n_of(psi)
    batch = psi.shape[-1]
    G1 = np.zeros((len(mats1), batch, 2, 2), dtype=complex)
    G2 = np.zeros((len(mats2), batch, 4, 4), dtype=complex)
    for kind, a, b, slot in code[::-1]:
        if kind == KIND_M1:
            mh = _adjoint(mats1[slot])
            _apply1(psi, n, a, mh)
            if need1[slot]:
                G1[slot] = _cross1(psi, lam, n, a)
            _apply1(lam, n, a, mh)
        elif kind == KIND_M2:
            mh = _adjoint(mats2[slot])
            _apply2(psi, n, a, b, mh)
            if need2[slot]:
                G2[slot] = _cross2(psi, lam, n, a, b)
            _apply2(lam, n, a, b, mh)
        elif kind == KIND_CX:
            _cx(psi, n, a, b)
            _cx(lam, n, a, b)
        elif kind == KIND_CZ:
            _cz(psi, n, a, b)
            _cz(lam, n, a, b)
        else:
            _swap(psi, n, a, b)
            _swap(lam, n, a, b)
    return G1, G2
