"""Every loss's gradient against central finite differences, and values against hand-computed
ones."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qml_compiler.runtime import losses as R
from qml_compiler.train import losses as L


def fd(loss, out, t, eps=1e-6):
    g = np.zeros_like(out)
    for i in np.ndindex(out.shape):
        up, dn = out.copy(), out.copy()
        up[i] += eps
        dn[i] -= eps
        g[i] = (loss(up, t)[0] - loss(dn, t)[0]) / (2 * eps)
    return g


def probs(rng, n, k):
    p = rng.uniform(0.05, 1, size=(n, k))
    return p / p.sum(axis=1, keepdims=True)


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 6), st.integers(2, 4), st.integers(0, 10 ** 6))
def test_gradients_match_finite_differences(n, k, seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, size=n)
    z = rng.normal(size=(n, k))
    cases = [(L.softmax_cross_entropy, z, y), (L.cross_entropy, probs(rng, n, k), y),
             (L.fidelity_probs, probs(rng, n, k), y),
             (L.fidelity_bloch(L.class_states(k)), rng.uniform(-1, 1, size=(n, 3)), y),
             (L.hinge, z + rng.uniform(0.05, 0.2, size=z.shape), y),  # away from the kinks
             (L.hinge, rng.normal(size=(n, 1)) * 3 + 0.1, np.where(y % 2, 1.0, -1.0)),
             (R.mse, z, rng.normal(size=(n, k))), (R.bce, rng.uniform(0.05, 0.95, size=(n, 1)), (y % 2)[:, None])]
    for loss, out, t in cases:
        value, grad = loss(out, t)
        assert np.isfinite(value)
        assert np.allclose(grad, fd(loss, out, t), atol=1e-6), loss


def test_values():
    assert L.hinge(np.array([[2.0], [0.5], [-1.0]]), np.array([1.0, 1.0, 1.0]))[0] == pytest.approx((0 + 0.5 + 2) / 3)
    out = np.array([[3.0, 1.0, 0.0], [0.0, 0.5, 1.0]])
    assert L.hinge(out, np.array([0, 0]))[0] == pytest.approx((0 + 2.0) / 2)  # max(0, 1+1-3), max(0, 1+1-0)
    assert L.softmax_cross_entropy(np.zeros((1, 4)), np.array([2]))[0] == pytest.approx(np.log(4))
    assert L.fidelity_probs(np.array([[0.25, 0.75]]), np.array([1]))[0] == pytest.approx(0.0625)
    # a Bloch vector on a class state has fidelity 1 with it
    states = L.class_states(4)
    assert L.fidelity_bloch(states)(states[[2]], np.array([2]))[0] == pytest.approx(0.0)


@pytest.mark.parametrize("k", [2, 3, 4, 6])
def test_class_states_are_unit_vectors_spread_apart(k):
    s = L.class_states(k)
    assert np.allclose(np.linalg.norm(s, axis=1), 1)
    gram = s @ s.T
    off = gram[~np.eye(k, dtype=bool)]
    assert off.max() < 0.5 - 1e-9 if k <= 4 else off.max() < 0.9
    if k == 4:
        assert np.allclose(off, -1 / 3)  # a regular tetrahedron
