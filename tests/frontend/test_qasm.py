"""Tests of the OpenQASM 2.0 loader (`qml_compiler.frontend.qasm`).

Unitaries are checked against independent references: pytket's own OpenQASM reader
(`pytket.qasm.circuit_from_qasm_str`), explicit numpy matrices, and Python's `math` for
parameter expressions. The loader's ops are turned into a pytket `Circuit` through a small
mapping table kept here, whose semantics are pinned down by `test_primitive_semantics`.
"""

from __future__ import annotations

import ast
import cmath
import math
import os
import re
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pytket import Circuit, OpType, Qubit
from pytket.qasm import circuit_from_qasm_str

from qml_compiler.diagnostics import FileError, LimitError, QasmError, QmlError
from qml_compiler.frontend import qasm as qasm_module
from qml_compiler.frontend.qasm import PRIMITIVE_GATES, QasmCircuit, QasmOp, load_qasm

HEADER = 'OPENQASM 2.0;\ninclude "qelib1.inc";\n'

# pytket OpType of each primitive; pytket angles are in half-turns.
TK_OPS = {
    "h": OpType.H, "x": OpType.X, "y": OpType.Y, "z": OpType.Z, "s": OpType.S,
    "sdg": OpType.Sdg, "t": OpType.T, "tdg": OpType.Tdg, "sx": OpType.SX, "sxdg": OpType.SXdg,
    "rx": OpType.Rx, "ry": OpType.Ry, "rz": OpType.Rz, "p": OpType.U1, "u3": OpType.U3,
    "cx": OpType.CX, "cy": OpType.CY, "cz": OpType.CZ, "ch": OpType.CH, "swap": OpType.SWAP,
    "crx": OpType.CRx, "cry": OpType.CRy, "crz": OpType.CRz, "cp": OpType.CU1,
    "cu3": OpType.CU3, "rxx": OpType.XXPhase, "ryy": OpType.YYPhase, "rzz": OpType.ZZPhase,
    "ccx": OpType.CCX, "cswap": OpType.CSWAP,
}


def registers(text: str) -> list[tuple[str, int]]:
    """The qreg declarations of a program, in order (the test's own reading)."""
    return [(m.group(1), int(m.group(2)))
            for m in re.finditer(r"qreg\s+([A-Za-z_]\w*)\s*\[\s*(\d+)\s*\]", text)]


def to_pytket(circ: QasmCircuit, regs: list[tuple[str, int]] | None = None) -> Circuit:
    """The loader's ops as a pytket circuit; `regs` names the flat qubits as pytket would."""
    names = ([Qubit(name, i) for name, size in regs for i in range(size)] if regs
             else [Qubit("q", i) for i in range(circ.n_qubits)])
    assert len(names) == circ.n_qubits
    c = Circuit()
    for qb in names:
        c.add_qubit(qb)
    for op in circ.ops:
        n_params, n_qubits = PRIMITIVE_GATES[op.name]
        assert len(op.params) == n_params and len(op.qubits) == n_qubits
        c.add_gate(TK_OPS[op.name], [p / math.pi for p in op.params],
                   [names[q] for q in op.qubits])
    return c


def assert_equal_up_to_phase(a: np.ndarray, b: np.ndarray, atol: float = 1e-7) -> None:
    assert a.shape == b.shape
    i = np.unravel_index(np.argmax(np.abs(b)), b.shape)
    assert abs(b[i]) > 1e-6
    phase = a[i] / b[i]
    assert abs(abs(phase) - 1) < 1e-7, f"not unitary-equivalent: |phase| = {abs(phase)}"
    assert np.allclose(a, phase * b, atol=atol), "unitaries differ beyond a global phase"


def check_against_pytket(text: str, reference: str | None = None) -> QasmCircuit:
    """Load `text` and compare with pytket's reading of `reference` (default: `text`)."""
    circ = load_qasm("test.qasm", text)
    mine = to_pytket(circ, registers(text)).get_unitary()
    ref = circuit_from_qasm_str(reference if reference is not None else text).get_unitary()
    assert_equal_up_to_phase(mine, ref)
    return circ


# --- primitive semantics (pins down the mapping table and the documented meanings) ----------

I2 = np.eye(2)
X = np.array([[0, 1], [1, 0]], dtype=complex)
Y = np.array([[0, -1j], [1j, 0]])
Z = np.diag([1, -1]).astype(complex)


def expm_pauli(theta: float, p: np.ndarray) -> np.ndarray:
    """exp(-i theta P / 2) for P with P^2 = 1."""
    return math.cos(theta / 2) * np.eye(len(p)) - 1j * math.sin(theta / 2) * p


def u3m(t: float, p: float, l: float) -> np.ndarray:
    return np.array([[math.cos(t / 2), -cmath.exp(1j * l) * math.sin(t / 2)],
                     [cmath.exp(1j * p) * math.sin(t / 2),
                      cmath.exp(1j * (p + l)) * math.cos(t / 2)]])


