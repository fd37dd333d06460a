"""Gradients from forward runs only (parameter shift, SPSA, finite differences) and sampled
readouts: parameter shift equals adjoint differentiation exactly, finite differences agree with
it, SPSA is unbiased, and shot estimates converge at the 1/sqrt(shots) rate."""

import math
import shutil
from pathlib import Path

import numpy as np
import pytest
import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pytket import Circuit, OpType

import qml_compiler as qc
from qml_compiler.diagnostics import ConfigError
from qml_compiler.frontend import load_file
from qml_compiler.frontend.model import Expval, PauliString, Probs, Samples
from qml_compiler.runtime import kernels_numpy, shift, shots
from qml_compiler.runtime.program import Param2, Program
from qml_compiler.runtime.readouts import Readouts
from qml_compiler.testing.reference import apply_pauli

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.qml"))
ALL = [(p, name) for p in EXAMPLES for name in load_file(str(p))]
IDS = [f"{p.stem}:{n}" for p, n in ALL]
MAX_QUBITS = 8


def compile_(path, name=None, level=2):
    return qc.compile(str(path), model=name, opt_level=level, engine="numpy")


def has_samples(cm):
    return any(isinstance(r, Samples) for n in cm.runners for r in cm.ir.nodes[n]["op"].readouts)


def too_big(cm):
    return any(cm.ir.nodes[n]["op"].n_qubits > MAX_QUBITS for n in cm.runners)


def random_params(cm, seed):
    """Random values for every parameter (not the initialisers: zeros and constants hide bugs)."""
    rng = np.random.default_rng(seed)
    return {k: rng.uniform(-math.pi, math.pi, shape) if not k.endswith(("weight", "bias"))
            else rng.uniform(-0.8, 0.8, shape) for k, (shape, _) in cm.param_specs.items()}


def random_inputs(cm, batch, seed):
    rng = np.random.default_rng(seed)
    return {name: rng.uniform(-1.2, 1.2, (batch, w)) for name, w in cm.inputs.items()}


def random_targets(cm, output, batch, seed):
    return np.random.default_rng(seed).uniform(-1, 1, (batch, cm.outputs[output]))


def assert_grads_close(a, b, atol, rtol=0.0):
    assert a.keys() == b.keys()
    for k in a:
        np.testing.assert_allclose(a[k], b[k], atol=atol, rtol=rtol, err_msg=k)


@pytest.fixture(scope="module")
def custom_without_samples(tmp_path_factory):
    """examples/custom_gates.qml with its `samples` readout read exactly (`probs`, the same width),
    so adjoint differentiation applies to it."""
    d = tmp_path_factory.mktemp("custom")
    shutil.copytree(ROOT / "examples" / "lib", d / "lib")
    src = (ROOT / "examples" / "custom_gates.qml").read_text()
    assert "samples(q[1], shots=500)" in src
    (d / "custom.qml").write_text(src.replace("samples(q[1], shots=500)", "probs(q[1])"))
    return d / "custom.qml"


# ---- the shift rules, gate by gate ------------------------------------------------------------

GATES = [OpType.Rx, OpType.Ry, OpType.Rz, OpType.CRx, OpType.CRy, OpType.CRz, OpType.CU1,
         OpType.XXPhase, OpType.YYPhase, OpType.ZZPhase]


def _one_gate(optype):
    a = sympy.Symbol("a")
    c = Circuit(2)
    c.add_gate(optype, [a / sympy.pi], [0] if optype in (OpType.Rx, OpType.Ry, OpType.Rz) else [0, 1])
    return Program.build(c, {"a": 0}, {})


def _expectation(prog, mats1, mats2, psi, H):
    out = psi.copy()
    kernels_numpy.forward(out, prog.code, mats1, mats2)
    return np.real(np.einsum("ib,ij,jb->b", out.conj(), H, out))


