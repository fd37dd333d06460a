"""Exports against independent readers: OpenQASM 2 read back by pytket and by Qiskit has the
unitary of the bound circuit (up to global phase); the Qiskit circuit, parameters assigned, has
pytket's unitary (global phase included); pytket JSON keeps the symbols."""

import json
import math
import sys
from pathlib import Path

import numpy as np
import pytest
import sympy
from gate_samples import ALL_GATES, LABELS, PI, SHAPES, TH, X0, circuits
from hypothesis import HealthCheck, given, settings
from pytket import Circuit, OpType
from pytket.circuit import CircBox
from pytket.qasm import circuit_from_qasm_str

from qml_compiler.diagnostics import QmlError
from qml_compiler.quantum.draw import MissingExtra, symbol_labels
from qml_compiler.quantum.export import (
    UnboundSymbols,
    bind,
    block_bindings,
    from_pytket_json,
    to_pytket_json,
    to_qasm,
    to_qiskit,
)

ROOT = Path(__file__).resolve().parents[2]
VALUES = {"enc__in__x__0": 0.37, "c__theta__5": -1.21}

try:
    import qiskit
    from qiskit.quantum_info import Operator
except ImportError:  # the `qiskit` extra is not installed
    qiskit = None
needs_qiskit = pytest.mark.skipif(qiskit is None, reason="extra `qiskit` not installed")


def same_up_to_phase(a: np.ndarray, b: np.ndarray) -> bool:
    k = np.unravel_index(np.argmax(np.abs(b)), b.shape)
    if abs(a[k]) < 1e-9:
        return False
    return np.allclose(a, (a[k] / b[k]) * b, atol=1e-8) and math.isclose(abs(a[k] / b[k]), 1, abs_tol=1e-8)


def qiskit_unitary(qc) -> np.ndarray:
    """Qiskit orders qubits little-endian, pytket big-endian: reverse to compare."""
    return Operator(qc).reverse_qargs().data


def one_gate(t: OpType) -> Circuit:
    n_params, arity = SHAPES[t]
    params = ([X0 / PI, 0.25 + TH / PI, 0.7][:n_params])
    return Circuit(3).H(0).H(1).add_gate(t, params, list(range(arity))[::-1])


# ---- OpenQASM 2 ----------------------------------------------------------------------------------

@pytest.mark.parametrize("t", ALL_GATES, ids=lambda t: t.name)
def test_qasm_of_every_gate_reads_back_to_the_same_unitary(t):
    c = one_gate(t)
    qasm = to_qasm(c, VALUES)
    assert qasm.startswith("OPENQASM 2.0;\ninclude \"qelib1.inc\";")
    expected = bind(c, VALUES).get_unitary()
    assert same_up_to_phase(circuit_from_qasm_str(qasm).get_unitary(), expected)
    if qiskit is not None:
        assert same_up_to_phase(qiskit_unitary(qiskit.QuantumCircuit.from_qasm_str(qasm)), expected)


def test_native_gates_outside_qelib1_are_rebased_and_others_keep_their_names():
    c = (Circuit(2).add_gate(OpType.PhasedX, [0.5, TH / PI], [0]).add_gate(OpType.ZZPhase, [X0 / PI], [0, 1])
         .add_gate(OpType.TK1, [0.1, 0.2, 0.3], [1]))
    qasm = to_qasm(c, VALUES)
    body = [line.split("(")[0].split(" ")[0] for line in qasm.splitlines()[3:] if line]
    assert body == ["qreg", "u3", "rzz", "u3"]  # PhasedX and TK1 as u3; ZZPhase as rzz


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(circuits(max_qubits=4, max_gates=12))
def test_qasm_of_random_circuits_reads_back_to_the_same_unitary(c):
    expected = bind(c, VALUES).get_unitary()
    qasm = to_qasm(c, VALUES)
    assert same_up_to_phase(circuit_from_qasm_str(qasm).get_unitary(), expected)
    if qiskit is not None:
        assert same_up_to_phase(qiskit_unitary(qiskit.QuantumCircuit.from_qasm_str(qasm)), expected)


def test_qasm_keeps_angles_to_full_precision():
    c = Circuit(1).Rz(X0 / PI, 0)
    qasm = to_qasm(c, {"enc__in__x__0": 1 / 3})
    angle = qasm.splitlines()[-1].split("(")[1].split(")")[0]
    assert math.isclose(eval(angle.replace("pi", "math.pi")), 1 / 3, rel_tol=1e-15)


def test_boxes_are_unpacked_and_measurements_kept():
    c = Circuit(2, 2)
    c.add_circbox(CircBox(Circuit(2, name="pair").Ry(TH / PI, 0).CX(0, 1)), [0, 1])
    c.Measure(0, 0).Measure(1, 1)
    qasm = to_qasm(c, VALUES)
    assert "creg c[2];" in qasm and "measure q[0] -> c[0];" in qasm
    back = circuit_from_qasm_str(qasm)
    assert [cmd.op.type for cmd in back.get_commands()] == [OpType.Ry, OpType.CX, OpType.Measure, OpType.Measure]