def controlled(u: np.ndarray, n_controls: int = 1) -> np.ndarray:
    """Controls first (most significant), target(s) last, as pytket's ILO-BE order."""
    d = 2 ** n_controls * len(u)
    m = np.eye(d, dtype=complex)
    m[d - len(u):, d - len(u):] = u
    return m


SWAP = np.eye(4)[[0, 2, 1, 3]].astype(complex)
A, B, C = 0.37, -1.21, 2.05
SEMANTICS = {
    "h": ((), np.array([[1, 1], [1, -1]]) / math.sqrt(2)),
    "x": ((), X), "y": ((), Y), "z": ((), Z),
    "s": ((), np.diag([1, 1j])), "sdg": ((), np.diag([1, -1j])),
    "t": ((), np.diag([1, cmath.exp(1j * math.pi / 4)])),
    "tdg": ((), np.diag([1, cmath.exp(-1j * math.pi / 4)])),
    "sx": ((), np.array([[1 + 1j, 1 - 1j], [1 - 1j, 1 + 1j]]) / 2),
    "sxdg": ((), np.array([[1 - 1j, 1 + 1j], [1 + 1j, 1 - 1j]]) / 2),
    "rx": ((A,), expm_pauli(A, X)), "ry": ((A,), expm_pauli(A, Y)), "rz": ((A,), expm_pauli(A, Z)),
    "p": ((A,), np.diag([1, cmath.exp(1j * A)])), "u3": ((A, B, C), u3m(A, B, C)),
    "cx": ((), controlled(X)), "cy": ((), controlled(Y)), "cz": ((), controlled(Z)),
    "ch": ((), controlled(np.array([[1, 1], [1, -1]]) / math.sqrt(2))), "swap": ((), SWAP),
    "crx": ((A,), controlled(expm_pauli(A, X))), "cry": ((A,), controlled(expm_pauli(A, Y))),
    "crz": ((A,), controlled(expm_pauli(A, Z))),
    "cp": ((A,), controlled(np.diag([1, cmath.exp(1j * A)]))),
    "cu3": ((A, B, C), controlled(u3m(A, B, C))),
    "rxx": ((A,), expm_pauli(A, np.kron(X, X))), "ryy": ((A,), expm_pauli(A, np.kron(Y, Y))),
    "rzz": ((A,), expm_pauli(A, np.kron(Z, Z))),
    "ccx": ((), controlled(X, 2)), "cswap": ((), controlled(SWAP, 1)),
}


def test_mapping_table_covers_primitives():
    assert set(TK_OPS) == set(PRIMITIVE_GATES) == set(SEMANTICS)


@pytest.mark.parametrize("name", sorted(PRIMITIVE_GATES))
def test_primitive_semantics(name):
    params, matrix = SEMANTICS[name]
    n_params, n_qubits = PRIMITIVE_GATES[name]
    assert len(params) == n_params and matrix.shape == (2 ** n_qubits, 2 ** n_qubits)
    circ = QasmCircuit(n_qubits, (QasmOp(name, tuple(range(n_qubits)), params, 1),))
    got = to_pytket(circ).get_unitary()
    # exact for uncontrolled gates up to phase; controlled gates must match exactly, since a
    # wrong relative phase there would be a real error
    if name.startswith("c"):
        assert np.allclose(got, matrix, atol=1e-9)
    else:
        assert_equal_up_to_phase(got, matrix)


# --- whole programs against pytket --------------------------------------------------------------

