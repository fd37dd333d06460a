"""docs/training.md stays true: every option it names exists on the command it belongs to, and
every train setting it lists is one the configuration knows."""

import re
from pathlib import Path

from qml_compiler.cli import build_parser
from qml_compiler.train.config import KEYS

DOC = (Path(__file__).resolve().parents[2] / "docs" / "training.md").read_text()


def _options(command: str) -> set[str]:
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    return {o for a in sub.choices[command]._actions for o in a.option_strings}


def test_every_option_in_the_guide_exists():
    known = _options("train") | _options("evaluate") | _options("predict")
    named = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]+)", DOC))
    assert named and named <= known, named - known


def test_every_setting_is_documented():
    table = set(re.findall(r"^\| `(\w+)`", DOC, flags=re.MULTILINE))
    for row in re.findall(r"^\| (`\w+`(?:, `\w+`)+) \|", DOC, flags=re.MULTILINE):
        table |= set(re.findall(r"`(\w+)`", row))
    assert set(KEYS) <= table, set(KEYS) - table
