"""The simulator's kernels compiled with numba: the same two functions as `kernels_numpy`, on the
same program format (see there), one compiled call per whole program.

How it is fast (each point measured by `benchmarks/kernels_micro.py` or the experiments behind it):

- Real/imaginary split, in place. On entry each basis-state row of the (2**n, batch) complex
  state is rewritten in its own memory as [re(batch) | im(batch)] (a row-local shuffle, so no
  second state-sized buffer is needed); on exit it is shuffled back. With the split, the loop over
  the batch loads and stores whole vectors of reals; on the interleaved complex layout numba's
  loops ran about 1.9x slower, which is far more than the two extra streaming passes cost (a
  12-qubit forward pass makes ~80 passes). The per-sample matrices are likewise transposed once to
  (slot, entry re/im, batch).
- The innermost loops (over the batch, for one group of rows) are separate functions compiled
  with `noalias` arguments: without it LLVM guards every vectorised loop with runtime overlap
  checks between the rows and the matrix entries, which cost as much as the work for batch 32.
- One pass per fused gate: in `backward`, each per-sample gate un-computes psi, adds the gradient
  sums G for its slot and un-computes lam while both are in registers.
- Scheduling: the rows are re-ordered (in a valid order of the circuit's dependency graph; gates on
  disjoint qubits commute) so that the single-qubit gates of a layer come together and the CX /
  CZ / SWAP rows between them form runs. Each run is applied as one signed permutation of the
  rows, in place, following its cycles (rows that the run leaves alone are not touched), instead
  of one pass over half of the state per gate.
- Pairs of single-qubit gates on different qubits that come next to each other in the schedule
  are applied in one pass over 4-row groups (in `forward` and in `backward`), halving the memory
  traffic of a layer.

Everything is single-threaded, without fastmath (results agree with the NumPy kernels to ~1e-15
and are bit-identical from run to run), and cached on disk (`cache=True`). Where no cache
directory is writable at all, the functions are compiled in memory each run instead.
"""

from __future__ import annotations

try:
    import numba
    from numba.core.compiler import Compiler as _Compiler
except Exception as exc:  # pragma: no cover - exercised where numba is missing
    raise ImportError(f"numba is not available: {exc}") from exc

import numpy as np

__all__ = ["forward", "backward"]


class _NoAliasCompiler(_Compiler):
    """numba's pipeline with `noalias` on the array arguments of the compiled function. Only for
    the leaf kernels below, whose array arguments never overlap (distinct rows of a state, a
    matrix table, an accumulator)."""

    def __init__(self, typingctx, targetctx, library, args, return_type, flags, locals):
        flags = flags.copy()
        flags.noalias = True
        super().__init__(typingctx, targetctx, library, args, return_type, flags, locals)


def _jit(noalias: bool = False):
    """`numba.njit(cache=True)`, falling back to an in-memory compilation where numba finds no
    writable cache directory (it raises at decoration time then)."""
    opts = {"pipeline_class": _NoAliasCompiler} if noalias else {}

    def deco(fn):
        try:
            return numba.njit(cache=True, **opts)(fn)
        except RuntimeError:  # "cannot cache function ...: no locator available"
            return numba.njit(cache=False, **opts)(fn)

    return deco


# ---- leaf kernels: one group of rows, loop over the batch --------------------------------------
# Rows are float64 views [re(B) | im(B)]. A 2x2 matrix table m is (8, B): entry (r, c) has its real
# part at 2*(2r+c) and its imaginary part at 2*(2r+c)+1. A 4x4 table is (32, B) likewise.


@_jit(noalias=True)
def _k1(x0, x1, m, B):
    """(x0, x1) <- M (x0, x1) per sample."""
    for b in range(B):
        m0 = m[0, b]; m1 = m[1, b]; m2 = m[2, b]; m3 = m[3, b]
        m4 = m[4, b]; m5 = m[5, b]; m6 = m[6, b]; m7 = m[7, b]
        ar = x0[b]; ai = x0[B + b]; cr = x1[b]; ci = x1[B + b]
        y0 = m0 * ar - m1 * ai + m2 * cr - m3 * ci
        y1 = m0 * ai + m1 * ar + m2 * ci + m3 * cr
        y2 = m4 * ar - m5 * ai + m6 * cr - m7 * ci
        y3 = m4 * ai + m5 * ar + m6 * ci + m7 * cr
        x0[b] = y0; x0[B + b] = y1; x1[b] = y2; x1[B + b] = y3