PROGRAMS = {
    "single_qubit_qelib1": HEADER + """qreg q[1];
U(0.1,0.2,0.3) q[0]; u3(0.4,0.5,0.6) q[0]; u2(0.7,0.8) q[0]; u1(0.9) q[0]; u(1.1,1.2,1.3) q[0];
p(1.4) q[0]; id q[0]; u0(0.5) q[0]; x q[0]; y q[0]; z q[0]; h q[0]; s q[0]; sdg q[0];
t q[0]; tdg q[0]; rx(0.31) q[0]; ry(0.32) q[0]; rz(0.33) q[0]; sx q[0]; sxdg q[0];
""",
    "two_qubit_qelib1": HEADER + """qreg q[2];
h q[0]; ry(0.4) q[1];
CX q[0],q[1]; cx q[1],q[0]; cz q[0],q[1]; cy q[0],q[1]; swap q[0],q[1]; ch q[1],q[0];
crx(0.5) q[0],q[1]; cry(0.6) q[1],q[0]; crz(0.7) q[0],q[1]; cu1(0.8) q[1],q[0];
cp(0.9) q[0],q[1]; cu3(1.0,1.1,1.2) q[1],q[0]; csx q[0],q[1]; cu(0.3,0.5,0.7,0.9) q[1],q[0];
rxx(1.3) q[0],q[1]; rzz(1.4) q[1],q[0];
""",
    "multi_qubit_qelib1": HEADER + """qreg q[5];
h q; rx(0.2) q[1]; ry(0.3) q[2]; rz(0.4) q[3]; ry(0.7) q[4];
ccx q[0],q[1],q[2]; cswap q[2],q[0],q[1]; rccx q[1],q[2],q[3];
rc3x q[0],q[1],q[2],q[3]; c3x q[3],q[1],q[0],q[2]; c3sqrtx q[0],q[1],q[2],q[3];
c4x q[0],q[1],q[2],q[3],q[4]; c4x q[4],q[2],q[3],q[0],q[1];
""",
    "user_gates": HEADER + """qreg q[3];
gate rot(theta, phi) a { rz(phi) a; ry(theta/2 - pi/4) a; rz(-phi*2) a; }
gate ent(alpha) a, b { cx a, b; rot(alpha, alpha + 0.1) b; cx b, a; }
gate layer(t0, t1, t2) a, b, c {
  rot(t0, sin(t1)) a; rot(t1 * cos(t2), -t0) b; rot(t2, (t0 + t1) / 3) c;
  ent(t0) a, b; ent(-t1) b, c; barrier a, b, c; cu3(t0, t1, t2) c, a;
}
layer(0.1, 0.2, 0.3) q[0], q[1], q[2];
layer(1.1, -0.7, 2.5) q[2], q[0], q[1];
""",
    "multiple_registers": HEADER + """qreg a[2];
qreg b[1];
qreg c[2];
h a; x b[0]; ry(0.3) c;
cx a, c; crz(0.4) b[0], a[1]; ccx a[0], c[1], b[0]; swap a[1], c[0];
""",
    "registers_out_of_alphabetical_order": HEADER + """qreg z[2];
qreg a[2];
ry(0.2) z[0]; ry(0.9) a[1]; cx z[0], a[0]; crx(0.5) a[1], z[1]; h z;
""",
    "no_include_and_comments": """OPENQASM 2.0;
// qelib1 gates are built in even without the include
qreg q[2]; // two qubits
h q[0];
cx q[0], q[1]; // entangle
rzz(0.25) q[0], q[1];
""",
}


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_program_against_pytket(name):
    text = PROGRAMS[name]
    if name == "no_include_and_comments":
        reference = text.replace("OPENQASM 2.0;", HEADER)
        check_against_pytket(text, reference)
    else:
        check_against_pytket(text)


def test_expanded_gates_use_primitives_only():
    circ = load_qasm("m.qasm", PROGRAMS["multi_qubit_qelib1"] + PROGRAMS["two_qubit_qelib1"]
                     .replace(HEADER, "").replace("qreg q[2];", ""))
    assert circ.n_qubits == 5
    assert {op.name for op in circ.ops} <= set(PRIMITIVE_GATES)
    assert all(len(set(op.qubits)) == len(op.qubits) for op in circ.ops)


def test_broadcasting_against_hand_expansion():
    # pytket's reader does not broadcast an indexed qubit against a register, so the reference
    # is the same program written out by hand.
    text = HEADER + """qreg q[3];
qreg r[3];
h q;
cx q, r;
cx q[1], r;
crz(0.3) r, q[0];
ccx q[2], r, q;
rx(0.1) r;
"""
    explicit = HEADER + """qreg q[3];
qreg r[3];
h q[0]; h q[1]; h q[2];
cx q[0], r[0]; cx q[1], r[1]; cx q[2], r[2];
cx q[1], r[0]; cx q[1], r[1]; cx q[1], r[2];
crz(0.3) r[0], q[0]; crz(0.3) r[1], q[0]; crz(0.3) r[2], q[0];
ccx q[2], r[0], q[0]; ccx q[2], r[1], q[1];
rx(0.1) r[0]; rx(0.1) r[1]; rx(0.1) r[2];
"""
    # `ccx q[2], r, q` pairs q[2] with itself on its third application: an error
    with pytest.raises(QasmError) as info:
        load_qasm("b.qasm", text)
    assert info.value.span.line == 9 and "q[2] is used twice" in info.value.message
    text = text.replace("ccx q[2], r, q;", "ccx q[2], r[0], q[0]; ccx q[2], r[1], q[1];")
    circ = check_against_pytket(text, explicit)
    assert [op.qubits for op in circ.ops if op.line == 5] == [(0,), (1,), (2,)]
    assert [op.qubits for op in circ.ops if op.line == 6 and op.name == "cx"] == [
        (0, 3), (1, 4), (2, 5)]
    assert [op.qubits for op in circ.ops if op.line == 7] == [(1, 3), (1, 4), (1, 5)]


