"""Compiled versions of the two per-batch loops over fused single-qubit runs (see
`program.Program.matrices` and `.chain`): building every run's per-sample 2x2 matrix from its
rotation angles, and the gradient of the loss with respect to every rotation angle. On small
models (a few qubits, a batch of 32) these loops, not the state kernels, are what a training step
costs; the NumPy versions in `program.py` are the reference and the fallback."""

from __future__ import annotations

import math

import numba
import numpy as np

_AXIS_X, _AXIS_Y, _AXIS_Z = 0, 1, 2


@numba.njit(cache=True)
def fused_matrices(fixed, rot_slot, rot_pos, rot_axis, A, keep):
    """E (n1, L, B, 2, 2) elementary matrices, prefix products (L, n1, B, 2, 2) when keep,
    and the final products mats1 (n1, B, 2, 2)."""
    n1, L = fixed.shape[0], fixed.shape[1]
    B = A.shape[0]
    E = np.empty((n1, L, B, 2, 2), dtype=np.complex128)
    for s in range(n1):
        for k in range(L):
            for b in range(B):
                for i in range(2):
                    for j in range(2):
                        E[s, k, b, i, j] = fixed[s, k, i, j]
    for r in range(rot_slot.shape[0]):
        s, k, ax = rot_slot[r], rot_pos[r], rot_axis[r]
        for b in range(B):
            c = math.cos(0.5 * A[b, r])
            si = math.sin(0.5 * A[b, r])
            if ax == _AXIS_X:
                E[s, k, b, 0, 0] = c
                E[s, k, b, 0, 1] = -1j * si
                E[s, k, b, 1, 0] = -1j * si
                E[s, k, b, 1, 1] = c
            elif ax == _AXIS_Y:
                E[s, k, b, 0, 0] = c
                E[s, k, b, 0, 1] = -si
                E[s, k, b, 1, 0] = si
                E[s, k, b, 1, 1] = c
            else:
                E[s, k, b, 0, 0] = c - 1j * si
                E[s, k, b, 0, 1] = 0
                E[s, k, b, 1, 0] = 0
                E[s, k, b, 1, 1] = c + 1j * si
    prefix = np.empty((L if keep else 1, n1, B, 2, 2), dtype=np.complex128)
    mats = np.empty((n1, B, 2, 2), dtype=np.complex128)
    for s in range(n1):
        for b in range(B):
            m00, m01, m10, m11 = E[s, 0, b, 0, 0], E[s, 0, b, 0, 1], E[s, 0, b, 1, 0], E[s, 0, b, 1, 1]
            if keep:
                prefix[0, s, b, 0, 0], prefix[0, s, b, 0, 1] = m00, m01
                prefix[0, s, b, 1, 0], prefix[0, s, b, 1, 1] = m10, m11
            for k in range(1, L):
                a00, a01, a10, a11 = E[s, k, b, 0, 0], E[s, k, b, 0, 1], E[s, k, b, 1, 0], E[s, k, b, 1, 1]
                m00, m01, m10, m11 = (a00 * m00 + a01 * m10, a00 * m01 + a01 * m11,
                                      a10 * m00 + a11 * m10, a10 * m01 + a11 * m11)
                if keep:
                    prefix[k, s, b, 0, 0], prefix[k, s, b, 0, 1] = m00, m01
                    prefix[k, s, b, 1, 0], prefix[k, s, b, 1, 1] = m10, m11
            mats[s, b, 0, 0], mats[s, b, 0, 1], mats[s, b, 1, 0], mats[s, b, 1, 1] = m00, m01, m10, m11
    return mats, E, prefix


@numba.njit(cache=True)
def rotation_grads(E, prefix, G1, rot_slot, rot_pos, rot_axis):
    """g (rotations, B): dL/d(angle) = 2 Re sum_rc (L_j (-i/2 P_j) S_j)_rc G_rc for each
    rotation j of each fused run (S_j its prefix product, L_j the product of what follows)."""
    L = E.shape[1]
    B = E.shape[2]
    R = rot_slot.shape[0]
    g = np.empty((R, B))
    for r in range(R):
        s, k, ax = rot_slot[r], rot_pos[r], rot_axis[r]
        for b in range(B):
            p00, p01, p10, p11 = prefix[k, s, b, 0, 0], prefix[k, s, b, 0, 1], prefix[k, s, b, 1, 0], prefix[k, s, b, 1, 1]
            # K = -i/2 P @ prefix
            if ax == _AXIS_X:
                k00, k01, k10, k11 = p10, p11, p00, p01
            elif ax == _AXIS_Y:
                k00, k01, k10, k11 = -1j * p10, -1j * p11, 1j * p00, 1j * p01
            else:
                k00, k01, k10, k11 = p00, p01, -p10, -p11
            k00, k01, k10, k11 = -0.5j * k00, -0.5j * k01, -0.5j * k10, -0.5j * k11
            # dU = E_{L-1} ... E_{k+1} K
            for j in range(k + 1, L):
                a00, a01, a10, a11 = E[s, j, b, 0, 0], E[s, j, b, 0, 1], E[s, j, b, 1, 0], E[s, j, b, 1, 1]
                k00, k01, k10, k11 = (a00 * k00 + a01 * k10, a00 * k01 + a01 * k11,
                                      a10 * k00 + a11 * k10, a10 * k01 + a11 * k11)
            acc = (k00 * G1[s, b, 0, 0] + k01 * G1[s, b, 0, 1] + k10 * G1[s, b, 1, 0] + k11 * G1[s, b, 1, 1])
            g[r, b] = 2.0 * acc.real
    return g
