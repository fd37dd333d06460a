"""The NumPy engine's layered kernels (runtime/kernels_layered.py) against the independent dense
reference of kernel_cases (every row kind, random programs), against the simple gate-by-gate
kernels on layered models, for every window width and with the gate-by-gate fallback of CX/SWAP/CZ
runs; determinism, un-computation, single precision, and how the plan groups rows."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from kernel_cases import (
    CX,
    CZ,
    M1,
    M2,
    SWAP,
    TOL,
    dense_reference,
    layered_code,
    problems,
    random_states,
    random_unitaries,
    run_backward,
    run_forward,
)

from qml_compiler.runtime import kernels_layered, kernels_numpy


@pytest.fixture(autouse=True)
def _always_layered(monkeypatch):
    """The small problems here would otherwise run gate by gate (SMALL_STATE_RATIO)."""
    monkeypatch.setattr(kernels_layered, "SMALL_STATE_RATIO", 1 << 30)


SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check_against_dense(p):
    final, G1, G2 = dense_reference(p)
    np.testing.assert_allclose(run_forward(kernels_layered, p), final, rtol=0, atol=TOL)
    psi, lam, g1, g2 = run_backward(kernels_layered, p, final)
    np.testing.assert_allclose(g1, G1, rtol=0, atol=TOL)
    np.testing.assert_allclose(g2, G2, rtol=0, atol=TOL)
    np.testing.assert_allclose(psi, p["state"], rtol=0, atol=TOL)  # un-computed to the start
    kernels_layered.forward(lam, p["code"], p["mats1"], p["mats2"])
    np.testing.assert_allclose(lam, p["lam"], rtol=0, atol=TOL)


@SETTINGS
@given(problems())
def test_matches_dense_reference(p):
    _check_against_dense(p)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_matches_dense_reference_without_index_tables(p):
    """CX/SWAP/CZ runs applied gate by gate (the path for states wider than MAX_PERM_QUBITS)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(kernels_layered, "MAX_PERM_QUBITS", 0)
        mp.setattr(kernels_layered, "_PLANS", {})
        _check_against_dense(p)


def _layered_problem(n, batch, layers, ring, seed, extra=()):
    rng = np.random.default_rng(seed)
    code, n1 = layered_code(n, layers, ring)
    if extra:
        code = np.concatenate([code, np.array(extra, dtype=np.int64)])
    return {"n": n, "code": code, "mats1": random_unitaries(rng, n1, batch, 2),
            "mats2": random_unitaries(rng, 1, batch, 4), "state": random_states(rng, n, batch),
            "lam": random_states(rng, n, batch), "need1": rng.random(n1) < 0.8,
            "need2": np.ones(1, dtype=bool)}


@pytest.mark.parametrize("window", [1, 2, 3, 4, 5, 7])
@pytest.mark.parametrize("n,batch,layers,ring", [(4, 32, 3, True), (7, 5, 2, False), (9, 3, 2, True)])
def test_layered_models_every_window(monkeypatch, window, n, batch, layers, ring):
    monkeypatch.setattr(kernels_layered, "WINDOW", window)
    monkeypatch.setattr(kernels_layered, "_PLANS", {})
    p = _layered_problem(n, batch, layers, ring, seed=10 * n + window,
                         extra=[(CZ, 1, n - 2, -1), (SWAP, 0, n - 1, -1), (M1, n - 1, -1, 0),
                                (M2, 2, 0, 0), (M1, 2, -1, 1)])
    final, G1, G2 = dense_reference(p)
    f = run_forward(kernels_layered, p)
    np.testing.assert_allclose(f, final, rtol=0, atol=TOL)
    np.testing.assert_allclose(f, run_forward(kernels_numpy, p), rtol=0, atol=TOL)
    _, _, g1, g2 = run_backward(kernels_layered, p, final)
    np.testing.assert_allclose(g1, G1, rtol=0, atol=TOL)
    np.testing.assert_allclose(g2, G2, rtol=0, atol=TOL)


def test_wide_layered_model_matches_gate_by_gate_kernels():
    """12 qubits, 6 layers (R3L's shape): too wide for the dense reference, so against the simple
    kernels (themselves tested against it)."""
    p = _layered_problem(12, 6, 6, False, seed=3)
    fa, fb = run_forward(kernels_layered, p), run_forward(kernels_numpy, p)
    np.testing.assert_allclose(fa, fb, rtol=0, atol=TOL)
    for a, b in zip(run_backward(kernels_layered, p, fb), run_backward(kernels_numpy, p, fb)):
        np.testing.assert_allclose(a, b, rtol=0, atol=TOL)