def test_numpy_references_for_expanded_gates():
    """cu, csx, c3x, c3sqrtx and c4x against matrices built here, not pytket's qelib1 text."""
    th, ph, la, ga = 0.3, 0.5, 0.7, 0.9
    sx = SEMANTICS["sx"][1]
    cases = [
        ("cu(0.3,0.5,0.7,0.9) q[0],q[1];", 2, controlled(cmath.exp(1j * ga) * u3m(th, ph, la))),
        ("csx q[0],q[1];", 2, controlled(sx)),
        ("c3x q[0],q[1],q[2],q[3];", 4, controlled(X, 3)),
        ("c3sqrtx q[0],q[1],q[2],q[3];", 4, controlled(sx, 3)),
        ("c4x q[0],q[1],q[2],q[3],q[4];", 5, controlled(X, 4)),
    ]
    for stmt, n, matrix in cases:
        circ = load_qasm("n.qasm", HEADER + f"qreg q[{n}];\n{stmt}\n")
        got = to_pytket(circ).get_unitary()
        if stmt.startswith("cu("):
            assert np.allclose(got, matrix, atol=1e-9), stmt  # the controlled phase matters
        else:
            assert_equal_up_to_phase(got, matrix)


def test_ryy_is_accepted_and_user_definable():
    circ = load_qasm("y.qasm", HEADER + "qreg q[2];\nryy(0.4) q[1], q[0];\n")
    assert circ.ops == (QasmOp("ryy", (1, 0), (0.4,), 4),)
    # ryy is not part of qelib1.inc, so a file that includes qelib1 may define it (as Qiskit
    # writes it)
    text = HEADER + """qreg q[2];
gate ryy(theta) a, b { rx(pi/2) a; rx(pi/2) b; cx a, b; rz(theta) b; cx a, b;
  rx(-pi/2) a; rx(-pi/2) b; }
ryy(0.4) q[0], q[1];
"""
    circ = load_qasm("y.qasm", text)
    assert [op.name for op in circ.ops] == ["rx", "rx", "cx", "rz", "cx", "rx", "rx"]
    assert_equal_up_to_phase(to_pytket(circ).get_unitary(), expm_pauli(0.4, np.kron(Y, Y)))


def test_ops_exact_for_simple_program():
    text = """OPENQASM 2.0;
include "qelib1.inc";
qreg a[1];
qreg b[2];
u2(0.1, 0.2) b[1];
gate g(x) p, q { id p; u1(x) q; CX p, q; }
g(2*pi) b[0],
  a[0];
U(1, 2, 3) a;
"""
    circ = load_qasm("e.qasm", text)
    half_pi = math.pi / 2
    assert circ == QasmCircuit(3, (
        QasmOp("u3", (2,), (half_pi, 0.1, 0.2), 5),
        QasmOp("p", (0,), (2 * math.pi,), 7),
        QasmOp("cx", (1, 0), (), 7),
        QasmOp("u3", (0,), (1.0, 2.0, 3.0), 9),
    ))


# --- parameter expressions ------------------------------------------------------------------

EXPRESSIONS = [
    ("pi", math.pi), ("-pi/2", -math.pi / 2), ("2^3", 8.0), ("2^-1", 0.5), ("-2^2", -4.0),
    ("2^3^2", 2.0 ** 9), ("1.5e-1", 0.15), (".5", 0.5), ("5.", 5.0), ("3E2", 300.0),
    ("1 - 2 - 3", -4.0), ("8 / 4 / 2", 1.0), ("2 * (3 + 4)", 14.0), ("--1", 1.0), ("+1", 1.0),
    ("sin(pi/6)", math.sin(math.pi / 6)), ("cos(1)", math.cos(1)), ("tan(0.3)", math.tan(0.3)),
    ("exp(1)", math.e), ("ln(10)", math.log(10)), ("sqrt(2)", math.sqrt(2)),
    ("sqrt(ln(exp(4)))", 2.0), ("((((1))))", 1.0), ("1+2*3^2", 19.0),
]


@pytest.mark.parametrize("expr,value", EXPRESSIONS)
def test_parameter_expressions(expr, value):
    circ = load_qasm("x.qasm", HEADER + f"qreg q[1];\nrz({expr}) q[0];\n")
    assert circ.ops[0].params[0] == pytest.approx(value, rel=1e-12, abs=1e-12)
    # the same expression through a gate parameter
    circ = load_qasm("x.qasm", HEADER + "qreg q[1];\ngate g(a) r { rz(a) r; }\n"
                     f"g({expr}) q[0];\n")
    assert circ.ops[0].params[0] == pytest.approx(value, rel=1e-12, abs=1e-12)


def _expr_strategy():
    """Pairs (QASM expression text, its value computed by Python)."""
    leaf = st.one_of(
        st.floats(0.01, 10).map(lambda v: (repr(v), v)),
        st.just(("pi", math.pi)),
        st.just(("t", 0.7)),  # the gate parameter, bound to 0.7 below
    )

    def binop(pair, op):
        (sa, va), (sb, vb) = pair
        if op == "/" and abs(vb) < 1e-3:
            op = "*"
        value = {"+": lambda: va + vb, "-": lambda: va - vb, "*": lambda: va * vb,
                 "/": lambda: va / vb}[op]()
        return (f"({sa}) {op} ({sb})", value)

    def unary(pair, name):
        s, v = pair
        if name == "neg":
            return (f"-({s})", -v)
        return (f"{name}({s})", getattr(math, name)(v))

    def extend(children):
        return st.one_of(
            st.builds(binop, st.tuples(children, children), st.sampled_from("+-*/")),
            st.builds(unary, children, st.sampled_from(["sin", "cos", "neg"])),
        )
    return st.recursive(leaf, extend, max_leaves=12)


