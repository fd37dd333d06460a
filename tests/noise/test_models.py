"""Compiled models under noise: a block's noisy readouts, and a CompiledModel copy whose forward
runs noisy (equal to the exact model when the noise is none)."""

import numpy as np
import pytest

import qml_compiler as qc
from qml_compiler.diagnostics import ConfigError
from qml_compiler.ir.nodes import QuantumBlock
from qml_compiler.noise import block_bindings, noisy_expectations, with_noise


@pytest.fixture(scope="module")
def moons():
    cm = qc.compile("examples/moons.qml")
    params = cm.init_params(seed=0)
    x = np.random.default_rng(0).normal(size=(6, 2))
    return cm, params, x


def test_block_without_noise_equals_the_runtime(moons):
    cm, params, x = moons
    (runner,) = cm.runners.values()
    block = runner.block
    assert isinstance(block, QuantumBlock)
    want, _ = runner.forward(params, [x], 6)
    got = noisy_expectations(block, block_bindings(block, params, [x]))
    assert got == pytest.approx(want, abs=1e-10)


def test_with_noise_model_copy(moons):
    cm, params, x = moons
    exact = cm.forward({"x": x}, params)["y"]
    assert with_noise(cm, None).forward({"x": x}, params)["y"] == pytest.approx(exact, abs=1e-10)
    noisy_cm = with_noise(cm, "heavy-hex-27")
    noisy = noisy_cm.forward({"x": x}, params)["y"]
    assert noisy.shape == exact.shape and 0 < np.abs(noisy - exact).max() < 0.2
    mitigated = with_noise(cm, "heavy-hex-27", readout_mitigation="tensored").forward({"x": x}, params)["y"]
    assert np.abs(mitigated - exact).max() < np.abs(noisy - exact).max()
    assert cm.forward({"x": x}, params)["y"] == pytest.approx(exact)  # the original is untouched
    with pytest.raises(ConfigError, match="needs the exact state"):
        noisy_cm.gradient({"x": x}, params, loss="cross_entropy", targets=np.zeros(6, dtype=int), method="adjoint")


def test_training_step_under_noise_by_spsa(moons):
    cm, params, x = moons
    y = np.array([0, 1, 0, 1, 1, 0])
    noisy_cm = with_noise(cm, "depol1=1e-3,depol2=1e-2,readout=2e-2")
    loss, grads = noisy_cm.gradient({"x": x}, params, loss="cross_entropy", targets=y, seed=1)
    assert np.isfinite(loss) and set(grads) == set(params)
    assert all(np.shape(grads[k]) == np.shape(params[k]) for k in params)
    assert noisy_cm.cost.circuits == 2 * 6  # two noisy forward runs of 6 samples, one setting
