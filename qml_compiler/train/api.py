"""`train`, `evaluate` and `predict` from Python: what `qmlc train`, `qmlc evaluate` and
`qmlc predict` do, with results as Python values.

    >>> from qml_compiler.train import train, evaluate, predict
    >>> result = train("examples/moons.qml", epochs=20, out="runs/moons")     # overrides as keywords
    >>> result.test["accuracy"], result.history[-1]["val_loss"]
    >>> evaluate("examples/moons.qml", "runs/moons/checkpoint.npz")           # the run's test split
    >>> predict("examples/moons.qml", "runs/moons/checkpoint.npz", X)         # labels

The model is a path, source text or a `CompiledModel`; data is the train section's unless given
(a path, a built-in set's name or call such as "moons(n_samples=200)", a spec dict, an
`(X, y)` pair of arrays or a `Dataset`). Keyword settings override the train section, with the
same names and values (`optimizer="sgd(lr=0.1, momentum=0.9)"`, `scale="minmax(range=[0, pi])"`).
"""

from __future__ import annotations

import json
import os

import numpy as np

from ..diagnostics import ConfigError
from . import checkpoint as ckpt
from .config import parse_value, resolve
from .data import Dataset, Scaler, absolute_paths, load_data, normalise_spec
from .errors import CheckpointError, at
from .loop import Trainer, TrainResult, check_resume, prepare
from .predictor import Predictor, check_width
from .task import Task


def _target_name(cm):
    t = getattr(cm, "target", None)
    if t is None or isinstance(t, str):
        return t
    return getattr(t, "name", str(t))


def compile_model(source, model: str | None = None, target: str | None = None, **compile_options):
    """qml_compiler.compile, with `target` passed on only when one is asked for."""
    import qml_compiler as qc
    kw = dict(compile_options)
    if target:
        kw["target"] = target
    try:
        return qc.compile(source, model=model, **kw)
    except TypeError as e:
        if "target" in str(e):
            raise ConfigError(f"training on target `{target}` needs the quantum compiler's targets, which this "
                              "version of qml_compiler does not have yet", hint="drop --target / train.target") from None
        raise


def _section(source, model: str | None):
    """(train settings, model file or None) of a path or source text, without compiling."""
    from ..frontend import load_file, load_source, select_model
    if isinstance(source, str) and not ("\n" in source or "{" in source):
        if not os.path.exists(source):
            from ..diagnostics import FileError
            raise FileError(f"no such file: `{source}`")
        spec = select_model(load_file(source), model, source)
        return dict(spec.train), source
    spec = select_model(load_source(source), model, "<source>")
    return dict(spec.train), None


def _parse_settings(settings: dict) -> dict:
    out = {}
    for k, v in settings.items():
        key = k.replace("__", ".")
        out[key] = parse_value(v) if isinstance(v, str) else v
    return out


def _model_and_section(model, model_name, target, compile_options):
    """(CompiledModel, train section, model file, base dir for data paths)."""
    if isinstance(model, str):
        raw, file = _section(model, model_name)
        return None, raw, file, (os.path.dirname(os.path.abspath(file)) if file else None)
    raw = dict(model.ir.graph.get("train") or {})
    file = model.ir.graph.get("file")
    base = os.path.dirname(os.path.abspath(file)) if file and os.path.exists(file) else None
    return model, raw, file, base


