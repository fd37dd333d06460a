"""Templates against independent references: a small dense statevector simulator of `GateOp`s
(itself checked against pytket), closed-form states, and hand-written gate lists."""

from __future__ import annotations

import cmath
import math
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pytket import Circuit, OpType

from qml_compiler.diagnostics import (QmlError, QubitError, ShapeError, Span, TypeMismatch,
                                      UnknownName)
from qml_compiler.frontend.ast import Num
from qml_compiler.frontend.model import GATES, GateOp, InputRef, ParamRef, angle_refs, evaluate
from qml_compiler.frontend.templates import (TEMPLATES, DataVec, ParamTensor, Word,
                                             expand_template)

CALL = Span("t.qml", 5, 3, 5, 40)


def arg_span(i: int) -> Span:
    return Span("t.qml", 5, 10 + 4 * i, 5, 12 + 4 * i)


def expand(name, *args, n, **kwargs):
    """Call a template with distinct spans for each argument."""
    pos = [(v, arg_span(i)) for i, v in enumerate(args)]
    kw = {k: (v, arg_span(10 + i)) for i, (k, v) in enumerate(kwargs.items())}
    return expand_template(name, pos, kw, n, CALL)


# ---- a reference simulator ------------------------------------------------------------------

I2 = np.eye(2, dtype=complex)
P0 = np.diag([1, 0]).astype(complex)
P1 = np.diag([0, 1]).astype(complex)
X = np.array([[0, 1], [1, 0]], dtype=complex)
Y = np.array([[0, -1j], [1j, 0]], dtype=complex)
Z = np.diag([1, -1]).astype(complex)
H = np.array([[1, 1], [1, -1]], dtype=complex) / math.sqrt(2)


def rx(t):
    return np.array([[math.cos(t / 2), -1j * math.sin(t / 2)],
                     [-1j * math.sin(t / 2), math.cos(t / 2)]])


def ry(t):
    return np.array([[math.cos(t / 2), -math.sin(t / 2)],
                     [math.sin(t / 2), math.cos(t / 2)]], dtype=complex)


def rz(t):
    return np.diag([cmath.exp(-0.5j * t), cmath.exp(0.5j * t)])


def u3(t, p, l):
    c, s = math.cos(t / 2), math.sin(t / 2)
    return np.array([[c, -cmath.exp(1j * l) * s],
                     [cmath.exp(1j * p) * s, cmath.exp(1j * (p + l)) * c]])


def controlled(u):
    return np.kron(P0, np.eye(len(u))) + np.kron(P1, u)


def pauli_rot(p, t):
    """exp(-i t/2 P⊗P)."""
    pp = np.kron(p, p)
    return math.cos(t / 2) * np.eye(4) - 1j * math.sin(t / 2) * pp


SX = np.array([[1 + 1j, 1 - 1j], [1 - 1j, 1 + 1j]]) / 2
SWAP = np.eye(4)[[0, 2, 1, 3]].astype(complex)

MATRICES = {
    "h": lambda: H, "x": lambda: X, "y": lambda: Y, "z": lambda: Z,
    "s": lambda: np.diag([1, 1j]), "sdg": lambda: np.diag([1, -1j]),
    "t": lambda: np.diag([1, cmath.exp(1j * math.pi / 4)]),
    "tdg": lambda: np.diag([1, cmath.exp(-1j * math.pi / 4)]),
    "sx": lambda: SX, "sxdg": lambda: SX.conj().T,
    "rx": rx, "ry": ry, "rz": rz, "p": lambda t: np.diag([1, cmath.exp(1j * t)]), "u3": u3,
    "cx": lambda: controlled(X), "cy": lambda: controlled(Y), "cz": lambda: controlled(Z),
    "ch": lambda: controlled(H), "swap": lambda: SWAP,
    "crx": lambda t: controlled(rx(t)), "cry": lambda t: controlled(ry(t)),
    "crz": lambda t: controlled(rz(t)), "cp": lambda t: controlled(np.diag([1, cmath.exp(1j * t)])),
    "cu3": lambda *a: controlled(u3(*a)),
    "rxx": lambda t: pauli_rot(X, t), "ryy": lambda t: pauli_rot(Y, t),
    "rzz": lambda t: pauli_rot(Z, t),
    "ccx": lambda: controlled(controlled(X)), "cswap": lambda: controlled(SWAP),
}


def apply(state: np.ndarray, n: int, name: str, qubits, angles) -> np.ndarray:
    """Apply a gate to a statevector of n qubits, qubit 0 the most significant index bit."""
    u = np.asarray(MATRICES[name](*angles), dtype=complex)
    k = len(qubits)
    psi = state.reshape((2,) * n)
    psi = np.moveaxis(psi, list(qubits), list(range(k)))
    shape = psi.shape
    psi = (u @ psi.reshape(2 ** k, -1)).reshape(shape)
    return np.moveaxis(psi, list(range(k)), list(qubits)).reshape(-1)


