"""The NumPy engine's kernels: the program run layer by layer with BLAS matrix products.

Same two functions, program format and semantics as `kernels_numpy` (the simple gate-by-gate
reference, see there); this is what the "numpy" engine runs, and the fallback where numba is
missing. Why it is faster (R3L, 12 qubits, batch 32, one thread, side by side in one process
on a loaded machine: an epoch's CPU time 3.4 s gate by gate -> 0.9 s):

- **Batch first, inside.** The state arrives as (2**n, batch); here it is worked on as
  (batch, 2**n) (one transposing copy in and one out), so that every sample's state is one
  contiguous vector that BLAS can multiply as a matrix. Gate by gate on the batch-last layout,
  each NumPy call's inner loop ran over only `batch` elements with a broadcast matrix entry, and
  a 2x2 gate cost about seven passes over its half-states.
- **Layers of single-qubit gates as Kronecker products.** Single-qubit rows are moved earlier
  past two-qubit rows on other qubits (they commute) and gathered into layers, at most one gate
  per qubit. A layer is applied window by window: the gates on up to WINDOW consecutive qubits
  become one per-sample 2**k x 2**k Kronecker product (identities where a qubit has no gate)
  applied by one batched `np.matmul` on the state viewed as (batch, above, 2**k, below). A layer
  of 12 gates is three such products: about 1.4 ms at batch 32 where the 12 gates one by one
  took 9 ms, although it does more arithmetic: BLAS does it at full speed in cache.
- **Runs of CX, SWAP and CZ as one signed permutation** of the basis states, precomputed once per
  program: one `np.take` per run instead of a copy per gate (mode="clip": with the default
  mode and `out`, NumPy gathers into a temporary first, three times slower; up to
  MAX_PERM_QUBITS, wider states apply the gates one by one, as index tables would be too large).
- **The adjoint pass by layers.** Backward un-computes psi and lam window by window (the inverse
  Kronecker product) and takes the gradient sums of all the window's gates from one product:
  for a gate A on qubit q of a layer, with both states un-computed through the gate's window,
  G = conj(A) @ H, where H[r', c] = sum over the other qubits of conj(lam[r']) psi[c] is the
  partial trace of the window's cross matrix conj(L) P^T (derivation in `_layer_backward`).
  lam is carried conjugated, so that the cross matrix is a plain product (no conjugating pass).

Small states with large batches (SMALL_STATE_RATIO) run the gate-by-gate kernels instead, which
are faster there. Each function is deterministic (fixed plans, fixed operation order; BLAS on one
thread or several splits rows and columns, not the sums); results agree with `kernels_numpy` and
the numba kernels to rounding (1e-12 in the tests).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import kernels_numpy
from .program import KIND_CX, KIND_CZ, KIND_M1, KIND_M2, KIND_SWAP

__all__ = ["backward", "forward", "plan"]

WINDOW = 4
"""Qubits per Kronecker window: a 16 x 16 per-sample product. Measured at 12 qubits and batch
32 (one layer of 12 gates): windows of 2, 3, 4, 6 qubits took 3.4, 1.5, 1.4, 2.2 ms (small
windows make many tiny BLAS calls, large ones too much arithmetic)."""
MAX_PERM_QUBITS = 22
"""Runs of CX/SWAP/CZ become index tables (8 bytes per basis state each) up to this width."""
SMALL_STATE_RATIO = 2
"""Where the batch exceeds this many times the 2**n amplitudes of one sample, the gate-by-gate
kernels (`kernels_numpy`) run instead: there each NumPy loop runs over the whole batch, while
here the per-sample products are tiny (at 4 qubits and batch 360 the layered forward took 2-6 ms,
gate by gate 0.5 ms; at 8 qubits and batch 360, 17 ms against 43 ms)."""


# ---- the plan: stages built once per program -------------------------------------------------


@dataclass
class Layer:
    """Single-qubit rows on distinct qubits, applied together: `gates` maps qubit -> (slot, row)
    and `windows` lists (first qubit, width, [(qubit, slot, row) or None per qubit])."""

    gates: dict = field(default_factory=dict)
    windows: list = field(default_factory=list)

    def touches(self, qubits) -> bool:
        return any(q in self.gates for q in qubits)


@dataclass
class Perm:
    """A run of CX, SWAP and CZ rows: after it, state[i] = sign[i] * state_before[src[i]]."""

    rows: list = field(default_factory=list)  # (kind, a, b)
    qubits: set = field(default_factory=set)
    src: np.ndarray | None = None
    sign: np.ndarray | None = None  # None when every sign is +1
    inv: np.ndarray | None = None  # state_before[j] = inv_sign[j] * state[inv[j]]
    inv_sign: np.ndarray | None = None

    def touches(self, qubits) -> bool:
        return any(q in self.qubits for q in qubits)


@dataclass
class Pair:
    """A KIND_M2 row: a per-sample 4x4 matrix on qubits (a, b)."""

    a: int
    b: int
    slot: int
    row: int

    def touches(self, qubits) -> bool:
        return self.a in qubits or self.b in qubits


def _schedule(code: np.ndarray, n: int) -> list:
    """Stages in an order equivalent to the rows'. A single-qubit row joins the earliest layer it
    can reach by moving back over stages that do not touch its qubit (gates on different qubits
    commute); CX/SWAP/CZ rows extend a run that ends the list, or start one."""
    stages: list = []
    for row, (kind, a, b, slot) in enumerate(code.tolist()):
        if kind == KIND_M1:
            target = None
            for st in reversed(stages):
                if isinstance(st, Layer) and a not in st.gates:
                    target = st
                if st.touches((a,)):
                    break
            if target is None:
                target = Layer()
                stages.append(target)
            target.gates[a] = (slot, row)
        elif kind == KIND_M2:
            stages.append(Pair(a, b, slot, row))
        else:
            if not stages or not isinstance(stages[-1], Perm):
                stages.append(Perm())
            stages[-1].rows.append((kind, a, b))
            stages[-1].qubits.update((a, b))
    for st in stages:
        if isinstance(st, Layer):
            st.windows = _windows(st.gates)
        elif isinstance(st, Perm) and n <= MAX_PERM_QUBITS:
            _tabulate(st, n)
    return stages


def _windows(gates: dict) -> list:
    """Consecutive qubits with gates, WINDOW at most per window, from the lowest qubit index;
    each window spans from its first to its last gate (identities between)."""
    out = []
    qs = sorted(gates)
    i = 0
    while i < len(qs):
        start = qs[i]
        j = i
        while j + 1 < len(qs) and qs[j + 1] < start + WINDOW:
            j += 1
        width = qs[j] - start + 1
        members = [(q, *gates[q]) if q in gates else None for q in range(start, start + width)]
        out.append((start, width, members))
        i = j + 1
    return out


def _tabulate(perm: Perm, n: int) -> None:
    idx = np.arange(1 << n, dtype=np.intp)
    src = idx.copy()
    sign = np.ones(1 << n)
    for kind, a, b in perm.rows:
        ma, mb = 1 << (n - 1 - a), 1 << (n - 1 - b)
        if kind == KIND_CX:  # new[i] = old[i ^ mb] where the control bit is set
            p = np.where(idx & ma, idx ^ mb, idx)
        elif kind == KIND_SWAP:
            p = np.where(((idx & ma) != 0) != ((idx & mb) != 0), idx ^ ma ^ mb, idx)
        else:  # CZ: a sign, no move
            sign = sign * np.where(((idx & ma) != 0) & ((idx & mb) != 0), -1.0, 1.0)
            continue
        src, sign = src[p], sign[p]
    perm.src = src
    inv = np.empty_like(src)
    inv[src] = idx
    perm.inv = inv
    if np.any(sign < 0):
        perm.sign = sign
        perm.inv_sign = sign[inv]


_PLANS: dict = {}


def plan(code: np.ndarray, n: int) -> list:
    """The stages of a program (cached: a model's program is the same every batch)."""
    code = np.ascontiguousarray(code, dtype=np.int64).reshape(-1, 4)
    key = (n, code.tobytes())
    stages = _PLANS.get(key)
    if stages is None:
        if len(_PLANS) > 64:
            _PLANS.clear()
        stages = _PLANS[key] = _schedule(code, n)
    return stages


# ---- helpers on the batch-first state (B, 2**n) ------------------------------------------------


def _kron(mats: list, batch: int, dtype) -> np.ndarray:
    """Per-sample Kronecker product (B, 2**k, 2**k) of 2x2 stacks (None: identity), the first
    factor on the most significant bit. Each factor's four entries scale the product so far
    into its four blocks: four NumPy calls per factor, each over whole (d, d) blocks (one
    broadcast product over (B, d, 2, d, 2) ran its inner loop over 2 entries, and cost more
    than applying the window at batch 360)."""
    K = None
    for m in mats:
        if m is None:
            m = np.broadcast_to(np.eye(2, dtype=dtype), (batch, 2, 2))
        if K is None:
            K = np.array(m, dtype=dtype)
            continue
        d = K.shape[1]
        out = np.empty((batch, d, 2, d, 2), dtype=dtype)
        for i in range(2):
            for j in range(2):
                np.multiply(K, m[:, i, j, None, None], out=out[:, :, i, :, j])
        K = out.reshape(batch, 2 * d, 2 * d)
    return K


def _window_view(S: np.ndarray, n: int, q: int, k: int) -> np.ndarray:
    """(B, above, 2**k, below) view of the state for the window of qubits q..q+k-1."""
    return S.reshape(S.shape[0], 1 << q, 1 << k, 1 << (n - q - k))


def _apply_window(S: np.ndarray, out: np.ndarray, K: np.ndarray, n: int, q: int, k: int) -> None:
    """out <- (I (x) K_b (x) I) S per sample; the cases with nothing above or below are one BLAS
    product per sample."""
    B = S.shape[0]
    d, above, below = 1 << k, 1 << q, 1 << (n - q - k)
    if above == 1:
        np.matmul(K, S.reshape(B, d, below), out=out.reshape(B, d, below))
    elif below == 1:
        np.matmul(S.reshape(B, above, d), K.transpose(0, 2, 1), out=out.reshape(B, above, d))
    else:
        np.matmul(K[:, None], _window_view(S, n, q, k), out=_window_view(out, n, q, k))


def _cross_window(P: np.ndarray, Lc: np.ndarray, n: int, q: int, k: int) -> np.ndarray:
    """C (B, 2**k, 2**k): C[b, i, j] = sum over the qubits outside the window of
    Lc[b, .., i, ..] P[b, .., j, ..] (Lc: the conjugated adjoint state)."""
    B = P.shape[0]
    d, above, below = 1 << k, 1 << q, 1 << (n - q - k)
    if above == 1:
        return np.matmul(Lc.reshape(B, d, below), P.reshape(B, d, below).transpose(0, 2, 1))
    if below == 1:
        return np.matmul(Lc.reshape(B, above, d).transpose(0, 2, 1), P.reshape(B, above, d))
    C = np.matmul(_window_view(Lc, n, q, k), _window_view(P, n, q, k).transpose(0, 1, 3, 2))
    return C.sum(axis=1)


def _partial_trace(C: np.ndarray, k: int, i: int) -> np.ndarray:
    """(B, 2, 2): C (B, 2**k, 2**k) traced over every window qubit but the i-th."""
    B = C.shape[0]
    hi, lo = 1 << i, 1 << (k - i - 1)
    return np.einsum("bxiyxjy->bij", C.reshape(B, hi, 2, lo, hi, 2, lo))


def _gates_view(S: np.ndarray, n: int, a: int, b: int):
    """The four views s[i][j] (qubit a = i, qubit b = j) of a batch-first state."""
    lo, hi = min(a, b), max(a, b)
    v = S.reshape(S.shape[0], 1 << lo, 2, 1 << (hi - lo - 1), 2, 1 << (n - hi - 1))
    if a < b:
        return [[v[:, :, i, :, j] for j in range(2)] for i in range(2)]
    return [[v[:, :, j, :, i] for j in range(2)] for i in range(2)]


def _apply_pair(S: np.ndarray, n: int, a: int, b: int, m: np.ndarray) -> None:
    s = _gates_view(S, n, a, b)
    old = [s[0][0].copy(), s[0][1].copy(), s[1][0].copy(), s[1][1].copy()]
    w = m.reshape(m.shape[0], 4, 4, 1, 1, 1)
    for r in range(4):
        acc = w[:, r, 0] * old[0]
        for c in range(1, 4):
            acc += w[:, r, c] * old[c]
        s[r >> 1][r & 1][...] = acc


def _cross_pair(P: np.ndarray, Lc: np.ndarray, n: int, a: int, b: int) -> np.ndarray:
    sp, sl = _gates_view(P, n, a, b), _gates_view(Lc, n, a, b)
    G = np.empty((P.shape[0], 4, 4), dtype=complex)
    for r in range(4):
        for c in range(4):
            G[:, r, c] = np.einsum("bijk,bijk->b", sl[r >> 1][r & 1], sp[c >> 1][c & 1])
    return G


def _perm_rows(S: np.ndarray, n: int, rows, inverse: bool) -> None:
    """A run of CX/SWAP/CZ gate by gate (in place; for states too wide for index tables)."""
    for kind, a, b in (reversed(rows) if inverse else rows):
        s = _gates_view(S, n, a, b)
        if kind == KIND_CZ:
            s[1][1][...] *= -1
        else:
            x, y = (s[1][0], s[1][1]) if kind == KIND_CX else (s[0][1], s[1][0])
            tmp = x.copy()
            x[...] = y
            y[...] = tmp


def _apply_perm(S: np.ndarray, out: np.ndarray, n: int, st: Perm, inverse: bool) -> bool:
    """The run of CX/SWAP/CZ (or its inverse): into `out` (returns True) or in place."""
    if st.src is None:
        _perm_rows(S, n, st.rows, inverse)
        return False
    np.take(S, st.inv if inverse else st.src, axis=1, out=out, mode="clip")
    sign = st.inv_sign if inverse else st.sign
    if sign is not None:
        out *= sign
    return True


def _small_state(n: int, batch: int) -> bool:
    return batch > SMALL_STATE_RATIO * (1 << n)


def _n_of(state) -> int:
    return int(state.shape[0]).bit_length() - 1


def _adjoint(m: np.ndarray) -> np.ndarray:
    return np.conj(np.swapaxes(m, -1, -2))


def _owners(code: np.ndarray, kind: int, need: np.ndarray) -> dict:
    """slot -> its earliest row of `kind` (a slot's gradient is that row's, as in kernels_numpy)."""
    out: dict = {}
    for row in range(len(code) - 1, -1, -1):
        if code[row, 0] == kind and need[code[row, 3]]:
            out[int(code[row, 3])] = row
    return out


# ---- forward and backward --------------------------------------------------------------------


def forward(state: np.ndarray, code: np.ndarray, mats1: np.ndarray, mats2: np.ndarray) -> None:
    """Apply the program to the batch of states (2**n, batch), in place."""
    n = _n_of(state)
    batch = state.shape[1]
    if _small_state(n, batch):
        kernels_numpy.forward(state, code, mats1, mats2)
        return
    stages = plan(code, n)
    if not stages:
        return
    S = np.array(state.T, order="C")  # a copy even where the transpose is contiguous (batch 1)
    T = np.empty_like(S)
    for st in stages:
        if isinstance(st, Layer):
            for q, k, members in st.windows:
                K = _kron([None if g is None else mats1[g[1]] for g in members], batch, S.dtype)
                _apply_window(S, T, K, n, q, k)
                S, T = T, S
        elif isinstance(st, Perm):
            if _apply_perm(S, T, n, st, inverse=False):
                S, T = T, S
        else:
            _apply_pair(S, n, st.a, st.b, mats2[st.slot])
    state[...] = S.T


def backward(psi: np.ndarray, lam: np.ndarray, code: np.ndarray, mats1: np.ndarray,
             mats2: np.ndarray, need1: np.ndarray, need2: np.ndarray):
    """Un-compute psi and lam through the program in reverse (in place); return (G1, G2) for the
    slots flagged in need1/need2 (zero elsewhere), as `kernels_numpy.backward`.

    The adjoint state is carried conjugated (Lc = conj(lam), un-computed by M^T = conj(M^dagger)
    where lam is by M^dagger): the gradient sums conj(lam) psi are then plain products, with no
    conjugating pass over the state per window."""
    n = _n_of(psi)
    batch = psi.shape[1]
    if _small_state(n, batch):
        return kernels_numpy.backward(psi, lam, code, mats1, mats2, need1, need2)
    code = np.ascontiguousarray(code, dtype=np.int64).reshape(-1, 4)
    G1 = np.zeros((len(mats1), batch, 2, 2), dtype=complex)
    G2 = np.zeros((len(mats2), batch, 4, 4), dtype=complex)
    stages = plan(code, n)
    if not stages:
        return G1, G2
    own1 = _owners(code, KIND_M1, np.asarray(need1, dtype=bool))
    own2 = _owners(code, KIND_M2, np.asarray(need2, dtype=bool))
    P = np.array(psi.T, order="C")  # copies: psi and lam are written back at the end
    Lc = np.empty_like(P)
    np.conjugate(lam.T, out=Lc)
    T = np.empty_like(P)
    for st in reversed(stages):
        if isinstance(st, Layer):
            P, Lc, T = _layer_backward(st, P, Lc, T, n, mats1, own1, G1)
        elif isinstance(st, Perm):
            if _apply_perm(P, T, n, st, inverse=True):
                P, T = T, P
            if _apply_perm(Lc, T, n, st, inverse=True):
                Lc, T = T, Lc
        else:
            m = mats2[st.slot]
            _apply_pair(P, n, st.a, st.b, _adjoint(m))
            if own2.get(st.slot) == st.row:
                G2[st.slot] = _cross_pair(P, Lc, n, st.a, st.b)
            _apply_pair(Lc, n, st.a, st.b, np.swapaxes(m, -1, -2))
    psi[...] = P.T
    np.conjugate(Lc.T, out=lam)
    return G1, G2


def _layer_backward(st: Layer, P, Lc, T, n, mats1, own1, G1):
    """Un-compute psi (P) and conj(lam) (Lc) through a layer, window by window, with the
    gradient sums.

    For gate A on qubit q in window w, let U be the windows un-computed so far (w included), psi_U
    and lam_U both states at that point, W the layer's other gates and E_rc = |r><c| on q. The
    sums the kernels return are G[r, c] = <lam_after| E_rc (x) W |psi_before>. The gates of U
    other than A move onto lam (lam_after = K_U lam_U, K_U = A (x) W_U), those outside U onto psi
    (psi_U = K_rest psi_before), leaving <lam_U| A^dagger E_rc (x) I |psi_U>
    = sum_r' conj(A[r, r']) H[r', c], H[r', c] = sum over the other qubits of conj(lam_U[r'])
    psi_U[c]; H is the partial trace of the window's cross matrix."""
    batch = P.shape[0]
    for q, k, members in reversed(st.windows):
        mats = [None if g is None else mats1[g[1]] for g in members]
        Kh = _kron([None if m is None else _adjoint(m) for m in mats], batch, P.dtype)
        _apply_window(P, T, Kh, n, q, k)
        P, T = T, P
        _apply_window(Lc, T, np.conj(Kh), n, q, k)
        Lc, T = T, Lc
        wanted = [(i, g) for i, g in enumerate(members) if g is not None and own1.get(g[1]) == g[2]]
        if not wanted:
            continue
        C = _cross_window(P, Lc, n, q, k)
        for i, (_, slot, _) in wanted:
            G1[slot] = np.matmul(np.conj(mats1[slot]), _partial_trace(C, k, i))
    return P, Lc, T


