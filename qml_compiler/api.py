"""The Python entry point: `compile` a `.qml` model into something that runs and trains."""

from __future__ import annotations

import os

from .diagnostics import QmlError


def compile(source: str, model: str | None = None, opt_level: int = 2, passes: str | None = None,
            engine: str = "numba", memory_limit: int | None = None, options: dict | None = None,
            precision: str = "double"):
    """Check, lower and optimise a model; return a `runtime.CompiledModel`.

    `source` is a path to a `.qml` file or the source text itself. `model` picks one model of a
    file that holds several; `opt_level` (0-3) picks the default pass pipeline, or `passes` gives
    one explicitly (`"light-cone,merge-rotations"`). `engine` is "numba" (compiled kernels;
    falls back to NumPy where numba is missing) or "numpy"; `precision` "double" (complex128)
    or "single" (complex64, half the memory). Every mistake is a `QmlError`.
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
    models = load_source(source) if looks_like_source else load_file(source)
    spec = select_model(models, model, "<source>" if looks_like_source else source)
    graph = lower(spec)
    pm = PassManager.from_pipeline(passes) if passes is not None else PassManager.for_level(opt_level)
    ctx = PassContext(options=dict(options or {}))
    graph = pm.run(graph, ctx)
    return CompiledModel(graph, engine=engine, memory_limit=memory_limit,
                         report={"passes": pm.records, "facts": ctx.facts}, precision=precision)