@_jit(noalias=True)
def _k11(x0, x1, x2, x3, ma, mb, B):
    """Two single-qubit gates in one pass over a 4-row group: rows (x0, x1, x2, x3) are the
    values 00, 01, 10, 11 of the qubits (qa, qb); first A on qa, then B on qb."""
    for b in range(B):
        a0 = ma[0, b]; a1 = ma[1, b]; a2 = ma[2, b]; a3 = ma[3, b]
        a4 = ma[4, b]; a5 = ma[5, b]; a6 = ma[6, b]; a7 = ma[7, b]
        p0r = x0[b]; p0i = x0[B + b]; p1r = x1[b]; p1i = x1[B + b]
        p2r = x2[b]; p2i = x2[B + b]; p3r = x3[b]; p3i = x3[B + b]
        # A on qa: pairs (00, 10) and (01, 11)
        q0r = a0 * p0r - a1 * p0i + a2 * p2r - a3 * p2i
        q0i = a0 * p0i + a1 * p0r + a2 * p2i + a3 * p2r
        q2r = a4 * p0r - a5 * p0i + a6 * p2r - a7 * p2i
        q2i = a4 * p0i + a5 * p0r + a6 * p2i + a7 * p2r
        q1r = a0 * p1r - a1 * p1i + a2 * p3r - a3 * p3i
        q1i = a0 * p1i + a1 * p1r + a2 * p3i + a3 * p3r
        q3r = a4 * p1r - a5 * p1i + a6 * p3r - a7 * p3i
        q3i = a4 * p1i + a5 * p1r + a6 * p3i + a7 * p3r
        b0 = mb[0, b]; b1 = mb[1, b]; b2 = mb[2, b]; b3 = mb[3, b]
        b4 = mb[4, b]; b5 = mb[5, b]; b6 = mb[6, b]; b7 = mb[7, b]
        # B on qb: pairs (00, 01) and (10, 11)
        x0[b] = b0 * q0r - b1 * q0i + b2 * q1r - b3 * q1i
        x0[B + b] = b0 * q0i + b1 * q0r + b2 * q1i + b3 * q1r
        x1[b] = b4 * q0r - b5 * q0i + b6 * q1r - b7 * q1i
        x1[B + b] = b4 * q0i + b5 * q0r + b6 * q1i + b7 * q1r
        x2[b] = b0 * q2r - b1 * q2i + b2 * q3r - b3 * q3i
        x2[B + b] = b0 * q2i + b1 * q2r + b2 * q3i + b3 * q3r
        x3[b] = b4 * q2r - b5 * q2i + b6 * q3r - b7 * q3i
        x3[B + b] = b4 * q2i + b5 * q2r + b6 * q3i + b7 * q3r


@_jit(noalias=True)
def _b1(p0, p1, l0, l1, m, B):
    """Backward through a 2x2 gate whose gradient is not needed: psi, lam <- M^dagger (psi, lam)."""
    for b in range(B):
        # M^dagger = [[conj m00, conj m10], [conj m01, conj m11]]
        m0 = m[0, b]; m1 = m[1, b]; m2 = m[2, b]; m3 = m[3, b]
        m4 = m[4, b]; m5 = m[5, b]; m6 = m[6, b]; m7 = m[7, b]
        ar = p0[b]; ai = p0[B + b]; cr = p1[b]; ci = p1[B + b]
        p0[b] = m0 * ar + m1 * ai + m4 * cr + m5 * ci
        p0[B + b] = m0 * ai - m1 * ar + m4 * ci - m5 * cr
        p1[b] = m2 * ar + m3 * ai + m6 * cr + m7 * ci
        p1[B + b] = m2 * ai - m3 * ar + m6 * ci - m7 * cr
        ar = l0[b]; ai = l0[B + b]; cr = l1[b]; ci = l1[B + b]
        l0[b] = m0 * ar + m1 * ai + m4 * cr + m5 * ci
        l0[B + b] = m0 * ai - m1 * ar + m4 * ci - m5 * cr
        l1[b] = m2 * ar + m3 * ai + m6 * cr + m7 * ci
        l1[B + b] = m2 * ai - m3 * ar + m6 * ci - m7 * cr


@_jit(noalias=True)
def _b1g(p0, p1, l0, l1, m, g, B):
    """Backward through a 2x2 gate, one pass: psi <- M^dagger psi; g[rc] += conj(lam[r]) psi[c];
    lam <- M^dagger lam. g is (8, B) like a matrix table."""
    for b in range(B):
        m0 = m[0, b]; m1 = m[1, b]; m2 = m[2, b]; m3 = m[3, b]
        m4 = m[4, b]; m5 = m[5, b]; m6 = m[6, b]; m7 = m[7, b]
        ar = p0[b]; ai = p0[B + b]; cr = p1[b]; ci = p1[B + b]
        q0r = m0 * ar + m1 * ai + m4 * cr + m5 * ci
        q0i = m0 * ai - m1 * ar + m4 * ci - m5 * cr
        q1r = m2 * ar + m3 * ai + m6 * cr + m7 * ci
        q1i = m2 * ai - m3 * ar + m6 * ci - m7 * cr
        l0r = l0[b]; l0i = l0[B + b]; l1r = l1[b]; l1i = l1[B + b]
        g[0, b] += l0r * q0r + l0i * q0i
        g[1, b] += l0r * q0i - l0i * q0r
        g[2, b] += l0r * q1r + l0i * q1i
        g[3, b] += l0r * q1i - l0i * q1r
        g[4, b] += l1r * q0r + l1i * q0i
        g[5, b] += l1r * q0i - l1i * q0r
        g[6, b] += l1r * q1r + l1i * q1i
        g[7, b] += l1r * q1i - l1i * q1r
        p0[b] = q0r; p0[B + b] = q0i; p1[b] = q1r; p1[B + b] = q1i
        l0[b] = m0 * l0r + m1 * l0i + m4 * l1r + m5 * l1i
        l0[B + b] = m0 * l0i - m1 * l0r + m4 * l1i - m5 * l1r
        l1[b] = m2 * l0r + m3 * l0i + m6 * l1r + m7 * l1i
        l1[B + b] = m2 * l0i - m3 * l0r + m6 * l1i - m7 * l1r


