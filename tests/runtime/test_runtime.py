"""The runtime computes what the model means (against the independent reference evaluator) and its
gradients are right (against finite differences), on every example model."""

import math
from pathlib import Path

import numpy as np
import pytest
import sympy
from pytket import Circuit, OpType
from pytket.circuit import Op

import qml_compiler as qc
from qml_compiler.diagnostics import LimitError, QmlError, ShapeError, UnknownName
from qml_compiler.frontend import load_file
from qml_compiler.runtime.program import Program
from qml_compiler.testing.reference import evaluate

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.qml"))
ALL = [(p, name) for p in EXAMPLES for name in load_file(str(p))]
IDS = [f"{p.stem}:{n}" for p, n in ALL]


def flat(params):
    return {k: np.asarray(v).reshape(-1) if v.ndim != 2 or not k.endswith("weight") else v
            for k, v in params.items()}


def inputs_for(cm, batch, seed):
    rng = np.random.default_rng(seed)
    return {name: rng.uniform(-1.2, 1.2, (batch, w)) for name, w in cm.inputs.items()}


def has_samples(cm):
    return any(type(r).__name__ == "Samples" for n in cm.runners for r in cm.ir.nodes[n]["op"].readouts)


# ---- plans against pytket's own matrices -------------------------------------------------------

@pytest.mark.parametrize("optype, params", [
    (OpType.Rx, [0.3]), (OpType.Ry, [-1.1]), (OpType.Rz, [0.7]), (OpType.U1, [0.4]),
    (OpType.U2, [0.2, -0.6]), (OpType.U3, [0.3, 0.5, 0.7]), (OpType.TK1, [0.3, 0.5, 0.7]),
    (OpType.PhasedX, [0.3, 0.5]), (OpType.H, []), (OpType.SX, []), (OpType.T, []),
    (OpType.CRx, [0.3]), (OpType.CRy, [0.8]), (OpType.CRz, [-0.4]), (OpType.CU1, [0.9]),
    (OpType.XXPhase, [0.3]), (OpType.YYPhase, [0.6]), (OpType.ZZPhase, [-0.2]),
    (OpType.CX, []), (OpType.CZ, []), (OpType.SWAP, []), (OpType.CH, []), (OpType.ZZMax, []),
    (OpType.CCX, []), (OpType.CU3, [0.2, 0.4, 0.6]), (OpType.CSWAP, []),
])
@pytest.mark.parametrize("symbolic", [False, True])
def test_every_gate_runs_as_pytket_defines_it(optype, params, symbolic):
    """A random state through the plan equals pytket's unitary on it (up to global phase)."""
    n = 3 if optype in (OpType.CCX, OpType.CSWAP) else 2 if Op.create(optype, params).n_qubits == 2 else 1
    # Symbols carry radians (as the lowering writes them); pytket's angles are half-turns.
    syms = [sympy.Symbol(f"b__t__{i}") for i in range(len(params))]
    c = Circuit(n)
    c.add_gate(optype, [s / sympy.pi for s in syms] if symbolic else params, list(range(n)))
    prog = Program.build(c, {str(s): i for i, s in enumerate(syms)} if symbolic else {}, {})
    theta = np.array(params, dtype=float) * math.pi
    c_num = Circuit(n)
    c_num.add_gate(optype, params, list(range(n)))
    U = np.asarray(c_num.get_unitary())
    rng = np.random.default_rng(0)
    psi = rng.normal(size=(2 ** n, 3)) + 1j * rng.normal(size=(2 ** n, 3))
    from qml_compiler.runtime import kernels_numpy
    mats1, mats2, _ = prog.matrices(theta, np.zeros((3, 0)))
    out = psi.copy()
    kernels_numpy.forward(out, prog.code, mats1, mats2)
    expected = U @ psi
    k = np.unravel_index(np.argmax(np.abs(expected)), expected.shape)
    phase = out[k] / expected[k]
    assert abs(abs(phase) - 1) < 1e-10
    np.testing.assert_allclose(out, phase * expected, atol=1e-10)


# ---- forward against the reference evaluator -----------------------------------------------------

@pytest.mark.parametrize("path, name", ALL, ids=IDS)
@pytest.mark.parametrize("level", [0, 2])
def test_forward_matches_the_reference_evaluator(path, name, level):
    cm = qc.compile(str(path), model=name, opt_level=level, engine="numpy")
    if has_samples(cm):
        pytest.skip("sampled readouts are compared in distribution elsewhere")
    params = cm.init_params(seed=3)
    x = inputs_for(cm, 3, 1)
    got = cm.forward(x, params)
    ref = evaluate(cm.ir, x, flat(params))
    for k in got:
        np.testing.assert_allclose(got[k], ref[k], atol=1e-10)


