"""The light-cone pass: its rules against gate matrices, the reference models' figures, and
exactness against the reference evaluator on every example and on random circuits."""

from __future__ import annotations

import glob
import itertools
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from pytket import Circuit
from pytket import OpType as T

from qml_compiler.frontend import load_file, load_source, select_model
from qml_compiler.frontend.model import GATES, Expval, PauliString, Probs, Samples
from qml_compiler.ir import blocks, lower, to_json, trainable, verify
from qml_compiler.ir.circuits import PYTKET_GATES
from qml_compiler.passes import PassContext, PassError, PassManager, make_pass
from qml_compiler.passes.transform import light_cone as LC
from qml_compiler.passes.transform.light_cone import LightCone
from qml_compiler.testing import reference
from qml_compiler.testing.reference import evaluate, random_params

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
REFERENCE = EXAMPLES / "reference.qml"
MODES = ("heisenberg", "gates")


def model_graph(path, name=None):
    return lower(select_model(load_file(str(path)), name, str(path)))


def source_graph(src):
    return lower(next(iter(load_source(src).values())))


def run(g, mode="heisenberg"):
    ctx = PassContext()
    return LightCone(mode).run(g, ctx), ctx


def random_inputs(g, batch=2, seed=0):
    rng = np.random.default_rng(seed)
    return {o.name: rng.uniform(-math.pi, math.pi, (batch, o.width))
            for _, d in g.nodes(data=True) if (o := d["op"]).kind == "input"}


_pytket_statevector = reference.statevector


def wide_statevector(block, params, xs, start=None):
    """The reference evaluator's statevector, extended past pytket's simulator (at most 11
    qubits) by applying each gate's own unitary to a NumPy state (qubit 0 most significant)."""
    n = block.n_qubits
    if n <= 11:
        return _pytket_statevector(block, params, xs, start)
    c = reference.bind(block, params, xs)
    psi = np.zeros(2 ** n, dtype=complex)
    psi[0] = 1
    psi = (psi if start is None else np.asarray(start, dtype=complex)).reshape((2,) * n)
    index = {q: i for i, q in enumerate(c.qubits)}
    for cmd in c.get_commands():
        qs = [index[q] for q in cmd.qubits]
        m = len(qs)
        u = np.asarray(cmd.op.get_unitary()).reshape((2,) * (2 * m))
        psi = np.moveaxis(np.tensordot(u, psi, axes=(list(range(m, 2 * m)), qs)), list(range(m)), qs)
    return psi.reshape(-1) * np.exp(1j * np.pi * float(c.phase))


_reference_readout = reference.readout


def exact_readout(state, n, r, rng):
    """Samples compared in distribution: their exact outcome probabilities. (Drawing shots
    from probabilities equal up to rounding can give different counts: NumPy's binomial
    sampler branches on p < 0.5.)"""
    if isinstance(r, Samples):
        r = Probs(r.qubits)
    return _reference_readout(state, n, r, rng)


@pytest.fixture(autouse=True)
def _reference(monkeypatch):
    monkeypatch.setattr(reference, "statevector", wide_statevector)
    monkeypatch.setattr(reference, "readout", exact_readout)


def assert_same_outputs(g, h, batch=2, seed=0):
    params = random_params(g, seed)
    xs = random_inputs(g, batch, seed)
    a, b = evaluate(g, xs, params, seed=seed), evaluate(h, xs, params, seed=seed)
    assert a.keys() == b.keys()
    for k in a:
        np.testing.assert_allclose(b[k], a[k], rtol=0, atol=1e-9, err_msg=f"output {k}")


def only_block(g):
    (_, b), = blocks(g)
    return b


# ---- the rules, against the gates' matrices ------------------------------------------------------

PAULI = {0: np.eye(2), LC.X_: np.array([[0, 1], [1, 0]]), LC.Y_: np.array([[0, -1j], [1j, 0]]),
         LC.Z_: np.diag([1.0, -1.0])}