@_jit(noalias=True)
def _b11g(p0, p1, p2, p3, l0, l1, l2, l3, ma, mb, ga, gb, B):
    """Backward through two single-qubit gates applied in one pass (A on qa, then B on qb, rows
    00, 01, 10, 11 of (qa, qb)): B's step first, then A's, each with its gradient sums (ga, gb
    (8, B) each; a gate whose gradient is not needed gets a scratch table)."""
    for b in range(B):
        # ---- gate B on qb: pairs (0, 1) and (2, 3)
        m0 = mb[0, b]; m1 = mb[1, b]; m2 = mb[2, b]; m3 = mb[3, b]
        m4 = mb[4, b]; m5 = mb[5, b]; m6 = mb[6, b]; m7 = mb[7, b]
        ar = p0[b]; ai = p0[B + b]; cr = p1[b]; ci = p1[B + b]
        q0r = m0 * ar + m1 * ai + m4 * cr + m5 * ci
        q0i = m0 * ai - m1 * ar + m4 * ci - m5 * cr
        q1r = m2 * ar + m3 * ai + m6 * cr + m7 * ci
        q1i = m2 * ai - m3 * ar + m6 * ci - m7 * cr
        ar = p2[b]; ai = p2[B + b]; cr = p3[b]; ci = p3[B + b]
        q2r = m0 * ar + m1 * ai + m4 * cr + m5 * ci
        q2i = m0 * ai - m1 * ar + m4 * ci - m5 * cr
        q3r = m2 * ar + m3 * ai + m6 * cr + m7 * ci
        q3i = m2 * ai - m3 * ar + m6 * ci - m7 * cr
        l0r = l0[b]; l0i = l0[B + b]; l1r = l1[b]; l1i = l1[B + b]
        l2r = l2[b]; l2i = l2[B + b]; l3r = l3[b]; l3i = l3[B + b]
        gb[0, b] += (l0r * q0r + l0i * q0i) + (l2r * q2r + l2i * q2i)
        gb[1, b] += (l0r * q0i - l0i * q0r) + (l2r * q2i - l2i * q2r)
        gb[2, b] += (l0r * q1r + l0i * q1i) + (l2r * q3r + l2i * q3i)
        gb[3, b] += (l0r * q1i - l0i * q1r) + (l2r * q3i - l2i * q3r)
        gb[4, b] += (l1r * q0r + l1i * q0i) + (l3r * q2r + l3i * q2i)
        gb[5, b] += (l1r * q0i - l1i * q0r) + (l3r * q2i - l3i * q2r)
        gb[6, b] += (l1r * q1r + l1i * q1i) + (l3r * q3r + l3i * q3i)
        gb[7, b] += (l1r * q1i - l1i * q1r) + (l3r * q3i - l3i * q3r)
        k0r = m0 * l0r + m1 * l0i + m4 * l1r + m5 * l1i
        k0i = m0 * l0i - m1 * l0r + m4 * l1i - m5 * l1r
        k1r = m2 * l0r + m3 * l0i + m6 * l1r + m7 * l1i
        k1i = m2 * l0i - m3 * l0r + m6 * l1i - m7 * l1r
        k2r = m0 * l2r + m1 * l2i + m4 * l3r + m5 * l3i
        k2i = m0 * l2i - m1 * l2r + m4 * l3i - m5 * l3r
        k3r = m2 * l2r + m3 * l2i + m6 * l3r + m7 * l3i
        k3i = m2 * l2i - m3 * l2r + m6 * l3i - m7 * l3r
        # ---- gate A on qa: pairs (0, 2) and (1, 3)
        m0 = ma[0, b]; m1 = ma[1, b]; m2 = ma[2, b]; m3 = ma[3, b]
        m4 = ma[4, b]; m5 = ma[5, b]; m6 = ma[6, b]; m7 = ma[7, b]
        s0r = m0 * q0r + m1 * q0i + m4 * q2r + m5 * q2i
        s0i = m0 * q0i - m1 * q0r + m4 * q2i - m5 * q2r
        s2r = m2 * q0r + m3 * q0i + m6 * q2r + m7 * q2i
        s2i = m2 * q0i - m3 * q0r + m6 * q2i - m7 * q2r
        s1r = m0 * q1r + m1 * q1i + m4 * q3r + m5 * q3i
        s1i = m0 * q1i - m1 * q1r + m4 * q3i - m5 * q3r
        s3r = m2 * q1r + m3 * q1i + m6 * q3r + m7 * q3i
        s3i = m2 * q1i - m3 * q1r + m6 * q3i - m7 * q3r
        ga[0, b] += (k0r * s0r + k0i * s0i) + (k1r * s1r + k1i * s1i)
        ga[1, b] += (k0r * s0i - k0i * s0r) + (k1r * s1i - k1i * s1r)
        ga[2, b] += (k0r * s2r + k0i * s2i) + (k1r * s3r + k1i * s3i)
        ga[3, b] += (k0r * s2i - k0i * s2r) + (k1r * s3i - k1i * s3r)
        ga[4, b] += (k2r * s0r + k2i * s0i) + (k3r * s1r + k3i * s1i)
        ga[5, b] += (k2r * s0i - k2i * s0r) + (k3r * s1i - k3i * s1r)
        ga[6, b] += (k2r * s2r + k2i * s2i) + (k3r * s3r + k3i * s3i)
        ga[7, b] += (k2r * s2i - k2i * s2r) + (k3r * s3i - k3i * s3r)
        p0[b] = s0r; p0[B + b] = s0i; p1[b] = s1r; p1[B + b] = s1i
        p2[b] = s2r; p2[B + b] = s2i; p3[b] = s3r; p3[B + b] = s3i
        l0[b] = m0 * k0r + m1 * k0i + m4 * k2r + m5 * k2i
        l0[B + b] = m0 * k0i - m1 * k0r + m4 * k2i - m5 * k2r
        l2[b] = m2 * k0r + m3 * k0i + m6 * k2r + m7 * k2i
        l2[B + b] = m2 * k0i - m3 * k0r + m6 * k2i - m7 * k2r
        l1[b] = m0 * k1r + m1 * k1i + m4 * k3r + m5 * k3i
        l1[B + b] = m0 * k1i - m1 * k1r + m4 * k3i - m5 * k3r
        l3[b] = m2 * k1r + m3 * k1i + m6 * k3r + m7 * k3i
        l3[B + b] = m2 * k1i - m3 * k1r + m6 * k3i - m7 * k3r