def simulate(ops, n, params=None, inputs=None, state=None) -> np.ndarray:
    if state is None:
        state = np.zeros(2 ** n, dtype=complex)
        state[0] = 1
    for op in ops:
        angles = [evaluate(a, params or {}, inputs or {}) for a in op.angles]
        state = apply(state, n, op.name, op.qubits, angles)
    return state


def kron_all(mats):
    """Kronecker product of matrices, or of vectors (qubit 0 first)."""
    mats = [np.asarray(m, dtype=complex) for m in mats]
    out = np.ones((1,) * mats[0].ndim, dtype=complex)
    for m in mats:
        out = np.kron(out, m)
    return out


def bits(index: int, n: int) -> list[int]:
    return [(index >> (n - 1 - q)) & 1 for q in range(n)]


def perm_cx(n, c, t):
    """CX as a permutation matrix, built from the basis action |b> -> |b with b_t ^= b_c>."""
    m = np.zeros((2 ** n, 2 ** n), dtype=complex)
    for i in range(2 ** n):
        b = bits(i, n)
        b[t] ^= b[c]
        j = int("".join(map(str, b)), 2)
        m[j, i] = 1
    return m


def diag_cz(n, c, t):
    return np.diag([(-1) ** (bits(i, n)[c] * bits(i, n)[t]) for i in range(2 ** n)]).astype(
        complex)


def zero_state(n):
    s = np.zeros(2 ** n, dtype=complex)
    s[0] = 1
    return s


def close_up_to_phase(a, b, tol=1e-9):
    return abs(abs(np.vdot(a, b)) - 1) < tol and abs(np.linalg.norm(a) - 1) < tol


# ---- the simulator against pytket -----------------------------------------------------------

PYTKET = {
    "h": OpType.H, "x": OpType.X, "y": OpType.Y, "z": OpType.Z, "s": OpType.S,
    "sdg": OpType.Sdg, "t": OpType.T, "tdg": OpType.Tdg, "sx": OpType.SX, "sxdg": OpType.SXdg,
    "rx": OpType.Rx, "ry": OpType.Ry, "rz": OpType.Rz, "p": OpType.U1, "u3": OpType.U3,
    "cx": OpType.CX, "cy": OpType.CY, "cz": OpType.CZ, "ch": OpType.CH, "swap": OpType.SWAP,
    "crx": OpType.CRx, "cry": OpType.CRy, "crz": OpType.CRz, "cp": OpType.CU1,
    "cu3": OpType.CU3, "rxx": OpType.XXPhase, "ryy": OpType.YYPhase, "rzz": OpType.ZZPhase,
    "ccx": OpType.CCX, "cswap": OpType.CSWAP,
}


def test_every_gate_has_a_matrix_and_a_pytket_op():
    assert set(MATRICES) == set(GATES) == set(PYTKET)


def _random_ops(rng: random.Random, n: int, count: int, names=None):
    names = names or sorted(GATES)
    ops = []
    for _ in range(count):
        name = rng.choice(names)
        n_angles, n_q = GATES[name]
        ops.append(GateOp(name, tuple(rng.sample(range(n), n_q)),
                          tuple(Num(rng.uniform(-4, 4)) for _ in range(n_angles))))
    return ops


def _pytket_circuit(ops, n):
    c = Circuit(n)
    for op in ops:
        c.add_gate(PYTKET[op.name], [a.value / math.pi for a in op.angles], list(op.qubits))
    return c


@pytest.mark.parametrize("name", sorted(GATES))
def test_each_gate_matches_pytket_unitary(name):
    rng = random.Random(name)
    n = 3
    for _ in range(3):
        ops = _random_ops(rng, n, 1, [name])
        ours = np.column_stack([simulate(ops, n, state=np.eye(2 ** n)[i].astype(complex))
                                for i in range(2 ** n)])
        theirs = _pytket_circuit(ops, n).get_unitary()
        # equal up to one global phase
        k = np.unravel_index(np.argmax(abs(theirs)), theirs.shape)
        phase = ours[k] / theirs[k]
        assert abs(abs(phase) - 1) < 1e-9
        np.testing.assert_allclose(ours, phase * theirs, atol=1e-9)


@pytest.mark.parametrize("seed", range(6))
def test_random_circuits_match_pytket_statevector(seed):
    rng = random.Random(seed)
    n = 4
    ops = _random_ops(rng, n, 40)
    ours = simulate(ops, n)
    theirs = _pytket_circuit(ops, n).get_statevector()
    assert close_up_to_phase(ours, theirs)


