"""The simulator's kernels compiled with numba: the same two functions as `kernels_numpy`, on the
same program format and with the same semantics (see there), one compiled call per whole program.

How it is fast (measured with `benchmarks/kernels_micro.py` and the experiments behind it, one
thread):

- Real/imaginary split, in place. Each basis-state row of the (2**n, batch) complex state is
  rewritten in its own memory as [re(batch) | im(batch)] (a row-local shuffle: no second
  state-sized buffer), done by the program's first pass as it goes, and shuffled back by the last
  one. On the split rows the loops over the batch load and store whole SIMD vectors of reals; on
  interleaved complex128 the same loops ran 1.6-1.9x slower. The per-sample matrices are
  transposed once per call to (slot, entry re/im, batch), so they vectorise the same way.
- The innermost loops (the batch, for one pair or quadruple of rows) are functions compiled with
  `noalias` array arguments and inlined (LLVM alwaysinline) into their callers: without `noalias`,
  LLVM guards each vectorised loop with run-time overlap checks among all the rows and matrix
  entries, and an un-inlined call with array arguments costs about as much as batch 32's work.
- Multiply-adds are explicit fused multiply-adds (llvm.fma, one rounding, where the CPU has them):
  no fastmath flags, nothing re-associated, bit-identical results from run to run.
- CX and SWAP move no data. They permute basis states by a linear map of the index bits, so the
  kernels only track that map; a later single-qubit gate on qubit q works on the row pairs
  (i, i ^ d_q) for the map's current partner mask d_q. The rows go back to logical order once, in
  the same final pass that restores the interleaved layout (following the permutation's cycles).
- Several single-qubit gates per pass (cache blocking): consecutive single-qubit rows (over any CX /
  SWAP between them) are applied group by group, a group being a coset of the span of their
  partner masks and of the lowest index bits (at most 2**MAX_BLOCK rows, GROUP_BYTES of psi and
  lam, in runs of consecutive rows of at least SEGMENT_BYTES: see `blocking`), which stays in
  cache while all the gates of the block run over it. A layered model's layer of n rotations
  thus costs about n/7 passes over memory at 20 qubits and batch 32 instead of n, and a 4-qubit
  model's whole program one pass.
- backward: for each single-qubit gate, one sweep over the group does the un-computation of psi,
  the gradient sums G for its slot and the un-computation of lam while they are in registers.
- Two gates per sweep where they commute (`_block_plan`'s `pairok`): consecutive gates j, k of a
  block whose logical rows do not see each other's partner masks run together over quadruples
  of rows (`_k11` forward, `_b11` backward), the four rows' values staying in registers between
  the two gates: the same arithmetic per amplitude as two sweeps, with half the loads and stores
  of the state and of the matrix tables (the group's sweeps run from L2, whose bandwidth, not the
  multiply-adds, set their pace). Measured (benchmarks/kernels_micro-shaped program, 6 layers,
  batch 32, one thread, CPU time): at 16 qubits forward 0.131 -> 0.099 s, backward 0.328 ->
  0.286 s; at 20 qubits forward 2.82 -> 2.22 s, backward 6.84 -> 5.95 s. Larger groups
  (GROUP_BYTES 2 or 4 MiB) were slower.

Single-threaded, no parallel=True, cached on disk (`cache=True`); where numba finds no writable
cache directory at all, the functions are compiled in memory instead (import still works).
"""

from __future__ import annotations

try:
    import numba
    from numba.core.compiler import Compiler as _Compiler
except Exception as exc:  # pragma: no cover - exercised where numba is missing
    raise ImportError(f"numba is not available: {exc}") from exc

import numpy as np

__all__ = ["backward", "forward"]

GROUP_BYTES = 1024 * 1024
"""Cache budget of a group of rows (psi and lam) that several single-qubit gates run over in one
pass."""
MAX_BLOCK = 10
"""Groups of at most 2**MAX_BLOCK rows."""
SEGMENT_BYTES = 4096
"""Each group is made of runs of consecutive rows of at least this many bytes (where the group is
large enough): runs the hardware prefetcher follows, instead of scattered rows."""
MAX_GATES = 64
"""At most this many single-qubit gates per pass."""


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
    # The leaf kernels are also inlined into their callers (LLVM alwaysinline): a call costs more
    # than a batch of 32 samples' work, and inlining turns `noalias` into alias scopes.
    opts = {"pipeline_class": _NoAliasCompiler, "forceinline": True} if noalias else {}

    def deco(fn):
        try:
            return numba.njit(cache=True, **opts)(fn)
        except RuntimeError:  # "cannot cache function ...: no locator available"
            return numba.njit(cache=False, **opts)(fn)

    return deco


# ---- arithmetic helpers --------------------------------------------------------------------------


def _target_has_fma() -> bool:
    """Whether numba's target CPU has a fused multiply-add instruction (else llvm.fma would become
    a slow library call, and plain a*b+c is used)."""
    try:
        import platform

        from llvmlite import binding as _llvm
        name = numba.config.CPU_NAME
        if name and name != "host":
            return "+fma" in (numba.config.CPU_FEATURES or "").split(",")
        if platform.machine().lower() in ("aarch64", "arm64"):
            return True
        return bool(_llvm.get_host_cpu_features().get("fma", False))
    except Exception:  # noqa: BLE001  # pragma: no cover - any doubt: no FMA
        return False


if _target_has_fma():
    from numba.core import types as _types
    from numba.extending import intrinsic as _intrinsic

    @_intrinsic
    def _fma(typingctx, a, b, c):
        """a*b + c with one rounding (IEEE fusedMultiplyAdd; llvm.fma). Not a fastmath licence:
        the compiler may not re-associate anything, results are the same from run to run."""
        sig = _types.float64(_types.float64, _types.float64, _types.float64)

        def codegen(context, builder, signature, args):
            return builder.fma(*args)

        return sig, codegen
else:  # pragma: no cover - CPUs without FMA
    @_jit()
    def _fma(a, b, c):
        return a * b + c


@_jit()
def _mul(ar, ai, br, bi):
    """a * b"""
    return _fma(ar, br, -(ai * bi)), _fma(ar, bi, ai * br)


@_jit()
def _mac(ar, ai, br, bi, cr, ci):
    """c + a * b"""
    return _fma(ar, br, _fma(-ai, bi, cr)), _fma(ar, bi, _fma(ai, br, ci))


