"""The intermediate graph: what a model is between the front end and execution.

    >>> from qml_compiler.frontend import load_file
    >>> from qml_compiler.ir import lower, verify, to_text
    >>> g = lower(load_file("examples/moons.qml")["moons"])
    >>> verify(g)
    >>> print(to_text(g))
    model moons (examples/moons.qml)
      x = input [2]
      %1 = quantum circuit 4q 40 gates (12 2q) depth 19 24 params -> <Z0>, <Z1>, <Z2>, <Z3> (x)
      ...

A `networkx.DiGraph` whose nodes carry immutable operations (`nodes`): inputs, dense layers,
activations, scaling, concatenation, slices, constants, quantum blocks (a pytket circuit with
sympy symbols for parameters and data, plus readouts) and outputs. Edges carry widths and argument
ports. `verify` checks the invariants; `dump` writes text, JSON (which loads back) and DOT.
"""

from .dump import from_json, graphs_equal, to_dot, to_json, to_text
from .graph import args, blocks, copy, lower, op, ordered, stats, trainable
from .nodes import (Activation, Concat, Constant, Dense, Input, Output, QuantumBlock, Scale,
                    Slice, SymbolRef)
from .verify import IRVerificationError, verify

__all__ = ["lower", "verify", "IRVerificationError", "to_text", "to_json", "from_json", "to_dot",
           "graphs_equal", "args", "blocks", "copy", "op", "ordered", "stats", "trainable",
           "Activation", "Concat", "Constant", "Dense", "Input", "Output", "QuantumBlock", "Scale",
           "Slice", "SymbolRef"]
