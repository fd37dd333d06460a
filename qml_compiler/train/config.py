"""The training configuration: a model's `train` section, command-line overrides on top, resolved
into one plain, JSON-serialisable dict that is saved with every run and checkpoint.

    >>> raw = {"optimizer": {"name": "adam", "lr": 0.05}, "epochs": 30}
    >>> cfg = resolve(raw, overrides={"epochs": 5, "optimizer.lr": 0.01})
    >>> cfg["epochs"], cfg["optimizer"]
    (5, {'name': 'adam', 'lr': 0.01, 'betas': [0.9, 0.999], 'eps': 1e-08, 'weight_decay': 0.0})

Overrides use the same keys as the file (`epochs`, `optimizer.lr`, `data.label` ...), and the
same values: `parse_value("adam(lr=0.01)")` gives `{"name": "adam", "lr": 0.01}`, as
`optimizer = adam(lr=0.01);` does in a file. Replacing a group (`optimizer`) drops the file's
sub-keys of that group (`optimizer.weight_decay`), since they were written for the file's choice.
"""

from __future__ import annotations

import ast
import math
import operator

from ..diagnostics import ConfigError, did_you_mean

KEYS = ("data", "loss", "optimizer", "lr", "epochs", "batch_size", "seed", "gradient", "shots",
        "validation_split", "test_split", "scale", "metrics", "early_stopping", "schedule", "clip",
        "checkpoint_every", "target", "noise")
GROUPS = ("data", "optimizer", "schedule", "early_stopping")
LOSSES = ("mse", "cross_entropy", "softmax_cross_entropy", "bce", "hinge", "fidelity")
OPTIMIZERS = {
    "sgd": {"lr": 0.01, "momentum": 0.0, "nesterov": False, "weight_decay": 0.0},
    "adam": {"lr": 0.01, "betas": [0.9, 0.999], "eps": 1e-8, "weight_decay": 0.0},
    # Spall's gains: a_k = lr / (k + 1 + A)^alpha, c_k = c / (k + 1)^gamma
    "spsa": {"lr": 0.1, "c": 0.1, "alpha": 0.602, "gamma": 0.101, "A": 0.0},
}
SCHEDULES = {
    "constant": {},
    "step": {"step_size": 10, "gamma": 0.5},
    "exponential": {"gamma": 0.95},
    "cosine": {"t_max": None, "eta_min": 0.0},
}
GRADIENTS = ("adjoint", "parameter_shift", "spsa", "finite_diff")
METRICS = ("loss", "accuracy", "f1", "precision", "recall", "mse", "mae", "r2")


# ---- values from the command line --------------------------------------------------------------

_BINOPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
           ast.Pow: operator.pow, ast.Mod: operator.mod}
_NAMES = {"pi": math.pi, "tau": math.tau, "e": math.e, "true": True, "false": False,
          "True": True, "False": False, "none": None, "None": None}


class _NotAValue(Exception):
    pass


def _convert(node):
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float, str)):
        return node.value
    if isinstance(node, ast.Name):
        return _NAMES.get(node.id, node.id) if node.id in _NAMES else node.id
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_convert(e) for e in node.elts]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        v = _convert(node.operand)
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return -v if isinstance(node.op, ast.USub) else v
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        a, b = _convert(node.left), _convert(node.right)
        if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (a, b)):
            return _BINOPS[type(node.op)](a, b)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        if node.func.id in ("sqrt", "log", "exp", "sin", "cos") and len(node.args) == 1 and not node.keywords:
            return getattr(math, node.func.id)(_convert(node.args[0]))
        d = {"name": node.func.id}
        if node.args:
            d["args"] = [_convert(a) for a in node.args]
        for kw in node.keywords:
            if kw.arg is None:
                raise _NotAValue
            d[kw.arg] = _convert(kw.value)
        return d
    raise _NotAValue


def parse_value(text: str):
    """A setting's value written as in a `train` section: a number, `pi / 2`, a bare word (a
    string), `"text"`, `true`, a list `[a, b]` or a call `adam(lr=0.01)`. Anything else, such as a
    path `data/x.csv`, is taken as the string itself."""
    s = text.strip()
    try:
        return _convert(ast.parse(s, mode="eval").body)
    except (SyntaxError, _NotAValue, ValueError, ZeroDivisionError, OverflowError, TypeError):
        return s