@_jit()
def _cmul(ar, ai, br, bi):
    """conj(a) * b"""
    return _fma(ar, br, ai * bi), _fma(ar, bi, -(ai * br))


@_jit()
def _cmac(ar, ai, br, bi, cr, ci):
    """c + conj(a) * b"""
    return _fma(ar, br, _fma(ai, bi, cr)), _fma(ar, bi, _fma(-ai, br, ci))


@_jit()
def _mv2(m, b, xr, xi, yr, yi):
    """M (x, y) for sample b of a 2x2 table."""
    ur, ui = _mac(m[2, b], m[3, b], yr, yi, *_mul(m[0, b], m[1, b], xr, xi))
    vr, vi = _mac(m[6, b], m[7, b], yr, yi, *_mul(m[4, b], m[5, b], xr, xi))
    return ur, ui, vr, vi


@_jit()
def _hv2(m, b, xr, xi, yr, yi):
    """M^dagger (x, y) for sample b of a 2x2 table: rows (conj m00, conj m10), (conj m01, conj m11)."""
    ur, ui = _cmac(m[4, b], m[5, b], yr, yi, *_cmul(m[0, b], m[1, b], xr, xi))
    vr, vi = _cmac(m[6, b], m[7, b], yr, yi, *_cmul(m[2, b], m[3, b], xr, xi))
    return ur, ui, vr, vi


@_jit()
def _outer2(g, b, l0r, l0i, l1r, l1i, q0r, q0i, q1r, q1i):
    """g[rc] += conj(l_r) q_c for sample b of a 2x2 table."""
    g[0, b], g[1, b] = _cmac(l0r, l0i, q0r, q0i, g[0, b], g[1, b])
    g[2, b], g[3, b] = _cmac(l0r, l0i, q1r, q1i, g[2, b], g[3, b])
    g[4, b], g[5, b] = _cmac(l1r, l1i, q0r, q0i, g[4, b], g[5, b])
    g[6, b], g[7, b] = _cmac(l1r, l1i, q1r, q1i, g[6, b], g[7, b])


@_jit()
def _row4(m, e0, e1, e2, e3, b, conj, v0r, v0i, v1r, v1i, v2r, v2i, v3r, v3i):
    """sum_c w_c v_c with w_c = m[e_c] (+ i m[e_c + 1]), conjugated when `conj`."""
    if conj:
        yr, yi = _cmul(m[e0, b], m[e0 + 1, b], v0r, v0i)
        yr, yi = _cmac(m[e1, b], m[e1 + 1, b], v1r, v1i, yr, yi)
        yr, yi = _cmac(m[e2, b], m[e2 + 1, b], v2r, v2i, yr, yi)
        return _cmac(m[e3, b], m[e3 + 1, b], v3r, v3i, yr, yi)
    yr, yi = _mul(m[e0, b], m[e0 + 1, b], v0r, v0i)
    yr, yi = _mac(m[e1, b], m[e1 + 1, b], v1r, v1i, yr, yi)
    yr, yi = _mac(m[e2, b], m[e2 + 1, b], v2r, v2i, yr, yi)
    return _mac(m[e3, b], m[e3 + 1, b], v3r, v3i, yr, yi)


@_jit()
def _mv4(m, b, v0r, v0i, v1r, v1i, v2r, v2i, v3r, v3i):
    """M v for sample b of a 4x4 table (entry (r, c) at 2*(4r+c))."""
    y0r, y0i = _row4(m, 0, 2, 4, 6, b, False, v0r, v0i, v1r, v1i, v2r, v2i, v3r, v3i)
    y1r, y1i = _row4(m, 8, 10, 12, 14, b, False, v0r, v0i, v1r, v1i, v2r, v2i, v3r, v3i)
    y2r, y2i = _row4(m, 16, 18, 20, 22, b, False, v0r, v0i, v1r, v1i, v2r, v2i, v3r, v3i)
    y3r, y3i = _row4(m, 24, 26, 28, 30, b, False, v0r, v0i, v1r, v1i, v2r, v2i, v3r, v3i)
    return y0r, y0i, y1r, y1i, y2r, y2i, y3r, y3i


@_jit()
def _hv4(m, b, v0r, v0i, v1r, v1i, v2r, v2i, v3r, v3i):
    """M^dagger v: row r is conj(M[c, r]) for c = 0..3, entries 2*(4c+r)."""
    y0r, y0i = _row4(m, 0, 8, 16, 24, b, True, v0r, v0i, v1r, v1i, v2r, v2i, v3r, v3i)
    y1r, y1i = _row4(m, 2, 10, 18, 26, b, True, v0r, v0i, v1r, v1i, v2r, v2i, v3r, v3i)
    y2r, y2i = _row4(m, 4, 12, 20, 28, b, True, v0r, v0i, v1r, v1i, v2r, v2i, v3r, v3i)
    y3r, y3i = _row4(m, 6, 14, 22, 30, b, True, v0r, v0i, v1r, v1i, v2r, v2i, v3r, v3i)
    return y0r, y0i, y1r, y1i, y2r, y2i, y3r, y3i


@_jit()
def _outer4row(g, e, b, lr, li, q0r, q0i, q1r, q1i, q2r, q2i, q3r, q3i):
    """g[2*(4r+c)] += conj(l_r) q_c for c = 0..3, e = 8r."""
    g[e, b], g[e + 1, b] = _cmac(lr, li, q0r, q0i, g[e, b], g[e + 1, b])
    g[e + 2, b], g[e + 3, b] = _cmac(lr, li, q1r, q1i, g[e + 2, b], g[e + 3, b])
    g[e + 4, b], g[e + 5, b] = _cmac(lr, li, q2r, q2i, g[e + 4, b], g[e + 5, b])
    g[e + 6, b], g[e + 7, b] = _cmac(lr, li, q3r, q3i, g[e + 6, b], g[e + 7, b])


# ---- leaf kernels: one group of rows, loop over the batch --------------------------------------
# Rows are float64 views [re(B) | im(B)]. A 2x2 matrix table m is (8, B): entry (r, c) has its real
# part at 2*(2r+c) and its imaginary part at 2*(2r+c)+1. A 4x4 table is (32, B) likewise.


@_jit(noalias=True)
def _k1(x0, x1, m, B):
    """(x0, x1) <- M (x0, x1) per sample."""
    for b in range(B):
        y0r, y0i, y1r, y1i = _mv2(m, b, x0[b], x0[B + b], x1[b], x1[B + b])
        x0[b] = y0r; x0[B + b] = y0i; x1[b] = y1r; x1[B + b] = y1i