def pauli(letters):
    m = np.eye(1)
    for l in letters:
        m = np.kron(m, PAULI[l])  # qubit 0 most significant, as pytket's unitaries
    return m


def gate_unitary(name, rng):
    n_angles, n_qubits = GATES[name]
    c = Circuit(n_qubits)
    c.add_gate(PYTKET_GATES[name], [float(a) for a in rng.uniform(0.1, 1.9, n_angles)],
               list(range(n_qubits)))
    return c.get_commands()[0].op.type, n_qubits, np.asarray(c.get_unitary())


@pytest.mark.parametrize("name", sorted(GATES))
def test_dropped_gates_commute_and_kept_gates_map_letters_soundly(name):
    rng = np.random.default_rng(1)
    kind, n, u = gate_unitary(name, rng)
    for p in itertools.product(range(4), repeat=n):
        if not any(p):
            continue
        sets = [frozenset({l}) if l else frozenset() for l in p]
        before = u.conj().T @ pauli(p) @ u  # the observable pulled back through the gate
        if LC._commutes(kind, sets):
            np.testing.assert_allclose(before, pauli(p), atol=1e-12, err_msg=f"{name} {p}")
            continue
        allowed = LC._propagate(kind, sets)
        for q in itertools.product(range(4), repeat=n):
            coeff = np.trace(pauli(q).conj().T @ before) / 2 ** n
            if abs(coeff) > 1e-9:
                assert all(l == 0 or l in s for l, s in zip(q, allowed)), (name, p, q, allowed)


def test_the_commutation_table_covers_the_spec():
    z, x, y = {LC.Z_}, {LC.X_}, {LC.Y_}
    assert LC._commutes(T.CX, [frozenset(z), frozenset(x)])
    assert not LC._commutes(T.CX, [frozenset(x), frozenset()])
    assert LC._commutes(T.ZZPhase, [frozenset(z), frozenset(z)])
    assert not LC._commutes(T.H, [frozenset(z)])
    assert LC._commutes(T.H, [frozenset()])  # nothing to commute with
    assert LC._commutes(T.CCX, [frozenset(z), frozenset(z), frozenset(x)])
    assert not LC._commutes(T.U3, [frozenset(y)])
    # Clifford images of single letters: H swaps X and Z, S swaps X and Y.
    assert LC._propagate(T.H, [frozenset(x)]) == [frozenset(z)]
    assert LC._propagate(T.S, [frozenset(x | z)]) == [frozenset(y | z)]
    assert LC._propagate(T.Rz, [frozenset(x)]) == [frozenset(x | y)]
    # X on the control and Z on the target of a CX can become Y on both.
    assert LC._propagate(T.CX, [frozenset(x), frozenset(z)]) == [frozenset(x | y | z)] * 2


# ---- the reference models ------------------------------------------------------------------------

def test_r2_keeps_19_of_64_parameters_on_4_qubits():
    g = model_graph(REFERENCE, "r2_8q")
    h, ctx = run(g)
    b = only_block(h)
    assert trainable(g) == {"circuit": 64}
    assert trainable(h) == {"circuit": 19}
    assert b.n_qubits == 4 and b.qubits == (0, 1, 2, 3)
    assert len(b.dropped) == 45
    assert ctx.facts["light-cone"]["y"]["before"] == {"gates": 124, "qubits": 8, "params": 64}
    assert ctx.facts["light-cone"]["y"]["after"]["params"] == 19
    assert ctx.facts["notes"] == [("light-cone", "block `circuit`: kept 19 of 64 parameters on "
                                   "4 of 8 qubits (35 of 124 gates)")]
    verify(h, after="light-cone")
    assert_same_outputs(g, h)


def test_r2_naive_gate_cone_keeps_28_parameters_on_5_qubits():
    g = model_graph(REFERENCE, "r2_8q")
    h, _ = run(g, "gates")
    assert trainable(h) == {"circuit": 28}
    assert only_block(h).qubits == (0, 1, 2, 3, 4)
    assert_same_outputs(g, h)


