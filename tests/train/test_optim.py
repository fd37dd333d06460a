"""Optimisers against their update rules written out by hand, schedules and clipping."""

import math

import numpy as np
import pytest

from qml_compiler.train.optim import clip_norm, lr_at, make_optimizer

SPECS = {"w": ((2,), None), "b": ((1,), None)}


def test_adam_follows_kingma_and_ba():
    cfg = {"name": "adam", "lr": 0.1, "betas": [0.9, 0.99], "eps": 1e-8, "weight_decay": 0.0}
    opt = make_optimizer(cfg, SPECS)
    p = {"w": np.array([1.0, -2.0]), "b": np.array([0.5])}
    ref = {k: v.copy() for k, v in p.items()}
    m = {k: np.zeros_like(v) for k, v in p.items()}
    v = {k: np.zeros_like(x) for k, x in p.items()}
    rng = np.random.default_rng(0)
    for t in range(1, 6):
        g = {k: rng.normal(size=x.shape) for k, x in p.items()}
        opt.step(p, g, 0.1)
        for k, gk in g.items():
            m[k] = 0.9 * m[k] + 0.1 * gk
            v[k] = 0.99 * v[k] + 0.01 * gk ** 2
            ref[k] = ref[k] - 0.1 * (m[k] / (1 - 0.9 ** t)) / (np.sqrt(v[k] / (1 - 0.99 ** t)) + 1e-8)
        for k, r in ref.items():
            assert np.allclose(p[k], r, rtol=1e-14, atol=1e-15)
    # the first step moves every parameter by lr in the direction against its gradient
    opt = make_optimizer(cfg, SPECS)
    q = {"w": np.zeros(2), "b": np.zeros(1)}
    opt.step(q, {"w": np.array([3.0, -0.01]), "b": np.array([2.0])}, 0.1)
    assert np.allclose(q["w"], [-0.1, 0.1], atol=1e-6)


def test_sgd_with_momentum_and_nesterov():
    for nesterov in (False, True):
        opt = make_optimizer({"name": "sgd", "lr": 0.1, "momentum": 0.5, "nesterov": nesterov, "weight_decay": 0.0},
                             SPECS)
        p = {"w": np.array([1.0, 1.0]), "b": np.array([0.0])}
        gs = [np.array([1.0, 2.0]), np.array([3.0, -1.0])]
        buf = None
        ref = p["w"].copy()
        for g in gs:
            opt.step(p, {"w": g, "b": np.zeros(1)}, 0.1)
            buf = g if buf is None else 0.5 * buf + g
            ref = ref - 0.1 * (g + 0.5 * buf if nesterov else buf)
        assert np.allclose(p["w"], ref)


def test_weight_decay_adds_to_the_gradient():
    opt = make_optimizer({"name": "sgd", "lr": 1.0, "momentum": 0.0, "nesterov": False, "weight_decay": 0.1}, SPECS)
    p = {"w": np.array([2.0, 0.0]), "b": np.array([0.0])}
    opt.step(p, {"w": np.zeros(2), "b": np.zeros(1)}, 1.0)
    assert np.allclose(p["w"], [1.8, 0.0])


def test_optimizer_state_round_trips():
    cfg = {"name": "adam", "lr": 0.1, "betas": [0.9, 0.999], "eps": 1e-8, "weight_decay": 0.0}
    a, b = make_optimizer(cfg, SPECS), make_optimizer(cfg, SPECS)
    p = {"w": np.ones(2), "b": np.ones(1)}
    a.step(p, {"w": np.array([1.0, 2.0]), "b": np.array([3.0])}, 0.1)
    b.load_state({k: np.array(v, copy=True) for k, v in a.state().items()})
    pa, pb = {k: v.copy() for k, v in p.items()}, {k: v.copy() for k, v in p.items()}
    g = {"w": np.array([0.5, -1.0]), "b": np.array([0.1])}
    a.step(pa, g, 0.1)
    b.step(pb, g, 0.1)
    assert all(np.array_equal(pa[k], pb[k]) for k in p)


def test_spsa_gains_follow_spall():
    opt = make_optimizer({"name": "spsa", "lr": 0.2, "c": 0.1, "alpha": 0.602, "gamma": 0.101, "A": 2.0}, SPECS)
    assert opt.gain(0.2) == pytest.approx(0.2 / 3 ** 0.602)
    assert opt.perturbation() == pytest.approx(0.1)
    p = {"w": np.zeros(2), "b": np.zeros(1)}
    opt.step(p, {"w": np.ones(2), "b": np.ones(1)}, 0.2)
    assert opt.perturbation() == pytest.approx(0.1 / 2 ** 0.101)
    assert np.allclose(p["w"], -0.2 / 3 ** 0.602)


def test_schedules():
    assert lr_at(0.1, None, 7) == 0.1
    assert lr_at(0.1, {"name": "step", "step_size": 3, "gamma": 0.5}, 7) == pytest.approx(0.025)
    assert lr_at(0.1, {"name": "exponential", "gamma": 0.9}, 2) == pytest.approx(0.081)
    cos = {"name": "cosine", "t_max": 10, "eta_min": 0.0}
    assert lr_at(1.0, cos, 0) == 1.0 and lr_at(1.0, cos, 5) == pytest.approx(0.5) and lr_at(1.0, cos, 10) == 0.0
    warm = {"name": "constant", "warmup": 3}
    assert [lr_at(1.0, warm, e) for e in range(5)] == [0.25, 0.5, 0.75, 1.0, 1.0]


def test_clipping_rescales_to_the_global_norm():
    g = {"a": np.array([3.0]), "b": np.array([4.0])}
    clipped, norm = clip_norm(g, 1.0)
    assert norm == 5.0 and np.allclose(clipped["a"], 0.6) and np.allclose(clipped["b"], 0.8)
    same, _ = clip_norm(g, 10.0)
    assert same is g
    assert math.isclose(clip_norm(g, None)[1], 5.0)