@_jit(noalias=True)
def _b1(p0, p1, l0, l1, m, B):
    """Backward through a 2x2 gate whose gradient is not needed: psi, lam <- M^dagger (psi, lam)."""
    for b in range(B):
        q0r, q0i, q1r, q1i = _hv2(m, b, p0[b], p0[B + b], p1[b], p1[B + b])
        k0r, k0i, k1r, k1i = _hv2(m, b, l0[b], l0[B + b], l1[b], l1[B + b])
        p0[b] = q0r; p0[B + b] = q0i; p1[b] = q1r; p1[B + b] = q1i
        l0[b] = k0r; l0[B + b] = k0i; l1[b] = k1r; l1[B + b] = k1i


@_jit(noalias=True)
def _b1g(p0, p1, l0, l1, m, g, B):
    """Backward through a 2x2 gate, one pass: psi <- M^dagger psi; g[rc] += conj(lam[r]) psi[c];
    lam <- M^dagger lam. g is (8, B) like a matrix table."""
    for b in range(B):
        q0r, q0i, q1r, q1i = _hv2(m, b, p0[b], p0[B + b], p1[b], p1[B + b])
        l0r = l0[b]; l0i = l0[B + b]; l1r = l1[b]; l1i = l1[B + b]
        _outer2(g, b, l0r, l0i, l1r, l1i, q0r, q0i, q1r, q1i)
        k0r, k0i, k1r, k1i = _hv2(m, b, l0r, l0i, l1r, l1i)
        p0[b] = q0r; p0[B + b] = q0i; p1[b] = q1r; p1[B + b] = q1i
        l0[b] = k0r; l0[B + b] = k0i; l1[b] = k1r; l1[B + b] = k1i


@_jit(noalias=True)
def _k11(xa, xb, xc, xd, mj, mk, B):
    """Two single-qubit gates on a quadruple of rows, in registers: gate j (matrix table mj) on
    the pairs (a, b) and (c, d), then gate k (mk) on (a, c) and (b, d). The same arithmetic as two
    `_k1` passes, with half the loads and stores (see `_pairable`)."""
    for b in range(B):
        ar, ai, br, bi = _mv2(mj, b, xa[b], xa[B + b], xb[b], xb[B + b])
        cr, ci, dr, di = _mv2(mj, b, xc[b], xc[B + b], xd[b], xd[B + b])
        ar, ai, cr, ci = _mv2(mk, b, ar, ai, cr, ci)
        br, bi, dr, di = _mv2(mk, b, br, bi, dr, di)
        xa[b] = ar; xa[B + b] = ai; xb[b] = br; xb[B + b] = bi
        xc[b] = cr; xc[B + b] = ci; xd[b] = dr; xd[B + b] = di


@_jit()
def _outer2x2(g, b, l0r, l0i, l1r, l1i, q0r, q0i, q1r, q1i, m0r, m0i, m1r, m1i, w0r, w0i, w1r, w1i):
    """g[rc] += conj(l_r) q_c + conj(m_r) w_c for sample b of a 2x2 table: the two pairs of one
    gate in a quadruple, with one load and store of each accumulator."""
    g[0, b], g[1, b] = _cmac(l0r, l0i, q0r, q0i, *_cmac(m0r, m0i, w0r, w0i, g[0, b], g[1, b]))
    g[2, b], g[3, b] = _cmac(l0r, l0i, q1r, q1i, *_cmac(m0r, m0i, w1r, w1i, g[2, b], g[3, b]))
    g[4, b], g[5, b] = _cmac(l1r, l1i, q0r, q0i, *_cmac(m1r, m1i, w0r, w0i, g[4, b], g[5, b]))
    g[6, b], g[7, b] = _cmac(l1r, l1i, q1r, q1i, *_cmac(m1r, m1i, w1r, w1i, g[6, b], g[7, b]))


@_jit(noalias=True)
def _b11_loop(pa, pb, pc, pd, la, lb, lc, ld, mj, mk, gj, gk, nj, nk, B):
    for b in range(B):
        # gate j on the pairs (a, b) and (c, d): psi un-computed, sums with lam (after j), lam
        qar, qai, qbr, qbi = _hv2(mj, b, pa[b], pa[B + b], pb[b], pb[B + b])
        qcr, qci, qdr, qdi = _hv2(mj, b, pc[b], pc[B + b], pd[b], pd[B + b])
        Lar = la[b]; Lai = la[B + b]; Lbr = lb[b]; Lbi = lb[B + b]
        Lcr = lc[b]; Lci = lc[B + b]; Ldr = ld[b]; Ldi = ld[B + b]
        if nj:
            _outer2x2(gj, b, Lar, Lai, Lbr, Lbi, qar, qai, qbr, qbi,
                      Lcr, Lci, Ldr, Ldi, qcr, qci, qdr, qdi)
        Lar, Lai, Lbr, Lbi = _hv2(mj, b, Lar, Lai, Lbr, Lbi)
        Lcr, Lci, Ldr, Ldi = _hv2(mj, b, Lcr, Lci, Ldr, Ldi)
        # gate k on the pairs (a, c) and (b, d)
        qar, qai, qcr, qci = _hv2(mk, b, qar, qai, qcr, qci)
        qbr, qbi, qdr, qdi = _hv2(mk, b, qbr, qbi, qdr, qdi)
        if nk:
            _outer2x2(gk, b, Lar, Lai, Lcr, Lci, qar, qai, qcr, qci,
                      Lbr, Lbi, Ldr, Ldi, qbr, qbi, qdr, qdi)
        Lar, Lai, Lcr, Lci = _hv2(mk, b, Lar, Lai, Lcr, Lci)
        Lbr, Lbi, Ldr, Ldi = _hv2(mk, b, Lbr, Lbi, Ldr, Ldi)
        pa[b] = qar; pa[B + b] = qai; pb[b] = qbr; pb[B + b] = qbi
        pc[b] = qcr; pc[B + b] = qci; pd[b] = qdr; pd[B + b] = qdi
        la[b] = Lar; la[B + b] = Lai; lb[b] = Lbr; lb[B + b] = Lbi
        lc[b] = Lcr; lc[B + b] = Lci; ld[b] = Ldr; ld[B + b] = Ldi


