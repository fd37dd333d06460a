"""A quantum block's whole forward and backward pass in one compiled call each (the numba engine's
fast path, used by `executor.BlockRunner` where it applies).

On small models (R1: 4 qubits, a batch of 32) a training step is mostly Python: computing the
angles, building the fused matrices, starting the state, running the kernels, reading out,
seeding the adjoint state, the chain rule back to parameters and data, each a NumPy or numba call
with its own checks and temporaries. Here they are one call forward and one backward, for the
common case that covers the layered models:

- every single-qubit angle is affine in parameters and data (`program.AngleFn.affine`),
- no matrix-valued two-qubit gates (only CX, CZ and SWAP, which the kernels handle as rows),
- every readout is the expectation of a diagonal (Z and identity) Pauli sum,
- complex128 state, starting in |0...0>.

The arithmetic is that of the general path (same kernels, same fused-matrix and rotation-gradient
loops); sums that NumPy does with BLAS (readout, seed, chain rule) are plain loops here, so the
two paths agree to rounding (1e-15), and each is bit-for-bit deterministic.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numba
import numpy as np

from . import fused_numba, kernels_numba
from .fused_numba import fused_matrices, rotation_grads
from .kernels_numba import _backward, _forward


def _jit(fn):
    try:
        return numba.njit(cache=True)(fn)
    except RuntimeError:  # pragma: no cover - no writable cache directory
        return numba.njit(cache=False)(fn)


@_jit
def _angles(theta, X, const, p_ptr, p_idx, p_val, x_ptr, x_idx, x_val):
    """(batch, rotations): const[r] + sum theta[p] c_p + sum X[:, x] c_x, from CSR tables per
    rotation."""
    B = X.shape[0]
    R = const.shape[0]
    A = np.empty((B, R))
    for r in range(R):
        base = const[r]
        for k in range(p_ptr[r], p_ptr[r + 1]):
            base += theta[p_idx[k]] * p_val[k]
        for b in range(B):
            v = base
            for k in range(x_ptr[r], x_ptr[r + 1]):
                v += X[b, x_idx[k]] * x_val[k]
            A[b, r] = v
    return A


def _sources_fingerprint() -> int:
    """A hash of kernels_numba's and fused_numba's sources.

    numba's disk cache keys a function by its own file and bytecode, not by the functions it
    calls, yet `block_forward` and `block_backward` compile those modules' kernels into
    themselves: after an edit there the cache went on serving the old kernels (an improvement
    of the kernels did not show in model runs until the cache was cleared). The two are
    therefore closures over this hash, and numba's cache key includes a closure's values."""
    h = hashlib.sha256()
    for mod in (kernels_numba, fused_numba):
        h.update(Path(mod.__file__).read_bytes())
    return int.from_bytes(h.digest()[:7], "little")


def _build(deps: int):
    """The two compiled functions, closures over `deps` (see `_sources_fingerprint`)."""

    @_jit
    def block_forward(theta, X, n, const, p_ptr, p_idx, p_val, x_ptr, x_idx, x_val, fixed, rot_slot,
                      rot_pos, rot_axis, code, zmat, zconst, keep, rmax, lbits):
        """(readouts (B, W), final state (2**n, B) complex, mats1 (n1, B, 2, 2), E, prefix)."""
        if deps < 0:  # never: makes `deps` part of the closure, hence of numba's cache key
            raise ValueError("bad fingerprint")
        B = X.shape[0]
        A = _angles(theta, X, const, p_ptr, p_idx, p_val, x_ptr, x_idx, x_val)
        mats1, E, prefix = fused_matrices(fixed, rot_slot, rot_pos, rot_axis, A, keep)
        st = np.zeros((1 << n, B), dtype=np.complex128)
        for b in range(B):
            st[0, b] = 1.0
        n1 = mats1.shape[0]
        t1 = mats1.reshape(n1, B, 4).view(np.float64)
        t2 = np.zeros((0, B, 32))
        _forward(st.view(np.float64), code, t1, t2, rmax, lbits)
        W = zmat.shape[1]
        out = np.empty((B, W))
        for j in range(W):
            for b in range(B):
                out[b, j] = zconst[j]
        sv = st.view(np.float64)
        for i in range(st.shape[0]):
            for j in range(W):
                z = zmat[i, j]
                if z != 0.0:
                    for b in range(B):
                        re = sv[i, 2 * b]
                        im = sv[i, 2 * b + 1]
                        out[b, j] += z * (re * re + im * im)
        return out, st, mats1, E, prefix


    @_jit
    def block_backward(st, g, zmat, mats1, code, need1, E, prefix, rot_slot, rot_pos, rot_axis,
                       n_params, p_ptr, p_idx, p_val, n_cols, x_ptr, x_idx, x_val, want_inputs, rmax,
                       lbits):
        """(dtheta (n_params,), dX (B, n_cols), zero-sized without want_inputs) from dL/d(readouts)
        g (B, W); st (the final state) is un-computed in place."""
        if deps < 0:
            raise ValueError("bad fingerprint")
        R, B = st.shape
        W = zmat.shape[1]
        lam = np.empty((R, B), dtype=np.complex128)
        w = np.empty(B)
        for i in range(R):
            for b in range(B):
                w[b] = 0.0
            for j in range(W):
                z = zmat[i, j]
                if z != 0.0:
                    for b in range(B):
                        w[b] += z * g[b, j]
            for b in range(B):
                lam[i, b] = w[b] * st[i, b]
        n1 = mats1.shape[0]
        t1 = mats1.reshape(n1, B, 4).view(np.float64)
        t2 = np.zeros((0, B, 32))
        need2 = np.zeros(0, dtype=np.bool_)
        G1, _ = _backward(st.view(np.float64), lam.view(np.float64), code, t1, t2, need1, need2,
                          rmax, lbits)
        gr = rotation_grads(E, prefix, G1, rot_slot, rot_pos, rot_axis)
        nrot = gr.shape[0]
        dtheta = np.zeros(n_params)
        for r in range(nrot):
            s = 0.0
            for b in range(B):
                s += gr[r, b]
            for k in range(p_ptr[r], p_ptr[r + 1]):
                dtheta[p_idx[k]] += p_val[k] * s
        dX = np.zeros((B if want_inputs else 0, n_cols))
        if want_inputs:
            for r in range(nrot):
                for k in range(x_ptr[r], x_ptr[r + 1]):
                    c = x_val[k]
                    x = x_idx[k]
                    for b in range(B):
                        dX[b, x] += gr[r, b] * c
        return dtheta, dX

    return block_forward, block_backward


block_forward, block_backward = _build(_sources_fingerprint())


def _csr(dense: np.ndarray):
    """Column-wise CSR of a (rows, rotations) coefficient table: (ptr, idx, val) per rotation."""
    ptr = [0]
    idx: list[int] = []
    val: list[float] = []
    for r in range(dense.shape[1]):
        nz = np.nonzero(dense[:, r])[0]
        idx.extend(int(i) for i in nz)
        val.extend(float(dense[i, r]) for i in nz)
        ptr.append(len(idx))
    return (np.array(ptr, dtype=np.int64), np.array(idx, dtype=np.int64),
            np.array(val, dtype=np.float64))


class FastBlock:
    """The tables of one program for `block_forward` / `block_backward`."""

    def __init__(self, prog, readouts):
        self.n = prog.n_qubits
        self.n_params = prog.n_params
        self.n_x = prog.n_x
        self.const = np.ascontiguousarray(prog.rot_const, dtype=np.float64)
        self.p = _csr(prog.rot_cp)
        self.x = _csr(prog.rot_cx)
        self.fixed = np.ascontiguousarray(prog.fixed)
        self.rot_slot = np.ascontiguousarray(prog.rot_slot, dtype=np.int64)
        self.rot_pos = np.ascontiguousarray(prog.rot_pos, dtype=np.int64)
        self.rot_axis = np.ascontiguousarray(prog.rot_axis_code, dtype=np.int64)
        self.code = np.ascontiguousarray(prog.code, dtype=np.int64)
        self.need1 = np.ascontiguousarray(prog.need1, dtype=np.bool_)
        self.zmat = np.ascontiguousarray(readouts._zmat, dtype=np.float64)
        self.zconst = np.ascontiguousarray(readouts._zconst, dtype=np.float64)

    @staticmethod
    def applies(prog, readouts, block, dtype) -> bool:
        return (dtype is np.complex128 and not block.state and not block.from_state
                and prog.n2 == 0 and not prog.general and prog.n1 > 0 and len(prog.rot_fns) > 0
                and len(readouts.items) > 0 and len(readouts._zcols) == len(readouts.items)
                and prog.code.shape[0] > 0)

    def forward(self, theta, X, keep, blocking):
        rmax, lbits = blocking
        return block_forward(theta, X, self.n, self.const, *self.p, *self.x, self.fixed,
                             self.rot_slot, self.rot_pos, self.rot_axis, self.code, self.zmat,
                             self.zconst, keep, rmax, lbits)

    def backward(self, state, g, mats1, E, prefix, n_cols, want_inputs, blocking):
        rmax, lbits = blocking
        return block_backward(state, g, self.zmat, mats1, self.code, self.need1, E, prefix,
                              self.rot_slot, self.rot_pos, self.rot_axis, self.n_params, *self.p,
                              n_cols, *self.x, want_inputs, rmax, lbits)
