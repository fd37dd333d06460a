"""`qmlc targets`, and the target side of `qmlc compile` and `qmlc inspect --circuit`.

Heavy imports stay inside the functions so that `qmlc check` starts fast.
"""

from __future__ import annotations

import json
import os
import sys


def add_commands(sub, pipeline_options) -> None:
    """Register this stage's subcommands on the `qmlc` parser."""
    c = sub.add_parser("targets", help="list the target catalogue (or describe one target)")
    c.add_argument("name", nargs="?", metavar="TARGET", help="a catalogue name or a device .json file")
    c.add_argument("--format", choices=("text", "json"), default="text")
    c.set_defaults(func=cmd_targets)


def cmd_targets(args) -> int:
    from .targets import CATALOGUE, EXAMPLES, get_target

    if args.name:
        t = get_target(args.name)
        if args.format == "json":
            print(json.dumps(t.to_json(), indent=2))
        else:
            print(_describe(t))
        return 0
    rows = [get_target(name) for name in EXAMPLES]
    if args.format == "json":
        print(json.dumps({"patterns": CATALOGUE, "examples": [t.to_json() for t in rows]}, indent=2))
        return 0
    print(f"{'pattern':<16} description")
    for pattern, text in CATALOGUE.items():
        print(f"{pattern:<16} {text}")
    print()
    print(f"{'example':<16} {'qubits':>6}  {'connectivity':<14} native gates")
    for t in rows:
        gates = ", ".join(t.gates) if t.gates else "(no rebase)"
        qubits = "any" if t.name == "ideal" else str(t.n_qubits)
        print(f"{t.name:<16} {qubits:>6}  {t.connectivity:<14} {gates}")
    print()
    print("A device file: qmlc compile FILE --target path/to/device.json (format: docs/targets.md)")
    return 0


def _describe(t) -> str:
    lines = [f"{t.name}: {t.description}", f"  qubits:       {t.n_qubits}",
             f"  connectivity: {t.connectivity}",
             f"  native gates: {', '.join(t.gates) if t.gates else '(no rebase)'}"]
    if t.edges is not None:
        g = t.graph()
        degrees = sorted({d for _, d in g.degree()})
        lines.append(f"  degrees:      {', '.join(map(str, degrees))}")
        shown = ", ".join(f"{a}-{b}" for a, b in t.edges[:24])
        lines.append(f"  couplers:     {shown}{' ...' if len(t.edges) > 24 else ''}")
    if t.errors is not None:
        e = t.errors
        lines.append(f"  errors:       1q {e.gate_1q:g}, 2q {e.gate_2q:g}, readout {e.readout:g}"
                     + (" (per-qubit/edge values in the file)" if e.gate_2q_by_edge or e.gate_1q_by_qubit
                        or e.readout_by_qubit else ""))
    return "\n".join(lines)


# --- `qmlc compile --target` ---------------------------------------------------------------------

def compile_for_targets(args, build, model: str) -> int:
    """Compile every block for each target of `--target a,b` (`build(target)` elaborates the
    file for it: native entanglement differs per target), print or write the report, and emit
    the circuits when asked."""
    from ..cli import _write_atomic
    from .blocks import compile_graph, native_layouts
    from .report import block_report, report_json, report_text, target_report
    from .targets import get_target

    names = [n for n in args.target.split(",") if n]
    targets = [get_target(n) for n in names]
    per_target = []
    emitted: list[str] = []
    out_dir = args.output
    if out_dir:
        if os.path.exists(out_dir) and not os.path.isdir(out_dir):
            from ..diagnostics import FileError
            raise FileError(f"`-o {out_dir}`: with --target, -o names a directory for the report and circuits")
        os.makedirs(out_dir, exist_ok=True)
    user = _circuit_passes(args)
    for t in targets:
        graph, spec, choices = build(t)
        params = None
        if args.emit == "qasm":
            params = _emit_params(args, graph)
        fixed, native = native_layouts(spec, choices)
        runnable, compiled, checks = compile_graph(graph, t, opt_level=args.opt_level, seed=args.seed,
                                                   placement=args.placement, user_passes=user,
                                                   verify=args.verify, fixed=fixed)
        blocks = []
        for n, cc in compiled.items():
            name = graph.nodes[n]["op"].name
            blocks.append(block_report(name, cc, checks.get(n),
                                       native=[c for p in name.split("+") for c in native.get(p, [])]))
            if args.emit:
                emitted += _emit(args, graph.nodes[n]["op"], cc, t, out_dir, params)
        per_target.append(target_report(model, t, args.opt_level, blocks))
        if out_dir:
            emitted.append(_save_artifact(out_dir, model, t, runnable, graph, compiled, per_target[-1]))
    rep = report_json(model, per_target)
    if args.report == "json":
        text = json.dumps(rep, indent=2)
    else:
        text = report_text(rep)
    print(text)
    if out_dir:
        _write_atomic(os.path.join(out_dir, "report.json"), json.dumps(rep, indent=2))
        print(f"wrote {os.path.join(out_dir, 'report.json')}", file=sys.stderr if args.report == "json" else sys.stdout)
    for path in emitted:
        print(f"wrote {path}", file=sys.stderr if args.report == "json" else sys.stdout)
    return 0


