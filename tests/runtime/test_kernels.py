"""The simulator kernels: the numba kernels against the NumPy kernels on random programs, both
against an independent dense reference (a 2**n x 2**n matrix per row and sample, built with
np.kron), determinism, un-computation, and the numba module's import and cache behaviour."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

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

from qml_compiler.runtime import kernels_numpy

kernels_numba = pytest.importorskip("qml_compiler.runtime.kernels_numba")

ROOT = Path(__file__).resolve().parents[2]

# ---- tests ----------------------------------------------------------------------------------------

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(problems())
def test_numba_matches_numpy(p):
    fa, fb = run_forward(kernels_numba, p), run_forward(kernels_numpy, p)
    np.testing.assert_allclose(fa, fb, rtol=0, atol=TOL)
    for a, b in zip(run_backward(kernels_numba, p, fb), run_backward(kernels_numpy, p, fb)):
        np.testing.assert_allclose(a, b, rtol=0, atol=TOL)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_kernels_match_dense_reference(p):
    final, G1, G2 = dense_reference(p)
    for kern in (kernels_numba, kernels_numpy):
        np.testing.assert_allclose(run_forward(kern, p), final, rtol=0, atol=TOL)
        _, _, g1, g2 = run_backward(kern, p, final)
        np.testing.assert_allclose(g1, G1, rtol=0, atol=TOL)
        np.testing.assert_allclose(g2, G2, rtol=0, atol=TOL)


@pytest.mark.parametrize("n,batch,layers,ring", [(4, 32, 3, True), (9, 5, 2, False), (7, 40, 2, True)])
def test_layered_models(n, batch, layers, ring):
    """Models shaped like the reference ones, wide enough for blocks of several gates per pass."""
    rng = np.random.default_rng(n)
    code, n1 = layered_code(n, layers, ring)
    p = {"n": n, "code": code, "mats1": random_unitaries(rng, n1, batch, 2),
         "mats2": np.zeros((0, batch, 4, 4), dtype=complex), "state": random_states(rng, n, batch),
         "lam": random_states(rng, n, batch), "need1": rng.random(n1) < 0.8,
         "need2": np.zeros(0, dtype=bool)}
    fa, fb = run_forward(kernels_numba, p), run_forward(kernels_numpy, p)
    np.testing.assert_allclose(fa, fb, rtol=0, atol=TOL)
    for a, b in zip(run_backward(kernels_numba, p, fb), run_backward(kernels_numpy, p, fb)):
        np.testing.assert_allclose(a, b, rtol=0, atol=TOL)


@settings(max_examples=20, deadline=None)
@given(problems())
def test_deterministic(p):
    f1, f2 = run_forward(kernels_numba, p), run_forward(kernels_numba, p)
    assert np.array_equal(f1, f2)
    for a, b in zip(run_backward(kernels_numba, p, f1), run_backward(kernels_numba, p, f1)):
        assert np.array_equal(a, b)


@settings(max_examples=30, deadline=None)
@given(problems())
def test_uncomputation_returns_the_start(p):
    """forward, then backward's un-computation, gives back the starting state; and the adjoint
    state un-computed by backward goes back to where it was under forward."""
    for kern in (kernels_numba, kernels_numpy):
        final = run_forward(kern, p)
        psi, lam, _, _ = run_backward(kern, p, final)
        np.testing.assert_allclose(psi, p["state"], rtol=0, atol=TOL)
        kern.forward(lam, p["code"], p["mats1"], p["mats2"])
        np.testing.assert_allclose(lam, p["lam"], rtol=0, atol=TOL)


def test_edge_cases():
    rng = np.random.default_rng(0)
    empty = np.zeros((0, 4), dtype=np.int64)
    s = random_states(rng, 3, 4)
    t = s.copy()
    kernels_numba.forward(t, empty, np.zeros((0, 4, 2, 2), complex), np.zeros((0, 4, 4, 4), complex))
    assert np.array_equal(s, t)
    G1, G2 = kernels_numba.backward(t, t.copy(), empty, np.zeros((0, 4, 2, 2), complex),
                                    np.zeros((0, 4, 4, 4), complex), np.zeros(0, bool), np.zeros(0, bool))
    assert G1.shape == (0, 4, 2, 2) and G2.shape == (0, 4, 4, 4)
    # a state that is not C-contiguous is worked on in a copy and written back
    code = np.array([[M1, 1, -1, 0], [CX, 1, 0, -1], [M2, 2, 0, 0]], dtype=np.int64)
    m1, m2 = random_unitaries(rng, 1, 4, 2), random_unitaries(rng, 1, 4, 4)
    a, b = np.asfortranarray(s), s.copy()
    kernels_numba.forward(a, code, m1, m2)
    kernels_numpy.forward(b, code, m1, m2)
    np.testing.assert_allclose(a, b, rtol=0, atol=TOL)
    with pytest.raises(ValueError):
        kernels_numba.forward(s.copy(), code, random_unitaries(rng, 1, 3, 2), m2)
    # malformed rows are refused instead of reading or writing out of bounds
    for bad in ([M1, 3, -1, 0], [CX, 1, 1, -1], [M2, 0, 1, 5], [7, 0, 1, -1]):
        with pytest.raises(ValueError):
            kernels_numba.forward(s.copy(), np.array([bad], dtype=np.int64), m1, m2)
    with pytest.raises(ValueError):
        kernels_numba.forward(np.zeros((6, 2), complex), empty, m1[:0], m2[:0])


# ---- import and cache behaviour (subprocesses) -----------------------------------------------------

_CHECK = """
import numpy as np
from qml_compiler.runtime import kernels_numba, kernels_numpy
code = np.array([[0, 0, -1, 0], [2, 0, 1, -1], [0, 1, -1, 1]], dtype=np.int64)
rng = np.random.default_rng(0)
m1 = np.linalg.qr(rng.normal(size=(2, 3, 2, 2)) + 1j * rng.normal(size=(2, 3, 2, 2)))[0]
m2 = np.zeros((0, 3, 4, 4), complex)
s = rng.normal(size=(4, 3)) + 1j * rng.normal(size=(4, 3))
a, b = s.copy(), s.copy()
kernels_numba.forward(a, code, m1, m2)
kernels_numpy.forward(b, code, m1, m2)
assert np.abs(a - b).max() < 1e-12
print("ok")
"""


def _python(code: str, **env):
    e = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""), **env)
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=e, cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False)


def test_unwritable_cache_dir_still_works():
    r = _python(_CHECK, NUMBA_CACHE_DIR="/proc/qml_compiler_no_such_cache")
    assert r.returncode == 0 and "ok" in r.stdout, r.stderr


def test_no_cache_location_at_all_falls_back_to_memory():
    """Where numba finds no writable cache directory it raises at decoration time; the module then
    compiles without a cache instead of failing to import."""
    r = _python("""
        import numba.core.caching as caching
        def refuse(self):
            raise OSError("read-only")
        caching._CacheLocator.ensure_cache_path = refuse
        from qml_compiler.runtime import kernels_numba as k
        assert type(k._forward._cache).__name__ == "NullCache", type(k._forward._cache)
        assert k._n_of(16) == 4
        print("ok")
        """, NUMBA_CACHE_DIR="/proc/qml_compiler_no_such_cache")
    assert r.returncode == 0 and "ok" in r.stdout, r.stderr


def test_without_numba_import_error_and_numpy_fallback():
    r = _python("""
        import sys
        sys.modules["numba"] = None
        try:
            import qml_compiler.runtime.kernels_numba
        except ImportError:
            print("ImportError")
        from qml_compiler.runtime import executor, kernels_layered
        assert executor.kernels("numba") is kernels_layered
        """)
    assert r.returncode == 0 and "ImportError" in r.stdout, r.stderr


@pytest.mark.parametrize("rmax,lbits", [(1, 0), (2, 1), (3, 0), (3, 2), (4, 3), (5, 2), (7, 6), (7, 7)])
def test_every_blocking_gives_the_same_numbers(monkeypatch, rmax, lbits):
    """Groups of 2**rmax rows made of runs of 2**lbits consecutive rows (`blocking`): every
    choice runs the same arithmetic per row, so the states are bit for bit those of the default
    (the gradient sums, added up in another order, to rounding), and match the NumPy kernels."""
    n, batch = 7, 6
    rng = np.random.default_rng(rmax * 10 + lbits)
    code, n1 = layered_code(n, 3, True)
    code = np.concatenate([code, np.array([(CZ, 1, 5, -1), (SWAP, 0, 6, -1), (M1, 6, -1, 0),
                                           (M2, 2, 4, 0), (M1, 2, -1, 1)])])
    p = {"n": n, "code": code, "mats1": random_unitaries(rng, n1, batch, 2),
         "mats2": random_unitaries(rng, 1, batch, 4), "state": random_states(rng, n, batch),
         "lam": random_states(rng, n, batch), "need1": rng.random(n1) < 0.8,
         "need2": np.ones(1, dtype=bool)}
    ref_f = run_forward(kernels_numba, p)
    ref_b = run_backward(kernels_numba, p, ref_f)
    monkeypatch.setattr(kernels_numba, "blocking", lambda b, nq: (min(rmax, nq), min(lbits, nq)))
    f = run_forward(kernels_numba, p)
    assert np.array_equal(f, ref_f)
    back = run_backward(kernels_numba, p, f)
    for a, b in zip(back[:2], ref_b[:2]):
        assert np.array_equal(a, b)
    for a, b in zip(back[2:], ref_b[2:]):
        np.testing.assert_allclose(a, b, rtol=0, atol=TOL)
    np.testing.assert_allclose(f, run_forward(kernels_numpy, p), rtol=0, atol=TOL)
    for a, b in zip(back, run_backward(kernels_numpy, p, f)):
        np.testing.assert_allclose(a, b, rtol=0, atol=TOL)


def test_blocking_choices():
    for batch in (1, 2, 32, 360, 5000):
        for n in range(1, 24):
            r, lbits = kernels_numba.blocking(batch, n)
            assert 1 <= r <= min(n, kernels_numba.MAX_BLOCK) and 0 <= lbits <= r
            assert lbits < r or r == n
