"""Per-qubit error rates of a device file reach the physical qubits a compiled block runs on."""

import json

import numpy as np

import qml_compiler as qc
from qml_compiler.ir.nodes import QuantumBlock
from qml_compiler.noise import NoiseModel, noisy_expectations
from qml_compiler.quantum.export import block_bindings


def test_readout_error_of_a_physical_qubit_hits_the_logical_qubit_placed_there(tmp_path, monkeypatch):
    monkeypatch.setenv("QMLC_NO_CACHE", "1")
    device = tmp_path / "dev.json"
    device.write_text(json.dumps({"qubits": 5, "edges": [[0, 1], [1, 2], [2, 3], [3, 4]],
                                  "gates": ["cx", "rz", "sx", "x"],
                                  "errors": {"readout_by_qubit": {"4": 0.25}}}))
    src = ("model m { input x[1]; output y[2]; quantum c(x[1]) on q[2] { ry(x[0]) q[0]; cx q[0], q[1]; "
           "readout expval(Z[0]), expval(Z[1]); } forward { y = c(x); } }")
    cm = qc.compile(src, target=str(device), placement="line")
    block = next(o for o in (cm.ir.nodes[n]["op"] for n in cm.order) if isinstance(o, QuantumBlock))
    where = {logical: end for logical, _, end in block.layout}
    values = noisy_expectations(block, block_bindings(block, cm.init_params(0), {"x": [0.0]}),
                                noise=NoiseModel.from_target(qc.quantum.get_target(str(device))))
    # |00>: <Z> = 1 exactly, except where the qubit is read on physical 4 (flips with p = 0.25).
    want = [1 - 2 * 0.25 if where[q] == 4 else 1.0 for q in (0, 1)]
    np.testing.assert_allclose(values[0], want, atol=1e-12)
    assert 4 in where.values()