@pytest.mark.parametrize("optype", GATES, ids=[g.name for g in GATES])
def test_each_gates_shift_rule_gives_its_exact_derivative(optype):
    """sum_s c_s f(a + s) = df/da for a random observable and random (unnormalised) states."""
    rng = np.random.default_rng(0)
    prog = _one_gate(optype)
    (occ,) = shift.occurrences(prog)
    assert occ.rule == (shift.FOUR_TERM if optype in (OpType.CRx, OpType.CRy, OpType.CRz) else shift.TWO_TERM)
    M = rng.normal(size=(4, 4)) + 1j * rng.normal(size=(4, 4))
    H = M + M.conj().T
    psi = rng.normal(size=(4, 5)) + 1j * rng.normal(size=(4, 5))
    for a in (-2.1, 0.0, 0.4, 2.9):
        theta, X = np.array([a]), np.zeros((5, 0))

        def f(v, X=X):
            m1, m2, _ = prog.matrices(np.array([v]), X)
            return _expectation(prog, m1, m2, psi, H)

        shifts = [s for s, _ in occ.rule]
        m1, m2, _ = prog.matrices(theta, X)
        m1, m2 = shift._tile(m1, len(shifts)), shift._tile(m2, len(shifts))
        mats = m2 if isinstance(occ.op, Param2) else m1
        mats[occ.op.slot] = shift.shifted_matrix(occ, theta, X, shifts)
        vals = _expectation(prog, m1, m2, np.tile(psi, (1, len(shifts))), H).reshape(len(shifts), 5)
        by_shift = sum(c * vals[i] for i, (_, c) in enumerate(occ.rule))
        h = 1e-5
        np.testing.assert_allclose(by_shift, (f(a + h) - f(a - h)) / (2 * h), atol=1e-7)


def test_the_four_term_coefficients_solve_both_frequencies():
    """A controlled rotation's expectation has frequencies 1/2 and 1 in its angle; the rule must
    give the derivative of both (2 c+ sin(w pi/2) - 2 c- sin(3 w pi/2) = w), and the two-term
    rule does not."""
    cp, cm = shift.FOUR_TERM[0][1], -shift.FOUR_TERM[2][1]
    assert cp == pytest.approx((math.sqrt(2) + 1) / (4 * math.sqrt(2)))
    assert cm == pytest.approx((math.sqrt(2) - 1) / (4 * math.sqrt(2)))
    for w in (0.5, 1.0):
        assert 2 * cp * math.sin(w * math.pi / 2) - 2 * cm * math.sin(3 * w * math.pi / 2) == pytest.approx(w)
    # f(a) = cos(a / 2), frequency 1/2: the two-term rule scales its derivative by sin(pi/4) / (1/2)
    f = lambda a: math.cos(a / 2)
    two = sum(c * f(0.7 + s) for s, c in shift.TWO_TERM)
    four = sum(c * f(0.7 + s) for s, c in shift.FOUR_TERM)
    assert four == pytest.approx(-0.5 * math.sin(0.35))
    assert abs(two - four) > 1e-2


# ---- parameter shift equals the adjoint gradient ------------------------------------------------

@pytest.mark.parametrize("path, name", ALL, ids=IDS)
@pytest.mark.parametrize("level", [0, 2])
def test_parameter_shift_equals_adjoint_on_every_example(path, name, level):
    cm = compile_(path, name, level)
    if has_samples(cm):
        pytest.skip("sampled readouts: see the custom_gates test below")
    if too_big(cm):
        pytest.skip(f"more than {MAX_QUBITS} qubits")
    params = random_params(cm, 3)
    x = random_inputs(cm, 3, 1)
    for i, out in enumerate(cm.outputs):
        t = random_targets(cm, out, 3, i)
        la, ga = cm.gradient(x, params, loss="mse", targets=t, output=out)
        ls, gs = shift.parameter_shift_gradient(cm, x, params, "mse", t, output=out)
        assert ls == pytest.approx(la, abs=1e-12)
        assert_grads_close(gs, ga, atol=1e-8)