@settings(max_examples=60, deadline=None)
@given(_expr_strategy())
def test_random_expressions_match_python(pair):
    text, value = pair
    if not math.isfinite(value) or abs(value) > 1e12:
        return
    circ = load_qasm("r.qasm", HEADER + "qreg q[1];\n"
                     f"gate g(t) a {{ rz({text}) a; }}\ng(0.7) q[0];\n")
    assert circ.ops[0].params[0] == pytest.approx(value, rel=1e-9, abs=1e-9)


# --- random programs against pytket -------------------------------------------------------------

# qelib1 gates (name -> params, qubits), with all aliases and expanded gates, that pytket reads
RANDOM_GATES = {
    "U": (3, 1), "u3": (3, 1), "u2": (2, 1), "u1": (1, 1), "u": (3, 1), "p": (1, 1),
    "id": (0, 1), "x": (0, 1), "y": (0, 1), "z": (0, 1), "h": (0, 1), "s": (0, 1),
    "sdg": (0, 1), "t": (0, 1), "tdg": (0, 1), "rx": (1, 1), "ry": (1, 1), "rz": (1, 1),
    "sx": (0, 1), "sxdg": (0, 1), "CX": (0, 2), "cx": (0, 2), "cz": (0, 2), "cy": (0, 2),
    "swap": (0, 2), "ch": (0, 2), "crx": (1, 2), "cry": (1, 2), "crz": (1, 2), "cu1": (1, 2),
    "cp": (1, 2), "cu3": (3, 2), "csx": (0, 2), "cu": (4, 2), "rxx": (1, 2), "rzz": (1, 2),
    "ccx": (0, 3), "cswap": (0, 3), "rccx": (0, 3), "rc3x": (0, 4), "c3x": (0, 4),
    "c3sqrtx": (0, 4),
}


@st.composite
def random_program(draw):
    sizes = draw(st.lists(st.integers(1, 2), min_size=1, max_size=3).filter(
        lambda s: sum(s) <= 4))
    names = draw(st.permutations(["q", "r", "anc"]))[:len(sizes)]
    flat = [f"{n}[{i}]" for n, size in zip(names, sizes) for i in range(size)]
    lines = [HEADER.rstrip("\n")] + [f"qreg {n}[{s}];" for n, s in zip(names, sizes)]
    usable = [g for g, (_, nq) in RANDOM_GATES.items() if nq <= len(flat)]
    for _ in range(draw(st.integers(1, 12))):
        gate = draw(st.sampled_from(usable))
        n_params, n_qubits = RANDOM_GATES[gate]
        qubits = draw(st.permutations(flat))[:n_qubits]
        angles = [repr(draw(st.floats(-7, 7, allow_nan=False))) for _ in range(n_params)]
        params = f"({', '.join(angles)})" if n_params else ""
        lines.append(f"{gate}{params} {', '.join(qubits)};")
    return "\n".join(lines) + "\n"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_program())
def test_random_programs_against_pytket(text):
    check_against_pytket(text)


# --- errors -------------------------------------------------------------------------------------

H3 = HEADER + "qreg q[3];\n"  # the next line is line 4

