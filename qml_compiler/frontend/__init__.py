"""The front end: `.qml` source to a checked, elaborated model description.

    >>> from qml_compiler.frontend import load_source
    >>> models = load_source(open("examples/moons.qml").read(), "moons.qml")
    >>> models["moons"].summary()
    'moons: inputs x[2]; outputs y[2]; 4 qubits in 1 block; 34 trainable parameters'

Stages: `parser.parse` (Lark LALR, builds the `ast` directly), `check.check_program` (names,
widths, shapes, qubits; elaborates loops, gate calls and templates into flat gate lists, see
`model`), `printer.to_source` (canonical source; parse(print(tree)) == tree). Every mistake
is a `QmlError` from `qml_compiler.diagnostics` with the file, line and column.
"""

from .check import load_file, load_source, select_model
from .model import BlockSpec, GateOp, ModelSpec
from .parser import parse
from .printer import to_source

__all__ = ["load_file", "load_source", "select_model", "parse", "to_source", "ModelSpec",
           "BlockSpec", "GateOp"]