@settings(max_examples=20, deadline=None)
@given(problems())
def test_deterministic(p):
    f1, f2 = run_forward(kernels_layered, p), run_forward(kernels_layered, p)
    assert np.array_equal(f1, f2)
    for a, b in zip(run_backward(kernels_layered, p, f1), run_backward(kernels_layered, p, f1)):
        assert np.array_equal(a, b)


def test_single_precision():
    p = _layered_problem(6, 4, 2, True, seed=5, extra=[(M2, 1, 4, 0)])
    ref_f = run_forward(kernels_numpy, p)
    s = p["state"].astype(np.complex64)
    kernels_layered.forward(s, p["code"], p["mats1"].astype(np.complex64), p["mats2"].astype(np.complex64))
    assert s.dtype == np.complex64
    np.testing.assert_allclose(s, ref_f, rtol=0, atol=1e-5)
    lam = p["lam"].astype(np.complex64)
    G1, _ = kernels_layered.backward(s, lam, p["code"], p["mats1"].astype(np.complex64),
                                     p["mats2"].astype(np.complex64), p["need1"], p["need2"])
    _, _, R1, _ = run_backward(kernels_numpy, p, ref_f)
    np.testing.assert_allclose(G1, R1, rtol=0, atol=1e-5)


def test_plan_groups_a_layer_and_its_cx_chain():
    """program.py interleaves a layer's fused gates with its CX chain; the plan moves them ahead
    of the chain (they commute) into one layer, and the chain becomes one permutation."""
    code, _ = layered_code(12, 3, False)
    stages = kernels_layered.plan(code, 12)
    assert [type(s).__name__ for s in stages] == ["Layer", "Perm"] * 3
    assert [(q, k) for q, k, _ in stages[0].windows] == [(0, 4), (4, 4), (8, 4)]
    # a gate on a qubit the chain touched waits for the chain
    more = np.concatenate([code, [(M1, 5, -1, 0), (CX, 0, 1, -1), (M1, 11, -1, 1), (M1, 0, -1, 2)]])
    kinds = [type(s).__name__ for s in kernels_layered.plan(more, 12)]
    assert kinds == ["Layer", "Perm"] * 3 + ["Layer", "Perm", "Layer"]
    assert sorted(kernels_layered.plan(more, 12)[6].gates) == [5, 11]


def test_empty_program_and_edge_cases():
    rng = np.random.default_rng(0)
    s = random_states(rng, 3, 4)
    t = s.copy()
    empty = np.zeros((0, 4), dtype=np.int64)
    kernels_layered.forward(t, empty, np.zeros((0, 4, 2, 2), complex), np.zeros((0, 4, 4, 4), complex))
    assert np.array_equal(s, t)
    G1, G2 = kernels_layered.backward(t, t.copy(), empty, np.zeros((0, 4, 2, 2), complex),
                                      np.zeros((0, 4, 4, 4), complex), np.zeros(0, bool), np.zeros(0, bool))
    assert G1.shape == (0, 4, 2, 2) and G2.shape == (0, 4, 4, 4)
    # a state that is not C-contiguous, and a program of CX rows only
    code = np.array([[CX, 1, 0, -1], [SWAP, 2, 0, -1]], dtype=np.int64)
    a, b = np.asfortranarray(s), s.copy()
    kernels_layered.forward(a, code, np.zeros((0, 4, 2, 2), complex), np.zeros((0, 4, 4, 4), complex))
    kernels_numpy.forward(b, code, np.zeros((0, 4, 2, 2), complex), np.zeros((0, 4, 4, 4), complex))
    assert np.array_equal(a, b)


def test_small_states_with_large_batches_run_gate_by_gate(monkeypatch):
    """Where the batch is large against the state (SMALL_STATE_RATIO), the gate-by-gate kernels
    run: the numbers are theirs, bit for bit."""
    monkeypatch.setattr(kernels_layered, "SMALL_STATE_RATIO", 2)
    p = _layered_problem(3, 20, 2, True, seed=7)
    a, b = run_forward(kernels_layered, p), run_forward(kernels_numpy, p)
    assert np.array_equal(a, b)
    for x, y in zip(run_backward(kernels_layered, p, a), run_backward(kernels_numpy, p, a)):
        assert np.array_equal(x, y)
