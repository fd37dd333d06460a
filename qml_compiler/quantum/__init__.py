"""Quantum compilation: each quantum block's circuit made runnable on a target.

pytket does the circuit work. A `Target` (targets.py) names a coupling map and native gates;
`compile_circuit` (compile.py) optimises a parametric circuit at a level (levels.py), places it
with shape-aware candidates (placement.py), routes, rebases and cleans up, keeping every symbol;
`equivalence.check` proves the result computes the logical circuit up to the recorded qubit
permutation; `metrics` and `report` say what it became and what it costs.

    >>> from qml_compiler.quantum import compile_circuit, get_target
    >>> cc = compile_circuit(circuit, "heavy-hex-27")
    >>> cc.circuit.n_2qb_gates(), cc.final_map
"""

from .compile import CompiledCircuit, compile_circuit
from .targets import Target, get_target

__all__ = ["CompiledCircuit", "Target", "compile_circuit", "get_target"]
