"""Folding keeps the unitary and scales the noisy gate count; extrapolation is exact where its
model is; readout mitigation undoes readout error; ZNE moves noisy values toward exact ones."""

import numpy as np
import pytest
import sympy
from pytket import Circuit, OpType
from pytket.utils import compare_unitaries

from qml_compiler.diagnostics import ConfigError
from qml_compiler.noise import (
    ZNE,
    NoiseModel,
    ReadoutMitigation,
    Simulator,
    extrapolate,
    fold_global,
    fold_local,
    noise_scale,
    noisy_expectations,
)
from qml_compiler.noise.zne import count_noisy, exponential


def _bound(c, **values):
    c = c.copy()
    c.symbol_substitution({sympy.Symbol(k): v for k, v in values.items()})
    return c


@pytest.mark.parametrize("scale", [1, 3, 5, 2.0, 2.5, 4.2])
@pytest.mark.parametrize("method", ["global", "local"])
def test_folding_keeps_the_unitary_and_scales_the_gate_count(native_circuit, scale, method):
    folded = fold_global(native_circuit, scale) if method == "global" else fold_local(native_circuit, scale, seed=2)
    n = count_noisy(native_circuit)
    assert abs(count_noisy(folded) - scale * n) <= 1
    if float(scale).is_integer() and scale % 2 == 1:
        assert noise_scale(native_circuit, folded) == scale
        assert folded.n_gates_of_type(OpType.CX) == scale * native_circuit.n_gates_of_type(OpType.CX)
    a, b = 0.41, -0.73
    assert compare_unitaries(_bound(native_circuit, a=a, b=b).get_unitary(), _bound(folded, a=a, b=b).get_unitary())
    # native gates stay native (SX^dagger is written with Rz and SX)
    assert {cmd.op.type for cmd in folded.get_commands()} <= {OpType.CX, OpType.Rz, OpType.SX, OpType.X, OpType.Barrier}
    assert native_circuit.n_gates == 15  # the input is not changed


def test_local_folding_is_seeded(native_circuit):
    assert fold_local(native_circuit, 2.0, seed=4) == fold_local(native_circuit, 2.0, seed=4)
    assert fold_local(native_circuit, 2.0, seed=4) != fold_local(native_circuit, 2.0, seed=5)


def test_extrapolations_are_exact_on_their_models():
    s = np.array([1.0, 2.0, 3.0, 5.0])
    poly = np.stack([2 - 0.3 * x + 0.05 * x ** 2 - 0.01 * x ** 3 for x in s])
    assert extrapolate("richardson", s, poly) == pytest.approx(2.0)
    lin = np.stack([np.array([1.0, -0.5]) + x * np.array([-0.2, 0.1]) for x in s])
    assert extrapolate("linear", s, lin) == pytest.approx([1.0, -0.5])
    ex = np.stack([np.array([0.9, -0.6]) * np.exp(-0.3 * x) for x in s])
    assert extrapolate("exponential", s, ex) == pytest.approx([0.9, -0.6])
    ex_offset = 0.2 + 0.7 * np.exp(-0.4 * s)
    assert exponential(s, ex_offset, asymptote=None) == pytest.approx(0.9, abs=1e-6)
    with pytest.raises(ConfigError, match="unknown extrapolation"):
        extrapolate("cubic", s, poly)


@pytest.mark.parametrize("method", ["tensored", "full"])
def test_readout_mitigation_undoes_readout_error(method):
    c = Circuit(3).H(0).CX(0, 1).Ry(0.3, 2)
    readouts = ["Z0", "Z1 Z2", "X0 X1", "Z0 Z1 Z2"]
    exact = noisy_expectations(c, {}, readouts)
    nm = "readout01=0.03,readout10=0.08"
    noisy = noisy_expectations(c, {}, readouts, noise=nm)
    assert np.abs(noisy - exact).max() > 0.05
    mitigated, info = noisy_expectations(c, {}, readouts, noise=nm, readout_mitigation=method, info=True)
    assert mitigated == pytest.approx(exact, abs=1e-10)
    # two settings (Z on 0, 1, 2 and X on 0, 1): full calibrates 2**3 + 2**2 states, tensored 2 + 2
    assert info["cost"]["circuits"] == 2 + (8 + 4 if method == "full" else 2 + 2)


def test_readout_mitigation_with_shots_is_within_statistical_error():
    c = Circuit(2).X(0)
    mit = ReadoutMitigation("tensored", shots=50000)
    got = noisy_expectations(c, {}, ["Z0", "Z1"], noise="readout=0.05", shots=50000, readout_mitigation=mit, seed=2)
    assert got[0] == pytest.approx([-1, 1], abs=0.02)


def test_zne_recovers_most_of_the_depolarising_bias(native_circuit, batch_bindings):
    nm = NoiseModel(depol1=0.002, depol2=0.03)
    readouts = ["Z0", "Z1 Z2", "X0 Y1"]
    exact = noisy_expectations(native_circuit, batch_bindings, readouts)
    noisy = noisy_expectations(native_circuit, batch_bindings, readouts, noise=nm)
    base = np.abs(noisy - exact).mean()
    for zne in (ZNE((1, 3, 5), "global", "richardson"), ZNE((1, 2, 3), "local", "linear", seed=1),
                ZNE((1, 3, 5), "global", "exponential")):
        got, info = noisy_expectations(native_circuit, batch_bindings, readouts, noise=nm, zne=zne, info=True)
        assert np.abs(got - exact).mean() < 0.35 * base, zne
        assert info["cost"]["circuits"] == 3 * 4 * 2  # scales x samples x settings
    assert len(info["scales"]) == 3


def test_fold_pass_folds_every_block():
    import qml_compiler as qc
    from qml_compiler.ir.nodes import QuantumBlock
    from qml_compiler.noise import FoldPass
    from qml_compiler.passes.base import PassContext

    cm = qc.compile("examples/moons.qml")
    ctx = PassContext()
    g = FoldPass(scale=3).run(cm.ir, ctx)
    blocks = [(n, d["op"]) for n, d in g.nodes(data=True) if isinstance(d["op"], QuantumBlock)]
    assert blocks and all(ctx.facts["zne-scale"][b.name] == 3 for _, b in blocks)
    assert all(g.nodes[n]["op"].circuit.n_gates > cm.ir.nodes[n]["op"].circuit.n_gates for n, _ in blocks)


def test_executor_counts_runs():
    sim = Simulator(NoiseModel(depol1=0.01))
    sim.run(Circuit(2).H(0), {}, [((0, "Z"),), ((1, "X"),)], batch=1)
    assert sim.cost.circuits == 2 and sim.cost.gates == 2