def parse_assignment(text: str) -> tuple[str, object]:
    """`train.KEY=VALUE` (or `KEY=VALUE`) from `--set` -> (KEY, value)."""
    if "=" not in text:
        raise ConfigError(f"`--set {text}`: expected KEY=VALUE, e.g. --set train.epochs=10")
    key, value = text.split("=", 1)
    key = key.strip()
    key = key.removeprefix("train.")
    check_key(key, f"--set {text}")
    return key, parse_value(value)


def check_key(key: str, where: str) -> None:
    head = key.split(".")[0]
    if head not in KEYS or ("." in key and head not in GROUPS):
        raise ConfigError(f"`{where}`: unknown train setting `{key}`",
                          hint=did_you_mean(head, KEYS) or "settings: " + ", ".join(KEYS) +
                          (f"; only {', '.join(GROUPS)} take sub-keys" if "." in key else ""))


# ---- resolution --------------------------------------------------------------------------------

def merge(raw: dict, overrides: dict) -> dict:
    """The file's settings with overrides applied (a replaced group loses the file's sub-keys)."""
    out = dict(raw)
    for key, value in overrides.items():
        check_key(key, f"override {key}")
        if "." not in key and key in GROUPS:
            for k in [k for k in out if k.startswith(key + ".")]:
                del out[k]
        out[key] = value
    return out


def _group(merged: dict, key: str):
    """A group's value as a dict with `name`, its sub-keys folded in; None if unset."""
    base = merged.get(key)
    subs = {k.split(".", 1)[1]: v for k, v in merged.items() if k.startswith(key + ".")}
    if base is None and not subs:
        return None
    if isinstance(base, dict):
        d = dict(base)
    elif base is None:
        d = {}
    else:
        d = {"value": base}
    for k, v in subs.items():
        if "." in k:
            raise ConfigError(f"train setting `{key}.{k}`: one level of sub-keys only")
        d[k] = v
    return d


def _named(d: dict | None, key: str, known, default: str | None = None) -> dict | None:
    """A `{"name": ...}` dict for a setting given as a word or a call."""
    if d is None:
        return None if default is None else {"name": default}
    d = dict(d)
    if "value" in d:
        v = d.pop("value")
        if not isinstance(v, str):
            raise ConfigError(f"train setting `{key}` must be a name or a call, got {v!r}",
                              hint="choose one of " + ", ".join(known))
        d["name"] = v
    d.setdefault("name", default)
    if d["name"] not in known:
        raise ConfigError(f"train setting `{key}`: unknown {key} `{d['name']}`",
                          hint=did_you_mean(str(d["name"]), known) or "choose one of " + ", ".join(known))
    return d


def _positive_int(v, key):
    if isinstance(v, bool) or not isinstance(v, int) or v < 1:
        raise ConfigError(f"train setting `{key}` must be a positive integer, got {v!r}")
    return v


def _number(v, key, positive=False, allow_zero=True):
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise ConfigError(f"train setting `{key}` must be a number, got {v!r}")
    if positive and not (v > 0 or (allow_zero and v == 0)):
        raise ConfigError(f"train setting `{key}` must be {'non-negative' if allow_zero else 'positive'}, "
                          f"got {v!r}")
    return float(v)


def _options(d: dict, defaults: dict, key: str) -> dict:
    name = d["name"]
    args = d.pop("args", None)
    if args:
        raise ConfigError(f"train setting `{key}`: `{name}` takes keyword settings only, e.g. "
                          f"{name}({next(iter(defaults), 'x')}=...)" if defaults else
                          f"train setting `{key}`: `{name}` takes no settings")
    for k in d:
        if k != "name" and k not in defaults:
            raise ConfigError(f"train setting `{key}`: `{name}` has no setting `{k}`",
                              hint=did_you_mean(k, defaults) or ("settings: " + ", ".join(defaults)
                                                                 if defaults else "it takes none"))
    return {"name": name, **{k: d.get(k, v) for k, v in defaults.items()}}