def test_light_cone_pruned_model_gives_the_same_outputs_as_the_full_one():
    full = qc.compile(str(ROOT / "examples" / "reference.qml"), model="r2_8q", opt_level=0, engine="numpy")
    pruned = qc.compile(str(ROOT / "examples" / "reference.qml"), model="r2_8q", opt_level=2, engine="numpy")
    params = full.init_params(seed=1)
    x = inputs_for(full, 4, 2)
    np.testing.assert_allclose(full.forward(x, params)["y"], pruned.forward(x, params)["y"], atol=1e-12)
    _, g_full = full.gradient(x, params, loss="mse", targets=np.ones((4, 1)))
    _, g_pruned = pruned.gradient(x, params, loss="mse", targets=np.ones((4, 1)))
    for k in g_full:
        np.testing.assert_allclose(g_full[k], g_pruned[k], atol=1e-12)


# ---- gradients against finite differences --------------------------------------------------------

def numeric_gradient(cm, x, params, loss, targets, key, idx, eps=1e-6):
    up = {k: v.copy() for k, v in params.items()}
    dn = {k: v.copy() for k, v in params.items()}
    up[key].flat[idx] += eps
    dn[key].flat[idx] -= eps
    return (cm.gradient(x, up, loss=loss, targets=targets)[0]
            - cm.gradient(x, dn, loss=loss, targets=targets)[0]) / (2 * eps)


@pytest.mark.parametrize("path, name", ALL, ids=IDS)
def test_gradients_match_finite_differences(path, name):
    cm = qc.compile(str(path), model=name, opt_level=0, engine="numpy")
    if has_samples(cm):
        pytest.skip("sampled readouts have no exact gradient")
    params = cm.init_params(seed=5)
    x = inputs_for(cm, 3, 4)
    out = next(iter(cm.outputs))
    if len(cm.outputs) > 1:
        pytest.skip("one loss per output; covered by the single-output models")
    targets = np.random.default_rng(0).uniform(-1, 1, (3, cm.outputs[out]))
    loss, grads = cm.gradient(x, params, loss="mse", targets=targets)
    rng = np.random.default_rng(1)
    for key, g in grads.items():
        for idx in rng.choice(g.size, size=min(3, g.size), replace=False):
            fd = numeric_gradient(cm, x, params, "mse", targets, key, idx)
            assert abs(g.flat[idx] - fd) < 1e-6 + 1e-5 * abs(fd), (key, idx, g.flat[idx], fd)


def test_state_passing_blocks_differentiate_through_the_handed_over_state():
    cm = qc.compile(str(ROOT / "examples" / "encoder_ansatz.qml"), opt_level=0, engine="numpy")
    assert any(cm.ir.nodes[n]["op"].from_state for n in cm.runners)  # not fused at -O0
    params = cm.init_params(seed=2)
    x = inputs_for(cm, 2, 3)
    loss, grads = cm.gradient(x, params, loss="cross_entropy", targets=np.array([0, 1]))
    for key in ("classify.w", "head.weight"):
        fd = numeric_gradient(cm, x, params, "cross_entropy", np.array([0, 1]), key, 1)
        assert abs(grads[key].flat[1] - fd) < 1e-6


def test_cross_entropy_on_the_moons_model_matches_a_hand_computation():
    cm = qc.compile(str(ROOT / "examples" / "moons.qml"), engine="numpy")
    params = cm.init_params(seed=0)
    x = inputs_for(cm, 4, 0)
    labels = np.array([0, 1, 1, 0])
    p = cm.forward(x, params)["y"]
    loss, _ = cm.gradient(x, params, loss="cross_entropy", targets=labels)
    assert loss == pytest.approx(-np.mean(np.log(p[np.arange(4), labels])))


# ---- behaviour a user relies on ------------------------------------------------------------------

def test_results_are_deterministic_bit_for_bit():
    cm = qc.compile(str(ROOT / "examples" / "iris.qml"), engine="numpy")
    params = cm.init_params(seed=7)
    x = inputs_for(cm, 5, 7)
    a = cm.gradient(x, params, loss="cross_entropy", targets=np.array([0, 1, 2, 0, 1]))
    b = cm.gradient(x, params, loss="cross_entropy", targets=np.array([0, 1, 2, 0, 1]))
    assert a[0] == b[0] and all(np.array_equal(a[1][k], b[1][k]) for k in a[1])


