"""Any pytket Backend executes blocks: Qiskit Aer for real (optional extra), one
process_circuits call per batch, shot-based values within statistical error of the simulator;
clear errors for backends whose extension or credentials are missing."""

import numpy as np
import pytest

from qml_compiler.diagnostics import ConfigError
from qml_compiler.noise import NoiseModel, noisy_expectations
from qml_compiler.noise.backend import BackendExecutor, BackendUnavailable, get_backend

SHOTS = 4000
pytestmark = pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")


@pytest.fixture
def aer():
    pytest.importorskip("qiskit_aer", reason="Qiskit Aer is an optional extra (pip install '.[noise]')")
    pytest.importorskip("pytket.extensions.qiskit", reason="pytket-qiskit is an optional extra")
    return get_backend


class CountingBackend:
    """Wraps a backend and counts process_circuits calls."""

    def __init__(self, inner):
        self.inner, self.calls, self.sizes = inner, 0, []

    def process_circuits(self, circuits, **kw):
        self.calls += 1
        self.sizes.append(len(circuits))
        return self.inner.process_circuits(circuits, **kw)

    def __getattr__(self, name):
        return getattr(self.inner, name)


def test_aer_with_the_same_noise_agrees_with_the_simulator(aer, native_circuit, batch_bindings):
    nm = NoiseModel(depol1=0.01, depol2=0.05, readout01=0.02, readout10=0.04)
    backend = CountingBackend(aer("aer", noise=nm))
    readouts = ["Z0", "Z1 Z2", "X0 Y1"]
    ex = BackendExecutor(backend, shots=SHOTS, seed=1, compilation="backend", optimisation_level=0)
    got, info = noisy_expectations(native_circuit, batch_bindings, readouts, backend=ex, info=True)
    want = noisy_expectations(native_circuit, batch_bindings, readouts, noise=nm)
    assert np.abs(got - want).max() < 5 / np.sqrt(SHOTS)
    # 4 samples x 2 settings, submitted as one batch
    assert backend.calls == 1 and backend.sizes == [8] and info["cost"]["circuits"] == 8


def test_backend_compilation_is_honoured_and_mitigation_runs_on_it(aer, native_circuit, batch_bindings):
    backend = aer("aer", noise=NoiseModel(readout01=0.05, readout10=0.1))
    ex = BackendExecutor(backend, shots=SHOTS, seed=2, compilation="backend", optimisation_level=1)
    exact = noisy_expectations(native_circuit, batch_bindings, ["Z0", "Z1 Z2"])
    got = noisy_expectations(native_circuit, batch_bindings, ["Z0", "Z1 Z2"], backend=ex,
                             readout_mitigation="tensored")
    assert np.abs(got - exact).max() < 6 / np.sqrt(SHOTS)
    assert all(backend.valid_circuit(c) for c in ex.last_circuits)


def test_noise_with_a_backend_is_refused(aer, native_circuit):
    with pytest.raises(ConfigError, match="noise is the backend's"):
        noisy_expectations(native_circuit, {"a": 0.0, "b": 0.0}, ["Z0"], noise="depol1=0.1", backend=aer("aer"))


def test_missing_extensions_and_credentials_are_explained(monkeypatch):
    import importlib

    real = importlib.import_module

    def fake(name, *a, **k):
        if name.startswith("pytket.extensions.quantinuum"):
            raise ImportError("No module named 'pytket.extensions.quantinuum'")
        return real(name, *a, **k)

    monkeypatch.setattr(importlib, "import_module", fake)
    with pytest.raises(BackendUnavailable) as e:
        get_backend("quantinuum:H1-1E")
    assert "pip install pytket-quantinuum" in str(e.value)
    with pytest.raises(ConfigError, match="unknown backend"):
        get_backend("ionq:harmony")


def test_braket_without_aws_credentials(monkeypatch, tmp_path):
    import importlib
    import types

    module = types.ModuleType("pytket.extensions.braket")
    module.BraketBackend = lambda **kw: pytest.fail("must not be constructed")
    real = importlib.import_module
    monkeypatch.setattr(importlib, "import_module",
                        lambda name, *a, **k: module if name == "pytket.extensions.braket" else real(name, *a, **k))
    for v in ("AWS_ACCESS_KEY_ID", "AWS_PROFILE"):
        monkeypatch.delenv(v, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(BackendUnavailable, match="AWS credentials"):
        get_backend("braket:arn:aws:braket:::device/quantum-simulator/amazon/sv1")


def test_ibm_without_an_account_is_explained(aer, monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("QISKIT_IBM_TOKEN", raising=False)
    with pytest.raises(BackendUnavailable) as e:
        get_backend("ibm:ibm_brisbane")
    assert "save_account" in str(e.value)
