"""Training runs: they learn, they are reproducible bit for bit, they resume exactly, they stop
early, and every loss, optimiser and gradient method trains through the same loop."""

import json
import os

import numpy as np
import pytest

import qml_compiler as qc
from qml_compiler.diagnostics import ConfigError
from qml_compiler.train import train
from qml_compiler.train.errors import CheckpointError, DataError
from qml_compiler.train.loop import Trainer

from .conftest import TINY, raw_model


def same(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


def test_moons_example_learns():
    r = train("examples/moons.qml", data="moons(n_samples=200, noise=0.1)", epochs=8, test_split=0.3)
    assert r.predictor.task.loss_name == "cross_entropy"
    assert r.history[-1]["loss"] < r.history[0]["loss"]
    assert r.test["accuracy"] >= 0.85 and r.test["n"] == 60
    assert np.array(r.test["confusion"]).sum() == 60


def test_same_seed_gives_the_same_weights_bit_for_bit():
    a = train(TINY)
    b = train(qc.compile(TINY))
    assert same(a.params, b.params) and a.history[-1]["loss"] == b.history[-1]["loss"]
    c = train(TINY, seed=1)
    assert not same(a.params, c.params)


def _interrupt_at(monkeypatch, step):
    real = Trainer._gradient

    def gradient(self, idx):
        if self.step == step:
            raise KeyboardInterrupt
        return real(self, idx)

    monkeypatch.setattr(Trainer, "_gradient", gradient)


@pytest.mark.parametrize("every,stop", [("steps(2)", 7), ("steps(3)", 5), ("1", 12)])
def test_an_interrupted_run_resumes_to_the_same_weights(tmp_path, monkeypatch, every, stop):
    settings = {"epochs": 4, "validation_split": 0.2, "checkpoint_every": every, "early_stopping": 10}
    whole = train(TINY, out=str(tmp_path / "a"), **settings)
    _interrupt_at(monkeypatch, stop)  # 5 steps per epoch: stops mid-epoch or at an epoch's start
    with pytest.raises(KeyboardInterrupt):
        train(TINY, out=str(tmp_path / "b"), **settings)
    monkeypatch.undo()
    resumed = train(TINY, out=str(tmp_path / "b"), resume=True, **settings)
    assert same(whole.params, resumed.params)
    strip = [{k: v for k, v in row.items() if k != "time"} for row in whole.history]
    assert strip == [{k: v for k, v in row.items() if k != "time"} for row in resumed.history]
    lines = (tmp_path / "b" / "metrics.jsonl").read_text().splitlines()
    assert [json.loads(x)["epoch"] for x in lines] == [1, 2, 3, 4]


def test_resume_continues_a_finished_run_for_more_epochs(tmp_path):
    long = train(TINY, epochs=5)
    train(TINY, epochs=3, out=str(tmp_path))
    more = train(TINY, epochs=5, out=str(tmp_path), resume=True)
    assert same(long.params, more.params) and len(more.history) == 5


def test_resume_refuses_other_settings_and_data(tmp_path):
    train(TINY, out=str(tmp_path / "a"), epochs=1)
    with pytest.raises(CheckpointError, match="different settings for optimizer"):
        train(TINY, out=str(tmp_path / "a"), resume=True, lr=0.5)
    with pytest.raises(CheckpointError, match="different settings for data"):
        train(TINY, out=str(tmp_path / "a"), resume=True, data="circle(n_samples=64, seed=1)")
    X = np.random.default_rng(0).uniform(-1, 1, size=(30, 2))
    y = (X[:, 0] > 0).astype(int)
    train(TINY, (X, y), out=str(tmp_path / "b"), epochs=1)
    with pytest.raises(CheckpointError, match="the data differ"):
        train(TINY, (X[::-1], y[::-1]), out=str(tmp_path / "b"), resume=True)


def test_early_stopping_restores_the_best_weights():
    r = train(TINY, epochs=20, lr=1e-9, early_stopping=2, early_stopping__min_delta=1.0)
    assert r.stopped_early and len(r.history) == 3 and r.best_epoch == 1
    first = train(TINY, epochs=1, lr=1e-9)
    assert same(r.params, first.params)


@pytest.mark.parametrize("source,loss,extra", [
    (raw_model(1), "mse", {}),                                  # <Z> against -1/+1
    (raw_model(1), "hinge", {}),
    (raw_model(2, "expval(Z0), expval(X0)"), "softmax_cross_entropy", {}),
    (raw_model(3, "expval(X0), expval(Y0), expval(Z0)"), "fidelity(bloch=true)", {}),
    (TINY, "fidelity", {}),
    (TINY, "bce", {}),
    (raw_model(1), "mse", {"optimizer": "sgd(lr=0.1, momentum=0.9)", "schedule": "step(step_size=1)", "clip": 0.5}),
])
def test_every_loss_trains(source, loss, extra):
    r = train(source, loss=loss, epochs=4, **extra)
    assert r.history[-1]["loss"] < r.history[0]["loss"]
    pred = r.predict(np.array([[0.0, 0.0], [0.9, 0.9]]))
    assert set(pred.tolist()) <= {0, 1}


def test_default_losses_follow_the_output():
    assert train(raw_model(1), epochs=1).predictor.task.loss_name == "mse"
    r = train(raw_model(2, "expval(Z0), expval(X0)"), epochs=1)
    assert r.predictor.task.loss_name == "softmax_cross_entropy"
    with pytest.raises(ConfigError, match="needs probabilities"):
        train(raw_model(2, "expval(Z0), expval(X0)"), loss="cross_entropy", epochs=1)
    with pytest.raises(ConfigError, match="3 classes"):
        train(TINY, data="tricrown(n_samples=30)", epochs=1)


def test_shot_based_and_spsa_training_is_reproducible():
    a = train(TINY, shots=200, epochs=2)
    b = train(TINY, shots=200, epochs=2)
    assert a.config["gradient"] == "parameter_shift" and same(a.params, b.params)
    assert not same(a.params, train(TINY, epochs=2).params)
    s = train(TINY, optimizer="spsa(lr=0.3, c=0.2)", epochs=12)
    assert same(s.params, train(TINY, optimizer="spsa(lr=0.3, c=0.2)", epochs=12).params)
    assert s.history[-1]["loss"] < s.history[0]["loss"]


def test_the_gradient_of_a_training_step_is_the_losss_gradient():
    """The loop's first step moves the weights as Adam moves them with a finite-difference
    gradient of the batch loss (an independent check of the task's targets and loss)."""
    cm = qc.compile(TINY)
    r = train(cm, epochs=1, batch_size=48, optimizer="sgd(lr=0.5)")  # one full-batch step
    tr = train(cm, epochs=1, batch_size=48, lr=1e-300, optimizer="sgd")
    from qml_compiler.train.config import resolve
    from qml_compiler.train.loop import prepare
    prep = prepare(cm, resolve(cm.ir.graph["train"]), None)
    p0 = cm.init_params(0)
    X, y = prep.train.X, prep.train.y

    def loss(p):
        out = cm.forward({"x": X}, p)["p"]
        return -np.mean(np.log(out[np.arange(len(y)), y]))

    for k in p0:
        g = np.zeros_like(p0[k])
        for i in np.ndindex(g.shape):
            up = {**p0, k: p0[k].copy()}
            dn = {**p0, k: p0[k].copy()}
            up[k][i] += 1e-6
            dn[k][i] -= 1e-6
            g[i] = (loss(up) - loss(dn)) / 2e-6
        assert np.allclose(r.params[k], p0[k] - 0.5 * g, atol=1e-7)
        assert np.allclose(tr.params[k], p0[k])


def test_data_that_does_not_fit_the_model(tmp_path):
    p = tmp_path / "three.csv"
    p.write_text("a,b,c,label\n" + "".join(f"{i},{i},{i},{i % 2}\n" for i in range(10)))
    with pytest.raises(DataError, match=r"3 feature columns \(a, b, c\), but model `tiny` takes 2 \(input x\[2\]\)"):
        train(TINY, data=str(p), epochs=1)
    r = train(TINY, data=str(p), data__features=["a", "c"], epochs=1)
    assert r.predictor.feature_names == ["a", "c"]


def test_regression_reports_mse_and_r2(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(40, 2))
    y = 0.5 * np.cos(X[:, 0])
    r = train(raw_model(1), (X, y), epochs=3, loss="mse")
    assert r.predictor.task.kind == "regression"
    assert {"loss", "mse", "r2"} <= set(r.history[-1])
    assert r.predict(X).shape == (40,)


def test_compiled_model_train_and_predict(tmp_path):
    cm = qc.compile(TINY)
    r = cm.train(epochs=2, out=str(tmp_path))
    X = np.array([[0.0, 0.1], [0.95, -0.9]])
    assert np.array_equal(cm.predict(X, str(tmp_path / "checkpoint.npz")), r.predict(X))
    assert np.array_equal(cm.predict(X, r), r.predict(X))


def test_run_folder_contents(tmp_path):
    r = train(TINY, out=str(tmp_path), epochs=2, validation_split=0.2)
    cfg = json.loads((tmp_path / "config.json").read_text())
    assert cfg["config"]["epochs"] == 2 and cfg["data"]["n_validation"] == 13
    header = (tmp_path / "metrics.csv").read_text().splitlines()[0]
    assert header == "epoch,step,lr,loss,accuracy,val_loss,val_accuracy,time"
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["test"]["accuracy"] == r.test["accuracy"]
    assert not [f for f in os.listdir(tmp_path) if f.endswith(".tmp")]


TWO_QUBITS = raw_model(2, "expval(Z0), expval(Z1)").replace("on q[1]", "on q[2]").replace(
    "[2, 1, 3]", "[2, 2, 3]").replace("layers=2);", "layers=2, entangle=line);")


def test_training_on_a_targets_compiled_circuits(tmp_path):
    """The routed, rebased circuits of a target are the logical circuit up to a relabelling of
    qubits, so exact training on them follows the logical training to rounding error; the
    checkpoint records the target, and evaluation compiles for it again."""
    logical = train(TWO_QUBITS, epochs=2)
    native = train(TWO_QUBITS, epochs=2, target="heavy-hex-27", out=str(tmp_path))
    assert native.config["target"] == "heavy-hex-27" and native.predictor.cm.target == "heavy-hex-27"
    assert all(np.allclose(native.params[k], logical.params[k], atol=1e-9) for k in logical.params)
    from qml_compiler.train import checkpoint as ckpt
    from qml_compiler.train import evaluate
    meta, _ = ckpt.load(str(tmp_path / "checkpoint.npz"))
    assert meta["target"] == "heavy-hex-27"
    assert evaluate(TWO_QUBITS, str(tmp_path / "checkpoint.npz"))["accuracy"] == native.test["accuracy"]
    shots = train(TWO_QUBITS, epochs=1, target="line-4", shots=100)
    assert shots.config["gradient"] == "parameter_shift" and np.isfinite(shots.history[-1]["loss"])


def test_an_unknown_target_is_a_clear_error():
    from qml_compiler.diagnostics import QmlError
    with pytest.raises(QmlError) as e:
        train(TINY, epochs=1, target="heavy-hex-28")
    assert "heavy-hex-28" in str(e.value) and "Traceback" not in e.value.render()