@_jit(noalias=True)
def _k2(x0, x1, x2, x3, m, B):
    """Rows (x0..x3) = values 00, 01, 10, 11 of (a, b) <- M per sample; m is (32, B)."""
    for b in range(B):
        v0r = x0[b]; v0i = x0[B + b]; v1r = x1[b]; v1i = x1[B + b]
        v2r = x2[b]; v2i = x2[B + b]; v3r = x3[b]; v3i = x3[B + b]
        y0r = (m[0, b] * v0r - m[1, b] * v0i + m[2, b] * v1r - m[3, b] * v1i
               + m[4, b] * v2r - m[5, b] * v2i + m[6, b] * v3r - m[7, b] * v3i)
        y0i = (m[0, b] * v0i + m[1, b] * v0r + m[2, b] * v1i + m[3, b] * v1r
               + m[4, b] * v2i + m[5, b] * v2r + m[6, b] * v3i + m[7, b] * v3r)
        y1r = (m[8, b] * v0r - m[9, b] * v0i + m[10, b] * v1r - m[11, b] * v1i
               + m[12, b] * v2r - m[13, b] * v2i + m[14, b] * v3r - m[15, b] * v3i)
        y1i = (m[8, b] * v0i + m[9, b] * v0r + m[10, b] * v1i + m[11, b] * v1r
               + m[12, b] * v2i + m[13, b] * v2r + m[14, b] * v3i + m[15, b] * v3r)
        y2r = (m[16, b] * v0r - m[17, b] * v0i + m[18, b] * v1r - m[19, b] * v1i
               + m[20, b] * v2r - m[21, b] * v2i + m[22, b] * v3r - m[23, b] * v3i)
        y2i = (m[16, b] * v0i + m[17, b] * v0r + m[18, b] * v1i + m[19, b] * v1r
               + m[20, b] * v2i + m[21, b] * v2r + m[22, b] * v3i + m[23, b] * v3r)
        y3r = (m[24, b] * v0r - m[25, b] * v0i + m[26, b] * v1r - m[27, b] * v1i
               + m[28, b] * v2r - m[29, b] * v2i + m[30, b] * v3r - m[31, b] * v3i)
        y3i = (m[24, b] * v0i + m[25, b] * v0r + m[26, b] * v1i + m[27, b] * v1r
               + m[28, b] * v2i + m[29, b] * v2r + m[30, b] * v3i + m[31, b] * v3r)
        x0[b] = y0r; x0[B + b] = y0i; x1[b] = y1r; x1[B + b] = y1i
        x2[b] = y2r; x2[B + b] = y2i; x3[b] = y3r; x3[B + b] = y3i


