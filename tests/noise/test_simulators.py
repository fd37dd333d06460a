"""The noisy simulators against independent references: closed forms of the channels, pytket's
own statevector (no noise), Qiskit Aer's density matrix with the same noise (where installed),
and each other (trajectories within their error bars of the density matrix)."""

import numpy as np
import pytest
import sympy
from pytket import Circuit

from qml_compiler.diagnostics import ConfigError
from qml_compiler.noise import NoiseModel, noisy_expectations
from qml_compiler.noise.readout import pauli

P = 0.03


def ev(c, spec, readouts, **kw):
    return noisy_expectations(c, {}, readouts, noise=spec, **kw)[0]


@pytest.mark.parametrize("method", ["density", "trajectories"])
def test_depolarised_z_after_one_gate(method):
    # X then a Pauli error with probability p: X or Y flip back, Z does not -> <Z> = -(1 - 4p/3)
    kw = {"method": method, "trajectories": 20000} if method == "trajectories" else {"method": method}
    got, info = noisy_expectations(Circuit(1).X(0), {}, ["Z0"], noise=f"depol1={P}", info=True, **kw)
    exact = -(1 - 4 * P / 3)
    tol = 5 * info["stderr"][0, 0] if method == "trajectories" else 1e-12
    assert abs(got[0, 0] - exact) <= tol


def test_two_qubit_depolarising_flips_z0_with_8_of_15_paulis():
    got = ev(Circuit(2).CX(0, 1), f"depol2={P}", ["Z0", "Z1", "Z0 Z1"])
    assert got == pytest.approx([1 - 16 * P / 15] * 3, abs=1e-12)


def test_damping_channels():
    g, lam = 0.1, 0.2
    assert ev(Circuit(1).X(0), f"amp={g}", ["Z0"])[0] == pytest.approx(2 * g - 1, abs=1e-12)
    # H's coherence shrinks by sqrt(1 - lam) under phase damping and sqrt(1 - g) under amplitude damping
    assert ev(Circuit(1).H(0), f"phase={lam}", ["X0"])[0] == pytest.approx(np.sqrt(1 - lam), abs=1e-12)
    assert ev(Circuit(1).H(0), f"amp={g}", ["X0", "Z0"]) == pytest.approx([np.sqrt(1 - g), g], abs=1e-12)


def test_readout_error_flips_reported_bits():
    assert ev(Circuit(1), "readout01=0.1,readout10=0.3", ["Z0"])[0] == pytest.approx(0.8)
    assert ev(Circuit(1).X(0), "readout01=0.1,readout10=0.3", ["Z0"])[0] == pytest.approx(-0.4)
    probs = noisy_expectations(Circuit(2).X(0), {}, [pauli("Z0")] + [_probs(0, 1)], noise="readout=0.1")[0]
    assert probs[1:] == pytest.approx([0.09, 0.01, 0.81, 0.09])


def _probs(*qs):
    from qml_compiler.frontend.model import Probs
    return Probs(tuple(qs))


def test_virtual_rz_carries_no_noise():
    c = Circuit(1).H(0)
    for _ in range(10):
        c.Rz(0.2, 0).Rz(-0.2, 0)
    assert ev(c, f"depol1={P},virtual=Rz", ["X0"])[0] == pytest.approx(1 - 4 * P / 3)
    assert ev(c, f"depol1={P},virtual=", ["X0"])[0] == pytest.approx((1 - 4 * P / 3) ** 21)


def test_no_noise_matches_pytket_statevector(native_circuit, batch_bindings):
    readouts = ["Z0", "Z1 Z2", "X0 Y1", "0.5*Y2 + X1"]
    got = noisy_expectations(native_circuit, batch_bindings, readouts)
    from qml_compiler.runtime.shots import pauli_expectation
    for b in range(4):
        c = native_circuit.copy()
        c.symbol_substitution({sympy.Symbol(k): float(v[b]) for k, v in batch_bindings.items()})
        psi = c.get_statevector()[:, None]
        want = [pauli_expectation(psi, 3, ((0, "Z"),))[0], pauli_expectation(psi, 3, ((1, "Z"), (2, "Z")))[0],
                pauli_expectation(psi, 3, ((0, "X"), (1, "Y")))[0],
                0.5 * pauli_expectation(psi, 3, ((2, "Y"),))[0] + pauli_expectation(psi, 3, ((1, "X"),))[0]]
        assert got[b] == pytest.approx(want, abs=1e-10)


def test_trajectories_agree_with_density_within_error_bars(native_circuit, batch_bindings):
    nm = NoiseModel(depol1=0.02, depol2=0.05, amp=0.02, phase=0.03, readout01=0.02, readout10=0.04)
    readouts = ["Z0", "Z1 Z2", "X0 Y1"]
    dm = noisy_expectations(native_circuit, batch_bindings, readouts, noise=nm, method="density")
    tr, info = noisy_expectations(native_circuit, batch_bindings, readouts, noise=nm, method="trajectories",
                                  trajectories=1500, seed=3, info=True)
    z = np.abs(tr - dm) / info["stderr"]
    assert z.max() < 5, z
    again = noisy_expectations(native_circuit, batch_bindings, readouts, noise=nm, method="trajectories",
                               trajectories=1500, seed=3)
    assert np.array_equal(tr, again)  # a seed fixes the result


