"""An installed copy of the package (not only a source checkout) finds its grammar and runs."""

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    pytest.importorskip("hatchling")
    out = tmp_path_factory.mktemp("wheel")
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                        "-q", "-w", str(out), str(ROOT)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    (whl,) = out.glob("qml_compiler-*.whl")
    return whl


def test_wheel_ships_the_grammar(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert "qml_compiler/_grammar/qml.lark" in names
    grammar = zipfile.ZipFile(wheel).read("qml_compiler/_grammar/qml.lark").decode()
    assert grammar == (ROOT / "grammar" / "qml.lark").read_text()


def test_installed_copy_checks_a_model_away_from_the_source_tree(wheel, tmp_path):
    target = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(target)  # a wheel is a zip of the installed files
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = dict(os.environ, PYTHONPATH=str(target), XDG_CACHE_HOME=str(tmp_path / "cache"))
    code = ("import qml_compiler, sys; assert 'site' in qml_compiler.__file__, qml_compiler.__file__;"
            "from qml_compiler.cli import main; sys.exit(main(['check', sys.argv[1]]))")
    r = subprocess.run([sys.executable, "-c", code, str(ROOT / "examples" / "moons.qml")], cwd=work,
                       env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "34 trainable parameters" in r.stdout