def test_parameter_shift_differentiates_blocks_that_read_samples(custom_without_samples):
    """custom_gates reads samples, which adjoint differentiation refuses; a loss on its exact
    `probs` output has an exact parameter-shift gradient: the adjoint one of the same model with
    the samples read exactly. It reaches the dense layer before the block (d loss / d pre.weight)."""
    for level in (0, 2):
        orig = compile_(ROOT / "examples" / "custom_gates.qml", level=level)
        exact = compile_(custom_without_samples, level=level)
        params = random_params(exact, 4)
        x = random_inputs(exact, 4, 2)
        t = np.random.default_rng(0).uniform(0, 1, (4, 4))
        la, ga = exact.gradient(x, params, loss="mse", targets=t, output="probs")
        # CompiledModel.gradient itself switches to parameter shift for the sampled block
        lo, go = orig.gradient(x, params, loss="mse", targets=t, output="probs")
        assert lo == pytest.approx(la, abs=1e-12)
        assert_grads_close(go, ga, atol=1e-8)
        ls, gs = shift.parameter_shift_gradient(orig, x, params, "mse", t, output="probs")
        assert ls == pytest.approx(la, abs=1e-12)
        assert_grads_close(gs, ga, atol=1e-8)
        assert np.abs(gs["pre.weight"]).max() > 1e-4
        # the dispatcher picks parameter shift for the sampled block on its own
        _, gd = shift.gradient(orig, x, params, "mse", t, output="probs")
        assert_grads_close(gd, ga, atol=1e-8)


def test_a_state_chain_with_a_dense_layer_in_front_shifts_as_one_circuit():
    src = """
    quantum enc(x[2]) on q[2] {
        ry(x[0]) q[0];
        rx(sin(x[1]) * 2) q[1];
        crz(x[0] * x[1]) q[0], q[1];
    }
    quantum body(b[1]) on q[2] {
        param w[2];
        cry(w[0] + b[0]) q[0], q[1];
        rzz(w[1]) q[0], q[1];
        readout expval(X0 * Z1), probs(q[1]);
    }
    model chain {
        input x[2];
        output y[3];
        layer pre = dense(2, 2);
        forward {
            s = enc(tanh(pre(x)));
            y = body(s, x[1:2]);
        }
    }
    """
    for level in (0, 2):
        cm = qc.compile(src, opt_level=level, engine="numpy")
        if level == 0:
            assert any(cm.ir.nodes[n]["op"].from_state for n in cm.runners)
        params = random_params(cm, 0)
        x = random_inputs(cm, 3, 0)
        t = random_targets(cm, "y", 3, 0)
        _, ga = cm.gradient(x, params, loss="mse", targets=t)
        _, gs = shift.parameter_shift_gradient(cm, x, params, "mse", t)
        assert_grads_close(gs, ga, atol=1e-8)
        assert np.abs(gs["pre.weight"]).max() > 1e-4


ONE_QUBIT = ["rx", "ry", "rz", "p"]
TWO_QUBIT = ["crx", "cry", "crz", "cp", "rxx", "ryy", "rzz"]
ANGLES = ["t[{i}]", "x[{j}]", "sin(x[{j}]) * t[{i}]", "t[{i}] * t[{k}]", "x[{j}] + 0.5 * t[{i}]",
          "cos(t[{i}]) - x[{j}]", "t[{i}] ** 2", "exp(0.3 * x[{j}]) * t[{i}]", "1.3", "2 * t[{i}] - t[{k}]"]


