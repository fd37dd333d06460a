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


def _load_graph(args):
    """The chosen model of a file, lowered to the intermediate graph."""
    from .frontend import load_file, select_model
    from .ir import lower

    models = load_file(args.file)
    return lower(select_model(models, args.model, args.file))


def _build_for(args, target):
    """(graph after the pass pipeline, model spec, native-entanglement choices) with the file
    elaborated for `target`: `entangle=native*` takes its pairs from the target's couplers."""
    from .frontend import load_file, select_model
    from .frontend.native import resolving_for
    from .ir import lower
    from .passes import PassContext

    with resolving_for(target) as choices:
        spec = select_model(load_file(args.file), args.model, args.file)
    return _pipeline(args, printer=lambda *a, **k: None).run(lower(spec), PassContext()), spec, choices


def _pipeline(args, printer=print):
    """The pass manager the command line asks for: a level or an explicit pipeline, plus
    `--pass` additions at their positions."""
    from .passes import PassManager, load_user_pass

    kw = dict(verify_each=getattr(args, "verify_each", False),
              print_after=tuple(getattr(args, "print_after", None) or ()), printer=printer)
    pm = (PassManager.from_pipeline(args.passes, **kw) if args.passes is not None
          else PassManager.for_level(args.opt_level, **kw))
    import re

    for ref in getattr(args, "user_pass", None) or []:
        where, before, after = ref, None, None
        m = re.fullmatch(r"(.*)@(before|after):([\w.-]+)", ref)
        if m:
            where = m.group(1)
            before, after = (m.group(3), None) if m.group(2) == "before" else (None, m.group(3))
        elif re.search(r"@\w+:[\w.-]+$", ref):
            from .passes import PassError
            raise PassError(f"`--pass {ref}`: the position must be @before:NAME or @after:NAME")
        cls = load_user_pass(where)
        pm.insert(cls(), before=before, after=after)
    return pm


def cmd_compile(args) -> int:
    from .ir import stats, to_json
    from .passes import PassContext

    g = _load_graph(args)
    pm = _pipeline(args)
    ctx = PassContext()
    before = stats(g)
    out = pm.run(g, ctx)
    after = stats(out)
    if args.target:
        from .quantum.commands import compile_for_targets
        if args.time_passes:
            print(pm.timing_report())
        return compile_for_targets(args, lambda target: _build_for(args, target), out.graph["model"])
    if args.emit or args.verify:
        raise _usage(f"--{'emit' if args.emit else 'verify'} needs --target (a circuit is emitted or verified "
                     "for a target; `--target ideal` keeps the logical gates)")
    print(f"{args.file}: model {out.graph['model']}, pipeline: "
          f"{', '.join(p.spec() for p in pm.passes) or '(none)'}")
    for key in before:
        mark = "" if before[key] == after[key] else f"  (was {before[key]})"
        print(f"  {key.replace('_', ' '):<16} {after[key]}{mark}")
    for name, message in ctx.facts.get("notes", []):
        print(f"  [{name}] {message}")
    report = ctx.facts.get("parameter-report")
    if report:
        print("  parameters: " + ", ".join(f"{o} {r['trained']}/{r['declared']}" for o, r in report.items()))
    if args.time_passes:
        print(pm.timing_report())
    if args.output:
        _write_atomic(args.output, to_json(out))
        print(f"  wrote {args.output}")
    return EXIT_OK


class _UsageError(Exception):
    pass


def _usage(message: str) -> _UsageError:
    return _UsageError(message)


def _write_atomic(path: str, text: str) -> None:
    """Write via a temporary file and a rename, so an interrupted run leaves no half file."""
    import tempfile
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".qmlc-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def cmd_inspect(args) -> int:
    from .ir import to_dot, to_json, to_text
    from .passes import PassContext, PassError

    g = _load_graph(args)
    if args.circuit:
        from .quantum.commands import inspect_circuit
        if args.target:
            from .quantum.targets import get_target
            return inspect_circuit(args, _build_for(args, get_target(args.target))[0])
        return inspect_circuit(args, _pipeline(args).run(g, PassContext()))
    if args.stage or args.target:
        raise _usage("--stage and --target go with --circuit BLOCK")
    if args.format in ("html", "png"):
        raise _usage(f"--format {args.format} draws a circuit: add --circuit BLOCK")
    if args.after:
        pm = _pipeline(args)
        names = [p.name for p in pm.passes]
        if args.after not in names:
            raise PassError(f"pass `{args.after}` is not in the pipeline",
                            hint=f"pipeline: {', '.join(names) or '(empty; use -O1 or --passes)'}")
        pm.passes = pm.passes[: len(names) - names[::-1].index(args.after)]
        g = pm.run(g, PassContext())
    text = {"text": lambda: to_text(g, circuits=args.circuits), "json": lambda: to_json(g),
            "dot": lambda: to_dot(g)}[args.format]()
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return EXIT_OK