def train(model, data=None, *, model_name: str | None = None, out: str | None = None, resume=False,
          quiet: bool = True, output: str | None = None, log=print, compile_options: dict | None = None,
          overrides: dict | None = None, noise=None, **settings) -> TrainResult:
    """Train a model; see the module docstring. `out` is a folder for the checkpoint and logs
    (nothing is written without it); `resume=True` continues `out/checkpoint.npz`, or give the
    checkpoint's path. `settings` override the train section (`epochs=5`, `optimizer__lr=0.1` for
    the sub-key optimizer.lr); `overrides` is the same as a dict of parsed values with dotted keys.
    `noise` (a NoiseModel or a spec such as "heavy-hex-27") trains under that noise: forward runs
    are noisy (density matrices or trajectories, `docs/noise.md`) and the gradient is SPSA (or
    finite differences), as it would be on the hardware; adjoint is refused."""
    given = dict(overrides or {})
    compile_options = dict(compile_options or {})
    cm, raw, file, base = _model_and_section(model, model_name, None, compile_options)
    overrides = {}
    if isinstance(data, (str, dict)):  # a spec: recorded in the configuration like the file's
        overrides["data"] = parse_value(data) if isinstance(data, str) else data
        data = None
    elif data is not None:
        overrides["data"] = {"name": "<arrays>"}
    if noise is not None:  # a setting like any other: recorded with the run, kept on --resume
        from ..noise import NoiseModel
        overrides["noise"] = noise.to_json() if isinstance(noise, NoiseModel) else noise
    overrides.update(given)
    overrides.update(_parse_settings(settings))
    for key in ("data", "data.test", "data.validation"):  # relative to where the person is
        if key in overrides:
            overrides[key] = absolute_paths(overrides[key])
    cfg = resolve(raw, overrides)
    if cm is not None:
        tname = _target_name(cm)
        if cfg["target"] and tname != cfg["target"]:
            raise ConfigError(f"the train settings ask for target `{cfg['target']}`, but this CompiledModel was "
                              f"compiled {'for ' + tname if tname else 'without a target'}",
                              hint="compile it with target=..., or pass the model's path")
        cfg["target"] = tname
    meta = arrays = None
    ckpt_path = os.path.join(out, "checkpoint.npz") if out else None
    if resume:
        ckpt_path = resume if isinstance(resume, str) else ckpt_path
        if ckpt_path is None:
            raise ConfigError("resume needs a checkpoint: give its path, or the run folder (out=...)")
        meta, arrays = ckpt.load(ckpt_path)
        if cm is None:
            cm = compile_model(model, model_name, meta.get("target"), **compile_options)
        cfg = check_resume(meta, cm, cfg, overrides, ckpt_path)
        differs = sorted(k for k, v in resolve(raw, {}).items() if k not in overrides and meta["config"].get(k) != v
                         and k not in ("target",))
        if differs and log:
            log(f"note: resuming with the checkpoint's settings; the file now differs in {', '.join(differs)}")
    elif cm is None:
        cm = compile_model(model, model_name, cfg["target"], **compile_options)
    if cfg.get("noise") is not None:
        from ..noise import NoiseModel, with_noise
        if cfg.get("gradient") in (None, "adjoint", "parameter_shift"):
            if cfg.get("gradient") is not None and "gradient" in overrides:
                raise ConfigError(f"training under noise cannot use the `{cfg['gradient']}` gradient",
                                  hint="use --gradient spsa (the default under noise) or finite_diff")
            cfg["gradient"] = "spsa"
        spec = cfg["noise"]
        cm = with_noise(cm, NoiseModel.parse(spec) if isinstance(spec, str) else NoiseModel.from_json(spec))
    prep = prepare(cm, cfg, data, base, output)
    if meta is not None and meta["data"]["hash"] != prep.info["hash"]:
        raise CheckpointError(f"`{ckpt_path}`: the data differ from the data the checkpoint was trained on "
                              f"({meta['data']['source']})", at(ckpt_path),
                              hint="resume with the same data, or start a new run")
    run_dir = out
    if run_dir:
        os.makedirs(run_dir, exist_ok=True)
        from ..cli import _write_atomic
        _write_atomic(os.path.join(run_dir, "config.json"), json.dumps(
            {"model": cm.name, "model_file": file, "config": cfg, "data": prep.info,
             "task": prep.task.to_json(), "scaler": prep.scaler.to_json()}, indent=2, default=str) + "\n")
    if ckpt_path:
        ckpt.remove_stale(ckpt_path)
    trainer = Trainer(cm, cfg, prep, run_dir, quiet=quiet, log=log, model_file=file, checkpoint_path=ckpt_path)
    if meta is not None:
        trainer.restore(meta, arrays)
        if meta["state"]["finished"] and (trainer.stopped or trainer.epoch >= cfg["epochs"]):
            if log:
                log(f"the run in `{ckpt_path}` is already finished ({trainer.epoch} epochs)")
            trainer.finished = True
            return trainer._result()
    return trainer.run()


# ---- using a trained model ---------------------------------------------------------------------

def load_trained(model, checkpoint: str, *, model_name: str | None = None, target: str | None = None,
                 shots: int | None = None, compile_options: dict | None = None):
    """(Predictor, checkpoint record) for a model file (or CompiledModel) and its checkpoint. The
    model is compiled for the target it was trained on unless `target` says otherwise."""
    meta, arrays = ckpt.load(checkpoint)
    if isinstance(model, str):
        cm = compile_model(model, model_name, target or meta.get("target"), **dict(compile_options or {}))
    else:
        cm = model
    ckpt.check_model(meta, cm, checkpoint)
    prefix = "final/" if any(k.startswith("final/") for k in arrays) else "param/"
    params = {k: arrays[prefix + k].copy() for k in cm.param_specs}
    task = Task.from_json(meta["task"])
    info = meta["data"]
    p = Predictor(cm, params, task, Scaler.from_json(meta["scaler"]), info["classes"], info["features"],
                  info["label"], meta.get("metrics") or ["loss"], shots if shots is not None else meta["config"]["shots"])
    return p, meta


