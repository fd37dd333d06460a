"""The target catalogue and device files: shapes and gate sets as documented, and every mistake
in a device file named with its field."""

import json

import networkx as nx
import pytest

from qml_compiler.diagnostics import TargetError
from qml_compiler.quantum import compile_circuit
from qml_compiler.quantum.targets import get_target, require_connected


def test_catalogue_shapes():
    assert get_target("line-5").edges == ((0, 1), (1, 2), (2, 3), (3, 4))
    assert len(get_target("ring-5").edges) == 5
    g = get_target("grid-3x4").graph()
    assert g.number_of_nodes() == 12 and g.number_of_edges() == 3 * 3 + 2 * 4
    assert get_target("grid-2x2-cz").gates == ("cz", "rz", "sx", "x")
    assert get_target("ions-11").all_to_all and get_target("ions-11").gates == ("zzphase", "phasedx", "rz")
    assert get_target("ideal").gates is None


@pytest.mark.parametrize("name,n,edges,longest_cycle_free", [("heavy-hex-27", 27, 28, 12), ("heavy-hex-127", 127, 142, 12)])
def test_heavy_hex_maps_are_ibms(name, n, edges, longest_cycle_free):
    t = get_target(name)
    g = t.graph()
    assert (g.number_of_nodes(), g.number_of_edges()) == (n, edges)
    assert nx.is_connected(g) and nx.is_bipartite(g)
    assert max(d for _, d in g.degree()) == 3
    assert min(len(c) for c in nx.minimum_cycle_basis(g)) == longest_cycle_free  # heavy-hex cells
    assert t.gates == ("cx", "rz", "sx", "x") and t.errors.gate_2q == pytest.approx(1e-2)


def test_unknown_target_suggests_a_name():
    with pytest.raises(TargetError, match="unknown target `heavy-hex27`") as e:
        get_target("heavy-hex27")
    assert "heavy-hex-27" in e.value.hint


def write(tmp_path, data):
    p = tmp_path / "dev.json"
    p.write_text(json.dumps(data) if not isinstance(data, str) else data)
    return str(p)


def test_device_file_with_error_rates(tmp_path):
    path = write(tmp_path, {"name": "toy", "qubits": 3, "edges": [[0, 1], [1, 2]], "gates": ["cz", "rz", "sx"],
                            "errors": {"gate_1q": 1e-3, "gate_2q": 2e-2, "readout": 0.05,
                                       "gate_2q_by_edge": [[2, 1, 0.1]], "readout_by_qubit": {"0": 0.01}}})
    t = get_target(path)
    assert t.name == "toy" and t.edges == ((0, 1), (1, 2))
    assert t.errors.q2(1, 2) == 0.1 and t.errors.q2(0, 1) == 0.02 and t.errors.meas(0) == 0.01
    assert t.errors.meas(2) == 0.05


@pytest.mark.parametrize("data,message", [
    ({"qubits": 3, "edges": [[0, 1]], "gates": ["cx", "rzz2"]}, "unknown gate `rzz2`"),
    ({"qubits": 3, "edges": [[0, 5]], "gates": ["cx", "rz"]}, r"edge 0 \[0, 5\] names qubit 5, but the device has qubits 0..2"),
    ({"qubits": 3, "edges": [[1, 1]]}, "joins a qubit to itself"),
    ({"qubits": 0}, "`qubits` must be a positive integer"),
    ({"qubits": 2, "gates": ["rz"]}, "no two-qubit gate"),
    ({"qubits": 2, "edges": [[0, 1]], "coupling": []}, "unknown field `coupling`"),
    ({"qubits": 2, "edges": [[0, 1]], "errors": {"gate_2q": 3}}, "must be a probability"),
    ({"qubits": 3, "edges": [[0, 1]], "errors": {"gate_2q_by_edge": [[1, 2, 0.1]]}}, "not an edge of the device"),
    ("{\"qubits\": 3,", "not valid JSON"),
])
def test_device_file_mistakes_are_named(tmp_path, data, message):
    with pytest.raises(TargetError, match=message):
        get_target(write(tmp_path, data))


def test_disconnected_device_is_refused_where_routing_needs_it(tmp_path):
    t = get_target(write(tmp_path, {"qubits": 4, "edges": [[0, 1], [2, 3]], "gates": ["cx", "rz", "sx", "x"]}))
    with pytest.raises(TargetError, match="not connected: 2 separate parts"):
        require_connected(t)
    from pytket import Circuit
    with pytest.raises(TargetError, match="not connected"):
        compile_circuit(Circuit(2).CX(0, 1), t)


def test_missing_device_file(tmp_path):
    with pytest.raises(TargetError, match="no such target file"):
        get_target(str(tmp_path / "nope.json"))
