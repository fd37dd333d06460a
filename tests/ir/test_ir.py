"""The intermediate graph: lowering is faithful, the verifier catches broken invariants, dumps
round-trip."""

import math
from pathlib import Path

import numpy as np
import pytest

from qml_compiler.frontend import load_file, load_source
from qml_compiler.frontend.model import evaluate as eval_angle
from qml_compiler.ir import (IRVerificationError, QuantumBlock, from_json, graphs_equal, lower,
                             stats, to_dot, to_json, to_text, verify)
from qml_compiler.ir.nodes import Dense, Scale, Slice
from qml_compiler.testing.reference import evaluate, random_params

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.qml"))
ALL_MODELS = [(p, name) for p in EXAMPLES for name in load_file(str(p))]

# ---- an independent dense simulator of the front end's gate lists (textbook matrices) ---------

I2 = np.eye(2)
X = np.array([[0, 1], [1, 0]], dtype=complex)
Y = np.array([[0, -1j], [1j, 0]])
Z = np.diag([1, -1]).astype(complex)


def rot(P, t):
    return math.cos(t / 2) * I2 - 1j * math.sin(t / 2) * P


def u3(t, p, l):
    return np.array([[math.cos(t / 2), -np.exp(1j * l) * math.sin(t / 2)],
                     [np.exp(1j * p) * math.sin(t / 2), np.exp(1j * (p + l)) * math.cos(t / 2)]])


ONE = {"h": lambda: np.array([[1, 1], [1, -1]]) / math.sqrt(2), "x": lambda: X, "y": lambda: Y,
       "z": lambda: Z, "s": lambda: np.diag([1, 1j]), "sdg": lambda: np.diag([1, -1j]),
       "t": lambda: np.diag([1, np.exp(1j * math.pi / 4)]), "tdg": lambda: np.diag([1, np.exp(-1j * math.pi / 4)]),
       "sx": lambda: np.array([[1 + 1j, 1 - 1j], [1 - 1j, 1 + 1j]]) / 2,
       "sxdg": lambda: np.array([[1 - 1j, 1 + 1j], [1 + 1j, 1 - 1j]]) / 2,
       "rx": lambda t: rot(X, t), "ry": lambda t: rot(Y, t), "rz": lambda t: rot(Z, t),
       "p": lambda t: np.diag([1, np.exp(1j * t)]), "u3": u3}
CONTROLLED = {"cx": "x", "cy": "y", "cz": "z", "ch": "h", "crx": "rx", "cry": "ry", "crz": "rz",
              "cp": "p", "cu3": "u3"}


def full(n, qubits, m):
    """The 2^n matrix of gate `m` on `qubits` (qubit 0 most significant)."""
    k = len(qubits)
    dim = 2 ** n
    out = np.zeros((dim, dim), dtype=complex)
    for col in range(dim):
        bits = [(col >> (n - 1 - q)) & 1 for q in range(n)]
        sub = int("".join(str(bits[q]) for q in qubits), 2)
        for r in range(2 ** k):
            amp = m[r, sub]
            if amp == 0:
                continue
            nb = list(bits)
            for j, q in enumerate(qubits):
                nb[q] = (r >> (k - 1 - j)) & 1
            out[int("".join(map(str, nb)), 2), col] += amp
    return out


def gate_matrix(name, angles):
    if name in ONE:
        return ONE[name](*angles)
    if name in CONTROLLED:
        u = ONE[CONTROLLED[name]](*angles)
        m = np.eye(4, dtype=complex)
        m[2:, 2:] = u
        return m
    if name in ("rxx", "ryy", "rzz"):
        P = {"rxx": X, "ryy": Y, "rzz": Z}[name]
        PP = np.kron(P, P)
        return math.cos(angles[0] / 2) * np.eye(4) - 1j * math.sin(angles[0] / 2) * PP
    if name == "swap":
        return np.eye(4)[[0, 2, 1, 3]]
    if name == "ccx":
        m = np.eye(8, dtype=complex)
        m[6:, 6:] = X
        return m
    if name == "cswap":
        return np.eye(8)[[0, 1, 2, 3, 4, 6, 5, 7]]
    raise KeyError(name)