@_jit(noalias=True)
def _b11(pa, pb, pc, pd, la, lb, lc, ld, mj, mk, gj, gk, nj, nk, B):
    """Backward through two single-qubit gates on a quadruple of rows (processing order: gate j
    on (a, b) and (c, d), then gate k on (a, c) and (b, d)), each as `_b1g` / `_b1` would, with
    psi and lam held in registers between the two. One loop per combination of the need flags
    (constants once inlined), so that each loop is straight-line code that vectorises."""
    if nj and nk:
        _b11_loop(pa, pb, pc, pd, la, lb, lc, ld, mj, mk, gj, gk, True, True, B)
    elif nj:
        _b11_loop(pa, pb, pc, pd, la, lb, lc, ld, mj, mk, gj, gk, True, False, B)
    elif nk:
        _b11_loop(pa, pb, pc, pd, la, lb, lc, ld, mj, mk, gj, gk, False, True, B)
    else:
        _b11_loop(pa, pb, pc, pd, la, lb, lc, ld, mj, mk, gj, gk, False, False, B)


@_jit(noalias=True)
def _k2(x0, x1, x2, x3, m, B):
    """Rows (x0..x3) = values 00, 01, 10, 11 of (a, b) <- M per sample; m is (32, B)."""
    for b in range(B):
        y0r, y0i, y1r, y1i, y2r, y2i, y3r, y3i = _mv4(
            m, b, x0[b], x0[B + b], x1[b], x1[B + b], x2[b], x2[B + b], x3[b], x3[B + b])
        x0[b] = y0r; x0[B + b] = y0i; x1[b] = y1r; x1[B + b] = y1i
        x2[b] = y2r; x2[B + b] = y2i; x3[b] = y3r; x3[B + b] = y3i


@_jit(noalias=True)
def _b2(p0, p1, p2, p3, l0, l1, l2, l3, m, B):
    """Backward through a 4x4 gate whose gradient is not needed: psi, lam <- M^dagger (psi, lam)."""
    for b in range(B):
        q0r, q0i, q1r, q1i, q2r, q2i, q3r, q3i = _hv4(
            m, b, p0[b], p0[B + b], p1[b], p1[B + b], p2[b], p2[B + b], p3[b], p3[B + b])
        k0r, k0i, k1r, k1i, k2r, k2i, k3r, k3i = _hv4(
            m, b, l0[b], l0[B + b], l1[b], l1[B + b], l2[b], l2[B + b], l3[b], l3[B + b])
        p0[b] = q0r; p0[B + b] = q0i; p1[b] = q1r; p1[B + b] = q1i
        p2[b] = q2r; p2[B + b] = q2i; p3[b] = q3r; p3[B + b] = q3i
        l0[b] = k0r; l0[B + b] = k0i; l1[b] = k1r; l1[B + b] = k1i
        l2[b] = k2r; l2[B + b] = k2i; l3[b] = k3r; l3[B + b] = k3i


@_jit(noalias=True)
def _kh2(x0, x1, x2, x3, m, B):
    """Rows (x0..x3) <- M^dagger per sample; m is (32, B)."""
    for b in range(B):
        y0r, y0i, y1r, y1i, y2r, y2i, y3r, y3i = _hv4(
            m, b, x0[b], x0[B + b], x1[b], x1[B + b], x2[b], x2[B + b], x3[b], x3[B + b])
        x0[b] = y0r; x0[B + b] = y0i; x1[b] = y1r; x1[B + b] = y1i
        x2[b] = y2r; x2[B + b] = y2i; x3[b] = y3r; x3[B + b] = y3i


@_jit(noalias=True)
def _g4(g, lr, q0, q1, q2, q3, B):
    """One row r of a 4x4 gradient table: g (8, B) += conj(lam[r]) psi[c] for c = 0..3. (The
    whole (32, B) table in one loop has too many overlapping streams for LLVM to vectorise.)"""
    for b in range(B):
        _outer4row(g, 0, b, lr[b], lr[B + b], q0[b], q0[B + b], q1[b], q1[B + b],
                   q2[b], q2[B + b], q3[b], q3[B + b])


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
def _copy_row(dst, src, W):
    for k in range(W):
        dst[k] = src[k]


@_jit(noalias=True)
def _interleave_into(dst, src, B):
    """dst (a row, interleaved complex) <- src (another row, [re | im])."""
    for b in range(B):
        dst[2 * b] = src[b]
        dst[2 * b + 1] = src[B + b]


@_jit(noalias=True)
def _negate_row(x, W):
    for k in range(W):
        x[k] = -x[k]


# ---- index maps: CX and SWAP as relabellings ------------------------------------------------------
# CX and SWAP permute basis states by a linear map of the index bits (over GF(2)). Instead of
# moving rows, the kernels keep that map: physical row i holds the amplitude of logical basis
# state A(i). For each logical qubit q, lrow[q] gives its bit of A(i) as parity(lrow[q] & i) and
# dmask[q] = A^-1(e_q) is the physical partner offset: rows i and i ^ dmask[q] differ in logical
# qubit q only. A single-qubit gate on q then works on the row pairs (i, i ^ dmask[q]), whatever
# the CX before it did, and the rows are put back in logical order once, at the end, in the
# same pass that restores the interleaved complex layout.


@_jit()
def _parity(x):
    x ^= x >> 32
    x ^= x >> 16
    x ^= x >> 8
    x ^= x >> 4
    x ^= x >> 2
    x ^= x >> 1
    return x & 1


@_jit()
def _map_reset(n, dmask, lrow):
    for q in range(n):
        dmask[q] = 1 << (n - 1 - q)
        lrow[q] = 1 << (n - 1 - q)


@_jit()
def _map_update(kind, a, b, dmask, lrow):
    """The logical state goes through CX(a, b) (kind 2) or SWAP(a, b) (kind 4), both their own
    inverse, so this serves forward and backward alike: A <- G A."""
    if kind == 2:  # bit b of the logical index ^= bit a
        lrow[b] ^= lrow[a]
        dmask[a] ^= dmask[b]
    else:
        t = lrow[a]
        lrow[a] = lrow[b]
        lrow[b] = t
        t = dmask[a]
        dmask[a] = dmask[b]
        dmask[b] = t


@_jit()
def _map_is_identity(n, dmask):
    for q in range(n):
        if dmask[q] != 1 << (n - 1 - q):
            return False
    return True


