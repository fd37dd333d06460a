"""`qmlc` as a person uses it: exit codes, output, and never a traceback for bad input."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def qmlc(*args, cwd=ROOT, env=None):
    e = dict(os.environ, PYTHONPATH=str(ROOT))
    e.pop("QMLC_DEBUG", None)
    if env:
        e.update(env)
    return subprocess.run([sys.executable, "-m", "qml_compiler.cli", *args], cwd=cwd, env=e,
                          capture_output=True, text=True, timeout=60)


def assert_no_traceback(r):
    assert "Traceback" not in r.stderr and "Traceback" not in r.stdout


def test_check_prints_a_summary_per_model():
    r = qmlc("check", "examples/moons.qml", "examples/reference.qml")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert lines[0] == ("examples/moons.qml: moons: inputs x[2]; outputs y[2]; 4 qubits in 1 block; "
                        "34 trainable parameters")
    assert len(lines) == 5


def test_model_selection():
    r = qmlc("check", "examples/reference.qml", "--model", "r2_8q")
    assert r.returncode == 0 and r.stdout.count("\n") == 1 and "r2_8q" in r.stdout
    r = qmlc("check", "examples/reference.qml", "--model", "r9")
    assert r.returncode == 1 and "r2l_8q_last" in r.stderr


def test_version():
    r = qmlc("--version")
    assert r.returncode == 0 and r.stdout.startswith("qmlc (qml_compiler) ")


@pytest.mark.parametrize("args", [[], ["chek", "x.qml"], ["check"], ["check", "--format", "xml", "a.qml"]])
def test_command_line_misuse_exits_2(args):
    r = qmlc(*args)
    assert r.returncode == 2
    assert_no_traceback(r)


def test_errors_exit_1_with_location_and_caret(tmp_path):
    f = tmp_path / "bad.qml"
    f.write_text("model m {\n  input x[2];\n  output y[1];\n  quantum b(x[2]) on q[2] {\n"
                 "    ry(x[0]) q[5];\n    readout expval(Z0);\n  }\n  forward { y = b(x); }\n}\n")
    r = qmlc("check", str(f))
    assert r.returncode == 1
    assert f"{f}:5:14: error: qubit index 5 is out of range" in r.stderr
    assert "\n                 ^^^\n" in r.stderr  # under `q[5]`
    assert_no_traceback(r)


def test_json_diagnostics_for_editors(tmp_path):
    f = tmp_path / "bad.qml"
    f.write_text("model m { input x[2]; output y[1];\nforward { y = rellu(x); } }")
    r = qmlc("check", "--format", "json", str(f), "examples/moons.qml")
    assert r.returncode == 1
    report = json.loads(r.stdout)
    bad, good = report["files"]
    assert report["ok"] is False and good["ok"] is True and good["models"][0]["parameters"] == 34
    (d,) = bad["diagnostics"]
    assert d["kind"] == "UnknownName" and d["line"] == 2 and d["column"] == 15 and d["hint"]


@pytest.mark.parametrize("make", [
    lambda d: d / "missing.qml",
    lambda d: d,  # a directory
    lambda d: _write(d / "bin.qml", os.urandom(2000)),
    lambda d: _write(d / "latin1.qml", "model m { // café\n}".encode("latin-1")),
    lambda d: _write(d / "empty.qml", b""),
    lambda d: _write(d / "trunc.qml", (ROOT / "examples" / "moons.qml").read_bytes()[:700]),
    lambda d: _write(d / "deep.qml", b"model m { layer l = " + b"-" * 10000 + b"1; }"),
    lambda d: _write(d / "loop.qml", b"model m { input x[1]; output y[1]; quantum b(x[1]) on q[1] "
                     b"{ for i in range(1000000) { h q[0]; } readout expval(Z0); } forward { y = b(x); } }"),
    lambda d: _write(d / "nul.qml", b"model m {\x00}"),
])
def test_no_input_whatsoever_gives_a_traceback(tmp_path, make):
    path = make(tmp_path)
    r = qmlc("check", str(path))
    assert r.returncode in (0, 1)
    assert_no_traceback(r)
    if r.returncode == 1:
        assert "error:" in r.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read any file")
def test_unreadable_file(tmp_path):
    f = _write(tmp_path / "secret.qml", b"model m {}")
    f.chmod(0)
    r = qmlc("check", str(f))
    assert r.returncode == 1 and "permission denied" in r.stderr


def test_check_keeps_heavy_libraries_off_its_path():
    code = ("import sys; from qml_compiler.cli import main; rc = main(['check', 'examples/moons.qml']);"
            "heavy = [m for m in ('pytket', 'numpy', 'sympy', 'numba', 'networkx') if m in sys.modules];"
            "print(heavy); sys.exit(rc)")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                       env=dict(os.environ, PYTHONPATH=str(ROOT)), timeout=60)
    assert r.returncode == 0
    assert r.stdout.strip().splitlines()[-1] == "[]"


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


# ---- compile, inspect, passes ------------------------------------------------------------------

def test_compile_reports_the_pipeline_and_what_it_changed(tmp_path):
    out = tmp_path / "r2.json"
    r = qmlc("compile", "examples/reference.qml", "--model", "r2_8q", "--time-passes", "--verify-each",
             "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert "params           19  (was 64)" in r.stdout
    assert "qubits           4  (was 8)" in r.stdout
    assert "light-cone" in r.stdout and "total" in r.stdout
    from qml_compiler.ir import from_json, stats
    assert stats(from_json(out.read_text()))["params"] == 19


def test_compile_with_an_explicit_pipeline_and_print_after():
    r = qmlc("compile", "examples/encoder_ansatz.qml", "--passes", "fuse-blocks,dead-nodes",
             "--print-after", "fuse-blocks")
    assert r.returncode == 0, r.stderr
    assert "; IR after fuse-blocks" in r.stdout and "encode+classify" in r.stdout
    assert "blocks           1  (was 2)" in r.stdout


@pytest.mark.parametrize("fmt, start", [("text", "model moons"), ("json", "{"), ("dot", 'digraph "moons"')])
def test_inspect_formats(fmt, start):
    r = qmlc("inspect", "examples/moons.qml", "--ir", "--format", fmt)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(start)


def test_inspect_after_a_pass():
    r = qmlc("inspect", "examples/reference.qml", "--model", "r2_8q", "--after", "light-cone")
    assert r.returncode == 0, r.stderr
    assert "4q" in r.stdout and "19 params" in r.stdout
    r = qmlc("inspect", "examples/moons.qml", "--after", "no-such-pass")
    assert r.returncode == 1 and "not in the pipeline" in r.stderr


@pytest.mark.parametrize("args, phrase", [
    (["compile", "examples/moons.qml", "--passes", "light-cone,nope"], "unknown pass `nope`"),
    (["compile", "examples/reference.qml"], "--model"),
    (["compile", "examples/moons.qml", "--pass", "no_such_module:X"], "importing `no_such_module` failed"),
    (["compile", "examples/moons.qml", "--pass", "x"], "MODULE:CLASS"),
])
def test_compile_mistakes_exit_1(args, phrase):
    r = qmlc(*args)
    assert r.returncode == 1, r.stdout
    assert phrase in r.stderr
    assert_no_traceback(r)


def test_passes_lists_builtins_with_descriptions_and_levels():
    r = qmlc("passes")
    assert r.returncode == 0, r.stderr
    assert "light-cone" in r.stdout and "[built-in]" in r.stdout
    assert "-O2:" in r.stdout