def test_simulator_ordering_qubit0_most_significant():
    s = simulate([GateOp("x", (0,))], 3)
    assert abs(s[0b100]) == pytest.approx(1)
    s = simulate([GateOp("x", (0,)), GateOp("cx", (0, 2))], 3)
    assert abs(s[0b101]) == pytest.approx(1)


# ---- common properties ----------------------------------------------------------------------

def _all_calls():
    return [
        ("angle_encoding", (DataVec("x", 3),), {}, 3),
        ("zz_feature_map", (DataVec("x", 3),), {"reps": 2}, 3),
        ("iqp_encoding", (DataVec("x", 3),), {}, 3),
        ("amplitude_encoding", (DataVec("x", 5),), {}, 3),
        ("hardware_efficient", (ParamTensor("t", (2, 3, 2)),), {"layers": 2}, 3),
        ("strongly_entangling", (ParamTensor("w", (2, 3, 3)),), {"layers": 2}, 3),
        ("reupload", (DataVec("x", 4), ParamTensor("w", (2, 3, 6)), ParamTensor("b", (2, 3, 6))),
         {"layers": 2, "entangle": Word("ring")}, 3),
    ]


def test_templates_table_lists_every_template_with_its_signature():
    names = {c[0] for c in _all_calls()}
    assert set(TEMPLATES) == names
    for name, doc in TEMPLATES.items():
        assert doc.startswith(name + "(")
    import qml_compiler.frontend.templates as mod
    for name in names:
        assert f"`{name}(" in mod.__doc__


@pytest.mark.parametrize("call", _all_calls(), ids=lambda c: c[0])
def test_ops_are_well_formed_and_carry_the_call_span(call):
    name, args, kwargs, n = call
    ops = expand(name, *args, n=n, **kwargs)
    assert ops
    for op in ops:
        assert op.name in GATES
        n_angles, n_q = GATES[op.name]
        assert len(op.angles) == n_angles and len(op.qubits) == n_q
        assert all(0 <= q < n for q in op.qubits) and len(set(op.qubits)) == n_q
        assert op.span == CALL
        for a in op.angles:
            for ref in angle_refs(a):
                assert isinstance(ref, (ParamRef, InputRef))


# ---- angle_encoding -------------------------------------------------------------------------

def single_qubit_state(axis, a):
    if axis == "X":
        return np.array([math.cos(a / 2), -1j * math.sin(a / 2)])
    if axis == "Y":
        return np.array([math.cos(a / 2), math.sin(a / 2)], dtype=complex)
    return np.array([cmath.exp(-0.5j * a), 0])


@pytest.mark.parametrize("axis", ["X", "Y", "Z"])
def test_angle_encoding_is_a_product_state(axis):
    rng = np.random.default_rng(1)
    x = list(rng.uniform(-3, 3, 3))
    for scale in (1, 0.5):
        ops = expand("angle_encoding", DataVec("x", 3), n=4, axis=Word(axis), scale=scale)
        state = simulate(ops, 4, inputs={"x": x})
        want = kron_all([single_qubit_state(axis, scale * v) for v in x] + [np.array([1, 0])])
        np.testing.assert_allclose(state, want, atol=1e-12)


def test_angle_encoding_z_on_plus_states_gives_phases():
    x = [0.3, -1.2]
    ops = expand("angle_encoding", DataVec("x", 2), n=2, axis=Word("Z"))
    plus = kron_all([H @ [1, 0]] * 2)
    state = simulate(ops, 2, inputs={"x": x}, state=plus)
    want = kron_all([np.array([cmath.exp(-0.5j * v), cmath.exp(0.5j * v)]) / math.sqrt(2)
                     for v in x])
    np.testing.assert_allclose(state, want, atol=1e-12)


def test_angle_encoding_gate_list():
    ops = expand("angle_encoding", DataVec("x", 2), n=3)
    assert ops == [GateOp("ry", (0,), (InputRef("x", 0),)), GateOp("ry", (1,), (InputRef("x", 1),))]
    ops = expand("angle_encoding", DataVec("x", 2), n=3, axis=Word("X"), scale=2.0)
    assert [o.name for o in ops] == ["rx", "rx"]
    assert evaluate(ops[1].angles[0], {}, {"x": [0, 0.25]}) == pytest.approx(0.5)


def test_angle_encoding_cycle_repeats_features():
    ops = expand("angle_encoding", DataVec("x", 2), n=5, cycle=Word("true"))
    assert [(o.qubits, o.angles) for o in ops] == [
        ((q,), (InputRef("x", q % 2),)) for q in range(5)]
    ops = expand("angle_encoding", DataVec("x", 5), n=3, cycle=Word("true"))
    assert [o.angles[0] for o in ops] == [InputRef("x", i) for i in range(3)]