@_jit()
def _cz(st1, st2, two, la, lb):
    """CZ on logical qubits with bit rows la, lb: negate the rows where both bits are 1."""
    W = st1.shape[1]
    for i in range(st1.shape[0]):
        if _parity(la & i) and _parity(lb & i):
            _negate_row(st1[i], W)
            if two:
                _negate_row(st2[i], W)


@_jit()
def _restore(st, n, dmask, mark, stamp, tw, B):
    """End of a program: rows back to logical order (row y <- row A^-1(y)), following the
    permutation's cycles, and [re | im] back to interleaved complex, in one pass."""
    R = st.shape[0]
    if _map_is_identity(n, dmask):
        for i in range(R):
            _to_interleaved(st[i], tw[0], B)
        return
    t = tw[1]
    for i0 in range(R):
        if mark[i0] == stamp:
            continue
        x = 0  # A^-1(i0) = XOR of dmask[q] over the logical bits of i0
        for q in range(n):
            if (i0 >> (n - 1 - q)) & 1:
                x ^= dmask[q]
        if x == i0:
            mark[i0] = stamp
            _to_interleaved(st[i0], tw[0], B)
            continue
        _copy_row(t, st[i0], 2 * B)
        i = i0
        while True:
            mark[i] = stamp
            if x == i0:
                _interleave_into(st[i], t, B)
                break
            _interleave_into(st[i], st[x], B)
            i = x
            x = 0
            for q in range(n):
                if (i >> (n - 1 - q)) & 1:
                    x ^= dmask[q]


# ---- whole-state passes --------------------------------------------------------------------------


@_jit()
def _layout_split(st, B, t):
    for r in range(st.shape[0]):
        _to_split(st[r], t, B)


@_jit()
def _tables(mf):
    """Per-sample matrices, as the float64 view (slots, batch, 2*k*k) of (slots, batch, k, k)
    complex -> (slots, 2*k*k, batch): entry (r, c) of a sample at 2*(k*r+c) (+1 imaginary)."""
    S, B, E = mf.shape
    out = np.empty((S, E, B))
    for s in range(S):
        for e in range(E):
            for b in range(B):
                out[s, e, b] = mf[s, b, e]
    return out


@_jit()
def _reduce(d, basis, pivots, r):
    """Reduce d by the echelon basis[:r] (pivot = highest bit, distinct); returns (rest, coords)
    with d = rest ^ XOR of basis[i] over the bits i of coords."""
    coords = 0
    for i in range(r):
        if (d >> pivots[i]) & 1:
            d ^= basis[i]
            coords |= 1 << i
    return d, coords


@_jit()
def _add_to_basis(d, basis, pivots, r, rmax):
    """Add d to the echelon basis (kept in descending pivot order); returns the new rank, or -1
    (leaving the basis as it was) where that would exceed rmax."""
    d, _ = _reduce(d, basis, pivots, r)
    if d == 0:
        return r
    if r == rmax:
        return -1
    p = 63
    while not (d >> p) & 1:
        p -= 1
    i = r
    while i > 0 and pivots[i - 1] < p:
        basis[i] = basis[i - 1]
        pivots[i] = pivots[i - 1]
        i -= 1
    basis[i] = d
    pivots[i] = p
    return r + 1


@_jit()
def _block_plan(masks, lrows, g, basis, pivots, r, offs, tco, pairs, quads, pairok):
    """For a block of g single-qubit gates whose partner masks span basis[:r]: the group offsets
    offs[s] (XOR of basis[r - 1 - i] over the bits i of s), each gate's partner as a subset index tco[j]
    (offs[tco[j]] == masks[j]), and pairs[j, :2**(r-1)]: the subsets s whose group element is the
    logical-0 member of its pair when the group's base row has logical bit 0 for gate j."""
    # Bit i of s selects basis[r - 1 - i] (ascending pivots), so that consecutive s walk the
    # low (contiguous) rows of a group first.
    for s in range(1 << r):
        o = 0
        for i in range(r):
            if (s >> i) & 1:
                o ^= basis[r - 1 - i]
        offs[s] = o
    for j in range(g):
        _, co = _reduce(masks[j], basis, pivots, r)
        t = 0
        for i in range(r):
            if (co >> i) & 1:
                t |= 1 << (r - 1 - i)
        tco[j] = t
        c = 0
        for s in range(1 << r):
            if _parity(lrows[j] & offs[s]) == 0:
                pairs[j, c] = s
                c += 1
    # Gates j and j + 1 that commute in the physical frame (neither's logical row sees the other's
    # partner mask) can run together on quadruples of rows; quads[j] lists the subsets whose
    # element has logical bit 0 for both.
    for j in range(g):
        pairok[j] = (j + 1 < g and _parity(lrows[j] & masks[j + 1]) == 0
                     and _parity(lrows[j + 1] & masks[j]) == 0)
        if pairok[j]:
            c = 0
            for s in range(1 << r):
                if _parity(lrows[j] & offs[s]) == 0 and _parity(lrows[j + 1] & offs[s]) == 0:
                    quads[j, c] = s
                    c += 1


@_jit()
def _quad_rows(base, offs, s, tj, tk, fj, fk):
    """The rows (a, b, c, d) of a quadruple with logical bits (j, k) = 00, 10, 01, 11, given the
    base row's logical bits fj, fk."""
    a = base ^ offs[s]
    b = base ^ offs[s ^ tj]
    c = base ^ offs[s ^ tk]
    d = base ^ offs[s ^ tj ^ tk]
    if fj:
        a, b, c, d = b, a, d, c
    if fk:
        a, b, c, d = c, d, a, b
    return a, b, c, d


