"""`qmlc`, the command line.

Exit status, for every command: 0 on success, 1 for any problem with what the user gave (a model,
data, checkpoint or target file, a failed verification, a refused resource limit), 2 for misuse of
the command line itself, 3 for a bug in qml_compiler (reported in one line; set QMLC_DEBUG=1 for
the traceback). Imports stay inside the commands so that start-up is fast.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

EXIT_OK, EXIT_USER, EXIT_USAGE, EXIT_BUG = 0, 1, 2, 3


def _version() -> str:
    from . import __version__
    return f"qmlc (qml_compiler) {__version__}"


def cmd_check(args) -> int:
    from .diagnostics import QmlError, QmlErrors
    from .frontend import load_file, select_model

    status = EXIT_OK
    report = []
    for path in args.files:
        entry: dict = {"file": path, "ok": True, "models": [], "diagnostics": []}
        try:
            models = load_file(path)
            chosen = [select_model(models, args.model, path)] if args.model else list(models.values())
            for m in chosen:
                entry["models"].append({
                    "name": m.name, "inputs": dict(m.inputs), "outputs": dict(m.outputs),
                    "qubits": m.n_qubits, "quantum_blocks": len(m.blocks),
                    "parameters": m.n_params, "summary": m.summary()})
            if not models:
                entry["warning"] = "no models in this file"
        except QmlError as e:
            status = EXIT_USER
            entry["ok"] = False
            errors = e.errors if isinstance(e, QmlErrors) else [e]
            entry["diagnostics"] = [x.to_json() for x in errors]
            if args.format == "text":
                print(e.render(), file=sys.stderr)
        if args.format == "text" and entry["ok"]:
            for m in entry["models"]:
                print(f"{path}: {m['summary']}")
            if "warning" in entry:
                print(f"{path}: {entry['warning']}")
        report.append(entry)
    if args.format == "json":
        print(json.dumps({"ok": status == EXIT_OK, "files": report}, indent=2))
    return status


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # usage errors: exit 2 with a hint, as argparse does
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="qmlc", description="Compile, inspect and train hybrid quantum-classical "
                                         "models written in .qml files.")
    p.add_argument("--version", action="version", version=_version())
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    c = sub.add_parser("check", help="check .qml files and summarise their models")
    c.add_argument("files", nargs="+", metavar="FILE")
    c.add_argument("--model", metavar="NAME", help="only this model (when a file holds several)")
    c.add_argument("--format", choices=("text", "json"), default="text",
                   help="json prints diagnostics for editors and scripts")
    c.set_defaults(func=cmd_check)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("qmlc: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as e:  # a bug of ours, never the user's fault: say so in one line
        from .diagnostics import QmlError
        if isinstance(e, QmlError):
            print(e.render(), file=sys.stderr)
            return EXIT_USER
        if os.environ.get("QMLC_DEBUG"):
            raise
        print(f"qmlc: internal error: {type(e).__name__}: {e}\n"
              "This is a bug in qml_compiler, not in your input; rerun with QMLC_DEBUG=1 for the "
              "traceback and report it.", file=sys.stderr)
        return EXIT_BUG


if __name__ == "__main__":
    sys.exit(main())