def _emit_params(args, graph) -> dict:
    """Parameter values for `--emit qasm`: a training checkpoint's (checked to be this model's),
    or the initial values drawn with `--seed`."""
    from ..runtime.model import CompiledModel

    cm = CompiledModel(graph)
    if not getattr(args, "checkpoint", None):
        return cm.init_params(args.seed)
    from ..train import checkpoint as ckpt
    meta, arrays = ckpt.load(args.checkpoint)
    ckpt.check_model(meta, cm, args.checkpoint)
    prefix = "final/" if any(k.startswith("final/") for k in arrays) else "param/"
    return {k: arrays[prefix + k] for k in cm.param_specs}


def _save_artifact(out_dir, model, target, runnable, logical, compiled, target_rep) -> str:
    """`DIR/MODEL.TARGET.qmlc.json`: the compiled model, loadable with `qml_compiler.load`."""
    from ..artifact import save
    from ..runtime.model import CompiledModel
    from .report import report_json

    cm = CompiledModel(runnable, report={"quantum": report_json(model, [target_rep])})
    cm.target_spec, cm.compiled, cm.logical_ir = target.to_json(), compiled, logical
    return save(cm, os.path.join(out_dir, f"{model}.{target.name.replace(os.sep, '_')}.qmlc.json"))


def _circuit_passes(args) -> list:
    """`--circuit-pass module:NAME[@native]` (or a plugin's name): a pytket pass, or a function
    returning one, run after the level's optimisation or, with `@native`, after the rebase."""
    from ..passes.base import load_object

    out = []
    for ref in getattr(args, "circuit_pass", None) or []:
        where = "optimise"
        if ref.endswith("@native"):
            ref, where = ref[: -len("@native")], "native"
        from pytket.passes import BasePass

        from ..passes import PassError
        obj = _circuit_pass_plugins().get(ref) or load_object(ref, "--circuit-pass")
        if not isinstance(obj, BasePass) and callable(obj):
            obj = obj()
        if not isinstance(obj, BasePass):
            raise PassError(f"`--circuit-pass {ref}` is not a pytket pass",
                            hint="name a pytket BasePass (e.g. a CustomPass around your function), or a "
                                 "function that returns one; plugins: entry-point group "
                                 "`qml_compiler.circuit_passes`")
        out.append((where, obj))
    return out


def _circuit_pass_plugins() -> dict:
    """Circuit passes that installed packages offer under the entry-point group
    `qml_compiler.circuit_passes` (name -> a pytket pass or a function returning one)."""
    from importlib.metadata import entry_points

    out = {}
    for ep in entry_points(group="qml_compiler.circuit_passes"):
        try:
            out[ep.name] = ep.load()
        except Exception:  # a broken plugin must not stop compilation of anything else
            continue
    return out


