"""qml_compiler: write a hybrid quantum-classical model once, compile it for hardware, train it.

The package reads like the pipeline: `frontend` (the `.qml` language: parse, check, elaborate),
then the intermediate graph, passes, quantum compilation, runtime and training in later stages.
Heavy libraries (pytket, numpy) are imported only where a stage needs them, so that `qmlc check`
starts fast.
"""

__version__ = "0.1.0"


def __getattr__(name):
    # `qml_compiler.compile` without importing pytket or numpy for `import qml_compiler`.
    if name in ("compile", "load", "save"):
        from . import api
        return getattr(api, name)
    raise AttributeError(f"module 'qml_compiler' has no attribute {name!r}")