def test_r3_keeps_41_of_144_parameters_on_qubits_0_to_5():
    g = model_graph(REFERENCE, "r3_12q")
    h, _ = run(g)
    assert trainable(g) == {"circuit": 144}
    assert trainable(h) == {"circuit": 41}
    assert only_block(h).qubits == (0, 1, 2, 3, 4, 5)
    assert trainable(run(g, "gates")[0]) == {"circuit": 54}


def test_r2l_only_drops_the_last_rz_layer_which_commutes_with_the_readout():
    g = model_graph(REFERENCE, "r2l_8q_last")
    h, ctx = run(g)
    b = only_block(h)
    # <Z7> pulled back through the last CNOT chain is a product of Z's: the last RZ(phi) layer
    # commutes with it; everything else matters.
    assert trainable(h) == {"circuit": 56}
    assert sorted(i for _, p, i in b.dropped if p == "phi") == list(range(24, 32))
    assert b.n_qubits == 8 and b.circuit.n_gates == 116
    assert_same_outputs(g, h)
    naive, ctx2 = run(g, "gates")
    assert naive.nodes["y"]["op"] is g.nodes["y"]["op"]  # nothing to remove: the same block
    assert "notes" not in ctx2.facts


def test_the_input_graph_is_not_changed():
    g = model_graph(REFERENCE, "r2_8q")
    before = to_json(g)
    circuit = g.nodes["y"]["op"].circuit
    n_gates = circuit.n_gates
    for mode in MODES:
        run(g, mode)
    assert to_json(g) == before
    assert g.nodes["y"]["op"].circuit is circuit and circuit.n_gates == n_gates


# ---- every example, before and after --------------------------------------------------------------

EXAMPLE_MODELS = [(Path(f).name, name) for f in sorted(glob.glob(str(EXAMPLES / "*.qml")))
                  for name in load_file(f)]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("file, name", EXAMPLE_MODELS)
def test_examples_compute_the_same_outputs(file, name, mode):
    g = model_graph(EXAMPLES / file, name)
    before = to_json(g)
    h, _ = run(g, mode)
    verify(h, after="light-cone")
    assert to_json(g) == before
    assert_same_outputs(g, h, batch=2, seed=3)


# ---- random circuits --------------------------------------------------------------------------------

GATE_NAMES = sorted(GATES)