def _load_for(p: Predictor, meta: dict, data, base_dir, need_label: bool) -> Dataset:
    if isinstance(data, Dataset):
        ds = data
    elif isinstance(data, tuple):
        from .data import from_arrays
        ds = from_arrays(data[0], data[1], classes=p.classes if p.task.kind == "classification" else None,
                         task=p.task.kind)
    elif isinstance(data, np.ndarray):
        from .data import from_arrays
        ds = from_arrays(data)
    else:
        spec = normalise_spec(parse_value(data) if isinstance(data, str) else data)
        cfg_data = meta["config"].get("data") or {}
        if spec["name"] == "csv" and cfg_data.get("name") == "csv":
            spec = {**{k: v for k, v in cfg_data.items() if k in ("header", "delimiter")}, **spec}
        if "pca" in cfg_data and "pca" not in spec:
            spec["pca"] = cfg_data["pca"]
        ds = load_data(spec, base_dir, classes=p.classes if p.task.kind == "classification" else None,
                       need_label=need_label, known_features=p.feature_names, known_label=p.label_name)
    check_width(p.cm, ds)
    return ds


def evaluate(model, checkpoint: str, data=None, *, split: str = "test", model_name: str | None = None,
             target: str | None = None, shots: int | None = None, compile_options: dict | None = None,
             noise=None, mitigation: str | None = None) -> dict:
    """Metrics of a trained model: on `data` (all of it), or on a split of the run's own data
    (`split`: test, validation, train). A classifier's result has `confusion` and `classes`.

    `noise` (a NoiseModel, or a spec such as "heavy-hex-27" or "depol2=1e-2,readout=2e-2") runs
    the circuits the model runs (the target's compiled ones, with `target`) under that noise;
    `mitigation` is none, readout, zne or readout+zne (`docs/noise.md`)."""
    p, meta = load_trained(model, checkpoint, model_name=model_name, target=target, shots=shots,
                           compile_options=compile_options)
    if noise is not None:
        p = _under_noise(p, noise, mitigation, shots)
    elif mitigation not in (None, "none"):
        raise ConfigError("mitigation needs noise to mitigate", hint="add --noise SPEC (e.g. --noise heavy-hex-27)")
    if data is not None:
        ds = _load_for(p, meta, data, None, need_label=True)
        result = p.evaluate(ds)
        result["data"] = ds.source
    else:
        if split not in ("test", "validation", "train"):
            raise ConfigError(f"unknown split `{split}`", hint="choose test, validation or train")
        cfg = meta["config"]
        if not cfg.get("data") or cfg["data"].get("name") == "<arrays>":
            raise ConfigError(f"the run in `{checkpoint}` was trained on data given in Python; pass the data to "
                              "evaluate on")
        base = os.path.dirname(os.path.abspath(meta["model_file"])) if meta.get("model_file") else None
        prep = prepare(p.cm, cfg, None, base, meta["task"]["output"])
        part = {"test": prep.test, "validation": prep.val, "train": prep.train}[split]
        if part is None:
            raise ConfigError(f"the run has no {split} split (its {split}_split is 0)" if split != "train" else
                              "the run has no training data", hint="pass held-out data with --data FILE")
        result = p.evaluate(part, scaled=True, seed=12345)
        result["data"] = f"{prep.info['source']} ({split} split)"
        if prep.info["hash"] != meta["data"]["hash"]:
            result["warning"] = "the data differ from those the model was trained on"
    result["classes"] = p.classes
    return result


MITIGATIONS = ("none", "readout", "zne", "readout+zne")


def _under_noise(p: Predictor, noise, mitigation: str | None, shots: int | None) -> Predictor:
    """The predictor with its model run under noise (and mitigation); shots go to the noisy run."""
    from dataclasses import replace

    from ..noise import NoiseModel, with_noise

    mitigation = mitigation or "none"
    if mitigation not in MITIGATIONS:
        raise ConfigError(f"unknown mitigation `{mitigation}`", hint="choose " + ", ".join(MITIGATIONS))
    nm = noise if isinstance(noise, NoiseModel) else NoiseModel.parse(str(noise))
    options = {"shots": shots}
    if "readout" in mitigation:
        options["readout_mitigation"] = "tensored"
    if "zne" in mitigation:
        options["zne"] = True
    return replace(p, cm=with_noise(p.cm, nm, **options), shots=None)


def predict(model, checkpoint: str, data, *, model_name: str | None = None, target: str | None = None,
            shots: int | None = None, compile_options: dict | None = None) -> dict:
    """Predictions for `data` (a file, a set, a spec or an array of raw features): a dict with
    `prediction` (labels, or values for a regression), `scores` (n, k) per class (`probabilities`
    says whether they are), `classes`, and the data's `features` and `X`."""
    p, meta = load_trained(model, checkpoint, model_name=model_name, target=target, shots=shots,
                           compile_options=compile_options)
    ds = _load_for(p, meta, data, None, need_label=False)
    out = p.outputs(ds.X)
    pred = p.task.decode(out)
    labels = (np.asarray(p.classes, dtype=object)[pred] if p.task.kind == "classification" else pred)
    return {"prediction": labels, "scores": p.task.scores(out), "probabilities": p.task.scores_are_probabilities,
            "classes": p.classes, "features": ds.feature_names, "X": ds.X, "source": ds.source,
            "label": None if ds.y is None else (np.asarray(p.classes, dtype=object)[ds.y]
                                                if p.task.kind == "classification" else ds.y)}
