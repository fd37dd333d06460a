"""The same noise for Qiskit Aer: a `NoiseModel` as a `qiskit_aer.noise.NoiseModel`.

Used to run compiled blocks on `AerBackend(noise_model=...)` and, in the tests, as the
independent reference the simulators here are checked against. Channels follow the conventions
of `model`: after each noisy gate, depolarising (Qiskit's parameter lam = p 4**n / (4**n - 1)),
then amplitude and phase damping on each of its qubits; readout flips as a `ReadoutError`.
Per-qubit figures are keyed by qubit index (the device qubit on a compiled circuit).
Needs the optional extra: `pip install 'qml-compiler[noise]'`.
"""

from __future__ import annotations

from .density import depolarising_lambda
from .model import NoiseModel

ONE_QUBIT = {"X": "x", "Y": "y", "Z": "z", "H": "h", "S": "s", "Sdg": "sdg", "T": "t", "Tdg": "tdg",
             "SX": "sx", "SXdg": "sxdg", "Rx": "rx", "Ry": "ry", "Rz": "rz", "U1": "p", "U2": "u2",
             "U3": "u", "TK1": "u"}
BACKEND_ONE_QUBIT = {"X": "x", "SX": "sx", "Rz": "rz", "Rx": "rx", "Ry": "ry", "H": "h", "U3": "u"}
BACKEND_TWO_QUBIT = {"CX": "cx", "CZ": "cz", "ECR": "ecr", "ZZPhase": "rzz"}
TWO_QUBIT = {"CX": "cx", "CZ": "cz", "CY": "cy", "SWAP": "swap", "ECR": "ecr", "ZZPhase": "rzz",
             "XXPhase": "rxx", "YYPhase": "ryy", "CRx": "crx", "CRy": "cry", "CRz": "crz", "CU1": "cp"}


def to_aer_noise_model(noise: NoiseModel | str, n_qubits: int | None = None, edges=None):
    """A Qiskit Aer noise model equivalent to `noise`.

    Without `n_qubits`: errors for all qubits at once (for `AerSimulator`). With it: one error per
    gate and qubit (and per coupled pair: `edges`, every pair by default), the form pytket's
    `AerBackend` requires (it reads the device's connectivity and error rates from it)."""
    try:
        from qiskit_aer.noise import NoiseModel as AerNoise
        from qiskit_aer.noise import (
            ReadoutError,
            amplitude_damping_error,
            depolarizing_error,
            phase_damping_error,
        )
    except ImportError as e:
        from .backend import BackendUnavailable

        raise BackendUnavailable(f"Qiskit Aer is not installed ({e})",
                                 hint="pip install qiskit-aer pytket-qiskit  (or: pip install 'qml-compiler[noise]')") from None
    noise = NoiseModel.get(noise)
    per_qubit = n_qubits is not None
    table1 = BACKEND_ONE_QUBIT if per_qubit else ONE_QUBIT
    table2 = BACKEND_TWO_QUBIT if per_qubit else TWO_QUBIT
    one = sorted({name for t, name in table1.items() if t not in noise.virtual})
    two = sorted({name for t, name in table2.items() if t not in noise.virtual})
    basis = sorted(set(table1.values()) | set(table2.values()))
    nm = AerNoise(basis_gates=basis)

    def damping():
        err = None
        if noise.amp:
            err = amplitude_damping_error(noise.amp)
        if noise.phase:
            ph = phase_damping_error(noise.phase)
            err = ph if err is None else err.compose(ph)
        return err

    def gate_error(p, n):
        err = depolarizing_error(depolarising_lambda(p, n), n) if p else None
        d = damping()
        if d is not None:
            dn = d if n == 1 else d.tensor(d)
            err = dn if err is None else err.compose(dn)
        return err

    def readout(q):
        p01, p10 = noise.readout_probs(q)
        return ReadoutError([[1 - p01, p01], [p10, 1 - p10]]) if (p01 or p10) else None

    if not per_qubit:
        e1 = gate_error(noise.depol1, 1)
        if e1 is not None and one:
            nm.add_all_qubit_quantum_error(e1, one)
        for q, p in noise.depol1_by_qubit:
            e = gate_error(p, 1)
            if e is not None and one:
                nm.add_quantum_error(e, one, [q])
        e2 = gate_error(noise.depol2, 2)
        if e2 is not None and two:
            nm.add_all_qubit_quantum_error(e2, two)
        for (a, b), p in noise.depol2_by_edge:
            e = gate_error(p, 2)
            if e is not None and two:
                nm.add_quantum_error(e, two, [a, b])
                nm.add_quantum_error(e, two, [b, a])
        if noise.readout01 or noise.readout10:
            nm.add_all_qubit_readout_error(readout(-1))
        for q, _ in noise.readout_by_qubit:
            nm.add_readout_error(readout(q), [q])
        return nm
    # pytket's AerBackend needs every error tied to one gate and explicit qubits; an identity
    # error marks a qubit or coupler that exists but is perfect.
    from qiskit_aer.noise import pauli_error

    perfect1, perfect2 = pauli_error([("I", 1.0)]), pauli_error([("II", 1.0)])
    pairs = [(a, b) for a in range(n_qubits) for b in range(n_qubits) if a != b] if edges is None else \
        [p for a, b in edges for p in ((a, b), (b, a))]
    for q in range(n_qubits):
        e = gate_error(noise.p1(q), 1) or perfect1
        for g in one:
            nm.add_quantum_error(e, g, [q])
        r = readout(q)
        if r is not None:
            nm.add_readout_error(r, [q])
    for a, b in pairs:
        e = gate_error(noise.p2(a, b), 2) or perfect2
        for g in two:
            nm.add_quantum_error(e, g, [a, b])
    return nm