def test_angle_encoding_trainable_scale_and_angle_list():
    ops = expand("angle_encoding", [InputRef("x", 1), Num(0.5)], n=2, scale=ParamRef("s", 0))
    assert evaluate(ops[0].angles[0], {"s": [3.0]}, {"x": [0, 2.0]}) == pytest.approx(6.0)
    assert evaluate(ops[1].angles[0], {"s": [3.0]}, {}) == pytest.approx(1.5)


# ---- zz_feature_map and iqp_encoding --------------------------------------------------------

def hadamards(n):
    return kron_all([H] * n)


def zz_reference(x, reps):
    """Qiskit's ZZFeatureMap: (U_Φ(x) H^n)^reps |0>, U_Φ(x) = diag exp(2i(Σ x_i b_i +
    Σ_{i<j} (π-x_i)(π-x_j) (b_i xor b_j))) — p(2φ) and cx·p(2φ)·cx phases written per basis state."""
    n = len(x)
    phases = []
    for k in range(2 ** n):
        b = bits(k, n)
        phi = sum(x[i] * b[i] for i in range(n))
        phi += sum((math.pi - x[i]) * (math.pi - x[j]) * (b[i] ^ b[j])
                   for i in range(n) for j in range(i + 1, n))
        phases.append(cmath.exp(2j * phi))
    u = np.diag(phases) @ hadamards(n)
    state = zero_state(n)
    for _ in range(reps):
        state = u @ state
    return state


def iqp_reference(x, reps):
    """IQPEmbedding: (exp(-i/2 (Σ x_i z_i + Σ_{i<j} x_i x_j z_i z_j)) H^n)^reps |0>, z = ±1."""
    n = len(x)
    phases = []
    for k in range(2 ** n):
        z = [1 - 2 * b for b in bits(k, n)]
        e = sum(x[i] * z[i] for i in range(n))
        e += sum(x[i] * x[j] * z[i] * z[j] for i in range(n) for j in range(i + 1, n))
        phases.append(cmath.exp(-0.5j * e))
    u = np.diag(phases) @ hadamards(n)
    state = zero_state(n)
    for _ in range(reps):
        state = u @ state
    return state


@pytest.mark.parametrize("n,reps", [(1, 1), (2, 1), (3, 2), (4, 1)])
def test_zz_feature_map_state(n, reps):
    x = list(np.random.default_rng(n + reps).uniform(-2, 2, n))
    ops = expand("zz_feature_map", DataVec("x", n), n=n, reps=reps)
    np.testing.assert_allclose(simulate(ops, n, inputs={"x": x}), zz_reference(x, reps),
                               atol=1e-10)


def test_zz_feature_map_gate_list():
    ops = expand("zz_feature_map", DataVec("x", 2), n=2)
    assert [(o.name, o.qubits) for o in ops] == [
        ("h", (0,)), ("h", (1,)), ("p", (0,)), ("p", (1,)),
        ("cx", (0, 1)), ("p", (1,)), ("cx", (0, 1))]
    assert evaluate(ops[5].angles[0], {}, {"x": [1.0, 2.0]}) == pytest.approx(
        2 * (math.pi - 1) * (math.pi - 2))
    assert len(expand("zz_feature_map", DataVec("x", 3), n=3, reps=3)) == 3 * (3 + 3 + 3 * 3)


@pytest.mark.parametrize("n,reps", [(1, 1), (2, 2), (3, 1), (4, 2)])
def test_iqp_encoding_state(n, reps):
    x = list(np.random.default_rng(10 * n + reps).uniform(-2, 2, n))
    ops = expand("iqp_encoding", DataVec("x", n), n=n, reps=reps)
    np.testing.assert_allclose(simulate(ops, n, inputs={"x": x}), iqp_reference(x, reps),
                               atol=1e-10)


def test_iqp_encoding_gate_list():
    ops = expand("iqp_encoding", DataVec("x", 3), n=3)
    assert [(o.name, o.qubits) for o in ops] == [
        ("h", (0,)), ("h", (1,)), ("h", (2,)), ("rz", (0,)), ("rz", (1,)), ("rz", (2,)),
        ("rzz", (0, 1)), ("rzz", (0, 2)), ("rzz", (1, 2))]
    assert ops[3].angles == (InputRef("x", 0),)
    assert evaluate(ops[7].angles[0], {}, {"x": [2.0, 5.0, 3.0]}) == pytest.approx(6.0)


# ---- amplitude_encoding ---------------------------------------------------------------------

def _amplitude_case():
    return st.integers(1, 3).flatmap(lambda n: st.tuples(
        st.just(n),
        st.lists(st.floats(-10, 10, allow_nan=False, allow_infinity=False), min_size=1,
                 max_size=2 ** n)))


