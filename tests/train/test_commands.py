"""`qmlc train`, `qmlc evaluate` and `qmlc predict` as a person uses them: files written, exit
codes, messages that name the place of every mistake, and a `kill -9` that costs nothing."""

import csv
import io
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from qml_compiler.cli import main
from qml_compiler.train import checkpoint as ckpt
from qml_compiler.train import train
from qml_compiler.train.progress import Progress

ROOT = Path(__file__).resolve().parents[2]


def qmlc(capsys, *args):
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_train_evaluate_predict(tiny_file, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = qmlc(capsys, "train", tiny_file, "--epochs", "2", "--set", "train.optimizer.lr=0.2")
    assert code == 0, err
    assert out.startswith("tiny: 48 training / 0 validation / 16 test samples of circle(n_samples=64), 2 classes; "
                          "loss cross_entropy, adam lr 0.2, 2 epochs x 5 steps of 10")
    assert "epoch 2/2" in out and "test: loss" in out and "<- predicted" in out
    run = tmp_path / "runs" / "tiny"
    assert {"checkpoint.npz", "metrics.csv", "metrics.jsonl", "config.json", "summary.json"} <= set(os.listdir(run))
    cfg = json.loads((run / "config.json").read_text())["config"]
    assert cfg["epochs"] == 2 and cfg["optimizer"]["lr"] == 0.2
    code, out, err = qmlc(capsys, "evaluate", tiny_file)
    assert code == 0 and "circle(n_samples=64) (test split): 16 samples" in out and "accuracy" in out
    code, out, _ = qmlc(capsys, "evaluate", tiny_file, "--data", "circle(n_samples=40, seed=9)", "--format", "json")
    r = json.loads(out)
    assert code == 0 and r["n"] == 40 and np.array(r["confusion"]).sum() == 40
    data = tmp_path / "new.csv"
    data.write_text("x0,x1\n0.1,0.1\n0.9,-0.9\n-0.5,0.2\n")
    code, _, err = qmlc(capsys, "predict", tiny_file, "--data", str(data), "-o", "pred.csv")
    assert code == 0, err
    with open(tmp_path / "pred.csv") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["x0", "x1", "prediction", "p_0", "p_1"] and len(rows) == 3
    assert all(abs(float(r["p_0"]) + float(r["p_1"]) - 1) < 1e-5 for r in rows)


def test_plot(tiny_file, tmp_path, capsys, monkeypatch):
    pytest.importorskip("matplotlib")
    monkeypatch.chdir(tmp_path)
    code, out, _ = qmlc(capsys, "train", tiny_file, "--epochs", "2", "--quiet", "--plot", "--out", "r")
    assert code == 0 and (tmp_path / "r" / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "epoch" not in out  # quiet: only the results


@pytest.mark.parametrize("args,code,message", [
    (["--data", "{dir}/bad.csv"], 1, "bad.csv:3:1: error: line 3, column `x1`: `abc` is not a number"),
    (["--data", "{dir}/bad.csv", "--label", "lbl"], 1, "no column `lbl`"),
    (["--data", "{dir}/nope.csv"], 1, "no such data file"),
    (["--data", "mons"], 1, "did you mean `moons`?"),
    (["--epochs", "0"], 1, "`epochs` must be a positive integer"),
    (["--set", "train.epoch=3"], 1, "did you mean `epochs`?"),
    (["--optimizer", "adamw"], 1, "did you mean `adam`?"),
    (["--resume", "{dir}/none.npz"], 1, "no such checkpoint"),
    (["--epochs"], 2, "expected one argument"),
    (["--no-such-option"], 2, "unrecognized arguments"),
])
def test_mistakes_are_named_with_exit_codes(tiny_file, tmp_path, capsys, monkeypatch, args, code, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.csv").write_text("x0,x1,label\n1,2,0\n3,abc,1\n")
    args = [a.replace("{dir}", str(tmp_path)) for a in args]
    if code == 2:
        with pytest.raises(SystemExit) as e:
            main(["train", tiny_file, *args])
        assert e.value.code == 2 and message in capsys.readouterr().err
        return
    got, _, err = qmlc(capsys, "train", tiny_file, "--quiet", *args)
    assert got == code and message in err and "Traceback" not in err


def test_evaluate_refuses_another_models_checkpoint(tiny_file, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert qmlc(capsys, "train", tiny_file, "--epochs", "1", "-q")[0] == 0
    code, _, err = qmlc(capsys, "evaluate", str(ROOT / "examples" / "moons.qml"), "--checkpoint",
                        "runs/tiny/checkpoint.npz")
    assert code == 1 and "does not belong to model `moons`" in err


def test_progress_is_quiet_under_ci(monkeypatch):
    class Tty(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setenv("CI", "true")
    s = Tty()
    p = Progress(10, stream=s)
    p.update(5, loss=0.5)
    p.close()
    assert not p.enabled and s.getvalue() == ""
    monkeypatch.setenv("CI", "false")
    s = Tty()
    p = Progress(10, stream=s)
    p.update(10, loss=0.5)
    p.close()
    assert p.enabled and s.getvalue() != ""
    assert not Progress(10, stream=Tty(), quiet=True).enabled


def _qmlc_process(args, cwd, env=None):
    e = dict(os.environ, PYTHONPATH=str(ROOT), CI="true")
    e.pop("QMLC_DEBUG", None)
    e.update(env or {})
    return subprocess.run([sys.executable, "-m", "qml_compiler.cli", *args], cwd=cwd, env=e,
                          capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize("kill", ["step:13", "write:4"])
def test_kill_9_and_resume_reach_the_uninterrupted_weights(tiny_file, tmp_path, kill):
    """A real SIGKILL, mid-epoch (after step 13 of 5 per epoch) or in the middle of writing the
    4th checkpoint; `--resume` then ends with exactly the weights of a run never interrupted."""
    common = ["train", tiny_file, "--epochs", "4", "--checkpoint-steps", "3", "-q"]
    whole = train(tiny_file, epochs=4)  # in this process: the same weights as the command's
    killed = _qmlc_process([*common, "--out", "b"], tmp_path, {"QMLC_TEST_KILL": kill})
    assert killed.returncode == -signal.SIGKILL
    meta, _ = ckpt.load(str(tmp_path / "b" / "checkpoint.npz"))  # the last complete checkpoint
    assert not meta["state"]["finished"] and 0 < meta["state"]["step"] < 20
    resumed = _qmlc_process([*common, "--out", "b", "--resume"], tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    _, b = ckpt.load(str(tmp_path / "b" / "checkpoint.npz"))
    assert all(np.array_equal(whole.params[k], b[f"param/{k}"]) for k in whole.params)
    assert not [f for f in os.listdir(tmp_path / "b") if f.endswith(".tmp")]


def test_evaluate_under_noise_and_mitigation(tiny_file, tmp_path, capsys, monkeypatch):
    # Exact density-matrix noise: deterministic. Noise raises the loss; readout + ZNE brings most
    # of it back (the noise stage's own tests check each channel against Qiskit Aer).
    monkeypatch.chdir(tmp_path)
    assert qmlc(capsys, "train", tiny_file, "--epochs", "20", "--set", "train.optimizer.lr=0.2", "-q")[0] == 0
    noise = "depol1=5e-2,readout=1e-1"
    losses = {}
    for extra in ([], ["--noise", noise], ["--noise", noise, "--mitigate", "readout+zne"]):
        code, out, err = qmlc(capsys, "evaluate", tiny_file, "--format", "json", *extra)
        assert code == 0, err
        losses[len(extra)] = json.loads(out)["loss"]
    exact, noisy, mitigated = losses[0], losses[2], losses[4]
    assert noisy > exact + 1e-3
    assert abs(mitigated - exact) < 0.5 * abs(noisy - exact)
    code, _, err = qmlc(capsys, "evaluate", tiny_file, "--mitigate", "zne")
    assert code == 1 and "needs noise" in err
    code, _, err = qmlc(capsys, "evaluate", tiny_file, "--noise", "depol9=1")
    assert code == 1 and "depol9" in err


def test_train_under_noise_uses_spsa(tiny_file, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = qmlc(capsys, "train", tiny_file, "--epochs", "4", "--noise", "depol1=1e-2,readout=2e-2")
    assert code == 0, err
    assert "gradient spsa" in out
    cfg = json.loads((tmp_path / "runs" / "tiny" / "config.json").read_text())["config"]
    assert cfg["gradient"] == "spsa"
    code, _, err = qmlc(capsys, "train", tiny_file, "--epochs", "1", "--noise", "readout=2e-2",
                        "--set", "train.gradient=adjoint")
    assert code == 1 and "cannot use the `adjoint` gradient" in err


def test_noise_is_recorded_with_the_run_and_kept_on_resume(tiny_file, tmp_path, capsys, monkeypatch):
    """A run trained under noise records the noise in its configuration and checkpoint; `--resume`
    without `--noise` continues under that noise (to the weights of a run never interrupted), and
    `--resume` with other noise is refused rather than silently mixing two kinds of training."""
    import numpy as np
    monkeypatch.chdir(tmp_path)
    spec = "depol1=2e-2,readout=5e-2"
    assert qmlc(capsys, "train", tiny_file, "--epochs", "4", "--noise", spec, "--out", "whole", "-q")[0] == 0
    cfg = json.loads((tmp_path / "whole" / "config.json").read_text())["config"]
    assert cfg["noise"] == spec and cfg["gradient"] == "spsa"
    assert qmlc(capsys, "train", tiny_file, "--epochs", "2", "--noise", spec, "--out", "part", "-q")[0] == 0
    code, _, err = qmlc(capsys, "train", tiny_file, "--epochs", "4", "--out", "part", "--resume", "-q")
    assert code == 0, err
    whole, part = np.load(tmp_path / "whole" / "checkpoint.npz"), np.load(tmp_path / "part" / "checkpoint.npz")
    keys = [k for k in whole.files if k.startswith("final/")]
    assert keys and all(np.array_equal(whole[k], part[k]) for k in keys)
    code, _, err = qmlc(capsys, "train", tiny_file, "--epochs", "6", "--out", "part", "--resume",
                        "--noise", "depol1=1e-1", "-q")
    assert code == 1 and "noise" in err and "depol1=1e-1" in err


def test_noise_can_be_a_setting_of_the_file(tiny_file, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    tiny = open(tiny_file).read()
    f = tmp_path / "noisy.qml"
    f.write_text(tiny.replace("seed = 0;", 'seed = 0;\n        noise = "readout=5e-2";'))
    code, out, err = qmlc(capsys, "train", str(f), "--epochs", "1", "--out", "r")
    assert code == 0, err
    assert "gradient spsa" in out
    assert json.loads((tmp_path / "r" / "config.json").read_text())["config"]["noise"] == "readout=5e-2"
    f.write_text(tiny.replace("seed = 0;", 'seed = 0;\n        noise = "depol7=1";'))
    code, _, err = qmlc(capsys, "train", str(f), "--epochs", "1")
    assert code == 1 and "depol7" in err


def test_noise_model_json_round_trips():
    from qml_compiler.noise import NoiseModel
    nm = NoiseModel.from_target("heavy-hex-27")
    assert NoiseModel.from_json(json.loads(json.dumps(nm.to_json()))) == nm


def test_a_block_too_large_to_simulate_is_a_clear_error(tmp_path, capsys, monkeypatch):
    """34 qubits: it compiles for a large target, but training says how much memory one sample
    would need and what to change, instead of dying allocating it."""
    monkeypatch.chdir(tmp_path)
    f = tmp_path / "big.qml"
    f.write_text("""model big {
    input x[2];
    output y[1];
    quantum c(x[2]) on q[34] {
        param theta[34];
        for i in range(34) { ry(theta[i] * x[i % 2]) q[i]; }
        for i in range(33) { cx q[i], q[i + 1]; }
        readout expval(Z33);
    }
    forward { y = c(x); }
    train { data = moons(n_samples=40); epochs = 1; }
}
""")
    code, out, err = qmlc(capsys, "train", str(f), "-q")
    assert code == 1, err
    assert "block `c`" in err and "34 qubits" in err and "GiB" in err and "fewer qubits" in err
    assert "internal error" not in err
    assert qmlc(capsys, "compile", str(f), "--target", "heavy-hex-127")[0] == 0
