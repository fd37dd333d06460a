"""A compiled model as one versioned JSON file that loads back without compiling again.

    >>> cm = qml_compiler.compile("examples/moons.qml", target="heavy-hex-27")
    >>> save(cm, "moons.heavy-hex-27.qmlc.json")
    >>> cm2 = load("moons.heavy-hex-27.qmlc.json")       # no parsing, no passes, no routing
    >>> cm2.forward(x, params) == cm.forward(x, params)

The file holds the graph the model runs (with its compiled circuits, symbols kept), the logical
graph, each block's compiled stages with its placement (initial and final maps), the target,
the report, and the versions that made it. Loading refuses what it cannot trust: another format,
a newer version, a damaged file, with a message that says which.
"""

from __future__ import annotations

import json
import os

from .diagnostics import FileError, QmlError

FORMAT = "qml_compiler.compiled_model"
VERSION = 1


class ArtifactError(QmlError):
    """A compiled-model file that cannot be loaded."""


def save(cm, path: str) -> str:
    """Write `cm` (a CompiledModel from `qml_compiler.compile`) to `path` atomically."""
    import pytket

    from . import __version__
    from .ir.dump import to_json

    doc = {
        "format": FORMAT, "version": VERSION, "qml_compiler": __version__, "pytket": pytket.__version__,
        "model": cm.name, "engine": cm.engine, "precision": cm.precision,
        "target": getattr(cm, "target_spec", None),
        "graph": json.loads(to_json(cm.ir)),
        "logical": json.loads(to_json(cm.logical_ir)) if getattr(cm, "logical_ir", None) is not None else None,
        "compiled": {n: cc.to_json() for n, cc in (getattr(cm, "compiled", None) or {}).items()},
        "report": json.loads(json.dumps(cm.report.get("quantum"), default=str)) if cm.report.get("quantum") else None,
    }
    from .cli import _write_atomic
    _write_atomic(path, json.dumps(doc))
    return path


def load(path: str, engine: str | None = None, memory_limit: int | None = None):
    """A CompiledModel from a file written by `save`, without compiling anything."""
    from .ir.dump import from_json
    from .quantum.compile import CompiledCircuit
    from .quantum.targets import target_from_json
    from .runtime.model import CompiledModel

    if not os.path.exists(path):
        raise FileError(f"no such compiled model: `{path}`")
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, UnicodeDecodeError) as e:
        raise ArtifactError(f"cannot read `{path}`: {e}")
    except json.JSONDecodeError as e:
        raise ArtifactError(f"`{path}` is damaged: not valid JSON ({e.msg} at line {e.lineno}, column {e.colno})",
                            hint="compile the model again and save it")
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ArtifactError(f"`{path}` is not a compiled qml_compiler model",
                            hint="write one with qml_compiler.artifact.save or `qmlc compile --target T -o DIR`")
    if doc.get("version") != VERSION:
        raise ArtifactError(f"`{path}` is a version {doc.get('version')} compiled model; this qml_compiler reads "
                            f"version {VERSION}", hint="compile the model again with this version")
    try:
        graph = from_json(json.dumps(doc["graph"]), source=path)
        logical = from_json(json.dumps(doc["logical"]), source=path) if doc.get("logical") else None
        target = target_from_json(doc["target"], path) if doc.get("target") else None
        compiled = {n: CompiledCircuit.from_json(c, target) for n, c in doc.get("compiled", {}).items()}
    except QmlError:
        raise
    except (KeyError, TypeError, ValueError, RuntimeError) as e:
        raise ArtifactError(f"`{path}` is damaged: {type(e).__name__}: {e}",
                            hint="compile the model again and save it") from None
    cm = CompiledModel(graph, engine=engine or doc.get("engine", "numba"), memory_limit=memory_limit,
                       report={"quantum": doc.get("report")} if doc.get("report") else {},
                       precision=doc.get("precision", "double"))
    cm.target = target.name if target is not None else None
    cm.target_spec = doc.get("target")
    cm.compiled = compiled
    cm.logical_ir = logical
    return cm