@_jit()
def _apply_block(st, g, r, masks, lrows, slots, t1, B, pivots, offs, tco, pairs, quads, pairok,
                 convert, tw):
    """Single-qubit gates (g of them, in order; partner masks spanning an r-dimensional space)
    applied group by group: each coset of that space (2**r rows) is read from memory once and
    stays in cache while the g gates run over it; consecutive commuting gates go two at a time
    over quadruples of rows (`_k11`). With `convert`, each row is first turned from interleaved
    complex to [re | im] (the program's first pass)."""
    half = 1 << (r - 1)
    quarter = half >> 1
    pos = np.empty(r, dtype=np.int64)
    for i in range(r):
        pos[i] = pivots[r - 1 - i]  # ascending
    for grp in range(st.shape[0] >> r):
        base = grp
        for i in range(r):
            p = pos[i]
            base = ((base >> p) << (p + 1)) | (base & ((1 << p) - 1))
        if convert:
            for s in range(1 << r):
                _to_split(st[base ^ offs[s]], tw[0], B)
        j = 0
        while j < g:
            m = t1[slots[j]]
            flip = _parity(lrows[j] & base)
            t = tco[j]
            if pairok[j]:
                mk = t1[slots[j + 1]]
                fk = _parity(lrows[j + 1] & base)
                tk = tco[j + 1]
                for h in range(quarter):
                    a, b, c, d = _quad_rows(base, offs, quads[j, h], t, tk, flip, fk)
                    _k11(st[a], st[b], st[c], st[d], m, mk, B)
                j += 2
                continue
            for h in range(half):
                s = pairs[j, h]
                x0 = base ^ offs[s]
                x1 = base ^ offs[s ^ t]
                if flip:
                    x0, x1 = x1, x0
                _k1(st[x0], st[x1], m, B)
            j += 1


@_jit()
def _back_block(psi, lam, g, r, masks, lrows, slots, need, t1, gt, B, pivots, offs, tco, pairs,
                quads, pairok, convert, tw):
    """Backward through single-qubit gates given in processing (reverse) order, group by group:
    for each gate one pass over the group's rows that un-computes psi, adds the gradient sums
    gt[j] (when need[j]) and un-computes lam; consecutive commuting gates two at a time over
    quadruples of rows (`_b11`)."""
    half = 1 << (r - 1)
    quarter = half >> 1
    pos = np.empty(r, dtype=np.int64)
    for i in range(r):
        pos[i] = pivots[r - 1 - i]
    for grp in range(psi.shape[0] >> r):
        base = grp
        for i in range(r):
            p = pos[i]
            base = ((base >> p) << (p + 1)) | (base & ((1 << p) - 1))
        if convert:
            for s in range(1 << r):
                _to_split(psi[base ^ offs[s]], tw[0], B)
                _to_split(lam[base ^ offs[s]], tw[0], B)
        j = 0
        while j < g:
            m = t1[slots[j]]
            flip = _parity(lrows[j] & base)
            t = tco[j]
            if pairok[j]:
                mk = t1[slots[j + 1]]
                fk = _parity(lrows[j + 1] & base)
                tk = tco[j + 1]
                nj = need[j]
                nk = need[j + 1]
                for h in range(quarter):
                    a, b, c, d = _quad_rows(base, offs, quads[j, h], t, tk, flip, fk)
                    _b11(psi[a], psi[b], psi[c], psi[d], lam[a], lam[b], lam[c], lam[d], m, mk,
                         gt[j], gt[j + 1], nj, nk, B)
                j += 2
                continue
            for h in range(half):
                s = pairs[j, h]
                x0 = base ^ offs[s]
                x1 = base ^ offs[s ^ t]
                if flip:
                    x0, x1 = x1, x0
                if need[j]:
                    _b1g(psi[x0], psi[x1], lam[x0], lam[x1], m, gt[j], B)
                else:
                    _b1(psi[x0], psi[x1], lam[x0], lam[x1], m, B)
            j += 1


@_jit()
def _quad(da, db, geo):
    """For a two-qubit gate with partner masks da, db: the pivot positions (low, high) of their
    span, at which zero bits are inserted to enumerate its 4-row groups."""
    basis = geo[0:2]
    pivots = geo[2:4]
    r = _add_to_basis(da, basis, pivots, 0, 2)
    r = _add_to_basis(db, basis, pivots, r, 2)
    return pivots[1], pivots[0]


@_jit()
def _group_of_four(grp, plo, phi, da, db, la, lb):
    """The rows (00, 01, 10, 11) of logical (a, b) in the grp-th group."""
    i = ((grp >> plo) << (plo + 1)) | (grp & ((1 << plo) - 1))
    i = ((i >> phi) << (phi + 1)) | (i & ((1 << phi) - 1))
    if _parity(la & i):
        i ^= da
    if _parity(lb & i):
        i ^= db
    return i, i ^ db, i ^ da, i ^ da ^ db


@_jit()
def _apply2(st, n, da, db, la, lb, m, B, geo):
    plo, phi = _quad(da, db, geo)
    for grp in range(st.shape[0] >> 2):
        x0, x1, x2, x3 = _group_of_four(grp, plo, phi, da, db, la, lb)
        _k2(st[x0], st[x1], st[x2], st[x3], m, B)


@_jit()
def _back2(psi, lam, n, da, db, la, lb, m, g, need, B, geo):
    plo, phi = _quad(da, db, geo)
    for grp in range(psi.shape[0] >> 2):
        x0, x1, x2, x3 = _group_of_four(grp, plo, phi, da, db, la, lb)
        if need:  # psi <- M^dagger psi, the sums with lam (still after the gate), lam <- M^dagger lam
            _kh2(psi[x0], psi[x1], psi[x2], psi[x3], m, B)
            _g4(g[0:8], lam[x0], psi[x0], psi[x1], psi[x2], psi[x3], B)
            _g4(g[8:16], lam[x1], psi[x0], psi[x1], psi[x2], psi[x3], B)
            _g4(g[16:24], lam[x2], psi[x0], psi[x1], psi[x2], psi[x3], B)
            _g4(g[24:32], lam[x3], psi[x0], psi[x1], psi[x2], psi[x3], B)
            _kh2(lam[x0], lam[x1], lam[x2], lam[x3], m, B)
        else:
            _b2(psi[x0], psi[x1], psi[x2], psi[x3], lam[x0], lam[x1], lam[x2], lam[x3], m, B)


# ---- the whole program -----------------------------------------------------------------------------


@_jit()
def _n_of(R):
    n = 0
    while (1 << n) < R:
        n += 1
    return n


@_jit()
def _collect(code, k, step, rmax, lbits, dmask, lrow, masks, lrows, slots, rows, basis, pivots):
    """Gather a block from row k on (step +1 forward, -1 backward): single-qubit gates, passing
    over CX and SWAP rows (which only update the map), while the partner masks span at most rmax
    dimensions together with the lbits lowest index bits (which every group contains, so that a
    group is 2**(r - lbits) runs of 2**lbits consecutive rows), and at most MAX_GATES gates.
    Returns (next k, gates, rank)."""
    N = code.shape[0]
    g = 0
    r = lbits
    for i in range(lbits):
        basis[i] = 1 << (lbits - 1 - i)
        pivots[i] = lbits - 1 - i
    while 0 <= k < N and g < MAX_GATES:
        kind = code[k, 0]
        if kind == 2 or kind == 4:
            _map_update(kind, code[k, 1], code[k, 2], dmask, lrow)
        elif kind == 0:
            q = code[k, 1]
            r2 = _add_to_basis(dmask[q], basis, pivots, r, rmax)
            if r2 < 0:
                break
            r = r2
            masks[g] = dmask[q]
            lrows[g] = lrow[q]
            slots[g] = code[k, 3]
            rows[g] = k
            g += 1
        else:
            break
        k += step
    return k, g, r


