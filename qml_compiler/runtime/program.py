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

    # ---- numbers for one batch ------------------------------------------------------------------

    def matrices(self, theta: np.ndarray, X: np.ndarray, keep: bool = False):
        """(mats1 (n1, B, 2, 2), mats2 (n2, B, 4, 4)) for a batch; with keep=True also the
        intermediate products and angles that `chain` needs."""
        batch = X.shape[0]
        mats1 = np.empty((self.n1, batch, 2, 2), dtype=complex)
        mats2 = np.empty((self.n2, batch, 4, 4), dtype=complex)
        saved = {} if keep else None
        for op in self.ops:
            if isinstance(op, Fused1):
                prefix, elems = [], []
                m = None
                for e in op.elems:
                    a = _rot(e.axis, e.angle.value(theta, X)) if e.angle is not None else e.matrix
                    m = a if m is None else a @ m
                    prefix.append(m)
                    elems.append(a)
                mats1[op.slot] = np.broadcast_to(m, (batch, 2, 2))
                if keep and op.trainable:
                    saved[id(op)] = (elems, prefix)
            elif isinstance(op, Param2):
                m, d = _param2(op.kind, op.angle.value(theta, X))
                mats2[op.slot] = m
                if keep:
                    saved[id(op)] = d
            elif op.code == KIND_M2:
                mats2[op.slot] = op.matrix
        return mats1, mats2, saved

    def needs(self) -> tuple[np.ndarray, np.ndarray]:
        """Which matrix slots depend on parameters or data (the kernels' backward computes the
        gradient with respect to those only)."""
        need1 = np.zeros(self.n1, dtype=bool)
        need2 = np.zeros(self.n2, dtype=bool)
        for op in self.ops:
            if isinstance(op, Fused1) and op.trainable:
                need1[op.slot] = True
            elif isinstance(op, Param2) and not op.angle.constant:
                need2[op.slot] = True
        return need1, need2

    def chain(self, G1: np.ndarray, G2: np.ndarray, saved: dict, theta: np.ndarray, X: np.ndarray,
              want_inputs: bool) -> tuple[np.ndarray, np.ndarray | None]:
        """Gradients with respect to theta and X from G = dL/dU-entries of every matrix slot.

        For a slot with per-sample matrix U, the kernels return G[b, r, c] = sum over the other
        qubits of conj(lam[r]) psi[c] (psi before, lam after the gate), and dL/d(angle) =
        2 Re sum_rc dU_rc G_rc."""
        dtheta = np.zeros(self.n_params)
        dX = np.zeros_like(X) if want_inputs else None
        for op in self.ops:
            if isinstance(op, Fused1) and op.trainable:
                elems, prefix = saved[id(op)]
                G = G1[op.slot]
                # U = A_m ... A_1. With S_j = A_j ... A_1 (prefix) and L_j = A_m ... A_{j+1}
                # (suffix), dU/da_j = L_j (-i/2 P_j) S_j since dR_P(a)/da = -i/2 P R_P(a).
                suffix = None
                for j in range(len(op.elems) - 1, -1, -1):
                    e = op.elems[j]
                    if e.angle is not None and not e.angle.constant:
                        K = -0.5j * (PAULI[e.axis] @ prefix[j])
                        dU = K if suffix is None else suffix @ K
                        g = 2 * np.real(np.einsum("brc,brc->b", dU, G))
                        e.angle.backprop(g, theta, X, dtheta, dX)
                    suffix = elems[j] if suffix is None else suffix @ elems[j]
            elif isinstance(op, Param2) and not op.angle.constant:
                g = 2 * np.real(np.einsum("brc,brc->b", saved[id(op)], G2[op.slot]))
                op.angle.backprop(g, theta, X, dtheta, dX)
        return dtheta, dX

