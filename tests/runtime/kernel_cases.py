"""Shared by the kernel tests: random programs and problems, and the independent dense reference
(a 2**n x 2**n matrix per row and sample, built with np.kron, and the gradient sums taken from
the stored intermediate states, sample by sample)."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

TOL = 1e-12

M1, M2, CX, CZ, SWAP = 0, 1, 2, 3, 4
FIXED2 = {
    CX: np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]], dtype=complex),
    CZ: np.diag([1, 1, 1, -1]).astype(complex),
    SWAP: np.array([[1, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0], [0, 0, 0, 1]], dtype=complex),
}


# ---- random problems ---------------------------------------------------------------------------


def random_unitaries(rng, count: int, batch: int, k: int) -> np.ndarray:
    z = rng.normal(size=(count, batch, k, k)) + 1j * rng.normal(size=(count, batch, k, k))
    q, r = np.linalg.qr(z)
    d = np.diagonal(r, axis1=-2, axis2=-1)
    return np.ascontiguousarray(q * (d / np.abs(d))[..., None, :])


def random_states(rng, n: int, batch: int) -> np.ndarray:
    s = rng.normal(size=(2 ** n, batch)) + 1j * rng.normal(size=(2 ** n, batch))
    return s / np.linalg.norm(s, axis=0)


@st.composite
def problems(draw):
    """A random program on 1..6 qubits (every row kind; slots may repeat), batch 1..9, random
    per-sample unitaries, starting state, adjoint state and need flags."""
    n = draw(st.integers(1, 6))
    batch = draw(st.integers(1, 9))
    n1 = draw(st.integers(1, 4))
    n2 = draw(st.integers(1, 3))
    kinds = st.sampled_from([M1]) if n == 1 else st.sampled_from([M1, M1, M2, CX, CZ, SWAP])
    rows = []
    for _ in range(draw(st.integers(0, 24))):
        kind = draw(kinds)
        if kind == M1:
            rows.append((M1, draw(st.integers(0, n - 1)), -1, draw(st.integers(0, n1 - 1))))
        else:
            a, b = draw(st.lists(st.integers(0, n - 1), min_size=2, max_size=2, unique=True))
            rows.append((kind, a, b, draw(st.integers(0, n2 - 1)) if kind == M2 else -1))
    code = np.array(rows, dtype=np.int64).reshape(-1, 4)
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1)))
    return {
        "n": n, "code": code,
        "mats1": random_unitaries(rng, n1, batch, 2), "mats2": random_unitaries(rng, n2, batch, 4),
        "state": random_states(rng, n, batch), "lam": random_states(rng, n, batch),
        "need1": rng.random(n1) < 0.7, "need2": rng.random(n2) < 0.7}


def run_forward(kern, p):
    s = p["state"].copy()
    kern.forward(s, p["code"], p["mats1"], p["mats2"])
    return s


def run_backward(kern, p, psi):
    psi, lam = psi.copy(), p["lam"].copy()
    G1, G2 = kern.backward(psi, lam, p["code"], p["mats1"], p["mats2"], p["need1"], p["need2"])
    return psi, lam, G1, G2


# ---- the independent dense reference -------------------------------------------------------------


def _kron(ops):
    out = np.ones((1, 1), dtype=complex)
    for op in ops:
        out = np.kron(out, op)
    return out


def _unit(i, j):
    e = np.zeros((2, 2), dtype=complex)
    e[i, j] = 1
    return e


def dense(n: int, row, mats1, mats2) -> np.ndarray:
    """The 2**n x 2**n matrices (batch, 2**n, 2**n) of one row, qubit 0 the leftmost kron factor:
    sum over the matrix entries m[r, c] of m[r, c] times the kron product of the basis operator
    |r><c| on the row's qubit(s) (|i><j| (x) |k><l| on (a, b) for r = 2i+k, c = 2j+l) and identities."""
    kind, a, b, slot = (int(v) for v in row)
    batch = mats1.shape[1]
    if kind == M1:
        m = mats1[slot]
        basis = np.array([_kron([_unit(i, j) if q == a else np.eye(2) for q in range(n)])
                          for i in range(2) for j in range(2)])
        return np.einsum("be,exy->bxy", m.reshape(batch, 4), basis)
    m = mats2[slot] if kind == M2 else np.broadcast_to(FIXED2[kind], (batch, 4, 4))
    basis = np.zeros((4, 4, 2 ** n, 2 ** n), dtype=complex)
    for i in range(2):
        for j in range(2):
            for k in range(2):
                for l in range(2):
                    basis[2 * i + k, 2 * j + l] = _kron(
                        [_unit(i, j) if q == a else _unit(k, l) if q == b else np.eye(2)
                         for q in range(n)])
    return np.einsum("brc,rcxy->bxy", m, basis)


def _gradient_sums(n, row, lam_after, psi_before):
    """sum over the other qubits of conj(lam_after[r]) psi_before[c], for one sample."""
    kind, a, b = int(row[0]), int(row[1]), int(row[2])
    qs = [a] if kind == M1 else [a, b]
    L = np.moveaxis(lam_after.reshape((2,) * n), qs, list(range(len(qs)))).reshape(2 ** len(qs), -1)
    P = np.moveaxis(psi_before.reshape((2,) * n), qs, list(range(len(qs)))).reshape(2 ** len(qs), -1)
    return np.conj(L) @ P.T


def dense_reference(p):
    """(final state, G1, G2) from dense matrices, sample by sample; a slot's G is that of its
    earliest row (the NumPy kernels' convention for a slot used twice)."""
    n, code, mats1, mats2 = p["n"], p["code"], p["mats1"], p["mats2"]
    batch = p["state"].shape[1]
    final = np.empty_like(p["state"])
    G1 = np.zeros((len(mats1), batch, 2, 2), dtype=complex)
    G2 = np.zeros((len(mats2), batch, 4, 4), dtype=complex)
    us_all = [dense(n, row, mats1, mats2) for row in code]
    for s in range(batch):
        us = [u[s] for u in us_all]
        psis = [p["state"][:, s]]
        for u in us:
            psis.append(u @ psis[-1])
        final[:, s] = psis[-1]
        lam = p["lam"][:, s]
        for k in range(len(code) - 1, -1, -1):  # lam here is lam after row k
            kind, slot = int(code[k, 0]), int(code[k, 3])
            if kind == M1 and p["need1"][slot]:
                G1[slot, s] = _gradient_sums(n, code[k], lam, psis[k])
            elif kind == M2 and p["need2"][slot]:
                G2[slot, s] = _gradient_sums(n, code[k], lam, psis[k])
            lam = us[k].conj().T @ lam
    return final, G1, G2


def layered_code(n, layers, ring):
    """Rows as runtime/program.py emits a layered model: fused gates interleaved with a CX chain."""
    rows, slot = [], 0
    for _ in range(layers):
        pending = set(range(n))
        pairs = [(q, q + 1) for q in range(n - 1)] + ([(n - 1, 0)] if ring else [])
        for c, t in pairs:
            for q in (c, t):
                if q in pending:
                    rows.append((M1, q, -1, slot))
                    slot += 1
                    pending.discard(q)
            rows.append((CX, c, t, -1))
        for q in sorted(pending):
            rows.append((M1, q, -1, slot))
            slot += 1
    return np.array(rows, dtype=np.int64), slot