@_jit()
def _check(code, n, n1, n2):
    """Refuse rows the kernels cannot run (rather than reading or writing out of bounds)."""
    for k in range(code.shape[0]):
        kind = code[k, 0]
        a = code[k, 1]
        b = code[k, 2]
        s = code[k, 3]
        if kind < 0 or kind > 4 or a < 0 or a >= n:
            raise ValueError("program row with an unknown kind or a qubit out of range")
        if kind != 0 and (b < 0 or b >= n or b == a):
            raise ValueError("two-qubit program row needs two different qubits in range")
        if (kind == 0 and not 0 <= s < n1) or (kind == 1 and not 0 <= s < n2):
            raise ValueError("program row refers to a matrix slot out of range")


@_jit()
def _forward(st, code, mats1, mats2, rmax, lbits):
    """st: the (2**n, 2*batch) float64 view of the complex state; mats1, mats2: float64 views
    (slots, batch, 8 or 32) of the per-sample matrices; rmax, lbits: see `blocking`."""
    R = st.shape[0]
    B = st.shape[1] // 2
    n = _n_of(R)
    N = code.shape[0]
    _check(code, n, mats1.shape[0], mats2.shape[0])
    if N == 0 or B == 0:
        return
    t1 = _tables(mats1)
    t2 = _tables(mats2)
    dmask = np.empty(n, dtype=np.int64)
    lrow = np.empty(n, dtype=np.int64)
    masks = np.empty(MAX_GATES, dtype=np.int64)
    lrows = np.empty(MAX_GATES, dtype=np.int64)
    slots = np.empty(MAX_GATES, dtype=np.int64)
    rows = np.empty(MAX_GATES, dtype=np.int64)
    tco = np.empty(MAX_GATES, dtype=np.int64)
    basis = np.empty(64, dtype=np.int64)
    pivots = np.empty(64, dtype=np.int64)
    offs = np.empty(1 << rmax, dtype=np.int64)
    pairs = np.empty((MAX_GATES, 1 << (rmax - 1)), dtype=np.int64)
    quads = np.empty((MAX_GATES, 1 << max(rmax - 2, 0)), dtype=np.int64)
    pairok = np.zeros(MAX_GATES, dtype=np.bool_)
    geo = np.empty(4, dtype=np.int64)
    mark = np.zeros(R, dtype=np.int64)
    tw = np.empty((2, 2 * B))
    _map_reset(n, dmask, lrow)
    split = False
    k = 0
    while k < N:
        kind = code[k, 0]
        if kind == 0:
            k2, g, r = _collect(code, k, 1, rmax, lbits, dmask, lrow, masks, lrows, slots,
                                rows, basis, pivots)
            _block_plan(masks, lrows, g, basis, pivots, r, offs, tco, pairs, quads, pairok)
            _apply_block(st, g, r, masks, lrows, slots, t1, B, pivots, offs,
                         tco, pairs, quads, pairok, not split, tw)
            split = True
            k = k2
        elif kind == 2 or kind == 4:
            _map_update(kind, code[k, 1], code[k, 2], dmask, lrow)
            k += 1
        else:
            if not split:
                _layout_split(st, B, tw[0])
                split = True
            a = code[k, 1]
            b = code[k, 2]
            if kind == 1:
                _apply2(st, n, dmask[a], dmask[b], lrow[a], lrow[b], t2[code[k, 3]], B, geo)
            else:
                _cz(st, st, False, lrow[a], lrow[b])
            k += 1
    if split:
        _restore(st, n, dmask, mark, 1, tw, B)
    else:  # only CX and SWAP rows: a pure permutation
        _layout_split(st, B, tw[0])
        _restore(st, n, dmask, mark, 1, tw, B)


@_jit()
def _backward(psi, lam, code, mats1, mats2, need1, need2, rmax, lbits):
    R = psi.shape[0]
    B = psi.shape[1] // 2
    n = _n_of(R)
    N = code.shape[0]
    n1 = mats1.shape[0]
    n2 = mats2.shape[0]
    G1 = np.zeros((n1, B, 2, 2), dtype=np.complex128)
    G2 = np.zeros((n2, B, 4, 4), dtype=np.complex128)
    _check(code, n, n1, n2)
    if N == 0 or B == 0:
        return G1, G2
    t1 = _tables(mats1)
    t2 = _tables(mats2)
    # A slot's gradient is that of its earliest row in program order, as in kernels_numpy
    # (which assigns them in reverse order); `owner` is that row.
    owner1 = np.full(n1, N, dtype=np.int64)
    owner2 = np.full(n2, N, dtype=np.int64)
    for r in range(N):
        s = code[r, 3]
        if code[r, 0] == 0 and need1[s] and r < owner1[s]:
            owner1[s] = r
        elif code[r, 0] == 1 and need2[s] and r < owner2[s]:
            owner2[s] = r
    dmask = np.empty(n, dtype=np.int64)
    lrow = np.empty(n, dtype=np.int64)
    masks = np.empty(MAX_GATES, dtype=np.int64)
    lrows = np.empty(MAX_GATES, dtype=np.int64)
    slots = np.empty(MAX_GATES, dtype=np.int64)
    rows = np.empty(MAX_GATES, dtype=np.int64)
    tco = np.empty(MAX_GATES, dtype=np.int64)
    basis = np.empty(64, dtype=np.int64)
    pivots = np.empty(64, dtype=np.int64)
    offs = np.empty(1 << rmax, dtype=np.int64)
    pairs = np.empty((MAX_GATES, 1 << (rmax - 1)), dtype=np.int64)
    quads = np.empty((MAX_GATES, 1 << max(rmax - 2, 0)), dtype=np.int64)
    pairok = np.zeros(MAX_GATES, dtype=np.bool_)
    geo = np.empty(4, dtype=np.int64)
    mark = np.zeros(R, dtype=np.int64)
    tw = np.empty((2, 2 * B))
    _map_reset(n, dmask, lrow)
    need = np.zeros(MAX_GATES, dtype=np.bool_)
    gt = np.empty((MAX_GATES, 8, B))
    g2 = np.zeros((32, B))
    split = False
    k = N - 1
    while k >= 0:
        kind = code[k, 0]
        if kind == 0:
            k2, g, r = _collect(code, k, -1, rmax, lbits, dmask, lrow, masks, lrows, slots,
                                rows, basis, pivots)
            _block_plan(masks, lrows, g, basis, pivots, r, offs, tco, pairs, quads, pairok)
            for j in range(g):
                need[j] = owner1[slots[j]] == rows[j]
                if need[j]:
                    gt[j] = 0.0
            _back_block(psi, lam, g, r, masks, lrows, slots, need, t1, gt, B, pivots,
                        offs, tco, pairs, quads, pairok, not split, tw)
            split = True
            for j in range(g):
                if need[j]:
                    _emit1(G1[slots[j]], gt[j], B, 2)
            k = k2
        elif kind == 2 or kind == 4:
            _map_update(kind, code[k, 1], code[k, 2], dmask, lrow)
            k -= 1
        else:
            if not split:
                _layout_split(psi, B, tw[0])
                _layout_split(lam, B, tw[0])
                split = True
            a = code[k, 1]
            b = code[k, 2]
            if kind == 1:
                s = code[k, 3]
                nd = owner2[s] == k
                if nd:
                    g2[:] = 0.0
                _back2(psi, lam, n, dmask[a], dmask[b], lrow[a], lrow[b], t2[s], g2, nd, B, geo)
                if nd:
                    _emit1(G2[s], g2, B, 4)
            else:
                _cz(psi, lam, True, lrow[a], lrow[b])
            k -= 1
    if not split:
        _layout_split(psi, B, tw[0])
        _layout_split(lam, B, tw[0])
    _restore(psi, n, dmask, mark, 1, tw, B)
    _restore(lam, n, dmask, mark, 2, tw, B)
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