@settings(max_examples=150, deadline=None)
@given(_amplitude_case())
def test_amplitude_encoding_prepares_normalised_vector(case):
    n, x = case
    norm = math.sqrt(sum(v * v for v in x))
    if norm < 1e-3:
        return
    ops = expand("amplitude_encoding", DataVec("x", len(x)), n=n)
    assert {o.name for o in ops} <= {"ry", "cx"}
    state = simulate(ops, n, inputs={"x": x})
    want = np.zeros(2 ** n)
    want[:len(x)] = np.array(x) / norm
    np.testing.assert_allclose(state, want, atol=1e-10)


@pytest.mark.parametrize("x", [[-1.0], [0.0, -2.0], [-1, -1, -1, -1, -1, -1, -1, -1],
                               [0, 0, 0, 0, 0, 0, 0, -3], [1, 0, 0, 0, 0, 0, 0, 0],
                               [0, 0, 0, 5]])
def test_amplitude_encoding_signs_and_sparse_vectors(x):
    n = max(1, math.ceil(math.log2(len(x))))
    ops = expand("amplitude_encoding", DataVec("x", len(x)), n=n)
    state = simulate(ops, n, inputs={"x": [float(v) for v in x]})
    want = np.zeros(2 ** n)
    want[:len(x)] = np.array(x, dtype=float) / np.linalg.norm(x)
    np.testing.assert_allclose(state, want, atol=1e-10)


def test_amplitude_encoding_all_zero_input_gives_ground_state():
    ops = expand("amplitude_encoding", DataVec("x", 4), n=2)
    np.testing.assert_allclose(simulate(ops, 2, inputs={"x": [0.0] * 4}), zero_state(2),
                               atol=1e-12)


def test_amplitude_encoding_on_more_qubits_than_needed():
    x = [0.5, -0.25, 2.0]
    ops = expand("amplitude_encoding", DataVec("x", 3), n=4)
    want = np.zeros(16)
    want[:3] = np.array(x) / np.linalg.norm(x)
    np.testing.assert_allclose(simulate(ops, 4, inputs={"x": x}), want, atol=1e-10)
    assert len(ops) <= 2 * (1 + 2 + 4 + 8)


def test_amplitude_encoding_one_qubit_gate_list():
    ops = expand("amplitude_encoding", DataVec("x", 2), n=1)
    assert [(o.name, o.qubits) for o in ops] == [("ry", (0,))]
    assert evaluate(ops[0].angles[0], {}, {"x": [1.0, 1.0]}) == pytest.approx(math.pi / 2)


def test_amplitude_encoding_matches_pytket_on_random_inputs():
    rng = np.random.default_rng(7)
    for n, width in [(2, 4), (3, 7), (3, 8)]:
        x = list(rng.normal(size=width))
        ops = expand("amplitude_encoding", DataVec("x", width), n=n)
        concrete = [GateOp(o.name, o.qubits, tuple(Num(evaluate(a, {}, {"x": x}))
                                                   for a in o.angles)) for o in ops]
        state = _pytket_circuit(concrete, n).get_statevector()
        want = np.zeros(2 ** n)
        want[:width] = np.array(x) / np.linalg.norm(x)
        np.testing.assert_allclose(state, want, atol=1e-9)


# ---- hardware_efficient ---------------------------------------------------------------------

ROT = {"rx": rx, "ry": ry, "rz": rz}


def hea_reference(theta, rotations, pairs, entangler, n):
    state = zero_state(n)
    for layer in theta:
        single = kron_all([
            np.linalg.multi_dot([ROT[r](layer[q][k]) for k, r in reversed(list(
                enumerate(rotations)))] + [np.eye(2)]) for q in range(n)])
        state = single @ state
        for c, t in pairs:
            state = (perm_cx(n, c, t) if entangler == "cx" else diag_cz(n, c, t)) @ state
    return state