@_jit(noalias=True)
def _h2(x0, x1, x2, x3, m, y, B):
    """y (8, B) <- M^dagger (x0..x3) per sample, as [re0, im0, re1, ..., im3]; m is (32, B)."""
    for b in range(B):
        v0r = x0[b]; v0i = x0[B + b]; v1r = x1[b]; v1i = x1[B + b]
        v2r = x2[b]; v2i = x2[B + b]; v3r = x3[b]; v3i = x3[B + b]
        for r in range(4):
            # row r of M^dagger: conj(m[c, r]) for c = 0..3, at entries 2*(4c+r)
            e0 = 2 * r; e1 = 8 + 2 * r; e2 = 16 + 2 * r; e3 = 24 + 2 * r
            y[2 * r, b] = (m[e0, b] * v0r + m[e0 + 1, b] * v0i + m[e1, b] * v1r + m[e1 + 1, b] * v1i
                           + m[e2, b] * v2r + m[e2 + 1, b] * v2i + m[e3, b] * v3r + m[e3 + 1, b] * v3i)
            y[2 * r + 1, b] = (m[e0, b] * v0i - m[e0 + 1, b] * v0r + m[e1, b] * v1i - m[e1 + 1, b] * v1r
                               + m[e2, b] * v2i - m[e2 + 1, b] * v2r + m[e3, b] * v3i - m[e3 + 1, b] * v3r)


@_jit(noalias=True)
def _store4(x0, x1, x2, x3, y, B):
    for b in range(B):
        x0[b] = y[0, b]; x0[B + b] = y[1, b]; x1[b] = y[2, b]; x1[B + b] = y[3, b]
        x2[b] = y[4, b]; x2[B + b] = y[5, b]; x3[b] = y[6, b]; x3[B + b] = y[7, b]


@_jit(noalias=True)
def _g2(l0, l1, l2, l3, q, g, B):
    """g[2*(4r+c)] (+ i g[...+1]) += conj(lam[r]) q[c]; q (8, B) is psi before the gate."""
    for b in range(B):
        for r in range(4):
            if r == 0:
                lr = l0[b]; li = l0[B + b]
            elif r == 1:
                lr = l1[b]; li = l1[B + b]
            elif r == 2:
                lr = l2[b]; li = l2[B + b]
            else:
                lr = l3[b]; li = l3[B + b]
            for c in range(4):
                qr = q[2 * c, b]; qi = q[2 * c + 1, b]
                g[2 * (4 * r + c), b] += lr * qr + li * qi
                g[2 * (4 * r + c) + 1, b] += lr * qi - li * qr


@_jit(noalias=True)
def _to_split(x, t, B):
    """One row, interleaved complex -> [re | im] in place (t: scratch of 2B)."""
    for k in range(2 * B):
        t[k] = x[k]
    for b in range(B):
        x[b] = t[2 * b]
        x[B + b] = t[2 * b + 1]


@_jit(noalias=True)
def _to_interleaved(x, t, B):
    for k in range(2 * B):
        t[k] = x[k]
    for b in range(B):
        x[2 * b] = t[b]
        x[2 * b + 1] = t[B + b]


@_jit(noalias=True)
def _copy_row(dst, src, sgn, W):
    if sgn > 0:
        for k in range(W):
            dst[k] = src[k]
    else:
        for k in range(W):
            dst[k] = -src[k]


@_jit(noalias=True)
def _negate_row(x, W):
    for k in range(W):
        x[k] = -x[k]


# ---- whole-state passes --------------------------------------------------------------------------


@_jit()
def _layout_split(st, B):
    t = np.empty(2 * B)
    for r in range(st.shape[0]):
        _to_split(st[r], t, B)


@_jit()
def _layout_interleaved(st, B):
    t = np.empty(2 * B)
    for r in range(st.shape[0]):
        _to_interleaved(st[r], t, B)


@_jit()
def _tables(mats, k):
    """(slots, batch, k, k) complex -> (slots, 2*k*k, batch) float64."""
    S, B = mats.shape[0], mats.shape[1]
    out = np.empty((S, 2 * k * k, B))
    for s in range(S):
        for b in range(B):
            for r in range(k):
                for c in range(k):
                    v = mats[s, b, r, c]
                    out[s, 2 * (k * r + c), b] = v.real
                    out[s, 2 * (k * r + c) + 1, b] = v.imag
    return out


@_jit()
def _apply1(st, n, q, m, B):
    p = n - 1 - q
    L = 1 << p
    for h in range(st.shape[0] >> (p + 1)):
        base = h << (p + 1)
        for lo in range(L):
            r0 = base + lo
            _k1(st[r0], st[r0 + L], m, B)


@_jit()
def _apply11(st, n, qa, qb, ma, mb, B):
    """A on qa then B on qb (qa != qb) in one pass."""
    pa = n - 1 - qa
    pb = n - 1 - qb
    plo = min(pa, pb)
    phi = max(pa, pb)
    da = 1 << pa
    db = 1 << pb
    for g in range(st.shape[0] >> 2):
        i = ((g >> plo) << (plo + 1)) | (g & ((1 << plo) - 1))
        i = ((i >> phi) << (phi + 1)) | (i & ((1 << phi) - 1))
        _k11(st[i], st[i + db], st[i + da], st[i + da + db], ma, mb, B)


