"""Checkpoints: complete, checksummed and atomic; a damaged, foreign or other-version checkpoint
is refused with a message that says which and what to do."""

import json
import zipfile

import numpy as np
import pytest

import qml_compiler as qc
from qml_compiler.train import checkpoint as ckpt
from qml_compiler.train import evaluate, load_trained, train
from qml_compiler.train.errors import CheckpointError

from .conftest import TINY, raw_model


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    result = train(TINY, out=str(out), epochs=2)
    return out / "checkpoint.npz", result


def test_round_trip_gives_the_trained_model(run):
    path, result = run
    p, meta = load_trained(TINY, str(path))
    assert all(np.array_equal(p.params[k], result.params[k]) for k in result.params)
    assert meta["state"]["finished"] and meta["model"]["name"] == "tiny" and meta["target"] is None
    assert meta["config"]["epochs"] == 2 and len(meta["history"]) == 2
    r = evaluate(TINY, str(path))
    assert r["accuracy"] == result.test["accuracy"] and r["confusion"] == result.test["confusion"]


def test_a_flipped_byte_is_refused(run, tmp_path):
    path, _ = run
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:  # a byte inside a stored parameter array
        info = next(i for i in z.infolist() if i.filename.startswith("param/"))
    pos = info.header_offset + 30 + len(info.filename) + info.extra.__len__() + 100
    data[pos] ^= 0x01
    bad = tmp_path / "bad.npz"
    bad.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="damaged|not a readable checkpoint"):
        ckpt.load(str(bad))


def test_truncated_and_foreign_files_are_refused(run, tmp_path):
    path, _ = run
    cut = tmp_path / "cut.npz"
    cut.write_bytes(path.read_bytes()[:2000])
    with pytest.raises(CheckpointError, match="not a readable checkpoint"):
        ckpt.load(str(cut))
    other = tmp_path / "other.npz"
    np.savez(other, a=np.zeros(3))
    with pytest.raises(CheckpointError, match="not a qmlc checkpoint"):
        ckpt.load(str(other))
    with pytest.raises(CheckpointError, match="no such checkpoint"):
        ckpt.load(str(tmp_path / "missing.npz"))


def test_a_checkpoint_of_another_model_is_refused(run):
    path, _ = run
    with pytest.raises(CheckpointError) as e:
        load_trained(raw_model(1), str(path))
    assert "does not belong to model `raw`" in e.value.message and "it is of model `tiny`" in e.value.message
    wider = TINY.replace("layers=2", "layers=3").replace("w[2, 1, 3]", "w[3, 1, 3]").replace("b[2, 1, 3]", "b[3, 1, 3]")
    with pytest.raises(CheckpointError, match=r"parameter `c.w`: checkpoint \[2, 1, 3\], model \[3, 1, 3\]"):
        load_trained(wider, str(path))


def test_another_format_version_is_refused(run, tmp_path, monkeypatch):
    path, _ = run
    meta, arrays = ckpt.load(str(path))
    monkeypatch.setattr(ckpt, "VERSION", 99)
    ckpt.save(str(tmp_path / "v99.npz"), {k: v for k, v in meta.items() if k not in ("format", "version", "sha256")},
              arrays)
    monkeypatch.undo()
    with pytest.raises(CheckpointError, match="format version 99"):
        ckpt.load(str(tmp_path / "v99.npz"))


def test_another_package_version_evaluates_but_does_not_resume(run, tmp_path):
    path, _ = run
    meta, arrays = ckpt.load(str(path))
    meta = {k: v for k, v in meta.items() if k not in ("format", "version", "sha256")}
    meta["qml_compiler"] = "0.0.1"
    meta["state"]["finished"] = False
    old = tmp_path / "old" / "checkpoint.npz"
    ckpt.save(str(old), meta, arrays)
    assert "accuracy" in evaluate(TINY, str(old))
    with pytest.raises(CheckpointError, match="written by qml_compiler 0.0.1"):
        train(TINY, out=str(old.parent), resume=True, epochs=2)


def test_the_record_is_plain_json_and_needs_no_pickle(run):
    path, _ = run
    with np.load(path, allow_pickle=False) as z:
        meta = json.loads(z["__meta__"].tobytes())
        assert all(z[k].dtype != object for k in z.files)
    assert meta["format"] == "qmlc-checkpoint" and meta["model"]["fingerprint"] == ckpt.fingerprint(qc.compile(TINY))
