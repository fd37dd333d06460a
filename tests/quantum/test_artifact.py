"""A compiled model saves to one versioned JSON file and loads back without compiling again,
computing exactly what it computed; a file that cannot be trusted is refused with a reason."""

import json
import os

import numpy as np
import pytest

import qml_compiler as qc
from qml_compiler.artifact import ArtifactError
from qml_compiler.quantum.equivalence import check

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))


@pytest.fixture(autouse=True)
def no_disk_cache(monkeypatch):
    monkeypatch.setenv("QMLC_NO_CACHE", "1")


def test_save_and_load_without_compiling(tmp_path, monkeypatch):
    cm = qc.compile(os.path.join(ROOT, "examples", "iris.qml"), target="heavy-hex-27")
    path = qc.save(cm, str(tmp_path / "iris.qmlc.json"))

    import qml_compiler.quantum.compile as compile_module

    def no_compiling(*a, **k):
        raise AssertionError("load compiled something")

    monkeypatch.setattr(compile_module, "compile_circuit", no_compiling)
    monkeypatch.setattr(compile_module, "_place_and_route", no_compiling)
    back = qc.load(path)
    params = cm.init_params(seed=4)
    x = np.random.default_rng(2).uniform(-1, 1, (6, 4))
    np.testing.assert_array_equal(back.forward(x, params)["classes"], cm.forward(x, params)["classes"])
    y = np.eye(3)[[0, 1, 2, 0, 1, 2]]
    la, ga = cm.gradient(x, params, loss="cross_entropy", targets=y)
    lb, gb = back.gradient(x, params, loss="cross_entropy", targets=y)
    assert la == lb and all(np.array_equal(ga[k], gb[k]) for k in ga)
    assert back.target == "heavy-hex-27" and back.report["quantum"]["targets"][0]["target"]["name"] == "heavy-hex-27"
    (cc,) = back.compiled.values()
    assert cc.final_map == next(iter(cm.compiled.values())).final_map
    assert check(cc).checked  # placements and stages came back whole


def test_files_that_cannot_be_trusted_are_refused(tmp_path):
    cm = qc.compile(os.path.join(ROOT, "examples", "moons.qml"), target="line-4")
    good = json.loads(open(qc.save(cm, str(tmp_path / "m.json"))).read())
    cases = {
        "damaged": ("{\"format\": ", "damaged: not valid JSON"),
        "other": (json.dumps({"format": "something"}), "is not a compiled qml_compiler model"),
        "newer": (json.dumps(dict(good, version=99)), "version 99 compiled model"),
        "truncated": (json.dumps(dict(good, graph={"format": good["graph"]["format"]})), "IR version None"),
    }
    for name, (text, message) in cases.items():
        p = tmp_path / f"{name}.json"
        p.write_text(text)
        with pytest.raises((ArtifactError, qc.diagnostics.QmlError), match=message):
            qc.load(str(p))
    with pytest.raises(qc.diagnostics.FileError, match="no such compiled model"):
        qc.load(str(tmp_path / "nope.json"))


def test_cli_writes_a_loadable_model_per_target(tmp_path):
    import subprocess
    import sys
    r = subprocess.run([sys.executable, "-m", "qml_compiler.cli", "compile", "examples/moons.qml", "--target",
                        "line-4,ions-4", "-o", str(tmp_path)], cwd=ROOT, capture_output=True, text=True,
                       env=dict(os.environ, PYTHONPATH=ROOT, QMLC_NO_CACHE="1"), timeout=120, check=False)
    assert r.returncode == 0, r.stderr
    for t in ("line-4", "ions-4"):
        cm = qc.load(str(tmp_path / f"moons.{t}.qmlc.json"))
        assert cm.target == t and cm.forward(np.zeros((1, 2)), cm.init_params(0))["y"].shape == (1, 2)