@st.composite
def small_models(draw):
    nq = draw(st.integers(2, 3))
    nt, nx = 3, 2
    angle = lambda: draw(st.sampled_from(ANGLES)).format(
        i=draw(st.integers(0, nt - 1)), k=draw(st.integers(0, nt - 1)), j=draw(st.integers(0, nx - 1)))
    qubit = lambda: draw(st.integers(0, nq - 1))
    lines = []
    for _ in range(draw(st.integers(2, 7))):
        kind = draw(st.sampled_from(["1q", "2q", "2q", "u3", "fixed"]))
        if kind == "1q":
            lines.append(f"{draw(st.sampled_from(ONE_QUBIT))}({angle()}) q[{qubit()}];")
        elif kind == "u3":
            lines.append(f"u3({angle()}, {angle()}, {angle()}) q[{qubit()}];")
        elif kind == "fixed":
            gate = draw(st.sampled_from(["h", "sx", "cx", "cz"]))
            lines.append(f"{gate} q[{qubit()}];" if gate in ("h", "sx") else f"{gate} q[0], q[{nq - 1}];")
        else:
            a, b = draw(st.permutations(range(nq)))[:2]
            lines.append(f"{draw(st.sampled_from(TWO_QUBIT))}({angle()}) q[{a}], q[{b}];")
    observable = ""
    for n in range(draw(st.integers(1, 3))):
        qs = sorted(draw(st.sets(st.integers(0, nq - 1), min_size=1, max_size=2)))
        pauli = "*".join(f"{draw(st.sampled_from('XYZ'))}{q}" for q in qs)
        sign = draw(st.sampled_from(["+", "-"]))
        coeff = draw(st.sampled_from(["", "0.5*", "1.5*"]))
        observable += (f" {sign} " if n else ("-" if sign == "-" else "")) + coeff + pauli
    dense = draw(st.booleans())
    body = "\n        ".join(lines)
    src = f"""
model m {{
    input x[{nx}];
    output y[3];
    {"layer pre = dense(2, 2);" if dense else ""}
    quantum blk(x[{nx}]) on q[{nq}] {{
        param t[{nt}];
        {body}
        readout expval({observable}), probs(q[{qubit()}]);
    }}
    forward {{
        y = blk({"tanh(pre(x))" if dense else "x"});
    }}
}}
"""
    return src, draw(st.sampled_from([0, 2])), draw(st.integers(0, 2 ** 16))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_models())
def test_parameter_shift_equals_adjoint_on_random_small_models(case):
    src, level, seed = case
    cm = qc.compile(src, opt_level=level, engine="numpy")
    params = random_params(cm, seed)
    x = random_inputs(cm, 3, seed)
    t = random_targets(cm, "y", 3, seed)
    la, ga = cm.gradient(x, params, loss="mse", targets=t)
    ls, gs = shift.parameter_shift_gradient(cm, x, params, "mse", t)
    assert ls == pytest.approx(la, abs=1e-12)
    assert_grads_close(gs, ga, atol=1e-8)


def test_the_random_models_do_exercise_every_two_qubit_rule():
    src = """
    model m {
        input x[2];
        output y[1];
        quantum blk(x[2]) on q[2] {
            param t[2];
            crx(t[0]) q[0], q[1]; cry(sin(x[0]) * t[1]) q[1], q[0]; crz(t[0] * t[1]) q[0], q[1];
            cp(t[1] ** 2) q[0], q[1]; rxx(x[1] + t[0]) q[0], q[1]; ryy(t[1]) q[1], q[0];
            rzz(cos(t[0])) q[0], q[1];
            readout expval(X0 * Y1 + Z0);
        }
        forward { y = blk(x); }
    }
    """
    cm = qc.compile(src, opt_level=2, engine="numpy")
    params = random_params(cm, 1)
    x = random_inputs(cm, 4, 1)
    t = random_targets(cm, "y", 4, 1)
    _, ga = cm.gradient(x, params, loss="mse", targets=t)
    _, gs = shift.parameter_shift_gradient(cm, x, params, "mse", t)
    (runner,) = cm.runners.values()
    kinds = {op.kind for op in runner._program.ops if isinstance(op, Param2)}
    assert kinds == {OpType.CRx, OpType.CRy, OpType.CRz, OpType.CU1, OpType.XXPhase, OpType.YYPhase,
                     OpType.ZZPhase}
    assert_grads_close(gs, ga, atol=1e-8)


# ---- finite differences -------------------------------------------------------------------------