@_jit()
def _back1(psi, lam, n, q, m, g, need, B):
    p = n - 1 - q
    L = 1 << p
    for h in range(psi.shape[0] >> (p + 1)):
        base = h << (p + 1)
        for lo in range(L):
            r0 = base + lo
            if need:
                _b1g(psi[r0], psi[r0 + L], lam[r0], lam[r0 + L], m, g, B)
            else:
                _b1(psi[r0], psi[r0 + L], lam[r0], lam[r0 + L], m, B)


@_jit()
def _back11(psi, lam, n, qa, qb, ma, mb, ga, gb, B):
    pa = n - 1 - qa
    pb = n - 1 - qb
    plo = min(pa, pb)
    phi = max(pa, pb)
    da = 1 << pa
    db = 1 << pb
    for g in range(psi.shape[0] >> 2):
        i = ((g >> plo) << (plo + 1)) | (g & ((1 << plo) - 1))
        i = ((i >> phi) << (phi + 1)) | (i & ((1 << phi) - 1))
        _b11g(psi[i], psi[i + db], psi[i + da], psi[i + da + db],
              lam[i], lam[i + db], lam[i + da], lam[i + da + db], ma, mb, ga, gb, B)


@_jit()
def _group_base(g, plo, phi):
    i = ((g >> plo) << (plo + 1)) | (g & ((1 << plo) - 1))
    return ((i >> phi) << (phi + 1)) | (i & ((1 << phi) - 1))


@_jit()
def _apply2(st, n, a, b, m, B):
    pa = n - 1 - a
    pb = n - 1 - b
    plo = min(pa, pb)
    phi = max(pa, pb)
    da = 1 << pa
    db = 1 << pb
    for g in range(st.shape[0] >> 2):
        i = _group_base(g, plo, phi)
        _k2(st[i], st[i + db], st[i + da], st[i + da + db], m, B)


@_jit()
def _back2(psi, lam, n, a, b, m, g, need, B):
    pa = n - 1 - a
    pb = n - 1 - b
    plo = min(pa, pb)
    phi = max(pa, pb)
    da = 1 << pa
    db = 1 << pb
    y = np.empty((8, B))
    for k in range(psi.shape[0] >> 2):
        i = _group_base(k, plo, phi)
        p0 = psi[i]; p1 = psi[i + db]; p2 = psi[i + da]; p3 = psi[i + da + db]
        l0 = lam[i]; l1 = lam[i + db]; l2 = lam[i + da]; l3 = lam[i + da + db]
        _h2(p0, p1, p2, p3, m, y, B)
        _store4(p0, p1, p2, p3, y, B)
        if need:
            _g2(l0, l1, l2, l3, y, g, B)
        _h2(l0, l1, l2, l3, m, y, B)
        _store4(l0, l1, l2, l3, y, B)


# ---- permutation runs (CX, CZ, SWAP) --------------------------------------------------------------


@_jit()
def _source(i, code, order, start, stop, n, reverse):
    """Row i of a run's (signed permutation) output comes from row x of its input, times sign.
    With U = G_k ... G_1 the run in application order, <i|U = sign <x| is found by passing i
    through G_k first (reverse=False: forward); for U^dagger = G_1 ... G_k (each gate is its own
    inverse) through G_1 first (reverse=True: backward)."""
    x = i
    sign = 1
    cnt = stop - start
    for t in range(cnt):
        r = order[stop - 1 - t] if not reverse else order[start + t]
        kind = code[r, 0]
        ba = 1 << (n - 1 - code[r, 1])
        bb = 1 << (n - 1 - code[r, 2])
        if kind == 2:  # CX: control a, target b
            if x & ba:
                x ^= bb
        elif kind == 3:  # CZ
            if (x & ba) and (x & bb):
                sign = -sign
        else:  # SWAP
            if ((x & ba) != 0) != ((x & bb) != 0):
                x ^= ba | bb
    return x, sign


@_jit()
def _permute(st1, st2, two, code, order, start, stop, n, reverse, mark, stamp):
    """Apply a run of permutation rows to st1 (and st2 when `two`) in place, cycle by cycle."""
    R = st1.shape[0]
    W = st1.shape[1]
    t1 = np.empty(W)
    t2 = np.empty(W)
    for i0 in range(R):
        if mark[i0] == stamp:
            continue
        x, s = _source(i0, code, order, start, stop, n, reverse)
        if x == i0:
            mark[i0] = stamp
            if s < 0:
                _negate_row(st1[i0], W)
                if two:
                    _negate_row(st2[i0], W)
            continue
        _copy_row(t1, st1[i0], 1, W)
        if two:
            _copy_row(t2, st2[i0], 1, W)
        i = i0
        while True:
            mark[i] = stamp
            if x == i0:
                _copy_row(st1[i], t1, s, W)
                if two:
                    _copy_row(st2[i], t2, s, W)
                break
            _copy_row(st1[i], st1[x], s, W)
            if two:
                _copy_row(st2[i], st2[x], s, W)
            i = x
            x, s = _source(i, code, order, start, stop, n, reverse)


# ---- scheduling ----------------------------------------------------------------------------------