def resolve(raw: dict, overrides: dict | None = None) -> dict:
    """The complete configuration (every default filled in, every value checked)."""
    m = merge(raw or {}, overrides or {})
    cfg: dict = {}

    data = _group(m, "data")
    if data is not None and "value" in data:
        v = data.pop("value")
        if isinstance(v, str):
            from .data import normalise_spec
            data = {**normalise_spec(v), **data}
        else:
            raise ConfigError(f"train setting `data` must be a file path or a data set call, got {v!r}")
    cfg["data"] = data

    loss = _named(_group(m, "loss"), "loss", LOSSES)
    if loss is not None:
        defaults = {"cross_entropy": {"logits": False}, "fidelity": {"bloch": False}}.get(loss["name"], {})
        loss = _options(loss, defaults, "loss")
        if loss["name"] == "cross_entropy" and loss.pop("logits"):
            loss = {"name": "softmax_cross_entropy"}
    cfg["loss"] = loss  # None: chosen from the model's output (see task.py)

    opt = _named(_group(m, "optimizer"), "optimizer", OPTIMIZERS, default="adam")
    opt = _options(opt, OPTIMIZERS[opt["name"]], "optimizer")
    if "lr" in m:
        opt["lr"] = m["lr"]
    opt["lr"] = _number(opt["lr"], "lr", positive=True, allow_zero=False)
    for k in ("momentum", "weight_decay", "eps", "c", "alpha", "gamma", "A"):
        if k in opt:
            opt[k] = _number(opt[k], f"optimizer.{k}", positive=True, allow_zero=k not in ("eps", "c"))
    if opt["name"] == "adam":
        b = opt["betas"]
        if not (isinstance(b, list) and len(b) == 2 and all(isinstance(x, (int, float)) and 0 <= x < 1 for x in b)):
            raise ConfigError(f"train setting `optimizer.betas` must be [b1, b2] in [0, 1), got {b!r}")
        opt["betas"] = [float(x) for x in b]
    if opt["name"] == "sgd":
        opt["nesterov"] = bool(opt["nesterov"])
    cfg["optimizer"] = opt

    cfg["epochs"] = _positive_int(m.get("epochs", 30), "epochs")
    cfg["batch_size"] = _positive_int(m.get("batch_size", 32), "batch_size")
    seed = m.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ConfigError(f"train setting `seed` must be a non-negative integer, got {seed!r}")
    cfg["seed"] = seed
    grad = m.get("gradient")
    ov = overrides or {}
    # shots or SPSA asked for on top of a file that chose an exact gradient: the file's choice was
    # made for exact training, so it gives way (to parameter shift, or SPSA's own)
    if "gradient" not in ov and grad in ("adjoint", "finite_diff") and \
            (ov.get("shots") is not None or ("optimizer" in ov and opt["name"] == "spsa")):
        grad = None
    if grad is not None and grad not in GRADIENTS:
        raise ConfigError(f"train setting `gradient`: unknown method `{grad}`",
                          hint=did_you_mean(str(grad), GRADIENTS) or "choose one of " + ", ".join(GRADIENTS))
    shots = m.get("shots")
    cfg["shots"] = None if shots is None else _positive_int(shots, "shots")
    chosen = grad is not None
    if grad is None and cfg["shots"] is not None:
        grad = "parameter_shift"
    if grad in ("adjoint", "finite_diff") and cfg["shots"] is not None:
        raise ConfigError(f"train setting `gradient = {grad}` needs exact readouts, but `shots` is set",
                          hint="use parameter_shift or spsa with shots")
    if opt["name"] == "spsa":
        if chosen and grad != "spsa":
            raise ConfigError(f"the SPSA optimizer makes its own gradient estimates; `gradient = {grad}` "
                              "does not apply", hint="drop the gradient setting, or use adam/sgd")
        grad = "spsa"
    cfg["gradient"] = grad
    for k in ("validation_split", "test_split"):
        cfg[k] = _number(m.get(k, 0.0), k, positive=True)
    if cfg["validation_split"] >= 1 or cfg["test_split"] >= 1 or cfg["validation_split"] + cfg["test_split"] >= 1:
        raise ConfigError("validation_split and test_split are fractions of the data; together they must "
                          "leave something to train on (sum below 1)")

    scale = m.get("scale")
    if scale is None and data is not None and "scale" in data:  # as the reference models write it
        scale = data.pop("scale")
        if "range" in data:
            scale = {"name": scale, "range": data.pop("range")} if isinstance(scale, str) else scale
    if isinstance(scale, str):
        scale = {"name": scale}
    if scale is None:
        scale = {"name": "none"}
    if not isinstance(scale, dict):
        raise ConfigError(f"train setting `scale` must be standard, minmax(range=[lo, hi]) or none, got {scale!r}")
    from .data import Scaler
    rng = scale.get("range", (scale.get("args") or [None])[0])
    unknown = [k for k in scale if k not in ("name", "range", "args")]
    if unknown:
        raise ConfigError(f"train setting `scale`: unknown option `{unknown[0]}`", hint="only minmax takes range=[lo, hi]")
    sc = Scaler.create(scale["name"], rng)
    cfg["scale"] = {"kind": sc.kind, "range": list(sc.range)}

    metrics = m.get("metrics")
    if metrics is not None:
        metrics = [metrics] if isinstance(metrics, str) else metrics
        if not isinstance(metrics, list):
            raise ConfigError(f"train setting `metrics` must be a list of names, got {metrics!r}")
        for name in metrics:
            if name not in METRICS:
                raise ConfigError(f"train setting `metrics`: unknown metric `{name}`",
                                  hint=did_you_mean(str(name), METRICS) or "choose from " + ", ".join(METRICS))
    cfg["metrics"] = metrics  # None: chosen from the task

    es = _group(m, "early_stopping")
    if es is not None:
        patience = es.pop("value", es.pop("patience", None))
        if isinstance(patience, dict):
            raise ConfigError("train setting `early_stopping` is a patience in epochs, e.g. early_stopping = 5")
        unknown = [k for k in es if k not in ("min_delta", "monitor", "restore")]
        if unknown:
            raise ConfigError(f"train setting `early_stopping.{unknown[0]}` is unknown",
                              hint="sub-keys: min_delta, monitor, restore")
        if patience is not False and patience is not None:
            es = {"patience": _positive_int(patience, "early_stopping"),
                  "min_delta": _number(es.get("min_delta", 0.0), "early_stopping.min_delta", positive=True),
                  "monitor": es.get("monitor", "auto"), "restore": bool(es.get("restore", True))}
            if es["monitor"] not in ("auto", "loss", "val_loss", "accuracy", "val_accuracy"):
                raise ConfigError(f"train setting `early_stopping.monitor`: unknown `{es['monitor']}`",
                                  hint="choose val_loss, loss, val_accuracy or accuracy")
        else:
            es = None
    cfg["early_stopping"] = es

    sched = _named(_group(m, "schedule"), "schedule", SCHEDULES)
    if sched is not None:
        warmup = sched.pop("warmup", 0)
        sched = _options(sched, SCHEDULES[sched["name"]], "schedule")
        sched["warmup"] = int(_number(warmup, "schedule.warmup", positive=True))
        if sched["name"] == "cosine" and sched["t_max"] is None:
            sched["t_max"] = cfg["epochs"]
        for k, v in sched.items():
            if k not in ("name",):
                _number(v, f"schedule.{k}", positive=True)
    cfg["schedule"] = sched

    clip = m.get("clip")
    cfg["clip"] = None if clip is None else _number(clip, "clip", positive=True, allow_zero=False)

    ce = m.get("checkpoint_every", 1)
    if isinstance(ce, dict) and ce.get("name") in ("steps", "epochs") and len(ce.get("args", [])) == 1:
        cfg["checkpoint_every"] = {ce["name"]: _positive_int(ce["args"][0], "checkpoint_every")}
    elif isinstance(ce, int) and not isinstance(ce, bool):
        cfg["checkpoint_every"] = {"epochs": _positive_int(ce, "checkpoint_every")}
    else:
        raise ConfigError(f"train setting `checkpoint_every` must be a number of epochs or steps(N), got {ce!r}")
    target = m.get("target")
    if target is not None and not isinstance(target, str):
        raise ConfigError(f"train setting `target` must be a target name, got {target!r}")
    cfg["target"] = target
    cfg["noise"] = _noise(m.get("noise"))
    return cfg


def _noise(value):
    """The noise setting as recorded with the run: a spec string (`heavy-hex-27`,
    `depol2=1e-2,readout=2e-2`) or a noise model's JSON; checked here so that a bad spec fails
    before any training. `none` means exact."""
    if value is None:
        return None
    from ..noise import NoiseModel
    if isinstance(value, str):
        NoiseModel.parse(value)
        return None if value.strip().lower() in ("none", "ideal") else value
    if isinstance(value, dict):
        NoiseModel.from_json(value)
        return value
    raise ConfigError(f"train setting `noise` must be a noise spec such as \"heavy-hex-27\" or "
                      f"\"depol2=1e-2,readout=2e-2\", got {value!r}")


# settings that may differ between a checkpoint and the run that resumes it
RESUMABLE_CHANGES = ("epochs", "checkpoint_every", "early_stopping")
