"""A quantum block's execution plan: built once, run many times with new numbers.

The circuit (pytket, angles as sympy expressions of parameters and data) becomes a flat list of
operations on compact qubit indices:

- `Fused1`: a run of single-qubit gates on one qubit, fused into one 2x2 matrix per sample. Each
  constituent is a fixed matrix or a rotation R_P(angle) with P in {X, Y, Z}; U3, U2, U1, TK1
  and PhasedX are split into such rotations (up to a global phase, which no readout sees).
- `Param2`: a two-qubit gate whose matrix depends on an angle (CRx, CRy, CRz, CU1, XXPhase,
  YYPhase, ZZPhase), one 4x4 matrix per sample.
- `Fixed2`: a two-qubit gate with a fixed matrix; CX, CZ and SWAP get their own fast kernels.

Every angle is an `AngleFn`: affine in the parameters and data where it can be (the common case:
`RY(x_i + θ)` after rotation merging), otherwise a lambdified sympy expression with lambdified
partial derivatives. `Program.matrices(theta, X)` computes every per-sample matrix of a batch;
`Program.chain(...)` turns the kernels' gradients with respect to matrix entries into gradients
with respect to parameters and data (the chain rule through fusion and angle expressions).

Qubit 0 is the most significant bit of a basis-state index, as in pytket.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import sympy
from pytket import Circuit, OpType
from pytket.passes import AutoRebase


PAULI = {
    "X": np.array([[0, 1], [1, 0]], dtype=complex),
    "Y": np.array([[0, -1j], [1j, 0]], dtype=complex),
    "Z": np.array([[1, 0], [0, -1]], dtype=complex),
}
I2 = np.eye(2, dtype=complex)

KIND_M1, KIND_M2, KIND_CX, KIND_CZ, KIND_SWAP = 0, 1, 2, 3, 4
"""Operation codes of the kernel program (see kernels_numpy)."""

_ONE_QUBIT_ROTATIONS = {OpType.Rx: "X", OpType.Ry: "Y", OpType.Rz: "Z"}
_TWO_QUBIT_PARAM = {OpType.CRx, OpType.CRy, OpType.CRz, OpType.CU1, OpType.XXPhase,
                    OpType.YYPhase, OpType.ZZPhase}
_SUPPORTED = ({OpType.Rx, OpType.Ry, OpType.Rz, OpType.U1, OpType.U2, OpType.U3, OpType.TK1,
               OpType.PhasedX, OpType.Barrier} | _TWO_QUBIT_PARAM)


class AngleFn:
    """angle (radians, per sample) = f(theta, X): affine where possible."""

    def __init__(self, expr_half_turns, param_index: dict, input_index: dict):
        expr = sympy.sympify(expr_half_turns) * sympy.pi
        symbols = sorted(expr.free_symbols, key=str)
        self.const = 0.0
        self.p_idx = np.zeros(0, dtype=np.int64)
        self.p_coef = np.zeros(0)
        self.x_idx = np.zeros(0, dtype=np.int64)
        self.x_coef = np.zeros(0)
        self.affine = True
        derivs = {s: sympy.diff(expr, s) for s in symbols}
        if any(d.free_symbols for d in derivs.values()):
            self.affine = False
        if self.affine:
            self.const = float(expr.subs({s: 0 for s in symbols})) if symbols else float(expr)
            ps = [(param_index[str(s)], float(d)) for s, d in derivs.items() if str(s) in param_index]
            xs = [(input_index[str(s)], float(d)) for s, d in derivs.items() if str(s) in input_index]
            self.p_idx = np.array([i for i, _ in ps], dtype=np.int64)
            self.p_coef = np.array([c for _, c in ps])
            self.x_idx = np.array([i for i, _ in xs], dtype=np.int64)
            self.x_coef = np.array([c for _, c in xs])
            return
        # General expressions: lambdified value and partial derivatives. Each symbol becomes one
        # argument: a parameter as a scalar, a data input as a (batch,) column.
        self.symbols = symbols
        self.kinds = [("p", param_index[str(s)]) if str(s) in param_index else ("x", input_index[str(s)])
                      for s in symbols]
        self.f = sympy.lambdify(symbols, expr, "numpy")
        self.df = [sympy.lambdify(symbols, derivs[s], "numpy") for s in symbols]

    @property
    def constant(self) -> bool:
        return self.affine and not len(self.p_idx) and not len(self.x_idx)

    def _args(self, theta, X):
        return [theta[i] if k == "p" else X[:, i] for k, i in self.kinds]

    def value(self, theta: np.ndarray, X: np.ndarray) -> np.ndarray:
        batch = X.shape[0]
        if self.affine:
            v = np.full(batch, self.const + float(self.p_coef @ theta[self.p_idx]) if len(self.p_idx)
                        else self.const)
            if len(self.x_idx):
                v = v + X[:, self.x_idx] @ self.x_coef
            return v
        return np.broadcast_to(np.asarray(self.f(*self._args(theta, X)), dtype=float), (batch,)).copy()

    def backprop(self, g: np.ndarray, theta, X, dtheta: np.ndarray, dX: np.ndarray | None) -> None:
        """Add dL/dtheta and dL/dX given g = dL/d(angle) per sample."""
        if self.affine:
            if len(self.p_idx):
                np.add.at(dtheta, self.p_idx, self.p_coef * g.sum())
            if dX is not None and len(self.x_idx):
                dX[:, self.x_idx] += g[:, None] * self.x_coef[None, :]
            return
        args = self._args(theta, X)
        for (kind, i), df in zip(self.kinds, self.df):
            d = np.broadcast_to(np.asarray(df(*args), dtype=float), g.shape)
            if kind == "p":
                dtheta[i] += float(d @ g)
            elif dX is not None:
                dX[:, i] += d * g


@dataclass
class Elem:
    """One constituent of a fused single-qubit run: a rotation R_axis(angle) or a fixed matrix."""

    axis: str | None  # "X" | "Y" | "Z" for rotations
    angle: AngleFn | None
    matrix: np.ndarray | None  # fixed 2x2


@dataclass
class Fused1:
    qubit: int
    elems: list[Elem]
    slot: int = -1

    @property
    def trainable(self) -> bool:
        return any(e.angle is not None and not e.angle.constant for e in self.elems)


@dataclass
class Param2:
    kind: OpType
    qubits: tuple[int, int]
    angle: AngleFn
    slot: int = -1


@dataclass
class Fixed2:
    qubits: tuple[int, int]
    matrix: np.ndarray  # 4x4, first qubit most significant
    code: int = KIND_M2
    slot: int = -1


def _mul2(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Stacks of 2x2 matrices multiplied entry by entry: about 8x faster than `@` on the
    many tiny matrices a batch has (NumPy's matmul pays per matrix)."""
    a00, a01, a10, a11 = A[..., 0, 0], A[..., 0, 1], A[..., 1, 0], A[..., 1, 1]
    b00, b01, b10, b11 = B[..., 0, 0], B[..., 0, 1], B[..., 1, 0], B[..., 1, 1]
    C = np.empty(np.broadcast_shapes(A.shape, B.shape), dtype=complex)
    C[..., 0, 0] = a00 * b00 + a01 * b10
    C[..., 0, 1] = a00 * b01 + a01 * b11
    C[..., 1, 0] = a10 * b00 + a11 * b10
    C[..., 1, 1] = a10 * b01 + a11 * b11
    return C


