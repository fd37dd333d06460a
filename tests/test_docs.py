"""The language reference stays true: every snippet in docs/language.md is a checked file in
docs/examples/, every error it shows is the error qmlc gives, every transcript is real output."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_language_reference_matches_the_implementation():
    r = subprocess.run([sys.executable, str(ROOT / "docs" / "examples" / "verify.py")], cwd=ROOT,
                       capture_output=True, text=True, timeout=300,
                       env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert r.returncode == 0 and r.stdout.strip().endswith("0 problem(s)"), r.stdout + r.stderr
