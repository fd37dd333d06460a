"""Compiling blocks for targets: the compiled circuit computes the logical one (checked by
statevector with every symbol bound to random numbers, up to the recorded permutation), keeps to
the target's gates and couplers, and is never recompiled for new parameter values."""

import glob
import json
import os

import numpy as np
import pytest
import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pytket import Circuit, OpType
from pytket.passes import CustomPass, RemoveRedundancies

import qml_compiler as qc
from qml_compiler.diagnostics import TargetError, VerificationError
from qml_compiler.frontend import load_file
from qml_compiler.ir import lower
from qml_compiler.ir.nodes import QuantumBlock
from qml_compiler.quantum import compile_circuit, get_target
from qml_compiler.quantum.compile import _MEMORY
from qml_compiler.quantum.equivalence import check, placed_state, statevector

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))


@pytest.fixture(autouse=True)
def no_disk_cache(monkeypatch):
    monkeypatch.setenv("QMLC_NO_CACHE", "1")


def example_blocks():
    out = []
    for path in sorted(glob.glob(os.path.join(ROOT, "examples", "*.qml"))):
        for name, spec in load_file(path).items():
            g = lower(spec)
            for n in g:
                op = g.nodes[n]["op"]
                if isinstance(op, QuantumBlock) and not (op.state or op.from_state):
                    out.append(pytest.param(op, id=f"{os.path.basename(path)}:{name}:{op.name}"))
    return out


def ring(n, layers=2, seed=0):
    rng = np.random.default_rng(seed)
    c = Circuit(n)
    for _ in range(layers):
        for i in range(n):
            c.Ry(rng.uniform(-1, 1), i)
            c.Rz(sympy.Symbol(f"t{_}_{i}"), i)
        for i in range(n):
            c.CX(i, (i + 1) % n)
    return c


@pytest.mark.parametrize("block", example_blocks())
@pytest.mark.parametrize("target", ["heavy-hex-27", "ions-20", "grid-3x4-cz"])
def test_every_example_block_compiles_to_an_equivalent_native_circuit(block, target):
    cc = compile_circuit(block.circuit, target, name=block.name)
    report = check(cc, trials=2)
    assert report.checked or report.qubits > 16
    assert cc.circuit.free_symbols() <= block.circuit.free_symbols()  # symbols kept: bind late


@pytest.mark.parametrize("level", [0, 1, 2, 3])
def test_every_level_is_exact(level):
    circ = ring(5, layers=2)
    cc = compile_circuit(circ, "line-5", opt_level=level)
    assert check(cc, trials=3).checked


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_random_circuits_stay_equivalent_on_every_kind_of_target(data):
    n = data.draw(st.integers(2, 6))
    target = data.draw(st.sampled_from(["line-6", "ring-6", "grid-2x3", "grid-2x3-cz", "heavy-hex-27", "ions-6"]))
    level = data.draw(st.integers(0, 3))
    c = Circuit(n)
    syms = [sympy.Symbol(f"s{i}") for i in range(3)]
    for _ in range(data.draw(st.integers(1, 25))):
        kind = data.draw(st.sampled_from(["rx", "ry", "rz", "h", "cx", "cz", "zz", "crz", "sym"]))
        a = data.draw(st.integers(0, n - 1))
        b = data.draw(st.integers(0, n - 1).filter(lambda x: x != a))
        angle = data.draw(st.floats(-2, 2, allow_nan=False))
        {"rx": lambda: c.Rx(angle, a), "ry": lambda: c.Ry(angle, a), "rz": lambda: c.Rz(angle, a),
         "h": lambda: c.H(a), "cx": lambda: c.CX(a, b), "cz": lambda: c.CZ(a, b),
         "zz": lambda: c.ZZPhase(angle, a, b), "crz": lambda: c.CRz(angle, a, b),
         "sym": lambda: c.Ry(syms[a % 3] * angle + 0.5, a)}[kind]()
    cc = compile_circuit(c, target, opt_level=level)
    assert check(cc, trials=2).checked


def test_chains_need_no_swap_where_the_coupling_graph_has_a_path():
    chain = Circuit(16)
    for layer in range(3):
        for i in range(16):
            chain.Ry(sympy.Symbol(f"a{layer}_{i}"), i)
        for i in range(15):
            chain.CX(i, i + 1)
    for target in ("heavy-hex-27", "heavy-hex-127", "line-20", "grid-4x4"):
        cc = compile_circuit(chain, target)
        assert cc.swaps == 0 and cc.circuit.n_2qb_gates() == 45, target


def test_a_ring_is_laid_on_a_cycle_when_the_device_has_one():
    cc = compile_circuit(ring(8, layers=3), "grid-4x4")
    assert cc.swaps == 0 and cc.circuit.n_2qb_gates() == 24
    assert cc.placement in ("ring", "graph")


def test_placement_search_keeps_the_best_candidate():
    cc = compile_circuit(ring(8, layers=3), "heavy-hex-27")
    assert cc.circuit.n_2qb_gates() == min(c["two_qubit_gates"] for c in cc.candidates)
    assert len(cc.candidates) >= 2


def test_final_map_is_where_each_logical_state_ends():
    # A circuit that only flips logical qubit 2: the compiled state must have a 1 exactly on
    # final_map[2], whatever the routing did.
    c = Circuit(5)
    for i in range(5):
        c.CX(i, (i + 2) % 5)
    c.X(2)
    cc = compile_circuit(c, "line-5")
    physical = sorted(q.index[0] for q in cc.circuit.qubits)
    psi = statevector(cc.circuit)
    want = placed_state(statevector(c), 5, cc.final_map, physical)
    assert abs(abs(np.vdot(want, psi)) - 1) < 1e-9