ERRORS = [
    # (text, exception class, line, phrase in the message)
    ("", QasmError, 1, "missing `OPENQASM 2.0;` header"),
    ("qreg q[1];\nh q[0];\n", QasmError, 1, "missing `OPENQASM 2.0;` header"),
    ("// a comment\n\nOPENQASM 3.0;\nqubit q;\n", QasmError, 3, "unsupported OpenQASM version"),
    ("OPENQASM 2.0\nqreg q[1];\n", QasmError, 2, "expected `;`"),
    (H3 + "h q[0]\nh q[1];\n", QasmError, 5, "syntax error"),
    (H3 + "h q[0] $;\n", QasmError, 4, "unexpected character `$`"),
    (H3 + "rx(0.1 q[0];\n", QasmError, 4, "syntax error"),
    (H3 + "h q[0];\n\nh q[\n", QasmError, 7, "unexpected end of file"),
    (H3 + "hadamard q[0];\n", QasmError, 4, "unknown gate `hadamard`"),
    (H3 + "rx q[0];\n", QasmError, 4, "takes 1 parameter, but 0 were given"),
    (H3 + "h(0.5) q[0];\n", QasmError, 4, "takes 0 parameters, but 1 was given"),
    (H3 + "cu3(1, 2) q[0], q[1];\n", QasmError, 4, "takes 3 parameters, but 2 were given"),
    (H3 + "cx q[0];\n", QasmError, 4, "acts on 2 qubits, but 1 was given"),
    (H3 + "h q[0], q[1];\n", QasmError, 4, "acts on 1 qubit, but 2 were given"),
    (H3 + "x q[0];\nh q[3];\n", QasmError, 5, "out of range"),
    (H3 + "h r[0];\n", QasmError, 4, "unknown register `r`"),
    (H3 + "h r;\n", QasmError, 4, "unknown register `r`"),
    (H3 + "cx q[1], q[1];\n", QasmError, 4, "used twice"),
    (H3 + "ccx q[0], q[1], q;\n", QasmError, 4, "used twice"),
    (H3 + "qreg r[2];\ncx q, r;\n", QasmError, 5, "different sizes"),
    (H3 + "qreg q[2];\n", QasmError, 4, "already declared on line 3"),
    (H3 + "gate g a { h a; }\ngate g a { x a; }\n", QasmError, 5, "already defined on line 4"),
    (H3 + "gate h a { x a; }\n", QasmError, 4, "already defined by qelib1.inc"),
    ("OPENQASM 2.0;\ngate rx(t) a { U(t, 0, 0) a; }\ninclude \"qelib1.inc\";\nqreg q[1];\n",
     QasmError, 3, "also defined by qelib1.inc"),
    ("OPENQASM 2.0;\nqreg q[1];\ngate CX a, b { }\n", QasmError, 3, "built-in gate"),
    (H3 + "rx(1/0) q[0];\n", QasmError, 4, "division by zero"),
    (H3 + "gate g(t) a {\n  rx(1/(t - 1)) a;\n}\ng(1) q[0];\n", QasmError, 5, "division by zero"),
    (H3 + "rx(0^-1) q[0];\n", QasmError, 4, "zero raised to a negative power"),
    (H3 + "rx(ln(0)) q[0];\n", QasmError, 4, "`ln`"),
    (H3 + "rx(sqrt(-1)) q[0];\n", QasmError, 4, "`sqrt`"),
    (H3 + "rx((-8)^(1/3)) q[0];\n", QasmError, 4, "negative number raised"),
    (H3 + "rx(exp(1e6)) q[0];\n", QasmError, 4, "too large"),
    (H3 + "rx(1e999) q[0];\n", QasmError, 4, "too large"),
    (H3 + "rx(1e308 * 10) q[0];\n", QasmError, 4, "not a finite number"),
    (H3 + "creg c[3];\n", QasmError, 4, "classical registers are not allowed"),
    (H3 + "measure q[0] -> c[0];\n", QasmError, 4, "measurements are not allowed"),
    (H3 + "reset q[0];\n", QasmError, 4, "`reset` is not allowed"),
    (H3 + "if (c == 1) x q[0];\n", QasmError, 4, "classically controlled"),
    (H3 + "opaque magic(a) b;\n", QasmError, 4, "opaque gates are not allowed"),
    ('OPENQASM 2.0;\ninclude "mylib.inc";\n', QasmError, 2, "may only include \"qelib1.inc\""),
    (H3 + "gate g a { g a; }\n", QasmError, 4, "cannot call itself"),
    (H3 + "g q[0];\ngate g a { x a; }\n", QasmError, 4, "unknown gate `g`"),
    (H3 + "gate f a { g a; }\ngate g a { x a; }\n", QasmError, 4, "unknown gate `g`"),
    (H3 + "rx(theta) q[0];\n", QasmError, 4, "unknown parameter `theta`"),
    (H3 + "gate g(t) a { rx(s) a; }\n", QasmError, 4, "unknown parameter `s`"),
    (H3 + "gate g a, b { cx a, a; }\n", QasmError, 4, "used twice"),
    (H3 + "gate g a { h q; }\n", QasmError, 4, "cannot be used inside gate"),
    (H3 + "gate g a { h b; }\n", QasmError, 4, "not a qubit argument"),
    (H3 + "gate g(t) a { h t; }\n", QasmError, 4, "is a parameter of gate"),
    (H3 + "gate g a { h a[0]; }\n", QasmError, 4, "indexed qubits are not allowed"),
    (H3 + "gate g a {\n  h a;\n  reset a;\n}\n", QasmError, 6, "`reset` is not allowed"),
    (H3 + "gate g a { qreg a; }\n", QasmError, 4, "reserved word"),
    (H3 + "gate g a { h a; measure a -> c[0]; }\n", QasmError, 4, "measurements are not"),
    (H3 + "gate g a {\n  measure a;\n}\n", QasmError, 5, "measurements are not"),
    (H3 + "x q[0]; if (c == 1 x q[0];\n", QasmError, 4, "classically controlled"),
    (H3 + "gate g(a, a) b { }\n", QasmError, 4, "declared twice"),
    (H3 + "gate g(a) a { }\n", QasmError, 4, "declared twice"),
    (H3 + "gate g a { cx a; }\n", QasmError, 4, "acts on 2 qubits"),
    (H3 + "gate g a { rz a; }\n", QasmError, 4, "takes 1 parameter"),
    (H3 + "qreg r[0];\n", QasmError, 4, "has no qubits"),
    (H3 + "h q[1.0];\n", QasmError, 4, "whole number"),
    (H3 + "qreg pi[2];\n", QasmError, 4, "reserved word"),
    ("OPENQASM 2.0;\ninclude \"qelib1.inc\";\n", QasmError, 1, "declares no qubits"),
    (H3 + "h q[0];\nOPENQASM 2.0;\n", QasmError, 5, "syntax error"),
    (H3 + "qreg r[123456789012345678901234567890];\n", LimitError, 4, "too many qubits"),
    (H3 + "h \x00;\n", QasmError, 4, "U+0000"),
]