@pytest.mark.parametrize("path, name", ALL, ids=IDS)
@pytest.mark.parametrize("level", [0, 2])
def test_finite_differences_agree_with_adjoint_on_every_example(path, name, level, custom_without_samples):
    if has_samples(compile_(path, name)):
        path = custom_without_samples
    cm = compile_(path, name, level)
    if too_big(cm):
        pytest.skip(f"more than {MAX_QUBITS} qubits")
    params = random_params(cm, 5)
    x = random_inputs(cm, 2, 4)
    for i, out in enumerate(cm.outputs):
        t = random_targets(cm, out, 2, i)
        la, ga = cm.gradient(x, params, loss="mse", targets=t, output=out)
        lf, gf = shift.finite_difference_gradient(cm, x, params, "mse", t, output=out)
        assert lf == pytest.approx(la, abs=1e-12)
        assert_grads_close(gf, ga, atol=1e-6)


def test_finite_differences_reach_the_dense_layer_before_a_block(custom_without_samples):
    cm = compile_(custom_without_samples)
    params = random_params(cm, 7)
    x = random_inputs(cm, 4, 7)
    t = np.random.default_rng(7).uniform(-1, 1, (4, 1))
    _, ga = cm.gradient(x, params, loss="mse", targets=t, output="score")
    _, gf = shift.finite_difference_gradient(cm, x, params, "mse", t, output="score")
    assert np.abs(ga["pre.weight"]).max() > 1e-4  # the data gradient of the block is in play
    np.testing.assert_allclose(gf["pre.weight"], ga["pre.weight"], atol=1e-6)


# ---- SPSA ----------------------------------------------------------------------------------------

SMALL = """
model small {
    input x[2];
    output y[1];
    quantum blk(x[2]) on q[2] {
        param t[4];
        ry(x[0] + t[0]) q[0];
        rx(t[1]) q[1];
        crz(t[2]) q[0], q[1];
        ry(sin(x[1]) * t[3]) q[1];
        readout expval(Z0 * X1 + 0.5 * Z1);
    }
    forward { y = blk(x); }
}
"""


def test_spsa_is_unbiased_in_expectation():
    cm = qc.compile(SMALL, engine="numpy")
    params = random_params(cm, 2)
    x = random_inputs(cm, 4, 2)
    t = random_targets(cm, "y", 4, 2)
    _, exact = cm.gradient(x, params, loss="mse", targets=t)
    true = exact["blk.t"]
    n = 600
    draws = np.array([shift.spsa_gradient(cm, x, params, "mse", t, c=1e-3, seed=s)[1]["blk.t"]
                      for s in range(n)])
    mean, se = draws.mean(axis=0), draws.std(axis=0, ddof=1) / math.sqrt(n)
    assert np.all(np.abs(mean - true) <= 5 * se + 1e-5), (mean, true, se)
    assert np.abs(true).max() > 10 * se.max() / 5  # the test can tell a wrong mean
    # a single estimate is the true gradient's projection on Delta, times Delta
    value, g = shift.spsa_gradient(cm, x, params, "mse", t, c=1e-4, seed=0)
    delta = np.sign(g["blk.t"])
    np.testing.assert_allclose(g["blk.t"], (true @ delta) * delta, atol=1e-6)
    assert value == pytest.approx(cm.gradient(x, params, loss="mse", targets=t)[0], abs=1e-6)


def test_spsa_is_deterministic_for_a_seed():
    cm = compile_(ROOT / "examples" / "moons.qml")
    params = random_params(cm, 0)
    x = random_inputs(cm, 5, 0)
    y = np.array([0, 1, 1, 0, 1])
    for shots_ in (None, 100):
        a = shift.spsa_gradient(cm, x, params, "cross_entropy", y, seed=3, shots=shots_)
        b = shift.spsa_gradient(cm, x, params, "cross_entropy", y, seed=3, shots=shots_)
        c = shift.spsa_gradient(cm, x, params, "cross_entropy", y, seed=4, shots=shots_)
        assert a[0] == b[0] and all(np.array_equal(a[1][k], b[1][k]) for k in a[1])
        assert set(a[1]) == set(cm.param_specs)
        assert any(not np.array_equal(a[1][k], c[1][k]) for k in a[1])