def test_init_params_follow_the_declared_initialisers():
    cm = qc.compile(str(ROOT / "examples" / "parallel.qml"), engine="numpy")
    p = cm.init_params(seed=0)
    assert p["left.theta"].shape == (2, 3, 2) and p["mix.weight"].shape == (4, 6)
    assert np.all((p["left.theta"] >= 0) & (p["left.theta"] < 2 * math.pi))
    assert np.all(p["head.weight"] == 0.1)  # constant(0.1)
    assert np.array_equal(cm.init_params(seed=0)["right.theta"], p["right.theta"])


@pytest.mark.parametrize("bad, cls, phrase", [
    ({"x": np.zeros((3, 3))}, ShapeError, "shape (batch, 2)"),
    ({"x": np.full((3, 2), np.nan)}, ShapeError, "NaN"),
    ({"z": np.zeros((3, 2))}, UnknownName, "input `x` is missing"),
])
def test_bad_inputs_are_clear_errors(bad, cls, phrase):
    cm = qc.compile(str(ROOT / "examples" / "moons.qml"), engine="numpy")
    with pytest.raises(cls) as info:
        cm.forward(bad, cm.init_params())
    assert phrase in info.value.message


def test_wrong_parameters_are_clear_errors():
    cm = qc.compile(str(ROOT / "examples" / "moons.qml"), engine="numpy")
    p = cm.init_params()
    with pytest.raises(UnknownName):
        cm.forward(np.zeros((2, 2)), {k: v for k, v in p.items() if k != "head.bias"})
    p["circuit.theta"] = np.zeros(5)
    with pytest.raises(ShapeError) as info:
        cm.forward(np.zeros((2, 2)), p)
    assert "[3, 4]" in info.value.message


def test_a_batch_that_would_not_fit_is_refused_with_what_to_change():
    cm = qc.compile(str(ROOT / "examples" / "reference.qml"), model="r3l_12q_last", engine="numpy",
                    memory_limit=1 << 20)
    with pytest.raises(LimitError) as info:
        cm.forward(np.zeros((64, 12)), cm.init_params())
    e = info.value
    assert "GiB" in e.message and "batch of 64" in e.message and "batch of at most" in e.hint


def test_compile_errors_are_qml_errors():
    with pytest.raises(QmlError):
        qc.compile("no/such/file.qml")
    with pytest.raises(QmlError):
        qc.compile(str(ROOT / "examples" / "moons.qml"), engine="gpu")
    with pytest.raises(QmlError):
        qc.compile("model m { input x[1]; }")


@pytest.mark.parametrize("path, name", ALL, ids=IDS)
def test_numba_engine_agrees_with_the_numpy_engine(path, name):
    """The compiled path (kernels and fused-run loops) gives the pure-NumPy path's numbers."""
    a = qc.compile(str(path), model=name, engine="numpy")
    b = qc.compile(str(path), model=name, engine="numba")
    if has_samples(a) or len(a.outputs) > 1:
        pytest.skip("exact single-output models only")
    params = a.init_params(seed=9)
    x = inputs_for(a, 5, 9)
    out = next(iter(a.outputs))
    t = np.random.default_rng(2).uniform(-1, 1, (5, a.outputs[out]))
    la, ga = a.gradient(x, params, loss="mse", targets=t)
    lb, gb = b.gradient(x, params, loss="mse", targets=t)
    assert b.engine_used == "numba"
    assert abs(la - lb) < 1e-12
    for k in ga:
        np.testing.assert_allclose(ga[k], gb[k], atol=1e-12)


@pytest.mark.parametrize("engine", ["numpy", "numba"])
def test_single_precision_on_request(engine):
    double = qc.compile(str(ROOT / "examples" / "iris.qml"), engine=engine)
    single = qc.compile(str(ROOT / "examples" / "iris.qml"), engine=engine, precision="single")
    params = double.init_params(seed=4)
    x = inputs_for(double, 6, 4)
    t = np.array([0, 1, 2, 0, 1, 2])
    ld, gd = double.gradient(x, params, loss="cross_entropy", targets=t)
    ls, gs = single.gradient(x, params, loss="cross_entropy", targets=t)
    assert abs(ld - ls) < 1e-5
    for k in gd:
        np.testing.assert_allclose(gs[k], gd[k], atol=1e-5)
    runner = next(iter(single.runners.values()))
    assert runner.dtype == np.complex64
    with pytest.raises(QmlError):
        qc.compile(str(ROOT / "examples" / "iris.qml"), precision="half")