@_jit()
def _is_head(rows, head, cnt, q, r):
    return head[q] < cnt[q + 1] and rows[head[q]] == r


@_jit()
def _schedule(code, n):
    """A topological order of the rows that brings each layer's single-qubit gates together and
    makes the permutation rows between them contiguous runs. Returns (order, pair): pair[k] = 1
    where order[k] and order[k+1] are single-qubit gates on different qubits to apply in one pass.
    """
    N = code.shape[0]
    order = np.empty(N, dtype=np.int64)
    pair = np.zeros(N, dtype=np.int64)
    if N == 0:
        return order, pair
    # per-qubit lists of the rows that touch each qubit, in program order
    cnt = np.zeros(n + 1, dtype=np.int64)
    for r in range(N):
        cnt[code[r, 1] + 1] += 1
        if code[r, 0] != 0:
            cnt[code[r, 2] + 1] += 1
    for q in range(n):
        cnt[q + 1] += cnt[q]
    rows = np.empty(cnt[n], dtype=np.int64)
    fill = cnt[:n].copy()
    for r in range(N):
        rows[fill[code[r, 1]]] = r
        fill[code[r, 1]] += 1
        if code[r, 0] != 0:
            rows[fill[code[r, 2]]] = r
            fill[code[r, 2]] += 1
    head = cnt[:n].copy()
    done = 0
    while done < N:
        before = done
        # runs of permutation rows: every one that is ready, until none is
        progress = True
        while progress:
            progress = False
            for q in range(n):
                if head[q] == cnt[q + 1]:
                    continue
                r = rows[head[q]]
                if code[r, 0] < 2:
                    continue
                a = code[r, 1]
                b = code[r, 2]
                if _is_head(rows, head, cnt, a, r) and _is_head(rows, head, cnt, b, r):
                    order[done] = r
                    done += 1
                    head[a] += 1
                    head[b] += 1
                    progress = True
        # single-qubit gates: one per qubit that has one ready
        first = done
        for q in range(n):
            if head[q] == cnt[q + 1]:
                continue
            r = rows[head[q]]
            if code[r, 0] == 0:
                order[done] = r
                done += 1
                head[q] += 1
        k = first
        while k + 1 < done:
            pair[k] = 1
            k += 2
        # two-qubit matrices that are ready
        for q in range(n):
            if head[q] == cnt[q + 1]:
                continue
            r = rows[head[q]]
            if code[r, 0] != 1:
                continue
            a = code[r, 1]
            b = code[r, 2]
            if _is_head(rows, head, cnt, a, r) and _is_head(rows, head, cnt, b, r):
                order[done] = r
                done += 1
                head[a] += 1
                head[b] += 1
        if done == before:
            raise ValueError("malformed program: a two-qubit row acts twice on one qubit")
    return order, pair


# ---- the whole program -----------------------------------------------------------------------------


@_jit()
def _n_of(R):
    n = 0
    while (1 << n) < R:
        n += 1
    return n


@_jit()
def _forward(st, code, mats1, mats2):
    """st: the (2**n, 2*batch) float64 view of the complex state."""
    R = st.shape[0]
    B = st.shape[1] // 2
    n = _n_of(R)
    N = code.shape[0]
    if N == 0 or B == 0:
        return
    t1 = _tables(mats1, 2)
    t2 = _tables(mats2, 4)
    order, pair = _schedule(code, n)
    mark = np.zeros(R, dtype=np.int64)
    stamp = 0
    _layout_split(st, B)
    k = 0
    while k < N:
        r = order[k]
        kind = code[r, 0]
        if kind == 0:
            if pair[k]:
                r2 = order[k + 1]
                _apply11(st, n, code[r, 1], code[r2, 1], t1[code[r, 3]], t1[code[r2, 3]], B)
                k += 2
            else:
                _apply1(st, n, code[r, 1], t1[code[r, 3]], B)
                k += 1
        elif kind == 1:
            _apply2(st, n, code[r, 1], code[r, 2], t2[code[r, 3]], B)
            k += 1
        else:
            stop = k
            while stop < N and code[order[stop], 0] >= 2:
                stop += 1
            stamp += 1
            _permute(st, st, False, code, order, k, stop, n, False, mark, stamp)
            k = stop
    _layout_interleaved(st, B)