def test_an_unbound_symbol_is_an_error_that_lists_every_missing_one():
    c = Circuit(2).Rz(X0 / PI, 0).Ry(TH / PI + X0, 1)
    with pytest.raises(UnboundSymbols) as e:
        to_qasm(c, {"unrelated": 1.0})
    assert isinstance(e.value, QmlError)
    assert "c__theta__5, enc__in__x__0" in e.value.message and e.value.hint
    to_qasm(c, {**VALUES, "unrelated": 1.0})  # names the circuit does not use are fine


def test_bind_leaves_the_circuit_it_was_given_alone():
    c = Circuit(1).Rz(X0 / PI, 0)
    bound = bind(c, VALUES)
    assert not bound.free_symbols() and c.free_symbols() == {X0}


# ---- pytket JSON ---------------------------------------------------------------------------------

@settings(max_examples=20, deadline=None)
@given(circuits(max_qubits=4, max_gates=12))
def test_pytket_json_round_trips_with_its_symbols(c):
    data = json.loads(json.dumps(to_pytket_json(c)))
    back = from_pytket_json(data)
    assert back == c and back.free_symbols() == c.free_symbols()
    assert Circuit.from_dict(data) == c


# ---- Qiskit --------------------------------------------------------------------------------------

def assign(qc, values_by_name: dict):
    return qc.assign_parameters({p: values_by_name[p.name] for p in qc.parameters})


@needs_qiskit
@pytest.mark.parametrize("t", ALL_GATES, ids=lambda t: t.name)
def test_qiskit_circuit_of_every_gate_has_pytkets_unitary_global_phase_included(t):
    c = one_gate(t)
    qc = to_qiskit(c, LABELS)
    assert {p.name for p in qc.parameters} <= {"x[0]", "theta[1,1]"}
    by_label = {LABELS[k]: v for k, v in VALUES.items()}
    assert np.allclose(qiskit_unitary(assign(qc, by_label)), bind(c, VALUES).get_unitary(), atol=1e-9)


@needs_qiskit
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(circuits(max_qubits=4, max_gates=12))
def test_qiskit_circuit_of_random_circuits_has_pytkets_unitary(c):
    c.add_phase(0.3 + X0 / PI)
    qc = to_qiskit(c)  # no labels: parameters named by the symbols
    assert np.allclose(qiskit_unitary(assign(qc, VALUES)), bind(c, VALUES).get_unitary(), atol=1e-9)


@needs_qiskit
def test_qiskit_parameters_are_named_by_labels_and_kept_distinct():
    c = Circuit(2).Ry(X0 / PI, 0).Rz(TH / PI, 1).Rx(sympy.Symbol("other") / PI, 0)
    qc = to_qiskit(c, {"enc__in__x__0": "w", "c__theta__5": "w"})
    assert sorted(p.name for p in qc.parameters) == ["other", "w", "w_2"]


@needs_qiskit
def test_qiskit_angles_keep_functions_of_parameters():
    c = Circuit(1).Rz(sympy.sin(X0) / PI + TH ** 2 / PI, 0)
    qc = to_qiskit(c, LABELS)
    bound = assign(qc, {"x[0]": 0.4, "theta[1,1]": 0.9})
    assert math.isclose(float(bound.data[0].operation.params[0]), math.sin(0.4) + 0.81)


@needs_qiskit
def test_qiskit_refuses_functions_it_cannot_express():
    with pytest.raises(QmlError, match="atan2"):
        to_qiskit(Circuit(1).Rz(sympy.atan2(X0, 2), 0))


def test_qiskit_missing_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "qiskit", None)
    with pytest.raises(MissingExtra) as e:
        to_qiskit(Circuit(1))
    assert e.value.hint == "pip install 'qml-compiler[qiskit]'"


# ---- a real block --------------------------------------------------------------------------------

def test_a_compiled_block_exports_with_its_initial_parameters_and_a_sample():
    import qml_compiler as qc
    from qml_compiler.ir.graph import blocks

    cm = qc.compile(str(ROOT / "examples" / "moons.qml"), engine="numpy")
    [(_, block)] = blocks(cm.ir)
    params = cm.init_params(seed=0)
    values = block_bindings(block, params, {"x": [0.3, -0.8]})
    assert values["circuit__theta__5"] == params["circuit.theta"][1, 1]
    assert values["circuit__in__x__1"] == -0.8
    expected = bind(block.circuit, values).get_unitary()
    assert same_up_to_phase(circuit_from_qasm_str(to_qasm(block.circuit, values)).get_unitary(), expected)
    with pytest.raises(UnboundSymbols, match="circuit__in__x__0"):
        to_qasm(block.circuit, block_bindings(block, params))  # no data: the inputs are unbound
    if qiskit is not None:
        labels = symbol_labels(block)
        circ = to_qiskit(block.circuit, labels)
        by_label = {labels[k]: v for k, v in values.items()}
        assert np.allclose(qiskit_unitary(assign(circ, by_label)), expected, atol=1e-9)