@pytest.mark.parametrize("text,cls,line,phrase", ERRORS,
                         ids=[f"{i}-{e[3][:24]}" for i, e in enumerate(ERRORS)])
def test_errors(text, cls, line, phrase):
    with pytest.raises(QmlError) as info:
        load_qasm("bad.qasm", text)
    err = info.value
    assert type(err) is cls, err.render()
    assert err.span is not None and err.span.file == "bad.qasm"
    assert err.span.line == line, err.render()
    assert phrase in err.message, err.render()
    assert err.source == text
    rendered = err.render()
    assert rendered.startswith(f"bad.qasm:{line}:")
    if text.strip() and line <= len(text.splitlines()):
        assert "^" in rendered  # the caret excerpt works


def test_error_details():
    with pytest.raises(QasmError) as info:
        load_qasm("m.qasm", H3 + "cx q[0], q[1];\nrzz(0.1) q[0], q[1];\nrz2(0.3) q[2];\n")
    err = info.value
    assert err.hint == "did you mean `rz`?"
    assert (err.span.line, err.span.col, err.span.end_line, err.span.end_col) == (6, 1, 6, 4)
    assert err.render().splitlines()[1:3] == ["    rz2(0.3) q[2];", "    ^^^"]

    with pytest.raises(QasmError) as info:
        load_qasm("m.qasm", H3 + "g q[0];\ngate g a { x a; }\n")
    assert "defined later, on line 5" in info.value.hint

    with pytest.raises(QasmError) as info:
        load_qasm("m.qasm", H3 + "h q[7];\n")
    assert (info.value.span.col, info.value.span.end_col) == (3, 7)
    assert "size 3" in info.value.message

    # a division by zero in a gate body points into the body and names the call
    with pytest.raises(QasmError) as info:
        load_qasm("m.qasm", H3 + "gate g(t) a { rx(2/t) a; }\nh q[0];\ng(0) q[1];\n")
    assert info.value.span.line == 4 and "expanded from line 6" in info.value.message

    with pytest.raises(QasmError) as info:
        load_qasm("m.qasm", H3 + "measure q[0] -> c[0];\n")
    assert "declare readouts in the model" in info.value.message
    assert (info.value.span.col, info.value.span.end_col) == (1, 8)

    with pytest.raises(QasmError) as info:
        load_qasm("m.qasm", H3 + "h q[0]\nh q[1];\n")
    assert info.value.hint and "`;`" in info.value.hint


def test_user_gate_may_replace_qelib1_gate_without_include():
    circ = load_qasm("s.qasm", "OPENQASM 2.0;\nqreg q[1];\ngate h a { x a; }\nh q[0];\n")
    assert [op.name for op in circ.ops] == ["x"]


def test_barrier_is_ignored_but_checked():
    circ = load_qasm("b.qasm", H3 + "h q[0];\nbarrier q;\nbarrier q[0], q[2];\nx q[1];\n")
    assert [op.name for op in circ.ops] == ["h", "x"]
    with pytest.raises(QasmError, match="unknown register"):
        load_qasm("b.qasm", H3 + "barrier r;\n")
    with pytest.raises(QasmError, match="out of range"):
        load_qasm("b.qasm", H3 + "barrier q[3];\n")


# --- files ----------------------------------------------------------------------------------------

def test_reads_file(tmp_path):
    path = tmp_path / "ansatz.qasm"
    path.write_text(PROGRAMS["user_gates"], encoding="utf-8")
    assert load_qasm(str(path)) == load_qasm("other name", PROGRAMS["user_gates"])
    # a byte-order mark is tolerated
    path.write_bytes(b"\xef\xbb\xbf" + PROGRAMS["user_gates"].encode())
    assert load_qasm(str(path)).ops == load_qasm("x", PROGRAMS["user_gates"]).ops


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(FileError) as info:
        load_qasm(str(tmp_path / "nope.qasm"))
    assert not isinstance(info.value, QasmError)
    assert "nope.qasm" in info.value.message
    with pytest.raises(FileError):
        load_qasm(str(tmp_path))


def test_not_utf8(tmp_path):
    path = tmp_path / "latin1.qasm"
    path.write_bytes(b"OPENQASM 2.0;\nqreg q[1];\n// caf\xe9\nh q[0];\n")
    with pytest.raises(QasmError) as info:
        load_qasm(str(path))
    err = info.value
    assert "not valid UTF-8" in err.message
    assert (err.span.line, err.span.col) == (3, 7)
    assert err.span.file == str(path)
    assert "^" in err.render()