def test_native_gates_only_and_coupled_pairs_only():
    cc = compile_circuit(ring(6), "heavy-hex-27")
    types = {cmd.op.type for cmd in cc.circuit.get_commands()}
    assert types <= {OpType.CX, OpType.Rz, OpType.SX, OpType.X}
    coupled = get_target("heavy-hex-27").graph()
    for cmd in cc.circuit.get_commands():
        if len(cmd.qubits) == 2:
            assert coupled.has_edge(*(q.index[0] for q in cmd.qubits))
    ions = compile_circuit(ring(6), "ions-6")
    assert {cmd.op.type for cmd in ions.circuit.get_commands()} <= {OpType.ZZPhase, OpType.PhasedX, OpType.Rz}


def test_a_broken_compilation_is_caught_by_the_check():
    cc = compile_circuit(ring(4), "line-4")
    cc.stages["native"].Rz(0.3, cc.stages["native"].qubits[0])
    cc.stages["native"].CX(cc.stages["native"].qubits[0], cc.stages["native"].qubits[1])
    with pytest.raises(VerificationError, match="does not compute the logical one"):
        check(cc)


def test_too_many_qubits_names_the_block_and_both_numbers():
    with pytest.raises(TargetError, match=r"block `big` needs 9 qubits, but target `line-8` has 8"):
        compile_circuit(Circuit(9), "line-8", name="big")


def test_compiled_once_bound_many_times():
    _MEMORY.clear()
    c = ring(6)
    first = compile_circuit(c, "heavy-hex-27")
    again = compile_circuit(c.copy(), "heavy-hex-27")
    assert again is first  # the structural hash found it: no recompilation


def test_the_disk_cache_survives_a_new_process(monkeypatch, tmp_path):
    monkeypatch.delenv("QMLC_NO_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    _MEMORY.clear()
    c = ring(5)
    first = compile_circuit(c, "line-5")
    assert not first.cached
    _MEMORY.clear()
    second = compile_circuit(c, "line-5")
    assert second.cached and second.circuit == first.circuit and second.final_map == first.final_map
    # A damaged entry is recompiled, not trusted.
    for f in (tmp_path / "qml_compiler" / "compiled").iterdir():
        f.write_text("{not json")
    _MEMORY.clear()
    assert not compile_circuit(c, "line-5").cached


def test_user_pytket_passes_run_in_the_pipeline():
    seen = []

    def spy(circ):
        seen.append(circ.n_qubits)
        return circ

    cc = compile_circuit(ring(4), "line-4", user_passes=[CustomPass(spy), ("native", RemoveRedundancies())])
    assert seen == [4]
    assert check(cc).checked
    with pytest.raises(TargetError, match="cannot run at `later`"):
        compile_circuit(ring(4), "line-4", user_passes=[("later", RemoveRedundancies())])


def test_a_model_trains_on_what_the_hardware_would_run():
    # Same forward values and gradients on the routed native circuits as on the logical ones.
    path = os.path.join(ROOT, "examples", "moons.qml")
    logical = qc.compile(path)
    compiled = qc.compile(path, target="heavy-hex-27", verify=True)
    block = next(o for o in (compiled.ir.nodes[n]["op"] for n in compiled.order) if isinstance(o, QuantumBlock))
    assert block.target == "heavy-hex-27" and block.layout
    params = logical.init_params(seed=3)
    x = np.random.default_rng(0).uniform(-1, 1, (7, 2))
    y = np.eye(2)[[0, 1, 1, 0, 1, 0, 0]]
    np.testing.assert_allclose(compiled.forward(x, params)["y"], logical.forward(x, params)["y"], atol=1e-12)
    la, ga = logical.gradient(x, params, loss="cross_entropy", targets=y)
    lb, gb = compiled.gradient(x, params, loss="cross_entropy", targets=y)
    assert abs(la - lb) < 1e-12
    for k in ga:
        np.testing.assert_allclose(gb[k], ga[k], atol=1e-10)
    rep = compiled.report["quantum"]["targets"][0]["blocks"][0]
    assert rep["verification"]["checked"] and rep["stages"]["native"]["two_qubit_gates"] >= 12
    json.dumps(compiled.report["quantum"])  # the report is plain JSON


def test_state_passing_blocks_need_fusion_first():
    path = os.path.join(ROOT, "examples", "encoder_ansatz.qml")
    with pytest.raises(TargetError, match="fuse-blocks"):
        qc.compile(path, opt_level=0, target="line-8")
    qc.compile(path, opt_level=1, target="line-8")


@pytest.mark.parametrize("level", [2, 3])
def test_optimisation_never_blows_up_a_symbolic_block(level):
    # FullPeepholeOptimise turned the 12-gate re-uploading block (angles w * x + b) into 2,084
    # gates; symbolic circuits must not go through it.
    g = lower(load_file(os.path.join(ROOT, "examples", "reupload.qml"))["circle_classifier"])
    block = next(o for o in (g.nodes[n]["op"] for n in g) if isinstance(o, QuantumBlock))
    for target in ("heavy-hex-27", "ideal"):
        cc = compile_circuit(block.circuit, target, opt_level=level)
        assert cc.stages["optimised"].n_gates <= 2 * block.circuit.n_gates
        assert cc.circuit.n_gates <= 6 * block.circuit.n_gates
        assert check(cc).checked