def _rot(axis: str, a: np.ndarray) -> np.ndarray:
    """R_axis(a) for a (batch,) of angles: (batch, 2, 2)."""
    c, s = np.cos(a / 2), np.sin(a / 2)
    out = np.empty(a.shape + (2, 2), dtype=complex)
    if axis == "X":
        out[..., 0, 0] = c
        out[..., 0, 1] = -1j * s
        out[..., 1, 0] = -1j * s
        out[..., 1, 1] = c
    elif axis == "Y":
        out[..., 0, 0] = c
        out[..., 0, 1] = -s
        out[..., 1, 0] = s
        out[..., 1, 1] = c
    else:
        out[..., 0, 0] = c - 1j * s
        out[..., 0, 1] = 0
        out[..., 1, 0] = 0
        out[..., 1, 1] = c + 1j * s
    return out


def _param2(kind: OpType, a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The (batch, 4, 4) matrices of a two-qubit parametrised gate and their derivatives."""
    b = a.shape[0]
    m = np.zeros((b, 4, 4), dtype=complex)
    d = np.zeros((b, 4, 4), dtype=complex)
    if kind in (OpType.CRx, OpType.CRy, OpType.CRz):
        axis = {OpType.CRx: "X", OpType.CRy: "Y", OpType.CRz: "Z"}[kind]
        r = _rot(axis, a)
        m[:, 0, 0] = m[:, 1, 1] = 1
        m[:, 2:, 2:] = r
        d[:, 2:, 2:] = -0.5j * (PAULI[axis][None] @ r)
    elif kind == OpType.CU1:
        m[:, 0, 0] = m[:, 1, 1] = m[:, 2, 2] = 1
        m[:, 3, 3] = np.exp(1j * a)
        d[:, 3, 3] = 1j * np.exp(1j * a)
    else:
        P = {OpType.XXPhase: "X", OpType.YYPhase: "Y", OpType.ZZPhase: "Z"}[kind]
        PP = np.kron(PAULI[P], PAULI[P])
        c, s = np.cos(a / 2), np.sin(a / 2)
        m = c[:, None, None] * np.eye(4) - 1j * s[:, None, None] * PP
        d = -0.5 * s[:, None, None] * np.eye(4) - 0.5j * c[:, None, None] * PP
    return m, d


def _elems_of(cmd, param_index, input_index) -> list[Elem]:
    """A single-qubit gate as rotations (in order of application) or one fixed matrix."""
    t = cmd.op.type
    ps = list(cmd.op.params)
    if not cmd.op.free_symbols() and t not in _ONE_QUBIT_ROTATIONS:
        return [Elem(None, None, np.asarray(cmd.op.get_unitary(), dtype=complex))]

    def rot(axis, expr):
        return Elem(axis, AngleFn(expr, param_index, input_index), None)

    if t in _ONE_QUBIT_ROTATIONS:
        return [rot(_ONE_QUBIT_ROTATIONS[t], ps[0])]
    if t == OpType.U1:
        return [rot("Z", ps[0])]
    if t == OpType.U3:  # U3(θ, φ, λ) ∝ Rz(φ) Ry(θ) Rz(λ)
        return [rot("Z", ps[2]), rot("Y", ps[0]), rot("Z", ps[1])]
    if t == OpType.U2:  # U2(φ, λ) = U3(1/2, φ, λ)
        return [rot("Z", ps[1]), rot("Y", sympy.Rational(1, 2)), rot("Z", ps[0])]
    if t == OpType.TK1:  # TK1(α, β, γ) = Rz(α) Rx(β) Rz(γ)
        return [rot("Z", ps[2]), rot("X", ps[1]), rot("Z", ps[0])]
    if t == OpType.PhasedX:  # PhasedX(α, β) = Rz(β) Rx(α) Rz(-β)
        return [rot("Z", -ps[1]), rot("X", ps[0]), rot("Z", ps[1])]
    raise ValueError(f"no rotation form for {t}")  # pragma: no cover - rebased away


def _prepare(circuit: Circuit) -> Circuit:
    """Rewrite gates the plan has no form for (CCX, CU3, ...) into CX and rotations."""
    odd = {cmd.op.type for cmd in circuit.get_commands()
           if len(cmd.args) > 2 or (len(cmd.args) == 2 and cmd.op.free_symbols()
                                    and cmd.op.type not in _TWO_QUBIT_PARAM)}
    if not odd:
        return circuit
    c = circuit.copy()
    AutoRebase({OpType.CX, OpType.Rx, OpType.Ry, OpType.Rz}).apply(c)
    return c


@dataclass
class Program:
    """The execution plan of one quantum block (see the module docstring)."""

    n_qubits: int
    n_params: int
    n_inputs: int
    ops: list
    n1: int = 0
    n2: int = 0
    code: np.ndarray = field(default_factory=lambda: np.zeros((0, 4), dtype=np.int64))

    @classmethod
    def build(cls, circuit: Circuit, param_index: dict[str, int], input_index: dict[str, int],
              fuse: bool = True) -> "Program":
        circuit = _prepare(circuit)
        index = {q: i for i, q in enumerate(circuit.qubits)}
        ops: list = []
        pending: dict[int, list[Elem]] = {}

        def flush(q):
            elems = pending.pop(q, None)
            if elems:
                ops.append(Fused1(q, elems))

        for cmd in circuit.get_commands():
            t = cmd.op.type
            qs = [index[q] for q in cmd.args]
            if t == OpType.Barrier:
                continue
            if len(qs) == 1:
                elems = _elems_of(cmd, param_index, input_index)
                if fuse:
                    pending.setdefault(qs[0], []).extend(elems)
                else:
                    ops.append(Fused1(qs[0], elems))
                continue
            for q in qs:
                flush(q)
            if t in _TWO_QUBIT_PARAM and cmd.op.free_symbols():
                ops.append(Param2(t, (qs[0], qs[1]), AngleFn(cmd.op.params[0], param_index, input_index)))
            elif t == OpType.CX:
                ops.append(Fixed2((qs[0], qs[1]), np.asarray(cmd.op.get_unitary()), KIND_CX))
            elif t == OpType.CZ:
                ops.append(Fixed2((qs[0], qs[1]), np.asarray(cmd.op.get_unitary()), KIND_CZ))
            elif t == OpType.SWAP:
                ops.append(Fixed2((qs[0], qs[1]), np.asarray(cmd.op.get_unitary()), KIND_SWAP))
            else:
                ops.append(Fixed2((qs[0], qs[1]), np.asarray(cmd.op.get_unitary(), dtype=complex)))
        for q in sorted(pending):
            flush(q)
        prog = cls(circuit.n_qubits, len(set(param_index.values())), len(set(input_index.values())), ops)
        prog._assign_slots()
        return prog

    def _assign_slots(self) -> None:
        rows = []
        for op in self.ops:
            if isinstance(op, Fused1):
                op.slot, self.n1 = self.n1, self.n1 + 1
                rows.append((KIND_M1, op.qubit, -1, op.slot))
            elif isinstance(op, Param2) or (isinstance(op, Fixed2) and op.code == KIND_M2):
                op.slot, self.n2 = self.n2, self.n2 + 1
                rows.append((KIND_M2, op.qubits[0], op.qubits[1], op.slot))
            else:
                rows.append((op.code, op.qubits[0], op.qubits[1], -1))
        self.code = np.array(rows, dtype=np.int64).reshape(-1, 4)

        self._tabulate()

    def _tabulate(self) -> None:
        """Tables that let `matrices` and `chain` work on every rotation of the program at once
        (a few NumPy calls per batch, whatever the number of gates)."""
        fused = sorted((op for op in self.ops if isinstance(op, Fused1)), key=lambda o: o.slot)
        self.length = max((len(op.elems) for op in fused), default=1)
        fixed = np.broadcast_to(I2, (self.n1, self.length, 2, 2)).copy()
        rot = []  # (slot, position, axis, AngleFn) of every rotation that depends on something
        for op in fused:
            for k, e in enumerate(op.elems):
                if e.angle is None:
                    fixed[op.slot, k] = e.matrix
                elif e.angle.constant:
                    fixed[op.slot, k] = _rot(e.axis, np.array([e.angle.const]))[0]
                else:
                    rot.append((op.slot, k, e.axis, e.angle))
        self.fixed = fixed
        self.rot_slot = np.array([r[0] for r in rot], dtype=np.int64)
        self.rot_pos = np.array([r[1] for r in rot], dtype=np.int64)
        self.rot_pauli = np.array([PAULI[r[2]] for r in rot]).reshape(-1, 2, 2)
        self.rot_axis = {a: np.array([i for i, r in enumerate(rot) if r[2] == a], dtype=np.int64) for a in "XYZ"}
        self.rot_axis_code = np.array(["XYZ".index(r[2]) for r in rot], dtype=np.int64)
        self.rot_fns = [r[3] for r in rot]
        n_cols = 1 + max((int(i) for f in self.rot_fns if f.affine for i in f.x_idx), default=-1)
        self.n_x = n_cols
        self.rot_const = np.zeros(len(rot))
        self.rot_cp = np.zeros((self.n_params, len(rot)))
        self.rot_cx = np.zeros((n_cols, len(rot)))
        self.general = []  # rotations whose angle is not affine
        for r, f in enumerate(self.rot_fns):
            if f.affine:
                self.rot_const[r] = f.const
                np.add.at(self.rot_cp[:, r], f.p_idx, f.p_coef)
                np.add.at(self.rot_cx[:, r], f.x_idx, f.x_coef)
            else:
                self.general.append(r)
        self.need1 = np.zeros(self.n1, dtype=bool)
        self.need1[self.rot_slot] = True
        self.need2 = np.zeros(self.n2, dtype=bool)
        self.param2 = [op for op in self.ops if isinstance(op, Param2)]
        for op in self.param2:
            if not op.angle.constant:
                self.need2[op.slot] = True

    # ---- numbers for one batch ------------------------------------------------------------------

    def angles(self, theta: np.ndarray, X: np.ndarray) -> np.ndarray:
        """(batch, rotations) angles in radians."""
        A = self.rot_const + theta @ self.rot_cp
        A = np.broadcast_to(A, (X.shape[0], len(self.rot_fns))).copy() if self.n_x == 0 else \
            A + X[:, :self.n_x] @ self.rot_cx
        for r in self.general:
            A[:, r] = self.rot_fns[r].value(theta, X)
        return A

    accel = None
    """A module with compiled `fused_matrices` and `rotation_grads` (runtime.fused_numba), set
    by the executor for the numba engine; None keeps everything in NumPy."""

    def matrices(self, theta: np.ndarray, X: np.ndarray, keep: bool = False):
        """(mats1 (n1, B, 2, 2), mats2 (n2, B, 4, 4), saved) for a batch; `saved` (with
        keep=True) holds the elementary matrices and their prefix products for `chain`."""
        batch = X.shape[0]
        if self.accel is not None and self.n1:
            A = self.angles(theta, X) if len(self.rot_fns) else np.zeros((batch, 0))
            mats1, E, prefix = self.accel.fused_matrices(self.fixed, self.rot_slot, self.rot_pos,
                                                         self.rot_axis_code, A, keep)
            return self._matrices2(theta, X, mats1, {"E": E, "prefix": prefix} if keep else None)
        E = np.empty((self.n1, self.length, batch, 2, 2), dtype=complex)
        E[...] = self.fixed[:, :, None]
        if len(self.rot_fns):
            A = self.angles(theta, X)
            c, s = np.cos(A / 2).T, np.sin(A / 2).T  # (rotations, batch)
            for axis, idx in self.rot_axis.items():
                if not len(idx):
                    continue
                sl, ps, ci, si = self.rot_slot[idx], self.rot_pos[idx], c[idx], s[idx]
                if axis == "X":
                    block = [[ci, -1j * si], [-1j * si, ci]]
                elif axis == "Y":
                    block = [[ci, -si], [si, ci]]
                else:
                    block = [[ci - 1j * si, 0], [0, ci + 1j * si]]
                for r in range(2):
                    for k in range(2):
                        E[sl, ps, :, r, k] = block[r][k]
        prefix = np.empty((self.length,) + E.shape[:1] + E.shape[2:], dtype=complex) if keep else None
        m = E[:, 0]
        if keep:
            prefix[0] = m
        for k in range(1, self.length):
            m = _mul2(E[:, k], m)
            if keep:
                prefix[k] = m
        mats1 = np.ascontiguousarray(m)
        return self._matrices2(theta, X, mats1, {"E": E, "prefix": prefix} if keep else None)

    def _matrices2(self, theta, X, mats1, saved):
        mats2 = np.empty((self.n2, X.shape[0], 4, 4), dtype=complex)
        keep = saved is not None
        for op in self.ops:
            if isinstance(op, Param2):
                m2, d2 = _param2(op.kind, op.angle.value(theta, X))
                mats2[op.slot] = m2
                if keep:
                    saved[id(op)] = d2
            elif isinstance(op, Fixed2) and op.code == KIND_M2:
                mats2[op.slot] = op.matrix
        return mats1, mats2, saved

    def needs(self) -> tuple[np.ndarray, np.ndarray]:
        """Which matrix slots depend on parameters or data (the kernels' backward computes the
        gradient with respect to those only)."""
        return self.need1, self.need2

    def chain(self, G1: np.ndarray, G2: np.ndarray, saved: dict, theta: np.ndarray, X: np.ndarray,
              want_inputs: bool) -> tuple[np.ndarray, np.ndarray | None]:
        """Gradients with respect to theta and X from G = dL/dU-entries of every matrix slot.

        For a slot with per-sample matrix U, the kernels return G[b, r, c] = sum over the other
        qubits of conj(lam[r]) psi[c] (psi before, lam after the gate), and dL/d(angle) =
        2 Re sum_rc dU_rc G_rc. A fused U = A_m ... A_1 has dU/da_j = L_j (-i/2 P_j) S_j with
        S_j = A_j ... A_1 (prefix) and L_j = A_m ... A_{j+1} (suffix), since dR_P(a)/da =
        -i/2 P R_P(a); all rotations are done at once."""
        dtheta = np.zeros(self.n_params)
        dX = np.zeros_like(X) if want_inputs else None
        if len(self.rot_fns) and self.accel is not None:
            g = self.accel.rotation_grads(saved["E"], saved["prefix"], G1, self.rot_slot, self.rot_pos,
                                          self.rot_axis_code)
            self._scatter(g, theta, X, dtheta, dX)
        elif len(self.rot_fns):
            E, prefix = saved["E"], saved["prefix"]
            suffix = np.empty_like(prefix)
            suffix[-1] = I2
            for k in range(self.length - 1, 0, -1):
                suffix[k - 1] = _mul2(suffix[k], E[:, k])
            sl, ps = self.rot_slot, self.rot_pos
            K = -0.5j * _mul2(self.rot_pauli[:, None], prefix[ps, sl])  # (rotations, batch, 2, 2)
            dU = _mul2(suffix[ps, sl], K)
            g = 2 * np.einsum("rbij,rbij->rb", dU, G1[sl]).real  # (rotations, batch)
            self._scatter(g, theta, X, dtheta, dX)
        for op in self.param2:
            if not op.angle.constant:
                gg = 2 * np.real(np.einsum("brc,brc->b", saved[id(op)], G2[op.slot]))
                op.angle.backprop(gg, theta, X, dtheta, dX)
        return dtheta, dX

    def _scatter(self, g, theta, X, dtheta, dX) -> None:
        """Per-rotation angle gradients g (rotations, batch) to parameters and data."""
        dtheta += self.rot_cp @ g.sum(axis=1)
        if dX is not None and self.n_x:
            dX[:, :self.n_x] += g.T @ self.rot_cx.T
        for r in self.general:
            self.rot_fns[r].backprop(g[r], theta, X, dtheta, dX)