# --- limits and robustness ---------------------------------------------------------------

def test_op_limit():
    gates = "gate g0 a { h a; }\n" + "".join(
        f"gate g{i} a {{ g{i - 1} a; g{i - 1} a; }}\n" for i in range(1, 12))
    with pytest.raises(LimitError) as info:
        load_qasm("l.qasm", "OPENQASM 2.0;\nqreg q[1000];\n" + gates + "g11 q;\n")
    assert "1,000,000" in info.value.message and info.value.span.line == 15
    # an exponential blow-up that emits nothing is also stopped, quickly
    gates = "gate g0 a { }\n" + "".join(
        f"gate g{i} a {{ g{i - 1} a; g{i - 1} a; }}\n" for i in range(1, 80))
    with pytest.raises(LimitError):
        load_qasm("l.qasm", "OPENQASM 2.0;\nqreg q[1];\n" + gates + "g79 q[0];\n")
    # just under the limit is fine
    circ = load_qasm("l.qasm", "OPENQASM 2.0;\nqreg q[1000];\nh q;\nh q;\n")
    assert len(circ.ops) == 2000


def test_deep_nesting_does_not_overflow_the_stack():
    n = 20000
    header = "OPENQASM 2.0;\nqreg q[1];\n"
    for expr in ["-" * n + "1", "(" * n + "1" + ")" * n, "+".join(["0.5"] * n),
                 "sin(" * n + "1" + ")" * n]:
        circ = load_qasm("d.qasm", header + f"rz({expr}) q[0];\n")
        assert len(circ.ops) == 1
    chain = "gate g0(t) a { rz(t) a; }\n" + "".join(
        f"gate g{i}(t) a {{ g{i - 1}(t + 1) a; }}\n" for i in range(1, 3000))
    circ = load_qasm("d.qasm", header + chain + "g2999(0) q[0];\n")
    assert circ.ops == (QasmOp("rz", (0,), (2999.0,), 3003),)


def test_long_runs_of_whitespace_and_comments_stay_fast():
    import time
    start = time.perf_counter()
    for text in [" " * 50000 + "qreg q[1];", "//" * 50000 + "\nqreg",
                 "OPENQASM 2.0;\nqreg q[1];\n" + " \n" * 50000 + "h q[0]] ;",
                 "OPENQASM 2.0;\nqreg q[1];\n" + "// x\n" * 20000 + "measure q[0] -> "]:
        with pytest.raises(QasmError):
            load_qasm("w.qasm", text)
    assert time.perf_counter() - start < 5


def test_parser_is_built_once():
    assert qasm_module._parser() is qasm_module._parser()


def test_module_imports_only_lark_and_stdlib():
    tree = ast.parse(Path(qasm_module.__file__).read_text(encoding="utf-8"))
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            roots.add(node.module.split(".")[0])
    assert roots <= {"__future__", "math", "re", "dataclasses", "typing", "lark", "qml_compiler"}


VALID = PROGRAMS["user_gates"] + "cx q[0], q[1];\nbarrier q;\nu2(0.1, -pi) q[2];\n"
TOKENS = [";", ",", "(", ")", "[", "]", "{", "}", "->", "==", "q", "q[0]", "q[5]", "pi", "gate",
          "qreg", "creg", "measure", "include", "\"qelib1.inc\"", "1e999", "/0", "^", "-", "sin(",
          "\n", " ", "//", "\x00", "é", "OPENQASM 2.0;", "h", "cx", "g", "a", "0", "1.5", "x"]


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_mutated_programs_raise_only_qml_errors(data):
    text = VALID
    for _ in range(data.draw(st.integers(1, 4))):
        pos = data.draw(st.integers(0, len(text)))
        action = data.draw(st.sampled_from(["insert", "delete", "replace"]))
        if action == "delete":
            end = data.draw(st.integers(pos, min(len(text), pos + 12)))
            text = text[:pos] + text[end:]
        else:
            token = data.draw(st.sampled_from(TOKENS))
            end = pos + (data.draw(st.integers(0, 6)) if action == "replace" else 0)
            text = text[:pos] + token + text[end:]
    try:
        circ = load_qasm("mut.qasm", text)
    except QmlError as err:
        assert isinstance(err, (QasmError, LimitError))
        assert err.span is not None and err.span.line >= 1
        err.render()
    else:
        assert {op.name for op in circ.ops} <= set(PRIMITIVE_GATES)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200))
def test_random_text_raises_only_qml_errors(text):
    for candidate in (text, "OPENQASM 2.0;\n" + text, H3 + text):
        try:
            load_qasm("rnd.qasm", candidate)
        except QmlError as err:
            err.render()


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes_from_file_raise_only_qml_errors(data):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "rnd.qasm")
        for content in (data, b"OPENQASM 2.0;\nqreg q[2];\n" + data):
            with open(path, "wb") as f:
                f.write(content)
            try:
                load_qasm(path)
            except QmlError as err:
                err.render()