@_jit()
def _backward(psi, lam, code, mats1, mats2, need1, need2):
    R = psi.shape[0]
    B = psi.shape[1] // 2
    n = _n_of(R)
    N = code.shape[0]
    n1 = mats1.shape[0]
    n2 = mats2.shape[0]
    G1 = np.zeros((n1, B, 2, 2), dtype=np.complex128)
    G2 = np.zeros((n2, B, 4, 4), dtype=np.complex128)
    if N == 0 or B == 0:
        return G1, G2
    t1 = _tables(mats1, 2)
    t2 = _tables(mats2, 4)
    order, pair = _schedule(code, n)
    # The slot's gradient is that of its earliest row in program order, as in kernels_numpy
    # (which assigns, in reverse order). `owner` is that row; accumulators are per row.
    owner1 = np.full(n1, N, dtype=np.int64)
    owner2 = np.full(n2, N, dtype=np.int64)
    for r in range(N):
        s = code[r, 3]
        if code[r, 0] == 0 and need1[s] and r < owner1[s]:
            owner1[s] = r
        elif code[r, 0] == 1 and need2[s] and r < owner2[s]:
            owner2[s] = r
    acc = np.zeros((2, 32, B))
    mark = np.zeros(R, dtype=np.int64)
    stamp = 0
    _layout_split(psi, B)
    _layout_split(lam, B)
    k = N - 1
    while k >= 0:
        r = order[k]
        kind = code[r, 0]
        if kind == 0:
            if k >= 1 and pair[k - 1]:
                ra = order[k - 1]  # applied first (qa), then r (qb)
                sa = code[ra, 3]
                sb = code[r, 3]
                ga = acc[0, :8]
                gb = acc[1, :8]
                ga[:] = 0.0
                gb[:] = 0.0
                _back11(psi, lam, n, code[ra, 1], code[r, 1], t1[sa], t1[sb], ga, gb, B)
                if owner1[sa] == ra:
                    _emit1(G1[sa], ga, B, 2)
                if owner1[sb] == r:
                    _emit1(G1[sb], gb, B, 2)
                k -= 2
            else:
                s = code[r, 3]
                g = acc[0, :8]
                g[:] = 0.0
                need = owner1[s] == r
                _back1(psi, lam, n, code[r, 1], t1[s], g, need, B)
                if need:
                    _emit1(G1[s], g, B, 2)
                k -= 1
        elif kind == 1:
            s = code[r, 3]
            g = acc[0]
            g[:] = 0.0
            need = owner2[s] == r
            _back2(psi, lam, n, code[r, 1], code[r, 2], t2[s], g, need, B)
            if need:
                _emit1(G2[s], g, B, 4)
            k -= 1
        else:
            start = k
            while start > 0 and code[order[start - 1], 0] >= 2:
                start -= 1
            stamp += 1
            _permute(psi, lam, True, code, order, start, k + 1, n, True, mark, stamp)
            k = start - 1
    _layout_interleaved(psi, B)
    _layout_interleaved(lam, B)
    return G1, G2


@_jit()
def _emit1(G, g, B, k):
    """G (B, k, k) complex <- table g (2*k*k, B)."""
    for b in range(B):
        for r in range(k):
            for c in range(k):
                e = 2 * (k * r + c)
                G[b, r, c] = complex(g[e, b], g[e + 1, b])


# ---- public API ----------------------------------------------------------------------------------

_C128 = np.dtype(np.complex128)


def _prep(code, mats1, mats2):
    code = np.ascontiguousarray(code, dtype=np.int64).reshape(-1, 4)
    mats1 = np.ascontiguousarray(mats1, dtype=_C128)
    mats2 = np.ascontiguousarray(mats2, dtype=_C128)
    if mats1.ndim != 4:
        mats1 = mats1.reshape(0, 0, 2, 2)
    if mats2.ndim != 4:
        mats2 = mats2.reshape(0, 0, 4, 4)
    return code, mats1, mats2


def forward(state: np.ndarray, code: np.ndarray, mats1: np.ndarray, mats2: np.ndarray) -> None:
    """Apply the program to the batch of states (2**n, batch) complex128, in place."""
    code, mats1, mats2 = _prep(code, mats1, mats2)
    if state.dtype == _C128 and state.flags.c_contiguous and state.ndim == 2:
        _forward(state.view(np.float64), code, mats1, mats2)
        return
    work = np.ascontiguousarray(state, dtype=_C128).reshape(state.shape[0], -1).copy()
    _forward(work.view(np.float64), code, mats1, mats2)
    state[...] = work.reshape(state.shape)


def backward(psi: np.ndarray, lam: np.ndarray, code: np.ndarray, mats1: np.ndarray,
             mats2: np.ndarray, need1: np.ndarray, need2: np.ndarray):
    """Un-compute psi and lam through the program in reverse (in place); return (G1, G2) with
    G[b, r, c] = sum over the other qubits of conj(lam_after[r]) psi_before[c] for the slots
    flagged in need1/need2 (zero elsewhere)."""
    code, mats1, mats2 = _prep(code, mats1, mats2)
    need1 = np.ascontiguousarray(need1, dtype=np.bool_).reshape(-1)
    need2 = np.ascontiguousarray(need2, dtype=np.bool_).reshape(-1)
    direct = [a.dtype == _C128 and a.flags.c_contiguous and a.ndim == 2 for a in (psi, lam)]
    if all(direct) and not np.shares_memory(psi, lam):
        return _backward(psi.view(np.float64), lam.view(np.float64), code, mats1, mats2,
                         need1, need2)
    wp = np.array(psi, dtype=_C128, order="C", copy=True)
    wl = np.array(lam, dtype=_C128, order="C", copy=True)
    G1, G2 = _backward(wp.view(np.float64), wl.view(np.float64), code, mats1, mats2, need1, need2)
    psi[...] = wp
    lam[...] = wl
    return G1, G2