def cmd_passes(args) -> int:
    from .passes import LEVELS, available

    passes = available()
    width = max(len(n) for n in passes)
    for name, (description, origin) in passes.items():
        print(f"{name:<{width}}  {description}  [{origin}]")
    print()
    for level, pipeline in LEVELS.items():
        print(f"-O{level}: {pipeline.replace(',', ', ') or '(no passes)'}")
    return EXIT_OK


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

    def pipeline_options(sp, passes_help=True):
        sp.add_argument("file", metavar="FILE")
        sp.add_argument("--model", metavar="NAME", help="the model to use when the file holds several")
        sp.add_argument("-O", dest="opt_level", type=int, choices=(0, 1, 2, 3), default=2,
                        help="optimisation level (default 2)")
        sp.add_argument("--passes", metavar="PIPELINE",
                        help="run exactly these passes: a,b{option=value},c (replaces -O)")
        sp.add_argument("--pass", dest="user_pass", action="append", metavar="MODULE:CLASS[@before:P|@after:P]",
                        help="add your own pass (a module on the path or FILE.py), repeatable")

    c = sub.add_parser("compile", help="lower a model to the IR and run the pass pipeline")
    pipeline_options(c)
    c.add_argument("--print-after", action="append", metavar="PASS", help="print the IR after PASS (or all)")
    c.add_argument("--verify-each", action="store_true", help="check the IR's invariants after every pass")
    c.add_argument("--time-passes", action="store_true", help="print each pass's time and changes")
    c.add_argument("--target", metavar="T[,T2...]",
                   help="compile every quantum block for these targets (`qmlc targets`, or a device .json)")
    c.add_argument("--verify", action="store_true",
                   help="check each compiled circuit against its logical one (statevector, random bindings)")
    c.add_argument("--report", choices=("text", "json"), default="text", help="the report's form (with --target)")
    c.add_argument("--emit", choices=("qasm", "json"),
                   help="write each block's native circuit: OpenQASM 2 (bound) or pytket JSON (symbols kept)")
    c.add_argument("--sample", action="append", metavar="INPUT=v1,v2,...",
                   help="data values to bind for --emit qasm, per block input")
    c.add_argument("--checkpoint", metavar="C",
                   help="for --emit qasm: bind the parameters of this training checkpoint (default: initial values)")
    c.add_argument("--placement", choices=("auto", "ansatz", "graph", "line", "sabre", "identity"), default="auto",
                   help="initial placement: auto tries the ansatz-aware, graph, line and SABRE placements, keeps the best")
    c.add_argument("--seed", type=int, default=0, help="seed for placement search and initial parameter values")
    c.add_argument("--circuit-pass", action="append", metavar="MODULE:NAME[@native]",
                   help="a pytket pass of yours in the circuit pipeline (after optimisation, or after the rebase)")
    c.add_argument("-o", "--output", metavar="OUT",
                   help="write the final IR as JSON to OUT; with --target, OUT is a directory for "
                        "report.json, each target's compiled model (MODEL.TARGET.qmlc.json, for "
                        "qml_compiler.load) and the emitted circuits")
    c.set_defaults(func=cmd_compile)

    c = sub.add_parser("inspect", help="show a model's intermediate graph")
    pipeline_options(c)
    c.add_argument("--ir", action="store_true", default=True, help="show the IR (the default view)")
    c.add_argument("--after", metavar="PASS", help="show the IR after this pass of the pipeline")
    c.add_argument("--format", choices=("text", "json", "dot", "html", "png"), default="text",
                   help="for the IR: text, json, dot; for --circuit: text, html (offline page), png")
    c.add_argument("--circuits", action="store_true", help="list every gate of every circuit (text)")
    c.add_argument("--circuit", metavar="BLOCK", help="draw this quantum block's circuit")
    c.add_argument("--stage", choices=("logical", "optimised", "routed", "native"),
                   help="which stage of the block to draw (with --target; default native, or logical without)")
    c.add_argument("--target", metavar="T", help="compile the block for this target first")
    c.add_argument("--placement", choices=("auto", "ansatz", "graph", "line", "sabre", "identity"), default="auto")
    c.add_argument("--seed", type=int, default=0)
    c.add_argument("--width", type=int, help="wrap the text drawing at this many columns")
    c.add_argument("-o", "--output", metavar="FILE", help="where to write html or png")
    c.set_defaults(func=cmd_inspect)

    c = sub.add_parser("passes", help="list every available pass and the default pipelines")
    c.set_defaults(func=cmd_passes)

    # Later stages add their own commands: each module has `add_commands(sub, pipeline_options)`
    # and keeps its heavy imports inside the command functions, so start-up stays fast.
    import importlib
    for name in COMMAND_MODULES:
        importlib.import_module(name).add_commands(sub, pipeline_options)
    return p


COMMAND_MODULES = ("qml_compiler.quantum.commands", "qml_compiler.train.commands")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return args.func(args)
    except _UsageError as e:
        parser.print_usage(sys.stderr)
        print(f"qmlc: error: {e}", file=sys.stderr)
        return EXIT_USAGE
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
