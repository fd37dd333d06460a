"""The simulator against a second, independent reference: Qiskit's `Statevector`, on every block
of every example, logical and compiled for a routed target. Circuits reach Qiskit through our
export (`quantum.export.to_qiskit`, itself checked against pytket's unitaries); readouts are
computed by Qiskit (`SparsePauliOp` expectations, `Statevector.probabilities`)."""

import glob
import os

import numpy as np
import pytest

qiskit_qi = pytest.importorskip("qiskit.quantum_info", reason="Qiskit is the [qiskit] extra")

from qml_compiler.frontend import load_file  # noqa: E402
from qml_compiler.frontend.model import Expval, Probs  # noqa: E402
from qml_compiler.ir import lower  # noqa: E402
from qml_compiler.ir.nodes import QuantumBlock  # noqa: E402
from qml_compiler.quantum.blocks import compile_graph  # noqa: E402
from qml_compiler.quantum.export import bind, to_qiskit  # noqa: E402
from qml_compiler.runtime.executor import BlockRunner  # noqa: E402
from qml_compiler.testing.reference import random_params  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))


def blocks(target=None):
    out = []
    for path in sorted(glob.glob(os.path.join(ROOT, "examples", "*.qml"))):
        for name, spec in load_file(path).items():
            g = lower(spec)
            if target is not None:
                try:
                    g = compile_graph(g, target)[0]
                except Exception:  # state-passing blocks need fusion first: covered elsewhere
                    continue
            for n in g:
                op = g.nodes[n]["op"]
                if isinstance(op, QuantumBlock) and not (op.state or op.from_state) and op.n_qubits <= 12 and all(
                        isinstance(r, (Expval, Probs)) for r in op.readouts):
                    out.append(pytest.param(g, op, id=f"{os.path.basename(path)}:{name}:{op.name}"))
    return out


def qiskit_readouts(block, values) -> np.ndarray:
    sv = qiskit_qi.Statevector(to_qiskit(bind(block.circuit, values)))
    n = block.n_qubits
    out = []
    for r in block.readouts:
        if isinstance(r, Expval):
            terms = []
            for t in r.terms:
                label = ["I"] * n
                for q, letter in t.ops:
                    label[n - 1 - q] = letter  # Qiskit's qubit 0 is the rightmost letter
                terms.append(("".join(label), t.coeff))
            out.append(sv.expectation_value(qiskit_qi.SparsePauliOp.from_list(terms)).real)
        else:  # our first listed qubit is the most significant bit; Qiskit's first is the least
            out.extend(sv.probabilities(qargs=list(reversed(r.qubits))))
    return np.array(out)


def check(g, block, seed):
    params = random_params(g, seed)
    rng = np.random.default_rng(seed)
    ports = sorted({s.port for s in block.symbols if s.kind == "input"})
    widths = dict(block.inputs)
    args = []
    for p in range(max(ports, default=-1) + 1):
        name = next((s.name for s in block.symbols if s.kind == "input" and s.port == p), None)
        args.append(rng.uniform(-1.5, 1.5, (3, widths[name])) if name else np.zeros((3, 0)))
    ours = BlockRunner(block).forward(params, args, 3)[0]
    for i in range(3):
        values = {}
        for s in block.symbols:
            flat = np.asarray(params[f"{s.block}.{s.name}"]).ravel() if s.kind == "param" else args[s.port][i]
            values[s.symbol] = float(flat[s.index])
        np.testing.assert_allclose(ours[i], qiskit_readouts(block, values), atol=1e-10)


@pytest.mark.parametrize("g,block", blocks())
def test_logical_blocks_agree_with_qiskit(g, block):
    check(g, block, seed=1)


@pytest.mark.parametrize("g,block", blocks("heavy-hex-27"))
def test_compiled_blocks_agree_with_qiskit(g, block):
    check(g, block, seed=2)