@pytest.mark.parametrize("n,layers,rotations,entangle,entangler,pairs", [
    (4, 3, ["ry", "rz"], "ring", "cx", [(0, 1), (1, 2), (2, 3), (3, 0)]),
    (3, 1, ["rx"], "line", "cz", [(0, 1), (1, 2)]),
    (3, 2, ["rz", "ry", "rx"], "full", "cx", [(0, 1), (0, 2), (1, 2)]),
    (2, 2, ["ry", "rz"], "ring", "cx", [(0, 1)]),
    (1, 2, ["ry"], "ring", "cx", []),
    (3, 1, ["ry"], "none", "cx", []),
    (4, 2, ["ry", "rz"], [(0, 1), (2, 3)], "cz", [(0, 1), (2, 3)]),
    (3, 1, ["ry", "rz"], [(2, 0)], "cx", [(2, 0)]),
])
def test_hardware_efficient(n, layers, rotations, entangle, entangler, pairs):
    shape = (layers, n, len(rotations))
    ent = Word(entangle) if isinstance(entangle, str) else entangle
    ops = expand("hardware_efficient", ParamTensor("theta", shape), n=n, layers=layers,
                 rotations=[Word(r) for r in rotations], entangle=ent, entangler=Word(entangler))
    # the gate list, by hand
    want = []
    for l in range(layers):
        for q in range(n):
            for k, r in enumerate(rotations):
                want.append(GateOp(r, (q,), (ParamRef("theta", (l * n + q) * len(rotations) + k),)))
        want += [GateOp(entangler, p) for p in pairs]
    assert ops == want
    # every parameter element used exactly once
    refs = [r for o in ops for a in o.angles for r in angle_refs(a)]
    assert sorted(r.index for r in refs) == list(range(math.prod(shape)))
    # the state against kron products
    theta = np.random.default_rng(n * 7 + layers).uniform(-3, 3, shape)
    state = simulate(ops, n, params={"theta": list(theta.reshape(-1))})
    np.testing.assert_allclose(state, hea_reference(theta, rotations, pairs, entangler, n),
                               atol=1e-10)


def test_hardware_efficient_defaults():
    ops = expand("hardware_efficient", ParamTensor("theta", (1, 3, 2)), n=3)
    assert [(o.name, o.qubits) for o in ops] == [
        ("ry", (0,)), ("rz", (0,)), ("ry", (1,)), ("rz", (1,)), ("ry", (2,)), ("rz", (2,)),
        ("cx", (0, 1)), ("cx", (1, 2)), ("cx", (2, 0))]


def test_hardware_efficient_ring_on_four_qubits():
    ops = expand("hardware_efficient", ParamTensor("theta", (1, 4, 1)), n=4,
                 rotations=[Word("ry")], entangle=Word("ring"))
    assert [o.qubits for o in ops if o.name == "cx"] == [(0, 1), (1, 2), (2, 3), (3, 0)]


# ---- strongly_entangling --------------------------------------------------------------------

def rot(phi, theta, omega):
    """PennyLane's Rot matrix, as written in its documentation."""
    c, s = math.cos(theta / 2), math.sin(theta / 2)
    return np.array([[cmath.exp(-0.5j * (phi + omega)) * c, -cmath.exp(0.5j * (phi - omega)) * s],
                     [cmath.exp(-0.5j * (phi - omega)) * s, cmath.exp(0.5j * (phi + omega)) * c]])


def sel_reference(w, n):
    state = zero_state(n)
    for l, layer in enumerate(w):
        state = kron_all([rot(*layer[q]) for q in range(n)]) @ state
        if n > 1:
            r = l % (n - 1) + 1
            for q in range(n):
                state = perm_cx(n, q, (q + r) % n) @ state
    return state


@pytest.mark.parametrize("n,layers", [(1, 2), (2, 2), (3, 3), (4, 4)])
def test_strongly_entangling_state(n, layers):
    w = np.random.default_rng(n + 100 * layers).uniform(-3, 3, (layers, n, 3))
    ops = expand("strongly_entangling", ParamTensor("w", (layers, n, 3)), n=n, layers=layers)
    state = simulate(ops, n, params={"w": list(w.reshape(-1))})
    np.testing.assert_allclose(state, sel_reference(w, n), atol=1e-10)
    refs = [r for o in ops for a in o.angles for r in angle_refs(a)]
    assert sorted(r.index for r in refs) == list(range(layers * n * 3))


def test_strongly_entangling_gate_list():
    ops = expand("strongly_entangling", ParamTensor("w", (3, 3, 3)), n=3, layers=3)
    cx = [o.qubits for o in ops if o.name == "cx"]
    assert cx == [(0, 1), (1, 2), (2, 0), (0, 2), (1, 0), (2, 1), (0, 1), (1, 2), (2, 0)]
    assert [(o.name, o.angles[0].index) for o in ops[:3]] == [("rz", 0), ("ry", 1), ("rz", 2)]
    ops = expand("strongly_entangling", ParamTensor("w", (2, 2, 3)), n=2, layers=2)
    assert [o.qubits for o in ops if o.name == "cx"] == [(0, 1), (1, 0), (0, 1), (1, 0)]


# ---- reupload -------------------------------------------------------------------------------

def reupload_reference(x, w, b, pairs, n):
    d = len(x)
    chunks = math.ceil(d / 3)
    state = zero_state(n)
    for l in range(w.shape[0]):
        mats = []
        for q in range(n):
            u = np.eye(2, dtype=complex)
            for j in range(chunks):
                a = [w[l, q, 3 * j + k] * x[3 * j + k] + b[l, q, 3 * j + k] if 3 * j + k < d
                     else b[l, q, 3 * j + k] for k in range(3)]
                u = rz(a[2]) @ ry(a[1]) @ rz(a[0]) @ u
            mats.append(u)
        state = kron_all(mats) @ state
        if l < w.shape[0] - 1:
            for c, t in pairs:
                state = diag_cz(n, c, t) @ state
    return state