def dense_state(spec, params, inputs):
    n = spec.n_qubits
    psi = np.zeros(2 ** n, dtype=complex)
    psi[0] = 1
    for op in spec.ops:
        angles = [eval_angle(a, params, inputs) for a in op.angles]
        psi = full(n, op.qubits, gate_matrix(op.name, angles)) @ psi
    return psi


def same_up_to_phase(a, b, tol=1e-9):
    k = np.argmax(np.abs(b))
    if abs(b[k]) < 1e-12:
        return np.allclose(a, b, atol=tol)
    phase = a[k] / b[k]
    return abs(abs(phase) - 1) < tol and np.allclose(a, phase * b, atol=tol)


@pytest.mark.parametrize("path, name", [m for m in ALL_MODELS], ids=lambda x: str(getattr(x, "name", x)))
def test_lowered_circuits_match_an_independent_simulation(path, name):
    spec = load_file(str(path))[name]
    g = lower(spec)
    rng = np.random.default_rng(5)
    for node, b in [(n, d["op"]) for n, d in g.nodes(data=True) if isinstance(d["op"], QuantumBlock)]:
        bspec = next(s for s in spec.blocks if s.name == b.name)
        if bspec.n_qubits > 8:
            continue
        params = {p.name: rng.uniform(0, 2 * math.pi, p.size) for p in bspec.params}
        inputs = {n: rng.uniform(-1, 1, w) for n, w in bspec.inputs}
        expected = dense_state(bspec, params, inputs)
        c = b.circuit.copy()
        import sympy
        c.symbol_substitution({sympy.Symbol(s.symbol): float(params[s.name][s.index] if s.kind == "param"
                                                             else inputs[s.name][s.index]) for s in b.symbols})
        assert same_up_to_phase(np.asarray(c.get_statevector()), expected)


@pytest.mark.parametrize("path, name", ALL_MODELS, ids=lambda x: str(getattr(x, "name", x)))
def test_every_example_lowers_verifies_and_round_trips_through_json(path, name):
    g = lower(load_file(str(path))[name])
    verify(g)
    text = to_json(g)
    g2 = from_json(text)
    assert graphs_equal(g, g2)
    assert to_json(g2) == text
    assert to_text(g2) == to_text(g)


def test_lowering_keeps_widths_on_edges_and_ports_in_order():
    g = lower(load_file(str(ROOT / "examples" / "parallel.qml"))["two_branches"])
    h = next(n for n in g if g.nodes[n]["op"].kind == "concat")
    ins = sorted(g.in_edges(h, data=True), key=lambda e: e[2]["port"])
    assert [(d["port"], d["width"]) for _, _, d in ins] == [(0, 3), (1, 3)]
    assert stats(g) == {"nodes": 11, "blocks": 2, "qubits": 6, "gates": 46, "two_qubit_gates": 16, "params": 54}


def test_text_dump_golden():
    g = lower(load_file(str(ROOT / "examples" / "moons.qml"))["moons"])
    assert to_text(g).splitlines() == [
        f"model moons ({ROOT / 'examples' / 'moons.qml'})",
        "  x = input [2]",
        "  %1 = quantum circuit 4q 40 gates (12 2q) depth 19 24 params -> <Z0>, <Z1>, <Z2>, <Z3> (x)",
        "  %2 = dense head 4->2 (%1)",
        "  y = softmax [2] (%2)",
        "  out.y = output y [2] (y)",
    ]


def test_dot_dump_names_every_node_and_edge():
    g = lower(load_file(str(ROOT / "examples" / "moons.qml"))["moons"])
    dot = to_dot(g)
    assert dot.startswith('digraph "moons" {') and dot.rstrip().endswith("}")
    for n in g.nodes:
        assert f'"{n}" [label=' in dot
    assert sum(line.count('" -> "') for line in dot.splitlines()) == g.number_of_edges()
    assert '"%1" -> "%2" [label="4"];' in dot


def broken(mutate):
    g = lower(load_file(str(ROOT / "examples" / "moons.qml"))["moons"])
    mutate(g)
    return g


