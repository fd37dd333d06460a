"""Checkpoints: everything a training run needs to continue exactly where it stopped.

A checkpoint is one `.npz` file (NumPy's zip of arrays; loaded with `allow_pickle=False`, so
opening one never runs code): the parameters, the optimiser's state, the best parameters so far,
the current epoch's shuffle order, and a JSON record (`__meta__`) of the rest: format and
package versions, the model's fingerprint and the target it was compiled for, the resolved
configuration, the data's scaling and classes, the position (epoch, batch, step), the random
generator's state, the early-stopping state and the metrics so far. A SHA-256 over all of it is
stored with it and checked on loading, so a damaged file is refused, never half used.

It is written atomically: to a temporary file in the same folder, flushed and fsync'ed, then
renamed over the old one, so a run killed at any moment (even `kill -9` in the middle of a
write) leaves the previous complete checkpoint.

    >>> save("runs/moons/checkpoint.npz", meta, arrays)
    >>> meta, arrays = load("runs/moons/checkpoint.npz")
    >>> check_model(meta, cm, "runs/moons/checkpoint.npz")     # CheckpointError if it is another model
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
import zipfile

import numpy as np

from .errors import CheckpointError, at

FORMAT = "qmlc-checkpoint"
VERSION = 1


def fingerprint(cm) -> str:
    """A hash of what the trained numbers mean: the model's name, inputs, outputs and every
    parameter's name and shape (not the pass pipeline or target, which leave them unchanged)."""
    sig = {"model": cm.name, "inputs": dict(cm.inputs), "outputs": dict(cm.outputs),
           "params": {k: list(shape) for k, (shape, _) in cm.param_specs.items()}}
    return hashlib.sha256(json.dumps(sig, sort_keys=True).encode()).hexdigest()[:16]


def _digest(meta: dict, arrays: dict[str, np.ndarray]) -> str:
    h = hashlib.sha256()
    h.update(json.dumps({k: v for k, v in meta.items() if k != "sha256"}, sort_keys=True).encode())
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        h.update(f"{name}|{a.dtype.str}|{a.shape}".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def _kill_hook(stage: str) -> None:
    """Testing aid: QMLC_TEST_KILL=write:N sends SIGKILL to this process during the N-th
    checkpoint write (after the temporary file is half written), to prove atomicity."""
    spec = os.environ.get("QMLC_TEST_KILL", "")
    if not spec.startswith(stage + ":"):
        return
    count = int(os.environ.get("_QMLC_TEST_WRITES", "0")) + 1
    os.environ["_QMLC_TEST_WRITES"] = str(count)
    if count == int(spec.split(":")[1]):
        import signal
        os.kill(os.getpid(), signal.SIGKILL)


def save(path: str, meta: dict, arrays: dict[str, np.ndarray]) -> None:
    meta = dict(meta, format=FORMAT, version=VERSION)
    meta["sha256"] = _digest(meta, arrays)
    buf = io.BytesIO()
    np.savez(buf, __meta__=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8), **arrays)
    data = buf.getvalue()
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".ckpt-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data[: len(data) // 2])
            _kill_hook("write")
            f.write(data[len(data) // 2:])
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    try:  # make the rename itself durable
        dfd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass


def remove_stale(path: str) -> None:
    """Remove temporary files that a killed write left beside `path` (never a complete checkpoint)."""
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(folder):
        for name in os.listdir(folder):
            if name.startswith(".ckpt-") and name.endswith(".tmp"):
                try:
                    os.unlink(os.path.join(folder, name))
                except OSError:
                    pass


def load(path: str) -> tuple[dict, dict[str, np.ndarray]]:
    """(meta, arrays) of a checkpoint; CheckpointError if it is missing, damaged or of another
    format version."""
    if not os.path.exists(path):
        raise CheckpointError(f"no such checkpoint: `{path}`", at(path),
                              hint="train first (qmlc train FILE writes runs/MODEL/checkpoint.npz)")
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    except (zipfile.BadZipFile, EOFError, ValueError, OSError, KeyError) as e:
        raise CheckpointError(f"`{path}` is not a readable checkpoint ({type(e).__name__}: {e})", at(path),
                              hint="it is damaged or not a qmlc checkpoint; use another one or train again") from None
    if "__meta__" not in arrays:
        raise CheckpointError(f"`{path}` is an .npz file but not a qmlc checkpoint", at(path))
    try:
        meta = json.loads(arrays.pop("__meta__").tobytes().decode())
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise CheckpointError(f"`{path}`: the checkpoint's record is damaged", at(path)) from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise CheckpointError(f"`{path}` is not a qmlc checkpoint", at(path))
    if meta.get("version") != VERSION:
        raise CheckpointError(f"`{path}` is a checkpoint of format version {meta.get('version')} (written by "
                              f"qml_compiler {meta.get('qml_compiler', '?')}); this qml_compiler reads version "
                              f"{VERSION}", at(path), hint="use the qml_compiler version that wrote it, or train again")
    if meta.get("sha256") != _digest(meta, arrays):
        raise CheckpointError(f"`{path}` is damaged: its contents do not match its checksum", at(path),
                              hint="use an earlier checkpoint or train again")
    return meta, arrays


def check_model(meta: dict, cm, path: str) -> None:
    """Refuse a checkpoint of another model (or of this model with other parameters)."""
    mine = fingerprint(cm)
    theirs = meta.get("model", {})
    if theirs.get("fingerprint") == mine:
        return
    diffs = []
    if theirs.get("name") != cm.name:
        raise CheckpointError(f"`{path}` does not belong to model `{cm.name}`: it is of model `{theirs.get('name')}`",
                              at(path), hint="pass the model file (and --model) the checkpoint was trained with")
    mine_p = {k: list(shape) for k, (shape, _) in cm.param_specs.items()}
    their_p = theirs.get("params", {})
    for k in sorted(set(mine_p) | set(their_p)):
        if mine_p.get(k) != their_p.get(k):
            diffs.append(f"parameter `{k}`: checkpoint {their_p.get(k, 'absent')}, model {mine_p.get(k, 'absent')}")
            if len(diffs) > 4:
                break
    if theirs.get("inputs") != dict(cm.inputs) or theirs.get("outputs") != dict(cm.outputs):
        diffs.append(f"inputs/outputs: checkpoint {theirs.get('inputs')} -> {theirs.get('outputs')}, model "
                     f"{dict(cm.inputs)} -> {dict(cm.outputs)}")
    raise CheckpointError(f"`{path}` does not belong to model `{cm.name}`: " + "; ".join(diffs or ["its fingerprint differs"]),
                          at(path), hint="pass the model file (and --model) the checkpoint was trained with")