@pytest.mark.parametrize("d,n,layers,entangle,pairs", [
    (1, 1, 2, "none", []),
    (2, 2, 3, "line", [(0, 1)]),
    (4, 3, 2, "ring", [(0, 1), (1, 2), (2, 0)]),
    (6, 2, 2, "full", [(0, 1)]),
    (5, 3, 3, [(2, 1)], [(2, 1)]),
])
def test_reupload_state(d, n, layers, entangle, pairs):
    c = math.ceil(d / 3)
    shape = (layers, n, 3 * c)
    rng = np.random.default_rng(d * 31 + n)
    x, w, b = rng.uniform(-2, 2, d), rng.uniform(-2, 2, shape), rng.uniform(-2, 2, shape)
    ent = Word(entangle) if isinstance(entangle, str) else entangle
    ops = expand("reupload", DataVec("x", d), ParamTensor("w", shape), ParamTensor("b", shape),
                 n=n, layers=layers, entangle=ent)
    state = simulate(ops, n, params={"w": list(w.reshape(-1)), "b": list(b.reshape(-1))},
                     inputs={"x": list(x)})
    np.testing.assert_allclose(state, reupload_reference(x, w, b, pairs, n), atol=1e-10)
    assert len([o for o in ops if o.name == "cz"]) == len(pairs) * (layers - 1)
    assert len([o for o in ops if o.name != "cz"]) == layers * n * 3 * c
    used = {r for o in ops for a in o.angles for r in angle_refs(a)}
    size = math.prod(shape)
    assert {r.index for r in used if r.name == "b"} == set(range(size))
    assert {r.index for r in used if r.name == "x"} == set(range(d))


def test_reupload_gate_list():
    ops = expand("reupload", DataVec("x", 2), ParamTensor("w", (1, 1, 3)),
                 ParamTensor("b", (1, 1, 3)), n=1)
    assert [o.name for o in ops] == ["rz", "ry", "rz"]
    assert ops[2].angles == (ParamRef("b", 2),)
    assert evaluate(ops[1].angles[0], {"w": [0, 3.0, 0], "b": [0, 0.5, 0]},
                    {"x": [0, 2.0]}) == pytest.approx(6.5)


# ---- errors ---------------------------------------------------------------------------------

def raises(cls, name, *args, n, match, where=None, hint=None, **kwargs):
    with pytest.raises(cls, match=match) as info:
        expand(name, *args, n=n, **kwargs)
    err = info.value
    assert isinstance(err, QmlError)
    if where is not None:
        assert err.span == where
    if hint is not None:
        assert err.hint is not None and hint in err.hint
    return err


def test_error_wrong_kind_for_data():
    err = raises(TypeMismatch, "angle_encoding", ParamTensor("theta", (3,)), n=3,
                 match="`angle_encoding` expects a data input as its first argument, got "
                       "parameter `theta`", where=arg_span(0))
    assert "t.qml:5:10" in err.render()
    raises(TypeMismatch, "iqp_encoding", InputRef("x", 0), n=1, match="single element",
           where=arg_span(0), hint="whole data input")
    raises(TypeMismatch, "amplitude_encoding", Word("ring"), n=1, match="got `ring`")
    raises(TypeMismatch, "zz_feature_map", 3, n=1, match="got the number 3")
    raises(TypeMismatch, "reupload", DataVec("x", 2), DataVec("y", 2), ParamTensor("b", (1, 1, 3)),
           n=1, match="trainable parameter as its second argument, got data input `y`",
           where=arg_span(1))


def test_error_wrong_kind_for_parameter():
    raises(TypeMismatch, "hardware_efficient", ParamRef("theta", 0), n=2,
           match="expects a trainable parameter", hint="whole parameter `theta`")
    raises(TypeMismatch, "strongly_entangling", DataVec("x", 2), n=2,
           match="got data input `x`", hint="param w[1, 2, 3]")


def test_error_parameter_shape():
    raises(ShapeError, "hardware_efficient", ParamTensor("theta", (3, 4)), n=4,
           layers=3, rotations=[Word("ry"), Word("rz")],
           match=r"`hardware_efficient` with layers=3, rotations \[ry, rz\] on 4 qubits needs "
                 r"theta of shape \[3, 4, 2\], got \[3, 4\]",
           where=arg_span(0), hint="param theta[3, 4, 2];")
    raises(ShapeError, "strongly_entangling", ParamTensor("w", (2, 3, 3)), n=3,
           match=r"needs w of shape \[1, 3, 3\], got \[2, 3, 3\]")
    raises(ShapeError, "reupload", DataVec("x", 4), ParamTensor("w", (1, 2, 6)),
           ParamTensor("b", (1, 2, 3)), n=2, match=r"needs b of shape \[1, 2, 6\], got \[1, 2, 3\]",
           where=arg_span(2))