@st.composite
def random_models(draw):
    n = draw(st.integers(2, 4))
    n_params = 6
    angle = st.one_of(st.integers(0, n_params - 1).map(lambda k: f"t[{k}]"),
                      st.integers(0, 1).map(lambda j: f"x[{j}]"),
                      st.tuples(st.integers(0, n_params - 1), st.integers(0, 1)).map(
                          lambda kj: f"t[{kj[0]}] * x[{kj[1]}]"),
                      st.sampled_from(["0.3", "-1.1", "pi / 4"]))

    def gates(count):
        lines = []
        for _ in range(count):
            name = draw(st.sampled_from([g for g in GATE_NAMES if GATES[g][1] <= n]))
            k, m = GATES[name]
            qs = draw(st.permutations(range(n)))[:m]
            angles = [draw(angle) for _ in range(k)]
            head = f"{name}({', '.join(angles)})" if angles else name
            lines.append(f"{head} {', '.join(f'q[{q}]' for q in qs)};")
        return "\n        ".join(lines)

    def readout():
        kind = draw(st.sampled_from(["expval", "expval", "probs", "samples"]))
        if kind == "expval":
            terms = []
            for _ in range(draw(st.integers(1, 3))):
                qs = sorted(draw(st.sets(st.integers(0, n - 1), min_size=1, max_size=2)))
                body = "*".join(f"{draw(st.sampled_from('XYZ'))}{q}" for q in qs)
                sign = draw(st.sampled_from([" + ", " - "])) if terms else ""
                terms.append(f"{sign}{draw(st.sampled_from(['', '0.5*', '2*']))}{body}")
            return f"expval({''.join(terms)})", 1
        qs = sorted(draw(st.sets(st.integers(0, n - 1), min_size=1, max_size=2)))
        where = ", ".join(f"q[{q}]" for q in qs)
        return (f"probs({where})" if kind == "probs" else f"samples({where}, shots=50)"), 2 ** len(qs)

    outs = [readout() for _ in range(draw(st.integers(1, 2)))]
    width = sum(w for _, w in outs)
    from_state = draw(st.booleans())
    enc = (f"quantum enc(x[2]) on q[{n}] {{\n        param t[{n_params}];\n"
           f"        {gates(draw(st.integers(1, 4)))}\n    }}\n"
           if from_state else "")
    call = "b(enc(x), x)" if from_state else "b(x)"
    return f"""
model random_model {{
    input x[2];
    output y[{width}];
    {enc}
    quantum b(x[2]) on q[{n}] {{
        param t[{n_params}];
        {gates(draw(st.integers(1, 12)))}
        readout {', '.join(r for r, _ in outs)};
    }}
    forward {{ y = {call}; }}
}}
"""


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(src=random_models(), mode=st.sampled_from(MODES), seed=st.integers(0, 2 ** 16))
def test_random_circuits_compute_the_same_outputs(src, mode, seed):
    g = source_graph(src)
    before = to_json(g)
    h, _ = run(g, mode)
    verify(h, after="light-cone")
    assert to_json(g) == before
    (n, b), = [(n, o) for n, o in blocks(h) if o.readouts]
    if b.from_state:
        assert b.n_qubits == g.nodes[n]["op"].n_qubits
    else:
        assert set(b.qubits) >= {q for r in g.nodes[n]["op"].readouts for q in getattr(r, "qubits", ())}
    before_gates = g.nodes[n]["op"].circuit.n_gates
    event(f"{mode}: {'removed gates' if b.circuit.n_gates < before_gates else 'kept every gate'}")
    assert_same_outputs(g, h, batch=2, seed=seed)


@st.composite
def random_circuits(draw):
    """A pytket circuit of random gates with numeric angles, and Pauli strings to read."""
    n = draw(st.integers(2, 4))
    c = Circuit(n)
    for _ in range(draw(st.integers(1, 16))):
        name = draw(st.sampled_from([g for g in GATE_NAMES if GATES[g][1] <= n]))
        k, m = GATES[name]
        qs = draw(st.permutations(range(n)))[:m]
        c.add_gate(PYTKET_GATES[name], [draw(st.floats(0.05, 1.95)) for _ in range(k)], qs)
    strings = draw(st.lists(st.lists(st.sampled_from([0, 0, LC.X_, LC.Y_, LC.Z_]), min_size=n,
                                     max_size=n), min_size=1, max_size=2))
    probs = sorted(draw(st.sets(st.integers(0, n - 1), max_size=2)))
    return c, strings, probs


@settings(max_examples=300, deadline=None)
@given(case=random_circuits(), mode=st.sampled_from(MODES))
def test_the_kept_gates_pull_back_every_readout_to_the_same_operator(case, mode):
    """Stronger than comparing outputs on one input state: U^dag P U is the same matrix with
    and without the dropped gates, so every input state gives the same readouts."""
    c, strings, probs = case
    n = c.n_qubits
    readouts = (Expval(tuple(PauliString(1.0, tuple((q, "IXZY"[l]) for q, l in enumerate(p) if l))
                             for p in strings)),) + ((Probs(tuple(probs)),) if probs else ())
    # probs of some qubits are the expectations of the Z strings on them
    strings = strings + [[LC.Z_ if q in sub else 0 for q in range(n)]
                         for r in range(1, len(probs) + 1) for sub in itertools.combinations(probs, r)]
    keep = LC.cone(c, readouts, mode)
    kept = Circuit(n)
    for cmd, k in zip(c.get_commands(), keep):
        if k:
            kept.add_gate(cmd.op, list(cmd.qubits))
    u, v = np.asarray(c.get_unitary()), np.asarray(kept.get_unitary())
    for p in strings:
        o = pauli(p)
        np.testing.assert_allclose(v.conj().T @ o @ v, u.conj().T @ o @ u, atol=1e-9)
    event(f"{mode}: kept {'all' if all(keep) else 'some'}")