def test_shots_sample_the_noisy_distribution():
    c = Circuit(2).H(0).CX(0, 1)
    exact = ev(c, "depol2=0.05,readout=0.02", ["Z0 Z1", "Z0"])
    got = noisy_expectations(c, {}, ["Z0 Z1", "Z0"],
                             noise="depol2=0.05,readout=0.02", shots=20000, seed=1)[0]
    assert np.abs(got - exact).max() < 5 / np.sqrt(20000)


def test_memory_and_input_errors_are_explained(native_circuit):
    with pytest.raises(ConfigError, match="no value for symbol"):
        noisy_expectations(native_circuit, {"a": 1.0}, ["Z0"])
    with pytest.raises(ConfigError, match="readout qubit 5"):
        noisy_expectations(native_circuit, {"a": 1.0, "b": 0.0}, ["Z5"])
    with pytest.raises(ConfigError, match="unknown noisy simulation method"):
        noisy_expectations(native_circuit, {"a": 1.0, "b": 0.0}, ["Z0"], method="exact")


def test_idle_device_qubits_are_not_simulated():
    from pytket.circuit import Node
    c = Circuit()
    for i in range(27):
        c.add_qubit(Node(i))
    c.H(Node(3)).CX(Node(3), Node(20))
    got = noisy_expectations(c, {}, ["Z0 Z1"], noise="depol2=0.1", qubits={0: Node(3), 1: Node(20)})
    # Z0 Z1 of the Bell state flips under the 8 of 15 Paulis that anticommute with it
    assert got[0, 0] == pytest.approx(1 - 16 * 0.1 / 15)


# ---- Qiskit Aer as the independent reference -----------------------------------------------------

def _aer_density(circuit: Circuit, nm: NoiseModel):
    qiskit_aer = pytest.importorskip("qiskit_aer", reason="Qiskit Aer is an optional extra (pip install '.[noise]')")
    pytest.importorskip("pytket.extensions.qiskit", reason="pytket-qiskit is an optional extra")
    from pytket.extensions.qiskit import tk_to_qiskit

    from qml_compiler.noise.aer import to_aer_noise_model

    qc = tk_to_qiskit(circuit)
    qc.save_density_matrix()
    sim = qiskit_aer.AerSimulator(method="density_matrix", noise_model=to_aer_noise_model(nm))
    return np.asarray(sim.run(qc).result().data()["density_matrix"])


def _expval_le(rho, n, ops):
    """<P> for a Qiskit (little-endian) density matrix; ops ((qubit, letter), ...)."""
    mats = {"I": np.eye(2), "X": np.array([[0, 1], [1, 0]]), "Y": np.array([[0, -1j], [1j, 0]]),
            "Z": np.diag([1, -1])}
    letters = dict(ops)
    M = np.array([[1.0]])
    for q in reversed(range(n)):  # qiskit: qubit n-1 is the most significant
        M = np.kron(M, mats[letters.get(q, "I")])
    return float(np.real(np.trace(rho @ M)))


def test_density_matrix_matches_qiskit_aer(native_circuit):
    nm = NoiseModel(depol1=0.01, depol2=0.04, amp=0.015, phase=0.02)
    c = native_circuit.copy()
    c.symbol_substitution({sympy.Symbol("a"): 0.37, sympy.Symbol("b"): -0.61})
    rho = _aer_density(c, nm)
    terms = [((0, "Z"),), ((1, "Z"), (2, "Z")), ((0, "X"), (1, "Y")), ((2, "X"),), ((0, "Y"), (1, "Z"), (2, "X"))]
    texts = [" ".join(f"{p}{q}" for q, p in t) for t in terms]
    got = noisy_expectations(c, {}, texts, noise=nm, method="density")[0]
    want = [_expval_le(rho, 3, t) for t in terms]
    assert got == pytest.approx(want, abs=1e-10)


def test_per_qubit_rates_match_qiskit_aer():
    c = Circuit(2).H(0).CX(0, 1).SX(1).X(0)
    nm = NoiseModel(depol1=0.01, depol2=0.02, depol1_by_qubit=((1, 0.2),), depol2_by_edge=(((0, 1), 0.1),))
    rho = _aer_density(c, nm)
    got = noisy_expectations(c, {}, ["Z0", "Z1", "X0 X1"], noise=nm)[0]
    assert got == pytest.approx([_expval_le(rho, 2, ((0, "Z"),)), _expval_le(rho, 2, ((1, "Z"),)),
                                 _expval_le(rho, 2, ((0, "X"), (1, "X")))], abs=1e-10)
