"""Checks that docs/language.md and the files in docs/examples/ agree with the implementation.

    python docs/examples/verify.py          (from the repository root, with qml_compiler importable)

1. Every `.qml` file here is run through `qmlc check --format json`. A file with no `// expect:`
   line must check cleanly (exit status 0). A file with `// expect: LINE:COL text` lines must fail
   (exit status 1) with exactly that many diagnostics, one at each LINE:COL whose message contains
   `text` (the diagnostic's file may be another file, e.g. the one an import cycle runs through).
2. Every ```qml block of docs/language.md must appear, line for line (leading whitespace ignored),
   in one of the `.qml` files here, so every snippet of the reference has been checked.
3. Every ```console block of docs/language.md starts with `$ qmlc ...`; the command is run from the
   repository root and its output must equal the rest of the block.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
DOC = ROOT / "docs" / "language.md"
EXPECT = re.compile(r"//\s*expect:\s*(\d+):(\d+)\s+(.*\S)")


def qmlc(args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "qml_compiler.cli", *args], cwd=ROOT,
                          capture_output=True, text=True)


def check_files() -> list[str]:
    problems = []
    for path in sorted(HERE.rglob("*.qml")):
        rel = str(path.relative_to(ROOT))
        expected = [(int(a), int(b), t) for a, b, t in EXPECT.findall(path.read_text())]
        r = qmlc(["check", "--format", "json", rel])
        try:
            diags = json.loads(r.stdout)["files"][0]["diagnostics"]
        except (ValueError, KeyError, IndexError):
            problems.append(f"{rel}: no JSON report (exit {r.returncode}): {r.stderr.strip()}")
            continue
        if not expected:
            if r.returncode != 0:
                problems.append(f"{rel}: expected to check, got exit {r.returncode}: "
                                + "; ".join(f"{d['line']}:{d['column']} {d['message']}" for d in diags))
            continue
        if r.returncode != 1:
            problems.append(f"{rel}: expected exit status 1, got {r.returncode}")
        got = [(d["line"], d["column"], d["message"]) for d in diags]
        for line, col, text in expected:
            if not any(g[0] == line and g[1] == col and text in g[2] for g in got):
                problems.append(f"{rel}: no diagnostic `{line}:{col} {text}`; got {got}")
        if len(got) != len(expected):
            problems.append(f"{rel}: expected {len(expected)} diagnostics, got {len(got)}: {got}")
    return problems


def blocks(kind: str) -> list[tuple[int, str]]:
    text = DOC.read_text()
    out = []
    for m in re.finditer(rf"^```{kind}\n(.*?)^```", text, re.S | re.M):
        out.append((text[: m.start()].count("\n") + 1, m.group(1)))
    return out


def norm(text: str) -> list[str]:
    return [line.strip() for line in text.strip("\n").splitlines()]


def check_snippets() -> list[str]:
    sources = [norm(p.read_text()) for p in HERE.rglob("*.qml")]
    sources += [norm(p.read_text()) for p in HERE.rglob("*.qasm")]
    problems = []
    for line, body in blocks("qml") + blocks("qasm"):
        want = norm(body)
        n = len(want)
        if not any(src[i:i + n] == want for src in sources for i in range(len(src) - n + 1)):
            problems.append(f"language.md:{line}: snippet not found in docs/examples/")
    return problems


def check_console() -> list[str]:
    problems = []
    for line, body in blocks("console"):
        first, _, expected = body.partition("\n")
        if not first.startswith("$ qmlc "):
            problems.append(f"language.md:{line}: console block must start with `$ qmlc`")
            continue
        r = qmlc(first[len("$ qmlc "):].split())
        out = r.stdout + r.stderr
        shown = expected
        if shown.rstrip("\n").split("\n")[-1].startswith("[exit status"):
            *rest, status = shown.rstrip("\n").split("\n")
            shown = "\n".join(rest) + "\n"
            want_status = int(re.findall(r"\d+", status)[0])
            if r.returncode != want_status:
                problems.append(f"language.md:{line}: exit status {r.returncode}, doc says {want_status}")
        if out.strip() != shown.strip():
            problems.append(f"language.md:{line}: output differs:\n--- doc\n{shown}--- actual\n{out}")
    return problems


def main() -> int:
    problems = check_files() + check_snippets() + check_console()
    for p in problems:
        print(p)
    print(f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