# ---- qubits --------------------------------------------------------------------------------------

PRODUCT = """
model product {
    input x[4];
    output y[1];
    quantum b(x[4]) on q[4] {
        param t[4];
        for i in range(4) {
            ry(x[i]) q[i];
            rx(t[i]) q[i];
        }
        readout expval(Z2);
    }
    forward { y = b(x); }
}
"""


@pytest.mark.parametrize("mode", MODES)
def test_idle_qubits_are_removed_and_the_mapping_kept(mode):
    g = source_graph(PRODUCT)
    h, _ = run(g, mode)
    b = h.nodes["y"]["op"]
    assert b.n_qubits == 1 and b.qubits == (2,)
    assert b.readouts == (Expval((PauliString(1.0, ((0, "Z"),)),)),)
    assert {i for _, _, i in b.dropped} == {0, 1, 3}
    verify(h, after="light-cone")
    assert_same_outputs(g, h)


def test_a_block_that_starts_from_a_state_keeps_all_its_qubits():
    src = """model m { input x[2]; output y[4];
      quantum enc(x[2]) on q[3] { h q; ry(x[0]) q[0]; cx q[0], q[2]; ry(x[1]) q[1]; }
      quantum ans(z[1]) on q[3] { param t[3]; ry(t[0]) q[0]; rz(t[1] * z[0]) q[1]; rx(t[2]) q[2];
                                  cx q[0], q[1]; readout probs(q[0], q[2]); }
      forward { y = ans(enc(x), x[0:1]); } }"""
    g = source_graph(src)
    h, _ = run(g)
    (n, before), = [(n, b) for n, b in blocks(g) if b.from_state]
    after = h.nodes[n]["op"]
    assert after.n_qubits == 3 and after.qubits == (0, 1, 2)
    assert after.circuit.n_gates == 2  # rz on qubit 1 and the cx cannot reach q0/q2's Z basis
    assert [i for _, _, i in after.dropped] == [1]
    assert after.readouts == (Probs((0, 2)),)
    verify(h, after="light-cone")
    assert_same_outputs(g, h)


def test_readout_qubits_stay_even_without_gates():
    src = """model m { input x[1]; output y[5];
      quantum b(x[1]) on q[3] { param t; ry(t) q[1]; rz(x[0]) q[0];
                               readout expval(Z0), probs(q[1], q[2]); }
      forward { y = b(x); } }"""
    g = source_graph(src)
    h, _ = run(g)
    b = h.nodes["y"]["op"]
    assert b.qubits == (0, 1, 2) and b.circuit.n_gates == 1  # rz before <Z0> goes
    assert_same_outputs(g, h)


# ---- as a pass among passes ------------------------------------------------------------------------

def test_runs_in_a_pipeline_with_verification_and_takes_its_mode_as_an_option():
    g = model_graph(REFERENCE, "r2_8q")
    pm = PassManager.from_pipeline("light-cone{mode=gates}", verify_each=True)
    h = pm.run(g, PassContext())
    assert trainable(h) == {"circuit": 28}
    assert pm.records[0].changes()["params"] == (64, 28)
    assert make_pass("light-cone").mode == "heisenberg"
    assert make_pass("light-cone").spec() == "light-cone"
    assert make_pass("light-cone", {"mode": "gates"}).spec() == "light-cone{mode=gates}"
    with pytest.raises(PassError, match="unknown mode"):
        make_pass("light-cone", {"mode": "schroedinger"})


def test_running_twice_changes_nothing_more():
    g = model_graph(REFERENCE, "r2_8q")
    h, _ = run(g)
    h2, ctx = run(h)
    assert h2.nodes["y"]["op"] is h.nodes["y"]["op"]
    assert "notes" not in ctx.facts