def test_error_data_width():
    raises(ShapeError, "angle_encoding", DataVec("x", 5), n=3, match="5 features for 3 qubits",
           where=arg_span(0), hint="cycle=true")
    raises(ShapeError, "zz_feature_map", DataVec("x", 2), n=3, match="3 qubits, got 2 features")
    raises(ShapeError, "iqp_encoding", DataVec("x", 4), n=3, match="one feature per qubit")
    raises(ShapeError, "amplitude_encoding", DataVec("x", 9), n=3, match="at most 2\\*\\*3 = 8",
           hint="at least 4 qubits")


def test_error_missing_extra_and_unknown_arguments():
    raises(TypeMismatch, "reupload", DataVec("x", 2), n=1, match="missing its argument `w`",
           where=CALL, hint="reupload(x, w, b")
    raises(TypeMismatch, "amplitude_encoding", DataVec("x", 2), DataVec("y", 2), n=1,
           match="at most 1 positional argument, got 2", where=arg_span(1))
    raises(UnknownName, "hardware_efficient", ParamTensor("t", (1, 2, 2)), n=2,
           layer=2, match="has no argument `layer`", hint="did you mean `layers`?",
           where=arg_span(10))
    raises(TypeMismatch, "zz_feature_map", DataVec("x", 2), n=2, x=DataVec("x", 2),
           match="two values for argument `x`")
    raises(UnknownName, "angle_encodings", DataVec("x", 2), n=2, match="unknown template",
           hint="angle_encoding")


def test_error_bad_option_values():
    raises(TypeMismatch, "angle_encoding", DataVec("x", 2), n=2, axis=Word("W"),
           match="does not accept `W` for `axis`", hint="X, Y, Z", where=arg_span(10))
    raises(TypeMismatch, "angle_encoding", DataVec("x", 2), n=2, cycle=Word("yes"),
           match="`cycle`", hint="`true` or `false`")
    raises(TypeMismatch, "angle_encoding", DataVec("x", 2), n=2, scale=Word("big"),
           match="number or an angle for `scale`")
    raises(TypeMismatch, "hardware_efficient", ParamTensor("t", (1, 2, 2)), n=2,
           entangle=Word("rign"), match="`entangle`", hint="did you mean `ring`?")
    raises(TypeMismatch, "hardware_efficient", ParamTensor("t", (1, 2, 2)), n=2,
           entangler=Word("swap"), match="`entangler`", hint="cx, cz")
    raises(TypeMismatch, "hardware_efficient", ParamTensor("t", (1, 2, 2)), n=2,
           rotations=[Word("ry"), Word("u3")], match="`u3` in `rotations`", hint="rx, ry, rz")
    raises(TypeMismatch, "hardware_efficient", ParamTensor("t", (1, 2, 0)), n=2,
           rotations=[], match="at least one rotation")
    for bad in (0, -1, 1.5, Word("two"), True):
        raises(TypeMismatch, "strongly_entangling", ParamTensor("w", (1, 2, 3)), n=2,
               layers=bad, match="positive whole number for `layers`", where=arg_span(10))
    raises(TypeMismatch, "iqp_encoding", DataVec("x", 2), n=2, reps=0, match="`reps`")
    raises(TypeMismatch, "reupload", DataVec("x", 2), ParamTensor("w", (1, 2, 3)),
           ParamTensor("b", (1, 2, 3)), n=2, entangle=[(0, 1, 2)], match="pairs of qubit")


def test_error_bad_pairs():
    raises(QubitError, "hardware_efficient", ParamTensor("t", (1, 3, 2)), n=3,
           entangle=[(0, 1), (2, 3)], match="qubit 3 is out of range for a block of 3 qubits",
           where=arg_span(10), hint="0..2")
    raises(QubitError, "reupload", DataVec("x", 2), ParamTensor("w", (2, 3, 3)),
           ParamTensor("b", (2, 3, 3)), n=3, layers=2, entangle=[(1, 1)],
           match=r"pair \(1, 1\) in `entangle` uses qubit 1 twice")
    raises(QubitError, "hardware_efficient", ParamTensor("t", (1, 3, 2)), n=3,
           entangle=[(-1, 0)], match="out of range")


def test_integral_options_accept_floats_and_nums():
    a = expand("strongly_entangling", ParamTensor("w", (2, 2, 3)), n=2, layers=2.0)
    b = expand("strongly_entangling", ParamTensor("w", (2, 2, 3)), n=2, layers=Num(2))
    assert a == b and len(a) == 2 * (6 + 2)