def blocking(batch: int, n: int) -> tuple[int, int]:
    """(rmax, lbits) for a state of n qubits and `batch` samples: groups of at most 2**rmax rows
    (a group of psi and lam rows, 32*batch bytes each, within GROUP_BYTES, rmax <= MAX_BLOCK),
    made of runs of 2**lbits consecutive rows (at least SEGMENT_BYTES of one state each, so that
    the hardware prefetcher streams them)."""
    row = 16 * max(batch, 1)
    r = 1
    while r < min(MAX_BLOCK, n) and (4 << r) * row <= GROUP_BYTES:
        r += 1
    r = min(r, n)
    lbits = 0
    while lbits < r and (row << lbits) < SEGMENT_BYTES:
        lbits += 1
    if lbits >= r and r < n:
        lbits = r - 1
    return r, lbits


def _tables_view(mats, k: int, batch: int, name: str) -> np.ndarray:
    """The (slots, batch, 2*k*k) float64 view of (slots, batch, k, k) complex matrices."""
    mats = np.ascontiguousarray(mats, dtype=_C128)
    if mats.size == 0:
        return np.zeros((0, batch, 2 * k * k))
    if mats.ndim != 4 or mats.shape[1:] != (batch, k, k):
        raise ValueError(f"{name} has shape {mats.shape}; expected (slots, {batch}, {k}, {k})")
    return mats.view(np.float64).reshape(mats.shape[0], batch, 2 * k * k)


def _code(code) -> np.ndarray:
    return np.ascontiguousarray(code, dtype=np.int64).reshape(-1, 4)


def _is_state(a) -> bool:
    return a.dtype == _C128 and a.ndim == 2 and a.flags.c_contiguous and a.flags.writeable


def _check_rows(a) -> None:
    R = a.shape[0]
    if a.ndim != 2 or R < 1 or R & (R - 1):
        raise ValueError(f"a state must be (2**n, batch); got shape {a.shape}")


def forward(state: np.ndarray, code: np.ndarray, mats1: np.ndarray, mats2: np.ndarray) -> None:
    """Apply the program to the batch of states (2**n, batch) complex128, in place."""
    work = state if _is_state(state) else np.array(state, dtype=_C128, order="C", copy=True)
    _check_rows(work)
    batch = work.shape[1]
    rmax, lbits = blocking(batch, work.shape[0].bit_length() - 1)
    _forward(work.view(np.float64), _code(code), _tables_view(mats1, 2, batch, "mats1"),
             _tables_view(mats2, 4, batch, "mats2"), rmax, lbits)
    if work is not state:
        state[...] = work


def backward(psi: np.ndarray, lam: np.ndarray, code: np.ndarray, mats1: np.ndarray,
             mats2: np.ndarray, need1: np.ndarray, need2: np.ndarray):
    """Un-compute psi and lam through the program in reverse (in place); return (G1, G2) with
    G[b, r, c] = sum over the other qubits of conj(lam_after[r]) psi_before[c] for the slots
    flagged in need1/need2 (zero elsewhere)."""
    wp = psi if _is_state(psi) else np.array(psi, dtype=_C128, order="C", copy=True)
    wl = lam if (_is_state(lam) and not np.shares_memory(lam, wp)) else np.array(
        lam, dtype=_C128, order="C", copy=True)
    _check_rows(wp)
    if wl.shape != wp.shape:
        raise ValueError(f"psi {wp.shape} and lam {wl.shape} differ in shape")
    batch = wp.shape[1]
    t1 = _tables_view(mats1, 2, batch, "mats1")
    t2 = _tables_view(mats2, 4, batch, "mats2")
    need1 = np.ascontiguousarray(need1, dtype=np.bool_).reshape(-1)
    need2 = np.ascontiguousarray(need2, dtype=np.bool_).reshape(-1)
    if need1.shape[0] != t1.shape[0] or need2.shape[0] != t2.shape[0]:
        raise ValueError("need1/need2 must have one flag per slot of mats1/mats2")
    rmax, lbits = blocking(batch, wp.shape[0].bit_length() - 1)
    G1, G2 = _backward(wp.view(np.float64), wl.view(np.float64), _code(code), t1, t2, need1, need2,
                       rmax, lbits)
    if wp is not psi:
        psi[...] = wp
    if wl is not lam:
        lam[...] = wl
    return G1, G2
