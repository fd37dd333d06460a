"""The numba engine's one-call path for a whole block (runtime/block_numba.py) against the general
path (the same kernels called step by step, with NumPy for angles, readouts, seed and chain rule)
and against the NumPy engine: outputs and gradients to 1e-12, bit-for-bit determinism, and the
cases it must leave to the general path."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import qml_compiler as qc

pytest.importorskip("qml_compiler.runtime.kernels_numba")

ROOT = Path(__file__).resolve().parents[2]
TOL = 1e-12

CASES = [("moons.qml", "moons", "cross_entropy"), ("reference.qml", "r2l_8q_last", "mse"),
         ("reference.qml", "r2_8q", "mse"), ("iris.qml", None, "cross_entropy"),
         ("reupload.qml", "circle_classifier", "mse")]


def _model(file, name, engine="numba"):
    return qc.compile(str(ROOT / "examples" / file), model=name, engine=engine)


def _data(cm, batch=7, seed=0):
    rng = np.random.default_rng(seed)
    x = {k: rng.uniform(-2, 2, size=(batch, w)) for k, w in cm.inputs.items()}
    out_w = next(iter(cm.outputs.values()))
    return x, rng, out_w


def _targets(loss, rng, batch, width):
    if loss == "cross_entropy":
        return rng.integers(0, width, size=batch)
    return rng.uniform(-1, 1, size=(batch, width))


def _general(cm):
    for r in cm.runners.values():
        r.use_fast = False
        r._input_layout = None  # the plan is rebuilt on the next call, without the fast path
    return cm


@pytest.mark.parametrize("file,name,loss", CASES)
def test_fast_path_matches_general_path_and_numpy(file, name, loss):
    fast = _model(file, name)
    x, rng, w = _data(fast)
    params = fast.init_params(seed=3)
    t = _targets(loss, rng, 7, w)
    fo = fast.forward(x, params)
    fl, fg = fast.gradient(x, params, loss=loss, targets=t)
    used = [r._fast is not None for r in fast.runners.values()]
    if not any(used):
        pytest.skip("no block of this model takes the fast path")
    gen = _model(file, name)
    gen.forward(x, params)
    _general(gen)
    numpy = _model(file, name, engine="numpy")
    for other in (gen, numpy):
        oo = other.forward(x, params)
        ol, og = other.gradient(x, params, loss=loss, targets=t)
        if other is gen:
            assert all(r._fast is None for r in gen.runners.values())
        for k in fo:
            np.testing.assert_allclose(fo[k], oo[k], rtol=0, atol=TOL)
        assert abs(fl - ol) <= TOL
        for k in fg:
            np.testing.assert_allclose(fg[k], og[k], rtol=0, atol=TOL)


def test_fast_path_is_taken_and_deterministic():
    cm = _model("moons.qml", "moons")
    x, rng, w = _data(cm, batch=32)
    params = cm.init_params(seed=1)
    t = rng.integers(0, 2, size=32)
    a = cm.gradient(x, params, loss="cross_entropy", targets=t)
    assert all(r._fast is not None for r in cm.runners.values())
    b = cm.gradient(x, params, loss="cross_entropy", targets=t)
    assert a[0] == b[0]
    for k in a[1]:
        assert np.array_equal(a[1][k], b[1][k])
    assert np.array_equal(cm.forward(x, params)["y"], cm.forward(x, params)["y"])


def test_input_gradients_flow_through_the_fast_path():
    """A block fed by a classical layer gets its data gradient from the fast path too."""
    src = """
    model m {
        input x[2];
        output y[1];
        layer pre = dense(2, 3);
        quantum circuit(a[3]) on q[3] {
            param th[3];
            for i in range(3) { ry(a[i] + th[i]) q[i]; rz(a[i] * 0.5) q[i]; }
            cx q[0], q[1]; cx q[1], q[2];
            readout expval(Z[2] + 0.5 * Z[0] * Z[1]);
        }
        forward { y = circuit(pre(x)); }
    }
    """
    fast = qc.compile(src, engine="numba")
    numpy = qc.compile(src, engine="numpy")
    rng = np.random.default_rng(5)
    x = rng.normal(size=(6, 2))
    t = rng.normal(size=(6, 1))
    params = fast.init_params(seed=2)
    lf, gf = fast.gradient(x, params, loss="mse", targets=t)
    assert all(r._fast is not None for r in fast.runners.values())
    ln, gn = numpy.gradient(x, params, loss="mse", targets=t)
    assert abs(lf - ln) <= TOL
    for k in gf:
        np.testing.assert_allclose(gf[k], gn[k], rtol=0, atol=TOL)


def test_compiled_block_functions_are_keyed_by_the_kernels_sources():
    """numba's cache does not see edits of the kernels that block_forward/block_backward compile
    into themselves; they close over a hash of those sources, which its cache key includes."""
    block_numba = pytest.importorskip("qml_compiler.runtime.block_numba")
    fp = block_numba._sources_fingerprint()
    for fn in (block_numba.block_forward, block_numba.block_backward):
        assert [c.cell_contents for c in fn.py_func.__closure__] == [fp]