def _emit(args, block, cc, target, out_dir, params: dict) -> list[str]:
    """Write the native circuit of a block: OpenQASM 2 with parameters bound to a checkpoint's
    values (`--checkpoint`) or their initial ones (`--seed`) and data to `--sample`, or pytket
    JSON with every symbol kept."""
    from ..diagnostics import ConfigError
    from .export import block_bindings, to_pytket_json, to_qasm

    base = f"{block.name}.{target.name.replace(os.sep, '_')}"
    if args.emit == "json":
        text = json.dumps(to_pytket_json(cc.circuit), indent=1)
        ext = "json"
    else:
        needed = list(dict.fromkeys(s.name for s in block.symbols if s.kind == "input"))
        samples = _samples(args)
        missing = [n for n in needed if n not in samples]
        if missing:
            raise ConfigError(f"block `{block.name}` reads data ({', '.join(missing)}), so its OpenQASM needs "
                              "values for it", hint=f"give one sample: --sample {missing[0]}=0.1,0.2,... "
                                                    "or use --emit json, which keeps every symbol")
        widths = dict(block.inputs)
        for n in needed:
            if len(samples[n]) != widths[n]:
                raise ConfigError(f"--sample {n}= has {len(samples[n])} values; input `{n}` of block "
                                  f"`{block.name}` has width {widths[n]}")
        text = to_qasm(cc.circuit, block_bindings(block, params, {n: samples[n] for n in needed}))
        ext = "qasm"
    if out_dir is None:
        print(f"// {base}.{ext}")
        print(text)
        return []
    path = os.path.join(out_dir, f"{base}.{ext}")
    from ..cli import _write_atomic
    _write_atomic(path, text if text.endswith("\n") else text + "\n")
    return [path]


def _samples(args) -> dict[str, list[float]]:
    from ..diagnostics import ConfigError

    out = {}
    for item in getattr(args, "sample", None) or []:
        name, _, values = item.partition("=")
        try:
            out[name.strip()] = [float(v) for v in values.split(",") if v.strip()]
        except ValueError:
            raise ConfigError(f"--sample {item}: values must be numbers separated by commas",
                              hint="for example --sample x=0.1,0.2")
    return out


# --- `qmlc inspect --circuit` --------------------------------------------------------------------

def inspect_circuit(args, graph) -> int:
    """Draw one block at one stage: text to the terminal, or an html / png file."""
    from ..diagnostics import ConfigError, UnknownName, did_you_mean
    from ..ir.nodes import QuantumBlock
    from .draw import draw_html, draw_png, draw_text, symbol_labels

    blocks = {graph.nodes[n]["op"].name: graph.nodes[n]["op"] for n in graph
              if isinstance(graph.nodes[n]["op"], QuantumBlock)}
    block = blocks.get(args.circuit)
    if block is None:
        hint = did_you_mean(args.circuit, blocks)
        raise UnknownName(f"no quantum block `{args.circuit}` in model `{graph.graph['model']}`",
                          hint=hint or "blocks: " + (", ".join(blocks) or "(none)"))
    stage = args.stage or ("native" if args.target else "logical")
    if stage == "logical" and not args.target:
        circ = block.circuit
        title = f"block {block.name}, logical ({circ.n_qubits} qubits, {circ.n_gates} gates)"
    else:
        if not args.target:
            raise ConfigError(f"--stage {stage} needs --target: stages after `logical` exist for a target",
                              hint="for example --target heavy-hex-27")
        from .compile import compile_circuit
        cc = compile_circuit(block.circuit, args.target, opt_level=args.opt_level, seed=args.seed,
                             placement=args.placement, name=block.name)
        circ = cc.stages[stage]
        title = (f"block {block.name} on {cc.target.name}, {stage} ({circ.n_qubits} qubits, {circ.n_gates} "
                 f"gates, {circ.n_2qb_gates()} two-qubit)")
    labels = symbol_labels(block)
    if args.format in ("html", "png"):
        path = args.output or f"{block.name}.{stage}.{args.format}"
        (draw_html if args.format == "html" else draw_png)(circ, path, labels=labels)
        print(f"wrote {path}")
        return 0
    if args.format != "text":
        raise ConfigError(f"--format {args.format} is for the IR; a circuit is drawn as text, html or png")
    print(title)
    print(draw_text(circ, labels=labels, width=args.width))
    return 0