@pytest.mark.parametrize("mutate, phrase", [
    (lambda g: g.add_edge("y", "%1", width=2, port=1), "cycle"),
    (lambda g: g.edges["%1", "%2"].update(width=3), "says width 3"),
    (lambda g: g.nodes["%2"].update(op=Dense("head", 5, 2, True, g.nodes["%2"]["op"].init)), "takes width 5"),
    (lambda g: g.nodes["y"].update(op=Scale(2.0, 3)), "has width 3"),
    (lambda g: g.nodes["%1"]["op"].circuit.Rz(__import__("sympy").Symbol("ghost"), 0), "bound to no parameter"),
    (lambda g: g.nodes["%1"].update(op=g.nodes["%1"]["op"].with_(readouts=(
        __import__("qml_compiler.frontend.model", fromlist=["Probs"]).Probs((7,)),))), "reads out qubit 7"),
    (lambda g: g.remove_edge("x", "%1"), "declares 1 data input(s) but has 0"),
    (lambda g: (g.add_node("s", op=Slice(1, 9)), g.add_edge("x", "s", width=2, port=0)), "out of range"),
])
def test_verifier_catches_broken_invariants(mutate, phrase):
    g = broken(mutate)
    with pytest.raises(IRVerificationError) as info:
        verify(g, after="my-pass")
    assert phrase in info.value.message and "after pass `my-pass`" in info.value.message


@pytest.mark.parametrize("text, phrase", [
    ("not json", "not valid JSON"),
    ('{"format": "other"}', "not a qml_compiler IR file"),
    ('{"format": "qml-ir", "version": 99}', "version 99"),
    ('{"format": "qml-ir", "version": 1, "model": "m", "file": "f", "nodes": [{"id": "x"}], "edges": []}',
     "damaged"),
])
def test_loading_bad_ir_files_is_a_clear_error(text, phrase):
    from qml_compiler.diagnostics import QmlError
    with pytest.raises(QmlError) as info:
        from_json(text, "ir.json")
    assert phrase in info.value.message


def test_a_state_passing_model_lowers_and_evaluates():
    g = lower(load_file(str(ROOT / "examples" / "encoder_ansatz.qml"))["encoder_ansatz"])
    verify(g)
    params = random_params(g, 0)
    out = evaluate(g, {"x": np.random.default_rng(0).normal(size=(2, 4))}, params)["y"]
    assert out.shape == (2, 2) and np.allclose(out.sum(axis=1), 1)


def test_shared_block_called_twice_shares_its_parameters():
    src = """model m { input x[2]; output y[2];
      quantum b(v[1]) on q[1] { param t; ry(v[0] + t) q[0]; readout expval(Z0); }
      forward { a, c = split(x, 1, 1); y = concat(b(a), b(c)); } }"""
    g = lower(load_source(src)["m"])
    assert stats(g)["params"] == 1
    p = {"b.t": np.array([0.3])}
    x = np.array([[0.1, 0.7]])
    assert np.allclose(evaluate(g, {"x": x}, p)["y"], np.cos(x + 0.3))


def test_reference_evaluator_matches_analytic_values():
    src = """model m { input x[1]; output y[3];
      quantum b(v[1]) on q[2] { ry(v[0]) q[0]; cx q[0], q[1]; readout expval(Z0 * Z1), expval(Z1), probs(q[1]); }
      forward { h = b(x); y = h[0:3]; } }"""
    # That slice is 3 of 4 outputs: <Z0Z1>, <Z1>, P(q1 = 0).
    g = lower(load_source(src)["m"])
    th = 0.8
    y = evaluate(g, {"x": np.array([[th]])}, {})["y"][0]
    assert np.allclose(y, [1.0, math.cos(th), math.cos(th / 2) ** 2])


@pytest.mark.parametrize("angle,name", [("floor(t[0] * x[0])", "`floor`"), ("ceil(t[0])", "`ceil`"),
                                        ("t[0] % 2", "`%`")])
def test_step_functions_of_symbols_are_refused_at_the_gate_not_a_crash(angle, name):
    # pytket aborts the whole process on such symbolic angles; we must stop first, with a location.
    from qml_compiler.diagnostics import TypeMismatch
    from qml_compiler.frontend import load_source
    from qml_compiler.ir import lower

    src = ("model m { input x[1]; output y[1]; quantum c(x[1]) on q[1] { param t[1]; "
           f"ry({angle}) q[0]; readout expval(Z[0]); }} forward {{ y = c(x); }} }}")
    with pytest.raises(TypeMismatch, match=name) as e:
        lower(load_source(src)["m"])
    assert e.value.span is not None and e.value.span.line == 1
    lower(load_source(src.replace("t[0]", "2.5").replace("x[0]", "1.5"))["m"])  # constants fold fine
