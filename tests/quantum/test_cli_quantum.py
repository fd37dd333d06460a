"""`qmlc targets`, `qmlc compile --target` and `qmlc inspect --circuit` as a person uses them."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def qmlc(*args, cwd=ROOT, tmp=None):
    e = dict(os.environ, PYTHONPATH=str(ROOT), QMLC_NO_CACHE="1")
    e.pop("QMLC_DEBUG", None)
    r = subprocess.run([sys.executable, "-m", "qml_compiler.cli", *args], cwd=cwd, env=e,
                       capture_output=True, text=True, timeout=120)
    assert "Traceback" not in r.stderr + r.stdout
    return r


def test_targets_lists_the_catalogue():
    r = qmlc("targets")
    assert r.returncode == 0
    for name in ("line-N", "ring-N", "grid-RxC-cz", "heavy-hex-27", "heavy-hex-127", "ions-N", "ideal"):
        assert name in r.stdout
    r = qmlc("targets", "heavy-hex-27", "--format", "json")
    assert json.loads(r.stdout)["qubits"] == 27


def test_compile_for_several_targets_compares_them(tmp_path):
    r = qmlc("compile", "examples/moons.qml", "--target", "heavy-hex-27,ions-8,line-4", "--verify",
             "-o", str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert "comparison (all blocks):" in r.stdout and r.stdout.count("verified: same statevector") == 3
    rep = json.loads((tmp_path / "report.json").read_text())
    assert [t["target"]["name"] for t in rep["targets"]] == ["heavy-hex-27", "ions-8", "line-4"]
    block = rep["targets"][0]["blocks"][0]
    assert set(block["stages"]) == {"logical", "optimised", "routed", "native"}
    assert set(block["stages"]["native"]["gate_counts"]) <= {"CX", "Rz", "SX", "X"}
    assert 0 < block["success_probability"] < 1


def test_compile_report_json_and_emit(tmp_path):
    r = qmlc("compile", "examples/moons.qml", "--target", "line-4", "--report", "json", "--emit", "json",
             "-o", str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["version"] == 1
    from pytket import Circuit
    circ = Circuit.from_dict(json.loads((tmp_path / "circuit.line-4.json").read_text()))
    assert circ.free_symbols()  # symbols kept
    r = qmlc("compile", "examples/moons.qml", "--target", "line-4", "--emit", "qasm", "-o", str(tmp_path))
    assert r.returncode == 1 and "--sample x=" in r.stderr
    r = qmlc("compile", "examples/moons.qml", "--target", "line-4", "--emit", "qasm", "--sample", "x=0.1,0.2",
             "-o", str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "circuit.line-4.qasm").read_text().startswith("OPENQASM 2.0;")


@pytest.mark.parametrize("args,message,code", [
    (["--target", "heavy-hex-28"], "unknown target `heavy-hex-28`", 1),
    (["--target", "line-3"], "block `circuit` needs 4 qubits, but target `line-3` has 3", 1),
    (["--verify"], "--verify needs --target", 2),
    (["--target", "no/such/device.json"], "no such target file", 1),
])
def test_compile_target_mistakes(args, message, code):
    r = qmlc("compile", "examples/moons.qml", *args)
    assert r.returncode == code and message in r.stderr


def test_inspect_draws_a_block_at_a_stage():
    r = qmlc("inspect", "examples/moons.qml", "--circuit", "circuit")
    assert r.returncode == 0 and "logical" in r.stdout and "theta[0,0]" in r.stdout
    r = qmlc("inspect", "examples/moons.qml", "--circuit", "circuit", "--target", "heavy-hex-27", "--stage", "routed")
    assert r.returncode == 0 and "node[" in r.stdout
    r = qmlc("inspect", "examples/moons.qml", "--circuit", "circut")
    assert r.returncode == 1 and "did you mean `circuit`" in r.stderr
    r = qmlc("inspect", "examples/moons.qml", "--circuit", "circuit", "--stage", "native")
    assert r.returncode == 1 and "needs --target" in r.stderr


def test_emit_qasm_binds_a_training_checkpoint(tmp_path):
    # The OpenQASM of a trained block carries the trained values: read back by pytket and bound
    # to the same values, the native circuit has the same unitary.
    import numpy as np
    from pytket.qasm import circuit_from_qasm_str

    from qml_compiler.train import checkpoint as ckpt
    from qml_compiler.train import train

    model = str(ROOT / "examples" / "moons.qml")
    train(model, out=str(tmp_path / "run"), overrides={"epochs": 1}, quiet=True)
    c = str(tmp_path / "run" / "checkpoint.npz")
    r = qmlc("compile", "examples/moons.qml", "--target", "line-4", "--emit", "qasm", "--sample", "x=0.3,-0.2",
             "--checkpoint", c, "-o", str(tmp_path / "out"))
    assert r.returncode == 0, r.stderr
    qasm = (tmp_path / "out" / "circuit.line-4.qasm").read_text()
    r0 = qmlc("compile", "examples/moons.qml", "--target", "line-4", "--emit", "qasm", "--sample", "x=0.3,-0.2",
              "-o", str(tmp_path / "init"))
    assert r0.returncode == 0 and (tmp_path / "init" / "circuit.line-4.qasm").read_text() != qasm
    import qml_compiler as qc
    from qml_compiler.quantum.export import block_bindings
    from qml_compiler.ir.nodes import QuantumBlock
    meta, arrays = ckpt.load(c)
    cm = qc.compile(model, target="line-4")
    params = {k: arrays["final/" + k] if "final/" + k in arrays else arrays["param/" + k] for k in cm.param_specs}
    block = next(o for o in (cm.ir.nodes[n]["op"] for n in cm.order) if isinstance(o, QuantumBlock))
    from qml_compiler.quantum.export import bind
    bound = bind(block.circuit, block_bindings(block, params, {"x": [0.3, -0.2]}))
    u1 = circuit_from_qasm_str(qasm).get_unitary()
    u2 = bound.get_unitary()
    overlap = abs(np.trace(u1.conj().T @ u2)) / u1.shape[0]
    assert overlap == pytest.approx(1.0, abs=1e-9)