# ---- shots -----------------------------------------------------------------------------------------

def _random_states(n, batch, seed):
    rng = np.random.default_rng(seed)
    psi = rng.normal(size=(2 ** n, batch)) + 1j * rng.normal(size=(2 ** n, batch))
    return psi / np.linalg.norm(psi, axis=0)


READOUTS = [
    Expval((PauliString(0.5, ((0, "Z"), (1, "Z"))), PauliString(1.0, ((2, "X"),)),
            PauliString(-0.25, ((0, "Y"), (1, "Y"))), PauliString(0.3, ()))),
    Expval((PauliString(1.0, ((0, "X"), (1, "Y"), (2, "Z"))),)),
    Probs((2, 0)),
    Samples((1,), 400),
]


def test_pauli_expectations_match_the_reference():
    psi = _random_states(3, 4, 0)
    for ops in [((0, "X"),), ((1, "Y"),), ((0, "Y"), (2, "Y")), ((0, "X"), (1, "Y"), (2, "Z")), ((2, "Z"),)]:
        ref = [np.vdot(psi[:, b], apply_pauli(psi[:, b], 3, ops)).real for b in range(4)]
        np.testing.assert_allclose(shots.pauli_expectation(psi, 3, ops), ref, atol=1e-13)


def test_sampled_readouts_converge_as_one_over_sqrt_shots():
    r = Readouts(READOUTS, 3)
    psi = _random_states(3, 8, 1)
    exact = r.evaluate(psi, np.random.default_rng(0))
    width = exact.shape[1]
    exact_cols = slice(0, width - 2)  # the samples readout has its own 400 shots
    np.testing.assert_allclose(shots.sample_readouts(r, psi, None)[:, exact_cols], exact[:, exact_cols],
                               atol=1e-13)
    scaled = []
    for n_shots in (100, 10_000, 1_000_000):
        est = shots.sample_readouts(r, psi, n_shots, np.random.default_rng(n_shots))
        se = shots.standard_errors(r, psi, n_shots)
        err = np.abs(est - exact)[:, exact_cols]
        assert np.all(err <= 5 * se[:, exact_cols] + 1e-12)
        scaled.append(np.sqrt(np.mean(err ** 2)) * math.sqrt(n_shots))
        probs = est[:, 2:6]
        np.testing.assert_allclose(probs.sum(axis=1), 1.0)  # frequencies of one draw
        assert np.allclose(probs * n_shots, np.round(probs * n_shots))
    # error * sqrt(shots) stays of one size: the error falls as 1/sqrt(shots)
    assert max(scaled) / min(scaled) < 3
    samples = shots.sample_readouts(r, psi, 10, np.random.default_rng(0))[:, -2:]
    assert np.allclose(samples * 400, np.round(samples * 400))  # samples keep their own shots


def test_sampled_readouts_are_deterministic_for_a_seed_and_exact_for_eigenstates():
    r = Readouts(READOUTS, 3)
    psi = _random_states(3, 5, 2)
    a = shots.sample_readouts(r, psi, 1000, seed=11)
    assert np.array_equal(a, shots.sample_readouts(r, psi, 1000, seed=11))
    assert np.array_equal(a, shots.sample_readouts(r, psi, 1000, np.random.default_rng(11)))
    assert not np.array_equal(a, shots.sample_readouts(r, psi, 1000, seed=12))
    zero = np.zeros((8, 2), dtype=complex)
    zero[0] = 1  # |000>: <Z0 Z1> = 1 exactly, so every one of its shots says +1
    z = Readouts([Expval((PauliString(0.5, ((0, "Z"), (1, "Z"))),)), Probs((0,))], 3)
    np.testing.assert_array_equal(shots.sample_readouts(z, zero, 7, seed=0), [[0.5, 1, 0], [0.5, 1, 0]])
    with pytest.raises(ValueError):
        shots.sample_readouts(z, zero, 0)


