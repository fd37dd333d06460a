"""Running blocks on any pytket `Backend`: Qiskit Aer locally, IBM, Quantinuum or Braket devices.

`BackendExecutor` is an executor (see `simulator`): for a circuit, a batch of bindings and the
measurement settings it builds one measured circuit per setting, compiles each once, while still
symbolic (with the backend's own `default_compilation_pass`, or a pass you give; where a pass
refuses symbols, as Qiskit's routing does, each bound circuit is compiled instead), binds every
sample's values into the compiled circuits, checks that the backend accepts them, and submits the
whole batch in one `process_circuits` call. Distributions come from the shot counts.

`get_backend(name)` gives the backends people ask for by name, with a clear error where the
pytket extension is not installed or the cloud credentials are missing:

| name | backend | extension | credentials |
|---|---|---|---|
| `aer` | `AerBackend()` (optionally with a noise model) | pytket-qiskit | none |
| `ibm:DEVICE` | `IBMQBackend(DEVICE)` | pytket-qiskit | `QiskitRuntimeService.save_account(...)` or `set_ibmq_config(...)` |
| `quantinuum:DEVICE` | `QuantinuumBackend(DEVICE)` | pytket-quantinuum | a Quantinuum account (login prompted or `QuantinuumAPI` token) |
| `braket:DEVICE` | `BraketBackend(device=DEVICE)` | pytket-braket | AWS credentials (`aws configure`, or AWS_* environment variables) |
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass, field

import numpy as np
from pytket import Circuit, OpType
from pytket.circuit import Bit

from ..diagnostics import ConfigError
from .plan import as_symbol, bind, symbol_names
from .simulator import Cost


class BackendUnavailable(ConfigError):
    """A backend that cannot be used here: its pytket extension is missing, or its credentials."""


_BASIS = {"X": [(OpType.H, [])], "Y": [(OpType.Sdg, []), (OpType.H, [])]}

EXTENSIONS = {
    "aer": ("pytket.extensions.qiskit", "AerBackend", "pytket-qiskit qiskit-aer"),
    "ibm": ("pytket.extensions.qiskit", "IBMQBackend", "pytket-qiskit"),
    "quantinuum": ("pytket.extensions.quantinuum", "QuantinuumBackend", "pytket-quantinuum"),
    "braket": ("pytket.extensions.braket", "BraketBackend", "pytket-braket"),
}


def _extension(kind: str):
    module, cls, pip = EXTENSIONS[kind]
    try:
        return getattr(importlib.import_module(module), cls)
    except ImportError as e:
        raise BackendUnavailable(f"backend `{kind}` needs the pytket extension {pip.split()[0]}, which is not "
                                 f"installed ({e})",
                                 hint=f"pip install {pip}   (or: pip install 'qml-compiler[noise]')") from None


def get_backend(name: str, noise=None, n_qubits: int | None = None, edges=None, **options):
    """A pytket Backend by name: `aer`, `ibm:DEVICE`, `quantinuum:DEVICE`, `braket:DEVICE`
    (see the module docstring). `noise` (a NoiseModel or spec, for `aer` only) becomes Aer's
    noise model on `n_qubits` qubits (default 8; `edges` the couplers, every pair by default).
    Cloud backends need their credentials; a missing one is a `BackendUnavailable`."""
    kind, _, device = name.partition(":")
    kind = kind.lower()
    if kind not in EXTENSIONS:
        raise ConfigError(f"unknown backend `{name}`", hint="backends: aer, ibm:DEVICE, quantinuum:DEVICE, braket:DEVICE")
    cls = _extension(kind)
    if kind == "aer":
        if noise is not None:
            from .aer import to_aer_noise_model
            options.setdefault("noise_model", to_aer_noise_model(noise, n_qubits or 8, edges))
        return cls(**options)
    if noise is not None:
        raise ConfigError("a noise model applies to simulators only; a device has its own noise")
    if not device:
        raise ConfigError(f"backend `{kind}` needs a device name: `{kind}:DEVICE`",
                          hint={"ibm": "for example ibm:ibm_brisbane", "quantinuum": "for example quantinuum:H1-1E",
                                "braket": "for example braket:arn:aws:braket:::device/quantum-simulator/amazon/sv1"}[kind])
    if kind == "braket" and not (os.environ.get("AWS_ACCESS_KEY_ID") or os.environ.get("AWS_PROFILE")
                                 or os.path.exists(os.path.expanduser("~/.aws/credentials"))):
        raise BackendUnavailable("backend `braket` needs AWS credentials, and none are configured",
                                 hint="run `aws configure`, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
    try:
        if kind == "braket":
            return cls(device=device, **options)
        return cls(device, **options)
    except Exception as e:  # noqa: BLE001 - the extensions raise their own types for missing accounts and tokens
        hint = {"ibm": "save an IBM Quantum token once: QiskitRuntimeService.save_account(token=..., "
                       "channel='ibm_quantum_platform'), or pytket's set_ibmq_config(ibmq_api_token=...)",
                "quantinuum": "log in with a Quantinuum account (QuantinuumBackend prompts, or pass api_handler)",
                "braket": "check the device ARN and the AWS credentials and region"}[kind]
        raise BackendUnavailable(f"backend `{name}` could not be opened: {type(e).__name__}: {e}", hint=hint) from None


@dataclass
class BackendExecutor:
    """An executor over a pytket Backend. `compilation`: "backend" (its default_compilation_pass
    at `optimisation_level`), "none" (the circuits as given, rebased by nothing: they must be
    valid already), or a pytket pass."""

    backend: object
    shots: int = 1000
    seed: int | None = 0
    compilation: object = "backend"
    optimisation_level: int = 0
    cost: Cost = field(default_factory=Cost)
    calls: int = 0  # process_circuits calls made
    last_circuits: list = field(default_factory=list, repr=False)

    name = "backend"

    def _compile(self, c: Circuit) -> Circuit:
        if self.compilation == "none":
            return c
        if self.compilation == "backend":
            p = self.backend.default_compilation_pass(optimisation_level=self.optimisation_level)
        else:
            p = self.compilation
        c = c.copy()
        p.apply(c)
        return c

    def measured(self, circuit: Circuit, setting) -> Circuit:
        """The circuit with the setting's basis changes and measurements (bit i <- the setting's
        i-th qubit)."""
        c = circuit.copy()
        bits = [Bit("m", i) for i in range(len(setting))]
        for b in bits:
            c.add_bit(b)
        for i, (pos, basis) in enumerate(setting):
            q = circuit.qubits[pos]
            for op, _ in _BASIS.get(basis, []):
                c.add_gate(op, [q])
            c.Measure(q, bits[i])
        return c

    def run(self, circuit: Circuit, bindings, settings, shots: int | None = None,
            batch: int | None = None) -> list[np.ndarray]:
        shots = shots or self.shots
        names = symbol_names(circuit)
        X = bind(names, bindings, batch)
        B = X.shape[0]
        measured = [self.measured(circuit, s) for s in settings]
        try:  # compile once while symbolic, bind late
            compiled = [self._compile(c) for c in measured]
            late = True
        except Exception:  # noqa: BLE001 - some passes (Qiskit's routing) refuse symbols: bind, then compile each
            compiled, late = measured, False
        circuits = []
        for c in compiled:
            for b in range(B):
                bc = c.copy()
                if names:
                    bc.symbol_substitution({as_symbol(s): float(X[b, j]) for j, s in enumerate(names)})
                circuits.append(bc if late else self._compile(bc))
        for bc in circuits[:1]:
            if not self.backend.valid_circuit(bc):
                raise ConfigError(f"the backend {type(self.backend).__name__} does not accept the circuit",
                                  hint="compile it for the backend (compilation='backend') or rebase it to its gate set")
        kw = {"n_shots": shots}
        if self.seed is not None and _takes_seed(self.backend):
            kw["seed"] = self.seed
        handles = self.backend.process_circuits(circuits, **kw)
        self.calls += 1
        self.last_circuits = circuits
        results = self.backend.get_results(handles)
        gates = sum(c.n_gates for c in circuits)
        self.cost.add(Cost(len(circuits), len(circuits) * shots, gates))
        out = []
        for i, s in enumerate(settings):
            k = len(s)
            d = np.zeros((B, 2 ** k))
            for b in range(B):
                r = results[i * B + b]
                counts = r.get_counts(cbits=[Bit("m", j) for j in range(k)])
                for outcome, n in counts.items():
                    idx = 0
                    for bit in outcome:
                        idx = (idx << 1) | int(bit)
                    d[b, idx] += n
            out.append(d / shots)
        return out


def _takes_seed(backend) -> bool:
    import inspect

    try:
        return "seed" in inspect.signature(backend.process_circuits).parameters or \
            type(backend).__name__.startswith("Aer")
    except (TypeError, ValueError):
        return False
