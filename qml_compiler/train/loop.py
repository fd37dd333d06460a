"""The training loop: data prepared once, then epochs of shuffled mini-batches, each a gradient
(adjoint, parameter shift, SPSA or finite differences; exact or with shots), clipping, an
optimiser step and, every epoch, metrics on the training and validation data, early stopping and
a checkpoint.

Reproducible bit for bit: the split, the initial weights, each epoch's shuffle and each step's
random draws (shots, SPSA directions) all come from the configuration's seed (the shuffles from
one generator whose state is checkpointed; per-step draws from (seed, step)). A run resumed from
any checkpoint, even one written in the middle of an epoch, therefore ends with the same weights
as a run that was never interrupted.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import os
import time
from dataclasses import dataclass, field

import numpy as np

from .. import __version__
from ..diagnostics import ConfigError, QmlError
from . import checkpoint as ckpt
from .config import RESUMABLE_CHANGES
from .data import Dataset, Scaler, load_data, normalise_spec, split_indices
from .errors import CheckpointError, DataError, at
from .optim import clip_norm, lr_at, make_optimizer
from .predictor import Predictor, check_width, model_inputs
from .progress import Progress, epoch_line, metrics_csv, metrics_jsonl
from .task import Task


class TrainingDiverged(QmlError):
    """The loss became NaN or infinite."""


# ---- data ---------------------------------------------------------------------------------------

@dataclass
class Prepared:
    """The data of a run, split and scaled, and what the model is trained to do on it."""

    task: Task
    scaler: Scaler
    train: Dataset
    val: Dataset | None
    test: Dataset | None
    info: dict  # source, features, classes, sizes, hash: saved with the run


def _as_dataset(data, base_dir, classes=None, known_features=None, known_label=None) -> Dataset:
    if isinstance(data, Dataset):
        return data
    if isinstance(data, tuple) and len(data) == 2:
        from .data import from_arrays
        return from_arrays(data[0], data[1], classes=classes)
    return load_data(data, base_dir, classes=classes, known_features=known_features, known_label=known_label)


def _hash(*sets: Dataset | None) -> str:
    h = hashlib.sha256()
    for ds in sets:
        if ds is None:
            h.update(b"-")
            continue
        h.update(np.ascontiguousarray(ds.X).tobytes())
        if ds.y is not None:
            h.update(np.ascontiguousarray(ds.y).tobytes())
    return h.hexdigest()[:16]


def prepare(cm, cfg: dict, data=None, base_dir: str | None = None, output: str | None = None) -> Prepared:
    """Load the data the configuration (or `data`) names, split it with the seed, fit the scaling
    on the training part, and work out the task."""
    spec = cfg["data"]
    if data is None and spec is None:
        raise ConfigError(f"model `{cm.name}` has no data to train on",
                          hint="set `data = ...;` in its train section, or pass --data FILE (or a set: "
                               "--data 'moons(n_samples=500)')")
    extra = {}
    if isinstance(spec, dict):
        spec = dict(spec)
        extra = {k: spec.pop(k) for k in ("test", "validation") if k in spec}
    ds = _as_dataset(spec if data is None else data, base_dir)
    if ds.y is None:
        raise DataError("no labels to train on", at(ds.source),
                        hint="name the label column with data.label (--label)")
    check_width(cm, ds)
    parts: dict[str, Dataset | None] = {}
    for part, frac_key in (("test", "test_split"), ("validation", "validation_split")):
        if part in extra:
            if cfg[frac_key]:
                raise ConfigError(f"data.{part} gives a separate {part} set, so `{frac_key}` must not be set too")
            sub_spec = normalise_spec(extra[part])
            if isinstance(spec, dict) and spec.get("name") == "csv" and sub_spec["name"] == "csv":
                sub_spec = {**{k: v for k, v in spec.items() if k in ("label", "features", "header", "delimiter")},
                            **sub_spec}
            sub = load_data(sub_spec, base_dir, classes=ds.classes, known_features=ds.feature_names,
                            known_label=ds.label_name)
            check_width(cm, sub)
            if sub.y is None:
                raise DataError(f"the {part} set has no labels", at(sub.source))
            parts[part] = sub
    tr, va, te = split_indices(ds.y, len(ds), cfg["validation_split"], cfg["test_split"], cfg["seed"])
    train = ds.subset(tr)
    val = parts.get("validation") or (ds.subset(va) if len(va) else None)
    test = parts.get("test") or (ds.subset(te) if len(te) else None)
    scaler = Scaler.create(cfg["scale"]["kind"], cfg["scale"]["range"]).fit(train.X)

    def scaled(d):
        return None if d is None else Dataset(scaler.transform(d.X), d.y, d.feature_names, d.label_name,
                                              d.classes, d.source, d.label_values, d.lines)

    task = Task.create(cm, output, ds, cfg["loss"])
    info = {"source": ds.source, "features": ds.feature_names, "label": ds.label_name, "classes": ds.classes,
            "n_train": len(train), "n_validation": 0 if val is None else len(val),
            "n_test": 0 if test is None else len(test), "hash": _hash(train, val, test)}
    return Prepared(task, scaler, scaled(train), scaled(val), scaled(test), info)


def default_metrics(task: Task, cfg: dict) -> list[str]:
    if cfg["metrics"]:
        return ["loss"] + [m for m in cfg["metrics"] if m != "loss"]
    return ["loss", "accuracy"] if task.kind == "classification" else ["loss", "mse", "r2"]


# ---- the run ------------------------------------------------------------------------------------

@dataclass
class TrainResult:
    """What `train` returns: the final weights, the metrics per epoch, the held-out test metrics
    (None without a test set), and a `predictor` to use the trained model."""

    params: dict
    history: list[dict]
    test: dict | None
    config: dict
    predictor: Predictor
    run_dir: str | None = None
    checkpoint: str | None = None
    stopped_early: bool = False
    best_epoch: int | None = None
    elapsed: float = 0.0
    files: dict = field(default_factory=dict)

    def predict(self, X):
        return self.predictor.predict(X)

    def evaluate(self, ds: Dataset) -> dict:
        return self.predictor.evaluate(ds)


def step_seed(seed: int, step: int, stream: int = 7) -> int:
    """The seed of one step's random draws (shots, SPSA directions): a pure function of the run's
    seed and the step, so a resumed run draws the same."""
    return int(np.random.SeedSequence([seed, step, stream]).generate_state(1)[0])


class Trainer:
    """One training run. `run()` trains to the end (or until early stopping) and returns a
    `TrainResult`; with `run_dir` it writes the checkpoint, config.json, metrics.csv and
    metrics.jsonl there as it goes."""

    def __init__(self, cm, cfg: dict, prep: Prepared, run_dir: str | None = None, quiet: bool = True,
                 log=print, model_file: str | None = None, checkpoint_path: str | None = None):
        self.cm, self.cfg, self.prep = cm, cfg, prep
        self.task = prep.task
        self.run_dir = run_dir
        self.ckpt_path = checkpoint_path or (os.path.join(run_dir, "checkpoint.npz") if run_dir else None)
        self.quiet, self.log = quiet, log
        self.model_file = model_file
        self.metric_names = default_metrics(self.task, cfg)
        self.params = cm.init_params(seed=cfg["seed"])
        self.opt = make_optimizer(cfg["optimizer"], cm.param_specs)
        self.rng = np.random.default_rng([cfg["seed"], 1])
        self.epoch = self.batch = self.step = 0
        self.perm: np.ndarray | None = None
        self.history: list[dict] = []
        self.best: dict | None = None  # {"epoch", "score", "params"}
        self.bad_epochs = 0
        self.stopped = False
        self.finished = False
        self.elapsed = 0.0
        self.targets = self.task.targets(prep.train.y)

    # ---- checkpoints ---------------------------------------------------------------------------

    def _meta(self) -> dict:
        sig = {"name": self.cm.name, "fingerprint": ckpt.fingerprint(self.cm), "inputs": dict(self.cm.inputs),
               "outputs": dict(self.cm.outputs),
               "params": {k: list(shape) for k, (shape, _) in self.cm.param_specs.items()}}
        return {
            "qml_compiler": __version__, "model": sig, "model_file": self.model_file,
            "target": self.cfg.get("target"), "config": self.cfg, "task": self.task.to_json(),
            "scaler": self.prep.scaler.to_json(), "data": self.prep.info, "metrics": self.metric_names,
            "state": {"epoch": self.epoch, "batch": self.batch, "step": self.step, "finished": self.finished,
                      "stopped_early": self.stopped, "rng": self.rng.bit_generator.state,
                      "best": None if self.best is None else {k: v for k, v in self.best.items() if k != "params"},
                      "bad_epochs": self.bad_epochs, "elapsed": self.elapsed},
            "history": self.history,
        }

    def _arrays(self) -> dict[str, np.ndarray]:
        arrays = {f"param/{k}": np.asarray(v, dtype=float) for k, v in self.params.items()}
        arrays.update({f"opt/{k}": v for k, v in self.opt.state().items()})
        if self.best is not None:
            arrays.update({f"best/{k}": v for k, v in self.best["params"].items()})
        if self.perm is not None and 0 < self.batch:
            arrays["perm"] = self.perm
        if self.finished:
            arrays.update({f"final/{k}": np.asarray(v, dtype=float) for k, v in self.final_params().items()})
        return arrays

    def save(self) -> None:
        if self.ckpt_path:
            ckpt.save(self.ckpt_path, self._meta(), self._arrays())

    def restore(self, meta: dict, arrays: dict) -> None:
        """Continue from a checkpoint of this run."""
        st = meta["state"]
        self.epoch, self.batch, self.step = st["epoch"], st["batch"], st["step"]
        self.params = {k: arrays[f"param/{k}"].copy() for k in self.cm.param_specs}
        self.opt.load_state({k[4:]: v for k, v in arrays.items() if k.startswith("opt/")})
        self.rng.bit_generator.state = st["rng"]
        self.perm = arrays.get("perm")
        self.history = list(meta["history"])
        if st["best"] is not None:
            self.best = dict(st["best"], params={k: arrays[f"best/{k}"].copy() for k in self.cm.param_specs})
        self.bad_epochs = st["bad_epochs"]
        self.stopped = st["stopped_early"]
        self.elapsed = st["elapsed"]

    # ---- steps ---------------------------------------------------------------------------------

    def _gradient(self, idx: np.ndarray):
        X = model_inputs(self.cm, self.prep.train.X[idx])
        T = self.targets[idx]
        cfg = self.cfg
        seed = step_seed(cfg["seed"], self.step)
        if cfg["optimizer"]["name"] == "spsa":
            from ..runtime.shift import spsa_gradient
            return spsa_gradient(self.cm, X, self.params, self.task.loss, T, c=self.opt.perturbation(), seed=seed,
                                 shots=cfg["shots"], output=self.task.output)
        if cfg["gradient"] in (None, "adjoint") and cfg["shots"] is None:
            return self.cm.gradient(X, self.params, loss=self.task.loss, targets=T, output=self.task.output)
        return self.cm.gradient(X, self.params, loss=self.task.loss, targets=T, output=self.task.output,
                                method=cfg["gradient"], shots=cfg["shots"], seed=seed)

    def _measure(self, ds: Dataset, params: dict, seed: int) -> dict:
        p = Predictor(self.cm, params, self.task, self.prep.scaler, None, [], metric_names=self.metric_names,
                      shots=self.cfg["shots"])
        r = p.evaluate(ds, scaled=True, seed=seed)
        r.pop("confusion", None)
        r.pop("n", None)
        return r

    def _monitor(self) -> tuple[str, bool]:
        es = self.cfg["early_stopping"]
        mon = es["monitor"] if es else "auto"
        if mon == "auto":
            mon = "val_loss" if self.prep.val is not None else "loss"
        if mon.startswith("val_") and self.prep.val is None:
            raise ConfigError(f"early stopping watches `{mon}`, but there is no validation data",
                              hint="set validation_split, or early_stopping.monitor = loss")
        return mon, mon.endswith("accuracy")

    def describe(self, steps_per_epoch: int) -> str:
        """One line: the data, the task and the schedule of the run."""
        info, cfg, opt = self.prep.info, self.cfg, self.cfg["optimizer"]
        classes = f", {len(info['classes'])} classes" if info["classes"] is not None else ", regression"
        grad = cfg["gradient"] or "adjoint"
        shots = f", {cfg['shots']} shots" if cfg["shots"] else ""
        target = f", target {cfg['target']}" if cfg.get("target") else ""
        return (f"{self.cm.name}: {info['n_train']} training / {info['n_validation']} validation / {info['n_test']} "
                f"test samples of {info['source']}{classes}; loss {self.task.loss_name}, {opt['name']} lr {opt['lr']:g}, "
                f"{cfg['epochs']} epochs x {steps_per_epoch} steps of {cfg['batch_size']}, gradient {grad}{shots}{target}")

    def final_params(self) -> dict:
        es = self.cfg["early_stopping"]
        if es and es["restore"] and self.best is not None:
            return self.best["params"]
        return self.params

    # ---- the loop ------------------------------------------------------------------------------

    def run(self) -> TrainResult:
        cfg = self.cfg
        n = len(self.prep.train)
        bs = cfg["batch_size"]
        nb = math.ceil(n / bs)
        every = cfg["checkpoint_every"]
        monitor, higher_better = self._monitor()
        es = cfg["early_stopping"]
        progress = Progress(cfg["epochs"] * nb, initial=min(self.step, cfg["epochs"] * nb),
                            quiet=self.quiet or self.finished)
        if not self.quiet and self.log:
            self.log(self.describe(nb) + (f"; resuming at epoch {self.epoch + 1}, step {self.step}" if self.step else ""))
        started = time.perf_counter() - self.elapsed
        kill_at = os.environ.get("QMLC_TEST_KILL", "")
        running = None
        try:
            while self.epoch < cfg["epochs"] and not self.stopped:
                lr = lr_at(cfg["optimizer"]["lr"], cfg["schedule"], self.epoch)
                if self.batch == 0:
                    self.perm = self.rng.permutation(n)
                while self.batch < nb:
                    idx = self.perm[self.batch * bs:(self.batch + 1) * bs]
                    value, grads = self._gradient(idx)
                    if not math.isfinite(value) or not all(np.all(np.isfinite(g)) for g in grads.values()):
                        raise TrainingDiverged(
                            f"training diverged: the loss or a gradient became {value if not math.isfinite(value) else 'NaN'} "
                            f"at step {self.step + 1} (epoch {self.epoch + 1})",
                            hint="lower the learning rate (--lr), clip gradients (--clip 1.0) or scale the data")
                    grads, _ = clip_norm(grads, cfg["clip"])
                    self.opt.step(self.params, grads, lr)
                    self.step += 1
                    self.batch += 1
                    running = value if running is None else 0.9 * running + 0.1 * value
                    progress.update(1, epoch=self.epoch + 1, loss=running)
                    if "steps" in every and self.step % every["steps"] == 0:
                        self.elapsed = time.perf_counter() - started
                        self.save()
                    if kill_at == f"step:{self.step}":
                        import signal
                        os.kill(os.getpid(), signal.SIGKILL)
                # the end of an epoch
                self.elapsed = time.perf_counter() - started
                row = {"epoch": self.epoch + 1, "step": self.step, "lr": lr}
                eval_seed = step_seed(cfg["seed"], self.epoch, stream=8) % (2 ** 31)
                row.update(self._measure(self.prep.train, self.params, eval_seed))
                if self.prep.val is not None:
                    row.update({f"val_{k}": v for k, v in self._measure(self.prep.val, self.params, eval_seed + 1).items()})
                row["time"] = round(self.elapsed, 3)
                self.history.append(row)
                if monitor not in row:
                    raise ConfigError(f"early stopping watches `{monitor}`, which is not measured",
                                      hint="add it to metrics, or watch loss / val_loss")
                score = row[monitor]
                delta = es["min_delta"] if es else 0.0
                improved = self.best is None or (score > self.best["score"] + delta if higher_better
                                                  else score < self.best["score"] - delta)
                if improved:
                    self.best = {"epoch": self.epoch + 1, "score": score,
                                 "params": {k: np.array(v, copy=True) for k, v in self.params.items()}}
                    self.bad_epochs = 0
                else:
                    self.bad_epochs += 1
                self.epoch += 1
                self.batch = 0
                if es and self.bad_epochs >= es["patience"]:
                    self.stopped = True
                if not self.quiet:
                    previous = self.history[-2] if len(self.history) > 1 else None
                    progress.write(epoch_line(row, cfg["epochs"], previous) + ("  (stopping early)" if self.stopped else ""))
                self._write_logs()
                last = self.epoch >= cfg["epochs"] or self.stopped
                if not last and "epochs" in every and self.epoch % every["epochs"] == 0:
                    self.save()
        finally:
            progress.close()
        self.elapsed = time.perf_counter() - started
        self.finished = True
        self.save()
        return self._result()

    def _write_logs(self) -> None:
        if not self.run_dir:
            return
        from ..cli import _write_atomic
        _write_atomic(os.path.join(self.run_dir, "metrics.csv"), metrics_csv(self.history))
        _write_atomic(os.path.join(self.run_dir, "metrics.jsonl"), metrics_jsonl(self.history))

    def predictor(self) -> Predictor:
        info = self.prep.info
        return Predictor(self.cm, self.final_params(), self.task, self.prep.scaler, info["classes"],
                         info["features"], info["label"], self.metric_names, self.cfg["shots"])

    def _result(self) -> TrainResult:
        pred = self.predictor()
        test = None
        if self.prep.test is not None:
            test = pred.evaluate(self.prep.test, scaled=True, seed=12345)
        files = {}
        if self.run_dir:
            files = {"checkpoint": self.ckpt_path, "config": os.path.join(self.run_dir, "config.json"),
                     "metrics_csv": os.path.join(self.run_dir, "metrics.csv"),
                     "metrics_jsonl": os.path.join(self.run_dir, "metrics.jsonl")}
            self._write_logs()
            summary = {"model": self.cm.name, "epochs_run": self.epoch, "steps": self.step,
                       "stopped_early": self.stopped, "best_epoch": None if self.best is None else self.best["epoch"],
                       "final": self.history[-1] if self.history else None, "test": test,
                       "classes": self.prep.info["classes"], "elapsed_s": round(self.elapsed, 3)}
            from ..cli import _write_atomic
            files["summary"] = os.path.join(self.run_dir, "summary.json")
            _write_atomic(files["summary"], json.dumps(summary, indent=2) + "\n")
        return TrainResult(pred.params, self.history, test, self.cfg, pred, self.run_dir, self.ckpt_path,
                           self.stopped, None if self.best is None else self.best["epoch"], self.elapsed, files)


def check_resume(meta: dict, cm, cfg: dict, explicit: dict, path: str) -> dict:
    """The configuration to continue a checkpointed run with: the checkpoint's, with the explicit
    overrides that may change on the way (epochs, checkpointing, early stopping). Anything else
    that differs is refused, as is another model, data or qml_compiler version."""
    ckpt.check_model(meta, cm, path)
    if meta.get("qml_compiler") != __version__:
        raise CheckpointError(f"`{path}` was written by qml_compiler {meta.get('qml_compiler')}; this is {__version__}, "
                              "which may not continue it to the same weights", at(path),
                              hint="evaluate and predict still work; to continue training, start a new run")
    old = meta["config"]
    bad = [k for k in cfg if k not in RESUMABLE_CHANGES and k in explicit_keys(explicit) and cfg[k] != old.get(k)]
    if bad:
        raise CheckpointError(f"`--resume`: the checkpoint's run has different settings for "
                              f"{', '.join(bad)} (" + "; ".join(f"{k}: {old.get(k)!r} -> {cfg[k]!r}" for k in bad) + ")",
                              at(path), hint="resume with the run's own settings (drop those options), or start a new "
                                             "run without --resume")
    merged = copy.deepcopy(old)
    for k in RESUMABLE_CHANGES:
        if k in explicit_keys(explicit):
            merged[k] = cfg[k]
    return merged


def explicit_keys(explicit: dict) -> set:
    return {k.split(".")[0] if k.split(".")[0] != "lr" else "optimizer" for k in explicit} | \
        ({"optimizer"} if "lr" in explicit else set())