def test_parameter_shift_with_shots_converges_to_the_exact_gradient():
    cm = compile_(ROOT / "examples" / "hamiltonian.qml")
    params = random_params(cm, 1)
    x = random_inputs(cm, 4, 1)
    t = random_targets(cm, "e", 4, 1)
    _, exact = cm.gradient(x, params, loss="mse", targets=t)
    a = shift.parameter_shift_gradient(cm, x, params, "mse", t, shots=200, seed=5)
    b = shift.parameter_shift_gradient(cm, x, params, "mse", t, shots=200, seed=5)
    assert a[0] == b[0] and all(np.array_equal(a[1][k], b[1][k]) for k in a[1])
    errors = []
    for n_shots in (100, 1_000_000):
        _, g = shift.parameter_shift_gradient(cm, x, params, "mse", t, shots=n_shots, seed=0)
        errors.append(np.linalg.norm(g["ansatz.theta"] - exact["ansatz.theta"]))
    scale = np.linalg.norm(exact["ansatz.theta"])
    assert errors[1] < 0.02 * scale and errors[1] < errors[0] / 10
    # the sampled forward is an estimate of the exact one
    out = shift.forward(cm, x, params, shots=1_000_000)["e"]
    np.testing.assert_allclose(out, cm.forward(x, params)["e"], atol=0.02)


def test_the_dispatcher_follows_the_recorded_method_and_refuses_nonsense():
    cm = compile_(ROOT / "examples" / "hamiltonian.qml")  # train: gradient = parameter_shift
    assert {cm.ir.nodes[n]["op"].gradient for n in cm.runners} == {"parameter_shift"}
    params = random_params(cm, 2)
    x = random_inputs(cm, 2, 2)
    t = random_targets(cm, "e", 2, 2)
    _, ga = cm.gradient(x, params, loss="mse", targets=t)
    assert_grads_close(shift.gradient(cm, x, params, "mse", t)[1], ga, atol=1e-8)
    assert_grads_close(shift.gradient(cm, x, params, "mse", t, method="finite_diff")[1], ga, atol=1e-6)
    assert_grads_close(shift.gradient(cm, x, params, "mse", t, method="adjoint")[1], ga, atol=1e-12)
    a = shift.gradient(cm, x, params, "mse", t, method="spsa", seed=1, c=0.05)
    assert a[0] == shift.spsa_gradient(cm, x, params, "mse", t, c=0.05, seed=1)[0]
    sampled = shift.gradient(cm, x, params, "mse", t, shots=50, seed=1)
    assert any(not np.allclose(sampled[1][k], ga[k]) for k in ga)
    moons = compile_(ROOT / "examples" / "moons.qml")  # gradient = adjoint
    p2, x2 = random_params(moons, 0), random_inputs(moons, 3, 0)
    y2 = np.array([0, 1, 1])
    expected = moons.gradient(x2, p2, loss="cross_entropy", targets=y2)
    got = shift.gradient(moons, x2, p2, "cross_entropy", y2)
    assert got[0] == expected[0] and all(np.array_equal(got[1][k], expected[1][k]) for k in got[1])
    with pytest.raises(ConfigError):
        shift.gradient(cm, x, params, "mse", t, method="adjoint", shots=100)
    with pytest.raises(ConfigError):
        shift.gradient(cm, x, params, "mse", t, method="finite_diff", shots=100)
    with pytest.raises(ConfigError):
        shift.gradient(cm, x, params, "mse", t, method="backprop")
    with pytest.raises(ConfigError):
        shift.parameter_shift_gradient(cm, x, params, "mse", t, shots=2.5)
    with pytest.raises(ConfigError):
        shift.spsa_gradient(cm, x, params, "mse", t, c=0)
