"""The Python entry point: `compile` a `.qml` model into something that runs and trains."""

from __future__ import annotations

import os

from .diagnostics import QmlError


def compile(source: str, model: str | None = None, opt_level: int = 2, passes: str | None = None,
            engine: str = "numba", memory_limit: int | None = None, options: dict | None = None,
            precision: str = "double", target=None, execute: str = "compiled", verify: bool = False,
            placement: str = "auto", circuit_passes=(), seed: int = 0):
    """Check, lower and optimise a model; return a `runtime.CompiledModel`.

    `source` is a path to a `.qml` file or the source text itself. `model` picks one model of a
    file that holds several; `opt_level` (0-3) picks the default pass pipeline, or `passes` gives
    one explicitly (`"light-cone,merge-rotations"`). `engine` is "numba" (compiled kernels;
    falls back to NumPy where numba is missing) or "numpy"; `precision` "double" (complex128)
    or "single" (complex64, half the memory). Every mistake is a `QmlError`.

    With a `target` (a catalogue name such as "heavy-hex-27", a device file, or a `Target`),
    every quantum block is compiled for it at the same level (`placement`, `circuit_passes`:
    pytket passes, `seed`, see `quantum.compile_circuit`); `execute="compiled"` runs the
    routed, native circuits (what the hardware would run), "logical" the logical ones.
    `verify` checks each compiled circuit against its logical one. The compilation report is
    `model.report["quantum"]`.
    """
    from .frontend import load_file, load_source, select_model
    from .ir import lower
    from .passes import PassContext, PassManager
    from .runtime.model import CompiledModel

    if engine not in ("numba", "numpy"):
        raise QmlError(f"unknown engine `{engine}`", hint="choose numba or numpy")
    if precision not in ("double", "single"):
        raise QmlError(f"unknown precision `{precision}`", hint="choose double or single")
    looks_like_source = "\n" in source or "{" in source
    if not looks_like_source and not os.path.exists(source):
        from .diagnostics import FileError
        raise FileError(f"no such file: `{source}`")
    tgt = None
    if target is not None:
        from .quantum.targets import get_target
        tgt = get_target(target)
    from .frontend.native import resolving_for
    with resolving_for(tgt) as native_choices:
        models = load_source(source) if looks_like_source else load_file(source)
    spec = select_model(models, model, "<source>" if looks_like_source else source)
    graph = lower(spec)
    pm = PassManager.from_pipeline(passes) if passes is not None else PassManager.for_level(opt_level)
    ctx = PassContext(options=dict(options or {}))
    graph = pm.run(graph, ctx)
    report: dict = {"passes": pm.records, "facts": ctx.facts}
    compiled = None
    if target is not None:
        from .quantum.blocks import compile_graph, native_layouts
        from .quantum.report import block_report, report_json, target_report

        if execute not in ("compiled", "logical"):
            raise QmlError(f"unknown execute mode `{execute}`", hint="choose compiled or logical")
        level = opt_level if passes is None else 2
        fixed, native = native_layouts(spec, native_choices)
        runnable, compiled, checks = compile_graph(graph, tgt, opt_level=level, seed=seed,
                                                   placement=placement, user_passes=circuit_passes,
                                                   verify=verify, fixed=fixed)
        blocks = [block_report(graph.nodes[n]["op"].name, cc, checks.get(n),
                               native=_native_of(graph.nodes[n]["op"].name, native))
                  for n, cc in compiled.items()]
        report["quantum"] = report_json(spec.name, [target_report(spec.name, tgt, level, blocks)])
        logical = graph
        if execute == "compiled":
            graph = runnable
    cm = CompiledModel(graph, engine=engine, memory_limit=memory_limit, report=report, precision=precision)
    cm.target = None if tgt is None else tgt.name
    cm.target_spec = None if tgt is None else tgt.to_json()
    cm.compiled = compiled or {}
    cm.logical_ir = logical if tgt is not None else graph
    return cm


def load(path: str, engine: str | None = None, memory_limit: int | None = None):
    """A compiled model saved with `qml_compiler.save` (or `qmlc compile --target T -o DIR`),
    loaded without compiling again."""
    from .artifact import load as load_artifact
    return load_artifact(path, engine=engine, memory_limit=memory_limit)


def save(cm, path: str) -> str:
    """Save a compiled model (graph, circuits, placements, report) to a versioned JSON file."""
    from .artifact import save as save_artifact
    return save_artifact(cm, path)


def _native_of(block: str, native: dict[str, list[dict]]) -> list[dict]:
    return [c for part in block.split("+") for c in native.get(part, [])]
